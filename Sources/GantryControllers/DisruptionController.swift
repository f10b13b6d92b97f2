import Foundation
import GantryAPI
import GantryClient
import Logging

/// A PodDisruptionBudget's status computed purely from it, the pods in its namespace, the scale of their
/// controllers and now, as Kubernetes' disruption controller computes it.
public struct DisruptionPlan: Sendable, Equatable {
    public var status: PodDisruptionBudgetStatus
    /// When a recorded eviction expires (and the status must be computed again).
    public var requeueAfter: TimeInterval?

    /// How long an eviction the API admitted counts as a disruption before the pod is seen going.
    public static let deletionTimeout: TimeInterval = 120

    /// `scale` gives the desired replicas of a pod's controller (nil: unknown, which a percentage or
    /// maxUnavailable cannot do without).
    public static func compute(_ pdb: PodDisruptionBudget, pods: [Pod], now: Date,
                               scale: (Pod) -> (key: String, replicas: Int)?) -> DisruptionPlan {
        let spec = pdb.spec ?? PodDisruptionBudgetSpec()
        let old = pdb.status ?? PodDisruptionBudgetStatus()
        let ts = Timestamp.format(now)
        // A nil selector matches nothing; an empty one everything.
        let matching = spec.selector.map { sel in pods.filter { sel.matches($0.metadata.labels ?? [:]) } } ?? []

        // Evictions admitted but not yet seen: kept until the pod goes or they time out.
        var disrupted: [String: String] = [:]
        var nextExpiry: Date?
        for (name, at) in old.disruptedPods ?? [:] {
            guard let t = Timestamp.parse(at), let pod = matching.first(where: { $0.name == name }),
                  pod.metadata.deletionTimestamp == nil else { continue }
            let expires = t.addingTimeInterval(deletionTimeout)
            if expires > now {
                disrupted[name] = at
                nextExpiry = min(nextExpiry ?? expires, expires)
            }
        }
        let healthy = matching.filter { p in
            p.metadata.deletionTimestamp == nil && disrupted[p.name] == nil
                && p.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
        }.count

        var expected = matching.count
        var desired = 0
        var failure: String?
        func controllersScale() -> Int? {
            var seen: [String: Int] = [:]
            for p in matching {
                guard let s = scale(p) else {
                    failure = "found no controller with a scale for pod \(p.name)"
                    return nil
                }
                seen[s.key] = s.replicas
            }
            return seen.values.reduce(0, +)
        }
        if let max = spec.maxUnavailable {
            if let total = controllersScale() {
                expected = total
                desired = total - ((try? max.scaledValue(total: total, roundUp: true)) ?? 0)
            }
        } else if let min = spec.minAvailable {
            if case .int(let n) = min {
                desired = n
            } else if let total = controllersScale() {
                expected = total
                desired = (try? min.scaledValue(total: total, roundUp: true)) ?? 0
            }
        }
        desired = Swift.max(0, desired)

        var status = PodDisruptionBudgetStatus(observedGeneration: pdb.metadata.generation,
                                               disruptedPods: disrupted.isEmpty ? nil : disrupted,
                                               disruptionsAllowed: 0, currentHealthy: healthy, desiredHealthy: desired,
                                               expectedPods: expected)
        let condition: Condition
        if let failure {
            status.desiredHealthy = 0
            condition = Condition(type: "DisruptionAllowed", status: "False", observedGeneration: pdb.metadata.generation,
                                  reason: "SyncFailed", message: failure)
        } else {
            status.disruptionsAllowed = Swift.max(0, healthy - desired)
            condition = status.disruptionsAllowed > 0
                ? Condition(type: "DisruptionAllowed", status: "True", observedGeneration: pdb.metadata.generation,
                            reason: "SufficientPods", message: "")
                : Condition(type: "DisruptionAllowed", status: "False", observedGeneration: pdb.metadata.generation,
                            reason: "InsufficientPods", message: "")
        }
        // The transition time moves only when the condition's status does.
        var c = condition
        let was = old.conditions?.first { $0.type == "DisruptionAllowed" }
        c.lastTransitionTime = was?.status == c.status ? (was?.lastTransitionTime ?? ts) : ts
        status.conditions = [c]
        return DisruptionPlan(status: status, requeueAfter: nextExpiry.map { $0.timeIntervalSince(now) + 0.1 })
    }
}

/// Keeps every PodDisruptionBudget's status current (healthy pods, how many disruptions are allowed, the
/// evictions the API admitted), which the eviction subresource spends.
public final class DisruptionController: Reconciler, ContextualController, @unchecked Sendable {
    let budgets: Informer<PodDisruptionBudget>
    let pods: Informer<Pod>
    let replicaSets: Informer<ReplicaSet>
    let deployments: Informer<Deployment>
    let context: ControllerContext
    public let queue: WorkQueue

    public init(context: ControllerContext, budgets: Informer<PodDisruptionBudget>, pods: Informer<Pod>,
                replicaSets: Informer<ReplicaSet>, deployments: Informer<Deployment>) {
        self.context = context
        self.budgets = budgets
        self.pods = pods
        self.replicaSets = replicaSets
        self.deployments = deployments
        self.queue = WorkQueue(clock: context.clock)
    }

    public func register() {
        budgets.addHandler { [queue] e in queue.add(objectKey(e.object)) }
        // A pod moves the budgets that select it (before or after the change); a controller's scale, every budget of
        // its namespace (a percentage or maxUnavailable counts from it).
        let budgets = self.budgets
        let queue = self.queue
        @Sendable func inNamespace(_ ns: String?, selecting labels: [[String: String]]? = nil) {
            for b in budgets.list(namespace: ns ?? "default") {
                if let labels, let sel = b.spec?.selector, !labels.contains(where: sel.matches) { continue }
                queue.add(objectKey(b))
            }
        }
        pods.addHandler { e in
            var labels = [e.object.metadata.labels ?? [:]]
            if case .updated(let old, _) = e { labels.append(old.metadata.labels ?? [:]) }
            inNamespace(e.object.namespace, selecting: labels)
        }
        replicaSets.addHandler { e in inNamespace(e.object.namespace) }
        deployments.addHandler { e in inNamespace(e.object.namespace) }
    }

    /// The desired replicas of a pod's controller: a Deployment's through its ReplicaSet, or the ReplicaSet's.
    func scale(of pod: Pod) -> (key: String, replicas: Int)? {
        guard let ref = pod.controllerRef, ref.kind == "ReplicaSet", let name = ref.name else { return nil }
        let ns = pod.namespace ?? "default"
        guard let rs = replicaSets.get("\(ns)/\(name)") else { return nil }
        if let dref = rs.controllerRef, dref.kind == "Deployment", let dname = dref.name, let d = deployments.get("\(ns)/\(dname)") {
            return ("Deployment/\(dname)", d.spec?.replicas ?? 1)
        }
        return ("ReplicaSet/\(name)", rs.spec?.replicas ?? 1)
    }

    public func reconcile(_ key: String) async throws -> ReconcileResult {
        guard let pdb = budgets.get(key) else { return .done }
        if pdb.metadata.deletionTimestamp != nil { return .done }
        let plan = DisruptionPlan.compute(pdb, pods: pods.list(namespace: pdb.namespace ?? "default"), now: clock.now,
                                          scale: scale(of:))
        try await client.writeStatus(pdb, \.status, plan.status)
        return try .finishing(nil, requeueAfter: plan.requeueAfter)
    }
}
