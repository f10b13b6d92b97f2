import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// Three `gantry server`s on a managed etcd (the first with --cluster-init, two joining it with --server and
/// --token), on loopback: membership, a member's crash and restart by its server, snapshots, a lost quorum
/// and the recovery from it with --cluster-reset.
@Suite("Managed etcd", .serialized)
struct ManagedEtcdTests {
    struct Server {
        var process: GantryProcess
        let dir: String
        let args: [String]
        var etcdPID: pid_t? { managedEtcdPID(dataDir: dir) }
    }

    static func start(_ root: TempDir, _ i: Int, extra: [String]) async throws -> Server {
        let dir = root.file("s\(i)")
        let args = ["server", "--data-dir", dir, "--listen", "127.0.0.1:0", "--etcd-client-port", String(try freePort()),
                    "--etcd-peer-port", String(try freePort()), "--etcd-snapshot-schedule", ""] + extra
        let p = try await GantryProcess(args, logPath: root.file("s\(i).log"))
        return Server(process: p, dir: dir, args: args)
    }

    static func gantry(_ args: [String]) async throws -> String {
        let r = try await runCommand(try GantryProcess.binary(), args, timeout: .seconds(60))
        guard r.status == 0 else { throw TestFailure("gantry \(args.joined(separator: " ")) failed: \(r.stderr)\(r.stdout)") }
        return r.stdout
    }

    @Test func threeServersSnapshotsLostQuorumAndReset() async throws {
        _ = try requireExecutable("etcd", package: "etcd-server")
        _ = try requireExecutable("etcdctl", package: "etcd-client")
        let root = TempDir("gantry-managed-etcd")
        var servers: [Server] = []
        defer {
            for s in servers {
                s.process.process.signal(SIGKILL)
                if let pid = s.etcdPID { kill(pid, SIGKILL) }
            }
            for i in 0..<3 {
                if let log = try? String(contentsOfFile: root.file("s\(i).log"), encoding: .utf8) {
                    try? log.write(toFile: NSTemporaryDirectory() + "/gantry-managed-s\(i).log", atomically: true, encoding: .utf8)
                }
            }
            root.cleanup()
        }
        servers.append(try await Self.start(root, 0, extra: ["--cluster-init"]))
        let token = try servers[0].process.joinToken()
        for i in 1...2 {
            servers.append(try await Self.start(root, i, extra: ["--server", servers[0].process.url, "--token", token]))
        }
        // Three members, one leader, every server in the kubernetes Endpoints.
        let status = try await Self.gantry(["etcd", "status", "--data-dir", servers[0].dir])
        #expect(status.split(separator: "\n").count == 4, "\(status)")
        #expect(status.components(separatedBy: " yes ").count == 2, "not exactly one leader:\n\(status)")
        let client = try servers[2].process.client()
        try await eventually(timeout: .seconds(15), "three servers in the kubernetes Endpoints") {
            let ep = try await client.get(.endpoints, namespace: "default", name: "kubernetes")
            return APIServerList.urls(fromEndpoints: ep).count == 3
        }
        func configMap(_ name: String) -> JSONValue {
            ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)], "data": ["k": "v"]]
        }
        _ = try await client.create(.configMaps, namespace: "default", configMap("before"))

        // A snapshot, listed.
        let saved = try await Self.gantry(["etcd-snapshot", "save", "--data-dir", servers[0].dir]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(FileManager.default.fileExists(atPath: saved))
        let listed = try await Self.gantry(["etcd-snapshot", "list", "--data-dir", servers[0].dir])
        #expect(listed.contains(URL(fileURLWithPath: saved).lastPathComponent), "\(listed)")

        // A member that crashes is restarted by its server; writes go on meanwhile.
        let crashed = try #require(servers[1].etcdPID)
        kill(crashed, SIGKILL)
        try await eventually(timeout: .seconds(15), "server 1 to restart its etcd member") {
            guard let pid = servers[1].etcdPID else { return false }
            return pid != crashed && kill(pid, 0) == 0
        }
        _ = try await client.create(.configMaps, namespace: "default", configMap("after-crash"))

        // Each admin kubeconfig lists every server; kubectl takes it as it is, and the gantry CLI fails over
        // when the server it names is gone.
        let kubeconfig1 = try #require(servers[1].process.kubeconfig)
        try await eventually(timeout: .seconds(15), "server 1's kubeconfig to list three servers") {
            try Kubeconfig.load(path: kubeconfig1).servers.count == 3
        }
        let kubectl = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let viaKubectl = try await runCommand(kubectl, ["--kubeconfig", kubeconfig1, "get", "configmap", "before"],
                                              environment: ["HOME": root.path])
        #expect(viaKubectl.status == 0, "kubectl with the listing kubeconfig: \(viaKubectl.stderr)")
        servers[1].process.process.signal(SIGKILL)
        _ = servers[1].process.process.waitUntilExit()
        let viaCLI = try await Self.gantry(["get", "configmaps", "--kubeconfig", kubeconfig1])
        #expect(viaCLI.contains("after-crash"), "the gantry CLI did not fail over: \(viaCLI)")

        // Two of three members lost: no quorum, so the survivor refuses writes (after its request timeout).
        for s in servers[1...2] {
            s.process.process.signal(SIGKILL)
            if let pid = s.etcdPID { kill(pid, SIGKILL) }
        }
        let survivor = try servers[0].process.client()
        var refused = false
        do {
            _ = try await survivor.create(.configMaps, namespace: "default", configMap("no-quorum"))
        } catch {
            refused = true
        }
        #expect(refused, "a write was accepted without an etcd quorum")
        let ready = try await survivor.raw(.GET, "/readyz")
        #expect(ready.status == 500 && String(decoding: ready.body, as: UTF8.self).contains("etcd failed"),
                "/readyz without a quorum: \(ready.status) \(String(decoding: ready.body, as: UTF8.self))")

        // Recovery: stop the survivor, start it again with --cluster-reset, and it serves alone with its data.
        _ = try await servers[0].process.stop(timeout: .seconds(40))
        servers[0].process = try await GantryProcess(servers[0].args + ["--cluster-reset"], logPath: root.file("s0.log"))
        let reset = try servers[0].process.client()
        let kept = try await reset.get(.configMaps, namespace: "default", name: "after-crash")
        #expect(kept[path: ["data", "k"]]?.stringValue == "v")
        _ = try await reset.create(.configMaps, namespace: "default", configMap("after-reset"))
        #expect(try await reset.raw(.GET, "/readyz").status == 200)
        let alone = try await Self.gantry(["etcd", "status", "--data-dir", servers[0].dir])
        #expect(alone.split(separator: "\n").count == 2, "\(alone)")

        // Restore the snapshot taken at the start: what was there then is back, what came later is not.
        _ = try await servers[0].process.stop(timeout: .seconds(40))
        let restored = try await Self.gantry(["etcd-snapshot", "restore", saved, "--data-dir", servers[0].dir])
        #expect(restored.contains("restored"), "\(restored)")
        servers[0].process = try await GantryProcess(servers[0].args, logPath: root.file("s0.log"))
        let back = try servers[0].process.client()
        #expect(try await back.get(.configMaps, namespace: "default", name: "before")[path: ["data", "k"]]?.stringValue == "v")
        await #expect(throws: GantryError.self) { _ = try await back.get(.configMaps, namespace: "default", name: "after-reset") }
        _ = try await back.create(.configMaps, namespace: "default", configMap("after-restore"))
    }

    /// A single server on SQLite restarted with --cluster-init: its objects (a Secret among them, still
    /// readable, so still under the same encryption keys) move to the managed etcd, and a watch from a
    /// resourceVersion of the old store gets 410 Gone.
    @Test func sqliteServerMovesToManagedEtcd() async throws {
        _ = try requireExecutable("etcd", package: "etcd-server")
        let root = TempDir("gantry-migrate")
        defer { root.cleanup() }
        let dir = root.file("s")
        let sqlite = try await GantryProcess(["server", "--data-dir", dir, "--listen", "127.0.0.1:0"], logPath: root.file("sqlite.log"))
        var client = try sqlite.client()
        _ = try await client.create(.secrets, namespace: "default",
                                    ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "stringData": ["password": "hunter2"]])
        let cm = try await client.create(.configMaps, namespace: "default",
                                         ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"], "data": ["k": "v"]])
        let oldRV = try #require(cm[path: ["metadata", "resourceVersion"]]?.stringValue)
        try await sqlite.stop()

        let managed = try await GantryProcess(
            ["server", "--data-dir", dir, "--listen", "127.0.0.1:0", "--cluster-init", "--etcd-client-port", String(try freePort()),
             "--etcd-peer-port", String(try freePort()), "--etcd-snapshot-schedule", ""], logPath: root.file("etcd.log"))
        defer { managed.process.signal(SIGKILL); if let pid = managedEtcdPID(dataDir: dir) { kill(pid, SIGKILL) } }
        client = try managed.client()
        let secret = try await client.get(.secrets, namespace: "default", name: "s")
        #expect(secret[path: ["data", "password"]]?.stringValue == Data("hunter2".utf8).base64EncodedString())
        #expect(try await client.get(.configMaps, namespace: "default", name: "c")[path: ["data", "k"]]?.stringValue == "v")
        #expect(FileManager.default.fileExists(atPath: dir + "/state.db.migrated"))
        let watch = try await client.raw(.GET, "/api/v1/namespaces/default/configmaps", query: ["watch": "true", "resourceVersion": oldRV, "timeoutSeconds": "2"])
        let text = String(decoding: watch.body, as: UTF8.self)
        #expect(watch.status == 410 || text.contains("\"code\":410"), "a watch from the SQLite store's resourceVersion \(oldRV): \(watch.status) \(text)")
        _ = try await managed.stop(timeout: .seconds(30))
    }
}
