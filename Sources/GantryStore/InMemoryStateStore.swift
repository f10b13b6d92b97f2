import Foundation
import GantryAPI

/// A `StateStore` held in memory: the reference implementation, for unit tests and `--store memory`.
public actor InMemoryStateStore: StateStore {
    struct Version {
        var rev: Int64
        var value: Data?  // nil = tombstone
        var createRev: Int64
    }

    private var versions: [String: [Version]] = [:]
    private var log: [StoreEvent] = []
    private var revision: Int64 = 0
    private var compacted: Int64 = 0
    private let hub = WatchHub()
    private var closed = false

    public init() {}

    private func checkOpen() throws {
        if closed { throw GantryError(.unavailable, "store is closed") }
    }

    private func latest(_ key: String) -> KeyValue? {
        guard let v = versions[key]?.last, let value = v.value else { return nil }
        return KeyValue(key: key, value: value, createRevision: v.createRev, modRevision: v.rev)
    }

    public func get(_ key: String) throws -> KeyValue? {
        try checkOpen()
        return latest(key)
    }

    public func list(prefix: String, after: String?, limit: Int, revision rev: Int64?) throws -> ListResult {
        try checkOpen()
        let at = rev ?? revision
        if at < compacted { throw GantryError.compacted(at, compactedAt: compacted) }
        if at > revision { throw GantryError(.timeout, "revision \(at) is in the future (current \(revision))") }
        var keys = versions.keys.filter { $0.hasPrefix(prefix) }
        if let after { keys = keys.filter { $0 > after } }
        keys.sort()
        var items: [KeyValue] = []
        var more = false
        for k in keys {
            guard let v = versions[k]!.last(where: { $0.rev <= at }), let value = v.value else { continue }
            if limit > 0, items.count == limit { more = true; break }
            items.append(KeyValue(key: k, value: value, createRevision: v.createRev, modRevision: v.rev))
        }
        return ListResult(items: items, revision: at, more: more)
    }

    private func commit(_ key: String, value: Data?, createRev: Int64?, prev: KeyValue?) -> StoreEvent {
        revision += 1
        let cr = createRev ?? revision
        versions[key, default: []].append(Version(rev: revision, value: value, createRev: cr))
        let event: StoreEvent
        if let value {
            event = StoreEvent(kind: .put, kv: KeyValue(key: key, value: value, createRevision: cr, modRevision: revision), prev: prev)
        } else {
            var kv = prev!
            kv.modRevision = revision
            event = StoreEvent(kind: .delete, kv: kv, prev: prev)
        }
        log.append(event)
        hub.publish(event)
        return event
    }

    public func create(_ key: String, value: Data) throws -> CreateResult {
        try checkOpen()
        if let cur = latest(key) { return .alreadyExists(cur) }
        return .created(commit(key, value: value, createRev: nil, prev: nil).kv)
    }

    public func update(_ key: String, value: Data, expectedRevision: Int64) throws -> UpdateResult {
        try checkOpen()
        guard let cur = latest(key) else { return .notFound }
        if cur.modRevision != expectedRevision { return .conflict(current: cur) }
        return .updated(commit(key, value: value, createRev: cur.createRevision, prev: cur).kv)
    }

    public func delete(_ key: String, expectedRevision: Int64?) throws -> DeleteResult {
        try checkOpen()
        guard let cur = latest(key) else { return .notFound }
        if let expectedRevision, cur.modRevision != expectedRevision { return .conflict(current: cur) }
        let e = commit(key, value: nil, createRev: cur.createRevision, prev: cur)
        return .deleted(prev: cur, revision: e.revision)
    }

    public func watch(prefix: String, fromRevision: Int64) throws -> AsyncThrowingStream<StoreEvent, Error> {
        try checkOpen()
        if fromRevision < compacted { throw GantryError.compacted(fromRevision, compactedAt: compacted) }
        let history = log.filter { $0.revision > fromRevision && $0.kv.key.hasPrefix(prefix) }
        return hub.add(prefix: prefix, history: history)
    }

    public func currentRevision() throws -> Int64 {
        try checkOpen()
        return revision
    }

    public func compactedRevision() throws -> Int64 {
        try checkOpen()
        return compacted
    }

    public func compact(revision rev: Int64) throws {
        try checkOpen()
        let target = min(rev, revision)
        guard target > compacted else { return }
        compacted = target
        log.removeAll { $0.revision <= target }
        for (k, vs) in versions {
            // Keep the newest version at or below target (the value as of `target`) and all newer.
            guard let keepFrom = vs.lastIndex(where: { $0.rev <= target }) else { continue }
            var kept = Array(vs[keepFrom...])
            if kept.first?.value == nil { kept.removeFirst() }
            if kept.isEmpty { versions[k] = nil } else { versions[k] = kept }
        }
    }

    public func close() {
        closed = true
        hub.finishAll()
    }
}
