import Foundation
import GantryAPI
import GantryAPIServer
import GantryClient
import GantryRuntime
import GantryStore
import GantryStoreEtcd
import GantryStoreSQLite

/// A real etcd member for the benchmark (Debian's etcd-server), on loopback.
final class BenchEtcd: @unchecked Sendable {
    let name: String
    let client: String
    let args: [String]
    let log: String
    var pid: pid_t = 0

    init(dir: String, name: String, clientPort: Int, peerPort: Int, initialCluster: String) {
        self.name = name
        client = "http://127.0.0.1:\(clientPort)"
        log = dir + "/\(name).log"
        args = ["--name", name, "--data-dir", dir + "/\(name)", "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", "http://127.0.0.1:\(peerPort)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPort)",
                "--initial-cluster", initialCluster, "--initial-cluster-state", "new", "--log-level", "error", "--logger", "zap", "--pre-vote"]
    }

    func start() throws {
        pid = try ChildProcess.spawnDaemon("/usr/bin/etcd", args, log: log)
    }

    func kill9() {
        guard pid > 0 else { return }
        kill(pid, SIGKILL)
        _ = ChildProcess.waitBlocking(pid)
        pid = 0
    }

    /// Starts `size` members as one cluster.
    static func cluster(dir: String, size: Int) throws -> [BenchEtcd] {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ports = try (0..<size).map { _ in (try benchFreePort(), try benchFreePort()) }
        let initial = ports.enumerated().map { "e\($0.offset)=http://127.0.0.1:\($0.element.1)" }.joined(separator: ",")
        let members = ports.enumerated().map {
            BenchEtcd(dir: dir, name: "e\($0.offset)", clientPort: $0.element.0, peerPort: $0.element.1, initialCluster: initial)
        }
        for m in members { try m.start() }
        return members
    }
}

func benchFreePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// The API on SQLite, on one etcd member and on three, measured in one run: creates at 1 and 16 clients, watch
/// event latency; then the write gap after `kills` kill -9s of the etcd leader of three members.
func etcdBenchmark(seconds: Double, kills: Int, serverKills: Int, backends: [String]) async throws {
    let dir = NSTemporaryDirectory() + "/gantry-bench-etcd-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var all: [BenchEtcd] = []
    defer {
        for m in all { m.kill9() }
        try? FileManager.default.removeItem(atPath: dir)
    }
    for backend in backends {
        let store: any StateStore
        switch backend {
        case "sqlite":
            store = try SQLiteStateStore(path: dir + "/state.db")
        default:
            let members = try BenchEtcd.cluster(dir: dir + "/\(backend)", size: backend == "etcd-1" ? 1 : 3)
            all += members
            let s = try EtcdStateStore(EtcdConfiguration(endpoints: members.map(\.client)))
            try await s.waitUntilReachable()
            store = s
        }
        let server = try await BenchServer.start(dir: dir, store: store)
        let client = server.client
        for clients in [1, 16] {
            let (ops, secs, stats) = await drive(clients: clients, seconds: seconds) { c, n in
                _ = try await client.create(.configMaps, namespace: "default", configMap("c\(clients)-\(c)-\(n)"))
            }
            line("\(backend)_api_create", clients: clients, ops: ops, seconds: secs, stats: stats)
        }
        // Watch latency: create sent → event received, one writer.
        let stream = try await client.watch(.configMaps, namespace: "kube-public", resourceVersion: String(try await store.currentRevision()))
        let arrivals = Times(), sends = Times()
        let reader = Task {
            for try await e in stream {
                if let name = e.object[path: ["metadata", "name"]]?.stringValue { await arrivals.set(name, now()) }
            }
        }
        let (ops, secs, _) = await drive(clients: 1, seconds: seconds) { _, n in
            await sends.set("w\(n)", now())
            _ = try await client.create(.configMaps, namespace: "kube-public", configMap("w\(n)"))
        }
        try await Task.sleep(for: .milliseconds(300))
        reader.cancel()
        var latency = Stats()
        let sent = await sends.values
        for (name, t) in await arrivals.values { if let s = sent[name] { latency.add(t - s) } }
        line("\(backend)_watch_create_to_event", clients: 1, ops: ops, seconds: secs, stats: latency)

        if backend == "etcd-3", kills > 0, let etcd = store as? EtcdStateStore {
            let members = Array(all.suffix(3))
            var gaps = Stats()
            for k in 0..<kills {
                // The writer through the API; the leader is whichever member says it leads.
                let status = try await etcd.client.status()
                var leaderMember: BenchEtcd?
                for m in members {
                    let c = try EtcdClient(EtcdConfiguration(endpoints: [m.client], requestTimeout: .seconds(2)))
                    if let s = try? await c.status(), s.memberID == status.leader { leaderMember = m }
                    c.close()
                }
                guard let victim = leaderMember else { continue }
                let writer = Task { () -> Double in
                    var last = now(), gap = 0.0
                    let end = now() + 4
                    var i = 0
                    while now() < end {
                        i += 1
                        let t0 = now()
                        do {
                            _ = try await client.create(.configMaps, namespace: "default", configMap("k\(k)-\(i)"))
                            gap = max(gap, now() - last)
                            last = now()
                        } catch {
                            if ProcessInfo.processInfo.environment["BENCH_DEBUG"] != nil {
                                print(String(format: "write failed after %.2f s: %@", now() - t0, "\(error)"))
                            }
                        }
                    }
                    return max(gap, now() - last)  // writes that never resumed count to the end
                }
                try await Task.sleep(for: .milliseconds(800))
                victim.kill9()
                let gap = try await writer.value
                gaps.add(gap)
                try victim.start()
                try await Task.sleep(for: .seconds(2))
            }
            print(String(format: "etcd-3_leader_kill_write_gap kills=%d p50_s=%.2f max_s=%.2f", gaps.samples.count,
                         gaps.percentile(0.5), gaps.samples.max() ?? 0))
        }
        if backend == "etcd-3", serverKills > 0 {
            try await serverKillBenchmark(dir: dir, endpoints: all.suffix(3).map(\.client), kills: serverKills)
        }
        try await server.stop()
    }
}

/// Two `gantry server` processes on the three etcd members; a client that knows both writes through the one it
/// uses while that one is killed (kill -9), `kills` times, restarting it after each. Prints the longest gap
/// between acknowledged writes per kill (what a client of a dead server waits for), p50 and max.
func serverKillBenchmark(dir: String, endpoints: [String], kills: Int) async throws {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gantry").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        print("server_kill_write_gap: not measured: no gantry binary at \(binary) (swift build -c release --product gantry)")
        return
    }
    let onEtcd = ["--store", "etcd", "--etcd-endpoints", endpoints.joined(separator: ","), "--etcd-prefix", "/server-kill",
                  "--etcd-snapshot-schedule", ""]
    let first = try await BenchGantryServer(gantry: binary, dataDir: dir + "/server-a", arguments: onEtcd, logPath: dir + "/server-a.log")
    let token = try String(contentsOfFile: first.dataDir + "/token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    let second = try await BenchGantryServer(gantry: binary, dataDir: dir + "/server-b", arguments: onEtcd + ["--token", token],
                                             logPath: dir + "/server-b.log")
    let servers = [first, second]
    defer { servers.forEach { $0.kill9() } }
    let identity = try GantryClient(kubeconfig: first.dataDir + "/admin.kubeconfig").identity
    let list = APIServerList(servers.map(\.url))
    let client = GantryClient(servers: list, identity: identity)
    // Both serve the cluster (the second has the first's CA from the sealed bootstrap).
    for s in servers {
        _ = try await GantryClient(servers: APIServerList([s.url]), identity: identity).get(.namespaces, namespace: nil, name: "default")
    }
    var gaps = Stats()
    for k in 0..<kills {
        guard let victim = servers.first(where: { $0.url == list.current }) else { continue }
        let writer = Task { () -> Double in
            var last = now(), gap = 0.0
            let end = now() + 4
            var i = 0
            while now() < end {
                i += 1
                if (try? await client.create(.configMaps, namespace: "default", configMap("s\(k)-\(i)"))) != nil {
                    gap = max(gap, now() - last)
                    last = now()
                }
            }
            return max(gap, now() - last)  // writes that never resumed count to the end
        }
        try await Task.sleep(for: .milliseconds(800))
        victim.kill9()
        gaps.add(try await writer.value)
        try await victim.start()
    }
    print(String(format: "etcd-3_server_kill_write_gap kills=%d p50_s=%.2f max_s=%.2f", gaps.samples.count,
                 gaps.percentile(0.5), gaps.samples.max() ?? 0))
}
