import Foundation
import GantryAPI
import GantryClient
import Logging
import ServiceLifecycle

/// The iptables rules that enforce NetworkPolicies (pure: policies, pods and namespaces in, an
/// `iptables-restore` transaction of the filter table out), with Kubernetes' semantics:
/// - a pod selected by a policy with `Ingress` in its `policyTypes` is isolated for ingress: only traffic some
///   such policy's rule allows reaches it (a rule allows its `from` peers, or everyone when empty, on its `ports`,
///   or every port when empty); the same for `Egress` and traffic it sends; policies add up;
/// - peers are pods of the policy's namespace by `podSelector`, pods of the namespaces `namespaceSelector` picks
///   (and `podSelector` within them when both are set), or an `ipBlock` less its `except` CIDRs;
/// - ports are numbers, ranges (`endPort`) or a pod's named container ports; protocol TCP unless said;
/// - replies to allowed connections are always let through (conntrack).
///
/// Every node checks the traffic it forwards against the policies of both ends, so a connection across nodes is
/// checked for egress where it leaves and for ingress where it arrives. Traffic from the node itself (probes,
/// the agent) and pods on the host network are not subject to policies, as with kube-router and Calico's defaults.
public enum NetworkPolicyRules {
    /// The chain `FORWARD` jumps to first.
    public static let chain = "GANTRY-NETPOL"
    /// Prefix of the per-pod chains (`GANTRY-NP-I-<hash>` ingress, `GANTRY-NP-E-<hash>` egress).
    public static let podChainPrefix = "GANTRY-NP-"
    /// The jump from `FORWARD`.
    public static let jump = ["-m", "comment", "--comment", "gantry network policies", "-j", chain]

    /// A pod as policies see it.
    public struct Member: Sendable, Hashable {
        public var namespace: String
        public var name: String
        public var ip: String
        public var labels: [String: String]
        /// Named container ports: name → (port, protocol).
        public var ports: [String: [PortProto]]
    }

    public struct PortProto: Sendable, Hashable {
        public var port: Int
        public var proto: String
    }

    /// The pods policies can select: with a pod IP, not on the host network, not finished.
    public static func members(_ pods: [Pod]) -> [Member] {
        pods.compactMap { p in
            guard let ip = p.status?.podIP, !ip.isEmpty, p.spec?.hostNetwork != true,
                  p.status?.phase != "Succeeded", p.status?.phase != "Failed" else { return nil }
            var named: [String: [PortProto]] = [:]
            for c in (p.spec?.containers ?? []) + (p.spec?.initContainers ?? []) {
                for port in c.ports ?? [] {
                    guard let n = port.name, let cp = port.containerPort else { continue }
                    named[n, default: []].append(PortProto(port: cp, proto: (port.protocol ?? "TCP").lowercased()))
                }
            }
            return Member(namespace: p.metadata.namespace ?? "default", name: p.name, ip: ip, labels: p.metadata.labels ?? [:], ports: named)
        }
    }

    /// The `iptables-restore --noflush` input: the main chain and one chain per isolated pod and direction;
    /// `stale` chains of an earlier sync that are no longer wanted are flushed and deleted.
    public static func restoreInput(policies: [NetworkPolicy], pods: [Pod], namespaces: [Namespace], stale: [String] = []) -> String {
        let members = members(pods).sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        let nsLabels = Dictionary(namespaces.map { ($0.name, $0.metadata.labels ?? [:]) }) { a, _ in a }
        var main: [String] = ["-A \(chain) -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"]
        var chains: [String: [String]] = [:]
        for m in members {
            let applying = policies.filter { p in
                (p.metadata.namespace ?? "default") == m.namespace && selects(p.spec?.podSelector, m.labels)
            }
            for direction in ["Ingress", "Egress"] {
                let isolating = applying.filter { ($0.spec?.policyTypes ?? ["Ingress"]).contains(direction) }
                guard !isolating.isEmpty else { continue }
                let ingress = direction == "Ingress"
                let name = podChainPrefix + (ingress ? "I-" : "E-") + hash("\(m.namespace)/\(m.name)")
                let comment = "-m comment --comment \"\(m.namespace)/\(m.name) \(direction.lowercased())\""
                main.append("-A \(chain) \(ingress ? "-d" : "-s") \(m.ip)/32 \(comment) -j \(name)")
                var rules: [String] = []
                for p in isolating {
                    let ns = p.metadata.namespace ?? "default"
                    if ingress {
                        for r in p.spec?.ingress ?? [] {
                            let peers = peerMatches(r.from, policyNamespace: ns, members: members, nsLabels: nsLabels, flag: "-s")
                            let ports = portMatches(r.ports) { m.ports[$0] ?? [] }
                            for peer in peers { for port in ports { rules.append(join(peer.match, port) + " -j RETURN") } }
                        }
                    } else {
                        for r in p.spec?.egress ?? [] {
                            let peers = peerMatches(r.to, policyNamespace: ns, members: members, nsLabels: nsLabels, flag: "-d")
                            for peer in peers {
                                // Named ports are the destination pod's.
                                let ports = portMatches(r.ports) { peer.member?.ports[$0] ?? [] }
                                for port in ports { rules.append(join(peer.match, port) + " -j RETURN") }
                            }
                        }
                    }
                }
                var seen = Set<String>()
                rules = rules.filter { seen.insert($0).inserted }
                chains[name] = rules.map { "-A \(name) \($0)" } + ["-A \(name) \(comment) -j DROP"]
            }
        }
        var out = "*filter\n:\(chain) - [0:0]\n"
        let wanted = chains.keys.sorted()
        for c in wanted { out += ":\(c) - [0:0]\n" }
        let gone = Set(stale).subtracting(wanted).subtracting([chain]).sorted()
        for c in gone { out += ":\(c) - [0:0]\n" }
        for line in main { out += line + "\n" }
        for c in wanted { for line in chains[c]! { out += line + "\n" } }
        for c in gone { out += "-X \(c)\n" }
        out += "COMMIT\n"
        return out
    }

    static func join(_ a: String, _ b: String) -> String {
        [a, b].filter { !$0.isEmpty }.joined(separator: " ")
    }

    static func selects(_ s: LabelSelector?, _ labels: [String: String]) -> Bool {
        guard let s else { return true }  // no selector: everything (an empty one matches all too)
        guard let q = try? LabelQuery(s) else { return false }
        return q.matches(labels)
    }

    struct Peer {
        var match: String
        var member: Member?
    }

    /// The source (`-s`) or destination (`-d`) matches of a rule's peers; one empty match for "anyone".
    static func peerMatches(_ peers: [NetworkPolicyPeer]?, policyNamespace: String, members: [Member], nsLabels: [String: [String: String]],
                            flag: String) -> [Peer] {
        guard let peers, !peers.isEmpty else { return [Peer(match: "", member: nil)] }
        var out: [Peer] = []
        for peer in peers {
            if let block = peer.ipBlock {
                guard let text = block.cidr, let cidr = IPv4CIDR(block: text) else { continue }
                let holes = (block.except ?? []).compactMap { IPv4CIDR(block: $0) }
                for c in cidr.subtracting(holes) { out.append(Peer(match: "\(flag) \(c)", member: nil)) }
                continue
            }
            for m in members {
                if let nsSel = peer.namespaceSelector {
                    guard selects(nsSel, nsLabels[m.namespace] ?? [:]) else { continue }
                } else if m.namespace != policyNamespace {
                    continue
                }
                if let podSel = peer.podSelector, !selects(podSel, m.labels) { continue }
                out.append(Peer(match: "\(flag) \(m.ip)/32", member: m))
            }
        }
        return out
    }

    /// The port matches of a rule; one empty match for "every port". A named port nobody has matches nothing.
    static func portMatches(_ ports: [NetworkPolicyPort]?, named: (String) -> [PortProto]) -> [String] {
        guard let ports, !ports.isEmpty else { return [""] }
        var out: [String] = []
        for p in ports {
            let proto = (p.protocol ?? "TCP").lowercased()
            switch p.port {
            case nil:
                out.append("-p \(proto)")
            case .int(let n)?:
                let range = p.endPort.map { "\(n):\($0)" } ?? "\(n)"
                out.append("-p \(proto) -m \(proto) --dport \(range)")
            case .string(let name)?:
                for pp in named(name) where pp.proto == proto { out.append("-p \(proto) -m \(proto) --dport \(pp.port)") }
            }
        }
        return out
    }

    /// A short stable name for a pod's chain (FNV-1a, 64 bits, as 16 hex digits).
    static func hash(_ s: String) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100000001b3
        }
        let hex = String(h, radix: 16, uppercase: true)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The network-policy chains an `iptables-save` of the filter table declares.
    public static func existingChains(iptablesSave: String) -> [String] {
        var table = ""
        var out: [String] = []
        for line in iptablesSave.split(separator: "\n") {
            if line.hasPrefix("*") { table = String(line.dropFirst()) }
            else if table == "filter", line.hasPrefix(":GANTRY-NP") {
                out.append(line.dropFirst().split(separator: " ").first.map(String.init) ?? "")
            }
        }
        return out
    }
}

/// Enforces NetworkPolicies on this host: watches policies, pods and namespaces and keeps the filter table's
/// `GANTRY-NETPOL` chain (first in `FORWARD`) and the per-pod chains current, each sync one `iptables-restore`
/// transaction. Rules stay in place on shutdown, so policies keep holding while the agent restarts.
public final class NetworkPolicyEnforcer: ServiceLifecycle.Service, @unchecked Sendable {
    let policies: Informer<NetworkPolicy>
    let pods: Informer<Pod>
    let namespaces: Informer<Namespace>
    let config: ServiceProxyConfig
    let logger: Logger
    private let lock = NSLock()
    private var last: String?
    private var known: [String] = []
    private var syncs = 0
    private let (changes, changed) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

    public init(client: GantryClient, config: ServiceProxyConfig = ServiceProxyConfig(), logger: Logger) {
        self.policies = Informer(client: client, logger: logger)
        self.pods = Informer(client: client, logger: logger)
        self.namespaces = Informer(client: client, logger: logger)
        self.config = config
        self.logger = logger
        policies.addHandler { [changed] _ in changed.yield() }
        namespaces.addHandler { [changed] e in
            if case .updated(let a, let b) = e, a.metadata.labels == b.metadata.labels { return }
            changed.yield()
        }
        pods.addHandler { [changed] e in
            // Only what policies look at: addresses, labels, named ports, the end of a pod.
            if case .updated(let a, let b) = e, a.status?.podIP == b.status?.podIP, a.metadata.labels == b.metadata.labels,
               (a.status?.phase == "Succeeded" || a.status?.phase == "Failed") == (b.status?.phase == "Succeeded" || b.status?.phase == "Failed") {
                return
            }
            changed.yield()
        }
    }

    /// How many times the rules have been written.
    public var syncCount: Int { lock.withLock { syncs } }

    public func run() async throws {
        for tool in [config.iptables, config.iptablesRestore, config.iptablesSave] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw GantryError(.unavailable, "network policy enforcement needs \(tool): install the iptables package")
        }
        ServiceProxy.writeSysctl("/proc/sys/net/bridge/bridge-nf-call-iptables", "1")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.policies.run() }
            group.addTask { try await self.pods.run() }
            group.addTask { try await self.namespaces.run() }
            group.addTask { try await cancelWhenGracefulShutdown { await self.syncLoop() } }
            try await group.waitForAll()
        }
    }

    private func syncLoop() async {
        await policies.waitForSync()
        await pods.waitForSync()
        await namespaces.waitForSync()
        await RuleSync.loop(changes: changes, changed: changed, config: config, name: "network policy sync", logger: logger) { full, _ in
            try await sync(force: full)
        }
    }

    /// Writes the rules for the current policies and pods (skipped when unchanged unless `force`), and keeps the
    /// jump first in `FORWARD` (before the service proxy's accepts).
    public func sync(force: Bool = false) async throws {
        var stale = lock.withLock { known }
        if force {
            let saved = try await Command.run(config.iptablesSave, ["-t", "filter"])
            guard saved.status == 0 else { throw GantryError(.internalError, "iptables-save failed: \(saved.stderr)") }
            stale = NetworkPolicyRules.existingChains(iptablesSave: saved.stdout)
        }
        let input = NetworkPolicyRules.restoreInput(policies: policies.list(), pods: pods.list(), namespaces: namespaces.list(), stale: stale)
        if !force, lock.withLock({ last == input }) { return }
        let restored = try await Command.run(config.iptablesRestore, ["--noflush", "-w", "5"], stdin: input)
        guard restored.status == 0 else {
            throw GantryError(.internalError, "iptables-restore failed: \(restored.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        try await ensureFirstInForward()
        let now = input.split(separator: "\n").filter { $0.hasPrefix(":") }.map { String($0.dropFirst().split(separator: " ")[0]) }
        let deleted = Set(input.split(separator: "\n").filter { $0.hasPrefix("-X ") }.map { String($0.dropFirst(3)) })
        lock.withLock {
            last = input
            known = now.filter { !deleted.contains($0) }
            syncs += 1
        }
        logger.debug("network policy rules synced", metadata: ["chains": "\(now.count - deleted.count)"])
    }

    func ensureFirstInForward() async throws {
        let listed = try await Command.run(config.iptables, ["-w", "5", "-t", "filter", "-S", "FORWARD"])
        guard listed.status == 0 else { throw GantryError(.internalError, "iptables -S FORWARD failed: \(listed.stderr)") }
        let rules = listed.stdout.split(separator: "\n").filter { $0.hasPrefix("-A FORWARD") }
        let mine = rules.indices.filter { rules[$0].contains("-j \(NetworkPolicyRules.chain)") }
        if mine.first == 0, mine.count == 1 { return }
        if mine.first != 0 {
            let add = try await Command.run(config.iptables, ["-w", "5", "-t", "filter", "-I", "FORWARD", "1"] + NetworkPolicyRules.jump)
            guard add.status == 0 else { throw GantryError(.internalError, "iptables -I FORWARD failed: \(add.stderr)") }
        }
        // Other copies (now one place further down if one was inserted), from the bottom up.
        let shift = mine.first == 0 ? 0 : 1
        for i in mine.filter({ $0 != 0 || shift == 1 }).sorted(by: >) {
            _ = try await Command.run(config.iptables, ["-w", "5", "-t", "filter", "-D", "FORWARD", String(i + 1 + shift)])
        }
    }
}
