import Foundation
import GantryAPI
import GantryMetrics
import GantryRuntime

/// The kubelet's stats summary (`/stats/summary`): CPU and memory per node, pod and container, from
/// cgroups. CPU rates come from the difference to the previous sample of the same container.
final class StatsCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var previous: [String: ContainerStats] = [:]
    private var previousNode: (cpu: UInt64, at: Date)?

    /// CPU cores in nano-cores since the previous sample of `key` (nil on the first).
    func rate(_ key: String, _ s: ContainerStats) -> UInt64? {
        lock.lock()
        defer { lock.unlock() }
        defer { previous[key] = s }
        guard let p = previous[key], s.cpuUsageNanoseconds >= p.cpuUsageNanoseconds else { return nil }
        let dt = s.timestamp.timeIntervalSince(p.timestamp)
        guard dt > 0 else { return nil }
        return UInt64(Double(s.cpuUsageNanoseconds - p.cpuUsageNanoseconds) / dt)
    }

    func nodeRate(_ cpu: UInt64, at: Date) -> UInt64? {
        lock.lock()
        defer { lock.unlock() }
        defer { previousNode = (cpu, at) }
        guard let p = previousNode, cpu >= p.cpu else { return nil }
        let dt = at.timeIntervalSince(p.at)
        return dt > 0 ? UInt64(Double(cpu - p.cpu) / dt) : nil
    }

    static func cpuJSON(_ usage: UInt64, _ rate: UInt64?, _ at: Date) -> JSONValue {
        var c: JSONValue = ["time": .string(at.ISO8601Format()), "usageCoreNanoSeconds": .int(Int64(usage))]
        if let rate { c["usageNanoCores"] = .int(Int64(rate)) }
        return c
    }

    static func memoryJSON(usage: UInt64, workingSet: UInt64, _ at: Date) -> JSONValue {
        ["time": .string(at.ISO8601Format()), "usageBytes": .int(Int64(usage)), "workingSetBytes": .int(Int64(workingSet))]
    }

    /// Whole-node CPU (from /proc/stat) and memory (from /proc/meminfo).
    func node(name: String) -> JSONValue {
        let now = Date()
        let stat = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) ?? ""
        var cpuNanos: UInt64 = 0
        if let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) {
            let f = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
            // user nice system (irq softirq steal): busy time, in clock ticks of 10 ms.
            let busy = f.enumerated().filter { [0, 1, 2, 5, 6, 7].contains($0.offset) }.map(\.element).reduce(0, +)
            cpuNanos = busy * 10_000_000
        }
        var total: UInt64 = 0, available: UInt64 = 0
        for line in ((try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let v = UInt64(parts[1]) else { continue }
            if parts[0] == "MemTotal:" { total = v * 1024 }
            if parts[0] == "MemAvailable:" { available = v * 1024 }
        }
        let used = total > available ? total - available : 0
        return ["nodeName": .string(name), "cpu": Self.cpuJSON(cpuNanos, nodeRate(cpuNanos, at: now), now),
                "memory": Self.memoryJSON(usage: used, workingSet: used, now)]
    }
}

extension PodManager {
    /// The summary of this node and the pods it runs (the kubelet `/stats/summary` shape).
    public func summary() async -> JSONValue {
        var pods: [JSONValue] = []
        for w in allWorkers() {
            var containers: [JSONValue] = []
            var podCPU: UInt64 = 0, podRate: UInt64 = 0, podMem: UInt64 = 0, podWS: UInt64 = 0
            var anyRate = false
            for (name, id, started) in await w.runningContainers() {
                guard let s = try? await runtime.stats(id) else { continue }
                let rate = stats.rate(id, s)
                podCPU += s.cpuUsageNanoseconds
                podMem += s.memoryUsageBytes
                podWS += s.memoryWorkingSetBytes
                if let rate { podRate += rate; anyRate = true }
                var c: JSONValue = ["name": .string(name), "cpu": StatsCollector.cpuJSON(s.cpuUsageNanoseconds, rate, s.timestamp),
                                    "memory": StatsCollector.memoryJSON(usage: s.memoryUsageBytes, workingSet: s.memoryWorkingSetBytes, s.timestamp)]
                if let started { c["startTime"] = .string(started.ISO8601Format()) }
                containers.append(c)
            }
            let now = Date()
            pods.append([
                "podRef": ["name": .string(w.name), "namespace": .string(w.namespace), "uid": .string(w.uid)],
                "containers": .array(containers),
                "cpu": StatsCollector.cpuJSON(podCPU, anyRate ? podRate : nil, now),
                "memory": StatsCollector.memoryJSON(usage: podMem, workingSet: podWS, now),
            ])
        }
        return ["node": stats.node(name: config.nodeName), "pods": .array(pods)]
    }
}

extension PodManager {
    /// The kubelet's `/metrics`: `kubelet_running_pods`, `kubelet_running_containers` (counted now) and what the pod
    /// workers recorded (`kubelet_pod_start_duration_seconds`).
    public func kubeletMetrics() async -> [UInt8] {
        guard let metrics = config.metrics else { return [] }
        var pods = 0, containers = 0
        for w in allWorkers() {
            let running = await w.runningContainers()
            if !running.isEmpty { pods += 1 }
            containers += running.count
        }
        metrics.set("kubelet_running_pods", [], Double(pods))
        metrics.set("kubelet_running_containers", [("container_state", "running")], Double(containers))
        metrics.set("kubelet_node_name", [("node", config.nodeName)], 1)
        return metrics.exposition()
    }

    /// cAdvisor's container metrics, as the kubelet serves them at `/metrics/cadvisor`: CPU time, memory use and
    /// working set, and start time, per container (labels `container`, `pod`, `namespace`, `id`, `image`, `name`),
    /// and for the whole node (`id="/"`).
    public func cadvisorMetrics() async -> String {
        var out = PrometheusText()
        let cpuHelp = "Cumulative cpu time consumed in seconds."
        let wsHelp = "Current working set in bytes."
        let memHelp = "Current memory usage in bytes, including all memory regardless of when it was accessed"
        let node = stats.node(name: config.nodeName)
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        if let cpu = node[path: ["cpu", "usageCoreNanoSeconds"]]?.intValue {
            out.sample("container_cpu_usage_seconds_total", type: "counter", help: cpuHelp,
                       [("container", ""), ("cpu", "total"), ("id", "/"), ("image", ""), ("name", ""), ("namespace", ""), ("pod", "")],
                       Double(cpu) / 1e9, timestampMs: nowMs)
        }
        if let ws = node[path: ["memory", "workingSetBytes"]]?.intValue {
            out.sample("container_memory_working_set_bytes", type: "gauge", help: wsHelp,
                       [("container", ""), ("id", "/"), ("image", ""), ("name", ""), ("namespace", ""), ("pod", "")], Double(ws), timestampMs: nowMs)
        }
        var rows: [(labels: [(String, String)], s: ContainerStats, started: Date?)] = []
        for w in allWorkers() {
            let spec = await w.pod.spec
            let images = Dictionary(((spec?.containers ?? []) + (spec?.initContainers ?? [])).map { ($0.name ?? "", $0.image ?? "") },
                                    uniquingKeysWith: { a, _ in a })
            for (name, id, started) in await w.runningContainers() {
                guard let s = try? await runtime.stats(id) else { continue }
                rows.append(([("container", name), ("id", "/gantry/\(w.uid)/\(id)"), ("image", images[name] ?? ""), ("name", id),
                              ("namespace", w.namespace), ("pod", w.name)], s, started))
            }
        }
        for r in rows {
            let ms = Int64(r.s.timestamp.timeIntervalSince1970 * 1000)
            out.sample("container_cpu_usage_seconds_total", type: "counter", help: cpuHelp, [("cpu", "total")] + r.labels,
                       Double(r.s.cpuUsageNanoseconds) / 1e9, timestampMs: ms)
        }
        for r in rows {
            out.sample("container_memory_working_set_bytes", type: "gauge", help: wsHelp, r.labels, Double(r.s.memoryWorkingSetBytes),
                       timestampMs: Int64(r.s.timestamp.timeIntervalSince1970 * 1000))
        }
        for r in rows {
            out.sample("container_memory_usage_bytes", type: "gauge", help: memHelp, r.labels, Double(r.s.memoryUsageBytes),
                       timestampMs: Int64(r.s.timestamp.timeIntervalSince1970 * 1000))
        }
        for r in rows {
            guard let started = r.started else { continue }
            out.sample("container_start_time_seconds", type: "gauge", help: "Start time of the container since unix epoch in seconds.",
                       r.labels, started.timeIntervalSince1970.rounded())
        }
        return out.text
    }
}
