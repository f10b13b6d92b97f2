import Foundation
import GantryAPI
import GantryClient
import Logging
import ServiceLifecycle

/// The pod network across nodes, host-gw style (flannel's host-gw backend): a route to every other node's pod
/// CIDR through that node's InternalIP. This needs the nodes to share a link (a LAN, or the bridge of the
/// test harness); VXLAN for nodes that do not is not built.
///
/// Routes are tagged with their own routing protocol number, so each sync also deletes the ones no longer
/// wanted — including those of a previous run. Traffic between pods keeps its addresses (the Kubernetes
/// network model); what this node's pods send out of the cluster — to any address outside every node's pod
/// CIDR — is masqueraded by the chain `GANTRY-POD-MASQ`, rewritten in one `iptables-restore` per sync.
public final class PodRoutes: ServiceLifecycle.Service, @unchecked Sendable {
    /// The `proto` number marking Gantry's routes.
    public static let routeProtocol = "199"
    let nodes: Informer<Node>
    let nodeName: String
    let ip: String
    let iptablesRestore: String
    let iptablesSave: String
    let logger: Logger
    private let (changes, changed) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

    public init(client: GantryClient, nodeName: String, ip: String = "/usr/sbin/ip", iptablesRestore: String = "/usr/sbin/iptables-restore",
                iptablesSave: String = "/usr/sbin/iptables-save", logger: Logger) {
        self.nodes = Informer(client: client, logger: logger)
        self.nodeName = nodeName
        self.ip = ip
        self.iptablesRestore = iptablesRestore
        self.iptablesSave = iptablesSave
        self.logger = logger
        nodes.addHandler { [changed] _ in changed.yield() }
    }

    /// The routes this node wants: other nodes' pod CIDR → their InternalIP, unless that address is this host's
    /// own (several agents sharing one host reach each other's bridges directly).
    public static func wanted(nodes: [Node], nodeName: String, localAddresses: Set<String>) -> [String: String] {
        var out: [String: String] = [:]
        for n in nodes where n.name != nodeName {
            guard let cidr = n.spec?.podCIDR, !cidr.isEmpty,
                  let addr = n.status?.addresses?.first(where: { $0.type == "InternalIP" })?.address,
                  !localAddresses.contains(addr) else { continue }
            out[cidr] = addr
        }
        return out
    }

    /// The jump's comment, by which a sync finds the jumps of earlier runs (another pod CIDR) to remove.
    static let jumpComment = "gantry pod egress"

    /// The `iptables-restore --noflush` input masquerading what `podCIDRs` send outside `clusterCIDRs`, and
    /// deleting `staleJumps` (POSTROUTING rules, as iptables-save prints them after `-A`).
    public static func masqueradeRules(podCIDRs: [String], clusterCIDRs: [String], staleJumps: [String]) -> String {
        var out = "*nat\n:GANTRY-POD-MASQ - [0:0]\n"
        for j in staleJumps { out += "-D POSTROUTING \(j)\n" }
        for c in clusterCIDRs.sorted() { out += "-A GANTRY-POD-MASQ -d \(c) -j RETURN\n" }
        out += "-A GANTRY-POD-MASQ -m addrtype ! --dst-type LOCAL -j MASQUERADE\n"
        for podCIDR in podCIDRs {
            out += "-A POSTROUTING -s \(podCIDR) -m comment --comment \"\(jumpComment)\" -j GANTRY-POD-MASQ\n"
        }
        out += "COMMIT\n"
        return out
    }

    public func run() async throws {
        guard FileManager.default.isExecutableFile(atPath: ip) else {
            throw GantryError(.unavailable, "pod routes need \(ip): install the iproute2 package")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.nodes.run() }
            group.addTask {
                try await cancelWhenGracefulShutdown {
                    await self.nodes.waitForSync()
                    var it = self.changes.makeAsyncIterator()
                    var backoff = Backoff(initial: .milliseconds(500), cap: .seconds(30))
                    var log = RetryLog("pod route sync", logger: self.logger)
                    repeat {
                        do {
                            try await self.sync()
                            log.succeeded()
                            backoff.reset()
                        } catch {
                            if Task.isCancelled || isCancellation(error) { return }
                            log.failed(error)
                            // Try again after the back-off even if nothing changes meanwhile.
                            do { try await backoff.wait() } catch { return }
                            self.changed.yield()
                        }
                    } while await it.next() != nil && !Task.isCancelled
                }
            }
            try await group.waitForAll()
        }
    }

    func sync() async throws {
        let addrs = try await Command.run(ip, ["-o", "-4", "addr", "show"])
        var local: Set<String> = []
        for line in addrs.stdout.split(separator: "\n") {
            let f = line.split(separator: " ")
            if let i = f.firstIndex(of: "inet"), i + 1 < f.count { local.insert(String(f[i + 1].split(separator: "/")[0])) }
        }
        let want = Self.wanted(nodes: nodes.list(), nodeName: nodeName, localAddresses: local)
        let have = try await Command.run(ip, ["-4", "route", "show", "proto", Self.routeProtocol])
        var existing: [String: String] = [:]
        for line in have.stdout.split(separator: "\n") {
            let f = line.split(separator: " ").map(String.init)
            if let v = f.firstIndex(of: "via"), v + 1 < f.count, let dst = f.first { existing[dst] = f[v + 1] }
        }
        for (cidr, via) in want where existing[cidr] != via {
            let r = try await Command.run(ip, ["route", "replace", cidr, "via", via, "proto", Self.routeProtocol])
            if r.status != 0 { throw GantryError(.internalError, "ip route replace \(cidr) via \(via): \(r.stderr)") }
            logger.info("pod route added", metadata: ["cidr": "\(cidr)", "via": "\(via)"])
        }
        for cidr in existing.keys where want[cidr] == nil {
            _ = try await Command.run(ip, ["route", "del", cidr, "proto", Self.routeProtocol])
        }
        try await syncMasquerade(localAddresses: local)
    }

    /// The pod CIDRs whose traffic out of the cluster this host masquerades: this node's, and those of other nodes
    /// whose InternalIP is this host's own (agents sharing the host, whose pod routes may be this one).
    public static func localPodCIDRs(nodes: [Node], nodeName: String, localAddresses: Set<String>) -> [String] {
        var out: Set<String> = []
        for n in nodes {
            guard let cidr = n.spec?.podCIDR, !cidr.isEmpty else { continue }
            let addr = n.status?.addresses?.first(where: { $0.type == "InternalIP" })?.address
            if n.name == nodeName || addr.map(localAddresses.contains) == true { out.insert(cidr) }
        }
        return out.sorted()
    }

    func syncMasquerade(localAddresses: Set<String>) async throws {
        let all = nodes.list()
        let own = Self.localPodCIDRs(nodes: all, nodeName: nodeName, localAddresses: localAddresses)
        guard !own.isEmpty else { return }
        let cidrs = Set(all.compactMap { $0.spec?.podCIDR }.filter { !$0.isEmpty })
        let saved = try await Command.run(iptablesSave, ["-t", "nat"])
        // Every jump of ours is removed and the current one appended, so exactly one remains.
        let jumps = saved.stdout.split(separator: "\n").filter { $0.hasPrefix("-A POSTROUTING ") && $0.contains(Self.jumpComment) }
            .map { String($0.dropFirst("-A POSTROUTING ".count)) }
        let input = Self.masqueradeRules(podCIDRs: own, clusterCIDRs: Array(cidrs), staleJumps: jumps)
        let r = try await Command.run(iptablesRestore, ["--noflush", "-w", "5"], stdin: input)
        if r.status != 0 { throw GantryError(.internalError, "iptables-restore (pod masquerade) failed: \(r.stderr)") }
    }
}
