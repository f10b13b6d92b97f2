/// The defaults Kubernetes applies to objects on admission, applied to the untyped form so no client
/// field is lost. Pure and idempotent: defaulting a defaulted object changes nothing.
public enum Defaults {
    /// Applies the defaults for `resource` to `object` in place.
    public static func apply(_ object: inout JSONValue, resource: ResourceInfo) {
        if let custom = resource.custom {
            // A custom object: pruned to its schema, then the schema's defaults.
            if let schema = custom.schema {
                _ = StructuralSchema.prune(&object, schema: schema)
                StructuralSchema.applyDefaults(&object, schema: schema)
            }
            return
        }
        switch resource.kind {
        case "CustomResourceDefinition":
            if let kind = object[path: ["spec", "names", "kind"]]?.stringValue {
                setIfMissing(&object, ["spec", "names", "singular"], .string(kind.lowercased()))
                setIfMissing(&object, ["spec", "names", "listKind"], .string(kind + "List"))
            }
            setIfMissing(&object, ["spec", "conversion", "strategy"], "None")
        case "Pod":
            if var spec = object["spec"] {
                podSpec(&spec)
                object["spec"] = spec
            }
        case "Deployment":
            setIfMissing(&object, ["spec", "replicas"], 1)
            let strategyType = object[path: ["spec", "strategy", "type"]]?.stringValue ?? "RollingUpdate"
            setIfMissing(&object, ["spec", "strategy", "type"], .string(strategyType))
            if strategyType == "RollingUpdate" {
                setIfMissing(&object, ["spec", "strategy", "rollingUpdate", "maxUnavailable"], "25%")
                setIfMissing(&object, ["spec", "strategy", "rollingUpdate", "maxSurge"], "25%")
            }
            setIfMissing(&object, ["spec", "revisionHistoryLimit"], 10)
            setIfMissing(&object, ["spec", "progressDeadlineSeconds"], 600)
            template(&object)
        case "ReplicaSet":
            setIfMissing(&object, ["spec", "replicas"], 1)
            template(&object)
        case "HorizontalPodAutoscaler":
            setIfMissing(&object, ["spec", "minReplicas"], 1)
            // autoscaling/v1 has neither metrics nor behavior (an HPA without a CPU target gets 80% when stored).
            if resource.version == "v1" { return }
            // No metrics: 80% CPU utilization, as autoscaling/v2 defaults.
            if (object[path: ["spec", "metrics"]]?.arrayValue ?? []).isEmpty, object["spec"] != nil {
                object[path: ["spec", "metrics"]] = [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 80]]]]
            }
            // Behavior given in part: the rest from Kubernetes' defaults (scale up fast, down after 5 minutes).
            if object[path: ["spec", "behavior"]] != nil {
                for (dir, rules) in [("scaleUp", HPADefaults.scaleUp), ("scaleDown", HPADefaults.scaleDown)] {
                    setIfMissing(&object, ["spec", "behavior", dir, "stabilizationWindowSeconds"], .int(Int64(rules.stabilizationWindowSeconds)))
                    setIfMissing(&object, ["spec", "behavior", dir, "selectPolicy"], .string(rules.selectPolicy))
                    setIfMissing(&object, ["spec", "behavior", dir, "policies"], .array(rules.policies.map {
                        ["type": .string($0.type), "value": .int(Int64($0.value)), "periodSeconds": .int(Int64($0.periodSeconds))]
                    }))
                }
            }
        case "ReplicationController":
            // Kubernetes' defaults: the selector, and the controller's own labels, from the template's labels.
            setIfMissing(&object, ["spec", "replicas"], 1)
            if let labels = object[path: ["spec", "template", "metadata", "labels"]], labels.objectValue?.isEmpty == false {
                if (object[path: ["spec", "selector"]]?.objectValue ?? [:]).isEmpty { object[path: ["spec", "selector"]] = labels }
                if (object[path: ["metadata", "labels"]]?.objectValue ?? [:]).isEmpty { object[path: ["metadata", "labels"]] = labels }
            }
            template(&object)
        case "StatefulSet":
            setIfMissing(&object, ["spec", "replicas"], 1)
            setIfMissing(&object, ["spec", "podManagementPolicy"], "OrderedReady")
            let t = object[path: ["spec", "updateStrategy", "type"]]?.stringValue ?? "RollingUpdate"
            setIfMissing(&object, ["spec", "updateStrategy", "type"], .string(t))
            if t == "RollingUpdate" { setIfMissing(&object, ["spec", "updateStrategy", "rollingUpdate", "partition"], 0) }
            setIfMissing(&object, ["spec", "revisionHistoryLimit"], 10)
            setIfMissing(&object, ["spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"], "Retain")
            setIfMissing(&object, ["spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"], "Retain")
            template(&object)
        case "DaemonSet":
            let t = object[path: ["spec", "updateStrategy", "type"]]?.stringValue ?? "RollingUpdate"
            setIfMissing(&object, ["spec", "updateStrategy", "type"], .string(t))
            if t == "RollingUpdate" {
                setIfMissing(&object, ["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"], 1)
                setIfMissing(&object, ["spec", "updateStrategy", "rollingUpdate", "maxSurge"], 0)
            }
            setIfMissing(&object, ["spec", "revisionHistoryLimit"], 10)
            template(&object)
        case "Job":
            let completions = object[path: ["spec", "completions"]]
            let parallelism = object[path: ["spec", "parallelism"]]
            if completions == nil || completions?.isNull == true {
                if parallelism == nil || parallelism?.isNull == true {
                    object[path: ["spec", "completions"]] = 1
                }
            }
            setIfMissing(&object, ["spec", "parallelism"], 1)
            setIfMissing(&object, ["spec", "backoffLimit"], 6)
            setIfMissing(&object, ["spec", "completionMode"], "NonIndexed")
            setIfMissing(&object, ["spec", "suspend"], false)
            // Jobs select their pods by a generated label, as Kubernetes does.
            if object[path: ["spec", "manualSelector"]]?.boolValue != true,
               let uid = object[path: ["metadata", "uid"]]?.stringValue {
                let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
                setIfMissing(&object, ["spec", "selector"], ["matchLabels": ["batch.kubernetes.io/controller-uid": .string(uid)]])
                for (k, v) in ["batch.kubernetes.io/controller-uid": uid, "controller-uid": uid,
                               "batch.kubernetes.io/job-name": name, "job-name": name] {
                    setIfMissing(&object, ["spec", "template", "metadata", "labels", k], .string(v))
                }
            }
            template(&object)
        case "LimitRange":
            // As Kubernetes defaults a LimitRange's Container items: default ← max, defaultRequest ← default.
            if var items = object[path: ["spec", "limits"]]?.arrayValue {
                for i in items.indices where items[i]["type"]?.stringValue == "Container" {
                    for (k, v) in items[i]["max"]?.objectValue ?? [:] where items[i][path: ["default", k]] == nil {
                        items[i][path: ["default", k]] = v
                    }
                    for (k, v) in items[i]["default"]?.objectValue ?? [:] where items[i][path: ["defaultRequest", k]] == nil {
                        items[i][path: ["defaultRequest", k]] = v
                    }
                    for (k, v) in items[i]["min"]?.objectValue ?? [:] where items[i][path: ["defaultRequest", k]] == nil {
                        items[i][path: ["defaultRequest", k]] = v
                    }
                }
                object[path: ["spec", "limits"]] = .array(items)
            }
        case "PriorityClass":
            setIfMissing(&object, ["preemptionPolicy"], "PreemptLowerPriority")
        case "PersistentVolume":
            setIfMissing(&object, ["spec", "persistentVolumeReclaimPolicy"], "Retain")
            setIfMissing(&object, ["spec", "volumeMode"], "Filesystem")
            setIfMissing(&object, ["status", "phase"], "Pending")
        case "PersistentVolumeClaim":
            setIfMissing(&object, ["spec", "volumeMode"], "Filesystem")
            setIfMissing(&object, ["status", "phase"], "Pending")
        case "NetworkPolicy":
            // Kubernetes' defaulting: Ingress always, Egress when there are egress rules; ports are TCP.
            if object[path: ["spec", "policyTypes"]] == nil || object[path: ["spec", "policyTypes"]]?.isNull == true {
                var types: [JSONValue] = ["Ingress"]
                if !(object[path: ["spec", "egress"]]?.arrayValue ?? []).isEmpty { types.append("Egress") }
                object[path: ["spec", "policyTypes"]] = .array(types)
            }
            for dir in ["ingress", "egress"] {
                guard var rules = object[path: ["spec", dir]]?.arrayValue else { continue }
                for i in rules.indices {
                    guard var ports = rules[i]["ports"]?.arrayValue else { continue }
                    for j in ports.indices { setIfMissing(&ports[j], ["protocol"], "TCP") }
                    rules[i]["ports"] = .array(ports)
                }
                object[path: ["spec", dir]] = .array(rules)
            }
        case "StorageClass":
            setIfMissing(&object, ["reclaimPolicy"], "Delete")
            setIfMissing(&object, ["volumeBindingMode"], "Immediate")
        case "CronJob":
            setIfMissing(&object, ["spec", "concurrencyPolicy"], "Allow")
            setIfMissing(&object, ["spec", "suspend"], false)
            setIfMissing(&object, ["spec", "successfulJobsHistoryLimit"], 3)
            setIfMissing(&object, ["spec", "failedJobsHistoryLimit"], 1)
            // The job template's pod template gets the pod defaults (the Job's own come when a Job is made).
            if var jobTemplate = object[path: ["spec", "jobTemplate"]], jobTemplate.objectValue != nil {
                template(&jobTemplate)
                object[path: ["spec", "jobTemplate"]] = jobTemplate
            }
        case "Service":
            let type = object[path: ["spec", "type"]]?.stringValue ?? "ClusterIP"
            setIfMissing(&object, ["spec", "type"], .string(type))
            if type != "ExternalName" {
                setIfMissing(&object, ["spec", "sessionAffinity"], "None")
                setIfMissing(&object, ["spec", "internalTrafficPolicy"], "Cluster")
            }
            if type == "NodePort" || type == "LoadBalancer" {
                setIfMissing(&object, ["spec", "externalTrafficPolicy"], "Cluster")
            }
            if var ports = object[path: ["spec", "ports"]]?.arrayValue {
                for i in ports.indices {
                    setIfMissing(&ports[i], ["protocol"], "TCP")
                    if ports[i]["targetPort"] == nil || ports[i]["targetPort"]?.isNull == true, let p = ports[i]["port"] {
                        ports[i]["targetPort"] = p
                    }
                }
                object[path: ["spec", "ports"]] = .array(ports)
            }
        case "Secret":
            setIfMissing(&object, ["type"], "Opaque")
        case "Namespace":
            setIfMissing(&object, ["spec", "finalizers"], ["kubernetes"])
            setIfMissing(&object, ["status", "phase"], "Active")
        case "Endpoints":
            if var subsets = object["subsets"]?.arrayValue {
                for i in subsets.indices {
                    if var ports = subsets[i]["ports"]?.arrayValue {
                        for j in ports.indices { setIfMissing(&ports[j], ["protocol"], "TCP") }
                        subsets[i]["ports"] = .array(ports)
                    }
                }
                object["subsets"] = .array(subsets)
            }
        default:
            break
        }
    }

    static func template(_ object: inout JSONValue) {
        if var spec = object[path: ["spec", "template", "spec"]] {
            podSpec(&spec)
            object[path: ["spec", "template", "spec"]] = spec
        }
    }

    /// Pod spec defaults: restart policy, grace period, DNS policy, scheduler, and per-container defaults.
    public static func podSpec(_ spec: inout JSONValue) {
        setIfMissing(&spec, ["restartPolicy"], "Always")
        setIfMissing(&spec, ["terminationGracePeriodSeconds"], 30)
        setIfMissing(&spec, ["dnsPolicy"], "ClusterFirst")
        setIfMissing(&spec, ["schedulerName"], "default-scheduler")
        setIfMissing(&spec, ["securityContext"], .emptyObject)
        setIfMissing(&spec, ["enableServiceLinks"], true)
        for field in ["containers", "initContainers"] {
            guard var list = spec[field]?.arrayValue else { continue }
            for i in list.indices { container(&list[i]) }
            spec[field] = .array(list)
        }
        if var vols = spec["volumes"]?.arrayValue {
            for i in vols.indices {
                if vols[i]["configMap"] != nil { setIfMissing(&vols[i], ["configMap", "defaultMode"], 420) }
                if vols[i]["secret"] != nil { setIfMissing(&vols[i], ["secret", "defaultMode"], 420) }
                if vols[i]["projected"] != nil { setIfMissing(&vols[i], ["projected", "defaultMode"], 420) }
                if vols[i]["hostPath"] != nil { setIfMissing(&vols[i], ["hostPath", "type"], "") }
            }
            spec["volumes"] = .array(vols)
        }
    }

    static func container(_ c: inout JSONValue) {
        if c["imagePullPolicy"] == nil, let image = c["image"]?.stringValue {
            c["imagePullPolicy"] = .string(defaultPullPolicy(image: image))
        }
        setIfMissing(&c, ["terminationMessagePath"], "/dev/termination-log")
        setIfMissing(&c, ["terminationMessagePolicy"], "File")
        if var ports = c["ports"]?.arrayValue {
            for i in ports.indices { setIfMissing(&ports[i], ["protocol"], "TCP") }
            c["ports"] = .array(ports)
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] where c[probe] != nil {
            setIfMissing(&c, [probe, "timeoutSeconds"], 1)
            setIfMissing(&c, [probe, "periodSeconds"], 10)
            setIfMissing(&c, [probe, "successThreshold"], 1)
            setIfMissing(&c, [probe, "failureThreshold"], 3)
            if c[path: [probe, "httpGet"]] != nil {
                setIfMissing(&c, [probe, "httpGet", "path"], "/")
                setIfMissing(&c, [probe, "httpGet", "scheme"], "HTTP")
            }
        }
        // Requests default to limits when only limits are given.
        if let limits = c[path: ["resources", "limits"]]?.objectValue {
            for (k, v) in limits where c[path: ["resources", "requests", k]] == nil {
                c[path: ["resources", "requests", k]] = v
            }
        }
    }

    /// `Always` for `:latest` or untagged images, `IfNotPresent` otherwise (digests included).
    public static func defaultPullPolicy(image: String) -> String {
        if image.contains("@") { return "IfNotPresent" }
        let lastComponent = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = lastComponent.lastIndex(of: ":") else { return "Always" }
        return lastComponent[lastComponent.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }

    static func setIfMissing(_ object: inout JSONValue, _ path: [String], _ value: JSONValue) {
        if let cur = object[path: path], !cur.isNull { return }
        object[path: path] = value
    }
}

/// Kubernetes' default HPA scaling behavior: up by the larger of 100% and 4 pods per 15 s at once, down by up to
/// 100% per 15 s after a 300 s stabilization window.
public enum HPADefaults {
    public struct Policy: Sendable, Hashable {
        public var type: String
        public var value: Int
        public var periodSeconds: Int
        public init(type: String, value: Int, periodSeconds: Int) {
            self.type = type
            self.value = value
            self.periodSeconds = periodSeconds
        }
    }
    public struct Rules: Sendable, Hashable {
        public var stabilizationWindowSeconds: Int
        public var selectPolicy: String
        public var policies: [Policy]
        public init(stabilizationWindowSeconds: Int, selectPolicy: String, policies: [Policy]) {
            self.stabilizationWindowSeconds = stabilizationWindowSeconds
            self.selectPolicy = selectPolicy
            self.policies = policies
        }
    }
    public static let scaleUp = Rules(stabilizationWindowSeconds: 0, selectPolicy: "Max",
                                      policies: [Policy(type: "Percent", value: 100, periodSeconds: 15), Policy(type: "Pods", value: 4, periodSeconds: 15)])
    public static let scaleDown = Rules(stabilizationWindowSeconds: 300, selectPolicy: "Max",
                                        policies: [Policy(type: "Percent", value: 100, periodSeconds: 15)])
}
