import GantryAPI
import GantryScheduler
import Testing

@Suite("Preemption")
struct PreemptionTests {
    func prioritized(_ p: Pod, _ priority: Int, policy: String? = nil) -> Pod {
        var q = p
        q.spec?.priority = priority
        q.spec?.preemptionPolicy = policy
        return q
    }

    func cluster(_ pods: [Pod]) -> ClusterSnapshot {
        var s = ClusterSnapshot()
        s.addNode(Fixture.node("a", cpu: "2"))
        s.addNode(Fixture.node("b", cpu: "2", taints: [Taint(key: "dedicated", value: "db", effect: "NoSchedule")]))
        for p in pods { s.addPod(p) }
        return s
    }

    @Test func evictsTheFewestLowestPriorityPodsThatMakeRoom() {
        let running = [prioritized(Fixture.pod("low-1", cpu: "500m", nodeName: "a"), 10),
                       prioritized(Fixture.pod("low-2", cpu: "1", nodeName: "a"), 10),
                       prioritized(Fixture.pod("mid", cpu: "500m", nodeName: "a"), 500)]
        let snapshot = cluster(running)
        var scheduler = Scheduler(configuration: SchedulerConfiguration(seed: 1))
        let high = prioritized(Fixture.pod("high", cpu: "1"), 1000)
        #expect(scheduler.schedule(high, in: snapshot).nodeName == nil)
        let pick = scheduler.preempt(high, in: snapshot) { n in running.filter { $0.spec?.nodeName == n } }
        #expect(pick?.nodeName == "a")
        // One victim of 1 CPU frees enough: the 500m ones are given back.
        #expect(pick?.victims.map(\.name) == ["low-2"])
        // The tainted node is never a candidate, and nothing changed in the snapshot.
        #expect(snapshot.podCount == 3)
    }

    @Test func neverPreemptsEqualOrHigherPriorityOrWhenTheyForbid() {
        let running = [prioritized(Fixture.pod("same", cpu: "2", nodeName: "a"), 1000)]
        var scheduler = Scheduler(configuration: SchedulerConfiguration(seed: 1))
        let high = prioritized(Fixture.pod("high", cpu: "1"), 1000)
        #expect(scheduler.preempt(high, in: cluster(running)) { _ in running } == nil)
        let low = [prioritized(Fixture.pod("low", cpu: "2", nodeName: "a"), 1)]
        let polite = prioritized(Fixture.pod("polite", cpu: "1"), 1000, policy: "Never")
        #expect(scheduler.preempt(polite, in: cluster(low)) { _ in low } == nil)
        // Too big for the node even when empty: no victims at all.
        let huge = prioritized(Fixture.pod("huge", cpu: "3"), 1000)
        #expect(scheduler.preempt(huge, in: cluster(low)) { _ in low } == nil)
        _ = scheduler.schedule(huge, in: cluster(low))
    }
}
