import Foundation
import GantryAPI
import Testing

@Suite("Cron schedules")
struct CronScheduleTests {
    let utc = TimeZone(identifier: "UTC")!
    func at(_ s: String, _ zone: TimeZone? = nil) -> Date {
        let f = ISO8601DateFormatter()
        if let zone { f.timeZone = zone }
        return f.date(from: s)!
    }
    func next(_ spec: String, _ from: String, _ zone: String = "UTC") throws -> String? {
        let z = TimeZone(identifier: zone)!
        let f = ISO8601DateFormatter()
        f.timeZone = z
        f.formatOptions = [.withInternetDateTime]
        return try CronSchedule(spec).next(after: f.date(from: from)!, in: z).map { f.string(from: $0) }
    }

    @Test func fieldsRangesStepsListsAndNames() throws {
        #expect(try next("* * * * *", "2026-03-01T10:00:30Z") == "2026-03-01T10:01:00Z")
        #expect(try next("*/15 * * * *", "2026-03-01T10:14:00Z") == "2026-03-01T10:15:00Z")
        #expect(try next("*/15 * * * *", "2026-03-01T10:15:00Z") == "2026-03-01T10:30:00Z")
        #expect(try next("5 4 * * *", "2026-03-01T04:05:00Z") == "2026-03-02T04:05:00Z")
        #expect(try next("0 9-17/4 * * MON-FRI", "2026-03-06T17:00:00Z") == "2026-03-09T09:00:00Z")  // Fri → Mon
        #expect(try next("0 0 1,15 * *", "2026-03-02T00:00:00Z") == "2026-03-15T00:00:00Z")
        #expect(try next("30 2 * FEB,jun *", "2026-03-01T00:00:00Z") == "2026-06-01T02:30:00Z")
        #expect(try next("0 0 29 2 *", "2026-03-01T00:00:00Z") == "2028-02-29T00:00:00Z")
        #expect(try next("10/20 * * * *", "2026-03-01T10:31:00Z") == "2026-03-01T10:50:00Z")
        #expect(try next("0 0 30 2 *", "2026-03-01T00:00:00Z") == nil)
    }

    /// Both day fields restricted: either matches (the 13th, or any Friday); one a star: both must.
    @Test func dayOfMonthOrDayOfWeek() throws {
        #expect(try next("0 0 13 * 5", "2026-03-01T00:00:00Z") == "2026-03-06T00:00:00Z")  // a Friday before the 13th
        #expect(try next("0 0 * * 5", "2026-03-01T00:00:00Z") == "2026-03-06T00:00:00Z")
        #expect(try next("0 0 13 * ?", "2026-03-01T00:00:00Z") == "2026-03-13T00:00:00Z")
    }

    @Test func descriptorsAndEvery() throws {
        #expect(try next("@hourly", "2026-03-01T10:00:00Z") == "2026-03-01T11:00:00Z")
        #expect(try next("@daily", "2026-03-01T10:00:00Z") == "2026-03-02T00:00:00Z")
        #expect(try next("@weekly", "2026-03-01T10:00:00Z") == "2026-03-08T00:00:00Z")  // Sunday
        #expect(try next("@monthly", "2026-03-01T10:00:00Z") == "2026-04-01T00:00:00Z")
        #expect(try next("@yearly", "2026-03-01T10:00:00Z") == "2027-01-01T00:00:00Z")
        #expect(try next("@every 1h30m", "2026-03-01T10:00:00Z") == "2026-03-01T11:30:00Z")
    }

    @Test func timeZonesAndDaylightSaving() throws {
        // 09:00 in New York is 14:00 UTC in winter, 13:00 in summer.
        #expect(try next("0 9 * * *", "2026-01-10T12:00:00-05:00", "America/New_York") == "2026-01-11T09:00:00-05:00")
        #expect(try next("0 9 * * *", "2026-07-10T12:00:00-04:00", "America/New_York") == "2026-07-11T09:00:00-04:00")
        // 02:30 does not exist on 2026-03-08 in New York: that day is skipped.
        #expect(try next("30 2 * * *", "2026-03-07T03:00:00-05:00", "America/New_York") == "2026-03-09T02:30:00-04:00")
    }

    @Test func errorsNameTheProblem() {
        func message(_ spec: String) -> String {
            do { _ = try CronSchedule(spec); return "" } catch { return error.description }
        }
        #expect(message("* * * *") == "expected exactly 5 fields, found 4: * * * *")
        #expect(message("61 * * * *") == "end of range (61) above maximum (59): 61")
        #expect(message("* * * * 7") == "end of range (7) above maximum (6): 7")
        #expect(message("5-1 * * * *") == "beginning of range (5) beyond end of range (1): 5-1")
        #expect(message("*/0 * * * *") == "step of range should be a positive number: */0")
        #expect(message("TZ=UTC * * * * *") == "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
        #expect(message("@fortnightly") == "unrecognized descriptor: @fortnightly")
        #expect(message("x * * * *") == "failed to parse int from x")
    }

    @Test func mostRecentCatchesUpWithoutWalkingEveryMinute() throws {
        let s = try CronSchedule("* * * * *")
        let start = at("2026-03-01T00:00:00Z")
        let (few, n) = s.mostRecent(after: start, upTo: at("2026-03-01T00:05:30Z"), in: utc)
        #expect(few == at("2026-03-01T00:05:00Z") && n == 5)
        let t0 = Date()
        let (late, many) = s.mostRecent(after: start, upTo: at("2026-06-01T12:34:56Z"), in: utc)
        #expect(late == at("2026-06-01T12:34:00Z") && many > 100)
        #expect(Date().timeIntervalSince(t0) < 2)
    }
}
