/// What the API knows about one resource type: where it is served, what it is called, what verbs it takes.
///
/// The registry (`ResourceInfo.all`) drives discovery, routing, OpenAPI, the CLI's name resolution and
/// the store key layout (`/registry/{group}/{plural}/{namespace}/{name}`).
public struct ResourceInfo: Sendable, Hashable {
    /// API group; empty for the core group.
    public var group: String
    public var version: String
    public var kind: String
    /// Plural lower-case name used in URLs (`deployments`).
    public var plural: String
    public var singular: String
    public var shortNames: [String]
    public var namespaced: Bool
    /// Subresources served (`status`, `scale`, `binding`, `log`).
    public var subresources: [String]
    /// Categories (`all`).
    public var categories: [String]
    /// False for a create-only review (SubjectAccessReview, TokenReview): answered, never stored.
    public var stored: Bool
    /// For a custom resource: the version of its CustomResourceDefinition it is served by (nil for built-ins).
    public var custom: CustomResourceVersion?
    /// A CustomResourceDefinition's `names.listKind`, when it is not `kind + "List"`.
    public var customListKind: String?
    /// Another resource whose stored objects this one presents in its own shape (events.k8s.io/v1 Events are
    /// the core Events), nil for one with storage of its own.
    public var storedAs: String?

    public init(group: String, version: String, kind: String, plural: String, shortNames: [String] = [],
                namespaced: Bool = true, subresources: [String] = [], categories: [String] = [], stored: Bool = true) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = kind.lowercased()
        self.shortNames = shortNames
        self.namespaced = namespaced
        self.subresources = subresources
        self.categories = categories
        self.stored = stored
    }

    /// `v1` or `apps/v1`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// `PodList`.
    public var listKind: String { customListKind ?? kind + "List" }
    /// `deployments.apps` or `pods`, as kubectl names a resource in messages.
    public var qualifiedName: String { group.isEmpty ? plural : "\(plural).\(group)" }
    /// `deployment.apps` or `pod`, as kubectl prints `deployment.apps/web created`.
    public var qualifiedSingular: String { group.isEmpty ? singular : "\(singular).\(group)" }
    /// Served read-only from somewhere else than the store (metrics.k8s.io: the agents' stats): get and list only.
    public var readOnly = false
    /// Verbs served on the collection and items.
    public var verbs: [String] {
        if readOnly { return ["get", "list"] }
        return stored ? ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] : ["create"]
    }
    /// The store key prefix for this resource: `/registry/apps/deployments/`.
    public var keyPrefix: String {
        if let storedAs { return storedAs }
        return group.isEmpty ? "/registry/\(plural)/" : "/registry/\(group)/\(plural)/"
    }
    /// The store key of one object.
    public func key(namespace: String?, name: String) -> String {
        if namespaced, let namespace { return "\(keyPrefix)\(namespace)/\(name)" }
        return "\(keyPrefix)\(name)"
    }
    /// The store key prefix for the objects of one namespace (or all, if `nil`).
    public func prefix(namespace: String?) -> String {
        if namespaced, let namespace, !namespace.isEmpty { return "\(keyPrefix)\(namespace)/" }
        return keyPrefix
    }
}

extension ResourceInfo {
    public static let namespaces = ResourceInfo(group: "", version: "v1", kind: "Namespace", plural: "namespaces",
                                                shortNames: ["ns"], namespaced: false, subresources: ["status", "finalize"])
    public static let nodes = ResourceInfo(group: "", version: "v1", kind: "Node", plural: "nodes",
                                           shortNames: ["no"], namespaced: false, subresources: ["status", "proxy"])
    public static let pods = ResourceInfo(group: "", version: "v1", kind: "Pod", plural: "pods", shortNames: ["po"],
                                          subresources: ["status", "binding", "log", "exec", "eviction"],
                                          categories: ["all"])
    public static let configMaps = ResourceInfo(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps",
                                                shortNames: ["cm"])
    public static let secrets = ResourceInfo(group: "", version: "v1", kind: "Secret", plural: "secrets")
    public static let services = ResourceInfo(group: "", version: "v1", kind: "Service", plural: "services",
                                              shortNames: ["svc"], subresources: ["status"], categories: ["all"])
    public static let endpoints = ResourceInfo(group: "", version: "v1", kind: "Endpoints", plural: "endpoints",
                                               shortNames: ["ep"])
    public static let events = ResourceInfo(group: "", version: "v1", kind: "Event", plural: "events", shortNames: ["ev"])
    /// events.k8s.io/v1 Events: the core Events, in the newer shape.
    public static let eventsV1: ResourceInfo = {
        var r = ResourceInfo(group: "events.k8s.io", version: "v1", kind: "Event", plural: "events")
        r.storedAs = events.keyPrefix
        return r
    }()
    public static let deployments = ResourceInfo(group: "apps", version: "v1", kind: "Deployment", plural: "deployments",
                                                 shortNames: ["deploy"], subresources: ["status", "scale"],
                                                 categories: ["all"])
    public static let replicaSets = ResourceInfo(group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets",
                                                 shortNames: ["rs"], subresources: ["status", "scale"],
                                                 categories: ["all"])
    public static let replicationControllers = ResourceInfo(group: "", version: "v1", kind: "ReplicationController",
                                                            plural: "replicationcontrollers", shortNames: ["rc"],
                                                            subresources: ["status", "scale"], categories: ["all"])
    public static let daemonSets = ResourceInfo(group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets",
                                                shortNames: ["ds"], subresources: ["status"], categories: ["all"])
    public static let statefulSets = ResourceInfo(group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets",
                                                  shortNames: ["sts"], subresources: ["status", "scale"], categories: ["all"])
    public static let controllerRevisions = ResourceInfo(group: "apps", version: "v1", kind: "ControllerRevision",
                                                         plural: "controllerrevisions")
    public static let jobs = ResourceInfo(group: "batch", version: "v1", kind: "Job", plural: "jobs",
                                          subresources: ["status"], categories: ["all"])
    public static let cronJobs = ResourceInfo(group: "batch", version: "v1", kind: "CronJob", plural: "cronjobs",
                                              shortNames: ["cj"], subresources: ["status"], categories: ["all"])
    public static let podDisruptionBudgets = ResourceInfo(group: "policy", version: "v1", kind: "PodDisruptionBudget",
                                                          plural: "poddisruptionbudgets", shortNames: ["pdb"], subresources: ["status"])
    public static let ingresses = ResourceInfo(group: "networking.k8s.io", version: "v1", kind: "Ingress", plural: "ingresses",
                                               shortNames: ["ing"], subresources: ["status"])
    public static let networkPolicies = ResourceInfo(group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy",
                                                     plural: "networkpolicies", shortNames: ["netpol"])
    public static let ingressClasses = ResourceInfo(group: "networking.k8s.io", version: "v1", kind: "IngressClass",
                                                    plural: "ingressclasses", namespaced: false)
    public static let priorityClasses = ResourceInfo(group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass",
                                                     plural: "priorityclasses", shortNames: ["pc"], namespaced: false)
    public static let resourceQuotas = ResourceInfo(group: "", version: "v1", kind: "ResourceQuota", plural: "resourcequotas",
                                                    shortNames: ["quota"], subresources: ["status"])
    public static let limitRanges = ResourceInfo(group: "", version: "v1", kind: "LimitRange", plural: "limitranges",
                                                 shortNames: ["limits"])
    public static let persistentVolumes = ResourceInfo(group: "", version: "v1", kind: "PersistentVolume",
                                                       plural: "persistentvolumes", shortNames: ["pv"], namespaced: false,
                                                       subresources: ["status"])
    public static let persistentVolumeClaims = ResourceInfo(group: "", version: "v1", kind: "PersistentVolumeClaim",
                                                            plural: "persistentvolumeclaims", shortNames: ["pvc"],
                                                            subresources: ["status"])
    public static let storageClasses = ResourceInfo(group: "storage.k8s.io", version: "v1", kind: "StorageClass",
                                                    plural: "storageclasses", shortNames: ["sc"], namespaced: false)
    public static let customResourceDefinitions = ResourceInfo(
        group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions",
        shortNames: ["crd", "crds"], namespaced: false, subresources: ["status"], categories: ["api-extensions"])
    public static let leases = ResourceInfo(group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases")
    public static let endpointSlices = ResourceInfo(group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice",
                                                    plural: "endpointslices")

    public static let certificateSigningRequests = ResourceInfo(
        group: "certificates.k8s.io", version: "v1", kind: "CertificateSigningRequest", plural: "certificatesigningrequests",
        shortNames: ["csr"], namespaced: false, subresources: ["status", "approval"])

    public static let serviceAccounts = ResourceInfo(group: "", version: "v1", kind: "ServiceAccount",
                                                     plural: "serviceaccounts", shortNames: ["sa"], subresources: ["token"])

    static let rbac = "rbac.authorization.k8s.io"
    public static let roles = ResourceInfo(group: rbac, version: "v1", kind: "Role", plural: "roles")
    public static let clusterRoles = ResourceInfo(group: rbac, version: "v1", kind: "ClusterRole", plural: "clusterroles",
                                                  namespaced: false)
    public static let roleBindings = ResourceInfo(group: rbac, version: "v1", kind: "RoleBinding", plural: "rolebindings")
    public static let clusterRoleBindings = ResourceInfo(group: rbac, version: "v1", kind: "ClusterRoleBinding",
                                                         plural: "clusterrolebindings", namespaced: false)

    static let authz = "authorization.k8s.io"
    public static let selfSubjectAccessReviews = ResourceInfo(
        group: authz, version: "v1", kind: "SelfSubjectAccessReview", plural: "selfsubjectaccessreviews", namespaced: false,
        stored: false)
    public static let subjectAccessReviews = ResourceInfo(
        group: authz, version: "v1", kind: "SubjectAccessReview", plural: "subjectaccessreviews", namespaced: false,
        stored: false)
    public static let localSubjectAccessReviews = ResourceInfo(
        group: authz, version: "v1", kind: "LocalSubjectAccessReview", plural: "localsubjectaccessreviews", stored: false)
    public static let selfSubjectRulesReviews = ResourceInfo(
        group: authz, version: "v1", kind: "SelfSubjectRulesReview", plural: "selfsubjectrulesreviews", namespaced: false,
        stored: false)
    public static let tokenReviews = ResourceInfo(
        group: "authentication.k8s.io", version: "v1", kind: "TokenReview", plural: "tokenreviews", namespaced: false,
        stored: false)
    public static let selfSubjectReviews = ResourceInfo(
        group: "authentication.k8s.io", version: "v1", kind: "SelfSubjectReview", plural: "selfsubjectreviews",
        namespaced: false, stored: false)

    public static let horizontalPodAutoscalers = ResourceInfo(
        group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler", plural: "horizontalpodautoscalers", shortNames: ["hpa"],
        subresources: ["status"], categories: ["all"])

    /// autoscaling/v1's view of the same objects (stored as v2; see `HPAVersions`).
    public static let horizontalPodAutoscalersV1: ResourceInfo = {
        var r = ResourceInfo(group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler", plural: "horizontalpodautoscalers",
                             shortNames: ["hpa"], subresources: ["status"], categories: ["all"])
        r.storedAs = horizontalPodAutoscalers.keyPrefix
        return r
    }()

    /// metrics.k8s.io, as metrics-server serves it: the nodes' and pods' CPU and memory from the agents' stats.
    public static let nodeMetrics: ResourceInfo = {
        var r = ResourceInfo(group: "metrics.k8s.io", version: "v1beta1", kind: "NodeMetrics", plural: "nodes", namespaced: false, stored: false)
        r.readOnly = true
        return r
    }()
    public static let podMetrics: ResourceInfo = {
        var r = ResourceInfo(group: "metrics.k8s.io", version: "v1beta1", kind: "PodMetrics", plural: "pods", stored: false)
        r.readOnly = true
        return r
    }()

    /// Every resource the API serves.
    public static let all: [ResourceInfo] = [
        .namespaces, .nodes, .pods, .configMaps, .secrets, .services, .endpoints, .events, .serviceAccounts,
        .deployments, .replicaSets, .replicationControllers, .daemonSets, .statefulSets, .controllerRevisions, .jobs, .cronJobs, .horizontalPodAutoscalers, .podDisruptionBudgets, .ingresses, .ingressClasses, .networkPolicies, .priorityClasses, .limitRanges, .resourceQuotas,
        .persistentVolumes, .persistentVolumeClaims, .storageClasses, .eventsV1, .customResourceDefinitions, .leases, .endpointSlices, .certificateSigningRequests,
        .roles, .clusterRoles, .roleBindings, .clusterRoleBindings,
        .selfSubjectAccessReviews, .subjectAccessReviews, .localSubjectAccessReviews, .selfSubjectRulesReviews,
        .tokenReviews, .selfSubjectReviews, .nodeMetrics, .podMetrics, .horizontalPodAutoscalersV1,
    ]

    /// The group versions served, in discovery order (core first, then as `all` first names them): a kind of a new
    /// group needs nothing more than its entry in `all`.
    public static let groupVersions: [(group: String, version: String)] = {
        var seen = Set<String>(), out: [(group: String, version: String)] = [("", "v1")]
        seen.insert("/v1")
        for r in all where seen.insert("\(r.group)/\(r.version)").inserted { out.append((r.group, r.version)) }
        return out
    }()

    /// Looks up a resource by group and plural.
    public static func lookup(group: String, plural: String) -> ResourceInfo? {
        all.first { $0.group == group && $0.plural == plural }
    }

    /// Looks up a resource by apiVersion and kind (`apps/v1`, `Deployment`).
    public static func lookup(apiVersion: String, kind: String) -> ResourceInfo? {
        all.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }

    /// Resolves what a user typed (`po`, `pods`, `pod`, `Pod`, `deployments.apps`, `deploy`) to a resource.
    public static func resolve(_ name: String) -> ResourceInfo? {
        let n = name.lowercased()
        let parts = n.split(separator: ".", maxSplits: 1).map(String.init)
        let base = parts[0]
        let group = parts.count > 1 ? parts[1] : nil
        return all.first { r in
            (group == nil || r.group == group)
                && (r.plural == base || r.singular == base || r.shortNames.contains(base) || r.kind.lowercased() == base)
        }
    }
}
