import Foundation
import GantryAPI
import Testing

@testable import GantryControllers

func deployment(replicas: Int, image: String = "v1", surge: IntOrString = .string("25%"), unavailable: IntOrString = .string("25%"),
                strategy: String = "RollingUpdate") -> Deployment
{
    var d = Deployment(metadata: ObjectMeta(name: "web", namespace: "default", uid: "uid-d", generation: 1))
    d.spec = DeploymentSpec(replicas: replicas, selector: LabelSelector(matchLabels: ["app": "web"]),
                            template: PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "web"]),
                                                      spec: PodSpec(containers: [Container(name: "app", image: image)])),
                            strategy: DeploymentStrategy(type: strategy, rollingUpdate: strategy == "Recreate" ? nil :
                                RollingUpdateDeployment(maxUnavailable: unavailable, maxSurge: surge)),
                            revisionHistoryLimit: 2, progressDeadlineSeconds: 600)
    return d
}

/// A toy cluster for the deployment plan: ReplicaSets whose pods become available one step after they are asked for.
struct Sim {
    var d: Deployment
    var sets: [ReplicaSet] = []
    var created = 0
    var minAvailableSeen = Int.max
    var maxTotalSeen = 0

    mutating func step(now: Date) -> DeploymentPlan {
        let plan = DeploymentPlan.compute(d, replicaSets: sets, pods: [], now: now)
        for a in plan.actions {
            switch a {
            case .createReplicaSet(var rs):
                created += 1
                rs.metadata.uid = "uid-rs-\(created)"
                rs.metadata.generation = 1
                rs.metadata.creationTimestamp = Timestamp.format(now + Double(created))
                sets.append(rs)
            case .scale(let name, let n):
                let i = sets.firstIndex { $0.name == name }!
                sets[i].spec?.replicas = n
            case .annotate(let name, let ann):
                let i = sets.firstIndex { $0.name == name }!
                sets[i].metadata.annotations = (sets[i].metadata.annotations ?? [:]).merging(ann) { _, b in b }
            case .deleteReplicaSet(let name): sets.removeAll { $0.name == name }
            case .rollback: Issue.record("unexpected rollback")
            }
        }
        d.status = plan.status
        // Pods: an RS's pods are created or removed at once; new ones become available at the next step.
        for i in sets.indices {
            let want = sets[i].spec?.replicas ?? 0
            let had = sets[i].status?.replicas ?? 0
            let avail = min(sets[i].status?.availableReplicas ?? 0, want)
            sets[i].status = ReplicaSetStatus(replicas: want, readyReplicas: max(avail, min(had, want)),
                                              availableReplicas: max(avail, min(had, want)), observedGeneration: 1)
        }
        let total = sets.reduce(0) { $0 + ($1.status?.replicas ?? 0) }
        let available = sets.reduce(0) { $0 + ($1.status?.availableReplicas ?? 0) }
        maxTotalSeen = max(maxTotalSeen, total)
        if created > 1 { minAvailableSeen = min(minAvailableSeen, available) }
        return plan
    }

    var newSet: ReplicaSet? { sets.first { TemplateHash.equal($0.spec?.template, d.spec?.template) } }
}

@Suite("Deployment plan")
struct DeploymentPlanTests {
    @Test func firstRolloutCreatesRevisionOne() {
        let plan = DeploymentPlan.compute(deployment(replicas: 5), replicaSets: [], pods: [], now: t0)
        guard case .createReplicaSet(let rs) = plan.actions.first else { Issue.record("no ReplicaSet created"); return }
        #expect(rs.spec?.replicas == 5)
        #expect(rs.revision == 1)
        let hash = rs.metadata.labels?["pod-template-hash"]
        #expect(hash != nil && rs.name == "web-\(hash!)")
        #expect(rs.spec?.selector?.matchLabels?["pod-template-hash"] == hash)
        #expect(rs.spec?.template?.metadata?.labels?["pod-template-hash"] == hash)
        #expect(rs.controllerRef?.uid == "uid-d")
        #expect(plan.status.conditions?.first { $0.type == "Progressing" }?.reason == "NewReplicaSetCreated")
    }

    @Test(arguments: [(IntOrString.int(0), IntOrString.int(1)), (.string("25%"), .string("25%")), (.int(3), .int(0))])
    func rollingUpdateKeepsWithinSurgeAndUnavailable(unavailable: IntOrString, surge: IntOrString) {
        var sim = Sim(d: deployment(replicas: 10, surge: surge, unavailable: unavailable))
        for i in 0..<10 { _ = sim.step(now: t0 + Double(i)) }
        #expect(sim.sets.count == 1)
        sim.d.spec?.template?.spec?.containers?[0].image = "v2"
        sim.d.metadata.generation = 2
        var steps = 0
        while steps < 60 {
            _ = sim.step(now: t0 + 100 + Double(steps))
            steps += 1
            if let n = sim.newSet, n.spec?.replicas == 10, n.status?.availableReplicas == 10,
               sim.sets.allSatisfy({ $0.metadata.uid == n.metadata.uid || $0.spec?.replicas == 0 }) { break }
        }
        #expect(steps < 60, "rollout did not finish")
        let (s, u) = DeploymentPlan.resolveFenceposts(sim.d)
        #expect(sim.minAvailableSeen >= 10 - u)
        #expect(sim.maxTotalSeen <= 10 + s)
        #expect(sim.newSet?.revision == 2)
        _ = sim.step(now: t0 + 200)
        let p = sim.step(now: t0 + 201)
        #expect(p.status.conditions?.first { $0.type == "Progressing" }?.reason == "NewReplicaSetAvailable")
        #expect(p.status.updatedReplicas == 10)
        #expect(sim.newSet?.metadata.annotations?[DeploymentKeys.available] == "true")
    }

    @Test func recreateScalesOldToZeroBeforeNew() {
        var sim = Sim(d: deployment(replicas: 3, strategy: "Recreate"))
        for i in 0..<5 { _ = sim.step(now: t0 + Double(i)) }
        sim.d.spec?.template?.spec?.containers?[0].image = "v2"
        let p = sim.step(now: t0 + 10)
        #expect(p.actions.contains { if case .createReplicaSet(let rs) = $0 { return rs.spec?.replicas == 0 }; return false })
        #expect(p.actions.contains(.scale(name: sim.sets[0].name, replicas: 0)))
        for i in 0..<5 { _ = sim.step(now: t0 + 11 + Double(i)) }
        #expect(sim.newSet?.spec?.replicas == 3)
        #expect(sim.maxTotalSeen <= 3)
    }

    @Test func undoReusesTheOldReplicaSetWithANewRevision() {
        var sim = Sim(d: deployment(replicas: 2))
        for i in 0..<4 { _ = sim.step(now: t0 + Double(i)) }
        let v1 = sim.sets[0].name
        sim.d.spec?.template?.spec?.containers?[0].image = "v2"
        for i in 0..<8 { _ = sim.step(now: t0 + 10 + Double(i)) }
        sim.d.spec?.template?.spec?.containers?[0].image = "v1"
        for i in 0..<8 { _ = sim.step(now: t0 + 30 + Double(i)) }
        #expect(sim.newSet?.name == v1)
        #expect(sim.newSet?.revision == 3)
        #expect(sim.newSet?.metadata.annotations?[DeploymentKeys.revisionHistory] == "1")
        #expect(sim.sets.count == 2)
    }

    @Test func historyIsTrimmedToTheLimit() {
        var sim = Sim(d: deployment(replicas: 1))
        for v in 1...5 {
            sim.d.spec?.template?.spec?.containers?[0].image = "v\(v)"
            for i in 0..<6 { _ = sim.step(now: t0 + Double(v * 10 + i)) }
        }
        #expect(sim.sets.count == 3)  // the current one and revisionHistoryLimit (2) old ones
        #expect(sim.sets.map(\.revision).sorted() == [3, 4, 5])
    }

    @Test func autoRollbackOfACrashLoopingVersion() {
        var d = deployment(replicas: 2)
        d.metadata.annotations = [DeploymentKeys.autoRollback: "true"]
        var sim = Sim(d: d)
        for i in 0..<4 { _ = sim.step(now: t0 + Double(i)) }
        sim.d.spec?.template?.spec?.containers?[0].image = "bad"
        _ = sim.step(now: t0 + 10)
        let bad = sim.newSet!
        let crashing = pod("bad-1", owner: bad, ready: false, waiting: "CrashLoopBackOff")
        let plan = DeploymentPlan.compute(sim.d, replicaSets: sim.sets, pods: [crashing], now: t0 + 11)
        guard case .rollback(let target, let from, let reason, let message)? = plan.actions.last else {
            Issue.record("no rollback: \(plan.actions)"); return
        }
        #expect(target.name == sim.sets[0].name)
        #expect(from == 2)
        #expect(reason == "CrashLoopBackOff")
        #expect(message.contains("revision 2 to revision 1"))
        // Without the annotation nothing rolls back.
        sim.d.metadata.annotations = nil
        let none = DeploymentPlan.compute(sim.d, replicaSets: sim.sets, pods: [crashing], now: t0 + 11)
        #expect(!none.actions.contains { if case .rollback = $0 { return true }; return false })
    }

    @Test func progressDeadlineExceeded() {
        var d = deployment(replicas: 1)
        d.spec?.progressDeadlineSeconds = 30
        var sim = Sim(d: d)
        _ = sim.step(now: t0)
        // Pods never become available.
        sim.sets[0].status?.availableReplicas = 0
        sim.sets[0].status?.readyReplicas = 0
        sim.d.status?.availableReplicas = 0
        let early = DeploymentPlan.compute(sim.d, replicaSets: sim.sets, pods: [], now: t0 + 10)
        #expect(early.status.conditions?.first { $0.type == "Progressing" }?.status == "True")
        #expect(early.requeueAfter != nil)
        sim.d.status = early.status
        let still = DeploymentPlan.compute(sim.d, replicaSets: sim.sets, pods: [], now: t0 + 39)
        #expect(still.status.conditions?.first { $0.type == "Progressing" }?.status == "True")
        let late = DeploymentPlan.compute(sim.d, replicaSets: sim.sets, pods: [], now: t0 + 41)
        let p = late.status.conditions?.first { $0.type == "Progressing" }
        #expect(p?.status == "False")
        #expect(p?.reason == "ProgressDeadlineExceeded")
        #expect(late.status.conditions?.first { $0.type == "Available" }?.status == "False")
    }

    @Test func pausedMakesNoProgress() {
        var sim = Sim(d: deployment(replicas: 2))
        for i in 0..<3 { _ = sim.step(now: t0 + Double(i)) }
        sim.d.spec?.paused = true
        sim.d.spec?.template?.spec?.containers?[0].image = "v2"
        let p = sim.step(now: t0 + 10)
        #expect(!p.actions.contains { if case .createReplicaSet = $0 { return true }; return false })
        #expect(p.status.conditions?.first { $0.type == "Progressing" }?.reason == "DeploymentPaused")
    }

    @Test func templateHashIsStableAndIgnoresItsOwnLabel() {
        let d = deployment(replicas: 1)
        let h1 = TemplateHash.of(d.spec?.template, collisionCount: nil)
        var t = d.spec!.template!
        t.metadata?.labels?["pod-template-hash"] = h1
        #expect(TemplateHash.of(t, collisionCount: nil) == h1)
        #expect(TemplateHash.equal(t, d.spec?.template))
        #expect(TemplateHash.of(d.spec?.template, collisionCount: 1) != h1)
        #expect(h1.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
    }
}
