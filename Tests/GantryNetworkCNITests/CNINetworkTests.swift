import Foundation
import GantryAPI
import GantryNetworkCNI
import GantryRuntime
import Testing

/// Integration tests against the real containernetworking-plugins, as root. Serialised: the plugins
/// create shared iptables chains (CNI-HOSTPORT-*) and racing them is not what these tests are about.
@Suite("CNINetwork (real CNI plugins)", .serialized)
struct CNINetworkTests {
    @Test("setUp gives an address in the pod CIDR, eth0 and lo are up, host and pod reach each other")
    func setUpWiresPod() async throws {
        try requireCNIHost()
        let f = try Fixture()
        do {
            let sb = f.newSandbox()
            let net = try await f.cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "web", podNamespace: "default", ports: [])
            #expect(net.ip.hasPrefix(f.subnetPrefix))
            #expect(net.ip != f.gateway)
            #expect(net.gateway == f.gateway)
            #expect(net.interfaceName == "eth0")
            #expect(FileManager.default.fileExists(atPath: sb.netns))

            let addr = try await sh(["ip", "netns", "exec", sb.nsName, "ip", "-4", "addr", "show", "dev", "eth0"])
            #expect(addr.stdout.contains("inet \(net.ip)/24"))
            let lo = try await sh(["ip", "netns", "exec", sb.nsName, "ip", "-4", "addr", "show", "dev", "lo"])
            #expect(lo.stdout.contains("inet 127.0.0.1/8"))
            #expect(lo.stdout.contains(",UP"))
            #expect(try await ping("127.0.0.1", inNetns: sb.nsName))
            #expect(try await ping(net.ip), "host cannot ping pod \(net.ip)")
            #expect(try await ping(f.gateway, inNetns: sb.nsName), "pod cannot reach gateway")
            #expect(f.allocatedIPs() == [net.ip])
        }
        await f.cleanUp()
    }

    @Test("two sandboxes on the same bridge reach each other")
    func podsReachEachOther() async throws {
        try requireCNIHost()
        let f = try Fixture()
        do {
            let a = f.newSandbox(), b = f.newSandbox()
            let netA = try await f.cni.setUp(sandboxID: a.id, netns: a.netns, podName: "a", podNamespace: "default", ports: [])
            let netB = try await f.cni.setUp(sandboxID: b.id, netns: b.netns, podName: "b", podNamespace: "default", ports: [])
            #expect(netA.ip != netB.ip)
            #expect(try await ping(netB.ip, inNetns: a.nsName))
            #expect(try await ping(netA.ip, inNetns: b.nsName))
        }
        await f.cleanUp()
    }

    @Test("setUp twice is idempotent: same address, one allocation")
    func setUpIdempotent() async throws {
        try requireCNIHost()
        let f = try Fixture()
        do {
            let sb = f.newSandbox()
            let first = try await f.cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "web", podNamespace: "default", ports: [])
            let second = try await f.cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "web", podNamespace: "default", ports: [])
            #expect(first == second)
            #expect(f.allocatedIPs() == [first.ip])
            let links = try await sh(["ip", "netns", "exec", sb.nsName, "ip", "-o", "link"])
            #expect(links.stdout.split(separator: "\n").count == 2, "expected only lo and eth0: \(links.stdout)")
        }
        await f.cleanUp()
    }

    @Test("tearDown releases the address and removes the namespace; twice is fine")
    func tearDownReleases() async throws {
        try requireCNIHost()
        let f = try Fixture(prefix: 30)  // exactly one pod address: .2
        do {
            let a = f.newSandbox(), b = f.newSandbox()
            let netA = try await f.cni.setUp(sandboxID: a.id, netns: a.netns, podName: "a", podNamespace: "default", ports: [])
            #expect(netA.ip == f.subnetPrefix + "2")
            #expect(f.allocatedIPs() == [netA.ip])

            // The pool is exhausted: the plugin's message comes through, naming plugin and pod.
            let error = await #expect(throws: GantryError.self) {
                _ = try await f.cni.setUp(sandboxID: b.id, netns: b.netns, podName: "b", podNamespace: "default", ports: [])
            }
            #expect(error?.message.hasPrefix("CNI bridge ADD failed for pod default/b: ") == true, "\(String(describing: error))")
            #expect(error?.message.contains("no IP addresses available") == true, "\(String(describing: error))")

            try await f.cni.tearDown(sandboxID: a.id, netns: a.netns, ports: [])
            #expect(!FileManager.default.fileExists(atPath: a.netns))
            #expect(f.allocatedIPs().isEmpty)
            try await f.cni.tearDown(sandboxID: a.id, netns: a.netns, ports: [])  // again: no-op

            let netB = try await f.cni.setUp(sandboxID: b.id, netns: b.netns, podName: "b", podNamespace: "default", ports: [])
            #expect(netB.ip == netA.ip)
            try await f.cni.tearDown(sandboxID: b.id, netns: b.netns, ports: [])
            try await f.cni.tearDown(sandboxID: b.id, netns: b.netns, ports: [])
            #expect(f.allocatedIPs().isEmpty)
            // A sandbox that never existed tears down fine too.
            let never = f.newSandbox()
            try await f.cni.tearDown(sandboxID: never.id, netns: never.netns, ports: [])
        }
        await f.cleanUp()
    }

    @Test("tearDown after the namespace vanished releases the address and the ipMasq rules")
    func tearDownAfterNetnsGone() async throws {
        try requireCNIHost()
        let f = try Fixture()
        do {
            let sb = f.newSandbox()
            let net = try await f.cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "web", podNamespace: "default", ports: [])
            let before = try await sh(["iptables", "-t", "nat", "-S", "POSTROUTING"])
            #expect(before.stdout.contains("id: \\\"\(sb.id)\\\""), "bridge ipMasq rule expected: \(before.stdout)")
            #expect(try await sh(["ip", "netns", "delete", sb.nsName]).status == 0)

            try await f.cni.tearDown(sandboxID: sb.id, netns: sb.netns, ports: [])
            #expect(!f.allocatedIPs().contains(net.ip))
            #expect(!FileManager.default.fileExists(atPath: sb.netns))
            let after = try await sh(["iptables", "-t", "nat", "-S"])
            #expect(!after.stdout.contains(sb.id), "ipMasq rules leaked: \(after.stdout)")
        }
        await f.cleanUp()
    }

    @Test("hostPort forwards from the host's addresses (127.0.0.1 too) and stops after tearDown")
    func hostPort() async throws {
        try requireCNIHost()
        let f = try Fixture()
        let www = f.stateDir + "-www"
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
        try "hi from pod\n".write(toFile: www + "/index.html", atomically: true, encoding: .utf8)
        var server: Background?
        do {
            let sb = f.newSandbox()
            let hostPort = Int.random(in: 31000...32000)
            let ports = [PortMapping(hostPort: hostPort, containerPort: 8080, proto: "tcp")]
            let net = try await f.cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "web", podNamespace: "default", ports: ports)
            server = try Background(["ip", "netns", "exec", sb.nsName, "busybox", "httpd", "-f", "-p", "8080", "-h", www])
            var direct = ""
            for _ in 0..<40 where !direct.contains("hi from pod") {
                direct = try await httpGet(net.ip, 8080)
                if !direct.contains("hi from pod") { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(direct.contains("hi from pod"), "server in the pod did not answer on \(net.ip):8080")

            #expect(try await httpGet("127.0.0.1", hostPort).contains("hi from pod"), "127.0.0.1:\(hostPort) not forwarded")
            let hostAddrs = try await sh(["ip", "-4", "-o", "addr", "show", "scope", "global"]).stdout
                .split(separator: "\n").compactMap { line -> String? in
                    let fields = line.split(separator: " ")
                    guard let i = fields.firstIndex(of: "inet"), i + 1 < fields.count else { return nil }
                    let ip = String(fields[i + 1].split(separator: "/")[0])
                    return ip.hasPrefix("10.250.") ? nil : ip
                }
            if let hostIP = hostAddrs.first {
                #expect(try await httpGet(hostIP, hostPort).contains("hi from pod"), "\(hostIP):\(hostPort) not forwarded")
            }
            // check() is fine with port mappings (portmap CHECK is skipped, bridge CHECK passes).
            try await f.cni.check(sandboxID: sb.id, netns: sb.netns, ports: ports)

            try await f.cni.tearDown(sandboxID: sb.id, netns: sb.netns, ports: ports)
            #expect(!(try await httpGet("127.0.0.1", hostPort)).contains("hi from pod"))
            let nat = try await sh(["iptables", "-t", "nat", "-S"])
            #expect(!nat.stdout.contains("--dport \(hostPort)"), "DNAT rule left after DEL")
        }
        server?.stop()
        try? FileManager.default.removeItem(atPath: www)
        await f.cleanUp()
    }

    @Test("check passes on a healthy sandbox and fails once the veth is gone")
    func checkDetectsBrokenNetwork() async throws {
        try requireCNIHost()
        let f = try Fixture()
        do {
            let sb = f.newSandbox()
            let net = try await f.cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "web", podNamespace: "default", ports: [])
            try await f.cni.check(sandboxID: sb.id, netns: sb.netns, ports: [])
            #expect(try await sh(["ip", "netns", "exec", sb.nsName, "ip", "link", "delete", "eth0"]).status == 0)
            let error = await #expect(throws: GantryError.self) {
                try await f.cni.check(sandboxID: sb.id, netns: sb.netns, ports: [])
            }
            #expect(error?.message.hasPrefix("CNI bridge CHECK failed for pod default/web") == true, "\(String(describing: error))")
            // setUp repairs a broken sandbox (DEL + ADD), then check passes again.
            let repaired = try await f.cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "web", podNamespace: "default", ports: [])
            #expect(repaired.ip.hasPrefix(f.subnetPrefix))
            try await f.cni.check(sandboxID: sb.id, netns: sb.netns, ports: [])
            #expect(f.allocatedIPs().count == 1)
            _ = net
            // check of an unknown sandbox is notFound.
            let unknown = await #expect(throws: GantryError.self) {
                try await f.cni.check(sandboxID: "nope-\(f.suffix)", netns: sb.netns, ports: [])
            }
            #expect(unknown?.code == .notFound)

            // tearDown of a sandbox whose eth0 vanished still removes the ipMasq rules (stand-in eth0).
            #expect(try await sh(["ip", "netns", "exec", sb.nsName, "ip", "link", "delete", "eth0"]).status == 0)
            try await f.cni.tearDown(sandboxID: sb.id, netns: sb.netns, ports: [])
            #expect(f.allocatedIPs().isEmpty)
            let nat = try await sh(["iptables", "-t", "nat", "-S"])
            #expect(!nat.stdout.contains(sb.id), "ipMasq rules leaked: \(nat.stdout)")
        }
        await f.cleanUp()
    }

    @Test("a missing plugin directory gives an error naming containernetworking-plugins")
    func badPluginDir() async throws {
        try requireCNIHost()
        let f = try Fixture(pluginDir: "/nonexistent/cni-\(randomSuffix())")
        let sb = f.newSandbox()
        let error = await #expect(throws: GantryError.self) {
            _ = try await f.cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "web", podNamespace: "default", ports: [])
        }
        #expect(error?.message.contains("containernetworking-plugins") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: sb.netns), "nothing should be created before prerequisites pass")
        await f.cleanUp(strict: false)
    }

    @Test("a plugin's error object and a hung plugin give clear errors")
    func pluginFailures() async throws {
        try requireCNIHost()
        let dir = NSTemporaryDirectory() + "gantry-fake-cni-\(randomSuffix())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for real in ["loopback", "host-local", "portmap"] {
            try FileManager.default.createSymbolicLink(atPath: "\(dir)/\(real)", withDestinationPath: "/usr/lib/cni/\(real)")
        }
        func fakeBridge(_ script: String) throws {
            try? FileManager.default.removeItem(atPath: dir + "/bridge")
            try ("#!/bin/sh\ncat >/dev/null\n" + script).write(toFile: dir + "/bridge", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/bridge")
        }

        try fakeBridge("""
            [ "$CNI_COMMAND" = ADD ] || exit 0
            echo '{"cniVersion":"1.0.0","code":7,"msg":"bridge says no","details":"because"}'
            exit 1
            """)
        let f = try Fixture(pluginDir: dir, pluginTimeout: .seconds(1))
        let sb = f.newSandbox()
        let error = await #expect(throws: GantryError.self) {
            _ = try await f.cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "web", podNamespace: "default", ports: [])
        }
        #expect(error?.message == "CNI bridge ADD failed for pod default/web: bridge says no (because)", "\(String(describing: error))")
        #expect((error?.cause as? CNIPluginError)?.code == 7)

        try fakeBridge("exec sleep 60\n")
        let start = ContinuousClock.now
        let timeout = await #expect(throws: GantryError.self) {
            _ = try await f.cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "web", podNamespace: "default", ports: [])
        }
        #expect(timeout?.code == .timeout)
        #expect(timeout?.message.contains("did not finish within") == true, "\(String(describing: timeout))")
        #expect(ContinuousClock.now - start < .seconds(10))
        await f.cleanUp(strict: false)  // the fake bridge cannot DEL
    }

    @Test("concurrent setUps: different sandboxes in parallel, the same sandbox serialised")
    func concurrentSetUps() async throws {
        try requireCNIHost()
        let f = try Fixture()
        do {
            let sandboxes = (0..<4).map { _ in f.newSandbox() }
            let cni = f.cni
            let ips = try await withThrowingTaskGroup(of: String.self) { group in
                for (i, sb) in sandboxes.enumerated() {
                    group.addTask {
                        try await cni.setUp(sandboxID: sb.id, netns: sb.netns, podName: "p\(i)", podNamespace: "default", ports: []).ip
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(Set(ips).count == 4)
            let same = sandboxes[0]
            let again = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await cni.setUp(sandboxID: same.id, netns: same.netns, podName: "p0", podNamespace: "default", ports: []).ip
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(Set(again).count == 1)
            #expect(f.allocatedIPs().count == 4)
        }
        await f.cleanUp()
    }
}
