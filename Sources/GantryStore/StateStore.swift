import Foundation
import GantryAPI

/// One stored key with its value and revisions, as etcd reports a `KeyValue`.
public struct KeyValue: Sendable, Hashable {
    public var key: String
    public var value: Data
    /// The revision at which this key was (last) created.
    public var createRevision: Int64
    /// The revision of the last write to this key; the object's `resourceVersion`.
    public var modRevision: Int64

    public init(key: String, value: Data, createRevision: Int64, modRevision: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
    }
}

/// One change in the store, as delivered by `watch`.
public struct StoreEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case put, delete }
    public var kind: Kind
    /// For `put`, the new value; for `delete`, the last value before deletion with `modRevision` set to the
    /// revision of the deletion.
    public var kv: KeyValue
    /// The value before this change (`nil` for a create).
    public var prev: KeyValue?
    /// The revision of this change.
    public var revision: Int64 { kv.modRevision }

    public init(kind: Kind, kv: KeyValue, prev: KeyValue?) {
        self.kind = kind
        self.kv = kv
        self.prev = prev
    }
}

/// The outcome of `create`: created, or the key exists already (an expected outcome, not an error).
public enum CreateResult: Sendable, Hashable {
    case created(KeyValue)
    case alreadyExists(KeyValue)
}

/// The outcome of `update`: written, a revision conflict with the current value, or no such key.
public enum UpdateResult: Sendable, Hashable {
    case updated(KeyValue)
    case conflict(current: KeyValue)
    case notFound
}

/// The outcome of `delete`.
public enum DeleteResult: Sendable, Hashable {
    /// Deleted; `prev` is the value that was deleted, `revision` the revision of the deletion.
    case deleted(prev: KeyValue, revision: Int64)
    case conflict(current: KeyValue)
    case notFound
}

/// A page of a list: the items, the revision they were read at, and whether more follow.
public struct ListResult: Sendable, Hashable {
    public var items: [KeyValue]
    /// The store revision the whole list (and every further page) is consistent with.
    public var revision: Int64
    /// True when more keys follow the last item (ask again with `after:` the last key).
    public var more: Bool

    public init(items: [KeyValue], revision: Int64, more: Bool) {
        self.items = items
        self.revision = revision
        self.more = more
    }
}

/// The revisioned key-value store the control plane keeps its objects in (etcd-shaped, as kine does).
///
/// Every write creates a new store-wide revision, strictly increasing. A key's `modRevision` is the
/// object's `resourceVersion`. Expected outcomes — a key that exists, a stale revision — are return
/// values; errors are for failures (I/O, a compacted revision).
public protocol StateStore: Sendable {
    /// The value at `key`, or nil.
    func get(_ key: String) async throws -> KeyValue?

    /// Keys with `prefix`, in key order, strictly after `after` when given, at most `limit` (0 = all),
    /// as of `revision` (nil = now). A revision older than the compacted one throws `gone`.
    func list(prefix: String, after: String?, limit: Int, revision: Int64?) async throws -> ListResult

    /// Creates `key`; if it exists, returns `.alreadyExists` with its current value and writes nothing.
    func create(_ key: String, value: Data) async throws -> CreateResult

    /// Replaces `key` if its modRevision is `expectedRevision`; otherwise `.conflict` with the current value.
    func update(_ key: String, value: Data, expectedRevision: Int64) async throws -> UpdateResult

    /// Deletes `key`, if `expectedRevision` is nil or matches.
    func delete(_ key: String, expectedRevision: Int64?) async throws -> DeleteResult

    /// Every change under `prefix` with revision greater than `fromRevision`: first the history, then live
    /// changes as they happen. Throws `gone` if `fromRevision` is older than the compacted revision.
    /// The stream ends with an error if the consumer falls too far behind; it then must re-list.
    func watch(prefix: String, fromRevision: Int64) async throws -> AsyncThrowingStream<StoreEvent, Error>

    /// `watch`, with progress: besides the events, now and then `.progress(revision)`, a promise that every event
    /// up to `revision` has been delivered (etcd's progress notifications). A watcher of a quiet prefix can then
    /// resume from a recent revision (a Kubernetes BOOKMARK) instead of one compaction has removed. Stores without
    /// progress of their own deliver only the events.
    func watchWithProgress(prefix: String, fromRevision: Int64) async throws -> AsyncThrowingStream<WatchItem, Error>

    /// How many keys are under `prefix` now (for `apiserver_storage_objects`), without reading their values.
    func count(prefix: String) async throws -> Int

    /// The store's current revision (of the last write).
    func currentRevision() async throws -> Int64

    /// The oldest revision that can still be read or watched from.
    func compactedRevision() async throws -> Int64

    /// Drops history at or below `revision` that a newer value supersedes; reads and watches from before
    /// `revision` fail with `gone` from then on. Idempotent.
    func compact(revision: Int64) async throws

    /// Flushes and closes the store; further calls fail.
    func close() async throws
}

/// What a watch with progress delivers (`watchWithProgress`).
public enum WatchItem: Sendable, Hashable {
    case event(StoreEvent)
    /// Every event up to this revision has been delivered.
    case progress(Int64)
}

extension StateStore {
    public func count(prefix: String) async throws -> Int {
        try await list(prefix: prefix).items.count
    }

    public func watchWithProgress(prefix: String, fromRevision: Int64) async throws -> AsyncThrowingStream<WatchItem, Error> {
        let events = try await watch(prefix: prefix, fromRevision: fromRevision)
        let (stream, continuation) = AsyncThrowingStream<WatchItem, Error>.makeStream()
        let task = Task {
            do {
                for try await e in events { continuation.yield(.event(e)) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// `get`, allowed to be a little stale: on etcd a serializable read, answered by the member without a round
    /// to the others. For admission lookups (does the namespace exist, which quotas apply), which Kubernetes
    /// answers from an informer's cache, never for what a client reads. The embedded stores have only one kind.
    public func getCached(_ key: String) async throws -> KeyValue? {
        if let s = self as? any CachedReads { return try await s.serializableGet(key) }
        return try await get(key)
    }

    /// `list(prefix:)`, allowed to be a little stale (see `getCached`).
    public func listCached(prefix: String) async throws -> ListResult {
        if let s = self as? any CachedReads { return try await s.serializableList(prefix: prefix) }
        return try await list(prefix: prefix)
    }

    /// Lists everything under `prefix` now.
    public func list(prefix: String) async throws -> ListResult {
        try await list(prefix: prefix, after: nil, limit: 0, revision: nil)
    }
}

/// A store with a cheaper, possibly stale kind of read (etcd's serializable reads, or a watch-fed cache).
public protocol CachedReads: Sendable {
    func serializableGet(_ key: String) async throws -> KeyValue?
    func serializableList(prefix: String) async throws -> ListResult
    /// Keeps every key under each of `prefixes` in memory (a `PrefixCache`), so that the possibly stale reads
    /// under them cost no round trip at all. Until a cache has listed, its reads go to the store.
    func keepCached(prefixes: [String])
}

/// The end of the key range of `prefix`: the smallest string greater than every key starting with it.
public func prefixRangeEnd(_ prefix: String) -> String {
    var bytes = Array(prefix.utf8)
    while let last = bytes.last {
        if last < 0xFF {
            bytes[bytes.count - 1] = last + 1
            return String(decoding: bytes, as: UTF8.self)
        }
        bytes.removeLast()
    }
    return "\u{10FFFF}"
}

/// Errors the store throws: a compacted revision (`gone`) and failures of the backend.
extension GantryError {
    /// The revision asked for has been compacted.
    public static func compacted(_ rev: Int64, compactedAt: Int64) -> GantryError {
        GantryError(.gone, "too old resource version: \(rev) (\(compactedAt))")
    }
}
