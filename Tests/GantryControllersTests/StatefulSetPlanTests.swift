import Foundation
import GantryAPI
import Testing

@testable import GantryControllers

func statefulSet(_ name: String = "web", replicas: Int, policy: String = "OrderedReady", strategy: String = "RollingUpdate",
                 partition: Int? = nil, image: String = "busybox") -> StatefulSet {
    var spec = StatefulSetSpec()
    spec.replicas = replicas
    spec.selector = LabelSelector(matchLabels: ["app": "web"])
    spec.template = PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "web"]),
                                    spec: PodSpec(containers: [Container(name: "app", image: image)]))
    spec.serviceName = "web"
    spec.podManagementPolicy = policy
    spec.updateStrategy = StatefulSetUpdateStrategy(type: strategy, rollingUpdate: partition.map { RollingUpdateStatefulSetStrategy(partition: $0) })
    return StatefulSet(metadata: ObjectMeta(name: name, namespace: "default", uid: "uid-\(name)", generation: 1), spec: spec)
}

/// A pod of the set at `ordinal`, at the set's current revision unless told otherwise.
func member(_ sts: StatefulSet, _ ordinal: Int, revision: String? = nil, phase: String = "Running", ready: Bool = true) -> Pod {
    pod("\(sts.name)-\(ordinal)", owner: sts, labels: ["app": "web", StatefulSetPlan.revisionLabel: revision ?? StatefulSetPlan.revision(sts)],
        phase: phase, ready: ready)
}

@Suite("StatefulSet plan")
struct StatefulSetPlanTests {
    @Test func orderedReadyCreatesOneAtATimeInOrder() {
        let sts = statefulSet(replicas: 3)
        #expect(StatefulSetPlan.compute(sts, pods: [], now: t0).create == [0])
        // web-0 exists but is not ready yet: nothing more.
        #expect(StatefulSetPlan.compute(sts, pods: [member(sts, 0, ready: false)], now: t0).create.isEmpty)
        #expect(StatefulSetPlan.compute(sts, pods: [member(sts, 0)], now: t0).create == [1])
        // A missing lower ordinal comes back first.
        #expect(StatefulSetPlan.compute(sts, pods: [member(sts, 1), member(sts, 2)], now: t0).create == [0])
        let full = StatefulSetPlan.compute(sts, pods: [member(sts, 0), member(sts, 1), member(sts, 2)], now: t0)
        #expect(full.create.isEmpty && full.delete.isEmpty)
        #expect(full.status.replicas == 3 && full.status.readyReplicas == 3 && full.status.updatedReplicas == 3)
        #expect(full.status.currentRevision == full.status.updateRevision)
    }

    @Test func parallelCreatesAndDeletesAtOnce() {
        let sts = statefulSet(replicas: 3, policy: "Parallel")
        #expect(StatefulSetPlan.compute(sts, pods: [], now: t0).create == [0, 1, 2])
        let down = statefulSet(replicas: 1, policy: "Parallel")
        let plan = StatefulSetPlan.compute(down, pods: [member(down, 0), member(down, 1, ready: false), member(down, 2)], now: t0)
        #expect(Set(plan.delete.map(\.name)) == ["web-1", "web-2"])
    }

    @Test func scaleDownRemovesTheHighestOrdinalFirstOneAtATime() {
        let sts = statefulSet(replicas: 1)
        let pods = [member(sts, 0), member(sts, 1), member(sts, 2)]
        #expect(StatefulSetPlan.compute(sts, pods: pods, now: t0).delete.map(\.name) == ["web-2"])
        var terminating = member(sts, 2)
        terminating.metadata.deletionTimestamp = Timestamp.format(t0)
        #expect(StatefulSetPlan.compute(sts, pods: [member(sts, 0), member(sts, 1), terminating], now: t0).delete.isEmpty)
        // An unhealthy pod blocks an OrderedReady scale-down.
        #expect(StatefulSetPlan.compute(sts, pods: [member(sts, 0, ready: false), member(sts, 1)], now: t0).delete.isEmpty)
    }

    @Test func rollingUpdateGoesFromTheHighestOrdinalDownToThePartition() {
        let old = statefulSet(replicas: 3)
        var new = statefulSet(replicas: 3, image: "busybox:2")
        let oldRev = StatefulSetPlan.revision(old)
        // The previous sync recorded the old revision as current.
        new.status = StatefulSetStatus()
        new.status?.currentRevision = oldRev
        #expect(oldRev != StatefulSetPlan.revision(new))
        var pods = [member(old, 0), member(old, 1), member(old, 2)]
        var plan = StatefulSetPlan.compute(new, pods: pods, now: t0)
        #expect(plan.delete.map(\.name) == ["web-2"])
        #expect(plan.status.updatedReplicas == 0 && plan.status.currentReplicas == 3)
        pods[2] = member(new, 2)
        #expect(StatefulSetPlan.compute(new, pods: pods, now: t0).delete.map(\.name) == ["web-1"])
        // Not while the replaced pod is not ready.
        pods[2] = member(new, 2, ready: false)
        #expect(StatefulSetPlan.compute(new, pods: pods, now: t0).delete.isEmpty)
        // A partition keeps the lower ordinals on the old revision.
        var partitioned = statefulSet(replicas: 3, partition: 2, image: "busybox:2")
        partitioned.status = new.status
        pods = [member(old, 0), member(old, 1), member(partitioned, 2)]
        plan = StatefulSetPlan.compute(partitioned, pods: pods, now: t0)
        #expect(plan.delete.isEmpty)
        #expect(plan.status.updatedReplicas == 1 && plan.status.currentRevision != plan.status.updateRevision)
        // OnDelete never deletes for an update.
        let onDelete = statefulSet(replicas: 3, strategy: "OnDelete", image: "busybox:2")
        #expect(StatefulSetPlan.compute(onDelete, pods: [member(old, 0), member(old, 1), member(old, 2)], now: t0).delete.isEmpty)
    }

    @Test func failedPodsAreReplacedUnderTheirName() {
        let sts = statefulSet(replicas: 2)
        let plan = StatefulSetPlan.compute(sts, pods: [member(sts, 0, phase: "Failed", ready: false), member(sts, 1)], now: t0)
        #expect(plan.delete.map(\.name) == ["web-0"])
        #expect(StatefulSetPlan.ordinal(member(sts, 7), of: sts) == 7)
        #expect(StatefulSetPlan.ordinal(pod("other-1"), of: sts) == nil)
    }
}
