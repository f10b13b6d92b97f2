import GantryAPI
import Testing

@testable import GantryScheduler

@Suite("Pod requests")
struct PodRequestTests {
    func container(_ cpu: String?, _ memory: String?, restartPolicy: String? = nil) -> Container {
        var requests: [String: Quantity] = [:]
        if let cpu { requests["cpu"] = try! Quantity(cpu) }
        if let memory { requests["memory"] = try! Quantity(memory) }
        return Container(name: "c", resources: ResourceRequirements(requests: requests), restartPolicy: restartPolicy)
    }

    @Test func appContainersAreSummed() {
        let r = PodResourceRequests(PodSpec(containers: [container("250m", "64Mi"), container("500m", "128Mi")]))
        #expect(r.milliCPU == 750)
        #expect(r.memory == 192 * 1024 * 1024)
    }

    @Test func largestInitContainerWinsWhenLarger() {
        let spec = PodSpec(
            initContainers: [container("2", "64Mi"), container("100m", "1Gi")],
            containers: [container("500m", "128Mi"), container("500m", "128Mi")])
        let r = PodResourceRequests(spec)
        #expect(r.milliCPU == 2000)  // init 2 > app 1
        #expect(r.memory == 1024 * 1024 * 1024)  // init 1Gi > app 256Mi
    }

    @Test func sidecarInitContainersAddToEverythingAfterThem() {
        // A sidecar (restartPolicy Always) runs alongside later init containers and the app containers.
        let spec = PodSpec(
            initContainers: [container("200m", "100Mi", restartPolicy: "Always"), container("1", "50Mi")],
            containers: [container("300m", "10Mi")])
        let r = PodResourceRequests(spec)
        // app phase: 300m + 200m sidecar = 500m; second init: 1 + 200m = 1200m -> max 1200m.
        #expect(r.milliCPU == 1200)
        // memory: app 10Mi + 100Mi = 110Mi; init 50Mi + 100Mi = 150Mi -> 150Mi.
        #expect(r.memory == 150 * 1024 * 1024)
    }

    @Test func overheadIsAdded() {
        let spec = PodSpec(containers: [container("100m", "10Mi")], overhead: ["cpu": try! Quantity("250m"), "memory": try! Quantity("120Mi")])
        let r = PodResourceRequests(spec)
        #expect(r.milliCPU == 350)
        #expect(r.memory == 130 * 1024 * 1024)
    }

    @Test func scoringCountsMissingRequestsAsDefaults() {
        let r = PodResourceRequests(PodSpec(containers: [container(nil, nil), container("0", nil)]))
        #expect(r.milliCPU == 0)
        #expect(r.isZero)
        #expect(r.nonZeroMilliCPU == 100)  // explicit 0 stays 0, the missing one counts 100m
        #expect(r.nonZeroMemory == 2 * 200 * 1024 * 1024)
    }

    @Test func extendedResourcesAreCounted() {
        var c = container("1", nil)
        c.resources?.requests?["nvidia.com/gpu"] = 2
        c.resources?.requests?["foo"] = 3  // not a scalar resource name: ignored, as Kubernetes does
        let r = PodResourceRequests(PodSpec(containers: [c, c]))
        #expect(r.scalars == [PodResourceRequests.ScalarRequest(name: "nvidia.com/gpu", amount: 4)])
    }

    @Test func absurdQuantitiesDoNotOverflow() {
        var snapshot = ClusterSnapshot(nodes: [Fixture.node("n", cpu: "1e30", memory: "8E")])
        let huge = PodSpec(containers: [container("1e25", "8E"), container("1e25", "8E")], overhead: ["memory": try! Quantity("8E")])
        for i in 0..<3 { snapshot.assume(Pod(metadata: ObjectMeta(name: "p\(i)", namespace: "default"), spec: huge), on: "n") }
        var scheduler = Scheduler()
        #expect(scheduler.schedule(Pod(metadata: ObjectMeta(name: "q"), spec: huge), in: snapshot).nodeName == "n")
    }

    @Test(arguments: ["0", "1", "250m", "1.5", "0.1", "128Mi", "1Gi", "0.5Gi", "2G", "100k", "1001m", "3Ki", "7Ti", "1e3", "100n", "1.0001", "12345678901", "0.000001"])
    func fastQuantityMatchesQuantity(_ s: String) throws {
        let q = try Quantity(s)
        #expect(FastQuantity.milli(q) == q.milliValue)
        #expect(FastQuantity.whole(q) == q.value)
    }
}
