// Kubernetes API types (k8s.io/api discovery/v1), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// A subset of the endpoints that implement a Service (discovery.k8s.io/v1 EndpointSlice); a Service's slices
/// carry the label `kubernetes.io/service-name`.
public struct EndpointSlice: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .endpointSlices }
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    /// IPv4, IPv6 or FQDN; immutable.
    public var addressType: String?
    public var endpoints: [DiscoveryEndpoint]?
    public var ports: [EndpointPort]?

    /// Creates an `EndpointSlice`; every field defaults to unset.
    public init(apiVersion: String? = "discovery.k8s.io/v1", kind: String? = "EndpointSlice", metadata: ObjectMeta = ObjectMeta(),
                addressType: String? = nil, endpoints: [DiscoveryEndpoint]? = nil, ports: [EndpointPort]? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.addressType = addressType
        self.endpoints = endpoints
        self.ports = ports
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, addressType, endpoints, ports
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        addressType = try c.decodeIfPresent(String.self, forKey: .addressType)
        endpoints = try c.decodeIfPresent([DiscoveryEndpoint].self, forKey: .endpoints)
        ports = try c.decodeIfPresent([EndpointPort].self, forKey: .ports)
    }
}

/// One backend of an EndpointSlice (discovery/v1 Endpoint).
public struct DiscoveryEndpoint: Codable, Sendable, Hashable {
    public var addresses: [String]?
    public var conditions: EndpointConditions?
    public var hostname: String?
    public var targetRef: ObjectReference?
    public var nodeName: String?
    public var zone: String?
    public var hints: EndpointHints?
    public var deprecatedTopology: [String: String]?

    /// Creates an endpoint; every field defaults to unset.
    public init(addresses: [String]? = nil, conditions: EndpointConditions? = nil, hostname: String? = nil,
                targetRef: ObjectReference? = nil, nodeName: String? = nil, zone: String? = nil, hints: EndpointHints? = nil) {
        self.addresses = addresses
        self.conditions = conditions
        self.hostname = hostname
        self.targetRef = targetRef
        self.nodeName = nodeName
        self.zone = zone
        self.hints = hints
    }
}

/// The state of an endpoint: ready (serving and not terminating), serving, terminating.
public struct EndpointConditions: Codable, Sendable, Hashable {
    public var ready: Bool?
    public var serving: Bool?
    public var terminating: Bool?

    public init(ready: Bool? = nil, serving: Bool? = nil, terminating: Bool? = nil) {
        self.ready = ready
        self.serving = serving
        self.terminating = terminating
    }
}

/// How an endpoint should be consumed (topology-aware routing).
public struct EndpointHints: Codable, Sendable, Hashable {
    public var forZones: [ForZone]?
    public init(forZones: [ForZone]? = nil) { self.forZones = forZones }
}

/// A zone that should consume an endpoint.
public struct ForZone: Codable, Sendable, Hashable {
    public var name: String?
    public init(name: String? = nil) { self.name = name }
}
