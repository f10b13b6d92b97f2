import Foundation
import GantryAPI
import GantryClient
import Logging

/// Keeps the store bounded by deleting Events older than their TTL (kube-apiserver's `--event-ttl`, one hour by
/// default, which Kubernetes enforces with etcd leases): every `interval`, Events whose last occurrence is older
/// than the TTL go. It runs on every store (SQLite has no leases), on the controller leader.
public struct EventTTLController: Sendable {
    let client: GantryClient
    let ttl: Duration
    let interval: Duration
    let clock: any ControllerClock
    let logger: Logger

    public init(client: GantryClient, ttl: Duration, interval: Duration = .seconds(60), clock: any ControllerClock = SystemClock(),
                logger: Logger) {
        self.client = client
        self.ttl = ttl
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    /// When `event` last happened: `lastTimestamp`, else `eventTime`, else its creation.
    static func lastSeen(_ event: JSONValue) -> Date? {
        for path in [["lastTimestamp"], ["eventTime"], ["series", "lastObservedTime"], ["metadata", "creationTimestamp"]] {
            if let d = Timestamp.parse(event[path: path]?.stringValue) { return d }
        }
        return nil
    }

    /// Deletes the expired events once; returns how many went.
    @discardableResult
    public func sweep() async throws -> Int {
        let cutoff = clock.now.addingTimeInterval(-Double(ttl.components.seconds))
        var removed = 0
        var cont: String?
        repeat {
            var q = ["limit": "500"]
            if let cont { q["continue"] = cont }
            let page = try await client.call(.GET, GantryClient.path(.events, namespace: nil), query: q)
            for e in page["items"]?.arrayValue ?? [] {
                guard let seen = Self.lastSeen(e), seen < cutoff,
                      let name = e[path: ["metadata", "name"]]?.stringValue, let ns = e[path: ["metadata", "namespace"]]?.stringValue
                else { continue }
                do {
                    try await client.delete(.events, namespace: ns, name: name)
                    removed += 1
                } catch let err as GantryError where err.code == .notFound {
                }
            }
            cont = page[path: ["metadata", "continue"]]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        } while cont != nil
        if removed > 0 { logger.debug("expired events deleted", metadata: ["count": "\(removed)"]) }
        return removed
    }

    /// Sweeps every `interval` until cancelled.
    public func run() async {
        while !Task.isCancelled {
            do { try await sweep() } catch {
                logger.debug("event sweep failed", metadata: ["error": "\(error)"])
            }
            try? await clock.sleep(for: interval)
        }
    }
}
