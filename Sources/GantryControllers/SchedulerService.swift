import Foundation
import GantryAPI
import GantryClient
import GantryScheduler
import Logging

/// Scheduler service settings.
public struct SchedulerServiceConfig: Sendable {
    /// Spread (least allocated) or binpack (most allocated).
    public var strategy = ScoringStrategy.spread
    /// The `spec.schedulerName` this scheduler serves.
    public var schedulerName = "default-scheduler"
    /// Bindings in flight at once.
    public var concurrentBindings = 16
    /// How often pods that did not fit are tried again even if nothing seemed to change.
    public var retryUnschedulable: Duration = .seconds(15)
    public init() {}
}

/// Runs the pure scheduler against the cluster: keeps a snapshot from the informers, places each unassigned
/// pod, binds it through the `binding` subresource (so two schedulers never double-book: the second bind is
/// a 409), marks unschedulable pods PodScheduled=False with the reasons, and retries them when the cluster changes.
public final class SchedulerService: @unchecked Sendable {
    let client: GantryClient
    let pods: Informer<Pod>
    let nodes: Informer<Node>
    let config: SchedulerServiceConfig
    let recorder: EventRecorder
    let logger: Logger
    let queue = WorkQueue(baseDelay: .milliseconds(100), maxDelay: .seconds(10))
    private let lock = NSLock()
    private var snapshot = ClusterSnapshot()
    private var scheduler: Scheduler
    private var unschedulable: Set<String> = []

    public init(client: GantryClient, pods: Informer<Pod>, nodes: Informer<Node>, config: SchedulerServiceConfig,
                recorder: EventRecorder, logger: Logger) {
        self.client = client
        self.pods = pods
        self.nodes = nodes
        self.config = config
        self.recorder = recorder
        self.logger = logger
        self.scheduler = Scheduler(configuration: SchedulerConfiguration(strategy: config.strategy,
                                                                         seed: UInt64.random(in: 0..<UInt64.max)))
    }

    /// Whether this scheduler places `pod`.
    func responsible(for pod: Pod) -> Bool {
        (pod.spec?.nodeName ?? "").isEmpty && pod.metadata.deletionTimestamp == nil
            && (pod.spec?.schedulerName ?? config.schedulerName) == config.schedulerName
            && pod.status?.phase != "Succeeded" && pod.status?.phase != "Failed"
    }

    /// Keeps the snapshot current and queues unassigned pods.
    public func register() {
        nodes.addHandler { [weak self] e in
            guard let self else { return }
            switch e {
            case .added(let n), .updated(_, let n): lock.withLock { snapshot.updateNode(n) }
            case .deleted(let n): lock.withLock { snapshot.removeNode(named: n.name) }
            }
            if case .updated(let old, let new) = e, old.spec == new.spec, old.metadata.labels == new.metadata.labels,
               old.status?.allocatable == new.status?.allocatable { return }
            retryUnschedulable()
        }
        pods.addHandler { [weak self] e in
            guard let self else { return }
            let p = e.object
            let assigned = !(p.spec?.nodeName ?? "").isEmpty
            switch e {
            case .deleted:
                if assigned {
                    lock.withLock { snapshot.removePod(p) }
                    retryUnschedulable()
                }
            case .added, .updated:
                if assigned {
                    let finished = p.status?.phase == "Succeeded" || p.status?.phase == "Failed"
                    // Status updates (the bulk of pod events) change nothing the scheduler counts.
                    if case .updated(let old, _) = e, old.spec == p.spec, old.metadata.labels == p.metadata.labels,
                       old.metadata.namespace == p.metadata.namespace,
                       (old.status?.phase == "Succeeded" || old.status?.phase == "Failed") == finished { return }
                    lock.withLock { if finished { snapshot.removePod(p) } else { snapshot.updatePod(p) } }
                    if finished { retryUnschedulable() }
                } else if responsible(for: p) {
                    if case .updated(let old, _) = e, old.spec == p.spec, old.metadata.labels == p.metadata.labels { return }
                    queue.add(objectKey(p))
                }
            }
        }
    }

    private func retryUnschedulable() {
        let keys: Set<String> = lock.withLock {
            defer { unschedulable = [] }
            return unschedulable
        }
        for k in keys { queue.add(k) }
    }

    /// Places pods until cancelled: one decision at a time (each sees the ones before), bindings concurrently.
    public func run() async {
        await nodes.waitForSync()
        await pods.waitForSync()
        let (binds, cont) = AsyncStream<(Pod, String)>.makeStream()
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<max(1, config.concurrentBindings) {
                    group.addTask { for await (pod, node) in binds { await self.bind(pod, to: node) } }
                }
                group.addTask {
                    while let key = await self.queue.get() {
                        if let (pod, node) = await self.decide(key) { cont.yield((pod, node)) }
                        self.queue.done(key)
                    }
                    cont.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.config.retryUnschedulable)
                        self.retryUnschedulable()
                    }
                }
            }
        } onCancel: {
            queue.shutDown()
            cont.finish()
        }
    }

    /// Kubernetes' system default spreading: a pod with an owner and no spread constraints of its own is
    /// spread softly across nodes (maxSkew 3) among the pods with its labels, so the replicas of one
    /// ReplicaSet do not pile onto one node when the scores tie. (Kubernetes also spreads by zone; a node
    /// without the zone label would then score 0 here, and agents do not set one.)
    static func withDefaultSpread(_ pod: Pod) -> Pod {
        guard pod.controllerRef != nil, (pod.spec?.topologySpreadConstraints ?? []).isEmpty,
              let labels = pod.metadata.labels, !labels.isEmpty else { return pod }
        var p = pod
        let selector = LabelSelector(matchLabels: labels)
        p.spec?.topologySpreadConstraints = [
            TopologySpreadConstraint(maxSkew: 3, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway",
                                     labelSelector: selector),
        ]
        return p
    }

    /// Decides where the pod with `key` goes; on success it is assumed in the snapshot and returned for binding.
    func decide(_ key: String) async -> (Pod, String)? {
        guard let pod = pods.get(key), responsible(for: pod) else { return nil }
        let result: ScheduleResult = lock.withLock {
            let r = scheduler.schedule(Self.withDefaultSpread(pod), in: snapshot)
            if case .bound(let node, _) = r { snapshot.assume(pod, on: node) }
            return r
        }
        switch result {
        case .bound(let node, _):
            return (pod, node)
        case .unschedulable(let message):
            lock.withLock { _ = unschedulable.insert(key) }
            await markUnschedulable(pod, message)
            await preemptFor(pod)
            return nil
        }
    }

    /// Makes room for a pod no node fits by evicting pods of lower priority from one node (kube-scheduler's
    /// DefaultPreemption): the victims are deleted gracefully with a `Preempted` event, and the pod's
    /// `status.nominatedNodeName` names the node; it is scheduled when the victims are gone.
    func preemptFor(_ pod: Pod) async {
        let all = pods.list()
        let byNode = Dictionary(grouping: all.filter { !($0.spec?.nodeName ?? "").isEmpty }) { $0.spec?.nodeName ?? "" }
        // Victims already going for this pod: wait for them rather than preempt again.
        if let nominated = pod.status?.nominatedNodeName, !nominated.isEmpty,
           (byNode[nominated] ?? []).contains(where: { $0.metadata.deletionTimestamp != nil
               && ($0.spec?.priority ?? 0) < (pod.spec?.priority ?? 0) }) { return }
        let choice = lock.withLock { scheduler.preempt(pod, in: snapshot, podsOn: { byNode[$0] ?? [] }) }
        guard let (node, victims) = choice else { return }
        let ns = pod.metadata.namespace ?? "default"
        for v in victims {
            do {
                try await client.delete(.pods, namespace: v.metadata.namespace ?? "default", name: v.name)
                await recorder.record(v, reason: "Preempted", message: "Preempted by pod \(pod.metadata.uid ?? "") on node \(node)")
            } catch let e as GantryError where e.code == .notFound {
            } catch {
                logger.info("preemption: deleting a victim failed", metadata: ["pod": "\(objectKey(v))", "error": "\(error)"])
            }
        }
        var updated = pod
        var status = pod.status ?? PodStatus()
        status.nominatedNodeName = node
        updated.status = status
        if let fresh = try? await client.get(Pod.self, namespace: ns, name: pod.name) {
            updated = fresh
            updated.status?.nominatedNodeName = node
        }
        _ = try? await client.update(updated, subresource: "status")
        logger.info("preempted pods", metadata: ["pod": "\(ns)/\(pod.name)", "node": "\(node)", "victims": "\(victims.map(\.name))"])
    }

    func bind(_ pod: Pod, to node: String) async {
        let ns = pod.metadata.namespace ?? "default"
        let binding: JSONValue = [
            "apiVersion": "v1", "kind": "Binding",
            "metadata": ["name": .string(pod.name), "namespace": .string(ns), "uid": .string(pod.metadata.uid ?? "")],
            "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)],
        ]
        do {
            _ = try await client.call(.POST, GantryClient.path(.pods, namespace: ns, name: pod.name, subresource: "binding"), body: binding)
            await recorder.record(pod, reason: "Scheduled", message: "Successfully assigned \(ns)/\(pod.name) to \(node)")
        } catch {
            // Forget the assumption; the pod comes back through the informer if it still needs a node.
            lock.withLock { snapshot.removePod(pod) }
            if let e = error as? GantryError, e.code == .conflict || e.code == .notFound { return }
            logger.info("binding failed", metadata: ["pod": "\(ns)/\(pod.name)", "node": "\(node)", "error": "\(error)"])
            queue.addRateLimited(objectKey(pod))
        }
    }

    func markUnschedulable(_ pod: Pod, _ message: String) async {
        let old = pod.status?.conditions?.first { $0.type == "PodScheduled" }
        guard old?.status != "False" || old?.message != message else { return }
        var updated = pod
        var status = pod.status ?? PodStatus()
        var conds = (status.conditions ?? []).filter { $0.type != "PodScheduled" }
        conds.append(PodCondition(type: "PodScheduled", status: "False", lastTransitionTime: Timestamp.format(Date()),
                                  reason: "Unschedulable", message: message))
        status.conditions = conds
        if status.phase == nil { status.phase = "Pending" }
        updated.status = status
        _ = try? await client.update(updated, subresource: "status")
        await recorder.record(pod, type: "Warning", reason: "FailedScheduling", message: message)
        logger.debug("pod unschedulable", metadata: ["pod": "\(objectKey(pod))", "reason": "\(message)"])
    }
}
