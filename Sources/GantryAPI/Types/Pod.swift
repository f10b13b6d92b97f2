// Kubernetes API types (k8s.io/api), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// A group of containers run together on one node (core/v1 Pod).
public struct Pod: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .pods }
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: PodStatus?

    /// Creates a `Pod`; every field defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Pod",
        metadata: ObjectMeta = ObjectMeta(),
        spec: PodSpec? = nil,
        status: PodStatus? = nil
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
        self.spec = try c.decodeIfPresent(PodSpec.self, forKey: .spec)
        self.status = try c.decodeIfPresent(PodStatus.self, forKey: .status)
    }
}

/// The pod a workload controller creates: metadata and spec.
public struct PodTemplateSpec: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta?
    public var spec: PodSpec?

    /// Creates a `PodTemplateSpec`; every field defaults to unset.
    public init(
        metadata: ObjectMeta? = nil,
        spec: PodSpec? = nil
    ) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// The desired state of a Pod.
public struct PodSpec: Codable, Sendable, Hashable {
    public var volumes: [Volume]?
    public var initContainers: [Container]?
    public var containers: [Container]?
    public var ephemeralContainers: [JSONValue]?
    /// Always, OnFailure or Never.
    public var restartPolicy: String?
    public var terminationGracePeriodSeconds: Int?
    public var activeDeadlineSeconds: Int?
    /// ClusterFirst, ClusterFirstWithHostNet, Default or None.
    public var dnsPolicy: String?
    public var dnsConfig: PodDNSConfig?
    public var nodeSelector: [String: String]?
    public var serviceAccountName: String?
    public var serviceAccount: String?
    public var automountServiceAccountToken: Bool?
    public var nodeName: String?
    public var hostNetwork: Bool?
    public var hostPID: Bool?
    public var hostIPC: Bool?
    public var shareProcessNamespace: Bool?
    public var securityContext: PodSecurityContext?
    public var imagePullSecrets: [LocalObjectReference]?
    public var hostname: String?
    public var subdomain: String?
    public var setHostnameAsFQDN: Bool?
    public var affinity: Affinity?
    public var schedulerName: String?
    public var tolerations: [Toleration]?
    public var hostAliases: [HostAlias]?
    public var priorityClassName: String?
    public var priority: Int?
    public var preemptionPolicy: String?
    public var readinessGates: [PodReadinessGate]?
    public var runtimeClassName: String?
    public var topologySpreadConstraints: [TopologySpreadConstraint]?
    public var enableServiceLinks: Bool?
    public var overhead: [String: Quantity]?
    public var os: PodOS?
    public var schedulingGates: [PodSchedulingGate]?

    /// Creates a `PodSpec`; every field defaults to unset.
    public init(
        volumes: [Volume]? = nil,
        initContainers: [Container]? = nil,
        containers: [Container]? = nil,
        ephemeralContainers: [JSONValue]? = nil,
        restartPolicy: String? = nil,
        terminationGracePeriodSeconds: Int? = nil,
        activeDeadlineSeconds: Int? = nil,
        dnsPolicy: String? = nil,
        dnsConfig: PodDNSConfig? = nil,
        nodeSelector: [String: String]? = nil,
        serviceAccountName: String? = nil,
        serviceAccount: String? = nil,
        automountServiceAccountToken: Bool? = nil,
        nodeName: String? = nil,
        hostNetwork: Bool? = nil,
        hostPID: Bool? = nil,
        hostIPC: Bool? = nil,
        shareProcessNamespace: Bool? = nil,
        securityContext: PodSecurityContext? = nil,
        imagePullSecrets: [LocalObjectReference]? = nil,
        hostname: String? = nil,
        subdomain: String? = nil,
        setHostnameAsFQDN: Bool? = nil,
        affinity: Affinity? = nil,
        schedulerName: String? = nil,
        tolerations: [Toleration]? = nil,
        hostAliases: [HostAlias]? = nil,
        priorityClassName: String? = nil,
        priority: Int? = nil,
        preemptionPolicy: String? = nil,
        readinessGates: [PodReadinessGate]? = nil,
        runtimeClassName: String? = nil,
        topologySpreadConstraints: [TopologySpreadConstraint]? = nil,
        enableServiceLinks: Bool? = nil,
        overhead: [String: Quantity]? = nil,
        os: PodOS? = nil,
        schedulingGates: [PodSchedulingGate]? = nil
    ) {
        self.volumes = volumes
        self.initContainers = initContainers
        self.containers = containers
        self.ephemeralContainers = ephemeralContainers
        self.restartPolicy = restartPolicy
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
        self.activeDeadlineSeconds = activeDeadlineSeconds
        self.dnsPolicy = dnsPolicy
        self.dnsConfig = dnsConfig
        self.nodeSelector = nodeSelector
        self.serviceAccountName = serviceAccountName
        self.serviceAccount = serviceAccount
        self.automountServiceAccountToken = automountServiceAccountToken
        self.nodeName = nodeName
        self.hostNetwork = hostNetwork
        self.hostPID = hostPID
        self.hostIPC = hostIPC
        self.shareProcessNamespace = shareProcessNamespace
        self.securityContext = securityContext
        self.imagePullSecrets = imagePullSecrets
        self.hostname = hostname
        self.subdomain = subdomain
        self.setHostnameAsFQDN = setHostnameAsFQDN
        self.affinity = affinity
        self.schedulerName = schedulerName
        self.tolerations = tolerations
        self.hostAliases = hostAliases
        self.priorityClassName = priorityClassName
        self.priority = priority
        self.preemptionPolicy = preemptionPolicy
        self.readinessGates = readinessGates
        self.runtimeClassName = runtimeClassName
        self.topologySpreadConstraints = topologySpreadConstraints
        self.enableServiceLinks = enableServiceLinks
        self.overhead = overhead
        self.os = os
        self.schedulingGates = schedulingGates
    }
}

/// The operating system a Pod needs.
public struct PodOS: Codable, Sendable, Hashable {
    public var name: String?

    /// Creates a `PodOS`; every field defaults to unset.
    public init(
        name: String? = nil
    ) {
        self.name = name
    }
}

/// A gate that must be removed before a Pod is scheduled.
public struct PodSchedulingGate: Codable, Sendable, Hashable {
    public var name: String?

    /// Creates a `PodSchedulingGate`; every field defaults to unset.
    public init(
        name: String? = nil
    ) {
        self.name = name
    }
}

/// An extra condition a Pod needs to be ready.
public struct PodReadinessGate: Codable, Sendable, Hashable {
    public var conditionType: String?

    /// Creates a `PodReadinessGate`; every field defaults to unset.
    public init(
        conditionType: String? = nil
    ) {
        self.conditionType = conditionType
    }
}

/// DNS parameters of a Pod beyond its dnsPolicy.
public struct PodDNSConfig: Codable, Sendable, Hashable {
    public var nameservers: [String]?
    public var searches: [String]?
    public var options: [PodDNSConfigOption]?

    /// Creates a `PodDNSConfig`; every field defaults to unset.
    public init(
        nameservers: [String]? = nil,
        searches: [String]? = nil,
        options: [PodDNSConfigOption]? = nil
    ) {
        self.nameservers = nameservers
        self.searches = searches
        self.options = options
    }
}

/// One resolver option.
public struct PodDNSConfigOption: Codable, Sendable, Hashable {
    public var name: String?
    public var value: String?

    /// Creates a `PodDNSConfigOption`; every field defaults to unset.
    public init(
        name: String? = nil,
        value: String? = nil
    ) {
        self.name = name
        self.value = value
    }
}

/// Pod-level security attributes.
public struct PodSecurityContext: Codable, Sendable, Hashable {
    public var runAsUser: Int?
    public var runAsGroup: Int?
    public var runAsNonRoot: Bool?
    public var fsGroup: Int?
    public var fsGroupChangePolicy: String?
    public var supplementalGroups: [Int]?
    public var sysctls: [Sysctl]?
    public var seccompProfile: SeccompProfile?

    /// Creates a `PodSecurityContext`; every field defaults to unset.
    public init(
        runAsUser: Int? = nil,
        runAsGroup: Int? = nil,
        runAsNonRoot: Bool? = nil,
        fsGroup: Int? = nil,
        fsGroupChangePolicy: String? = nil,
        supplementalGroups: [Int]? = nil,
        sysctls: [Sysctl]? = nil,
        seccompProfile: SeccompProfile? = nil
    ) {
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.runAsNonRoot = runAsNonRoot
        self.fsGroup = fsGroup
        self.fsGroupChangePolicy = fsGroupChangePolicy
        self.supplementalGroups = supplementalGroups
        self.sysctls = sysctls
        self.seccompProfile = seccompProfile
    }
}

/// A seccomp profile selection.
public struct SeccompProfile: Codable, Sendable, Hashable {
    public var type: String?
    public var localhostProfile: String?

    /// Creates a `SeccompProfile`; every field defaults to unset.
    public init(
        type: String? = nil,
        localhostProfile: String? = nil
    ) {
        self.type = type
        self.localhostProfile = localhostProfile
    }
}

/// A kernel parameter set for a Pod.
public struct Sysctl: Codable, Sendable, Hashable {
    public var name: String?
    public var value: String?

    /// Creates a `Sysctl`; every field defaults to unset.
    public init(
        name: String? = nil,
        value: String? = nil
    ) {
        self.name = name
        self.value = value
    }
}

/// An /etc/hosts entry.
public struct HostAlias: Codable, Sendable, Hashable {
    public var ip: String?
    public var hostnames: [String]?

    /// Creates a `HostAlias`; every field defaults to unset.
    public init(
        ip: String? = nil,
        hostnames: [String]? = nil
    ) {
        self.ip = ip
        self.hostnames = hostnames
    }
}

/// Lets a Pod schedule onto Nodes with a matching taint.
public struct Toleration: Codable, Sendable, Hashable {
    public var key: String?
    /// Exists or Equal.
    public var `operator`: String?
    public var value: String?
    public var effect: String?
    public var tolerationSeconds: Int?

    /// Creates a `Toleration`; every field defaults to unset.
    public init(
        key: String? = nil,
        `operator`: String? = nil,
        value: String? = nil,
        effect: String? = nil,
        tolerationSeconds: Int? = nil
    ) {
        self.key = key
        self.`operator` = `operator`
        self.value = value
        self.effect = effect
        self.tolerationSeconds = tolerationSeconds
    }
}

/// How to spread matching Pods across a topology.
public struct TopologySpreadConstraint: Codable, Sendable, Hashable {
    public var maxSkew: Int?
    public var topologyKey: String?
    /// DoNotSchedule or ScheduleAnyway.
    public var whenUnsatisfiable: String?
    public var labelSelector: LabelSelector?
    public var minDomains: Int?
    public var matchLabelKeys: [String]?
    public var nodeAffinityPolicy: String?
    public var nodeTaintsPolicy: String?

    /// Creates a `TopologySpreadConstraint`; every field defaults to unset.
    public init(
        maxSkew: Int? = nil,
        topologyKey: String? = nil,
        whenUnsatisfiable: String? = nil,
        labelSelector: LabelSelector? = nil,
        minDomains: Int? = nil,
        matchLabelKeys: [String]? = nil,
        nodeAffinityPolicy: String? = nil,
        nodeTaintsPolicy: String? = nil
    ) {
        self.maxSkew = maxSkew
        self.topologyKey = topologyKey
        self.whenUnsatisfiable = whenUnsatisfiable
        self.labelSelector = labelSelector
        self.minDomains = minDomains
        self.matchLabelKeys = matchLabelKeys
        self.nodeAffinityPolicy = nodeAffinityPolicy
        self.nodeTaintsPolicy = nodeTaintsPolicy
    }
}

/// Scheduling constraints of a Pod.
public struct Affinity: Codable, Sendable, Hashable {
    public var nodeAffinity: NodeAffinity?
    public var podAffinity: PodAffinity?
    public var podAntiAffinity: PodAntiAffinity?

    /// Creates a `Affinity`; every field defaults to unset.
    public init(
        nodeAffinity: NodeAffinity? = nil,
        podAffinity: PodAffinity? = nil,
        podAntiAffinity: PodAntiAffinity? = nil
    ) {
        self.nodeAffinity = nodeAffinity
        self.podAffinity = podAffinity
        self.podAntiAffinity = podAntiAffinity
    }
}

/// Node affinity rules.
public struct NodeAffinity: Codable, Sendable, Hashable {
    public var requiredDuringSchedulingIgnoredDuringExecution: NodeSelector?
    public var preferredDuringSchedulingIgnoredDuringExecution: [PreferredSchedulingTerm]?

    /// Creates a `NodeAffinity`; every field defaults to unset.
    public init(
        requiredDuringSchedulingIgnoredDuringExecution: NodeSelector? = nil,
        preferredDuringSchedulingIgnoredDuringExecution: [PreferredSchedulingTerm]? = nil
    ) {
        self.requiredDuringSchedulingIgnoredDuringExecution = requiredDuringSchedulingIgnoredDuringExecution
        self.preferredDuringSchedulingIgnoredDuringExecution = preferredDuringSchedulingIgnoredDuringExecution
    }
}

/// Terms ORed together to select Nodes.
public struct NodeSelector: Codable, Sendable, Hashable {
    public var nodeSelectorTerms: [NodeSelectorTerm]?

    /// Creates a `NodeSelector`; every field defaults to unset.
    public init(
        nodeSelectorTerms: [NodeSelectorTerm]? = nil
    ) {
        self.nodeSelectorTerms = nodeSelectorTerms
    }
}

/// Requirements ANDed together to select Nodes.
public struct NodeSelectorTerm: Codable, Sendable, Hashable {
    public var matchExpressions: [NodeSelectorRequirement]?
    public var matchFields: [NodeSelectorRequirement]?

    /// Creates a `NodeSelectorTerm`; every field defaults to unset.
    public init(
        matchExpressions: [NodeSelectorRequirement]? = nil,
        matchFields: [NodeSelectorRequirement]? = nil
    ) {
        self.matchExpressions = matchExpressions
        self.matchFields = matchFields
    }
}

/// One node selector requirement: key, operator (In, NotIn, Exists, DoesNotExist, Gt, Lt), values.
public struct NodeSelectorRequirement: Codable, Sendable, Hashable {
    public var key: String?
    public var `operator`: String?
    public var values: [String]?

    /// Creates a `NodeSelectorRequirement`; every field defaults to unset.
    public init(
        key: String? = nil,
        `operator`: String? = nil,
        values: [String]? = nil
    ) {
        self.key = key
        self.`operator` = `operator`
        self.values = values
    }
}

/// A weighted preferred node selector term.
public struct PreferredSchedulingTerm: Codable, Sendable, Hashable {
    public var weight: Int?
    public var preference: NodeSelectorTerm?

    /// Creates a `PreferredSchedulingTerm`; every field defaults to unset.
    public init(
        weight: Int? = nil,
        preference: NodeSelectorTerm? = nil
    ) {
        self.weight = weight
        self.preference = preference
    }
}

/// Inter-pod affinity rules.
public struct PodAffinity: Codable, Sendable, Hashable {
    public var requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]?
    public var preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]?

    /// Creates a `PodAffinity`; every field defaults to unset.
    public init(
        requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]? = nil,
        preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]? = nil
    ) {
        self.requiredDuringSchedulingIgnoredDuringExecution = requiredDuringSchedulingIgnoredDuringExecution
        self.preferredDuringSchedulingIgnoredDuringExecution = preferredDuringSchedulingIgnoredDuringExecution
    }
}

/// Inter-pod anti-affinity rules.
public struct PodAntiAffinity: Codable, Sendable, Hashable {
    public var requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]?
    public var preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]?

    /// Creates a `PodAntiAffinity`; every field defaults to unset.
    public init(
        requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]? = nil,
        preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]? = nil
    ) {
        self.requiredDuringSchedulingIgnoredDuringExecution = requiredDuringSchedulingIgnoredDuringExecution
        self.preferredDuringSchedulingIgnoredDuringExecution = preferredDuringSchedulingIgnoredDuringExecution
    }
}

/// Pods (by label selector and namespaces) that must be co-located in a topology domain.
public struct PodAffinityTerm: Codable, Sendable, Hashable {
    public var labelSelector: LabelSelector?
    public var namespaces: [String]?
    public var topologyKey: String?
    public var namespaceSelector: LabelSelector?
    public var matchLabelKeys: [String]?
    public var mismatchLabelKeys: [String]?

    /// Creates a `PodAffinityTerm`; every field defaults to unset.
    public init(
        labelSelector: LabelSelector? = nil,
        namespaces: [String]? = nil,
        topologyKey: String? = nil,
        namespaceSelector: LabelSelector? = nil,
        matchLabelKeys: [String]? = nil,
        mismatchLabelKeys: [String]? = nil
    ) {
        self.labelSelector = labelSelector
        self.namespaces = namespaces
        self.topologyKey = topologyKey
        self.namespaceSelector = namespaceSelector
        self.matchLabelKeys = matchLabelKeys
        self.mismatchLabelKeys = mismatchLabelKeys
    }
}

/// A weighted pod affinity term.
public struct WeightedPodAffinityTerm: Codable, Sendable, Hashable {
    public var weight: Int?
    public var podAffinityTerm: PodAffinityTerm?

    /// Creates a `WeightedPodAffinityTerm`; every field defaults to unset.
    public init(
        weight: Int? = nil,
        podAffinityTerm: PodAffinityTerm? = nil
    ) {
        self.weight = weight
        self.podAffinityTerm = podAffinityTerm
    }
}

/// One container of a Pod.
public struct Container: Codable, Sendable, Hashable {
    public var name: String?
    public var image: String?
    public var command: [String]?
    public var args: [String]?
    public var workingDir: String?
    public var ports: [ContainerPort]?
    public var envFrom: [EnvFromSource]?
    public var env: [EnvVar]?
    public var resources: ResourceRequirements?
    /// Only `Always`, on init containers (sidecars).
    public var restartPolicy: String?
    public var volumeMounts: [VolumeMount]?
    public var livenessProbe: Probe?
    public var readinessProbe: Probe?
    public var startupProbe: Probe?
    public var lifecycle: Lifecycle?
    public var terminationMessagePath: String?
    /// File or FallbackToLogsOnError.
    public var terminationMessagePolicy: String?
    /// Always, IfNotPresent or Never.
    public var imagePullPolicy: String?
    public var securityContext: SecurityContext?
    public var stdin: Bool?
    public var stdinOnce: Bool?
    public var tty: Bool?

    /// Creates a `Container`; every field defaults to unset.
    public init(
        name: String? = nil,
        image: String? = nil,
        command: [String]? = nil,
        args: [String]? = nil,
        workingDir: String? = nil,
        ports: [ContainerPort]? = nil,
        envFrom: [EnvFromSource]? = nil,
        env: [EnvVar]? = nil,
        resources: ResourceRequirements? = nil,
        restartPolicy: String? = nil,
        volumeMounts: [VolumeMount]? = nil,
        livenessProbe: Probe? = nil,
        readinessProbe: Probe? = nil,
        startupProbe: Probe? = nil,
        lifecycle: Lifecycle? = nil,
        terminationMessagePath: String? = nil,
        terminationMessagePolicy: String? = nil,
        imagePullPolicy: String? = nil,
        securityContext: SecurityContext? = nil,
        stdin: Bool? = nil,
        stdinOnce: Bool? = nil,
        tty: Bool? = nil
    ) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.workingDir = workingDir
        self.ports = ports
        self.envFrom = envFrom
        self.env = env
        self.resources = resources
        self.restartPolicy = restartPolicy
        self.volumeMounts = volumeMounts
        self.livenessProbe = livenessProbe
        self.readinessProbe = readinessProbe
        self.startupProbe = startupProbe
        self.lifecycle = lifecycle
        self.terminationMessagePath = terminationMessagePath
        self.terminationMessagePolicy = terminationMessagePolicy
        self.imagePullPolicy = imagePullPolicy
        self.securityContext = securityContext
        self.stdin = stdin
        self.stdinOnce = stdinOnce
        self.tty = tty
    }
}

/// A network port exposed by a container.
public struct ContainerPort: Codable, Sendable, Hashable {
    public var name: String?
    public var hostPort: Int?
    public var containerPort: Int?
    /// TCP, UDP or SCTP.
    public var `protocol`: String?
    public var hostIP: String?

    /// Creates a `ContainerPort`; every field defaults to unset.
    public init(
        name: String? = nil,
        hostPort: Int? = nil,
        containerPort: Int? = nil,
        `protocol`: String? = nil,
        hostIP: String? = nil
    ) {
        self.name = name
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.`protocol` = `protocol`
        self.hostIP = hostIP
    }
}

/// A source of many environment variables.
public struct EnvFromSource: Codable, Sendable, Hashable {
    public var prefix: String?
    public var configMapRef: ConfigMapEnvSource?
    public var secretRef: SecretEnvSource?

    /// Creates a `EnvFromSource`; every field defaults to unset.
    public init(
        prefix: String? = nil,
        configMapRef: ConfigMapEnvSource? = nil,
        secretRef: SecretEnvSource? = nil
    ) {
        self.prefix = prefix
        self.configMapRef = configMapRef
        self.secretRef = secretRef
    }
}

/// Takes all keys of a ConfigMap as environment variables.
public struct ConfigMapEnvSource: Codable, Sendable, Hashable {
    public var name: String?
    public var optional: Bool?

    /// Creates a `ConfigMapEnvSource`; every field defaults to unset.
    public init(
        name: String? = nil,
        optional: Bool? = nil
    ) {
        self.name = name
        self.optional = optional
    }
}

/// Takes all keys of a Secret as environment variables.
public struct SecretEnvSource: Codable, Sendable, Hashable {
    public var name: String?
    public var optional: Bool?

    /// Creates a `SecretEnvSource`; every field defaults to unset.
    public init(
        name: String? = nil,
        optional: Bool? = nil
    ) {
        self.name = name
        self.optional = optional
    }
}

/// One environment variable.
public struct EnvVar: Codable, Sendable, Hashable {
    public var name: String?
    public var value: String?
    public var valueFrom: EnvVarSource?

    /// Creates a `EnvVar`; every field defaults to unset.
    public init(
        name: String? = nil,
        value: String? = nil,
        valueFrom: EnvVarSource? = nil
    ) {
        self.name = name
        self.value = value
        self.valueFrom = valueFrom
    }
}

/// Where an environment variable's value comes from.
public struct EnvVarSource: Codable, Sendable, Hashable {
    public var fieldRef: ObjectFieldSelector?
    public var resourceFieldRef: ResourceFieldSelector?
    public var configMapKeyRef: ConfigMapKeySelector?
    public var secretKeyRef: SecretKeySelector?

    /// Creates a `EnvVarSource`; every field defaults to unset.
    public init(
        fieldRef: ObjectFieldSelector? = nil,
        resourceFieldRef: ResourceFieldSelector? = nil,
        configMapKeyRef: ConfigMapKeySelector? = nil,
        secretKeyRef: SecretKeySelector? = nil
    ) {
        self.fieldRef = fieldRef
        self.resourceFieldRef = resourceFieldRef
        self.configMapKeyRef = configMapKeyRef
        self.secretKeyRef = secretKeyRef
    }
}

/// Selects a field of the Pod (`metadata.name`, `status.podIP`).
public struct ObjectFieldSelector: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var fieldPath: String?

    /// Creates a `ObjectFieldSelector`; every field defaults to unset.
    public init(
        apiVersion: String? = nil,
        fieldPath: String? = nil
    ) {
        self.apiVersion = apiVersion
        self.fieldPath = fieldPath
    }
}

/// Selects a container's resource (`limits.cpu`).
public struct ResourceFieldSelector: Codable, Sendable, Hashable {
    public var containerName: String?
    public var resource: String?
    public var divisor: Quantity?

    /// Creates a `ResourceFieldSelector`; every field defaults to unset.
    public init(
        containerName: String? = nil,
        resource: String? = nil,
        divisor: Quantity? = nil
    ) {
        self.containerName = containerName
        self.resource = resource
        self.divisor = divisor
    }
}

/// Selects one key of a ConfigMap.
public struct ConfigMapKeySelector: Codable, Sendable, Hashable {
    public var name: String?
    public var key: String?
    public var optional: Bool?

    /// Creates a `ConfigMapKeySelector`; every field defaults to unset.
    public init(
        name: String? = nil,
        key: String? = nil,
        optional: Bool? = nil
    ) {
        self.name = name
        self.key = key
        self.optional = optional
    }
}

/// Selects one key of a Secret.
public struct SecretKeySelector: Codable, Sendable, Hashable {
    public var name: String?
    public var key: String?
    public var optional: Bool?

    /// Creates a `SecretKeySelector`; every field defaults to unset.
    public init(
        name: String? = nil,
        key: String? = nil,
        optional: Bool? = nil
    ) {
        self.name = name
        self.key = key
        self.optional = optional
    }
}

/// Compute resource limits and requests of a container.
public struct ResourceRequirements: Codable, Sendable, Hashable {
    public var limits: [String: Quantity]?
    public var requests: [String: Quantity]?

    /// Creates a `ResourceRequirements`; every field defaults to unset.
    public init(
        limits: [String: Quantity]? = nil,
        requests: [String: Quantity]? = nil
    ) {
        self.limits = limits
        self.requests = requests
    }
}

/// Mounts a Volume into a container.
public struct VolumeMount: Codable, Sendable, Hashable {
    public var name: String?
    public var readOnly: Bool?
    public var mountPath: String?
    public var subPath: String?
    public var subPathExpr: String?
    public var mountPropagation: String?

    /// Creates a `VolumeMount`; every field defaults to unset.
    public init(
        name: String? = nil,
        readOnly: Bool? = nil,
        mountPath: String? = nil,
        subPath: String? = nil,
        subPathExpr: String? = nil,
        mountPropagation: String? = nil
    ) {
        self.name = name
        self.readOnly = readOnly
        self.mountPath = mountPath
        self.subPath = subPath
        self.subPathExpr = subPathExpr
        self.mountPropagation = mountPropagation
    }
}

/// A health check of a container (exec, httpGet, tcpSocket or grpc) and its timing.
public struct Probe: Codable, Sendable, Hashable {
    public var exec: ExecAction?
    public var httpGet: HTTPGetAction?
    public var tcpSocket: TCPSocketAction?
    public var grpc: GRPCAction?
    public var initialDelaySeconds: Int?
    public var timeoutSeconds: Int?
    public var periodSeconds: Int?
    public var successThreshold: Int?
    public var failureThreshold: Int?
    public var terminationGracePeriodSeconds: Int?

    /// Creates a `Probe`; every field defaults to unset.
    public init(
        exec: ExecAction? = nil,
        httpGet: HTTPGetAction? = nil,
        tcpSocket: TCPSocketAction? = nil,
        grpc: GRPCAction? = nil,
        initialDelaySeconds: Int? = nil,
        timeoutSeconds: Int? = nil,
        periodSeconds: Int? = nil,
        successThreshold: Int? = nil,
        failureThreshold: Int? = nil,
        terminationGracePeriodSeconds: Int? = nil
    ) {
        self.exec = exec
        self.httpGet = httpGet
        self.tcpSocket = tcpSocket
        self.grpc = grpc
        self.initialDelaySeconds = initialDelaySeconds
        self.timeoutSeconds = timeoutSeconds
        self.periodSeconds = periodSeconds
        self.successThreshold = successThreshold
        self.failureThreshold = failureThreshold
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
    }
}

/// Runs a command in the container.
public struct ExecAction: Codable, Sendable, Hashable {
    public var command: [String]?

    /// Creates a `ExecAction`; every field defaults to unset.
    public init(
        command: [String]? = nil
    ) {
        self.command = command
    }
}

/// An HTTP GET request against the container.
public struct HTTPGetAction: Codable, Sendable, Hashable {
    public var path: String?
    public var port: IntOrString?
    public var host: String?
    /// HTTP or HTTPS.
    public var scheme: String?
    public var httpHeaders: [HTTPHeader]?

    /// Creates a `HTTPGetAction`; every field defaults to unset.
    public init(
        path: String? = nil,
        port: IntOrString? = nil,
        host: String? = nil,
        scheme: String? = nil,
        httpHeaders: [HTTPHeader]? = nil
    ) {
        self.path = path
        self.port = port
        self.host = host
        self.scheme = scheme
        self.httpHeaders = httpHeaders
    }
}

/// One HTTP header of a probe.
public struct HTTPHeader: Codable, Sendable, Hashable {
    public var name: String?
    public var value: String?

    /// Creates a `HTTPHeader`; every field defaults to unset.
    public init(
        name: String? = nil,
        value: String? = nil
    ) {
        self.name = name
        self.value = value
    }
}

/// Opens a TCP connection to the container.
public struct TCPSocketAction: Codable, Sendable, Hashable {
    public var port: IntOrString?
    public var host: String?

    /// Creates a `TCPSocketAction`; every field defaults to unset.
    public init(
        port: IntOrString? = nil,
        host: String? = nil
    ) {
        self.port = port
        self.host = host
    }
}

/// A gRPC health check.
public struct GRPCAction: Codable, Sendable, Hashable {
    public var port: Int?
    public var service: String?

    /// Creates a `GRPCAction`; every field defaults to unset.
    public init(
        port: Int? = nil,
        service: String? = nil
    ) {
        self.port = port
        self.service = service
    }
}

/// Hooks run after a container starts and before it stops.
public struct Lifecycle: Codable, Sendable, Hashable {
    public var postStart: LifecycleHandler?
    public var preStop: LifecycleHandler?

    /// Creates a `Lifecycle`; every field defaults to unset.
    public init(
        postStart: LifecycleHandler? = nil,
        preStop: LifecycleHandler? = nil
    ) {
        self.postStart = postStart
        self.preStop = preStop
    }
}

/// One lifecycle hook action.
public struct LifecycleHandler: Codable, Sendable, Hashable {
    public var exec: ExecAction?
    public var httpGet: HTTPGetAction?
    public var tcpSocket: TCPSocketAction?
    public var sleep: SleepAction?

    /// Creates a `LifecycleHandler`; every field defaults to unset.
    public init(
        exec: ExecAction? = nil,
        httpGet: HTTPGetAction? = nil,
        tcpSocket: TCPSocketAction? = nil,
        sleep: SleepAction? = nil
    ) {
        self.exec = exec
        self.httpGet = httpGet
        self.tcpSocket = tcpSocket
        self.sleep = sleep
    }
}

/// Sleeps for a number of seconds.
public struct SleepAction: Codable, Sendable, Hashable {
    public var seconds: Int?

    /// Creates a `SleepAction`; every field defaults to unset.
    public init(
        seconds: Int? = nil
    ) {
        self.seconds = seconds
    }
}

/// Container-level security attributes.
public struct SecurityContext: Codable, Sendable, Hashable {
    public var capabilities: Capabilities?
    public var privileged: Bool?
    public var runAsUser: Int?
    public var runAsGroup: Int?
    public var runAsNonRoot: Bool?
    public var readOnlyRootFilesystem: Bool?
    public var allowPrivilegeEscalation: Bool?
    public var procMount: String?
    public var seccompProfile: SeccompProfile?

    /// Creates a `SecurityContext`; every field defaults to unset.
    public init(
        capabilities: Capabilities? = nil,
        privileged: Bool? = nil,
        runAsUser: Int? = nil,
        runAsGroup: Int? = nil,
        runAsNonRoot: Bool? = nil,
        readOnlyRootFilesystem: Bool? = nil,
        allowPrivilegeEscalation: Bool? = nil,
        procMount: String? = nil,
        seccompProfile: SeccompProfile? = nil
    ) {
        self.capabilities = capabilities
        self.privileged = privileged
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.runAsNonRoot = runAsNonRoot
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.allowPrivilegeEscalation = allowPrivilegeEscalation
        self.procMount = procMount
        self.seccompProfile = seccompProfile
    }
}

/// Linux capabilities added and dropped.
public struct Capabilities: Codable, Sendable, Hashable {
    public var add: [String]?
    public var drop: [String]?

    /// Creates a `Capabilities`; every field defaults to unset.
    public init(
        add: [String]? = nil,
        drop: [String]? = nil
    ) {
        self.add = add
        self.drop = drop
    }
}

/// A named volume of a Pod, with exactly one source.
public struct Volume: Codable, Sendable, Hashable {
    public var name: String?
    public var hostPath: HostPathVolumeSource?
    public var emptyDir: EmptyDirVolumeSource?
    public var configMap: ConfigMapVolumeSource?
    public var secret: SecretVolumeSource?
    public var projected: ProjectedVolumeSource?
    public var downwardAPI: DownwardAPIVolumeSource?
    public var persistentVolumeClaim: PersistentVolumeClaimVolumeSource?

    /// Creates a `Volume`; every field defaults to unset.
    public init(
        name: String? = nil,
        hostPath: HostPathVolumeSource? = nil,
        emptyDir: EmptyDirVolumeSource? = nil,
        configMap: ConfigMapVolumeSource? = nil,
        secret: SecretVolumeSource? = nil,
        projected: ProjectedVolumeSource? = nil,
        downwardAPI: DownwardAPIVolumeSource? = nil,
        persistentVolumeClaim: PersistentVolumeClaimVolumeSource? = nil
    ) {
        self.name = name
        self.hostPath = hostPath
        self.emptyDir = emptyDir
        self.configMap = configMap
        self.secret = secret
        self.projected = projected
        self.downwardAPI = downwardAPI
        self.persistentVolumeClaim = persistentVolumeClaim
    }
}

/// A directory or file of the host.
public struct HostPathVolumeSource: Codable, Sendable, Hashable {
    public var path: String?
    public var type: String?

    /// Creates a `HostPathVolumeSource`; every field defaults to unset.
    public init(
        path: String? = nil,
        type: String? = nil
    ) {
        self.path = path
        self.type = type
    }
}

/// A temporary directory that lives as long as the Pod.
public struct EmptyDirVolumeSource: Codable, Sendable, Hashable {
    public var medium: String?
    public var sizeLimit: Quantity?

    /// Creates a `EmptyDirVolumeSource`; every field defaults to unset.
    public init(
        medium: String? = nil,
        sizeLimit: Quantity? = nil
    ) {
        self.medium = medium
        self.sizeLimit = sizeLimit
    }
}

/// Projects one key to a relative path in a volume.
public struct KeyToPath: Codable, Sendable, Hashable {
    public var key: String?
    public var path: String?
    public var mode: Int?

    /// Creates a `KeyToPath`; every field defaults to unset.
    public init(
        key: String? = nil,
        path: String? = nil,
        mode: Int? = nil
    ) {
        self.key = key
        self.path = path
        self.mode = mode
    }
}

/// Projects a ConfigMap's keys as files.
public struct ConfigMapVolumeSource: Codable, Sendable, Hashable {
    public var name: String?
    public var items: [KeyToPath]?
    public var defaultMode: Int?
    public var optional: Bool?

    /// Creates a `ConfigMapVolumeSource`; every field defaults to unset.
    public init(
        name: String? = nil,
        items: [KeyToPath]? = nil,
        defaultMode: Int? = nil,
        optional: Bool? = nil
    ) {
        self.name = name
        self.items = items
        self.defaultMode = defaultMode
        self.optional = optional
    }
}

/// Projects a Secret's keys as files.
public struct SecretVolumeSource: Codable, Sendable, Hashable {
    public var secretName: String?
    public var items: [KeyToPath]?
    public var defaultMode: Int?
    public var optional: Bool?

    /// Creates a `SecretVolumeSource`; every field defaults to unset.
    public init(
        secretName: String? = nil,
        items: [KeyToPath]? = nil,
        defaultMode: Int? = nil,
        optional: Bool? = nil
    ) {
        self.secretName = secretName
        self.items = items
        self.defaultMode = defaultMode
        self.optional = optional
    }
}

/// Several sources projected into one directory.
public struct ProjectedVolumeSource: Codable, Sendable, Hashable {
    public var sources: [VolumeProjection]?
    public var defaultMode: Int?

    /// Creates a `ProjectedVolumeSource`; every field defaults to unset.
    public init(
        sources: [VolumeProjection]? = nil,
        defaultMode: Int? = nil
    ) {
        self.sources = sources
        self.defaultMode = defaultMode
    }
}

/// One source of a projected volume.
public struct VolumeProjection: Codable, Sendable, Hashable {
    public var configMap: ConfigMapProjection?
    public var secret: SecretProjection?
    public var downwardAPI: DownwardAPIProjection?
    public var serviceAccountToken: ServiceAccountTokenProjection?

    /// Creates a `VolumeProjection`; every field defaults to unset.
    public init(
        configMap: ConfigMapProjection? = nil,
        secret: SecretProjection? = nil,
        downwardAPI: DownwardAPIProjection? = nil,
        serviceAccountToken: ServiceAccountTokenProjection? = nil
    ) {
        self.configMap = configMap
        self.secret = secret
        self.downwardAPI = downwardAPI
        self.serviceAccountToken = serviceAccountToken
    }
}

/// A ConfigMap in a projected volume.
public struct ConfigMapProjection: Codable, Sendable, Hashable {
    public var name: String?
    public var items: [KeyToPath]?
    public var optional: Bool?

    /// Creates a `ConfigMapProjection`; every field defaults to unset.
    public init(
        name: String? = nil,
        items: [KeyToPath]? = nil,
        optional: Bool? = nil
    ) {
        self.name = name
        self.items = items
        self.optional = optional
    }
}

/// A Secret in a projected volume.
public struct SecretProjection: Codable, Sendable, Hashable {
    public var name: String?
    public var items: [KeyToPath]?
    public var optional: Bool?

    /// Creates a `SecretProjection`; every field defaults to unset.
    public init(
        name: String? = nil,
        items: [KeyToPath]? = nil,
        optional: Bool? = nil
    ) {
        self.name = name
        self.items = items
        self.optional = optional
    }
}

/// Downward API files in a projected volume.
public struct DownwardAPIProjection: Codable, Sendable, Hashable {
    public var items: [DownwardAPIVolumeFile]?

    /// Creates a `DownwardAPIProjection`; every field defaults to unset.
    public init(
        items: [DownwardAPIVolumeFile]? = nil
    ) {
        self.items = items
    }
}

/// A service account token in a projected volume.
public struct ServiceAccountTokenProjection: Codable, Sendable, Hashable {
    public var audience: String?
    public var expirationSeconds: Int?
    public var path: String?

    /// Creates a `ServiceAccountTokenProjection`; every field defaults to unset.
    public init(
        audience: String? = nil,
        expirationSeconds: Int? = nil,
        path: String? = nil
    ) {
        self.audience = audience
        self.expirationSeconds = expirationSeconds
        self.path = path
    }
}

/// Pod fields projected as files.
public struct DownwardAPIVolumeSource: Codable, Sendable, Hashable {
    public var items: [DownwardAPIVolumeFile]?
    public var defaultMode: Int?

    /// Creates a `DownwardAPIVolumeSource`; every field defaults to unset.
    public init(
        items: [DownwardAPIVolumeFile]? = nil,
        defaultMode: Int? = nil
    ) {
        self.items = items
        self.defaultMode = defaultMode
    }
}

/// One downward API file.
public struct DownwardAPIVolumeFile: Codable, Sendable, Hashable {
    public var path: String?
    public var fieldRef: ObjectFieldSelector?
    public var resourceFieldRef: ResourceFieldSelector?
    public var mode: Int?

    /// Creates a `DownwardAPIVolumeFile`; every field defaults to unset.
    public init(
        path: String? = nil,
        fieldRef: ObjectFieldSelector? = nil,
        resourceFieldRef: ResourceFieldSelector? = nil,
        mode: Int? = nil
    ) {
        self.path = path
        self.fieldRef = fieldRef
        self.resourceFieldRef = resourceFieldRef
        self.mode = mode
    }
}

/// A reference to a PersistentVolumeClaim.
public struct PersistentVolumeClaimVolumeSource: Codable, Sendable, Hashable {
    public var claimName: String?
    public var readOnly: Bool?

    /// Creates a `PersistentVolumeClaimVolumeSource`; every field defaults to unset.
    public init(
        claimName: String? = nil,
        readOnly: Bool? = nil
    ) {
        self.claimName = claimName
        self.readOnly = readOnly
    }
}

/// The observed state of a Pod.
public struct PodStatus: Codable, Sendable, Hashable {
    /// Pending, Running, Succeeded, Failed or Unknown.
    public var phase: String?
    public var conditions: [PodCondition]?
    public var message: String?
    public var reason: String?
    public var nominatedNodeName: String?
    public var hostIP: String?
    public var hostIPs: [HostIP]?
    public var podIP: String?
    public var podIPs: [PodIP]?
    public var startTime: String?
    public var initContainerStatuses: [ContainerStatus]?
    public var containerStatuses: [ContainerStatus]?
    public var ephemeralContainerStatuses: [ContainerStatus]?
    public var qosClass: String?

    /// Creates a `PodStatus`; every field defaults to unset.
    public init(
        phase: String? = nil,
        conditions: [PodCondition]? = nil,
        message: String? = nil,
        reason: String? = nil,
        nominatedNodeName: String? = nil,
        hostIP: String? = nil,
        hostIPs: [HostIP]? = nil,
        podIP: String? = nil,
        podIPs: [PodIP]? = nil,
        startTime: String? = nil,
        initContainerStatuses: [ContainerStatus]? = nil,
        containerStatuses: [ContainerStatus]? = nil,
        ephemeralContainerStatuses: [ContainerStatus]? = nil,
        qosClass: String? = nil
    ) {
        self.phase = phase
        self.conditions = conditions
        self.message = message
        self.reason = reason
        self.nominatedNodeName = nominatedNodeName
        self.hostIP = hostIP
        self.hostIPs = hostIPs
        self.podIP = podIP
        self.podIPs = podIPs
        self.startTime = startTime
        self.initContainerStatuses = initContainerStatuses
        self.containerStatuses = containerStatuses
        self.ephemeralContainerStatuses = ephemeralContainerStatuses
        self.qosClass = qosClass
    }
}

/// A condition of a Pod (PodScheduled, Initialized, ContainersReady, Ready).
public struct PodCondition: Codable, Sendable, Hashable {
    public var type: String?
    public var status: String?
    public var lastProbeTime: String?
    public var lastTransitionTime: String?
    public var reason: String?
    public var message: String?

    /// Creates a `PodCondition`; every field defaults to unset.
    public init(
        type: String? = nil,
        status: String? = nil,
        lastProbeTime: String? = nil,
        lastTransitionTime: String? = nil,
        reason: String? = nil,
        message: String? = nil
    ) {
        self.type = type
        self.status = status
        self.lastProbeTime = lastProbeTime
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

/// One IP of the Pod's host.
public struct HostIP: Codable, Sendable, Hashable {
    public var ip: String?

    /// Creates a `HostIP`; every field defaults to unset.
    public init(
        ip: String? = nil
    ) {
        self.ip = ip
    }
}

/// One IP of a Pod.
public struct PodIP: Codable, Sendable, Hashable {
    public var ip: String?

    /// Creates a `PodIP`; every field defaults to unset.
    public init(
        ip: String? = nil
    ) {
        self.ip = ip
    }
}

/// The observed state of one container.
public struct ContainerStatus: Codable, Sendable, Hashable {
    public var name: String?
    public var state: ContainerState?
    public var lastState: ContainerState?
    public var ready: Bool?
    public var restartCount: Int?
    public var image: String?
    public var imageID: String?
    public var containerID: String?
    public var started: Bool?

    /// Creates a `ContainerStatus`; every field defaults to unset.
    public init(
        name: String? = nil,
        state: ContainerState? = nil,
        lastState: ContainerState? = nil,
        ready: Bool? = nil,
        restartCount: Int? = nil,
        image: String? = nil,
        imageID: String? = nil,
        containerID: String? = nil,
        started: Bool? = nil
    ) {
        self.name = name
        self.state = state
        self.lastState = lastState
        self.ready = ready
        self.restartCount = restartCount
        self.image = image
        self.imageID = imageID
        self.containerID = containerID
        self.started = started
    }
}

/// Exactly one of waiting, running or terminated.
public struct ContainerState: Codable, Sendable, Hashable {
    public var waiting: ContainerStateWaiting?
    public var running: ContainerStateRunning?
    public var terminated: ContainerStateTerminated?

    /// Creates a `ContainerState`; every field defaults to unset.
    public init(
        waiting: ContainerStateWaiting? = nil,
        running: ContainerStateRunning? = nil,
        terminated: ContainerStateTerminated? = nil
    ) {
        self.waiting = waiting
        self.running = running
        self.terminated = terminated
    }
}

/// A container not yet running.
public struct ContainerStateWaiting: Codable, Sendable, Hashable {
    public var reason: String?
    public var message: String?

    /// Creates a `ContainerStateWaiting`; every field defaults to unset.
    public init(
        reason: String? = nil,
        message: String? = nil
    ) {
        self.reason = reason
        self.message = message
    }
}

/// A running container.
public struct ContainerStateRunning: Codable, Sendable, Hashable {
    public var startedAt: String?

    /// Creates a `ContainerStateRunning`; every field defaults to unset.
    public init(
        startedAt: String? = nil
    ) {
        self.startedAt = startedAt
    }
}

/// A container that has exited.
public struct ContainerStateTerminated: Codable, Sendable, Hashable {
    public var exitCode: Int?
    public var signal: Int?
    public var reason: String?
    public var message: String?
    public var startedAt: String?
    public var finishedAt: String?
    public var containerID: String?

    /// Creates a `ContainerStateTerminated`; every field defaults to unset.
    public init(
        exitCode: Int? = nil,
        signal: Int? = nil,
        reason: String? = nil,
        message: String? = nil,
        startedAt: String? = nil,
        finishedAt: String? = nil,
        containerID: String? = nil
    ) {
        self.exitCode = exitCode
        self.signal = signal
        self.reason = reason
        self.message = message
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.containerID = containerID
    }
}
