import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// High availability with real processes in network namespaces: three `gantry server`s each with its managed
/// etcd member (the first with --cluster-init on the host side of the test's bridge, two joined in namespaces
/// of their own), and two agents in namespaces that were told of the first server only. Faults: kill -9 of the
/// etcd leader, kill -9 of the server whose controllers lead, a server partitioned by iptables inside its
/// namespace. A writer counts acknowledged writes throughout.
@Suite("High availability on a managed etcd", .serialized)
struct HATests {
    /// One server: its process, data directory, and how the host reaches it.
    struct Server {
        let process: GantryProcess
        let dir: String
        let url: String
        let netns: String?
        let client: GantryClient
        var etcdPID: pid_t? { managedEtcdPID(dataDir: dir) }
    }

    /// Writes ConfigMaps through `client` for `duration` while `during` runs; returns the names acknowledged
    /// and the longest time between two acknowledgements.
    static func write(_ client: GantryClient, tag: String, for duration: Duration,
                      during: @escaping @Sendable () async throws -> Void) async throws -> (acked: [String], gap: Duration) {
        let writer = Task { () -> ([String], Duration) in
            var acked: [String] = []
            var last = ContinuousClock.now
            var gap = Duration.zero
            let end = ContinuousClock.now + duration
            var i = 0
            while ContinuousClock.now < end {
                let name = "\(tag)-\(i)"
                i += 1
                do {
                    _ = try await client.create(.configMaps, namespace: "default",
                                                ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)]])
                    acked.append(name)
                    let now = ContinuousClock.now
                    gap = max(gap, now - last)
                    last = now
                } catch {
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
            return (acked, max(gap, ContinuousClock.now - last))  // writes that never resumed count to the end
        }
        try await Task.sleep(for: .seconds(1))
        try await during()
        return try await writer.value
    }

    @Test func managedEtcdServersAndAgentsSurviveFaults() async throws {
        try requireRoot("network namespaces, runc, CNI and iptables need root")
        _ = try requireExecutable("runc", package: "runc")
        _ = try requireExecutable("etcd", package: "etcd-server")
        let iptables = try requireExecutable("iptables", package: "iptables")
        let kubectl = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let cluster = try await MultiNodeCluster.start(
            hosts: 2, serverArgs: ["--cluster-init", "--etcd-client-port", String(try freePort()), "--etcd-peer-port", String(try freePort()),
                                   "--etcd-snapshot-schedule", ""])
        var servers: [Server] = []
        do {
            let first = cluster.server
            servers.append(Server(process: first, dir: cluster.dir.file("server"), url: cluster.url, netns: nil, client: try first.client()))
            let token = try first.joinToken()
            for i in 1...2 {
                let ip = "\(cluster.prefix)\(30 + i)"
                let ns = try await cluster.addNamespace("s\(i)", ip: ip)
                let dir = cluster.dir.file("server\(i)")
                let p = try await GantryProcess(
                    ["server", "--data-dir", dir, "--listen", "0.0.0.0:6443", "--advertise-address", ip, "--node-grace-period", "2500",
                     "--server", cluster.url, "--token", token, "--etcd-snapshot-schedule", ""],
                    logPath: cluster.dir.file("server\(i).log"), netns: ns)
                let url = "https://\(ip):\(p.port)"
                let creds = try Kubeconfig.load(path: try #require(p.kubeconfig)).credentials
                servers.append(Server(process: p, dir: dir, url: url, netns: ns, client: try GantryClient(server: url, credentials: creds)))
            }
            func k(_ s: Server, _ args: String..., stdin: String? = nil) async throws -> String {
                let r = try await runCommand(kubectl, ["--kubeconfig", try #require(s.process.kubeconfig), "--server", s.url] + args,
                                             stdin: stdin, environment: ["HOME": cluster.dir.path], timeout: .seconds(60))
                guard r.status == 0 else { throw TestFailure("kubectl \(args.joined(separator: " ")) failed: \(r.stderr)\(r.stdout)") }
                return r.stdout
            }

            // Three servers in the kubernetes Endpoints, both nodes Ready, and the agents know all three servers.
            try await eventually(timeout: .seconds(30), "three servers in the kubernetes Endpoints") {
                let ep = try await servers[1].client.get(.endpoints, namespace: "default", name: "kubernetes")
                return APIServerList.urls(fromEndpoints: ep).count == 3
            }
            try await eventually(timeout: .seconds(30), "both nodes Ready") {
                let out = try await k(servers[2], "get", "nodes", "--no-headers")
                return out.split(separator: "\n").filter { $0.contains(" Ready ") }.count == 2
            }
            try await eventually(timeout: .seconds(40), "the agents to learn every server") {
                (0..<2).allSatisfy { i in
                    let log = (try? String(contentsOfFile: cluster.dir.file("agent\(i).log"), encoding: .utf8)) ?? ""
                    return servers.allSatisfy { log.contains($0.url) }
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
            _ = try await k(servers[0], "apply", "-f", "-", stdin: deployment)
            func runningPods(via s: Server) async throws -> [String: String] {
                let out = try await k(s, "get", "pods", "-l", "app=web", "-o",
                                      "jsonpath={range .items[*]}{.metadata.uid} {.status.phase} {.status.containerStatuses[0].restartCount}{\"\\n\"}{end}")
                var pods: [String: String] = [:]
                for line in out.split(separator: "\n") {
                    let f = line.split(separator: " ")
                    if f.count == 3, f[1] == "Running" { pods[String(f[0])] = String(f[2]) }
                }
                return pods
            }
            try await eventually(timeout: .seconds(90), "2 pods Running") { try await runningPods(via: servers[1]).count == 2 }
            let before = try await runningPods(via: servers[1])
            var acknowledged: [String] = []

            // 1. kill -9 of the etcd leader (a member whose server then restarts it); writes go on.
            let status = try await runCommand(try GantryProcess.binary(), ["etcd", "status", "--data-dir", servers[0].dir])
            let leaderLine = try #require(status.stdout.split(separator: "\n").first { $0.contains(" yes ") }, "no etcd leader:\n\(status.stdout)")
            let leaderIndex = try #require(servers.indices.first { i in
                let ip = i == 0 ? cluster.hostIP : "\(cluster.prefix)\(30 + i)"
                return leaderLine.contains("gantry-\(ip.replacingOccurrences(of: ".", with: "-"))-")
            }, "the etcd leader is none of the servers' members: \(leaderLine)")
            let writerServer = servers[(leaderIndex + 1) % 3]
            let leaderPID = try #require(servers[leaderIndex].etcdPID)
            print("HA: etcd leader: \(leaderLine)")
            let (acked1, gap1) = try await Self.write(writerServer.client, tag: "etcd-leader", for: .seconds(6)) { kill(leaderPID, SIGKILL) }
            print("HA: etcd leader killed: \(acked1.count) writes acknowledged in 6 s, longest gap \(gap1)")
            #expect(gap1 < .seconds(5), "writes did not resume after the etcd leader died")
            acknowledged += acked1

            // 2. kill -9 of the server whose controllers lead: another's take over, a scale-up started then completes.
            let holder = try await k(servers[1], "get", "lease", "-n", "kube-system", "gantry-controller-manager", "-o", "jsonpath={.spec.holderIdentity}")
            let leading = try #require(servers.indices.first { i in
                ((try? String(contentsOfFile: servers[i].process.logPath, encoding: .utf8)) ?? "").contains("identity=\(holder) ")
            }, "no server logged leading as \(holder)")
            let others = servers.indices.filter { $0 != leading }
            // A client that knows every server, talking to the one about to die: its gap is the failover's.
            let failover = GantryClient(servers: APIServerList([servers[leading].url] + others.map { servers[$0].url }),
                                        identity: servers[others[0]].client.identity)
            let victim = servers[leading].process
            let lookup = servers[others[0]].client
            let handover = Task { () -> Duration in
                let start = ContinuousClock.now
                try await Task.sleep(for: .seconds(1))
                while ContinuousClock.now - start < .seconds(20) {
                    let h = try? await lookup.get(.leases, namespace: "kube-system", name: "gantry-controller-manager")
                    if let id = h?[path: ["spec", "holderIdentity"]]?.stringValue, id != holder, !id.isEmpty {
                        return ContinuousClock.now - start - .seconds(1)
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return .seconds(99)
            }
            let (acked2, gap2) = try await Self.write(failover, tag: "server-kill", for: .seconds(6)) {
                try await victim.stop(signal: SIGKILL)
            }
            print("HA: server killed: \(acked2.count) writes acknowledged in 6 s through a client that was using it, longest gap \(gap2)")
            acknowledged += acked2
            let took = try await handover.value
            print("HA: another server's controllers lead \(took) after the kill -9 of the leading server")
            #expect(took < .seconds(5), "the controllers did not hand over")
            _ = try await k(servers[others[0]], "scale", "deployment/web", "--replicas=4")
            try await eventually(timeout: .seconds(90), "4 pods Running after the scale-up") { try await runningPods(via: servers[others[1]]).count == 4 }

            // 3. A server partitioned from the others inside its namespace: it refuses writes and says why in /readyz;
            //    the majority goes on; healed, it catches up.
            let partitioned = try #require(others.first { servers[$0].netns != nil }, "no surviving server in a namespace")
            let majority = servers[others.first { $0 != partitioned }!]
            let ns = try #require(servers[partitioned].netns)
            let cut = "\(iptables) -w 5 -I INPUT -i eth0 -j DROP && \(iptables) -w 5 -I OUTPUT -o eth0 -j DROP"
            let r = try await runCommand("/usr/bin/nsenter", ["--net=/run/netns/\(ns)", "/bin/sh", "-c", cut])
            try #require(r.status == 0, "partitioning \(ns) failed: \(r.stderr)")
            let inside = try GantryClient(server: "https://127.0.0.1:\(servers[partitioned].process.port)",
                                          credentials: try Kubeconfig.load(path: try #require(servers[partitioned].process.kubeconfig)).credentials)
            // From inside its namespace (loopback still works): writes fail, and /readyz says why.
            let insideResult = try await runCommand("/usr/bin/nsenter", [
                "--net=/run/netns/\(ns)", "/usr/bin/curl", "-sk", "--max-time", "20", "https://127.0.0.1:\(servers[partitioned].process.port)/readyz",
            ], timeout: .seconds(30))
            #expect(insideResult.stdout.contains("etcd failed"), "the partitioned server's /readyz: \(insideResult.stdout)")
            _ = inside
            let (acked3, _) = try await Self.write(majority.client, tag: "partition", for: .seconds(4)) {}
            #expect(acked3.count > 5, "the majority stopped taking writes during the partition")
            acknowledged += acked3
            let heal = "\(iptables) -w 5 -D INPUT -i eth0 -j DROP && \(iptables) -w 5 -D OUTPUT -o eth0 -j DROP"
            _ = try await runCommand("/usr/bin/nsenter", ["--net=/run/netns/\(ns)", "/bin/sh", "-c", heal])
            let lastDuring = try #require(acked3.last)
            try await eventually(timeout: .seconds(30), "the healed server to catch up") {
                (try? await servers[partitioned].client.get(.configMaps, namespace: "default", name: lastDuring)) != nil
            }

            // Every acknowledged write is there, once; no pod restarted or replaced.
            let listed = (try await majority.client.list(.configMaps, namespace: "default")["items"]?.arrayValue ?? [])
                .compactMap { (o: JSONValue) in o[path: ["metadata", "name"]]?.stringValue }
            #expect(Set(listed).count == listed.count, "an object is listed twice")
            let lost = acknowledged.filter { !Set(listed).contains($0) }
            #expect(lost.isEmpty, "acknowledged writes lost: \(lost.prefix(10))")
            let after = try await runningPods(via: majority)
            for (uid, restarts) in before {
                #expect(after[uid] == restarts, "pod \(uid) was restarted or replaced during the faults")
            }
        } catch {
            cluster.keepLogs()
            let members = servers.compactMap(\.etcdPID)
            Self.stopAll(servers.dropFirst(), cluster: cluster)
            await cluster.stop()
            for pid in members { kill(pid, SIGKILL) }
            throw error
        }
        cluster.keepLogs()
        let members = servers.compactMap(\.etcdPID)  // read before the directory goes
        Self.stopAll(servers.dropFirst(), cluster: cluster)
        await cluster.stop()
        for pid in members { kill(pid, SIGKILL) }
    }

    static func stopAll(_ servers: ArraySlice<Server>, cluster: MultiNodeCluster) {
        for (i, s) in servers.enumerated() {
            if let log = try? String(contentsOfFile: s.process.logPath, encoding: .utf8) {
                try? log.write(toFile: NSTemporaryDirectory() + "/gantry-ha-server\(i + 1).log", atomically: true, encoding: .utf8)
            }
            s.process.process.signal(SIGKILL)
            if let pid = s.etcdPID { kill(pid, SIGKILL) }
        }
    }
}
