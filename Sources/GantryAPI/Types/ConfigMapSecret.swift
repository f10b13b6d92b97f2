// Kubernetes API types (k8s.io/api), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// Non-secret configuration data as key-value pairs (core/v1 ConfigMap).
public struct ConfigMap: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .configMaps }
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var data: [String: String]?
    /// Base64-encoded values.
    public var binaryData: [String: String]?
    public var immutable: Bool?

    /// Creates a `ConfigMap`; every field defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "ConfigMap",
        metadata: ObjectMeta = ObjectMeta(),
        data: [String: String]? = nil,
        binaryData: [String: String]? = nil,
        immutable: Bool? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.data = data
        self.binaryData = binaryData
        self.immutable = immutable
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, data, binaryData, immutable
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.data = try c.decodeIfPresent([String: String].self, forKey: .data)
        self.binaryData = try c.decodeIfPresent([String: String].self, forKey: .binaryData)
        self.immutable = try c.decodeIfPresent(Bool.self, forKey: .immutable)
    }
}

/// Sensitive data as key-value pairs (core/v1 Secret).
public struct Secret: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .secrets }
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var type: String?
    /// Base64-encoded values.
    public var data: [String: String]?
    /// Write-only plain values, merged into `data` by the server.
    public var stringData: [String: String]?
    public var immutable: Bool?

    /// Creates a `Secret`; every field defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Secret",
        metadata: ObjectMeta = ObjectMeta(),
        type: String? = nil,
        data: [String: String]? = nil,
        stringData: [String: String]? = nil,
        immutable: Bool? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.type = type
        self.data = data
        self.stringData = stringData
        self.immutable = immutable
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, type, data, stringData, immutable
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.type = try c.decodeIfPresent(String.self, forKey: .type)
        self.data = try c.decodeIfPresent([String: String].self, forKey: .data)
        self.stringData = try c.decodeIfPresent([String: String].self, forKey: .stringData)
        self.immutable = try c.decodeIfPresent(Bool.self, forKey: .immutable)
    }
}
