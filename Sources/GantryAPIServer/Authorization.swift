import Foundation
import GantryAPI

/// What a request asks to do, as an authorizer sees it (Kubernetes' `authorizer.Attributes`).
public struct AccessRequest: Sendable, Hashable, CustomStringConvertible {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`, or a special verb
    /// (`impersonate`, `bind`, `escalate`); for a path, the lower-case HTTP method.
    public var verb: String
    /// False for a request of a path outside the resource API (`/healthz`, `/version`).
    public var isResource: Bool
    public var group: String
    public var resource: String
    public var subresource: String
    public var namespace: String
    public var name: String
    public var path: String

    public init(verb: String, group: String = "", resource: String, subresource: String = "", namespace: String = "",
                name: String = "") {
        self.verb = verb
        self.isResource = true
        self.group = group
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
        self.path = ""
    }

    public init(verb: String, path: String) {
        self.verb = verb
        self.isResource = false
        self.group = ""
        self.resource = ""
        self.subresource = ""
        self.namespace = ""
        self.name = ""
        self.path = path
    }

    /// `pods` or `pods/log`.
    public var resourcePath: String { subresource.isEmpty ? resource : "\(resource)/\(subresource)" }

    public var description: String {
        isResource ? "\(verb) \(group.isEmpty ? "" : group + "/")\(resourcePath) \(namespace)/\(name)" : "\(verb) \(path)"
    }

    /// Kubernetes' forbidden message: `pods is forbidden: User "alice" cannot list resource "pods" in API group ""
    /// in the namespace "prod"`.
    public func forbiddenMessage(user: UserInfo, reason: String = "") -> String {
        var who = "User \"\(user.name)\""
        if let sa = ServiceAccountName(user: user.name) {
            who = "User \"system:serviceaccount:\(sa.namespace):\(sa.name)\""
        }
        var msg: String
        if !isResource {
            msg = "forbidden: \(who) cannot \(verb) path \"\(path)\""
        } else {
            let qualified = group.isEmpty ? resource : "\(resource).\(group)"
            let subject = name.isEmpty ? qualified : "\(qualified) \"\(name)\""
            let scope = namespace.isEmpty ? "at the cluster scope" : "in the namespace \"\(namespace)\""
            msg = "\(subject) is forbidden: \(who) cannot \(verb) resource \"\(resourcePath)\" in API group \"\(group)\" \(scope)"
        }
        if !reason.isEmpty { msg += ": " + reason }
        return msg
    }

    /// The `403 Forbidden` error for this request.
    public func forbidden(user: UserInfo, reason: String = "") -> GantryError {
        GantryError(.forbidden, forbiddenMessage(user: user, reason: reason),
                    details: isResource ? StatusDetails(name: name.isEmpty ? nil : name, group: group, kind: resource) : nil)
    }
}

/// `system:serviceaccount:NS:NAME` split into its parts.
public struct ServiceAccountName: Sendable, Hashable {
    public var namespace: String
    public var name: String
    public static let prefix = "system:serviceaccount:"

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    public init?(user: String) {
        guard user.hasPrefix(Self.prefix) else { return nil }
        let parts = user.dropFirst(Self.prefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        namespace = String(parts[0])
        name = String(parts[1])
    }

    /// `system:serviceaccount:NS:NAME`.
    public var userName: String { "\(Self.prefix)\(namespace):\(name)" }
    /// The groups every ServiceAccount is in.
    public var groups: [String] { ["system:serviceaccounts", "system:serviceaccounts:\(namespace)", "system:authenticated"] }
}

/// One rule of a Role or ClusterRole (rbac.authorization.k8s.io/v1 `PolicyRule`).
public struct PolicyRule: Sendable, Hashable {
    public var verbs: [String]
    public var apiGroups: [String]
    public var resources: [String]
    public var resourceNames: [String]
    public var nonResourceURLs: [String]

    public init(verbs: [String], apiGroups: [String] = [], resources: [String] = [], resourceNames: [String] = [],
                nonResourceURLs: [String] = []) {
        self.verbs = verbs
        self.apiGroups = apiGroups
        self.resources = resources
        self.resourceNames = resourceNames
        self.nonResourceURLs = nonResourceURLs
    }

    public init(json: JSONValue) {
        func strings(_ k: String) -> [String] { json[k]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        self.init(verbs: strings("verbs"), apiGroups: strings("apiGroups"), resources: strings("resources"),
                  resourceNames: strings("resourceNames"), nonResourceURLs: strings("nonResourceURLs"))
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["verbs": .array(verbs.map { .string($0) })]
        if !apiGroups.isEmpty || nonResourceURLs.isEmpty { o["apiGroups"] = .array(apiGroups.map { .string($0) }) }
        if !resources.isEmpty { o["resources"] = .array(resources.map { .string($0) }) }
        if !resourceNames.isEmpty { o["resourceNames"] = .array(resourceNames.map { .string($0) }) }
        if !nonResourceURLs.isEmpty { o["nonResourceURLs"] = .array(nonResourceURLs.map { .string($0) }) }
        return .object(o)
    }

    /// The rules of a Role or ClusterRole object.
    public static func rules(of role: JSONValue) -> [PolicyRule] {
        (role["rules"]?.arrayValue ?? []).map(PolicyRule.init(json:))
    }

    /// Whether the rule allows the request (RBAC's `RuleAllows`).
    public func allows(_ a: AccessRequest) -> Bool {
        guard verbs.contains("*") || verbs.contains(a.verb) else { return false }
        if !a.isResource {
            return nonResourceURLs.contains { u in
                u == "*" || u == a.path || (u.hasSuffix("*") && a.path.hasPrefix(u.dropLast()))
            }
        }
        guard apiGroups.contains("*") || apiGroups.contains(a.group) else { return false }
        let combined = a.resourcePath
        let resourceMatch = resources.contains { r in
            if r == "*" || r == combined { return true }
            if a.subresource.isEmpty { return false }
            // `*/scale` matches every resource's scale; `pods/*` every subresource of pods.
            return r == "*/\(a.subresource)" || r == "\(a.resource)/*"
        }
        guard resourceMatch else { return false }
        return resourceNames.isEmpty || resourceNames.contains(a.name)
    }

    /// Whether this rule grants everything `other` does (RBAC's `ruleCovers`, for the escalation check).
    public func covers(_ other: PolicyRule) -> Bool {
        func has(_ mine: [String], _ theirs: [String]) -> Bool {
            mine.contains("*") || theirs.allSatisfy { mine.contains($0) }
        }
        func resourcesCover(_ theirs: [String]) -> Bool {
            if resources.contains("*") { return true }
            return theirs.allSatisfy { t in
                if resources.contains(t) { return true }
                let parts = t.split(separator: "/", maxSplits: 1)
                if parts.count == 2 {
                    return resources.contains("\(parts[0])/*") || resources.contains("*/\(parts[1])")
                }
                return false
            }
        }
        func urlsCover(_ theirs: [String]) -> Bool {
            theirs.allSatisfy { t in
                nonResourceURLs.contains { u in u == "*" || u == t || (u.hasSuffix("*") && t.hasPrefix(u.dropLast())) }
            }
        }
        guard has(verbs, other.verbs) else { return false }
        if !other.nonResourceURLs.isEmpty, !urlsCover(other.nonResourceURLs) { return false }
        if other.resources.isEmpty && other.apiGroups.isEmpty { return true }
        guard has(apiGroups, other.apiGroups), resourcesCover(other.resources) else { return false }
        if resourceNames.isEmpty { return true }
        return !other.resourceNames.isEmpty && other.resourceNames.allSatisfy { resourceNames.contains($0) }
    }

    /// The rule split into one-verb, one-group, one-resource (one-name) rules, as the escalation check compares them.
    public var atoms: [PolicyRule] {
        var out: [PolicyRule] = []
        for v in verbs {
            for u in nonResourceURLs { out.append(PolicyRule(verbs: [v], nonResourceURLs: [u])) }
            for g in apiGroups {
                for r in resources {
                    if resourceNames.isEmpty {
                        out.append(PolicyRule(verbs: [v], apiGroups: [g], resources: [r]))
                    } else {
                        for n in resourceNames {
                            out.append(PolicyRule(verbs: [v], apiGroups: [g], resources: [r], resourceNames: [n]))
                        }
                    }
                }
            }
        }
        return out
    }
}

/// A decision and why.
public struct AuthorizationDecision: Sendable {
    public var allowed: Bool
    public var reason: String
}

/// The role a binding grants, and to whom.
struct BindingEntry: Sendable, Hashable {
    /// The binding's namespace (empty for a ClusterRoleBinding).
    var namespace: String
    var name: String
    /// `Role` or `ClusterRole`.
    var roleKind: String
    var roleName: String
    /// Subject keys (`User:alice`, `Group:system:masters`).
    var subjects: [String]

    init?(json: JSONValue, cluster: Bool) {
        guard let name = json[path: ["metadata", "name"]]?.stringValue else { return nil }
        self.name = name
        namespace = cluster ? "" : json[path: ["metadata", "namespace"]]?.stringValue ?? ""
        roleKind = json[path: ["roleRef", "kind"]]?.stringValue ?? ""
        roleName = json[path: ["roleRef", "name"]]?.stringValue ?? ""
        let ns = namespace
        subjects = (json["subjects"]?.arrayValue ?? []).compactMap { BindingEntry.subjectKey($0, bindingNamespace: ns) }
    }

    /// A subject's index key; a ServiceAccount is the user `system:serviceaccount:NS:NAME`.
    static func subjectKey(_ s: JSONValue, bindingNamespace: String) -> String? {
        guard let name = s["name"]?.stringValue, !name.isEmpty else { return nil }
        switch s["kind"]?.stringValue {
        case "User": return "User:" + name
        case "Group": return "Group:" + name
        case "ServiceAccount":
            let ns = s["namespace"]?.stringValue ?? bindingNamespace
            guard !ns.isEmpty else { return nil }
            return "User:" + ServiceAccountName(namespace: ns, name: name).userName
        default: return nil
        }
    }
}

/// Role-based access control decided from an in-memory index of Roles, ClusterRoles and their bindings, kept
/// current by `RBACIndexer` from the store's watch (never a store read per request). Members of `system:masters`
/// are allowed everything, as kube-apiserver's privileged-group authorizer does before RBAC.
///
/// The index is read on every request, so it is a lock-protected class rather than an actor: a decision is a few
/// dictionary lookups and must not queue behind an executor hop.
public final class RBACAuthorizer: @unchecked Sendable {
    private let lock = NSLock()
    private var clusterRoles: [String: [PolicyRule]] = [:]
    private var roles: [String: [PolicyRule]] = [:]  // "ns/name"
    private var bindings: [String: BindingEntry] = [:]  // "crb/name" or "rb/ns/name"
    private var bySubject: [String: Set<String>] = [:]
    /// The store revision the index reflects.
    public private(set) var revision: Int64 = 0

    public static let mastersGroup = "system:masters"

    /// The Node authorizer, asked first (as kube-apiserver's `--authorization-mode=Node,RBAC`).
    public let nodes: NodeAuthorizer?

    public init(nodes: NodeAuthorizer? = nil) {
        self.nodes = nodes
    }

    // MARK: Index upkeep

    /// Replaces the whole index (from a list at `revision`); the watch keeps it current from there.
    public func reset(clusterRoles cr: [JSONValue], roles r: [JSONValue], clusterRoleBindings crb: [JSONValue],
               roleBindings rb: [JSONValue], revision rev: Int64) {
        lock.withLock {
            clusterRoles = [:]
            roles = [:]
            bindings = [:]
            bySubject = [:]
            for o in cr { if let n = o[path: ["metadata", "name"]]?.stringValue { clusterRoles[n] = PolicyRule.rules(of: o) } }
            for o in r { if let k = Self.namespacedKey(o) { roles[k] = PolicyRule.rules(of: o) } }
            for o in crb { putBinding(o, cluster: true) }
            for o in rb { putBinding(o, cluster: false) }
            revision = rev
        }
    }

    static func namespacedKey(_ o: JSONValue) -> String? {
        guard let ns = o[path: ["metadata", "namespace"]]?.stringValue, let n = o[path: ["metadata", "name"]]?.stringValue
        else { return nil }
        return "\(ns)/\(n)"
    }

    private func putBinding(_ o: JSONValue, cluster: Bool) {
        guard let entry = BindingEntry(json: o, cluster: cluster) else { return }
        let id = cluster ? "crb/\(entry.name)" : "rb/\(entry.namespace)/\(entry.name)"
        removeBinding(id)
        bindings[id] = entry
        for s in entry.subjects { bySubject[s, default: []].insert(id) }
    }

    private func removeBinding(_ id: String) {
        guard let old = bindings.removeValue(forKey: id) else { return }
        for s in old.subjects {
            bySubject[s]?.remove(id)
            if bySubject[s]?.isEmpty == true { bySubject[s] = nil }
        }
    }

    /// Applies one change of an RBAC object (`object` nil: deleted).
    func apply(resource: ResourceInfo, key: String, object: JSONValue?, revision rev: Int64) {
        lock.withLock {
            defer { revision = max(revision, rev) }
            let rest = key.dropFirst(resource.keyPrefix.count)
            switch resource {
            case .clusterRoles:
                clusterRoles[String(rest)] = object.map(PolicyRule.rules(of:))
            case .roles:
                roles[String(rest)] = object.map(PolicyRule.rules(of:))
            case .clusterRoleBindings:
                if let object { putBinding(object, cluster: true) } else { removeBinding("crb/\(rest)") }
            case .roleBindings:
                if let object { putBinding(object, cluster: false) } else { removeBinding("rb/\(rest)") }
            default: break
            }
        }
    }

    /// Index sizes (roles, cluster roles, bindings), for the benchmark and logs.
    public var counts: (roles: Int, clusterRoles: Int, bindings: Int) {
        lock.withLock { (roles.count, clusterRoles.count, bindings.count) }
    }

    // MARK: Decisions

    private func subjectKeys(_ user: UserInfo) -> [String] {
        ["User:" + user.name] + user.groups.map { "Group:" + $0 }
    }

    /// Whether `user` may do `a`.
    public func authorize(_ user: UserInfo, _ a: AccessRequest) -> AuthorizationDecision {
        if user.groups.contains(Self.mastersGroup) { return AuthorizationDecision(allowed: true, reason: "") }
        switch nodes?.authorize(user, a) ?? .noOpinion {
        case .allow: return AuthorizationDecision(allowed: true, reason: "Node: allowed")
        case .deny(let why): return AuthorizationDecision(allowed: false, reason: why)
        case .noOpinion: break
        }
        return lock.withLock {
            var missing: [String] = []
            for key in subjectKeys(user) {
                for id in bySubject[key] ?? [] {
                    guard let b = bindings[id] else { continue }
                    // A RoleBinding grants only in its own namespace.
                    if !b.namespace.isEmpty, b.namespace != a.namespace || !a.isResource { continue }
                    guard let rules = rulesLocked(b) else {
                        missing.append(b.roleKind == "Role" ? "role.rbac.authorization.k8s.io \"\(b.roleName)\" not found"
                                       : "clusterrole.rbac.authorization.k8s.io \"\(b.roleName)\" not found")
                        continue
                    }
                    if rules.contains(where: { $0.allows(a) }) {
                        let how = b.namespace.isEmpty ? "ClusterRoleBinding \"\(b.name)\""
                            : "RoleBinding \"\(b.name)/\(b.namespace)\""
                        return AuthorizationDecision(allowed: true, reason: "RBAC: allowed by \(how) of \(b.roleKind) \"\(b.roleName)\" to \(key)")
                    }
                }
            }
            return AuthorizationDecision(allowed: false, reason: missing.isEmpty ? "" : "RBAC: " + missing.joined(separator: ", "))
        }
    }

    private func rulesLocked(_ b: BindingEntry) -> [PolicyRule]? {
        switch b.roleKind {
        case "ClusterRole": return clusterRoles[b.roleName]
        case "Role": return roles["\(b.namespace)/\(b.roleName)"]
        default: return nil
        }
    }

    /// Every rule that applies to `user` in `namespace` (cluster-wide rules included; `namespace` empty: only those).
    public func rules(for user: UserInfo, namespace: String) -> [PolicyRule] {
        if user.groups.contains(Self.mastersGroup) {
            return [PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]), PolicyRule(verbs: ["*"], nonResourceURLs: ["*"])]
        }
        return lock.withLock {
            var out: [PolicyRule] = []
            var seen = Set<String>()
            for key in subjectKeys(user) {
                for id in bySubject[key] ?? [] where !seen.contains(id) {
                    seen.insert(id)
                    guard let b = bindings[id], b.namespace.isEmpty || b.namespace == namespace else { continue }
                    out += rulesLocked(b) ?? []
                }
            }
            return out
        }
    }

    /// The rules of `role` that `user` does not hold in `namespace` (empty: no escalation). RBAC's
    /// `ConfirmNoEscalation`: each rule is split into atoms and every atom must be covered by a rule the user has.
    public func escalation(user: UserInfo, namespace: String, rules wanted: [PolicyRule]) -> [PolicyRule] {
        let held = rules(for: user, namespace: namespace)
        var missing: [PolicyRule] = []
        for rule in wanted {
            for atom in rule.atoms where !held.contains(where: { $0.covers(atom) }) { missing.append(atom) }
        }
        return missing
    }

    /// The rules of the role a binding object references (nil: it does not exist).
    public func referencedRules(_ binding: JSONValue, namespace: String) -> [PolicyRule]? {
        let kind = binding[path: ["roleRef", "kind"]]?.stringValue ?? ""
        let name = binding[path: ["roleRef", "name"]]?.stringValue ?? ""
        return lock.withLock {
            kind == "ClusterRole" ? clusterRoles[name] : kind == "Role" ? roles["\(namespace)/\(name)"] : nil
        }
    }
}
