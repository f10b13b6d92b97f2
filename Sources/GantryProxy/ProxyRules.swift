import Foundation
import GantryAPI

/// One Service port as the proxy sees it: where clients connect and the ready endpoints behind it.
public struct ProxyServicePort: Sendable, Hashable {
    /// `namespace/name:port-name` (the port name may be empty).
    public var id: String
    public var clusterIPs: [String]
    public var port: Int
    /// `tcp`, `udp` or `sctp`.
    public var proto: String
    /// 0 when the Service has no node port.
    public var nodePort: Int
    /// Ready endpoints as `ip:port`.
    public var endpoints: [String]
    /// ClientIP session affinity timeout in seconds (nil: no affinity).
    public var affinitySeconds: Int?
    /// The endpoint IPs, for hairpin masquerading.
    public var endpointIPs: [String] { endpoints.map { String($0[..<($0.lastIndex(of: ":") ?? $0.endIndex)]) } }
}

/// The iptables rules of kube-proxy's iptables mode, computed purely from Services and Endpoints, as one
/// `iptables-restore` input that replaces every Gantry chain at once.
///
/// nat: `GANTRY-SERVICES` (jumped to from PREROUTING and OUTPUT) sends each cluster IP:port to its
/// `GANTRY-SVC-*` chain, and traffic to any local address to `GANTRY-NODEPORTS`; a SVC chain picks an endpoint
/// with `statistic --mode random` (probability 1/n, 1/(n-1) … 1), or the remembered one with ClientIP affinity
/// (`recent`); each `GANTRY-SEP-*` chain DNATs to its endpoint. Node-port traffic, and a pod reaching itself
/// through its Service (hairpin), are marked and masqueraded in `GANTRY-POSTROUTING`, so replies come back the
/// way they went. filter: Service ports without endpoints are rejected at once (not left to time out).
public enum ProxyRules {
    /// The mark that asks `GANTRY-POSTROUTING` to masquerade.
    public static let masqueradeMark = "0x4000"
    /// Chains every sync declares (and so flushes and refills).
    public static let natBaseChains = ["GANTRY-SERVICES", "GANTRY-NODEPORTS", "GANTRY-POSTROUTING", "GANTRY-MARK-MASQ"]
    public static let filterBaseChains = ["GANTRY-SERVICES", "GANTRY-EXTERNAL", "GANTRY-FORWARD"]
    /// The jumps from the built-in chains into Gantry's: (table, chain, rule).
    public static let jumps: [(table: String, chain: String, rule: [String])] = [
        ("nat", "PREROUTING", ["-m", "comment", "--comment", "gantry service portals", "-j", "GANTRY-SERVICES"]),
        ("nat", "OUTPUT", ["-m", "comment", "--comment", "gantry service portals", "-j", "GANTRY-SERVICES"]),
        ("nat", "POSTROUTING", ["-m", "comment", "--comment", "gantry postrouting", "-j", "GANTRY-POSTROUTING"]),
        ("filter", "INPUT", ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "gantry node ports", "-j", "GANTRY-EXTERNAL"]),
        ("filter", "OUTPUT", ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "gantry services", "-j", "GANTRY-SERVICES"]),
        ("filter", "FORWARD", ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "gantry services", "-j", "GANTRY-SERVICES"]),
        ("filter", "FORWARD", ["-m", "comment", "--comment", "gantry forward", "-j", "GANTRY-FORWARD"]),
    ]

    /// The Service ports to proxy: ClusterIP, NodePort and LoadBalancer Services with a cluster IP, each port
    /// with the ready addresses of its Endpoints.
    public static func servicePorts(services: [Service], endpoints: [Endpoints]) -> [ProxyServicePort] {
        var eps: [String: Endpoints] = [:]
        for e in endpoints { eps[(e.metadata.namespace ?? "") + "/" + e.name] = e }
        var out: [ProxyServicePort] = []
        for svc in services {
            guard let spec = svc.spec, spec.type != "ExternalName" else { continue }
            let ips = (spec.clusterIPs ?? spec.clusterIP.map { [$0] } ?? []).filter { !$0.isEmpty && $0 != "None" && !$0.contains(":") }
            guard !ips.isEmpty else { continue }
            let key = (svc.metadata.namespace ?? "") + "/" + svc.name
            let ep = eps[key]
            let affinity = spec.sessionAffinity == "ClientIP" ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : nil
            for p in spec.ports ?? [] {
                guard let port = p.port else { continue }
                let proto = (p.protocol ?? "TCP").lowercased()
                var backends: [String] = []
                for subset in ep?.subsets ?? [] {
                    // The subset's port of the same name (Endpoints name their ports after the Service's).
                    guard let target = (subset.ports ?? []).first(where: { ($0.name ?? "") == (p.name ?? "") && ($0.protocol ?? "TCP").lowercased() == proto })?.port
                    else { continue }
                    for a in subset.addresses ?? [] { if let ip = a.ip { backends.append("\(ip):\(target)") } }
                }
                out.append(ProxyServicePort(id: key + ":" + (p.name ?? ""), clusterIPs: ips, port: port, proto: proto,
                                            nodePort: p.nodePort ?? 0, endpoints: Array(Set(backends)).sorted(),
                                            affinitySeconds: affinity))
            }
        }
        return out.sorted { $0.id < $1.id }
    }

    /// A chain name: prefix plus 16 characters of a hash of `parts` (iptables allows 28).
    static func chain(_ prefix: String, _ parts: String...) -> String {
        var h: UInt64 = 14_695_981_039_346_656_037
        for b in parts.joined(separator: "|").utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var s = ""
        for _ in 0..<16 {
            s.append(alphabet[Int(h & 31)])
            h >>= 5
            if h == 0 { h = 0x9E37_79B9_7F4A_7C15 }
        }
        return prefix + s
    }

    /// The `iptables-restore --noflush` input for `ports`: every Gantry chain declared (so flushed) and
    /// refilled, and `staleChains` (Gantry chains that exist but are no longer wanted) deleted.
    public static func restoreInput(_ ports: [ProxyServicePort], staleNat: [String] = [], staleFilter: [String] = []) -> String {
        var natChains = natBaseChains
        var nat: [String] = []
        var filter: [String] = []
        let mark = masqueradeMark
        nat.append("-A GANTRY-POSTROUTING -m mark ! --mark \(mark)/\(mark) -j RETURN")
        nat.append("-A GANTRY-POSTROUTING -j MARK --xor-mark \(mark)")
        nat.append("-A GANTRY-POSTROUTING -m comment --comment \"gantry service traffic requiring SNAT\" -j MASQUERADE --random-fully")
        nat.append("-A GANTRY-MARK-MASQ -j MARK --or-mark \(mark)")
        filter.append("-A GANTRY-FORWARD -m mark --mark \(mark)/\(mark) -j ACCEPT")
        filter.append("-A GANTRY-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
        for sp in ports {
            let comment = "-m comment --comment \"\(sp.id)\""
            let match = "-p \(sp.proto) -m \(sp.proto)"
            if sp.endpoints.isEmpty {
                for ip in sp.clusterIPs {
                    filter.append("-A GANTRY-SERVICES -d \(ip)/32 \(match) --dport \(sp.port) \(comment) -j REJECT")
                }
                if sp.nodePort > 0 {
                    filter.append("-A GANTRY-EXTERNAL -m addrtype --dst-type LOCAL \(match) --dport \(sp.nodePort) \(comment) -j REJECT")
                }
                continue
            }
            let svc = chain("GANTRY-SVC-", sp.id, sp.proto)
            natChains.append(svc)
            for ip in sp.clusterIPs {
                nat.append("-A GANTRY-SERVICES -d \(ip)/32 \(match) --dport \(sp.port) \(comment) -j \(svc)")
            }
            if sp.nodePort > 0 {
                let ext = chain("GANTRY-EXT-", sp.id, sp.proto)
                natChains.append(ext)
                nat.append("-A GANTRY-NODEPORTS \(match) --dport \(sp.nodePort) \(comment) -j \(ext)")
                nat.append("-A \(ext) -j GANTRY-MARK-MASQ")
                nat.append("-A \(ext) -j \(svc)")
            }
            let seps = sp.endpoints.map { chain("GANTRY-SEP-", sp.id, sp.proto, $0) }
            natChains += seps
            if let seconds = sp.affinitySeconds {
                for sep in seps {
                    nat.append("-A \(svc) -m recent --name \(sep) --rcheck --seconds \(seconds) --reap -j \(sep)")
                }
            }
            let n = seps.count
            for (i, sep) in seps.enumerated() {
                if i < n - 1 {
                    let p = String(format: "%.11f", 1.0 / Double(n - i))
                    nat.append("-A \(svc) -m statistic --mode random --probability \(p) -j \(sep)")
                } else {
                    nat.append("-A \(svc) -j \(sep)")
                }
            }
            for (sep, backend) in zip(seps, sp.endpoints) {
                let ip = String(backend[..<(backend.lastIndex(of: ":") ?? backend.endIndex)])
                nat.append("-A \(sep) -s \(ip)/32 -j GANTRY-MARK-MASQ")
                let recent = sp.affinitySeconds != nil ? " -m recent --name \(sep) --set" : ""
                nat.append("-A \(sep) \(match)\(recent) -j DNAT --to-destination \(backend)")
            }
        }
        // Last: anything addressed to this node may be a node port.
        nat.append("-A GANTRY-SERVICES -m addrtype --dst-type LOCAL -j GANTRY-NODEPORTS")

        var out = "*nat\n"
        for c in natChains { out += ":\(c) - [0:0]\n" }
        for c in staleNat where !natChains.contains(c) { out += ":\(c) - [0:0]\n" }
        for r in nat { out += r + "\n" }
        for c in staleNat where !natChains.contains(c) { out += "-X \(c)\n" }
        out += "COMMIT\n*filter\n"
        for c in filterBaseChains { out += ":\(c) - [0:0]\n" }
        for c in staleFilter where !filterBaseChains.contains(c) { out += ":\(c) - [0:0]\n" }
        for r in filter { out += r + "\n" }
        for c in staleFilter where !filterBaseChains.contains(c) { out += "-X \(c)\n" }
        out += "COMMIT\n"
        return out
    }

    /// The chains a `restoreInput` leaves in place, per table: those it declares minus those it deletes.
    public static func declaredChains(restoreInput: String) -> [String: [String]] {
        var out = existingChains(iptablesSave: restoreInput)
        var table = ""
        var deleted: [String: Set<String>] = [:]
        for line in restoreInput.split(separator: "\n") {
            if line.hasPrefix("*") { table = String(line.dropFirst()) }
            else if line.hasPrefix("-X ") { deleted[table, default: []].insert(String(line.dropFirst(3))) }
        }
        for (t, gone) in deleted { out[t] = out[t]?.filter { !gone.contains($0) } }
        return out
    }

    /// Prefixes of the per-Service chains the proxy makes (other Gantry chains, such as the pod routes'
    /// `GANTRY-POD-MASQ`, are not the proxy's to delete).
    public static let serviceChainPrefixes = ["GANTRY-SVC-", "GANTRY-SEP-", "GANTRY-EXT-"]

    /// The proxy's chains that `iptables-save` output declares, per table.
    public static func existingChains(iptablesSave: String) -> [String: [String]] {
        var table = ""
        var out: [String: [String]] = [:]
        for line in iptablesSave.split(separator: "\n") {
            if line.hasPrefix("*") { table = String(line.dropFirst()) }
            else if line.hasPrefix(":GANTRY-") {
                let name = line.dropFirst().split(separator: " ").first.map(String.init) ?? ""
                let ours = (table == "nat" ? natBaseChains : filterBaseChains).contains(name)
                    || serviceChainPrefixes.contains { name.hasPrefix($0) }
                if ours { out[table, default: []].append(name) }
            }
        }
        return out
    }
}
