import Foundation
import GantryAPI
import GantryScheduler

// gantry-bench scheduler [--nodes 5000] [--pods 50000] [--strategy spread|binpack]
//
// Builds a synthetic cluster (nodes of 4–32 cpus and 2–4 GiB per cpu, 110 pods each, ten zones, 5% of
// nodes tainted) and a stream of pods created deployment by deployment: most with plain requests, 15%
// pinned to a zone with a nodeSelector, 15% in apps with required anti-affinity on the hostname, 5%
// spread over zones (maxSkew 1, DoNotSchedule), 3% tolerating the taint. Every pod goes through the
// real scheduler (all default plugins) and is assumed on its node before the next. Prints the rate, the
// placement quality and rule violations (there should be none), and, measured in the same run, a
// baseline: a bare loop that checks only cpu and memory over every node for each pod.

/// Runs the scheduler benchmark and prints its figures.
func schedulerBenchmark(nodes: Int, pods: Int, strategy: String) throws {
    guard let strategy = ScoringStrategy(rawValue: strategy) else {
        throw GantryError(.invalid, "unknown strategy \"\(strategy)\": use spread or binpack")
    }
    var rng = SplitMix64(seed: 42)
    let cluster = SchedulerBench.makeNodes(nodes, &rng)
    let workload = SchedulerBench.makePods(pods, zones: SchedulerBench.zones, &rng)

    let clock = ContinuousClock()
    var snapshot = ClusterSnapshot()
    let buildTime = clock.measure { snapshot = ClusterSnapshot(nodes: cluster) }

    var scheduler = Scheduler(configuration: SchedulerConfiguration(strategy: strategy, seed: 1))
    var placements: [String?] = []
    placements.reserveCapacity(workload.count)
    var firstFailure: String?
    var evaluated = 0
    var feasible = 0
    let scheduleTime = clock.measure {
        for pod in workload {
            switch scheduler.schedule(pod, in: snapshot) {
            case .bound(let node, _):
                snapshot.assume(pod, on: node)
                placements.append(node)
            case .unschedulable(let message):
                if firstFailure == nil { firstFailure = message }
                placements.append(nil)
            }
            evaluated += scheduler.lastCycle.evaluatedNodes
            feasible += scheduler.lastCycle.feasibleNodes
        }
    }
    let baseline = SchedulerBench.bareResourceScan(cluster, workload)

    let seconds = SchedulerBench.seconds(scheduleTime)
    let scheduled = placements.compactMap { $0 }.count
    print("scheduler nodes=\(nodes) pods=\(workload.count) strategy=\(strategy.rawValue) percentage_of_nodes_to_score=\(scheduler.numberOfNodesToFind(nodes) * 100 / max(1, nodes))%")
    print(String(format: "snapshot_build_seconds=%.3f", SchedulerBench.seconds(buildTime)))
    print(String(format: "scheduled=%d unschedulable=%d seconds=%.3f pods_per_second=%.0f", scheduled, workload.count - scheduled, seconds, Double(workload.count) / seconds))
    print(String(format: "evaluated_nodes_per_pod=%.0f feasible_nodes_per_pod=%.0f", Double(evaluated) / Double(max(1, workload.count)), Double(feasible) / Double(max(1, workload.count))))
    if let firstFailure { print("first_unschedulable_message=\"\(firstFailure)\"") }
    SchedulerBench.printQuality(snapshot, cluster: cluster)
    print("violations: " + SchedulerBench.violations(workload, placements, cluster))
    print(String(format: "baseline (bare cpu+memory check over every node, least-allocated pick, no labels/taints/affinity/scoring plugins): seconds=%.3f rate=%.0f pods/s scheduled=%d",
                 baseline.seconds, Double(workload.count) / baseline.seconds, baseline.scheduled))
}

/// Helpers of the scheduler benchmark.
enum SchedulerBench {
    static let zones = (0..<10).map { "zone-\($0)" }
    static let zoneKey = "topology.kubernetes.io/zone"
    static let hostnameKey = "kubernetes.io/hostname"
    static let images = (0..<20).map { "registry.local/app-\($0):1.0" }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func pick<T>(_ items: [T], _ rng: inout SplitMix64) -> T { items[Int(rng.next() % UInt64(items.count))] }

    static func chance(_ p: Double, _ rng: inout SplitMix64) -> Bool { Double(rng.next() % 1_000_000) / 1_000_000 < p }

    static func makeNodes(_ count: Int, _ rng: inout SplitMix64) -> [Node] {
        (0..<count).map { i in
            let name = String(format: "node-%05d", i)
            let cpus = pick([4, 8, 16, 32], &rng)
            let memoryGi = cpus * pick([2, 4], &rng)
            var taints: [Taint]?
            if chance(0.05, &rng) { taints = [Taint(key: "dedicated", value: "gpu", effect: "NoSchedule")] }
            let nodeImages = (0..<3).map { _ in
                ContainerImage(names: [pick(images, &rng)], sizeBytes: Int(50 + rng.next() % 450) * 1024 * 1024)
            }
            return Node(
                metadata: ObjectMeta(name: name, labels: [hostnameKey: name, zoneKey: zones[i % zones.count], "node.kubernetes.io/instance-type": "c\(cpus)"]),
                spec: NodeSpec(taints: taints),
                status: NodeStatus(
                    allocatable: ["cpu": Quantity(integer: Int64(cpus)), "memory": try! Quantity("\(memoryGi)Gi"),
                                  "pods": 110, "ephemeral-storage": try! Quantity("100Gi")],
                    images: nodeImages))
        }
    }

    /// Pods, deployment by deployment.
    static func makePods(_ count: Int, zones: [String], _ rng: inout SplitMix64) -> [Pod] {
        let cpus = ["250m", "500m", "1", "2"].map { try! Quantity($0) }
        let memories = ["512Mi", "1Gi", "2Gi", "4Gi"].map { try! Quantity($0) }
        var pods: [Pod] = []
        pods.reserveCapacity(count)
        var deployment = 0
        while pods.count < count {
            deployment += 1
            let app = "app-\(deployment)"
            let kind = rng.next() % 100
            let replicas = min(count - pods.count, Int(1 + rng.next() % 40))
            let requests = ["cpu": pick(cpus, &rng), "memory": pick(memories, &rng)]
            var spec = PodSpec(containers: [Container(name: "main", image: pick(images, &rng), resources: ResourceRequirements(requests: requests))])
            switch kind {
            case 0..<15:  // pinned to a zone
                spec.nodeSelector = [zoneKey: pick(zones, &rng)]
            case 15..<30:  // one replica per node
                spec.affinity = Affinity(podAntiAffinity: PodAntiAffinity(requiredDuringSchedulingIgnoredDuringExecution: [
                    PodAffinityTerm(labelSelector: LabelSelector(matchLabels: ["app": app]), topologyKey: hostnameKey),
                ]))
            case 30..<35:  // spread evenly over zones
                spec.topologySpreadConstraints = [TopologySpreadConstraint(
                    maxSkew: 1, topologyKey: zoneKey, whenUnsatisfiable: "DoNotSchedule", labelSelector: LabelSelector(matchLabels: ["app": app]))]
            case 35..<38:  // runs on the dedicated nodes too
                spec.tolerations = [Toleration(key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule")]
            default:
                break
            }
            for r in 0..<replicas {
                pods.append(Pod(metadata: ObjectMeta(name: "\(app)-\(r)", namespace: "default", labels: ["app": app, "tier": kind < 30 ? "backend" : "web"]), spec: spec))
            }
        }
        return pods
    }

    /// Requested / allocatable fractions of cpu and memory over all nodes.
    static func printQuality(_ snapshot: ClusterSnapshot, cluster: [Node]) {
        var cpu: [Double] = []
        var memory: [Double] = []
        var used = 0
        for node in cluster {
            guard let info = snapshot.nodeInfo(named: node.metadata.name ?? "") else { continue }
            cpu.append(Double(info.requested.milliCPU) / Double(max(1, info.allocatable.milliCPU)))
            memory.append(Double(info.requested.memory) / Double(max(1, info.allocatable.memory)))
            if info.requested.pods > 0 { used += 1 }
        }
        func line(_ name: String, _ v: [Double]) {
            let mean = v.reduce(0, +) / Double(max(1, v.count))
            let sd = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, v.count))).squareRoot()
            print(String(format: "%@_utilisation min=%.3f mean=%.3f max=%.3f stddev=%.3f", name, v.min() ?? 0, mean, v.max() ?? 0, sd))
        }
        line("cpu", cpu)
        line("memory", memory)
        print("nodes_with_pods=\(used) empty_nodes=\(cluster.count - used)")
    }

    /// Placements that break a rule the pods asked for (should be none).
    static func violations(_ pods: [Pod], _ placements: [String?], _ cluster: [Node]) -> String {
        var labels: [String: [String: String]] = [:]
        var tainted = Set<String>()
        for n in cluster {
            labels[n.metadata.name ?? ""] = n.metadata.labels ?? [:]
            if n.spec?.taints != nil { tainted.insert(n.metadata.name ?? "") }
        }
        var selector = 0
        var anti = 0
        var taint = 0
        var seen = Set<String>()
        var zoneCounts: [String: [String: Int]] = [:]  // spread app -> zone -> pods
        for (pod, node) in zip(pods, placements) {
            guard let node else { continue }
            if pod.spec?.topologySpreadConstraints != nil {
                zoneCounts[pod.metadata.labels?["app"] ?? "", default: [:]][labels[node]?[zoneKey] ?? "", default: 0] += 1
            }
            for (k, v) in pod.spec?.nodeSelector ?? [:] where labels[node]?[k] != v { selector += 1 }
            if pod.spec?.affinity?.podAntiAffinity != nil {
                let key = (pod.metadata.labels?["app"] ?? "") + "@" + node
                if !seen.insert(key).inserted { anti += 1 }
            }
            if tainted.contains(node) && pod.spec?.tolerations == nil { taint += 1 }
        }
        let skewed = zoneCounts.values.filter { counts in
            let perZone = zones.map { counts[$0] ?? 0 }
            return perZone.max()! - perZone.min()! > 1
        }.count
        return "node_selector=\(selector) anti_affinity=\(anti) taints=\(taint) zone_skew_over_1=\(skewed)"
    }

    /// The baseline: for each pod, scan every node's cpu and memory (plain Int64 arrays) and take the
    /// least allocated that fits. No labels, taints, affinity, pod limits or weighted scoring.
    static func bareResourceScan(_ cluster: [Node], _ pods: [Pod]) -> (seconds: Double, scheduled: Int) {
        let allocCPU = cluster.map { $0.status?.allocatable?["cpu"]?.milliValue ?? 0 }
        let allocMemory = cluster.map { $0.status?.allocatable?["memory"]?.value ?? 0 }
        var reqCPU = [Int64](repeating: 0, count: cluster.count)
        var reqMemory = [Int64](repeating: 0, count: cluster.count)
        let requests = pods.map { pod -> (Int64, Int64) in
            let r = pod.spec?.containers?.first?.resources?.requests
            return (r?["cpu"]?.milliValue ?? 0, r?["memory"]?.value ?? 0)
        }
        var scheduled = 0
        let clock = ContinuousClock()
        let time = clock.measure {
            for (cpu, memory) in requests {
                var best = -1
                var bestFree: Int64 = -1
                for n in 0..<allocCPU.count {
                    let freeCPU = allocCPU[n] - reqCPU[n]
                    let freeMemory = allocMemory[n] - reqMemory[n]
                    guard cpu <= freeCPU, memory <= freeMemory else { continue }
                    let free = freeCPU * 100 / max(1, allocCPU[n]) + freeMemory * 100 / max(1, allocMemory[n])
                    if free > bestFree {
                        best = n
                        bestFree = free
                    }
                }
                if best >= 0 {
                    reqCPU[best] += cpu
                    reqMemory[best] += memory
                    scheduled += 1
                }
            }
        }
        return (seconds(time), scheduled)
    }
}
