import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// Kills and restarts the real server binary.
@Suite("Durability of gantry server", .serialized)
struct DurabilityTests {
    actor Acked {
        var names: Set<String> = []
        func add(_ n: String) { names.insert(n) }
    }

    @Test func sigkillDuringWritesLosesNothingAcknowledged() async throws {
        let dir = TempDir("gantry-kill")
        defer { dir.cleanup() }
        let data = dir.file("data")
        let server = try await GantryProcess(["server", "--data-dir", data, "--listen", "127.0.0.1:0"], logPath: dir.file("a.log"))
        let client = try server.client()
        let acked = Acked()
        // Four writers create ConfigMaps as fast as they can; the server is killed under them.
        let writers = Task {
            await withTaskGroup(of: Void.self) { group in
                for w in 0..<4 {
                    group.addTask {
                        var i = 0
                        while !Task.isCancelled {
                            let name = "w\(w)-\(i)"
                            do {
                                _ = try await client.create(.configMaps, namespace: "default",
                                                            ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)],
                                                             "data": ["i": .string(String(i))]])
                                await acked.add(name)
                            } catch {
                                return
                            }
                            i += 1
                        }
                    }
                }
            }
        }
        // Kill once a good number of writes has been acknowledged, while the writers keep going.
        try await eventually(timeout: .seconds(20), "200 acknowledged writes") { await acked.names.count >= 200 }
        try await server.stop(signal: SIGKILL)
        writers.cancel()
        await writers.value
        let written = await acked.names
        #expect(written.count >= 200, "only \(written.count) writes were acknowledged before the kill")

        let restarted = try await GantryProcess(["server", "--data-dir", data, "--listen", "127.0.0.1:0"], logPath: dir.file("b.log"))
        let c2 = try restarted.client()
        let list = try await c2.list(.configMaps, namespace: "default")
        let stored = Set((list["items"]?.arrayValue ?? []).compactMap { $0[path: ["metadata", "name"]]?.stringValue })
        let missing = written.subtracting(stored)
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.sorted().prefix(10))")
        // The store is consistent: revisions are unique, and writing goes on above them.
        let rvs = (list["items"]?.arrayValue ?? []).compactMap { $0[path: ["metadata", "resourceVersion"]]?.stringValue.flatMap { Int64($0) } }
        #expect(Set(rvs).count == rvs.count)
        let listRV = Int64(list[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? 0
        #expect(rvs.allSatisfy { $0 <= listRV })
        let fresh = try await c2.create(.configMaps, namespace: "default", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "after"]])
        #expect((Int64(fresh[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? 0) > listRV)
        // Every stored object the writers made reads back whole (the namespace also holds the
        // server's own kube-root-ca.crt, which has no "i").
        for name in written.sorted().prefix(20) {
            let o = try await c2.get(.configMaps, namespace: "default", name: name)
            #expect(o[path: ["data", "i"]] != nil)
        }
        try await restarted.stop()
    }

    @Test func sigtermEndsWatchesAndExitsCleanly() async throws {
        let dir = TempDir("gantry-term")
        defer { dir.cleanup() }
        let server = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0"],
                                             logPath: dir.file("a.log"))
        let client = try server.client()
        let stream = try await client.watch(.configMaps, namespace: "default", resourceVersion: "1")
        let watcher = Task { () -> (Int, Bool) in
            var n = 0
            do {
                for try await _ in stream { n += 1 }
                return (n, true)
            } catch {
                return (n, false)
            }
        }
        _ = try await client.create(.configMaps, namespace: "default", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "x"]])
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        let status = try await server.stop(signal: SIGTERM, timeout: .seconds(10))
        #expect(status == 0)
        #expect(ContinuousClock.now - started < .seconds(5))
        let (events, clean) = await watcher.value
        #expect(events >= 1)
        #expect(clean, "the watch should end cleanly, not with an error")
        let log = try String(contentsOfFile: dir.file("a.log"), encoding: .utf8)
        #expect(log.contains("stopped"))
    }
}

/// The project's own CLI against the real server.
@Suite("gantry CLI", .serialized)
struct CLITests {
    @Test func applyGetScaleDeleteKubeconfig() async throws {
        let dir = TempDir("gantry-cli")
        defer { dir.cleanup() }
        let server = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0"],
                                             logPath: dir.file("a.log"))
        let bin = try GantryProcess.binary()
        let env = server.clientEnvironment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"]) { a, _ in a }
        func gantry(_ args: String..., stdin: String? = nil) async throws -> CommandResult {
            try await runCommand(bin, args, stdin: stdin, environment: env)
        }
        let file = dir.file("app.yaml")
        try manifest.replacingOccurrences(of: "REPLICAS", with: "2").write(toFile: file, atomically: true, encoding: .utf8)
        let a1 = try await gantry("apply", "-f", file)
        #expect(a1.status == 0, "\(a1.stderr)")
        #expect(a1.stdout.contains("deployment.apps/web created") && a1.stdout.contains("configmap/web-config created"))
        let a2 = try await gantry("apply", "-f", file)
        #expect(a2.stdout.contains("deployment.apps/web unchanged") && a2.stdout.contains("service/web unchanged"), "\(a2.stdout)")
        try manifest.replacingOccurrences(of: "REPLICAS", with: "4").write(toFile: file, atomically: true, encoding: .utf8)
        let a3 = try await gantry("apply", "-f", dir.path)
        #expect(a3.stdout.contains("deployment.apps/web configured"), "\(a3.stdout)")

        let table = try await gantry("get", "deploy")
        #expect(table.stdout.hasPrefix("NAME"))
        #expect(table.stdout.contains("0/4"))
        let wide = try await gantry("get", "svc", "-o", "wide")
        #expect(wide.stdout.contains("SELECTOR"))
        let yaml = try await gantry("get", "deployment", "web", "-o", "yaml")
        #expect(yaml.stdout.contains("replicas: 4"))
        let json = try await gantry("get", "deploy/web", "-o", "json")
        #expect(try JSONValue.parse(json.stdout)[path: ["spec", "replicas"]] == 4)
        #expect(try await gantry("get", "deploy", "-l", "app=web", "-o", "name").stdout == "deployment.apps/web\n")
        #expect(try await gantry("get", "ns", "-o", "name").stdout.contains("namespace/kube-system"))
        let all = try await gantry("get", "cm", "-A")
        #expect(all.stdout.contains("NAMESPACE"))

        let scaled = try await gantry("scale", "deploy/web", "--replicas", "6")
        #expect(scaled.stdout == "deployment.apps/web scaled\n")
        #expect(try JSONValue.parse(try await gantry("get", "deploy", "web", "-o", "json").stdout)[path: ["spec", "replicas"]] == 6)
        let described = try await gantry("describe", "deploy", "web")
        #expect(described.stdout.contains("Name:         web") && described.stdout.contains("Events:"))

        let missing = try await gantry("get", "deploy", "nope")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("NotFound"))
        let badKind = try await gantry("get", "widgets")
        #expect(badKind.status != 0 && badKind.stderr.contains("widgets"))
        let bad = try await gantry("apply", "-f", "-", stdin: """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: bad}
            spec:
              replicas: -3
              selector: {matchLabels: {app: bad}}
              template:
                metadata: {labels: {app: bad}}
                spec: {containers: [{name: c, image: busybox}]}
            """)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("spec.replicas"))

        let kubeconfig = try await gantry("kubeconfig")
        #expect(kubeconfig.stdout.contains("server: \"\(server.url)\""), "\(kubeconfig.stdout)")
        #expect(kubeconfig.stdout.contains("client-certificate-data:") && kubeconfig.stdout.contains("certificate-authority-data:"))
        if let kubectl = try? requireExecutable("kubectl", package: "kubectl") {
            try kubeconfig.stdout.write(toFile: dir.file("kubeconfig"), atomically: true, encoding: .utf8)
            let r = try await runCommand(kubectl, ["get", "deploy", "web", "-o", "name"],
                                         environment: ["KUBECONFIG": dir.file("kubeconfig"), "HOME": dir.path])
            #expect(r.stdout == "deployment.apps/web\n", "\(r.stderr)")
        }

        let deleted = try await gantry("delete", "-f", file)
        #expect(deleted.stdout.contains("deployment.apps \"web\" deleted"))
        #expect(try await gantry("delete", "cm", "nope").status == 1)
        #expect(try await gantry("version").stdout.contains("Server Version"))
        let unreachable = try await runCommand(bin, ["get", "pods", "--server", "http://127.0.0.1:1"])
        #expect(unreachable.status == 1 && unreachable.stderr.contains("cannot reach"))
        try await server.stop()
    }
}
