import Foundation
import GantryAPI

/// Server-side printing: `meta.k8s.io/v1` `Table` responses, so `kubectl get` prints proper columns.
enum Tables {
    struct Column {
        let name: String
        let type: String
        let priority: Int
        let description: String
        let cell: @Sendable (JSONValue, Date) -> JSONValue
        init(_ name: String, _ type: String = "string", priority: Int = 0, _ description: String = "",
             _ cell: @escaping @Sendable (JSONValue, Date) -> JSONValue) {
            self.name = name
            self.type = type
            self.priority = priority
            self.description = description
            self.cell = cell
        }
    }

    static func str(_ v: JSONValue, _ path: String) -> String {
        switch v[path: path.split(separator: ".").map(String.init)] {
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        case .bool(let b)?: return b ? "true" : "false"
        case .double(let d)?: return String(d)
        default: return ""
        }
    }

    static func int(_ v: JSONValue, _ path: String) -> Int64 {
        v[path: path.split(separator: ".").map(String.init)]?.intValue ?? 0
    }

    static func orNone(_ s: String) -> String { s.isEmpty ? "<none>" : s }
    static func orUnset(_ s: String) -> String { s.isEmpty ? "<unset>" : s }

    /// Access modes as kubectl abbreviates them: `RWO,ROX,RWX,RWOP`.
    static func accessModes(_ v: JSONValue?) -> String {
        let short = ["ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"]
        return (v?.arrayValue ?? []).compactMap { $0.stringValue.map { short[$0] ?? $0 } }.joined(separator: ",")
    }

    /// Kubernetes' short human duration: `45s`, `5m2s`, `3h`, `2d5h`, `4y`.
    static func age(_ timestamp: String, now: Date) -> String {
        // Time (seconds) or MicroTime (fractional seconds, as events.k8s.io events carry).
        guard let d = RFC3339.parse(timestamp) else { return "<unknown>" }
        return humanDuration(now.timeIntervalSince(d))
    }

    static func humanDuration(_ t: TimeInterval) -> String {
        let s = Int(max(0, t))
        if s < 120 { return "\(s)s" }
        let m = s / 60
        if m < 10 { return s % 60 == 0 ? "\(m)m" : "\(m)m\(s % 60)s" }
        if m < 180 { return "\(m)m" }
        let h = m / 60
        if h < 8 { return m % 60 == 0 ? "\(h)h" : "\(h)h\(m % 60)m" }
        if h < 48 { return "\(h)h" }
        let days = h / 24
        if days < 8 { return h % 24 == 0 ? "\(days)d" : "\(days)d\(h % 24)h" }
        if days < 365 * 2 { return "\(days)d" }
        return "\(days / 365)y"
    }

    static let name = Column("Name", "string", "Name must be unique within a namespace.") { o, _ in .string(str(o, "metadata.name")) }
    static let ageColumn = Column("Age", "string", "CreationTimestamp") { o, now in .string(age(str(o, "metadata.creationTimestamp"), now: now)) }

    static func selectorString(_ sel: JSONValue?) -> String {
        guard let sel else { return "<none>" }
        var parts: [String] = []
        if let ml = sel["matchLabels"]?.objectValue {
            for k in ml.keys.sorted() { parts.append("\(k)=\(ml[k]?.stringValue ?? "")") }
        }
        for e in sel["matchExpressions"]?.arrayValue ?? [] {
            let key = e["key"]?.stringValue ?? ""
            let vals = (e["values"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
            switch e["operator"]?.stringValue ?? "" {
            case "In": parts.append("\(key) in (\(vals))")
            case "NotIn": parts.append("\(key) notin (\(vals))")
            case "Exists": parts.append(key)
            case "DoesNotExist": parts.append("!\(key)")
            default: break
            }
        }
        if sel["matchLabels"] == nil && sel["matchExpressions"] == nil { return "<none>" }
        return parts.isEmpty ? "<none>" : parts.joined(separator: ",")
    }

    static func mapSelector(_ m: JSONValue?) -> String {
        guard let o = m?.objectValue, !o.isEmpty else { return "<none>" }
        return o.keys.sorted().map { "\($0)=\(o[$0]?.stringValue ?? "")" }.joined(separator: ",")
    }

    static func containers(_ o: JSONValue, _ specPath: [String]) -> (names: String, images: String) {
        let cs = o[path: specPath + ["containers"]]?.arrayValue ?? []
        return (cs.compactMap { $0["name"]?.stringValue }.joined(separator: ","),
                cs.compactMap { $0["image"]?.stringValue }.joined(separator: ","))
    }

    static func podStatus(_ o: JSONValue) -> String {
        if o[path: ["metadata", "deletionTimestamp"]] != nil { return "Terminating" }
        var reason = str(o, "status.reason").isEmpty ? str(o, "status.phase") : str(o, "status.reason")
        let inits = o[path: ["status", "initContainerStatuses"]]?.arrayValue ?? []
        for (i, c) in inits.enumerated() {
            if let t = c[path: ["state", "terminated"]], t["exitCode"]?.intValue == 0 { continue }
            if let t = c[path: ["state", "terminated"]] {
                let r = t["reason"]?.stringValue ?? ""
                return r.isEmpty ? "Init:ExitCode:\(t["exitCode"]?.intValue ?? 0)" : "Init:\(r)"
            }
            if let w = c[path: ["state", "waiting"]]?["reason"]?.stringValue, !w.isEmpty, w != "PodInitializing" {
                return "Init:\(w)"
            }
            return "Init:\(i)/\(inits.count)"
        }
        for c in (o[path: ["status", "containerStatuses"]]?.arrayValue ?? []).reversed() {
            if let w = c[path: ["state", "waiting"]]?["reason"]?.stringValue, !w.isEmpty { reason = w }
            else if let t = c[path: ["state", "terminated"]] {
                let r = t["reason"]?.stringValue ?? ""
                reason = r.isEmpty ? "ExitCode:\(t["exitCode"]?.intValue ?? 0)" : r
            }
        }
        return reason.isEmpty ? "Pending" : reason
    }

    static func servicePorts(_ o: JSONValue) -> String {
        let ports = o[path: ["spec", "ports"]]?.arrayValue ?? []
        if ports.isEmpty { return "<none>" }
        return ports.map { p in
            let port = p["port"]?.intValue ?? 0
            let proto = p["protocol"]?.stringValue ?? "TCP"
            if let np = p["nodePort"]?.intValue, np > 0 { return "\(port):\(np)/\(proto)" }
            return "\(port)/\(proto)"
        }.joined(separator: ",")
    }

    /// A custom resource's columns: Name, then its `additionalPrinterColumns` (Name and Age without them);
    /// `date` columns print as ages, as Kubernetes prints them.
    static func customColumns(_ custom: CustomResourceVersion) -> [Column] {
        if custom.printerColumns.isEmpty { return [name, ageColumn] }
        return [name] + custom.printerColumns.map { c in
            Column(c.name, c.type == "date" ? "date" : c.type, priority: c.priority, c.description) { o, now in
                let values = c.path.evaluate(o)
                guard let first = values.first else { return .null }
                switch c.type {
                case "date": return .string(first.stringValue.map { age($0, now: now) } ?? JSONPath.text(first))
                case "integer": return first.intValue.map { .int($0) } ?? .string(JSONPath.text(first))
                case "number", "boolean": return first
                default: return .string(values.map(JSONPath.text).joined(separator: ","))
                }
            }
        }
    }

    static func columns(for r: ResourceInfo) -> [Column] {
        if let custom = r.custom { return customColumns(custom) }
        switch r.kind {
        case "CustomResourceDefinition":
            return [name, Column("Created At", "date", "") { o, _ in .string(str(o, "metadata.creationTimestamp")) }]
        case "Pod":
            return [
                name,
                Column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic.") { o, _ in
                    let cs = o[path: ["status", "containerStatuses"]]?.arrayValue ?? []
                    let total = o[path: ["spec", "containers"]]?.arrayValue?.count ?? 0
                    let ready = cs.filter { $0["ready"]?.boolValue == true }.count
                    return .string("\(ready)/\(total)")
                },
                Column("Status", "string", "The aggregate status of the containers in this pod.") { o, _ in .string(podStatus(o)) },
                Column("Restarts", "string", "The number of times the containers in this pod have been restarted.") { o, _ in
                    let n = (o[path: ["status", "containerStatuses"]]?.arrayValue ?? []).reduce(Int64(0)) { $0 + ($1["restartCount"]?.intValue ?? 0) }
                    return .string(String(n))
                },
                ageColumn,
                Column("IP", "string", priority: 1, "IP address allocated to the pod.") { o, _ in .string(orNone(str(o, "status.podIP"))) },
                Column("Node", "string", priority: 1, "Name of the Node this pod is assigned to.") { o, _ in .string(orNone(str(o, "spec.nodeName"))) },
                Column("Nominated Node", "string", priority: 1, "Name of the node nominated by the scheduler.") { o, _ in .string(orNone(str(o, "status.nominatedNodeName"))) },
                Column("Readiness Gates", "string", priority: 1, "Pod readiness gates.") { o, _ in .string("<none>") },
            ]
        case "Deployment":
            return [
                name,
                Column("Ready", "string", "Number of the pod with ready state") { o, _ in .string("\(int(o, "status.readyReplicas"))/\(int(o, "spec.replicas"))") },
                Column("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.") { o, _ in .int(int(o, "status.updatedReplicas")) },
                Column("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.") { o, _ in .int(int(o, "status.availableReplicas")) },
                ageColumn,
                Column("Containers", "string", priority: 1, "Names of each container in the template.") { o, _ in .string(containers(o, ["spec", "template", "spec"]).names) },
                Column("Images", "string", priority: 1, "Images referenced by each container in the template.") { o, _ in .string(containers(o, ["spec", "template", "spec"]).images) },
                Column("Selector", "string", priority: 1, "Label selector for pods.") { o, _ in .string(selectorString(o[path: ["spec", "selector"]])) },
            ]
        case "ReplicaSet":
            return [
                name,
                Column("Desired", "integer", "Number of desired pods.") { o, _ in .int(int(o, "spec.replicas")) },
                Column("Current", "integer", "Number of actual replicas.") { o, _ in .int(int(o, "status.replicas")) },
                Column("Ready", "integer", "Number of ready replicas.") { o, _ in .int(int(o, "status.readyReplicas")) },
                ageColumn,
                Column("Containers", "string", priority: 1, "Names of each container in the template.") { o, _ in .string(containers(o, ["spec", "template", "spec"]).names) },
                Column("Images", "string", priority: 1, "Images referenced by each container in the template.") { o, _ in .string(containers(o, ["spec", "template", "spec"]).images) },
                Column("Selector", "string", priority: 1, "Label selector for pods.") { o, _ in .string(selectorString(o[path: ["spec", "selector"]])) },
            ]
        case "ReplicationController":
            return [
                name,
                Column("Desired", "integer", "Number of desired pods.") { o, _ in .int(int(o, "spec.replicas")) },
                Column("Current", "integer", "Number of actual replicas.") { o, _ in .int(int(o, "status.replicas")) },
                Column("Ready", "integer", "Number of ready replicas.") { o, _ in .int(int(o, "status.readyReplicas")) },
                ageColumn,
                Column("Containers", "string", priority: 1, "Names of each container in the template.") { o, _ in .string(containers(o, ["spec", "template", "spec"]).names) },
                Column("Images", "string", priority: 1, "Images referenced by each container in the template.") { o, _ in .string(containers(o, ["spec", "template", "spec"]).images) },
                Column("Selector", "string", priority: 1, "Label selector for pods.") { o, _ in
                    let m = o[path: ["spec", "selector"]]?.objectValue ?? [:]
                    return .string(m.keys.sorted().map { "\($0)=\(m[$0]?.stringValue ?? "")" }.joined(separator: ","))
                },
            ]
        case "ControllerRevision":
            return [
                name,
                Column("Controller", "string", "Controller of the object.") { o, _ in
                    let ref = (o[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).first { $0["controller"]?.boolValue == true }
                    guard let ref, let kind = ref["kind"]?.stringValue, let n = ref["name"]?.stringValue else { return "<none>" }
                    let group = (ref["apiVersion"]?.stringValue ?? "").split(separator: "/").dropLast().first.map { ".\($0)" } ?? ""
                    return .string("\(kind.lowercased())\(group)/\(n)")
                },
                Column("Revision", "integer", "Revision of the ControllerRevision.") { o, _ in .int(int(o, "revision")) },
                ageColumn,
            ]
        case "StatefulSet":
            return [
                name,
                Column("Ready", "string", "Number of the pod with ready state.") { o, _ in
                    .string("\(int(o, "status.readyReplicas"))/\(int(o, "spec.replicas"))")
                },
                ageColumn,
                Column("Containers", "string", priority: 1, "Names of each container in the template.") { o, _ in .string(containers(o, ["spec", "template", "spec"]).names) },
                Column("Images", "string", priority: 1, "Images referenced by each container in the template.") { o, _ in .string(containers(o, ["spec", "template", "spec"]).images) },
            ]
        case "DaemonSet":
            return [
                name,
                Column("Desired", "integer", "Desired number of scheduled pods.") { o, _ in .int(int(o, "status.desiredNumberScheduled")) },
                Column("Current", "integer", "Current number of scheduled pods.") { o, _ in .int(int(o, "status.currentNumberScheduled")) },
                Column("Ready", "integer", "Number of ready pods.") { o, _ in .int(int(o, "status.numberReady")) },
                Column("Up-to-date", "integer", "Number of updated pods.") { o, _ in .int(int(o, "status.updatedNumberScheduled")) },
                Column("Available", "integer", "Number of available pods.") { o, _ in .int(int(o, "status.numberAvailable")) },
                Column("Node Selector", "string", "Node selector of the pod template.") { o, _ in .string(mapSelector(o[path: ["spec", "template", "spec", "nodeSelector"]])) },
                ageColumn,
                Column("Containers", "string", priority: 1, "Names of each container in the template.") { o, _ in .string(containers(o, ["spec", "template", "spec"]).names) },
                Column("Images", "string", priority: 1, "Images referenced by each container in the template.") { o, _ in .string(containers(o, ["spec", "template", "spec"]).images) },
                Column("Selector", "string", priority: 1, "Label selector for pods.") { o, _ in .string(selectorString(o[path: ["spec", "selector"]])) },
            ]
        case "Job":
            return [
                name,
                Column("Status", "string", "Status of the job.") { o, _ in
                    let conds = o[path: ["status", "conditions"]]?.arrayValue ?? []
                    for c in conds where c["status"]?.stringValue == "True" {
                        if c["type"]?.stringValue == "Complete" { return "Complete" }
                        if c["type"]?.stringValue == "Failed" { return "Failed" }
                    }
                    return o[path: ["spec", "suspend"]]?.boolValue == true ? "Suspended" : "Running"
                },
                Column("Completions", "string", "The completion status of the job.") { o, _ in
                    let c = o[path: ["spec", "completions"]]?.intValue
                    return .string("\(int(o, "status.succeeded"))/\(c.map(String.init) ?? "1")")
                },
                Column("Duration", "string", "Time required to complete the job.") { o, now in
                    guard let s = RFC3339.parse(str(o, "status.startTime")) else { return "" }
                    let e = RFC3339.parse(str(o, "status.completionTime")) ?? now
                    return .string(humanDuration(e.timeIntervalSince(s)))
                },
                ageColumn,
                Column("Containers", "string", priority: 1, "Names of each container in the template.") { o, _ in .string(containers(o, ["spec", "template", "spec"]).names) },
                Column("Images", "string", priority: 1, "Images referenced by each container in the template.") { o, _ in .string(containers(o, ["spec", "template", "spec"]).images) },
                Column("Selector", "string", priority: 1, "Label selector for pods.") { o, _ in .string(selectorString(o[path: ["spec", "selector"]])) },
            ]
        case "ResourceQuota" where r.group.isEmpty:
            // kubectl's columns: age, then `resource: used/hard` for requests and for limits.
            @Sendable func usage(_ o: JSONValue, limits: Bool) -> String {
                let hard = QuotaUsage.quantities(o[path: ["status", "hard"]] ?? o[path: ["spec", "hard"]])
                let used = QuotaUsage.quantities(o[path: ["status", "used"]])
                return hard.keys.sorted().filter { $0.hasPrefix("limits.") == limits }.map {
                    "\($0): \(used[$0]?.description ?? "0")/\(hard[$0]!.description)"
                }.joined(separator: ", ")
            }
            return [
                name, ageColumn,
                Column("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume.") { o, _ in
                    .string(usage(o, limits: false))
                },
                Column("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.") { o, _ in
                    .string(usage(o, limits: true))
                },
            ]
        case "LimitRange":
            return [
                name,
                Column("Created At", "date", "The time the LimitRange was created.") { o, _ in .string(str(o, "metadata.creationTimestamp")) },
            ]
        case "PriorityClass":
            return [
                name,
                Column("Value", "integer", "The value of this priority class.") { o, _ in .int(int(o, "value")) },
                Column("Global-Default", "boolean", "Whether this is the default class of pods that name none.") { o, _ in
                    .string(o["globalDefault"]?.boolValue == true ? "true" : "false")
                },
                ageColumn,
                Column("PreemptionPolicy", "string", "The policy for preempting pods with lower priority.") { o, _ in
                    .string(str(o, "preemptionPolicy"))
                },
            ]
        case "Ingress":
            return [
                name,
                Column("Class", "string", "The name of the IngressClass resource.") { o, _ in
                    let c = str(o, "spec.ingressClassName")
                    return .string(c.isEmpty ? "<none>" : c)
                },
                Column("Hosts", "string", "Hosts that incoming requests are matched against.") { o, _ in
                    let hosts = (o[path: ["spec", "rules"]]?.arrayValue ?? []).compactMap { $0["host"]?.stringValue }
                    return .string(hosts.isEmpty ? "*" : hosts.joined(separator: ","))
                },
                Column("Address", "string", "Address is a list of IPs or hostnames of the load balancer.") { o, _ in
                    let lb = (o[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? [])
                        .compactMap { $0["ip"]?.stringValue ?? $0["hostname"]?.stringValue }
                    return .string(lb.joined(separator: ","))
                },
                Column("Ports", "string", "Ports of TLS configurations that open.") { o, _ in
                    .string((o[path: ["spec", "tls"]]?.arrayValue ?? []).isEmpty ? "80" : "80, 443")
                },
                ageColumn,
            ]
        case "PersistentVolumeClaim":
            return [
                name,
                Column("Status", "string", "The phase of the claim.") { o, _ in .string(str(o, "status.phase")) },
                Column("Volume", "string", "The volume bound to the claim.") { o, _ in .string(str(o, "spec.volumeName")) },
                Column("Capacity", "string", "The capacity of the bound volume.") { o, _ in .string(str(o, "status.capacity.storage")) },
                Column("Access Modes", "string", "The access modes of the bound volume.") { o, _ in
                    .string(accessModes(o[path: ["status", "accessModes"]]))
                },
                Column("StorageClass", "string", "The class of the claim.") { o, _ in .string(str(o, "spec.storageClassName")) },
                Column("VolumeAttributesClass", "string", "The volume attributes class.") { o, _ in
                    .string(orUnset(str(o, "spec.volumeAttributesClassName")))
                },
                ageColumn,
                Column("VolumeMode", "string", priority: 1, "Filesystem or Block.") { o, _ in .string(str(o, "spec.volumeMode")) },
            ]
        case "PersistentVolume":
            return [
                name,
                Column("Capacity", "string", "The capacity of the volume.") { o, _ in .string(str(o, "spec.capacity.storage")) },
                Column("Access Modes", "string", "The access modes of the volume.") { o, _ in
                    .string(accessModes(o[path: ["spec", "accessModes"]]))
                },
                Column("Reclaim Policy", "string", "What happens when the claim is released.") { o, _ in
                    .string(str(o, "spec.persistentVolumeReclaimPolicy"))
                },
                Column("Status", "string", "The phase of the volume.") { o, _ in .string(str(o, "status.phase")) },
                Column("Claim", "string", "The claim bound to the volume.") { o, _ in
                    let n = str(o, "spec.claimRef.name")
                    return .string(n.isEmpty ? "" : "\(str(o, "spec.claimRef.namespace"))/\(n)")
                },
                Column("StorageClass", "string", "The class of the volume.") { o, _ in .string(str(o, "spec.storageClassName")) },
                Column("VolumeAttributesClass", "string", "The volume attributes class.") { o, _ in
                    .string(orUnset(str(o, "spec.volumeAttributesClassName")))
                },
                Column("Reason", "string", "Why the volume is in its phase.") { o, _ in .string(str(o, "status.reason")) },
                ageColumn,
                Column("VolumeMode", "string", priority: 1, "Filesystem or Block.") { o, _ in .string(str(o, "spec.volumeMode")) },
            ]
        case "NetworkPolicy":
            return [
                name,
                Column("Pod-Selector", "string", "The pods the policy applies to.") { o, _ in
                    let s = selectorString(o[path: ["spec", "podSelector"]])
                    return .string(s == "<none>" ? "<none>" : s)
                },
                ageColumn,
            ]
        case "StorageClass":
            return [
                Column("Name", "string", "Name must be unique within a namespace.") { o, _ in
                    let n = str(o, "metadata.name")
                    let isDefault = o[path: ["metadata", "annotations", StorageClass.defaultClassAnnotation]]?.stringValue == "true"
                    return .string(isDefault ? n + " (default)" : n)
                },
                Column("Provisioner", "string", "Who provisions volumes of the class.") { o, _ in .string(str(o, "provisioner")) },
                Column("ReclaimPolicy", "string", "What happens to released volumes.") { o, _ in .string(str(o, "reclaimPolicy")) },
                Column("VolumeBindingMode", "string", "When claims are bound.") { o, _ in .string(str(o, "volumeBindingMode")) },
                Column("AllowVolumeExpansion", "string", "Whether claims may grow.") { o, _ in
                    .string(o["allowVolumeExpansion"]?.boolValue == true ? "true" : "false")
                },
                ageColumn,
            ]
        case "IngressClass":
            return [
                name,
                Column("Controller", "string", "Controller that is responsible for handling this class.") { o, _ in
                    .string(str(o, "spec.controller"))
                },
                Column("Parameters", "string", "A reference to a resource with additional parameters.") { o, _ in
                    guard let p = o[path: ["spec", "parameters"]], p.objectValue != nil else { return "<none>" }
                    let group = p["apiGroup"]?.stringValue.map { ".\($0)" } ?? ""
                    return .string("\(p["kind"]?.stringValue ?? "")\(group)/\(p["name"]?.stringValue ?? "")")
                },
                ageColumn,
            ]
        case "HorizontalPodAutoscaler":
            return [
                name,
                Column("Reference", "string", "The target of the autoscaler.") { o, _ in
                    .string("\(str(o, "spec.scaleTargetRef.kind"))/\(str(o, "spec.scaleTargetRef.name"))")
                },
                Column("Targets", "string", "The current and target values of the metrics.") { given, _ in
                    let o = given["apiVersion"] == "autoscaling/v1" ? HPAVersions.toV2(given) : given
                    let current = o[path: ["status", "currentMetrics"]]?.arrayValue ?? []
                    let shown = (o[path: ["spec", "metrics"]]?.arrayValue ?? []).map { m -> String in
                        let source = m["resource"] ?? m["containerResource"] ?? .emptyObject
                        let resource = source["name"]?.stringValue ?? ""
                        let cur = current.first { ($0["resource"] ?? $0["containerResource"])?["name"]?.stringValue == resource }
                        let c = cur.flatMap { ($0["resource"] ?? $0["containerResource"])?["current"] }
                        if let u = source[path: ["target", "averageUtilization"]]?.intValue {
                            return "\(resource): \(c?["averageUtilization"]?.intValue.map { "\($0)%" } ?? "<unknown>")/\(u)%"
                        }
                        let t = source[path: ["target", "averageValue"]]?.stringValue ?? ""
                        return "\(resource): \(c?["averageValue"]?.stringValue ?? "<unknown>")/\(t)"
                    }
                    return .string(shown.isEmpty ? "<none>" : shown.joined(separator: ", "))
                },
                Column("MinPods", "integer", "The lower limit for the number of pods.") { o, _ in .int(o[path: ["spec", "minReplicas"]]?.intValue ?? 1) },
                Column("MaxPods", "integer", "The upper limit for the number of pods.") { o, _ in .int(int(o, "spec.maxReplicas")) },
                Column("Replicas", "integer", "Current number of replicas of pods managed by this autoscaler.") { o, _ in
                    .int(int(o, "status.currentReplicas"))
                },
                ageColumn,
            ]
        case "PodDisruptionBudget":
            return [
                name,
                Column("Min Available", "string", "The minimum number of pods that must be available.") { o, _ in
                    guard let v = o[path: ["spec", "minAvailable"]], !v.isNull else { return "N/A" }
                    return .string(v.stringValue ?? v.intValue.map { String($0) } ?? "N/A")
                },
                Column("Max Unavailable", "string", "The maximum number of pods that may be unavailable.") { o, _ in
                    guard let v = o[path: ["spec", "maxUnavailable"]], !v.isNull else { return "N/A" }
                    return .string(v.stringValue ?? v.intValue.map { String($0) } ?? "N/A")
                },
                Column("Allowed Disruptions", "integer", "Number of pod disruptions that are currently allowed.") { o, _ in
                    .int(int(o, "status.disruptionsAllowed"))
                },
                ageColumn,
            ]
        case "CronJob":
            return [
                name,
                Column("Schedule", "string", "The schedule in Cron format.") { o, _ in .string(str(o, "spec.schedule")) },
                Column("Timezone", "string", "The time zone name for the given schedule.") { o, _ in
                    let tz = str(o, "spec.timeZone")
                    return .string(tz.isEmpty ? "<none>" : tz)
                },
                Column("Suspend", "boolean", "Whether subsequent executions are suspended.") { o, _ in
                    .string(o[path: ["spec", "suspend"]]?.boolValue == true ? "True" : "False")
                },
                Column("Active", "integer", "Number of currently running jobs.") { o, _ in
                    .int(Int64(o[path: ["status", "active"]]?.arrayValue?.count ?? 0))
                },
                Column("Last Schedule", "date", "When the last job was scheduled.") { o, now in
                    let t = str(o, "status.lastScheduleTime")
                    return .string(t.isEmpty ? "<none>" : age(t, now: now))
                },
                ageColumn,
                Column("Containers", "string", priority: 1, "Names of each container in the template.") { o, _ in .string(containers(o, ["spec", "jobTemplate", "spec", "template", "spec"]).names) },
                Column("Images", "string", priority: 1, "Images referenced by each container in the template.") { o, _ in .string(containers(o, ["spec", "jobTemplate", "spec", "template", "spec"]).images) },
                Column("Selector", "string", priority: 1, "Label selector for pods.") { o, _ in .string(selectorString(o[path: ["spec", "jobTemplate", "spec", "selector"]])) },
            ]
        case "Service":
            return [
                name,
                Column("Type", "string", "The type of the service.") { o, _ in .string(str(o, "spec.type")) },
                Column("Cluster-IP", "string", "The IP address of the service.") { o, _ in .string(orNone(str(o, "spec.clusterIP"))) },
                Column("External-IP", "string", "The external IP addresses of the service.") { o, _ in
                    let ext = (o[path: ["spec", "externalIPs"]]?.arrayValue ?? []).compactMap(\.stringValue)
                    let lb = (o[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue ?? $0["hostname"]?.stringValue }
                    if str(o, "spec.type") == "ExternalName" { return .string(str(o, "spec.externalName")) }
                    if str(o, "spec.type") == "LoadBalancer", lb.isEmpty, ext.isEmpty { return "<pending>" }
                    return .string(orNone((ext + lb).joined(separator: ",")))
                },
                Column("Port(s)", "string", "The ports of the service.") { o, _ in .string(servicePorts(o)) },
                ageColumn,
                Column("Selector", "string", priority: 1, "The label selector of the service.") { o, _ in .string(mapSelector(o[path: ["spec", "selector"]])) },
            ]
        case "Endpoints":
            return [
                name,
                Column("Endpoints", "string", "Endpoints of the service.") { o, _ in
                    var list: [String] = []
                    for s in o["subsets"]?.arrayValue ?? [] {
                        let ports = (s["ports"]?.arrayValue ?? []).compactMap { $0["port"]?.intValue }
                        for a in s["addresses"]?.arrayValue ?? [] {
                            let ip = a["ip"]?.stringValue ?? ""
                            if ports.isEmpty { list.append(ip) } else { list += ports.map { "\(ip):\($0)" } }
                        }
                    }
                    if list.isEmpty { return "<none>" }
                    return .string(list.count > 3 ? list.prefix(3).joined(separator: ",") + " + \(list.count - 3) more..." : list.joined(separator: ","))
                },
                ageColumn,
            ]
        case "Node":
            return [
                name,
                Column("Status", "string", "The status of the node.") { o, _ in
                    var s = "Unknown"
                    for c in o[path: ["status", "conditions"]]?.arrayValue ?? [] where c["type"]?.stringValue == "Ready" {
                        s = c["status"]?.stringValue == "True" ? "Ready" : "NotReady"
                    }
                    if o[path: ["spec", "unschedulable"]]?.boolValue == true { s += ",SchedulingDisabled" }
                    return .string(s)
                },
                Column("Roles", "string", "The roles of the node.") { o, _ in
                    let roles = (o[path: ["metadata", "labels"]]?.objectValue ?? [:]).keys
                        .filter { $0.hasPrefix("node-role.kubernetes.io/") }
                        .map { String($0.dropFirst("node-role.kubernetes.io/".count)) }.sorted()
                    return .string(roles.isEmpty ? "<none>" : roles.joined(separator: ","))
                },
                ageColumn,
                Column("Version", "string", "Kubelet Version reported by the node.") { o, _ in .string(str(o, "status.nodeInfo.kubeletVersion")) },
                Column("Internal-IP", "string", priority: 1, "Internal IP of the node.") { o, _ in
                    .string(orNone((o[path: ["status", "addresses"]]?.arrayValue ?? []).first { $0["type"]?.stringValue == "InternalIP" }?["address"]?.stringValue ?? ""))
                },
                Column("External-IP", "string", priority: 1, "External IP of the node.") { o, _ in
                    .string(orNone((o[path: ["status", "addresses"]]?.arrayValue ?? []).first { $0["type"]?.stringValue == "ExternalIP" }?["address"]?.stringValue ?? ""))
                },
                Column("OS-Image", "string", priority: 1, "OS image reported by the node.") { o, _ in .string(orNone(str(o, "status.nodeInfo.osImage"))) },
                Column("Kernel-Version", "string", priority: 1, "Kernel version reported by the node.") { o, _ in .string(orNone(str(o, "status.nodeInfo.kernelVersion"))) },
                Column("Container-Runtime", "string", priority: 1, "Container runtime reported by the node.") { o, _ in .string(orNone(str(o, "status.nodeInfo.containerRuntimeVersion"))) },
            ]
        case "Namespace":
            return [
                name,
                Column("Status", "string", "The status of the namespace") { o, _ in .string(str(o, "status.phase")) },
                ageColumn,
            ]
        case "ConfigMap":
            return [
                name,
                Column("Data", "integer", "Number of data in configmap") { o, _ in
                    .int(Int64((o["data"]?.objectValue?.count ?? 0) + (o["binaryData"]?.objectValue?.count ?? 0)))
                },
                ageColumn,
            ]
        case "Secret":
            return [
                name,
                Column("Type", "string", "The type of the secret") { o, _ in .string(str(o, "type")) },
                Column("Data", "integer", "Number of data in the secret") { o, _ in .int(Int64(o["data"]?.objectValue?.count ?? 0)) },
                ageColumn,
            ]
        case "Event":
            return [
                Column("Last Seen", "string", "Time since the last occurrence") { o, now in
                    let t = [str(o, "lastTimestamp"), str(o, "series.lastObservedTime"), str(o, "eventTime")].first { !$0.isEmpty } ?? ""
                    return .string(age(t, now: now))
                },
                Column("Type", "string", "Event type") { o, _ in .string(str(o, "type")) },
                Column("Reason", "string", "Event reason") { o, _ in .string(str(o, "reason")) },
                Column("Object", "string", "The object the event is about") { o, _ in
                    .string("\(str(o, "involvedObject.kind").lowercased())/\(str(o, "involvedObject.name"))")
                },
                Column("Message", "string", "Event message") { o, _ in .string(str(o, "message")) },
                name,
            ]
        case "EndpointSlice":
            return [
                name,
                Column("AddressType", "string", "The type of address carried by this slice") { o, _ in .string(str(o, "addressType")) },
                Column("Ports", "string", "The ports of this slice") { o, _ in
                    let ports = (o["ports"]?.arrayValue ?? []).compactMap { $0["port"]?.intValue.map(String.init) }
                    return .string(ports.isEmpty ? "<unset>" : ports.joined(separator: ","))
                },
                Column("Endpoints", "string", "The addresses of this slice") { o, _ in
                    let ips = (o["endpoints"]?.arrayValue ?? []).flatMap { $0["addresses"]?.arrayValue ?? [] }.compactMap(\.stringValue)
                    if ips.isEmpty { return "<unset>" }
                    return .string(ips.prefix(3).joined(separator: ",") + (ips.count > 3 ? " + \(ips.count - 3) more..." : ""))
                },
                ageColumn,
            ]
        case "Lease":
            return [
                name,
                Column("Holder", "string", "The current holder of the lease") { o, _ in .string(str(o, "spec.holderIdentity")) },
                ageColumn,
            ]
        case "CertificateSigningRequest":
            return [
                name,
                ageColumn,
                Column("SignerName", "string", "The signer the request is for") { o, _ in .string(str(o, "spec.signerName")) },
                Column("Requestor", "string", "Who sent the request") { o, _ in .string(str(o, "spec.username")) },
                Column("RequestedDuration", "string", "How long the certificate is asked to last") { o, _ in
                    let s = int(o, "spec.expirationSeconds")
                    return .string(s > 0 ? humanDuration(TimeInterval(s)) : "<none>")
                },
                Column("Condition", "string", "Approved, Denied, Failed, Issued or Pending") { o, _ in
                    var parts = (o[path: ["status", "conditions"]]?.arrayValue ?? []).filter { $0["status"] == "True" }
                        .compactMap { $0["type"]?.stringValue }
                    if !str(o, "status.certificate").isEmpty { parts.append("Issued") }
                    return .string(parts.isEmpty ? "Pending" : parts.joined(separator: ","))
                },
            ]
        default:
            return [name, ageColumn]
        }
    }

    /// Builds a Table of `objects`. `includeObject` is `None`, `Metadata` (default) or `Object`.
    static func table(_ r: ResourceInfo, _ objects: [JSONValue], listMeta: JSONValue, includeObject: String) -> JSONValue {
        let cols = columns(for: r)
        let now = Date()
        let defs: [JSONValue] = cols.map { c in
            ["name": .string(c.name), "type": .string(c.type), "format": c.name == "Name" ? "name" : "",
             "description": .string(c.description), "priority": .int(Int64(c.priority))]
        }
        let rows: [JSONValue] = objects.map { o in
            // events.k8s.io Events: the same columns, read from the core shape.
            let shown = r == .eventsV1 ? EventVersions.toCore(o) : o
            var row: JSONValue = ["cells": .array(cols.map { $0.cell(shown, now) })]
            switch includeObject {
            case "None": break
            case "Object": row["object"] = o
            default:
                row["object"] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"] ?? .emptyObject]
            }
            return row
        }
        return ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": listMeta, "columnDefinitions": .array(defs),
                "rows": .array(rows)]
    }
}
