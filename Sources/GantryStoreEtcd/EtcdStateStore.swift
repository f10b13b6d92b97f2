import Foundation
import GantryAPI
import GantryStore
import GRPCCore
import Logging
import SwiftProtobuf

/// The `StateStore` on etcd v3 (as kube-apiserver keeps its objects): a key's etcd `mod_revision` is the
/// object's resourceVersion, creates and guarded updates and deletes are transactions comparing revisions,
/// lists are ranges at a revision, watches are etcd watches from a revision with the previous value.
///
/// A key `/registry/...` is `PREFIX/registry/...` in etcd; the revision compacted to is kept in `PREFIX/meta/compacted` (etcd
/// answers "compacted" for reads but does not say up to where). A watch whose member goes away is picked up on
/// another member from the revision after the last event it delivered, so its consumer sees no gap.
public final class EtcdStateStore: StateStore, CachedReads {
    /// The gRPC connection to the cluster (members, status, snapshots).
    public let client: EtcdClient
    private let objects: String
    private let compactedKey: String
    private let migratedKey: String
    private let logger: Logger
    /// How many events a watch may hold for a slow consumer before it is cut off (it then re-lists).
    let watchBuffer: Int

    public init(_ config: EtcdConfiguration, logger: Logger = Logger(label: "gantry.store.etcd"), watchBuffer: Int = 20_000) throws {
        var prefix = config.prefix
        while prefix.hasSuffix("/") { prefix.removeLast() }
        client = try EtcdClient(config)
        objects = prefix
        compactedKey = prefix + "/meta/compacted"
        migratedKey = prefix + "/meta/migrated-from"
        self.logger = logger
        self.watchBuffer = watchBuffer
    }

    /// Waits until a member answers (or `timeout` passes), so that a server fails at start with a clear error
    /// rather than at its first request.
    public func waitUntilReachable(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last: (any Error)?
        while ContinuousClock.now < deadline {
            do {
                _ = try await currentRevision()
                return
            } catch {
                last = error
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        throw GantryError(.unavailable, "etcd at \(client.endpoints.joined(separator: ",")) did not answer within \(timeout): \(last.map { "\($0)" } ?? "")")
    }

    // MARK: - Keys

    private func etcdKey(_ key: String) -> Data { Data((objects + key).utf8) }

    private func storeKey(_ bytes: Data) -> String {
        String(decoding: bytes.dropFirst(objects.utf8.count), as: UTF8.self)
    }

    private func keyValue(_ kv: Mvccpb_KeyValue, _ off: Int64) -> KeyValue {
        KeyValue(key: storeKey(kv.key), value: kv.value, createRevision: kv.createRevision == 0 ? 0 : kv.createRevision + off,
                 modRevision: kv.modRevision + off)
    }

    // MARK: - Revision offset

    private let offsetCache = OffsetCache()

    /// What is added to etcd's revisions to make the store's: 0, unless the objects were migrated from another
    /// store, whose last revision it then is, so that every revision after the move is above every one before
    /// (a resourceVersion from the old store is never mistaken for a new one: it is too old, 410).
    func offset() async throws -> Int64 {
        if let o = offsetCache.value { return o }
        var r = Etcdserverpb_RangeRequest()
        r.key = Data(migratedKey.utf8)
        let o = try await client.range(r).kvs.first.flatMap { Int64(String(decoding: $0.value, as: UTF8.self)) } ?? 0
        offsetCache.value = o
        return o
    }

    /// `revision` (the store's) in etcd's numbering, or a `gone` error when it is from before a migration.
    private func etcdRevision(_ revision: Int64, _ off: Int64) throws -> Int64 {
        guard revision >= off else {
            throw GantryError(.gone, "too old resource version: \(revision) is from before the store moved to etcd; list again")
        }
        return revision - off
    }

    private static func rangeEnd(_ prefix: Data) -> Data {
        var bytes = [UInt8](prefix)
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return Data(bytes)
            }
            bytes.removeLast()
        }
        return Data([0])  // every key
    }

    private func getOp(_ key: String) -> Etcdserverpb_RequestOp {
        var r = Etcdserverpb_RangeRequest()
        r.key = etcdKey(key)
        var op = Etcdserverpb_RequestOp()
        op.request = .requestRange(r)
        return op
    }

    private func compare(_ key: String, _ target: Etcdserverpb_Compare.CompareTarget, equals value: Int64) -> Etcdserverpb_Compare {
        var c = Etcdserverpb_Compare()
        c.key = etcdKey(key)
        c.target = target
        c.result = .equal
        switch target {
        case .create: c.targetUnion = .createRevision(value)
        case .mod: c.targetUnion = .modRevision(value)
        default: c.targetUnion = .version(value)
        }
        return c
    }

    /// The value a failed transaction read back (its failure branch is one range of the key).
    private func readBack(_ response: Etcdserverpb_TxnResponse) -> KeyValue? {
        guard case .responseRange(let r)? = response.responses.first?.response, let kv = r.kvs.first else { return nil }
        return keyValue(kv, offsetCache.value ?? 0)
    }

    // MARK: - StateStore

    public func get(_ key: String) async throws -> KeyValue? {
        var r = Etcdserverpb_RangeRequest()
        r.key = etcdKey(key)
        let off = try await offset()
        return try await client.range(r).kvs.first.map { keyValue($0, off) }
    }

    public func serializableGet(_ key: String) async throws -> KeyValue? {
        for c in caches.all { if let hit = c.get(key) { return hit } }
        var r = Etcdserverpb_RangeRequest()
        r.key = etcdKey(key)
        r.serializable = true
        let off = try await offset()
        return try await client.range(r).kvs.first.map { keyValue($0, off) }
    }

    public func serializableList(prefix: String) async throws -> ListResult {
        for c in caches.all { if let hit = c.list(prefix) { return hit } }
        var r = Etcdserverpb_RangeRequest()
        let start = etcdKey(prefix)
        r.key = start
        r.rangeEnd = Self.rangeEnd(start)
        r.serializable = true
        let off = try await offset()
        let resp = try await client.range(r)
        return ListResult(items: resp.kvs.map { keyValue($0, off) }, revision: resp.header.revision + off, more: resp.more)
    }

    public func count(prefix: String) async throws -> Int {
        var r = Etcdserverpb_RangeRequest()
        let start = etcdKey(prefix)
        r.key = start
        r.rangeEnd = Self.rangeEnd(start)
        r.countOnly = true
        r.serializable = true
        return Int(try await client.range(r).count)
    }

    public func list(prefix: String, after: String?, limit: Int, revision: Int64?) async throws -> ListResult {
        var r = Etcdserverpb_RangeRequest()
        let start = etcdKey(prefix)
        r.key = after.map { etcdKey($0) + Data([0]) } ?? start
        r.rangeEnd = Self.rangeEnd(start)
        r.limit = Int64(max(limit, 0))
        let off = try await offset()
        if let revision, revision > 0 {
            // A compacted revision needs no look-up of its own here: etcd answers "compacted" (→ gone) itself.
            r.revision = try etcdRevision(revision, off)
        }
        let resp = try await client.range(r)
        return ListResult(items: resp.kvs.map { keyValue($0, off) },
                          revision: revision.flatMap { $0 > 0 ? $0 : nil } ?? resp.header.revision + off, more: resp.more)
    }

    public func create(_ key: String, value: Data) async throws -> CreateResult {
        let off = try await offset()
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [compare(key, .create, equals: 0)]
        var put = Etcdserverpb_PutRequest()
        put.key = etcdKey(key)
        put.value = value
        var op = Etcdserverpb_RequestOp()
        op.request = .requestPut(put)
        txn.success = [op]
        txn.failure = [getOp(key)]
        let (resp, retried) = try await guardedTxn(txn)
        if resp.succeeded {
            let rev = resp.header.revision + off
            return .created(KeyValue(key: key, value: value, createRevision: rev, modRevision: rev))
        }
        guard let current = readBack(resp) else {
            throw GantryError(.conflict, "\(key) was created and deleted concurrently; try again")
        }
        // A retry that finds exactly what this create wrote: the first attempt landed.
        if retried, current.value == value { return .created(current) }
        return .alreadyExists(current)
    }

    public func update(_ key: String, value: Data, expectedRevision: Int64) async throws -> UpdateResult {
        let off = try await offset()
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [compare(key, .mod, equals: expectedRevision - off)]
        var put = Etcdserverpb_PutRequest()
        put.key = etcdKey(key)
        put.value = value
        put.prevKv = true
        var op = Etcdserverpb_RequestOp()
        op.request = .requestPut(put)
        txn.success = [op]
        txn.failure = [getOp(key)]
        let (resp, retried) = try await guardedTxn(txn)
        if resp.succeeded {
            guard case .responsePut(let p)? = resp.responses.first?.response else {
                throw GantryError(.internalError, "etcd answered an update of \(key) without its put")
            }
            return .updated(KeyValue(key: key, value: value, createRevision: p.prevKv.createRevision + off,
                                     modRevision: resp.header.revision + off))
        }
        guard let current = readBack(resp) else { return .notFound }
        if retried, current.value == value { return .updated(current) }
        return .conflict(current: current)
    }

    /// A guarded write, retried when its member does not answer in time. A proposal in flight when the etcd
    /// leader dies hangs until etcd's own request timeout (about 7 s); asking again after `attempt` cuts the
    /// write gap to the election. Retrying is safe because the write is guarded: etcd evaluates the compare when
    /// it applies, so at most one attempt takes effect, and a retry that fails its compare reads back the key,
    /// so the caller can tell its own landed write (the same bytes) from someone else's. Returns whether a retry
    /// was made.
    private func guardedTxn(_ txn: Etcdserverpb_TxnRequest, attempt: Duration = .milliseconds(1200)) async throws
        -> (Etcdserverpb_TxnResponse, retried: Bool)
    {
        let deadline = ContinuousClock.now + client.timeout
        var tries = 0
        while true {
            tries += 1
            let last = ContinuousClock.now + attempt >= deadline
            do {
                let r = try await client.txn(txn, timeout: last ? max(deadline - ContinuousClock.now, .milliseconds(100)) : attempt)
                return (r, tries > 1)
            } catch let e as GantryError where !last && (e.code == .timeout || e.code == .unavailable) {
                logger.debug("etcd write did not complete; asking again", metadata: ["error": "\(e.message)"])
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    public func delete(_ key: String, expectedRevision: Int64?) async throws -> DeleteResult {
        let off = try await offset()
        var del = Etcdserverpb_DeleteRangeRequest()
        del.key = etcdKey(key)
        del.prevKv = true
        var txn = Etcdserverpb_TxnRequest()
        // Without an expected revision: delete whatever is there (the key must exist: create revision > 0).
        var c = compare(key, expectedRevision == nil ? .create : .mod, equals: (expectedRevision ?? off) - off)
        if expectedRevision == nil { c.result = .greater }
        txn.compare = [c]
        var op = Etcdserverpb_RequestOp()
        op.request = .requestDeleteRange(del)
        txn.success = [op]
        txn.failure = [getOp(key)]
        let resp = try await client.txn(txn)
        if resp.succeeded {
            guard case .responseDeleteRange(let d)? = resp.responses.first?.response, let prev = d.prevKvs.first else {
                return .notFound
            }
            return .deleted(prev: keyValue(prev, off), revision: resp.header.revision + off)
        }
        guard let current = readBack(resp) else { return .notFound }
        return .conflict(current: current)
    }

    public func currentRevision() async throws -> Int64 {
        var r = Etcdserverpb_RangeRequest()
        r.key = Data(compactedKey.utf8)
        r.countOnly = true
        let off = try await offset()
        return try await client.range(r).header.revision + off
    }

    public func compactedRevision() async throws -> Int64 {
        try await compactedMarker().revision
    }

    /// The compacted revision Gantry recorded, and the etcd revision of that record (for a guarded update).
    private func compactedMarker() async throws -> (revision: Int64, modRevision: Int64) {
        var r = Etcdserverpb_RangeRequest()
        r.key = Data(compactedKey.utf8)
        guard let kv = try await client.range(r).kvs.first else { return (0, 0) }
        return (Int64(String(decoding: kv.value, as: UTF8.self)) ?? 0, kv.modRevision)
    }

    public func compact(revision: Int64) async throws {
        let current = try await currentRevision()
        let target = min(revision, current)
        let marker = try await compactedMarker()
        guard target > marker.revision else { return }
        // Record the target first, guarded on the record not having moved: when several servers compact at
        // once, one of them does it.
        var txn = Etcdserverpb_TxnRequest()
        var c = Etcdserverpb_Compare()
        c.key = Data(compactedKey.utf8)
        c.target = .mod
        c.result = .equal
        c.targetUnion = .modRevision(marker.modRevision)
        txn.compare = [c]
        var put = Etcdserverpb_PutRequest()
        put.key = Data(compactedKey.utf8)
        put.value = Data(String(target).utf8)
        var op = Etcdserverpb_RequestOp()
        op.request = .requestPut(put)
        txn.success = [op]
        guard try await client.txn(txn).succeeded else { return }
        var req = Etcdserverpb_CompactionRequest()
        req.revision = target - (try await offset())
        guard req.revision > 0 else { return }
        do {
            _ = try await client.compact(req)
        } catch let e as GantryError where e.code == .gone {
            // etcd had compacted further already (another server, or etcd's own auto-compaction).
        }
        logger.debug("compacted", metadata: ["rev": "\(target)"])
    }

    private let caches = CacheSet()

    public func keepCached(prefixes: [String]) {
        let have = Set(caches.all.map(\.prefix))
        for p in prefixes where !have.contains(p) { caches.add(PrefixCache(store: self, prefix: p, logger: logger)) }
    }

    public func close() async throws {
        for c in caches.all { c.stop() }
        client.close()
    }

    // MARK: - Migration

    /// Records that this store's objects were copied from another store whose revision was `revision`: from now
    /// on the store's revisions are etcd's plus `revision` (see `offset()`), so every one after the move is above
    /// every one before, and a resourceVersion from the old store answers 410 Gone. Call it on a store with
    /// nothing but the copied objects, before anything else uses it.
    public func recordMigration(fromRevision revision: Int64) async throws {
        var put = Etcdserverpb_PutRequest()
        put.key = Data(migratedKey.utf8)
        put.value = Data(String(revision).utf8)
        _ = try await client.put(put)
        offsetCache.value = revision
    }

    // MARK: - Watch

    public func watch(prefix: String, fromRevision: Int64) async throws -> AsyncThrowingStream<StoreEvent, Error> {
        let (stream, continuation) = AsyncThrowingStream<StoreEvent, Error>.makeStream(bufferingPolicy: .bufferingOldest(watchBuffer))
        try await startWatch(prefix: prefix, fromRevision: fromRevision, onTermination: { cancel in continuation.onTermination = { _ in cancel() } },
                             finish: { continuation.finish(throwing: $0) }) { item in
            guard case .event(let e) = item else { return true }
            if case .dropped = continuation.yield(e) { return false }
            return true
        }
        return stream
    }

    public func watchWithProgress(prefix: String, fromRevision: Int64) async throws -> AsyncThrowingStream<WatchItem, Error> {
        let (stream, continuation) = AsyncThrowingStream<WatchItem, Error>.makeStream(bufferingPolicy: .bufferingOldest(watchBuffer))
        try await startWatch(prefix: prefix, fromRevision: fromRevision, onTermination: { cancel in continuation.onTermination = { _ in cancel() } },
                             finish: { continuation.finish(throwing: $0) }) { item in
            if case .dropped = continuation.yield(item) { return false }
            return true
        }
        return stream
    }

    /// Starts `runWatch` for a consumer: `deliver` hands it an item (false: the consumer fell too far behind),
    /// `finish` ends its stream, and the consumer's going away (set with `onTermination`) stops the watch.
    private func startWatch(prefix: String, fromRevision: Int64,
                            onTermination: (@escaping @Sendable () -> Void) -> Void,
                            finish: @escaping @Sendable ((any Error)?) -> Void,
                            deliver: @escaping @Sendable (WatchItem) -> Bool) async throws {
        let compacted = try await compactedRevision()
        if fromRevision < compacted { throw GantryError.compacted(fromRevision, compactedAt: compacted) }
        let off = try await offset()
        let from = try etcdRevision(fromRevision, off)
        let started = StartSignal()
        let task = Task { [self] in
            await self.runWatch(prefix: prefix, from: from, offset: off, deliver: deliver, finish: finish, started: started)
        }
        onTermination { task.cancel() }
        do {
            try await started.wait()
        } catch {
            task.cancel()
            throw error
        }
    }

    /// Keeps one etcd watch going until its consumer stops: on a lost member, again from the revision after
    /// the last event delivered, on whichever member answers.
    private func runWatch(prefix: String, from: Int64, offset off: Int64, deliver: @escaping @Sendable (WatchItem) -> Bool,
                          finish: @escaping @Sendable ((any Error)?) -> Void, started: StartSignal) async {
        let cursor = WatchCursor(next: from + 1)
        let key = etcdKey(prefix)
        while !Task.isCancelled {
            var create = Etcdserverpb_WatchCreateRequest()
            create.key = key
            create.rangeEnd = Self.rangeEnd(key)
            create.startRevision = cursor.next
            create.prevKv = true
            create.progressNotify = true
            var watchRequest = Etcdserverpb_WatchRequest()
            watchRequest.requestUnion = .createRequest(create)
            let request = watchRequest
            do {
                let outcome: WatchOutcome = try await client.grpc.bidirectionalStreaming(
                    request: StreamingClientRequest(of: Etcdserverpb_WatchRequest.self) { writer in
                        try await writer.write(request)
                        // Keep the request side open for as long as the watch runs: closing it ends the watch.
                        while true { try await Task.sleep(for: .seconds(3600)) }
                    },
                    descriptor: MethodDescriptor(fullyQualifiedService: "etcdserverpb.Watch", method: "Watch"),
                    serializer: ProtobufMessageSerializer<Etcdserverpb_WatchRequest>(),
                    deserializer: ProtobufMessageDeserializer<Etcdserverpb_WatchResponse>(),
                    options: { var o = client.options(); o.timeout = nil; return o }()
                ) { [self] response in
                    for try await message in response.messages {
                        if message.created { started.succeed(); cursor.failures = 0 }
                        if message.canceled {
                            if message.compactRevision > 0 {
                                return .failed(GantryError.compacted(cursor.next - 1 + off, compactedAt: message.compactRevision + off))
                            }
                            return .failed(GantryError(.unavailable, "etcd cancelled the watch: \(message.cancelReason)"))
                        }
                        for event in message.events {
                            let e = storeEvent(event, off)
                            cursor.next = event.kv.modRevision + 1
                            if !deliver(.event(e)) {
                                return .failed(GantryError(.expired, "watcher fell too far behind; re-list and watch again"))
                            }
                        }
                        // A progress notification: no events, and everything up to the header's revision was sent.
                        if message.events.isEmpty, !message.created, message.header.revision > 0 {
                            let rev = message.header.revision
                            if rev >= cursor.next { cursor.next = rev + 1 }
                            if !deliver(.progress(rev + off)) {
                                return .failed(GantryError(.expired, "watcher fell too far behind; re-list and watch again"))
                            }
                        }
                    }
                    return .ended
                }
                if case .failed(let error) = outcome {
                    started.fail(error)
                    finish(error)
                    return
                }
            } catch {
                if Task.isCancelled { break }
                cursor.failures += 1
                let translated = EtcdClient.translate(error, "Watch")
                if !started.isDone, cursor.failures >= 3 {
                    started.fail(translated)
                    finish(translated)
                    return
                }
                logger.debug("etcd watch lost; resuming", metadata: ["prefix": "\(prefix)", "from": "\(cursor.next)", "error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(min(100 * cursor.failures, 1000)))
        }
        finish(nil)
    }

    private enum WatchOutcome: Sendable {
        case ended
        case failed(GantryError)
    }

    private func storeEvent(_ e: Mvccpb_Event, _ off: Int64) -> StoreEvent {
        let prev = e.hasPrevKv ? keyValue(e.prevKv, off) : nil
        switch e.type {
        case .delete:
            var kv = prev ?? KeyValue(key: storeKey(e.kv.key), value: Data(), createRevision: 0, modRevision: 0)
            kv.modRevision = e.kv.modRevision + off
            return StoreEvent(kind: .delete, kv: kv, prev: prev)
        default:
            return StoreEvent(kind: .put, kv: keyValue(e.kv, off), prev: prev)
        }
    }
}

/// The prefix caches a store keeps (`keepCached`).
final class CacheSet: @unchecked Sendable {
    private let lock = NSLock()
    private var caches: [PrefixCache] = []
    var all: [PrefixCache] { lock.withLock { caches } }
    func add(_ c: PrefixCache) { lock.withLock { caches.append(c) } }
}

/// The revision offset, once read.
final class OffsetCache: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: Int64?
    var value: Int64? {
        get { lock.withLock { _value } }
        set { lock.withLock { _value = newValue } }
    }
}

/// Where a watch resumes after a lost member, and how many tries in a row failed.
final class WatchCursor: @unchecked Sendable {
    private let lock = NSLock()
    private var _next: Int64
    private var _failures = 0
    init(next: Int64) { _next = next }
    var next: Int64 {
        get { lock.withLock { _next } }
        set { lock.withLock { _next = newValue } }
    }
    var failures: Int {
        get { lock.withLock { _failures } }
        set { lock.withLock { _failures = newValue } }
    }
}

/// A one-shot signal: the first `succeed` or `fail` wins; `wait` returns or throws accordingly.
final class StartSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Void, GantryError>?
    private var waiters: [CheckedContinuation<Void, any Error>] = []

    var isDone: Bool { lock.withLock { result != nil } }

    func succeed() { complete(.success(())) }
    func fail(_ e: GantryError) { complete(.failure(e)) }

    private func complete(_ r: Result<Void, GantryError>) {
        let w: [CheckedContinuation<Void, any Error>] = lock.withLock {
            guard result == nil else { return [] }
            result = r
            defer { waiters = [] }
            return waiters
        }
        for c in w { c.resume(with: r.mapError { $0 as any Error }) }
    }

    func wait() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let done: Result<Void, GantryError>? = lock.withLock {
                if let result { return result }
                waiters.append(c)
                return nil
            }
            if let done { c.resume(with: done.mapError { $0 as any Error }) }
        }
    }
}
