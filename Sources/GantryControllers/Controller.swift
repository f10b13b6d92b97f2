import Foundation
import GantryAPI
import GantryClient
import Logging
import ServiceLifecycle

/// What a reconcile asks for next.
public enum ReconcileResult: Sendable, Equatable {
    /// The object is as it should be until something changes.
    case done
    /// Look again after this long (e.g. when minReadySeconds will have passed).
    case requeue(after: Duration)
}

/// Brings one object's world to its desired state. Level-based: given only the key (`namespace/name`) it
/// reads the current state from caches, so running it twice is harmless.
public protocol Reconciler: Sendable {
    /// Reconciles the object with this key; throwing retries it with back-off.
    func reconcile(_ key: String) async throws -> ReconcileResult
}

/// What every controller is built from: the API client, the clock, its event recorder and its logger.
public struct ControllerContext: Sendable {
    public let client: GantryClient
    public let clock: any ControllerClock
    public let recorder: EventRecorder
    public let logger: Logger

    /// A context whose events name `component` as their source.
    public init(client: GantryClient, component: String, clock: any ControllerClock = SystemClock(), logger: Logger) {
        self.client = client
        self.clock = clock
        self.recorder = EventRecorder(client: client, component: component, clock: clock, logger: logger)
        self.logger = logger
    }
}

/// A controller built from a `ControllerContext`, with its parts at hand.
protocol ContextualController {
    var context: ControllerContext { get }
}

extension ContextualController {
    var client: GantryClient { context.client }
    var clock: any ControllerClock { context.clock }
    var recorder: EventRecorder { context.recorder }
    var logger: Logger { context.logger }
}

/// Runs a reconciler over a work queue with a number of workers, until shut down.
public struct ControllerRunner: Sendable {
    /// The controller's name, for logs.
    public let name: String
    /// The queue the controller's event handlers fill.
    public let queue: WorkQueue
    public let reconciler: any Reconciler
    public let workers: Int
    let logger: Logger

    public init(name: String, queue: WorkQueue, reconciler: any Reconciler, workers: Int = 2, logger: Logger) {
        self.name = name
        self.queue = queue
        self.reconciler = reconciler
        self.workers = workers
        self.logger = logger
    }

    /// Processes keys until the task is cancelled.
    public func run() async {
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<workers {
                    group.addTask { await self.work() }
                }
            }
        } onCancel: {
            queue.shutDown()
        }
    }

    private func work() async {
        while let key = await queue.get() {
            do {
                switch try await reconciler.reconcile(key) {
                case .done: queue.forget(key)
                case .requeue(let after):
                    queue.forget(key)
                    queue.add(key, after: after)
                }
            } catch {
                if Task.isCancelled || isCancellation(error) {
                    // Stopping: not a failed reconcile, and nothing to retry.
                    queue.done(key)
                    return
                }
                let conflict = (error as? GantryError)?.code == .conflict
                if !conflict {
                    logger.info("reconcile failed", metadata: ["controller": "\(name)", "key": "\(key)", "error": "\(error)"])
                }
                queue.addRateLimited(key)
            }
            queue.done(key)
        }
    }
}

/// Counts of creations and deletions a controller has asked for but not yet seen in its informer, per
/// controller key — so a reconcile that runs before the cache catches up does not act twice (client-go's
/// ControllerExpectations).
public final class Expectations: @unchecked Sendable {
    private struct Entry { var adds: Int; var dels: Int; var at: Date }
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private let clock: any ControllerClock
    /// After this long, expectations are considered met anyway (a lost event must not wedge a controller).
    public let timeout: TimeInterval

    public init(clock: any ControllerClock, timeout: TimeInterval = 30) {
        self.clock = clock
        self.timeout = timeout
    }

    /// Records that `adds` creations and `dels` deletions are in flight for `key`.
    public func expect(_ key: String, adds: Int = 0, dels: Int = 0) {
        let now = clock.now
        lock.withLock { entries[key] = Entry(adds: max(0, adds), dels: max(0, dels), at: now) }
    }

    /// One expected creation was seen (or failed, and will not be seen).
    public func creationObserved(_ key: String) { lock.withLock { entries[key]?.adds -= 1 } }
    /// One expected deletion was seen (or failed).
    public func deletionObserved(_ key: String) { lock.withLock { entries[key]?.dels -= 1 } }

    /// True when nothing is in flight for `key` (or what is has timed out).
    public func satisfied(_ key: String) -> Bool {
        let now = clock.now
        return lock.withLock {
            guard let e = entries[key] else { return true }
            return (e.adds <= 0 && e.dels <= 0) || now.timeIntervalSince(e.at) > timeout
        }
    }

    /// Forgets `key` (its object is gone).
    public func delete(_ key: String) { lock.withLock { _ = entries.removeValue(forKey: key) } }
}

extension Expectations {
    /// Wires a controller that owns pods: an event of one of its objects queues it (and a deleted one's
    /// expectations are forgotten); a pod event queues the owner of kind `ownerKind` whose expectations it meets.
    func connect<T: KubeObject>(_ owners: Informer<T>, pods: Informer<Pod>, ownerKind: String, to queue: WorkQueue) {
        owners.addHandler { [queue, self] e in
            if case .deleted = e { self.delete(objectKey(e.object)) }
            queue.add(objectKey(e.object))
        }
        pods.addHandler { [queue, self] e in
            if let key = self.observe(e, ownerKind: ownerKind) { queue.add(key) }
        }
    }
}

/// Writes core/v1 Events about objects, as controllers report what they did ("Scaled up replica set …").
public struct EventRecorder: Sendable {
    let sink: EventSink

    public init(client: GantryClient, component: String, clock: any ControllerClock, logger: Logger) {
        sink = EventSink(client: client, component: component, now: { clock.now }, logger: logger)
    }

    /// Records an event of `type` (`Normal` or `Warning`) about `object` (repeats fold into one, counted);
    /// failures are only logged.
    public func record<T: KubeObject>(_ object: T, type: String = "Normal", reason: String, message: String) async {
        await sink.record(involved: Self.reference(apiVersion: T.resourceInfo.apiVersion, kind: T.resourceInfo.kind, name: object.name,
                                                   namespace: object.metadata.namespace, uid: object.metadata.uid,
                                                   resourceVersion: object.metadata.resourceVersion),
                          type: type, reason: reason, message: message)
    }

    /// The ObjectReference an event names.
    static func reference(apiVersion: String, kind: String, name: String, namespace: String?, uid: String?, resourceVersion: String?) -> JSONValue {
        ["apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name), "namespace": .string(namespace ?? "default"),
         "uid": .string(uid ?? ""), "resourceVersion": .string(resourceVersion ?? "")]
    }
}
