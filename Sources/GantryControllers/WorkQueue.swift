import Foundation
import GantryMetrics

/// A queue of object keys (`namespace/name`) for a controller's workers, as client-go's workqueue: a key
/// queued many times is handed out once; a key being processed is not handed to a second worker (it is
/// queued again when the first is done); failed keys come back after a per-key exponential back-off.
public final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var queue: [String] = []
    private var head = 0
    private var dirty: Set<String> = []
    private var processing: Set<String> = []
    private var failures: [String: Int] = [:]
    private var waiters: [CheckedContinuation<String?, Never>] = []
    private var shuttingDown = false
    private let clock: any ControllerClock
    /// client-go's workqueue metrics (`workqueue_depth`, `workqueue_adds_total`, `workqueue_queue_duration_seconds`,
    /// `workqueue_work_duration_seconds`, `workqueue_retries_total`), once `instrument` names the queue.
    private var metrics: (name: String, sink: GantryMetrics)?
    private var addedAt: [String: ContinuousClock.Instant] = [:]
    private var startedAt: [String: ContinuousClock.Instant] = [:]
    /// First retry delay; doubles on each failure of the same key.
    public let baseDelay: Duration
    /// Longest retry delay.
    public let maxDelay: Duration

    /// Creates a queue whose delays run on `clock`.
    public init(clock: any ControllerClock = SystemClock(), baseDelay: Duration = .milliseconds(10),
                maxDelay: Duration = .seconds(60)) {
        self.clock = clock
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Records this queue's metrics into `metrics` under `name` (the controller's).
    public func instrument(name: String, metrics sink: GantryMetrics) {
        lock.withLock { metrics = (name, sink) }
        sink.set("workqueue_depth", [("name", name)], 0)
    }

    /// Under the lock: the metrics of a key queued (`added`), handed out or done.
    private func noteLocked(added: String?, taken: String? = nil, finished: String? = nil) {
        guard let (name, sink) = metrics else { return }
        let now = ContinuousClock.now
        if let key = added {
            sink.count("workqueue_adds_total", [("name", name)])
            if addedAt[key] == nil { addedAt[key] = now }
        }
        if let key = taken {
            if let t = addedAt.removeValue(forKey: key) { sink.observe("workqueue_queue_duration_seconds", [("name", name)], now - t) }
            startedAt[key] = now
        }
        if let key = finished, let t = startedAt.removeValue(forKey: key) {
            sink.observe("workqueue_work_duration_seconds", [("name", name)], now - t)
        }
        sink.set("workqueue_depth", [("name", name)], Double(queue.count - head))
    }

    /// Queues `key` unless it is already waiting; idempotent.
    public func add(_ key: String) {
        let waiter: CheckedContinuation<String?, Never>? = lock.withLock {
            if shuttingDown || dirty.contains(key) { return nil }
            dirty.insert(key)
            defer { noteLocked(added: key) }
            if processing.contains(key) { return nil }
            if !waiters.isEmpty {
                processing.insert(key)
                dirty.remove(key)
                noteLocked(added: nil, taken: key)
                return waiters.removeFirst()
            }
            queue.append(key)
            return nil
        }
        waiter?.resume(returning: key)
    }

    /// Queues `key` after `delay`.
    public func add(_ key: String, after delay: Duration) {
        if delay <= .zero { return add(key) }
        let clock = self.clock
        Task { [weak self] in
            try? await clock.sleep(for: delay)
            self?.add(key)
        }
    }

    /// Queues `key` after its back-off, which doubles with each call until `forget`.
    public func addRateLimited(_ key: String) {
        let n: Int = lock.withLock {
            let n = failures[key, default: 0]
            failures[key] = n + 1
            if let (name, sink) = metrics { sink.count("workqueue_retries_total", [("name", name)]) }
            return n
        }
        add(key, after: backoff(failures: n))
    }

    /// The delay after `failures` earlier failures.
    func backoff(failures n: Int) -> Duration {
        let factor = pow(2.0, Double(min(n, 30)))
        let d = baseDelay.seconds * factor
        return d >= maxDelay.seconds ? maxDelay : .milliseconds(Int64(d * 1000))
    }

    /// Clears `key`'s failure count (call when it was processed successfully).
    public func forget(_ key: String) {
        lock.withLock { _ = failures.removeValue(forKey: key) }
    }

    /// How many times `key` has failed since it was last forgotten.
    public func failureCount(_ key: String) -> Int { lock.withLock { failures[key, default: 0] } }

    /// The next key to process, waiting for one; nil once the queue is shut down.
    public func get() async -> String? {
        if let ready = lock.withLock({ takeLocked() }) { return ready }
        return await withCheckedContinuation { cont in
            let immediate: String?? = lock.withLock {
                if let ready = takeLocked() { return ready }
                waiters.append(cont)
                return nil
            }
            if let immediate { cont.resume(returning: immediate) }
        }
    }

    /// Under the lock: the next queued key, marked processing (`.some(nil)` once shut down; nil if none yet).
    private func takeLocked() -> String?? {
        if head < queue.count {
            let key = queue[head]
            head += 1
            if head > 1024, head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            dirty.remove(key)
            processing.insert(key)
            noteLocked(added: nil, taken: key)
            return .some(key)
        }
        return shuttingDown ? .some(nil) : nil
    }

    /// Marks `key` processed; if it was queued meanwhile it becomes available again.
    public func done(_ key: String) {
        let waiter: CheckedContinuation<String?, Never>? = lock.withLock {
            processing.remove(key)
            noteLocked(added: nil, finished: key)
            guard dirty.contains(key) else { return nil }
            if !waiters.isEmpty {
                dirty.remove(key)
                processing.insert(key)
                noteLocked(added: nil, taken: key)
                return waiters.removeFirst()
            }
            queue.append(key)
            return nil
        }
        waiter?.resume(returning: key)
    }

    /// Number of keys waiting.
    public var count: Int { lock.withLock { queue.count - head } }

    /// Stops handing out keys: waiting and later `get` calls return nil.
    public func shutDown() {
        let ws: [CheckedContinuation<String?, Never>] = lock.withLock {
            shuttingDown = true
            defer { waiters = [] }
            return waiters
        }
        for w in ws { w.resume(returning: nil) }
    }
}
