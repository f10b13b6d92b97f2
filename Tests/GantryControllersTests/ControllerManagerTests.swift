import Foundation
import GantryAPI
import GantryAPIServer
import GantryClient
import GantryStore
import GantryTestSupport
import Logging
import Testing

@testable import GantryControllers

/// A clock that moves only when told to.
final class ManualClock: ControllerClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var sleepers: [Int: (Date, CheckedContinuation<Void, Error>)] = [:]
    private var nextID = 0

    init(_ start: Date = t0) { current = start }

    var now: Date { lock.withLock { current } }

    func sleep(for duration: Duration) async throws {
        let id: Int = lock.withLock { nextID += 1; return nextID }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
                let ready: Bool = lock.withLock {
                    let deadline = current.addingTimeInterval(duration.seconds)
                    if deadline <= current || Task.isCancelled { return true }
                    sleepers[id] = (deadline, c)
                    return false
                }
                if ready { c.resume() }
            }
        } onCancel: {
            let c = lock.withLock { sleepers.removeValue(forKey: id)?.1 }
            c?.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward, waking the sleepers that are due.
    func advance(by seconds: TimeInterval) {
        let due: [CheckedContinuation<Void, Error>] = lock.withLock {
            current = current.addingTimeInterval(seconds)
            let ids = sleepers.filter { $0.value.0 <= current }.map(\.key)
            return ids.compactMap { sleepers.removeValue(forKey: $0)?.1 }
        }
        for c in due { c.resume() }
    }
}

/// Controllers against a real API server on loopback (in-memory store), with a manual clock.
struct ControlPlaneHarness {
    let client: GantryClient
    let clock: ManualClock

    static func run(_ body: @escaping @Sendable (ControlPlaneHarness) async throws -> Void) async throws {
        try await withLoopbackControlPlane { client in
            let clock = ManualClock(Date())
            var logger = Logger(label: "controllers-test")
            logger.logLevel = .warning
            var config = ControllerManagerConfig()
            config.leaderElection = false
            let manager = ControllerManager(client: client, config: config, clock: clock, logger: logger)
            let tasks = manager.services.map { s in Task { try await s.run() } }
            defer { for t in tasks { t.cancel() } }
            try await body(ControlPlaneHarness(client: client, clock: clock))
        }
    }

    func node(_ name: String, cpu: String = "4", taints: [Taint]? = nil) async throws {
        var n = Node(metadata: ObjectMeta(name: name, labels: ["kubernetes.io/hostname": name]), spec: NodeSpec(taints: taints))
        n.status = NodeStatus(capacity: ["cpu": try Quantity(cpu), "memory": try Quantity("8Gi"), "pods": 110],
                              allocatable: ["cpu": try Quantity(cpu), "memory": try Quantity("8Gi"), "pods": 110],
                              conditions: [NodeCondition(type: "Ready", status: "True", reason: "KubeletReady")])
        _ = try await client.create(n)
        try await renewLease(name)
    }

    func renewLease(_ name: String) async throws {
        let ts = Timestamp.microTime(Date())
        do {
            var l = try await client.get(Lease.self, namespace: "kube-node-lease", name: name)
            l.spec?.renewTime = ts
            _ = try await client.update(l)
        } catch let e as GantryError where e.code == .notFound {
            _ = try await client.create(Lease(metadata: ObjectMeta(name: name, namespace: "kube-node-lease"),
                                              spec: LeaseSpec(holderIdentity: name, leaseDurationSeconds: 3, renewTime: ts)))
        }
    }

    func pods(_ selector: String? = nil) async throws -> [Pod] {
        try await client.list(Pod.self, namespace: "default", labelSelector: selector).items
    }
}

func podJSON(_ name: String, cpu: String = "100m", nodeName: String? = nil, labels: [String: String] = [:]) -> JSONValue {
    var spec: JSONValue = ["containers": [["name": "c", "image": "busybox", "resources": ["requests": .object(["cpu": .string(cpu)])]]]]
    if let nodeName { spec["nodeName"] = .string(nodeName) }
    return ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "labels": .object(labels.mapValues { .string($0) })],
            "spec": spec]
}

@Suite("Controllers against the API", .serialized)
struct ControllerManagerTests {
    @Test func replicaSetCreatesScalesAndCascades() async throws {
        try await ControlPlaneHarness.run { h in
            try await h.node("n1")
            _ = try await h.client.create(replicaSet("web", replicas: 3))
            try await eventually(timeout: .seconds(10), "3 pods, scheduled") {
                let pods = try await h.pods("app=web")
                return pods.count == 3 && pods.allSatisfy { $0.spec?.nodeName == "n1" && $0.controllerRef?.name == "web" }
            }
            // Scale down through the scale subresource.
            _ = try await h.client.patch(.replicaSets, namespace: "default", name: "web", ["spec": ["replicas": 1]])
            try await eventually(timeout: .seconds(10), "scaled to 1") {
                try await h.pods("app=web").filter { $0.metadata.deletionTimestamp == nil }.count == 1
            }
            // Orphan: the RS goes, its pod stays without an owner.
            try await h.client.delete(.replicaSets, namespace: "default", name: "web", propagationPolicy: "Orphan")
            try await eventually(timeout: .seconds(10), "orphaned") {
                let rs = try? await h.client.get(ReplicaSet.self, namespace: "default", name: "web")
                let live = try await h.pods("app=web").filter { $0.metadata.deletionTimestamp == nil }
                return rs == nil && live.count == 1 && live.allSatisfy { ($0.metadata.ownerReferences ?? []).isEmpty }
            }
            // A new ReplicaSet adopts the orphan; background deletion then removes both.
            _ = try await h.client.create(replicaSet("web2", replicas: 1))
            try await eventually(timeout: .seconds(10), "adopted") {
                let live = try await h.pods("app=web").filter { $0.metadata.deletionTimestamp == nil }
                return live.count == 1 && live[0].controllerRef?.name == "web2"
            }
            try await h.client.delete(.replicaSets, namespace: "default", name: "web2")
            try await eventually(timeout: .seconds(10), "dependents deleted") {
                try await h.pods("app=web").allSatisfy { $0.metadata.deletionTimestamp != nil }
            }
        }
    }

    @Test func replicasSpreadAcrossEqualNodes() async throws {
        try await ControlPlaneHarness.run { h in
            try await h.node("n1")
            try await h.node("n2")
            _ = try await h.client.create(replicaSet("spread", replicas: 6))
            try await eventually(timeout: .seconds(10), "6 pods scheduled") {
                try await h.pods("app=web").filter { $0.spec?.nodeName != nil }.count == 6
            }
            let perNode = Dictionary(grouping: try await h.pods("app=web"), by: { $0.spec?.nodeName ?? "" }).mapValues(\.count)
            #expect(perNode == ["n1": 3, "n2": 3])
        }
    }

    @Test func foregroundDeletionWaitsForDependents() async throws {
        try await ControlPlaneHarness.run { h in
            _ = try await h.client.create(replicaSet("fg", replicas: 2))  // no nodes: pods stay unscheduled, so they delete at once
            try await eventually(timeout: .seconds(10), "2 pods") { try await h.pods("app=web").count == 2 }
            try await h.client.delete(.replicaSets, namespace: "default", name: "fg", propagationPolicy: "Foreground")
            try await eventually(timeout: .seconds(10), "owner and dependents gone") {
                let rs = try? await h.client.get(ReplicaSet.self, namespace: "default", name: "fg")
                let pods = try await h.pods("app=web")
                return rs == nil && pods.isEmpty
            }
        }
    }

    @Test func unschedulablePodsSayWhyAndAreRetried() async throws {
        try await ControlPlaneHarness.run { h in
            try await h.node("small", cpu: "1")
            try await h.node("tainted", cpu: "8", taints: [Taint(key: "dedicated", value: "db", effect: "NoSchedule")])
            _ = try await h.client.create(.pods, namespace: "default", podJSON("big", cpu: "4"))
            try await eventually(timeout: .seconds(10), "PodScheduled=False") {
                let p = try await h.client.get(Pod.self, namespace: "default", name: "big")
                let c = p.status?.conditions?.first { $0.type == "PodScheduled" }
                return c?.status == "False" && c?.reason == "Unschedulable"
            }
            let p = try await h.client.get(Pod.self, namespace: "default", name: "big")
            let message = p.status?.conditions?.first { $0.type == "PodScheduled" }?.message ?? ""
            #expect(message.hasPrefix("0/2 nodes are available: "), "\(message)")
            #expect(message.contains("1 Insufficient cpu"), "\(message)")
            #expect(message.contains("1 node(s) had untolerated taint {dedicated: db}"), "\(message)")
            // A node it fits on arrives: the pod is retried and bound there.
            try await h.node("large", cpu: "16")
            try await eventually(timeout: .seconds(10), "bound to large") {
                try await h.client.get(Pod.self, namespace: "default", name: "big").spec?.nodeName == "large"
            }
        }
    }

    @Test func deadNodeIsTaintedAndItsPodsEvicted() async throws {
        try await ControlPlaneHarness.run { h in
            try await h.node("n1")
            try await h.node("n2")  // stays alive: evictions only happen while some node is healthy
            _ = try await h.client.create(.pods, namespace: "default", podJSON("victim", nodeName: "n1"))
            var patient = podJSON("patient", nodeName: "n1")
            patient[path: ["spec", "tolerations"]] = [["key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                                       "effect": "NoExecute", "tolerationSeconds": 60]]
            _ = try await h.client.create(.pods, namespace: "default", patient)
            try await Task.sleep(for: .milliseconds(300))  // informers catch up
            /// Moves the clock, with n2 renewing as a live node does.
            func tick(_ seconds: Double) async throws {
                try await h.renewLease("n2")
                try await Task.sleep(for: .milliseconds(50))
                h.clock.advance(by: seconds)
            }
            // Renewals keep n1 alive however long it runs.
            for _ in 0..<10 {
                try await h.renewLease("n1")
                try await tick(0.5)
            }
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await h.client.get(Node.self, name: "n1").spec?.taints == nil)
            // A renewal 2 s late is still in time.
            try await tick(1.0)
            try await tick(1.0)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await h.client.get(Node.self, name: "n1").spec?.taints == nil)
            // Then silence past the grace period: Unknown, tainted, the pod without a toleration evicted.
            try await tick(1.0)
            try await eventually(timeout: .seconds(10), "n1 unreachable") {
                try await tick(0.2)
                let n = try await h.client.get(Node.self, name: "n1")
                return n.status?.conditions?.first { $0.type == "Ready" }?.status == "Unknown"
                    && n.spec?.taints?.contains { $0.key == "node.kubernetes.io/unreachable" && $0.effect == "NoExecute" } == true
            }
            try await eventually(timeout: .seconds(10), "victim evicted") {
                try await tick(0.2)
                return try await h.client.get(Pod.self, namespace: "default", name: "victim").metadata.deletionTimestamp != nil
            }
            #expect(try await h.client.get(Pod.self, namespace: "default", name: "patient").metadata.deletionTimestamp == nil)
            #expect(try await h.client.get(Node.self, name: "n2").spec?.taints == nil)
            // The node comes back: the taints go.
            try await h.renewLease("n1")
            var n = try await h.client.get(Node.self, name: "n1")
            n.status?.conditions = [NodeCondition(type: "Ready", status: "True", reason: "KubeletReady")]
            _ = try await h.client.update(n, subresource: "status")
            try await eventually(timeout: .seconds(10), "taints removed") {
                try await h.renewLease("n1")
                try await tick(0.2)
                return try await h.client.get(Node.self, name: "n1").spec?.taints == nil
            }
        }
    }

    @Test func noEvictionsWhenNoNodeIsAlive() async throws {
        try await ControlPlaneHarness.run { h in
            try await h.node("only")
            _ = try await h.client.create(.pods, namespace: "default", podJSON("stays", nodeName: "only"))
            try await Task.sleep(for: .milliseconds(300))
            h.clock.advance(by: 3)
            try await eventually(timeout: .seconds(10), "only unreachable") {
                h.clock.advance(by: 0.2)
                return try await h.client.get(Node.self, name: "only").status?.conditions?.first { $0.type == "Ready" }?.status == "Unknown"
            }
            h.clock.advance(by: 1)
            try await Task.sleep(for: .milliseconds(300))
            // Its only node silent: the control plane may be the one at fault, and the pod has nowhere to go.
            #expect(try await h.client.get(Pod.self, namespace: "default", name: "stays").metadata.deletionTimestamp == nil)
        }
    }

    @Test func leaderElectionHandsOver() async throws {
        try await ControlPlaneHarness.run { h in
            let leading = LeaderLog()
            func elector(_ id: String) -> LeaderElector {
                var e = LeaderElector(client: h.client, name: "test-lock", identity: id, logger: Logger(label: "le")) {
                    leading.set(id)
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                    leading.clear(id)
                }
                e.leaseDuration = .seconds(1)
                e.retryPeriod = .milliseconds(100)
                return e
            }
            let a = Task { try await elector("a").run() }
            try await eventually(timeout: .seconds(5), "a leads") { leading.current == "a" }
            let b = Task { try await elector("b").run() }
            try await Task.sleep(for: .milliseconds(500))
            #expect(leading.current == "a")  // b waits while a renews
            a.cancel()
            try await eventually(timeout: .seconds(5), "b takes over") { leading.current == "b" }
            b.cancel()
            let lease = try await h.client.get(Lease.self, namespace: "kube-system", name: "test-lock")
            #expect((lease.spec?.leaseTransitions ?? 0) >= 1)
        }
    }
}

final class LeaderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var who: String?
    func set(_ id: String) { lock.withLock { who = id } }
    func clear(_ id: String) { lock.withLock { if who == id { who = nil } } }
    var current: String? { lock.withLock { who } }
}
