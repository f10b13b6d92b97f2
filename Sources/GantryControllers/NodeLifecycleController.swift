import Foundation
import GantryAPI
import GantryClient
import Logging
import ServiceLifecycle

/// Timings of node failure detection.
public struct NodeLifecycleConfig: Sendable {
    /// A node whose Lease has not been renewed for this long is unreachable (Ready → Unknown).
    public var gracePeriod: Duration = .milliseconds(2500)
    /// How often nodes are checked.
    public var monitorPeriod: Duration = .milliseconds(200)
    public init() {}
}

/// Taint keys the node lifecycle controller manages.
public enum NodeTaints {
    public static let unreachable = "node.kubernetes.io/unreachable"
    public static let notReady = "node.kubernetes.io/not-ready"
    public static let unschedulable = "node.kubernetes.io/unschedulable"
}

/// What to do about one node, computed purely from the node, when its Lease was last seen renewed, its pods and now.
public struct NodeLifecyclePlan: Sendable, Equatable {
    /// New status conditions to write (nil: leave them).
    public var conditions: [NodeCondition]?
    /// New taints to write (nil: leave them).
    public var taints: [Taint]?
    /// Pods to mark not ready (their node stopped reporting).
    public var markNotReady: [String] = []
    /// Pods to evict now (they do not tolerate a NoExecute taint, or their tolerationSeconds ran out).
    public var evict: [String] = []
    /// The soonest a pod's tolerationSeconds run out.
    public var nextEviction: Date?

    /// Whether `toleration` tolerates `taint`, as Kubernetes matches them.
    public static func tolerates(_ t: Toleration, _ taint: Taint) -> Bool {
        if let e = t.effect, !e.isEmpty, e != taint.effect { return false }
        if t.operator == "Exists" { return (t.key ?? "").isEmpty || t.key == taint.key }
        return t.key == taint.key && (t.value ?? "") == (taint.value ?? "")
    }

    public static func compute(_ node: Node, leaseSeenAt: Date?, pods: [Pod], now: Date, gracePeriod: TimeInterval) -> NodeLifecyclePlan {
        var plan = NodeLifecyclePlan()
        let ts = Timestamp.format(now)
        var conds = node.status?.conditions ?? []
        let ready = conds.first { $0.type == "Ready" }
        let stale = leaseSeenAt.map { now.timeIntervalSince($0) > gracePeriod } ?? true
        var readyStatus = ready?.status ?? "Unknown"
        if stale, readyStatus != "Unknown" {
            for i in conds.indices {
                conds[i].status = "Unknown"
                conds[i].reason = "NodeStatusUnknown"
                conds[i].message = "Kubelet stopped posting node status."
                conds[i].lastTransitionTime = ts
            }
            if !conds.contains(where: { $0.type == "Ready" }) {
                conds.append(NodeCondition(type: "Ready", status: "Unknown", lastHeartbeatTime: ts, lastTransitionTime: ts,
                                           reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status."))
            }
            plan.conditions = conds
            readyStatus = "Unknown"
            plan.markNotReady = pods.filter { PodUtil.isReady($0) }.map(\.name)
        }

        // The taints that follow from Ready and spec.unschedulable.
        var want: [(String, String)] = []
        // Unreachable while the Lease is silent; once renewals resume the taint goes at once, even before the
        // agent next reports Ready (which replaces the Unknown this controller wrote).
        if stale { want += [(NodeTaints.unreachable, "NoSchedule"), (NodeTaints.unreachable, "NoExecute")] }
        if readyStatus == "False" { want += [(NodeTaints.notReady, "NoSchedule"), (NodeTaints.notReady, "NoExecute")] }
        if node.spec?.unschedulable == true { want.append((NodeTaints.unschedulable, "NoSchedule")) }
        let managed: Set<String> = [NodeTaints.unreachable, NodeTaints.notReady, NodeTaints.unschedulable]
        let current = node.spec?.taints ?? []
        var taints = current.filter { t in
            !managed.contains(t.key ?? "") || want.contains { $0.0 == t.key && $0.1 == t.effect }
        }
        for (key, effect) in want where !taints.contains(where: { $0.key == key && $0.effect == effect }) {
            taints.append(Taint(key: key, effect: effect, timeAdded: effect == "NoExecute" ? ts : nil))
        }
        if taints != current { plan.taints = taints }

        // NoExecute eviction (the taint manager).
        let noExecute = taints.filter { $0.effect == "NoExecute" }
        if !noExecute.isEmpty {
            for p in pods where p.metadata.deletionTimestamp == nil && p.status?.phase != "Succeeded" && p.status?.phase != "Failed" {
                var evictAt: Date? = nil
                var tolerated = true
                for taint in noExecute {
                    let matching = (p.spec?.tolerations ?? []).filter { tolerates($0, taint) }
                    if matching.isEmpty { tolerated = false; break }
                    let secs = matching.compactMap(\.tolerationSeconds)
                    guard matching.allSatisfy({ $0.tolerationSeconds != nil }), let limit = secs.min() else { continue }
                    let added = Timestamp.parse(taint.timeAdded) ?? now
                    let at = added.addingTimeInterval(TimeInterval(max(0, limit)))
                    evictAt = min(evictAt ?? at, at)
                }
                if !tolerated || (evictAt.map { $0 <= now } ?? false) {
                    plan.evict.append(p.name)
                } else if let at = evictAt {
                    plan.nextEviction = min(plan.nextEviction ?? at, at)
                }
            }
        }
        return plan
    }
}

/// Watches node Leases: marks a node whose Lease stops being renewed Unknown and taints it unreachable
/// (not-ready if it reports Ready=False, unschedulable when cordoned), marks its pods not ready, and evicts
/// pods that do not tolerate its NoExecute taints (after their tolerationSeconds), so their controllers
/// replace them elsewhere.
public final class NodeLifecycleController: ContextualController, @unchecked Sendable {
    let context: ControllerContext
    let nodes: Informer<Node>
    let leases: Informer<Lease>
    let pods: Informer<Pod>
    let config: NodeLifecycleConfig
    private let lock = NSLock()
    private var leaseSeen: [String: (renew: String?, at: Date)] = [:]

    public init(context: ControllerContext, nodes: Informer<Node>, leases: Informer<Lease>, pods: Informer<Pod>,
                config: NodeLifecycleConfig = NodeLifecycleConfig()) {
        self.context = context
        self.nodes = nodes
        self.leases = leases
        self.pods = pods
        self.config = config
    }

    /// Tracks Lease renewals by the time this controller saw them (so clock skew between machines does not matter).
    public func register() {
        leases.addHandler { [weak self] e in
            guard let self, e.object.metadata.namespace == "kube-node-lease" else { return }
            let l = e.object
            let now = self.clock.now
            self.lock.withLock {
                if case .deleted = e { self.leaseSeen[l.name] = nil; return }
                let renew = l.spec?.renewTime
                if self.leaseSeen[l.name]?.renew != renew { self.leaseSeen[l.name] = (renew, now) }
            }
        }
    }

    /// Checks every node each monitor period until cancelled.
    public func run() async {
        await nodes.waitForSync()
        await leases.waitForSync()
        await pods.waitForSync()
        // Nodes start with a full grace period from the moment this controller starts watching.
        let start = clock.now
        lock.withLock {
            for n in nodes.list() where leaseSeen[n.name] == nil { leaseSeen[n.name] = (nil, start) }
        }
        while !Task.isCancelled {
            // As Kubernetes does in a fully disrupted zone: when no node is renewing its Lease, the fault is
            // more likely the control plane's (or the one node is just very busy) than every node's, and
            // evicting would only make pods that have nowhere to go.
            let all = nodes.list()
            let now = clock.now
            let anyAlive = lock.withLock {
                all.contains { n in leaseSeen[n.name].map { now.timeIntervalSince($0.at) <= config.gracePeriod.seconds } ?? true }
            }
            // The pods by node, only when some node needs them (one going unreachable, or NoExecute-tainted): a
            // copy of every pod each period would cost more than all the rest at fleet size.
            var podsByNode: [String: [Pod]]?
            for node in all {
                let podsOf = { () -> [Pod] in
                    if podsByNode == nil { podsByNode = Dictionary(grouping: self.pods.list()) { $0.spec?.nodeName ?? "" } }
                    return podsByNode?[node.name] ?? []
                }
                do { try await check(node, pods: podsOf, evictions: anyAlive) } catch {
                    logger.debug("node check failed", metadata: ["node": "\(node.name)", "error": "\(error)"])
                }
            }
            try? await clock.sleep(for: config.monitorPeriod)
        }
    }

    /// Checks one node; `podsOf` gives its pods, asked for only when the plan depends on them.
    func check(_ node: Node, pods podsOf: () -> [Pod], evictions: Bool = true) async throws {
        let now = clock.now
        let seen = lock.withLock { () -> Date in
            if let s = leaseSeen[node.name] { return s.at }
            leaseSeen[node.name] = (nil, now)  // a node without a Lease yet gets one grace period
            return now
        }
        var nodePods: [Pod] = []
        var plan = NodeLifecyclePlan.compute(node, leaseSeenAt: seen, pods: [], now: now, gracePeriod: config.gracePeriod.seconds)
        // Pods matter to the plan only for a node going unreachable (its ready pods are marked not ready) or one
        // with NoExecute taints (its pods may be evicted); the taints do not depend on them.
        if plan.conditions != nil || (plan.taints ?? node.spec?.taints ?? []).contains(where: { $0.effect == "NoExecute" }) {
            nodePods = podsOf()
            plan = NodeLifecyclePlan.compute(node, leaseSeenAt: seen, pods: nodePods, now: now, gracePeriod: config.gracePeriod.seconds)
        }
        if plan.conditions != nil || !plan.evict.isEmpty {
            // About to declare the node dead or evict: read its Lease from the server first, so a watch that
            // is merely behind (a busy control plane) does not pass for a silent node.
            let fresh = try? await client.get(Lease.self, namespace: "kube-node-lease", name: node.name)
            let renewed: Bool = lock.withLock {
                guard let renew = fresh?.spec?.renewTime, leaseSeen[node.name]?.renew != renew else { return false }
                leaseSeen[node.name] = (renew, clock.now)
                return true
            }
            if renewed {
                plan = NodeLifecyclePlan.compute(node, leaseSeenAt: clock.now, pods: nodePods, now: clock.now,
                                                 gracePeriod: config.gracePeriod.seconds)
            }
        }
        if !evictions { plan.evict = [] }
        if let conds = plan.conditions {
            var updated = node
            updated.status?.conditions = conds
            _ = try await client.update(updated, subresource: "status")
            logger.notice("node unreachable", metadata: ["node": "\(node.name)"])
            await recorder.record(node, reason: "NodeNotReady", message: "Node \(node.name) status is now: NodeNotReady")
        }
        if let taints = plan.taints {
            let patch: JSONValue = ["spec": ["taints": taints.isEmpty ? .null : try JSONValue.encode(taints)]]
            _ = try await client.patch(.nodes, namespace: nil, name: node.name, patch)
        }
        for name in plan.markNotReady {
            guard var p = nodePods.first(where: { $0.name == name }) else { continue }
            let ts = Timestamp.format(now)
            for i in (p.status?.conditions ?? []).indices where p.status?.conditions?[i].type == "Ready" || p.status?.conditions?[i].type == "ContainersReady" {
                p.status?.conditions?[i].status = "False"
                p.status?.conditions?[i].reason = "NodeNotReady"
                p.status?.conditions?[i].lastTransitionTime = ts
            }
            _ = try? await client.update(p, subresource: "status")
        }
        for name in plan.evict {
            guard let p = nodePods.first(where: { $0.name == name }) else { continue }
            logger.info("evicting pod from tainted node", metadata: ["pod": "\(objectKey(p))", "node": "\(node.name)"])
            do {
                try await client.delete(.pods, namespace: p.metadata.namespace, name: p.name)
                await recorder.record(p, reason: "TaintManagerEviction", message: "Marking for deletion Pod \(objectKey(p))")
            } catch let e as GantryError where e.code == .notFound {}
        }
    }
}
