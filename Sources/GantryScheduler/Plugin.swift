import Foundation
import GantryAPI

/// Why a filter rejected a node.
public struct FilterFailure: Sendable, Hashable {
    /// The reasons, worded as kube-scheduler words them ("Insufficient cpu"); a node can fail for several.
    public var reasons: [String]
    /// Whether evicting pods could not make the node fit (kube-scheduler's `UnschedulableAndUnresolvable`),
    /// as for a taint or a node selector; false for resources, ports and anti-affinity.
    public var isUnresolvable: Bool

    /// A failure with these reasons.
    public init(_ reasons: [String], unresolvable: Bool) {
        self.reasons = reasons
        self.isUnresolvable = unresolvable
    }

    /// A failure with one reason.
    public init(_ reason: String, unresolvable: Bool) { self.init([reason], unresolvable: unresolvable) }
}

/// A filter plugin: decides which nodes can run a pod at all. Plugins are stateless configuration;
/// the per-pod work happens in the `NodeFilter` that `prepare` returns.
public protocol FilterPlugin: Sendable {
    /// The plugin's name, as in kube-scheduler (`NodeResourcesFit`).
    var name: String { get }

    /// Does the per-pod work once (kube-scheduler's PreFilter) and returns the check to run on each
    /// node, or nil when the plugin has nothing to check for this pod in this snapshot.
    func prepare(_ pod: PodInfo, in snapshot: ClusterSnapshot) -> (any NodeFilter)?
}

/// One filter plugin's check of one pod against nodes. Nodes are identified by their index in the
/// snapshot (`ClusterSnapshot.nodeIndex(named:)`, `nodeInfo(at:)`).
public protocol NodeFilter {
    /// Whether the node passes. This is the hot path; it must agree with `failure`.
    func passes(_ node: Int, in snapshot: ClusterSnapshot) -> Bool

    /// Why the node fails, or nil when it passes.
    func failure(_ node: Int, in snapshot: ClusterSnapshot) -> FilterFailure?

    /// Removes the nodes that fail from `nodes`, keeping the order of the rest.
    func removeFailing(_ nodes: inout [Int], in snapshot: ClusterSnapshot)
}

extension NodeFilter {
    /// Whether the node passes: `failure` is nil.
    public func passes(_ node: Int, in snapshot: ClusterSnapshot) -> Bool { failure(node, in: snapshot) == nil }

    /// Removes the nodes that fail, testing each with `passes`.
    public func removeFailing(_ nodes: inout [Int], in snapshot: ClusterSnapshot) {
        var kept = 0
        for i in nodes.indices {
            let n = nodes[i]
            if passes(n, in: snapshot) {
                nodes[kept] = n
                kept += 1
            }
        }
        nodes.removeLast(nodes.count - kept)
    }
}

extension FilterPlugin {
    /// Runs the filter for one pod on one node by name: nil when it passes (or the node is unknown).
    /// Convenient for tests and explanations; the scheduler batches instead.
    public func filter(_ pod: Pod, onNode name: String, in snapshot: ClusterSnapshot) -> FilterFailure? {
        guard let slot = snapshot.nodeIndex(named: name) else { return nil }
        return prepare(snapshot.podInfo(for: pod), in: snapshot)?.failure(slot, in: snapshot)
    }
}

/// A score plugin: ranks the nodes that passed every filter.
public protocol ScorePlugin: Sendable {
    /// The plugin's name, as in kube-scheduler (`NodeResourcesBalancedAllocation`).
    var name: String { get }

    /// Scores each of `nodes` (snapshot indexes of the feasible nodes) from 0 to 100, normalised over
    /// those nodes as kube-scheduler normalises; nil when the plugin has nothing to say about this pod.
    func score(_ pod: PodInfo, nodes: [Int], in snapshot: ClusterSnapshot) -> [Int]?
}

extension ScorePlugin {
    /// Scores one pod on the named nodes (in that order; unknown names are dropped), for tests and explanations.
    public func scores(_ pod: Pod, onNodes names: [String], in snapshot: ClusterSnapshot) -> [String: Int] {
        let slots = names.compactMap { snapshot.nodeIndex(named: $0) }
        guard let s = score(snapshot.podInfo(for: pod), nodes: slots, in: snapshot) else { return [:] }
        var out: [String: Int] = [:]
        for (i, slot) in slots.enumerated() { out[snapshot.records[slot].name] = s[i] }
        return out
    }
}

/// kube-scheduler's default normalisation: scales scores so the highest is 100 (if any is above 0);
/// `reverse` turns them around so the lowest raw score ranks best.
func normalizeToMax(_ scores: inout [Int], reverse: Bool) {
    let maxScore = scores.max() ?? 0
    if maxScore == 0 {
        if reverse { for i in scores.indices { scores[i] = 100 } }
        return
    }
    for i in scores.indices {
        let s = 100 * scores[i] / maxScore
        scores[i] = reverse ? 100 - s : s
    }
}
