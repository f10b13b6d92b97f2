import Foundation
import GantryAPI
import GantryRuntime
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// What this host's network already has, read before an agent takes its share (so that a second agent on one
/// host picks a bridge, pod CIDR and port that do not collide with the first, or says which flag resolves it).
struct HostNetwork: Sendable {
    /// IPv4 addresses by interface: `dev → ["10.244.1.1/24"]`.
    var addresses: [String: [String]]
    /// `ip -4 route show` lines.
    var routes: [String]

    static func read() async throws -> HostNetwork {
        let ip = "/usr/sbin/ip"
        guard FileManager.default.isExecutableFile(atPath: ip) else {
            throw GantryError(.unavailable, "the agent needs \(ip): install the iproute2 package")
        }
        let a = try await ChildProcess.run(ip, ["-o", "-4", "addr", "show"], timeout: .seconds(10))
        let r = try await ChildProcess.run(ip, ["-4", "route", "show", "table", "main"], timeout: .seconds(10))
        return parse(addr: a.stdoutText, route: r.stdoutText)
    }

    /// Parses `ip -o -4 addr show` and `ip -4 route show` output.
    static func parse(addr: String, route: String) -> HostNetwork {
        var addresses: [String: [String]] = [:]
        for line in addr.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count > 3, let i = f.firstIndex(of: "inet"), i + 1 < f.count else { continue }
            let dev = String(f[1].split(separator: "@").first ?? f[1])
            addresses[dev, default: []].append(String(f[i + 1]))
        }
        return HostNetwork(addresses: addresses, routes: route.split(separator: "\n").map(String.init))
    }

    /// The bridge name derived from a node name: `gt-NAME` when it fits Linux's 15 characters, else `gt-` and
    /// 12 hex digits of a hash of the name.
    static func derivedBridge(nodeName: String) -> String {
        let clean = nodeName.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        if !clean.isEmpty, clean.count <= 12, clean == nodeName.lowercased() { return "gt-" + clean }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for b in nodeName.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return "gt-" + String(String(h, radix: 16).suffix(12)).leftPadded(to: 12)
    }

    /// The pod bridge for this agent: the flag's; else the one it chose before (kept in `DATA/network/bridge`);
    /// else `gantry0` unless another agent's pod network is on it, in which case one derived from the node name.
    /// Throws `alreadyExists`, naming `--bridge`, when that one too carries another network.
    static func chooseBridge(flag: String?, nodeName: String, podCIDR: String, dataDir: String, host: HostNetwork,
                             logger: Logger) throws -> String {
        if let flag { return flag }
        let record = dataDir + "/network/bridge"
        if let kept = try? String(contentsOfFile: record, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           !kept.isEmpty {
            return kept
        }
        let gateway = gatewayAddress(podCIDR)
        func isOthers(_ dev: String) -> Bool {
            let addrs = host.addresses[dev] ?? []
            return !addrs.isEmpty && !addrs.contains(gateway)
        }
        var chosen = "gantry0"
        if isOthers(chosen) {
            chosen = derivedBridge(nodeName: nodeName)
            logger.notice("the bridge gantry0 carries another agent's pod network; this node's pods use their own bridge",
                          metadata: ["bridge": "\(chosen)", "gantry0": "\(host.addresses["gantry0"] ?? [])"])
            if isOthers(chosen) {
                throw GantryError(.alreadyExists, "the pod bridges gantry0 and \(chosen) already carry other networks "
                    + "(\((host.addresses[chosen] ?? []).joined(separator: ", "))); name another with --bridge")
            }
        }
        try? chosen.write(toFile: record, atomically: true, encoding: .utf8)
        return chosen
    }

    /// Refuses a pod CIDR that this host already routes somewhere other than `bridge` (another agent's pods, or
    /// any network inside it), naming the route and the flag that resolves it.
    static func checkPodCIDR(_ cidr: String, bridge: String, host: HostNetwork) throws {
        guard let mine = IPv4Range(cidr) else {
            throw GantryError(.invalid, "invalid pod CIDR \"\(cidr)\": want an IPv4 CIDR such as 10.88.0.0/24")
        }
        for line in host.routes {
            let f = line.split(separator: " ").map(String.init)
            guard let dst = f.first, dst != "default", let other = IPv4Range(dst.contains("/") ? dst : dst + "/32") else { continue }
            // Only routes as specific as the pod CIDR or more take its traffic away from the bridge.
            guard other.prefix >= mine.prefix, mine.contains(other.network) else { continue }
            let dev = f.firstIndex(of: "dev").flatMap { $0 + 1 < f.count ? f[$0 + 1] : nil }
            if dev == bridge { continue }
            throw GantryError(.alreadyExists, "pod CIDR \(cidr) collides with the route \"\(line)\" on this host "
                + "(another agent's pods?); give this node another --pod-cidr, or let the control plane assign one")
        }
    }

    /// The first address of `cidr` (the bridge's gateway), as `IP/PREFIX`.
    static func gatewayAddress(_ cidr: String) -> String {
        guard let r = IPv4Range(cidr) else { return "" }
        return IPv4Range.format(r.network + 1) + "/\(r.prefix)"
    }

    /// True when nothing listens on TCP `port` at `host` (a bind test; 0 is always free).
    static func tcpPortIsFree(_ port: Int, host: String) -> Bool {
        guard port > 0 else { return true }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr(host == "0.0.0.0" || host.isEmpty ? "0.0.0.0" : host)
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return r == 0
    }
}

/// An IPv4 network: address and prefix length.
struct IPv4Range: Sendable, Equatable {
    var network: UInt32
    var prefix: Int

    init?(_ cidr: String) {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let p = Int(parts[1]), (0...32).contains(p) else { return nil }
        let o = parts[0].split(separator: ".").compactMap { UInt32($0) }
        guard o.count == 4, o.allSatisfy({ $0 < 256 }) else { return nil }
        let mask: UInt32 = p == 0 ? 0 : ~UInt32(0) << (32 - p)
        network = o.reduce(0) { $0 << 8 | $1 } & mask
        prefix = p
    }

    func contains(_ ip: UInt32) -> Bool {
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        return ip & mask == network
    }

    static func format(_ ip: UInt32) -> String { "\(ip >> 24).\(ip >> 16 & 255).\(ip >> 8 & 255).\(ip & 255)" }
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
