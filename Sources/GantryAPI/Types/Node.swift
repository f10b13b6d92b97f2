// Kubernetes API types (k8s.io/api), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// A worker machine (core/v1 Node).
public struct Node: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .nodes }
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var spec: NodeSpec?
    public var status: NodeStatus?

    /// Creates a `Node`; every field defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Node",
        metadata: ObjectMeta = ObjectMeta(),
        spec: NodeSpec? = nil,
        status: NodeStatus? = nil
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
        self.spec = try c.decodeIfPresent(NodeSpec.self, forKey: .spec)
        self.status = try c.decodeIfPresent(NodeStatus.self, forKey: .status)
    }
}

/// The desired state of a Node.
public struct NodeSpec: Codable, Sendable, Hashable {
    public var podCIDR: String?
    public var podCIDRs: [String]?
    public var providerID: String?
    public var unschedulable: Bool?
    public var taints: [Taint]?

    /// Creates a `NodeSpec`; every field defaults to unset.
    public init(
        podCIDR: String? = nil,
        podCIDRs: [String]? = nil,
        providerID: String? = nil,
        unschedulable: Bool? = nil,
        taints: [Taint]? = nil
    ) {
        self.podCIDR = podCIDR
        self.podCIDRs = podCIDRs
        self.providerID = providerID
        self.unschedulable = unschedulable
        self.taints = taints
    }
}

/// A taint repelling pods that do not tolerate it.
public struct Taint: Codable, Sendable, Hashable {
    public var key: String?
    public var value: String?
    /// NoSchedule, PreferNoSchedule or NoExecute.
    public var effect: String?
    public var timeAdded: String?

    /// Creates a `Taint`; every field defaults to unset.
    public init(
        key: String? = nil,
        value: String? = nil,
        effect: String? = nil,
        timeAdded: String? = nil
    ) {
        self.key = key
        self.value = value
        self.effect = effect
        self.timeAdded = timeAdded
    }
}

/// The observed state of a Node.
public struct NodeStatus: Codable, Sendable, Hashable {
    public var capacity: [String: Quantity]?
    public var allocatable: [String: Quantity]?
    public var phase: String?
    public var conditions: [NodeCondition]?
    public var addresses: [NodeAddress]?
    public var daemonEndpoints: NodeDaemonEndpoints?
    public var nodeInfo: NodeSystemInfo?
    public var images: [ContainerImage]?
    public var volumesInUse: [String]?

    /// Creates a `NodeStatus`; every field defaults to unset.
    public init(
        capacity: [String: Quantity]? = nil,
        allocatable: [String: Quantity]? = nil,
        phase: String? = nil,
        conditions: [NodeCondition]? = nil,
        addresses: [NodeAddress]? = nil,
        daemonEndpoints: NodeDaemonEndpoints? = nil,
        nodeInfo: NodeSystemInfo? = nil,
        images: [ContainerImage]? = nil,
        volumesInUse: [String]? = nil
    ) {
        self.capacity = capacity
        self.allocatable = allocatable
        self.phase = phase
        self.conditions = conditions
        self.addresses = addresses
        self.daemonEndpoints = daemonEndpoints
        self.nodeInfo = nodeInfo
        self.images = images
        self.volumesInUse = volumesInUse
    }
}

/// A condition of a Node (Ready, MemoryPressure, ...).
public struct NodeCondition: Codable, Sendable, Hashable {
    public var type: String?
    public var status: String?
    public var lastHeartbeatTime: String?
    public var lastTransitionTime: String?
    public var reason: String?
    public var message: String?

    /// Creates a `NodeCondition`; every field defaults to unset.
    public init(
        type: String? = nil,
        status: String? = nil,
        lastHeartbeatTime: String? = nil,
        lastTransitionTime: String? = nil,
        reason: String? = nil,
        message: String? = nil
    ) {
        self.type = type
        self.status = status
        self.lastHeartbeatTime = lastHeartbeatTime
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

/// One address of a Node (InternalIP, Hostname, ...).
public struct NodeAddress: Codable, Sendable, Hashable {
    public var type: String?
    public var address: String?

    /// Creates a `NodeAddress`; every field defaults to unset.
    public init(
        type: String? = nil,
        address: String? = nil
    ) {
        self.type = type
        self.address = address
    }
}

/// Ports of daemons running on a Node.
public struct NodeDaemonEndpoints: Codable, Sendable, Hashable {
    public var kubeletEndpoint: DaemonEndpoint?

    /// Creates a `NodeDaemonEndpoints`; every field defaults to unset.
    public init(
        kubeletEndpoint: DaemonEndpoint? = nil
    ) {
        self.kubeletEndpoint = kubeletEndpoint
    }
}

/// A daemon's port (`Port`, capitalised as in Kubernetes).
public struct DaemonEndpoint: Codable, Sendable, Hashable {
    public var Port: Int?

    /// Creates a `DaemonEndpoint`; every field defaults to unset.
    public init(
        Port: Int? = nil
    ) {
        self.Port = Port
    }
}

/// Identifying information about a Node.
public struct NodeSystemInfo: Codable, Sendable, Hashable {
    public var machineID: String?
    public var systemUUID: String?
    public var bootID: String?
    public var kernelVersion: String?
    public var osImage: String?
    public var containerRuntimeVersion: String?
    public var kubeletVersion: String?
    public var kubeProxyVersion: String?
    public var operatingSystem: String?
    public var architecture: String?

    /// Creates a `NodeSystemInfo`; every field defaults to unset.
    public init(
        machineID: String? = nil,
        systemUUID: String? = nil,
        bootID: String? = nil,
        kernelVersion: String? = nil,
        osImage: String? = nil,
        containerRuntimeVersion: String? = nil,
        kubeletVersion: String? = nil,
        kubeProxyVersion: String? = nil,
        operatingSystem: String? = nil,
        architecture: String? = nil
    ) {
        self.machineID = machineID
        self.systemUUID = systemUUID
        self.bootID = bootID
        self.kernelVersion = kernelVersion
        self.osImage = osImage
        self.containerRuntimeVersion = containerRuntimeVersion
        self.kubeletVersion = kubeletVersion
        self.kubeProxyVersion = kubeProxyVersion
        self.operatingSystem = operatingSystem
        self.architecture = architecture
    }
}

/// An image present on a Node.
public struct ContainerImage: Codable, Sendable, Hashable {
    public var names: [String]?
    public var sizeBytes: Int?

    /// Creates a `ContainerImage`; every field defaults to unset.
    public init(
        names: [String]? = nil,
        sizeBytes: Int? = nil
    ) {
        self.names = names
        self.sizeBytes = sizeBytes
    }
}
