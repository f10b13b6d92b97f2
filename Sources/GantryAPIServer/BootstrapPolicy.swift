import Foundation
import GantryAPI

/// The default ClusterRoles and ClusterRoleBindings, as Kubernetes' bootstrap policy has them (`cluster-admin`,
/// `admin`/`edit`/`view` by aggregation, discovery, basic-user, node bootstrapping, the OIDC discovery viewer),
/// plus the roles of Gantry's own components: the controllers (`system:kube-controller-manager`), the scheduler
/// (`system:kube-scheduler`), each bound to its user, and the agents (`system:node`, for the group `system:nodes`).
///
/// Every object carries `rbac.authorization.kubernetes.io/autoupdate: "true"`; at each start the server puts
/// back what a default lost (an edited default whose annotation says `"false"` is left alone).
public enum BootstrapPolicy {
    static let autoupdate = "rbac.authorization.kubernetes.io/autoupdate"
    static let read = ["get", "list", "watch"]
    static let write = ["create", "delete", "deletecollection", "patch", "update"]

    static func rule(_ verbs: [String], _ group: String, _ resources: [String], names: [String] = []) -> PolicyRule {
        PolicyRule(verbs: verbs, apiGroups: [group], resources: resources, resourceNames: names)
    }

    static func urls(_ verbs: [String], _ urls: [String]) -> PolicyRule { PolicyRule(verbs: verbs, nonResourceURLs: urls) }

    static func clusterRole(_ name: String, _ rules: [PolicyRule], labels: [String: String] = [:],
                            aggregateFrom: String? = nil) -> JSONValue {
        var meta: JSONValue = ["name": .string(name), "annotations": [autoupdate: "true"],
                               "labels": ["kubernetes.io/bootstrapping": "rbac-defaults"]]
        for (k, v) in labels { meta[path: ["labels", k]] = .string(v) }
        var o: JSONValue = ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": meta,
                            "rules": .array(rules.map(\.json))]
        if let aggregateFrom {
            o["aggregationRule"] = ["clusterRoleSelectors": [["matchLabels": .object([aggregateFrom: .string("true")])]]]
            o["rules"] = []
        }
        return o
    }

    static func binding(_ name: String, role: String, groups: [String] = [], users: [String] = []) -> JSONValue {
        let subjects: [JSONValue] = groups.map { ["kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": .string($0)] }
            + users.map { ["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": .string($0)] }
        return ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": ["name": .string(name), "annotations": [autoupdate: "true"],
                             "labels": ["kubernetes.io/bootstrapping": "rbac-defaults"]],
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(role)],
                "subjects": .array(subjects)]
    }

    static let toAdmin = "rbac.authorization.k8s.io/aggregate-to-admin"
    static let toEdit = "rbac.authorization.k8s.io/aggregate-to-edit"
    static let toView = "rbac.authorization.k8s.io/aggregate-to-view"

    /// What `view` grants: reading workloads and their configuration, not Secrets.
    static let viewRules: [PolicyRule] = [
        rule(read, "", ["configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
                        "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
                        "services/status"]),
        rule(read, "", ["bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
                        "replicationcontrollers/status", "resourcequotas", "resourcequotas/status"]),
        rule(read, "", ["namespaces"]),
        rule(read, "discovery.k8s.io", ["endpointslices"]),
        rule(read, "apps", ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
                            "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets",
                            "statefulsets/scale", "statefulsets/status"]),
        rule(read, "autoscaling", ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
        rule(read, "batch", ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
        rule(read, "autoscaling", ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
        rule(read, "policy", ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
        rule(read, "networking.k8s.io", ["ingresses", "ingresses/status", "networkpolicies"]),
    ]

    /// What `edit` adds: writing workloads and configuration, reading Secrets, exec.
    static let editRules: [PolicyRule] = [
        rule(["impersonate"], "", ["serviceaccounts"]),
        rule(write, "", ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]),
        rule(["create"], "", ["pods/eviction"]),
        rule(write, "", ["configmaps", "events", "persistentvolumeclaims", "replicationcontrollers",
                         "replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy"]),
        rule(["create"], "", ["serviceaccounts/token"]),
        rule(write, "apps", ["daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
                             "replicasets/scale", "statefulsets", "statefulsets/scale"]),
        rule(write, "autoscaling", ["horizontalpodautoscalers"]),
        rule(write, "batch", ["cronjobs", "jobs"]),
        rule(write, "autoscaling", ["horizontalpodautoscalers"]),
        rule(write, "policy", ["poddisruptionbudgets"]),
        rule(write, "networking.k8s.io", ["ingresses", "networkpolicies"]),
        rule(write, "discovery.k8s.io", ["endpointslices"]),
        rule(read, "", ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"]),
    ]

    /// What `admin` adds: RBAC within the namespace.
    static let adminRules: [PolicyRule] = [
        rule(["create"], "authorization.k8s.io", ["localsubjectaccessreviews"]),
        rule(write + read, "rbac.authorization.k8s.io", ["rolebindings", "roles"]),
    ]

    /// Gantry's controllers and scheduler: read everything, write what they manage, delete anything (the garbage
    /// collector and namespace deletion need that, as Kubernetes' do).
    static let controllerManagerRules: [PolicyRule] = [
        rule(read, "*", ["*"]),
        rule(["delete", "deletecollection"], "*", ["*"]),
        rule(write, "", ["pods", "pods/status", "pods/binding", "pods/eviction", "endpoints", "events", "serviceaccounts",
                         "nodes", "nodes/status", "services/status", "namespaces/status", "namespaces/finalize",
                         "persistentvolumes", "persistentvolumes/status", "persistentvolumeclaims", "persistentvolumeclaims/status",
                         "replicationcontrollers", "replicationcontrollers/status"]),
        rule(["create"], "", ["serviceaccounts/token"]),
        rule(write, "apps", ["deployments", "deployments/status", "deployments/scale", "replicasets", "replicasets/status",
                             "replicasets/scale", "daemonsets", "daemonsets/status", "statefulsets", "statefulsets/status", "controllerrevisions"]),
        rule(write, "batch", ["jobs", "jobs/status", "cronjobs", "cronjobs/status"]),
        rule(["patch", "update"], "apps", ["statefulsets/scale"]),
        rule(["patch", "update"], "", ["replicationcontrollers/scale"]),
        rule(["patch", "update"], "autoscaling", ["horizontalpodautoscalers/status"]),
        rule(["patch", "update"], "policy", ["poddisruptionbudgets/status"]),
        rule(write, "discovery.k8s.io", ["endpointslices"]),
        rule(write, "coordination.k8s.io", ["leases"]),
        rule(write, "events.k8s.io", ["events"]),
        rule(["create"], "authentication.k8s.io", ["tokenreviews"]),
        rule(["create"], "authorization.k8s.io", ["subjectaccessreviews"]),
    ]

    /// The scheduler (`system:kube-scheduler`, as Kubernetes' role of that name): read what placement depends on,
    /// bind pods, set their PodScheduled condition, evict for preemption, record events.
    static let schedulerRules: [PolicyRule] = [
        rule(read, "", ["pods", "nodes", "namespaces", "services", "replicationcontrollers", "persistentvolumeclaims",
                        "persistentvolumes"]),
        rule(["create"], "", ["pods/binding", "bindings"]),
        rule(["patch", "update"], "", ["pods/status", "persistentvolumeclaims", "persistentvolumes"]),
        rule(read, "storage.k8s.io", ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities"]),
        rule(["delete"], "", ["pods"]),
        rule(["create", "patch", "update"], "", ["events"]),
        rule(["create", "patch", "update"], "events.k8s.io", ["events"]),
        rule(read, "apps", ["replicasets", "statefulsets"]),
        rule(read, "policy", ["poddisruptionbudgets"]),
        rule(read, "storage.k8s.io", ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities"]),
        rule(["create", "get", "update"], "coordination.k8s.io", ["leases"]),
        rule(["create"], "authentication.k8s.io", ["tokenreviews"]),
        rule(["create"], "authorization.k8s.io", ["subjectaccessreviews"]),
    ]

    /// An agent: its Node and Lease, its pods and their status, what its pods mount, services for the proxy and DNS,
    /// certificate renewal. (Which Secrets and ConfigMaps are its own is the Node authorizer's concern.)
    static let nodeRules: [PolicyRule] = [
        rule(["create", "get", "list", "watch", "patch", "update", "delete"], "", ["nodes"]),
        rule(["patch", "update"], "", ["nodes/status"]),
        rule(read, "", ["pods", "services", "endpoints"]),
        rule(["delete"], "", ["pods"]),
        rule(["patch", "update"], "", ["pods/status"]),
        rule(["create", "patch", "update"], "", ["events"]),
        // Volumes: read, and (NodeRestriction allows no more) remove the cleanup finalizer of its local-path ones.
        rule(["get", "list", "watch", "patch", "update"], "", ["persistentvolumes"]),
        // NetworkPolicy enforcement: the policies and the namespaces' labels they select by.
        rule(read, "networking.k8s.io", ["networkpolicies"]),
        rule(read, "", ["namespaces"]),
        // Secrets, ConfigMaps, PVCs and ServiceAccount tokens: only those of its pods, which the Node authorizer
        // grants (as in Kubernetes, RBAC gives nodes none).
        rule(read, "discovery.k8s.io", ["endpointslices"]),
        rule(["create", "get", "list", "watch", "patch", "update", "delete"], "coordination.k8s.io", ["leases"]),
        rule(["create", "get", "list", "watch"], "certificates.k8s.io", ["certificatesigningrequests"]),
        rule(["create"], "authentication.k8s.io", ["tokenreviews"]),
        rule(["create"], "authorization.k8s.io", ["subjectaccessreviews", "localsubjectaccessreviews"]),
    ]

    /// The default ClusterRoles.
    public static let clusterRoles: [JSONValue] = [
        clusterRole("cluster-admin", [rule(["*"], "*", ["*"]), urls(["*"], ["*"])]),
        clusterRole("admin", [], aggregateFrom: toAdmin),
        clusterRole("edit", [], labels: [toAdmin: "true"], aggregateFrom: toEdit),
        clusterRole("view", [], labels: [toAdmin: "true", toEdit: "true"], aggregateFrom: toView),
        clusterRole("system:aggregate-to-admin", adminRules, labels: [toAdmin: "true"]),
        clusterRole("system:aggregate-to-edit", editRules, labels: [toAdmin: "true", toEdit: "true"]),
        clusterRole("system:aggregate-to-view", viewRules, labels: [toAdmin: "true", toEdit: "true", toView: "true"]),
        clusterRole("system:discovery", [urls(["get"], ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
                                                        "/openapi", "/openapi/*", "/readyz", "/version", "/version/"])]),
        clusterRole("system:public-info-viewer", [urls(["get"], ["/healthz", "/livez", "/readyz", "/version", "/version/",
                                                                 "/cacerts"])]),
        clusterRole("system:basic-user", [
            rule(["create"], "authorization.k8s.io", ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
            rule(["create"], "authentication.k8s.io", ["selfsubjectreviews"]),
        ]),
        clusterRole("system:node-bootstrapper", [
            rule(["create", "get", "list", "watch"], "certificates.k8s.io", ["certificatesigningrequests"]),
        ]),
        // A server joining the cluster's managed etcd fetches the sealed bootstrap data with its join token.
        clusterRole("gantry:server-join", [urls(["get"], ["/gantry/v1/server-bootstrap"])]),
        clusterRole("system:service-account-issuer-discovery", [
            urls(["get"], ["/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks",
                           "/openid/v1/jwks/"]),
        ]),
        clusterRole("system:auth-delegator", [
            rule(["create"], "authentication.k8s.io", ["tokenreviews"]),
            rule(["create"], "authorization.k8s.io", ["subjectaccessreviews"]),
        ]),
        clusterRole("system:kube-controller-manager", controllerManagerRules),
        clusterRole("system:kube-scheduler", schedulerRules),
        clusterRole("system:node", nodeRules),
        // Reading metrics.k8s.io (kubectl top), folded into view, edit and admin as metrics-server's role is.
        clusterRole("system:aggregated-metrics-reader", [rule(["get", "list", "watch"], "metrics.k8s.io", ["pods", "nodes"])],
                    labels: [toAdmin: "true", toEdit: "true", toView: "true"]),
        // Scraping the API server's metrics and health, as Kubernetes' role of the same name.
        clusterRole("system:monitoring", [urls(["get"], ["/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis",
                                                         "/readyz", "/readyz/*"])]),
    ]

    /// The default ClusterRoleBindings.
    public static let clusterRoleBindings: [JSONValue] = [
        binding("cluster-admin", role: "cluster-admin", groups: [RBACAuthorizer.mastersGroup]),
        binding("system:discovery", role: "system:discovery", groups: ["system:authenticated", "system:unauthenticated"]),
        binding("system:public-info-viewer", role: "system:public-info-viewer",
                groups: ["system:authenticated", "system:unauthenticated"]),
        binding("system:basic-user", role: "system:basic-user", groups: ["system:authenticated"]),
        binding("system:monitoring", role: "system:monitoring", groups: ["system:monitoring"]),
        binding("system:node-bootstrapper", role: "system:node-bootstrapper", groups: ["system:bootstrappers"]),
        binding("gantry:server-join", role: "gantry:server-join", groups: ["system:bootstrappers"]),
        binding("system:service-account-issuer-discovery", role: "system:service-account-issuer-discovery",
                groups: ["system:serviceaccounts"]),
        binding("system:kube-controller-manager", role: "system:kube-controller-manager",
                users: ["system:kube-controller-manager"]),
        binding("system:kube-scheduler", role: "system:kube-scheduler", users: ["system:kube-scheduler"]),
        binding("system:node", role: "system:node", groups: ["system:nodes"]),
    ]

    /// Creates the defaults that are missing and restores those whose content drifted (unless their autoupdate
    /// annotation is `"false"`). An aggregated role's rules are the aggregator's, so only its selector is restored.
    public static func reconcile(_ registry: Registry) async throws {
        for (r, objects) in [(ResourceInfo.clusterRoles, clusterRoles), (.clusterRoleBindings, clusterRoleBindings)] {
            for desired in objects {
                let name = desired[path: ["metadata", "name"]]?.stringValue ?? ""
                do {
                    _ = try await registry.create(r, namespace: nil, body: desired, options: WriteOptions())
                    continue
                } catch let e as GantryError where e.code == .alreadyExists {}
                var current = try await registry.get(r, namespace: nil, name: name)
                if current[path: ["metadata", "annotations", autoupdate]]?.stringValue == "false" { continue }
                var changed = false
                let fields = r == .clusterRoles ? (desired["aggregationRule"] != nil ? ["aggregationRule"] : ["rules"])
                    : ["roleRef", "subjects"]
                for f in fields where current[f] != desired[f] {
                    current[f] = desired[f]
                    changed = true
                }
                if changed {
                    _ = try await registry.update(r, namespace: nil, name: name, body: current, scope: .main,
                                                  options: WriteOptions())
                }
            }
        }
    }
}
