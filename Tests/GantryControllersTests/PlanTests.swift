import Foundation
import GantryAPI
import Testing

@testable import GantryControllers

let t0 = Date(timeIntervalSince1970: 1_800_000_000)

func pod(_ name: String, owner: (any KubeObject)? = nil, labels: [String: String] = ["app": "web"], phase: String = "Running",
         ready: Bool = true, readySince: Date = t0, node: String? = "n1", created: Date = t0, restarts: Int = 0,
         waiting: String? = nil) -> Pod
{
    var meta = ObjectMeta(name: name, namespace: "default", uid: "uid-\(name)", creationTimestamp: Timestamp.format(created), labels: labels)
    if let owner { meta.ownerReferences = [owner.ownerReference()] }
    var status = PodStatus()
    status.phase = phase
    status.conditions = [PodCondition(type: "Ready", status: ready ? "True" : "False", lastTransitionTime: Timestamp.format(readySince))]
    var cs = ContainerStatus()
    cs.name = "app"
    cs.restartCount = restarts
    if let waiting { cs.state = ContainerState(waiting: ContainerStateWaiting(reason: waiting)) }
    status.containerStatuses = [cs]
    return Pod(metadata: meta, spec: PodSpec(containers: [Container(name: "app", image: "busybox")], nodeName: node), status: status)
}

func replicaSet(_ name: String, replicas: Int, uid: String? = nil) -> ReplicaSet {
    ReplicaSet(metadata: ObjectMeta(name: name, namespace: "default", uid: uid ?? "uid-\(name)", generation: 1),
               spec: ReplicaSetSpec(replicas: replicas, selector: LabelSelector(matchLabels: ["app": "web"]),
                                    template: PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "web"]),
                                                              spec: PodSpec(containers: [Container(name: "app", image: "busybox")]))))
}

@Suite("ReplicaSet plan")
struct ReplicaSetPlanTests {
    @Test func createsMissingPodsAndReportsStatus() {
        let rs = replicaSet("web", replicas: 3)
        let plan = ReplicaSetPlan.compute(rs, pods: [pod("a", owner: rs), pod("b", owner: rs, ready: false)], now: t0)
        #expect(plan.create == 1)
        #expect(plan.delete.isEmpty)
        #expect(plan.status.replicas == 2)
        #expect(plan.status.readyReplicas == 1)
        #expect(plan.status.availableReplicas == 1)
        #expect(plan.status.observedGeneration == 1)
    }

    @Test func deletesUnreadyUnscheduledAndNewestFirst() {
        let rs = replicaSet("web", replicas: 1)
        let pods = [
            pod("old-ready", owner: rs, created: t0),
            pod("new-ready", owner: rs, created: t0 + 10),
            pod("not-ready", owner: rs, ready: false),
            pod("pending", owner: rs, phase: "Pending", ready: false, node: nil),
        ]
        let plan = ReplicaSetPlan.compute(rs, pods: pods, now: t0 + 20)
        #expect(plan.delete.map(\.name) == ["pending", "not-ready", "new-ready"])
    }

    @Test func adoptsOrphansAndReleasesMismatches() {
        let rs = replicaSet("web", replicas: 2)
        let orphan = pod("orphan")
        let stray = pod("stray", owner: rs, labels: ["app": "other"])
        let foreign = pod("foreign", owner: replicaSet("x", replicas: 1))
        let plan = ReplicaSetPlan.compute(rs, pods: [orphan, stray, foreign], now: t0)
        #expect(plan.adopt.map(\.name) == ["orphan"])
        #expect(plan.release.map(\.name) == ["stray"])
        #expect(plan.create == 1)  // the orphan counts, the foreign and stray pods do not
    }

    @Test func finishedAndTerminatingPodsAreReplaced() {
        let rs = replicaSet("web", replicas: 2)
        var gone = pod("gone", owner: rs)
        gone.metadata.deletionTimestamp = Timestamp.format(t0)
        let plan = ReplicaSetPlan.compute(rs, pods: [pod("ok", owner: rs), gone, pod("done", owner: rs, phase: "Failed")], now: t0)
        #expect(plan.create == 1)
        #expect(plan.status.terminatingReplicas == 1)
    }

    @Test func minReadySecondsDelaysAvailability() {
        var rs = replicaSet("web", replicas: 1)
        rs.spec?.minReadySeconds = 10
        let plan = ReplicaSetPlan.compute(rs, pods: [pod("a", owner: rs, readySince: t0)], now: t0 + 4)
        #expect(plan.status.readyReplicas == 1)
        #expect(plan.status.availableReplicas == 0)
        #expect(abs((plan.requeueAfter ?? 0) - 6) < 0.01)
    }

    @Test func holdsBackWhileExpectationsAreUnmet() {
        let rs = replicaSet("web", replicas: 3)
        let plan = ReplicaSetPlan.compute(rs, pods: [], now: t0, manage: false)
        #expect(plan.create == 0)
    }
}

@Suite("Work queue")
struct WorkQueueTests {
    @Test func dedupesAndHoldsKeysBeingProcessed() async {
        let q = WorkQueue()
        q.add("a")
        q.add("a")
        q.add("b")
        #expect(q.count == 2)
        let first = await q.get()
        #expect(first == "a")
        q.add("a")  // while processing: comes back after done
        let second = await q.get()
        #expect(second == "b")
        #expect(q.count == 0)
        q.done("a")
        let third = await q.get()
        #expect(third == "a")
    }

    @Test func backoffDoublesAndIsCapped() {
        let q = WorkQueue(baseDelay: .milliseconds(10), maxDelay: .seconds(1))
        #expect(q.backoff(failures: 0) == .milliseconds(10))
        #expect(q.backoff(failures: 3) == .milliseconds(80))
        #expect(q.backoff(failures: 20) == .seconds(1))
    }

    @Test func shutDownReleasesWaiters() async {
        let q = WorkQueue()
        async let waiting = q.get()
        try? await Task.sleep(for: .milliseconds(20))
        q.shutDown()
        #expect(await waiting == nil)
    }
}
