import Foundation
import GantryAPI

/// Whether a toleration tolerates a taint, by Kubernetes' rules: an empty effect matches every
/// effect, an empty key (with `Exists`) every key, `Exists` any value, `Equal` (the default) the same value.
func tolerationMatches(_ t: Toleration, _ taint: Taint) -> Bool {
    if let effect = t.effect, !effect.isEmpty, effect != (taint.effect ?? "") { return false }
    if let key = t.key, !key.isEmpty, key != (taint.key ?? "") { return false }
    switch t.operator ?? "" {
    case "", "Equal": return (t.value ?? "") == (taint.value ?? "")
    case "Exists": return true
    default: return false
    }
}

/// Whether any of the tolerations tolerates the taint.
func tolerated(_ taint: Taint, by tolerations: [Toleration]) -> Bool {
    tolerations.contains { tolerationMatches($0, taint) }
}

/// Rejects nodes marked unschedulable (cordoned), unless the pod tolerates the
/// `node.kubernetes.io/unschedulable:NoSchedule` taint.
public struct NodeUnschedulable: FilterPlugin {
    /// The rejection reason, as kube-scheduler words it.
    public static let reason = "node(s) were unschedulable"

    /// `NodeUnschedulable`.
    public var name: String { "NodeUnschedulable" }

    /// The plugin.
    public init() {}

    /// Checks only when some node is unschedulable and the pod does not tolerate it.
    public func prepare(_ pod: PodInfo, in snapshot: ClusterSnapshot) -> (any NodeFilter)? {
        guard snapshot.unschedulableNodeCount > 0 else { return nil }
        let taint = Taint(key: "node.kubernetes.io/unschedulable", effect: TaintEffect.noSchedule)
        return tolerated(taint, by: pod.tolerations) ? nil : Check()
    }

    struct Check: NodeFilter {
        func passes(_ node: Int, in snapshot: ClusterSnapshot) -> Bool { snapshot.flags[node] & NodeFlag.unschedulable == 0 }
        func failure(_ node: Int, in snapshot: ClusterSnapshot) -> FilterFailure? {
            passes(node, in: snapshot) ? nil : FilterFailure(NodeUnschedulable.reason, unresolvable: true)
        }
    }
}

/// Rejects every node but the one a pod names in `spec.nodeName`.
public struct NodeName: FilterPlugin {
    /// The rejection reason, as kube-scheduler words it.
    public static let reason = "node(s) didn't match the requested node name"

    /// `NodeName`.
    public var name: String { "NodeName" }

    /// The plugin.
    public init() {}

    /// Checks only pods that name a node.
    public func prepare(_ pod: PodInfo, in snapshot: ClusterSnapshot) -> (any NodeFilter)? {
        guard let wanted = pod.pod.spec?.nodeName, !wanted.isEmpty else { return nil }
        return Check(wanted: wanted)
    }

    struct Check: NodeFilter {
        let wanted: String
        func passes(_ node: Int, in snapshot: ClusterSnapshot) -> Bool { snapshot.records[node].name == wanted }
        func failure(_ node: Int, in snapshot: ClusterSnapshot) -> FilterFailure? {
            passes(node, in: snapshot) ? nil : FilterFailure(NodeName.reason, unresolvable: true)
        }
    }
}

/// Rejects nodes where another pod already claims one of the pod's host ports (same port and
/// protocol, on the same host IP or where either side binds all addresses).
public struct NodePorts: FilterPlugin {
    /// The rejection reason, as kube-scheduler words it.
    public static let reason = "node(s) didn't have free ports for the requested pod ports"

    /// `NodePorts`.
    public var name: String { "NodePorts" }

    /// The plugin.
    public init() {}

    /// Checks only pods with host ports, when some node has host ports in use.
    public func prepare(_ pod: PodInfo, in snapshot: ClusterSnapshot) -> (any NodeFilter)? {
        guard !pod.hostPorts.isEmpty, snapshot.portNodeCount > 0 else { return nil }
        return Check(wanted: pod.hostPorts)
    }

    struct Check: NodeFilter {
        let wanted: [HostPort]
        func passes(_ node: Int, in snapshot: ClusterSnapshot) -> Bool {
            guard snapshot.flags[node] & NodeFlag.portsInUse != 0 else { return true }
            let used = snapshot.records[node].usedPorts
            for w in wanted where used.contains(where: { $0.conflicts(with: w) }) { return false }
            return true
        }
        func failure(_ node: Int, in snapshot: ClusterSnapshot) -> FilterFailure? {
            passes(node, in: snapshot) ? nil : FilterFailure(NodePorts.reason, unresolvable: false)
        }
    }
}

/// Rejects nodes with a `NoSchedule` or `NoExecute` taint the pod does not tolerate; as a score,
/// prefers nodes with fewer untolerated `PreferNoSchedule` taints.
public struct TaintToleration: FilterPlugin, ScorePlugin {
    /// `TaintToleration`.
    public var name: String { "TaintToleration" }

    /// The plugin.
    public init() {}

    /// The rejection reason for a taint, as kube-scheduler words it: `node(s) had untolerated taint {key: value}`.
    public static func reason(_ taint: Taint) -> String {
        "node(s) had untolerated taint {\(taint.key ?? ""): \(taint.value ?? "")}"
    }

    /// Checks only when some node has a `NoSchedule`/`NoExecute` taint.
    public func prepare(_ pod: PodInfo, in snapshot: ClusterSnapshot) -> (any NodeFilter)? {
        guard snapshot.hardTaintNodeCount > 0 else { return nil }
        return Check(tolerations: pod.tolerations)
    }

    struct Check: NodeFilter {
        let tolerations: [Toleration]

        func firstUntolerated(_ node: Int, in snapshot: ClusterSnapshot) -> Taint? {
            guard snapshot.flags[node] & NodeFlag.hardTaints != 0 else { return nil }
            for t in snapshot.records[node].taints
            where (t.effect == TaintEffect.noSchedule || t.effect == TaintEffect.noExecute) && !tolerated(t, by: tolerations) {
                return t
            }
            return nil
        }
        @inline(__always) func passes(_ node: Int, in snapshot: ClusterSnapshot) -> Bool {
            guard snapshot.flags[node] & NodeFlag.hardTaints != 0 else { return true }
            // A pod without tolerations tolerates no taint.
            return tolerations.isEmpty ? false : firstUntolerated(node, in: snapshot) == nil
        }
        func failure(_ node: Int, in snapshot: ClusterSnapshot) -> FilterFailure? {
            firstUntolerated(node, in: snapshot).map { FilterFailure(TaintToleration.reason($0), unresolvable: true) }
        }
    }

    /// Counts each node's `PreferNoSchedule` taints the pod does not tolerate; fewest scores 100.
    public func score(_ pod: PodInfo, nodes: [Int], in snapshot: ClusterSnapshot) -> [Int]? {
        guard snapshot.preferTaintNodeCount > 0 else { return [Int](repeating: 100, count: nodes.count) }
        let tolerations = pod.tolerations.filter { ($0.effect ?? "").isEmpty || $0.effect == TaintEffect.preferNoSchedule }
        var scores = nodes.map { node -> Int in
            guard snapshot.flags[node] & NodeFlag.preferTaints != 0 else { return 0 }
            return snapshot.records[node].taints.filter {
                $0.effect == TaintEffect.preferNoSchedule && !tolerated($0, by: tolerations)
            }.count
        }
        normalizeToMax(&scores, reverse: true)
        return scores
    }
}

/// Rejects nodes that do not match the pod's `nodeSelector` and required node affinity; as a score,
/// sums the weights of the preferred node affinity terms each node matches.
public struct NodeAffinity: FilterPlugin, ScorePlugin {
    /// The rejection reason, as kube-scheduler words it.
    public static let reason = "node(s) didn't match Pod's node affinity/selector"

    /// `NodeAffinity`.
    public var name: String { "NodeAffinity" }

    /// The plugin.
    public init() {}

    /// Checks only pods with a node selector or required node affinity.
    public func prepare(_ pod: PodInfo, in snapshot: ClusterSnapshot) -> (any NodeFilter)? {
        pod.nodeMatcher.isEmpty ? nil : Check(matcher: pod.nodeMatcher)
    }

    struct Check: NodeFilter {
        let matcher: NodeMatcher
        func passes(_ node: Int, in snapshot: ClusterSnapshot) -> Bool { matcher.matches(node, in: snapshot) }
        func failure(_ node: Int, in snapshot: ClusterSnapshot) -> FilterFailure? {
            passes(node, in: snapshot) ? nil : FilterFailure(NodeAffinity.reason, unresolvable: true)
        }
    }

    /// Scores nodes by the weights of matching preferred terms, the best scaled to 100.
    public func score(_ pod: PodInfo, nodes: [Int], in snapshot: ClusterSnapshot) -> [Int]? {
        guard !pod.preferredNodeTerms.isEmpty else { return nil }
        var scores = nodes.map { node in
            pod.preferredNodeTerms.reduce(0) { $0 + ($1.term.matches(node, in: snapshot) ? $1.weight : 0) }
        }
        normalizeToMax(&scores, reverse: false)
        return scores
    }
}

/// Prefers nodes that already have the pod's images, weighted by image size and by how widely the
/// image is spread across nodes (so one node with a big image does not attract everything).
public struct ImageLocality: ScorePlugin {
    /// `ImageLocality`.
    public var name: String { "ImageLocality" }

    /// The plugin.
    public init() {}

    static let mb: Int64 = 1024 * 1024
    static let minThreshold: Int64 = 23 * mb
    static let maxContainerThreshold: Int64 = 1000 * mb

    /// Scores nodes by the size of the pod's images they hold.
    public func score(_ pod: PodInfo, nodes: [Int], in snapshot: ClusterSnapshot) -> [Int]? {
        let ids = pod.images.compactMap { snapshot.vocabulary.images.id($0) }
        guard !ids.isEmpty, snapshot.nodeCount > 0 else { return nil }
        let total = Double(snapshot.nodeCount)
        let spread = ids.map { Double(snapshot.imageNodeCount[Int($0)]) / total }
        let holders = ids.map { snapshot.imageNodeBits[Int($0)] }
        let maxThreshold = ImageLocality.maxContainerThreshold * Int64(max(1, pod.containerCount))
        return nodes.map { node in
            var sum: Int64 = 0
            for (i, bits) in holders.enumerated() where node / 64 < bits.count && bits[node / 64] & (1 << UInt64(node % 64)) != 0 {
                sum += Int64(Double(ImageLocality.size(of: ids[i], in: snapshot.nodeImages[node]) ?? 0) * spread[i])
            }
            if sum <= ImageLocality.minThreshold { return 0 }
            sum = min(sum, maxThreshold)
            return Int(100 * (sum - ImageLocality.minThreshold) / (maxThreshold - ImageLocality.minThreshold))
        }
    }

    static func size(of id: Int32, in images: [(id: Int32, size: Int64)]) -> Int64? {
        if images.count <= 8 {
            for image in images where image.id == id { return image.size }
            return nil
        }
        var lo = 0
        var hi = images.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if images[mid].id < id { lo = mid + 1 } else { hi = mid }
        }
        return lo < images.count && images[lo].id == id ? images[lo].size : nil
    }
}
