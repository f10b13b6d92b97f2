import Foundation
import GantryAPI
import Logging
import ServiceLifecycle

/// A change an informer saw.
public enum InformerEvent<T: KubeObject & Sendable>: Sendable {
    case added(T)
    case updated(old: T, new: T)
    case deleted(T)

    /// The object after the change (the last state for a deletion).
    public var object: T {
        switch self {
        case .added(let o), .deleted(let o): return o
        case .updated(_, let n): return n
        }
    }
}

/// The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects.
public func objectKey(namespace: String?, name: String) -> String {
    if let namespace, !namespace.isEmpty { return namespace + "/" + name }
    return name
}

/// The cache key of an object.
public func objectKey<T: KubeObject>(_ o: T) -> String { objectKey(namespace: o.metadata.namespace, name: o.name) }

/// Splits a key made by `objectKey` into namespace (nil if cluster-scoped) and name.
public func splitKey(_ key: String) -> (namespace: String?, name: String) {
    guard let slash = key.firstIndex(of: "/") else { return (nil, key) }
    return (String(key[..<slash]), String(key[key.index(after: slash)...]))
}

/// A list + watch cache of one resource, as client-go's shared informer: it lists, then watches from the
/// list's resourceVersion, keeps every object in memory, tells its handlers of each change, and lists
/// again when the watch is too old (410 Gone) or breaks.
public final class Informer<T: KubeObject & Sendable>: ServiceLifecycle.Service, @unchecked Sendable {
    /// Called for each change, in order, on the informer's task; must not block.
    public typealias Handler = @Sendable (InformerEvent<T>) -> Void

    private let client: GantryClient
    private let resource: ResourceInfo
    private let fieldSelector: String?
    private let labelSelector: String?
    private let logger: Logger
    private let lock = NSLock()
    private var items: [String: [String: T]] = [:]  // namespace ("" for cluster-scoped) → name → object
    /// Controller uid → namespace → names of the objects it controls; the uid "" holds the objects with no
    /// controller. Lets a controller find its own objects without copying a whole namespace.
    private var byController: [String: [String: Set<String>]] = [:]
    private var handlers: [Handler] = []
    private var synced = false

    /// Creates an informer on `T`'s resource across all namespaces.
    public init(client: GantryClient, fieldSelector: String? = nil, labelSelector: String? = nil, logger: Logger) {
        self.client = client
        self.resource = T.resourceInfo
        self.fieldSelector = fieldSelector
        self.labelSelector = labelSelector
        self.logger = logger
    }

    /// Adds a handler; it first gets an `added` event for every object already cached.
    public func addHandler(_ h: @escaping Handler) {
        let existing: [T] = lock.withLock {
            handlers.append(h)
            return items.values.flatMap(\.values)
        }
        for o in existing { h(.added(o)) }
    }

    /// The cached object with this key.
    public func get(_ key: String) -> T? {
        let (ns, name) = splitKey(key)
        return lock.withLock { items[ns ?? ""]?[name] }
    }

    /// The cached object with this namespace and name.
    public func get(namespace: String?, name: String) -> T? {
        lock.withLock { items[namespace ?? ""]?[name] }
    }

    /// All cached objects, or those of one namespace.
    public func list(namespace: String? = nil) -> [T] {
        lock.withLock {
            if let namespace { return Array((items[namespace] ?? [:]).values) }
            return items.values.flatMap(\.values)
        }
    }

    /// The objects of `namespace` whose controller (the owner reference marked `controller: true`) has `uid`,
    /// and with `orphans`, also those with no controller (which a controller may adopt). Costs what it returns.
    public func list(namespace: String?, controlledBy uid: String?, orphans: Bool = false) -> [T] {
        let ns = namespace ?? ""
        return lock.withLock {
            let bucket = items[ns] ?? [:]
            var out: [T] = []
            if let uid, !uid.isEmpty, let names = byController[uid]?[ns] {
                out.reserveCapacity(names.count)
                for n in names { if let o = bucket[n] { out.append(o) } }
            }
            if orphans, let names = byController[""]?[ns] {
                for n in names { if let o = bucket[n] { out.append(o) } }
            }
            return out
        }
    }

    private static func controllerUID(_ o: T) -> String {
        o.metadata.ownerReferences?.first { $0.controller == true }?.uid ?? ""
    }

    /// Moves `o` in the controller index (under the lock); `old` is the version it replaces.
    private func index(_ o: T?, replacing old: T?) {
        if let old {
            let (uid, ns) = (Self.controllerUID(old), old.metadata.namespace ?? "")
            byController[uid]?[ns]?.remove(old.name)
            if byController[uid]?[ns]?.isEmpty == true {
                byController[uid]?[ns] = nil
                if byController[uid]?.isEmpty == true { byController[uid] = nil }
            }
        }
        if let o { byController[Self.controllerUID(o), default: [:]][o.metadata.namespace ?? "", default: []].insert(o.name) }
    }

    /// True once the first list is in the cache.
    public var hasSynced: Bool { lock.withLock { synced } }

    /// Waits until the first list is in the cache, or the task is cancelled.
    public func waitForSync() async {
        while !hasSynced && !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Lists and watches until cancelled or shut down gracefully. Failures (and watches the server ends at once)
    /// are retried with capped exponential back-off and jitter, and logged once per change of state.
    public func run() async throws {
        var backoff = Backoff(initial: .milliseconds(100), cap: .seconds(10))
        var log = RetryLog("list and watch of \(resource.plural)", logger: logger)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var watching: ContinuousClock.Instant?
            do {
                let rv = try await relist()
                log.succeeded()
                watching = .now
                try await watch(from: rv)
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                // The server ended the watch (its timeout): watch again at once if it lasted, else back off.
                if ContinuousClock.now - watching! >= .seconds(5) { backoff.reset() } else { try await backoff.wait() }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                if isCancellation(error) { throw CancellationError() }
                if let w = watching, ContinuousClock.now - w >= .seconds(5) { backoff.reset() }
                log.failed(error)
                try await backoff.wait()
            }
        }
    }

    private func relist() async throws -> String? {
        var all: [T] = []
        var cont: String? = nil
        var rv: String? = nil
        repeat {
            let page = try await client.list(resource, namespace: nil, labelSelector: labelSelector,
                                             fieldSelector: fieldSelector, limit: 500, continueToken: cont)
            let list = try page.decode(KubeList<T>.self)
            all += list.items
            cont = list.metadata?.continue.flatMap { $0.isEmpty ? nil : $0 }
            rv = list.metadata?.resourceVersion
        } while cont != nil
        replace(all)
        return rv
    }

    private func watch(from rv: String?) async throws {
        let stream = try await client.watch(resource, namespace: nil, resourceVersion: rv, labelSelector: labelSelector,
                                            fieldSelector: fieldSelector, bookmarks: true, timeoutSeconds: 600)
        for try await e in stream.cancelOnGracefulShutdown() {
            switch e.type {
            case "ADDED", "MODIFIED": upsert(try e.object.decode(T.self))
            case "DELETED": remove(try e.object.decode(T.self))
            case "ERROR":
                throw GantryError(.gone, e.object["message"]?.stringValue ?? "watch error")
            default: continue  // BOOKMARK
            }
        }
    }

    private func replace(_ list: [T]) {
        var fresh: [String: [String: T]] = [:]
        for o in list { fresh[o.metadata.namespace ?? "", default: [:]][o.name] = o }
        let (hs, events): ([Handler], [InformerEvent<T>]) = lock.withLock {
            var events: [InformerEvent<T>] = []
            for (ns, objs) in fresh {
                for (name, o) in objs {
                    if let old = items[ns]?[name] {
                        if old.metadata.resourceVersion != o.metadata.resourceVersion { events.append(.updated(old: old, new: o)) }
                    } else {
                        events.append(.added(o))
                    }
                }
            }
            for (ns, objs) in items {
                for (name, o) in objs where fresh[ns]?[name] == nil { events.append(.deleted(o)) }
            }
            items = fresh
            byController = [:]
            for objs in fresh.values { for o in objs.values { index(o, replacing: nil) } }
            return (handlers, events)
        }
        for e in events { for h in hs { h(e) } }
        lock.withLock { synced = true }
    }

    private func upsert(_ o: T) {
        let ns = o.metadata.namespace ?? ""
        let (hs, old): ([Handler], T?) = lock.withLock {
            let old = items[ns]?[o.name]
            items[ns, default: [:]][o.name] = o
            index(o, replacing: old)
            return (handlers, old)
        }
        let e: InformerEvent<T> = old.map { .updated(old: $0, new: o) } ?? .added(o)
        for h in hs { h(e) }
    }

    private func remove(_ o: T) {
        let ns = o.metadata.namespace ?? ""
        let hs: [Handler] = lock.withLock {
            index(nil, replacing: items[ns]?[o.name])
            items[ns]?[o.name] = nil
            return handlers
        }
        for h in hs { h(.deleted(o)) }
    }
}
