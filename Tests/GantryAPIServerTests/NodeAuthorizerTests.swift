import Foundation
import GantryAPI
@testable import GantryAPIServer
import Testing

@Suite("Node authorizer")
struct NodeAuthorizerTests {
    static let n1 = UserInfo(name: "system:node:n1", groups: ["system:nodes", "system:authenticated"])
    static let n2 = UserInfo(name: "system:node:n2", groups: ["system:nodes", "system:authenticated"])

    static func pod(_ name: String, node: String?, secret: String, sa: String = "default") -> JSONValue {
        var spec: JSONValue = [
            "serviceAccountName": .string(sa),
            "volumes": [["name": "s", "secret": ["secretName": .string(secret)]],
                        ["name": "t", "projected": ["sources": [["configMap": ["name": "kube-root-ca.crt"]]]]]],
            "containers": [["name": "c", "image": "busybox",
                            "env": [["name": "X", "valueFrom": ["configMapKeyRef": ["name": "settings", "key": "x"]]]],
                            "envFrom": [["secretRef": ["name": "env-secret"]]]]],
        ]
        if let node { spec["nodeName"] = .string(node) }
        return ["metadata": ["name": .string(name), "namespace": "prod"], "spec": spec]
    }

    func get(_ resource: String, _ name: String, sub: String = "", verb: String = "get", ns: String = "prod") -> AccessRequest {
        AccessRequest(verb: verb, resource: resource, subresource: sub, namespace: ns, name: name)
    }

    @Test func nodesReadOnlyWhatTheirPodsUse() {
        let a = NodeAuthorizer()
        a.reset(pods: [Self.pod("web", node: "n1", secret: "web-tls"), Self.pod("pending", node: nil, secret: "other")], revision: 5)
        for (r, n) in [("secrets", "web-tls"), ("secrets", "env-secret"), ("configmaps", "settings"), ("configmaps", "kube-root-ca.crt")] {
            #expect(a.authorize(Self.n1, get(r, n)) == .allow, "\(r)/\(n)")
            #expect(a.authorize(Self.n2, get(r, n)) != .allow, "\(r)/\(n) from another node")
        }
        #expect(a.authorize(Self.n1, get("serviceaccounts", "default", sub: "token", verb: "create")) == .allow)
        #expect(a.authorize(Self.n1, get("serviceaccounts", "builder", sub: "token", verb: "create")) != .allow)
        // An unscheduled pod's secret, a list, another namespace: refused.
        #expect(a.authorize(Self.n1, get("secrets", "other")) == .deny("no relationship found between node 'n1' and this object"))
        #expect(a.authorize(Self.n1, get("secrets", "", verb: "list")) != .allow)
        #expect(a.authorize(Self.n1, get("secrets", "web-tls", ns: "default")) != .allow)
        // Not a node: no opinion, RBAC decides.
        #expect(a.authorize(UserInfo(name: "alice", groups: ["system:nodes"]), get("secrets", "web-tls")) == .noOpinion)
        #expect(a.authorize(Self.n1, get("pods", "", verb: "list")) == .noOpinion)

        // The graph follows the pods: moved away, deleted.
        a.apply(key: "/registry/pods/prod/web", pod: Self.pod("web", node: "n2", secret: "web-tls"), revision: 6)
        #expect(a.authorize(Self.n1, get("secrets", "web-tls")) != .allow)
        #expect(a.authorize(Self.n2, get("secrets", "web-tls")) == .allow)
        a.apply(key: "/registry/pods/prod/web", pod: nil, revision: 7)
        #expect(a.authorize(Self.n2, get("secrets", "web-tls")) != .allow)
        #expect(a.counts.pods == 0 && a.counts.refs == 0 && a.revision == 7)
    }

    @Test func nodesChangeOnlyTheirOwn() {
        let a = NodeAuthorizer()
        a.reset(pods: [Self.pod("web", node: "n1", secret: "s")], revision: 1)
        #expect(a.authorize(Self.n1, get("nodes", "n1", verb: "patch", ns: "")) == .noOpinion)
        #expect(a.authorize(Self.n1, get("nodes", "n2", sub: "status", verb: "update", ns: "")) != .noOpinion)
        #expect(a.authorize(Self.n1, get("nodes", "n2", verb: "delete", ns: "")) != .noOpinion)
        #expect(a.authorize(Self.n1, get("nodes", "n2", verb: "get", ns: "")) == .noOpinion)
        let lease = { (name: String, ns: String) in
            AccessRequest(verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: ns, name: name)
        }
        #expect(a.authorize(Self.n1, lease("n1", "kube-node-lease")) == .noOpinion)
        #expect(a.authorize(Self.n1, lease("n2", "kube-node-lease")) != .noOpinion)
        #expect(a.authorize(Self.n1, lease("n1", "kube-system")) != .noOpinion)
        #expect(a.authorize(Self.n1, get("pods", "web", sub: "status", verb: "patch")) == .noOpinion)
        #expect(a.authorize(Self.n2, get("pods", "web", sub: "status", verb: "patch")) != .noOpinion)
        #expect(a.authorize(Self.n2, get("pods", "web", verb: "delete")) != .noOpinion)
        #expect(a.authorize(Self.n1, get("pods", "", verb: "create")) != .noOpinion)
    }

    @Test func chainedBeforeRBAC() {
        let nodes = NodeAuthorizer()
        nodes.reset(pods: [Self.pod("web", node: "n1", secret: "s")], revision: 1)
        let rbac = RBACAuthorizer(nodes: nodes)
        rbac.reset(clusterRoles: [AuthorizationTests.role("system:node", [PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["nodes"])])],
                   roles: [], clusterRoleBindings: [AuthorizationTests.binding("system:node", kind: "ClusterRole", role: "system:node",
                                                                               subjects: [["kind": "Group", "name": "system:nodes"]])],
                   roleBindings: [], revision: 1)
        #expect(rbac.authorize(Self.n1, get("secrets", "s")).allowed)
        #expect(!rbac.authorize(Self.n2, get("secrets", "s")).allowed)
        #expect(rbac.authorize(Self.n2, get("nodes", "n1", ns: "")).allowed)
        #expect(!rbac.authorize(Self.n1, get("nodes", "n2", verb: "delete", ns: "")).allowed)
    }
}
