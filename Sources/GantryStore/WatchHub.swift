import Foundation
import GantryAPI

/// Fans store events out to watchers. Not thread-safe by itself: owned by a store actor, which calls
/// `publish` in revision order after each committed write.
public final class WatchHub: @unchecked Sendable {
    struct Watcher {
        let prefix: String
        let continuation: AsyncThrowingStream<StoreEvent, Error>.Continuation
    }

    private var watchers: [Int: Watcher] = [:]
    private var nextID = 0
    private let lock = NSLock()
    /// How many undelivered events a watcher may have before it is cut off.
    public let bufferLimit: Int

    public init(bufferLimit: Int = 20_000) { self.bufferLimit = bufferLimit }

    /// Creates a stream primed with `history`, registered for live events under `prefix`.
    public func add(prefix: String, history: [StoreEvent]) -> AsyncThrowingStream<StoreEvent, Error> {
        let (stream, cont) = AsyncThrowingStream<StoreEvent, Error>.makeStream(
            bufferingPolicy: .bufferingOldest(max(bufferLimit, history.count + 1)))
        for e in history { cont.yield(e) }
        lock.lock()
        let id = nextID
        nextID += 1
        watchers[id] = Watcher(prefix: prefix, continuation: cont)
        lock.unlock()
        cont.onTermination = { [weak self] _ in self?.remove(id) }
        return stream
    }

    private func remove(_ id: Int) {
        lock.lock()
        watchers[id] = nil
        lock.unlock()
    }

    /// The number of live watchers.
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return watchers.count
    }

    /// Delivers one event to every watcher whose prefix matches.
    public func publish(_ event: StoreEvent) {
        lock.lock()
        let current = watchers
        lock.unlock()
        for (id, w) in current where event.kv.key.hasPrefix(w.prefix) {
            if case .dropped = w.continuation.yield(event) {
                w.continuation.finish(throwing: GantryError(.expired, "watcher fell too far behind; re-list and watch again"))
                remove(id)
            }
        }
    }

    /// Ends every stream (on close).
    public func finishAll() {
        lock.lock()
        let current = watchers
        watchers = [:]
        lock.unlock()
        for (_, w) in current { w.continuation.finish() }
    }
}
