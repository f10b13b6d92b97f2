import Foundation
import GantryAPI
import GantryRuntime
import RuncShimCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A `ContainerRuntime` backed by the `runc` binary, with one shim process (`RuncShimCore.Shim`: `runc-shim`, or `gantry runc-shim`) per container.
///
/// Layout under `root`: runc's state in `root/runc` (`runc --root`), one bundle per container in
/// `root/bundles/<id>` holding `config.json` (labels are its annotations) and the files of the shim
/// (`shim.pid`, `shim.ready`, `init.pid`, `exit.json`, `started-at`, `shim.log`, `runc.log`).
///
/// Lifecycle: `create` writes the bundle and starts a detached shim, which runs `runc create` and
/// becomes the (subreaper) parent of the container's init; `create` returns once the shim reports the
/// container created, or throws runc's error. `start` runs `runc start`. The shim records the exit
/// status (and OOM kill, read from the cgroup before `runc delete` removes it) in `exit.json`; `wait`
/// and `info` read it. All state lives on disk, so a new `RuncRuntime` on the same `root` (after an
/// agent restart) sees every container, running or exited. `delete` and `kill` are idempotent.
public final class RuncRuntime: ContainerRuntime, Sendable {
    /// The state directory (`<data-dir>/runtime`).
    public let root: String
    /// The runc binary (a path, or a name looked up in `PATH`).
    public let runcPath: String
    /// The command that runs the shim (`["/usr/bin/runc-shim"]`, or `["/usr/bin/gantry", "runc-shim"]`); shim flags
    /// are appended.
    public let shimCommand: [String]

    var stateRoot: String { "\(root)/runc" }
    var bundlesRoot: String { "\(root)/bundles" }
    func bundle(_ id: String) -> String { "\(bundlesRoot)/\(id)" }
    func exitFile(_ id: String) -> String { "\(bundle(id))/exit.json" }

    /// Creates a runtime keeping its state under `root`. Nothing is checked until first use.
    public init(root: String, runcPath: String = "runc", shimCommand: [String]) {
        self.root = root
        self.runcPath = runcPath
        self.shimCommand = shimCommand
    }

    // MARK: - runc

    func runcExecutable() throws -> String {
        guard let path = FS.resolveExecutable(runcPath) else {
            throw GantryError(.unavailable, "runc is not installed: \(runcPath) was not found or is not executable; install the runc package")
        }
        return path
    }

    /// Runs `runc --root <stateRoot> args...`.
    func runc(_ args: [String]) async throws -> CommandResult {
        try await Command.run(try runcExecutable(), ["--root", stateRoot] + args)
    }

    static func isNotFound(_ message: String) -> Bool {
        message.contains("does not exist") || message.contains("not found") || message.contains("no such file")
    }

    /// runc's view of one container.
    struct RuncState: Decodable {
        var id: String
        var pid: Int32?
        var status: String
        var created: String?
        var annotations: [String: String]?
    }

    func runcState(_ id: String) async throws -> RuncState? {
        let r = try await runc(["state", id])
        if r.status != 0 {
            if Self.isNotFound(r.stderrString) { return nil }
            throw GantryError(.internalError, "runc state \(id) failed: \(r.stderrString)")
        }
        do {
            return try JSONDecoder().decode(RuncState.self, from: r.stdout)
        } catch {
            throw GantryError(.internalError, "runc state \(id) returned unreadable JSON", cause: error)
        }
    }

    static func validate(_ id: String) throws {
        guard !id.isEmpty, id.count <= 200, id != ".", id != "..",
              id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) else {
            throw GantryError(.invalid, "invalid container id \"\(id)\": use 1-200 characters of [a-zA-Z0-9_.-]")
        }
    }

    // MARK: - ContainerRuntime

    /// `runc://<version>`, from `runc --version`.
    public func version() async throws -> String {
        let r = try await Command.run(try runcExecutable(), ["--version"])
        guard r.status == 0 else { throw GantryError(.unavailable, "runc --version failed: \(r.stderrString)") }
        let first = r.stdoutString.split(separator: "\n").first.map(String.init) ?? ""
        let version = first.split(separator: " ").last.map(String.init) ?? "unknown"
        return "runc://\(version)"
    }

    /// The RLIMIT_NOFILE value containers get: 1048576, capped at this process's hard limit.
    static func nofileLimit() -> UInt64 {
        var rl = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &rl) == 0 else { return 1024 }
        return min(1_048_576, UInt64(rl.rlim_max))
    }

    /// Writes the bundle, starts the shim, and returns once runc has created the container.
    public func create(_ spec: ContainerSpec) async throws {
        try await create(spec, start: false)
    }

    /// Creates and starts the container with one runc invocation (`runc run --detach` in the shim), which
    /// saves `runc start`'s exec on the way to a running container.
    public func run(_ spec: ContainerSpec) async throws {
        try await create(spec, start: true)
        try? FS.writeAtomically(Data(Timestamp.now().utf8), to: "\(bundle(spec.id))/started-at")
    }

    func create(_ spec: ContainerSpec, start: Bool) async throws {
        try Self.validate(spec.id)
        let runc = try runcExecutable()
        guard let shim = shimCommand.first, let shimPath = FS.resolveExecutable(shim) else {
            throw GantryError(.unavailable, "the runc shim \(shimCommand.first ?? "(none)") was not found or is not executable")
        }
        let id = spec.id
        let dir = bundle(id)
        // runc keeps a container's state in ROOT/ID: no need to ask `runc state` (an exec) on the hot path.
        if FS.exists(dir) || FS.exists("\(stateRoot)/\(id)") {
            throw GantryError(.alreadyExists, "container \(id) already exists")
        }
        do {
            try FS.mkdirs(stateRoot)
            try FS.mkdirs(dir)
            try FS.mkdirs((spec.logPath as NSString).deletingLastPathComponent)
            let config = OCISpec.make(for: spec, nofileLimit: Self.nofileLimit())
            try FS.writeAtomically(try config.json(), to: "\(dir)/config.json")
        } catch let error as GantryError {
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw GantryError(.internalError, "cannot write the bundle of container \(id)", cause: error)
        }

        var args = Array(shimCommand.dropFirst()) + [
            "--runc", runc, "--root", stateRoot, "--bundle", dir, "--id", id, "--log", spec.logPath,
            "--exit-file", exitFile(id),
        ]
        if spec.tty { args.append("--tty") }
        if start { args.append("--start") }
        let shimLog = "\(dir)/shim.log"
        let started: Int32
        do {
            // util-linux's `setsid --fork` detaches the shim in a millisecond; without it the shim's own first
            // stage does (a second start of this large binary, some 20 ms).
            if let setsid = FS.resolveExecutable("setsid") {
                started = try await Self.spawnAndWait(setsid, ["--fork", shimPath] + args, log: shimLog,
                                                      environment: [Shim.stageVariable: "2"])
            } else {
                started = try await Self.spawnAndWait(shimPath, args, log: shimLog)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw GantryError(.unavailable, "cannot start the runc shim for container \(id)", cause: error)
        }
        guard started == 0 else {
            let log = FS.readString(shimLog)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            try? FileManager.default.removeItem(atPath: dir)
            throw GantryError(.internalError, "the runc shim for container \(id) failed (status \(started)): \(log)")
        }

        // Wait for the shim to report the container created (or runc's error).
        let deadline = Date().addingTimeInterval(30)
        var polls = 0
        while true {
            if FS.exists("\(dir)/\(Shim.readyFile)") { return }
            if let message = FS.readString("\(dir)/\(Shim.createErrorFile)") {
                await cleanupFailedCreate(id)
                throw GantryError(.internalError, "runc \(start ? "run" : "create") \(id) failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            polls += 1
            // Dead: its pid file names no live shim (before it writes one, give it a moment to start).
            if polls % 10 == 0, shimPid(id) != nil || deadline.timeIntervalSinceNow < 28, !shimAlive(id),
               !FS.exists("\(dir)/\(Shim.readyFile)") {
                let log = FS.readString(shimLog)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                await cleanupFailedCreate(id)
                throw GantryError(.internalError, "the runc shim for container \(id) exited before the container was created: \(log)")
            }
            if Date() > deadline {
                if let pid = shimPid(id) { Glibc.kill(pid, SIGKILL) }
                await cleanupFailedCreate(id)
                throw GantryError(.timeout, "runc \(start ? "run" : "create") \(id) did not finish within 30s")
            }
            // runc create takes some 30 ms: look often at first.
            try await Task.sleep(nanoseconds: polls < 100 ? 2_000_000 : 10_000_000)
        }
    }

    private func cleanupFailedCreate(_ id: String) async {
        _ = try? await runc(["delete", "--force", id])
        try? FileManager.default.removeItem(atPath: bundle(id))
    }

    /// Starts `executable` (`setsid --fork` and the shim, or the shim's first stage: both detach and exit at once)
    /// with its output going to `log` and nothing else of ours inherited, and waits for it; returns its exit status.
    static func spawnAndWait(_ executable: String, _ args: [String], log: String, environment: [String: String] = [:]) async throws -> Int32 {
        try await Blocking.run {
            let logFD = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            let devnull = open("/dev/null", O_RDWR | O_CLOEXEC)
            defer {
                if logFD >= 0 { close(logFD) }
                if devnull >= 0 { close(devnull) }
            }
            guard logFD >= 0, devnull >= 0 else {
                throw GantryError(.internalError, "cannot open \(log): \(String(cString: strerror(errno)))")
            }
            let env = environment.isEmpty ? nil
                : ProcessInfo.processInfo.environment.merging(environment) { _, new in new }.map { "\($0.key)=\($0.value)" }
            let (pid, err) = ChildProcess.spawn(executable, args, environment: env, stdin: devnull, stdout: logFD, stderr: logFD)
            guard pid > 0 else { throw GantryError(.internalError, "cannot start \(executable): \(String(cString: strerror(err)))") }
            return ChildProcess.waitBlocking(pid)
        }
    }

    func shimPid(_ id: String) -> Int32? {
        FS.readString("\(bundle(id))/\(Shim.pidFile)").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Whether the shim of `id` is still running (a live process whose command line names the bundle).
    func shimAlive(_ id: String) -> Bool {
        guard let pid = shimPid(id) else { return false }
        return FS.processAlive(pid, marker: bundle(id))
    }

    func readExit(_ id: String) -> ExitRecord? {
        guard let data = FS.read(exitFile(id)) else { return nil }
        return try? JSONDecoder().decode(ExitRecord.self, from: data)
    }

    /// Starts a created container (`runc start`).
    public func start(_ id: String) async throws {
        try Self.validate(id)
        let r = try await runc(["start", id])
        guard r.status == 0 else {
            if Self.isNotFound(r.stderrString) { throw GantryError(.notFound, "container \(id) not found") }
            throw GantryError(.internalError, "runc start \(id) failed: \(r.stderrString)")
        }
        try? FS.writeAtomically(Data(Timestamp.now().utf8), to: "\(bundle(id))/started-at")
    }

    /// Sends `signal` to the container's init (`runc kill`); a stopped or missing container is not an error.
    public func kill(_ id: String, signal: Int32) async throws {
        try Self.validate(id)
        let r = try await runc(["kill", id, String(signal)])
        guard r.status == 0 else {
            let msg = r.stderrString
            if Self.isNotFound(msg) || msg.contains("not running") || msg.contains("process already finished") { return }
            throw GantryError(.internalError, "runc kill \(id) \(signal) failed: \(msg)")
        }
    }

    /// Waits until the shim has recorded the container's exit: asleep until the shim process exits (it records
    /// the exit just before), or polling every 50 ms where the kernel has no pidfds.
    public func wait(_ id: String) async throws -> ExitStatus {
        try Self.validate(id)
        var polls = 0
        while true {
            if let record = readExit(id) { return record.status }
            guard FS.exists(bundle(id)) else { throw GantryError(.notFound, "container \(id) not found") }
            // The pidfd first, then the check that the pid is still the shim's (so a reused pid is not waited on).
            // Other failures to open one (out of descriptors) fall back to polling.
            if let watcher = ExitWatcher.shared, let pid = shimPid(id) {
                let opened = watcher.open(pid)
                if case .success(let fd) = opened, shimAlive(id) {
                    await watcher.waitForExit(fd)
                    try Task.checkCancellation()
                    if let record = readExit(id) { return record.status }
                    if shimAlive(id) { continue }
                    throw shimGone(id)
                }
                if case .success(let fd) = opened { close(fd) }
                if case .failure(let error) = opened, error.code == .ESRCH, shimPid(id) == pid {
                    if let record = readExit(id) { return record.status }
                    throw shimGone(id)
                }
            }
            polls += 1
            if polls % 20 == 0, !shimAlive(id) {
                if let record = readExit(id) { return record.status }
                throw GantryError(.internalError,
                                  "the runc shim of container \(id) is gone without recording an exit status (see \(bundle(id))/shim.log)")
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    func shimGone(_ id: String) -> GantryError {
        GantryError(.internalError, "the runc shim of container \(id) is gone without recording an exit status (see \(bundle(id))/shim.log)")
    }

    /// Kills (with `force`) and removes the container and its bundle; removing a missing container succeeds.
    public func delete(_ id: String, force: Bool) async throws {
        try Self.validate(id)
        let state = try await runcState(id)
        if let state, state.status != "stopped" {
            if !force, state.status == "running" || state.status == "paused" {
                throw GantryError(.conflict, "cannot delete container \(id): it is \(state.status); stop it first or force")
            }
            try await kill(id, signal: SIGKILL)
        }
        // Let the shim record the exit (and read the cgroup's OOM counter) before runc removes the cgroup.
        await waitForShim(id, timeout: 10)
        if state != nil {
            let r = try await runc(["delete", "--force", id])
            if r.status != 0, !Self.isNotFound(r.stderrString) {
                throw GantryError(.internalError, "runc delete \(id) failed: \(r.stderrString)")
            }
        }
        await waitForShim(id, timeout: 5)
        if shimAlive(id), let pid = shimPid(id) { Glibc.kill(pid, SIGKILL) }
        do {
            if FS.exists(bundle(id)) { try FileManager.default.removeItem(atPath: bundle(id)) }
        } catch {
            throw GantryError(.internalError, "cannot remove the bundle of container \(id)", cause: error)
        }
    }

    private func waitForShim(_ id: String, timeout: TimeInterval) async {
        let deadline = Date().addingTimeInterval(timeout)
        while shimAlive(id), Date() < deadline {
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    /// runc's state merged with the shim's exit record and the bundle's labels; nil if unknown.
    public func info(_ id: String) async throws -> ContainerInfo? {
        try Self.validate(id)
        let state = try await runcState(id)
        guard state != nil || FS.exists(bundle(id)) else { return nil }
        return await makeInfo(id, state)
    }

    /// Every container in runc's state or with a bundle on disk (exited ones included).
    public func list() async throws -> [ContainerInfo] {
        _ = try runcExecutable()
        var states: [String: RuncState] = [:]
        if FS.exists(stateRoot) {
            let r = try await runc(["list", "--format", "json"])
            guard r.status == 0 else { throw GantryError(.internalError, "runc list failed: \(r.stderrString)") }
            let decoded = (try? JSONDecoder().decode([RuncState]?.self, from: r.stdout)) ?? nil
            for s in decoded ?? [] { states[s.id] = s }
        }
        var ids = Set(states.keys)
        let bundles = (try? FileManager.default.contentsOfDirectory(atPath: bundlesRoot)) ?? []
        for name in bundles where FS.exists("\(bundle(name))/config.json") { ids.insert(name) }
        var result: [ContainerInfo] = []
        for id in ids.sorted() { result.append(await makeInfo(id, states[id])) }
        return result
    }

    func makeInfo(_ id: String, _ state: RuncState?) async -> ContainerInfo {
        var record = readExit(id)
        var status: GantryRuntime.ContainerStatus
        switch state?.status {
        case "created": status = .created
        case "running": status = .running
        case "paused", "pausing": status = .paused
        case "stopped": status = .stopped
        case .some: status = .unknown
        case nil: status = record != nil ? .stopped : .unknown
        }
        if status == .stopped, record == nil {
            // init has ended; the shim is about to record how. Give it a moment.
            let deadline = Date().addingTimeInterval(1)
            while record == nil, shimAlive(id), Date() < deadline {
                try? await Task.sleep(nanoseconds: 10_000_000)
                record = readExit(id)
            }
        }
        if record != nil { status = .stopped }
        var info = ContainerInfo(id: id, status: status)
        if status == .running || status == .created || status == .paused, let pid = state?.pid, pid > 0 { info.pid = pid }
        info.startedAt = FS.readString("\(bundle(id))/started-at").flatMap(Timestamp.parse)
        if let record {
            info.exitCode = record.exitCode
            info.oomKilled = record.oomKilled
            info.finishedAt = Timestamp.parse(record.finishedAt)
        }
        if let annotations = state?.annotations, !annotations.isEmpty {
            info.labels = annotations
        } else if let data = FS.read("\(bundle(id))/config.json"), let spec = try? JSONDecoder().decode(OCISpec.self, from: data) {
            info.labels = spec.annotations ?? [:]
        }
        return info
    }

    // MARK: - exec

    /// Runs a process in a running container with `runc exec --process`, streaming its output.
    ///
    /// The process inherits the container's user, capabilities and environment (`spec.env` is added).
    /// With `tty`, output is one stream (1) from a pseudo-terminal and `resize` sets its size.
    public func exec(_ id: String, _ spec: ExecSpec) async throws -> ExecSession {
        try Self.validate(id)
        let runc = try runcExecutable()
        guard let state = try await runcState(id) else { throw GantryError(.notFound, "container \(id) not found") }
        guard state.status == "running" else {
            throw GantryError(.conflict, "cannot exec in container \(id): it is \(state.status), not running")
        }
        guard !spec.args.isEmpty else { throw GantryError(.invalid, "exec in container \(id): no command given") }
        guard let data = FS.read("\(bundle(id))/config.json"), let config = try? JSONDecoder().decode(OCISpec.self, from: data) else {
            throw GantryError(.notFound, "container \(id) has no readable bundle")
        }
        var process = config.process
        process.args = spec.args
        process.terminal = spec.tty
        var env = process.env
        for entry in spec.env {
            let key = entry.split(separator: "=", maxSplits: 1).first.map(String.init) ?? entry
            env.removeAll { $0.hasPrefix(key + "=") }
            env.append(entry)
        }
        process.env = env
        if let wd = spec.workingDir, !wd.isEmpty { process.cwd = wd }
        let processFile = "\(bundle(id))/exec-\(UUID().uuidString).json"
        let encoder = JSONEncoder()
        try FS.writeAtomically(try encoder.encode(process), to: processFile)

        var args = ["--root", stateRoot, "exec", "--process", processFile]
        if spec.tty { args.append("--tty") }
        args.append(id)
        return try ExecProcess.start(runc, args, stdin: spec.stdin, tty: spec.tty, cleanup: processFile)
    }
}

/// A pseudo-terminal pair opened through /dev/ptmx.
struct PseudoTerminal {
    var master: Int32
    var slave: Int32

    static func open() throws -> PseudoTerminal {
        let master = Glibc.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw GantryError(.internalError, "cannot open /dev/ptmx: \(String(cString: strerror(errno)))") }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard Libc.ioctl(master, 0x4004_5431 /* TIOCSPTLCK */, &unlock) == 0,
              Libc.ioctl(master, 0x8004_5430 /* TIOCGPTN */, &number) == 0 else {
            close(master)
            throw GantryError(.internalError, "cannot set up a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let slave = Glibc.open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard slave >= 0 else {
            close(master)
            throw GantryError(.internalError, "cannot open /dev/pts/\(number): \(String(cString: strerror(errno)))")
        }
        return PseudoTerminal(master: master, slave: slave)
    }

    /// Sets the terminal size (TIOCSWINSZ).
    static func resize(_ fd: Int32, columns: UInt16, rows: UInt16) {
        var size: (UInt16, UInt16, UInt16, UInt16) = (rows, columns, 0, 0)
        _ = Libc.ioctl(fd, 0x5414 /* TIOCSWINSZ */, &size)
    }
}

/// One `runc exec` child, its pipes (or terminal) and its exit.
///
/// With a TTY, runc's own stdio is the slave of a pseudo-terminal this process holds: runc makes the
/// container-side terminal, relays it to its stdio, and propagates the size on SIGWINCH, which is how
/// `resize` works.
final class ExecProcess: @unchecked Sendable {
    private let exit = Locked<(code: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))

    static func start(_ runc: String, _ args: [String], stdin wantStdin: Bool, tty: Bool, cleanup: String) throws -> ExecSession {
        let e = ExecProcess()
        // The child's standard streams; (fd to read, stream number) for output; the fd to write stdin to.
        var childFDs: [Int32] = []
        var readers: [(Int32, Int)] = []
        var stdinWriter: Int32 = -1
        var terminal: PseudoTerminal?
        func closeAll() {
            for fd in Set(childFDs) { close(fd) }
            for (fd, _) in readers { close(fd) }
            if stdinWriter >= 0 { close(stdinWriter) }
        }
        if tty {
            let pty = try PseudoTerminal.open()
            terminal = pty
            PseudoTerminal.resize(pty.master, columns: 80, rows: 24)
            childFDs = [pty.slave, pty.slave, pty.slave]
            readers = [(pty.master, 1)]
            if wantStdin { stdinWriter = fcntl(pty.master, F_DUPFD_CLOEXEC, 0) }
        } else {
            var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1], input: [Int32] = [-1, -1]
            guard ChildProcess.makePipe(&out), ChildProcess.makePipe(&err), wantStdin ? ChildProcess.makePipe(&input) : true else {
                for fd in out + err + input where fd >= 0 { close(fd) }
                unlink(cleanup)
                throw GantryError(.internalError, "cannot run runc exec: pipe: \(String(cString: strerror(errno)))")
            }
            if !wantStdin { input[0] = Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC) }
            childFDs = [input[0], out[1], err[1]]
            readers = [(out[0], 1), (err[0], 2)]
            stdinWriter = input[1]
        }
        let (pid, spawnError) = ChildProcess.spawn(runc, args, environment: nil, stdin: childFDs[0], stdout: childFDs[1],
                                                   stderr: childFDs[2])
        // Only runc holds its ends now (so reading a pipe or the terminal's master ends when runc exits).
        for fd in Set(childFDs) where fd >= 0 { close(fd) }
        childFDs = []
        guard pid > 0 else {
            closeAll()
            unlink(cleanup)
            throw GantryError(.unavailable, "cannot run runc exec: \(String(cString: strerror(spawnError)))")
        }
        Blocking.start {
            let code = ChildProcess.waitBlocking(pid)
            unlink(cleanup)
            let waiters = e.exit.withLock { state -> [CheckedContinuation<Int32, Never>] in
                state.code = code
                defer { state.waiters = [] }
                return state.waiters
            }
            for w in waiters { w.resume(returning: code) }
        }

        let (output, outputCont) = AsyncStream<(Int, [UInt8])>.makeStream()
        let open = Locked(readers.count)
        for (fd, stream) in readers {
            // A reader for the session's whole life: on a thread of its own, not one of Dispatch's.
            Blocking.start {
                var buf = [UInt8](repeating: 0, count: 32768)
                while true {
                    let n = read(fd, &buf, buf.count)
                    if n > 0 {
                        outputCont.yield((stream, Array(buf[0..<n])))
                    } else if n < 0, errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
                close(fd)
                if open.withLock({ $0 -= 1; return $0 }) == 0 { outputCont.finish() }
            }
        }

        var stdinCont: AsyncStream<[UInt8]>.Continuation?
        if stdinWriter >= 0 {
            let writer = FileHandle(fileDescriptor: stdinWriter, closeOnDealloc: false)
            let (stream, cont) = AsyncStream<[UInt8]>.makeStream()
            stdinCont = cont
            let queue = DispatchQueue(label: "gantry.exec.stdin")
            Task.detached {
                for await chunk in stream {
                    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                        queue.async {
                            try? writer.write(contentsOf: chunk)
                            c.resume()
                        }
                    }
                }
                // Closing a pipe ends the input; on a TTY, end of input is the user's ^D (byte 4).
                queue.async { try? writer.close() }
            }
        }

        let masterFD = terminal?.master ?? -1
        return ExecSession(
            stdin: stdinCont, output: output,
            resize: { columns, rows in
                guard masterFD >= 0, e.exit.withLock({ $0.code == nil }) else { return }
                PseudoTerminal.resize(masterFD, columns: columns, rows: rows)
                Glibc.kill(pid, SIGWINCH)
            },
            wait: {
                await withCheckedContinuation { (c: CheckedContinuation<Int32, Never>) in
                    let code: Int32? = e.exit.withLock { state in
                        if let code = state.code { return code }
                        state.waiters.append(c)
                        return nil
                    }
                    if let code { c.resume(returning: code) }
                }
            })
    }
}

extension RuncRuntime {
    /// CPU and memory usage from the container's cgroup (its path is in the bundle's config).
    public func stats(_ id: String) async throws -> ContainerStats? {
        guard let data = FS.read("\(bundle(id))/config.json"),
              let spec = try? JSONDecoder().decode(OCISpec.self, from: data),
              let path = spec.linux.cgroupsPath else { return nil }
        return Cgroups.stats(cgroupsPath: path)
    }
}
