import Foundation

extension Validation {
    /// A CustomResourceDefinition, with apiextensions-apiserver's rules: the name is `plural.group`, names
    /// are DNS labels, exactly one storage version, every version has a structural schema, printer columns
    /// and scale paths parse. Conversion webhooks are refused (Gantry converts between versions only by
    /// renaming `apiVersion`, strategy None).
    static func validateCRD(_ object: JSONValue, resource: ResourceInfo) -> [FieldError] {
        let meta: ObjectMeta = (try? (object["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
        var errs = validateObjectMeta(meta, resource: resource)
        let spec = object["spec"] ?? .emptyObject
        let group = spec["group"]?.stringValue ?? ""
        let names = spec["names"] ?? .emptyObject
        let plural = names["plural"]?.stringValue ?? ""
        if group.isEmpty {
            errs.append(.required("spec.group"))
        } else {
            errs += NameRules.dns1123Subdomain(group).map { .invalid("spec.group", group, $0) }
            if !group.contains(".") { errs.append(.invalid("spec.group", group, "should be a domain with at least one dot")) }
        }
        if let name = meta.name, !plural.isEmpty, !group.isEmpty, name != "\(plural).\(group)" {
            errs.append(.invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"))
        }
        errs += supported(spec["scope"]?.stringValue, "spec.scope", ["Cluster", "Namespaced"], required: true)
        // Names.
        func label(_ value: String?, _ field: String, required: Bool) {
            guard let value, !value.isEmpty else {
                if required { errs.append(.required(field)) }
                return
            }
            errs += NameRules.dns1035Label(value).map { .invalid(field, value, $0) }
        }
        label(names["plural"]?.stringValue, "spec.names.plural", required: true)
        label(names["singular"]?.stringValue, "spec.names.singular", required: false)
        for (i, s) in (names["shortNames"]?.arrayValue ?? []).enumerated() {
            label(s.stringValue ?? "", "spec.names.shortNames[\(i)]", required: true)
        }
        for (i, c) in (names["categories"]?.arrayValue ?? []).enumerated() {
            label(c.stringValue ?? "", "spec.names.categories[\(i)]", required: true)
        }
        let kind = names["kind"]?.stringValue ?? ""
        if kind.isEmpty {
            errs.append(.required("spec.names.kind"))
        } else {
            errs += NameRules.dns1035Label(kind.lowercased()).map { .invalid("spec.names.kind", kind, $0) }
        }
        if let lk = names["listKind"]?.stringValue {
            errs += NameRules.dns1035Label(lk.lowercased()).map { .invalid("spec.names.listKind", lk, $0) }
            if lk == kind { errs.append(.invalid("spec.names.listKind", lk, "kind and listKind may not be the same")) }
        }
        // Versions.
        let versions = spec["versions"]?.arrayValue ?? []
        if versions.isEmpty { errs.append(.required("spec.versions", "must have exactly one version marked as storage version")) }
        var seen = Set<String>()
        var storage = 0
        for (i, v) in versions.enumerated() {
            let p = "spec.versions[\(i)]"
            let name = v["name"]?.stringValue ?? ""
            if name.isEmpty { errs.append(.required("\(p).name")) } else {
                errs += NameRules.dns1035Label(name).map { .invalid("\(p).name", name, $0) }
                if !seen.insert(name).inserted { errs.append(.duplicate("\(p).name", name)) }
            }
            if v["storage"]?.boolValue == true { storage += 1 }
            guard let schema = v[path: ["schema", "openAPIV3Schema"]] else {
                errs.append(.required("\(p).schema.openAPIV3Schema", "schemas are required"))
                continue
            }
            errs += StructuralSchema.check(schema, path: "\(p).schema.openAPIV3Schema").errors
            for (j, c) in (v["additionalPrinterColumns"]?.arrayValue ?? []).enumerated() {
                let cp = "\(p).additionalPrinterColumns[\(j)]"
                if (c["name"]?.stringValue ?? "").isEmpty { errs.append(.required("\(cp).name")) }
                errs += supported(c["type"]?.stringValue, "\(cp).type", ["boolean", "date", "integer", "number", "string"], required: true)
                if let jp = c["jsonPath"]?.stringValue {
                    if (try? JSONPath(jp)) == nil { errs.append(.invalid("\(cp).jsonPath", jp, "must be a simple json path")) }
                } else {
                    errs.append(.required("\(cp).jsonPath"))
                }
            }
            if let scale = v[path: ["subresources", "scale"]] {
                let sp = "\(p).subresources.scale"
                for (field, prefix) in [("specReplicasPath", ".spec."), ("statusReplicasPath", ".status.")] {
                    let value = scale[field]?.stringValue ?? ""
                    if value.isEmpty { errs.append(.required("\(sp).\(field)")) }
                    else if (try? JSONPath(value))?.fieldPath == nil || !value.hasPrefix(prefix) {
                        errs.append(.invalid("\(sp).\(field)", value, "should be a json path under \(prefix)"))
                    }
                }
                if let ls = scale["labelSelectorPath"]?.stringValue,
                   (try? JSONPath(ls))?.fieldPath == nil || !(ls.hasPrefix(".spec.") || ls.hasPrefix(".status.")) {
                    errs.append(.invalid("\(sp).labelSelectorPath", ls, "should be a json path under either .spec or .status"))
                }
            }
        }
        if !versions.isEmpty, storage != 1 {
            errs.append(.invalid("spec.versions", "\(storage) storage versions", "must have exactly one version marked as storage version"))
        }
        if spec["preserveUnknownFields"]?.boolValue == true {
            errs.append(.invalid("spec.preserveUnknownFields", true, "must be false in order to use defaults in the schema"))
        }
        if let strategy = spec[path: ["conversion", "strategy"]]?.stringValue, strategy != "None" {
            errs.append(.notSupported("spec.conversion.strategy", strategy, ["None"]))
            errs.append(FieldError(.forbidden, "spec.conversion.webhook",
                                   "Forbidden: conversion webhooks are not supported by Gantry: versions of one CRD must share a schema (strategy None)"))
        }
        // Status: stored versions must stay served in spec.versions.
        for (i, sv) in (object[path: ["status", "storedVersions"]]?.arrayValue ?? []).enumerated() {
            if let s = sv.stringValue, !seen.contains(s) {
                errs.append(.invalid("status.storedVersions[\(i)]", s, "must appear in spec.versions"))
            }
        }
        return errs
    }

    /// A custom object: the metadata rules and its version's schema (already pruned and defaulted).
    static func validateCustom(_ object: JSONValue, resource: ResourceInfo, _ custom: CustomResourceVersion) -> [FieldError] {
        let meta: ObjectMeta
        do { meta = try decode(object["metadata"] ?? .emptyObject) } catch let e as DecodeFailure {
            return [FieldError(e.error.kind, "metadata" + (e.error.field.isEmpty ? "" : ".\(e.error.field)"), e.error.message)]
        } catch {
            return [FieldError(.invalid, "metadata", "\(error)")]
        }
        var errs = validateObjectMeta(meta, resource: resource)
        if let schema = custom.schema { errs += StructuralSchema.validate(object, schema: schema) }
        return errs
    }

    static func supported(_ v: String?, _ path: String, _ values: [String], required: Bool) -> [FieldError] {
        if required, (v ?? "").isEmpty { return [.notSupported(path, "", values)] }
        return supported(v, path, values)
    }

    /// The CEL rules (`x-kubernetes-validations`) of a CRD's schemas: accepted, but not evaluated by Gantry.
    public static func crdWarnings(_ object: JSONValue) -> [String] {
        var out: [String] = []
        for (i, v) in (object[path: ["spec", "versions"]]?.arrayValue ?? []).enumerated() {
            guard let schema = v[path: ["schema", "openAPIV3Schema"]] else { continue }
            for rule in StructuralSchema.check(schema, path: "spec.versions[\(i)].schema.openAPIV3Schema").celRules {
                out.append("x-kubernetes-validations are not enforced by Gantry (CEL is not supported): \(rule)")
            }
        }
        return out
    }

    /// What may not change on a CustomResourceDefinition: its scope, and its group.
    static func updateCRD(old: JSONValue, new: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        for f in ["scope", "group"] where old[path: ["spec", f]] != new[path: ["spec", f]] {
            errs.append(.invalid("spec.\(f)", new[path: ["spec", f]]?.stringValue ?? "", "field is immutable"))
        }
        return errs
    }
}
