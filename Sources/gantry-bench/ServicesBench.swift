import Foundation
import GantryAPI
import GantryClient

/// One wrk run: requests per second and latency percentiles (ms).
struct WrkResult {
    var rps: Double
    var p50: Double
    var p99: Double
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
    }
    return r.rps > 0 ? r : nil
}

/// Service data path: the same httpd pod measured straight at its IP, through its ClusterIP and through its
/// NodePort on 127.0.0.1, interleaved over several rounds in one run; prints each and the ratios to direct.
func servicesBenchmark(seconds: Int, rounds: Int, connections: Int) async throws {
    guard getuid() == 0 else { print("the services benchmark needs root (runc, CNI, iptables)"); return }
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else { print("install wrk (apt-get install wrk)"); return }
    let dir = NSTemporaryDirectory() + "gantry-bench-svc-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { sh("rm -rf '\(dir)'") }
    let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    let gantry = binDir + "/gantry"
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    guard FileManager.default.isExecutableFile(atPath: gantry) else { print("build gantry first: \(gantry) is missing"); return }
    let state = dir + "/state"
    let port = 18_000 + Int.random(in: 0..<2000)
    let dev = Process()
    dev.executableURL = URL(fileURLWithPath: gantry)
    dev.arguments = ["dev", "--data-dir", state, "--listen", "127.0.0.1:\(port)", "--node-name", "bench", "--bridge", "gbench1",
                     "--pod-cidr", "10.253.8.0/24", "--agent-port", "0"]
    let logPath = NSTemporaryDirectory() + "/gantry-bench-svc-dev.log"
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    let log = FileHandle(forWritingAtPath: logPath)
    dev.standardOutput = log
    dev.standardError = log
    try dev.run()
    defer {
        kill(dev.processIdentifier, SIGTERM)
        dev.waitUntilExit()
        sh("ip link delete gbench1 2>/dev/null")
    }
    sh("'\(repo)/scripts/build-demo-image.sh' '\(dir)/busybox.tar' && '\(gantry)' image import --data-dir '\(state)/agent' '\(dir)/busybox.tar'")
    let client = GantryClient(server: "http://127.0.0.1:\(port)")
    for _ in 0..<200 {
        if (try? await client.get(.nodes, namespace: nil, name: "bench")) != nil { break }
        try await Task.sleep(for: .milliseconds(100))
    }
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
    let targets = [("direct", "http://\(podIP):8080/"), ("cluster_ip", "http://\(clusterIP):80/"),
                   ("node_port", "http://127.0.0.1:\(nodePort)/")]
    var best: [String: WrkResult] = [:]
    for round in 0..<rounds {
        for (name, url) in targets {
            guard let r = wrk(url, seconds: seconds, connections: connections) else { print("wrk \(url) failed"); continue }
            print(String(format: "round=%d path=%@ requests_per_second=%.0f p50_ms=%.2f p99_ms=%.2f", round, name, r.rps, r.p50, r.p99))
            // Per path, the round with the most throughput (the machine is noisy; every path gets the same chances).
            if (best[name]?.rps ?? 0) < r.rps { best[name] = r }
        }
    }
    guard let d = best["direct"] else { return }
    for name in ["cluster_ip", "node_port"] {
        guard let r = best[name] else { continue }
        print(String(format: "%@_vs_direct throughput_ratio=%.2f p99_ratio=%.2f (%.0f vs %.0f req/s, p99 %.2f vs %.2f ms)",
                     name, r.rps / d.rps, r.p99 / d.p99, r.rps, d.rps, r.p99, d.p99))
    }
}
