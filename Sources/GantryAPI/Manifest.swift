import Foundation
import Yams

/// Decoding of manifests: YAML or JSON, one document or many (`---`), and `List` kinds flattened.
public enum Manifest {
    /// Parses a YAML or JSON text into its documents (empty documents dropped, `kind: List` expanded).
    public static func decode(_ text: String, source: String = "input") throws -> [JSONValue] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var docs: [JSONValue] = []
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            if let v = try? JSONValue.parse(trimmed) {
                docs = [v]
            }
        }
        if docs.isEmpty {
            do {
                let parser = try Parser(yaml: text)
                while let node = try parser.nextRoot() {
                    docs.append(try yamlToJSON(node))
                }
            } catch let e as GantryError {
                throw e
            } catch {
                throw GantryError(.badRequest, "error parsing \(source): \(error)")
            }
        }
        var out: [JSONValue] = []
        for d in docs {
            switch d {
            case .null: continue
            case .array(let items):
                for item in items {
                    guard case .object = item else {
                        throw GantryError(.badRequest, "error parsing \(source): a list item is a \(item.typeName), not an object")
                    }
                    out.append(item)
                }
            case .object:
                if d["kind"]?.stringValue?.hasSuffix("List") == true, let items = d["items"]?.arrayValue {
                    out.append(contentsOf: items)
                } else {
                    out.append(d)
                }
            default:
                throw GantryError(.badRequest, "error parsing \(source): a document is a \(d.typeName), not an object")
            }
        }
        return out
    }

    /// Parses a request body: JSON, or YAML when `contentType` says so (or JSON parsing fails on YAML text).
    public static func decodeBody(_ data: Data, contentType: String?) throws -> JSONValue {
        let ct = contentType ?? ""
        if ct.contains("yaml") {
            let parser = try Parser(yaml: String(decoding: data, as: UTF8.self))
            var docs: [JSONValue] = []
            while let node = try parser.nextRoot() { docs.append(try yamlToJSON(node)) }
            guard docs.count == 1, let d = docs.first else {
                throw GantryError(.badRequest, "the request body must hold exactly one YAML document")
            }
            return d
        }
        return try JSONValue.parse(data)
    }

    /// Converts a YAML node to JSON, keeping integers integers and everything untagged a string.
    public static func yamlToJSON(_ node: Yams.Node) throws -> JSONValue {
        switch node {
        case .scalar(let s):
            if s.style != .plain { return .string(s.string) }
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case Tag.Name.null: return .null
            case Tag.Name.bool: return node.bool.map { .bool($0) } ?? .string(s.string)
            case Tag.Name.int: return node.int.map { .int(Int64($0)) } ?? .string(s.string)
            case Tag.Name.float:
                if let d = node.float, d.isFinite { return .double(d) }
                return .string(s.string)
            default: return .string(s.string)
            }
        case .mapping(let m):
            var o: [String: JSONValue] = [:]
            for (k, v) in m {
                guard case .scalar(let ks) = k else {
                    throw GantryError(.badRequest, "YAML mapping keys must be strings")
                }
                o[ks.string] = try yamlToJSON(v)
            }
            return .object(o)
        case .sequence(let seq):
            return .array(try seq.map(yamlToJSON))
        case .alias:
            throw GantryError(.badRequest, "YAML aliases are not supported")
        }
    }

    /// Renders JSON as YAML (for `-o yaml`).
    public static func yaml(_ value: JSONValue) -> String {
        var out = ""
        emit(value, indent: 0, into: &out, inList: false)
        return out
    }

    static func scalar(_ v: JSONValue) -> String? {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): return quote(s)
        case .array(let a) where a.isEmpty: return "[]"
        case .object(let o) where o.isEmpty: return "{}"
        default: return nil
        }
    }

    static func quote(_ s: String) -> String {
        if s.isEmpty { return "\"\"" }
        let reserved = ["true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"]
        let plainChars = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./ ")
        let plain = s.allSatisfy { plainChars.contains($0) } && !reserved.contains(s.lowercased())
            && Double(s) == nil && s.first != "-" && s.first != " " && s.last != " " && s.first != "."
        return plain ? s : JSONValue.string(s).jsonString()
    }

    static func emit(_ v: JSONValue, indent: Int, into out: inout String, inList: Bool) {
        let pad = String(repeating: " ", count: indent)
        switch v {
        case .object(let o) where !o.isEmpty:
            var first = true
            for k in o.keys.sorted() {
                let prefix = (inList && first) ? "" : pad
                first = false
                let key = quote(k)
                let child = o[k]!
                if case .string(let s) = child, s.contains("\n") {
                    out += "\(prefix)\(key): |\(s.hasSuffix("\n") ? "" : "-")\n"
                    for line in s.split(separator: "\n", omittingEmptySubsequences: false).dropLast(s.hasSuffix("\n") ? 1 : 0) {
                        out += pad + "  " + line + "\n"
                    }
                } else if let sc = scalar(child) {
                    out += "\(prefix)\(key): \(sc)\n"
                } else if case .array = child {
                    out += "\(prefix)\(key):\n"
                    emit(child, indent: indent, into: &out, inList: false)
                } else {
                    out += "\(prefix)\(key):\n"
                    emit(child, indent: indent + 2, into: &out, inList: false)
                }
            }
        case .array(let a) where !a.isEmpty:
            for item in a {
                if case .string(let s) = item, s.contains("\n") {
                    out += "\(pad)- \(JSONValue.string(s).jsonString())\n"
                } else if let sc = scalar(item) {
                    out += "\(pad)- \(sc)\n"
                } else if case .array = item {
                    out += "\(pad)-\n"
                    emit(item, indent: indent + 2, into: &out, inList: false)
                } else {
                    out += "\(pad)- "
                    emit(item, indent: indent + 2, into: &out, inList: true)
                }
            }
        default:
            out += pad + (scalar(v) ?? "") + "\n"
        }
    }
}
