import Foundation

/// Field ownership for server-side apply, as Kubernetes' structured-merge-diff keeps it in
/// `metadata.managedFields` (`fieldsType: FieldsV1`).
///
/// A field set is a set of paths; each path is a list of FieldsV1 tokens: `f:<name>` (a field or map key),
/// `k:<json>` (the item of a keyed list with these key values), `v:<json>` (an item of a set list), `i:<n>`
/// (unused: lists without keys are atomic). A set holds the leaves an object sets (scalars, empty objects,
/// atomic lists) and the items of keyed and set lists. Lists follow the catalogue's `x-kubernetes-list-type`
/// and merge keys (custom resources: atomic unless their schema says otherwise, as apiextensions does).
public enum ManagedFields {
    public typealias Path = [String]

    /// Metadata the server owns, never tracked.
    static let untrackedMetadata: Set<String> = ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                                                 "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink",
                                                 "generateName"]

    // MARK: Field sets

    /// The fields `object` sets, of the catalogue type `typeName` (nil: unknown, lists atomic). `status` is
    /// left out unless `status` is true, and then only status is looked at (the status subresource's fields).
    public static func fields(of object: JSONValue, typeName: String?, status: Bool = false) -> Set<Path> {
        Set(values(of: object, typeName: typeName, status: status).keys)
    }

    /// The fields `object` sets, each with its value (an item path's value is the item), found in one walk.
    public static func values(of object: JSONValue, typeName: String?, status: Bool = false) -> [Path: JSONValue] {
        var out: [Path: JSONValue] = [:]
        guard case .object(let o) = object else { return out }
        let root: SchemaType? = typeName.map { .ref($0) }
        for (k, v) in o where k != "apiVersion" && k != "kind" {
            if (k == "status") != status { continue }
            let (t, f) = Patch.member(root, k)
            if k == "metadata", case .object(let m) = v {
                for (mk, mv) in m where !untrackedMetadata.contains(mk) {
                    let (mt, mf) = Patch.member(t, mk)
                    walk(mv, type: mt, field: mf, path: ["f:metadata", "f:" + mk], into: &out)
                }
                continue
            }
            walk(v, type: t, field: f, path: ["f:" + k], into: &out)
        }
        return out
    }

    /// Whether a path names a list item (its membership), not a value.
    static func isItem(_ p: Path) -> Bool {
        guard let last = p.last else { return false }
        return last.hasPrefix("k:") || last.hasPrefix("v:")
    }

    enum ListKind {
        case map([String])
        case set
        case atomic
    }

    static func listKind(_ field: SchemaField?) -> ListKind {
        guard let field else { return .atomic }
        if field.listType == "map", !field.listMapKeys.isEmpty { return .map(field.listMapKeys) }
        if field.listType == "set" { return .set }
        if field.listType == nil, field.mergesList {
            if let key = field.patchMergeKey { return .map([key]) }
            return .set
        }
        return .atomic
    }

    static func walk(_ v: JSONValue, type: SchemaType?, field: SchemaField?, path: Path, into out: inout [Path: JSONValue]) {
        switch v {
        case .object(let o):
            if o.isEmpty {
                out[path] = v
                return
            }
            for (k, x) in o {
                let (t, f) = Patch.member(type, k)
                walk(x, type: t, field: f, path: path + ["f:" + k], into: &out)
            }
        case .array(let items):
            let element: SchemaType? = {
                if case .array(let e)? = type.map(SchemaCatalog.resolve) { return e }
                return nil
            }()
            switch listKind(field) {
            case .map(let keys):
                if items.isEmpty { out[path] = v }
                for item in items {
                    guard let key = itemKey(item, keys) else { out[path] = v; return }
                    let p = path + ["k:" + key]
                    out[p] = item
                    if case .object(let io) = item {
                        for (k, x) in io {
                            let (t, f) = Patch.member(element, k)
                            walk(x, type: t, field: f, path: p + ["f:" + k], into: &out)
                        }
                    }
                }
            case .set:
                if items.isEmpty { out[path] = v }
                for item in items { out[path + ["v:" + canonical(item)]] = item }
            case .atomic:
                out[path] = v
            }
        default:
            out[path] = v
        }
    }

    /// The `k:` token value of a keyed list item: its key fields as compact JSON, keys sorted.
    static func itemKey(_ item: JSONValue, _ keys: [String]) -> String? {
        guard case .object(let o) = item else { return nil }
        var parts: [String] = []
        for k in keys.sorted() {
            guard let v = o[k] else {
                if keys.count == 1 { return nil }
                continue
            }
            parts.append("\(canonical(.string(k))):\(canonical(v))")
        }
        return parts.isEmpty ? nil : "{" + parts.joined(separator: ",") + "}"
    }

    /// Compact JSON with sorted keys.
    public static func canonical(_ v: JSONValue) -> String {
        switch v {
        case .object(let o):
            return "{" + o.keys.sorted().map { "\(canonical(.string($0))):\(canonical(o[$0]!))" }.joined(separator: ",") + "}"
        case .array(let a):
            return "[" + a.map(canonical).joined(separator: ",") + "]"
        default:
            return String(decoding: v.serialized(), as: UTF8.self)
        }
    }

    // MARK: Paths in objects

    static func matchesKey(_ item: JSONValue, _ key: String) -> Bool {
        guard let want = try? JSONValue.parse(Data(key.utf8)), case .object(let w) = want, case .object(let o) = item else { return false }
        return w.allSatisfy { k, v in o[k].map { canonical($0) == canonical(v) } ?? false }
    }

    /// `object` without what `path` points at (nothing happens if it is not there).
    public static func removing(_ path: Path, from object: JSONValue) -> JSONValue {
        guard let first = path.first else { return object }
        let rest = Array(path.dropFirst())
        if first.hasPrefix("f:") {
            guard case .object(var o) = object else { return object }
            let k = String(first.dropFirst(2))
            if rest.isEmpty {
                o.removeValue(forKey: k)
            } else if let child = o[k] {
                let after = removing(rest, from: child)
                // A list or map emptied by the removal goes too (nobody set it empty).
                if after != child, after.arrayValue?.isEmpty == true || after.objectValue?.isEmpty == true {
                    o.removeValue(forKey: k)
                } else {
                    o[k] = after
                }
            }
            return .object(o)
        }
        guard case .array(var items) = object else { return object }
        let body = String(first.dropFirst(2))
        guard let i = items.firstIndex(where: { first.hasPrefix("k:") ? matchesKey($0, body) : canonical($0) == body }) else { return object }
        if rest.isEmpty { items.remove(at: i) } else { items[i] = removing(rest, from: items[i]) }
        return .array(items)
    }

    /// A path as Kubernetes prints it in conflicts: `.spec.replicas`, `.spec.containers[name="web"].image`.
    public static func describe(_ path: Path) -> String {
        path.map { t -> String in
            let body = String(t.dropFirst(2))
            if t.hasPrefix("f:") { return "." + body }
            if t.hasPrefix("k:"), let v = try? JSONValue.parse(Data(body.utf8)), case .object(let o) = v {
                return "[" + o.keys.sorted().map { "\($0)=\(canonical(o[$0]!))" }.joined(separator: ",") + "]"
            }
            return "[=\(body)]"
        }.joined()
    }

    // MARK: FieldsV1

    /// A field set in FieldsV1 form: nested objects of tokens; an owned path with owned paths under it (an
    /// item whose fields are owned too) carries `"."`, an owned leaf is `{}`.
    public static func encode(_ set: Set<Path>) -> JSONValue {
        final class Node {
            var member = false
            var children: [String: Node] = [:]
            func json() -> JSONValue {
                var o: [String: JSONValue] = [:]
                for (k, c) in children { o[k] = c.json() }
                if member, !children.isEmpty { o["."] = .emptyObject }
                return .object(o)
            }
        }
        let root = Node()
        for p in set {
            var n = root
            for t in p {
                if let c = n.children[t] { n = c } else {
                    let c = Node()
                    n.children[t] = c
                    n = c
                }
            }
            n.member = true
        }
        return root.json()
    }

    /// The paths of a FieldsV1 value.
    public static func decode(_ fields: JSONValue?) -> Set<Path> {
        var out = Set<Path>()
        func walk(_ v: JSONValue, _ path: Path) {
            guard case .object(let o) = v else { return }
            if o.isEmpty, !path.isEmpty { out.insert(path) }
            for (k, x) in o {
                if k == "." { out.insert(path); continue }
                walk(x, path + [k])
            }
        }
        if let fields { walk(fields, []) }
        return out
    }

    // MARK: Entries

    /// One `managedFields` entry.
    public struct Entry: Sendable, Hashable {
        public var manager: String
        /// `Apply` or `Update`.
        public var operation: String
        public var apiVersion: String
        public var time: String?
        public var subresource: String?
        public var fields: Set<Path>

        public init(manager: String, operation: String, apiVersion: String, time: String?, subresource: String?, fields: Set<Path>) {
            self.manager = manager
            self.operation = operation
            self.apiVersion = apiVersion
            self.time = time
            self.subresource = subresource
            self.fields = fields
        }

        /// Whether this entry is the one `manager` writes with `operation` through `subresource`.
        func isFor(_ manager: String, _ operation: String, _ subresource: String?) -> Bool {
            self.manager == manager && self.operation == operation && (self.subresource ?? "") == (subresource ?? "")
        }
    }

    public static func entries(_ managed: JSONValue?) -> [Entry] {
        (managed?.arrayValue ?? []).compactMap { e in
            guard let op = e["operation"]?.stringValue else { return nil }
            return Entry(manager: e["manager"]?.stringValue ?? "", operation: op, apiVersion: e["apiVersion"]?.stringValue ?? "", time: e["time"]?.stringValue,
                         subresource: e["subresource"]?.stringValue, fields: decode(e["fieldsV1"]))
        }
    }

    public static func json(_ entries: [Entry]) -> JSONValue? {
        let kept = entries.filter { !$0.fields.isEmpty }
        if kept.isEmpty { return nil }
        return .array(kept.map { e in
            var o: [String: JSONValue] = ["manager": .string(e.manager), "operation": .string(e.operation),
                                          "apiVersion": .string(e.apiVersion), "fieldsType": "FieldsV1", "fieldsV1": encode(e.fields)]
            if let t = e.time { o["time"] = .string(t) }
            if let s = e.subresource, !s.isEmpty { o["subresource"] = .string(s) }
            return .object(o)
        })
    }

    /// The entries after an update (create, PUT, or a non-apply PATCH) from `old` to `new` by `manager`: the fields
    /// the update changed or added become the manager's (taken from whoever had them: updates never conflict),
    /// fields it removed leave every set.
    public static func afterUpdate(_ current: [Entry], old: JSONValue?, new: JSONValue, typeName: String?, manager: String,
                                   apiVersion: String, subresource: String?, now: String) -> [Entry] {
        let status = subresource == "status"
        let newValues = values(of: new, typeName: typeName, status: status)
        let oldValues = old.map { values(of: $0, typeName: typeName, status: status) } ?? [:]
        var changed = Set<Path>()
        for (p, v) in newValues {
            guard let was = oldValues[p] else { changed.insert(p); continue }
            if !isItem(p), was != v { changed.insert(p) }
        }
        let removed = Set(oldValues.keys).subtracting(newValues.keys)
        if changed.isEmpty && removed.isEmpty { return current }
        var out = current.map { e -> Entry in
            var e = e
            e.fields.subtract(removed)
            if !e.isFor(manager, "Update", subresource) { e.fields.subtract(changed) }
            return e
        }
        if let i = out.firstIndex(where: { $0.isFor(manager, "Update", subresource) }) {
            out[i].fields.formUnion(changed)
            out[i].time = now
            out[i].apiVersion = apiVersion
        } else if !changed.isEmpty {
            out.append(Entry(manager: manager, operation: "Update", apiVersion: apiVersion, time: now, subresource: subresource, fields: changed))
        }
        return out.filter { !$0.fields.isEmpty }
    }

    /// A field another manager owns with a different value than the applied configuration sets.
    public struct Conflict: Sendable, Hashable {
        public var manager: String
        public var apiVersion: String
        public var path: Path
    }

    /// Server-side apply of `config` by `manager` to `live`: the merged object and the new entries, or the
    /// conflicts (unless `force`, which takes the fields over). Fields the manager applied before and no longer
    /// does are removed, unless another manager owns them too.
    public static func apply(_ config: JSONValue, to live: JSONValue, current: [Entry], typeName: String?, manager: String,
                             apiVersion: String, subresource: String?, force: Bool, now: String,
                             merge: (JSONValue, JSONValue) throws -> JSONValue) throws -> (object: JSONValue, entries: [Entry], conflicts: [Conflict]) {
        let status = subresource == "status"
        let configValues = values(of: config, typeName: typeName, status: status)
        let applied = Set(configValues.keys)
        let liveValues = values(of: live, typeName: typeName, status: status)
        var conflicts: [Conflict] = []
        var entries = current
        for (i, e) in entries.enumerated() where !e.isFor(manager, "Apply", subresource) {
            let overlap = e.fields.intersection(applied)
            let differing = overlap.filter { p in !isItem(p) && configValues[p] != liveValues[p] }
            if force {
                entries[i].fields.subtract(differing)
            } else {
                conflicts += differing.sorted { $0.lexicographicallyPrecedes($1) }.map { Conflict(manager: e.manager, apiVersion: e.apiVersion, path: $0) }
            }
        }
        if !conflicts.isEmpty { return (live, current, conflicts) }
        // What this manager applied before and no longer applies goes, unless someone else has it (or under it).
        let previous = entries.first { $0.isFor(manager, "Apply", subresource) }?.fields ?? []
        let others = entries.filter { !$0.isFor(manager, "Apply", subresource) }.reduce(into: Set<Path>()) { $0.formUnion($1.fields) }
        var object = live
        let dropped = previous.subtracting(applied).filter { p in !others.contains { $0.starts(with: p) } }
        // The outermost of them only: removing an item removes its fields (which also identify it).
        for p in dropped where !(1..<max(1, p.count)).contains(where: { dropped.contains(Array(p.prefix($0))) }) {
            object = removing(p, from: object)
        }
        object = try merge(config, object)
        if let i = entries.firstIndex(where: { $0.isFor(manager, "Apply", subresource) }) {
            if entries[i].fields != applied || entries[i].apiVersion != apiVersion {
                entries[i].fields = applied
                entries[i].time = now
                entries[i].apiVersion = apiVersion
            }
        } else {
            entries.append(Entry(manager: manager, operation: "Apply", apiVersion: apiVersion, time: now, subresource: subresource, fields: applied))
        }
        return (object, entries.filter { !$0.fields.isEmpty }, [])
    }

    /// Kubernetes' conflict message: `Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas`.
    public static func conflictMessage(_ conflicts: [Conflict]) -> String {
        let byManager = Dictionary(grouping: conflicts) { "\($0.manager)\u{0}\($0.apiVersion)" }
        let n = conflicts.count
        var parts: [String] = []
        for key in byManager.keys.sorted() {
            let cs = byManager[key]!
            let who = "\"\(cs[0].manager)\" using \(cs[0].apiVersion)"
            if cs.count == 1 {
                parts.append("conflict with \(who): \(describe(cs[0].path))")
            } else {
                parts.append("conflicts with \(who):\n" + cs.map { "- " + describe($0.path) }.joined(separator: "\n"))
            }
        }
        return "Apply failed with \(n) conflict\(n == 1 ? "" : "s"): " + parts.joined(separator: "\n")
    }
}
