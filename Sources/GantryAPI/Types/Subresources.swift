// Kubernetes API types (k8s.io/api), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// The scale subresource of a workload (autoscaling/v1 Scale).
public struct Scale: Codable, Sendable, Hashable {
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var spec: ScaleSpec?
    public var status: ScaleStatus?

    /// Creates a `Scale`; every field defaults to unset.
    public init(
        apiVersion: String? = "autoscaling/v1",
        kind: String? = "Scale",
        metadata: ObjectMeta = ObjectMeta(),
        spec: ScaleSpec? = nil,
        status: ScaleStatus? = nil
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
        self.spec = try c.decodeIfPresent(ScaleSpec.self, forKey: .spec)
        self.status = try c.decodeIfPresent(ScaleStatus.self, forKey: .status)
    }
}

/// The desired scale.
public struct ScaleSpec: Codable, Sendable, Hashable {
    public var replicas: Int?

    /// Creates a `ScaleSpec`; every field defaults to unset.
    public init(
        replicas: Int? = nil
    ) {
        self.replicas = replicas
    }
}

/// The observed scale; `selector` is a label query string.
public struct ScaleStatus: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var selector: String?

    /// Creates a `ScaleStatus`; every field defaults to unset.
    public init(
        replicas: Int? = nil,
        selector: String? = nil
    ) {
        self.replicas = replicas
        self.selector = selector
    }
}

/// Binds a Pod to a Node (core/v1 Binding, the `binding` subresource).
public struct Binding: Codable, Sendable, Hashable {
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var target: ObjectReference?

    /// Creates a `Binding`; every field defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Binding",
        metadata: ObjectMeta = ObjectMeta(),
        target: ObjectReference? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.target = target
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, target
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.target = try c.decodeIfPresent(ObjectReference.self, forKey: .target)
    }
}
