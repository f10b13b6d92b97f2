import Foundation

/// The subset of Kubernetes JSONPath that CustomResourceDefinitions use in `additionalPrinterColumns` and the
/// scale subresource's paths: `.spec.replicas`, `.items[0].name`, `.conditions[*].type`,
/// `.status.conditions[?(@.type=="Ready")].status`, `['dotted.key']`, with or without the `{}` braces.
public struct JSONPath: Sendable, Hashable {
    enum Step: Sendable, Hashable {
        case field(String)
        case index(Int)
        case wildcard
        /// `[?(@.a.b=="v")]` (or `!=`).
        case filter(path: [String], value: String, equal: Bool)
    }

    let steps: [Step]
    /// The expression as written.
    public let source: String

    /// Parses an expression; throws a message naming what is wrong.
    public init(_ expression: String) throws {
        source = expression
        var s = Substring(expression.trimmingCharacters(in: .whitespaces))
        if s.hasPrefix("{"), s.hasSuffix("}") { s = s.dropFirst().dropLast() }
        if s.hasPrefix("$") { s = s.dropFirst() }
        var steps: [Step] = []
        while let c = s.first {
            if c == "." {
                s = s.dropFirst()
                let name = s.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty else { throw GantryError(.badRequest, "invalid JSONPath \(expression): empty field name") }
                steps.append(name == "*" ? .wildcard : .field(String(name)))
                s = s.dropFirst(name.count)
            } else if c == "[" {
                guard let close = s.firstIndex(of: "]") else {
                    throw GantryError(.badRequest, "invalid JSONPath \(expression): unterminated [")
                }
                let inner = s[s.index(after: s.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                s = s[s.index(after: close)...]
                if inner == "*" {
                    steps.append(.wildcard)
                } else if let i = Int(inner) {
                    steps.append(.index(i))
                } else if (inner.hasPrefix("'") && inner.hasSuffix("'")) || (inner.hasPrefix("\"") && inner.hasSuffix("\"")),
                          inner.count >= 2 {
                    steps.append(.field(String(inner.dropFirst().dropLast())))
                } else if inner.hasPrefix("?(@."), inner.hasSuffix(")") {
                    let body = inner.dropFirst(4).dropLast()
                    let equal = !body.contains("!=")
                    let parts = body.components(separatedBy: equal ? "==" : "!=")
                    guard parts.count == 2 else { throw GantryError(.badRequest, "invalid JSONPath \(expression): unsupported filter") }
                    var value = parts[1].trimmingCharacters(in: .whitespaces)
                    if value.count >= 2, value.first == "\"" || value.first == "'" { value = String(value.dropFirst().dropLast()) }
                    steps.append(.filter(path: parts[0].trimmingCharacters(in: .whitespaces).split(separator: ".").map(String.init),
                                         value: value, equal: equal))
                } else {
                    throw GantryError(.badRequest, "invalid JSONPath \(expression): unsupported subscript [\(inner)]")
                }
            } else {
                throw GantryError(.badRequest, "invalid JSONPath \(expression): expected . or [ at \"\(s)\"")
            }
        }
        self.steps = steps
    }

    /// The simple field path this expression is (`["spec", "replicas"]`), or nil if it has subscripts.
    public var fieldPath: [String]? {
        var out: [String] = []
        for step in steps {
            guard case .field(let f) = step else { return nil }
            out.append(f)
        }
        return out
    }

    /// Every value the expression selects in `value`.
    public func evaluate(_ value: JSONValue) -> [JSONValue] {
        var current = [value]
        for step in steps {
            var next: [JSONValue] = []
            for v in current {
                switch step {
                case .field(let f):
                    if let x = v[f] { next.append(x) }
                case .index(let i):
                    if let a = v.arrayValue {
                        let j = i < 0 ? a.count + i : i
                        if a.indices.contains(j) { next.append(a[j]) }
                    }
                case .wildcard:
                    if let a = v.arrayValue { next += a } else if let o = v.objectValue { next += o.keys.sorted().map { o[$0]! } }
                case .filter(let path, let want, let equal):
                    for e in v.arrayValue ?? [] {
                        let got = e[path: path].map(Self.text) ?? ""
                        if (got == want) == equal, e[path: path] != nil || !equal { next.append(e) }
                    }
                }
            }
            current = next
        }
        return current
    }

    /// A value as `kubectl get` prints it: strings bare, numbers and booleans as written, the rest as JSON.
    public static func text(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return ""
        default: return String(decoding: v.serialized(), as: UTF8.self)
        }
    }
}
