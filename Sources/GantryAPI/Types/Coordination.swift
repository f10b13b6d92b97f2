// Kubernetes API types (k8s.io/api), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// A lease held by one holder, for leader election and node heartbeats (coordination.k8s.io/v1 Lease).
public struct Lease: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .leases }
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var spec: LeaseSpec?

    /// Creates a `Lease`; every field defaults to unset.
    public init(
        apiVersion: String? = "coordination.k8s.io/v1",
        kind: String? = "Lease",
        metadata: ObjectMeta = ObjectMeta(),
        spec: LeaseSpec? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.spec = spec
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, spec
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.spec = try c.decodeIfPresent(LeaseSpec.self, forKey: .spec)
    }
}

/// The desired state of a Lease.
public struct LeaseSpec: Codable, Sendable, Hashable {
    public var holderIdentity: String?
    public var leaseDurationSeconds: Int?
    /// MicroTime (RFC 3339 with microseconds).
    public var acquireTime: String?
    /// MicroTime (RFC 3339 with microseconds).
    public var renewTime: String?
    public var leaseTransitions: Int?
    public var strategy: String?
    public var preferredHolder: String?

    /// Creates a `LeaseSpec`; every field defaults to unset.
    public init(
        holderIdentity: String? = nil,
        leaseDurationSeconds: Int? = nil,
        acquireTime: String? = nil,
        renewTime: String? = nil,
        leaseTransitions: Int? = nil,
        strategy: String? = nil,
        preferredHolder: String? = nil
    ) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
        self.strategy = strategy
        self.preferredHolder = preferredHolder
    }
}
