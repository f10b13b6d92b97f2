import Foundation
import GantryAPI
import GantryClient
import Logging

/// What a ReplicaSet sync should do, computed purely from the ReplicaSet, the pods of its namespace and now.
public struct ReplicaSetPlan: Sendable, Equatable {
    /// Pods to create from the template.
    public var create = 0
    /// Pods to delete, in the order to delete them.
    public var delete: [Pod] = []
    /// Orphans matching the selector to adopt.
    public var adopt: [Pod] = []
    /// Owned pods that no longer match the selector, to release.
    public var release: [Pod] = []
    /// The status to report.
    public var status = ReplicaSetStatus()
    /// When to look again (a ready pod becomes available after minReadySeconds).
    public var requeueAfter: TimeInterval?

    /// Computes the plan. `manage` is false while earlier creations/deletions are not yet in the cache:
    /// then only the status is computed.
    public static func compute(_ rs: ReplicaSet, pods: [Pod], now: Date, manage: Bool = true) -> ReplicaSetPlan {
        var plan = ReplicaSetPlan()
        let selector = try? LabelQuery(rs.spec?.selector ?? LabelSelector())
        let uid = rs.metadata.uid
        let beingDeleted = rs.metadata.deletionTimestamp != nil
        var owned: [Pod] = []
        for p in pods {
            let matches = selector.map { !$0.isEmpty && $0.matches(p.metadata.labels ?? [:]) } ?? false
            if let ref = p.controllerRef {
                guard ref.uid == uid else { continue }
                if matches { owned.append(p) } else if p.metadata.deletionTimestamp == nil { plan.release.append(p) }
            } else if matches, !beingDeleted, p.metadata.deletionTimestamp == nil {
                plan.adopt.append(p)
                owned.append(p)
            }
        }
        let active = owned.filter(PodUtil.isActive)
        let want = max(0, rs.spec?.replicas ?? 1)
        // Being deleted: the garbage collector decides what happens to the pods (orphan, or delete).
        if manage && !beingDeleted {
            if active.count < want {
                plan.create = want - active.count
            } else if active.count > want {
                plan.delete = Array(active.sorted(by: deletionOrder).prefix(active.count - want))
            }
        }
        let minReady = rs.spec?.minReadySeconds ?? 0
        let templateLabels = rs.spec?.template?.metadata?.labels ?? [:]
        var s = ReplicaSetStatus()
        s.replicas = active.count
        s.fullyLabeledReplicas = active.filter { p in templateLabels.allSatisfy { p.metadata.labels?[$0.key] == $0.value } }.count
        s.readyReplicas = active.filter(PodUtil.isReady).count
        s.availableReplicas = active.filter { PodUtil.isAvailable($0, minReadySeconds: minReady, now: now) }.count
        s.terminatingReplicas = owned.filter(PodUtil.isTerminating).count
        s.observedGeneration = rs.metadata.generation
        s.conditions = rs.status?.conditions
        plan.status = s
        plan.requeueAfter = active.compactMap { PodUtil.secondsUntilAvailable($0, minReadySeconds: minReady, now: now) }.min()
        return plan
    }

    /// Kubernetes' order for scaling down: unscheduled, pending, not ready, recently ready, most restarted, newest first.
    public static func deletionOrder(_ a: Pod, _ b: Pod) -> Bool {
        let an = (a.spec?.nodeName ?? "").isEmpty, bn = (b.spec?.nodeName ?? "").isEmpty
        if an != bn { return an }
        func rank(_ p: Pod) -> Int {
            switch p.status?.phase { case "Pending": return 0; case "Running": return 2; default: return 1 }
        }
        if rank(a) != rank(b) { return rank(a) < rank(b) }
        let ar = PodUtil.isReady(a), br = PodUtil.isReady(b)
        if ar != br { return !ar }
        if ar && br {
            let at = a.status?.conditions?.first { $0.type == "Ready" }?.lastTransitionTime ?? ""
            let bt = b.status?.conditions?.first { $0.type == "Ready" }?.lastTransitionTime ?? ""
            if at != bt { return at > bt }
        }
        func restarts(_ p: Pod) -> Int { (p.status?.containerStatuses ?? []).map { $0.restartCount ?? 0 }.max() ?? 0 }
        if restarts(a) != restarts(b) { return restarts(a) > restarts(b) }
        let ac = a.metadata.creationTimestamp ?? "", bc = b.metadata.creationTimestamp ?? ""
        if ac != bc { return ac > bc }
        return a.name > b.name
    }
}

/// A kind whose pods are kept at a count the ReplicaSet way: ReplicaSet, and ReplicationController (seen as
/// the ReplicaSet it amounts to).
public protocol ReplicatedPods: KubeObject, Sendable, Hashable {
    /// The object as a ReplicaSet: selector, replicas, template, minReadySeconds, status.
    var asReplicaSet: ReplicaSet { get }
    var status: ReplicaSetStatus? { get set }
}

extension ReplicaSet: ReplicatedPods {
    public var asReplicaSet: ReplicaSet { self }
}

extension ReplicationController: ReplicatedPods {}

/// The ReplicaSet controller.
public typealias ReplicaSetController = ReplicaController<ReplicaSet>
/// The ReplicationController controller (the same logic).
public typealias ReplicationControllerController = ReplicaController<ReplicationController>

/// Keeps the number of pods of each ReplicaSet (or ReplicationController) at `spec.replicas`, adopting and
/// releasing pods by selector, and reports replicas, ready, available and observedGeneration.
public final class ReplicaController<T: ReplicatedPods>: Reconciler, ContextualController, @unchecked Sendable {
    let replicaSets: Informer<T>
    let pods: Informer<Pod>
    let context: ControllerContext
    public let queue: WorkQueue
    let expectations: Expectations
    /// Most pods created or deleted in one sync.
    public var burst = 500

    public init(context: ControllerContext, replicaSets: Informer<T>, pods: Informer<Pod>) {
        self.context = context
        self.replicaSets = replicaSets
        self.pods = pods
        self.queue = WorkQueue(clock: context.clock)
        self.expectations = Expectations(clock: context.clock)
    }

    /// Connects the informers' events to the queue.
    public func register() {
        replicaSets.addHandler { [queue, expectations] e in
            let key = objectKey(e.object)
            if case .deleted = e { expectations.delete(key) }
            queue.add(key)
        }
        pods.addHandler { [weak self] e in self?.podChanged(e) }
    }

    private func ownerKey(_ p: Pod) -> String? {
        guard let ref = p.controllerRef, ref.kind == T.resourceInfo.kind, let name = ref.name else { return nil }
        return objectKey(namespace: p.metadata.namespace, name: name)
    }

    private func enqueueMatching(_ p: Pod) {
        for rs in replicaSets.list(namespace: p.metadata.namespace ?? "default") {
            if let q = try? LabelQuery(rs.asReplicaSet.spec?.selector ?? LabelSelector()), !q.isEmpty, q.matches(p.metadata.labels ?? [:]) {
                queue.add(objectKey(rs))
            }
        }
    }

    func podChanged(_ e: InformerEvent<Pod>) {
        let key = expectations.observe(e, ownerKind: T.resourceInfo.kind)
        switch e {
        case .added(let p):
            if let key { queue.add(key) } else { enqueueMatching(p) }
        case .updated(let old, let new):
            let ok = ownerKey(old)
            if let ok, ok != key { queue.add(ok) }
            if let key { queue.add(key) } else if old.metadata.labels != new.metadata.labels || ok != nil { enqueueMatching(new) }
        case .deleted:
            if let key { queue.add(key) }
        }
    }

    public func reconcile(_ key: String) async throws -> ReconcileResult {
        guard let rs = replicaSets.get(key) else {
            expectations.delete(key)
            return .done
        }
        let ns = rs.metadata.namespace ?? "default"
        let manage = expectations.satisfied(key)
        var plan = ReplicaSetPlan.compute(rs.asReplicaSet, pods: pods.list(namespace: ns, controlledBy: rs.metadata.uid, orphans: true), now: clock.now, manage: manage)
        if T.self != ReplicaSet.self { plan.status.terminatingReplicas = nil }  // not a ReplicationController field
        if plan.create > 0 || !plan.delete.isEmpty || !manage {
            logger.debug("replicaset sync", metadata: ["replicaset": "\(key)", "want": "\(rs.asReplicaSet.spec?.replicas ?? 0)",
                                                       "active": "\(plan.status.replicas ?? 0)", "create": "\(plan.create)",
                                                       "delete": "\(plan.delete.count)", "expectationsMet": "\(manage)"])
        }
        for p in plan.adopt { try await setOwner(p, to: rs) }
        for p in plan.release { try await release(p, from: rs) }
        var failure: Error?
        let control = PodControl(client: client, expectations: expectations, recorder: recorder)
        if plan.create > 0 {
            let template = rs.asReplicaSet.spec?.template
            failure = await control.createRecorded(rs, count: min(plan.create, burst), namespace: ns, key: key) { _ in
                try PodTemplates.pod(from: template, generateName: rs.name + "-", owner: rs)
            }
        } else if !plan.delete.isEmpty {
            failure = await control.deleteRecorded(rs, Array(plan.delete.prefix(burst)), key: key)
        }
        try await client.writeStatus(rs, \.status, plan.status)
        if failure == nil, plan.create > burst || plan.delete.count > burst { return .requeue(after: .zero) }
        return try .finishing(failure, requeueAfter: plan.requeueAfter)
    }

    private func setOwner(_ p: Pod, to rs: T) async throws {
        let refs = (p.metadata.ownerReferences ?? []) + [rs.ownerReference()]
        let patch: JSONValue = ["metadata": ["ownerReferences": try JSONValue.encode(refs),
                                             "resourceVersion": .string(p.metadata.resourceVersion ?? "")]]
        _ = try await client.patch(.pods, namespace: p.metadata.namespace, name: p.name, patch)
    }

    private func release(_ p: Pod, from rs: T) async throws {
        let refs = (p.metadata.ownerReferences ?? []).filter { $0.uid != rs.metadata.uid }
        let patch: JSONValue = ["metadata": ["ownerReferences": refs.isEmpty ? .null : try JSONValue.encode(refs),
                                             "resourceVersion": .string(p.metadata.resourceVersion ?? "")]]
        do {
            _ = try await client.patch(.pods, namespace: p.metadata.namespace, name: p.name, patch)
        } catch let e as GantryError where e.code == .notFound {}
    }
}
