import Foundation

/// What traffic pods may receive and send (networking.k8s.io/v1 NetworkPolicy), enforced by every node's agent.
public struct NetworkPolicy: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .networkPolicies }
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: NetworkPolicySpec?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: NetworkPolicySpec? = nil) {
        self.apiVersion = "networking.k8s.io/v1"
        self.kind = "NetworkPolicy"
        self.metadata = metadata
        self.spec = spec
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        spec = try c.decodeIfPresent(NetworkPolicySpec.self, forKey: .spec)
    }
}

/// The pods a policy selects and the traffic it allows them.
public struct NetworkPolicySpec: Codable, Sendable, Hashable {
    /// The pods of the policy's namespace it applies to (empty: all of them).
    public var podSelector: LabelSelector?
    public var ingress: [NetworkPolicyIngressRule]?
    public var egress: [NetworkPolicyEgressRule]?
    /// Ingress, Egress or both: the directions the selected pods are isolated in.
    public var policyTypes: [String]?
    public init(podSelector: LabelSelector? = nil, ingress: [NetworkPolicyIngressRule]? = nil, egress: [NetworkPolicyEgressRule]? = nil,
                policyTypes: [String]? = nil) {
        self.podSelector = podSelector
        self.ingress = ingress
        self.egress = egress
        self.policyTypes = policyTypes
    }
}

/// Traffic allowed in: from any of `from` (empty: anywhere) to any of `ports` (empty: every port).
public struct NetworkPolicyIngressRule: Codable, Sendable, Hashable {
    public var from: [NetworkPolicyPeer]?
    public var ports: [NetworkPolicyPort]?
    public init(from: [NetworkPolicyPeer]? = nil, ports: [NetworkPolicyPort]? = nil) {
        self.from = from
        self.ports = ports
    }
}

/// Traffic allowed out: to any of `to` (empty: anywhere) on any of `ports` (empty: every port).
public struct NetworkPolicyEgressRule: Codable, Sendable, Hashable {
    public var to: [NetworkPolicyPeer]?
    public var ports: [NetworkPolicyPort]?
    public init(to: [NetworkPolicyPeer]? = nil, ports: [NetworkPolicyPort]? = nil) {
        self.to = to
        self.ports = ports
    }
}

/// Pods (by labels, in the policy's namespace or in namespaces by labels) or an IP block.
public struct NetworkPolicyPeer: Codable, Sendable, Hashable {
    public var podSelector: LabelSelector?
    public var namespaceSelector: LabelSelector?
    public var ipBlock: IPBlock?
    public init(podSelector: LabelSelector? = nil, namespaceSelector: LabelSelector? = nil, ipBlock: IPBlock? = nil) {
        self.podSelector = podSelector
        self.namespaceSelector = namespaceSelector
        self.ipBlock = ipBlock
    }
}

/// A CIDR, less the CIDRs in `except`.
public struct IPBlock: Codable, Sendable, Hashable {
    public var cidr: String?
    public var except: [String]?
    public init(cidr: String? = nil, except: [String]? = nil) {
        self.cidr = cidr
        self.except = except
    }
}

/// A port (number or a pod's named port), or the range `port`–`endPort`, of a protocol (TCP by default).
public struct NetworkPolicyPort: Codable, Sendable, Hashable {
    public var `protocol`: String?
    public var port: IntOrString?
    public var endPort: Int?
    public init(protocol: String? = nil, port: IntOrString? = nil, endPort: Int? = nil) {
        self.protocol = `protocol`
        self.port = port
        self.endPort = endPort
    }
}
