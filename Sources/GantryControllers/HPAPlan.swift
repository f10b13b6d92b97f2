import Foundation
import GantryAPI

/// The HorizontalPodAutoscaler's arithmetic, as kube-controller-manager's podautoscaler does it, pure: from the
/// pods' usage and requests to a replica count per metric (tolerance 0.1; pods without metrics and unready pods
/// counted against the move), then the behavior: stabilization windows over past recommendations and the scaling
/// policies' limits over past scale events, and the min/max bounds.
public enum HPAPlan {
    /// Kubernetes' default tolerance: no change while the usage is within 10% of the target.
    public static let tolerance = 0.1

    /// One pod of the scale target, as the resource metric sees it.
    public struct PodUsage: Sendable, Hashable {
        public var name: String
        /// Ready (and running); for CPU an unready pod's usage is not trusted.
        public var ready: Bool
        /// The usage (millicores for CPU, bytes for memory), nil when metrics.k8s.io has no sample for it.
        public var usage: Int64?
        /// The sum of its containers' requests of the resource, nil when one of them requests none.
        public var request: Int64?

        public init(name: String, ready: Bool, usage: Int64?, request: Int64?) {
            self.name = name
            self.ready = ready
            self.usage = usage
            self.request = request
        }
    }

    /// A target: utilization in per cent of the request, or an average value per pod (in the usage's unit).
    public enum Target: Sendable, Hashable {
        case utilization(Int)
        case averageValue(Int64)
    }

    /// What one metric asks for.
    public struct MetricResult: Sendable, Hashable {
        public var replicas: Int
        /// The current utilization in per cent (utilization targets), and the average usage per pod.
        public var utilization: Int?
        public var averageValue: Int64
    }

    /// Replicas for a resource metric (kube-controller-manager's GetResourceReplicas), or an error message.
    public static func resourceReplicas(current: Int, target: Target, pods: [PodUsage], isCPU: Bool) -> Result<MetricResult, HPAError> {
        var withMetrics: [PodUsage] = [], missing: [PodUsage] = [], unready: [PodUsage] = []
        for p in pods {
            if p.usage == nil { missing.append(p) } else if isCPU && !p.ready { unready.append(p) } else { withMetrics.append(p) }
        }
        guard !withMetrics.isEmpty || !unready.isEmpty else {
            return .failure(HPAError("did not receive metrics for any ready pods"))
        }
        if case .utilization = target, (withMetrics + unready + missing).contains(where: { $0.request == nil || $0.request == 0 }) {
            return .failure(HPAError("missing request for \(isCPU ? "cpu" : "memory") in a pod of the target"))
        }
        func ratio(_ set: [PodUsage], _ usageOf: (PodUsage) -> Int64) -> (ratio: Double, utilization: Int?, average: Int64) {
            let usage = set.reduce(Int64(0)) { $0 + usageOf($1) }
            let average = set.isEmpty ? 0 : usage / Int64(set.count)
            switch target {
            case .utilization(let t):
                let requests = set.reduce(Int64(0)) { $0 + ($1.request ?? 0) }
                let u = requests > 0 ? Double(usage) * 100 / Double(requests) : 0
                return (u / Double(t), Int(u), average)
            case .averageValue(let t):
                return (Double(average) / Double(max(t, 1)), nil, average)
            }
        }
        let base = withMetrics.isEmpty ? unready : withMetrics
        let first = ratio(base) { $0.usage ?? 0 }
        let result = { (n: Int) in MetricResult(replicas: n, utilization: first.utilization, averageValue: first.average) }
        let rebalanceUnready = !unready.isEmpty && first.ratio > 1 && !withMetrics.isEmpty
        if missing.isEmpty && !rebalanceUnready {
            if abs(1 - first.ratio) <= tolerance { return .success(result(current)) }
            return .success(result(Int((first.ratio * Double(base.count)).rounded(.up))))
        }
        // Pods without metrics count as using the target when scaling down and nothing when scaling up; unready
        // pods count as using nothing: either way against the move.
        var all = base.map { ($0, $0.usage ?? 0) }
        for p in missing {
            let assumed: Int64
            if first.ratio < 1 {
                switch target {
                case .utilization(let t): assumed = (p.request ?? 0) * Int64(t) / 100
                case .averageValue(let t): assumed = t
                }
            } else {
                assumed = 0
            }
            all.append((p, assumed))
        }
        if rebalanceUnready { for p in unready { all.append((p, 0)) } }
        let usages = Dictionary(all.map { ($0.0.name, $0.1) }, uniquingKeysWith: { a, _ in a })
        let second = ratio(all.map(\.0)) { usages[$0.name] ?? 0 }
        if abs(1 - second.ratio) <= tolerance || (first.ratio < 1 && second.ratio > 1) || (first.ratio > 1 && second.ratio < 1) {
            return .success(result(current))
        }
        let proposed = Int((second.ratio * Double(all.count)).rounded(.up))
        if (second.ratio < 1 && proposed > current) || (second.ratio > 1 && proposed < current) { return .success(result(current)) }
        return .success(result(proposed))
    }

    /// The scaling rules of one direction (spec.behavior.scaleUp or scaleDown, defaults filled in).
    public typealias Rules = HPADefaults.Rules

    /// A past recommendation or scale event.
    public struct Stamped: Sendable, Hashable {
        public var at: Date
        public var value: Int
        public init(at: Date, value: Int) {
            self.at = at
            self.value = value
        }
    }

    /// Why the count was limited (the ScalingLimited condition), if it was.
    public struct Decision: Sendable, Hashable {
        public var replicas: Int
        public var limitReason: String?
        public var limitMessage: String?
    }

    /// The replicas to set: `desired` stabilized over `recommendations` (windows of `up` and `down`), limited by
    /// the policies over the scale events in their periods, and kept within `min`...`max`.
    public static func normalize(desired: Int, current: Int, min: Int, max: Int, up: Rules, down: Rules,
                                 recommendations: [Stamped], scaleUpEvents: [Stamped], scaleDownEvents: [Stamped], now: Date) -> Decision {
        // Stabilization: up to the lowest recommendation of the up window, down to the highest of the down window.
        var upRec = desired, downRec = desired
        for r in recommendations {
            if r.at > now.addingTimeInterval(-Double(up.stabilizationWindowSeconds)) { upRec = Swift.min(upRec, r.value) }
            if r.at > now.addingTimeInterval(-Double(down.stabilizationWindowSeconds)) { downRec = Swift.max(downRec, r.value) }
        }
        var stabilized = current
        if stabilized < upRec { stabilized = upRec }
        if stabilized > downRec { stabilized = downRec }
        func changed(in period: Int, _ events: [Stamped]) -> Int {
            events.filter { $0.at > now.addingTimeInterval(-Double(period)) }.reduce(0) { $0 + $1.value }
        }
        if stabilized > current {
            var limit: Int
            if up.selectPolicy == "Disabled" {
                limit = current
            } else {
                let pick: (Int, Int) -> Int = up.selectPolicy == "Min" ? { Swift.min($0, $1) } : { Swift.max($0, $1) }
                limit = up.selectPolicy == "Min" ? Int.max : Int.min
                for p in up.policies {
                    let start = current - changed(in: p.periodSeconds, scaleUpEvents) + changed(in: p.periodSeconds, scaleDownEvents)
                    let proposed = p.type == "Pods" ? start + p.value : Int((Double(start) * (1 + Double(p.value) / 100)).rounded(.up))
                    limit = pick(limit, proposed)
                }
                if up.policies.isEmpty { limit = stabilized }
            }
            limit = Swift.max(limit, current)
            let allowed = Swift.min(max, limit)
            guard stabilized > allowed else { return Decision(replicas: stabilized, limitReason: nil, limitMessage: nil) }
            return limit < max
                ? Decision(replicas: allowed, limitReason: "ScaleUpLimit", limitMessage: "the desired replica count is increasing faster than the maximum scale rate")
                : Decision(replicas: allowed, limitReason: "TooManyReplicas", limitMessage: "the desired replica count is more than the maximum replica count")
        }
        if stabilized < current {
            var limit: Int
            if down.selectPolicy == "Disabled" {
                limit = current
            } else {
                let pick: (Int, Int) -> Int = down.selectPolicy == "Min" ? { Swift.max($0, $1) } : { Swift.min($0, $1) }
                limit = down.selectPolicy == "Min" ? Int.min : Int.max
                for p in down.policies {
                    let start = current - changed(in: p.periodSeconds, scaleUpEvents) + changed(in: p.periodSeconds, scaleDownEvents)
                    let proposed = p.type == "Pods" ? start - p.value : Int(Double(start) * (1 - Double(p.value) / 100))
                    limit = pick(limit, proposed)
                }
                if down.policies.isEmpty { limit = stabilized }
            }
            limit = Swift.min(limit, current)
            let allowed = Swift.max(min, limit)
            guard stabilized < allowed else { return Decision(replicas: stabilized, limitReason: nil, limitMessage: nil) }
            return min < limit
                ? Decision(replicas: allowed, limitReason: "ScaleDownLimit", limitMessage: "the desired replica count is decreasing faster than the maximum scale rate")
                : Decision(replicas: allowed, limitReason: "TooFewReplicas", limitMessage: "the desired replica count is less than the minimum replica count")
        }
        return Decision(replicas: Swift.min(Swift.max(stabilized, min), max), limitReason: nil, limitMessage: nil)
    }

    /// The rules of one direction from a behavior object (`spec.behavior.scaleUp`), Kubernetes' defaults for what is
    /// not given.
    public static func rules(_ json: JSONValue?, defaults: Rules) -> Rules {
        guard let json else { return defaults }
        var r = defaults
        if let w = json["stabilizationWindowSeconds"]?.intValue { r.stabilizationWindowSeconds = Int(w) }
        if let s = json["selectPolicy"]?.stringValue { r.selectPolicy = s }
        if let ps = json["policies"]?.arrayValue {
            r.policies = ps.map { HPADefaults.Policy(type: $0["type"]?.stringValue ?? "Pods", value: Int($0["value"]?.intValue ?? 1),
                                                     periodSeconds: Int($0["periodSeconds"]?.intValue ?? 15)) }
        }
        return r
    }
}

/// Why a metric could not be computed.
public struct HPAError: Error, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
