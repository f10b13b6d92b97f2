import Foundation
import GantryAPI
import GantryClient

/// `gantry-bench crd`: how soon a CustomResourceDefinition is served (create → its resource answers a list),
/// and custom-object creates (pruned, defaulted and validated by a structural schema) against ConfigMap creates
/// in the same run, on a control plane over SQLite on loopback.
func crdBenchmark(seconds: Double, definitions: Int) async throws {
    let dir = NSTemporaryDirectory() + "/gantry-bench-crd-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let server = try await BenchServer.start(dir: dir, withCRDs: true)
    let client = server.client
    print("server: \(client.server) store=sqlite (WAL) seconds_per_case=\(seconds)")

    func crd(_ group: String) -> JSONValue {
        [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": .string("widgets.\(group)")],
            "spec": [
                "group": .string(group), "scope": "Namespaced",
                "names": ["plural": "widgets", "kind": "Widget"],
                "versions": [[
                    "name": "v1", "served": true, "storage": true, "subresources": ["status": .emptyObject],
                    "schema": ["openAPIV3Schema": [
                        "type": "object",
                        "properties": ["spec": [
                            "type": "object", "required": ["size"],
                            "properties": [
                                "size": ["type": "integer", "minimum": 1, "maximum": 100],
                                "mode": ["type": "string", "enum": ["fast", "slow"], "default": "fast"],
                                "tags": ["type": "array", "items": ["type": "string", "maxLength": 20]],
                                "payload": ["type": "string"],
                            ],
                        ]],
                    ]],
                ]],
            ],
        ]
    }
    // 1. Served within: create → the new resource answers a list.
    var served = Stats()
    for i in 0..<definitions {
        let group = "b\(i).bench.example.com"
        _ = try await client.create(.customResourceDefinitions, namespace: nil, crd(group))
        let r = ResourceInfo(group: group, version: "v1", kind: "Widget", plural: "widgets")
        let t0 = now()
        while (try? await client.list(r, namespace: "default")) == nil { await Task.yield() }
        served.add(now() - t0)
    }
    print(String(format: "crd_served_after_create definitions=%d p50=%.2fms p99=%.2fms max=%.2fms", definitions,
                 served.percentile(0.5) * 1000, served.percentile(0.99) * 1000, (served.samples.max() ?? 0) * 1000))

    // 2. Creates: ConfigMaps (baseline) and custom objects of the same size, 16 clients each.
    let widgets = ResourceInfo(group: "b0.bench.example.com", version: "v1", kind: "Widget", plural: "widgets")
    let payload = String(repeating: "x", count: 200)
    for clients in [1, 16] {
        let (ops, secs, stats) = await drive(clients: clients, seconds: seconds) { c, n in
            _ = try await client.create(.configMaps, namespace: "default", configMap("cm\(clients)-\(c)-\(n)"))
        }
        line("baseline_configmap_create", clients: clients, ops: ops, seconds: secs, stats: stats)
        let (ops2, secs2, stats2) = await drive(clients: clients, seconds: seconds) { c, n in
            let body: JSONValue = ["apiVersion": "b0.bench.example.com/v1", "kind": "Widget",
                                   "metadata": ["name": .string("w\(clients)-\(c)-\(n)"), "labels": ["bench": "yes"]],
                                   "spec": ["size": 5, "tags": ["a", "b"], "payload": .string(payload)]]
            _ = try await client.create(widgets, namespace: "default", body)
        }
        line("custom_object_create", clients: clients, ops: ops2, seconds: secs2, stats: stats2)
    }
    try await server.stop()
}
