import Foundation
import GantryAPI
import Testing

@testable import GantryControllers

func node(_ name: String, labels: [String: String] = [:], taints: [Taint] = [], ready: String = "True", unschedulable: Bool = false) -> Node {
    Node(metadata: ObjectMeta(name: name, uid: "uid-\(name)", labels: labels),
         spec: NodeSpec(unschedulable: unschedulable ? true : nil, taints: taints.isEmpty ? nil : taints),
         status: NodeStatus(conditions: [NodeCondition(type: "Ready", status: ready, reason: "KubeletReady")]))
}

@Suite("Node lifecycle plan")
struct NodeLifecyclePlanTests {
    @Test func freshLeaseChangesNothing() {
        let plan = NodeLifecyclePlan.compute(node("n1"), leaseSeenAt: t0, pods: [pod("a")], now: t0 + 1.9, gracePeriod: 2.5)
        #expect(plan == NodeLifecyclePlan())
    }

    @Test func staleLeaseMarksUnknownTaintsAndEvicts() {
        var tolerant = pod("tolerant")
        tolerant.spec?.tolerations = [Toleration(key: NodeTaints.unreachable, operator: "Exists", effect: "NoExecute")]
        var patient = pod("patient")
        patient.spec?.tolerations = [Toleration(key: NodeTaints.unreachable, operator: "Exists", effect: "NoExecute", tolerationSeconds: 30)]
        let plan = NodeLifecyclePlan.compute(node("n1"), leaseSeenAt: t0, pods: [pod("plain"), tolerant, patient], now: t0 + 2.6,
                                             gracePeriod: 2.5)
        #expect(plan.conditions?.first { $0.type == "Ready" }?.status == "Unknown")
        #expect(plan.conditions?.first?.reason == "NodeStatusUnknown")
        #expect(Set(plan.taints?.map { "\($0.key!):\($0.effect!)" } ?? []) ==
                ["node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"])
        #expect(Set(plan.markNotReady) == ["plain", "tolerant", "patient"])
        #expect(plan.evict == ["plain"])
        #expect(abs((plan.nextEviction?.timeIntervalSince(t0 + 2.6) ?? 0) - 30) < 1)
    }

    @Test func tolerationSecondsRunOut() {
        var n = node("n1", taints: [Taint(key: NodeTaints.unreachable, effect: "NoExecute", timeAdded: Timestamp.format(t0)),
                                    Taint(key: NodeTaints.unreachable, effect: "NoSchedule")], ready: "Unknown")
        n.status?.conditions?[0].reason = "NodeStatusUnknown"
        var patient = pod("patient")
        patient.spec?.tolerations = [Toleration(key: NodeTaints.unreachable, operator: "Exists", effect: "NoExecute", tolerationSeconds: 5)]
        #expect(NodeLifecyclePlan.compute(n, leaseSeenAt: t0 - 10, pods: [patient], now: t0 + 4, gracePeriod: 2.5).evict.isEmpty)
        #expect(NodeLifecyclePlan.compute(n, leaseSeenAt: t0 - 10, pods: [patient], now: t0 + 5, gracePeriod: 2.5).evict == ["patient"])
    }

    @Test func recoveredNodeLosesItsTaints() {
        let n = node("n1", taints: [Taint(key: NodeTaints.unreachable, effect: "NoExecute"), Taint(key: "dedicated", value: "db", effect: "NoSchedule")])
        let plan = NodeLifecyclePlan.compute(n, leaseSeenAt: t0, pods: [], now: t0 + 0.5, gracePeriod: 2.5)
        #expect(plan.taints?.map(\.key) == ["dedicated"])
    }

    @Test func cordonedAndNotReadyNodesAreTainted() {
        let plan = NodeLifecyclePlan.compute(node("n1", ready: "False", unschedulable: true), leaseSeenAt: t0, pods: [], now: t0,
                                             gracePeriod: 2.5)
        #expect(Set(plan.taints?.map { "\($0.key!):\($0.effect!)" } ?? []) ==
                ["node.kubernetes.io/not-ready:NoSchedule", "node.kubernetes.io/not-ready:NoExecute",
                 "node.kubernetes.io/unschedulable:NoSchedule"])
    }

    @Test func tolerationMatching() {
        let taint = Taint(key: "k", value: "v", effect: "NoSchedule")
        #expect(NodeLifecyclePlan.tolerates(Toleration(operator: "Exists"), taint))
        #expect(NodeLifecyclePlan.tolerates(Toleration(key: "k", operator: "Equal", value: "v"), taint))
        #expect(!NodeLifecyclePlan.tolerates(Toleration(key: "k", operator: "Equal", value: "w"), taint))
        #expect(!NodeLifecyclePlan.tolerates(Toleration(key: "k", operator: "Exists", effect: "NoExecute"), taint))
    }
}

func job(completions: Int? = 1, parallelism: Int? = 1, backoffLimit: Int? = 6) -> Job {
    Job(metadata: ObjectMeta(name: "work", namespace: "default", uid: "uid-job"),
        spec: JobSpec(parallelism: parallelism, completions: completions, backoffLimit: backoffLimit,
                      template: PodTemplateSpec(spec: PodSpec(containers: [Container(name: "app", image: "busybox")], restartPolicy: "Never"))))
}

@Suite("Job plan")
struct JobPlanTests {
    @Test func runsParallelismUpToRemainingCompletions() {
        let j = job(completions: 5, parallelism: 3)
        let plan = JobPlan.compute(j, pods: [pod("a", owner: j, phase: "Succeeded"), pod("b", owner: j, phase: "Succeeded"),
                                             pod("c", owner: j, phase: "Succeeded")], now: t0)
        #expect(plan.create == 2)
        #expect(plan.status.succeeded == 3)
        #expect(plan.status.startTime != nil)
    }

    @Test func completesWithConditions() {
        let j = job(completions: 1)
        let plan = JobPlan.compute(j, pods: [pod("a", owner: j, phase: "Succeeded")], now: t0)
        #expect(plan.status.conditions?.contains { $0.type == "Complete" && $0.status == "True" } == true)
        #expect(plan.status.completionTime != nil)
        #expect(plan.create == 0)
    }

    @Test func failsPastBackoffLimit() {
        let j = job(completions: 1, backoffLimit: 1)
        let plan = JobPlan.compute(j, pods: [pod("a", owner: j, phase: "Failed"), pod("b", owner: j, phase: "Failed")], now: t0)
        let failed = plan.status.conditions?.first { $0.type == "Failed" }
        #expect(failed?.reason == "BackoffLimitExceeded")
        #expect(plan.create == 0)
    }

    @Test func deadlineExceededDeletesActivePods() {
        var j = job()
        j.spec?.activeDeadlineSeconds = 10
        j.status = JobStatus(startTime: Timestamp.format(t0))
        let plan = JobPlan.compute(j, pods: [pod("a", owner: j)], now: t0 + 11)
        #expect(plan.status.conditions?.first { $0.type == "Failed" }?.reason == "DeadlineExceeded")
        #expect(plan.delete.map(\.name) == ["a"])
    }

    @Test func ttlAfterFinishedDeletesTheJob() {
        var j = job()
        j.spec?.ttlSecondsAfterFinished = 5
        j.status = JobStatus(conditions: [JobCondition(type: "Complete", status: "True")], completionTime: Timestamp.format(t0))
        #expect(!JobPlan.compute(j, pods: [], now: t0 + 4).deleteJob)
        #expect(JobPlan.compute(j, pods: [], now: t0 + 5).deleteJob)
    }

    @Test func failedPodsAreReplacedAfterBackoff() {
        let j = job(completions: 1, backoffLimit: 6)
        var failed = pod("a", owner: j, phase: "Failed")
        failed.status?.containerStatuses?[0].state = ContainerState(terminated: ContainerStateTerminated(exitCode: 1, finishedAt: Timestamp.format(t0)))
        #expect(JobPlan.compute(j, pods: [failed], now: t0 + 5).create == 0)
        #expect(JobPlan.compute(j, pods: [failed], now: t0 + 10).create == 1)
    }
}

func daemonSet(nodeSelector: [String: String]? = nil) -> DaemonSet {
    DaemonSet(metadata: ObjectMeta(name: "agent", namespace: "default", uid: "uid-ds", generation: 1),
              spec: DaemonSetSpec(selector: LabelSelector(matchLabels: ["app": "web"]),
                                  template: PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "web"]),
                                                            spec: PodSpec(containers: [Container(name: "app", image: "v1")], nodeSelector: nodeSelector))))
}

@Suite("DaemonSet plan")
struct DaemonSetPlanTests {
    @Test func onePodPerEligibleNode() {
        let ds = daemonSet(nodeSelector: ["role": "edge"])
        let nodes = [node("a", labels: ["role": "edge"]), node("b", labels: ["role": "edge"]), node("c"),
                     node("d", labels: ["role": "edge"], taints: [Taint(key: "gpu", effect: "NoSchedule")]),
                     node("e", labels: ["role": "edge"], taints: [Taint(key: NodeTaints.unreachable, effect: "NoExecute")])]
        var onC = pod("on-c", owner: ds, node: "c")
        onC.metadata.labels?[DaemonSetPlan.hashLabel] = DaemonSetPlan.hash(ds)
        let plan = DaemonSetPlan.compute(ds, nodes: nodes, pods: [onC], now: t0)
        #expect(plan.createOn == ["a", "b", "e"])  // tainted d is skipped; unreachable e is tolerated by default
        #expect(plan.delete.map(\.name) == ["on-c"])
        #expect(plan.status.desiredNumberScheduled == 3)
        #expect(plan.status.numberMisscheduled == 1)
    }

    @Test func rollingUpdateReplacesOneAtATime() {
        let ds = daemonSet()
        let nodes = [node("a"), node("b"), node("c")]
        let old = nodes.map { pod("p-\($0.name)", owner: ds, node: $0.name) }  // no hash label: outdated
        let plan = DaemonSetPlan.compute(ds, nodes: nodes, pods: old, now: t0)
        #expect(plan.delete.count == 1)
        #expect(plan.createOn.isEmpty)
        #expect(plan.status.updatedNumberScheduled == 0)
        #expect(plan.status.numberAvailable == 3)
    }
}
