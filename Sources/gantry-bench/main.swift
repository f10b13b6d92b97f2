import AsyncHTTPClient
import Foundation
import GantryAPI
import GantryAPIServer
import GantryMetrics
import GantryClient
import GantryRuntime
import GantryStore
import GantryStoreSQLite
import Hummingbird
import Logging
import NIOCore

// gantry-bench: performance figures of Gantry, each beside a baseline measured in the same run.
//
//   swift run -c release gantry-bench api [--seconds N]
//
// `api` starts a control plane on a fresh SQLite store (in a temp dir) on loopback and measures, through
// the HTTP API, creates, gets, lists and watch delivery with 1 and 16 concurrent clients. Baselines: the
// same creates straight on the SQLite store (no HTTP), and a GET /healthz round trip (HTTP floor).

struct Stats {
    var samples: [Double] = []  // seconds
    mutating func add(_ s: Double) { samples.append(s) }
    func percentile(_ p: Double) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sorted = samples.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }
}

actor Collector {
    var stats = Stats()
    func add(_ s: Double) { stats.add(s) }
    func addAll(_ s: [Double]) { stats.samples += s }
}

/// Times by object name.
actor Times {
    var values: [String: Double] = [:]
    func set(_ k: String, _ t: Double) { values[k] = t }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func line(_ name: String, clients: Int, ops: Int, seconds: Double, stats: Stats) {
    let rate = Double(ops) / seconds
    print(String(format: "%-28@ clients=%-3d ops=%-7d ops_per_second=%-9.0f p50_ms=%-7.2f p99_ms=%.2f",
                 name as NSString, clients, ops, rate, stats.percentile(0.5) * 1000, stats.percentile(0.99) * 1000))
}

/// Runs `body` from `clients` concurrent loops for `seconds`; returns the op count, wall time and latencies.
func drive(clients: Int, seconds: Double, _ body: @escaping @Sendable (Int, Int) async throws -> Void) async -> (Int, Double, Stats) {
    let collector = Collector()
    let start = now()
    let deadline = start + seconds
    let counts = await withTaskGroup(of: Int.self) { group in
        for c in 0..<clients {
            group.addTask {
                var n = 0
                var local: [Double] = []
                while now() < deadline {
                    let t0 = now()
                    do { try await body(c, n) } catch {
                        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                        break
                    }
                    local.append(now() - t0)
                    n += 1
                }
                await collector.addAll(local)
                return n
            }
        }
        var total = 0
        for await n in group { total += n }
        return total
    }
    return (counts, now() - start, await collector.stats)
}

func configMap(_ name: String, _ extra: [String: JSONValue] = [:]) -> JSONValue {
    var cm: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "labels": ["bench": "yes"]],
                         "data": ["payload": .string(String(repeating: "x", count: 200))]]
    for (k, v) in extra { cm[path: ["metadata", "annotations", k]] = v }
    return cm
}

/// What metrics cost on the API's hot path: creates/s at 16 clients on a server that records every request and store
/// call, and on one that records nothing, alternated `rounds` times in one run (the machine's noise hits both).
func metricsCostBenchmark(seconds: Double, rounds: Int) async throws {
    var with: [Double] = [], without: [Double] = []
    for round in 0..<rounds {
        for measured in [true, false] {
            let dir = NSTemporaryDirectory() + "/gantry-bench-metrics-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let server = try await BenchServer.start(dir: dir, metrics: measured)
            let client = server.client
            let (ops, secs, stats) = await drive(clients: 16, seconds: seconds) { c, n in
                _ = try await client.create(.configMaps, namespace: "default", configMap("r\(round)-\(c)-\(n)"))
            }
            line(measured ? "api_create_with_metrics" : "api_create_without_metrics", clients: 16, ops: ops, seconds: secs, stats: stats)
            (measured ? { with.append(Double(ops) / secs) } : { without.append(Double(ops) / secs) })()
            try await server.stop()
        }
    }
    let w = with.reduce(0, +) / Double(max(with.count, 1)), wo = without.reduce(0, +) / Double(max(without.count, 1))
    print(String(format: "metrics_cost rounds=%d with_ops_per_second=%.0f without_ops_per_second=%.0f cost_percent=%.1f",
                 rounds, w, wo, (wo - w) / wo * 100))
}

func apiBenchmark(seconds: Double) async throws {
    let dir = NSTemporaryDirectory() + "/gantry-bench-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }

    // Baseline 1: creates straight on the SQLite store.
    do {
        let store = try SQLiteStateStore(path: dir + "/baseline.db")
        let value = configMap("x").serialized()
        for clients in [1, 16] {
            let (ops, secs, stats) = await drive(clients: clients, seconds: seconds) { c, n in
                _ = try await store.create("/bench/\(clients)/\(c)/\(n)", value: value)
            }
            line("baseline_store_create", clients: clients, ops: ops, seconds: secs, stats: stats)
        }
        try await store.close()
    }

    let server = try await BenchServer.start(dir: dir)
    let (client, store) = (server.client, server.store)
    print("server: \(client.server) store=sqlite (WAL) seconds_per_case=\(seconds)")

    // Baseline 2: the HTTP floor.
    for clients in [1, 16] {
        let (ops, secs, stats) = await drive(clients: clients, seconds: seconds) { _, _ in
            _ = try await client.raw(.GET, "/healthz")
        }
        line("baseline_http_healthz", clients: clients, ops: ops, seconds: secs, stats: stats)
    }

    for clients in [1, 16] {
        let (ops, secs, stats) = await drive(clients: clients, seconds: seconds) { c, n in
            _ = try await client.create(.configMaps, namespace: "default", configMap("c\(clients)-\(c)-\(n)"))
        }
        line("api_create", clients: clients, ops: ops, seconds: secs, stats: stats)
    }
    for clients in [1, 16] {
        let (ops, secs, stats) = await drive(clients: clients, seconds: seconds) { c, n in
            _ = try await client.get(.configMaps, namespace: "default", name: "c1-0-\(n % 500)")
        }
        line("api_get", clients: clients, ops: ops, seconds: secs, stats: stats)
    }
    // Lists of 100 objects in a namespace of their own.
    for i in 0..<100 { _ = try await client.create(.configMaps, namespace: "kube-public", configMap("l\(i)")) }
    for clients in [1, 16] {
        let (ops, secs, stats) = await drive(clients: clients, seconds: seconds) { _, _ in
            _ = try await client.list(.configMaps, namespace: "kube-public")
        }
        line("api_list_100", clients: clients, ops: ops, seconds: secs, stats: stats)
    }

    // Watch delivery, with 1 or 16 writers creating: "create_to_event" runs from just before the create
    // request is sent to the event's arrival at a watcher (write latency included); "ack_to_event" from the
    // writer receiving its 201 to the event's arrival (0 when the event beat the response).
    for clients in [1, 16] {
        let ns = "kube-node-lease"
        let stream = try await client.watch(.configMaps, namespace: ns, resourceVersion: String(try await store.currentRevision()))
        let arrivals = Times()
        let acks = Times()
        let sends = Times()
        let reader = Task {
            for try await e in stream {
                if let name = e.object[path: ["metadata", "name"]]?.stringValue { await arrivals.set(name, now()) }
            }
        }
        let (ops, secs, _) = await drive(clients: clients, seconds: seconds) { c, n in
            let name = "w\(clients)-\(c)-\(n)"
            await sends.set(name, now())
            _ = try await client.create(.configMaps, namespace: ns, configMap(name, ["sent": .string(String(now()))]))
            await acks.set(name, now())
        }
        try await Task.sleep(for: .milliseconds(500))
        reader.cancel()
        var full = Stats(), afterAck = Stats()
        let arrived = await arrivals.values
        let acked = await acks.values
        let sent = await sends.values
        for (name, t) in arrived {
            if let s = sent[name] { full.add(t - s) }
            if let a = acked[name] { afterAck.add(max(0, t - a)) }
        }
        line("watch_create_to_event", clients: clients, ops: ops, seconds: secs, stats: full)
        line("watch_ack_to_event", clients: clients, ops: ops, seconds: secs, stats: afterAck)
        if arrived.count != ops { print("watch_delivery_missing=\(ops - arrived.count)") }
    }
    try await server.stop()
}

/// A control plane on a fresh SQLite store on loopback, with an HTTP client sized for 16+ concurrent clients.
struct BenchServer {
    let client: GantryClient
    let store: any StateStore
    let http: HTTPClient
    let task: Task<Void, Error>
    /// Services run beside the API (`crd` runs the CRD controller), cancelled on stop.
    var companions: [Task<Void, Error>] = []

    /// Starts the API; `withCRDs` also runs the CustomResourceDefinition controller.
    static func start(dir: String, withCRDs: Bool = false, store given: (any StateStore)? = nil, metrics: Bool = true) async throws -> BenchServer {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        var config = ControlPlaneConfig()
        config.port = 0
        let store = try given ?? SQLiteStateStore(path: dir + "/state.db", logger: logger)
        let cp = try ControlPlane(config: config, store: store, metrics: metrics ? GantryMetrics() : nil, logger: logger)
        try await cp.bootstrap()
        let (portStream, portCont) = AsyncStream<Int>.makeStream()
        let app = try cp.application { port in portCont.yield(port) }
        let task = Task { try await app.run() }
        let crds = withCRDs ? [Task { try await CustomResourceDefinitions(registry: cp.registry, logger: logger).run() }] : []
        var it = portStream.makeAsyncIterator()
        guard let port = await it.next() else { throw GantryError(.unavailable, "the benchmark's API server did not start") }
        var httpConfig = HTTPClient.Configuration()
        httpConfig.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
        return BenchServer(client: GantryClient(server: "http://127.0.0.1:\(port)", httpClient: http), store: store, http: http, task: task,
                           companions: crds)
    }

    func stop() async throws {
        for t in companions { t.cancel() }
        task.cancel()
        try await http.shutdown()
        try await store.close()
    }
}

// MARK: - pods

/// Runs a command to completion; returns its exit status.
@discardableResult
func sh(_ script: String) -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", script]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try? p.run()
    p.waitUntilExit()
    return p.terminationStatus
}

/// Pod startup, create → Running with the image present, beside bare `runc run` of the same rootfs.
func podBenchmark(count: Int, burst: Int, preparedSandboxes: Int?) async throws {
    guard getuid() == 0 else { print("the pods benchmark needs root (runc, overlay, CNI)"); return }
    let dir = NSTemporaryDirectory() + "gantry-bench-pods-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { sh("rm -rf '\(dir)'") }

    // Baseline: bare `runc run` of a busybox rootfs running `true`.
    let bundle = dir + "/bundle"
    sh("""
        set -e; mkdir -p '\(bundle)/rootfs/bin'; cp /bin/busybox '\(bundle)/rootfs/bin/'
        for a in true sh sleep; do ln -sf busybox '\(bundle)/rootfs/bin/'$a; done
        cd '\(bundle)' && runc spec && sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"true"/' config.json
        """)
    // gantry dev with the demo image imported.
    guard let cluster = try await BenchDevCluster.start(name: "pods", bridge: "gbench0", podCIDR: "10.253.0.0/22",
                                                        extraArguments: preparedSandboxes.map { ["--prepared-sandboxes", "\($0)"] } ?? [])
    else { return }
    if let preparedSandboxes { print("prepared_sandboxes=\(preparedSandboxes)") }
    // Let the agent prepare its sandboxes before the clock starts, as on a node that has been up a while.
    try await Task.sleep(for: .seconds(1))
    defer { cluster.stop() }
    let client = cluster.client
    func pod(_ name: String) -> JSONValue {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
         "spec": ["terminationGracePeriodSeconds": 0, "nodeName": "bench",
                  "containers": [["name": "c", "image": "gantry.local/busybox:1", "imagePullPolicy": "IfNotPresent",
                                  "command": ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]]]]]
    }
    func running(_ o: JSONValue) -> Bool {
        o[path: ["status", "phase"]] == "Running"
            && o[path: ["status", "containerStatuses"]]?.arrayValue?.first?[path: ["state", "running"]] != nil
    }
    // One at a time, interleaved so that both see the same machine: bare `runc run` (spawned directly, no shell),
    // then a pod from create to Running as a watch reports it, with a pause after each.
    let runc = ["/usr/sbin/runc", "/usr/bin/runc", "/sbin/runc"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "runc"
    var bare = Stats(), startup = Stats(), startReported = Stats()
    var cpu = 0.0
    for i in 0..<count {
        var t0 = now()
        let out = try ChildProcess.runBlocking(runc, ["--root", dir + "/runc-root", "run", "--bundle", bundle, "bench-\(i)"])
        bare.add(now() - t0)
        if out.status != 0 { print("runc run failed: \(out.stderrText)"); return }
        try await Task.sleep(for: .milliseconds(50))

        let name = "seq-\(i)"
        let stream = try await client.watch(.pods, namespace: "default", fieldSelector: "metadata.name=\(name)")
        let cpuBefore = processCPUMilliseconds(cluster.process.processIdentifier)
        t0 = now()
        let created = try await client.create(.pods, namespace: "default", pod(name))
        for try await e in stream where running(e.object) { break }
        startup.add(now() - t0)
        // How long after the container started (the runtime's record, in wall-clock nanoseconds) the API showed it.
        let bundle = "\(cluster.dir)/state/agent/runtime/bundles/\(created[path: ["metadata", "uid"]]?.stringValue ?? "")-c-1"
        if let text = try? String(contentsOfFile: bundle + "/started-at", encoding: .utf8), let started = parseRFC3339Nano(text) {
            startReported.add(Date().timeIntervalSince1970 - started)
        }
        try await Task.sleep(for: .milliseconds(50))
        cpu += processCPUMilliseconds(cluster.process.processIdentifier) - cpuBefore
    }
    line("baseline_runc_run", clients: 1, ops: count, seconds: bare.samples.reduce(0, +), stats: bare)
    line("pod_create_to_running", clients: 1, ops: count, seconds: startup.samples.reduce(0, +), stats: startup)
    line("container_start_to_api", clients: 1, ops: startReported.samples.count, seconds: startReported.samples.reduce(0, +),
         stats: startReported)
    // What the gantry process itself (API server, controllers, agent, proxy, DNS) spent per pod started.
    print(String(format: "gantry_cpu_ms_per_pod=%.1f", cpu / Double(count)))
    print(String(format: "ratio_p50=%.2f ratio_p99=%.2f", startup.percentile(0.5) / bare.percentile(0.5),
                 startup.percentile(0.99) / bare.percentile(0.99)))
    // The per-container cost of the shim.
    let mem = shimMemory(marker: cluster.dir)
    if !mem.isEmpty {
        func avg(_ f: (ShimMemory) -> Int) -> Double { Double(mem.map(f).reduce(0, +)) / Double(mem.count) }
        // RSS counts the binary's and libraries' pages that every shim shares; PSS splits them fairly and
        // private (USS) is what each extra shim really adds.
        print(String(format: "shims=%d shim_rss_kib_avg=%.0f shim_pss_kib_avg=%.0f shim_private_kib_avg=%.0f", mem.count,
                     avg(\.rss), avg(\.pss), avg(\.priv)) + " shim_exe=\(mem[0].exe)")
    }
    for i in 0..<count { _ = try? await client.delete(.pods, namespace: "default", name: "seq-\(i)") }

    // Exits: how long after a container ended (the shim's record) the API showed it terminated.
    var exitReported = Stats()
    for i in 0..<min(count, 10) {
        let name = "exit-\(i)"
        let stream = try await client.watch(.pods, namespace: "default", fieldSelector: "metadata.name=\(name)")
        var spec = pod(name)
        spec[path: ["spec", "restartPolicy"]] = "Never"
        spec[path: ["spec", "containers"]] = [["name": "c", "image": "gantry.local/busybox:1", "imagePullPolicy": "IfNotPresent",
                                              "command": ["sh", "-c", "sleep 0.3; exit 3"]]]
        let created = try await client.create(.pods, namespace: "default", spec)
        for try await e in stream
        where e.object[path: ["status", "containerStatuses"]]?.arrayValue?.first?[path: ["state", "terminated"]] != nil { break }
        let seen = Date().timeIntervalSince1970
        let bundle = "\(cluster.dir)/state/agent/runtime/bundles/\(created[path: ["metadata", "uid"]]?.stringValue ?? "")-c-1"
        if let data = FileManager.default.contents(atPath: bundle + "/exit.json"), let record = try? JSONValue.parse(data),
           let finished = record["finishedAt"]?.stringValue.flatMap(parseRFC3339Nano) {
            exitReported.add(seen - finished)
        }
        _ = try? await client.delete(.pods, namespace: "default", name: name)
    }
    line("container_exit_to_api", clients: 1, ops: exitReported.samples.count, seconds: exitReported.samples.reduce(0, +),
         stats: exitReported)

    // A burst: all created at once.
    let t0 = now()
    await withTaskGroup(of: Void.self) { g in
        for i in 0..<burst { g.addTask { _ = try? await client.create(.pods, namespace: "default", pod("burst-\(i)")) } }
    }
    while true {
        let list = try await client.list(.pods, namespace: "default", labelSelector: nil)
        let n = (list["items"]?.arrayValue ?? []).filter { ($0[path: ["metadata", "name"]]?.stringValue ?? "").hasPrefix("burst-") && running($0) }.count
        if n == burst { break }
        if now() - t0 > 300 { print("burst: only \(n)/\(burst) Running after 300 s"); break }
        try await Task.sleep(for: .milliseconds(100))
    }
    print(String(format: "burst_pods=%d all_running_seconds=%.2f", burst, now() - t0))
    for i in 0..<burst { _ = try? await client.delete(.pods, namespace: "default", name: "burst-\(i)") }
}

/// Seconds since 1970 of an RFC 3339 timestamp with up to nanoseconds (`2026-01-02T03:04:05.123456789Z`).
func parseRFC3339Nano(_ text: String) -> Double? {
    let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard t.hasSuffix("Z") else { return nil }
    let parts = t.dropLast().split(separator: ".", maxSplits: 1)
    guard let whole = ISO8601DateFormatter().date(from: String(parts[0]) + "Z") else { return nil }
    let fraction = parts.count > 1 ? Double("0." + parts[1]) ?? 0 : 0
    return whole.timeIntervalSince1970 + fraction
}

/// User plus system CPU time a process has used, in milliseconds (from /proc/PID/stat).
func processCPUMilliseconds(_ pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return 0 }
    // Fields after the command name: state is field 3, utime 14, stime 15.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) * 1000 / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Memory of one shim process, in KiB.
struct ShimMemory {
    var rss = 0
    var pss = 0
    var priv = 0
    /// The program it runs (the standalone `runc-shim`, or `gantry`).
    var exe = ""
}

/// RSS, PSS and private memory of each running shim whose command line contains `marker` (this benchmark's
/// directory, so shims of other clusters on the host do not count), from /proc/PID/smaps_rollup.
func shimMemory(marker: String) -> [ShimMemory] {
    var out: [ShimMemory] = []
    for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(pid) != nil {
        guard let h = FileHandle(forReadingAtPath: "/proc/\(pid)/cmdline") else { continue }
        let cmd = String(decoding: h.readDataToEndOfFile(), as: UTF8.self)
        try? h.close()
        guard cmd.contains("runc-shim"), cmd.contains(marker),
              let r = FileHandle(forReadingAtPath: "/proc/\(pid)/smaps_rollup") else { continue }
        let text = String(decoding: r.readDataToEndOfFile(), as: UTF8.self)
        try? r.close()
        var m = ShimMemory()
        m.exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? "?"
        for l in text.split(separator: "\n") {
            let parts = l.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let v = Int(parts[1]) else { continue }
            switch parts[0] {
            case "Rss:": m.rss = v
            case "Pss:": m.pss = v
            case "Private_Clean:", "Private_Dirty:": m.priv += v
            default: break
            }
        }
        out.append(m)
    }
    return out
}

let args = CommandLine.arguments.dropFirst()
var seconds = 3.0
if let i = args.firstIndex(of: "--seconds"), i + 1 < args.endIndex, let s = Double(args[i + 1]) { seconds = s }
switch args.first {
case "api":
    try await apiBenchmark(seconds: seconds)
case "metrics":
    var rounds = 3
    if let i = args.firstIndex(of: "--rounds"), i + 1 < args.endIndex, let n = Int(args[i + 1]) { rounds = n }
    try await metricsCostBenchmark(seconds: seconds, rounds: rounds)
case "etcd":
    var kills = 10
    if let i = args.firstIndex(of: "--kills"), i + 1 < args.endIndex, let n = Int(args[i + 1]) { kills = n }
    var backends = ["sqlite", "etcd-1", "etcd-3"]
    if let i = args.firstIndex(of: "--backends"), i + 1 < args.endIndex { backends = args[i + 1].split(separator: ",").map(String.init) }
    var serverKills = 10
    if let i = args.firstIndex(of: "--server-kills"), i + 1 < args.endIndex, let n = Int(args[i + 1]) { serverKills = n }
    try await etcdBenchmark(seconds: seconds, kills: kills, serverKills: serverKills, backends: backends)
case "hollow":
    try await hollowCommand(Array(args))
case "density":
    try await densityBenchmark(Array(args))
case "pods":
    var count = 50, burst = 100
    if let i = args.firstIndex(of: "--pods"), i + 1 < args.endIndex, let n = Int(args[i + 1]) { count = n }
    if let i = args.firstIndex(of: "--burst"), i + 1 < args.endIndex, let n = Int(args[i + 1]) { burst = n }
    var prepared: Int?
    if let i = args.firstIndex(of: "--prepared-sandboxes"), i + 1 < args.endIndex, let n = Int(args[i + 1]) { prepared = n }
    try await podBenchmark(count: count, burst: burst, preparedSandboxes: prepared)
case "scheduler":
    func intArg(_ name: String, _ def: Int) -> Int {
        if let i = args.firstIndex(of: name), i + 1 < args.endIndex, let n = Int(args[i + 1]) { return n }
        return def
    }
    var strategy = "spread"
    if let i = args.firstIndex(of: "--strategy"), i + 1 < args.endIndex { strategy = args[i + 1] }
    try schedulerBenchmark(nodes: intArg("--nodes", 5000), pods: intArg("--pods", 50000), strategy: strategy)
    try await schedulerAPIBenchmark(nodes: intArg("--api-nodes", 100), pods: intArg("--api-pods", 1000))
case "security":
    var roles = 1000
    if let i = args.firstIndex(of: "--roles"), i + 1 < args.endIndex, let n = Int(args[i + 1]) { roles = n }
    try await securityBenchmark(seconds: seconds, roles: roles)
case "crd":
    var definitions = 20
    if let i = args.firstIndex(of: "--definitions"), i + 1 < args.endIndex, let n = Int(args[i + 1]) { definitions = n }
    try await crdBenchmark(seconds: seconds, definitions: definitions)
case "services":
    func intArg(_ name: String, _ def: Int) -> Int {
        if let i = args.firstIndex(of: name), i + 1 < args.endIndex, let n = Int(args[i + 1]) { return n }
        return def
    }
    try await servicesBenchmark(seconds: intArg("--seconds", 3), rounds: intArg("--rounds", 3), connections: intArg("--connections", 16),
                                pause: intArg("--pause", 65))
default:
    print("""
        usage: gantry-bench api [--seconds N]
               gantry-bench hollow --server URL --token-file FILE [--nodes 100] [--prefix hollow] [--data-dir DIR]
               gantry-bench density [--nodes 1000] [--deployments 3000] [--replicas 10] [--clients 16] [--update 300]
                                    [--kill 100] [--store sqlite|etcd] [--timeout 900] [--check] [--keep]
               gantry-bench pods [--pods 50] [--burst 100] [--prepared-sandboxes N]
               gantry-bench security [--seconds 3] [--roles 1000]
               gantry-bench crd [--seconds 3] [--definitions 20]
               gantry-bench services [--seconds 3] [--rounds 3] [--connections 16] [--pause 65]
               gantry-bench scheduler [--nodes 5000] [--pods 50000] [--strategy spread|binpack] [--api-nodes 100] [--api-pods 1000]
        """)
}
