import Foundation

extension Validation {
    /// The highest priority a user's PriorityClass may have; above it are the system classes'.
    public static let highestUserPriority = 1_000_000_000
    /// The built-in classes: `system-node-critical` and `system-cluster-critical`.
    public static let systemPriorityClasses: [String: Int] = ["system-node-critical": 2_000_001_000,
                                                              "system-cluster-critical": 2_000_000_000]

    /// A PriorityClass: a value no higher than 1,000,000,000 (the system classes' aside), names with `system-`
    /// reserved, a known preemption policy.
    static func validatePriorityClass(_ object: JSONValue, resource: ResourceInfo) -> [FieldError] {
        let meta: ObjectMeta = (try? (object["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
        var errs = validateObjectMeta(meta, resource: resource)
        let name = meta.name ?? ""
        guard let value = object["value"]?.intValue else {
            errs.append(.required("value"))
            return errs
        }
        if let system = systemPriorityClasses[name] {
            if Int(value) != system { errs.append(.forbidden("value", "the value of the system priority class \(name) is \(system)")) }
        } else {
            if name.hasPrefix("system-") {
                errs.append(.invalid("metadata.name", name, "priority class names with 'system-' prefix are reserved"))
            }
            if value > Int64(highestUserPriority) {
                errs.append(.forbidden("value", "maximum allowed value of a user defined priority is \(highestUserPriority)"))
            }
        }
        errs += supported(object["preemptionPolicy"]?.stringValue, "preemptionPolicy", ["Never", "PreemptLowerPriority"])
        return errs
    }

    /// A ResourceQuota: quantities that parse and are not negative, in `spec.hard` and the status; scopes are
    /// refused (Gantry's quota admission does not filter by scope).
    static func validateResourceQuota(_ object: JSONValue, resource: ResourceInfo) -> [FieldError] {
        let meta: ObjectMeta = (try? (object["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
        var errs = validateObjectMeta(meta, resource: resource)
        for path in [["spec", "hard"], ["status", "hard"], ["status", "used"]] {
            for (k, v) in (object[path: path]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                let field = path.joined(separator: ".") + "[\(k)]"
                errs += NameRules.qualifiedName(k).map { .invalid(field, k, $0) }
                guard let s = v.stringValue ?? v.intValue.map({ String($0) }), let q = try? Quantity(s) else {
                    errs.append(.invalid(field, JSONPath.text(v), Quantity.formatErrorMessage))
                    continue
                }
                if q.isNegative { errs.append(.invalid(field, s, "must be greater than or equal to 0")) }
            }
        }
        if !(object[path: ["spec", "scopes"]]?.arrayValue ?? []).isEmpty || object[path: ["spec", "scopeSelector"]] != nil {
            errs.append(.forbidden("spec.scopes", "quota scopes are not supported by Gantry"))
        }
        return errs
    }

    /// A LimitRange: known types, quantities that parse, and min ≤ defaultRequest ≤ default ≤ max per resource.
    static func validateLimitRange(_ object: JSONValue, resource: ResourceInfo) -> [FieldError] {
        let meta: ObjectMeta = (try? (object["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
        var errs = validateObjectMeta(meta, resource: resource)
        for (i, item) in (object[path: ["spec", "limits"]]?.arrayValue ?? []).enumerated() {
            let p = "spec.limits[\(i)]"
            let type = item["type"]?.stringValue ?? ""
            if type.isEmpty { errs.append(.required("\(p).type")) } else {
                errs += supported(type, "\(p).type", ["Container", "Pod", "PersistentVolumeClaim"])
            }
            var values: [String: [String: Quantity]] = [:]
            for field in ["min", "max", "default", "defaultRequest", "maxLimitRequestRatio"] {
                for (k, v) in item[field]?.objectValue ?? [:] {
                    let text = v.stringValue ?? v.intValue.map { String($0) } ?? ""
                    guard let q = try? Quantity(text), !q.isNegative else {
                        errs.append(.invalid("\(p).\(field)[\(k)]", text, "must be a valid non-negative quantity"))
                        continue
                    }
                    values[field, default: [:]][k] = q
                }
            }
            if type == "Pod", item["default"] != nil || item["defaultRequest"] != nil {
                errs.append(.forbidden("\(p).default", "may not be specified when `type` is 'Pod'"))
            }
            for (k, max) in values["max"] ?? [:] {
                if let min = values["min"]?[k], min > max {
                    errs.append(.invalid("\(p).min[\(k)]", min.description, "min value \(min) is greater than max value \(max)"))
                }
                if let d = values["default"]?[k], d > max {
                    errs.append(.invalid("\(p).default[\(k)]", d.description, "default value \(d) is greater than max value \(max)"))
                }
            }
            for (k, d) in values["defaultRequest"] ?? [:] {
                if let limit = values["default"]?[k], d > limit {
                    errs.append(.invalid("\(p).defaultRequest[\(k)]", d.description, "default request value \(d) is greater than default limit value \(limit)"))
                }
                if let min = values["min"]?[k], d < min {
                    errs.append(.invalid("\(p).defaultRequest[\(k)]", d.description, "min value \(min) is greater than default request value \(d)"))
                }
            }
        }
        return errs
    }
}

extension Validation {
    /// A HorizontalPodAutoscaler (autoscaling/v2), with kube-apiserver's rules: a target to scale, 1 ≤ minReplicas ≤
    /// maxReplicas, metrics of a known type with their source and a target fitting it, and scaling policies that
    /// make sense.
    static func validateHorizontalPodAutoscaler(_ object: JSONValue, resource: ResourceInfo) -> [FieldError] {
        let meta: ObjectMeta = (try? (object["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
        var errs = validateObjectMeta(meta, resource: resource)
        let spec = object["spec"] ?? .emptyObject
        let ref = spec["scaleTargetRef"] ?? .emptyObject
        if (ref["kind"]?.stringValue ?? "").isEmpty { errs.append(.required("spec.scaleTargetRef.kind")) }
        if (ref["name"]?.stringValue ?? "").isEmpty { errs.append(.required("spec.scaleTargetRef.name")) }
        let max = spec["maxReplicas"]?.intValue
        if let max {
            if max < 1 { errs.append(.invalid("spec.maxReplicas", max, "must be greater than or equal to 1")) }
        } else {
            errs.append(.required("spec.maxReplicas"))
        }
        if let min = spec["minReplicas"]?.intValue {
            if min < 1 { errs.append(.invalid("spec.minReplicas", min, "must be greater than or equal to 1")) }
            if let max, min > max { errs.append(.invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`")) }
        }
        for (i, m) in (spec["metrics"]?.arrayValue ?? []).enumerated() {
            let path = "spec.metrics[\(i)]"
            let type = m["type"]?.stringValue ?? ""
            let sources = ["Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods", "Object": "object", "External": "external"]
            guard let field = sources[type] else {
                errs.append(type.isEmpty ? .required("\(path).type") : .notSupported("\(path).type", type, sources.keys.sorted()))
                continue
            }
            guard let source = m[field] else {
                errs.append(.required("\(path).\(field)", "must populate information for the given metric source"))
                continue
            }
            let target = source["target"] ?? .emptyObject
            let tpath = "\(path).\(field).target"
            let ttype = target["type"]?.stringValue ?? ""
            if type == "Resource" || type == "ContainerResource" {
                if (source["name"]?.stringValue ?? "").isEmpty { errs.append(.required("\(path).\(field).name")) }
                if type == "ContainerResource", (source["container"]?.stringValue ?? "").isEmpty { errs.append(.required("\(path).\(field).container")) }
            } else if (source[path: ["metric", "name"]]?.stringValue ?? "").isEmpty {
                errs.append(.required("\(path).\(field).metric.name"))
            }
            switch ttype {
            case "Utilization":
                if type != "Resource" && type != "ContainerResource" {
                    errs.append(.notSupported("\(tpath).type", ttype, ["AverageValue", "Value"]))
                } else if let u = target["averageUtilization"]?.intValue {
                    if u < 1 { errs.append(.invalid("\(tpath).averageUtilization", u, "must be greater than 0")) }
                } else {
                    errs.append(.required("\(tpath).averageUtilization", "must set averageUtilization when type is Utilization"))
                }
            case "AverageValue", "Value":
                let key = ttype == "Value" ? "value" : "averageValue"
                if ttype == "Value", type == "Resource" || type == "ContainerResource" || type == "Pods" {
                    errs.append(.notSupported("\(tpath).type", ttype, type == "Pods" ? ["AverageValue"] : ["AverageValue", "Utilization"]))
                } else if let q = target[key]?.stringValue ?? target[key]?.intValue.map({ String($0) }) {
                    if let parsed = try? Quantity(q) {
                        if parsed.decimal <= 0 { errs.append(.invalid("\(tpath).\(key)", q, "must be positive")) }
                    } else {
                        errs.append(.invalid("\(tpath).\(key)", q, Quantity.formatErrorMessage))
                    }
                } else {
                    errs.append(.required("\(tpath).\(key)", "must set \(key) when type is \(ttype)"))
                }
            default:
                errs.append(ttype.isEmpty ? .required("\(tpath).type") : .notSupported("\(tpath).type", ttype, ["AverageValue", "Utilization", "Value"]))
            }
        }
        for dir in ["scaleUp", "scaleDown"] {
            guard let rules = spec[path: ["behavior", dir]] else { continue }
            let path = "spec.behavior.\(dir)"
            if let w = rules["stabilizationWindowSeconds"]?.intValue, w < 0 || w > 3600 {
                errs.append(.invalid("\(path).stabilizationWindowSeconds", w, "must be between 0 and 3600"))
            }
            errs += supported(rules["selectPolicy"]?.stringValue, "\(path).selectPolicy", ["Disabled", "Max", "Min"])
            for (i, p) in (rules["policies"]?.arrayValue ?? []).enumerated() {
                errs += supported(p["type"]?.stringValue ?? "", "\(path).policies[\(i)].type", ["Percent", "Pods"])
                if (p["value"]?.intValue ?? 0) < 1 { errs.append(.invalid("\(path).policies[\(i)].value", p["value"]?.intValue ?? 0, "must be greater than zero")) }
                let period = p["periodSeconds"]?.intValue ?? 0
                if period < 1 || period > 1800 { errs.append(.invalid("\(path).policies[\(i)].periodSeconds", period, "must be between 1 and 1800")) }
            }
        }
        return errs
    }
}
