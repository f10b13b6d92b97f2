import AsyncHTTPClient
import Foundation
import GantryAPI
import GantryAPIServer
import GantryClient
import GantryControllers
import GantryStoreSQLite
import Logging

/// Scheduling through the API: `nodes` registered Nodes, `pods` pods created by 16 clients, the real
/// scheduler service (informers, pure scheduler, `binding` subresource) placing them. Prints how fast pods
/// get bound, beside the create rate alone (the ceiling: each pod is created, then bound).
func schedulerAPIBenchmark(nodes: Int, pods: Int) async throws {
    let dir = NSTemporaryDirectory() + "/gantry-bench-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    let server = try await BenchServer.start(dir: dir)
    let client = server.client

    for i in 0..<nodes {
        let node: JSONValue = [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string("node-\(i)"), "labels": ["kubernetes.io/hostname": .string("node-\(i)"),
                                                              "topology.kubernetes.io/zone": .string("zone-\(i % 4)")]],
            "status": ["allocatable": ["cpu": "16", "memory": "64Gi", "pods": "110"],
                       "capacity": ["cpu": "16", "memory": "64Gi", "pods": "110"],
                       "conditions": [["type": "Ready", "status": "True"]]],
        ]
        _ = try await client.create(.nodes, namespace: nil, node)
    }
    func pod(_ name: String, schedulerName: String) -> JSONValue {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "labels": ["app": "bench"]],
         "spec": ["schedulerName": .string(schedulerName),
                  "containers": [["name": "c", "image": "busybox", "resources": ["requests": ["cpu": "100m", "memory": "128Mi"]]]]]]
    }

    /// Creates `pods` pods from 16 clients; returns the seconds it took.
    func createAll(prefix: String, schedulerName: String) async -> Double {
        let start = now()
        await withTaskGroup(of: Void.self) { group in
            for c in 0..<16 {
                group.addTask {
                    for n in stride(from: c, to: pods, by: 16) {
                        _ = try? await client.create(.pods, namespace: "default", pod("\(prefix)-\(n)", schedulerName: schedulerName))
                    }
                }
            }
        }
        return now() - start
    }
    // Baseline: the creates alone (pods naming a scheduler that does not exist, so nothing binds them).
    let createSeconds = await createAll(prefix: "baseline", schedulerName: "nobody")
    print(String(format: "baseline_create_only pods=%d seconds=%.3f pods_per_second=%.0f", pods, createSeconds, Double(pods) / createSeconds))

    let podInformer = Informer<Pod>(client: client, logger: logger)
    let nodeInformer = Informer<Node>(client: client, logger: logger)
    let service = SchedulerService(client: client, pods: podInformer, nodes: nodeInformer, config: SchedulerServiceConfig(),
                                   recorder: EventRecorder(client: client, component: "bench", clock: SystemClock(), logger: logger),
                                   logger: logger)
    service.register()
    let bound = BoundCounter()
    podInformer.addHandler { e in
        if case .updated(let old, let new) = e, (old.spec?.nodeName ?? "").isEmpty, !(new.spec?.nodeName ?? "").isEmpty {
            bound.increment()
        }
    }
    let tasks = [Task { try await podInformer.run() }, Task { try await nodeInformer.run() }, Task { await service.run() }]
    defer { for t in tasks { t.cancel() } }
    await podInformer.waitForSync()
    await nodeInformer.waitForSync()
    let start = now()
    _ = await createAll(prefix: "p", schedulerName: "default-scheduler")
    while bound.value < pods, now() - start < 120 { try await Task.sleep(for: .milliseconds(5)) }
    let seconds = now() - start
    let placed = try await client.list(Pod.self, namespace: "default").items.filter { $0.spec?.schedulerName == "default-scheduler" }
    let perNode = Dictionary(grouping: placed.compactMap(\.spec?.nodeName), by: { $0 }).mapValues(\.count)
    print(String(format: "scheduler_via_api nodes=%d pods=%d bound=%d seconds=%.3f pods_per_second=%.0f (create and bind, 16 creating clients)",
                 nodes, pods, bound.value, seconds, Double(bound.value) / seconds))
    print("placement: nodes_used=\(perNode.count) pods_per_node min=\(perNode.values.min() ?? 0) max=\(perNode.values.max() ?? 0)")
    try await server.stop()
}

final class BoundCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}
