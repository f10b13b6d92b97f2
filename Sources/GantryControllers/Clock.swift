import Foundation
import GantryAPI

/// The time source of controllers: reconcilers read `now` from it instead of the system clock, so tests can
/// move time by hand.
public protocol ControllerClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Sleeps for `duration` of this clock's time; throws when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The wall clock.
public struct SystemClock: ControllerClock {
    public init() {}
    public var now: Date { Date() }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// RFC 3339 timestamps as Kubernetes writes them (second precision, UTC).
public enum Timestamp {
    /// Formats `date` as `2006-01-02T15:04:05Z`.
    public static func format(_ date: Date) -> String { RFC3339.format(date) }

    /// Parses an RFC 3339 time (fractional seconds and offsets allowed); nil if it is not one.
    public static func parse(_ s: String?) -> Date? {
        s.flatMap(RFC3339.parse)
    }
}

extension Duration {
    /// This duration in seconds, as a `Double`.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
