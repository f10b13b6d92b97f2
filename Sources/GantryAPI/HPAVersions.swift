import Foundation

/// autoscaling/v1 HorizontalPodAutoscalers, presented from the stored autoscaling/v2 form and back, as Kubernetes
/// converts them: v1's `targetCPUUtilizationPercentage` is a v2 CPU Resource metric at that utilization; what v1 has
/// no field for (other metrics, behavior, conditions, current metrics) rides in the
/// `autoscaling.alpha.kubernetes.io/*` annotations, so a v1 client's update loses nothing.
public enum HPAVersions {
    static let metricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics"
    static let behaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior"
    static let conditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions"
    static let currentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"

    static func isCPUUtilization(_ m: JSONValue) -> Bool {
        m["type"] == "Resource" && m[path: ["resource", "name"]] == "cpu" && m[path: ["resource", "target", "type"]] == "Utilization"
    }

    static func annotation(_ value: JSONValue) -> JSONValue {
        var out = [UInt8]()
        value.write(into: &out)
        return .string(String(decoding: out, as: UTF8.self))
    }

    /// The v2 object as autoscaling/v1 shows it.
    public static func toV1(_ v2: JSONValue) -> JSONValue {
        var o = v2
        o["apiVersion"] = "autoscaling/v1"
        let metrics = v2[path: ["spec", "metrics"]]?.arrayValue ?? []
        var spec: JSONValue = ["scaleTargetRef": v2[path: ["spec", "scaleTargetRef"]] ?? .emptyObject,
                               "maxReplicas": v2[path: ["spec", "maxReplicas"]] ?? 0]
        if let min = v2[path: ["spec", "minReplicas"]] { spec["minReplicas"] = min }
        if let cpu = metrics.first(where: isCPUUtilization) {
            spec["targetCPUUtilizationPercentage"] = cpu[path: ["resource", "target", "averageUtilization"]] ?? 80
        }
        o["spec"] = spec
        var annotations = v2[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        let others = metrics.filter { !isCPUUtilization($0) }
        if !others.isEmpty { annotations[metricsAnnotation] = annotation(.array(others)) }
        if let b = v2[path: ["spec", "behavior"]] { annotations[behaviorAnnotation] = annotation(b) }
        if let c = v2[path: ["status", "conditions"]], !(c.arrayValue ?? []).isEmpty { annotations[conditionsAnnotation] = annotation(c) }
        let current = v2[path: ["status", "currentMetrics"]]?.arrayValue ?? []
        if !current.isEmpty { annotations[currentMetricsAnnotation] = annotation(.array(current)) }
        if !annotations.isEmpty { o[path: ["metadata", "annotations"]] = .object(annotations) }
        if let st = v2["status"] {
            var status: JSONValue = ["currentReplicas": st["currentReplicas"] ?? 0, "desiredReplicas": st["desiredReplicas"] ?? 0]
            for f in ["observedGeneration", "lastScaleTime"] { if let v = st[f] { status[f] = v } }
            if let cpu = current.first(where: { $0["type"] == "Resource" && $0[path: ["resource", "name"]] == "cpu" }),
               let u = cpu[path: ["resource", "current", "averageUtilization"]] {
                status["currentCPUUtilizationPercentage"] = u
            }
            o["status"] = status
        }
        return o
    }

    /// A v1 object in the stored v2 form.
    public static func toV2(_ v1: JSONValue) -> JSONValue {
        var o = v1
        o["apiVersion"] = "autoscaling/v2"
        var annotations = v1[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        func take(_ key: String) -> JSONValue? {
            defer { annotations[key] = nil }
            return annotations[key]?.stringValue.flatMap { try? JSONValue.parse(Data($0.utf8)) }
        }
        var metrics: [JSONValue] = []
        if let cpu = v1[path: ["spec", "targetCPUUtilizationPercentage"]] {
            metrics.append(["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": cpu]]])
        }
        metrics += take(metricsAnnotation)?.arrayValue ?? []
        var spec: JSONValue = ["scaleTargetRef": v1[path: ["spec", "scaleTargetRef"]] ?? .emptyObject,
                               "maxReplicas": v1[path: ["spec", "maxReplicas"]] ?? 0]
        if let min = v1[path: ["spec", "minReplicas"]] { spec["minReplicas"] = min }
        if !metrics.isEmpty { spec["metrics"] = .array(metrics) }
        if let b = take(behaviorAnnotation) { spec["behavior"] = b }
        o["spec"] = spec
        let conditions = take(conditionsAnnotation)
        let current = take(currentMetricsAnnotation)
        o[path: ["metadata", "annotations"]] = annotations.isEmpty ? nil : .object(annotations)
        if let st = v1["status"] {
            var status: JSONValue = ["currentReplicas": st["currentReplicas"] ?? 0, "desiredReplicas": st["desiredReplicas"] ?? 0]
            for f in ["observedGeneration", "lastScaleTime"] { if let v = st[f] { status[f] = v } }
            if let conditions { status["conditions"] = conditions }
            if let current { status["currentMetrics"] = current }
            o["status"] = status
        }
        return o
    }
}
