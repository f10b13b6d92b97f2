// Kubernetes API types (k8s.io/api), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// A stable virtual IP and DNS name in front of a set of Pods (core/v1 Service).
public struct Service: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .services }
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var spec: ServiceSpec?
    public var status: ServiceStatus?

    /// Creates a `Service`; every field defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Service",
        metadata: ObjectMeta = ObjectMeta(),
        spec: ServiceSpec? = nil,
        status: ServiceStatus? = nil
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
        self.spec = try c.decodeIfPresent(ServiceSpec.self, forKey: .spec)
        self.status = try c.decodeIfPresent(ServiceStatus.self, forKey: .status)
    }
}

/// The desired state of a Service.
public struct ServiceSpec: Codable, Sendable, Hashable {
    /// ClusterIP, NodePort, LoadBalancer or ExternalName.
    public var type: String?
    public var selector: [String: String]?
    public var ports: [ServicePort]?
    public var clusterIP: String?
    public var clusterIPs: [String]?
    public var externalIPs: [String]?
    /// None or ClientIP.
    public var sessionAffinity: String?
    public var sessionAffinityConfig: SessionAffinityConfig?
    public var externalTrafficPolicy: String?
    public var internalTrafficPolicy: String?
    public var healthCheckNodePort: Int?
    public var loadBalancerIP: String?
    public var loadBalancerSourceRanges: [String]?
    public var loadBalancerClass: String?
    public var allocateLoadBalancerNodePorts: Bool?
    public var externalName: String?
    public var publishNotReadyAddresses: Bool?
    public var ipFamilies: [String]?
    public var ipFamilyPolicy: String?
    public var trafficDistribution: String?

    /// Creates a `ServiceSpec`; every field defaults to unset.
    public init(
        type: String? = nil,
        selector: [String: String]? = nil,
        ports: [ServicePort]? = nil,
        clusterIP: String? = nil,
        clusterIPs: [String]? = nil,
        externalIPs: [String]? = nil,
        sessionAffinity: String? = nil,
        sessionAffinityConfig: SessionAffinityConfig? = nil,
        externalTrafficPolicy: String? = nil,
        internalTrafficPolicy: String? = nil,
        healthCheckNodePort: Int? = nil,
        loadBalancerIP: String? = nil,
        loadBalancerSourceRanges: [String]? = nil,
        loadBalancerClass: String? = nil,
        allocateLoadBalancerNodePorts: Bool? = nil,
        externalName: String? = nil,
        publishNotReadyAddresses: Bool? = nil,
        ipFamilies: [String]? = nil,
        ipFamilyPolicy: String? = nil,
        trafficDistribution: String? = nil
    ) {
        self.type = type
        self.selector = selector
        self.ports = ports
        self.clusterIP = clusterIP
        self.clusterIPs = clusterIPs
        self.externalIPs = externalIPs
        self.sessionAffinity = sessionAffinity
        self.sessionAffinityConfig = sessionAffinityConfig
        self.externalTrafficPolicy = externalTrafficPolicy
        self.internalTrafficPolicy = internalTrafficPolicy
        self.healthCheckNodePort = healthCheckNodePort
        self.loadBalancerIP = loadBalancerIP
        self.loadBalancerSourceRanges = loadBalancerSourceRanges
        self.loadBalancerClass = loadBalancerClass
        self.allocateLoadBalancerNodePorts = allocateLoadBalancerNodePorts
        self.externalName = externalName
        self.publishNotReadyAddresses = publishNotReadyAddresses
        self.ipFamilies = ipFamilies
        self.ipFamilyPolicy = ipFamilyPolicy
        self.trafficDistribution = trafficDistribution
    }
}

/// One port a Service exposes.
public struct ServicePort: Codable, Sendable, Hashable {
    public var name: String?
    public var `protocol`: String?
    public var appProtocol: String?
    public var port: Int?
    public var targetPort: IntOrString?
    public var nodePort: Int?

    /// Creates a `ServicePort`; every field defaults to unset.
    public init(
        name: String? = nil,
        `protocol`: String? = nil,
        appProtocol: String? = nil,
        port: Int? = nil,
        targetPort: IntOrString? = nil,
        nodePort: Int? = nil
    ) {
        self.name = name
        self.`protocol` = `protocol`
        self.appProtocol = appProtocol
        self.port = port
        self.targetPort = targetPort
        self.nodePort = nodePort
    }
}

/// Session affinity settings.
public struct SessionAffinityConfig: Codable, Sendable, Hashable {
    public var clientIP: ClientIPConfig?

    /// Creates a `SessionAffinityConfig`; every field defaults to unset.
    public init(
        clientIP: ClientIPConfig? = nil
    ) {
        self.clientIP = clientIP
    }
}

/// ClientIP session affinity settings.
public struct ClientIPConfig: Codable, Sendable, Hashable {
    public var timeoutSeconds: Int?

    /// Creates a `ClientIPConfig`; every field defaults to unset.
    public init(
        timeoutSeconds: Int? = nil
    ) {
        self.timeoutSeconds = timeoutSeconds
    }
}

/// The observed state of a Service.
public struct ServiceStatus: Codable, Sendable, Hashable {
    public var loadBalancer: LoadBalancerStatus?
    public var conditions: [Condition]?

    /// Creates a `ServiceStatus`; every field defaults to unset.
    public init(
        loadBalancer: LoadBalancerStatus? = nil,
        conditions: [Condition]? = nil
    ) {
        self.loadBalancer = loadBalancer
        self.conditions = conditions
    }
}

/// The state of a Service's load balancer.
public struct LoadBalancerStatus: Codable, Sendable, Hashable {
    public var ingress: [LoadBalancerIngress]?

    /// Creates a `LoadBalancerStatus`; every field defaults to unset.
    public init(
        ingress: [LoadBalancerIngress]? = nil
    ) {
        self.ingress = ingress
    }
}

/// One ingress point of a load balancer.
public struct LoadBalancerIngress: Codable, Sendable, Hashable {
    public var ip: String?
    public var hostname: String?
    public var ipMode: String?

    /// Creates a `LoadBalancerIngress`; every field defaults to unset.
    public init(
        ip: String? = nil,
        hostname: String? = nil,
        ipMode: String? = nil
    ) {
        self.ip = ip
        self.hostname = hostname
        self.ipMode = ipMode
    }
}
