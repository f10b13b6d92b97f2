import Foundation
import GantryAPI

/// Deployment annotations and labels, as Kubernetes spells them.
public enum DeploymentKeys {
    public static let revision = "deployment.kubernetes.io/revision"
    public static let revisionHistory = "deployment.kubernetes.io/revision-history"
    public static let desiredReplicas = "deployment.kubernetes.io/desired-replicas"
    public static let maxReplicas = "deployment.kubernetes.io/max-replicas"
    public static let changeCause = "kubernetes.io/change-cause"
    public static let podTemplateHash = "pod-template-hash"
    /// Gantry: roll back by itself when a new version does not become healthy.
    public static let autoRollback = "gantry.io/auto-rollback"
    /// Gantry: set on a ReplicaSet once a rollout to it completed (a known-good revision).
    public static let available = "gantry.io/available"
}

/// Pod-template hashing and comparison.
public enum TemplateHash {
    /// The `pod-template-hash` of a template: FNV-1a (32 bit) over its canonical JSON and the collision
    /// count, written with Kubernetes' safe alphabet (no vowels, so no words).
    public static func of(_ template: PodTemplateSpec?, collisionCount: Int?) -> String {
        var t = template ?? PodTemplateSpec()
        t.metadata?.labels?[DeploymentKeys.podTemplateHash] = nil
        var bytes = [UInt8]()
        ((try? JSONValue.encode(t)) ?? .null).write(into: &bytes)
        if let c = collisionCount { bytes += Array(String(c).utf8) }
        var h: UInt32 = 2_166_136_261
        for b in bytes { h = (h ^ UInt32(b)) &* 16_777_619 }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(String(h).utf8.map { alphabet[Int($0) % alphabet.count] })
    }

    /// True if the templates are equal apart from the `pod-template-hash` label.
    public static func equal(_ a: PodTemplateSpec?, _ b: PodTemplateSpec?) -> Bool {
        func strip(_ t: PodTemplateSpec?) -> JSONValue {
            var t = t ?? PodTemplateSpec()
            t.metadata?.labels?[DeploymentKeys.podTemplateHash] = nil
            if t.metadata?.labels?.isEmpty == true { t.metadata?.labels = nil }
            return (try? JSONValue.encode(t)) ?? .null
        }
        return strip(a) == strip(b)
    }

    /// The template without the `pod-template-hash` label (what a Deployment holds).
    public static func stripped(_ t: PodTemplateSpec?) -> PodTemplateSpec? {
        var t = t
        t?.metadata?.labels?[DeploymentKeys.podTemplateHash] = nil
        return t
    }
}

extension ReplicaSet {
    /// The `deployment.kubernetes.io/revision` annotation as a number (0 if absent).
    public var revision: Int { Int(metadata.annotations?[DeploymentKeys.revision] ?? "") ?? 0 }
    var specReplicas: Int { spec?.replicas ?? 0 }
    var availableReplicas: Int { status?.availableReplicas ?? 0 }
}

/// One step of a Deployment sync.
public enum DeploymentAction: Sendable, Equatable {
    /// Create this ReplicaSet (the new revision).
    case createReplicaSet(ReplicaSet)
    /// Set a ReplicaSet's replicas (and the desired/max annotations with it).
    case scale(name: String, replicas: Int)
    /// Merge these annotations into a ReplicaSet.
    case annotate(name: String, annotations: [String: String])
    /// Delete an old ReplicaSet beyond revisionHistoryLimit.
    case deleteReplicaSet(name: String)
    /// Auto-rollback: put this template back into the Deployment.
    case rollback(to: ReplicaSet, fromRevision: Int, reason: String, message: String)
}

/// What a Deployment sync should do, computed purely from the Deployment, its ReplicaSets, the new
/// ReplicaSet's pods and now — Kubernetes' deployment controller logic for RollingUpdate and Recreate.
public struct DeploymentPlan: Sendable, Equatable {
    public var actions: [DeploymentAction] = []
    /// The status to write.
    public var status = DeploymentStatus()
    /// When to look again (the progress deadline, or minReadySeconds).
    public var requeueAfter: TimeInterval?

    /// maxSurge and maxUnavailable as numbers for `replicas` (surge rounds up, unavailable down; both zero → 1 unavailable).
    public static func resolveFenceposts(_ d: Deployment) -> (surge: Int, unavailable: Int) {
        let replicas = d.spec?.replicas ?? 1
        let ru = d.spec?.strategy?.rollingUpdate
        let surge = (try? (ru?.maxSurge ?? .string("25%")).scaledValue(total: replicas, roundUp: true)) ?? 1
        var unavailable = (try? (ru?.maxUnavailable ?? .string("25%")).scaledValue(total: replicas, roundUp: false)) ?? 0
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (surge, min(unavailable, replicas))
    }

    /// Computes the next steps and the status.
    /// - Parameters:
    ///   - replicaSets: the ReplicaSets the Deployment owns.
    ///   - pods: the active pods owned by those ReplicaSets.
    public static func compute(_ d: Deployment, replicaSets: [ReplicaSet], pods: [Pod], now: Date) -> DeploymentPlan {
        var plan = DeploymentPlan()
        let replicas = d.spec?.replicas ?? 1
        let template = d.spec?.template
        let newRS = replicaSets.filter { TemplateHash.equal($0.spec?.template, template) }
            .sorted { ($0.metadata.creationTimestamp ?? "") < ($1.metadata.creationTimestamp ?? "") }.first
        var olds = replicaSets.filter { $0.metadata.uid != newRS?.metadata.uid }
            .sorted { ($0.revision, $0.metadata.creationTimestamp ?? "") < ($1.revision, $1.metadata.creationTimestamp ?? "") }
        let maxOldRevision = olds.map(\.revision).max() ?? 0
        let paused = d.spec?.paused == true
        let deleting = d.metadata.deletionTimestamp != nil
        let recreate = d.spec?.strategy?.type == "Recreate"
        let (surge, maxUnavailable) = resolveFenceposts(d)
        var newReplicaSet = newRS
        var progressReason: (String, String)? = nil

        if !deleting {
            // The new ReplicaSet: create it, or bring its revision to the front (a rollback re-uses an old one).
            if var rs = newReplicaSet {
                var ann: [String: String] = [:]
                if rs.revision <= maxOldRevision {
                    ann[DeploymentKeys.revision] = String(maxOldRevision + 1)
                    let history = (rs.metadata.annotations?[DeploymentKeys.revisionHistory].map { $0 + "," } ?? "") + String(rs.revision)
                    ann[DeploymentKeys.revisionHistory] = history
                }
                if let cause = d.metadata.annotations?[DeploymentKeys.changeCause], rs.metadata.annotations?[DeploymentKeys.changeCause] != cause {
                    ann[DeploymentKeys.changeCause] = cause
                }
                if !ann.isEmpty {
                    plan.actions.append(.annotate(name: rs.name, annotations: ann))
                    rs.metadata.annotations = (rs.metadata.annotations ?? [:]).merging(ann) { _, b in b }
                    newReplicaSet = rs
                }
            } else if !paused {
                let oldPods = olds.reduce(0) { $0 + $1.specReplicas }
                let initial: Int
                if recreate {
                    initial = 0
                } else {
                    let total = oldPods
                    initial = max(0, min(replicas + surge - total, replicas))
                }
                let rs = makeReplicaSet(d, revision: maxOldRevision + 1, replicas: initial, surge: surge)
                plan.actions.append(.createReplicaSet(rs))
                newReplicaSet = rs
                progressReason = ("NewReplicaSetCreated", "Created new replica set \"\(rs.name)\"")
            }

            // Auto-rollback of a version that does not become healthy.
            if d.metadata.annotations?[DeploymentKeys.autoRollback] == "true", let rs = newReplicaSet, newRS != nil, !paused,
               let failure = rolloutFailure(d, newRS: rs, pods: pods, now: now),
               let target = olds.filter({ $0.metadata.annotations?[DeploymentKeys.available] == "true" }).last
                ?? olds.filter({ $0.availableReplicas > 0 }).last
            {
                plan.actions.append(.rollback(to: target, fromRevision: rs.revision, reason: failure.0,
                                              message: "Rolled back from revision \(rs.revision) to revision \(target.revision): \(failure.1)"))
                plan.status = status(d, newRS: newReplicaSet, olds: olds, replicas: replicas, maxUnavailable: maxUnavailable,
                                     now: now, progress: nil)
                return plan
            }

            if paused {
                // Paused: no rollout progress; keep the total at spec.replicas on the newest ReplicaSet.
                if let rs = newReplicaSet, olds.allSatisfy({ $0.specReplicas == 0 }), rs.specReplicas != replicas {
                    plan.actions.append(.scale(name: rs.name, replicas: replicas))
                }
            } else if recreate {
                let oldActive = pods.filter { $0.controllerRef?.uid != newReplicaSet?.metadata.uid && PodUtil.isActive($0) }
                var scaledDown = false
                for (i, rs) in olds.enumerated() where rs.specReplicas > 0 {
                    plan.actions.append(.scale(name: rs.name, replicas: 0))
                    olds[i].spec?.replicas = 0
                    scaledDown = true
                }
                let oldRunning = oldActive.contains { p in olds.contains { $0.metadata.uid == p.controllerRef?.uid } }
                    || olds.contains { ($0.status?.replicas ?? 0) > 0 }
                if !scaledDown, !oldRunning, let rs = newReplicaSet, rs.specReplicas != replicas {
                    plan.actions.append(.scale(name: rs.name, replicas: replicas))
                    newReplicaSet?.spec?.replicas = replicas
                }
            } else if let rs = newReplicaSet {
                // RollingUpdate: scale the new ReplicaSet up within maxSurge…
                let current = olds.reduce(rs.specReplicas) { $0 + $1.specReplicas }
                var newCount = rs.specReplicas
                if rs.specReplicas > replicas {
                    newCount = replicas
                } else if rs.specReplicas < replicas, current < replicas + surge {
                    newCount = rs.specReplicas + min(replicas + surge - current, replicas - rs.specReplicas)
                }
                if newCount != rs.specReplicas, newRS != nil {
                    plan.actions.append(.scale(name: rs.name, replicas: newCount))
                    newReplicaSet?.spec?.replicas = newCount
                }
                // …and the old ones down while at least replicas - maxUnavailable stay available.
                let all = olds.reduce(newCount) { $0 + $1.specReplicas }
                let minAvailable = replicas - maxUnavailable
                let newUnavailable = max(0, newCount - (newRS?.availableReplicas ?? 0))
                var canScaleDown = all - minAvailable - newUnavailable
                if canScaleDown > 0 {
                    // First the old pods that are not available anyway.
                    for i in olds.indices where canScaleDown > 0 {
                        let unhealthy = olds[i].specReplicas - olds[i].availableReplicas
                        guard unhealthy > 0 else { continue }
                        let n = min(unhealthy, canScaleDown)
                        let left = olds[i].specReplicas - n
                        olds[i].spec?.replicas = left
                        canScaleDown -= n
                    }
                    // Then available ones, oldest first, keeping minAvailable.
                    let available = olds.reduce(newRS?.availableReplicas ?? 0) { $0 + min($1.availableReplicas, $1.specReplicas) }
                    var more = min(available - minAvailable, canScaleDown)
                    for i in olds.indices where more > 0 && olds[i].specReplicas > 0 {
                        let n = min(olds[i].specReplicas, more)
                        let left = olds[i].specReplicas - n
                        olds[i].spec?.replicas = left
                        more -= n
                    }
                    for rs in olds {
                        let before = replicaSets.first { $0.metadata.uid == rs.metadata.uid }?.specReplicas ?? 0
                        if rs.specReplicas != before { plan.actions.append(.scale(name: rs.name, replicas: rs.specReplicas)) }
                    }
                }
            }

            // A finished rollout: mark the revision good, and trim the history.
            if let rs = newReplicaSet, newRS != nil, !paused, complete(d, newRS: rs, olds: olds) {
                if rs.metadata.annotations?[DeploymentKeys.available] != "true" {
                    plan.actions.append(.annotate(name: rs.name, annotations: [DeploymentKeys.available: "true"]))
                }
                let limit = d.spec?.revisionHistoryLimit ?? 10
                let idle = olds.filter { $0.specReplicas == 0 && ($0.status?.replicas ?? 0) == 0 && $0.metadata.deletionTimestamp == nil }
                if idle.count > limit {
                    for rs in idle.prefix(idle.count - limit) { plan.actions.append(.deleteReplicaSet(name: rs.name)) }
                }
            }
            if progressReason == nil, newRS != nil, let rs = newReplicaSet,
               d.status?.conditions?.first(where: { $0.type == "Progressing" }) == nil {
                progressReason = ("FoundNewReplicaSet", "Found new replica set \"\(rs.name)\"")
            }
        }
        plan.status = status(d, newRS: newReplicaSet, olds: olds, replicas: replicas, maxUnavailable: maxUnavailable,
                             now: now, progress: progressReason)
        if let deadline = d.spec?.progressDeadlineSeconds, !paused,
           let p = plan.status.conditions?.first(where: { $0.type == "Progressing" }), p.status == "True",
           p.reason != "NewReplicaSetAvailable", let since = Timestamp.parse(p.lastUpdateTime)
        {
            plan.requeueAfter = max(0.1, since.addingTimeInterval(TimeInterval(deadline)).timeIntervalSince(now) + 0.1)
        }
        return plan
    }

    /// The ReplicaSet for a new revision of `d`.
    static func makeReplicaSet(_ d: Deployment, revision: Int, replicas: Int, surge: Int) -> ReplicaSet {
        let hash = TemplateHash.of(d.spec?.template, collisionCount: d.status?.collisionCount)
        var template = d.spec?.template ?? PodTemplateSpec()
        var templateMeta = template.metadata ?? ObjectMeta()
        templateMeta.labels = (templateMeta.labels ?? [:]).merging([DeploymentKeys.podTemplateHash: hash]) { _, b in b }
        template.metadata = templateMeta
        var selector = d.spec?.selector ?? LabelSelector()
        selector.matchLabels = (selector.matchLabels ?? [:]).merging([DeploymentKeys.podTemplateHash: hash]) { _, b in b }
        var annotations: [String: String] = [
            DeploymentKeys.revision: String(revision),
            DeploymentKeys.desiredReplicas: String(d.spec?.replicas ?? 1),
            DeploymentKeys.maxReplicas: String((d.spec?.replicas ?? 1) + surge),
        ]
        if let cause = d.metadata.annotations?[DeploymentKeys.changeCause] { annotations[DeploymentKeys.changeCause] = cause }
        let meta = ObjectMeta(name: "\(d.name)-\(hash)", namespace: d.metadata.namespace,
                              labels: template.metadata?.labels, annotations: annotations,
                              ownerReferences: [d.ownerReference()])
        return ReplicaSet(metadata: meta, spec: ReplicaSetSpec(replicas: replicas, minReadySeconds: d.spec?.minReadySeconds,
                                                               selector: selector, template: template))
    }

    /// All replicas are updated, available, and no old pods remain.
    static func complete(_ d: Deployment, newRS: ReplicaSet, olds: [ReplicaSet]) -> Bool {
        let replicas = d.spec?.replicas ?? 1
        return newRS.specReplicas == replicas && (newRS.status?.replicas ?? 0) == replicas
            && newRS.availableReplicas >= replicas && newRS.status?.observedGeneration == newRS.metadata.generation
            && olds.allSatisfy { $0.specReplicas == 0 && ($0.status?.replicas ?? 0) == 0 }
    }

    /// Why the rollout to `newRS` failed, if it did: crash-looping pods, or the progress deadline passed.
    static func rolloutFailure(_ d: Deployment, newRS: ReplicaSet, pods: [Pod], now: Date) -> (String, String)? {
        if let p = d.status?.conditions?.first(where: { $0.type == "Progressing" }), p.status == "False",
           p.reason == "ProgressDeadlineExceeded", p.message?.contains("\"\(newRS.name)\"") == true {
            return ("ProgressDeadlineExceeded", "replica set \"\(newRS.name)\" did not progress within \(d.spec?.progressDeadlineSeconds ?? 600)s")
        }
        for p in pods where p.controllerRef?.uid == newRS.metadata.uid && PodUtil.isActive(p) {
            if let why = PodUtil.crashLooping(p) { return ("CrashLoopBackOff", "pod \(p.name) of replica set \"\(newRS.name)\": \(why)") }
        }
        for p in pods where p.controllerRef?.uid == newRS.metadata.uid && p.status?.phase == "Failed" {
            return ("PodFailed", "pod \(p.name) of replica set \"\(newRS.name)\" failed")
        }
        return nil
    }

    /// The Deployment status with Kubernetes' Available and Progressing conditions.
    static func status(_ d: Deployment, newRS: ReplicaSet?, olds: [ReplicaSet], replicas: Int, maxUnavailable: Int,
                       now: Date, progress: (String, String)?) -> DeploymentStatus
    {
        let all = olds + (newRS.map { [$0] } ?? [])
        var s = DeploymentStatus()
        s.observedGeneration = d.metadata.generation
        s.replicas = all.reduce(0) { $0 + ($1.status?.replicas ?? 0) }
        s.updatedReplicas = newRS?.status?.replicas ?? 0
        s.readyReplicas = all.reduce(0) { $0 + ($1.status?.readyReplicas ?? 0) }
        s.availableReplicas = all.reduce(0) { $0 + ($1.status?.availableReplicas ?? 0) }
        s.unavailableReplicas = max(0, (s.replicas ?? 0) - (s.availableReplicas ?? 0))
        let terminating = all.reduce(0) { $0 + ($1.status?.terminatingReplicas ?? 0) }
        s.terminatingReplicas = terminating > 0 ? terminating : nil
        s.collisionCount = d.status?.collisionCount
        let ts = Timestamp.format(now)
        var conds = (d.status?.conditions ?? []).filter { $0.type != "Available" && $0.type != "Progressing" }
        let old = d.status?.conditions ?? []
        func cond(_ type: String, _ status: String, _ reason: String, _ message: String, touch: Bool) -> DeploymentCondition {
            let prev = old.first { $0.type == type }
            let transition = prev?.status == status ? (prev?.lastTransitionTime ?? ts) : ts
            let update = touch || prev?.status != status || prev?.reason != reason ? ts : (prev?.lastUpdateTime ?? ts)
            return DeploymentCondition(type: type, status: status, lastUpdateTime: update, lastTransitionTime: transition,
                                       reason: reason, message: message)
        }
        if (s.availableReplicas ?? 0) >= replicas - maxUnavailable {
            conds.insert(cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", touch: false), at: 0)
        } else {
            conds.insert(cond("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", touch: false), at: 0)
        }
        let prevProgress = old.first { $0.type == "Progressing" }
        let name = newRS?.name ?? d.name
        let progressing: DeploymentCondition
        if d.spec?.paused == true {
            progressing = cond("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", touch: false)
        } else if let rs = newRS, complete(d, newRS: rs, olds: olds) {
            let same = prevProgress?.reason == "NewReplicaSetAvailable"
            progressing = cond("Progressing", "True", "NewReplicaSetAvailable", "ReplicaSet \"\(rs.name)\" has successfully progressed.", touch: !same)
        } else if let (reason, message) = progress {
            progressing = cond("Progressing", "True", reason, message, touch: true)
        } else if prevProgress?.reason == "DeploymentPaused" {
            progressing = cond("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed", touch: true)
        } else if hasProgressed(d.status, s) {
            progressing = cond("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"\(name)\" is progressing.", touch: true)
        } else if let deadline = d.spec?.progressDeadlineSeconds, let prev = prevProgress, prev.status == "True",
                  let since = Timestamp.parse(prev.lastUpdateTime), since.addingTimeInterval(TimeInterval(deadline)) <= now
        {
            progressing = cond("Progressing", "False", "ProgressDeadlineExceeded", "ReplicaSet \"\(name)\" has timed out progressing.", touch: true)
        } else if let prev = prevProgress {
            progressing = prev
        } else {
            progressing = cond("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"\(name)\" is progressing.", touch: true)
        }
        conds.insert(progressing, at: 1)
        s.conditions = conds
        return s
    }

    /// More pods are updated, ready or available than before (the rollout moved).
    static func hasProgressed(_ old: DeploymentStatus?, _ new: DeploymentStatus) -> Bool {
        guard let old else { return true }
        return (new.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || (new.readyReplicas ?? 0) > (old.readyReplicas ?? 0)
            || (new.availableReplicas ?? 0) > (old.availableReplicas ?? 0) || (new.replicas ?? 0) < (old.replicas ?? 0)
    }
}
