// Kubernetes API types (k8s.io/api), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// The addresses and ports backing a Service (core/v1 Endpoints).
public struct Endpoints: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .endpoints }
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var subsets: [EndpointSubset]?

    /// Creates a `Endpoints`; every field defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Endpoints",
        metadata: ObjectMeta = ObjectMeta(),
        subsets: [EndpointSubset]? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.subsets = subsets
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, subsets
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.subsets = try c.decodeIfPresent([EndpointSubset].self, forKey: .subsets)
    }
}

/// A group of addresses sharing the same ports.
public struct EndpointSubset: Codable, Sendable, Hashable {
    public var addresses: [EndpointAddress]?
    public var notReadyAddresses: [EndpointAddress]?
    public var ports: [EndpointPort]?

    /// Creates a `EndpointSubset`; every field defaults to unset.
    public init(
        addresses: [EndpointAddress]? = nil,
        notReadyAddresses: [EndpointAddress]? = nil,
        ports: [EndpointPort]? = nil
    ) {
        self.addresses = addresses
        self.notReadyAddresses = notReadyAddresses
        self.ports = ports
    }
}

/// One backend address.
public struct EndpointAddress: Codable, Sendable, Hashable {
    public var ip: String?
    public var hostname: String?
    public var nodeName: String?
    public var targetRef: ObjectReference?

    /// Creates a `EndpointAddress`; every field defaults to unset.
    public init(
        ip: String? = nil,
        hostname: String? = nil,
        nodeName: String? = nil,
        targetRef: ObjectReference? = nil
    ) {
        self.ip = ip
        self.hostname = hostname
        self.nodeName = nodeName
        self.targetRef = targetRef
    }
}

/// One backend port.
public struct EndpointPort: Codable, Sendable, Hashable {
    public var name: String?
    public var port: Int?
    public var `protocol`: String?
    public var appProtocol: String?

    /// Creates a `EndpointPort`; every field defaults to unset.
    public init(
        name: String? = nil,
        port: Int? = nil,
        `protocol`: String? = nil,
        appProtocol: String? = nil
    ) {
        self.name = name
        self.port = port
        self.`protocol` = `protocol`
        self.appProtocol = appProtocol
    }
}
