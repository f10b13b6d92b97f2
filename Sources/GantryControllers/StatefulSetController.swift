import Foundation
import GantryAPI
import GantryClient
import Logging
import Synchronization

/// What a StatefulSet sync should do, computed purely from the StatefulSet, its pods and now, with Kubernetes'
/// rules: pods named `<set>-<ordinal>`; OrderedReady creates them one at a time in ordinal order, each once the
/// one before is Running and Ready, and removes them from the highest ordinal down, one at a time; Parallel
/// does both at once. A template change (RollingUpdate) replaces pods from the highest ordinal down to the
/// partition, one at a time and only while every pod is healthy; OnDelete waits for the user to delete them.
public struct StatefulSetPlan: Sendable, Equatable {
    /// Ordinals to create a pod for.
    public var create: [Int] = []
    /// Pods to delete (condemned by a scale-down, failed, or outdated during a rolling update).
    public var delete: [Pod] = []
    public var status = StatefulSetStatus()
    public var requeueAfter: TimeInterval?

    public static let podNameLabel = "statefulset.kubernetes.io/pod-name"
    public static let podIndexLabel = "apps.kubernetes.io/pod-index"
    public static let revisionLabel = "controller-revision-hash"

    /// The revision name of the current template (`<set>-<hash>`), as pods carry it in `controller-revision-hash`.
    public static func revision(_ sts: StatefulSet) -> String {
        "\(sts.name)-\(TemplateHash.of(sts.spec?.template, collisionCount: sts.status?.collisionCount))"
    }

    /// The ordinal of a pod of the set (`web-3` is 3), or nil for a name the set does not give.
    public static func ordinal(_ pod: Pod, of sts: StatefulSet) -> Int? {
        let name = pod.name
        guard name.hasPrefix(sts.name + "-") else { return nil }
        return Int(name.dropFirst(sts.name.count + 1))
    }

    public static func compute(_ sts: StatefulSet, pods: [Pod], now: Date, manage: Bool = true) -> StatefulSetPlan {
        var plan = StatefulSetPlan()
        let spec = sts.spec ?? StatefulSetSpec()
        let replicas = sts.metadata.deletionTimestamp != nil ? 0 : spec.replicas ?? 1
        let start = spec.ordinals?.start ?? 0
        let parallel = spec.podManagementPolicy == "Parallel"
        let minReady = spec.minReadySeconds ?? 0
        let update = revision(sts)
        let current = sts.status?.currentRevision ?? update
        let owned = pods.filter { $0.controllerRef?.uid == sts.metadata.uid }
        var byOrdinal: [Int: Pod] = [:]
        var condemned: [Pod] = []
        for p in owned {
            guard let o = ordinal(p, of: sts) else { continue }
            if o >= start && o < start + replicas { byOrdinal[o] = p } else { condemned.append(p) }
        }
        func healthy(_ p: Pod) -> Bool {
            p.metadata.deletionTimestamp == nil && p.status?.phase == "Running" && PodUtil.isReady(p)
        }
        // Creation and replacement of failed pods, in ordinal order.
        var blocked = false
        for o in start..<(start + replicas) {
            guard let p = byOrdinal[o] else {
                if !blocked { plan.create.append(o) }
                if !parallel { blocked = true }
                continue
            }
            if p.status?.phase == "Failed" || p.status?.phase == "Succeeded" {
                if p.metadata.deletionTimestamp == nil, !blocked { plan.delete.append(p) }
                if !parallel { blocked = true }
                continue
            }
            if !parallel, !healthy(p) { blocked = true }
            if let left = PodUtil.secondsUntilAvailable(p, minReadySeconds: minReady, now: now) {
                plan.requeueAfter = min(plan.requeueAfter ?? left, left)
            }
        }
        // Scale-down: the highest ordinals first; OrderedReady one at a time, once the rest is healthy.
        let live = condemned.filter { $0.metadata.deletionTimestamp == nil }.sorted { (ordinal($0, of: sts) ?? 0) > (ordinal($1, of: sts) ?? 0) }
        let terminating = owned.contains { $0.metadata.deletionTimestamp != nil }
        if parallel {
            plan.delete += live
        } else if let first = live.first, !blocked, !terminating,
                  condemned.filter({ $0.metadata.uid != first.metadata.uid }).allSatisfy(healthy) {
            plan.delete.append(first)
        }
        // Rolling update: from the highest ordinal down to the partition, one pod at a time, all others healthy.
        let all = Array(byOrdinal.values)
        if (spec.updateStrategy?.type ?? "RollingUpdate") == "RollingUpdate", plan.create.isEmpty, plan.delete.isEmpty,
           condemned.isEmpty, all.count == replicas, all.allSatisfy(healthy) {
            let partition = start + (spec.updateStrategy?.rollingUpdate?.partition ?? 0)
            if let outdated = byOrdinal.keys.sorted(by: >).first(where: { o in
                o >= partition && byOrdinal[o]!.metadata.labels?[revisionLabel] != update
            }) {
                plan.delete.append(byOrdinal[outdated]!)
            }
        }
        if !manage {
            plan.create = []
            plan.delete = []
        }
        // Status.
        var s = StatefulSetStatus()
        let counted = owned.filter { $0.metadata.deletionTimestamp == nil }
        s.replicas = counted.count
        s.readyReplicas = counted.filter(PodUtil.isReady).count
        s.availableReplicas = counted.filter { PodUtil.isAvailable($0, minReadySeconds: minReady, now: now) }.count
        let updated = counted.filter { $0.metadata.labels?[revisionLabel] == update }.count
        s.updatedReplicas = updated
        s.updateRevision = update
        // Every pod at the new revision: it becomes the current one.
        let done = updated == replicas && counted.count == replicas
        s.currentRevision = done ? update : current
        s.currentReplicas = done ? updated : counted.filter { $0.metadata.labels?[revisionLabel] == current }.count
        s.observedGeneration = sts.metadata.generation
        s.collisionCount = sts.status?.collisionCount
        s.conditions = sts.status?.conditions
        plan.status = s
        return plan
    }
}

/// Runs the pods of StatefulSets with stable names (`web-0`, `web-1`...), hostnames and DNS subdomains (the
/// governing headless Service), in order, replaces them on a template change, and reports the set's status.
public final class StatefulSetController: Reconciler, ContextualController, @unchecked Sendable {
    let statefulSets: Informer<StatefulSet>
    let pods: Informer<Pod>
    let claims: Informer<PersistentVolumeClaim>?
    let context: ControllerContext
    public let queue: WorkQueue
    let expectations: Expectations
    /// The revisions known to be recorded as the newest ControllerRevision of their set (`ns/set@revision`).
    let recorded = Mutex<Set<String>>([])

    public init(context: ControllerContext, statefulSets: Informer<StatefulSet>, pods: Informer<Pod>,
                claims: Informer<PersistentVolumeClaim>? = nil) {
        self.context = context
        self.statefulSets = statefulSets
        self.pods = pods
        self.claims = claims
        self.queue = WorkQueue(clock: context.clock)
        self.expectations = Expectations(clock: context.clock)
    }

    public func register() {
        expectations.connect(statefulSets, pods: pods, ownerKind: "StatefulSet", to: queue)
    }

    public func reconcile(_ key: String) async throws -> ReconcileResult {
        guard let sts = statefulSets.get(key) else {
            expectations.delete(key)
            return .done
        }
        let ns = sts.metadata.namespace ?? "default"
        if sts.metadata.deletionTimestamp == nil { try await recordRevision(sts, namespace: ns) }
        let plan = StatefulSetPlan.compute(sts, pods: pods.list(namespace: ns, controlledBy: sts.metadata.uid), now: clock.now, manage: expectations.satisfied(key))
        let control = PodControl(client: client, expectations: expectations, recorder: recorder)
        var failure: Error?
        if !plan.create.isEmpty {
            // Each pod's claims come first (volumeClaimTemplates), made once and kept across pod re-creation.
            for o in plan.create { try await ensureClaims(sts, podName: "\(sts.name)-\(o)", namespace: ns) }
        }
        let retention = sts.spec?.persistentVolumeClaimRetentionPolicy
        if retention?["whenScaled"]?.stringValue == "Delete" {
            let replicas = sts.spec?.replicas ?? 1, start = sts.spec?.ordinals?.start ?? 0
            for p in plan.delete {
                guard let o = StatefulSetPlan.ordinal(p, of: sts), o < start || o >= start + replicas else { continue }
                try await handOverClaims(sts, to: p, namespace: ns)  // scaled away: its claims go with it
            }
        }
        if !plan.create.isEmpty {
            let template = sts.spec?.template ?? PodTemplateSpec()
            let revision = StatefulSetPlan.revision(sts)
            let ordinals = plan.create
            let service = sts.spec?.serviceName
            // RollingUpdate with a partition: a pod below it that is re-created keeps the current revision.
            let rolling = (sts.spec?.updateStrategy?.type ?? "RollingUpdate") == "RollingUpdate"
            let below = (sts.spec?.ordinals?.start ?? 0) + (sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0)
            var found: (String, PodTemplateSpec)?
            if rolling, let current = sts.status?.currentRevision, !current.isEmpty, current != revision,
               ordinals.contains(where: { $0 < below }) {
                found = try await revisionTemplate(current, namespace: ns).map { (current, $0) }
            }
            let kept = found
            failure = await control.createRecorded(sts, count: ordinals.count, namespace: ns, key: key) { i in
                let name = "\(sts.name)-\(ordinals[i])"
                let (revision, template) = ordinals[i] < below ? kept ?? (revision, template) : (revision, template)
                var pod = try PodTemplates.pod(from: template, generateName: sts.name + "-", owner: sts,
                                               extraLabels: [StatefulSetPlan.revisionLabel: revision,
                                                             StatefulSetPlan.podNameLabel: name,
                                                             StatefulSetPlan.podIndexLabel: String(ordinals[i])])
                pod[path: ["metadata", "generateName"]] = nil
                pod[path: ["metadata", "name"]] = .string(name)
                pod[path: ["spec", "hostname"]] = .string(name)
                if let service, !service.isEmpty { pod[path: ["spec", "subdomain"]] = .string(service) }
                // The claim templates' volumes, each the pod's own claim.
                var volumes = (pod[path: ["spec", "volumes"]]?.arrayValue ?? [])
                for t in sts.spec?.volumeClaimTemplates ?? [] {
                    guard let vname = t[path: ["metadata", "name"]]?.stringValue else { continue }
                    volumes.removeAll { $0["name"]?.stringValue == vname }
                    volumes.append(["name": .string(vname), "persistentVolumeClaim": ["claimName": .string("\(vname)-\(name)")]])
                }
                if !volumes.isEmpty { pod[path: ["spec", "volumes"]] = .array(volumes) }
                return pod
            }
        }
        failure = await control.deleteRecorded(sts, plan.delete, key: key) ?? failure
        try await client.writeStatus(sts, \.status, plan.status)
        return try .finishing(failure, requeueAfter: plan.requeueAfter)
    }

    /// The pod template a recorded ControllerRevision holds (nil if it is gone).
    func revisionTemplate(_ name: String, namespace ns: String) async throws -> PodTemplateSpec? {
        let cr: JSONValue
        do {
            cr = try await client.get(.controllerRevisions, namespace: ns, name: name)
        } catch let e as GantryError where e.code == .notFound {
            return nil
        }
        guard var t = cr[path: ["data", "spec", "template"]] else { return nil }
        t["$patch"] = nil
        return try? t.decode(PodTemplateSpec.self)
    }

    /// Makes the claims of one pod from the set's volumeClaimTemplates (`<template>-<pod>`), labelled with the
    /// set's selector; with `whenDeleted: Delete` they are owned by the set, so deleting it deletes them.
    func ensureClaims(_ sts: StatefulSet, podName: String, namespace ns: String) async throws {
        let ownedBySet = sts.spec?.persistentVolumeClaimRetentionPolicy?["whenDeleted"]?.stringValue == "Delete"
        for t in sts.spec?.volumeClaimTemplates ?? [] {
            guard let vname = t[path: ["metadata", "name"]]?.stringValue else { continue }
            let name = "\(vname)-\(podName)"
            if claims?.get(namespace: ns, name: name) != nil { continue }
            var claim = t
            claim["apiVersion"] = "v1"
            claim["kind"] = "PersistentVolumeClaim"
            claim["status"] = nil
            var meta: JSONValue = ["name": .string(name), "namespace": .string(ns)]
            var labels = t[path: ["metadata", "labels"]]?.objectValue ?? [:]
            for (k, v) in sts.spec?.selector?.matchLabels ?? [:] { labels[k] = .string(v) }
            if !labels.isEmpty { meta["labels"] = .object(labels) }
            if let a = t[path: ["metadata", "annotations"]] { meta["annotations"] = a }
            if ownedBySet {
                var ref = try JSONValue.encode(sts.ownerReference(controller: true))
                ref["blockOwnerDeletion"] = true
                meta["ownerReferences"] = [ref]
            }
            claim["metadata"] = meta
            do {
                _ = try await client.create(.persistentVolumeClaims, namespace: ns, claim)
            } catch let e as GantryError where e.code == .alreadyExists {}
        }
    }

    /// `whenScaled: Delete`: the claims of a pod removed by a scale-down get the pod as owner, so they go with it.
    func handOverClaims(_ sts: StatefulSet, to pod: Pod, namespace ns: String) async throws {
        for t in sts.spec?.volumeClaimTemplates ?? [] {
            guard let vname = t[path: ["metadata", "name"]]?.stringValue,
                  let claim = claims?.get(namespace: ns, name: "\(vname)-\(pod.name)"),
                  !(claim.metadata.ownerReferences ?? []).contains(where: { $0.uid == pod.metadata.uid }) else { continue }
            var ref = pod.ownerReference(controller: false)
            ref.blockOwnerDeletion = true
            var updated = claim
            updated.metadata.ownerReferences = (claim.metadata.ownerReferences ?? []).filter { $0.uid != sts.metadata.uid } + [ref]
            _ = try? await client.update(updated)
        }
    }

    /// Records the set's current template as its newest ControllerRevision, as Kubernetes does (`data` is the
    /// strategic merge patch that restores the template, which `kubectl rollout undo` applies; `revision` counts
    /// up, and a template seen before gets its old revision renumbered to the newest), and trims the history to
    /// `revisionHistoryLimit`, keeping the revisions pods still run.
    func recordRevision(_ sts: StatefulSet, namespace ns: String) async throws {
        let name = StatefulSetPlan.revision(sts)
        let marker = "\(ns)/\(sts.name)@\(name)"
        if recorded.withLock({ $0.contains(marker) }) { return }
        let selector = sts.spec?.selector.flatMap { try? LabelQuery($0) }?.description ?? ""
        let listed = try await client.list(.controllerRevisions, namespace: ns, labelSelector: selector.isEmpty ? nil : selector)
        let owned = (listed["items"]?.arrayValue ?? []).filter {
            ($0[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).contains {
                $0["uid"]?.stringValue == sts.metadata.uid && $0["controller"]?.boolValue == true
            }
        }
        let newest = owned.compactMap { $0["revision"]?.intValue }.max() ?? 0
        if let mine = owned.first(where: { $0[path: ["metadata", "name"]]?.stringValue == name }) {
            if (mine["revision"]?.intValue ?? 0) < newest {
                _ = try await client.patch(.controllerRevisions, namespace: ns, name: name, ["revision": .int(newest + 1)])
            }
        } else {
            var template = try JSONValue.encode(sts.spec?.template ?? PodTemplateSpec())
            template["$patch"] = "replace"
            var meta = ObjectMeta(name: name, namespace: ns)
            meta.labels = (sts.spec?.template?.metadata?.labels ?? [:]).merging([StatefulSetPlan.revisionLabel: name]) { _, b in b }
            meta.ownerReferences = [sts.ownerReference()]
            var body: JSONValue = ["apiVersion": "apps/v1", "kind": "ControllerRevision", "revision": .int(newest + 1),
                                   "data": ["spec": ["template": template]]]
            body["metadata"] = try JSONValue.encode(meta)
            do {
                _ = try await client.create(.controllerRevisions, namespace: ns, body)
            } catch let e as GantryError where e.code == .alreadyExists {
                return  // another sync recorded it; the next one renumbers if needed
            }
        }
        // History beyond the limit goes, oldest first, except what pods still run.
        let limit = sts.spec?.revisionHistoryLimit ?? 10
        let live = Set(pods.list(namespace: ns, controlledBy: sts.metadata.uid).filter { $0.controllerRef?.uid == sts.metadata.uid }
            .compactMap { $0.metadata.labels?[StatefulSetPlan.revisionLabel] } + [sts.status?.currentRevision ?? "", name])
        let old = owned.filter { !live.contains($0[path: ["metadata", "name"]]?.stringValue ?? "") }
            .sorted { ($0["revision"]?.intValue ?? 0) < ($1["revision"]?.intValue ?? 0) }
        for r in old.prefix(max(0, old.count - limit)) {
            try? await client.delete(.controllerRevisions, namespace: ns, name: r[path: ["metadata", "name"]]?.stringValue ?? "")
        }
        recorded.withLock { $0 = $0.filter { !$0.hasPrefix("\(ns)/\(sts.name)@") }; $0.insert(marker) }
    }
}
