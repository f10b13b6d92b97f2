import Foundation
import GantryAPI
import GantryClient

/// One wrk run: requests per second and latency percentiles (ms).
struct WrkResult {
    var rps: Double
    var p50: Double
    var p99: Double
    /// Connect, read, write and timeout errors, and non-2xx answers.
    var errors: Int = 0
}

/// Runs `wrk --latency` against `url` and parses its report.
func wrk(_ url: String, seconds: Int, connections: Int) -> WrkResult? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
    p.arguments = ["-t", "2", "-c", String(connections), "-d", "\(seconds)s", "--latency", url]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return nil }
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    func ms(_ s: Substring) -> Double? {
        if s.hasSuffix("us") { return Double(s.dropLast(2)).map { $0 / 1000 } }
        if s.hasSuffix("ms") { return Double(s.dropLast(2)) }
        if s.hasSuffix("s") { return Double(s.dropLast(1)).map { $0 * 1000 } }
        return nil
    }
    var r = WrkResult(rps: 0, p50: 0, p99: 0)
    for line in text.split(separator: "\n") {
        let f = line.split(separator: " ", omittingEmptySubsequences: true)
        if f.first == "Requests/sec:", f.count > 1 { r.rps = Double(f[1]) ?? 0 }
        if f.first == "50%", f.count > 1 { r.p50 = ms(f[1]) ?? 0 }
        if f.first == "99%", f.count > 1 { r.p99 = ms(f[1]) ?? 0 }
        // "Socket errors: connect 0, read 0, write 0, timeout 0" and "Non-2xx or 3xx responses: N"
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        if line.hasPrefix("  Socket errors:") { r.errors += numbers.reduce(0, +) }
        if line.hasPrefix("  Non-2xx") { r.errors += numbers.last ?? 0 }
    }
    return r.rps > 0 ? r : nil
}

/// Service data path: the same httpd pod measured straight at its IP, through its ClusterIP and through its
/// NodePort on 127.0.0.1, interleaved over several rounds in one run; prints each and the ratios to direct.
func servicesBenchmark(seconds: Int, rounds: Int, connections: Int, pause: Int) async throws {
    guard getuid() == 0 else { print("the services benchmark needs root (runc, CNI, iptables)"); return }
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else { print("install wrk (apt-get install wrk)"); return }
    guard let cluster = try await BenchDevCluster.start(name: "services", bridge: "gbench1", podCIDR: "10.253.8.0/24") else { return }
    defer { cluster.stop() }
    let client = cluster.client
    let logPath = cluster.logPath
    _ = try await client.create(.pods, namespace: "default", [
        "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web", "labels": ["app": "web"]],
        "spec": ["terminationGracePeriodSeconds": 0,
                 "containers": [["name": "web", "image": "gantry.local/busybox:1", "imagePullPolicy": "IfNotPresent",
                                 "command": ["sh", "-c", "mkdir -p /www; echo hello > /www/index.html; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"],
                                 "ports": [["containerPort": 8080]],
                                 "readinessProbe": ["tcpSocket": ["port": 8080], "periodSeconds": 1]]]],
    ])
    let svc = try await client.create(.services, namespace: "default", [
        "apiVersion": "v1", "kind": "Service", "metadata": ["name": "web"],
        "spec": ["type": "NodePort", "selector": ["app": "web"], "ports": [["port": 80, "targetPort": 8080]]],
    ])
    let clusterIP = svc[path: ["spec", "clusterIP"]]?.stringValue ?? ""
    let nodePort = svc[path: ["spec", "ports"]]?.arrayValue?.first?["nodePort"]?.intValue ?? 0
    var podIP = ""
    for _ in 0..<300 {
        let ep = try? await client.get(Endpoints.self, namespace: "default", name: "web")
        if let ip = ep?.subsets?.first?.addresses?.first?.ip { podIP = ip; break }
        try await Task.sleep(for: .milliseconds(100))
    }
    guard !podIP.isEmpty else { print("the web pod never became a ready endpoint; see \(logPath)"); return }
    try await Task.sleep(for: .seconds(1))  // the proxy's rules
    // busybox httpd closes every connection, so wrk opens thousands per second: without reusing TIME_WAIT
    // ports the client runs out of them within a few seconds (on every path alike). Restored afterwards.
    let twReuse = "/proc/sys/net/ipv4/tcp_tw_reuse"
    let oldReuse = (try? String(contentsOfFile: twReuse, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "2"
    sh("echo 1 > \(twReuse)")
    defer { sh("echo \(oldReuse) > \(twReuse)") }
    let node = try await client.get(Node.self, namespace: nil, name: "bench")
    let nodeIP = node.status?.addresses?.first { $0.type == "InternalIP" }?.address ?? "127.0.0.1"
    let targets = [("direct", "http://\(podIP):8080/"), ("cluster_ip", "http://\(clusterIP):80/"),
                   ("node_port", "http://\(nodeIP):\(nodePort)/"), ("node_port_loopback", "http://127.0.0.1:\(nodePort)/")]
    var all: [String: [WrkResult]] = [:]
    for round in 0..<rounds {
        for (name, url) in targets {
            // Each request is a connection (busybox httpd closes it), and the server keeps each one in
            // TIME_WAIT for 60 s; through a node port the source is rewritten (SNAT), and once tens of thousands
            // of those are waiting, new connections start colliding with them and stall. A pause between
            // measurements lets them expire, so every path starts from the same state.
            if pause > 0 { try await Task.sleep(for: .seconds(pause)) }
            guard let r = wrk(url, seconds: seconds, connections: connections) else { print("wrk \(url) failed"); continue }
            print(String(format: "round=%d path=%@ requests_per_second=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d", round, name, r.rps,
                         r.p50, r.p99, r.errors))
            all[name, default: []].append(r)
        }
    }
    // Per path, the medians over the rounds (the machine is noisy; every path gets the same chances).
    func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s.isEmpty ? 0 : s[s.count / 2] }
    guard let d = all["direct"] else { return }
    let (drps, dp99) = (median(d.map(\.rps)), median(d.map(\.p99)))
    for name in ["cluster_ip", "node_port", "node_port_loopback"] {
        guard let r = all[name] else { continue }
        let (rps, p99) = (median(r.map(\.rps)), median(r.map(\.p99)))
        print(String(format: "%@_vs_direct throughput_ratio=%.2f p99_ratio=%.2f (median %.0f vs %.0f req/s, p99 %.2f vs %.2f ms)",
                     name, rps / drps, p99 / dp99, rps, drps, p99, dp99))
    }
}
