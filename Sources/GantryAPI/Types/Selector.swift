import Foundation

extension LabelSelector {
    /// Whether `labels` satisfy every `matchLabels` entry and `matchExpressions` term.
    /// An empty selector matches everything (a `nil` selector is the caller's decision).
    /// A term with an unknown operator matches nothing.
    public func matches(_ labels: [String: String]) -> Bool {
        for (k, v) in matchLabels ?? [:] where labels[k] != v { return false }
        for r in matchExpressions ?? [] {
            let key = r.key ?? ""
            let values = r.values ?? []
            switch r.operator {
            case "In":
                guard let v = labels[key], values.contains(v) else { return false }
            case "NotIn":
                if let v = labels[key], values.contains(v) { return false }
            case "Exists":
                if labels[key] == nil { return false }
            case "DoesNotExist":
                if labels[key] != nil { return false }
            default:
                return false
            }
        }
        return true
    }

    /// Whether the selector has no terms (and so matches everything).
    public var isEmpty: Bool { (matchLabels ?? [:]).isEmpty && (matchExpressions ?? []).isEmpty }
}

/// A label query in its string form (`?labelSelector=app=web,tier in (db,cache),!legacy`).
public struct LabelQuery: Sendable, Hashable, CustomStringConvertible {
    /// A requirement's operator.
    public enum Operator: String, Sendable, Hashable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
        case greaterThan = "gt"
        case lessThan = "lt"
    }

    /// One requirement: a key, an operator and the values it takes (sorted, deduplicated).
    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        public var key: String
        public var op: Operator
        public var values: [String]

        public init(key: String, op: Operator, values: [String] = []) {
            self.key = key
            self.op = op
            self.values = Array(Set(values)).sorted()
        }

        /// Whether `labels` satisfy this requirement.
        public func matches(_ labels: [String: String]) -> Bool {
            switch op {
            case .equals, .doubleEquals, .in:
                guard let v = labels[key] else { return false }
                return values.contains(v)
            case .notEquals, .notIn:
                guard let v = labels[key] else { return true }
                return !values.contains(v)
            case .exists:
                return labels[key] != nil
            case .doesNotExist:
                return labels[key] == nil
            case .greaterThan, .lessThan:
                guard let v = labels[key], let have = Int64(v), let want = values.first.flatMap({ Int64($0) }) else {
                    return false
                }
                return op == .greaterThan ? have > want : have < want
            }
        }

        public var description: String {
            switch op {
            case .exists: return key
            case .doesNotExist: return "!" + key
            case .equals, .doubleEquals, .notEquals: return key + op.rawValue + (values.first ?? "")
            case .in, .notIn: return "\(key) \(op.rawValue) (\(values.joined(separator: ",")))"
            case .greaterThan: return key + ">" + (values.first ?? "")
            case .lessThan: return key + "<" + (values.first ?? "")
            }
        }
    }

    /// The requirements, ANDed, sorted by key.
    public var requirements: [Requirement]

    /// A query from requirements.
    public init(requirements: [Requirement] = []) {
        self.requirements = requirements.sorted { ($0.key, $0.op.rawValue) < ($1.key, $1.op.rawValue) }
    }

    /// The query that matches everything.
    public static let everything = LabelQuery()

    /// Whether the query has no requirements (and so matches everything).
    public var isEmpty: Bool { requirements.isEmpty }

    /// Whether `labels` satisfy every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    /// The string form, as Kubernetes prints it (`app=web,tier in (cache,db)`).
    public var description: String { requirements.map(\.description).joined(separator: ",") }

    /// The query a `LabelSelector` stands for; throws `GantryError(.invalid)` for a malformed selector.
    public init(_ selector: LabelSelector) throws {
        var reqs: [Requirement] = []
        for (k, v) in selector.matchLabels ?? [:] {
            try LabelQuery.checkKey(k)
            try LabelQuery.checkValue(v)
            reqs.append(Requirement(key: k, op: .equals, values: [v]))
        }
        for e in selector.matchExpressions ?? [] {
            let key = e.key ?? ""
            try LabelQuery.checkKey(key)
            let values = e.values ?? []
            let op: Operator
            switch e.operator ?? "" {
            case "In": op = .in
            case "NotIn": op = .notIn
            case "Exists": op = .exists
            case "DoesNotExist": op = .doesNotExist
            default:
                throw GantryError(.invalid, "\"\(e.operator ?? "")\" is not a valid label selector operator")
            }
            switch op {
            case .in, .notIn:
                if values.isEmpty {
                    throw GantryError(.invalid, "for 'in', 'notin' operators, values set can't be empty")
                }
            default:
                if !values.isEmpty {
                    throw GantryError(.invalid, "values set must be empty for exists and does not exist")
                }
            }
            for v in values { try LabelQuery.checkValue(v) }
            reqs.append(Requirement(key: key, op: op, values: values))
        }
        self.init(requirements: reqs)
    }

    static func checkKey(_ k: String) throws {
        if let m = NameRules.qualifiedName(k).first {
            throw GantryError(.badRequest, "unable to parse requirement: key: Invalid value: \"\(k)\": \(m)")
        }
    }

    static func checkValue(_ v: String) throws {
        if let m = NameRules.labelValue(v).first {
            throw GantryError(.badRequest, "unable to parse requirement: values[0]: Invalid value: \"\(v)\": \(m)")
        }
    }

    // MARK: Parsing

    enum Token: Equatable {
        case identifier(String)
        case equals, doubleEquals, notEquals, bang, open, close, comma, gt, lt
        case end

        var text: String {
            switch self {
            case .identifier(let s): return s
            case .equals: return "="
            case .doubleEquals: return "=="
            case .notEquals: return "!="
            case .bang: return "!"
            case .open: return "("
            case .close: return ")"
            case .comma: return ","
            case .gt: return ">"
            case .lt: return "<"
            case .end: return "end of string"
            }
        }
    }

    static func lex(_ s: String) -> [Token] {
        var out: [Token] = []
        let chars = Array(s)
        var i = 0
        let special: Set<Character> = ["=", "!", "(", ")", ",", ">", "<"]
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            switch c {
            case "=":
                if i + 1 < chars.count, chars[i + 1] == "=" { out.append(.doubleEquals); i += 2 } else { out.append(.equals); i += 1 }
            case "!":
                if i + 1 < chars.count, chars[i + 1] == "=" { out.append(.notEquals); i += 2 } else { out.append(.bang); i += 1 }
            case "(": out.append(.open); i += 1
            case ")": out.append(.close); i += 1
            case ",": out.append(.comma); i += 1
            case ">": out.append(.gt); i += 1
            case "<": out.append(.lt); i += 1
            default:
                var j = i
                while j < chars.count, !chars[j].isWhitespace, !special.contains(chars[j]) { j += 1 }
                out.append(.identifier(String(chars[i..<j])))
                i = j
            }
        }
        out.append(.end)
        return out
    }

    /// Parses the string form of a label query: `a=b`, `a==b`, `a!=b`, `a in (x, y)`, `a notin (x)`,
    /// `a` (exists), `!a` (does not exist), `a>1`, `a<1`, comma-separated.
    /// Errors are `GantryError(.badRequest, "unable to parse requirement: ...")`.
    public static func parse(_ s: String) throws -> LabelQuery {
        let toks = lex(s)
        var p = 0
        var reqs: [Requirement] = []
        func fail(_ msg: String) -> GantryError { GantryError(.badRequest, "unable to parse requirement: \(msg)") }
        func found(_ t: Token, _ expected: String) -> GantryError { fail("found '\(t.text)', expected: \(expected)") }
        if toks == [.end] { return LabelQuery() }
        while true {
            var t = toks[p]
            var negated = false
            if t == .bang {
                negated = true
                p += 1
                t = toks[p]
            }
            guard case .identifier(let key) = t else { throw found(t, "!, identifier") }
            p += 1
            try checkKey(key)
            if negated {
                reqs.append(Requirement(key: key, op: .doesNotExist))
            } else {
                let opTok = toks[p]
                switch opTok {
                case .end, .comma:
                    reqs.append(Requirement(key: key, op: .exists))
                case .equals, .doubleEquals, .notEquals, .gt, .lt:
                    p += 1
                    var value = ""
                    if case .identifier(let v) = toks[p] {
                        value = v
                        p += 1
                    } else if toks[p] != .end && toks[p] != .comma {
                        throw found(toks[p], "identifier")
                    }
                    let op: Operator
                    switch opTok {
                    case .equals: op = .equals
                    case .doubleEquals: op = .doubleEquals
                    case .notEquals: op = .notEquals
                    case .gt: op = .greaterThan
                    default: op = .lessThan
                    }
                    if op == .greaterThan || op == .lessThan {
                        guard Int64(value) != nil else {
                            throw fail("for 'Gt', 'Lt' operators, the value must be an integer")
                        }
                    } else {
                        try checkValue(value)
                    }
                    reqs.append(Requirement(key: key, op: op, values: [value]))
                case .identifier("in"), .identifier("notin"):
                    p += 1
                    guard toks[p] == .open else { throw found(toks[p], "'('") }
                    p += 1
                    var values: [String] = []
                    if toks[p] == .close {
                        throw fail("for 'in', 'notin' operators, values set can't be empty")
                    }
                    while true {
                        if case .identifier(let v) = toks[p] {
                            try checkValue(v)
                            values.append(v)
                            p += 1
                        } else if toks[p] == .comma || toks[p] == .close {
                            values.append("")
                        } else {
                            throw found(toks[p], "',', ')' or identifier")
                        }
                        if toks[p] == .comma { p += 1; continue }
                        if toks[p] == .close { p += 1; break }
                        throw found(toks[p], "',' or ')'")
                    }
                    reqs.append(Requirement(key: key, op: opTok == .identifier("in") ? .in : .notIn, values: values))
                default:
                    throw found(opTok, "'=', '!=', '==', 'in', notin'")
                }
            }
            switch toks[p] {
            case .end:
                return LabelQuery(requirements: reqs)
            case .comma:
                p += 1
                if toks[p] == .end { throw found(.end, "!, identifier") }
            default:
                throw found(toks[p], "',' or 'end of string'")
            }
        }
    }
}

/// A field query in its string form (`?fieldSelector=spec.nodeName=n1,status.phase!=Failed`).
public struct FieldQuery: Sendable, Hashable, CustomStringConvertible {
    struct Term: Sendable, Hashable {
        var field: String
        var op: String
        var value: String
    }

    var terms: [Term]

    /// The requirements, ANDed; `op` is `=` (also for `==`) or `!=`.
    public var requirements: [(field: String, op: String, value: String)] {
        terms.map { (field: $0.field, op: $0.op, value: $0.value) }
    }

    /// A query from requirements; `op` is `=`, `==` or `!=`.
    public init(_ requirements: [(field: String, op: String, value: String)] = []) {
        terms = requirements.map { Term(field: $0.field, op: $0.op == "!=" ? "!=" : "=", value: $0.value) }
    }

    /// The query that matches everything.
    public static let everything = FieldQuery()

    /// Whether the query has no requirements.
    public var isEmpty: Bool { terms.isEmpty }

    /// The value the query requires for `field` with `=`, if any (`spec.nodeName`).
    public func requiredValue(for field: String) -> String? {
        terms.first { $0.field == field && $0.op == "=" }?.value
    }

    /// Whether `fields` satisfy every requirement; a missing field has the empty value.
    public func matches(_ fields: [String: String]) -> Bool {
        terms.allSatisfy { t in
            let v = fields[t.field] ?? ""
            return t.op == "=" ? v == t.value : v != t.value
        }
    }

    public var description: String {
        terms.map { "\($0.field)\($0.op)\(FieldQuery.escape($0.value))" }.joined(separator: ",")
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            if c == "\\" || c == "," || c == "=" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// Parses `a=b,c!=d` (also `a==b`); `\,`, `\=` and `\\` escape those characters in values.
    /// Errors are `GantryError(.badRequest)`.
    public static func parse(_ s: String) throws -> FieldQuery {
        var q = FieldQuery()
        if s.trimmingCharacters(in: .whitespaces).isEmpty { return q }
        // Split on unescaped commas.
        var parts: [String] = []
        var cur = ""
        var escaped = false
        for c in s {
            if escaped { cur.append("\\"); cur.append(c); escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "," { parts.append(cur); cur = ""; continue }
            cur.append(c)
        }
        if escaped { cur.append("\\") }
        parts.append(cur)
        for part in parts {
            // Find the first unescaped operator.
            let chars = Array(part)
            var i = 0
            var found: (Int, String)?
            while i < chars.count {
                if chars[i] == "\\" { i += 2; continue }
                if chars[i] == "!", i + 1 < chars.count, chars[i + 1] == "=" { found = (i, "!="); break }
                if chars[i] == "=" {
                    found = (i + 1 < chars.count && chars[i + 1] == "=") ? (i, "==") : (i, "=")
                    break
                }
                i += 1
            }
            guard let (at, op) = found else {
                throw GantryError(.badRequest, "invalid selector: '\(s)'; can't understand '\(part)'")
            }
            let field = String(chars[..<at]).trimmingCharacters(in: .whitespaces)
            let rawValue = Array(chars[(at + op.count)...])
            guard !field.isEmpty else {
                throw GantryError(.badRequest, "invalid selector: '\(s)'; can't understand '\(part)'")
            }
            var value = ""
            var j = 0
            while j < rawValue.count {
                if rawValue[j] == "\\" {
                    guard j + 1 < rawValue.count, ["\\", ",", "="].contains(rawValue[j + 1]) else {
                        throw GantryError(.badRequest, "invalid field selector: '\(s)': invalid escape sequence")
                    }
                    value.append(rawValue[j + 1])
                    j += 2
                    continue
                }
                value.append(rawValue[j])
                j += 1
            }
            q.terms.append(Term(field: field, op: op == "!=" ? "!=" : "=", value: value))
        }
        return q
    }

    public static func == (a: FieldQuery, b: FieldQuery) -> Bool { a.terms == b.terms }
    public func hash(into hasher: inout Hasher) { hasher.combine(terms) }
}
