import Foundation
import Testing

@testable import GantryAPI

@Suite struct RFC3339Tests {
    /// Foundation's formatter, the reference the hand-written parser must agree with.
    func reference(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s)
    }

    @Test func parsesWhatKubernetesWrites() throws {
        for s in ["2026-12-06T11:43:43Z", "1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z", "2026-12-06T20:01:47.123456Z",
                  "2026-12-06T20:01:47.5Z", "2026-12-06T12:00:00+02:00", "2026-12-06T12:00:00-05:30", "1969-12-31T23:59:59Z"] {
            let mine = try #require(RFC3339.parse(s), "\(s)")
            let ref = try #require(reference(s), "reference \(s)")
            #expect(abs(mine.timeIntervalSince1970 - ref.timeIntervalSince1970) < 0.001, "\(s)")
        }
        #expect(RFC3339.parse("2026-12-06T11:43:43.999999Z")!.timeIntervalSince1970 == 1_796_557_423.999999)
        #expect(RFC3339.parse("2026-12-06t11:43:43z") == RFC3339.parse("2026-12-06T11:43:43Z"))
    }

    @Test func rejectsWhatIsNotATimestamp() {
        for s in ["", "2026-12-06", "2026-12-06T11:43:43", "2026-13-06T11:43:43Z", "2026-02-30T11:43:43Z", "2026-12-06T24:00:00Z",
                  "2026-12-06T11:43:43.Z", "2026-12-06T11:43:43+0200", "2026-12-06 11:43:43Z", "2026-12-06T11:43:43Zjunk", "abcd-12-06T11:43:43Z"] {
            #expect(RFC3339.parse(s) == nil, "\(s)")
        }
    }

    @Test func formatsAndRoundTrips() {
        let d = Date(timeIntervalSince1970: 1_796_557_423.123456)
        #expect(RFC3339.format(d) == "2026-12-06T11:43:43Z")
        #expect(RFC3339.formatMicro(d) == "2026-12-06T11:43:43.123456Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 951_868_799)) == "2000-02-29T23:59:59Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
        // Every day of a few years formats as Foundation does and parses back.
        let f = ISO8601DateFormatter()
        for day in stride(from: -800, to: 22_000, by: 37) {
            let t = Date(timeIntervalSince1970: Double(day) * 86400 + 45_296)
            #expect(RFC3339.format(t) == f.string(from: t))
            #expect(RFC3339.parse(RFC3339.format(t)) == t)
        }
    }
}
