import Foundation
import GantryMetrics
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
    let volumes: SchedulerVolumes?
    let config: SchedulerServiceConfig
    let recorder: EventRecorder
    let logger: Logger
    let queue = WorkQueue(baseDelay: .milliseconds(100), maxDelay: .seconds(10))
    /// kube-scheduler's metrics (nil: none).
    let metrics: GantryMetrics?
    /// When each pod waiting for a node was first seen, and how often it was tried (for
    /// `scheduler_pod_scheduling_duration_seconds{attempts}`).
    private var waiting: [String: (since: ContinuousClock.Instant, attempts: Int)] = [:]
    private let lock = NSLock()
    private var snapshot = ClusterSnapshot()
    private var scheduler: Scheduler
    private var unschedulable: Set<String> = []

    public init(client: GantryClient, pods: Informer<Pod>, nodes: Informer<Node>, volumes: SchedulerVolumes? = nil,
                config: SchedulerServiceConfig, recorder: EventRecorder, metrics: GantryMetrics? = nil, logger: Logger) {
        self.metrics = metrics
        self.client = client
        self.pods = pods
        self.nodes = nodes
        self.volumes = volumes
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
        // A claim bound or a volume made may let a waiting pod in.
        volumes?.claims.addHandler { [weak self] _ in self?.retryUnschedulable() }
        volumes?.volumes.addHandler { [weak self] _ in self?.retryUnschedulable() }
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
        let (binds, cont) = AsyncStream<Placement>.makeStream()
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<max(1, config.concurrentBindings) {
                    group.addTask { for await p in binds { await self.bind(p.pod, to: p.node, claims: p.claims) } }
                }
                group.addTask {
                    while let key = await self.queue.get() {
                        if let placement = await self.decide(key) { cont.yield(placement) }
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

    /// A decision: the pod, its node, and the claims waiting for their first consumer that the node is chosen for.
    struct Placement: Sendable {
        var pod: Pod
        var node: String
        var claims: [PersistentVolumeClaim]
    }

    /// Decides where the pod with `key` goes; on success it is assumed in the snapshot and returned for binding.
    func decide(_ key: String) async -> Placement? {
        guard let pod = pods.get(key), responsible(for: pod) else {
            lock.withLock { _ = waiting.removeValue(forKey: key) }
            return nil
        }
        let started = ContinuousClock.now
        lock.withLock {
            var w = waiting[key] ?? (started, 0)
            w.attempts += 1
            waiting[key] = w
        }
        let placement = await decideUnmeasured(key, pod)
        if let metrics {
            let result = placement == nil ? "unschedulable" : "scheduled"
            let labels = [("profile", config.schedulerName), ("result", result)]
            metrics.count("scheduler_schedule_attempts_total", labels)
            metrics.observe("scheduler_scheduling_attempt_duration_seconds", labels, ContinuousClock.now - started)
        }
        return placement
    }

    /// `decide`'s work, for `pod` (the one `key` names).
    private func decideUnmeasured(_ key: String, _ pod: Pod) async -> Placement? {
        // Volumes: claims must exist, bound ones pin the pod to their volume's nodes, WaitForFirstConsumer ones follow it.
        var candidate = Self.withDefaultSpread(pod)
        var delayed: [PersistentVolumeClaim] = []
        if let volumes {
            switch volumes.check(pod) {
            case .unschedulable(let message):
                lock.withLock { _ = unschedulable.insert(key) }
                await markUnschedulable(pod, message)
                return nil
            case .schedulable(let terms, let waiting):
                if let terms { candidate = SchedulerVolumes.requiring(terms, candidate) }
                delayed = waiting
            }
        }
        let result: ScheduleResult = lock.withLock {
            let r = scheduler.schedule(candidate, in: snapshot)
            if case .bound(let node, _) = r { snapshot.assume(pod, on: node) }
            return r
        }
        switch result {
        case .bound(let node, _):
            return Placement(pod: pod, node: node, claims: delayed)
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

    func bind(_ pod: Pod, to node: String, claims: [PersistentVolumeClaim] = []) async {
        let ns = pod.metadata.namespace ?? "default"
        let binding: JSONValue = [
            "apiVersion": "v1", "kind": "Binding",
            "metadata": ["name": .string(pod.name), "namespace": .string(ns), "uid": .string(pod.metadata.uid ?? "")],
            "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)],
        ]
        do {
            // PreBind: claims waiting for their first consumer learn the node, where their volume is provisioned.
            for c in claims where c.metadata.annotations?[LocalPath.selectedNodeAnnotation] != node {
                _ = try await client.patch(.persistentVolumeClaims, namespace: ns, name: c.name,
                                           ["metadata": ["annotations": [LocalPath.selectedNodeAnnotation: .string(node)]]])
            }
            _ = try await client.call(.POST, GantryClient.path(.pods, namespace: ns, name: pod.name, subresource: "binding"), body: binding)
            if let metrics, let w = lock.withLock({ waiting.removeValue(forKey: objectKey(pod)) }) {
                metrics.observe("scheduler_pod_scheduling_duration_seconds", [("attempts", String(w.attempts))], ContinuousClock.now - w.since)
            }
            await recorder.record(pod, reason: "Scheduled", message: "Successfully assigned \(ns)/\(pod.name) to \(node)")
        } catch {
            // Forget the assumption; the pod comes back through the informer if it still needs a node.
            lock.withLock { snapshot.removePod(pod) }
            if let e = error as? GantryError, e.code == .conflict || e.code == .notFound, claims.isEmpty { return }
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

/// What the scheduler needs to know of volumes (kube-scheduler's VolumeBinding and VolumeRestrictions, for the
/// local-path provisioner): every claim a pod uses must exist; a bound claim pins the pod to the nodes its volume
/// can be reached from; an unbound claim of a WaitForFirstConsumer class is provisioned where the pod goes; an
/// unbound claim of an Immediate class keeps the pod waiting until it is bound.
public struct SchedulerVolumes: Sendable {
    let claims: Informer<PersistentVolumeClaim>
    let volumes: Informer<PersistentVolume>
    let classes: Informer<StorageClass>

    public init(claims: Informer<PersistentVolumeClaim>, volumes: Informer<PersistentVolume>, classes: Informer<StorageClass>) {
        self.claims = claims
        self.volumes = volumes
        self.classes = classes
    }

    /// The outcome of the check.
    public enum Outcome: Sendable, Equatable {
        /// The pod may be placed on nodes matching these terms (ORed; nil: any), and these claims follow it.
        case schedulable(terms: [NodeSelectorTerm]?, waiting: [PersistentVolumeClaim])
        case unschedulable(String)
    }

    public func check(_ pod: Pod) -> Outcome {
        let ns = pod.metadata.namespace ?? "default"
        var terms: [NodeSelectorTerm]?
        var waiting: [PersistentVolumeClaim] = []
        for name in VolumeBinding.claims(of: pod) {
            guard let claim = claims.get(namespace: ns, name: name) else {
                return .unschedulable("persistentvolumeclaim \"\(name)\" not found")
            }
            if claim.metadata.deletionTimestamp != nil {
                return .unschedulable("persistentvolumeclaim \"\(name)\" is being deleted")
            }
            if let bound = claim.spec?.volumeName, !bound.isEmpty {
                guard let v = volumes.get(bound) else { return .unschedulable("persistentvolume \"\(bound)\" not found") }
                if let required = v.spec?.nodeAffinity?.required?.nodeSelectorTerms, !required.isEmpty {
                    terms = Self.and(terms, required)
                }
                continue
            }
            let cls = classes.get(VolumeBinding.className(claim))
            if cls?.volumeBindingMode == "WaitForFirstConsumer" {
                waiting.append(claim)
            } else {
                return .unschedulable("pod has unbound immediate PersistentVolumeClaims")
            }
        }
        return .schedulable(terms: terms, waiting: waiting)
    }

    /// Two ORs of ANDed terms, ANDed: every pair's requirements together.
    static func and(_ a: [NodeSelectorTerm]?, _ b: [NodeSelectorTerm]) -> [NodeSelectorTerm] {
        guard let a, !a.isEmpty else { return b }
        return a.flatMap { x in
            b.map { y in
                NodeSelectorTerm(matchExpressions: (x.matchExpressions ?? []) + (y.matchExpressions ?? []),
                                 matchFields: (x.matchFields ?? []) + (y.matchFields ?? []))
            }
        }
    }

    /// The pod with its required node affinity narrowed to `terms`.
    static func requiring(_ terms: [NodeSelectorTerm], _ pod: Pod) -> Pod {
        var p = pod
        var spec = p.spec ?? PodSpec()
        var affinity = spec.affinity ?? Affinity()
        var nodeAffinity = affinity.nodeAffinity ?? NodeAffinity()
        let own = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
        nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = NodeSelector(nodeSelectorTerms: and(own, terms))
        affinity.nodeAffinity = nodeAffinity
        spec.affinity = affinity
        p.spec = spec
        return p
    }
}
