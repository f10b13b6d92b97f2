import Foundation
import GantryAPI
import GantryClient
import GantryControllers
import GantryTestSupport
import Logging
import Testing

/// Events as client-go records them (repeats folded into one, counted) and their TTL, against a real API server.
@Suite("Events")
struct EventTests {
    static let pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "name": "web", "namespace": "default", "uid": "u-1",
                                 "fieldPath": "spec.containers{web}"]

    @Test func repeatsFoldIntoOneCountedEvent() async throws {
        try await withLoopbackControlPlane { client in
            let sink = EventSink(client: client, component: "kubelet", host: "n1", logger: Logger(label: "test"))
            for _ in 0..<3 {
                await sink.record(involved: Self.pod, type: "Warning", reason: "BackOff", message: "Back-off restarting failed container web")
            }
            await sink.record(involved: Self.pod, reason: "Started", message: "Started container web")
            let events = try await client.call(.GET, GantryClient.path(.events, namespace: "default"))["items"]?.arrayValue ?? []
            #expect(events.count == 2)
            let backOff = try #require(events.first { $0["reason"] == "BackOff" })
            #expect(backOff["count"] == 3)
            #expect(backOff["type"] == "Warning")
            #expect(backOff[path: ["source", "component"]] == "kubelet")
            #expect(backOff[path: ["source", "host"]] == "n1")
            #expect(backOff[path: ["involvedObject", "fieldPath"]] == "spec.containers{web}")
            #expect(events.first { $0["reason"] == "Started" }?["count"] == 1)
        }
    }

    @Test func expiredEventsAreDeleted() async throws {
        try await withLoopbackControlPlane { client in
            func event(_ name: String, at: Date) -> JSONValue {
                let t: JSONValue = .string(at.ISO8601Format())
                return ["apiVersion": "v1", "kind": "Event", "metadata": ["name": .string(name), "namespace": "default"],
                        "involvedObject": Self.pod, "reason": "Started", "message": "m", "type": "Normal",
                        "firstTimestamp": t, "lastTimestamp": t, "count": 1]
            }
            _ = try await client.create(.events, namespace: "default", event("old", at: Date().addingTimeInterval(-7200)))
            _ = try await client.create(.events, namespace: "default", event("new", at: Date()))
            let ttl = EventTTLController(client: client, ttl: .seconds(3600), logger: Logger(label: "test"))
            #expect(try await ttl.sweep() == 1)
            let names = (try await client.call(.GET, GantryClient.path(.events, namespace: "default"))["items"]?.arrayValue ?? [])
                .compactMap { $0[path: ["metadata", "name"]]?.stringValue }
            #expect(names == ["new"])
        }
    }
}
