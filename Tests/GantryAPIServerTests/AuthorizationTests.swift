import Foundation
import GantryAPI
@testable import GantryAPIServer
import Testing

@Suite("RBAC authorizer")
struct AuthorizationTests {
    static func role(_ name: String, namespace: String? = nil, _ rules: [PolicyRule]) -> JSONValue {
        var meta: JSONValue = ["name": .string(name)]
        if let namespace { meta["namespace"] = .string(namespace) }
        return ["metadata": meta, "rules": .array(rules.map(\.json))]
    }

    static func binding(_ name: String, namespace: String? = nil, kind: String, role: String, subjects: [JSONValue]) -> JSONValue {
        var meta: JSONValue = ["name": .string(name)]
        if let namespace { meta["namespace"] = .string(namespace) }
        return ["metadata": meta, "roleRef": ["kind": .string(kind), "name": .string(role)], "subjects": .array(subjects)]
    }

    static let alice = UserInfo(name: "alice", groups: ["devs", "system:authenticated"])

    func authorizer() -> RBACAuthorizer {
        let a = RBACAuthorizer()
        a.reset(clusterRoles: [Self.role("view", [PolicyRule(verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "pods/log"])]),
                               Self.role("nodes", [PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["nodes"], resourceNames: ["n1"]),
                                                   PolicyRule(verbs: ["get"], nonResourceURLs: ["/healthz", "/metrics/*"])])],
                roles: [Self.role("scaler", namespace: "prod", [PolicyRule(verbs: ["update"], apiGroups: ["apps"], resources: ["*/scale"])])],
                clusterRoleBindings: [Self.binding("devs-nodes", kind: "ClusterRole", role: "nodes", subjects: [["kind": "Group", "name": "devs"]])],
                roleBindings: [Self.binding("alice-view", namespace: "prod", kind: "ClusterRole", role: "view",
                                            subjects: [["kind": "User", "name": "alice"]]),
                               Self.binding("alice-scale", namespace: "prod", kind: "Role", role: "scaler",
                                            subjects: [["kind": "User", "name": "alice"]]),
                               Self.binding("sa", namespace: "prod", kind: "ClusterRole", role: "view",
                                            subjects: [["kind": "ServiceAccount", "name": "reader"]]),
                               Self.binding("ghost", namespace: "prod", kind: "Role", role: "missing",
                                            subjects: [["kind": "User", "name": "bob"]])],
                revision: 1)
        return a
    }

    @Test func decides() {
        let a = authorizer()
        func can(_ u: UserInfo, _ r: AccessRequest) -> Bool { a.authorize(u, r).allowed }
        #expect(can(Self.alice, AccessRequest(verb: "list", resource: "pods", namespace: "prod")))
        #expect(can(Self.alice, AccessRequest(verb: "get", resource: "pods", subresource: "log", namespace: "prod", name: "x")))
        #expect(!can(Self.alice, AccessRequest(verb: "list", resource: "pods", namespace: "other")))
        #expect(!can(Self.alice, AccessRequest(verb: "delete", resource: "pods", namespace: "prod", name: "x")))
        #expect(!can(Self.alice, AccessRequest(verb: "get", resource: "pods", subresource: "exec", namespace: "prod")))
        // Wildcard subresource rules, resource names, non-resource URLs with a trailing *.
        #expect(can(Self.alice, AccessRequest(verb: "update", group: "apps", resource: "deployments", subresource: "scale", namespace: "prod")))
        #expect(!can(Self.alice, AccessRequest(verb: "update", group: "apps", resource: "deployments", namespace: "prod")))
        #expect(can(Self.alice, AccessRequest(verb: "get", resource: "nodes", name: "n1")))
        #expect(!can(Self.alice, AccessRequest(verb: "get", resource: "nodes", name: "n2")))
        #expect(can(Self.alice, AccessRequest(verb: "get", path: "/metrics/cadvisor")))
        #expect(!can(Self.alice, AccessRequest(verb: "get", path: "/version")))
        // ServiceAccount subjects (namespace from the binding), system:masters, a missing role.
        let sa = UserInfo(name: "system:serviceaccount:prod:reader", groups: ["system:serviceaccounts"])
        #expect(can(sa, AccessRequest(verb: "list", resource: "pods", namespace: "prod")))
        #expect(can(UserInfo(name: "root", groups: ["system:masters"]), AccessRequest(verb: "delete", resource: "nodes", name: "n1")))
        let ghost = a.authorize(UserInfo(name: "bob"), AccessRequest(verb: "get", resource: "pods", namespace: "prod"))
        #expect(!ghost.allowed && ghost.reason.contains("role.rbac.authorization.k8s.io \"missing\" not found"))
    }

    @Test func followsChanges() {
        let a = authorizer()
        let r = AccessRequest(verb: "list", resource: "pods", namespace: "prod")
        a.apply(resource: .roleBindings, key: ResourceInfo.roleBindings.key(namespace: "prod", name: "alice-view"), object: nil, revision: 2)
        #expect(!a.authorize(Self.alice, r).allowed)
        a.apply(resource: .clusterRoleBindings, key: ResourceInfo.clusterRoleBindings.key(namespace: nil, name: "all"),
                object: Self.binding("all", kind: "ClusterRole", role: "view", subjects: [["kind": "Group", "name": "devs"]]), revision: 3)
        #expect(a.authorize(Self.alice, AccessRequest(verb: "list", resource: "pods", namespace: "kube-system")).allowed)
        #expect(a.revision == 3)
    }

    @Test func messages() {
        let m = AccessRequest(verb: "list", resource: "pods", namespace: "prod").forbiddenMessage(user: Self.alice)
        #expect(m == "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"prod\"")
        let c = AccessRequest(verb: "get", group: "apps", resource: "deployments", subresource: "scale", name: "web").forbiddenMessage(user: Self.alice)
        #expect(c == "deployments.apps \"web\" is forbidden: User \"alice\" cannot get resource \"deployments/scale\" in API group \"apps\" at the cluster scope")
        #expect(AccessRequest(verb: "get", path: "/metrics").forbiddenMessage(user: Self.alice)
            == "forbidden: User \"alice\" cannot get path \"/metrics\"")
    }

    @Test func escalation() {
        let a = authorizer()
        #expect(a.escalation(user: Self.alice, namespace: "prod", rules: [PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"])]).isEmpty)
        #expect(!a.escalation(user: Self.alice, namespace: "prod", rules: [PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["secrets"])]).isEmpty)
        #expect(!a.escalation(user: Self.alice, namespace: "prod", rules: [PolicyRule(verbs: ["*"], apiGroups: [""], resources: ["pods"])]).isEmpty)
        #expect(!a.escalation(user: Self.alice, namespace: "other", rules: [PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"])]).isEmpty)
        let covering = PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"])
        #expect(covering.covers(PolicyRule(verbs: ["get"], apiGroups: ["apps"], resources: ["deployments/scale"], resourceNames: ["x"])))
        #expect(!PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["a"])
            .covers(PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"])))
    }
}
