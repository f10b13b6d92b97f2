import Foundation

/// A CronJob's `schedule`, as Kubernetes parses it (robfig/cron's standard parser): five fields (minute, hour,
/// day of month, month, day of week) of `*`, `?`, values, ranges `a-b`, steps `/n` and lists, month and weekday
/// names (`JAN`, `MON`), or a descriptor (`@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`,
/// `@hourly`, `@every 1h30m`). When both day fields are restricted a day matching either runs, as in cron.
public struct CronSchedule: Sendable, Hashable {
    var minutes: [Int] = []
    var hours: [Int] = []
    var daysOfMonth: Set<Int> = []
    var months: Set<Int> = []
    var daysOfWeek: Set<Int> = []
    var dayOfMonthStar = false
    var dayOfWeekStar = false
    /// `@every`: a fixed interval instead of fields.
    var every: TimeInterval?

    /// Parses `text`; throws a message saying what is wrong, as the API's validation reports it.
    public init(_ text: String) throws(CronScheduleError) {
        let spec = text.trimmingCharacters(in: .whitespaces)
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ=") {
            throw CronScheduleError("cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
        }
        if spec.isEmpty { throw CronScheduleError("empty spec string") }
        var fieldsText = spec
        if spec.hasPrefix("@") {
            let lower = spec.lowercased()
            switch lower {
            case "@yearly", "@annually": fieldsText = "0 0 1 1 *"
            case "@monthly": fieldsText = "0 0 1 * *"
            case "@weekly": fieldsText = "0 0 * * 0"
            case "@daily", "@midnight": fieldsText = "0 0 * * *"
            case "@hourly": fieldsText = "0 * * * *"
            default:
                guard lower.hasPrefix("@every ") else { throw CronScheduleError("unrecognized descriptor: \(spec)") }
                let d = String(spec.dropFirst("@every ".count)).trimmingCharacters(in: .whitespaces)
                guard let seconds = Self.duration(d), seconds > 0 else {
                    throw CronScheduleError("failed to parse duration @every \(d)")
                }
                every = max(1, seconds.rounded(.down))
                return
            }
        }
        let fields = fieldsText.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronScheduleError("expected exactly 5 fields, found \(fields.count): \(spec)")
        }
        var star = false
        minutes = try Self.field(fields[0], 0, 59, names: [:], star: &star).sorted()
        hours = try Self.field(fields[1], 0, 23, names: [:], star: &star).sorted()
        daysOfMonth = try Self.field(fields[2], 1, 31, names: [:], star: &dayOfMonthStar)
        months = try Self.field(fields[3], 1, 12, names: Self.monthNames, star: &star)
        daysOfWeek = try Self.field(fields[4], 0, 6, names: Self.weekdayNames, star: &dayOfWeekStar)
    }

    static let monthNames = ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
                             "oct": 10, "nov": 11, "dec": 12]
    static let weekdayNames = ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]

    /// The values one field allows; `star` is set when it is `*` or `?` (every value).
    static func field(_ text: String, _ lo: Int, _ hi: Int, names: [String: Int], star: inout Bool) throws(CronScheduleError) -> Set<Int> {
        var out = Set<Int>()
        star = false
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2 else { throw CronScheduleError("too many slashes: \(part)") }
            var start: Int, end: Int, step = 1
            let range = pieces[0]
            if range == "*" || range == "?" {
                (start, end) = (lo, hi)
                if pieces.count == 1 { star = true }
            } else {
                let bounds = range.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                guard bounds.count <= 2 else { throw CronScheduleError("too many hyphens: \(part)") }
                start = try value(bounds[0], names)
                end = bounds.count == 2 ? try value(bounds[1], names) : start
                if bounds.count == 1, pieces.count == 2 { end = hi }
            }
            if pieces.count == 2 {
                guard let n = Int(pieces[1]), n > 0 else {
                    throw CronScheduleError("step of range should be a positive number: \(part)")
                }
                step = n
            }
            guard start >= lo else { throw CronScheduleError("beginning of range (\(start)) below minimum (\(lo)): \(part)") }
            guard end <= hi else { throw CronScheduleError("end of range (\(end)) above maximum (\(hi)): \(part)") }
            guard start <= end else { throw CronScheduleError("beginning of range (\(start)) beyond end of range (\(end)): \(part)") }
            for v in stride(from: start, through: end, by: step) { out.insert(v) }
        }
        return out
    }

    static func value(_ text: String, _ names: [String: Int]) throws(CronScheduleError) -> Int {
        if let n = names[text.lowercased()] { return n }
        guard let v = Int(text), v >= 0 else { throw CronScheduleError("failed to parse int from \(text)") }
        return v
    }

    /// A Go duration (`1h30m`, `90s`, `1.5h`) in seconds.
    static func duration(_ text: String) -> TimeInterval? {
        var total = 0.0, number = "", sawUnit = false
        var chars = Array(text)[...]
        while let c = chars.first {
            if c.isNumber || c == "." {
                number.append(c)
                chars = chars.dropFirst()
                continue
            }
            var unit = ""
            while let u = chars.first, !u.isNumber, u != "." { unit.append(u); chars = chars.dropFirst() }
            guard let v = Double(number) else { return nil }
            let scale: Double
            switch unit {
            case "h": scale = 3600
            case "m": scale = 60
            case "s": scale = 1
            case "ms": scale = 0.001
            case "us", "µs": scale = 0.000_001
            case "ns": scale = 0.000_000_001
            default: return nil
            }
            total += v * scale
            number = ""
            sawUnit = true
        }
        return number.isEmpty && sawUnit ? total : nil
    }

    func dayMatches(day: Int, weekday: Int) -> Bool {
        let dom = daysOfMonth.contains(day), dow = daysOfWeek.contains(weekday)
        return dayOfMonthStar || dayOfWeekStar ? dom && dow : dom || dow
    }

    /// The first run strictly after `t`, in `zone` (nil if none within five years: `0 0 30 2 *`). A time a DST
    /// change skips does not run that day; a repeated one runs once.
    public func next(after t: Date, in zone: TimeZone) -> Date? {
        if let every { return Date(timeIntervalSince1970: (t.timeIntervalSince1970 + every).rounded(.down)) }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let now = cal.dateComponents([.year, .month, .day, .hour, .minute], from: t)
        var day = cal.startOfDay(for: t)
        for _ in 0..<(366 * 5) {
            let c = cal.dateComponents([.year, .month, .day, .weekday], from: day)
            if let m = c.month, let d = c.day, let wd = c.weekday, months.contains(m), dayMatches(day: d, weekday: wd - 1) {
                let today = c.year == now.year && m == now.month && d == now.day
                for h in hours where !today || h >= (now.hour ?? 0) {
                    for minute in minutes {
                        if today, h == now.hour, minute <= (now.minute ?? 0) { continue }
                        guard let date = cal.date(from: DateComponents(year: c.year, month: m, day: d, hour: h, minute: minute)),
                              date > t else { continue }
                        let back = cal.dateComponents([.day, .hour, .minute], from: date)
                        guard back.day == d, back.hour == h, back.minute == minute else { continue }  // skipped by DST
                        return date
                    }
                }
            }
            guard let tomorrow = cal.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = cal.startOfDay(for: tomorrow)
        }
        return nil
    }

    /// The latest run in `(earliest, now]` and how many runs fall in that interval (counted up to `limit + 1`, so
    /// "more than `limit`" shows), as Kubernetes' CronJob controller asks when it catches up.
    public func mostRecent(after earliest: Date, upTo now: Date, in zone: TimeZone, limit: Int = 100) -> (time: Date?, missed: Int) {
        var t = earliest, last: Date?, count = 0
        while count <= limit, let n = next(after: t, in: zone), n <= now {
            last = n
            count += 1
            t = n
        }
        guard count > limit else { return (last, count) }
        // Many missed: find the latest by looking back from now over growing windows.
        let windows: [TimeInterval] = [3600, 86_400, 31 * 86_400, 366 * 86_400, 5 * 366 * 86_400]
        for window in windows {
            var s = max(earliest, now.addingTimeInterval(-window)), found: Date?
            var steps = 0
            while steps < 100_000, let n = next(after: s, in: zone), n <= now {
                found = n
                s = n
                steps += 1
            }
            if let found { return (found, count) }
        }
        return (last, count)
    }
}

/// Why a cron schedule does not parse.
public struct CronScheduleError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
