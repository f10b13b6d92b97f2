// Kubernetes API types (k8s.io/api), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// Metadata every persisted object carries (`metadata`): name, namespace, labels, owners, versions.
public struct ObjectMeta: Codable, Sendable, Hashable {
    public var name: String?
    /// Prefix the server uses to generate a unique name when `name` is unset.
    public var generateName: String?
    public var namespace: String?
    public var selfLink: String?
    public var uid: String?
    public var resourceVersion: String?
    public var generation: Int?
    /// RFC 3339 time.
    public var creationTimestamp: String?
    /// RFC 3339 time.
    public var deletionTimestamp: String?
    public var deletionGracePeriodSeconds: Int?
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public var ownerReferences: [OwnerReference]?
    public var finalizers: [String]?
    public var managedFields: [JSONValue]?

    /// Creates a `ObjectMeta`; every field defaults to unset.
    public init(
        name: String? = nil,
        generateName: String? = nil,
        namespace: String? = nil,
        selfLink: String? = nil,
        uid: String? = nil,
        resourceVersion: String? = nil,
        generation: Int? = nil,
        creationTimestamp: String? = nil,
        deletionTimestamp: String? = nil,
        deletionGracePeriodSeconds: Int? = nil,
        labels: [String: String]? = nil,
        annotations: [String: String]? = nil,
        ownerReferences: [OwnerReference]? = nil,
        finalizers: [String]? = nil,
        managedFields: [JSONValue]? = nil
    ) {
        self.name = name
        self.generateName = generateName
        self.namespace = namespace
        self.selfLink = selfLink
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.generation = generation
        self.creationTimestamp = creationTimestamp
        self.deletionTimestamp = deletionTimestamp
        self.deletionGracePeriodSeconds = deletionGracePeriodSeconds
        self.labels = labels
        self.annotations = annotations
        self.ownerReferences = ownerReferences
        self.finalizers = finalizers
        self.managedFields = managedFields
    }
}

/// Metadata of a list response (`metadata` of `PodList`).
public struct ListMeta: Codable, Sendable, Hashable {
    public var selfLink: String?
    public var resourceVersion: String?
    public var `continue`: String?
    public var remainingItemCount: Int?

    /// Creates a `ListMeta`; every field defaults to unset.
    public init(
        selfLink: String? = nil,
        resourceVersion: String? = nil,
        `continue`: String? = nil,
        remainingItemCount: Int? = nil
    ) {
        self.selfLink = selfLink
        self.resourceVersion = resourceVersion
        self.`continue` = `continue`
        self.remainingItemCount = remainingItemCount
    }
}

/// A reference from a dependent to the object that owns it (garbage collection).
public struct OwnerReference: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var name: String?
    public var uid: String?
    public var controller: Bool?
    public var blockOwnerDeletion: Bool?

    /// Creates a `OwnerReference`; every field defaults to unset.
    public init(
        apiVersion: String? = nil,
        kind: String? = nil,
        name: String? = nil,
        uid: String? = nil,
        controller: Bool? = nil,
        blockOwnerDeletion: Bool? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }
}

/// A label query over objects: `matchLabels` and `matchExpressions`, ANDed.
public struct LabelSelector: Codable, Sendable, Hashable {
    public var matchLabels: [String: String]?
    public var matchExpressions: [LabelSelectorRequirement]?

    /// Creates a `LabelSelector`; every field defaults to unset.
    public init(
        matchLabels: [String: String]? = nil,
        matchExpressions: [LabelSelectorRequirement]? = nil
    ) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }
}

/// One `matchExpressions` term: key, operator (In, NotIn, Exists, DoesNotExist), values.
public struct LabelSelectorRequirement: Codable, Sendable, Hashable {
    public var key: String?
    public var `operator`: String?
    public var values: [String]?

    /// Creates a `LabelSelectorRequirement`; every field defaults to unset.
    public init(
        key: String? = nil,
        `operator`: String? = nil,
        values: [String]? = nil
    ) {
        self.key = key
        self.`operator` = `operator`
        self.values = values
    }
}

/// The standard `metav1.Condition` shape.
public struct Condition: Codable, Sendable, Hashable {
    public var type: String?
    public var status: String?
    public var observedGeneration: Int?
    public var lastTransitionTime: String?
    public var reason: String?
    public var message: String?

    /// Creates a `Condition`; every field defaults to unset.
    public init(
        type: String? = nil,
        status: String? = nil,
        observedGeneration: Int? = nil,
        lastTransitionTime: String? = nil,
        reason: String? = nil,
        message: String? = nil
    ) {
        self.type = type
        self.status = status
        self.observedGeneration = observedGeneration
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

/// A reference to another object (`involvedObject`, `targetRef`, binding target).
public struct ObjectReference: Codable, Sendable, Hashable {
    public var kind: String?
    public var namespace: String?
    public var name: String?
    public var uid: String?
    public var apiVersion: String?
    public var resourceVersion: String?
    public var fieldPath: String?

    /// Creates a `ObjectReference`; every field defaults to unset.
    public init(
        kind: String? = nil,
        namespace: String? = nil,
        name: String? = nil,
        uid: String? = nil,
        apiVersion: String? = nil,
        resourceVersion: String? = nil,
        fieldPath: String? = nil
    ) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.apiVersion = apiVersion
        self.resourceVersion = resourceVersion
        self.fieldPath = fieldPath
    }
}

/// A reference by name to an object in the same namespace.
public struct LocalObjectReference: Codable, Sendable, Hashable {
    public var name: String?

    /// Creates a `LocalObjectReference`; every field defaults to unset.
    public init(
        name: String? = nil
    ) {
        self.name = name
    }
}
