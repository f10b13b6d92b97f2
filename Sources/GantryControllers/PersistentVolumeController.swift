import Foundation
import GantryAPI
import GantryClient
import Logging
import Synchronization

/// The pure part of volume binding, with Kubernetes' matching rules: a claim binds the smallest Available
/// volume of its class whose access modes include the claim's, whose capacity is at least the request, whose
/// volume mode matches and whose labels match the claim's selector; a volume pre-bound to the claim (its
/// `claimRef` names it) wins over every other.
public enum VolumeBinding {
    /// The storage a claim requests, in bytes (0 when unset or unreadable).
    public static func requested(_ claim: PersistentVolumeClaim) -> Int64 {
        claim.spec?.resources?.requests?["storage"]?.value ?? 0
    }

    /// The class a claim asks for: `storageClassName`, or "" for none.
    public static func className(_ claim: PersistentVolumeClaim) -> String { claim.spec?.storageClassName ?? "" }

    /// Whether `ref` names `claim` (by namespace and name, and by uid when the reference has one).
    public static func refers(_ ref: ObjectReference?, to claim: PersistentVolumeClaim) -> Bool {
        guard let ref, ref.name == claim.name, (ref.namespace ?? "default") == (claim.namespace ?? "default") else { return false }
        return (ref.uid ?? "").isEmpty || ref.uid == claim.metadata.uid
    }

    /// The volume `claim` should bind to among `volumes`, or nil if none fits.
    public static func match(_ claim: PersistentVolumeClaim, in volumes: [PersistentVolume]) -> PersistentVolume? {
        let live = volumes.filter { $0.metadata.deletionTimestamp == nil }
        if let prebound = live.first(where: { refers($0.spec?.claimRef, to: claim) }) { return prebound }
        let want = requested(claim)
        let modes = Set(claim.spec?.accessModes ?? [])
        let selector = claim.spec?.selector.flatMap { try? LabelQuery($0) }
        let candidates = live.filter { v in
            guard let spec = v.spec, spec.claimRef == nil, v.status?.phase == "Available" || v.status?.phase == "Pending" else { return false }
            guard (spec.storageClassName ?? "") == className(claim) else { return false }
            guard modes.isSubset(of: Set(spec.accessModes ?? [])) else { return false }
            guard (spec.volumeMode ?? "Filesystem") == (claim.spec?.volumeMode ?? "Filesystem") else { return false }
            guard (spec.capacity?["storage"]?.value ?? 0) >= want else { return false }
            if let selector, !selector.matches(v.metadata.labels ?? [:]) { return false }
            return true
        }
        return candidates.min { ($0.spec?.capacity?["storage"]?.value ?? 0, $0.name) < ($1.spec?.capacity?["storage"]?.value ?? 0, $1.name) }
    }

    /// The names of the claims a pod uses.
    public static func claims(of pod: Pod) -> [String] {
        (pod.spec?.volumes ?? []).compactMap { $0.persistentVolumeClaim?.claimName }.filter { !$0.isEmpty }
    }

    /// Whether a pod still holds its volumes (it has not finished).
    public static func holdsVolumes(_ pod: Pod) -> Bool {
        pod.status?.phase != "Succeeded" && pod.status?.phase != "Failed"
    }
}

/// Binds PersistentVolumeClaims to PersistentVolumes and runs the built-in local-path provisioner, as
/// Kubernetes' persistent volume controller and k3s' local-path-provisioner do together:
/// - a claim binds a matching Available volume, or, for the local-path class, gets a new volume: a directory
///   under its node's data dir, made for the node the scheduler chose for the claim's first pod
///   (`volume.kubernetes.io/selected-node`, WaitForFirstConsumer) or any Ready node (Immediate);
/// - a volume whose claim is gone is Released, then kept (Retain) or deleted (Delete: its agent removes the
///   directory and then the `gantry.dev/local-path-cleanup` finalizer);
/// - the protection finalizers keep a claim while a pod uses it and a volume while it is bound.
public final class PersistentVolumeController: Reconciler, ContextualController, @unchecked Sendable {
    let claims: Informer<PersistentVolumeClaim>
    let volumes: Informer<PersistentVolume>
    let classes: Informer<StorageClass>
    let pods: Informer<Pod>
    let nodes: Informer<Node>
    let context: ControllerContext
    public let queue: WorkQueue
    /// Claims already told they wait (so the event is recorded once per wait, not on every sync).
    let told = Mutex<Set<String>>([])

    public static let claimProtection = "kubernetes.io/pvc-protection"
    public static let volumeProtection = "kubernetes.io/pv-protection"
    static let bindCompleted = "pv.kubernetes.io/bind-completed"
    static let boundByController = "pv.kubernetes.io/bound-by-controller"
    static let provisionedBy = "pv.kubernetes.io/provisioned-by"
    static let storageProvisioner = "volume.kubernetes.io/storage-provisioner"

    public init(context: ControllerContext, claims: Informer<PersistentVolumeClaim>, volumes: Informer<PersistentVolume>,
                classes: Informer<StorageClass>, pods: Informer<Pod>, nodes: Informer<Node>) {
        self.context = context
        self.claims = claims
        self.volumes = volumes
        self.classes = classes
        self.pods = pods
        self.nodes = nodes
        self.queue = WorkQueue(clock: context.clock)
    }

    static func claimKey(_ ns: String, _ name: String) -> String { "pvc:\(ns)/\(name)" }

    public func register() {
        claims.addHandler { [weak self] e in
            guard let self else { return }
            let c = e.object
            queue.add(Self.claimKey(c.namespace ?? "default", c.name))
            if let v = c.spec?.volumeName, !v.isEmpty { queue.add("pv:" + v) }
            if case .deleted = e {
                told.withLock { _ = $0.remove("\(c.namespace ?? "default")/\(c.name)") }
                for v in volumes.list() where VolumeBinding.refers(v.spec?.claimRef, to: c) { queue.add("pv:" + v.name) }
            }
        }
        volumes.addHandler { [weak self] e in
            guard let self else { return }
            let v = e.object
            queue.add("pv:" + v.name)
            if let ref = v.spec?.claimRef, let n = ref.name { queue.add(Self.claimKey(ref.namespace ?? "default", n)) }
            // A new or freed volume may fit a waiting claim.
            if v.spec?.claimRef == nil { for c in claims.list() where (c.spec?.volumeName ?? "").isEmpty { queue.add(Self.claimKey(c.namespace ?? "default", c.name)) } }
        }
        classes.addHandler { [weak self] _ in
            guard let self else { return }
            for c in claims.list() where (c.spec?.volumeName ?? "").isEmpty { queue.add(Self.claimKey(c.namespace ?? "default", c.name)) }
        }
        pods.addHandler { [weak self] e in
            guard let self else { return }
            let p = e.object
            if case .updated(let old, let new) = e, VolumeBinding.holdsVolumes(old) == VolumeBinding.holdsVolumes(new) { return }
            // A pod going away or finishing may free a claim being deleted.
            for n in VolumeBinding.claims(of: p) { queue.add(Self.claimKey(p.namespace ?? "default", n)) }
        }
    }

    public func reconcile(_ key: String) async throws -> ReconcileResult {
        if key.hasPrefix("pv:") {
            if let v = volumes.get(String(key.dropFirst(3))) { try await syncVolume(v) }
            return .done
        }
        guard key.hasPrefix("pvc:"), let c = claims.get(String(key.dropFirst(4))) else { return .done }
        return try await syncClaim(c)
    }

    // MARK: Claims

    func syncClaim(_ claim: PersistentVolumeClaim) async throws -> ReconcileResult {
        let ns = claim.namespace ?? "default"
        if claim.metadata.deletionTimestamp != nil {
            // pvc-protection: the claim goes once no pod that has not finished uses it.
            let users = pods.list(namespace: ns).filter { VolumeBinding.holdsVolumes($0) && VolumeBinding.claims(of: $0).contains(claim.name) }
            if users.isEmpty, claim.metadata.finalizers?.contains(Self.claimProtection) == true {
                try await removeFinalizer(.persistentVolumeClaims, claim, Self.claimProtection)
            }
            return .done
        }
        if let bound = claim.spec?.volumeName, !bound.isEmpty {
            try await syncBoundClaim(claim, volume: bound)
            return .done
        }
        // A volume already bound (or pre-bound) to the claim, or the best Available one.
        if let v = VolumeBinding.match(claim, in: volumes.list()) {
            try await bind(claim, to: v)
            return .done
        }
        let className = VolumeBinding.className(claim)
        guard !className.isEmpty else {
            await tell(claim, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set")
            return .done
        }
        guard let sc = classes.get(className) else {
            await tell(claim, "Warning", "ProvisioningFailed", "storageclass.storage.k8s.io \"\(className)\" not found")
            return .done
        }
        guard sc.provisioner == LocalPath.provisioner else {
            await tell(claim, "Normal", "ExternalProvisioning",
                       "Waiting for a volume to be created either by the external provisioner '\(sc.provisioner ?? "")' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.")
            return .done
        }
        var node = claim.metadata.annotations?[LocalPath.selectedNodeAnnotation] ?? ""
        if node.isEmpty {
            if sc.volumeBindingMode == "WaitForFirstConsumer" {
                await tell(claim, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding")
                return .done
            }
            // Immediate: any Ready node (the one with the fewest local-path volumes).
            let ready = nodes.list().filter { n in
                n.metadata.deletionTimestamp == nil && n.spec?.unschedulable != true
                    && n.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
            }
            let load = Dictionary(grouping: volumes.list()) { $0.metadata.annotations?[LocalPath.nodeAnnotation] ?? "" }
            guard let pick = ready.min(by: { (load[$0.name]?.count ?? 0, $0.name) < (load[$1.name]?.count ?? 0, $1.name) }) else {
                await tell(claim, "Warning", "ProvisioningFailed", "no Ready node to provision a local-path volume on")
                return .requeue(after: .seconds(5))
            }
            node = pick.name
        }
        try await provision(claim, class: sc, node: node)
        return .done
    }

    /// Records a waiting claim's event once per wait.
    func tell(_ claim: PersistentVolumeClaim, _ type: String, _ reason: String, _ message: String) async {
        let k = "\(claim.namespace ?? "default")/\(claim.name)"
        let first = told.withLock { $0.insert(k + "|" + reason).inserted }
        if first { await recorder.record(claim, type: type, reason: reason, message: message) }
        try? await client.writeStatus(claim, \.status, status(claim, phase: "Pending", volume: nil))
    }

    func status(_ claim: PersistentVolumeClaim, phase: String, volume: PersistentVolume?) -> PersistentVolumeClaimStatus {
        var s = claim.status ?? PersistentVolumeClaimStatus()
        s.phase = phase
        if phase == "Bound", let volume {
            s.accessModes = volume.spec?.accessModes
            s.capacity = volume.spec?.capacity
        } else if phase == "Pending" {
            s.accessModes = nil
            s.capacity = nil
        }
        return s
    }

    func syncBoundClaim(_ claim: PersistentVolumeClaim, volume name: String) async throws {
        guard let v = volumes.get(name) else {
            if claim.status?.phase == "Bound" {
                await recorder.record(claim, type: "Warning", reason: "ClaimLost", message: "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!")
                try await client.writeStatus(claim, \.status, status(claim, phase: "Lost", volume: nil))
            }
            return
        }
        if v.spec?.claimRef == nil {
            try await setClaimRef(v, claim)  // a claim pre-bound to a free volume
            return
        }
        guard VolumeBinding.refers(v.spec?.claimRef, to: claim) else {
            await tell(claim, "Warning", "FailedBinding", "volume \"\(name)\" already bound to a different claim.")
            return
        }
        var updated = claim
        if claim.metadata.annotations?[Self.bindCompleted] != "yes" {
            updated.metadata.annotations = (claim.metadata.annotations ?? [:]).merging([Self.bindCompleted: "yes"]) { _, b in b }
            updated = try await client.update(updated)
        }
        told.withLock { set in set = set.filter { !$0.hasPrefix("\(claim.namespace ?? "default")/\(claim.name)|") } }
        try await client.writeStatus(updated, \.status, status(updated, phase: "Bound", volume: v))
    }

    /// Binds: the volume's claimRef first (so no other claim takes it), then the claim's volumeName.
    func bind(_ claim: PersistentVolumeClaim, to v: PersistentVolume) async throws {
        if !VolumeBinding.refers(v.spec?.claimRef, to: claim) || (v.spec?.claimRef?.uid ?? "").isEmpty {
            try await setClaimRef(v, claim)
        }
        var updated = claim
        updated.spec?.volumeName = v.name
        var ann = claim.metadata.annotations ?? [:]
        ann[Self.bindCompleted] = "yes"
        ann[Self.boundByController] = "yes"
        updated.metadata.annotations = ann
        updated = try await client.update(updated)
        try await client.writeStatus(updated, \.status, status(updated, phase: "Bound", volume: v))
        logger.info("bound claim", metadata: ["claim": "\(claim.namespace ?? "default")/\(claim.name)", "volume": "\(v.name)"])
    }

    func setClaimRef(_ v: PersistentVolume, _ claim: PersistentVolumeClaim) async throws {
        var updated = v
        updated.spec?.claimRef = ObjectReference(kind: "PersistentVolumeClaim", namespace: claim.namespace ?? "default", name: claim.name,
                                                 uid: claim.metadata.uid, apiVersion: "v1", resourceVersion: claim.metadata.resourceVersion)
        var ann = v.metadata.annotations ?? [:]
        ann[Self.boundByController] = "yes"
        updated.metadata.annotations = ann
        let written = try await client.update(updated)
        try await client.writeStatus(written, \.status, volumeStatus(written, "Bound"))
    }

    /// The local-path provisioner: a volume for the claim on `node`, pre-bound to it.
    func provision(_ claim: PersistentVolumeClaim, class sc: StorageClass, node: String) async throws {
        let ns = claim.namespace ?? "default"
        let name = "pvc-\(claim.metadata.uid ?? UUID().uuidString.lowercased())"
        let root = nodes.get(node)?.metadata.annotations?[LocalPath.rootAnnotation] ?? LocalPath.defaultRoot
        let policy = sc.reclaimPolicy ?? "Delete"
        var spec = PersistentVolumeSpec()
        spec.capacity = ["storage": claim.spec?.resources?.requests?["storage"] ?? Quantity(integerLiteral: 0)]
        spec.accessModes = claim.spec?.accessModes
        spec.persistentVolumeReclaimPolicy = policy
        spec.storageClassName = sc.name
        spec.volumeMode = claim.spec?.volumeMode ?? "Filesystem"
        spec.mountOptions = sc.mountOptions
        spec.hostPath = HostPathVolumeSource(path: LocalPath.directory(root: root, volume: name, namespace: ns, claim: claim.name),
                                             type: "DirectoryOrCreate")
        spec.nodeAffinity = VolumeNodeAffinity(required: NodeSelector(nodeSelectorTerms: [
            NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: "kubernetes.io/hostname", operator: "In", values: [node])]),
        ]))
        spec.claimRef = ObjectReference(kind: "PersistentVolumeClaim", namespace: ns, name: claim.name, uid: claim.metadata.uid,
                                        apiVersion: "v1", resourceVersion: claim.metadata.resourceVersion)
        var meta = ObjectMeta(name: name)
        meta.annotations = [Self.provisionedBy: LocalPath.provisioner, LocalPath.nodeAnnotation: node]
        if policy == "Delete" { meta.finalizers = [LocalPath.finalizer] }
        let pv = PersistentVolume(metadata: meta, spec: spec)
        let created: PersistentVolume
        do {
            created = try await client.create(pv)
        } catch let e as GantryError where e.code == .alreadyExists {
            return  // made by an earlier sync; the volume's event binds it
        }
        await recorder.record(claim, reason: "ProvisioningSucceeded", message: "Successfully provisioned volume \(name)")
        try await client.writeStatus(created, \.status, volumeStatus(created, "Bound"))
        var updated = claim
        updated.spec?.volumeName = name
        var ann = claim.metadata.annotations ?? [:]
        ann[Self.bindCompleted] = "yes"
        ann[Self.storageProvisioner] = LocalPath.provisioner
        updated.metadata.annotations = ann
        updated = try await client.update(updated)
        try await client.writeStatus(updated, \.status, status(updated, phase: "Bound", volume: created))
        logger.info("provisioned volume", metadata: ["claim": "\(ns)/\(claim.name)", "volume": "\(name)", "node": "\(node)"])
    }

    // MARK: Volumes

    func volumeStatus(_ v: PersistentVolume, _ phase: String, message: String? = nil) -> PersistentVolumeStatus {
        var s = v.status ?? PersistentVolumeStatus()
        if s.phase != phase { s.lastPhaseTransitionTime = Timestamp.format(clock.now) }
        s.phase = phase
        s.message = message
        s.reason = phase == "Failed" ? "VolumeFailedDelete" : nil
        return s
    }

    func syncVolume(_ v: PersistentVolume) async throws {
        let ref = v.spec?.claimRef
        let claim = ref.flatMap { r in r.name.flatMap { claims.get(namespace: r.namespace ?? "default", name: $0) } }
        let claimAlive = claim.map { VolumeBinding.refers(ref, to: $0) } ?? false
        if v.metadata.deletionTimestamp != nil {
            if v.metadata.finalizers?.contains(Self.volumeProtection) == true, !(claimAlive && v.status?.phase == "Bound") {
                try await removeFinalizer(.persistentVolumes, v, Self.volumeProtection)
            }
            // A node that is gone cannot clean up: the directory goes with it.
            if let node = v.metadata.annotations?[LocalPath.nodeAnnotation], nodes.get(node) == nil,
               v.metadata.finalizers?.contains(LocalPath.finalizer) == true {
                try await removeFinalizer(.persistentVolumes, v, LocalPath.finalizer)
            }
            return
        }
        guard let ref else {
            try await client.writeStatus(v, \.status, volumeStatus(v, "Available"))
            return
        }
        if let claim, claimAlive {
            if claim.spec?.volumeName == v.name {
                if (ref.uid ?? "").isEmpty { try await setClaimRef(v, claim) } else { try await client.writeStatus(v, \.status, volumeStatus(v, "Bound")) }
            } else if (claim.spec?.volumeName ?? "").isEmpty {
                queue.add(Self.claimKey(claim.namespace ?? "default", claim.name))  // the claim's sync completes the binding
            } else if v.metadata.annotations?[Self.boundByController] == "yes" {
                // The claim went to another volume: this one is free again.
                var updated = v
                updated.spec?.claimRef = nil
                let written = try await client.update(updated)
                try await client.writeStatus(written, \.status, volumeStatus(written, "Available"))
            }
            return
        }
        // Pre-bound to a claim that does not exist yet: wait for it.
        if (ref.uid ?? "").isEmpty { return }
        // The claim is gone: Released, then reclaimed.
        let policy = v.spec?.persistentVolumeReclaimPolicy ?? "Retain"
        switch policy {
        case "Delete" where v.metadata.annotations?[Self.provisionedBy] == LocalPath.provisioner:
            try await client.writeStatus(v, \.status, volumeStatus(v, "Released"))
            do {
                try await client.delete(.persistentVolumes, namespace: nil, name: v.name)
            } catch let e as GantryError where e.code == .notFound {}
            logger.info("deleting released volume", metadata: ["volume": "\(v.name)"])
        case "Delete":
            try await client.writeStatus(v, \.status, volumeStatus(v, "Failed", message: "error getting deleter volume plugin for volume \"\(v.name)\": no deletable volume plugin matched"))
        default:
            if v.status?.phase != "Released" {
                try await client.writeStatus(v, \.status, volumeStatus(v, "Released"))
            }
        }
    }

    func removeFinalizer<T: KubeObject>(_ r: ResourceInfo, _ object: T, _ finalizer: String) async throws {
        let left = (object.metadata.finalizers ?? []).filter { $0 != finalizer }
        do {
            _ = try await client.patch(r, namespace: object.namespace, name: object.name,
                                       ["metadata": ["finalizers": .array(left.map { .string($0) }),
                                                     "resourceVersion": .string(object.metadata.resourceVersion ?? "")]])
        } catch let e as GantryError where e.code == .notFound {}
    }
}
