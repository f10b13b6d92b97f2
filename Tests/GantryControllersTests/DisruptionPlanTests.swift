import Foundation
import GantryAPI
import Testing

@testable import GantryControllers

@Suite("PodDisruptionBudget status")
struct DisruptionPlanTests {
    func budget(min: IntOrString? = nil, max: IntOrString? = nil, disrupted: [String: String]? = nil,
                selector: LabelSelector? = LabelSelector(matchLabels: ["app": "web"])) -> PodDisruptionBudget {
        PodDisruptionBudget(metadata: ObjectMeta(name: "web", namespace: "default", generation: 2),
                            spec: PodDisruptionBudgetSpec(minAvailable: min, maxUnavailable: max, selector: selector),
                            status: disrupted.map { PodDisruptionBudgetStatus(disruptedPods: $0) })
    }
    let pods = [pod("a"), pod("b"), pod("c"), pod("d", ready: false), pod("other", labels: ["app": "db"])]
    func scale(_ p: Pod) -> (key: String, replicas: Int)? { ("Deployment/web", 5) }

    @Test func minAvailableCountsHealthyPods() {
        let plan = DisruptionPlan.compute(budget(min: 2), pods: pods, now: t0, scale: scale)
        #expect(plan.status.currentHealthy == 3 && plan.status.desiredHealthy == 2 && plan.status.expectedPods == 4)
        #expect(plan.status.disruptionsAllowed == 1 && plan.status.observedGeneration == 2)
        #expect(plan.status.conditions?.first?.reason == "SufficientPods" && plan.status.conditions?.first?.status == "True")
        let none = DisruptionPlan.compute(budget(min: 3), pods: pods, now: t0, scale: scale)
        #expect(none.status.disruptionsAllowed == 0 && none.status.conditions?.first?.reason == "InsufficientPods")
    }

    @Test func percentagesAndMaxUnavailableUseTheControllersScale() {
        let pct = DisruptionPlan.compute(budget(min: "50%"), pods: pods, now: t0, scale: scale)
        #expect(pct.status.expectedPods == 5 && pct.status.desiredHealthy == 3 && pct.status.disruptionsAllowed == 0)
        let max = DisruptionPlan.compute(budget(max: 1), pods: pods, now: t0, scale: scale)
        #expect(max.status.desiredHealthy == 4 && max.status.disruptionsAllowed == 0)
        let orphan = DisruptionPlan.compute(budget(max: 1), pods: pods, now: t0, scale: { _ in nil })
        #expect(orphan.status.disruptionsAllowed == 0 && orphan.status.conditions?.first?.reason == "SyncFailed")
    }

    /// An eviction the API admitted counts against the budget until the pod goes, or for two minutes.
    @Test func admittedEvictionsCountUntilSeenOrExpired() {
        let recent = DisruptionPlan.compute(budget(min: 2, disrupted: ["a": Timestamp.format(t0 - 10)]), pods: pods, now: t0, scale: scale)
        #expect(recent.status.currentHealthy == 2 && recent.status.disruptionsAllowed == 0)
        #expect(recent.status.disruptedPods == ["a": Timestamp.format(t0 - 10)])
        #expect(abs((recent.requeueAfter ?? 0) - 110) < 1)
        let old = DisruptionPlan.compute(budget(min: 2, disrupted: ["a": Timestamp.format(t0 - 130)]), pods: pods, now: t0, scale: scale)
        #expect(old.status.disruptedPods == nil && old.status.currentHealthy == 3)
        var going = pods
        going[0].metadata.deletionTimestamp = Timestamp.format(t0)
        let seen = DisruptionPlan.compute(budget(min: 2, disrupted: ["a": Timestamp.format(t0 - 10)]), pods: going, now: t0, scale: scale)
        #expect(seen.status.disruptedPods == nil && seen.status.currentHealthy == 2)
    }

    @Test func aNilSelectorMatchesNothing() {
        let plan = DisruptionPlan.compute(budget(min: 1, selector: nil), pods: pods, now: t0, scale: scale)
        #expect(plan.status.expectedPods == 0 && plan.status.currentHealthy == 0 && plan.status.disruptionsAllowed == 0)
    }
}
