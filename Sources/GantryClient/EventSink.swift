import Foundation
import GantryAPI
import Logging

/// Records core/v1 Events as client-go's event recorder does, repeats folded: an event with the same object,
/// type, reason, message and source as one recorded in the last 10 minutes raises that event's `count` and
/// `lastTimestamp` (a merge patch) instead of making another, so a crash-looping container or a pod that cannot be
/// scheduled leaves one event, not hundreds. Failures are only logged: events are best effort.
public final class EventSink: @unchecked Sendable {
    let client: GantryClient
    /// `source.component` (`kubelet`, `default-scheduler`, `replicaset-controller`).
    public let component: String
    /// `source.host` (the node, for the kubelet).
    public let host: String?
    let now: @Sendable () -> Date
    let logger: Logger
    private let lock = NSLock()
    private var recent: [String: (namespace: String, name: String, count: Int, at: Date)] = [:]
    /// How long a recorded event takes repeats (client-go's event correlator keeps 10 minutes).
    static let foldWindow: TimeInterval = 600

    public init(client: GantryClient, component: String, host: String? = nil, now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger) {
        self.client = client
        self.component = component
        self.host = host
        self.now = now
        self.logger = logger
    }

    /// Records an event of `type` (`Normal` or `Warning`) about the object `involved` (an ObjectReference:
    /// apiVersion, kind, name, namespace, uid, and for a container its `fieldPath`).
    public func record(involved: JSONValue, type: String = "Normal", reason: String, message: String) async {
        let ns = involved["namespace"]?.stringValue ?? "default"
        let key = [involved["uid"]?.stringValue ?? "", involved["fieldPath"]?.stringValue ?? "", involved["kind"]?.stringValue ?? "",
                   involved["name"]?.stringValue ?? "", type, reason, message].joined(separator: "\u{1}")
        let t = now()
        let stamp = t.ISO8601Format()  // RFC 3339, second precision, UTC
        let previous: (namespace: String, name: String, count: Int, at: Date)? = lock.withLock {
            if recent.count > 4096 { recent = recent.filter { t.timeIntervalSince($0.value.at) < Self.foldWindow } }
            guard let p = recent[key], t.timeIntervalSince(p.at) < Self.foldWindow else { return nil }
            recent[key] = (p.namespace, p.name, p.count + 1, t)
            return (p.namespace, p.name, p.count + 1, t)
        }
        if let previous {
            do {
                _ = try await client.patch(.events, namespace: previous.namespace, name: previous.name,
                                           ["count": .int(Int64(previous.count)), "lastTimestamp": .string(stamp)])
                return
            } catch let e as GantryError where e.code == .notFound {
                // Expired or deleted meanwhile: record it afresh.
            } catch {
                logger.debug("event not updated", metadata: ["reason": "\(reason)", "error": "\(error)"])
                return
            }
        }
        let name = "\(involved["name"]?.stringValue ?? "event").\(String(UInt64.random(in: 0..<UInt64.max), radix: 16))"
        var source: JSONValue = ["component": .string(component)]
        if let host { source["host"] = .string(host) }
        let event: JSONValue = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(name), "namespace": .string(ns)],
            "involvedObject": involved,
            "reason": .string(reason), "message": .string(message), "type": .string(type),
            "source": source, "reportingComponent": .string(component), "reportingInstance": .string(host ?? component),
            "firstTimestamp": .string(stamp), "lastTimestamp": .string(stamp), "count": 1,
        ]
        do {
            _ = try await client.create(.events, namespace: ns, event)
            lock.withLock { recent[key] = (ns, name, 1, t) }
        } catch {
            logger.debug("event not recorded", metadata: ["reason": "\(reason)", "error": "\(error)"])
        }
    }

    /// `record` without waiting for it (for paths that must not wait on the API server, such as a container start).
    public func emit(involved: JSONValue, type: String = "Normal", reason: String, message: String) {
        Task { await record(involved: involved, type: type, reason: reason, message: message) }
    }
}
