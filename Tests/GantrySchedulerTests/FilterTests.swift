import GantryAPI
import Testing

@testable import GantryScheduler

@Suite("Filter plugins")
struct FilterTests {
    @Test func nodeUnschedulable() {
        let snapshot = ClusterSnapshot(nodes: [Fixture.node("a", unschedulable: true), Fixture.node("b")])
        let pod = Fixture.pod("p")
        #expect(NodeUnschedulable().filter(pod, onNode: "a", in: snapshot) == FilterFailure("node(s) were unschedulable", unresolvable: true))
        #expect(NodeUnschedulable().filter(pod, onNode: "b", in: snapshot) == nil)
        var tolerant = pod
        tolerant.spec?.tolerations = [Toleration(key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule")]
        #expect(NodeUnschedulable().filter(tolerant, onNode: "a", in: snapshot) == nil)
    }

    @Test func nodeName() {
        let snapshot = ClusterSnapshot(nodes: [Fixture.node("a"), Fixture.node("b")])
        var pod = Fixture.pod("p")
        #expect(NodeName().filter(pod, onNode: "a", in: snapshot) == nil)
        pod.spec?.nodeName = "b"
        #expect(NodeName().filter(pod, onNode: "a", in: snapshot)?.reasons == ["node(s) didn't match the requested node name"])
        #expect(NodeName().filter(pod, onNode: "b", in: snapshot) == nil)
    }

    @Test func resourcesFit() {
        var snapshot = ClusterSnapshot(nodes: [Fixture.node("a", cpu: "2", memory: "4Gi", pods: 2)])
        let fit = NodeResourcesFit()
        #expect(fit.filter(Fixture.pod("p", cpu: "2", memory: "4Gi"), onNode: "a", in: snapshot) == nil)
        #expect(fit.filter(Fixture.pod("p", cpu: "2100m"), onNode: "a", in: snapshot)
            == FilterFailure("Insufficient cpu", unresolvable: false))
        #expect(fit.filter(Fixture.pod("p", cpu: "3", memory: "5Gi"), onNode: "a", in: snapshot)?.reasons
            == ["Insufficient cpu", "Insufficient memory"])
        snapshot.assume(Fixture.pod("x", cpu: "1500m", memory: "1Gi"), on: "a")
        #expect(fit.filter(Fixture.pod("p", cpu: "600m"), onNode: "a", in: snapshot)?.reasons == ["Insufficient cpu"])
        #expect(fit.filter(Fixture.pod("p", cpu: "500m"), onNode: "a", in: snapshot) == nil)
        snapshot.assume(Fixture.pod("y"), on: "a")
        // Pod count is checked even for a pod that requests nothing.
        #expect(fit.filter(Fixture.pod("p"), onNode: "a", in: snapshot)?.reasons == ["Too many pods"])
        #expect(fit.filter(Fixture.pod("p", cpu: "1"), onNode: "a", in: snapshot)?.reasons == ["Too many pods", "Insufficient cpu"])
    }

    @Test func ephemeralStorageAndExtendedResources() {
        let node = Fixture.node("gpu", extra: ["nvidia.com/gpu": 1, "ephemeral-storage": try! Quantity("10Gi")])
        let snapshot = ClusterSnapshot(nodes: [node, Fixture.node("plain")])
        var pod = Fixture.pod("p")
        pod.spec?.containers?[0].resources?.requests = ["nvidia.com/gpu": 1, "ephemeral-storage": try! Quantity("20Gi")]
        #expect(NodeResourcesFit().filter(pod, onNode: "gpu", in: snapshot)?.reasons == ["Insufficient ephemeral-storage"])
        #expect(NodeResourcesFit().filter(pod, onNode: "plain", in: snapshot)?.reasons
            == ["Insufficient ephemeral-storage", "Insufficient nvidia.com/gpu"])
        pod.spec?.containers?[0].resources?.requests = ["nvidia.com/gpu": 1]
        #expect(NodeResourcesFit().filter(pod, onNode: "gpu", in: snapshot) == nil)
        var snapshot2 = snapshot
        snapshot2.assume(pod, on: "gpu")
        #expect(NodeResourcesFit().filter(pod, onNode: "gpu", in: snapshot2)?.reasons == ["Insufficient nvidia.com/gpu"])
    }

    @Test func nodeSelectorAndRequiredNodeAffinity() {
        let snapshot = ClusterSnapshot(nodes: [
            Fixture.node("a", zone: "z1", labels: ["disk": "ssd", "gen": "5"]),
            Fixture.node("b", zone: "z2", labels: ["disk": "hdd", "gen": "3"]),
            Fixture.node("c", zone: "z3"),
        ])
        let affinity = NodeAffinity()
        let reason = "node(s) didn't match Pod's node affinity/selector"
        var pod = Fixture.pod("p")
        pod.spec?.nodeSelector = ["disk": "ssd"]
        #expect(affinity.filter(pod, onNode: "a", in: snapshot) == nil)
        #expect(affinity.filter(pod, onNode: "b", in: snapshot) == FilterFailure(reason, unresolvable: true))
        #expect(affinity.filter(pod, onNode: "c", in: snapshot)?.reasons == [reason])

        func required(_ terms: [NodeSelectorTerm]) -> Pod {
            var p = Fixture.pod("p")
            p.spec?.affinity = Affinity(nodeAffinity: NodeAffinity(requiredDuringSchedulingIgnoredDuringExecution: NodeSelector(nodeSelectorTerms: terms)))
            return p
        }
        func term(_ key: String, _ op: String, _ values: [String]? = nil) -> NodeSelectorTerm {
            NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: key, operator: op, values: values)])
        }
        func passing(_ pod: Pod) -> [String] { ["a", "b", "c"].filter { affinity.filter(pod, onNode: $0, in: snapshot) == nil } }
        #expect(passing(required([term(Fixture.zone, "In", ["z1", "z3"])])) == ["a", "c"])
        #expect(passing(required([term("disk", "NotIn", ["ssd"])])) == ["b", "c"])
        #expect(passing(required([term("disk", "Exists")])) == ["a", "b"])
        #expect(passing(required([term("disk", "DoesNotExist")])) == ["c"])
        #expect(passing(required([term("gen", "Gt", ["4"])])) == ["a"])
        #expect(passing(required([term("gen", "Lt", ["4"])])) == ["b"])
        // Terms are ORed; requirements within a term ANDed.
        #expect(passing(required([term("disk", "In", ["hdd"]), term(Fixture.zone, "In", ["z3"])])) == ["b", "c"])
        #expect(passing(required([NodeSelectorTerm(matchExpressions: [
            NodeSelectorRequirement(key: "disk", operator: "Exists"), NodeSelectorRequirement(key: "gen", operator: "Gt", values: ["3"]),
        ])])) == ["a"])
        #expect(passing(required([NodeSelectorTerm(matchFields: [NodeSelectorRequirement(key: "metadata.name", operator: "In", values: ["b"])])])) == ["b"])
        // An empty term matches no node.
        #expect(passing(required([NodeSelectorTerm()])) == [])
        // Node selector and affinity must both hold.
        var both = required([term(Fixture.zone, "In", ["z1", "z2"])])
        both.spec?.nodeSelector = ["disk": "hdd"]
        #expect(passing(both) == ["b"])
    }

    @Test func taintToleration() {
        let snapshot = ClusterSnapshot(nodes: [
            Fixture.node("master", taints: [Taint(key: "node-role", value: "master", effect: "NoSchedule")]),
            Fixture.node("evict", taints: [Taint(key: "gone", effect: "NoExecute")]),
            Fixture.node("soft", taints: [Taint(key: "meh", value: "x", effect: "PreferNoSchedule")]),
        ])
        let plugin = TaintToleration()
        let pod = Fixture.pod("p")
        #expect(plugin.filter(pod, onNode: "master", in: snapshot)
            == FilterFailure("node(s) had untolerated taint {node-role: master}", unresolvable: true))
        #expect(plugin.filter(pod, onNode: "evict", in: snapshot)?.reasons == ["node(s) had untolerated taint {gone: }"])
        #expect(plugin.filter(pod, onNode: "soft", in: snapshot) == nil)  // PreferNoSchedule only scores

        func with(_ t: [Toleration]) -> Pod {
            var p = pod
            p.spec?.tolerations = t
            return p
        }
        #expect(plugin.filter(with([Toleration(key: "node-role", operator: "Equal", value: "master", effect: "NoSchedule")]), onNode: "master", in: snapshot) == nil)
        #expect(plugin.filter(with([Toleration(key: "node-role", value: "master")]), onNode: "master", in: snapshot) == nil)  // any effect
        #expect(plugin.filter(with([Toleration(key: "node-role", operator: "Exists")]), onNode: "master", in: snapshot) == nil)
        #expect(plugin.filter(with([Toleration(operator: "Exists")]), onNode: "evict", in: snapshot) == nil)  // tolerates everything
        #expect(plugin.filter(with([Toleration(key: "node-role", value: "worker")]), onNode: "master", in: snapshot) != nil)
        #expect(plugin.filter(with([Toleration(key: "node-role", operator: "Exists", effect: "NoExecute")]), onNode: "master", in: snapshot) != nil)
    }

    @Test func nodePorts() {
        var snapshot = ClusterSnapshot(nodes: [Fixture.node("a")])
        func withPort(_ name: String, _ port: Int, proto: String? = nil, ip: String? = nil) -> Pod {
            var p = Fixture.pod(name)
            p.spec?.containers?[0].ports = [ContainerPort(hostPort: port, containerPort: 80, protocol: proto, hostIP: ip)]
            return p
        }
        #expect(NodePorts().filter(withPort("p", 8080), onNode: "a", in: snapshot) == nil)
        snapshot.assume(withPort("x", 8080, ip: "10.0.0.1"), on: "a")
        let reason = "node(s) didn't have free ports for the requested pod ports"
        #expect(NodePorts().filter(withPort("p", 8080), onNode: "a", in: snapshot) == FilterFailure(reason, unresolvable: false))  // 0.0.0.0 overlaps
        #expect(NodePorts().filter(withPort("p", 8080, ip: "10.0.0.2"), onNode: "a", in: snapshot) == nil)
        #expect(NodePorts().filter(withPort("p", 8080, ip: "10.0.0.1"), onNode: "a", in: snapshot) != nil)
        #expect(NodePorts().filter(withPort("p", 8080, proto: "UDP"), onNode: "a", in: snapshot) == nil)
        #expect(NodePorts().filter(withPort("p", 9090), onNode: "a", in: snapshot) == nil)
        snapshot.removePod(namespace: "default", name: "x")
        #expect(NodePorts().filter(withPort("p", 8080), onNode: "a", in: snapshot) == nil)
    }
}

@Suite("Inter-pod affinity and topology spread")
struct AffinityFilterTests {
    static let nodes = [
        Fixture.node("a1", zone: "a"), Fixture.node("a2", zone: "a"),
        Fixture.node("b1", zone: "b"), Fixture.node("b2", zone: "b"),
        Fixture.node("c1", zone: "c"),
    ]
    let names = nodes.map { $0.metadata.name! }

    func passing(_ plugin: some FilterPlugin, _ pod: Pod, _ snapshot: ClusterSnapshot) -> [String] {
        names.filter { plugin.filter(pod, onNode: $0, in: snapshot) == nil }
    }

    @Test func antiAffinityOnHostname() {
        var snapshot = ClusterSnapshot(nodes: Self.nodes)
        snapshot.assume(Fixture.pod("web-0", labels: ["app": "web"]), on: "a1")
        let pod = Fixture.antiAffinity(Fixture.pod("web-1", labels: ["app": "web"]), app: "web")
        #expect(passing(InterPodAffinity(), pod, snapshot) == ["a2", "b1", "b2", "c1"])
        #expect(InterPodAffinity().filter(pod, onNode: "a1", in: snapshot)
            == FilterFailure("node(s) didn't match pod anti-affinity rules", unresolvable: false))
    }

    @Test func antiAffinityAcrossZones() {
        var snapshot = ClusterSnapshot(nodes: Self.nodes)
        var scheduler = Scheduler(configuration: SchedulerConfiguration(seed: 7))
        var zones: [String] = []
        for i in 0..<3 {
            let pod = Fixture.antiAffinity(Fixture.pod("db-\(i)", labels: ["app": "db"]), app: "db", key: Fixture.zone)
            let node = Fixture.place(pod, &scheduler, &snapshot)
            zones.append(String(node!.prefix(1)))
        }
        #expect(Set(zones) == ["a", "b", "c"])
        // A fourth replica has no zone left.
        let fourth = Fixture.antiAffinity(Fixture.pod("db-3", labels: ["app": "db"]), app: "db", key: Fixture.zone)
        #expect(scheduler.schedule(fourth, in: snapshot) == .unschedulable(message: "0/5 nodes are available: 5 node(s) didn't match pod anti-affinity rules."))
    }

    @Test func existingPodsAntiAffinityRepelsIncomingPods() {
        var snapshot = ClusterSnapshot(nodes: Self.nodes)
        // A placed pod that refuses to share a zone with "noisy" pods.
        snapshot.assume(Fixture.antiAffinity(Fixture.pod("quiet", labels: ["app": "quiet"]), app: "noisy", key: Fixture.zone), on: "b1")
        let noisy = Fixture.pod("n", labels: ["app": "noisy"])
        #expect(passing(InterPodAffinity(), noisy, snapshot) == ["a1", "a2", "c1"])
        #expect(InterPodAffinity().filter(noisy, onNode: "b2", in: snapshot)?.reasons == ["node(s) didn't satisfy existing pods anti-affinity rules"])
        // Other namespaces are not affected (the term defaults to its owner's namespace).
        let elsewhere = Fixture.pod("n", namespace: "other", labels: ["app": "noisy"])
        #expect(passing(InterPodAffinity(), elsewhere, snapshot) == names)
        // Removing the owner lifts the rule.
        snapshot.removePod(namespace: "default", name: "quiet")
        #expect(passing(InterPodAffinity(), noisy, snapshot) == names)
    }

    @Test func requiredAffinityFollowsItsTargetsDomain() {
        var snapshot = ClusterSnapshot(nodes: Self.nodes)
        let cache = Fixture.affinity(Fixture.pod("cache", labels: ["app": "cache"]), labels: ["app": "db"])
        // No db pod anywhere and the pod does not match its own term: nowhere.
        #expect(passing(InterPodAffinity(), cache, snapshot) == [])
        #expect(InterPodAffinity().filter(cache, onNode: "a1", in: snapshot) == FilterFailure("node(s) didn't match pod affinity rules", unresolvable: true))
        snapshot.assume(Fixture.pod("db", labels: ["app": "db"]), on: "b2")
        #expect(passing(InterPodAffinity(), cache, snapshot) == ["b1", "b2"])
    }

    @Test func firstPodWithAffinityToItselfMayGoAnywhere() {
        var snapshot = ClusterSnapshot(nodes: Self.nodes)
        let first = Fixture.affinity(Fixture.pod("w0", labels: ["app": "w"]), labels: ["app": "w"])
        #expect(passing(InterPodAffinity(), first, snapshot) == names)
        snapshot.assume(first, on: "c1")
        let second = Fixture.affinity(Fixture.pod("w1", labels: ["app": "w"]), labels: ["app": "w"])
        #expect(passing(InterPodAffinity(), second, snapshot) == ["c1"])
    }

    @Test func affinityNamespacesAndNamespaceSelector() {
        var snapshot = ClusterSnapshot(nodes: Self.nodes, namespaces: [
            Namespace(metadata: ObjectMeta(name: "prod", labels: ["env": "prod"])),
        ])
        snapshot.assume(Fixture.pod("db", namespace: "prod", labels: ["app": "db"]), on: "a1")
        var pod = Fixture.pod("c", labels: ["app": "c"])
        let term = PodAffinityTerm(labelSelector: LabelSelector(matchLabels: ["app": "db"]), topologyKey: Fixture.zone)
        pod.spec?.affinity = Affinity(podAffinity: PodAffinity(requiredDuringSchedulingIgnoredDuringExecution: [term]))
        #expect(passing(InterPodAffinity(), pod, snapshot) == [])  // own namespace only
        var listed = term
        listed.namespaces = ["prod"]
        pod.spec?.affinity = Affinity(podAffinity: PodAffinity(requiredDuringSchedulingIgnoredDuringExecution: [listed]))
        #expect(passing(InterPodAffinity(), pod, snapshot) == ["a1", "a2"])
        var selected = term
        selected.namespaceSelector = LabelSelector(matchLabels: ["env": "prod"])
        pod.spec?.affinity = Affinity(podAffinity: PodAffinity(requiredDuringSchedulingIgnoredDuringExecution: [selected]))
        #expect(passing(InterPodAffinity(), pod, snapshot) == ["a1", "a2"])
        snapshot.setNamespace(Namespace(metadata: ObjectMeta(name: "prod", labels: ["env": "staging"])))
        #expect(passing(InterPodAffinity(), pod, snapshot) == [])
    }

    @Test func topologySpreadSkew() {
        var snapshot = ClusterSnapshot(nodes: Self.nodes)
        for (i, node) in ["a1", "a2", "b1"].enumerated() { snapshot.assume(Fixture.pod("w\(i)", labels: ["app": "w"]), on: node) }
        // Zone counts: a=2, b=1, c=0. With maxSkew 1 only zone c (0+1-0 = 1) fits; b would be 1+1-0 = 2.
        let pod = Fixture.spread(Fixture.pod("w9", labels: ["app": "w"]), maxSkew: 1, labels: ["app": "w"])
        #expect(passing(PodTopologySpread(), pod, snapshot) == ["c1"])
        #expect(PodTopologySpread().filter(pod, onNode: "b1", in: snapshot)
            == FilterFailure("node(s) didn't match pod topology spread constraints", unresolvable: false))
        let loose = Fixture.spread(Fixture.pod("w9", labels: ["app": "w"]), maxSkew: 2, labels: ["app": "w"])
        #expect(passing(PodTopologySpread(), loose, snapshot) == ["b1", "b2", "c1"])
        // Other namespaces' pods do not count.
        let other = Fixture.spread(Fixture.pod("w9", namespace: "x", labels: ["app": "w"]), maxSkew: 1, labels: ["app": "w"])
        #expect(passing(PodTopologySpread(), other, snapshot) == names)
    }

    @Test func topologySpreadMissingLabelAndMinDomains() {
        var snapshot = ClusterSnapshot(nodes: Self.nodes + [Fixture.node("nozone")])
        let pod = Fixture.spread(Fixture.pod("w", labels: ["app": "w"]), maxSkew: 1, labels: ["app": "w"])
        #expect(PodTopologySpread().filter(pod, onNode: "nozone", in: snapshot)
            == FilterFailure("node(s) didn't match pod topology spread constraints (missing required label)", unresolvable: true))
        snapshot.assume(Fixture.pod("w0", labels: ["app": "w"]), on: "a1")
        snapshot.assume(Fixture.pod("w1", labels: ["app": "w"]), on: "b1")
        snapshot.assume(Fixture.pod("w2", labels: ["app": "w"]), on: "c1")
        // Each zone has 1: anything goes with maxSkew 1 ...
        #expect(PodTopologySpread().filter(pod, onNode: "a2", in: snapshot) == nil)
        // ... but with minDomains 4 (only 3 zones) the global minimum counts as 0, so 1+1-0 > 1.
        let strict = Fixture.spread(Fixture.pod("w", labels: ["app": "w"]), maxSkew: 1, labels: ["app": "w"], minDomains: 4)
        #expect(PodTopologySpread().filter(strict, onNode: "a2", in: snapshot) != nil)
    }

    @Test func topologySpreadHonoursNodeAffinity() {
        var snapshot = ClusterSnapshot(nodes: Self.nodes)
        snapshot.assume(Fixture.pod("w0", labels: ["app": "w"]), on: "a1")
        snapshot.assume(Fixture.pod("w1", labels: ["app": "w"]), on: "b1")
        var pod = Fixture.spread(Fixture.pod("w2", labels: ["app": "w"]), maxSkew: 1, labels: ["app": "w"])
        // Zone c is empty, so a and b are at the limit ...
        #expect(passing(PodTopologySpread(), pod, snapshot) == ["c1"])
        // ... but a pod restricted to zones a and b only counts those domains.
        pod.spec?.affinity = Affinity(nodeAffinity: NodeAffinity(requiredDuringSchedulingIgnoredDuringExecution: NodeSelector(nodeSelectorTerms: [
            NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: Fixture.zone, operator: "In", values: ["a", "b"])]),
        ])))
        #expect(passing(PodTopologySpread(), pod, snapshot) == ["a1", "a2", "b1", "b2", "c1"])
    }

    @Test func passesAgreesWithFailure() {
        // Every plugin's fast path must give the same answer as its explaining path.
        var snapshot = ClusterSnapshot(nodes: Self.nodes + [
            Fixture.node("t", zone: "c", taints: [Taint(key: "k", value: "v", effect: "NoSchedule")]),
            Fixture.node("u", zone: "a", unschedulable: true),
        ])
        snapshot.assume(Fixture.antiAffinity(Fixture.pod("x", cpu: "3", labels: ["app": "x"]), app: "y"), on: "a1")
        snapshot.assume(Fixture.pod("y", cpu: "1", labels: ["app": "y"]), on: "b1")
        var pods = [
            Fixture.pod("p", cpu: "2", labels: ["app": "y"]),
            Fixture.antiAffinity(Fixture.pod("q", labels: ["app": "y"]), app: "y", key: Fixture.zone),
            Fixture.affinity(Fixture.pod("r"), labels: ["app": "x"]),
            Fixture.spread(Fixture.pod("s", labels: ["app": "y"]), maxSkew: 1, labels: ["app": "y"]),
        ]
        var tolerant = Fixture.pod("t", cpu: "500m")
        tolerant.spec?.tolerations = [Toleration(key: "k", operator: "Exists")]
        tolerant.spec?.nodeSelector = [Fixture.zone: "c"]
        pods.append(tolerant)
        for plugin in Scheduler.defaultFilters(SchedulerConfiguration()) {
            for pod in pods {
                guard let check = plugin.prepare(snapshot.podInfo(for: pod), in: snapshot) else { continue }
                for slot in snapshot.scanOrder {
                    #expect(check.passes(slot, in: snapshot) == (check.failure(slot, in: snapshot) == nil), "\(plugin.name) \(pod.metadata.name!)")
                }
            }
        }
    }
}
