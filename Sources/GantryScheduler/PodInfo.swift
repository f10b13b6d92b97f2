import Foundation
import GantryAPI

/// A host port a pod claims: protocol, host IP and port.
struct HostPort: Sendable, Hashable {
    var port: Int32
    var proto: String
    var ip: String

    static let anyIP = "0.0.0.0"

    /// Whether two claims collide: same port and protocol, and the same IP or either on all addresses.
    @inline(__always) func conflicts(with o: HostPort) -> Bool {
        port == o.port && proto == o.proto && (ip == o.ip || ip == HostPort.anyIP || o.ip == HostPort.anyIP)
    }

    /// The host ports of a pod's app containers and restartable init containers.
    static func of(containers: [Container]?, initContainers: [Container]?) -> [HostPort] {
        var out: [HostPort] = []
        func add(_ ports: [ContainerPort]) {
            for p in ports {
                guard let hp = p.hostPort, hp > 0 else { continue }
                let ip = p.hostIP.flatMap { $0.isEmpty ? nil : $0 } ?? anyIP
                out.append(HostPort(port: Int32(clamping: hp), proto: p.protocol ?? "TCP", ip: ip))
            }
        }
        if let containers {
            for i in containers.indices { if let ports = containers[i].ports { add(ports) } }
        }
        if let initContainers {
            for i in initContainers.indices where initContainers[i].restartPolicy == "Always" {
                if let ports = initContainers[i].ports { add(ports) }
            }
        }
        return out
    }
}

/// One pod (anti-)affinity term compiled against the snapshot.
struct AffinityTerm: Sendable, Hashable {
    var namespaces: NamespaceFilter
    var selector: CompiledSelector
    var topologyKey: Int32
    /// The preference weight (1–100) of a preferred term; 0 for a required one.
    var weight: Int

    init(_ term: PodAffinityTerm, weight: Int, ownerNamespace: Int32, ownerLabels: [String: String]?, interning table: inout some InternTable) {
        self.namespaces = NamespaceFilter(
            namespaces: term.namespaces, selector: term.namespaceSelector, ownerNamespace: ownerNamespace, interning: &table)
        self.selector = CompiledSelector(
            term.labelSelector, interning: &table, matchLabelKeys: term.matchLabelKeys,
            mismatchLabelKeys: term.mismatchLabelKeys, ownerLabels: ownerLabels)
        self.topologyKey = table.key(term.topologyKey ?? "")
        self.weight = weight
    }

    /// Whether a pod (namespace and labels) is selected by the term.
    @inline(__always) func selects(namespace: Int32, labels: LabelSet, namespaceLabels: [Int32: LabelSet]) -> Bool {
        selector.matches(labels) && namespaces.matches(namespace, labels: namespaceLabels)
    }

    var trackerKey: TrackerKey { TrackerKey(namespaces: namespaces, selector: selector, topologyKey: topologyKey) }
}

/// One node selector term (requirements ANDed) compiled against the snapshot.
struct NodeTermMatcher: Sendable {
    enum Op: Sendable { case `in`, notIn, exists, doesNotExist, gt, lt }
    struct Expression: Sendable {
        var key: Int32
        var op: Op
        var values: [Int32]
        var bound: Int64
    }
    var expressions: [Expression] = []
    /// `matchFields` on `metadata.name`: (In = true / NotIn = false, names).
    var nameFields: [(isIn: Bool, names: [String])] = []
    /// An empty term, or one Kubernetes would reject, matches no node.
    var matchesNothing = false

    init(_ term: NodeSelectorTerm, interning table: inout some InternTable) {
        let exprs = term.matchExpressions ?? []
        let fields = term.matchFields ?? []
        if exprs.isEmpty && fields.isEmpty { matchesNothing = true }
        for e in exprs {
            let key = table.key(e.key ?? "")
            let raw = e.values ?? []
            switch e.operator {
            case "In": expressions.append(Expression(key: key, op: .in, values: raw.map { table.value($0) }, bound: 0))
            case "NotIn": expressions.append(Expression(key: key, op: .notIn, values: raw.map { table.value($0) }, bound: 0))
            case "Exists": expressions.append(Expression(key: key, op: .exists, values: [], bound: 0))
            case "DoesNotExist": expressions.append(Expression(key: key, op: .doesNotExist, values: [], bound: 0))
            case "Gt", "Lt":
                guard raw.count == 1, let bound = Int64(raw[0]) else {
                    matchesNothing = true
                    continue
                }
                expressions.append(Expression(key: key, op: e.operator == "Gt" ? .gt : .lt, values: [], bound: bound))
            default: matchesNothing = true
            }
        }
        for f in fields {
            guard f.key == "metadata.name" else {
                matchesNothing = true
                continue
            }
            switch f.operator {
            case "In": nameFields.append((true, f.values ?? []))
            case "NotIn": nameFields.append((false, f.values ?? []))
            default: matchesNothing = true
            }
        }
    }

    /// Whether the node in `slot` satisfies every requirement.
    func matches(_ slot: Int, in snapshot: ClusterSnapshot) -> Bool {
        if matchesNothing { return false }
        for e in expressions {
            let v = snapshot.labelValue(slot, e.key)
            switch e.op {
            case .in: if v < 0 || !e.values.contains(v) { return false }
            case .notIn: if v >= 0 && e.values.contains(v) { return false }
            case .exists: if v < 0 { return false }
            case .doesNotExist: if v >= 0 { return false }
            case .gt, .lt:
                guard v >= 0, let n = Int64(snapshot.vocabulary.values.string(v)) else { return false }
                if e.op == .gt ? !(n > e.bound) : !(n < e.bound) { return false }
            }
        }
        if !nameFields.isEmpty {
            let name = snapshot.records[slot].name
            for f in nameFields where f.names.contains(name) != f.isIn { return false }
        }
        return true
    }
}

/// A pod's `nodeSelector` and required node affinity, compiled.
struct NodeMatcher: Sendable {
    /// `nodeSelector` pairs: (key id, value id).
    var selector: [(key: Int32, value: Int32)] = []
    /// Required node affinity terms (ORed); nil when the pod has none.
    var requiredTerms: [NodeTermMatcher]?

    /// Whether there is anything to check.
    var isEmpty: Bool { selector.isEmpty && requiredTerms == nil }

    init(nodeSelector: [String: String]?, affinity: GantryAPI.NodeAffinity?, interning table: inout some InternTable) {
        if let nodeSelector {
            for (k, v) in nodeSelector.sorted(by: { $0.key < $1.key }) { selector.append((table.key(k), table.value(v))) }
        }
        if let required = affinity?.requiredDuringSchedulingIgnoredDuringExecution {
            requiredTerms = (required.nodeSelectorTerms ?? []).map { NodeTermMatcher($0, interning: &table) }
        }
    }

    /// Whether the node in `slot` satisfies the node selector and one of the required terms.
    @inline(__always) func matches(_ slot: Int, in snapshot: ClusterSnapshot) -> Bool {
        for (k, v) in selector where snapshot.labelValue(slot, k) != v { return false }
        guard let requiredTerms else { return true }
        for t in requiredTerms where t.matches(slot, in: snapshot) { return true }
        return false
    }
}

/// One topology spread constraint compiled against the snapshot.
struct SpreadConstraint: Sendable {
    var maxSkew: Int
    var topologyKey: Int32
    /// `whenUnsatisfiable: DoNotSchedule` (a filter) rather than `ScheduleAnyway` (a preference).
    var isHard: Bool
    var selector: CompiledSelector
    var minDomains: Int
    /// `nodeAffinityPolicy: Honor` (the default): only nodes matching the pod's node affinity count.
    var honorNodeAffinity: Bool
    /// `nodeTaintsPolicy: Honor`: only nodes whose taints the pod tolerates count (default Ignore).
    var honorTaints: Bool
    /// Whether the incoming pod itself matches the selector.
    var selfMatch: Bool
}

/// A pod compiled for scheduling against one state of a `ClusterSnapshot`: requests in integers,
/// labels, selectors and affinity terms as ids.
///
/// A `PodInfo` is only valid for the snapshot state it was made from: make a new one after the
/// snapshot changes.
public struct PodInfo: Sendable {
    /// The pod.
    public let pod: Pod
    /// The pod's namespace (`default` when unset).
    public let namespace: String
    /// The pod's name.
    public let name: String
    /// What the pod requests, as the scheduler counts it.
    public let requests: PodResourceRequests

    let namespaceID: Int32
    let labels: LabelSet
    let hostPorts: [HostPort]
    let tolerations: [Toleration]
    let nodeMatcher: NodeMatcher
    let preferredNodeTerms: [(weight: Int, term: NodeTermMatcher)]
    let requiredAffinity: [AffinityTerm]
    let requiredAntiAffinity: [AffinityTerm]
    let preferredAffinity: [AffinityTerm]
    let preferredAntiAffinity: [AffinityTerm]
    let spreadConstraints: [SpreadConstraint]
    /// Normalised image names of app and init containers.
    let images: [String]
    /// Number of app and init containers (for image locality's thresholds).
    let containerCount: Int
    /// Resource ids of `requests.scalars` (same order), -1 for a resource no node offers.
    let scalarIDs: [Int32]

    /// `namespace/name`, the key the snapshot stores pods under.
    public var key: String { namespace + "/" + name }

    init(_ pod: Pod, interning table: inout some InternTable, resources: Interner) {
        self.pod = pod
        let ns = pod.metadata.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        self.namespace = ns
        self.name = pod.metadata.name ?? ""
        self.requests = PodResourceRequests(
            containers: pod.spec?.containers, initContainers: pod.spec?.initContainers, overhead: pod.spec?.overhead)
        self.scalarIDs = requests.scalars.map { resources.id($0.name) ?? -1 }
        let nsID = table.namespace(ns)
        self.namespaceID = nsID
        let rawLabels = pod.metadata.labels
        self.labels = LabelSet(rawLabels, interning: &table)
        self.hostPorts = HostPort.of(containers: pod.spec?.containers, initContainers: pod.spec?.initContainers)
        self.tolerations = pod.spec?.tolerations ?? []
        self.nodeMatcher = NodeMatcher(
            nodeSelector: pod.spec?.nodeSelector, affinity: pod.spec?.affinity?.nodeAffinity, interning: &table)
        var preferred: [(Int, NodeTermMatcher)] = []
        for p in pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [] {
            guard let weight = p.weight, weight != 0, let term = p.preference else { continue }
            preferred.append((weight, NodeTermMatcher(term, interning: &table)))
        }
        self.preferredNodeTerms = preferred

        func terms(_ list: [PodAffinityTerm]?) -> [AffinityTerm] {
            (list ?? []).map { AffinityTerm($0, weight: 0, ownerNamespace: nsID, ownerLabels: rawLabels, interning: &table) }
        }
        func weighted(_ list: [WeightedPodAffinityTerm]?) -> [AffinityTerm] {
            (list ?? []).compactMap { w in
                guard let t = w.podAffinityTerm, let weight = w.weight, weight != 0 else { return nil }
                return AffinityTerm(t, weight: weight, ownerNamespace: nsID, ownerLabels: rawLabels, interning: &table)
            }
        }
        self.requiredAffinity = terms(pod.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution)
        self.requiredAntiAffinity = terms(pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution)
        self.preferredAffinity = weighted(pod.spec?.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution)
        self.preferredAntiAffinity = weighted(pod.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution)

        var constraints: [SpreadConstraint] = []
        let labelSet = self.labels
        for c in pod.spec?.topologySpreadConstraints ?? [] {
            let selector = CompiledSelector(
                c.labelSelector, interning: &table, matchLabelKeys: c.matchLabelKeys, ownerLabels: rawLabels)
            constraints.append(SpreadConstraint(
                maxSkew: min(max(1, c.maxSkew ?? 1), Int(Int32.max)),
                topologyKey: table.key(c.topologyKey ?? ""),
                isHard: c.whenUnsatisfiable != "ScheduleAnyway",
                selector: selector,
                minDomains: min(max(1, c.minDomains ?? 1), Int(Int32.max)),
                honorNodeAffinity: c.nodeAffinityPolicy != "Ignore",
                honorTaints: c.nodeTaintsPolicy == "Honor",
                selfMatch: selector.matches(labelSet)))
        }
        self.spreadConstraints = constraints

        var images: [String] = []
        if let containers = pod.spec?.containers {
            for i in containers.indices { if let image = containers[i].image { images.append(PodInfo.normalizedImageName(image)) } }
        }
        if let initContainers = pod.spec?.initContainers {
            for i in initContainers.indices { if let image = initContainers[i].image { images.append(PodInfo.normalizedImageName(image)) } }
        }
        self.images = images
        self.containerCount = (pod.spec?.containers?.count ?? 0) + (pod.spec?.initContainers?.count ?? 0)
    }

    /// An image reference with the `:latest` tag made explicit when it has no tag or digest.
    static func normalizedImageName(_ name: String) -> String {
        var lastColon = -1
        var lastSlash = -1
        for (i, b) in name.utf8.enumerated() {
            if b == UInt8(ascii: ":") { lastColon = i } else if b == UInt8(ascii: "/") { lastSlash = i }
        }
        return lastColon > lastSlash ? name : name + ":latest"
    }

    /// The spread constraints that filter (`DoNotSchedule`).
    var hardSpreadConstraints: [SpreadConstraint] { spreadConstraints.filter(\.isHard) }
    /// The spread constraints that only score (`ScheduleAnyway`).
    var softSpreadConstraints: [SpreadConstraint] { spreadConstraints.filter { !$0.isHard } }
}
