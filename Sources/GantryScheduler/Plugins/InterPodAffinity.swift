import Foundation
import GantryAPI

/// Enforces required pod affinity and anti-affinity — the pod's own terms and the anti-affinity
/// terms of pods already placed — by topology domain; as a score, follows preferred terms both ways
/// (and existing pods' required affinity terms, at `hardPodAffinityWeight`).
public struct InterPodAffinity: FilterPlugin, ScorePlugin {
    /// Reason for a node outside every domain with pods the pod's required affinity needs.
    public static let affinityReason = "node(s) didn't match pod affinity rules"
    /// Reason for a node in a domain with pods the pod's required anti-affinity excludes.
    public static let antiAffinityReason = "node(s) didn't match pod anti-affinity rules"
    /// Reason for a node in a domain where a placed pod's required anti-affinity excludes this pod.
    public static let existingAntiAffinityReason = "node(s) didn't satisfy existing pods anti-affinity rules"

    /// `InterPodAffinity`.
    public var name: String { "InterPodAffinity" }
    /// The score weight of an existing pod's required affinity term that selects the incoming pod (kube-scheduler: 1).
    public var hardPodAffinityWeight: Int

    /// The plugin.
    public init(hardPodAffinityWeight: Int = 1) { self.hardPodAffinityWeight = hardPodAffinityWeight }

    /// Counts of selected pods per domain of one topology key.
    struct DomainCounts {
        let key: Int32
        let counts: [Int32]  // by label value id
        @inline(__always) func count(_ value: Int32) -> Int32 {
            value >= 0 && Int(value) < counts.count ? counts[Int(value)] : 0
        }
        /// Whether the node in `slot` is in a domain with a count above zero.
        @inline(__always) func occupied(_ slot: Int, in snapshot: ClusterSnapshot) -> Bool {
            count(snapshot.labelValue(slot, key)) > 0
        }
    }

    /// Gathers, once per pod, the domain counts every term needs.
    public func prepare(_ pod: PodInfo, in snapshot: ClusterSnapshot) -> (any NodeFilter)? {
        var existing: [DomainCounts] = []
        let owners = snapshot.antiAffinityOwners
        if !owners.isEmpty {
            owners.forEachCandidate(pod.labels) { id in
                let e = owners.entries[id]!
                if e.total > 0 && e.key.selector.matches(pod.labels)
                    && e.key.namespaces.matches(pod.namespaceID, labels: snapshot.namespaceLabels) {
                    existing.append(DomainCounts(key: e.key.topologyKey, counts: e.domainCounts))
                }
            }
        }
        var anti: [DomainCounts] = []
        for t in pod.requiredAntiAffinity {
            let e = snapshot.matchCounts(t.trackerKey)
            if e.total > 0 { anti.append(DomainCounts(key: t.topologyKey, counts: e.domainCounts)) }
        }
        var affinity: Affinity?
        if !pod.requiredAffinity.isEmpty { affinity = Affinity(pod, snapshot) }
        if existing.isEmpty && anti.isEmpty && affinity == nil { return nil }
        return Check(affinity: affinity, anti: anti, existing: existing)
    }

    /// The pod's required affinity terms with their counts.
    struct Affinity {
        var terms: [DomainCounts]
        /// No pod anywhere matches the terms, and the pod matches them itself: the first pod of a
        /// group with affinity to itself may go to any node with the topology labels.
        var selfStart: Bool

        init(_ pod: PodInfo, _ snapshot: ClusterSnapshot) {
            if pod.requiredAffinity.count == 1 {
                let t = pod.requiredAffinity[0]
                terms = [DomainCounts(key: t.topologyKey, counts: snapshot.matchCounts(t.trackerKey).domainCounts)]
            } else {
                // Pods count only when they match every term.
                var counts = [[Int32]](repeating: [], count: pod.requiredAffinity.count)
                for rec in snapshot.pods.values where rec.slot >= 0 {
                    let all = pod.requiredAffinity.allSatisfy {
                        $0.selects(namespace: rec.namespace, labels: rec.labels, namespaceLabels: snapshot.namespaceLabels)
                    }
                    guard all else { continue }
                    for (i, t) in pod.requiredAffinity.enumerated() {
                        let v = snapshot.labelValue(rec.slot, t.topologyKey)
                        guard v >= 0 else { continue }
                        if Int(v) >= counts[i].count { counts[i].append(contentsOf: repeatElement(0, count: Int(v) - counts[i].count + 1)) }
                        counts[i][Int(v)] += 1
                    }
                }
                terms = zip(pod.requiredAffinity, counts).map { DomainCounts(key: $0.topologyKey, counts: $1) }
            }
            let noneExist = terms.allSatisfy { !$0.counts.contains { $0 > 0 } }
            let matchesSelf = pod.requiredAffinity.allSatisfy {
                $0.selects(namespace: pod.namespaceID, labels: pod.labels, namespaceLabels: snapshot.namespaceLabels)
            }
            selfStart = noneExist && matchesSelf
        }

        @inline(__always) func satisfied(_ slot: Int, in snapshot: ClusterSnapshot) -> Bool {
            var podsExist = true
            for t in terms {
                let v = snapshot.labelValue(slot, t.key)
                if v < 0 { return false }
                if t.count(v) <= 0 { podsExist = false }
            }
            return podsExist || selfStart
        }
    }

    struct Check: NodeFilter {
        let affinity: Affinity?
        let anti: [DomainCounts]
        let existing: [DomainCounts]

        @inline(__always) func passes(_ node: Int, in snapshot: ClusterSnapshot) -> Bool {
            if let affinity, !affinity.satisfied(node, in: snapshot) { return false }
            for t in anti where t.occupied(node, in: snapshot) { return false }
            for t in existing where t.occupied(node, in: snapshot) { return false }
            return true
        }

        func failure(_ node: Int, in snapshot: ClusterSnapshot) -> FilterFailure? {
            if let affinity, !affinity.satisfied(node, in: snapshot) {
                return FilterFailure(InterPodAffinity.affinityReason, unresolvable: true)
            }
            for t in anti where t.occupied(node, in: snapshot) {
                return FilterFailure(InterPodAffinity.antiAffinityReason, unresolvable: false)
            }
            for t in existing where t.occupied(node, in: snapshot) {
                return FilterFailure(InterPodAffinity.existingAntiAffinityReason, unresolvable: false)
            }
            return nil
        }
    }

    /// Sums, per node, the weights of preferred terms (and existing pods' terms that select the pod)
    /// times the matching pods in the node's domain; scaled from the lowest (0) to the highest (100).
    public func score(_ pod: PodInfo, nodes: [Int], in snapshot: ClusterSnapshot) -> [Int]? {
        var weighted: [(weight: Int, counts: DomainCounts)] = []
        for t in pod.preferredAffinity + pod.preferredAntiAffinity.map({ var t = $0; t.weight = -t.weight; return t }) {
            let e = snapshot.matchCounts(t.trackerKey)
            if e.total > 0 { weighted.append((t.weight, DomainCounts(key: t.topologyKey, counts: e.domainCounts))) }
        }
        let owners = snapshot.affinityOwners
        if !owners.isEmpty {
            owners.forEachCandidate(pod.labels) { id in
                let e = owners.entries[id]!
                guard e.total > 0, e.key.selector.matches(pod.labels),
                    e.key.namespaces.matches(pod.namespaceID, labels: snapshot.namespaceLabels) else { return }
                let weight = e.key.kind == .requiredAffinity ? hardPodAffinityWeight : e.key.weight
                if weight != 0 { weighted.append((weight, DomainCounts(key: e.key.topologyKey, counts: e.domainCounts))) }
            }
        }
        guard !weighted.isEmpty else { return nil }
        var raw = [Int](repeating: 0, count: nodes.count)
        for (i, node) in nodes.enumerated() {
            var s = 0
            for w in weighted { s += w.weight * Int(w.counts.count(snapshot.labelValue(node, w.counts.key))) }
            raw[i] = s
        }
        let lo = raw.min() ?? 0
        let hi = raw.max() ?? 0
        guard hi > lo else { return [Int](repeating: 0, count: nodes.count) }
        return raw.map { Int(100 * (Double($0 - lo) / Double(hi - lo))) }
    }
}
