import Foundation
import GantryAPI

/// How `NodeResourcesFit` scores: spread pods out or pack them in.
public enum ScoringStrategy: String, Sendable, Hashable, CaseIterable {
    /// kube-scheduler's `LeastAllocated`: prefer the node with the most room left.
    case spread
    /// kube-scheduler's `MostAllocated`: prefer the fullest node that still fits.
    case binpack
}

/// Rejects nodes without room for the pod's requests (cpu, memory, ephemeral storage, extended
/// resources, pod count); as a score, ranks by cpu and memory allocation per the strategy.
public struct NodeResourcesFit: FilterPlugin, ScorePlugin {
    /// `NodeResourcesFit`.
    public var name: String { "NodeResourcesFit" }
    /// Spread (least allocated) or binpack (most allocated).
    public var strategy: ScoringStrategy

    /// The plugin with a scoring strategy.
    public init(strategy: ScoringStrategy = .spread) { self.strategy = strategy }

    /// The rejection reason when the node's pod count is at its `pods` allocatable.
    public static let tooManyPods = "Too many pods"
    /// The rejection reason for a resource: `Insufficient cpu`.
    public static func insufficient(_ resource: String) -> String { "Insufficient " + resource }

    /// Always checks (the pod count limit applies to every pod).
    public func prepare(_ pod: PodInfo, in snapshot: ClusterSnapshot) -> (any NodeFilter)? {
        let r = pod.requests
        return Check(
            cpu: r.milliCPU, memory: r.memory, ephemeral: r.ephemeralStorage,
            scalars: zip(r.scalars, pod.scalarIDs).map { ($1, $0.name, $0.amount) }, podCountOnly: r.isZero)
    }

    struct Check: NodeFilter {
        let cpu: Int64
        let memory: Int64
        let ephemeral: Int64
        let scalars: [(id: Int32, name: String, amount: Int64)]
        let podCountOnly: Bool

        @inline(__always) func passes(_ node: Int, in snapshot: ClusterSnapshot) -> Bool {
            let r = snapshot.resources[node]
            if r.podCount >= r.allocPods { return false }
            if podCountOnly { return true }
            if cpu > 0 && cpu > r.allocMilliCPU - r.reqMilliCPU { return false }
            if memory > 0 && memory > r.allocMemory - r.reqMemory { return false }
            if ephemeral > 0 && ephemeral > r.allocEphemeral - r.reqEphemeral { return false }
            for s in scalars where s.amount > Check.free(s.id, node, snapshot) { return false }
            return true
        }

        func failure(_ node: Int, in snapshot: ClusterSnapshot) -> FilterFailure? {
            let r = snapshot.resources[node]
            var reasons: [String] = []
            if r.podCount >= r.allocPods { reasons.append(NodeResourcesFit.tooManyPods) }
            if !podCountOnly {
                if cpu > 0 && cpu > r.allocMilliCPU - r.reqMilliCPU { reasons.append(NodeResourcesFit.insufficient(ResourceName.cpu)) }
                if memory > 0 && memory > r.allocMemory - r.reqMemory { reasons.append(NodeResourcesFit.insufficient(ResourceName.memory)) }
                if ephemeral > 0 && ephemeral > r.allocEphemeral - r.reqEphemeral {
                    reasons.append(NodeResourcesFit.insufficient(ResourceName.ephemeralStorage))
                }
                for s in scalars where s.amount > Check.free(s.id, node, snapshot) {
                    reasons.append(NodeResourcesFit.insufficient(s.name))
                }
            }
            return reasons.isEmpty ? nil : FilterFailure(reasons, unresolvable: false)
        }

        /// Unrequested amount of a scalar resource on a node.
        static func free(_ id: Int32, _ node: Int, _ snapshot: ClusterSnapshot) -> Int64 {
            (snapshot.records[node].scalarAllocatable[id] ?? 0) - (snapshot.records[node].scalarRequested[id] ?? 0)
        }
    }

    /// Scores cpu and memory (equal weights) after adding the pod, with containers that request
    /// nothing counted at 100m / 200Mi: `spread` scores free room, `binpack` scores use.
    public func score(_ pod: PodInfo, nodes: [Int], in snapshot: ClusterSnapshot) -> [Int]? {
        let cpu = pod.requests.nonZeroMilliCPU
        let memory = pod.requests.nonZeroMemory
        var scores = [Int](repeating: 0, count: nodes.count)
        switch strategy {
        case .spread:
            for (i, node) in nodes.enumerated() {
                let r = snapshot.resources[node]
                scores[i] = Int((Self.leastAllocated(r.nonZeroMilliCPU + cpu, r.allocMilliCPU)
                    + Self.leastAllocated(r.nonZeroMemory + memory, r.allocMemory)) / 2)
            }
        case .binpack:
            for (i, node) in nodes.enumerated() {
                let r = snapshot.resources[node]
                scores[i] = Int((Self.mostAllocated(r.nonZeroMilliCPU + cpu, r.allocMilliCPU)
                    + Self.mostAllocated(r.nonZeroMemory + memory, r.allocMemory)) / 2)
            }
        }
        return scores
    }

    @inline(__always) static func leastAllocated(_ requested: Int64, _ capacity: Int64) -> Int64 {
        capacity == 0 || requested > capacity ? 0 : (capacity - requested) * 100 / capacity
    }

    @inline(__always) static func mostAllocated(_ requested: Int64, _ capacity: Int64) -> Int64 {
        capacity == 0 ? 0 : min(requested, capacity) * 100 / capacity
    }
}

/// Prefers nodes whose cpu and memory would be equally used after placing the pod (counting real
/// requests), so that neither resource strands the other.
public struct NodeResourcesBalancedAllocation: ScorePlugin {
    /// `NodeResourcesBalancedAllocation`.
    public var name: String { "NodeResourcesBalancedAllocation" }

    /// The plugin.
    public init() {}

    /// Scores 100 × (1 − the standard deviation of the cpu and memory fractions); nil for a pod that requests nothing.
    public func score(_ pod: PodInfo, nodes: [Int], in snapshot: ClusterSnapshot) -> [Int]? {
        let cpu = pod.requests.milliCPU
        let memory = pod.requests.memory
        guard cpu != 0 || memory != 0 else { return nil }
        return nodes.map { node in
            let r = snapshot.resources[node]
            var fractions = (0.0, 0.0)
            var n = 0
            if r.allocMilliCPU > 0 {
                fractions.0 = min(1, Double(r.reqMilliCPU + cpu) / Double(r.allocMilliCPU))
                n += 1
            }
            if r.allocMemory > 0 {
                let f = min(1, Double(r.reqMemory + memory) / Double(r.allocMemory))
                if n == 0 { fractions.0 = f } else { fractions.1 = f }
                n += 1
            }
            let std = n == 2 ? abs(fractions.0 - fractions.1) / 2 : 0
            return Int((1 - std) * 100)
        }
    }
}
