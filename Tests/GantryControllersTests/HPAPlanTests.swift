import Foundation
import GantryAPI
import GantryControllers
import Testing

/// The autoscaler's arithmetic against Kubernetes' documented algorithm.
@Suite("HPA plan")
struct HPAPlanTests {
    func pod(_ n: String, _ usage: Int64?, request: Int64? = 100, ready: Bool = true) -> HPAPlan.PodUsage {
        HPAPlan.PodUsage(name: n, ready: ready, usage: usage, request: request)
    }

    func replicas(_ current: Int, _ target: HPAPlan.Target, _ pods: [HPAPlan.PodUsage], cpu: Bool = true) throws -> Int {
        try HPAPlan.resourceReplicas(current: current, target: target, pods: pods, isCPU: cpu).get().replicas
    }

    @Test func desiredIsCeilOfCurrentTimesRatio() throws {
        // 200m used of 100m requested per pod, target 50%: 400% of target, 2 pods → 8.
        #expect(try replicas(2, .utilization(50), [pod("a", 200), pod("b", 200)]) == 8)
        // 30% against 50%: 0.6 × 2 = 1.2 → 2.
        #expect(try replicas(3, .utilization(50), [pod("a", 30), pod("b", 30), pod("c", 30)]) == 2)
        // Average value: 300m per pod against 100m → 3 × 2.
        #expect(try replicas(2, .averageValue(100), [pod("a", 300), pod("b", 300)]) == 6)
    }

    @Test func withinToleranceNothingChanges() throws {
        #expect(try replicas(4, .utilization(50), (0..<4).map { pod("p\($0)", 54) }) == 4)
        #expect(try replicas(4, .utilization(50), (0..<4).map { pod("p\($0)", 46) }) == 4)
    }

    @Test func podsWithoutMetricsCountAgainstTheMove() throws {
        // Scaling up: the missing pod counts as 0; 2 × 100% + 0 = 200m over 3 pods at 50% → ceil(1.33 × 3) = 4.
        #expect(try replicas(3, .utilization(50), [pod("a", 100), pod("b", 100), pod("c", nil)]) == 4)
        // Scaling down: the missing pod counts as using the target, which cancels part of the move.
        #expect(try replicas(3, .utilization(50), [pod("a", 10), pod("b", 10), pod("c", nil)]) == 2)
        // A missing pod that flips the direction: no change.
        #expect(try replicas(2, .utilization(50), [pod("a", 60), pod("b", nil)]) == 2)
    }

    @Test func unreadyPodsDoNotPushCPUUp() throws {
        // The ready pod runs hot, the unready one is taken as 0: 150% over 2 pods at 100% → 0.75 → no scale up.
        #expect(try replicas(2, .utilization(100), [pod("a", 150), pod("b", 500, ready: false)]) == 2)
    }

    @Test func requestsAreNeededForUtilization() {
        let r = HPAPlan.resourceReplicas(current: 1, target: .utilization(50), pods: [pod("a", 10, request: nil)], isCPU: true)
        guard case .failure(let e) = r else { Issue.record("no error without a request"); return }
        #expect(e.message.contains("missing request for cpu"))
        #expect(throws: HPAError.self) { _ = try HPAPlan.resourceReplicas(current: 1, target: .utilization(50), pods: [pod("a", nil)], isCPU: true).get() }
    }

    let now = Date(timeIntervalSince1970: 1_000_000)

    func normalize(_ desired: Int, current: Int, min: Int = 1, max: Int = 10, recs: [(Double, Int)] = [], ups: [(Double, Int)] = [],
                   up: HPAPlan.Rules = HPADefaults.scaleUp, down: HPAPlan.Rules = HPADefaults.scaleDown) -> HPAPlan.Decision {
        HPAPlan.normalize(desired: desired, current: current, min: min, max: max, up: up, down: down,
                          recommendations: recs.map { HPAPlan.Stamped(at: now.addingTimeInterval(-$0.0), value: $0.1) },
                          scaleUpEvents: ups.map { HPAPlan.Stamped(at: now.addingTimeInterval(-$0.0), value: $0.1) },
                          scaleDownEvents: [], now: now)
    }

    @Test func scaleDownWaitsOutTheStabilizationWindow() {
        // A recommendation of 5 within the last 300 s holds the count at 5.
        #expect(normalize(2, current: 5, recs: [(100, 5)]).replicas == 5)
        // Older than the window: down to 2 (100% per 15 s allows it).
        #expect(normalize(2, current: 5, recs: [(400, 5)]).replicas == 2)
        var quick = HPADefaults.scaleDown
        quick.stabilizationWindowSeconds = 5
        #expect(normalize(1, current: 4, recs: [(10, 4)], down: quick).replicas == 1)
    }

    @Test func scaleUpIsLimitedByThePolicies() {
        // Defaults: the larger of +100% and +4 pods per 15 s: from 2, at most 6.
        let d = normalize(20, current: 2, max: 30)
        #expect(d.replicas == 6)
        #expect(d.limitReason == "ScaleUpLimit")
        // 4 pods already added in this period: the period started at 2, so still at most 6 from 6 → 6.
        #expect(normalize(20, current: 6, max: 30, ups: [(5, 4)]).replicas == 6)
        // Bounded by maxReplicas.
        let m = normalize(20, current: 8, max: 10)
        #expect(m.replicas == 10)
        #expect(m.limitReason == "TooManyReplicas")
        var disabled = HPADefaults.scaleUp
        disabled.selectPolicy = "Disabled"
        #expect(normalize(20, current: 3, up: disabled).replicas == 3)
    }

    @Test func boundsHold() {
        let d = normalize(0, current: 3, min: 2, recs: [], down: { var r = HPADefaults.scaleDown; r.stabilizationWindowSeconds = 0; return r }())
        #expect(d.replicas == 2)
        #expect(d.limitReason == "TooFewReplicas")
    }
}
