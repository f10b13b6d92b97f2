// Kubernetes API types (k8s.io/api), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// Declarative updates of Pods through ReplicaSets (apps/v1 Deployment).
public struct Deployment: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .deployments }
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var spec: DeploymentSpec?
    public var status: DeploymentStatus?

    /// Creates a `Deployment`; every field defaults to unset.
    public init(
        apiVersion: String? = "apps/v1",
        kind: String? = "Deployment",
        metadata: ObjectMeta = ObjectMeta(),
        spec: DeploymentSpec? = nil,
        status: DeploymentStatus? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, spec, status
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.spec = try c.decodeIfPresent(DeploymentSpec.self, forKey: .spec)
        self.status = try c.decodeIfPresent(DeploymentStatus.self, forKey: .status)
    }
}

/// The desired state of a Deployment.
public struct DeploymentSpec: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
    public var strategy: DeploymentStrategy?
    public var minReadySeconds: Int?
    public var revisionHistoryLimit: Int?
    public var paused: Bool?
    public var progressDeadlineSeconds: Int?

    /// Creates a `DeploymentSpec`; every field defaults to unset.
    public init(
        replicas: Int? = nil,
        selector: LabelSelector? = nil,
        template: PodTemplateSpec? = nil,
        strategy: DeploymentStrategy? = nil,
        minReadySeconds: Int? = nil,
        revisionHistoryLimit: Int? = nil,
        paused: Bool? = nil,
        progressDeadlineSeconds: Int? = nil
    ) {
        self.replicas = replicas
        self.selector = selector
        self.template = template
        self.strategy = strategy
        self.minReadySeconds = minReadySeconds
        self.revisionHistoryLimit = revisionHistoryLimit
        self.paused = paused
        self.progressDeadlineSeconds = progressDeadlineSeconds
    }
}

/// How a Deployment replaces old Pods with new ones.
public struct DeploymentStrategy: Codable, Sendable, Hashable {
    /// RollingUpdate or Recreate.
    public var type: String?
    public var rollingUpdate: RollingUpdateDeployment?

    /// Creates a `DeploymentStrategy`; every field defaults to unset.
    public init(
        type: String? = nil,
        rollingUpdate: RollingUpdateDeployment? = nil
    ) {
        self.type = type
        self.rollingUpdate = rollingUpdate
    }
}

/// Rolling update parameters of a Deployment.
public struct RollingUpdateDeployment: Codable, Sendable, Hashable {
    public var maxUnavailable: IntOrString?
    public var maxSurge: IntOrString?

    /// Creates a `RollingUpdateDeployment`; every field defaults to unset.
    public init(
        maxUnavailable: IntOrString? = nil,
        maxSurge: IntOrString? = nil
    ) {
        self.maxUnavailable = maxUnavailable
        self.maxSurge = maxSurge
    }
}

/// The observed state of a Deployment.
public struct DeploymentStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int?
    public var replicas: Int?
    public var updatedReplicas: Int?
    public var readyReplicas: Int?
    public var availableReplicas: Int?
    public var unavailableReplicas: Int?
    public var terminatingReplicas: Int?
    public var conditions: [DeploymentCondition]?
    public var collisionCount: Int?

    /// Creates a `DeploymentStatus`; every field defaults to unset.
    public init(
        observedGeneration: Int? = nil,
        replicas: Int? = nil,
        updatedReplicas: Int? = nil,
        readyReplicas: Int? = nil,
        availableReplicas: Int? = nil,
        unavailableReplicas: Int? = nil,
        terminatingReplicas: Int? = nil,
        conditions: [DeploymentCondition]? = nil,
        collisionCount: Int? = nil
    ) {
        self.observedGeneration = observedGeneration
        self.replicas = replicas
        self.updatedReplicas = updatedReplicas
        self.readyReplicas = readyReplicas
        self.availableReplicas = availableReplicas
        self.unavailableReplicas = unavailableReplicas
        self.terminatingReplicas = terminatingReplicas
        self.conditions = conditions
        self.collisionCount = collisionCount
    }
}

/// A condition of a Deployment (Available, Progressing, ReplicaFailure).
public struct DeploymentCondition: Codable, Sendable, Hashable {
    public var type: String?
    public var status: String?
    public var lastUpdateTime: String?
    public var lastTransitionTime: String?
    public var reason: String?
    public var message: String?

    /// Creates a `DeploymentCondition`; every field defaults to unset.
    public init(
        type: String? = nil,
        status: String? = nil,
        lastUpdateTime: String? = nil,
        lastTransitionTime: String? = nil,
        reason: String? = nil,
        message: String? = nil
    ) {
        self.type = type
        self.status = status
        self.lastUpdateTime = lastUpdateTime
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

/// Keeps a number of identical Pods running (apps/v1 ReplicaSet).
public struct ReplicaSet: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .replicaSets }
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var spec: ReplicaSetSpec?
    public var status: ReplicaSetStatus?

    /// Creates a `ReplicaSet`; every field defaults to unset.
    public init(
        apiVersion: String? = "apps/v1",
        kind: String? = "ReplicaSet",
        metadata: ObjectMeta = ObjectMeta(),
        spec: ReplicaSetSpec? = nil,
        status: ReplicaSetStatus? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, spec, status
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.spec = try c.decodeIfPresent(ReplicaSetSpec.self, forKey: .spec)
        self.status = try c.decodeIfPresent(ReplicaSetStatus.self, forKey: .status)
    }
}

/// The desired state of a ReplicaSet.
public struct ReplicaSetSpec: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var minReadySeconds: Int?
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?

    /// Creates a `ReplicaSetSpec`; every field defaults to unset.
    public init(
        replicas: Int? = nil,
        minReadySeconds: Int? = nil,
        selector: LabelSelector? = nil,
        template: PodTemplateSpec? = nil
    ) {
        self.replicas = replicas
        self.minReadySeconds = minReadySeconds
        self.selector = selector
        self.template = template
    }
}

/// The observed state of a ReplicaSet.
public struct ReplicaSetStatus: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var fullyLabeledReplicas: Int?
    public var readyReplicas: Int?
    public var availableReplicas: Int?
    public var terminatingReplicas: Int?
    public var observedGeneration: Int?
    public var conditions: [ReplicaSetCondition]?

    /// Creates a `ReplicaSetStatus`; every field defaults to unset.
    public init(
        replicas: Int? = nil,
        fullyLabeledReplicas: Int? = nil,
        readyReplicas: Int? = nil,
        availableReplicas: Int? = nil,
        terminatingReplicas: Int? = nil,
        observedGeneration: Int? = nil,
        conditions: [ReplicaSetCondition]? = nil
    ) {
        self.replicas = replicas
        self.fullyLabeledReplicas = fullyLabeledReplicas
        self.readyReplicas = readyReplicas
        self.availableReplicas = availableReplicas
        self.terminatingReplicas = terminatingReplicas
        self.observedGeneration = observedGeneration
        self.conditions = conditions
    }
}

/// A condition of a ReplicaSet.
public struct ReplicaSetCondition: Codable, Sendable, Hashable {
    public var type: String?
    public var status: String?
    public var lastTransitionTime: String?
    public var reason: String?
    public var message: String?

    /// Creates a `ReplicaSetCondition`; every field defaults to unset.
    public init(
        type: String? = nil,
        status: String? = nil,
        lastTransitionTime: String? = nil,
        reason: String? = nil,
        message: String? = nil
    ) {
        self.type = type
        self.status = status
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

/// Runs one Pod on every eligible Node (apps/v1 DaemonSet).
public struct DaemonSet: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .daemonSets }
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var spec: DaemonSetSpec?
    public var status: DaemonSetStatus?

    /// Creates a `DaemonSet`; every field defaults to unset.
    public init(
        apiVersion: String? = "apps/v1",
        kind: String? = "DaemonSet",
        metadata: ObjectMeta = ObjectMeta(),
        spec: DaemonSetSpec? = nil,
        status: DaemonSetStatus? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, spec, status
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.spec = try c.decodeIfPresent(DaemonSetSpec.self, forKey: .spec)
        self.status = try c.decodeIfPresent(DaemonSetStatus.self, forKey: .status)
    }
}

/// The desired state of a DaemonSet.
public struct DaemonSetSpec: Codable, Sendable, Hashable {
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
    public var updateStrategy: DaemonSetUpdateStrategy?
    public var minReadySeconds: Int?
    public var revisionHistoryLimit: Int?

    /// Creates a `DaemonSetSpec`; every field defaults to unset.
    public init(
        selector: LabelSelector? = nil,
        template: PodTemplateSpec? = nil,
        updateStrategy: DaemonSetUpdateStrategy? = nil,
        minReadySeconds: Int? = nil,
        revisionHistoryLimit: Int? = nil
    ) {
        self.selector = selector
        self.template = template
        self.updateStrategy = updateStrategy
        self.minReadySeconds = minReadySeconds
        self.revisionHistoryLimit = revisionHistoryLimit
    }
}

/// How a DaemonSet replaces its Pods.
public struct DaemonSetUpdateStrategy: Codable, Sendable, Hashable {
    /// RollingUpdate or OnDelete.
    public var type: String?
    public var rollingUpdate: RollingUpdateDaemonSet?

    /// Creates a `DaemonSetUpdateStrategy`; every field defaults to unset.
    public init(
        type: String? = nil,
        rollingUpdate: RollingUpdateDaemonSet? = nil
    ) {
        self.type = type
        self.rollingUpdate = rollingUpdate
    }
}

/// Rolling update parameters of a DaemonSet.
public struct RollingUpdateDaemonSet: Codable, Sendable, Hashable {
    public var maxUnavailable: IntOrString?
    public var maxSurge: IntOrString?

    /// Creates a `RollingUpdateDaemonSet`; every field defaults to unset.
    public init(
        maxUnavailable: IntOrString? = nil,
        maxSurge: IntOrString? = nil
    ) {
        self.maxUnavailable = maxUnavailable
        self.maxSurge = maxSurge
    }
}

/// The observed state of a DaemonSet.
public struct DaemonSetStatus: Codable, Sendable, Hashable {
    public var currentNumberScheduled: Int?
    public var numberMisscheduled: Int?
    public var desiredNumberScheduled: Int?
    public var numberReady: Int?
    public var observedGeneration: Int?
    public var updatedNumberScheduled: Int?
    public var numberAvailable: Int?
    public var numberUnavailable: Int?
    public var collisionCount: Int?
    public var conditions: [DaemonSetCondition]?

    /// Creates a `DaemonSetStatus`; every field defaults to unset.
    public init(
        currentNumberScheduled: Int? = nil,
        numberMisscheduled: Int? = nil,
        desiredNumberScheduled: Int? = nil,
        numberReady: Int? = nil,
        observedGeneration: Int? = nil,
        updatedNumberScheduled: Int? = nil,
        numberAvailable: Int? = nil,
        numberUnavailable: Int? = nil,
        collisionCount: Int? = nil,
        conditions: [DaemonSetCondition]? = nil
    ) {
        self.currentNumberScheduled = currentNumberScheduled
        self.numberMisscheduled = numberMisscheduled
        self.desiredNumberScheduled = desiredNumberScheduled
        self.numberReady = numberReady
        self.observedGeneration = observedGeneration
        self.updatedNumberScheduled = updatedNumberScheduled
        self.numberAvailable = numberAvailable
        self.numberUnavailable = numberUnavailable
        self.collisionCount = collisionCount
        self.conditions = conditions
    }
}

/// A condition of a DaemonSet.
public struct DaemonSetCondition: Codable, Sendable, Hashable {
    public var type: String?
    public var status: String?
    public var lastTransitionTime: String?
    public var reason: String?
    public var message: String?

    /// Creates a `DaemonSetCondition`; every field defaults to unset.
    public init(
        type: String? = nil,
        status: String? = nil,
        lastTransitionTime: String? = nil,
        reason: String? = nil,
        message: String? = nil
    ) {
        self.type = type
        self.status = status
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

/// Runs Pods with stable names, ordinals and storage (apps/v1 StatefulSet).
public struct StatefulSet: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .statefulSets }
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: StatefulSetSpec?
    public var status: StatefulSetStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: StatefulSetSpec? = nil, status: StatefulSetStatus? = nil) {
        self.apiVersion = "apps/v1"
        self.kind = "StatefulSet"
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
        spec = try c.decodeIfPresent(StatefulSetSpec.self, forKey: .spec)
        status = try c.decodeIfPresent(StatefulSetStatus.self, forKey: .status)
    }
}

/// The desired state of a StatefulSet.
public struct StatefulSetSpec: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
    /// PersistentVolumeClaim templates, kept as sent (claims are not provisioned yet).
    public var volumeClaimTemplates: [JSONValue]?
    /// The headless Service that gives each pod its DNS name (`name-0.service.namespace.svc`).
    public var serviceName: String?
    /// OrderedReady (one at a time, in order) or Parallel.
    public var podManagementPolicy: String?
    public var updateStrategy: StatefulSetUpdateStrategy?
    public var revisionHistoryLimit: Int?
    public var minReadySeconds: Int?
    public var persistentVolumeClaimRetentionPolicy: JSONValue?
    public var ordinals: StatefulSetOrdinals?
    public init() {}
}

/// The first ordinal of a StatefulSet's pods.
public struct StatefulSetOrdinals: Codable, Sendable, Hashable {
    public var start: Int?
    public init(start: Int? = nil) { self.start = start }
}

/// How a StatefulSet replaces its Pods.
public struct StatefulSetUpdateStrategy: Codable, Sendable, Hashable {
    /// RollingUpdate or OnDelete.
    public var type: String?
    public var rollingUpdate: RollingUpdateStatefulSetStrategy?
    public init(type: String? = nil, rollingUpdate: RollingUpdateStatefulSetStrategy? = nil) {
        self.type = type
        self.rollingUpdate = rollingUpdate
    }
}

/// Rolling update parameters of a StatefulSet.
public struct RollingUpdateStatefulSetStrategy: Codable, Sendable, Hashable {
    /// Pods with an ordinal below it keep the current revision.
    public var partition: Int?
    public var maxUnavailable: IntOrString?
    public init(partition: Int? = nil, maxUnavailable: IntOrString? = nil) {
        self.partition = partition
        self.maxUnavailable = maxUnavailable
    }
}

/// The observed state of a StatefulSet.
public struct StatefulSetStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int?
    public var replicas: Int?
    public var readyReplicas: Int?
    public var currentReplicas: Int?
    public var updatedReplicas: Int?
    public var currentRevision: String?
    public var updateRevision: String?
    public var collisionCount: Int?
    public var availableReplicas: Int?
    public var conditions: [DaemonSetCondition]?
    public init() {}
}

/// The original replicated-pods kind (core/v1 ReplicationController): a ReplicaSet with an equality-only
/// selector, still found in older manifests and in kubectl's default prune list.
public struct ReplicationController: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .replicationControllers }
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ReplicationControllerSpec?
    /// The same fields as a ReplicaSet's status (less `terminatingReplicas`).
    public var status: ReplicaSetStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: ReplicationControllerSpec? = nil, status: ReplicaSetStatus? = nil) {
        self.apiVersion = "v1"
        self.kind = "ReplicationController"
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
        spec = try c.decodeIfPresent(ReplicationControllerSpec.self, forKey: .spec)
        status = try c.decodeIfPresent(ReplicaSetStatus.self, forKey: .status)
    }

    /// The controller seen as the ReplicaSet it amounts to (its map selector as `matchLabels`).
    public var asReplicaSet: ReplicaSet {
        var spec = ReplicaSetSpec()
        spec.replicas = self.spec?.replicas
        spec.minReadySeconds = self.spec?.minReadySeconds
        spec.selector = LabelSelector(matchLabels: self.spec?.selector ?? [:])
        spec.template = self.spec?.template
        return ReplicaSet(metadata: metadata, spec: spec, status: status)
    }
}

/// The desired state of a ReplicationController.
public struct ReplicationControllerSpec: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var minReadySeconds: Int?
    /// Labels the pods must all have (defaults to the template's labels).
    public var selector: [String: String]?
    public var template: PodTemplateSpec?
    public init() {}
}
