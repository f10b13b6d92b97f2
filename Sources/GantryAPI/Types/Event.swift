// Kubernetes API types (k8s.io/api), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// A report of something that happened to an object (core/v1 Event).
public struct Event: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .events }
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference?
    public var reason: String?
    public var message: String?
    public var source: EventSource?
    public var firstTimestamp: String?
    public var lastTimestamp: String?
    public var count: Int?
    /// Normal or Warning.
    public var type: String?
    /// MicroTime (RFC 3339 with microseconds).
    public var eventTime: String?
    public var series: EventSeries?
    public var action: String?
    public var related: ObjectReference?
    public var reportingComponent: String?
    public var reportingInstance: String?

    /// Creates a `Event`; every field defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Event",
        metadata: ObjectMeta = ObjectMeta(),
        involvedObject: ObjectReference? = nil,
        reason: String? = nil,
        message: String? = nil,
        source: EventSource? = nil,
        firstTimestamp: String? = nil,
        lastTimestamp: String? = nil,
        count: Int? = nil,
        type: String? = nil,
        eventTime: String? = nil,
        series: EventSeries? = nil,
        action: String? = nil,
        related: ObjectReference? = nil,
        reportingComponent: String? = nil,
        reportingInstance: String? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.source = source
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
        self.count = count
        self.type = type
        self.eventTime = eventTime
        self.series = series
        self.action = action
        self.related = related
        self.reportingComponent = reportingComponent
        self.reportingInstance = reportingInstance
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, involvedObject, reason, message, source, firstTimestamp, lastTimestamp, count, type, eventTime, series, action, related, reportingComponent, reportingInstance
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.involvedObject = try c.decodeIfPresent(ObjectReference.self, forKey: .involvedObject)
        self.reason = try c.decodeIfPresent(String.self, forKey: .reason)
        self.message = try c.decodeIfPresent(String.self, forKey: .message)
        self.source = try c.decodeIfPresent(EventSource.self, forKey: .source)
        self.firstTimestamp = try c.decodeIfPresent(String.self, forKey: .firstTimestamp)
        self.lastTimestamp = try c.decodeIfPresent(String.self, forKey: .lastTimestamp)
        self.count = try c.decodeIfPresent(Int.self, forKey: .count)
        self.type = try c.decodeIfPresent(String.self, forKey: .type)
        self.eventTime = try c.decodeIfPresent(String.self, forKey: .eventTime)
        self.series = try c.decodeIfPresent(EventSeries.self, forKey: .series)
        self.action = try c.decodeIfPresent(String.self, forKey: .action)
        self.related = try c.decodeIfPresent(ObjectReference.self, forKey: .related)
        self.reportingComponent = try c.decodeIfPresent(String.self, forKey: .reportingComponent)
        self.reportingInstance = try c.decodeIfPresent(String.self, forKey: .reportingInstance)
    }
}

/// The component that reported an Event.
public struct EventSource: Codable, Sendable, Hashable {
    public var component: String?
    public var host: String?

    /// Creates a `EventSource`; every field defaults to unset.
    public init(
        component: String? = nil,
        host: String? = nil
    ) {
        self.component = component
        self.host = host
    }
}

/// A series of repeated Events.
public struct EventSeries: Codable, Sendable, Hashable {
    public var count: Int?
    public var lastObservedTime: String?

    /// Creates a `EventSeries`; every field defaults to unset.
    public init(
        count: Int? = nil,
        lastObservedTime: String? = nil
    ) {
        self.count = count
        self.lastObservedTime = lastObservedTime
    }
}
