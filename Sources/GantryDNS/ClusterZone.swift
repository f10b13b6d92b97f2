// Cluster DNS records from Services and Endpoints, as the Kubernetes DNS specification
// (kubernetes/dns docs/specification.md, schema 1.1.0) and CoreDNS's kubernetes plugin define them.
import GantryAPI

/// What the cluster zone says about a query.
public enum ZoneAnswer: Sendable, Hashable {
    /// An answer from the zone, authoritative (AA set) when it is about a cluster name, NXDOMAIN and NODATA included.
    case response(DNSMessage)
    /// The name is not the cluster's (outside the cluster domain and not a known reverse name): ask upstream.
    case forward
}

/// The cluster's DNS records, computed once from Services and Endpoints: a pure value (no I/O, no clock),
/// answering each query with a dictionary lookup by lower-cased name.
///
/// Names served (`<domain>` is `cluster.local` by default; TTL 5 s, negative TTL 5 s):
/// - `SVC.NS.svc.<domain>`: A/AAAA of the cluster IPs; for a headless Service the ready endpoint addresses
///   (and not-ready ones if `publishNotReadyAddresses`); for an ExternalName Service a CNAME to the external name,
///   followed inside the zone when the target is a cluster name. SRV on this name answers every port of the Service.
/// - `_PORT._PROTO.SVC.NS.svc.<domain>`: SRV for each named port (priority 0, weight 100), targets' A/AAAA records
///   in the additional section.
/// - `HOSTNAME.SVC.NS.svc.<domain>` (headless): the endpoint with that hostname; endpoints without one are named
///   by their dashed address (`10-0-0-1`).
/// - `A-B-C-D.NS.pod.<domain>` (and dashed IPv6): that address, for any namespace.
/// - `dns-version.<domain>` TXT `1.1.0`; SOA on the domain itself.
/// - PTR for the `in-addr.arpa`/`ip6.arpa` name of a cluster IP or headless endpoint address.
/// Names under the domain that do not exist are NXDOMAIN; names that exist without the asked type (including
/// `svc.<domain>`, `NS.svc.<domain>` for a namespace with a Service, `NS.pod.<domain>`) are NODATA; both carry the SOA.
public struct ClusterZone: Sendable {
    /// The TTL of every record and of negative answers, in seconds.
    public static let ttl: UInt32 = 5
    /// The default cluster domain, `cluster.local`.
    public static let defaultDomain = DNSName(validated: [Array("cluster".utf8), Array("local".utf8)])
    /// The schema version `dns-version.<domain>` answers with.
    public static let schemaVersion = "1.1.0"

    /// The cluster domain this zone is authoritative for.
    public let domain: DNSName
    /// The SOA serial; callers bump it on every change.
    public let serial: UInt32
    private let nodes: [String: Node]
    private let soa: SOAData

    /// The data of one name; a name with a node exists, even with no records (an empty non-terminal).
    struct Node: Sendable {
        var a: [IPv4Address] = []
        var aaaa: [IPv6Address] = []
        var cname: DNSName?
        var srv: [SRVData] = []
        var ptr: [DNSName] = []
        var txt: [[UInt8]] = []
        /// Reverse names belong to `in-addr.arpa`/`ip6.arpa`, whose SOA goes with their negative answers.
        var reverseZone: DNSName?
    }

    /// Builds the zone. Services whose names are not valid DNS labels are left out; Endpoints matter only for
    /// headless Services. Idempotent: the same input gives the same zone.
    public init(services: [Service], endpoints: [Endpoints], domain: DNSName = ClusterZone.defaultDomain,
                serial: UInt32 = 1) {
        self.domain = domain
        self.serial = serial
        let ns = (try? domain.prepending("dns").prepending("ns")) ?? domain
        let mailbox = (try? domain.prepending("hostmaster")) ?? domain
        soa = SOAData(mname: ns, rname: mailbox, serial: serial, refresh: 7200, retry: 1800, expire: 86400,
                      minimum: Self.ttl)
        var builder = Builder(domain: domain)
        builder.add(services: services, endpoints: endpoints)
        nodes = builder.finish()
    }

    /// The number of names in the zone, empty non-terminals included (for logs and metrics).
    public var nameCount: Int { nodes.count }

    /// Answers a query: `.response` for a cluster name or a known reverse name, `.forward` for anything else
    /// (and for classes other than IN and ANY). A query that is not a standard one-question query gets
    /// FORMERR, or NOTIMP for an opcode other than QUERY.
    public func answer(_ query: DNSMessage) -> ZoneAnswer {
        guard query.opcode == 0 else { return .response(reply(to: query, rcode: .notImp, authoritative: false)) }
        guard query.questions.count == 1, let question = query.questions.first else {
            return .response(reply(to: query, rcode: .formErr, authoritative: false))
        }
        guard question.dnsClass == .internet || question.dnsClass == .any else { return .forward }
        let name = question.name
        if name.isSubdomain(of: domain) {
            let apex = DNSRecord(name: domain, ttl: Self.ttl, data: .soa(soa))
            if let node = nodes[name.key] ?? podNode(name) {
                return .response(answer(query, question, node, negativeSOA: apex))
            }
            if isPodNamespace(name) { return .response(reply(to: query, rcode: .noError, authority: [apex])) }
            return .response(reply(to: query, rcode: .nxDomain, authority: [apex]))
        }
        if let node = nodes[name.key], let reverseZone = node.reverseZone {
            let negative = DNSRecord(name: reverseZone, ttl: Self.ttl, data: .soa(soa))
            return .response(answer(query, question, node, negativeSOA: negative))
        }
        return .forward
    }

    // MARK: Answering

    private func answer(_ query: DNSMessage, _ question: DNSQuestion, _ node: Node, negativeSOA: DNSRecord) -> DNSMessage {
        var answers: [DNSRecord] = []
        var owner = question.name
        var current = node
        // An alias answers every type but CNAME (and ANY) with the CNAME, followed while the target is ours.
        var hops = 0
        while let target = current.cname, question.type != .cname, question.type != .any {
            answers.append(DNSRecord(name: owner, ttl: Self.ttl, data: .cname(target)))
            hops += 1
            guard hops < 8, target.isSubdomain(of: domain), let next = nodes[target.key] ?? podNode(target) else {
                return reply(to: query, rcode: .noError, answers: answers)
            }
            owner = target
            current = next
        }
        let (records, additional) = self.records(of: current, type: question.type, owner: owner)
        answers += records
        if answers.isEmpty { return reply(to: query, rcode: .noError, authority: [negativeSOA]) }
        return reply(to: query, rcode: .noError, answers: answers, additional: additional)
    }

    private func records(of node: Node, type: DNSType, owner: DNSName) -> (answers: [DNSRecord], additional: [DNSRecord]) {
        func records(_ data: [DNSRecordData]) -> [DNSRecord] { data.map { DNSRecord(name: owner, ttl: Self.ttl, data: $0) } }
        switch type {
        case .a: return (records(node.a.map(DNSRecordData.a)), [])
        case .aaaa: return (records(node.aaaa.map(DNSRecordData.aaaa)), [])
        case .cname: return (records(node.cname.map { [DNSRecordData.cname($0)] } ?? []), [])
        case .ptr: return (records(node.ptr.map(DNSRecordData.ptr)), [])
        case .txt: return (records(node.txt.isEmpty ? [] : [.txt(node.txt)]), [])
        case .soa: return (owner == domain ? records([.soa(soa)]) : [], [])
        case .srv:
            var additional: [DNSRecord] = []
            var seen = Set<DNSName>()
            for srv in node.srv where seen.insert(srv.target).inserted {
                guard let target = nodes[srv.target.key] else { continue }
                additional += target.a.map { DNSRecord(name: srv.target, ttl: Self.ttl, data: .a($0)) }
                additional += target.aaaa.map { DNSRecord(name: srv.target, ttl: Self.ttl, data: .aaaa($0)) }
            }
            return (records(node.srv.map(DNSRecordData.srv)), additional)
        case .any:
            var all = [DNSRecord]()
            for t in [DNSType.cname, .a, .aaaa, .srv, .ptr, .txt, .soa] { all += self.records(of: node, type: t, owner: owner).answers }
            return (all, [])
        default:
            return ([], [])
        }
    }

    private func reply(to query: DNSMessage, rcode: DNSResponseCode, answers: [DNSRecord] = [],
                       authority: [DNSRecord] = [], additional: [DNSRecord] = [], authoritative: Bool = true) -> DNSMessage {
        DNSMessage(id: query.id, isResponse: true, opcode: query.opcode, isAuthoritative: authoritative,
                   recursionDesired: query.recursionDesired, recursionAvailable: true,
                   checkingDisabled: query.checkingDisabled, rcode: rcode, questions: query.questions,
                   answers: answers, authorities: authority, additionals: additional)
    }

    // MARK: Pod names

    /// `A-B-C-D.NS.pod.<domain>` (or dashed IPv6) → a node with that address; nil if not such a name.
    private func podNode(_ name: DNSName) -> Node? {
        let n = name.labels.count - domain.labels.count
        guard n == 3, isLabel(name.labels[2], "pod") else { return nil }
        let text = String(decoding: name.labels[0], as: UTF8.self)
        if let v4 = IPv4Address(text.replacingDashes(with: ".")) { return Node(a: [v4]) }
        if let v6 = IPv6Address(text.replacingDashes(with: ":")) { return Node(aaaa: [v6]) }
        return nil
    }

    /// `NS.pod.<domain>`: exists for every namespace, since pod names are synthesized in all of them.
    private func isPodNamespace(_ name: DNSName) -> Bool {
        name.labels.count - domain.labels.count == 2 && isLabel(name.labels[1], "pod")
    }

    private func isLabel(_ label: [UInt8], _ text: String) -> Bool { DNSName.labelsEqual(label, Array(text.utf8)) }
}

extension String {
    fileprivate func replacingDashes(with separator: Character) -> String { String(map { $0 == "-" ? separator : $0 }) }
}

// MARK: - Building

extension ClusterZone {
    /// Accumulates nodes while the zone is built.
    struct Builder {
        let domain: DNSName
        var nodes: [String: Node] = [:]
        let inAddrArpa = DNSName(validated: [Array("in-addr".utf8), Array("arpa".utf8)])
        let ip6Arpa = DNSName(validated: [Array("ip6".utf8), Array("arpa".utf8)])

        init(domain: DNSName) {
            self.domain = domain
            nodes[domain.key] = Node()
            if let svc = try? domain.prepending("svc") { nodes[svc.key] = Node() }
            if let pod = try? domain.prepending("pod") { nodes[pod.key] = Node() }
            if let version = try? domain.prepending("dns-version") {
                update(version) { $0.txt = [Array(ClusterZone.schemaVersion.utf8)] }
            }
        }

        /// Changes the node of a cluster name, creating it and its ancestors up to the domain (empty non-terminals).
        mutating func update(_ name: DNSName, _ change: (inout Node) -> Void) {
            change(&nodes[name.key, default: Node()])
            var up = name.parent
            while let parent = up, parent.labels.count > domain.labels.count, nodes[parent.key] == nil {
                nodes[parent.key] = Node()
                up = parent.parent
            }
        }

        mutating func addPTR(_ address: String, to target: DNSName) {
            if let v4 = IPv4Address(address) {
                let labels = v4.bytes.reversed().map { Array(String($0).utf8) } + inAddrArpa.labels
                nodes[DNSName(validated: labels).key, default: Node(reverseZone: inAddrArpa)].ptr.append(target)
            } else if let v6 = IPv6Address(address) {
                let hex = Array("0123456789abcdef".utf8)
                let nibbles = v6.bytes.flatMap { [$0 >> 4, $0 & 0x0F] }.reversed().map { [hex[Int($0)]] }
                nodes[DNSName(validated: nibbles + ip6Arpa.labels).key, default: Node(reverseZone: ip6Arpa)].ptr.append(target)
            }
        }

        mutating func addAddress(_ address: String, to name: DNSName) {
            if let v4 = IPv4Address(address) {
                update(name) { $0.a.append(v4) }
            } else if let v6 = IPv6Address(address) {
                update(name) { $0.aaaa.append(v6) }
            }
        }

        mutating func add(services: [Service], endpoints: [Endpoints]) {
            var endpointsByService: [String: Endpoints] = [:]
            for e in endpoints {
                guard let name = e.metadata.name else { continue }
                endpointsByService[(e.metadata.namespace ?? "default") + "/" + name] = e
            }
            for service in services {
                guard let name = service.metadata.name, let spec = service.spec else { continue }
                let namespace = service.metadata.namespace ?? "default"
                guard let serviceName = try? domain.prepending("svc").prepending(namespace).prepending(name) else { continue }
                update(serviceName) { _ in }
                if spec.type == "ExternalName" {
                    if let external = spec.externalName, let target = try? DNSName(external) {
                        update(serviceName) { $0.cname = target }
                    }
                    continue
                }
                let clusterIPs = spec.clusterIPs.flatMap { $0.isEmpty ? nil : $0 } ?? (spec.clusterIP.map { [$0] } ?? [])
                if clusterIPs.first == "None" || spec.clusterIP == "None" {
                    addHeadless(serviceName, spec, endpointsByService[namespace + "/" + name])
                    continue
                }
                for ip in clusterIPs {
                    addAddress(ip, to: serviceName)
                    addPTR(ip, to: serviceName)
                }
                for port in spec.ports ?? [] {
                    guard let number = port.port, let portNumber = UInt16(exactly: number) else { continue }
                    addSRV(port: port.name, protocol: port.protocol, service: serviceName,
                           SRVData(priority: 0, weight: 100, port: portNumber, target: serviceName))
                }
            }
        }

        /// Records of a headless Service: one name per endpoint address, SRV per endpoint and named port.
        mutating func addHeadless(_ serviceName: DNSName, _ spec: ServiceSpec, _ endpoints: Endpoints?) {
            for subset in endpoints?.subsets ?? [] {
                let addresses = (subset.addresses ?? []) + (spec.publishNotReadyAddresses == true ? subset.notReadyAddresses ?? [] : [])
                for address in addresses {
                    guard let ip = address.ip, IPv4Address(ip) != nil || IPv6Address(ip) != nil else { continue }
                    let label = address.hostname.flatMap { isHostnameLabel($0) ? $0 : nil }
                        ?? String(ip.map { $0 == "." || $0 == ":" ? "-" : $0 })
                    guard let endpointName = try? serviceName.prepending(label) else { continue }
                    addAddress(ip, to: serviceName)
                    addAddress(ip, to: endpointName)
                    addPTR(ip, to: endpointName)
                    for port in subset.ports ?? [] {
                        guard let number = port.port, let portNumber = UInt16(exactly: number) else { continue }
                        addSRV(port: port.name, protocol: port.protocol, service: serviceName,
                               SRVData(priority: 0, weight: 100, port: portNumber, target: endpointName))
                    }
                }
            }
        }

        /// Adds an SRV record to the Service's own name and, if the port is named, to `_PORT._PROTO.<service>`.
        mutating func addSRV(port: String?, protocol proto: String?, service: DNSName, _ srv: SRVData) {
            update(service) { $0.srv.append(srv) }
            guard let port, !port.isEmpty,
                  let name = try? service.prepending("_" + (proto ?? "TCP").lowercased()).prepending("_" + port)
            else { return }
            update(name) { $0.srv.append(srv) }
        }

        private func isHostnameLabel(_ s: String) -> Bool {
            !s.isEmpty && s.utf8.count <= 63 && s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        }

        /// The finished map, each record set without duplicates.
        func finish() -> [String: Node] {
            nodes.mapValues { node in
                var n = node
                n.a = n.a.uniqued()
                n.aaaa = n.aaaa.uniqued()
                n.srv = n.srv.uniqued()
                n.ptr = n.ptr.uniqued()
                return n
            }
        }
    }
}

extension Array where Element: Hashable {
    /// The elements in order, each only the first time it occurs.
    fileprivate func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
