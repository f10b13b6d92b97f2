import Foundation
import GantryAPI

/// Keeps matching pods evenly spread over topology domains: `DoNotSchedule` constraints reject nodes
/// whose domain would exceed `maxSkew` over the least loaded domain; `ScheduleAnyway` constraints
/// score emptier domains higher.
public struct PodTopologySpread: FilterPlugin, ScorePlugin {
    /// Reason for a node whose domain would be too far above the least loaded one.
    public static let skewReason = "node(s) didn't match pod topology spread constraints"
    /// Reason for a node without a constraint's topology label.
    public static let missingLabelReason = "node(s) didn't match pod topology spread constraints (missing required label)"

    /// `PodTopologySpread`.
    public var name: String { "PodTopologySpread" }

    /// The plugin.
    public init() {}

    /// Per-domain counts of one constraint over the nodes it considers.
    struct Domains {
        let constraint: SpreadConstraint
        /// Matching pods by label value id of the topology key.
        let counts: [Int32]
        /// Number of domains among the considered nodes.
        let domainCount: Int
        /// The smallest count of a domain (0 when there are fewer domains than `minDomains`).
        let minimum: Int32
        /// Matching pods by node slot.
        let nodeCounts: TermTable<TrackerKey>.Entry

        @inline(__always) func count(_ value: Int32) -> Int32 {
            value >= 0 && Int(value) < counts.count ? counts[Int(value)] : 0
        }
    }

    /// Whether a node counts for a constraint: it has every topology key of `constraints`, and meets
    /// the constraint's node affinity and taint policies.
    static func considered(
        _ slot: Int, _ c: SpreadConstraint, all constraints: [SpreadConstraint], pod: PodInfo, in snapshot: ClusterSnapshot
    ) -> Bool {
        for other in constraints where snapshot.labelValue(slot, other.topologyKey) < 0 { return false }
        if c.honorNodeAffinity && !pod.nodeMatcher.isEmpty && !pod.nodeMatcher.matches(slot, in: snapshot) { return false }
        if c.honorTaints && snapshot.flags[slot] & NodeFlag.hardTaints != 0 {
            for t in snapshot.records[slot].taints
            where (t.effect == TaintEffect.noSchedule || t.effect == TaintEffect.noExecute) && !tolerated(t, by: pod.tolerations) {
                return false
            }
        }
        return true
    }

    /// Counts matching pods per domain over every considered node.
    static func domains(for constraints: [SpreadConstraint], pod: PodInfo, in snapshot: ClusterSnapshot) -> [Domains] {
        constraints.map { c in
            let matches = snapshot.matchCounts(
                TrackerKey(namespaces: NamespaceFilter(only: pod.namespaceID), selector: c.selector, topologyKey: c.topologyKey))
            func minimum(_ lowest: Int32, domains: Int) -> Int32 {
                domains < c.minDomains || lowest == .max ? 0 : lowest
            }
            let everyNodeCounts = constraints.count == 1 && !c.honorTaints && (pod.nodeMatcher.isEmpty || !c.honorNodeAffinity)
            if everyNodeCounts, let domains = snapshot.domainNodeCounts[c.topologyKey] {
                // Every node with the label counts: the tracker's per-domain counts are the answer.
                var lowest = Int32.max
                for v in domains.keys { lowest = min(lowest, matches.domainCount(v)) }
                return Domains(
                    constraint: c, counts: matches.domainCounts, domainCount: domains.count,
                    minimum: minimum(lowest, domains: domains.count), nodeCounts: matches)
            }
            let valueCount = snapshot.vocabulary.values.count
            var counts = [Int32](repeating: 0, count: valueCount)
            var present = [Bool](repeating: false, count: valueCount)
            var domainCount = 0
            for slot in snapshot.scanOrder where considered(slot, c, all: constraints, pod: pod, in: snapshot) {
                let v = Int(snapshot.labelValue(slot, c.topologyKey))
                if !present[v] {
                    present[v] = true
                    domainCount += 1
                }
                counts[v] += matches.nodeCount(slot)
            }
            var lowest = Int32.max
            for (v, p) in present.enumerated() where p { lowest = min(lowest, counts[v]) }
            return Domains(
                constraint: c, counts: counts, domainCount: domainCount, minimum: minimum(lowest, domains: domainCount),
                nodeCounts: matches)
        }
    }

    /// Counts the domains once per pod; checks only pods with `DoNotSchedule` constraints.
    public func prepare(_ pod: PodInfo, in snapshot: ClusterSnapshot) -> (any NodeFilter)? {
        let constraints = pod.hardSpreadConstraints
        guard !constraints.isEmpty else { return nil }
        return Check(domains: Self.domains(for: constraints, pod: pod, in: snapshot))
    }

    struct Check: NodeFilter {
        let domains: [Domains]

        @inline(__always) func passes(_ node: Int, in snapshot: ClusterSnapshot) -> Bool {
            for d in domains {
                let v = snapshot.labelValue(node, d.constraint.topologyKey)
                if v < 0 || Int(d.count(v)) + (d.constraint.selfMatch ? 1 : 0) - Int(d.minimum) > d.constraint.maxSkew { return false }
            }
            return true
        }

        func failure(_ node: Int, in snapshot: ClusterSnapshot) -> FilterFailure? {
            for d in domains {
                let v = snapshot.labelValue(node, d.constraint.topologyKey)
                if v < 0 { return FilterFailure(PodTopologySpread.missingLabelReason, unresolvable: true) }
                let skew = Int(d.count(v)) + (d.constraint.selfMatch ? 1 : 0) - Int(d.minimum)
                if skew > d.constraint.maxSkew { return FilterFailure(PodTopologySpread.skewReason, unresolvable: false) }
            }
            return nil
        }
    }

    /// Scores nodes in less crowded domains higher, for `ScheduleAnyway` constraints.
    public func score(_ pod: PodInfo, nodes: [Int], in snapshot: ClusterSnapshot) -> [Int]? {
        let constraints = pod.softSpreadConstraints
        guard !constraints.isEmpty else { return nil }
        let hostname = snapshot.vocabulary.keys.id("kubernetes.io/hostname") ?? -1
        // Nodes without every topology key are ignored (score 0).
        let ignored = nodes.map { slot in constraints.contains { snapshot.labelValue(slot, $0.topologyKey) < 0 } }
        let scoredCount = ignored.filter { !$0 }.count
        let domains = Self.domains(for: constraints, pod: pod, in: snapshot)
        var weights: [Double] = []
        for c in constraints {
            var size = scoredCount
            if c.topologyKey != hostname {
                var seen = Set<Int32>()
                for (i, slot) in nodes.enumerated() where !ignored[i] { seen.insert(snapshot.labelValue(slot, c.topologyKey)) }
                size = seen.count
            }
            weights.append(log(Double(size + 2)))
        }
        var raw = [Int](repeating: 0, count: nodes.count)
        for (i, slot) in nodes.enumerated() where !ignored[i] {
            var s = 0.0
            for (j, d) in domains.enumerated() {
                let c = d.constraint
                let count: Int32
                if c.topologyKey == hostname {
                    count = d.nodeCounts.nodeCount(slot)
                } else {
                    count = d.count(snapshot.labelValue(slot, c.topologyKey))
                }
                s += Double(count) * weights[j] + Double(c.maxSkew - 1)
            }
            raw[i] = Int(s.rounded())
        }
        var lo = Int.max
        var hi = 0
        for (i, s) in raw.enumerated() where !ignored[i] {
            lo = min(lo, s)
            hi = max(hi, s)
        }
        return raw.enumerated().map { i, s in
            if ignored[i] { return 0 }
            if hi == 0 { return 100 }
            return 100 * (hi + lo - s) / hi
        }
    }
}
