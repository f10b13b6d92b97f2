import Foundation
import GantryAPI
import HTTPTypes
import Hummingbird

extension APIHandler {
    /// Throws `403 Forbidden` with Kubernetes' message unless `user` may do `a` (always allowed without an authorizer).
    func allow(_ user: UserInfo, _ a: AccessRequest) throws {
        guard let authorizer else { return }
        let d = authorizer.authorize(user, a)
        if let notes = AuditAnnotations.current {
            notes.set("authorization.k8s.io/decision", d.allowed ? "allow" : "forbid")
            if !d.reason.isEmpty { notes.set("authorization.k8s.io/reason", d.reason) }
        }
        if !d.allowed { throw a.forbidden(user: user, reason: d.reason) }
    }

    /// `allow`, except that a node's request the Node authorizer refuses is decided again once its pod graph has
    /// caught up with the store: the agent may have seen its pod's binding before the graph did.
    func allowWithCatchUp(_ user: UserInfo, _ a: AccessRequest) async throws {
        do {
            try allow(user, a)
        } catch let e as GantryError where e.code == .forbidden {
            guard let nodes = authorizer?.nodes, NodeAuthorizer.nodeName(of: user) != nil,
                  let now = try? await registry.store.currentRevision(), now > nodes.revision else { throw e }
            await nodes.waitFor(revision: now)
            try allow(user, a)
        }
    }

    /// Whether `user` may exec in the pod a `/api/v1/namespaces/NS/pods/NAME/exec` path names (an unparsable path
    /// is left to routing, which answers it).
    func mayExec(_ user: UserInfo, path: String) -> Bool {
        let segs = (path.split(separator: "?").first ?? "").split(separator: "/").map(String.init)
        guard segs.count == 7, segs[0] == "api", segs[2] == "namespaces", segs[4] == "pods", segs[6] == "exec" else { return true }
        return (try? allow(user, AccessRequest(verb: "create", resource: "pods", subresource: "exec", namespace: segs[3],
                                               name: segs[5]))) != nil
    }

    /// The verb of a resource request, as Kubernetes' RequestInfo derives it from the method, whether one object is
    /// named, and `watch`.
    static func requestVerb(method: HTTPRequest.Method, named: Bool, watch: Bool) -> String {
        switch method {
        case .get, .head: return watch ? "watch" : named ? "get" : "list"
        case .post: return "create"
        case .put: return "update"
        case .patch: return "patch"
        case .delete: return named ? "delete" : "deletecollection"
        default: return method.rawValue.lowercased()
        }
    }

    /// The verb and resource of a request, as Kubernetes' RequestInfo derives them.
    static func accessRequest(_ r: ResourceInfo, method: HTTPRequest.Method, namespace: String?, name: String?,
                              subresource: String?, watch: Bool) -> AccessRequest {
        var sub = subresource ?? ""
        if r == .nodes, sub.hasPrefix("proxy/") { sub = "proxy" }
        let verb = requestVerb(method: method, named: name != nil, watch: watch)
        // Exec runs commands whatever the method the upgrade used: it needs create, as Kubernetes asks since 1.30.
        let v = sub == "exec" ? "create" : verb
        return AccessRequest(verb: v, group: r.group, resource: r.plural, subresource: sub, namespace: namespace ?? "",
                             name: name ?? "")
    }

    /// Applies `Impersonate-User`, `-Group`, `-Uid` and `-Extra-*` headers (`kubectl --as`, `--as-group`): each needs
    /// the `impersonate` verb on what it names; the request then runs as that user.
    func impersonate(_ user: UserInfo, _ headers: HTTPFields) throws -> UserInfo {
        let asUser = headers[HTTPField.Name("Impersonate-User")!]
        let asGroups = headers[values: HTTPField.Name("Impersonate-Group")!]
        let asUID = headers[HTTPField.Name("Impersonate-Uid")!]
        var extra: [String: [String]] = [:]
        for f in headers where f.name.canonicalName.hasPrefix("impersonate-extra-") {
            let key = String(f.name.canonicalName.dropFirst("impersonate-extra-".count)).removingPercentEncoding ?? ""
            extra[key, default: []].append(f.value)
        }
        guard asUser != nil || !asGroups.isEmpty || asUID != nil || !extra.isEmpty else { return user }
        guard let name = asUser, !name.isEmpty else {
            throw GantryError(.badRequest, "requested \(asGroups.isEmpty ? "uid or extra" : "groups") without impersonating a user")
        }
        if let sa = ServiceAccountName(user: name) {
            try allow(user, AccessRequest(verb: "impersonate", resource: "serviceaccounts", namespace: sa.namespace, name: sa.name))
        } else {
            try allow(user, AccessRequest(verb: "impersonate", resource: "users", name: name))
        }
        for g in asGroups { try allow(user, AccessRequest(verb: "impersonate", resource: "groups", name: g)) }
        if let asUID { try allow(user, AccessRequest(verb: "impersonate", group: "authentication.k8s.io", resource: "uids", name: asUID)) }
        for (k, values) in extra {
            for v in values {
                try allow(user, AccessRequest(verb: "impersonate", group: "authentication.k8s.io", resource: "userextras",
                                              subresource: k, name: v))
            }
        }
        var groups = asGroups
        if let sa = ServiceAccountName(user: name) {
            for g in sa.groups where !groups.contains(g) { groups.append(g) }
        }
        let impersonated = UserInfo(name: name, uid: asUID ?? "", groups: groups, extra: extra)
        return name == UserInfo.anonymous.name ? impersonated : impersonated.authenticated
    }

    /// Answers a create-only review: Self/Local/SubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview,
    /// TokenReview.
    func review(_ r: ResourceInfo, namespace: String?, body: JSONValue, user: UserInfo) async throws -> JSONValue {
        var out = body
        out["apiVersion"] = .string(r.apiVersion)
        out["kind"] = .string(r.kind)
        if out["metadata"] == nil { out["metadata"] = .emptyObject }
        out[path: ["metadata", "creationTimestamp"]] = nil
        switch r {
        case .selfSubjectAccessReviews, .subjectAccessReviews, .localSubjectAccessReviews:
            let spec = body["spec"] ?? .emptyObject
            let subject: UserInfo
            if r == .selfSubjectAccessReviews {
                subject = user
            } else {
                let name = spec["user"]?.stringValue ?? ""
                let groups = spec["groups"]?.arrayValue?.compactMap(\.stringValue) ?? []
                if name.isEmpty, groups.isEmpty {
                    throw GantryError.invalid(r, "", [.invalid("spec.user", "\"\"", "at least one of user or group must be specified")])
                }
                var extra: [String: [String]] = [:]
                for (k, v) in spec["extra"]?.objectValue ?? [:] { extra[k] = v.arrayValue?.compactMap(\.stringValue) ?? [] }
                subject = UserInfo(name: name, uid: spec["uid"]?.stringValue ?? "", groups: groups, extra: extra)
            }
            let a: AccessRequest
            if let ra = spec["resourceAttributes"], spec["nonResourceAttributes"] == nil {
                var ns = ra["namespace"]?.stringValue ?? ""
                if r == .localSubjectAccessReviews {
                    if ns.isEmpty { ns = namespace ?? "" }
                    guard ns == namespace else {
                        throw GantryError.invalid(r, "", [.invalid("spec.resourceAttributes.namespace", ns, "must match metadata.namespace")])
                    }
                }
                a = AccessRequest(verb: ra["verb"]?.stringValue ?? "", group: ra["group"]?.stringValue ?? "",
                                  resource: ra["resource"]?.stringValue ?? "", subresource: ra["subresource"]?.stringValue ?? "",
                                  namespace: ns, name: ra["name"]?.stringValue ?? "")
            } else if let na = spec["nonResourceAttributes"], spec["resourceAttributes"] == nil {
                a = AccessRequest(verb: na["verb"]?.stringValue ?? "", path: na["path"]?.stringValue ?? "")
            } else {
                throw GantryError.invalid(r, "", [.invalid("spec.resourceAttributes", "null",
                                                           "exactly one of nonResourceAttributes or resourceAttributes must be specified")])
            }
            let d = authorizer?.authorize(subject, a) ?? AuthorizationDecision(allowed: true, reason: "authorization is off")
            var status: JSONValue = ["allowed": .bool(d.allowed)]
            if !d.reason.isEmpty { status["reason"] = .string(d.reason) }
            out["status"] = status
        case .selfSubjectRulesReviews:
            let ns = body[path: ["spec", "namespace"]]?.stringValue ?? ""
            if ns.isEmpty { throw GantryError.invalid(r, "", [.required("spec.namespace", "no namespace on request")]) }
            let rules = authorizer?.rules(for: user, namespace: ns)
                ?? [PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]), PolicyRule(verbs: ["*"], nonResourceURLs: ["*"])]
            let resourceRules: [JSONValue] = rules.filter { $0.nonResourceURLs.isEmpty }.map { rule in
                var o: JSONValue = ["verbs": .array(rule.verbs.map { .string($0) }),
                                    "apiGroups": .array(rule.apiGroups.map { .string($0) }),
                                    "resources": .array(rule.resources.map { .string($0) })]
                if !rule.resourceNames.isEmpty { o["resourceNames"] = .array(rule.resourceNames.map { .string($0) }) }
                return o
            }
            let nonResourceRules: [JSONValue] = rules.filter { !$0.nonResourceURLs.isEmpty }.map { rule in
                ["verbs": .array(rule.verbs.map { .string($0) }), "nonResourceURLs": .array(rule.nonResourceURLs.map { .string($0) })]
            }
            out["status"] = ["resourceRules": .array(resourceRules), "nonResourceRules": .array(nonResourceRules),
                             "incomplete": false]
        case .selfSubjectReviews:
            out["status"] = ["userInfo": user.json]
        case .tokenReviews:
            let token = body[path: ["spec", "token"]]?.stringValue ?? ""
            if let reviewed = await authenticator?.authenticateToken(token) {
                out["status"] = ["authenticated": true, "user": reviewed.json]
            } else {
                out["status"] = ["authenticated": false, "error": "invalid bearer token"]
            }
        default:
            throw GantryError(.methodNotAllowed, "the server does not allow this method on the requested resource")
        }
        return out
    }
}
