import Foundation
import GantryAPI

/// SplitMix64: a small, fast, seedable random number generator (for breaking ties reproducibly).
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Scheduler settings.
public struct SchedulerConfiguration: Sendable, Hashable {
    /// Spread pods over nodes (least allocated) or pack them (most allocated).
    public var strategy: ScoringStrategy
    /// Percent of nodes to find feasible before scoring stops looking (kube-scheduler's
    /// `percentageOfNodesToScore`): 0 is adaptive (50% at 100 nodes, down to 5% from 5,625 nodes, never
    /// fewer than 100 nodes); 100 scores every feasible node.
    public var percentageOfNodesToScore: Int
    /// Score plugin weights by plugin name; a plugin not listed gets its default weight, 0 turns it off.
    public var scoreWeights: [String: Int]
    /// Seed of the random choice among equally scored nodes.
    public var seed: UInt64
    /// Score weight of an existing pod's required affinity term that selects the incoming pod.
    public var hardPodAffinityWeight: Int
    /// Whether unschedulable messages end with kube-scheduler's preemption summary
    /// (`preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.`).
    /// (`preempt` is a separate step the caller runs after an unschedulable result.)
    public var reportsPreemption: Bool

    /// kube-scheduler's default score weights.
    public static let defaultScoreWeights: [String: Int] = [
        "TaintToleration": 3, "NodeAffinity": 2, "PodTopologySpread": 2, "InterPodAffinity": 2,
        "NodeResourcesFit": 1, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1,
    ]

    /// Settings; by default kube-scheduler's behaviour with spreading.
    public init(
        strategy: ScoringStrategy = .spread, percentageOfNodesToScore: Int = 0, scoreWeights: [String: Int] = [:],
        seed: UInt64 = 0, hardPodAffinityWeight: Int = 1, reportsPreemption: Bool = false
    ) {
        self.strategy = strategy
        self.percentageOfNodesToScore = percentageOfNodesToScore
        self.scoreWeights = scoreWeights
        self.seed = seed
        self.hardPodAffinityWeight = hardPodAffinityWeight
        self.reportsPreemption = reportsPreemption
    }

    /// The weight of a score plugin.
    public func weight(of plugin: String) -> Int { scoreWeights[plugin] ?? Self.defaultScoreWeights[plugin] ?? 1 }
}

/// A score plugin with its weight.
public struct WeightedScorePlugin: Sendable {
    /// The plugin.
    public var plugin: any ScorePlugin
    /// What its 0–100 score is multiplied by.
    public var weight: Int

    /// A plugin with a weight (kept within 0...10,000).
    public init(_ plugin: any ScorePlugin, weight: Int) {
        self.plugin = plugin
        self.weight = min(max(weight, 0), 10_000)
    }
}

/// The outcome of scheduling one pod.
public enum ScheduleResult: Sendable, Hashable {
    /// Bind the pod to this node; `score` is the node's weighted total.
    case bound(nodeName: String, score: Int)
    /// No node can run the pod; the message says why, as kube-scheduler words it.
    case unschedulable(message: String)

    /// The chosen node, if any.
    public var nodeName: String? {
        if case .bound(let name, _) = self { return name }
        return nil
    }
}

/// How much work one scheduling decision did.
public struct CycleStatistics: Sendable, Hashable {
    /// Nodes run through the filters.
    public var evaluatedNodes = 0
    /// Nodes that passed every filter (and were scored).
    public var feasibleNodes = 0
}

/// Places pods: runs the filter plugins over nodes until enough feasible ones are found, scores those
/// with the weighted score plugins, and picks the best (ties broken by a seeded random choice).
///
/// Pure: no I/O, no clock. Its only state is where the next scan starts and the tie-breaking random
/// generator, so a scheduler with a given seed makes the same decisions for the same calls.
public struct Scheduler: Sendable {
    /// The settings it was made with.
    public let configuration: SchedulerConfiguration
    /// Filter plugins, in the order they run.
    public let filters: [any FilterPlugin]
    /// Score plugins and weights.
    public let scorers: [WeightedScorePlugin]
    /// Work done by the last `schedule` call.
    public private(set) var lastCycle = CycleStatistics()

    private var nextStartIndex = 0
    private var random: SplitMix64

    /// Nodes filtered per batch.
    static let batchSize = 256

    /// A scheduler with the default plugins (kube-scheduler's order and weights).
    public init(configuration: SchedulerConfiguration = SchedulerConfiguration()) {
        self.init(
            configuration: configuration, filters: Self.defaultFilters(configuration),
            scorers: Self.defaultScorers(configuration))
    }

    /// A scheduler with a custom plugin set.
    public init(configuration: SchedulerConfiguration, filters: [any FilterPlugin], scorers: [WeightedScorePlugin]) {
        self.configuration = configuration
        self.filters = filters
        self.scorers = scorers
        self.random = SplitMix64(seed: configuration.seed)
    }

    /// The default filters, in kube-scheduler's order.
    public static func defaultFilters(_ configuration: SchedulerConfiguration) -> [any FilterPlugin] {
        [
            NodeUnschedulable(), NodeName(), TaintToleration(), NodeAffinity(), NodePorts(),
            NodeResourcesFit(strategy: configuration.strategy), PodTopologySpread(),
            InterPodAffinity(hardPodAffinityWeight: configuration.hardPodAffinityWeight),
        ]
    }

    /// The default score plugins, weighted per the configuration (weight 0 leaves a plugin out).
    public static func defaultScorers(_ configuration: SchedulerConfiguration) -> [WeightedScorePlugin] {
        let plugins: [any ScorePlugin] = [
            TaintToleration(), NodeAffinity(), NodeResourcesFit(strategy: configuration.strategy), PodTopologySpread(),
            InterPodAffinity(hardPodAffinityWeight: configuration.hardPodAffinityWeight),
            NodeResourcesBalancedAllocation(), ImageLocality(),
        ]
        return plugins.map { WeightedScorePlugin($0, weight: configuration.weight(of: $0.name)) }.filter { $0.weight != 0 }
    }

    /// How many feasible nodes to find before scoring, out of `total` (kube-scheduler's rule).
    public func numberOfNodesToFind(_ total: Int) -> Int {
        if total < 100 { return total }
        var percentage = configuration.percentageOfNodesToScore
        if percentage <= 0 { percentage = max(5, 50 - total / 125) }
        if percentage >= 100 { return total }
        return max(100, total * percentage / 100)
    }

    /// Decides where `pod` goes in `snapshot`. Does not change the snapshot: on `.bound`, the caller
    /// binds the pod and calls `snapshot.assume(pod, on:)` so the next decision sees it.
    public mutating func schedule(_ pod: Pod, in snapshot: ClusterSnapshot) -> ScheduleResult {
        let order = snapshot.scanOrder
        let total = order.count
        lastCycle = CycleStatistics()
        guard total > 0 else { return .unschedulable(message: "no nodes available to schedule pods") }
        let info = snapshot.podInfo(for: pod)
        let checks = filters.compactMap { $0.prepare(info, in: snapshot) }

        // Filter batches of nodes from a rotating start until enough are feasible.
        let wanted = numberOfNodesToFind(total)
        let start = nextStartIndex % total
        var feasible: [Int] = []
        feasible.reserveCapacity(wanted)
        var batch: [Int] = []
        var passing: [Int] = []
        batch.reserveCapacity(Self.batchSize)
        passing.reserveCapacity(Self.batchSize)
        var processed = 0
        while processed < total && feasible.count < wanted {
            let count = min(Self.batchSize, total - processed)
            batch.removeAll(keepingCapacity: true)
            var position = (start + processed) % total
            for _ in 0..<count {
                batch.append(order[position])
                position += 1
                if position == total { position = 0 }
            }
            passing.removeAll(keepingCapacity: true)
            passing.append(contentsOf: batch)
            for check in checks {
                check.removeFailing(&passing, in: snapshot)
                if passing.isEmpty { break }
            }
            let need = wanted - feasible.count
            if passing.count > need {
                // Stop at the node that completed the set, as kube-scheduler does.
                processed += batch.firstIndex(of: passing[need - 1])! + 1
                feasible.append(contentsOf: passing[0..<need])
                break
            }
            feasible.append(contentsOf: passing)
            processed += count
        }
        nextStartIndex = (start + processed) % total
        lastCycle = CycleStatistics(evaluatedNodes: processed, feasibleNodes: feasible.count)
        guard !feasible.isEmpty else {
            return .unschedulable(message: diagnose(checks, order: order, in: snapshot))
        }

        var totals = [Int](repeating: 0, count: feasible.count)
        for scorer in scorers where scorer.weight != 0 {
            guard let scores = scorer.plugin.score(info, nodes: feasible, in: snapshot) else { continue }
            precondition(scores.count == feasible.count, "score plugin \(scorer.plugin.name) returned \(scores.count) scores for \(feasible.count) nodes")
            for i in totals.indices { totals[i] += scorer.weight * scores[i] }
        }
        var best = 0
        var ties = 1
        for i in 1..<totals.count {
            if totals[i] > totals[best] {
                best = i
                ties = 1
            } else if totals[i] == totals[best] {
                ties += 1
                if random.next() % UInt64(ties) == 0 { best = i }
            }
        }
        return .bound(nodeName: snapshot.records[feasible[best]].name, score: totals[best])
    }

    /// kube-scheduler's DefaultPreemption for a pod no node fits: on each node where evicting pods can help, remove
    /// every pod of lower priority, check that the pod then fits, and give back (reprieve) as many of them as still
    /// leaves room, highest priority first. The node chosen has the lowest highest-priority victim, then the fewest
    /// victims. `podsOn` gives the pods counted on a node. Nil: the pod does not preempt (`preemptionPolicy:
    /// Never`), or no set of lower-priority victims makes room anywhere. Pure: the snapshot is not changed.
    public func preempt(_ pod: Pod, in snapshot: ClusterSnapshot, podsOn: (String) -> [Pod]) -> (nodeName: String, victims: [Pod])? {
        if pod.spec?.preemptionPolicy == "Never" { return nil }
        let priority = pod.spec?.priority ?? 0
        let info = snapshot.podInfo(for: pod)
        let checks = filters.compactMap { $0.prepare(info, in: snapshot) }
        func fits(_ slot: Int, in s: ClusterSnapshot) -> Bool {
            let i = s.podInfo(for: pod)
            for f in filters {
                guard let check = f.prepare(i, in: s) else { continue }
                if !check.passes(slot, in: s) { return false }
            }
            return true
        }
        var best: (name: String, victims: [Pod], top: Int, count: Int)?
        for slot in snapshot.scanOrder {
            // Nodes where eviction cannot help (taints, selectors) are skipped.
            if checks.contains(where: { $0.failure(slot, in: snapshot)?.isUnresolvable == true }) { continue }
            let name = snapshot.nodeName(at: slot)
            let lower = podsOn(name).filter { ($0.spec?.priority ?? 0) < priority && $0.metadata.deletionTimestamp == nil }
            if lower.isEmpty { continue }
            var s = snapshot
            for v in lower { s.removePod(v) }
            guard fits(slot, in: s) else { continue }
            var victims: [Pod] = []
            let order = lower.sorted { ($0.spec?.priority ?? 0) != ($1.spec?.priority ?? 0)
                ? ($0.spec?.priority ?? 0) > ($1.spec?.priority ?? 0) : ($0.metadata.creationTimestamp ?? "") < ($1.metadata.creationTimestamp ?? "") }
            for v in order {
                s.addPod(v)
                if !fits(slot, in: s) {
                    s.removePod(v)
                    victims.append(v)
                }
            }
            if victims.isEmpty { continue }
            let top = victims.map { $0.spec?.priority ?? 0 }.max() ?? Int.min
            if best == nil || top < best!.top || (top == best!.top && victims.count < best!.count) {
                best = (name, victims, top, victims.count)
            }
        }
        return best.map { ($0.name, $0.victims) }
    }

    /// Why no node fits: every node's first failing filter, counted by reason.
    private func diagnose(_ checks: [any NodeFilter], order: [Int], in snapshot: ClusterSnapshot) -> String {
        var reasons: [String: Int] = [:]
        var unresolvable = 0
        for slot in order {
            for check in checks {
                guard let failure = check.failure(slot, in: snapshot) else { continue }
                for r in failure.reasons { reasons[r, default: 0] += 1 }
                if failure.isUnresolvable { unresolvable += 1 }
                break
            }
        }
        let total = order.count
        return Self.unschedulableMessage(
            nodes: total, reasons: reasons,
            preemption: configuration.reportsPreemption ? (unresolvable, total - unresolvable) : nil)
    }

    /// Formats kube-scheduler's message for a pod no node fits: `0/3 nodes are available: 1 Insufficient
    /// cpu, 2 node(s) had untolerated taint {dedicated: db}.` The "count reason" entries are sorted as
    /// strings, as kube-scheduler sorts them. With `preemption` (nodes where preemption cannot help,
    /// nodes where it found no victims), adds kube-scheduler's preemption summary.
    public static func unschedulableMessage(nodes: Int, reasons: [String: Int], preemption: (unresolvable: Int, noVictims: Int)? = nil) -> String {
        func histogram(_ counts: [(String, Int)]) -> String {
            counts.filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                .joined(separator: ", ")
        }
        var message = "0/\(nodes) nodes are available:"
        let filterPart = histogram(reasons.map { ($0.key, $0.value) })
        if !filterPart.isEmpty { message += " " + filterPart + "." }
        if let preemption {
            let part = histogram([
                ("Preemption is not helpful for scheduling", preemption.unresolvable),
                ("No preemption victims found for incoming pod", preemption.noVictims),
            ])
            message += " preemption: 0/\(nodes) nodes are available: " + part + "."
        }
        return message
    }
}
