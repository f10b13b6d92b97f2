import CoreMetrics
import Foundation
import Metrics
import Prometheus

/// One process's metrics, in Prometheus' text format with the names and labels Kubernetes uses
/// (`apiserver_request_total`, `workqueue_depth`, `kubelet_running_pods`…), so that existing dashboards and
/// alerts work. Metrics are recorded through swift-metrics' API on a swift-prometheus registry of this instance
/// (not the process-wide `MetricsSystem`: a test process runs several servers, each with its own metrics).
public final class GantryMetrics: Sendable {
    /// The registry everything is recorded in.
    public let registry: PrometheusCollectorRegistry
    /// swift-metrics' factory on `registry`, with Kubernetes' histogram buckets per metric.
    public let factory: PrometheusMetricsFactory

    /// The Prometheus text exposition format's content type.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public init() {
        registry = PrometheusCollectorRegistry()
        var f = PrometheusMetricsFactory(registry: registry)
        f.durationHistogramBuckets = Self.buckets
        f.defaultDurationHistogramBuckets = Self.seconds([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
        factory = f
    }

    // MARK: - Recording

    /// Adds `by` to the counter `name` with `labels`.
    public func count(_ name: String, _ labels: [(String, String)] = [], by amount: Int64 = 1) {
        CoreMetrics.Counter(label: name, dimensions: Self.sorted(labels), factory: factory).increment(by: amount)
    }

    /// Records `duration` in the histogram `name` (its buckets in seconds, as `buckets` lists them).
    public func observe(_ name: String, _ labels: [(String, String)] = [], _ duration: Duration) {
        let (s, atto) = duration.components
        CoreMetrics.Timer(label: name, dimensions: Self.sorted(labels), factory: factory).recordNanoseconds(s * 1_000_000_000 + atto / 1_000_000_000)
    }

    /// Sets the gauge `name` with `labels` to `value`.
    public func set(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        CoreMetrics.Gauge(label: name, dimensions: Self.sorted(labels), factory: factory).record(value)
    }

    /// Adds `delta` (negative: subtracts) to the gauge `name` with `labels`.
    public func add(_ name: String, _ labels: [(String, String)] = [], _ delta: Double) {
        let g = registry.makeGauge(name: name, labels: Self.sorted(labels))
        if delta >= 0 { g.increment(by: delta) } else { g.decrement(by: -delta) }
    }

    /// Everything recorded, in the text exposition format.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// Labels in name order, as Kubernetes prints them (and one series per set, whatever order a caller used).
    static func sorted(_ labels: [(String, String)]) -> [(String, String)] {
        labels.count < 2 ? labels : labels.sorted { $0.0 < $1.0 }
    }

    // MARK: - Buckets

    static func seconds(_ values: [Double]) -> [Duration] {
        values.map { .nanoseconds(Int64(($0 * 1e9).rounded())) }
    }

    static func exponential(start: Double, factor: Double, count: Int) -> [Double] {
        (0..<count).map { start * pow(factor, Double($0)) }
    }

    /// Kubernetes' buckets for the histograms Gantry records.
    static let buckets: [String: [Duration]] = [
        // kube-apiserver's request and storage latencies.
        "apiserver_request_duration_seconds": seconds([0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10,
                                                       15, 20, 30, 45, 60]),
        "etcd_request_duration_seconds": seconds([0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10,
                                                  15, 20, 30, 45, 60]),
        // client-go's work queues: 10 ns to 10 s.
        "workqueue_queue_duration_seconds": seconds(exponential(start: 1e-8, factor: 10, count: 10)),
        "workqueue_work_duration_seconds": seconds(exponential(start: 1e-8, factor: 10, count: 10)),
        // kube-scheduler.
        "scheduler_pod_scheduling_duration_seconds": seconds(exponential(start: 0.01, factor: 2, count: 20)),
        "scheduler_scheduling_attempt_duration_seconds": seconds(exponential(start: 0.001, factor: 2, count: 15)),
        // The kubelet.
        "kubelet_pod_start_duration_seconds": seconds([0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480,
                                                       600, 900, 1200, 1800, 2700, 3600]),
    ]
}

/// Builds Prometheus text for values computed at scrape time (cAdvisor's container metrics): one `# HELP` and
/// `# TYPE` per family, then its samples, label values escaped as the format asks.
public struct PrometheusText: Sendable {
    private var out = ""
    private var declared = Set<String>()

    public init() {}

    /// Appends one sample of `name`, declaring the family (with `help` and `type`) the first time.
    public mutating func sample(_ name: String, type: String, help: String, _ labels: [(String, String)], _ value: Double,
                                timestampMs: Int64? = nil) {
        if !declared.contains(name) {
            declared.insert(name)
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        out += name
        if !labels.isEmpty {
            out += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        out += " " + Self.format(value)
        if let timestampMs { out += " \(timestampMs)" }
        out += "\n"
    }

    /// The text so far.
    public var text: String { out }

    static func escape(_ s: String) -> String {
        var r = ""
        for c in s {
            switch c {
            case "\\": r += "\\\\"
            case "\"": r += "\\\""
            case "\n": r += "\\n"
            default: r.append(c)
            }
        }
        return r
    }

    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
