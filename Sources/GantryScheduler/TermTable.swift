import Foundation
import GantryAPI

/// What a term table entry is keyed by: a selector over pods, the namespaces it applies to, and the
/// node label whose values are its topology domains.
protocol TermKey: Hashable, Sendable {
    var namespaces: NamespaceFilter { get }
    var selector: CompiledSelector { get }
    var topologyKey: Int32 { get }
}

/// A selector some pod cares about (its affinity, anti-affinity or spread terms), whose matching pods
/// the snapshot counts per node and per topology domain as pods come and go.
struct TrackerKey: TermKey {
    var namespaces: NamespaceFilter
    var selector: CompiledSelector
    var topologyKey: Int32
}

/// A term that pods already placed hold against incoming pods (their required anti-affinity, or
/// their affinity preferences for scoring); the snapshot counts its owners per topology domain.
struct OwnerTermKey: TermKey {
    enum Kind: UInt8, Sendable, Hashable { case requiredAntiAffinity, requiredAffinity, preferred }
    var kind: Kind
    /// Preference weight: positive for affinity, negative for anti-affinity, 0 for required terms.
    var weight: Int
    var namespaces: NamespaceFilter
    var selector: CompiledSelector
    var topologyKey: Int32
}

/// Reference-counted terms with per-domain (and per-node) counts, indexed by selector anchor so a pod
/// is only tested against the terms that could select it.
struct TermTable<Key: TermKey>: Sendable {
    struct Entry: Sendable {
        var key: Key
        var refCount: Int
        /// Counts by value id of the topology key's label on the node.
        var domainCounts: [Int32] = []
        /// Counts by node slot.
        var nodeCounts: [Int32] = []
        /// Total count.
        var total: Int = 0

        @inline(__always) func domainCount(_ value: Int32) -> Int32 {
            value >= 0 && Int(value) < domainCounts.count ? domainCounts[Int(value)] : 0
        }
        @inline(__always) func nodeCount(_ slot: Int) -> Int32 { slot < nodeCounts.count ? nodeCounts[slot] : 0 }

        mutating func add(slot: Int, domain: Int32, delta: Int32) {
            total += Int(delta)
            if slot >= nodeCounts.count { nodeCounts.append(contentsOf: repeatElement(0, count: slot - nodeCounts.count + 64)) }
            nodeCounts[slot] += delta
            guard domain >= 0 else { return }
            let d = Int(domain)
            if d >= domainCounts.count { domainCounts.append(contentsOf: repeatElement(0, count: d - domainCounts.count + 64)) }
            domainCounts[d] += delta
        }
    }

    private(set) var entries: [Entry?] = []
    private var ids: [Key: Int] = [:]
    private var anchored: [UInt64: [Int]] = [:]
    private var unanchored: [Int] = []
    private var free: [Int] = []

    /// Whether the table has no entries.
    var isEmpty: Bool { ids.isEmpty }

    /// The entry for a key.
    func entry(_ key: Key) -> Entry? { ids[key].flatMap { entries[$0] } }

    /// Takes another reference on a key's entry and returns its id; nil when there is no entry for the key.
    mutating func retainExisting(_ key: Key) -> Int? {
        guard let id = ids[key] else { return nil }
        entries[id]!.refCount += 1
        return id
    }

    /// Adds an entry (for a key that has none) holding one reference; returns its id.
    @discardableResult
    mutating func insert(_ entry: Entry) -> Int {
        var entry = entry
        entry.refCount = 1
        let id: Int
        if let f = free.popLast() {
            id = f
            entries[id] = entry
        } else {
            id = entries.count
            entries.append(entry)
        }
        ids[entry.key] = id
        if let a = entry.key.selector.anchor { anchored[a, default: []].append(id) } else { unanchored.append(id) }
        return id
    }

    /// Drops a reference; the entry goes when the last one does.
    mutating func release(_ key: Key) {
        guard let id = ids[key] else { return }
        entries[id]!.refCount -= 1
        guard entries[id]!.refCount <= 0 else { return }
        entries[id] = nil
        ids[key] = nil
        free.append(id)
        if let a = key.selector.anchor {
            anchored[a]?.removeAll { $0 == id }
            if anchored[a]?.isEmpty == true { anchored[a] = nil }
        } else {
            unanchored.removeAll { $0 == id }
        }
    }

    /// Calls `body` with the id of every entry whose selector might select `labels` (its anchor is
    /// among the labels, or it has none). The caller still tests the full selector.
    @inline(__always) func forEachCandidate(_ labels: LabelSet, _ body: (Int) -> Void) {
        if !anchored.isEmpty {
            for p in labels.pairs {
                if let list = anchored[p] { for id in list { body(id) } }
            }
        }
        for id in unanchored { body(id) }
    }

    /// Adjusts an entry's counts.
    mutating func add(_ id: Int, slot: Int, domain: Int32, delta: Int32) {
        entries[id]!.add(slot: slot, domain: domain, delta: delta)
    }

    /// Replaces an entry's counts.
    mutating func reset(_ id: Int, to counts: Entry) {
        let refs = entries[id]!.refCount
        entries[id] = counts
        entries[id]!.refCount = refs
    }

    /// Ids of live entries.
    var liveIDs: [Int] { entries.indices.filter { entries[$0] != nil } }
}
