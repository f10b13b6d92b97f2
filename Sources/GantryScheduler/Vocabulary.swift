import Foundation
import GantryAPI

/// Dense integer ids for strings, so the hot paths compare integers instead of strings.
struct Interner: Sendable {
    private(set) var ids: [String: Int32] = [:]
    private(set) var strings: [String] = []

    /// How many strings have an id.
    var count: Int { strings.count }

    /// The id of `string`, if it has one.
    func id(_ string: String) -> Int32? { ids[string] }

    /// The id of `string`, assigning the next one if it has none.
    mutating func intern(_ string: String) -> Int32 {
        if let id = ids[string] { return id }
        let id = Int32(strings.count)
        strings.append(string)
        ids[string] = id
        return id
    }

    /// The string of an id from this interner.
    func string(_ id: Int32) -> String { strings[Int(id)] }
}

/// Where compiled selectors and labels get their ids: the snapshot's own tables (which grow), or a
/// per-pod overlay on them (which gives strings the snapshot has never seen ids no node or pod carries).
protocol InternTable {
    mutating func key(_ string: String) -> Int32
    mutating func value(_ string: String) -> Int32
    mutating func namespace(_ string: String) -> Int32
}

/// The snapshot's string tables.
struct Vocabulary: InternTable, Sendable {
    var keys = Interner()
    var values = Interner()
    var namespaces = Interner()
    var images = Interner()
    var resources = Interner()

    mutating func key(_ string: String) -> Int32 { keys.intern(string) }
    mutating func value(_ string: String) -> Int32 { values.intern(string) }
    mutating func namespace(_ string: String) -> Int32 { namespaces.intern(string) }
}

/// Read-only view of the snapshot's tables that hands out temporary ids (past the end of each table)
/// for unknown strings. Temporary ids never equal an id stored in the snapshot, so anything compiled
/// through an overlay matches exactly what it would match had the strings been interned.
struct VocabularyOverlay: InternTable {
    let base: Vocabulary
    private var extraKeys: [String: Int32] = [:]
    private var extraValues: [String: Int32] = [:]
    private var extraNamespaces: [String: Int32] = [:]

    init(_ base: Vocabulary) { self.base = base }

    mutating func key(_ string: String) -> Int32 {
        base.keys.id(string) ?? Self.temporary(string, in: &extraKeys, after: base.keys.count)
    }
    mutating func value(_ string: String) -> Int32 {
        base.values.id(string) ?? Self.temporary(string, in: &extraValues, after: base.values.count)
    }
    mutating func namespace(_ string: String) -> Int32 {
        base.namespaces.id(string) ?? Self.temporary(string, in: &extraNamespaces, after: base.namespaces.count)
    }

    private static func temporary(_ s: String, in table: inout [String: Int32], after count: Int) -> Int32 {
        if let id = table[s] { return id }
        let id = Int32(count + table.count)
        table[s] = id
        return id
    }
}

/// A label pair packed into one word: key id in the high half, value id in the low half.
@inline(__always) func packLabel(_ key: Int32, _ value: Int32) -> UInt64 {
    UInt64(UInt32(bitPattern: key)) << 32 | UInt64(UInt32(bitPattern: value))
}

/// A set of labels as sorted packed pairs (sorted by key, since the key is the high half).
struct LabelSet: Sendable, Hashable {
    private(set) var pairs: [UInt64]

    static let empty = LabelSet(pairs: [])

    private init(pairs: [UInt64]) { self.pairs = pairs }

    /// Compiles string labels.
    init(_ labels: [String: String]?, interning table: inout some InternTable) {
        var pairs: [UInt64] = []
        pairs.reserveCapacity(labels?.count ?? 0)
        for (k, v) in labels ?? [:] { pairs.append(packLabel(table.key(k), table.value(v))) }
        pairs.sort()
        self.pairs = pairs
    }

    /// The value id under `key`, or nil.
    @inline(__always) func value(forKey key: Int32) -> Int32? {
        let k = UInt32(bitPattern: key)
        for p in pairs {
            let pk = UInt32(truncatingIfNeeded: p >> 32)
            if pk == k { return Int32(bitPattern: UInt32(truncatingIfNeeded: p)) }
            if pk > k { return nil }
        }
        return nil
    }

    /// The (key, value) ids.
    var entries: [(key: Int32, value: Int32)] {
        pairs.map { (Int32(bitPattern: UInt32(truncatingIfNeeded: $0 >> 32)), Int32(bitPattern: UInt32(truncatingIfNeeded: $0))) }
    }
}

/// A label selector compiled to ids: requirements ANDed, in a canonical order so equal selectors
/// written differently (map order) compare and hash equal.
struct CompiledSelector: Sendable, Hashable {
    enum Op: UInt8, Sendable, Hashable { case `in`, notIn, exists, doesNotExist }

    struct Requirement: Sendable, Hashable, Comparable {
        var key: Int32
        var op: Op
        var values: [Int32]  // sorted, deduplicated

        static func < (a: Requirement, b: Requirement) -> Bool {
            if a.key != b.key { return a.key < b.key }
            if a.op != b.op { return a.op.rawValue < b.op.rawValue }
            return a.values.lexicographicallyPrecedes(b.values)
        }

        @inline(__always) func matches(_ labels: LabelSet) -> Bool {
            let v = labels.value(forKey: key)
            switch op {
            case .in: return v.map { values.contains($0) } ?? false
            case .notIn: return v.map { !values.contains($0) } ?? true
            case .exists: return v != nil
            case .doesNotExist: return v == nil
            }
        }
    }

    private(set) var requirements: [Requirement]
    /// A nil selector, or one with an operator Kubernetes does not know, selects nothing.
    private(set) var matchesNothing: Bool

    /// The selector that selects nothing.
    static let nothing = CompiledSelector(requirements: [], matchesNothing: true)
    /// The selector that selects everything.
    static let everything = CompiledSelector(requirements: [], matchesNothing: false)

    private init(requirements: [Requirement], matchesNothing: Bool) {
        self.requirements = requirements
        self.matchesNothing = matchesNothing
    }

    /// Compiles a label selector (nil selects nothing, empty selects everything), plus the requirements
    /// `matchLabelKeys` (`In`) and `mismatchLabelKeys` (`NotIn`) derive from the owning pod's labels.
    init(
        _ selector: LabelSelector?, interning table: inout some InternTable,
        matchLabelKeys: [String]? = nil, mismatchLabelKeys: [String]? = nil, ownerLabels: [String: String]? = nil
    ) {
        guard let selector else {
            self = .nothing
            return
        }
        var reqs: [Requirement] = []
        var nothing = false
        for (k, v) in selector.matchLabels ?? [:] {
            reqs.append(Requirement(key: table.key(k), op: .in, values: [table.value(v)]))
        }
        for e in selector.matchExpressions ?? [] {
            let key = table.key(e.key ?? "")
            let values = Array(Set((e.values ?? []).map { table.value($0) })).sorted()
            switch e.operator {
            case "In": reqs.append(Requirement(key: key, op: .in, values: values))
            case "NotIn": reqs.append(Requirement(key: key, op: .notIn, values: values))
            case "Exists": reqs.append(Requirement(key: key, op: .exists, values: []))
            case "DoesNotExist": reqs.append(Requirement(key: key, op: .doesNotExist, values: []))
            default: nothing = true
            }
        }
        for k in matchLabelKeys ?? [] {
            if let v = ownerLabels?[k] { reqs.append(Requirement(key: table.key(k), op: .in, values: [table.value(v)])) }
        }
        for k in mismatchLabelKeys ?? [] {
            if let v = ownerLabels?[k] { reqs.append(Requirement(key: table.key(k), op: .notIn, values: [table.value(v)])) }
        }
        self.requirements = nothing ? [] : reqs.sorted()
        self.matchesNothing = nothing
    }

    /// Whether `labels` satisfy every requirement.
    @inline(__always) func matches(_ labels: LabelSet) -> Bool {
        if matchesNothing { return false }
        for r in requirements where !r.matches(labels) { return false }
        return true
    }

    /// Whether the selector selects everything.
    var isEverything: Bool { !matchesNothing && requirements.isEmpty }

    /// A label pair every selected object carries (the first single-valued `In`), used to index
    /// selectors so an object is only tested against selectors that can select it.
    var anchor: UInt64? {
        if matchesNothing { return nil }
        for r in requirements where r.op == .in && r.values.count == 1 { return packLabel(r.key, r.values[0]) }
        return nil
    }
}

/// The namespaces a pod affinity term applies to: listed names, plus those a namespace selector
/// selects (an empty selector selects all namespaces).
struct NamespaceFilter: Sendable, Hashable {
    var names: [Int32]  // sorted
    var selector: CompiledSelector?

    /// Resolves a term's namespaces relative to the namespace of the pod that owns the term:
    /// no names and no selector means the owner's namespace.
    init(namespaces: [String]?, selector: LabelSelector?, ownerNamespace: Int32, interning table: inout some InternTable) {
        let listed = Array(Set((namespaces ?? []).map { table.namespace($0) })).sorted()
        if let selector {
            self.selector = CompiledSelector(selector, interning: &table)
            self.names = listed
        } else {
            self.selector = nil
            self.names = listed.isEmpty ? [ownerNamespace] : listed
        }
    }

    /// Exactly one namespace.
    init(only namespace: Int32) {
        self.names = [namespace]
        self.selector = nil
    }

    /// Whether the filter needs namespace labels (so changes to namespaces can change what it selects).
    var usesNamespaceLabels: Bool { selector.map { !$0.isEverything } ?? false }

    /// Whether a namespace is selected; `labels` gives namespace labels by id.
    @inline(__always) func matches(_ namespace: Int32, labels: [Int32: LabelSet]) -> Bool {
        if let selector {
            if selector.isEverything { return true }
            if selector.matches(labels[namespace] ?? .empty) { return true }
        }
        if names.count == 1 { return names[0] == namespace }
        return names.contains(namespace)
    }
}
