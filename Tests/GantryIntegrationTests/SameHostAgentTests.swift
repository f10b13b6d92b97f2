import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// A second `gantry agent` on the host of a `gantry dev`, started with only the README's flags; an agent whose
/// service fails; an agent whose API server goes away for 30 s.
@Suite("Agents sharing a host, failing, and outliving an outage", .serialized)
struct SameHostAgentTests {
    /// Removes the bridges the agents under `dir` chose (each keeps its choice in its data directory).
    static func releaseBridges(under dir: String) {
        let script = "for f in $(find '\(dir)' -path '*/network/bridge' 2>/dev/null); do ip link del \"$(cat \"$f\")\" 2>/dev/null; done; true"
        runQuietly("/bin/sh", ["-c", script])
    }

    static func keepLogs(_ dir: TempDir, _ names: [String], prefix: String) {
        for name in names {
            if let log = try? String(contentsOfFile: dir.file(name), encoding: .utf8) {
                try? log.write(toFile: NSTemporaryDirectory() + "/\(prefix)-\(name)", atomically: true, encoding: .utf8)
            }
        }
    }

    static func lines(_ path: String) -> [Substring] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
    }

    /// Keeps the logs, then undoes what the test's gantry processes left on the host: node state, iptables
    /// chains, bridges, the directory.
    static func cleanUp(_ dir: TempDir, logs: [String], prefix: String) {
        keepLogs(dir, logs, prefix: prefix)
        scrubNodeState(under: dir.path)
        removeGantryIPTablesState()
        releaseBridges(under: dir.path)
        dir.cleanup()
    }

    static func isReady(_ n: Node?) -> Bool {
        n?.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
    }

    @Test func aSecondAgentJoinsWithTheREADMEFlagsAndItsPodsComeBackOnTheFirst() async throws {
        try requireRoot("runc, overlay mounts and CNI need root")
        _ = try requireExecutable("runc", package: "runc")
        let kubectl = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let registry = try await BusyboxRegistry.start()
        defer { registry.stop() }
        let dir = TempDir("gantry-samehost")
        defer { Self.cleanUp(dir, logs: ["dev.log", "agent.log"], prefix: "gantry-samehost") }
        let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
        let nodeA = "node-a-\(tag)", nodeB = "node-b-\(tag)"
        // The issue's commands: no bridge, pod CIDR, port or proxy flags on either.
        let dev = try await GantryProcess(["dev", "--data-dir", dir.file("d1"), "--listen", "127.0.0.1:0", "--node-name", nodeA],
                                          logPath: dir.file("dev.log"))
        let client = try dev.client()
        try await eventually(timeout: .seconds(20), "\(nodeA) Ready") { Self.isReady(try? await client.get(Node.self, name: nodeA)) }
        let started = ContinuousClock.now
        let agent = try await GantryProcess(["agent"] + (try dev.agentArgs()) + ["--node-name", nodeB, "--data-dir", dir.file("d2")],
                                            logPath: dir.file("agent.log"), readyPattern: "agent starting")
        try await eventually(timeout: .seconds(10), interval: .milliseconds(50), "\(nodeB) Ready within 10 s") {
            Self.isReady(try? await client.get(Node.self, name: nodeB))
        }
        let joined = ContinuousClock.now - started
        print("second agent on one host: \(nodeB) Ready \(joined) after its start")
        let a = try await client.get(Node.self, name: nodeA), b = try await client.get(Node.self, name: nodeB)
        #expect(a.spec?.podCIDR != nil && a.spec?.podCIDR != b.spec?.podCIDR, "pod CIDRs \(a.spec?.podCIDR ?? "-") and \(b.spec?.podCIDR ?? "-")")
        let bridgeB = try String(contentsOfFile: dir.file("d2") + "/network/bridge", encoding: .utf8)
        let bridgeA = try String(contentsOfFile: dir.file("d1") + "/agent/network/bridge", encoding: .utf8)
        #expect(bridgeA != bridgeB)
        let portA = a.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0, portB = b.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0
        #expect(portA > 0 && portB > 0 && portA != portB, "agent ports \(portA) and \(portB)")

        // It takes pods: a Deployment spreads over both nodes, and node-b's pods serve (and log) through it.
        let env = ["HOME": dir.path]
        let apply = try await runCommand(kubectl, dev.kubectlArgs + ["apply", "-f", "-"],
                                         stdin: WorkloadTests.webDeployment("spread", image: registry.image, replicas: 4), environment: env)
        #expect(apply.status == 0, "\(apply.stderr)")
        func pods() async throws -> [Pod] {
            try await client.list(Pod.self, namespace: "default", labelSelector: "app=spread").items.filter { $0.metadata.deletionTimestamp == nil }
        }
        try await eventually(timeout: .seconds(90), "4 ready replicas on both nodes") {
            let ready = try await pods().filter { p in p.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true }
            return ready.count == 4 && Set(ready.compactMap(\.spec?.nodeName)) == [nodeA, nodeB]
        }
        let onB = try await pods().filter { $0.spec?.nodeName == nodeB }
        let ipB = onB.first?.status?.podIP ?? ""
        let prefixB = String((b.spec?.podCIDR ?? "").split(separator: ".").prefix(3).joined(separator: ".")) + "."
        #expect(ipB.hasPrefix(prefixB), "pod IP \(ipB) outside \(b.spec?.podCIDR ?? "-")")
        let curl = try await runCommand(try requireExecutable("curl", package: "curl"), ["-s", "--max-time", "5", "http://\(ipB):8080/"])
        #expect(curl.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == onB.first?.name, "curl \(ipB): \(curl.stdout)\(curl.stderr)")
        let logs = try await runCommand(kubectl, dev.kubectlArgs + ["exec", onB.first?.name ?? "", "--", "cat", "/www/index.html"], environment: env)
        #expect(logs.status == 0, "exec into a pod on \(nodeB): \(logs.stderr)")

        // kill -9 node-b: its pods are Running on node-a within 5 s.
        try await agent.stop(signal: SIGKILL)
        let killed = ContinuousClock.now
        try await eventually(timeout: .seconds(30), interval: .milliseconds(50), "4 replicas Running on \(nodeA)") {
            try await pods().filter { $0.spec?.nodeName == nodeA && $0.status?.phase == "Running" }.count == 4
        }
        let recovery = ContinuousClock.now - killed
        print("second agent on one host: \(onB.count) pods of the killed \(nodeB) Running on \(nodeA) \(recovery) after kill -9")
        #expect(recovery < .seconds(5))

        // Neither process flooded its log.
        let agentLines = Self.lines(dir.file("agent.log")).count, devLines = Self.lines(dir.file("dev.log")).count
        print("second agent on one host: \(agentLines) agent log lines, \(devLines) dev log lines")
        #expect(agentLines < 100)
        _ = try await runCommand(kubectl, dev.kubectlArgs + ["delete", "deployment", "spread"], environment: env)
        let status = try await dev.stop()
        #expect(status == 0, "dev exit status \(status)")
    }

    @Test func aFailingServiceStopsTheAgentWithItsCause() async throws {
        try requireRoot("the agent sets up a bridge and iptables rules")
        let dir = TempDir("gantry-failing")
        defer { Self.cleanUp(dir, logs: ["server.log", "agent.log"], prefix: "gantry-failing") }
        let server = try await GantryProcess(["server", "--data-dir", dir.file("server"), "--listen", "127.0.0.1:0"],
                                             logPath: dir.file("server.log"))
        // The agent's endpoint is told to take a port that is in use (the API server's): that service fails.
        let agent = try await GantryProcess(["agent"] + (try server.agentArgs()) + ["--node-name", "f-node", "--data-dir", dir.file("agent"),
                                             "--agent-port", "\(server.port)"],
                                            logPath: dir.file("agent.log"), readyPattern: "agent starting")
        let started = ContinuousClock.now
        while agent.process.isRunning, ContinuousClock.now - started < .seconds(20) { try await Task.sleep(for: .milliseconds(20)) }
        let log = (try? String(contentsOfFile: dir.file("agent.log"), encoding: .utf8)) ?? ""
        #expect(!agent.process.isRunning, "the agent kept running after its endpoint failed:\n\(log.suffix(3000))")
        if agent.process.isRunning { try await agent.stop(signal: SIGKILL) }
        print("failing service: the agent exited \(ContinuousClock.now - started) after it started, status \(agent.process.terminationStatus)")
        #expect(agent.process.terminationStatus != 0)
        #expect(log.contains("a service ended unexpectedly") && log.contains("service=NodeServer"), "\(log.suffix(3000))")
        #expect(log.lowercased().contains("address already in use"), "the cause is not in the log:\n\(log.suffix(3000))")
        #expect(Self.lines(dir.file("agent.log")).count < 40, "\(log.suffix(3000))")
        try await server.stop()
    }

    @Test func anAPIOutageOf30sLogsLittleAndTheAgentComesBack() async throws {
        try requireRoot("runc, CNI and the service proxy need root")
        let dir = TempDir("gantry-outage")
        defer { Self.cleanUp(dir, logs: ["server.log", "server2.log", "agent.log"], prefix: "gantry-outage") }
        let port = try freePort()
        let serverArgs = ["server", "--data-dir", dir.file("server"), "--listen", "127.0.0.1:\(port)"]
        var server = try await GantryProcess(serverArgs, logPath: dir.file("server.log"))
        let client = try server.client()
        let node = "o-\(String(UInt32.random(in: 0..<0xFFFF), radix: 16))"
        let agent = try await GantryProcess(["agent"] + (try server.agentArgs()) + ["--node-name", node, "--data-dir", dir.file("agent")],
                                            logPath: dir.file("agent.log"), readyPattern: "agent starting")
        try await eventually(timeout: .seconds(15), "\(node) Ready") { Self.isReady(try? await client.get(Node.self, name: node)) }
        try await Task.sleep(for: .seconds(1))
        let before = Self.lines(dir.file("agent.log")).count
        try await server.stop()
        try await Task.sleep(for: .seconds(30))
        let during = Self.lines(dir.file("agent.log")).count - before
        print("API outage: \(during) agent log lines in 30 s")
        #expect(agent.process.isRunning, "the agent exited during the outage")
        #expect(during < 100, "\(Self.lines(dir.file("agent.log")).suffix(40).joined(separator: "\n"))")
        // Back: the agent renews its Lease again within seconds.
        server = try await GantryProcess(serverArgs, logPath: dir.file("server2.log"))
        let back = ContinuousClock.now
        let lease0 = try? await client.get(.leases, namespace: "kube-node-lease", name: node)
        try await eventually(timeout: .seconds(15), "\(node)'s Lease renewed after the outage") {
            let l = try? await client.get(.leases, namespace: "kube-node-lease", name: node)
            return l?[path: ["spec", "renewTime"]] != nil && l?[path: ["spec", "renewTime"]] != lease0?[path: ["spec", "renewTime"]]
        }
        print("API outage: lease renewed \(ContinuousClock.now - back) after the server came back")
        try await eventually(timeout: .seconds(15), "\(node) Ready") { Self.isReady(try? await client.get(Node.self, name: node)) }
        let status = try await agent.stop()
        #expect(status == 0, "agent exit status \(status)")
        try await server.stop()
    }
}
