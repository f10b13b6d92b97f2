import Foundation

/// A CustomResourceDefinition's OpenAPI v3 schema (`openAPIV3Schema`) applied to custom objects as
/// Kubernetes applies it: pruning of unknown fields, defaulting, validation, and the structural-schema
/// rules a CRD's schema must follow to be accepted. Pure functions on the untyped form.
public enum StructuralSchema {
    // MARK: - Pruning

    /// Removes the fields `schema` does not specify, unless `x-kubernetes-preserve-unknown-fields` keeps
    /// them, and returns their paths (`spec.foo`), as Kubernetes prunes custom objects on every write.
    /// At the root (and in `x-kubernetes-embedded-resource` objects) `apiVersion`, `kind` and `metadata` stay.
    public static func prune(_ value: inout JSONValue, schema: JSONValue) -> [String] {
        var unknown: [String] = []
        prune(&value, schema, path: "", embedded: true, into: &unknown)
        return unknown
    }

    static func prune(_ value: inout JSONValue, _ schema: JSONValue, path: String, embedded: Bool, into unknown: inout [String]) {
        switch value {
        case .object(var o):
            let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
            let props = schema["properties"]?.objectValue
            let additional = schema["additionalProperties"]
            let isEmbedded = embedded || schema["x-kubernetes-embedded-resource"]?.boolValue == true
            for key in o.keys.sorted() {
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if isEmbedded, ["apiVersion", "kind", "metadata"].contains(key) {
                    if key == "metadata", var m = o[key] {
                        // metadata is ObjectMeta whatever the schema says (it may only constrain name/generateName).
                        o[key] = nil
                        pruneMetadata(&m)
                        o[key] = m
                    }
                    continue
                }
                if let s = props?[key] {
                    var child = o[key]!
                    o[key] = nil
                    prune(&child, s, path: childPath, embedded: false, into: &unknown)
                    o[key] = child
                } else if let additional, case .object = additional {
                    var child = o[key]!
                    o[key] = nil
                    prune(&child, additional, path: childPath, embedded: false, into: &unknown)
                    o[key] = child
                } else if additional?.boolValue == true || preserve {
                    continue
                } else if props != nil || !preserve {
                    o[key] = nil
                    unknown.append(childPath)
                }
            }
            value = .object(o)
        case .array(var a):
            guard let items = schema["items"] else { return }
            for i in a.indices { prune(&a[i], items, path: "\(path)[\(i)]", embedded: false, into: &unknown) }
            value = .array(a)
        default:
            return
        }
    }

    /// Keeps only ObjectMeta's fields.
    static func pruneMetadata(_ m: inout JSONValue) {
        guard var o = m.objectValue else { return }
        let known: Set<String> = ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
                                  "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
                                  "annotations", "ownerReferences", "finalizers", "managedFields"]
        for k in o.keys where !known.contains(k) { o[k] = nil }
        m = .object(o)
    }

    // MARK: - Defaulting

    /// Sets every `default` of `schema` whose field is absent, depth first, as Kubernetes defaults custom
    /// objects (defaults of fields inside absent objects are not applied: the object is not created).
    public static func applyDefaults(_ value: inout JSONValue, schema: JSONValue) {
        switch value {
        case .object(var o):
            if let props = schema["properties"]?.objectValue {
                for (key, s) in props {
                    if o[key] == nil, let d = s["default"] { o[key] = d }
                    if var child = o[key], key != "metadata" || schema["x-kubernetes-embedded-resource"] != nil {
                        o[key] = nil
                        applyDefaults(&child, schema: s)
                        o[key] = child
                    }
                }
            } else if let additional = schema["additionalProperties"], case .object = additional {
                for key in o.keys.sorted() {
                    var child = o[key]!
                    applyDefaults(&child, schema: additional)
                    o[key] = child
                }
            }
            value = .object(o)
        case .array(var a):
            guard let items = schema["items"] else { return }
            for i in a.indices { applyDefaults(&a[i], schema: items) }
            value = .array(a)
        default:
            return
        }
    }

    // MARK: - Validation

    /// Validates `value` against `schema`, returning every violation with Kubernetes' field paths and messages.
    public static func validate(_ value: JSONValue, schema: JSONValue, path: String = "") -> [FieldError] {
        var out: [FieldError] = []
        validate(value, schema, path: path, root: path.isEmpty, into: &out)
        return out
    }

    static func render(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return "\"\(s)\""
        default: return JSONPath.text(v)
        }
    }

    static func matchesType(_ v: JSONValue, _ type: String, _ schema: JSONValue) -> Bool {
        switch type {
        case "object": return v.objectValue != nil
        case "array": return v.arrayValue != nil
        case "string": return v.stringValue != nil
        case "boolean": return v.boolValue != nil
        case "integer":
            if case .int = v { return true }
            if case .double(let d) = v { return d.rounded() == d }
            return false
        case "number":
            if case .int = v { return true }
            if case .double = v { return true }
            return false
        default: return true
        }
    }

    static func validate(_ v: JSONValue, _ s: JSONValue, path: String, root: Bool, into out: inout [FieldError]) {
        let field = path.isEmpty ? "<root>" : path
        let type = s["type"]?.stringValue ?? ""
        if v.isNull {
            if s["nullable"]?.boolValue == true || type.isEmpty { return }
            out.append(.invalid(field, "null", "\(field) in body must be of type \(type): \"null\""))
            return
        }
        if s["x-kubernetes-int-or-string"]?.boolValue == true {
            if v.stringValue == nil, v.intValue == nil {
                out.append(.invalid(field, v.typeName, "\(field) in body must be of type integer,string: \"\(v.typeName)\""))
                return
            }
        } else if !type.isEmpty, !matchesType(v, type, s) {
            let got: String = { if case .int = v { return "integer" }; return v.typeName }()
            out.append(.invalid(field, got, "\(field) in body must be of type \(type): \"\(got)\""))
            return
        }
        if let e = s["enum"]?.arrayValue, !e.isEmpty, !e.contains(v) {
            out.append(FieldError(.notSupported, field, "Unsupported value: \(render(v)): supported values: "
                                  + e.map(render).joined(separator: ", ")))
        }
        // Numbers.
        if let x = number(v) {
            if let max = s["maximum"].flatMap(number) {
                let exclusive = s["exclusiveMaximum"]?.boolValue == true
                if exclusive ? x >= max : x > max {
                    out.append(.invalid(field, NumberText(v), "\(field) in body should be less than \(exclusive ? "" : "or equal to ")\(JSONPath.text(s["maximum"]!))"))
                }
            }
            if let min = s["minimum"].flatMap(number) {
                let exclusive = s["exclusiveMinimum"]?.boolValue == true
                if exclusive ? x <= min : x < min {
                    out.append(.invalid(field, NumberText(v), "\(field) in body should be greater than \(exclusive ? "" : "or equal to ")\(JSONPath.text(s["minimum"]!))"))
                }
            }
            if let m = s["multipleOf"].flatMap(number), m > 0, (x / m).rounded() != x / m {
                out.append(.invalid(field, NumberText(v), "\(field) in body should be a multiple of \(JSONPath.text(s["multipleOf"]!))"))
            }
            if type == "integer", let f = s["format"]?.stringValue, f == "int32", let i = v.intValue, i > Int64(Int32.max) || i < Int64(Int32.min) {
                out.append(.invalid(field, String(i), "\(field) in body must be of type int32: \"\(i)\""))
            }
        }
        // Strings.
        if let str = v.stringValue {
            let n = str.count
            if let max = s["maxLength"]?.intValue, n > max {
                out.append(FieldError(.tooLong, field, "Too long: may not be more than \(max) bytes"))
            }
            if let min = s["minLength"]?.intValue, n < min {
                out.append(.invalid(field, str, "\(field) in body should be at least \(min) chars long"))
            }
            if let p = s["pattern"]?.stringValue, !matches(str, pattern: p) {
                out.append(.invalid(field, str, "\(field) in body should match '\(p)'"))
            }
            if let f = s["format"]?.stringValue, let problem = formatProblem(str, f) {
                out.append(.invalid(field, str, "\(field) in body must be of type \(f): \"\(str)\"" + (problem.isEmpty ? "" : problem)))
            }
        }
        // Arrays.
        if let a = v.arrayValue {
            if let max = s["maxItems"]?.intValue, a.count > max {
                out.append(FieldError(.invalid, field, "Too many: \(a.count): must have at most \(max) items"))
            }
            if let min = s["minItems"]?.intValue, a.count < min {
                out.append(.invalid(field, a.count, "\(field) in body should have at least \(min) items"))
            }
            let listType = s["x-kubernetes-list-type"]?.stringValue
            if s["uniqueItems"]?.boolValue == true || listType == "set" {
                var seen: [JSONValue] = []
                for (i, e) in a.enumerated() {
                    if seen.contains(e) { out.append(.duplicate("\(field)[\(i)]", Shown(render(e)))) } else { seen.append(e) }
                }
            }
            if listType == "map", let keys = s["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) {
                var seen = Set<[JSONValue]>()
                for (i, e) in a.enumerated() {
                    let k = keys.map { e[$0] ?? s["items"]?[path: ["properties", $0, "default"]] ?? .null }
                    if !seen.insert(k).inserted {
                        out.append(.duplicate("\(field)[\(i)]", Shown("map[" + zip(keys, k).map { "\($0):\(render($1))" }.joined(separator: " ") + "]")))
                    }
                }
            }
            if let items = s["items"] {
                for (i, e) in a.enumerated() { validate(e, items, path: "\(path)[\(i)]", root: false, into: &out) }
            }
        }
        // Objects.
        if let o = v.objectValue {
            let props = s["properties"]?.objectValue ?? [:]
            for r in s["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where o[r] == nil || (o[r]?.isNull == true && props[r]?["nullable"]?.boolValue != true) {
                out.append(.required(path.isEmpty ? r : "\(path).\(r)"))
            }
            if let max = s["maxProperties"]?.intValue, o.count > max {
                out.append(FieldError(.invalid, field, "Too many: \(o.count): must have at most \(max) items"))
            }
            if let min = s["minProperties"]?.intValue, o.count < min {
                out.append(.invalid(field, o.count, "\(field) in body should have at least \(min) properties"))
            }
            for key in o.keys.sorted() {
                if root, ["apiVersion", "kind", "metadata"].contains(key) { continue }
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if let ps = props[key] {
                    validate(o[key]!, ps, path: childPath, root: false, into: &out)
                } else if let additional = s["additionalProperties"], case .object = additional {
                    validate(o[key]!, additional, path: childPath, root: false, into: &out)
                }
            }
            if root, let meta = o["metadata"], let ms = props["metadata"] {
                // Only name and generateName may be constrained.
                for k in ["name", "generateName"] {
                    if let val = meta[k], let ks = ms[path: ["properties", k]] {
                        validate(val, ks, path: "metadata.\(k)", root: false, into: &out)
                    }
                }
            }
        }
        // Combinators.
        for sub in s["allOf"]?.arrayValue ?? [] { validate(v, sub, path: path, root: root, into: &out) }
        if let any = s["anyOf"]?.arrayValue, !any.isEmpty {
            if !any.contains(where: { validate(v, schema: $0, path: path).isEmpty }) {
                out.append(.invalid(field, render(v), "\(field) in body must match at least one schema in anyOf"))
            }
        }
        if let one = s["oneOf"]?.arrayValue, !one.isEmpty {
            let n = one.filter { validate(v, schema: $0, path: path).isEmpty }.count
            if n != 1 { out.append(.invalid(field, render(v), "\(field) in body must validate one and only one schema (oneOf)")) }
        }
        if let not = s["not"], validate(v, schema: not, path: path).isEmpty {
            out.append(.invalid(field, render(v), "\(field) in body must not validate the schema (not)"))
        }
    }

    /// A number as a field error shows it: bare, not quoted.
    struct NumberText: CustomStringConvertible {
        let value: JSONValue
        init(_ value: JSONValue) { self.value = value }
        var description: String { JSONPath.text(value) }
    }

    /// Text shown as it is in a field error (already quoted where it should be).
    struct Shown: CustomStringConvertible {
        let description: String
        init(_ s: String) { description = s }
    }

    static func number(_ v: JSONValue) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    static func matches(_ s: String, pattern: String) -> Bool {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return true }
        return re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// A problem with a string of a known `format`, or nil (unknown formats are not checked, as in Kubernetes).
    static func formatProblem(_ s: String, _ format: String) -> String? {
        switch format {
        case "date-time":
            return RFC3339.parse(s) == nil && !s.isEmpty ? "" : nil
        case "date":
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd"
            f.locale = Locale(identifier: "en_US_POSIX")
            return f.date(from: s) == nil ? "" : nil
        case "ipv4": return NameRules.isIPv4(s) ? nil : ""
        case "ipv6": return NameRules.isIPv6(s) ? nil : ""
        case "uuid":
            return UUID(uuidString: s) == nil ? "" : nil
        case "byte":
            return Data(base64Encoded: s) == nil ? "" : nil
        default: return nil
        }
    }

    // MARK: - Structural rules (for accepting a CRD)

    /// What is wrong with `schema` as the schema of a custom resource (Kubernetes' structural schema rules,
    /// the fields it does not support), with paths under `path`; and the CEL rules it carries, which Gantry
    /// does not evaluate (reported back as warnings).
    public static func check(_ schema: JSONValue, path: String) -> (errors: [FieldError], celRules: [String]) {
        var errors: [FieldError] = []
        var cel: [String] = []
        if schema["type"]?.stringValue != "object" {
            errors.append(schema["type"] == nil ? .required("\(path).type", "must be object at the root")
                          : .invalid("\(path).type", schema["type"]?.stringValue ?? "", "must be object at the root"))
        }
        if let meta = schema[path: ["properties", "metadata"]] {
            let extra = (meta["properties"]?.objectValue?.keys.sorted() ?? []).filter { !["name", "generateName"].contains($0) }
            if !extra.isEmpty || meta["additionalProperties"] != nil {
                errors.append(.forbidden("\(path).properties[metadata]", "must not specify anything other than name and generateName, but metadata is implicitly specified"))
            }
            if let t = meta["type"]?.stringValue, t != "object" {
                errors.append(.invalid("\(path).properties[metadata].type", t, "must be object"))
            }
        }
        walk(schema, path: path, underPreserve: false, root: true, errors: &errors, cel: &cel)
        return (errors, cel)
    }

    static let supportedKeys: Set<String> = [
        "type", "format", "title", "description", "default", "nullable", "enum", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "multipleOf",
        "maxProperties", "minProperties", "required", "items", "properties", "additionalProperties", "allOf", "anyOf",
        "oneOf", "not", "example", "externalDocs", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
        "x-kubernetes-int-or-string", "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
        "x-kubernetes-validations",
    ]

    static func walk(_ s: JSONValue, path: String, underPreserve: Bool, root: Bool, errors: inout [FieldError], cel: inout [String]) {
        guard let o = s.objectValue else {
            errors.append(.invalid(path, s.typeName, "must be a schema object"))
            return
        }
        for k in o.keys.sorted() where !supportedKeys.contains(k) {
            if ["$ref", "$schema", "definitions", "dependencies", "additionalItems", "patternProperties", "id"].contains(k) {
                errors.append(.forbidden("\(path).\(k)", "\(k) is not supported"))
            }
        }
        if let rules = o["x-kubernetes-validations"]?.arrayValue {
            for r in rules { cel.append("\(path): \(r["rule"]?.stringValue ?? "?")") }
        }
        let preserve = o["x-kubernetes-preserve-unknown-fields"]?.boolValue == true || underPreserve
        let intOrString = o["x-kubernetes-int-or-string"]?.boolValue == true
        let type = o["type"]?.stringValue
        if type == nil, !intOrString, !(o["x-kubernetes-preserve-unknown-fields"]?.boolValue == true) {
            errors.append(.required("\(path).type", "must not be empty for specified object fields"))
        }
        if let type, !["object", "array", "string", "integer", "number", "boolean"].contains(type) {
            errors.append(.notSupported("\(path).type", type, ["array", "boolean", "integer", "number", "object", "string"]))
        }
        if intOrString, let type {
            errors.append(.invalid("\(path).type", type, "must be empty if x-kubernetes-int-or-string is true"))
        }
        if o["properties"] != nil, let a = o["additionalProperties"], a.boolValue != false {
            errors.append(.forbidden("\(path).additionalProperties", "additionalProperties and properties are mutual exclusive"))
        }
        if type == "array", o["items"] == nil {
            errors.append(.required("\(path).items", "must be specified"))
        }
        if let items = o["items"] {
            if items.arrayValue != nil { errors.append(.forbidden("\(path).items", "items must be a schema object and not an array")) }
            else { walk(items, path: "\(path).items", underPreserve: preserve, root: false, errors: &errors, cel: &cel) }
        }
        for (k, child) in (o["properties"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            if root, k == "metadata" { continue }
            walk(child, path: "\(path).properties[\(k)]", underPreserve: preserve, root: false, errors: &errors, cel: &cel)
        }
        if let a = o["additionalProperties"], case .object = a {
            walk(a, path: "\(path).additionalProperties", underPreserve: preserve, root: false, errors: &errors, cel: &cel)
        }
        if let req = o["required"], req.arrayValue == nil {
            errors.append(.invalid("\(path).required", req.typeName, "must be a list of field names"))
        }
        if let p = o["pattern"]?.stringValue, (try? NSRegularExpression(pattern: p)) == nil {
            errors.append(.invalid("\(path).pattern", p, "must be a valid regular expression"))
        }
        if let d = o["default"] {
            var dv = d
            var droppedFromDefault: [String] = []
            if type == "object" { prune(&dv, s, path: "", embedded: false, into: &droppedFromDefault) }
            let problems = validate(dv, schema: s, path: "\(path).default")
            if !problems.isEmpty { errors.append(contentsOf: problems.map { FieldError($0.kind, $0.field, $0.message) }) }
            if dv != d { errors.append(.invalid("\(path).default", "object", "must not have unknown fields")) }
        }
        if o["x-kubernetes-list-type"]?.stringValue == "map" {
            if o["x-kubernetes-list-map-keys"]?.arrayValue?.isEmpty ?? true {
                errors.append(.required("\(path).x-kubernetes-list-map-keys", "must not be empty if x-kubernetes-list-type is map"))
            }
        }
    }
}
