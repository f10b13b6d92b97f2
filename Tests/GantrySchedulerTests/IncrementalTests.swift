import GantryAPI
import Testing

@testable import GantryScheduler

/// A snapshot kept current through many incremental updates must answer exactly like one built
/// from scratch from the final state.
@Suite("Incremental updates")
struct IncrementalTests {
    static let apps = ["a", "b", "c"]
    static let zones = ["z1", "z2", "z3"]

    func randomPod(_ name: String, _ rng: inout SplitMix64) -> Pod {
        let app = Self.apps[Int(rng.next() % 3)]
        let cpus = ["100m", "250m", "1"]
        var pod = Fixture.pod(name, namespace: rng.next() % 4 == 0 ? "other" : "default", cpu: cpus[Int(rng.next() % 3)], labels: ["app": app])
        let target = Self.apps[Int(rng.next() % 3)]
        let key = rng.next() % 2 == 0 ? Fixture.hostname : Fixture.zone
        let term = PodAffinityTerm(labelSelector: LabelSelector(matchLabels: ["app": target]), topologyKey: key)
        switch rng.next() % 6 {
        case 0: pod = Fixture.antiAffinity(pod, app: target, key: key)
        case 1:
            pod.spec?.affinity = Affinity(podAffinity: PodAffinity(preferredDuringSchedulingIgnoredDuringExecution: [
                WeightedPodAffinityTerm(weight: 7, podAffinityTerm: term)]))
        case 2:
            pod.spec?.affinity = Affinity(podAntiAffinity: PodAntiAffinity(preferredDuringSchedulingIgnoredDuringExecution: [
                WeightedPodAffinityTerm(weight: 3, podAffinityTerm: term)]))
        case 3: pod = Fixture.spread(pod, maxSkew: 1, key: key, hard: rng.next() % 2 == 0, labels: ["app": app])
        case 4: pod = Fixture.affinity(pod, labels: ["app": target], key: key)
        default: break
        }
        return pod
    }

    func node(_ i: Int, zone: String) -> Node { Fixture.node("n\(i)", cpu: "8", memory: "16Gi", zone: zone) }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func incrementalMatchesRebuilt(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var nodes: [String: Node] = [:]
        var pods: [String: Pod] = [:]
        var snapshot = ClusterSnapshot()
        for i in 0..<8 {
            let n = node(i, zone: Self.zones[i % 3])
            nodes[n.metadata.name!] = n
            snapshot.addNode(n)
        }
        var serial = 0
        for _ in 0..<400 {
            let op = rng.next() % 10
            let names = nodes.keys.sorted()
            switch op {
            case 0..<5:
                serial += 1
                var pod = randomPod("p\(serial)", &rng)
                let target = "n\(rng.next() % 9)"  // sometimes a node that does not exist (yet)
                pod.spec?.nodeName = target
                pods[pod.metadata.namespace! + "/" + pod.metadata.name!] = pod
                if rng.next() % 2 == 0 { snapshot.addPod(pod) } else { snapshot.assume(pod, on: target) }
            case 5..<7:
                if let key = pods.keys.sorted().randomElement(using: &rng) {
                    let pod = pods.removeValue(forKey: key)!
                    snapshot.removePod(pod)
                }
            case 7:
                guard let name = names.randomElement(using: &rng) else { continue }
                let i = Int(name.dropFirst())!
                let relabelled = node(i, zone: Self.zones[Int(rng.next() % 3)])
                nodes[name] = relabelled
                snapshot.updateNode(relabelled)
            case 8:
                guard let name = names.randomElement(using: &rng) else { continue }
                nodes[name] = nil
                snapshot.removeNode(named: name)
            default:
                let i = Int(rng.next() % 9)
                let n = node(i, zone: Self.zones[Int(rng.next() % 3)])
                nodes[n.metadata.name!] = n
                snapshot.addNode(n)
            }
        }
        let rebuilt = ClusterSnapshot(nodes: Array(nodes.values), pods: Array(pods.values))
        let names = nodes.keys.sorted()
        #expect(snapshot.nodeNames.sorted() == names)
        #expect(snapshot.podCount == rebuilt.podCount)
        for name in names {
            #expect(snapshot.nodeInfo(named: name)?.requested == rebuilt.nodeInfo(named: name)?.requested)
            #expect(snapshot.nodeInfo(named: name)?.pods.sorted() == rebuilt.nodeInfo(named: name)?.pods.sorted())
        }
        let filters = Scheduler.defaultFilters(SchedulerConfiguration())
        let scorers = Scheduler.defaultScorers(SchedulerConfiguration())
        for p in 0..<40 {
            let probe = randomPod("probe\(p)", &rng)
            for filter in filters {
                for name in names {
                    #expect(filter.filter(probe, onNode: name, in: snapshot) == filter.filter(probe, onNode: name, in: rebuilt),
                            "\(filter.name) \(name) seed \(seed) probe \(p)")
                }
            }
            for scorer in scorers {
                #expect(scorer.plugin.scores(probe, onNodes: names, in: snapshot) == scorer.plugin.scores(probe, onNodes: names, in: rebuilt),
                        "\(scorer.plugin.name) seed \(seed) probe \(p)")
            }
        }
    }
}
