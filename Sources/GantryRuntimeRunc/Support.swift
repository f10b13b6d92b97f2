import Foundation
import GantryAPI
import GantryRuntime
import RuncShimCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The exit file the shim writes when a container's init process has ended.
struct ExitRecord: Codable, Sendable, Hashable {
    var exitCode: Int32
    var oomKilled: Bool
    /// RFC 3339 with nanoseconds, UTC.
    var finishedAt: String

    var status: ExitStatus {
        ExitStatus(exitCode: exitCode, oomKilled: oomKilled, finishedAt: Timestamp.parse(finishedAt) ?? Date())
    }
}

/// RFC 3339 timestamps with nanoseconds (the shim's `Timestamp`, which writes them), read back as dates.
extension Timestamp {
    static func format(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        let s = t.rounded(.down)
        return format(seconds: Int(s), nanoseconds: min(999_999_999, Int(((t - s) * 1e9).rounded())))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    static func parse(_ string: String) -> Date? {
        let c = Array(string.utf8)
        guard c.count >= 20, c[4] == UInt8(ascii: "-"), c[7] == UInt8(ascii: "-"), c[10] == UInt8(ascii: "T")
                || c[10] == UInt8(ascii: " "), c[13] == UInt8(ascii: ":"), c[16] == UInt8(ascii: ":") else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for i in from..<(from + len) {
                guard i < c.count, c[i] >= 48, c[i] <= 57 else { return nil }
                v = v * 10 + Int(c[i] - 48)
            }
            return v
        }
        guard let year = num(0, 4), let month = num(5, 2), let day = num(8, 2), let hour = num(11, 2),
              let minute = num(14, 2), let second = num(17, 2) else { return nil }
        var i = 19
        var fraction = 0.0
        if i < c.count, c[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < c.count, c[i] >= 48, c[i] <= 57 {
                fraction += Double(c[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        if i < c.count, c[i] == UInt8(ascii: "+") || c[i] == UInt8(ascii: "-") {
            guard let oh = num(i + 1, 2), let om = num(i + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (c[i] == UInt8(ascii: "-") ? -1 : 1)
        } else if !(i < c.count && (c[i] == UInt8(ascii: "Z") || c[i] == UInt8(ascii: "z"))) {
            return nil
        }
        var tm = tm()
        tm.tm_year = Int32(year - 1900)
        tm.tm_mon = Int32(month - 1)
        tm.tm_mday = Int32(day)
        tm.tm_hour = Int32(hour)
        tm.tm_min = Int32(minute)
        tm.tm_sec = Int32(second)
        let seconds = timegm(&tm)
        return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
    }
}

/// Small file-system helpers shared by the runtime and the shim.
enum FS {
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isExecutable(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    static func read(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    static func readString(_ path: String) -> String? { read(path).flatMap { String(data: $0, encoding: .utf8) } }

    /// Writes `data` to a temporary file next to `path` and renames it over `path`.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let tmp = path + ".tmp.\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: data) else {
            throw GantryError(.internalError, "cannot write \(tmp): \(String(cString: strerror(errno)))")
        }
        guard rename(tmp, path) == 0 else {
            let err = String(cString: strerror(errno))
            unlink(tmp)
            throw GantryError(.internalError, "cannot rename \(tmp) to \(path): \(err)")
        }
    }

    static func mkdirs(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Resolves a command name through `PATH` (a name with a `/` is taken as a path).
    static func resolveExecutable(_ name: String) -> String? {
        if name.contains("/") { return isExecutable(name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if isExecutable(candidate) { return candidate }
        }
        return nil
    }

    /// Whether `pid` is a live (not zombie) process whose command line contains `marker`.
    static func processAlive(_ pid: Int32, marker: String) -> Bool {
        guard pid > 0, let data = read("/proc/\(pid)/cmdline"), !data.isEmpty else { return false }
        let cmdline = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        return cmdline.contains(marker)
    }
}

/// Which cgroup hierarchy the host runs.
enum Cgroups {
    /// True on a pure cgroup v2 (unified) host.
    static var isUnified: Bool { FS.exists("/sys/fs/cgroup/cgroup.controllers") }

    /// CPU and memory usage of the cgroup at `cgroupsPath`.
    static func stats(cgroupsPath: String) -> ContainerStats? {
        func number(_ path: String) -> UInt64? {
            FS.readString(path).flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        func statField(_ path: String, _ key: String) -> UInt64 {
            for line in (FS.readString(path) ?? "").split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, parts[0] == key { return UInt64(parts[1]) ?? 0 }
            }
            return 0
        }
        let cpu: UInt64
        let mem: UInt64
        let inactive: UInt64
        if isUnified {
            let base = "/sys/fs/cgroup\(cgroupsPath)"
            guard let m = number(base + "/memory.current") else { return nil }
            cpu = statField(base + "/cpu.stat", "usage_usec") * 1000
            mem = m
            inactive = statField(base + "/memory.stat", "inactive_file")
        } else {
            let memBase = "/sys/fs/cgroup/memory\(cgroupsPath)"
            guard let m = number(memBase + "/memory.usage_in_bytes") else { return nil }
            mem = m
            inactive = statField(memBase + "/memory.stat", "total_inactive_file")
            cpu = number("/sys/fs/cgroup/cpu,cpuacct\(cgroupsPath)/cpuacct.usage")
                ?? number("/sys/fs/cgroup/cpuacct\(cgroupsPath)/cpuacct.usage") ?? 0
        }
        return ContainerStats(cpuUsageNanoseconds: cpu, memoryUsageBytes: mem,
                              memoryWorkingSetBytes: mem > inactive ? mem - inactive : 0, timestamp: Date())
    }

    /// How many times the OOM killer has killed a process in the cgroup at `cgroupsPath` (nil when unknown).
    static func oomKillCount(cgroupsPath: String) -> Int? {
        let file = isUnified
            ? "/sys/fs/cgroup\(cgroupsPath)/memory.events"
            : "/sys/fs/cgroup/memory\(cgroupsPath)/memory.oom_control"
        guard let text = FS.readString(file) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == "oom_kill" { return Int(parts[1]) }
        }
        return nil
    }
}

/// The result of a finished command.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: Data
    var stderr: Data
    var stdoutString: String { String(decoding: stdout, as: UTF8.self) }
    var stderrString: String { String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// Runs short commands (runc's CLI) off Swift's cooperative thread pool (`ChildProcess`).
enum Command {
    /// Runs `executable args` to completion and collects its output.
    static func run(_ executable: String, _ args: [String]) async throws -> CommandResult {
        try await Blocking.run { try runBlocking(executable, args) }
    }

    static func runBlocking(_ executable: String, _ args: [String]) throws -> CommandResult {
        let out = try ChildProcess.runBlocking(executable, args)
        return CommandResult(status: out.status, stdout: out.stdout, stderr: out.stderr)
    }
}

/// A lock-protected value.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Calls to variadic libc functions, which Swift cannot import, through a fixed-arity pointer.
enum Libc {
    private typealias Ioctl = @convention(c) (Int32, UInt, UnsafeMutableRawPointer?) -> Int32

    /// `ioctl(fd, request, arg)`.
    static func ioctl(_ fd: Int32, _ request: UInt, _ arg: UnsafeMutableRawPointer?) -> Int32 {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "ioctl") else { return -1 }
        return unsafeBitCast(sym, to: Ioctl.self)(fd, request, arg)
    }
}
