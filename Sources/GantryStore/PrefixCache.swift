import Foundation
import GantryAPI
import Logging

/// Every key under one prefix of a store, kept in memory by a list and then a watch (an informer's cache, as
/// kube-apiserver's admission plugins read namespaces and quotas). Answers only once it has listed, and is as
/// stale as the watch is behind (milliseconds): for admission lookups, never for what a client reads.
/// A lost watch re-lists; `stop()` ends it.
public final class PrefixCache: @unchecked Sendable {
    /// The prefix every cached key starts with.
    public let prefix: String
    private let lock = NSLock()
    private var items: [String: KeyValue] = [:]
    private var revision: Int64 = 0
    private var synced = false
    private var task: Task<Void, Never>?

    /// Starts listing and watching `prefix` of `store`.
    public init(store: any StateStore, prefix: String, logger: Logger) {
        self.prefix = prefix
        task = Task { [weak self] in await self?.run(store: store, logger: logger) }
    }

    deinit { task?.cancel() }

    /// Stops watching; the cache answers nothing from then on.
    public func stop() {
        let t: Task<Void, Never>? = lock.withLock {
            synced = false
            defer { task = nil }
            return task
        }
        t?.cancel()
    }

    /// Whether the cache covers `key` and has listed (so that `get` answers for it).
    public func covers(_ key: String) -> Bool {
        key.hasPrefix(prefix) && lock.withLock { synced }
    }

    /// The cached value of `key` (`.some(nil)`: no such key), or `nil` while the cache cannot answer.
    public func get(_ key: String) -> KeyValue?? {
        guard key.hasPrefix(prefix) else { return nil }
        return lock.withLock { synced ? .some(items[key]) : nil }
    }

    /// The cached keys under `sub` (which must be under the cache's prefix), in key order, with the revision the
    /// cache is at; `nil` while the cache cannot answer.
    public func list(_ sub: String) -> ListResult? {
        guard sub.hasPrefix(prefix) else { return nil }
        return lock.withLock {
            guard synced else { return nil }
            let found = items.values.filter { $0.key.hasPrefix(sub) }.sorted { $0.key < $1.key }
            return ListResult(items: found, revision: revision, more: false)
        }
    }

    private func run(store: any StateStore, logger: Logger) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                var all: [KeyValue] = []
                var after: String?
                var at: Int64?
                repeat {
                    let page = try await store.list(prefix: prefix, after: after, limit: 500, revision: at)
                    all += page.items
                    at = page.revision
                    after = page.more ? page.items.last?.key : nil
                } while after != nil
                let listed = at ?? 0
                lock.withLock {
                    items = Dictionary(all.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
                    revision = listed
                    synced = true
                }
                failures = 0
                for try await e in try await store.watch(prefix: prefix, fromRevision: listed) {
                    lock.withLock {
                        switch e.kind {
                        case .put: items[e.kv.key] = e.kv
                        case .delete: items[e.kv.key] = nil
                        }
                        revision = max(revision, e.revision)
                    }
                }
            } catch {
                if Task.isCancelled { break }
                failures += 1
                logger.debug("cache of \(prefix) lost its watch; listing again", metadata: ["error": "\(error)"])
            }
            // Until it has listed again, the cache sends its readers to the store.
            lock.withLock { synced = false }
            try? await Task.sleep(for: .milliseconds(min(100 * max(failures, 1), 2000)))
        }
        lock.withLock { synced = false }
    }
}
