import Foundation
import GantryAPI
import GantryClient
import Logging

/// What a DaemonSet sync should do, computed purely from the DaemonSet, the nodes, its pods and now.
public struct DaemonSetPlan: Sendable, Equatable {
    /// Nodes to create a pod on.
    public var createOn: [String] = []
    /// Pods to delete (misscheduled, duplicates, failed, or outdated during a rolling update).
    public var delete: [Pod] = []
    public var status = DaemonSetStatus()
    public var requeueAfter: TimeInterval?

    /// The tolerations Kubernetes adds to every DaemonSet pod: it stays on nodes that are unreachable,
    /// not ready, under pressure or cordoned.
    public static let defaultTolerations: [Toleration] = [
        Toleration(key: NodeTaints.notReady, operator: "Exists", effect: "NoExecute"),
        Toleration(key: NodeTaints.unreachable, operator: "Exists", effect: "NoExecute"),
        Toleration(key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule"),
        Toleration(key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule"),
        Toleration(key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule"),
        Toleration(key: NodeTaints.unschedulable, operator: "Exists", effect: "NoSchedule"),
    ]

    /// The label carrying the template's hash on DaemonSet pods.
    public static let hashLabel = "controller-revision-hash"

    /// The template's hash (as a label value).
    public static func hash(_ ds: DaemonSet) -> String {
        TemplateHash.of(ds.spec?.template, collisionCount: ds.status?.collisionCount)
    }

    /// Whether a DaemonSet pod belongs on `node`: node selector, required node affinity and taints.
    public static func eligible(_ ds: DaemonSet, _ node: Node) -> Bool {
        let spec = ds.spec?.template?.spec
        let labels = node.metadata.labels ?? [:]
        for (k, v) in spec?.nodeSelector ?? [:] where labels[k] != v { return false }
        if let terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, !terms.isEmpty {
            guard terms.contains(where: { matches($0, node) }) else { return false }
        }
        let tolerations = (spec?.tolerations ?? []) + defaultTolerations
        for t in node.spec?.taints ?? [] where t.effect == "NoSchedule" || t.effect == "NoExecute" {
            if !tolerations.contains(where: { NodeLifecyclePlan.tolerates($0, t) }) { return false }
        }
        return true
    }

    static func matches(_ term: NodeSelectorTerm, _ node: Node) -> Bool {
        let labels = node.metadata.labels ?? [:]
        func check(_ r: NodeSelectorRequirement, _ value: String?) -> Bool {
            let values = r.values ?? []
            switch r.operator {
            case "In": return value.map(values.contains) ?? false
            case "NotIn": return !(value.map(values.contains) ?? false)
            case "Exists": return value != nil
            case "DoesNotExist": return value == nil
            case "Gt": return Int(value ?? "").flatMap { v in Int(values.first ?? "").map { v > $0 } } ?? false
            case "Lt": return Int(value ?? "").flatMap { v in Int(values.first ?? "").map { v < $0 } } ?? false
            default: return false
            }
        }
        let exprs = term.matchExpressions ?? [], fields = term.matchFields ?? []
        if exprs.isEmpty && fields.isEmpty { return false }
        return exprs.allSatisfy { check($0, labels[$0.key ?? ""]) }
            && fields.allSatisfy { $0.key == "metadata.name" && check($0, node.name) }
    }

    public static func compute(_ ds: DaemonSet, nodes: [Node], pods: [Pod], now: Date, manage: Bool = true) -> DaemonSetPlan {
        var plan = DaemonSetPlan()
        let hash = hash(ds)
        let minReady = ds.spec?.minReadySeconds ?? 0
        let owned = pods.filter { $0.controllerRef?.uid == ds.metadata.uid && $0.metadata.deletionTimestamp == nil }
        let byNode = Dictionary(grouping: owned) { $0.spec?.nodeName ?? "" }
        let deleting = ds.metadata.deletionTimestamp != nil
        var s = DaemonSetStatus()
        var desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0
        var outdatedAvailable: [Pod] = []
        var unavailable = 0
        for node in nodes.sorted(by: { $0.name < $1.name }) {
            let here = (byNode[node.name] ?? []).sorted { ($0.metadata.creationTimestamp ?? "") < ($1.metadata.creationTimestamp ?? "") }
            let should = !deleting && eligible(ds, node)
            if should { desired += 1 }
            if !should {
                if !here.isEmpty { misscheduled += 1 }
                plan.delete += here
                continue
            }
            let failed = here.filter { $0.status?.phase == "Failed" }
            plan.delete += failed
            let live = here.filter { $0.status?.phase != "Failed" }
            guard let keep = live.first(where: { $0.metadata.labels?[hashLabel] == hash }) ?? live.first else {
                plan.createOn.append(node.name)
                unavailable += 1
                continue
            }
            current += 1
            plan.delete += live.filter { $0.metadata.uid != keep.metadata.uid }
            let isAvailable = PodUtil.isAvailable(keep, minReadySeconds: minReady, now: now)
            if PodUtil.isReady(keep) { ready += 1 }
            if isAvailable { available += 1 } else { unavailable += 1 }
            if let left = PodUtil.secondsUntilAvailable(keep, minReadySeconds: minReady, now: now) {
                plan.requeueAfter = min(plan.requeueAfter ?? left, left)
            }
            if keep.metadata.labels?[hashLabel] == hash {
                updated += 1
            } else if ds.spec?.updateStrategy?.type != "OnDelete" {
                if isAvailable { outdatedAvailable.append(keep) } else { plan.delete.append(keep) }  // not serving anyway
            }
        }
        // Rolling update: replace outdated pods while at most maxUnavailable nodes lack an available pod.
        let maxUnavailable = (try? (ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? .int(1))
            .scaledValue(total: desired, roundUp: true)) ?? 1
        let budget = max(0, max(1, maxUnavailable) - unavailable)
        plan.delete += outdatedAvailable.prefix(budget)
        if !manage {
            plan.createOn = []
            plan.delete = []
        }
        s.desiredNumberScheduled = desired
        s.currentNumberScheduled = current
        s.numberMisscheduled = misscheduled
        s.numberReady = ready
        s.updatedNumberScheduled = updated
        s.numberAvailable = available > 0 ? available : nil
        s.numberUnavailable = desired - available > 0 ? desired - available : nil
        s.observedGeneration = ds.metadata.generation
        s.collisionCount = ds.status?.collisionCount
        s.conditions = ds.status?.conditions
        plan.status = s
        return plan
    }
}

/// Runs one pod of each DaemonSet on every eligible node (node selector, affinity, taints), replaces them on
/// a template change (RollingUpdate with maxUnavailable, or OnDelete), and reports its status.
public final class DaemonSetController: Reconciler, ContextualController, @unchecked Sendable {
    let daemonSets: Informer<DaemonSet>
    let nodes: Informer<Node>
    let pods: Informer<Pod>
    let context: ControllerContext
    public let queue: WorkQueue
    let expectations: Expectations

    public init(context: ControllerContext, daemonSets: Informer<DaemonSet>, nodes: Informer<Node>, pods: Informer<Pod>) {
        self.context = context
        self.daemonSets = daemonSets
        self.nodes = nodes
        self.pods = pods
        self.queue = WorkQueue(clock: context.clock)
        self.expectations = Expectations(clock: context.clock)
    }

    public func register() {
        expectations.connect(daemonSets, pods: pods, ownerKind: "DaemonSet", to: queue)
        nodes.addHandler { [weak self] e in
            guard let self else { return }
            if case .updated(let old, let new) = e, old.metadata.labels == new.metadata.labels, old.spec?.taints == new.spec?.taints { return }
            for ds in self.daemonSets.list() { self.queue.add(objectKey(ds)) }
        }
    }

    public func reconcile(_ key: String) async throws -> ReconcileResult {
        guard let ds = daemonSets.get(key) else {
            expectations.delete(key)
            return .done
        }
        let ns = ds.metadata.namespace ?? "default"
        let plan = DaemonSetPlan.compute(ds, nodes: nodes.list(), pods: pods.list(namespace: ns, controlledBy: ds.metadata.uid), now: clock.now,
                                         manage: expectations.satisfied(key))
        let control = PodControl(client: client, expectations: expectations, recorder: recorder)
        var failure: Error?
        if !plan.createOn.isEmpty {
            var template = ds.spec?.template ?? PodTemplateSpec()
            var spec = template.spec ?? PodSpec()
            var tolerations = spec.tolerations ?? []
            for t in DaemonSetPlan.defaultTolerations where !tolerations.contains(t) { tolerations.append(t) }
            spec.tolerations = tolerations
            template.spec = spec
            let hash = DaemonSetPlan.hash(ds)
            let targets = plan.createOn
            failure = await control.createRecorded(ds, count: targets.count, namespace: ns, key: key) { [template] i in
                try PodTemplates.pod(from: template, generateName: ds.name + "-", owner: ds,
                                     extraLabels: [DaemonSetPlan.hashLabel: hash], nodeName: targets[i])
            }
        }
        failure = await control.deleteRecorded(ds, plan.delete, key: key) ?? failure
        try await client.writeStatus(ds, \.status, plan.status)
        return try .finishing(failure, requeueAfter: plan.requeueAfter)
    }
}
