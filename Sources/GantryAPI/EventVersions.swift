/// The two versions of an Event: core `v1` and `events.k8s.io/v1`, one stored object seen both ways (as in
/// Kubernetes, where they share storage). Field for field, with Kubernetes' renames: `involvedObject` is
/// `regarding`, `message` is `note`, `reportingComponent` is `reportingController`, and the old counting fields
/// are `deprecated*`.
public enum EventVersions {
    /// (core name, events.k8s.io name) of the renamed fields; the rest are the same.
    static let renames: [(String, String)] = [
        ("involvedObject", "regarding"), ("message", "note"), ("reportingComponent", "reportingController"),
        ("source", "deprecatedSource"), ("firstTimestamp", "deprecatedFirstTimestamp"),
        ("lastTimestamp", "deprecatedLastTimestamp"), ("count", "deprecatedCount"),
    ]
    static let shared = ["metadata", "eventTime", "series", "reportingInstance", "action", "reason", "related", "type"]

    /// A stored (core) Event as events.k8s.io/v1 shows it.
    public static func toEventsV1(_ core: JSONValue) -> JSONValue {
        var out: [String: JSONValue] = ["apiVersion": "events.k8s.io/v1", "kind": "Event"]
        let o = core.objectValue ?? [:]
        for k in shared { if let v = o[k] { out[k] = v } }
        for (c, e) in renames { if let v = o[c] { out[e] = v } }
        return .object(out)
    }

    /// An events.k8s.io/v1 Event as it is stored (core v1).
    public static func toCore(_ v1: JSONValue) -> JSONValue {
        var out: [String: JSONValue] = ["apiVersion": "v1", "kind": "Event"]
        let o = v1.objectValue ?? [:]
        for k in shared { if let v = o[k] { out[k] = v } }
        for (c, e) in renames { if let v = o[e] { out[c] = v } }
        return .object(out)
    }
}
