import AsyncHTTPClient
import Foundation
import GantryAPI
import Hummingbird

// metrics.k8s.io/v1beta1, as metrics-server serves it (so `kubectl top` and autoscalers work): NodeMetrics and
// PodMetrics from the agents' stats summaries (`/stats/summary`: CPU rates in nano-cores and working-set memory per
// node, pod and container), fetched from every node at most every 10 s (metrics-server's default resolution is 15 s).

/// The latest stats summary of each node, refreshed when older than the resolution.
actor NodeStatsCache {
    private var summaries: [String: (summary: JSONValue, at: Date)] = [:]
    private var fetched: ContinuousClock.Instant?
    private var inFlight: Task<Void, Never>?
    let resolution: Duration

    init(resolution: Duration = .seconds(10)) { self.resolution = resolution }

    /// Every node's summary, fetched again first when the last round is older than the resolution.
    func all(registry: Registry, dialer: NodeDialer) async -> [String: (summary: JSONValue, at: Date)] {
        if let fetched, ContinuousClock.now - fetched < resolution { return summaries }
        if inFlight == nil {
            inFlight = Task { await self.refresh(registry: registry, dialer: dialer) }
        }
        await inFlight?.value
        return summaries
    }

    private func refresh(registry: Registry, dialer: NodeDialer) async {
        defer { inFlight = nil }
        let nodes = (try? await registry.list(.nodes, namespace: nil, options: ListOptions()).items) ?? []
        let results = await withTaskGroup(of: (String, JSONValue?).self) { group in
            for n in nodes {
                let name = n[path: ["metadata", "name"]]?.stringValue ?? ""
                guard n[path: ["status", "conditions"]]?.arrayValue?.contains(where: { $0["type"] == "Ready" && $0["status"] == "True" }) == true
                else { continue }
                group.addTask {
                    do {
                        let (resp, body) = try await NodeProxy.fetch(registry: registry, dialer: dialer, node: name, path: "/stats/summary",
                                                                     timeout: .seconds(5))
                        guard resp.status == .ok else { return (name, nil) }
                        return (name, try JSONValue.parse(Data(buffer: body)))
                    } catch {
                        return (name, nil)
                    }
                }
            }
            var out: [(String, JSONValue?)] = []
            for await r in group { out.append(r) }
            return out
        }
        let now = Date()
        var fresh: [String: (summary: JSONValue, at: Date)] = [:]
        for (name, s) in results {
            if let s { fresh[name] = (s, now) } else if let old = summaries[name] { fresh[name] = old }
        }
        summaries = fresh
        fetched = .now
    }
}

extension APIHandler {
    /// metrics-server's quantities: CPU in nano-cores (`123456n`), memory in KiB (`2048Ki`).
    static func cpuQuantity(_ nanoCores: Int64) -> String { "\(nanoCores)n" }
    static func memoryQuantity(_ bytes: Int64) -> String { bytes % 1024 == 0 ? "\(bytes / 1024)Ki" : "\(bytes)" }

    static func usage(_ stats: JSONValue?) -> JSONValue? {
        guard let stats, let cpu = stats[path: ["cpu", "usageNanoCores"]]?.intValue,
              let mem = stats[path: ["memory", "workingSetBytes"]]?.intValue else { return nil }
        return ["cpu": .string(cpuQuantity(cpu)), "memory": .string(memoryQuantity(mem))]
    }

    /// `GET` of metrics.k8s.io's `nodes` and `pods`, one or a list (label selectors as metrics-server applies them).
    func metricsAPI(_ r: ResourceInfo, namespace: String?, name: String?, query q: [String: String]) async throws -> Response {
        let summaries = await nodeStats.all(registry: registry, dialer: nodes)
        let window = "\(Int(nodeStats.resolution.components.seconds))s"
        var selector = ListOptions()
        if let l = q["labelSelector"], !l.isEmpty { selector.labelSelector = try LabelQuery.parse(l) }
        var items: [JSONValue] = []
        if r == .nodeMetrics {
            let nodeObjects = try await registry.list(.nodes, namespace: nil, options: selector).items
            let wanted = Dictionary(nodeObjects.map { ($0[path: ["metadata", "name"]]?.stringValue ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            for (node, entry) in summaries.sorted(by: { $0.key < $1.key }) {
                guard let obj = wanted[node], name == nil || name == node, let usage = Self.usage(entry.summary["node"]) else { continue }
                items.append(["metadata": ["name": .string(node), "creationTimestamp": .string(Date().ISO8601Format()),
                                           "labels": obj[path: ["metadata", "labels"]] ?? .emptyObject],
                              "timestamp": .string(entry.at.ISO8601Format()), "window": .string(window), "usage": usage])
            }
        } else {
            let podObjects = try await registry.list(.pods, namespace: namespace, options: selector).items
            let wanted = Dictionary(podObjects.map { (($0[path: ["metadata", "namespace"]]?.stringValue ?? "") + "/" + ($0[path: ["metadata", "name"]]?.stringValue ?? ""), $0) },
                                    uniquingKeysWith: { a, _ in a })
            for (_, entry) in summaries.sorted(by: { $0.key < $1.key }) {
                for p in entry.summary["pods"]?.arrayValue ?? [] {
                    let ns = p[path: ["podRef", "namespace"]]?.stringValue ?? "", pn = p[path: ["podRef", "name"]]?.stringValue ?? ""
                    guard let obj = wanted[ns + "/" + pn], name == nil || name == pn else { continue }
                    let containers = (p["containers"]?.arrayValue ?? []).compactMap { c -> JSONValue? in
                        guard let usage = Self.usage(c) else { return nil }
                        return ["name": c["name"] ?? "", "usage": usage]
                    }
                    // A pod whose containers have no rate yet (its first sample) is left out, as metrics-server does.
                    guard !containers.isEmpty else { continue }
                    items.append(["metadata": ["name": .string(pn), "namespace": .string(ns), "creationTimestamp": .string(Date().ISO8601Format()),
                                               "labels": obj[path: ["metadata", "labels"]] ?? .emptyObject],
                                  "timestamp": .string(entry.at.ISO8601Format()), "window": .string(window), "containers": .array(containers)])
                }
            }
        }
        let apiVersion = r.apiVersion
        if let name {
            guard var one = items.first else {
                throw GantryError(.notFound, "\(r.qualifiedName) \"\(name)\" not found",
                                  details: StatusDetails(name: name, group: r.group, kind: r.plural))
            }
            one["kind"] = .string(r.kind)
            one["apiVersion"] = .string(apiVersion)
            return Self.json(200, one)
        }
        return Self.json(200, ["kind": .string(r.listKind), "apiVersion": .string(apiVersion), "metadata": .emptyObject,
                               "items": .array(items.map { var i = $0; i["kind"] = .string(r.kind); i["apiVersion"] = .string(apiVersion); return i })])
    }
}
