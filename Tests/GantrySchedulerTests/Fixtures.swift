import GantryAPI
import GantryScheduler

/// Builders for nodes and pods in scheduler tests.
enum Fixture {
    static let hostname = "kubernetes.io/hostname"
    static let zone = "topology.kubernetes.io/zone"

    static func node(
        _ name: String, cpu: String = "4", memory: String = "8Gi", pods: Int64 = 110, zone: String? = nil,
        labels: [String: String] = [:], taints: [Taint]? = nil, unschedulable: Bool? = nil,
        extra: [String: Quantity] = [:], images: [ContainerImage]? = nil
    ) -> Node {
        var l = labels
        l[hostname] = name
        if let zone { l[Fixture.zone] = zone }
        var allocatable: [String: Quantity] = ["cpu": try! Quantity(cpu), "memory": try! Quantity(memory), "pods": Quantity(integer: pods)]
        for (k, v) in extra { allocatable[k] = v }
        return Node(
            metadata: ObjectMeta(name: name, labels: l),
            spec: NodeSpec(unschedulable: unschedulable, taints: taints),
            status: NodeStatus(allocatable: allocatable, images: images))
    }

    static func pod(
        _ name: String, namespace: String = "default", cpu: String? = nil, memory: String? = nil,
        labels: [String: String] = [:], nodeName: String? = nil, image: String = "busybox:1.36"
    ) -> Pod {
        var requests: [String: Quantity] = [:]
        if let cpu { requests["cpu"] = try! Quantity(cpu) }
        if let memory { requests["memory"] = try! Quantity(memory) }
        return Pod(
            metadata: ObjectMeta(name: name, namespace: namespace, labels: labels),
            spec: PodSpec(
                containers: [Container(name: "c", image: image, resources: ResourceRequirements(requests: requests))],
                nodeName: nodeName))
    }

    static func antiAffinity(_ pod: Pod, app: String, key: String = hostname) -> Pod {
        var p = pod
        p.spec?.affinity = Affinity(podAntiAffinity: PodAntiAffinity(requiredDuringSchedulingIgnoredDuringExecution: [
            PodAffinityTerm(labelSelector: LabelSelector(matchLabels: ["app": app]), topologyKey: key),
        ]))
        return p
    }

    static func affinity(_ pod: Pod, labels: [String: String], key: String = zone) -> Pod {
        var p = pod
        p.spec?.affinity = Affinity(podAffinity: PodAffinity(requiredDuringSchedulingIgnoredDuringExecution: [
            PodAffinityTerm(labelSelector: LabelSelector(matchLabels: labels), topologyKey: key),
        ]))
        return p
    }

    static func spread(_ pod: Pod, maxSkew: Int, key: String = zone, hard: Bool = true, labels: [String: String], minDomains: Int? = nil) -> Pod {
        var p = pod
        p.spec?.topologySpreadConstraints = [TopologySpreadConstraint(
            maxSkew: maxSkew, topologyKey: key, whenUnsatisfiable: hard ? "DoNotSchedule" : "ScheduleAnyway",
            labelSelector: LabelSelector(matchLabels: labels), minDomains: minDomains)]
        return p
    }

    /// Schedules and assumes a pod; returns the node.
    @discardableResult
    static func place(_ pod: Pod, _ scheduler: inout Scheduler, _ snapshot: inout ClusterSnapshot) -> String? {
        let result = scheduler.schedule(pod, in: snapshot)
        if let node = result.nodeName { snapshot.assume(pod, on: node) }
        return result.nodeName
    }
}
