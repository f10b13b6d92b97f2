import Foundation

/// The PATCH body formats the API accepts, by `Content-Type`.
public enum PatchType: String, Sendable, CaseIterable {
    /// RFC 6902 JSON Patch: a list of operations.
    case json = "application/json-patch+json"
    /// RFC 7386 JSON Merge Patch.
    case merge = "application/merge-patch+json"
    /// Kubernetes strategic merge patch: a merge patch whose lists merge by key, per the schema.
    case strategic = "application/strategic-merge-patch+json"
    /// Server-side apply: field ownership and conflicts are `ManagedFields`'; the merge itself is a strategic merge.
    case apply = "application/apply-patch+yaml"

    /// The patch type of a `Content-Type` header value, ignoring parameters (`; charset=utf-8`) and case.
    public init?(contentType: String) {
        let base = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if base == "application/apply-patch+cbor" { self = .apply; return }
        self.init(rawValue: base)
    }
}

/// Applies PATCH bodies to stored objects (both as `JSONValue`).
///
/// - JSON merge patch follows RFC 7386.
/// - JSON patch follows RFC 6902 (add, remove, replace, move, copy, test). Operations that do not apply to
///   the document fail with `GantryError` code `invalid` (HTTP 422, as Kubernetes answers); malformed patches
///   fail with `badRequest`.
/// - Strategic merge patch follows Kubernetes' semantics for built-in types, reading each list's
///   `patchStrategy` and `patchMergeKey` from `SchemaCatalog`, walked from the resource's root type. Supported
///   directives: `$patch` (`replace`, `delete`, `merge`) on maps and list elements, `$retainKeys`,
///   `$setElementOrder/<field>`, `$deleteFromPrimitiveList/<field>`. Directives never appear in the result.
/// - Server-side apply (`application/apply-patch+yaml`) merges the applied configuration into the live object
///   as a strategic merge (fields the configuration sets win, other fields stay); the API server first removes
///   what the manager no longer applies and checks ownership (`ManagedFields.apply`). The caller parses the YAML
///   body into a `JSONValue` first.
///
/// Server-owned metadata (uid, resourceVersion, creationTimestamp...) is not protected here; the API server
/// restores it after patching.
public enum Patch {
    /// Applies `patch` of `type` to `original`, an object of `resource` (or of its `subresource`:
    /// `scale` patches an autoscaling/v1 Scale, `status` the resource itself).
    public static func apply(_ type: PatchType, patch: JSONValue, to original: JSONValue, resource: ResourceInfo,
                             subresource: String? = nil) throws -> JSONValue {
        try apply(type, patch: patch, to: original,
                  typeName: SchemaCatalog.rootTypeName(for: resource, subresource: subresource))
    }

    /// Applies `patch` of `type` to `original`, an object of the catalogue type `typeName`
    /// (`io.k8s.api.apps.v1.Deployment`). An unknown type name merges without list metadata.
    public static func apply(_ type: PatchType, patch: JSONValue, to original: JSONValue,
                             typeName: String) throws -> JSONValue {
        switch type {
        case .merge:
            guard case .object = patch else {
                throw GantryError(.badRequest, "a JSON merge patch must be a JSON object, not \(patch.typeName)")
            }
            return mergePatch(patch, to: original)
        case .json:
            return try jsonPatch(patch, to: original)
        case .strategic, .apply:
            return try strategicMergePatch(patch, to: original, typeName: typeName)
        }
    }

    // MARK: - RFC 7386

    /// Applies an RFC 7386 JSON merge patch: `null` deletes, objects merge recursively, anything else replaces.
    public static func mergePatch(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        var t = target.objectValue ?? [:]
        for (k, v) in p {
            if v.isNull {
                t.removeValue(forKey: k)
            } else {
                t[k] = mergePatch(v, to: t[k] ?? .null)
            }
        }
        return .object(t)
    }

    // MARK: - RFC 6902

    /// Applies an RFC 6902 JSON patch (an array of operations) to `document`.
    public static func jsonPatch(_ patch: JSONValue, to document: JSONValue) throws -> JSONValue {
        guard case .array(let ops) = patch else {
            throw GantryError(.badRequest, "a JSON patch must be a JSON array of operations, not \(patch.typeName)")
        }
        var doc = document
        for (n, opValue) in ops.enumerated() {
            guard case .object(let op) = opValue else {
                throw GantryError(.badRequest, "JSON patch operation \(n) is not an object")
            }
            guard let name = op["op"]?.stringValue else {
                throw GantryError(.badRequest, "JSON patch operation \(n) has no \"op\"")
            }
            guard let path = op["path"]?.stringValue else {
                throw GantryError(.badRequest, "JSON patch operation \(n) (\(name)) has no \"path\"")
            }
            let tokens = try pointerTokens(path)
            func value() throws -> JSONValue {
                guard let v = op["value"] else {
                    throw GantryError(.badRequest, "JSON patch operation \(n) (\(name)) has no \"value\"")
                }
                return v
            }
            func from() throws -> (String, [String]) {
                guard let f = op["from"]?.stringValue else {
                    throw GantryError(.badRequest, "JSON patch operation \(n) (\(name)) has no \"from\"")
                }
                return (f, try pointerTokens(f))
            }
            switch name {
            case "add":
                doc = try pointerAdd(doc, tokens[...], value: try value(), op: "add", path: path)
            case "remove":
                doc = try pointerRemove(doc, tokens[...], op: "remove", path: path).0
            case "replace":
                doc = try pointerReplace(doc, tokens[...], value: try value(), path: path)
            case "move":
                let (fromPath, fromTokens) = try from()
                if tokens.count > fromTokens.count, Array(tokens.prefix(fromTokens.count)) == fromTokens {
                    throw GantryError(.invalid, "move operation does not apply: cannot move \(fromPath) into its own child \(path)")
                }
                if tokens == fromTokens { continue }
                let (rest, moved) = try pointerRemove(doc, fromTokens[...], op: "move", path: fromPath)
                doc = try pointerAdd(rest, tokens[...], value: moved, op: "move", path: path)
            case "copy":
                let (fromPath, fromTokens) = try from()
                guard let v = pointerGet(doc, fromTokens[...]) else {
                    throw GantryError(.invalid, "copy operation does not apply: doc is missing from path: \(fromPath)")
                }
                doc = try pointerAdd(doc, tokens[...], value: v, op: "copy", path: path)
            case "test":
                let expected = try value()
                let actual = pointerGet(doc, tokens[...])
                guard let actual, jsonEqual(actual, expected) else {
                    throw GantryError(.invalid, "testing value \(path) failed: test failed")
                }
            default:
                throw GantryError(.badRequest, "Unexpected kind: \(name)")
            }
        }
        return doc
    }

    /// Splits a JSON pointer into unescaped reference tokens (`/a~1b/0` → `["a/b", "0"]`).
    static func pointerTokens(_ pointer: String) throws -> [String] {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else {
            throw GantryError(.badRequest, "JSON pointer \"\(pointer)\" must be empty or start with \"/\"")
        }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func arrayIndex(_ token: String, count: Int, allowEnd: Bool) -> Int? {
        if allowEnd, token == "-" { return count }
        guard let i = Int(token), i >= 0, String(i) == token else { return nil }
        return i <= (allowEnd ? count : count - 1) ? i : nil
    }

    static func pointerGet(_ doc: JSONValue, _ tokens: ArraySlice<String>) -> JSONValue? {
        guard let t = tokens.first else { return doc }
        switch doc {
        case .object(let o): return o[t].flatMap { pointerGet($0, tokens.dropFirst()) }
        case .array(let a):
            guard let i = arrayIndex(t, count: a.count, allowEnd: false) else { return nil }
            return pointerGet(a[i], tokens.dropFirst())
        default: return nil
        }
    }

    /// Rebuilds `doc` with `leaf` applied to the container holding the last token.
    static func pointerUpdate(_ doc: JSONValue, _ tokens: ArraySlice<String>, missing: @autoclosure () -> GantryError,
                              leaf: (JSONValue, String) throws -> JSONValue) throws -> JSONValue {
        guard let t = tokens.first else { throw missing() }
        if tokens.count == 1 { return try leaf(doc, t) }
        switch doc {
        case .object(var o):
            guard let child = o[t] else { throw missing() }
            o[t] = try pointerUpdate(child, tokens.dropFirst(), missing: missing(), leaf: leaf)
            return .object(o)
        case .array(var a):
            guard let i = arrayIndex(t, count: a.count, allowEnd: false) else { throw missing() }
            a[i] = try pointerUpdate(a[i], tokens.dropFirst(), missing: missing(), leaf: leaf)
            return .array(a)
        default:
            throw missing()
        }
    }

    static func pointerAdd(_ doc: JSONValue, _ tokens: ArraySlice<String>, value: JSONValue, op: String,
                           path: String) throws -> JSONValue {
        if tokens.isEmpty { return value }
        let missing = GantryError(.invalid, "\(op) operation does not apply: doc is missing path: \"\(path)\"")
        return try pointerUpdate(doc, tokens, missing: missing) { parent, key in
            switch parent {
            case .object(var o):
                o[key] = value
                return .object(o)
            case .array(var a):
                guard let i = arrayIndex(key, count: a.count, allowEnd: true) else {
                    throw GantryError(.invalid, "\(op) operation does not apply: index out of bounds: \(path)")
                }
                a.insert(value, at: i)
                return .array(a)
            default:
                throw missing
            }
        }
    }

    static func pointerRemove(_ doc: JSONValue, _ tokens: ArraySlice<String>, op: String,
                              path: String) throws -> (JSONValue, JSONValue) {
        let missing = GantryError(.invalid, "\(op) operation does not apply: doc is missing path: \"\(path)\"")
        var removed = JSONValue.null
        let out = try pointerUpdate(doc, tokens, missing: missing) { parent, key in
            switch parent {
            case .object(var o):
                guard let v = o.removeValue(forKey: key) else {
                    throw GantryError(.invalid, "\(op) operation does not apply: doc is missing key: \(path)")
                }
                removed = v
                return .object(o)
            case .array(var a):
                guard let i = arrayIndex(key, count: a.count, allowEnd: false) else {
                    throw GantryError(.invalid, "\(op) operation does not apply: index out of bounds: \(path)")
                }
                removed = a.remove(at: i)
                return .array(a)
            default:
                throw missing
            }
        }
        return (out, removed)
    }

    static func pointerReplace(_ doc: JSONValue, _ tokens: ArraySlice<String>, value: JSONValue,
                               path: String) throws -> JSONValue {
        if tokens.isEmpty { return value }
        let missingKey = GantryError(.invalid, "replace operation does not apply: doc is missing key: \(path)")
        return try pointerUpdate(doc, tokens, missing: missingKey) { parent, key in
            switch parent {
            case .object(var o):
                guard o[key] != nil else { throw missingKey }
                o[key] = value
                return .object(o)
            case .array(var a):
                guard let i = arrayIndex(key, count: a.count, allowEnd: false) else {
                    throw GantryError(.invalid, "replace operation does not apply: index out of bounds: \(path)")
                }
                a[i] = value
                return .array(a)
            default:
                throw missingKey
            }
        }
    }

    /// JSON equality where `1` and `1.0` are equal.
    static func jsonEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { jsonEqual($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { k, v in y[k].map { jsonEqual(v, $0) } ?? false }
        default: return a == b
        }
    }

    // MARK: - Strategic merge patch

    static let directiveKey = "$patch"
    static let retainKeysKey = "$retainKeys"
    static let setElementOrderPrefix = "$setElementOrder/"
    static let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/"

    /// Applies a strategic merge patch to `original`, an object of catalogue type `typeName`.
    public static func strategicMergePatch(_ patch: JSONValue, to original: JSONValue,
                                           typeName: String) throws -> JSONValue {
        guard case .object(let p) = patch else {
            throw GantryError(.badRequest, "a strategic merge patch must be a JSON object, not \(patch.typeName)")
        }
        let o = original.objectValue ?? [:]
        return .object(try smpMap(o, p, type: .ref(typeName)))
    }

    /// The schema of member `key` of a value of `type`: the field (for object types) and its type.
    static func member(_ type: SchemaType?, _ key: String) -> (SchemaType?, SchemaField?) {
        guard let type else { return (nil, nil) }
        switch SchemaCatalog.resolve(type) {
        case .ref(let n):
            guard let f = SchemaCatalog.definition(named: n)?.field(key) else { return (nil, nil) }
            return (f.type, f)
        case .map(let v): return (v, nil)
        default: return (nil, nil)
        }
    }

    static func isDirective(_ v: JSONValue?, _ name: String) -> Bool {
        v?[directiveKey]?.stringValue == name
    }

    static func smpMap(_ original: [String: JSONValue], _ patch: [String: JSONValue],
                       type: SchemaType?) throws -> [String: JSONValue] {
        var original = original
        var patch = patch
        if let d = patch.removeValue(forKey: directiveKey) {
            switch d.stringValue {
            case "replace": return try smpMap([:], patch, type: type)
            case "delete": return [:]
            case "merge": break
            default:
                throw GantryError(.badRequest, "unknown patch directive \(d.jsonString()) in strategic merge patch")
            }
        }
        if let rk = patch.removeValue(forKey: retainKeysKey) {
            guard case .array(let keys) = rk else {
                throw GantryError(.badRequest, "$retainKeys must be a list of field names")
            }
            let keep = Set(keys.compactMap(\.stringValue))
            original = original.filter { keep.contains($0.key) }
        }
        var orders = [(String, [JSONValue])]()
        for key in patch.keys.sorted() {
            if key.hasPrefix(deleteFromPrimitiveListPrefix) {
                let field = String(key.dropFirst(deleteFromPrimitiveListPrefix.count))
                guard case .array(let values) = patch.removeValue(forKey: key)! else {
                    throw GantryError(.badRequest, "\(key) must be a list")
                }
                if case .array(let cur) = original[field] {
                    original[field] = .array(cur.filter { v in !values.contains { jsonEqual($0, v) } })
                }
            } else if key.hasPrefix(setElementOrderPrefix) {
                let field = String(key.dropFirst(setElementOrderPrefix.count))
                guard case .array(let order) = patch.removeValue(forKey: key)! else {
                    throw GantryError(.badRequest, "\(key) must be a list")
                }
                orders.append((field, order))
            } else if key.hasPrefix("$") {
                throw GantryError(.badRequest, "unknown strategic merge patch directive \"\(key)\"")
            }
        }
        for key in patch.keys.sorted() {
            let pv = patch[key]!
            let (childType, field) = member(type, key)
            if pv.isNull || isDirective(pv, "delete") {
                original.removeValue(forKey: key)
                continue
            }
            switch (original[key], pv) {
            case (.object(let o)?, .object(let p)):
                original[key] = .object(try smpMap(o, p, type: childType))
            case (.array(let o)?, .array(let p)):
                original[key] = .array(try smpList(o, p, field: field, type: childType))
            case (_, .object(let p)):
                original[key] = .object(try smpMap([:], p, type: childType))
            case (_, .array(let p)):
                original[key] = .array(try smpList([], p, field: field, type: childType))
            default:
                original[key] = pv
            }
        }
        for (field, order) in orders {
            guard case .array(let cur) = original[field] else { continue }
            let (_, f) = member(type, field)
            original[field] = .array(reorder(cur, by: order, mergeKey: f?.patchMergeKey))
        }
        return original
    }

    /// Removes directives and nulls from a value that replaces (rather than merges into) the original.
    static func cleaned(_ v: JSONValue, type: SchemaType?) throws -> JSONValue {
        switch v {
        case .object(let o): return .object(try smpMap([:], o, type: type))
        case .array(let a):
            var elem: SchemaType?
            if let type, case .array(let e) = SchemaCatalog.resolve(type) { elem = e }
            return .array(try a.filter { !($0[directiveKey] != nil && $0.objectValue?.count == 1) }
                .map { try cleaned($0, type: elem) })
        default: return v
        }
    }

    static func smpList(_ original: [JSONValue], _ patch: [JSONValue], field: SchemaField?,
                        type: SchemaType?) throws -> [JSONValue] {
        var elemType: SchemaType?
        if let type, case .array(let e) = SchemaCatalog.resolve(type) { elemType = e }
        if patch.contains(where: { isDirective($0, "replace") }) {
            return try patch.filter { !isDirective($0, "replace") }.map { try cleaned($0, type: elemType) }
        }
        guard let field, field.mergesList else {
            return try patch.map { try cleaned($0, type: elemType) }
        }
        let isObjectList = patch.contains { $0.objectValue != nil } || original.contains { $0.objectValue != nil }
        guard isObjectList else {
            // A list of primitives with strategy merge (finalizers): union, keeping the original order.
            var result = original
            for p in patch where !result.contains(where: { jsonEqual($0, p) }) { result.append(p) }
            return result
        }
        guard let key = field.patchMergeKey else {
            return try patch.map { try cleaned($0, type: elemType) }
        }
        var result = original
        for p in patch {
            guard case .object(var po) = p else {
                throw GantryError(.badRequest, "\(field.name): list element \(p.jsonString()) is not an object")
            }
            if isDirective(p, "delete") {
                if let kv = po[key] {
                    result.removeAll { $0[key].map { jsonEqual($0, kv) } ?? false }
                }
                continue
            }
            guard let kv = po[key] else {
                throw GantryError(.badRequest,
                                  "\(field.name): map \(p.jsonString()) does not contain declared merge key: \(key)")
            }
            if isDirective(p, "merge") { po.removeValue(forKey: directiveKey) }
            if let i = result.firstIndex(where: { $0[key].map { jsonEqual($0, kv) } ?? false }),
               case .object(let existing) = result[i] {
                result[i] = .object(try smpMap(existing, po, type: elemType))
            } else {
                result.append(.object(try smpMap([:], po, type: elemType)))
            }
        }
        return result
    }

    /// Orders `list` as `order` says (elements matched by merge key, or by value for primitives); elements
    /// the order does not mention keep their relative order after the ordered ones.
    static func reorder(_ list: [JSONValue], by order: [JSONValue], mergeKey: String?) -> [JSONValue] {
        func ident(_ v: JSONValue) -> JSONValue {
            if let mergeKey, let k = v[mergeKey] { return k }
            return v
        }
        var remaining = list
        var out = [JSONValue]()
        for o in order {
            let id = ident(o)
            if let i = remaining.firstIndex(where: { jsonEqual(ident($0), id) }) {
                out.append(remaining.remove(at: i))
            }
        }
        return out + remaining
    }
}
