import Foundation
import GantryAPI
import GantryRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Pod networking through the standard CNI plugins of `containernetworking-plugins` (CNI spec 1.0.0).
///
/// Each sandbox gets a named network namespace (`/var/run/netns/<name>`), `lo` brought up by the
/// `loopback` plugin, and an `eth0` veth on a per-agent Linux bridge from this network list, run by
/// Gantry itself in order (ADD) and in reverse (DEL), each plugin receiving the previous one's
/// result as `prevResult`:
///
/// 1. `bridge` (`isGateway`, `ipMasq`, `hairpinMode`) with `host-local` IPAM over `podCIDR`
///    (gateway `.1`, default route), its allocations stored under `<stateDir>/ipam`;
/// 2. `portmap` (`snat`, capability `portMappings`) — only for sandboxes that have host ports.
///
/// The final ADD result and the exact plugin configurations are cached in `<stateDir>/results`, so
/// DEL and CHECK get the right `prevResult` and configuration (as libcni's cache does) and `setUp` is
/// idempotent. Operations on one sandbox are serialised; different sandboxes run concurrently.
///
/// With `prepareSandboxes(count:)`, sandboxes for pods without host ports are set up ahead of demand and
/// handed over by `setUp` without running any plugin (see `PreparedSandboxes`).
/// Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) and the `ip` command from iproute2.
public struct CNINetwork: NetworkPlugin {
    /// The CNI spec version spoken to the plugins.
    public static let cniVersion = "1.0.0"
    /// Interface name of the pod's network interface.
    public static let interfaceName = "eth0"

    /// Directory for the result cache and the IPAM store (one per agent).
    public let stateDir: String
    /// Directory holding the plugin binaries (`CNI_PATH`).
    public let pluginDir: String
    /// Linux bridge the pods attach to; per agent, so several agents on one host do not collide.
    public let bridgeName: String
    /// Name of the CNI network (`name` in the configuration; host-local's store and iptables chain names derive from it).
    public let networkName: String
    /// IPv4 pod subnet in CIDR form (`10.88.0.0/24`), normalised to its network address.
    public let podCIDR: String
    /// Gateway address: the first address of `podCIDR`, assigned to the bridge.
    public let gateway: String
    /// Masquerade traffic leaving the pod subnet.
    public let ipMasq: Bool
    /// Let a pod reach itself through a Service / host port (hairpin on the bridge port).
    public let hairpinMode: Bool
    /// MTU of the bridge and veths; nil lets the plugin pick.
    public let mtu: Int?
    /// How long one plugin invocation may run before it is killed.
    public let pluginTimeout: Duration

    let locks = KeyedLock()
    /// Sandboxes set up ahead of demand (see `prepareSandboxes(count:)`).
    let prepared = PreparedSandboxes()

    /// Creates the plugin. Throws `invalid` for a podCIDR that is not IPv4 CIDR or a bridge name that
    /// is not a valid Linux interface name. Touches nothing on the host until the first call.
    public init(stateDir: String, pluginDir: String = "/usr/lib/cni", bridgeName: String = "gantry0",
                podCIDR: String, networkName: String? = nil, ipMasq: Bool = true, hairpinMode: Bool = true,
                mtu: Int? = nil, pluginTimeout: Duration = .seconds(30)) throws {
        guard !bridgeName.isEmpty, bridgeName.utf8.count <= 15,
              bridgeName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else {
            throw GantryError(.invalid, "invalid bridge name \"\(bridgeName)\": 1-15 characters of [a-zA-Z0-9-_.]")
        }
        guard let (network, prefix) = Self.parseIPv4CIDR(podCIDR), prefix <= 30 else {
            throw GantryError(.invalid, "invalid pod CIDR \"\(podCIDR)\": expected an IPv4 subnet such as 10.88.0.0/24 (prefix at most /30)")
        }
        self.stateDir = stateDir
        self.pluginDir = pluginDir
        self.bridgeName = bridgeName
        self.networkName = networkName ?? bridgeName
        self.podCIDR = "\(Self.formatIPv4(network))/\(prefix)"
        self.gateway = Self.formatIPv4(network &+ 1)
        self.ipMasq = ipMasq
        self.hairpinMode = hairpinMode
        self.mtu = mtu
        self.pluginTimeout = pluginTimeout
    }

    /// Directory of host-local's allocations (`<ipamDataDir>/<networkName>/<ip>` per allocated address).
    public var ipamDataDir: String { stateDir + "/ipam" }
    var resultsDir: String { stateDir + "/results" }

    // MARK: - NetworkPlugin

    /// Creates the namespace if needed, brings up `lo`, runs ADD over the network list and returns the
    /// pod's address. Idempotent: if the sandbox is already set up (cached result, namespace present,
    /// bridge CHECK passes, same ports) the cached address is returned without running ADD again;
    /// a stale or broken setup is deleted (DEL) and redone. A failed ADD is rolled back with DEL.
    public func setUp(sandboxID: String, netns: String, podName: String, podNamespace: String,
                      ports: [PortMapping]) async throws -> SandboxNetwork {
        try Self.validate(sandboxID: sandboxID)
        let ns = try NetnsPath(netns)
        let pod = PodRef(namespace: podNamespace, name: podName, sandboxID: sandboxID)
        await prepared.recover(self)
        return try await locks.withLock(sandboxID) {
            try checkPrerequisites(plugins: ["loopback", "bridge", "host-local"] + (ports.isEmpty ? [] : ["portmap"]))
            if let cached = try loadCache(sandboxID) {
                if cached.netns == netns, ns.exists, Set(cached.ports) == Set(ports),
                   (try? await checkLocked(cached, netns: netns)) != nil,
                   let network = try? Self.sandboxNetwork(from: cached.result) {
                    return network
                }
                // Stale (namespace gone, ports changed, broken): release everything, keep a live namespace.
                try await delete(cached: cached, containerID: cached.cniContainerID, ns: NetnsPath(cached.netns), pod: pod,
                                 fallbackPorts: cached.ports, cacheFile: cachePath(sandboxID))
            }
            // A sandbox prepared ahead of demand, when the pod needs no host ports: no plugin runs now.
            if ports.isEmpty, let network = await claimPrepared(sandboxID: sandboxID, netns: ns, pod: pod) {
                return network
            }
            let entry: CacheEntry
            do {
                entry = try await addNetwork(containerID: sandboxID, ns: ns, pod: pod, ports: ports)
            } catch let error as GantryError where error.message.contains("no IP addresses available") {
                // The pod CIDR is used up, partly by prepared sandboxes (which a pod with host ports cannot
                // take): give one of their addresses to this pod.
                guard let id = await prepared.take() else { throw error }
                await discardPrepared(id)
                entry = try await addNetwork(containerID: sandboxID, ns: ns, pod: pod, ports: ports)
            }
            try saveCache(entry, to: cachePath(sandboxID))
            return try Self.sandboxNetwork(from: entry.result)
        }
    }

    /// Creates the namespace and runs ADD over `lo` and the network list for CNI container `containerID`;
    /// returns the cache entry to record (not yet saved). A failed ADD is rolled back with DEL.
    func addNetwork(containerID: String, ns: NetnsPath, pod: PodRef, ports: [PortMapping]) async throws -> CacheEntry {
        try FileManager.default.createDirectory(atPath: resultsDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: ipamDataDir, withIntermediateDirectories: true)
        try await ns.create(timeout: pluginTimeout)

        let executor = PluginExecutor(pluginDir: pluginDir, timeout: pluginTimeout)
        let args = Self.cniArgs(pod)
        do {
            _ = try await executor.invoke(loopbackConfig(), .init(command: "ADD", containerID: containerID,
                                                                  netns: ns.path, ifName: "lo", args: args))
        } catch {
            throw wrap(error, pod)
        }

        let plugins = pluginConfigs(hostPorts: !ports.isEmpty)
        let call = PluginExecutor.Call(command: "ADD", containerID: containerID, netns: ns.path,
                                       ifName: Self.interfaceName, args: args)
        var prevResult: JSONValue?
        for plugin in plugins {
            do {
                let result = try await executor.invoke(runtimeConfig(plugin, ports: ports, prevResult: prevResult), call)
                guard let result else {
                    throw CNIInvocationError(plugin["type"]?.string ?? "?", "ADD", code: 0, msg: "printed no result")
                }
                prevResult = result
            } catch {
                // Roll back what was (partly) added, so no address or rule leaks; report the ADD error.
                var del = call
                del.command = "DEL"
                for p in plugins.reversed() {
                    _ = try? await executor.invoke(runtimeConfig(p, ports: ports, prevResult: prevResult), del)
                }
                throw wrap(error, pod)
            }
        }
        guard let result = prevResult else {
            throw GantryError(.internalError, "CNI ADD produced no result for \(pod)")
        }
        do { _ = try Self.sandboxNetwork(from: result) } catch {
            throw GantryError(.internalError, "CNI ADD for \(pod) returned an unusable result", cause: error)
        }
        return CacheEntry(cniVersion: Self.cniVersion, networkName: networkName, sandboxID: pod.sandboxID,
                          containerID: containerID == pod.sandboxID ? nil : containerID, netns: ns.path,
                          ifName: Self.interfaceName, podName: pod.name ?? "", podNamespace: pod.namespace ?? "",
                          ports: ports, plugins: plugins, result: result)
    }

    /// Runs DEL over the network list (reverse order, cached `prevResult`), then deletes the namespace.
    /// Idempotent: succeeds when the sandbox was never set up or is already torn down. If the namespace
    /// vanished, DEL still runs so host-local releases the address (see `delete`).
    public func tearDown(sandboxID: String, netns: String, ports: [PortMapping]) async throws {
        try Self.validate(sandboxID: sandboxID)
        let ns = try NetnsPath(netns)
        await prepared.recover(self)
        try await locks.withLock(sandboxID) {
            let cached = try loadCache(sandboxID)
            let pod = PodRef(namespace: cached?.podNamespace, name: cached?.podName, sandboxID: cached?.cniContainerID ?? sandboxID)
            try checkPrerequisites(plugins: ["bridge", "host-local"]
                                   + ((cached?.ports ?? ports).isEmpty ? [] : ["portmap"]))
            let containerID = cached?.cniContainerID ?? sandboxID
            try await delete(cached: cached, containerID: containerID, ns: ns, pod: pod, fallbackPorts: ports,
                             cacheFile: cachePath(sandboxID))
            if ns.exists {
                let executor = PluginExecutor(pluginDir: pluginDir, timeout: pluginTimeout)
                if FileManager.default.isExecutableFile(atPath: pluginDir + "/loopback") {
                    _ = try? await executor.invoke(loopbackConfig(), .init(command: "DEL", containerID: containerID,
                                                                           netns: ns.path, ifName: "lo",
                                                                           args: Self.cniArgs(pod)))
                }
            }
            try await ns.remove(timeout: pluginTimeout)
        }
    }

    /// Runs CHECK for the sandbox (`bridge`, which also has host-local check the allocation).
    /// `portmap` CHECK is skipped: in containernetworking-plugins 1.1.1 it fails on IPv4-only hosts
    /// ("could not check ipv6 dnat") even when the mappings are intact. Throws `notFound` when the
    /// sandbox was never set up, `unavailable` when its namespace is gone or a plugin reports a problem.
    public func check(sandboxID: String, netns: String, ports: [PortMapping]) async throws {
        try Self.validate(sandboxID: sandboxID)
        let ns = try NetnsPath(netns)
        try await locks.withLock(sandboxID) {
            try checkPrerequisites(plugins: ["bridge", "host-local"])
            guard let cached = try loadCache(sandboxID) else {
                throw GantryError(.notFound, "CNI CHECK failed for sandbox \(sandboxID): it has no network set up")
            }
            guard ns.exists else {
                throw GantryError(.unavailable, "CNI CHECK failed for pod \(PodRef(cached)): network namespace \(netns) is gone")
            }
            try await checkLocked(cached, netns: netns)
        }
    }

    // MARK: - Internals

    private func checkLocked(_ cached: CacheEntry, netns: String) async throws {
        let executor = PluginExecutor(pluginDir: pluginDir, timeout: pluginTimeout)
        let call = PluginExecutor.Call(command: "CHECK", containerID: cached.cniContainerID, netns: netns,
                                       ifName: cached.ifName, args: Self.cniArgs(PodRef(cached)))
        for plugin in cached.plugins where plugin["type"]?.string != "portmap" {
            do {
                _ = try await executor.invoke(runtimeConfig(plugin, ports: cached.ports, prevResult: cached.result,
                                                            version: cached.cniVersion, name: cached.networkName), call)
            } catch {
                throw wrap(error, PodRef(cached), code: .unavailable)
            }
        }
    }

    /// DEL over the network list in reverse. Uses the cached configuration and result when there is
    /// one, else the current configuration without `prevResult` (a setUp that died before caching).
    ///
    /// `bridge` DEL learns which ipMasq rules to remove from the addresses on the pod's `eth0`; when
    /// `eth0` or the whole namespace is already gone it only releases the address and leaks those
    /// rules (and a later ADD/DEL of the same sandbox then trips over them). So, with a cached
    /// result, a stand-in `eth0` (a veth) carrying the cached address is put in place first (in a
    /// briefly recreated namespace if needed) and the plugin cleans up after itself as usual. If that
    /// is not possible, DEL runs anyway (with an empty `CNI_NETNS` when the namespace is gone, as the
    /// spec allows) so the address is still released.
    func delete(cached: CacheEntry?, containerID: String, ns: NetnsPath, pod: PodRef,
                fallbackPorts: [PortMapping], cacheFile: String) async throws {
        let executor = PluginExecutor(pluginDir: pluginDir, timeout: pluginTimeout)
        var exists = ns.exists
        var tempNamespace = false
        if let cached, ns.managed, cached.plugins.contains(where: { $0["ipMasq"] == .bool(true) }),
           let address = Self.podAddressCIDR(from: cached.result) {
            if !exists {
                tempNamespace = await ns.createStandIn(ifName: cached.ifName, address: address, timeout: pluginTimeout,
                                                       inNewNamespace: true)
                exists = tempNamespace
            } else if await !ns.hasLink(cached.ifName, timeout: pluginTimeout) {
                _ = await ns.createStandIn(ifName: cached.ifName, address: address, timeout: pluginTimeout,
                                           inNewNamespace: false)
            }
        }
        let plugins = cached?.plugins ?? pluginConfigs(hostPorts: !fallbackPorts.isEmpty)
        let ports = cached?.ports ?? fallbackPorts
        let call = PluginExecutor.Call(command: "DEL", containerID: containerID, netns: exists ? ns.path : "",
                                       ifName: cached?.ifName ?? Self.interfaceName, args: Self.cniArgs(pod))
        do {
            for plugin in plugins.reversed() {
                _ = try await executor.invoke(runtimeConfig(plugin, ports: ports, prevResult: cached?.result,
                                                            version: cached?.cniVersion, name: cached?.networkName), call)
            }
        } catch {
            if tempNamespace { try? await ns.remove(timeout: pluginTimeout) }
            throw wrap(error, pod)
        }
        if tempNamespace { try await ns.remove(timeout: pluginTimeout) }
        try? FileManager.default.removeItem(atPath: cacheFile)
    }

    /// The network list (without `name`/`cniVersion`, which are injected per invocation).
    func pluginConfigs(hostPorts: Bool) -> [JSONValue] {
        let ipam: [String: JSONValue] = [
            "type": .string("host-local"),
            "ranges": .array([.array([.object(["subnet": .string(podCIDR), "gateway": .string(gateway)])])]),
            "routes": .array([.object(["dst": .string("0.0.0.0/0")])]),
            "dataDir": .string(ipamDataDir),
        ]
        var bridge: [String: JSONValue] = [
            "type": .string("bridge"),
            "bridge": .string(bridgeName),
            "isGateway": .bool(true),
            "ipMasq": .bool(ipMasq),
            "hairpinMode": .bool(hairpinMode),
            "ipam": .object(ipam),
        ]
        if let mtu { bridge["mtu"] = .int(mtu) }
        var list: [JSONValue] = [.object(bridge)]
        if hostPorts {
            list.append(.object([
                "type": .string("portmap"),
                "snat": .bool(true),
                "capabilities": .object(["portMappings": .bool(true)]),
            ]))
        }
        return list
    }

    func loopbackConfig() -> JSONValue {
        .object(["cniVersion": .string(Self.cniVersion), "name": .string("cni-loopback"), "type": .string("loopback")])
    }

    /// One plugin's stdin: its configuration plus `name`, `cniVersion`, `runtimeConfig` for the
    /// capabilities it declares, and `prevResult` (spec section 3, "Deriving execution configuration").
    func runtimeConfig(_ plugin: JSONValue, ports: [PortMapping], prevResult: JSONValue?,
                       version: String? = nil, name: String? = nil) -> JSONValue {
        var conf = plugin.object ?? [:]
        conf["cniVersion"] = .string(version ?? Self.cniVersion)
        conf["name"] = .string(name ?? networkName)
        if conf["capabilities"]?["portMappings"] == .bool(true) {
            let mappings: [JSONValue] = ports.map { p in
                var m: [String: JSONValue] = [
                    "hostPort": .int(p.hostPort), "containerPort": .int(p.containerPort),
                    "protocol": .string(p.proto.lowercased()),
                ]
                if let hostIP = p.hostIP, !hostIP.isEmpty { m["hostIP"] = .string(hostIP) }
                return .object(m)
            }
            conf["runtimeConfig"] = .object(["portMappings": .array(mappings)])
        }
        if let prevResult { conf["prevResult"] = prevResult }
        return .object(conf)
    }

    func wrap(_ error: any Error, _ pod: PodRef, code: GantryError.Code? = nil) -> any Error {
        guard let e = error as? CNIInvocationError else { return error }
        let what = "CNI \(e.error.plugin) \(e.error.command) failed for \(pod.description)"
        var msg = e.error.msg
        if let d = e.error.details, !d.isEmpty { msg += " (\(d))" }
        let c: GantryError.Code = e.timedOut ? .timeout : (code ?? (e.error.code == 11 ? .unavailable : .internalError))
        return GantryError(c, "\(what): \(msg)", cause: e.error)
    }

    func checkPrerequisites(plugins: [String]) throws {
        if geteuid() != 0 {
            throw GantryError(.unavailable, "CNI networking needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to create network namespaces, bridges, veths and iptables rules; running as uid \(geteuid())")
        }
        for plugin in plugins where !FileManager.default.isExecutableFile(atPath: pluginDir + "/" + plugin) {
            throw GantryError(.unavailable, "CNI plugin \"\(plugin)\" not found in \(pluginDir): install containernetworking-plugins (apt-get install containernetworking-plugins) or point pluginDir at its binaries")
        }
        if NetnsPath.ipCommand == nil {
            throw GantryError(.unavailable, "the ip command is missing: install iproute2")
        }
    }

    static func validate(sandboxID: String) throws {
        guard !sandboxID.isEmpty, sandboxID.utf8.count <= 200,
              sandboxID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }),
              sandboxID != ".", sandboxID != ".."
        else {
            throw GantryError(.invalid, "invalid sandbox ID \"\(sandboxID)\": CNI container IDs are [a-zA-Z0-9_.-]")
        }
    }

    static func cniArgs(_ pod: PodRef) -> [(String, String)] {
        var args: [(String, String)] = [("IgnoreUnknown", "1")]
        if let ns = pod.namespace { args.append(("K8S_POD_NAMESPACE", ns)) }
        if let name = pod.name { args.append(("K8S_POD_NAME", name)) }
        args.append(("K8S_POD_INFRA_CONTAINER_ID", pod.sandboxID))
        return args
    }

    /// The pod address from a CNI result: the first IPv4 entry of `ips` on the sandbox interface.
    static func sandboxNetwork(from result: JSONValue) throws -> SandboxNetwork {
        guard let entry = podIPEntry(result), let cidr = entry["address"]?.string,
              let ip = cidr.split(separator: "/").first else {
            throw GantryError(.internalError, "CNI result has no IPv4 address for \(interfaceName)")
        }
        return SandboxNetwork(ip: String(ip), gateway: entry["gateway"]?.string, interfaceName: interfaceName)
    }

    static func podAddressCIDR(from result: JSONValue) -> String? {
        podIPEntry(result)?["address"]?.string
    }

    private static func podIPEntry(_ result: JSONValue) -> JSONValue? {
        let interfaces = result["interfaces"]?.array ?? []
        let ips = (result["ips"]?.array ?? []).filter { ($0["address"]?.string ?? "").contains(".") }
        let onSandbox = ips.first { ip in
            guard let i = ip["interface"]?.int, interfaces.indices.contains(i) else { return false }
            return interfaces[i]["sandbox"]?.string != nil
        }
        return onSandbox ?? ips.first
    }

    static func parseIPv4CIDR(_ s: String) -> (UInt32, Int)? {
        let parts = s.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]), (0...32).contains(prefix),
              let addr = parseIPv4(String(parts[0])) else { return nil }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        return (addr & mask, prefix)
    }

    static func parseIPv4(_ s: String) -> UInt32? {
        let octets = s.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var v: UInt32 = 0
        for o in octets {
            guard let b = UInt8(o) else { return nil }
            v = v << 8 | UInt32(b)
        }
        return v
    }

    static func formatIPv4(_ v: UInt32) -> String {
        "\(v >> 24).\((v >> 16) & 255).\((v >> 8) & 255).\(v & 255)"
    }

    // MARK: - Result cache

    struct CacheEntry: Codable, Sendable {
        var cniVersion: String
        var networkName: String
        var sandboxID: String
        /// The CNI container ID ADD ran with, when not `sandboxID` (a sandbox prepared ahead of demand keeps the
        /// ID it was prepared under: host-local's allocation and the bridge's ipMasq rules are keyed by it).
        var containerID: String?
        var netns: String
        var ifName: String
        var podName: String
        var podNamespace: String
        var ports: [PortMapping]
        /// The plugin configurations ADD ran, so DEL and CHECK use the same ones.
        var plugins: [JSONValue]
        /// The final ADD result (the `prevResult` of DEL and CHECK).
        var result: JSONValue

        /// The container ID to give the plugins (DEL and CHECK must repeat ADD's).
        var cniContainerID: String { containerID ?? sandboxID }
    }

    func cachePath(_ sandboxID: String) -> String { resultsDir + "/" + sandboxID + ".json" }

    /// The sandboxes with a cached ADD result (set up and not yet torn down).
    public func sandboxIDs() async throws -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: resultsDir)) ?? [])
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
    }

    func loadCache(_ sandboxID: String) throws -> CacheEntry? {
        try loadCache(path: cachePath(sandboxID))
    }

    func loadCache(path: String) throws -> CacheEntry? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(CacheEntry.self, from: data)
        } catch {
            throw GantryError(.internalError, "corrupt CNI result cache \(path)", cause: error)
        }
    }

    func saveCache(_ entry: CacheEntry, to path: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        try e.encode(entry).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// Who a CNI call is for, for error messages and `CNI_ARGS`.
struct PodRef: Sendable, CustomStringConvertible {
    var namespace: String?
    var name: String?
    var sandboxID: String

    init(namespace: String?, name: String?, sandboxID: String) {
        self.namespace = namespace
        self.name = name
        self.sandboxID = sandboxID
    }

    init(_ entry: CNINetwork.CacheEntry) {
        self.init(namespace: entry.podNamespace.isEmpty ? nil : entry.podNamespace, name: entry.podName.isEmpty ? nil : entry.podName,
                  sandboxID: entry.cniContainerID)
    }

    var description: String {
        if let namespace, let name { return "pod \(namespace)/\(name)" }
        return "sandbox \(sandboxID)"
    }
}

/// A network namespace path. Namespaces under `/var/run/netns` (or `/run/netns`) are created and
/// deleted with `ip netns`; any other existing path is used as given and never deleted.
struct NetnsPath: Sendable {
    var path: String
    var name: String
    /// Lives in the `ip netns` directory, so Gantry creates and deletes it.
    var managed: Bool

    static let ipCommand: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    init(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        name = url.lastPathComponent
        guard path.hasPrefix("/"), !name.isEmpty, name != "/", name != ".", name != ".." else {
            throw GantryError(.invalid, "invalid network namespace path \"\(path)\": expected /var/run/netns/<name>")
        }
        self.path = path
        managed = dir == "/var/run/netns" || dir == "/run/netns"
    }

    var exists: Bool { FileManager.default.fileExists(atPath: path) }

    func create(timeout: Duration) async throws {
        if exists { return }
        guard managed else {
            throw GantryError(.notFound, "network namespace \(path) does not exist (only namespaces under /var/run/netns are created)")
        }
        let out = try await ip(["netns", "add", name], timeout: timeout)
        if out.status != 0, !exists {
            throw GantryError(.internalError, "cannot create network namespace \(name): \(out.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    func remove(timeout: Duration) async throws {
        guard managed, exists else { return }
        let out = try await ip(["netns", "delete", name], timeout: timeout)
        if out.status != 0, exists {
            throw GantryError(.internalError, "cannot delete network namespace \(name): \(out.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// Gives the namespace (recreated when `inNewNamespace`) a stand-in `ifName` holding `address`,
    /// so a DEL can find the address it has to clean up after. Returns false (and removes a namespace
    /// it created) if that fails.
    func createStandIn(ifName: String, address: String, timeout: Duration, inNewNamespace: Bool) async -> Bool {
        do {
            if inNewNamespace { try await create(timeout: timeout) }
            // A veth pair with both ends inside (the `dummy` link type is not in every kernel).
            let link = try await ip(["-n", name, "link", "add", ifName, "type", "veth", "peer", "name", "gantry-standin"],
                                    timeout: timeout)
            let addr = try await ip(["-n", name, "addr", "add", address, "dev", ifName], timeout: timeout)
            if link.status == 0, addr.status == 0 { return true }
        } catch {}
        if inNewNamespace { try? await remove(timeout: timeout) }
        return false
    }

    /// Whether the namespace has a link named `ifName` (true when that cannot be determined).
    func hasLink(_ ifName: String, timeout: Duration) async -> Bool {
        guard let out = try? await ip(["-n", name, "link", "show", "dev", ifName], timeout: timeout) else { return true }
        return out.status == 0
    }

    private func ip(_ args: [String], timeout: Duration) async throws -> ProcessOutput {
        guard let ip = Self.ipCommand else { throw GantryError(.unavailable, "the ip command is missing: install iproute2") }
        return try await ProcessRunner.run(ip, args, timeout: timeout)
    }
}
