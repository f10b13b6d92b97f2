import GantryAPI
import Testing

@testable import GantryScheduler

@Suite("Cluster snapshot")
struct SnapshotTests {
    @Test func buildsFromNodesAndAssignedPods() throws {
        let snapshot = ClusterSnapshot(
            nodes: [Fixture.node("b"), Fixture.node("a")],
            pods: [
                Fixture.pod("x", cpu: "500m", memory: "1Gi", nodeName: "a"),
                Fixture.pod("pending", cpu: "1"),  // not assigned: ignored
            ])
        #expect(snapshot.nodeNames == ["a", "b"])
        #expect(snapshot.podCount == 1)
        let a = try #require(snapshot.nodeInfo(named: "a"))
        #expect(a.allocatable == ResourceAmounts(milliCPU: 4000, memory: 8 << 30, pods: 110))
        #expect(a.requested == ResourceAmounts(milliCPU: 500, memory: 1 << 30, pods: 1))
        #expect(a.pods == ["default/x"])
    }

    @Test func addingAPodAgainReplacesIt() {
        var snapshot = ClusterSnapshot(nodes: [Fixture.node("a"), Fixture.node("b")])
        snapshot.addPod(Fixture.pod("x", cpu: "1", nodeName: "a"))
        snapshot.addPod(Fixture.pod("x", cpu: "1", nodeName: "a"))
        #expect(snapshot.nodeInfo(named: "a")?.requested.milliCPU == 1000)
        snapshot.updatePod(Fixture.pod("x", cpu: "2", nodeName: "b"))
        #expect(snapshot.nodeInfo(named: "a")?.requested.milliCPU == 0)
        #expect(snapshot.nodeInfo(named: "b")?.requested.milliCPU == 2000)
        #expect(snapshot.nodeName(ofPod: "default", "x") == "b")
        var done = Fixture.pod("x", cpu: "2", nodeName: "b")
        done.status = PodStatus(phase: "Succeeded")
        snapshot.updatePod(done)  // finished pods free their resources
        #expect(snapshot.nodeInfo(named: "b")?.requested.milliCPU == 0)
        #expect(snapshot.podCount == 0)
        snapshot.removePod(namespace: "default", name: "x")  // idempotent
    }

    @Test func podsMayArriveBeforeTheirNode() {
        var snapshot = ClusterSnapshot()
        snapshot.addPod(Fixture.pod("x", cpu: "1", nodeName: "late"))
        #expect(snapshot.nodeCount == 0)
        snapshot.addNode(Fixture.node("late"))
        #expect(snapshot.nodeInfo(named: "late")?.requested.milliCPU == 1000)
        // A removed node's pods come back with it.
        snapshot.removeNode(named: "late")
        #expect(snapshot.nodeInfo(named: "late") == nil)
        snapshot.addNode(Fixture.node("late"))
        #expect(snapshot.nodeInfo(named: "late")?.requested.milliCPU == 1000)
    }

    @Test func freedSlotsAreReused() {
        var snapshot = ClusterSnapshot(nodes: [Fixture.node("a"), Fixture.node("b")])
        snapshot.removeNode(named: "a")
        snapshot.addNode(Fixture.node("c", cpu: "8"))
        #expect(snapshot.nodeNames == ["b", "c"])
        #expect(snapshot.nodeInfo(named: "c")?.allocatable.milliCPU == 8000)
        #expect(snapshot.nodeInfo(named: "c")?.requested.pods == 0)
    }

    @Test func nodeStatusUpdatesKeepTheNodesPods() {
        var snapshot = ClusterSnapshot(nodes: [Fixture.node("a", cpu: "4")])
        snapshot.assume(Fixture.pod("x", cpu: "1"), on: "a")
        snapshot.updateNode(Fixture.node("a", cpu: "2", taints: [Taint(key: "k", effect: "NoSchedule")]))
        let info = snapshot.nodeInfo(named: "a")
        #expect(info?.allocatable.milliCPU == 2000)
        #expect(info?.requested.milliCPU == 1000)
        #expect(TaintToleration().filter(Fixture.pod("p"), onNode: "a", in: snapshot) != nil)
    }

    @Test func relabellingANodeMovesItsPodsBetweenDomains() {
        var snapshot = ClusterSnapshot(nodes: [Fixture.node("n1", zone: "a"), Fixture.node("n2", zone: "b"), Fixture.node("n3", zone: "c")])
        let replica = { (i: Int) in Fixture.antiAffinity(Fixture.pod("r\(i)", labels: ["app": "r"]), app: "r", key: Fixture.zone) }
        snapshot.assume(replica(0), on: "n1")
        func passing() -> [String] { ["n1", "n2", "n3"].filter { InterPodAffinity().filter(replica(1), onNode: $0, in: snapshot) == nil } }
        #expect(passing() == ["n2", "n3"])
        snapshot.updateNode(Fixture.node("n1", zone: "c"))
        #expect(passing() == ["n2"])
    }

    @Test func selectorsOfPlacedPodsAreTrackedIncrementally() {
        var snapshot = ClusterSnapshot(nodes: [Fixture.node("n1", zone: "a"), Fixture.node("n2", zone: "b")])
        let replica = { (i: Int) in Fixture.antiAffinity(Fixture.pod("r\(i)", labels: ["app": "r"]), app: "r") }
        snapshot.assume(replica(0), on: "n1")
        // The replica registered its selector: later pods with the label are counted as they come and go.
        let key = snapshot.podInfo(for: replica(1)).requiredAntiAffinity[0].trackerKey
        #expect(snapshot.trackers.entry(key)?.total == 1)
        snapshot.assume(Fixture.pod("other", labels: ["app": "r"]), on: "n2")
        #expect(snapshot.trackers.entry(key)?.total == 2)
        snapshot.removePod(namespace: "default", name: "other")
        #expect(snapshot.trackers.entry(key)?.total == 1)
        snapshot.removePod(replica(0))
        #expect(snapshot.trackers.entry(key) == nil)  // last owner gone
        #expect(snapshot.antiAffinityOwners.isEmpty)
    }
}
