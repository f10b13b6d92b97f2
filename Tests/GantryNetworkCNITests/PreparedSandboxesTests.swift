import Foundation
import GantryAPI
import GantryNetworkCNI
import GantryRuntime
import Testing

/// Sandboxes prepared ahead of demand, with the real plugins, as root.
@Suite("CNINetwork prepared sandboxes (real CNI plugins)", .serialized)
struct PreparedSandboxesTests {
    /// Waits (up to 20 s) until `cni` has `count` sandboxes ready.
    func waitReady(_ cni: CNINetwork, _ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let (ready, error) = await cni.preparedSandboxes()
            if ready == count { return }
            if let error { Issue.record("preparing failed: \(error)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("\(count) prepared sandboxes expected, \(await cni.preparedSandboxes().ready) ready after 20 s")
    }

    /// The namespaces of prepared (unclaimed) sandboxes on the host, from the fixture's state.
    func preparedNamespaces(_ f: Fixture) -> [String] {
        let dir = f.stateDir + "/prepared"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".json") }
            .map { "/var/run/netns/" + $0.dropLast(5) }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    @Test("a pod takes a prepared sandbox (its namespace moved to the pod's path), it is refilled, a restart takes them over, release frees every address")
    func claimRefillRestartRelease() async throws {
        try requireCNIHost()
        let f = try Fixture()
        var restarted: CNINetwork?
        do {
            await f.cni.prepareSandboxes(count: 2)
            try await waitReady(f.cni, 2)
            #expect(f.allocatedIPs().count == 2)
            #expect(preparedNamespaces(f).count == 2)

            let sb = f.newSandbox()
            let start = ContinuousClock.now
            let net = try await f.cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "web", podNamespace: "default", ports: [])
            let took = ContinuousClock.now - start
            #expect(f.allocatedIPs().contains(net.ip))
            #expect(FileManager.default.fileExists(atPath: sb.netns))
            let addr = try await sh(["ip", "-n", sb.nsName, "-4", "addr", "show", "dev", "eth0"])
            #expect(addr.stdout.contains("inet \(net.ip)/24"), "\(addr.stdout)")
            let lo = try await sh(["ip", "-n", sb.nsName, "-4", "addr", "show", "dev", "lo"])
            #expect(lo.stdout.contains("inet 127.0.0.1/8"))
            #expect(try await ping(net.ip), "host cannot ping pod \(net.ip)")
            #expect(try await ping(f.gateway, inNetns: sb.nsName), "pod cannot reach gateway")
            // CHECK passes on the moved namespace; setUp again is idempotent.
            try await f.cni.check(sandboxID: sb.id, netns: sb.netns, ports: [])
            let again = try await f.cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "web", podNamespace: "default", ports: [])
            #expect(again == net)
            #expect(took < .milliseconds(500), "claiming a prepared sandbox took \(took)")

            // Refilled to two again.
            try await waitReady(f.cni, 2)
            #expect(f.allocatedIPs().count == 3)

            // A new process on the same state takes the prepared ones over without setting up new ones.
            await f.cni.stopPreparingSandboxes(release: false)
            let cni2 = try CNINetwork(stateDir: f.stateDir, bridgeName: f.bridge, podCIDR: f.gateway.dropLast() + "0/24")
            restarted = cni2
            await cni2.prepareSandboxes(count: 2)
            #expect(await cni2.preparedSandboxes().ready == 2)
            #expect(f.allocatedIPs().count == 3)

            // The pod's sandbox tears down through the ID it was prepared under: address and ipMasq rule go.
            try await cni2.tearDown(sandboxID: sb.id, netns: sb.netns, ports: [])
            #expect(!f.allocatedIPs().contains(net.ip))
            #expect(!FileManager.default.fileExists(atPath: sb.netns))
            let nat = try await sh(["iptables", "-t", "nat", "-S", "POSTROUTING"])
            #expect(nat.stdout.split(separator: "\n").filter { $0.contains(f.bridge) }.count == 2,
                    "one ipMasq rule per prepared sandbox expected: \(nat.stdout)")

            // A pod with host ports does not take one (it needs portmap): its own ADD, the pool untouched.
            let hp = f.newSandbox()
            let port = Int.random(in: 30000...32000)
            _ = try await cni2.setUp(sandboxID: hp.id, netns: hp.netns, podName: "hp", podNamespace: "default",
                                     ports: [PortMapping(hostPort: port, containerPort: 80, proto: "tcp", hostIP: nil)])
            #expect(await cni2.preparedSandboxes().ready == 2)
            try await cni2.tearDown(sandboxID: hp.id, netns: hp.netns, ports: [])

            await cni2.stopPreparingSandboxes(release: true)
            #expect(f.allocatedIPs().isEmpty)
            #expect(preparedNamespaces(f).isEmpty)
            let after = try await sh(["iptables", "-t", "nat", "-S"])
            let leaked = after.stdout.split(separator: "\n").filter { $0.contains(f.bridge) && $0.contains("gantry-pool-") }
            #expect(leaked.isEmpty, "ipMasq rules of prepared sandboxes leaked: \(leaked)")
        } catch {
            Issue.record(error)  // and clean up all the same
        }
        await f.cni.stopPreparingSandboxes(release: true)
        await restarted?.stopPreparingSandboxes(release: true)
        await f.cleanUp()
    }

    @Test("when the pod CIDR is used up, a pod with host ports gets the address of a prepared sandbox")
    func exhaustedCIDRFreesAPreparedAddress() async throws {
        try requireCNIHost()
        let f = try Fixture(prefix: 30)  // exactly one pod address: .2
        do {
            await f.cni.prepareSandboxes(count: 1)
            try await waitReady(f.cni, 1)
            #expect(f.allocatedIPs() == [f.subnetPrefix + "2"])
            let sb = f.newSandbox()
            let net = try await f.cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "hp", podNamespace: "default",
                                            ports: [PortMapping(hostPort: Int.random(in: 30000...32000), containerPort: 80, proto: "tcp", hostIP: nil)])
            #expect(net.ip == f.subnetPrefix + "2")
            #expect(preparedNamespaces(f).isEmpty)
            #expect(await f.cni.preparedSandboxes().ready == 0)
        } catch {
            Issue.record(error)  // and clean up all the same
        }
        await f.cni.stopPreparingSandboxes(release: true)
        await f.cleanUp()
    }

    @Test("prepared sandboxes of another network configuration are torn down, not handed out")
    func changedConfigurationDiscards() async throws {
        try requireCNIHost()
        let f = try Fixture()
        var other: CNINetwork?
        do {
            await f.cni.prepareSandboxes(count: 1)
            try await waitReady(f.cni, 1)
            let old = preparedNamespaces(f)
            #expect(old.count == 1)
            await f.cni.stopPreparingSandboxes(release: false)
            // Same bridge and state, masquerading turned off (pod routes on): the old one must not be used.
            let cni2 = try CNINetwork(stateDir: f.stateDir, bridgeName: f.bridge, podCIDR: f.gateway.dropLast() + "0/24", ipMasq: false)
            other = cni2
            await cni2.prepareSandboxes(count: 1)
            try await waitReady(cni2, 1)
            #expect(!FileManager.default.fileExists(atPath: old[0]))
            #expect(f.allocatedIPs().count == 1)
            let sb = f.newSandbox()
            _ = try await cni2.setUp(sandboxID: sb.id, netns: sb.netns, podName: "web", podNamespace: "default", ports: [])
            let nat = try await sh(["iptables", "-t", "nat", "-S", "POSTROUTING"])
            #expect(!nat.stdout.contains(f.bridge), "no ipMasq rule expected without masquerading: \(nat.stdout)")
        } catch {
            Issue.record(error)  // and clean up all the same
        }
        await other?.stopPreparingSandboxes(release: true)
        await f.cni.stopPreparingSandboxes(release: true)
        await f.cleanUp()
    }
}
