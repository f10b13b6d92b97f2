import Foundation
import GantryAPI
import GantryClient
import Logging

/// The horizontal pod autoscaler (autoscaling/v2), as kube-controller-manager runs it: every sync period, for each
/// HorizontalPodAutoscaler, reads its target's `scale` subresource and the pods it selects, their usage from
/// metrics.k8s.io and their requests, computes the replicas each Resource and ContainerResource metric asks for
/// (`HPAPlan`), takes the largest, applies the behavior (stabilization, policies) and the bounds, scales the target,
/// records a SuccessfulRescale event, and reports status: current metrics, replicas and the AbleToScale,
/// ScalingActive and ScalingLimited conditions. Pods, Object and External metrics need a custom metrics API, which
/// Gantry does not serve: they are reported as failing.
public final class HorizontalPodAutoscalerController: @unchecked Sendable {
    let context: ControllerContext
    let interval: Duration
    private let lock = NSLock()
    private var recommendations: [String: [HPAPlan.Stamped]] = [:]
    private var scaleUps: [String: [HPAPlan.Stamped]] = [:]
    private var scaleDowns: [String: [HPAPlan.Stamped]] = [:]

    public init(context: ControllerContext, interval: Duration = .seconds(15)) {
        self.context = context
        self.interval = interval
    }

    var client: GantryClient { context.client }

    /// Syncs every HPA every `interval` until cancelled.
    public func run() async {
        while !Task.isCancelled {
            await syncAll()
            try? await context.clock.sleep(for: interval)
        }
    }

    /// One round over every HorizontalPodAutoscaler.
    public func syncAll() async {
        guard let list = try? await client.call(.GET, GantryClient.path(.horizontalPodAutoscalers, namespace: nil)) else { return }
        var seen = Set<String>()
        for hpa in list["items"]?.arrayValue ?? [] {
            let key = (hpa[path: ["metadata", "namespace"]]?.stringValue ?? "") + "/" + (hpa[path: ["metadata", "name"]]?.stringValue ?? "")
            seen.insert(key)
            do {
                try await sync(hpa, key: key)
            } catch {
                context.logger.debug("hpa sync failed", metadata: ["hpa": "\(key)", "error": "\(error)"])
            }
        }
        lock.withLock {
            recommendations = recommendations.filter { seen.contains($0.key) }
            scaleUps = scaleUps.filter { seen.contains($0.key) }
            scaleDowns = scaleDowns.filter { seen.contains($0.key) }
        }
    }

    /// Millicores of CPU, bytes of memory (or the resource's plain value) in a quantity.
    static func amount(_ q: JSONValue?, cpu: Bool) -> Int64? {
        guard let s = q?.stringValue ?? q?.intValue.map({ String($0) }), let quantity = try? Quantity(s) else { return nil }
        let d = cpu ? quantity.decimal * 1000 : quantity.decimal
        return Int64(truncating: NSDecimalNumber(decimal: d))
    }

    func condition(_ type: String, _ status: Bool, _ reason: String, _ message: String, old: [JSONValue]) -> JSONValue {
        let s = status ? "True" : "False"
        let prev = old.first { $0["type"]?.stringValue == type }
        let since = prev?["status"]?.stringValue == s ? (prev?["lastTransitionTime"] ?? .string(Timestamp.format(context.clock.now)))
            : .string(Timestamp.format(context.clock.now))
        return ["type": .string(type), "status": .string(s), "reason": .string(reason), "message": .string(message), "lastTransitionTime": since]
    }

    func sync(_ listed: JSONValue, key: String) async throws {
        var hpa = listed
        hpa["apiVersion"] = .string(ResourceInfo.horizontalPodAutoscalers.apiVersion)
        hpa["kind"] = .string(ResourceInfo.horizontalPodAutoscalers.kind)
        let ns = hpa[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        let spec = hpa["spec"] ?? .emptyObject
        let ref = spec["scaleTargetRef"] ?? .emptyObject
        let kind = ref["kind"]?.stringValue ?? "", targetName = ref["name"]?.stringValue ?? ""
        let minReplicas = Int(spec["minReplicas"]?.intValue ?? 1), maxReplicas = Int(spec["maxReplicas"]?.intValue ?? 1)
        let oldConditions = hpa[path: ["status", "conditions"]]?.arrayValue ?? []
        var status = hpa["status"] ?? .emptyObject
        status["observedGeneration"] = hpa[path: ["metadata", "generation"]] ?? 1
        func report(_ conditions: [JSONValue]) async throws {
            status["conditions"] = .array(conditions)
            var updated = hpa
            updated["status"] = status
            if updated["status"] != hpa["status"] {
                _ = try await client.call(.PUT, GantryClient.path(.horizontalPodAutoscalers, namespace: ns, name: hpa[path: ["metadata", "name"]]?.stringValue ?? "",
                                                                  subresource: "status"), body: updated)
            }
        }
        guard let target = ResourceInfo.lookup(apiVersion: ref["apiVersion"]?.stringValue ?? "apps/v1", kind: kind),
              target.subresources.contains("scale") else {
            try await report([condition("AbleToScale", false, "FailedGetScale", "the HPA controller was unable to get the target's current scale: no scale subresource for \(kind)", old: oldConditions)])
            return
        }
        let scale: JSONValue
        do {
            scale = try await client.call(.GET, GantryClient.path(target, namespace: ns, name: targetName, subresource: "scale"))
        } catch {
            try await report([condition("AbleToScale", false, "FailedGetScale", "the HPA controller was unable to get the target's current scale: \(error)", old: oldConditions)])
            return
        }
        let specReplicas = Int(scale[path: ["spec", "replicas"]]?.intValue ?? 0)
        let current = Int(scale[path: ["status", "replicas"]]?.intValue ?? Int64(specReplicas))
        status["currentReplicas"] = .int(Int64(current))
        let able = condition("AbleToScale", true, "SucceededGetScale", "the HPA controller was able to get the target's current scale", old: oldConditions)
        if specReplicas == 0 && minReplicas > 0 {
            status["desiredReplicas"] = 0
            try await report([able, condition("ScalingActive", false, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero", old: oldConditions)])
            return
        }

        // The pods of the target, their readiness and requests, and their usage.
        let selector = scale[path: ["status", "selector"]]?.stringValue ?? ""
        let pods = (try await client.call(.GET, GantryClient.path(.pods, namespace: ns), query: ["labelSelector": selector]))["items"]?.arrayValue ?? []
        let metrics = (try? await client.call(.GET, "/apis/metrics.k8s.io/v1beta1/namespaces/\(ns)/pods", query: ["labelSelector": selector]))?["items"]?.arrayValue ?? []
        let usageByPod = Dictionary(metrics.map { ($0[path: ["metadata", "name"]]?.stringValue ?? "", $0["containers"]?.arrayValue ?? []) },
                                    uniquingKeysWith: { a, _ in a })
        let live = pods.filter { $0[path: ["metadata", "deletionTimestamp"]] == nil && $0[path: ["status", "phase"]]?.stringValue != "Failed"
            && $0[path: ["status", "phase"]]?.stringValue != "Succeeded" }

        var computed: Int?
        var failures: [String] = []
        var currentMetrics: [JSONValue] = []
        var describe = ""
        for m in spec["metrics"]?.arrayValue ?? [] {
            let type = m["type"]?.stringValue ?? ""
            guard type == "Resource" || type == "ContainerResource" else {
                failures.append("unable to get \(type) metric: Gantry serves no custom or external metrics API")
                continue
            }
            let source = type == "Resource" ? m["resource"] ?? .emptyObject : m["containerResource"] ?? .emptyObject
            let resource = source["name"]?.stringValue ?? "cpu"
            let container = type == "ContainerResource" ? source["container"]?.stringValue : nil
            let isCPU = resource == "cpu"
            let t = source["target"] ?? .emptyObject
            let planTarget: HPAPlan.Target
            if t["type"]?.stringValue == "Utilization" {
                planTarget = .utilization(Int(t["averageUtilization"]?.intValue ?? 80))
            } else if let v = Self.amount(t["averageValue"], cpu: isCPU) {
                planTarget = .averageValue(v)
            } else {
                failures.append("invalid target for \(resource)")
                continue
            }
            let samples = live.map { pod -> HPAPlan.PodUsage in
                let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
                let containers = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).filter { container == nil || $0["name"]?.stringValue == container }
                var request: Int64? = 0
                for c in containers {
                    if let r = Self.amount(c[path: ["resources", "requests", resource]], cpu: isCPU) { request = request.map { $0 + r } } else { request = nil }
                }
                let usage = usageByPod[name].map { cs in
                    cs.filter { container == nil || $0["name"]?.stringValue == container }
                        .reduce(Int64(0)) { $0 + (Self.amount($1[path: ["usage", resource]], cpu: isCPU) ?? 0) }
                }
                let ready = pod[path: ["status", "phase"]] == "Running"
                    && pod[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } == true
                return HPAPlan.PodUsage(name: name, ready: ready, usage: usage, request: request)
            }
            switch HPAPlan.resourceReplicas(current: current, target: planTarget, pods: samples, isCPU: isCPU) {
            case .failure(let e):
                failures.append("failed to get \(resource) utilization: \(e.message)")
            case .success(let r):
                if computed == nil || r.replicas > computed! {
                    computed = r.replicas
                    describe = "\(resource) resource\(r.utilization != nil ? " utilization (percentage of request)" : "") \(r.replicas > current ? "above" : "below") target"
                }
                var value: JSONValue = ["averageValue": .string(isCPU ? "\(r.averageValue)m" : "\(r.averageValue)")]
                if let u = r.utilization { value["averageUtilization"] = .int(Int64(u)) }
                var ms: JSONValue = ["name": .string(resource), "current": value]
                if let container { ms["container"] = .string(container) }
                currentMetrics.append(["type": .string(type), type == "Resource" ? "resource" : "containerResource": ms])
            }
        }
        status["currentMetrics"] = .array(currentMetrics)
        guard let desired = computed else {
            // No metric could be computed: nothing changes.
            status["desiredReplicas"] = .int(Int64(current))
            try await report([able, condition("ScalingActive", false, "FailedGetResourceMetric",
                                              "the HPA was unable to compute the replica count: \(failures.joined(separator: "; "))", old: oldConditions)])
            if let first = failures.first {
                await context.recorder.recordJSON(hpa, type: "Warning", reason: "FailedGetResourceMetric", message: first)
            }
            return
        }

        let now = context.clock.now
        let up = HPAPlan.rules(spec[path: ["behavior", "scaleUp"]], defaults: HPADefaults.scaleUp)
        let down = HPAPlan.rules(spec[path: ["behavior", "scaleDown"]], defaults: HPADefaults.scaleDown)
        let (recs, ups, downs) = lock.withLock { (recommendations[key] ?? [], scaleUps[key] ?? [], scaleDowns[key] ?? []) }
        var decision: HPAPlan.Decision
        if current > maxReplicas {
            decision = HPAPlan.Decision(replicas: maxReplicas, limitReason: "TooManyReplicas", limitMessage: "the desired replica count is more than the maximum replica count")
        } else if current < minReplicas {
            decision = HPAPlan.Decision(replicas: minReplicas, limitReason: "TooFewReplicas", limitMessage: "the desired replica count is less than the minimum replica count")
        } else {
            decision = HPAPlan.normalize(desired: desired, current: current, min: minReplicas, max: maxReplicas, up: up, down: down,
                                         recommendations: recs, scaleUpEvents: ups, scaleDownEvents: downs, now: now)
        }
        let longest = Double(Swift.max(up.stabilizationWindowSeconds, down.stabilizationWindowSeconds))
        let periods = Double((up.policies + down.policies).map(\.periodSeconds).max() ?? 15)
        lock.withLock {
            recommendations[key] = (recs + [HPAPlan.Stamped(at: now, value: desired)]).filter { now.timeIntervalSince($0.at) <= longest }
            scaleUps[key] = ups.filter { now.timeIntervalSince($0.at) <= periods }
            scaleDowns[key] = downs.filter { now.timeIntervalSince($0.at) <= periods }
        }
        status["desiredReplicas"] = .int(Int64(decision.replicas))
        if decision.replicas != current {
            _ = try await client.patch(target, namespace: ns, name: targetName, ["spec": ["replicas": .int(Int64(decision.replicas))]], subresource: "scale")
            lock.withLock {
                let change = HPAPlan.Stamped(at: now, value: abs(decision.replicas - current))
                if decision.replicas > current { scaleUps[key, default: []].append(change) } else { scaleDowns[key, default: []].append(change) }
            }
            status["lastScaleTime"] = .string(Timestamp.format(now))
            await context.recorder.recordJSON(hpa, reason: "SuccessfulRescale", message: "New size: \(decision.replicas); reason: \(describe)")
        }
        var conditions = [able, condition("ScalingActive", true, "ValidMetricFound",
                                          "the HPA was able to successfully calculate a replica count from \(describe.split(separator: " ").first ?? "cpu") resource", old: oldConditions)]
        conditions.append(decision.limitReason.map { condition("ScalingLimited", true, $0, decision.limitMessage ?? "", old: oldConditions) }
            ?? condition("ScalingLimited", false, "DesiredWithinRange", "the desired count is within the acceptable range", old: oldConditions))
        try await report(conditions)
    }
}

extension EventRecorder {
    /// Records an event about an object known only as JSON.
    func recordJSON(_ object: JSONValue, type: String = "Normal", reason: String, message: String) async {
        let meta = { (f: String) in object[path: ["metadata", f]]?.stringValue }
        await sink.record(involved: Self.reference(apiVersion: object["apiVersion"]?.stringValue ?? "", kind: object["kind"]?.stringValue ?? "",
                                                   name: meta("name") ?? "", namespace: meta("namespace"), uid: meta("uid"),
                                                   resourceVersion: meta("resourceVersion")),
                          type: type, reason: reason, message: message)
    }
}
