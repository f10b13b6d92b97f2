// Kubernetes API types (k8s.io/api policy/v1), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// The most disruption voluntary evictions may cause a set of pods (policy/v1 PodDisruptionBudget).
public struct PodDisruptionBudget: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .podDisruptionBudgets }
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PodDisruptionBudgetSpec?
    public var status: PodDisruptionBudgetStatus?

    /// Creates a `PodDisruptionBudget`; every field defaults to unset.
    public init(apiVersion: String? = "policy/v1", kind: String? = "PodDisruptionBudget", metadata: ObjectMeta = ObjectMeta(),
                spec: PodDisruptionBudgetSpec? = nil, status: PodDisruptionBudgetStatus? = nil) {
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
        self.spec = try c.decodeIfPresent(PodDisruptionBudgetSpec.self, forKey: .spec)
        self.status = try c.decodeIfPresent(PodDisruptionBudgetStatus.self, forKey: .status)
    }
}

/// Which pods a budget covers and how many of them must stay available.
public struct PodDisruptionBudgetSpec: Codable, Sendable, Hashable {
    public var minAvailable: IntOrString?
    public var maxUnavailable: IntOrString?
    public var selector: LabelSelector?
    /// IfHealthyBudget (default) or AlwaysAllow.
    public var unhealthyPodEvictionPolicy: String?

    /// Creates a `PodDisruptionBudgetSpec`; every field defaults to unset.
    public init(minAvailable: IntOrString? = nil, maxUnavailable: IntOrString? = nil, selector: LabelSelector? = nil,
                unhealthyPodEvictionPolicy: String? = nil) {
        self.minAvailable = minAvailable
        self.maxUnavailable = maxUnavailable
        self.selector = selector
        self.unhealthyPodEvictionPolicy = unhealthyPodEvictionPolicy
    }
}

/// What the disruption controller observed, and what the eviction subresource may still spend.
public struct PodDisruptionBudgetStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int?
    /// Pod name → when its eviction was admitted (until the controller sees it go).
    public var disruptedPods: [String: String]?
    public var disruptionsAllowed: Int
    public var currentHealthy: Int
    public var desiredHealthy: Int
    public var expectedPods: Int
    public var conditions: [Condition]?

    /// Creates a `PodDisruptionBudgetStatus`.
    public init(observedGeneration: Int? = nil, disruptedPods: [String: String]? = nil, disruptionsAllowed: Int = 0,
                currentHealthy: Int = 0, desiredHealthy: Int = 0, expectedPods: Int = 0, conditions: [Condition]? = nil) {
        self.observedGeneration = observedGeneration
        self.disruptedPods = disruptedPods
        self.disruptionsAllowed = disruptionsAllowed
        self.currentHealthy = currentHealthy
        self.desiredHealthy = desiredHealthy
        self.expectedPods = expectedPods
        self.conditions = conditions
    }

    enum CodingKeys: String, CodingKey {
        case observedGeneration, disruptedPods, disruptionsAllowed, currentHealthy, desiredHealthy, expectedPods, conditions
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        observedGeneration = try c.decodeIfPresent(Int.self, forKey: .observedGeneration)
        disruptedPods = try c.decodeIfPresent([String: String].self, forKey: .disruptedPods)
        disruptionsAllowed = try c.decodeIfPresent(Int.self, forKey: .disruptionsAllowed) ?? 0
        currentHealthy = try c.decodeIfPresent(Int.self, forKey: .currentHealthy) ?? 0
        desiredHealthy = try c.decodeIfPresent(Int.self, forKey: .desiredHealthy) ?? 0
        expectedPods = try c.decodeIfPresent(Int.self, forKey: .expectedPods) ?? 0
        conditions = try c.decodeIfPresent([Condition].self, forKey: .conditions)
    }
}
