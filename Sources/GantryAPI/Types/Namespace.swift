// Kubernetes API types (k8s.io/api), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// A scope for names (core/v1 Namespace).
public struct Namespace: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .namespaces }
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var spec: NamespaceSpec?
    public var status: NamespaceStatus?

    /// Creates a `Namespace`; every field defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Namespace",
        metadata: ObjectMeta = ObjectMeta(),
        spec: NamespaceSpec? = nil,
        status: NamespaceStatus? = nil
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
        self.spec = try c.decodeIfPresent(NamespaceSpec.self, forKey: .spec)
        self.status = try c.decodeIfPresent(NamespaceStatus.self, forKey: .status)
    }
}

/// The desired state of a Namespace.
public struct NamespaceSpec: Codable, Sendable, Hashable {
    public var finalizers: [String]?

    /// Creates a `NamespaceSpec`; every field defaults to unset.
    public init(
        finalizers: [String]? = nil
    ) {
        self.finalizers = finalizers
    }
}

/// The observed state of a Namespace.
public struct NamespaceStatus: Codable, Sendable, Hashable {
    /// Active or Terminating.
    public var phase: String?
    public var conditions: [NamespaceCondition]?

    /// Creates a `NamespaceStatus`; every field defaults to unset.
    public init(
        phase: String? = nil,
        conditions: [NamespaceCondition]? = nil
    ) {
        self.phase = phase
        self.conditions = conditions
    }
}

/// A condition of a Namespace.
public struct NamespaceCondition: Codable, Sendable, Hashable {
    public var type: String?
    public var status: String?
    public var lastTransitionTime: String?
    public var reason: String?
    public var message: String?

    /// Creates a `NamespaceCondition`; every field defaults to unset.
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
