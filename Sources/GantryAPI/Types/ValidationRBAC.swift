import Foundation

/// Validation of rbac.authorization.k8s.io/v1 objects, with Kubernetes' rules and messages.
extension Validation {
    static func metaErrors(_ object: JSONValue, _ resource: ResourceInfo) -> [FieldError] {
        let meta: ObjectMeta = (try? (object["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
        return validateObjectMeta(meta, resource: resource)
    }

    static func strings(_ v: JSONValue?) -> [String] { v?.arrayValue?.compactMap(\.stringValue) ?? [] }

    /// A Role's or ClusterRole's rules.
    static func validateRole(_ object: JSONValue, resource: ResourceInfo, namespaced: Bool) -> [FieldError] {
        var errors = metaErrors(object, resource)
        for (i, rule) in (object["rules"]?.arrayValue ?? []).enumerated() {
            let p = "rules[\(i)]"
            let urls = strings(rule["nonResourceURLs"])
            let resources = strings(rule["resources"])
            if strings(rule["verbs"]).isEmpty { errors.append(.required("\(p).verbs", "verbs must contain at least one value")) }
            if !urls.isEmpty {
                if namespaced {
                    errors.append(.invalid("\(p).nonResourceURLs", urls.description, "namespaced rules cannot apply to non-resource URLs"))
                }
                if !resources.isEmpty || !strings(rule["apiGroups"]).isEmpty || !strings(rule["resourceNames"]).isEmpty {
                    errors.append(.invalid("\(p).nonResourceURLs", urls.description, "rules cannot apply to both regular resources and non-resource URLs"))
                }
                continue
            }
            if rule["apiGroups"]?.arrayValue == nil {
                errors.append(.required("\(p).apiGroups", "resource rules must supply at least one api group"))
            }
            if resources.isEmpty { errors.append(.required("\(p).resources", "resource rules must supply at least one resource")) }
        }
        return errors
    }

    /// A RoleBinding's or ClusterRoleBinding's roleRef and subjects.
    static func validateBinding(_ object: JSONValue, resource: ResourceInfo, namespaced: Bool) -> [FieldError] {
        var errors = metaErrors(object, resource)
        let ref = object["roleRef"] ?? .emptyObject
        if ref["apiGroup"]?.stringValue != "rbac.authorization.k8s.io" {
            errors.append(.notSupported("roleRef.apiGroup", ref["apiGroup"]?.stringValue ?? "", ["rbac.authorization.k8s.io"]))
        }
        let kinds = namespaced ? ["ClusterRole", "Role"] : ["ClusterRole"]
        if !kinds.contains(ref["kind"]?.stringValue ?? "") {
            errors.append(.notSupported("roleRef.kind", ref["kind"]?.stringValue ?? "", kinds))
        }
        if (ref["name"]?.stringValue ?? "").isEmpty { errors.append(.required("roleRef.name")) }
        for (i, s) in (object["subjects"]?.arrayValue ?? []).enumerated() {
            let p = "subjects[\(i)]"
            let kind = s["kind"]?.stringValue ?? ""
            let group = s["apiGroup"]?.stringValue ?? ""
            if (s["name"]?.stringValue ?? "").isEmpty { errors.append(.required("\(p).name")) }
            switch kind {
            case "ServiceAccount":
                if !group.isEmpty { errors.append(.notSupported("\(p).apiGroup", group, [""])) }
                if !namespaced, (s["namespace"]?.stringValue ?? "").isEmpty { errors.append(.required("\(p).namespace")) }
            case "User", "Group":
                if group != "rbac.authorization.k8s.io" {
                    errors.append(.notSupported("\(p).apiGroup", group, ["rbac.authorization.k8s.io"]))
                }
            default:
                errors.append(.notSupported("\(p).kind", kind, ["ServiceAccount", "User", "Group"]))
            }
        }
        return errors
    }

    /// A binding's roleRef may not change (delete and recreate it instead).
    static func updateBinding(old: JSONValue, new: JSONValue) -> [FieldError] {
        old["roleRef"] == new["roleRef"] ? []
            : [.invalid("roleRef", (new["roleRef"] ?? .null).jsonString(), "cannot change roleRef")]
    }
}
