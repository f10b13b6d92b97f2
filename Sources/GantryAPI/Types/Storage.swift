import Foundation

/// A piece of storage in the cluster (core/v1 PersistentVolume): provisioned by an administrator or by a
/// StorageClass's provisioner, bound to at most one claim.
public struct PersistentVolume: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .persistentVolumes }
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PersistentVolumeSpec?
    public var status: PersistentVolumeStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: PersistentVolumeSpec? = nil, status: PersistentVolumeStatus? = nil) {
        self.apiVersion = "v1"
        self.kind = "PersistentVolume"
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec, status }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        spec = try c.decodeIfPresent(PersistentVolumeSpec.self, forKey: .spec)
        status = try c.decodeIfPresent(PersistentVolumeStatus.self, forKey: .status)
    }
}

/// What a PersistentVolume is: its size, access modes, class, reclaim policy, the claim it is bound to, the
/// nodes that can reach it, and where the data is (one volume source).
public struct PersistentVolumeSpec: Codable, Sendable, Hashable {
    public var capacity: [String: Quantity]?
    /// ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod.
    public var accessModes: [String]?
    /// The claim this volume is bound to (set by the binder, or by the user to pre-bind).
    public var claimRef: ObjectReference?
    /// Retain, Delete or Recycle (refused: deprecated in Kubernetes).
    public var persistentVolumeReclaimPolicy: String?
    public var storageClassName: String?
    public var mountOptions: [String]?
    /// Filesystem or Block.
    public var volumeMode: String?
    public var nodeAffinity: VolumeNodeAffinity?
    public var volumeAttributesClassName: String?
    public var hostPath: HostPathVolumeSource?
    public var local: LocalVolumeSource?
    /// Volume sources this agent does not mount, kept as sent.
    public var nfs: JSONValue?
    public var csi: JSONValue?
    public init() {}
}

/// A directory (or device) on a node, reachable only from the nodes of the volume's node affinity.
public struct LocalVolumeSource: Codable, Sendable, Hashable {
    public var path: String?
    public var fsType: String?
    public init(path: String? = nil, fsType: String? = nil) {
        self.path = path
        self.fsType = fsType
    }
}

/// The nodes a volume can be used from.
public struct VolumeNodeAffinity: Codable, Sendable, Hashable {
    public var required: NodeSelector?
    public init(required: NodeSelector? = nil) { self.required = required }
}

/// The observed state of a PersistentVolume.
public struct PersistentVolumeStatus: Codable, Sendable, Hashable {
    /// Pending, Available, Bound, Released or Failed.
    public var phase: String?
    public var message: String?
    public var reason: String?
    public var lastPhaseTransitionTime: String?
    public init(phase: String? = nil, message: String? = nil, reason: String? = nil, lastPhaseTransitionTime: String? = nil) {
        self.phase = phase
        self.message = message
        self.reason = reason
        self.lastPhaseTransitionTime = lastPhaseTransitionTime
    }
}

/// A user's request for storage (core/v1 PersistentVolumeClaim), bound to one PersistentVolume.
public struct PersistentVolumeClaim: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .persistentVolumeClaims }
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PersistentVolumeClaimSpec?
    public var status: PersistentVolumeClaimStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: PersistentVolumeClaimSpec? = nil, status: PersistentVolumeClaimStatus? = nil) {
        self.apiVersion = "v1"
        self.kind = "PersistentVolumeClaim"
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec, status }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        spec = try c.decodeIfPresent(PersistentVolumeClaimSpec.self, forKey: .spec)
        status = try c.decodeIfPresent(PersistentVolumeClaimStatus.self, forKey: .status)
    }
}

/// What a claim asks for.
public struct PersistentVolumeClaimSpec: Codable, Sendable, Hashable {
    public var accessModes: [String]?
    public var selector: LabelSelector?
    public var resources: ResourceRequirements?
    /// The volume the claim is bound to.
    public var volumeName: String?
    public var storageClassName: String?
    public var volumeMode: String?
    public var dataSource: JSONValue?
    public var dataSourceRef: JSONValue?
    public var volumeAttributesClassName: String?
    public init() {}
}

/// The observed state of a claim.
public struct PersistentVolumeClaimStatus: Codable, Sendable, Hashable {
    /// Pending, Bound or Lost.
    public var phase: String?
    public var accessModes: [String]?
    public var capacity: [String: Quantity]?
    public var conditions: [JSONValue]?
    public var allocatedResources: [String: Quantity]?
    public var allocatedResourceStatuses: [String: String]?
    public var currentVolumeAttributesClassName: String?
    public var modifyVolumeStatus: JSONValue?
    public init(phase: String? = nil) { self.phase = phase }
}

/// A class of storage (storage.k8s.io/v1 StorageClass): who provisions it, how, when volumes are bound, and
/// what happens to them when released.
public struct StorageClass: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .storageClasses }
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var provisioner: String?
    public var parameters: [String: String]?
    /// Delete (the default) or Retain.
    public var reclaimPolicy: String?
    public var mountOptions: [String]?
    public var allowVolumeExpansion: Bool?
    /// Immediate (the default) or WaitForFirstConsumer.
    public var volumeBindingMode: String?
    public var allowedTopologies: [JSONValue]?

    /// The annotation that makes a class the default for claims that name none.
    public static let defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"

    public init(metadata: ObjectMeta = ObjectMeta(), provisioner: String? = nil) {
        self.apiVersion = "storage.k8s.io/v1"
        self.kind = "StorageClass"
        self.metadata = metadata
        self.provisioner = provisioner
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, provisioner, parameters, reclaimPolicy, mountOptions, allowVolumeExpansion,
             volumeBindingMode, allowedTopologies
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        provisioner = try c.decodeIfPresent(String.self, forKey: .provisioner)
        parameters = try c.decodeIfPresent([String: String].self, forKey: .parameters)
        reclaimPolicy = try c.decodeIfPresent(String.self, forKey: .reclaimPolicy)
        mountOptions = try c.decodeIfPresent([String].self, forKey: .mountOptions)
        allowVolumeExpansion = try c.decodeIfPresent(Bool.self, forKey: .allowVolumeExpansion)
        volumeBindingMode = try c.decodeIfPresent(String.self, forKey: .volumeBindingMode)
        allowedTopologies = try c.decodeIfPresent([JSONValue].self, forKey: .allowedTopologies)
    }
}

/// The built-in local-path provisioner's names (as k3s ships rancher.io/local-path): volumes are directories
/// under each node's data directory, provisioned on the node the first pod using the claim is scheduled to.
public enum LocalPath {
    /// The provisioner name of the built-in class.
    public static let provisioner = "gantry.dev/local-path"
    /// The name of the built-in default StorageClass.
    public static let className = "local-path"
    /// On a Node: the directory under which that node's local-path volumes live (set by its agent).
    public static let rootAnnotation = "gantry.dev/local-path-root"
    /// On a PersistentVolume: the node that holds its directory (whose agent removes it).
    public static let nodeAnnotation = "gantry.dev/local-path-node"
    /// The finalizer that keeps a Delete-policy local-path volume until its agent has removed the directory.
    public static let finalizer = "gantry.dev/local-path-cleanup"
    /// On a claim: the node the scheduler chose for its first consumer (Kubernetes' annotation).
    public static let selectedNodeAnnotation = "volume.kubernetes.io/selected-node"
    /// The default root when a node does not say.
    public static let defaultRoot = "/var/lib/gantry/storage"

    /// The directory of a provisioned volume (`pvc-<uid>_<namespace>_<claim>`, as local-path-provisioner names it).
    public static func directory(root: String, volume: String, namespace: String, claim: String) -> String {
        "\(root)/\(volume)_\(namespace)_\(claim)"
    }
}
