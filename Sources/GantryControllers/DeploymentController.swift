import Foundation
import GantryAPI
import GantryClient
import Logging

/// Rolls Deployments out through ReplicaSets (RollingUpdate or Recreate), keeps revisions and history,
/// reports Kubernetes' status and conditions, and — with `gantry.io/auto-rollback: "true"` — rolls back a
/// version whose pods crash-loop or miss the progress deadline.
public final class DeploymentController: Reconciler, ContextualController, @unchecked Sendable {
    let deployments: Informer<Deployment>
    let replicaSets: Informer<ReplicaSet>
    let pods: Informer<Pod>
    let context: ControllerContext
    public let queue: WorkQueue

    public init(context: ControllerContext, deployments: Informer<Deployment>, replicaSets: Informer<ReplicaSet>, pods: Informer<Pod>) {
        self.context = context
        self.deployments = deployments
        self.replicaSets = replicaSets
        self.pods = pods
        self.queue = WorkQueue(clock: context.clock)
    }

    /// Connects the informers' events to the queue.
    public func register() {
        deployments.addHandler { [queue] e in queue.add(objectKey(e.object)) }
        replicaSets.addHandler { [weak self] e in
            guard let self else { return }
            if case .updated(let old, _) = e, let ref = old.controllerRef, ref.kind == "Deployment", ref.uid != e.object.controllerRef?.uid {
                self.queue.add(objectKey(namespace: old.metadata.namespace, name: ref.name ?? ""))
            }
            self.enqueueOwner(of: e.object)
        }
        pods.addHandler { [weak self] e in
            guard let self, let ref = e.object.controllerRef, ref.kind == "ReplicaSet", let name = ref.name,
                  let rs = self.replicaSets.get(namespace: e.object.metadata.namespace, name: name),
                  let dref = rs.controllerRef, dref.kind == "Deployment", let dname = dref.name else { return }
            // Pods matter to a Deployment for Recreate (old pods gone) and auto-rollback (crash loops).
            switch e {
            case .deleted: break
            case .updated(let old, let new):
                if old.status?.containerStatuses == new.status?.containerStatuses && old.status?.phase == new.status?.phase { return }
            case .added: return
            }
            self.queue.add(objectKey(namespace: e.object.metadata.namespace, name: dname))
        }
    }

    private func enqueueOwner(of rs: ReplicaSet) {
        if let ref = rs.controllerRef {
            if ref.kind == "Deployment" { queue.add(objectKey(namespace: rs.metadata.namespace, name: ref.name ?? "")) }
            return
        }
        for d in deployments.list(namespace: rs.metadata.namespace ?? "default") {
            if let q = try? LabelQuery(d.spec?.selector ?? LabelSelector()), !q.isEmpty, q.matches(rs.metadata.labels ?? [:]) {
                queue.add(objectKey(d))
            }
        }
    }

    public func reconcile(_ key: String) async throws -> ReconcileResult {
        guard let d = deployments.get(key) else { return .done }
        let ns = d.metadata.namespace ?? "default"
        let selector = try? LabelQuery(d.spec?.selector ?? LabelSelector())
        var owned: [ReplicaSet] = []
        for rs in replicaSets.list(namespace: ns, controlledBy: d.metadata.uid, orphans: true) {
            let matches = selector.map { !$0.isEmpty && $0.matches(rs.metadata.labels ?? [:]) } ?? false
            if let ref = rs.controllerRef {
                if ref.uid == d.metadata.uid { owned.append(rs) }
            } else if matches, d.metadata.deletionTimestamp == nil, rs.metadata.deletionTimestamp == nil {
                let patch: JSONValue = ["metadata": ["ownerReferences": try JSONValue.encode((rs.metadata.ownerReferences ?? []) + [d.ownerReference()]),
                                                     "resourceVersion": .string(rs.metadata.resourceVersion ?? "")]]
                _ = try await client.patch(.replicaSets, namespace: ns, name: rs.name, patch)
                return .requeue(after: .zero)
            }
        }
        let uids = Set(owned.compactMap(\.metadata.uid))
        let ownedPods = uids.flatMap { pods.list(namespace: ns, controlledBy: $0) }
        let now = clock.now
        let plan = DeploymentPlan.compute(d, replicaSets: owned, pods: ownedPods, now: now)
        logger.debug("deployment sync", metadata: [
            "deployment": "\(key)", "generation": "\(d.metadata.generation ?? 0)",
            "replicaSets": "\(owned.map { "\($0.name):\($0.spec?.replicas ?? 0)/\($0.status?.availableReplicas ?? 0)" })",
            "actions": "\(plan.actions.map { a -> String in switch a { case .createReplicaSet(let r): return "create \(r.name)"; case .scale(let n, let c): return "scale \(n)=\(c)"; case .annotate(let n, _): return "annotate \(n)"; case .deleteReplicaSet(let n): return "delete \(n)"; case .rollback: return "rollback" } })",
        ])
        for action in plan.actions {
            switch action {
            case .createReplicaSet(let rs):
                try await createReplicaSet(rs, for: d)
                await recorder.record(d, reason: "ScalingReplicaSet", message: "Scaled up replica set \(rs.name) from 0 to \(rs.spec?.replicas ?? 0)")
            case .scale(let name, let replicas):
                guard let rs = owned.first(where: { $0.name == name }) else { continue }
                let (surge, _) = DeploymentPlan.resolveFenceposts(d)
                let patch: JSONValue = [
                    "metadata": ["resourceVersion": .string(rs.metadata.resourceVersion ?? ""),
                                 "annotations": [DeploymentKeys.desiredReplicas: .string(String(d.spec?.replicas ?? 1)),
                                                 DeploymentKeys.maxReplicas: .string(String((d.spec?.replicas ?? 1) + surge))]],
                    "spec": ["replicas": .int(Int64(replicas))],
                ]
                _ = try await client.patch(.replicaSets, namespace: ns, name: name, patch)
                let from = rs.spec?.replicas ?? 0
                await recorder.record(d, reason: "ScalingReplicaSet",
                                      message: "Scaled \(replicas > from ? "up" : "down") replica set \(name) from \(from) to \(replicas)")
            case .annotate(let name, let annotations):
                guard let rs = owned.first(where: { $0.name == name }) else { continue }
                let patch: JSONValue = ["metadata": ["resourceVersion": .string(rs.metadata.resourceVersion ?? ""),
                                                     "annotations": .object(annotations.mapValues { .string($0) })]]
                _ = try await client.patch(.replicaSets, namespace: ns, name: name, patch)
            case .deleteReplicaSet(let name):
                do { try await client.delete(.replicaSets, namespace: ns, name: name) } catch let e as GantryError where e.code == .notFound {}
            case .rollback(let target, let from, let reason, let message):
                try await rollback(d, to: target, fromRevision: from, reason: reason, message: message)
                return .done
            }
        }
        var status = plan.status
        if plan.actions.contains(where: { if case .createReplicaSet = $0 { return true }; return false }) {
            status.conditions?.removeAll { $0.type == "RolledBack" }
        }
        if let revision = (owned.first { TemplateHash.equal($0.spec?.template, d.spec?.template) })?.revision,
           d.metadata.annotations?[DeploymentKeys.revision] != String(revision)
        {
            let patch: JSONValue = ["metadata": ["annotations": [DeploymentKeys.revision: .string(String(revision))],
                                                 "resourceVersion": .string(d.metadata.resourceVersion ?? "")]]
            _ = try await client.patch(.deployments, namespace: ns, name: d.name, patch)
            return .done  // the update brings the Deployment back with a new resourceVersion
        }
        if d.status != status {
            var updated = d
            updated.status = status
            do { _ = try await client.update(updated, subresource: "status") } catch let e as GantryError where e.code == .notFound {}
            if status.conditions?.first(where: { $0.type == "Progressing" })?.reason == "ProgressDeadlineExceeded",
               d.status?.conditions?.first(where: { $0.type == "Progressing" })?.reason != "ProgressDeadlineExceeded" {
                await recorder.record(d, type: "Warning", reason: "ProgressDeadlineExceeded",
                                      message: "Deployment \"\(d.name)\" has timed out progressing.")
            }
        }
        if let after = plan.requeueAfter { return .requeue(after: .milliseconds(Int64(after * 1000))) }
        return .done
    }

    private func createReplicaSet(_ rs: ReplicaSet, for d: Deployment) async throws {
        do {
            _ = try await client.create(rs)
        } catch let e as GantryError where e.code == .alreadyExists {
            let existing = try await client.get(ReplicaSet.self, namespace: rs.metadata.namespace, name: rs.name)
            if existing.controllerRef?.uid == d.metadata.uid, TemplateHash.equal(existing.spec?.template, d.spec?.template) { return }
            // A hash collision: count it, so the next name differs.
            var updated = d
            var status = d.status ?? DeploymentStatus()
            status.collisionCount = (status.collisionCount ?? 0) + 1
            updated.status = status
            _ = try await client.update(updated, subresource: "status")
            throw GantryError(.conflict, "replica set \(rs.name) exists with another template; collisionCount is now \(status.collisionCount ?? 0)")
        }
    }

    private func rollback(_ d: Deployment, to target: ReplicaSet, fromRevision: Int, reason: String, message: String) async throws {
        var updated = d
        updated.spec?.template = TemplateHash.stripped(target.spec?.template)
        let saved = try await client.update(updated)
        // The event first: whoever sees the RolledBack condition finds the event that explains it.
        logger.notice("deployment rolled back", metadata: ["deployment": "\(objectKey(d))", "reason": "\(reason)"])
        await recorder.record(d, type: "Warning", reason: "RolledBack", message: message)
        var status = saved.status ?? DeploymentStatus()
        let ts = Timestamp.format(clock.now)
        var conds = (status.conditions ?? []).filter { $0.type != "RolledBack" && $0.type != "Progressing" }
        conds.append(DeploymentCondition(type: "Progressing", status: "True", lastUpdateTime: ts, lastTransitionTime: ts,
                                         reason: "FoundNewReplicaSet", message: "Found new replica set \"\(target.name)\""))
        conds.append(DeploymentCondition(type: "RolledBack", status: "True", lastUpdateTime: ts, lastTransitionTime: ts,
                                         reason: reason, message: message))
        status.conditions = conds
        var withStatus = saved
        withStatus.status = status
        _ = try? await client.update(withStatus, subresource: "status")
    }
}
