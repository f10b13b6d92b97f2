import Foundation
import GantryAPI

extension Registry {
    /// RBAC's escalation check: a user may write a Role or ClusterRole only with rules they hold themselves (or with
    /// the `escalate` verb on it), and a binding only to a role whose rules they hold (or with the `bind` verb on
    /// it). Members of `system:masters` and in-process writes (no user) pass.
    func checkEscalation(_ r: ResourceInfo, _ obj: JSONValue, _ options: WriteOptions) throws {
        guard let authorizer, let user = options.user, !user.groups.contains(RBACAuthorizer.mastersGroup) else { return }
        let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
        let namespace = r.namespaced ? obj[path: ["metadata", "namespace"]]?.stringValue ?? "" : ""
        let qualified = "\(r.plural).\(r.group) \"\(name)\""
        switch r {
        case .roles, .clusterRoles:
            let escalate = AccessRequest(verb: "escalate", group: r.group, resource: r.plural, namespace: namespace, name: name)
            if authorizer.authorize(user, escalate).allowed { return }
            let missing = authorizer.escalation(user: user, namespace: namespace, rules: PolicyRule.rules(of: obj))
            if missing.isEmpty { return }
            throw GantryError(.forbidden, "\(qualified) is forbidden: user \"\(user.name)\" (groups=\(Self.quoted(user.groups))) is attempting to grant RBAC permissions not currently held:\n"
                + missing.map(Self.describe).joined(separator: "\n"),
                details: StatusDetails(name: name, group: r.group, kind: r.plural))
        case .roleBindings, .clusterRoleBindings:
            let kind = obj[path: ["roleRef", "kind"]]?.stringValue ?? ""
            let roleName = obj[path: ["roleRef", "name"]]?.stringValue ?? ""
            let roleResource = kind == "Role" ? "roles" : "clusterroles"
            let bind = AccessRequest(verb: "bind", group: r.group, resource: roleResource, namespace: namespace, name: roleName)
            if authorizer.authorize(user, bind).allowed { return }
            guard let rules = authorizer.referencedRules(obj, namespace: namespace) else {
                throw GantryError(.forbidden, "\(qualified) is forbidden: user \"\(user.name)\" (groups=\(Self.quoted(user.groups))) is attempting to bind \(kind.lowercased()).rbac.authorization.k8s.io \"\(roleName)\", which does not exist, without the bind permission",
                                  details: StatusDetails(name: name, group: r.group, kind: r.plural))
            }
            let missing = authorizer.escalation(user: user, namespace: namespace, rules: rules)
            if missing.isEmpty { return }
            throw GantryError(.forbidden, "\(qualified) is forbidden: user \"\(user.name)\" (groups=\(Self.quoted(user.groups))) is attempting to grant RBAC permissions not currently held:\n"
                + missing.map(Self.describe).joined(separator: "\n"),
                details: StatusDetails(name: name, group: r.group, kind: r.plural))
        default:
            return
        }
    }

    static func quoted(_ xs: [String]) -> String { "[" + xs.map { "\"\($0)\"" }.joined(separator: " ") + "]" }

    /// A rule as Kubernetes prints it in escalation errors: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`.
    static func describe(_ rule: PolicyRule) -> String {
        var parts: [String] = []
        if !rule.apiGroups.isEmpty { parts.append("APIGroups:\(quoted(rule.apiGroups))") }
        if !rule.resources.isEmpty { parts.append("Resources:\(quoted(rule.resources))") }
        if !rule.resourceNames.isEmpty { parts.append("ResourceNames:\(quoted(rule.resourceNames))") }
        if !rule.nonResourceURLs.isEmpty { parts.append("NonResourceURLs:\(quoted(rule.nonResourceURLs))") }
        parts.append("Verbs:\(quoted(rule.verbs))")
        return "{" + parts.joined(separator: ", ") + "}"
    }
}
