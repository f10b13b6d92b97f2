import Foundation

/// Validation of objects as the API server admits them, with Kubernetes' rules, field paths and messages.
///
/// `validate` checks one object (already defaulted by the server); `validateUpdate` checks what an update
/// may not change. Both return every problem found, not just the first.
public enum Validation {
    /// Validates an object of `resource`: decodes it into its typed form (a field of the wrong type is a
    /// `.typeInvalid` error at that field's path) and applies the kind's rules.
    public static func validate(_ object: JSONValue, resource: ResourceInfo) -> [FieldError] {
        if let custom = resource.custom { return validateCustom(object, resource: resource, custom) }
        do {
            switch (resource.group, resource.kind) {
            case ("", "Namespace"): return validateNamespace(try decode(object))
            case ("", "Node"): return validateNode(try decode(object))
            case ("", "Pod"): return validatePod(try decode(object))
            case ("", "ConfigMap"): return validateConfigMap(try decode(object))
            case ("", "Secret"): return validateSecret(try decode(object))
            case ("", "Service"): return validateService(try decode(object))
            case ("", "Endpoints"): return validateEndpoints(try decode(object))
            case ("", "Event"): return validateEvent(try decode(object))
            case ("events.k8s.io", "Event"): return validateEventsV1(object, resource: resource)
            case ("apps", "Deployment"): return validateDeployment(try decode(object))
            case ("apps", "ReplicaSet"): return validateReplicaSet(try decode(object))
            case ("", "ReplicationController"): return validateReplicationController(try decode(object))
            case ("apps", "DaemonSet"): return validateDaemonSet(try decode(object))
            case ("apps", "StatefulSet"): return validateStatefulSet(try decode(object))
            case ("batch", "Job"): return validateJob(try decode(object))
            case ("batch", "CronJob"): return validateCronJob(try decode(object))
            case ("policy", "PodDisruptionBudget"): return validatePodDisruptionBudget(try decode(object))
            case ("autoscaling", "HorizontalPodAutoscaler"):
                if resource.version == "v1", let cpu = object[path: ["spec", "targetCPUUtilizationPercentage"]]?.intValue, cpu < 1 {
                    return [.invalid("spec.targetCPUUtilizationPercentage", cpu, "must be greater than or equal to 1")]
                }
                // v1 is checked in its stored (v2) form: the same rules.
                return validateHorizontalPodAutoscaler(resource.version == "v1" ? HPAVersions.toV2(object) : object, resource: resource)
            case ("networking.k8s.io", "Ingress"): return validateIngress(object, resource: resource)
            case ("networking.k8s.io", "IngressClass"): return validateIngressClass(object, resource: resource)
            case ("networking.k8s.io", "NetworkPolicy"): return validateNetworkPolicy(try decode(object), resource: resource)
            case ("scheduling.k8s.io", "PriorityClass"): return validatePriorityClass(object, resource: resource)
            case ("", "LimitRange"): return validateLimitRange(object, resource: resource)
            case ("", "ResourceQuota"): return validateResourceQuota(object, resource: resource)
            case ("", "PersistentVolume"): return validatePersistentVolume(try decode(object), resource: resource)
            case ("", "PersistentVolumeClaim"): return validatePersistentVolumeClaim(try decode(object), resource: resource)
            case ("storage.k8s.io", "StorageClass"): return validateStorageClass(try decode(object), resource: resource)
            case ("apiextensions.k8s.io", "CustomResourceDefinition") where resource.custom == nil:
                return validateCRD(object, resource: resource)
            case ("coordination.k8s.io", "Lease"): return validateLease(try decode(object))
            case ("discovery.k8s.io", "EndpointSlice"): return validateEndpointSlice(try decode(object))
            case ("rbac.authorization.k8s.io", "Role"): return validateRole(object, resource: resource, namespaced: true)
            case ("rbac.authorization.k8s.io", "ClusterRole"): return validateRole(object, resource: resource, namespaced: false)
            case ("rbac.authorization.k8s.io", "RoleBinding"): return validateBinding(object, resource: resource, namespaced: true)
            case ("rbac.authorization.k8s.io", "ClusterRoleBinding"):
                return validateBinding(object, resource: resource, namespaced: false)
            default:
                // Unknown kinds: only the metadata rules.
                let meta: ObjectMeta = (try? (object["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
                return validateObjectMeta(meta, resource: resource)
            }
        } catch let e as DecodeFailure {
            return [e.error]
        } catch {
            return [FieldError(.invalid, "", "\(error)")]
        }
    }

    /// Validates `new` as an update of `old`: the fields that may not change (names, selectors, most of a
    /// Pod's spec, immutable ConfigMaps and Secrets, a Service's clusterIP...). It does not repeat
    /// `validate(new)`; call both.
    public static func validateUpdate(old: JSONValue, new: JSONValue, resource: ResourceInfo) -> [FieldError] {
        if resource.custom != nil {
            let o: ObjectMeta = (try? (old["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
            let n: ObjectMeta = (try? (new["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
            return updateMeta(o, n)
        }
        do {
            switch (resource.group, resource.kind) {
            case ("apiextensions.k8s.io", "CustomResourceDefinition"): return updateCRD(old: old, new: new)
            case ("", "Pod"): return updatePod(try decode(old), try decode(new))
            case ("", "PersistentVolume"), ("", "PersistentVolumeClaim"), ("storage.k8s.io", "StorageClass"):
                return updateStorage(old: old, new: new, kind: resource.kind)
            case ("", "ConfigMap"): return updateConfigMap(try decode(old), try decode(new))
            case ("", "Secret"): return updateSecret(try decode(old), try decode(new))
            case ("", "Service"): return updateService(try decode(old), try decode(new))
            case ("", "Node"): return updateNode(try decode(old), try decode(new))
            case ("apps", "Deployment"):
                let (o, n): (Deployment, Deployment) = (try decode(old), try decode(new))
                return updateMeta(o.metadata, n.metadata) + immutableSelector(o.spec?.selector, n.spec?.selector)
            case ("apps", "ReplicaSet"):
                let (o, n): (ReplicaSet, ReplicaSet) = (try decode(old), try decode(new))
                return updateMeta(o.metadata, n.metadata) + immutableSelector(o.spec?.selector, n.spec?.selector)
            case ("apps", "DaemonSet"):
                let (o, n): (DaemonSet, DaemonSet) = (try decode(old), try decode(new))
                return updateMeta(o.metadata, n.metadata) + immutableSelector(o.spec?.selector, n.spec?.selector)
            case ("apps", "ControllerRevision"):
                let o: ObjectMeta = (try? (old["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
                let n: ObjectMeta = (try? (new["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
                return updateMeta(o, n) + (old["data"] == new["data"] ? [] : [.forbidden("data", "field is immutable")])
            case ("apps", "StatefulSet"):
                let (o, n): (StatefulSet, StatefulSet) = (try decode(old), try decode(new))
                var errs = updateMeta(o.metadata, n.metadata) + immutableSelector(o.spec?.selector, n.spec?.selector)
                // Kubernetes' rule: only these spec fields may change.
                var a = old["spec"] ?? .emptyObject, b = new["spec"] ?? .emptyObject
                for f in ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds",
                          "revisionHistoryLimit"] { a[f] = nil; b[f] = nil }
                if a != b {
                    errs.append(.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
                }
                return errs
            case ("batch", "Job"): return updateJob(try decode(old), try decode(new))
            case ("scheduling.k8s.io", "PriorityClass"):
                let o: ObjectMeta = (try? (old["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
                let n: ObjectMeta = (try? (new["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
                var errs = updateMeta(o, n)
                if old["value"] != new["value"] { errs.append(.forbidden("value", "may not be changed in an update.")) }
                if old["preemptionPolicy"] != new["preemptionPolicy"] {
                    errs.append(.invalid("preemptionPolicy", new["preemptionPolicy"]?.stringValue ?? "", "field is immutable"))
                }
                return errs
            case ("networking.k8s.io", "IngressClass"):
                let o: ObjectMeta = (try? (old["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
                let n: ObjectMeta = (try? (new["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
                var errs = updateMeta(o, n)
                let was = old[path: ["spec", "controller"]]?.stringValue ?? "", now = new[path: ["spec", "controller"]]?.stringValue ?? ""
                if was != now { errs.append(.invalid("spec.controller", now, "field is immutable")) }
                return errs
            case ("rbac.authorization.k8s.io", "RoleBinding"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"):
                let o: ObjectMeta = (try? (old["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
                let n: ObjectMeta = (try? (new["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
                return updateMeta(o, n) + updateBinding(old: old, new: new)
            default:
                let o: ObjectMeta = (try? (old["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
                let n: ObjectMeta = (try? (new["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
                return updateMeta(o, n)
            }
        } catch let e as DecodeFailure {
            return [e.error]
        } catch {
            return [FieldError(.invalid, "", "\(error)")]
        }
    }

    // MARK: - Decoding

    struct DecodeFailure: Error { var error: FieldError }

    static func decode<T: Decodable>(_ object: JSONValue) throws -> T {
        do {
            return try object.decode(T.self)
        } catch let e as DecodingError {
            throw DecodeFailure(error: decodingFieldError(e, object: object))
        }
    }

    /// Field names whose JSON value is a map, so that a key below them renders as `labels[app]`.
    static let mapFields: Set<String> = [
        "labels", "annotations", "nodeSelector", "limits", "requests", "capacity", "allocatable", "overhead",
        "data", "binaryData", "stringData", "matchLabels",
    ]

    /// Turns a decoding error into a `.typeInvalid` field error at the offending path.
    public static func decodingFieldError(_ error: DecodingError, object: JSONValue) -> FieldError {
        let codingPath: [any CodingKey]
        let detail: String
        switch error {
        case .typeMismatch(let type, let ctx):
            codingPath = ctx.codingPath
            detail = "must be of type \(jsonTypeName(type))"
        case .valueNotFound(let type, let ctx):
            codingPath = ctx.codingPath
            detail = "must be of type \(jsonTypeName(type))"
        case .keyNotFound(let key, let ctx):
            return FieldError.required(renderPath(ctx.codingPath + [key], object: object))
        case .dataCorrupted(let ctx):
            codingPath = ctx.codingPath
            detail = ctx.debugDescription
        @unknown default:
            return FieldError(.typeInvalid, "", "\(error)")
        }
        let path = renderPath(codingPath, object: object)
        var value: JSONValue? = object
        for k in codingPath {
            if let i = k.intValue, case .array(let a)? = value { value = i < a.count ? a[i] : nil } else { value = value?[k.stringValue] }
        }
        let rendered: String
        switch value {
        case .string(let s)?: rendered = "\"\(s)\""
        case let v?: rendered = v.jsonString()
        case nil: rendered = "null"
        }
        return FieldError(.typeInvalid, path, "Invalid value: \(rendered): \(detail)")
    }

    static func renderPath(_ codingPath: [any CodingKey], object: JSONValue) -> String {
        var s = ""
        var prev = ""
        var cur: JSONValue? = object
        for k in codingPath {
            if let i = k.intValue, case .array = cur {
                s += "[\(i)]"
                cur = cur?.arrayValue.flatMap { i < $0.count ? $0[i] : nil }
                prev = ""
                continue
            }
            let name = k.stringValue
            if mapFields.contains(prev) {
                s += "[\(name)]"
                prev = ""
            } else {
                s += s.isEmpty ? name : ".\(name)"
                prev = name
            }
            cur = cur?[name]
        }
        return s
    }

    static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int32.Type, is Int64.Type, is UInt.Type: return "integer"
        case is Double.Type, is Float.Type: return "number"
        case is String.Type: return "string"
        case is Bool.Type: return "boolean"
        case is Quantity.Type: return "quantity (string or number)"
        case is IntOrString.Type: return "integer or string"
        default:
            let n = String(describing: type)
            if n.hasPrefix("Array") { return "array" }
            return "object"
        }
    }

    // MARK: - Value rendering

    /// A value rendered verbatim in an `Invalid value: ...` message.
    struct Raw: CustomStringConvertible {
        var description: String
        init(_ s: String) { description = s }
    }

    /// A string map rendered as Go prints it (`map[string]string{"app":"web"}`).
    static func goMap(_ m: [String: String]?) -> Raw {
        guard let m else { return Raw("map[string]string(nil)") }
        return Raw("map[string]string{" + m.keys.sorted().map { "\"\($0)\":\"\(m[$0]!)\"" }.joined(separator: ", ") + "}")
    }

    /// A label selector rendered as Go prints it.
    static func goSelector(_ s: LabelSelector?) -> Raw {
        guard let s else { return Raw("null") }
        let exprs: String
        if let e = s.matchExpressions {
            exprs = "[]v1.LabelSelectorRequirement{" + e.map { r in
                let values = r.values.map { "[]string{" + $0.map { "\"\($0)\"" }.joined(separator: ", ") + "}" } ?? "[]string(nil)"
                return "v1.LabelSelectorRequirement{Key:\"\(r.key ?? "")\", Operator:\"\(r.operator ?? "")\", Values:\(values)}"
            }.joined(separator: ", ") + "}"
        } else {
            exprs = "[]v1.LabelSelectorRequirement(nil)"
        }
        return Raw("v1.LabelSelector{MatchLabels:\(goMap(s.matchLabels)), MatchExpressions:\(exprs)}")
    }

    /// Any encodable value rendered as compact JSON.
    static func json<T: Encodable>(_ v: T?) -> Raw {
        guard let v, let j = try? JSONValue.encode(v) else { return Raw("null") }
        return Raw(j.jsonString())
    }

    // MARK: - Generic rules

    static func nonNegative(_ v: Int?, _ path: String) -> [FieldError] {
        guard let v, v < 0 else { return [] }
        return [.invalid(path, v, "must be greater than or equal to 0")]
    }

    static func positive(_ v: Int?, _ path: String) -> [FieldError] {
        guard let v, v <= 0 else { return [] }
        return [.invalid(path, v, "must be greater than 0")]
    }

    static func supported(_ v: String?, _ path: String, _ values: [String]) -> [FieldError] {
        guard let v, !values.contains(v) else { return [] }
        return [.notSupported(path, v, values)]
    }

    static func check(_ v: String, _ path: String, _ rule: (String) -> [String]) -> [FieldError] {
        rule(v).map { .invalid(path, v, $0) }
    }

    /// `metadata.labels`-style map: qualified-name keys and label values.
    public static func validateLabels(_ labels: [String: String]?, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for k in (labels ?? [:]).keys.sorted() {
            errs += check(k, path, NameRules.qualifiedName)
            errs += check(labels![k]!, path, NameRules.labelValue)
        }
        return errs
    }

    static let totalAnnotationSizeLimit = 256 * 1024

    /// Annotations: qualified-name keys, at most 256 KiB in all.
    public static func validateAnnotations(_ annotations: [String: String]?, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var total = 0
        for k in (annotations ?? [:]).keys.sorted() {
            for m in NameRules.qualifiedName(k.lowercased()) { errs.append(.invalid(path, k, m)) }
            total += k.utf8.count + annotations![k]!.utf8.count
        }
        if total > totalAnnotationSizeLimit { errs.append(.tooLong(path, totalAnnotationSizeLimit)) }
        return errs
    }

    /// A label selector's syntax (`matchLabels`, `matchExpressions`).
    public static func validateLabelSelector(_ s: LabelSelector?, _ path: String) -> [FieldError] {
        guard let s else { return [] }
        var errs = validateLabels(s.matchLabels, "\(path).matchLabels")
        for (i, r) in (s.matchExpressions ?? []).enumerated() {
            let p = "\(path).matchExpressions[\(i)]"
            let values = r.values ?? []
            switch r.operator ?? "" {
            case "In", "NotIn":
                if values.isEmpty {
                    errs.append(.required("\(p).values", "must be specified when `operator` is 'In' or 'NotIn'"))
                }
            case "Exists", "DoesNotExist":
                if !values.isEmpty {
                    errs.append(.forbidden("\(p).values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
                }
            default:
                errs.append(.invalid("\(p).operator", r.operator ?? "", "not a valid selector operator"))
            }
            errs += check(r.key ?? "", "\(p).key", NameRules.qualifiedName)
            for (j, v) in values.enumerated() { errs += check(v, "\(p).values[\(j)]", NameRules.labelValue) }
        }
        return errs
    }

    /// The name rule of a resource: DNS-1123 label for Namespaces, DNS-1035 label for Services,
    /// DNS-1123 subdomain otherwise.
    public static func nameRule(for resource: ResourceInfo) -> (String) -> [String] {
        switch (resource.group, resource.kind) {
        case ("", "Namespace"): return NameRules.dns1123Label
        case ("", "Service"): return NameRules.dns1035Label
        case ("rbac.authorization.k8s.io", _): return NameRules.pathSegment
        default: return NameRules.dns1123Subdomain
        }
    }

    /// The metadata rules every object follows: name (or generateName), namespace, labels, annotations,
    /// owner references and finalizers.
    public static func validateObjectMeta(_ meta: ObjectMeta, resource: ResourceInfo) -> [FieldError] {
        var errs: [FieldError] = []
        let rule = nameRule(for: resource)
        let name = meta.name ?? ""
        let generateName = meta.generateName ?? ""
        if !generateName.isEmpty {
            // A trailing '-' is allowed in a prefix.
            var masked = generateName
            if masked.count > 1, masked.hasSuffix("-") { masked = String(masked.dropLast()) + "a" }
            for m in rule(masked) { errs.append(.invalid("metadata.generateName", generateName, m)) }
        }
        if name.isEmpty {
            if generateName.isEmpty { errs.append(.required("metadata.name", "name or generateName is required")) }
        } else {
            for m in rule(name) { errs.append(.invalid("metadata.name", name, m)) }
        }
        let namespace = meta.namespace ?? ""
        if resource.namespaced {
            if !namespace.isEmpty { errs += check(namespace, "metadata.namespace", NameRules.dns1123Label) }
        } else if !namespace.isEmpty {
            errs.append(.forbidden("metadata.namespace", "not allowed on this type"))
        }
        errs += nonNegative(meta.generation, "metadata.generation")
        errs += nonNegative(meta.deletionGracePeriodSeconds, "metadata.deletionGracePeriodSeconds")
        errs += validateLabels(meta.labels, "metadata.labels")
        errs += validateAnnotations(meta.annotations, "metadata.annotations")
        let refs = meta.ownerReferences ?? []
        for r in refs {
            let p = "metadata.ownerReferences"
            if (r.apiVersion ?? "").isEmpty { errs.append(.invalid("\(p).apiVersion", r.apiVersion ?? "", "version must not be empty")) }
            if (r.kind ?? "").isEmpty { errs.append(.invalid("\(p).kind", r.kind ?? "", "kind must not be empty")) }
            if (r.name ?? "").isEmpty { errs.append(.invalid("\(p).name", r.name ?? "", "name must not be empty")) }
            if (r.uid ?? "").isEmpty { errs.append(.invalid("\(p).uid", r.uid ?? "", "uid must not be empty")) }
        }
        let controllers = refs.filter { $0.controller == true }
        if controllers.count > 1 {
            let names = controllers.map { "\($0.kind ?? "")/\($0.name ?? "")" }.joined(separator: ", ")
            errs.append(.invalid("metadata.ownerReferences", json(refs),
                                 "Only one reference can have Controller set to true. Found \"true\" in references for \(names)"))
        }
        for (i, f) in (meta.finalizers ?? []).enumerated() {
            errs += check(f, "metadata.finalizers[\(i)]", NameRules.qualifiedName)
        }
        return errs
    }

    /// The metadata of a pod template: labels and annotations.
    static func validateTemplateMeta(_ meta: ObjectMeta?, _ path: String) -> [FieldError] {
        validateLabels(meta?.labels, "\(path).labels") + validateAnnotations(meta?.annotations, "\(path).annotations")
    }

    // MARK: - Update rules shared by all kinds

    static func immutable<T: Equatable>(_ old: T?, _ new: T?, _ path: String, render: CustomStringConvertible) -> [FieldError] {
        old == new ? [] : [.invalid(path, render, "field is immutable")]
    }

    /// `metadata.name`, `metadata.namespace` and `metadata.uid` may not change.
    public static func updateMeta(_ old: ObjectMeta, _ new: ObjectMeta) -> [FieldError] {
        var errs: [FieldError] = []
        if (old.name ?? "") != (new.name ?? "") {
            errs.append(.invalid("metadata.name", new.name ?? "", "field is immutable"))
        }
        if (old.namespace ?? "") != (new.namespace ?? "") {
            errs.append(.invalid("metadata.namespace", new.namespace ?? "", "field is immutable"))
        }
        if let o = old.uid, !o.isEmpty, let n = new.uid, !n.isEmpty, o != n {
            errs.append(.invalid("metadata.uid", n, "field is immutable"))
        }
        if let o = old.creationTimestamp, let n = new.creationTimestamp, o != n {
            errs.append(.invalid("metadata.creationTimestamp", n, "field is immutable"))
        }
        return errs
    }

    static func immutableSelector(_ old: LabelSelector?, _ new: LabelSelector?) -> [FieldError] {
        old == new ? [] : [.invalid("spec.selector", goSelector(new), "field is immutable")]
    }
}
