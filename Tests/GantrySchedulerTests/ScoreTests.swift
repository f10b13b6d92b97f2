import GantryAPI
import Testing

@testable import GantryScheduler

@Suite("Score plugins")
struct ScoreTests {
    func twoNodes() -> ClusterSnapshot {
        var s = ClusterSnapshot(nodes: [Fixture.node("empty", cpu: "4", memory: "8Gi"), Fixture.node("busy", cpu: "4", memory: "8Gi")])
        s.assume(Fixture.pod("x", cpu: "2", memory: "4Gi"), on: "busy")
        return s
    }

    @Test func leastAndMostAllocated() {
        let snapshot = twoNodes()
        let pod = Fixture.pod("p", cpu: "1", memory: "2Gi")
        #expect(NodeResourcesFit(strategy: .spread).scores(pod, onNodes: ["empty", "busy"], in: snapshot) == ["empty": 75, "busy": 25])
        #expect(NodeResourcesFit(strategy: .binpack).scores(pod, onNodes: ["empty", "busy"], in: snapshot) == ["empty": 25, "busy": 75])
    }

    @Test func resourceScoresCountDefaultsForPodsWithoutRequests() {
        let snapshot = ClusterSnapshot(nodes: [Fixture.node("n", cpu: "1", memory: "1000Mi")])
        // 100m of 1000m and 200Mi of 1000Mi are assumed: (90 + 80) / 2.
        #expect(NodeResourcesFit().scores(Fixture.pod("p"), onNodes: ["n"], in: snapshot) == ["n": 85])
    }

    @Test func balancedAllocation() {
        let snapshot = ClusterSnapshot(nodes: [Fixture.node("n", cpu: "4", memory: "8Gi")])
        // cpu 2/4 = 0.5, memory 2/8 = 0.25: 100 × (1 − 0.125).
        #expect(NodeResourcesBalancedAllocation().scores(Fixture.pod("p", cpu: "2", memory: "2Gi"), onNodes: ["n"], in: snapshot) == ["n": 87])
        #expect(NodeResourcesBalancedAllocation().scores(Fixture.pod("p", cpu: "2", memory: "4Gi"), onNodes: ["n"], in: snapshot) == ["n": 100])
        #expect(NodeResourcesBalancedAllocation().scores(Fixture.pod("p"), onNodes: ["n"], in: snapshot) == [:])  // requests nothing: skipped
    }

    @Test func preferredNodeAffinity() {
        let snapshot = ClusterSnapshot(nodes: [
            Fixture.node("a-ssd", zone: "a", labels: ["disk": "ssd"]), Fixture.node("a", zone: "a"), Fixture.node("b", zone: "b"),
        ])
        var pod = Fixture.pod("p")
        pod.spec?.affinity = Affinity(nodeAffinity: NodeAffinity(preferredDuringSchedulingIgnoredDuringExecution: [
            PreferredSchedulingTerm(weight: 10, preference: NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: Fixture.zone, operator: "In", values: ["a"])])),
            PreferredSchedulingTerm(weight: 5, preference: NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: "disk", operator: "Exists")])),
        ]))
        #expect(NodeAffinity().scores(pod, onNodes: ["a-ssd", "a", "b"], in: snapshot) == ["a-ssd": 100, "a": 66, "b": 0])
    }

    @Test func taintTolerationPrefersFewerSoftTaints() {
        let snapshot = ClusterSnapshot(nodes: [
            Fixture.node("clean"),
            Fixture.node("one", taints: [Taint(key: "a", effect: "PreferNoSchedule")]),
            Fixture.node("two", taints: [Taint(key: "a", effect: "PreferNoSchedule"), Taint(key: "b", effect: "PreferNoSchedule")]),
        ])
        let pod = Fixture.pod("p")
        #expect(TaintToleration().scores(pod, onNodes: ["clean", "one", "two"], in: snapshot) == ["clean": 100, "one": 50, "two": 0])
        var tolerant = pod
        tolerant.spec?.tolerations = [Toleration(key: "b", operator: "Exists")]
        #expect(TaintToleration().scores(tolerant, onNodes: ["clean", "one", "two"], in: snapshot) == ["clean": 100, "one": 0, "two": 0])
    }

    @Test func imageLocality() {
        let mb = 1024 * 1024
        let snapshot = ClusterSnapshot(nodes: [
            Fixture.node("has", images: [ContainerImage(names: ["registry.local/big:1"], sizeBytes: 500 * mb)]),
            Fixture.node("hasnt"),
        ])
        let pod = Fixture.pod("p", image: "registry.local/big:1")
        // 500MB × (1 of 2 nodes) = 250MB; (250 − 23) × 100 / (1000 − 23) = 23.
        #expect(ImageLocality().scores(pod, onNodes: ["has", "hasnt"], in: snapshot) == ["has": 23, "hasnt": 0])
        #expect(ImageLocality().scores(Fixture.pod("q", image: "other:1"), onNodes: ["has"], in: snapshot) == [:])
    }

    @Test func preferredInterPodAffinity() {
        var snapshot = ClusterSnapshot(nodes: AffinityFilterTests.nodes)
        snapshot.assume(Fixture.pod("db", labels: ["app": "db"]), on: "b1")
        var pod = Fixture.pod("p", labels: ["app": "web"])
        let term = PodAffinityTerm(labelSelector: LabelSelector(matchLabels: ["app": "db"]), topologyKey: Fixture.zone)
        pod.spec?.affinity = Affinity(podAffinity: PodAffinity(preferredDuringSchedulingIgnoredDuringExecution: [
            WeightedPodAffinityTerm(weight: 50, podAffinityTerm: term),
        ]))
        let names = ["a1", "b1", "b2", "c1"]
        #expect(InterPodAffinity().scores(pod, onNodes: names, in: snapshot) == ["a1": 0, "b1": 100, "b2": 100, "c1": 0])
        pod.spec?.affinity = Affinity(podAntiAffinity: PodAntiAffinity(preferredDuringSchedulingIgnoredDuringExecution: [
            WeightedPodAffinityTerm(weight: 50, podAffinityTerm: term),
        ]))
        #expect(InterPodAffinity().scores(pod, onNodes: names, in: snapshot) == ["a1": 100, "b1": 0, "b2": 0, "c1": 100])
        // Existing pods' preferences work the other way round: a placed pod that wants "web" pods near it.
        var magnet = Fixture.pod("m", labels: ["app": "m"])
        magnet.spec?.affinity = Affinity(podAffinity: PodAffinity(preferredDuringSchedulingIgnoredDuringExecution: [
            WeightedPodAffinityTerm(weight: 10, podAffinityTerm: PodAffinityTerm(labelSelector: LabelSelector(matchLabels: ["app": "web"]), topologyKey: Fixture.zone)),
        ]))
        snapshot.assume(magnet, on: "c1")
        #expect(InterPodAffinity().scores(Fixture.pod("w", labels: ["app": "web"]), onNodes: names, in: snapshot) == ["a1": 0, "b1": 0, "b2": 0, "c1": 100])
    }

    @Test func topologySpreadScheduleAnyway() {
        var snapshot = ClusterSnapshot(nodes: AffinityFilterTests.nodes)
        for (i, node) in ["a1", "a2", "b1"].enumerated() { snapshot.assume(Fixture.pod("w\(i)", labels: ["app": "w"]), on: node) }
        let pod = Fixture.spread(Fixture.pod("w9", labels: ["app": "w"]), maxSkew: 1, hard: false, labels: ["app": "w"])
        let scores = PodTopologySpread().scores(pod, onNodes: ["a1", "b1", "c1"], in: snapshot)
        #expect(scores["c1"] == 100)
        #expect(scores["a1"]! < scores["b1"]!)
        #expect(scores["b1"]! < scores["c1"]!)
        // Soft constraints never filter.
        #expect(PodTopologySpread().filter(pod, onNode: "a1", in: snapshot) == nil)
    }
}
