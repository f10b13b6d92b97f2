import GantryAPI
import Testing

@testable import GantryScheduler

@Suite("Scheduler")
struct SchedulerTests {
    @Test func binpackAndSpreadChooseDifferently() {
        var snapshot = ClusterSnapshot(nodes: [Fixture.node("a"), Fixture.node("b")])
        snapshot.assume(Fixture.pod("x", cpu: "2", memory: "4Gi"), on: "a")
        let pod = Fixture.pod("p", cpu: "1", memory: "2Gi")
        var spread = Scheduler(configuration: SchedulerConfiguration(strategy: .spread))
        var binpack = Scheduler(configuration: SchedulerConfiguration(strategy: .binpack))
        #expect(spread.schedule(pod, in: snapshot).nodeName == "b")
        #expect(binpack.schedule(pod, in: snapshot).nodeName == "a")
    }

    @Test func binpackFillsNodesInTurn() {
        var snapshot = ClusterSnapshot(nodes: (0..<4).map { Fixture.node("n\($0)", cpu: "4", memory: "8Gi") })
        var scheduler = Scheduler(configuration: SchedulerConfiguration(strategy: .binpack, seed: 3))
        var used = Set<String>()
        for i in 0..<8 { used.insert(Fixture.place(Fixture.pod("p\(i)", cpu: "1", memory: "2Gi"), &scheduler, &snapshot)!) }
        #expect(used.count == 2)  // 8 × 1 cpu on 4-cpu nodes: two full nodes
        var spreader = Scheduler(configuration: SchedulerConfiguration(strategy: .spread, seed: 3))
        var fresh = ClusterSnapshot(nodes: (0..<4).map { Fixture.node("n\($0)", cpu: "4", memory: "8Gi") })
        var spreadUsed: [String: Int] = [:]
        for i in 0..<8 { spreadUsed[Fixture.place(Fixture.pod("p\(i)", cpu: "1", memory: "2Gi"), &spreader, &fresh)!, default: 0] += 1 }
        #expect(spreadUsed.values.sorted() == [2, 2, 2, 2])
    }

    @Test func decisionsAreDeterministicForASeed() {
        let nodes = (0..<20).map { Fixture.node("n\($0)") }
        func run(seed: UInt64) -> [String] {
            var snapshot = ClusterSnapshot(nodes: nodes)
            var scheduler = Scheduler(configuration: SchedulerConfiguration(seed: seed))
            return (0..<30).map { Fixture.place(Fixture.pod("p\($0)", cpu: "100m", memory: "64Mi"), &scheduler, &snapshot)! }
        }
        #expect(run(seed: 1) == run(seed: 1))
        #expect(run(seed: 1) != run(seed: 2))
    }

    @Test func unschedulableMessageCountsReasonsAsKubeSchedulerDoes() {
        let snapshot = ClusterSnapshot(nodes: [
            Fixture.node("small-1", memory: "1Gi"), Fixture.node("small-2", memory: "1Gi"),
            Fixture.node("master", memory: "64Gi", taints: [Taint(key: "node-role", value: "master", effect: "NoSchedule")]),
        ])
        let pod = Fixture.pod("p", memory: "2Gi")
        var scheduler = Scheduler()
        #expect(scheduler.schedule(pod, in: snapshot) == .unschedulable(
            message: "0/3 nodes are available: 1 node(s) had untolerated taint {node-role: master}, 2 Insufficient memory."))
        var withPreemption = Scheduler(configuration: SchedulerConfiguration(reportsPreemption: true))
        #expect(withPreemption.schedule(pod, in: snapshot) == .unschedulable(
            message: "0/3 nodes are available: 1 node(s) had untolerated taint {node-role: master}, 2 Insufficient memory. "
                + "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."))
    }

    @Test func messageSortsCountedReasonsAsStrings() {
        // kube-scheduler sorts the "count reason" strings, so "10 …" comes before "2 …".
        let message = Scheduler.unschedulableMessage(nodes: 15, reasons: ["Insufficient cpu": 2, "node(s) were unschedulable": 3, "Too many pods": 10])
        #expect(message == "0/15 nodes are available: 10 Too many pods, 2 Insufficient cpu, 3 node(s) were unschedulable.")
        #expect(Scheduler.unschedulableMessage(nodes: 1, reasons: ["Insufficient cpu": 1], preemption: (1, 0))
            == "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")
    }

    @Test func noNodes() {
        var scheduler = Scheduler()
        #expect(scheduler.schedule(Fixture.pod("p"), in: ClusterSnapshot()) == .unschedulable(message: "no nodes available to schedule pods"))
    }

    @Test func assumeAffectsTheNextDecision() {
        var snapshot = ClusterSnapshot(nodes: [Fixture.node("only", cpu: "2")])
        var scheduler = Scheduler()
        let first = Fixture.pod("a", cpu: "1500m")
        #expect(scheduler.schedule(first, in: snapshot).nodeName == "only")
        snapshot.assume(first, on: "only")
        #expect(scheduler.schedule(Fixture.pod("b", cpu: "1500m"), in: snapshot) == .unschedulable(message: "0/1 nodes are available: 1 Insufficient cpu."))
        snapshot.removePod(first)  // binding failed: forget it
        #expect(scheduler.schedule(Fixture.pod("b", cpu: "1500m"), in: snapshot).nodeName == "only")
    }

    @Test func antiAffinityReplicasGetOneNodeEach() {
        var snapshot = ClusterSnapshot(nodes: (0..<5).map { Fixture.node("n\($0)") })
        var scheduler = Scheduler()
        var nodes = Set<String>()
        for i in 0..<5 {
            let node = Fixture.place(Fixture.antiAffinity(Fixture.pod("r\(i)", labels: ["app": "r"]), app: "r"), &scheduler, &snapshot)
            nodes.insert(node!)
        }
        #expect(nodes.count == 5)
        #expect(scheduler.schedule(Fixture.antiAffinity(Fixture.pod("r5", labels: ["app": "r"]), app: "r"), in: snapshot)
            == .unschedulable(message: "0/5 nodes are available: 5 node(s) didn't match pod anti-affinity rules."))
    }

    @Test func nodesToScore() {
        let adaptive = Scheduler()
        #expect(adaptive.numberOfNodesToFind(50) == 50)
        #expect(adaptive.numberOfNodesToFind(100) == 100)
        #expect(adaptive.numberOfNodesToFind(1000) == 420)  // 50 − 1000/125 = 42%
        #expect(adaptive.numberOfNodesToFind(5000) == 500)  // 10%
        #expect(adaptive.numberOfNodesToFind(20000) == 1000)  // floor of 5%
        #expect(adaptive.numberOfNodesToFind(150) == 100)  // never fewer than 100
        let all = Scheduler(configuration: SchedulerConfiguration(percentageOfNodesToScore: 100))
        #expect(all.numberOfNodesToFind(5000) == 5000)
        let some = Scheduler(configuration: SchedulerConfiguration(percentageOfNodesToScore: 30))
        #expect(some.numberOfNodesToFind(1000) == 300)
    }

    @Test func scansFromARotatingStartUntilEnoughNodesAreFeasible() {
        let snapshot = ClusterSnapshot(nodes: (0..<1000).map { Fixture.node(String(format: "n%04d", $0)) })
        var scheduler = Scheduler()
        _ = scheduler.schedule(Fixture.pod("p"), in: snapshot)
        #expect(scheduler.lastCycle == CycleStatistics(evaluatedNodes: 420, feasibleNodes: 420))
        // A pod only 10% of nodes accept: it keeps scanning past 420 nodes.
        var pinned = Fixture.pod("q")
        pinned.spec?.nodeSelector = ["pool": "x"]
        var labelled = (0..<1000).map { Fixture.node(String(format: "n%04d", $0), labels: $0 % 10 == 0 ? ["pool": "x"] : [:]) }
        labelled.shuffle()
        var scheduler2 = Scheduler()
        let result = scheduler2.schedule(pinned, in: ClusterSnapshot(nodes: labelled))
        #expect(scheduler2.lastCycle == CycleStatistics(evaluatedNodes: 1000, feasibleNodes: 100))
        #expect(result.nodeName?.hasSuffix("0") == true)
    }

    @Test func scoreWeightsAreConfigurable() {
        var snapshot = ClusterSnapshot(nodes: [Fixture.node("a"), Fixture.node("b")])
        snapshot.assume(Fixture.pod("x", cpu: "2", memory: "4Gi"), on: "a")
        let pod = Fixture.pod("p", cpu: "1", memory: "2Gi")
        var scheduler = Scheduler(configuration: SchedulerConfiguration(scoreWeights: ["NodeResourcesFit": 5, "NodeResourcesBalancedAllocation": 0]))
        #expect(scheduler.scorers.map(\.plugin.name).contains("NodeResourcesBalancedAllocation") == false)
        #expect(scheduler.schedule(pod, in: snapshot) == .bound(nodeName: "b", score: 5 * 75 + 3 * 100))
    }
}
