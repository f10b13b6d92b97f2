import Foundation
import GantryAPI
import GantryStore
import NIOCore

/// A store event as its watchers see it, decoded once for all of them: the object and its previous version (the
/// stored JSON parsed, the resourceVersion set, converted to the watched version), their labels and selectable
/// fields, and the serialized watch line of each event type. A pod's change reaches a watch of every node's agent
/// (each filtering on its own `spec.nodeName`), every informer and every kubectl watching; doing this work once
/// instead of once per watcher is what keeps fan-out cheap at fleet size.
public final class DecodedWatchEvent: @unchecked Sendable {
    public let object: JSONValue
    let previous: JSONValue?
    let labels: [String: String]
    let fields: [String: String]
    let previousLabels: [String: String]
    let previousFields: [String: String]
    private let lock = NSLock()
    private var lines: [String: ByteBuffer] = [:]

    init(object: JSONValue, previous: JSONValue?, resource r: ResourceInfo) {
        self.object = object
        self.previous = previous
        self.labels = Self.labels(of: object)
        fields = FieldSelectors.fields(of: object, resource: r)
        previousLabels = previous.map(Self.labels(of:)) ?? [:]
        previousFields = previous.map { FieldSelectors.fields(of: $0, resource: r) } ?? [:]
    }

    static func labels(of obj: JSONValue) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in obj[path: ["metadata", "labels"]]?.objectValue ?? [:] { out[k] = v.stringValue ?? "" }
        return out
    }

    /// Whether the object (or, with `previous`, its previous version) is in a watch's selection.
    func matches(_ options: ListOptions, previous: Bool) -> Bool {
        if previous, self.previous == nil { return false }
        if let l = options.labelSelector, !l.matches(previous ? previousLabels : labels) { return false }
        if let f = options.fieldSelector, !f.matches(previous ? previousFields : fields) { return false }
        return true
    }

    /// `{"type":TYPE,"object":…}` and a newline, serialized the first time a watcher asks for it.
    public func line(_ type: String) -> ByteBuffer {
        if let b = lock.withLock({ lines[type] }) { return b }
        var out = [UInt8]()
        JSONValue.object(["type": .string(type), "object": object]).write(into: &out)
        out.append(0x0A)
        let buffer = ByteBuffer(bytes: out)
        lock.withLock { lines[type] = buffer }
        return buffer
    }
}

/// The recently decoded events, by resource, key and revision: the watchers of an event read it within moments of
/// each other, so a bounded window of the latest ones serves them all.
final class WatchDecodeCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: DecodedWatchEvent] = [:]
    private var order: [String?]
    private var next = 0

    init(capacity: Int = 4096) { order = Array(repeating: nil, count: capacity) }

    func decoded(_ key: String, _ make: () -> DecodedWatchEvent?) -> DecodedWatchEvent? {
        if let d = lock.withLock({ entries[key] }) { return d }
        guard let d = make() else { return nil }
        lock.withLock {
            if entries[key] == nil {
                if let old = order[next] { entries[old] = nil }
                order[next] = key
                next = (next + 1) % order.count
            }
            entries[key] = d
        }
        return d
    }
}

extension Registry {
    /// The event a watcher with `options` should see for the store event `e` (nil if none), with the decoded event
    /// it shares with every other watcher of it.
    public func watchEvent(_ e: StoreEvent, _ r: ResourceInfo, options: ListOptions) -> (type: String, decoded: DecodedWatchEvent)? {
        let key = "\(r.apiVersion)/\(r.plural)|\(e.revision)|\(e.kv.key)"
        guard let d = watchCache.decoded(key, { decode(e, r) }) else { return nil }
        let newMatches = d.matches(options, previous: false)
        let oldMatches = d.matches(options, previous: true)
        switch e.kind {
        case .delete:
            return oldMatches || newMatches ? ("DELETED", d) : nil
        case .put:
            if e.prev == nil { return newMatches ? ("ADDED", d) : nil }
            switch (oldMatches, newMatches) {
            case (true, true): return ("MODIFIED", d)
            case (false, true): return ("ADDED", d)
            case (true, false): return ("DELETED", d)
            case (false, false): return nil
            }
        }
    }

    /// Parses a store event's value and previous value as watchers of `r` see them.
    func decode(_ e: StoreEvent, _ r: ResourceInfo) -> DecodedWatchEvent? {
        guard let value = try? plain(e.kv), var obj = try? JSONValue.parse(value) else { return nil }
        obj[path: ["metadata", "resourceVersion"]] = .string(String(e.revision))
        if r.custom != nil { obj["apiVersion"] = .string(r.apiVersion) }
        if r == .eventsV1 { obj = EventVersions.toEventsV1(obj) }
        if r == .horizontalPodAutoscalersV1 { obj = HPAVersions.toV1(obj) }
        var previous: JSONValue?
        if let p = e.prev, let value = try? plain(p), var prev = try? JSONValue.parse(value) {
            prev[path: ["metadata", "resourceVersion"]] = .string(String(p.modRevision))
            if r == .eventsV1 { prev = EventVersions.toEventsV1(prev) }
            if r == .horizontalPodAutoscalersV1 { prev = HPAVersions.toV1(prev) }
            previous = prev
        }
        return DecodedWatchEvent(object: obj, previous: previous, resource: r)
    }
}
