import Foundation
import GantryAPI
import GantryRuntime
import GantryRuntimeRunc
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A failure of the test environment (missing root, runc, busybox or the shim), naming what to install.
struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs a host command and returns (status, stdout+stderr).
@discardableResult
func sh(_ command: String) throws -> (Int32, String) {
    let r = try ChildProcess.runBlocking("/bin/sh", ["-c", command])
    return (r.status, r.stdoutText + r.stderrText)
}

/// The shim command: `$GANTRY_SHIM` (space separated), or a `runc-shim` / `gantry` binary next to the tests.
func locateShim() throws -> [String] {
    if let env = ProcessInfo.processInfo.environment["GANTRY_SHIM"], !env.isEmpty {
        return env.split(separator: " ").map(String.init)
    }
    var dirs: [URL] = []
    for path in [CommandLine.arguments.first, Bundle.main.executablePath].compactMap({ $0 }) {
        var url = URL(fileURLWithPath: path).deletingLastPathComponent()
        for _ in 0..<4 {
            dirs.append(url)
            url = url.deletingLastPathComponent()
        }
    }
    for dir in dirs {
        let shim = dir.appendingPathComponent("runc-shim").path
        if FileManager.default.isExecutableFile(atPath: shim) { return [shim] }
        let gantry = dir.appendingPathComponent("gantry").path
        if FileManager.default.isExecutableFile(atPath: gantry) { return [gantry, "runc-shim"] }
    }
    throw FixtureError("cannot find the runc shim (a runc-shim or gantry executable next to the test binary): build it with `swift build`, or set GANTRY_SHIM")
}

/// A temp dir with a busybox rootfs and a `RuncRuntime` rooted in it.
final class RuncFixture: @unchecked Sendable {
    let dir: String
    let rootfs: String
    let runtime: RuncRuntime
    private let ids = LockedIDs()

    init() throws {
        guard getuid() == 0 else { throw FixtureError("the runc tests need root: run `swift test` as root") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/runc") || FileManager.default.isExecutableFile(atPath: "/usr/bin/runc") else {
            throw FixtureError("runc is not installed: apt-get install runc")
        }
        let busybox = "/bin/busybox"
        let (_, fileInfo) = try sh("file -L \(busybox) 2>/dev/null || ldd \(busybox) 2>&1")
        guard FileManager.default.isExecutableFile(atPath: busybox), fileInfo.contains("statically linked") || fileInfo.contains("not a dynamic") else {
            throw FixtureError("a static busybox is needed at /bin/busybox: apt-get install busybox-static")
        }
        let shim = try locateShim()
        dir = "/tmp/gantry-runc-test-\(UUID().uuidString.prefix(8))"
        rootfs = "\(dir)/rootfs"
        let fm = FileManager.default
        for d in ["bin", "etc", "tmp", "proc", "sys", "dev", "root", "home/app"] {
            try fm.createDirectory(atPath: "\(rootfs)/\(d)", withIntermediateDirectories: true)
        }
        chmod("\(rootfs)/tmp", 0o1777)
        try fm.copyItem(atPath: busybox, toPath: "\(rootfs)/bin/busybox")
        let (_, applets) = try sh("\(busybox) --list")
        for applet in applets.split(separator: "\n") where applet != "busybox" {
            try? fm.createSymbolicLink(atPath: "\(rootfs)/bin/\(applet)", withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
            .write(toFile: "\(rootfs)/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n"
            .write(toFile: "\(rootfs)/etc/group", atomically: true, encoding: .utf8)
        runtime = RuncRuntime(root: "\(dir)/runtime", shimCommand: shim)
    }

    /// A spec for a new container with a unique id; its log goes to `<dir>/logs/<id>.log`.
    func spec(_ args: [String], name: String = "c") -> ContainerSpec {
        let id = "gtest-\(name)-\(UUID().uuidString.prefix(8).lowercased())"
        ids.add(id)
        return ContainerSpec(id: id, rootfs: rootfs, args: args, env: ["PATH=/bin"], hostname: "test", logPath: "\(dir)/logs/\(id).log")
    }

    /// Creates and starts a container from `spec`.
    func run(_ spec: ContainerSpec) async throws {
        try await runtime.create(spec)
        try await runtime.start(spec.id)
    }

    /// Waits for a container, failing after `seconds`.
    func wait(_ id: String, seconds: Double = 20) async throws -> GantryRuntime.ExitStatus {
        let runtime = self.runtime
        return try await withThrowingTaskGroup(of: GantryRuntime.ExitStatus?.self) { group in
            group.addTask { try await runtime.wait(id) }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            guard let status = first else { throw FixtureError("container \(id) did not exit within \(seconds)s") }
            return status
        }
    }

    /// The CRI log lines of a container.
    func logLines(_ spec: ContainerSpec) -> [String] {
        let text = (try? String(contentsOfFile: spec.logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// The messages of a stream, from CRI lines `<time> <stream> <tag> <msg>`.
    func messages(_ spec: ContainerSpec, stream: String = "stdout") -> [String] {
        logLines(spec).compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, parts[1] == stream else { return nil }
            return String(parts[3])
        }
    }

    /// Force-deletes every container made by `spec` and removes the temp dir.
    func cleanup() async {
        for id in ids.all() { try? await runtime.delete(id, force: true) }
        try? FileManager.default.removeItem(atPath: dir)
    }
}

final class LockedIDs: @unchecked Sendable {
    private var ids: [String] = []
    private let lock = NSLock()
    func add(_ id: String) { lock.lock(); ids.append(id); lock.unlock() }
    func all() -> [String] { lock.lock(); defer { lock.unlock() }; return ids }
}

/// Runs `body` with a fresh fixture and always cleans it up.
func withFixture(_ body: (RuncFixture) async throws -> Void) async throws {
    let fx = try RuncFixture()
    do {
        try await body(fx)
    } catch {
        await fx.cleanup()
        throw error
    }
    await fx.cleanup()
}

/// Collects an exec session's output and exit code.
func collect(_ session: ExecSession) async throws -> (stdout: String, stderr: String, code: Int32) {
    var out: [UInt8] = []
    var err: [UInt8] = []
    for await (stream, bytes) in session.output {
        if stream == 1 { out += bytes } else { err += bytes }
    }
    let code = try await session.wait()
    return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self), code)
}
