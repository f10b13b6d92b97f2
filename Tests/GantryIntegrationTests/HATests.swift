import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// High availability on etcd, with real processes: a three-member etcd cluster, two `gantry server`s on it (the
/// second joined with the first's token), and two agents in network namespaces that joined through the first
/// server only. The server holding the controllers' Lease is killed, then the etcd leader.
@Suite("High availability on etcd", .serialized)
struct HATests {
    @Test func serversAgentsAndEtcdSurviveKills() async throws {
        try requireRoot("network namespaces, runc, CNI and iptables need root")
        _ = try requireExecutable("runc", package: "runc")
        let kubectl = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let etcdctl = try requireExecutable("etcdctl", package: "etcd-client")
        let etcdDir = TempDir("gantry-ha-etcd")
        defer { etcdDir.cleanup() }
        let members = try await EtcdTestServer.startCluster(dir: etcdDir.path, size: 3)
        defer { members.forEach { $0.kill() } }
        let endpoints = members.map(\.clientURL).joined(separator: ",")
        let cluster = try await MultiNodeCluster.start(hosts: 2, serverArgs: ["--store", "etcd", "--etcd-endpoints", endpoints])
        var second: GantryProcess?
        do {
            let server2 = try await GantryProcess(
                ["server", "--data-dir", cluster.dir.file("server2"), "--listen", "0.0.0.0:0", "--advertise-address", cluster.hostIP,
                 "--node-grace-period", "2500", "--store", "etcd", "--etcd-endpoints", endpoints, "--token", try cluster.server.joinToken()],
                logPath: cluster.dir.file("server2.log"))
            second = server2
            let servers = [cluster.server, server2]
            func k(_ s: GantryProcess, _ args: String..., stdin: String? = nil) async throws -> String {
                let r = try await runCommand(kubectl, s.kubectlArgs + args, stdin: stdin, environment: ["HOME": cluster.dir.path], timeout: .seconds(60))
                guard r.status == 0 else { throw TestFailure("kubectl \(args.joined(separator: " ")) failed: \(r.stderr)\(r.stdout)") }
                return r.stdout
            }

            // Both servers serve the same cluster and are both in the kubernetes Endpoints.
            try await eventually(timeout: .seconds(20), "both servers in the kubernetes Endpoints") {
                let ep = try await k(server2, "get", "endpoints", "kubernetes", "-o", "jsonpath={.subsets[*].ports[*].port}")
                return ep.split(separator: " ").count == 2
            }
            try await eventually(timeout: .seconds(30), "both nodes Ready") {
                let out = try await k(server2, "get", "nodes", "--no-headers")
                return out.split(separator: "\n").filter { $0.contains(" Ready ") }.count == 2
            }
            // The agents, which were only told of the first server, learn the second.
            try await eventually(timeout: .seconds(30), "the agents to learn both servers") {
                (0..<2).allSatisfy { i in
                    let log = (try? String(contentsOfFile: cluster.dir.file("agent\(i).log"), encoding: .utf8)) ?? ""
                    return log.contains(":\(server2.port)") && log.contains("API servers")
                }
            }

            let deployment = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      terminationGracePeriodSeconds: 1
                      containers:
                      - {name: c, image: \(cluster.registry.image), command: [sleep, "3600"]}
                """
            _ = try await k(cluster.server, "apply", "-f", "-", stdin: deployment)
            func runningPods() async throws -> [String: String] {
                let out = try await k(server2, "get", "pods", "-l", "app=web", "-o",
                                      "jsonpath={range .items[*]}{.metadata.uid} {.status.phase} {.status.containerStatuses[0].restartCount}{\"\\n\"}{end}")
                var pods: [String: String] = [:]
                for line in out.split(separator: "\n") {
                    let f = line.split(separator: " ")
                    if f.count == 3, f[1] == "Running" { pods[String(f[0])] = String(f[2]) }
                }
                return pods
            }
            try await eventually(timeout: .seconds(90), "2 pods Running") { try await runningPods().count == 2 }
            let before = try await runningPods()

            // Kill -9 the server whose controllers lead; the other's take over and a scale-up completes.
            let holder = try await k(server2, "get", "lease", "-n", "kube-system", "gantry-controller-manager", "-o", "jsonpath={.spec.holderIdentity}")
            let leaderIndex = try #require(servers.indices.first { i in
                ((try? String(contentsOfFile: servers[i].logPath, encoding: .utf8)) ?? "").contains("identity=\(holder) ")
            }, "no server logged leading as \(holder)")
            let survivor = servers[1 - leaderIndex]
            let killed = ContinuousClock.now
            try await servers[leaderIndex].stop(signal: SIGKILL)
            try await eventually(timeout: .seconds(15), interval: .milliseconds(100), "another server's controllers to lead") {
                let h = try? await k(survivor, "get", "lease", "-n", "kube-system", "gantry-controller-manager", "-o", "jsonpath={.spec.holderIdentity}")
                return h != nil && h != holder && h != ""
            }
            let handover = ContinuousClock.now - killed
            print("HA: controllers handed over \(handover) after kill -9 of the leading server")
            _ = try await k(survivor, "scale", "deployment/web", "--replicas=4")
            try await eventually(timeout: .seconds(90), "4 pods Running after the scale-up") { try await runningPods().count == 4 }
            let after = try await runningPods()
            for (uid, restarts) in before {
                #expect(after[uid] == restarts, "pod \(uid) was restarted or replaced when the server died")
            }
            try await eventually(timeout: .seconds(20), "the dead server to leave the kubernetes Endpoints") {
                let ep = try await k(survivor, "get", "endpoints", "kubernetes", "-o", "jsonpath={.subsets[*].ports[*].port}")
                return ep.split(separator: " ").count == 1
            }

            // Kill -9 the etcd leader while a writer creates ConfigMaps through the surviving server: writes resume,
            // and every acknowledged one is there afterwards.
            let status = try await runCommand(etcdctl, ["--endpoints", endpoints, "endpoint", "status", "-w", "json"])
            let statuses = try JSONValue.parse(Data(status.stdout.utf8)).arrayValue ?? []
            let leaderID = statuses.first?[path: ["Status", "leader"]]?.intValue
            let leaderMember = try #require(statuses.firstIndex { $0[path: ["Status", "header", "member_id"]]?.intValue == leaderID },
                                            "no etcd leader in \(status.stdout)")
            let client = try survivor.client()
            let writer = Task { () -> (acked: [String], maxGap: Duration) in
                var acked: [String] = []
                var last = ContinuousClock.now
                var maxGap = Duration.zero
                let end = ContinuousClock.now + .seconds(8)
                var i = 0
                while ContinuousClock.now < end {
                    let name = "w\(i)"
                    do {
                        _ = try await client.create(.configMaps, namespace: "default",
                                                    ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)], "data": ["i": .string("\(i)")]])
                        acked.append(name)
                        let now = ContinuousClock.now
                        maxGap = max(maxGap, now - last)
                        last = now
                    } catch {}
                    i += 1
                }
                return (acked, maxGap)
            }
            try await Task.sleep(for: .seconds(2))
            members[leaderMember].kill()
            let (acked, gap) = try await writer.value
            print("HA: \(acked.count) writes acknowledged in 8 s; the longest gap between two, across the etcd leader's kill -9: \(gap)")
            #expect(acked.count > 20)
            #expect(gap < .seconds(8), "writes did not resume after the etcd leader died")
            let stored = Set((try await client.list(.configMaps, namespace: "default")["items"]?.arrayValue ?? []).compactMap { (o: JSONValue) in o[path: ["metadata", "name"]]?.stringValue })
            let lost = acked.filter { !stored.contains($0) }
            #expect(lost.isEmpty, "acknowledged writes lost: \(lost)")
        } catch {
            cluster.keepLogs()
            _ = try? await second?.stop(signal: SIGKILL)
            await cluster.stop()
            throw error
        }
        _ = try? await second?.stop()
        await cluster.stop()
    }
}
