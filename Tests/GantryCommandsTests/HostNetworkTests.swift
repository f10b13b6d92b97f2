import Foundation
import GantryAPI
import Logging
import ServiceLifecycle
import Testing
@testable import GantryCommands

@Suite("A second agent on one host")
struct HostNetworkTests {
    static let addr = """
        1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
        2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever
        5: gantry0    inet 10.244.1.1/24 brd 10.244.1.255 scope global gantry0\\       valid_lft forever preferred_lft forever
        """
    static let route = """
        default via 192.0.2.1 dev eth0
        10.0.0.0/8 via 192.0.2.1 dev eth0
        10.244.1.0/24 dev gantry0 proto kernel scope link src 10.244.1.1
        10.244.3.0/24 via 192.0.2.9 dev eth0 proto 199
        192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2
        """

    func dataDir() -> String {
        let d = NSTemporaryDirectory() + "/hostnet-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: d + "/network", withIntermediateDirectories: true)
        return d
    }

    @Test func parsesAddressesAndRoutes() {
        let h = HostNetwork.parse(addr: Self.addr, route: Self.route)
        #expect(h.addresses["gantry0"] == ["10.244.1.1/24"])
        #expect(h.addresses["eth0"] == ["192.0.2.2/24"])
        #expect(h.routes.count == 5)
    }

    @Test func theFirstAgentKeepsGantry0AndASecondDerivesItsBridgeFromTheNodeName() throws {
        let h = HostNetwork.parse(addr: Self.addr, route: Self.route)
        let log = Logger(label: "t")
        let a = dataDir(), b = dataDir()
        // gantry0 carries 10.244.1.1: the agent whose network that is keeps it.
        #expect(try HostNetwork.chooseBridge(flag: nil, nodeName: "node-a", podCIDR: "10.244.1.0/24", dataDir: a, host: h, logger: log) == "gantry0")
        #expect(try HostNetwork.chooseBridge(flag: nil, nodeName: "node-b", podCIDR: "10.244.2.0/24", dataDir: b, host: h, logger: log) == "gt-node-b")
        // The choice is kept: a restart keeps its bridge whatever the host has meanwhile.
        let empty = HostNetwork(addresses: [:], routes: [])
        #expect(try HostNetwork.chooseBridge(flag: nil, nodeName: "node-b", podCIDR: "10.244.2.0/24", dataDir: b, host: empty, logger: log) == "gt-node-b")
        // The flag wins.
        #expect(try HostNetwork.chooseBridge(flag: "br9", nodeName: "node-b", podCIDR: "10.244.2.0/24", dataDir: dataDir(), host: h, logger: log) == "br9")
        // Both taken: one line naming the flag.
        var h2 = h
        h2.addresses["gt-node-c"] = ["10.244.7.1/24"]
        let e = #expect(throws: GantryError.self) {
            try HostNetwork.chooseBridge(flag: nil, nodeName: "node-c", podCIDR: "10.244.4.0/24", dataDir: dataDir(), host: h2, logger: log)
        }
        #expect(e?.message.contains("--bridge") == true)
    }

    @Test func derivedBridgeNamesFitLinux() {
        #expect(HostNetwork.derivedBridge(nodeName: "node-b") == "gt-node-b")
        let long = HostNetwork.derivedBridge(nodeName: "worker-17.rack-3.example.com")
        #expect(long.count == 15 && long.hasPrefix("gt-"))
        #expect(long != HostNetwork.derivedBridge(nodeName: "worker-18.rack-3.example.com"))
        #expect(HostNetwork.derivedBridge(nodeName: "UPPER") != "gt-UPPER")
    }

    @Test func aPodCIDRAlreadyRoutedElsewhereIsRefusedNamingTheFlag() throws {
        let h = HostNetwork.parse(addr: Self.addr, route: Self.route)
        // Its own bridge's route, and broader routes (10.0.0.0/8), are fine.
        try HostNetwork.checkPodCIDR("10.244.1.0/24", bridge: "gantry0", host: h)
        try HostNetwork.checkPodCIDR("10.244.2.0/24", bridge: "gt-node-b", host: h)
        let e1 = #expect(throws: GantryError.self) { try HostNetwork.checkPodCIDR("10.244.1.0/24", bridge: "gt-node-b", host: h) }
        #expect(e1?.message.contains("--pod-cidr") == true)
        #expect(e1?.message.contains("dev gantry0") == true)
        // Another node's pods routed through the LAN.
        #expect(throws: GantryError.self) { try HostNetwork.checkPodCIDR("10.244.3.0/24", bridge: "gt-node-b", host: h) }
        // A larger pod CIDR containing another's.
        #expect(throws: GantryError.self) { try HostNetwork.checkPodCIDR("10.244.0.0/16", bridge: "gt-node-b", host: h) }
        #expect(throws: GantryError.self) { try HostNetwork.checkPodCIDR("nonsense", bridge: "b", host: h) }
    }

    @Test func aTakenPortIsSeen() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("0.0.0.0")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 1)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        #expect(!HostNetwork.tcpPortIsFree(port, host: "0.0.0.0"))
        #expect(HostNetwork.tcpPortIsFree(0, host: "0.0.0.0"))
    }
}

@Suite("One holder of host-wide rules per host")
struct HostExclusiveTests {
    struct Marker: ServiceLifecycle.Service {
        let box: LockedBox
        func run() async throws {
            box.set()
            try? await gracefulShutdown()
        }
    }

    @Test func aStandbyTakesOverWhenTheHolderStops() async throws {
        let dir = NSTemporaryDirectory() + "/excl-\(UUID().uuidString.prefix(8))"
        let first = LockedBox(), second = LockedBox()
        let a = Task { try await HostExclusive("rules", Marker(box: first), logger: Logger(label: "a"), directory: dir, poll: .milliseconds(20)).run() }
        try await Task.sleep(for: .milliseconds(200))
        #expect(first.isSet)
        let b = Task { try await HostExclusive("rules", Marker(box: second), logger: Logger(label: "b"), directory: dir, poll: .milliseconds(20)).run() }
        try await Task.sleep(for: .milliseconds(200))
        #expect(!second.isSet, "two holders at once")
        a.cancel()
        _ = await a.result
        try await Task.sleep(for: .milliseconds(200))
        #expect(second.isSet, "the standby did not take over")
        b.cancel()
        _ = await b.result
    }
}
