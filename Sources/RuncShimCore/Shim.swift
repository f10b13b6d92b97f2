#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The per-container supervisor: the program `runc-shim` (and `gantry runc-shim`, the fallback when that is
/// not installed next to gantry), on Glibc and the standard library only, so each running container costs
/// little memory. `RuncRuntime` starts it and reads the files it writes.
///
/// Run as `runc-shim --root R --bundle B --id ID --log PATH --exit-file F [--tty] [--start] [--runc PATH]
/// [--log-max-size BYTES]`:
/// 1. Stage one (no `GANTRY_RUNC_SHIM_STAGE=2` in the environment) marks inherited descriptors
///    close-on-exec, starts itself again as stage two and exits (0, or 1 if that failed). The runtime
///    usually skips it with `setsid --fork` and the variable set.
/// 2. Stage two closes every inherited descriptor above stderr, starts a new session, becomes a child
///    subreaper, writes `shim.pid`, and runs `runc create --pid-file init.pid` (with `--start`, `runc run
///    --detach`, which starts the container too) with its output on pipes (with `--tty`, it receives the
///    pty master over a `--console-socket`). It then writes `shim.ready` (init's pid), or `create-error`
///    with runc's message and exits 1.
/// 3. One poll loop copies the output into the CRI log (`<RFC3339Nano> stdout|stderr F|P <text>`, split at
///    16 KiB, rotated to `PATH.1` past `--log-max-size`, 10 MiB by default) and reaps every child, woken by
///    SIGCHLD through a signalfd.
/// 4. When init ends, it waits up to 5 s for the output to end, reads the cgroup's `oom_kill` counter and
///    atomically writes `{"exitCode":N,"oomKilled":B,"finishedAt":"<RFC3339Nano>"}` to the exit file.
public enum Shim {
    /// Environment variable marking the detached second stage.
    public static let stageVariable = "GANTRY_RUNC_SHIM_STAGE"
    /// Bundle files the shim writes: its pid, init's pid once runc has created the container, runc's error.
    public static let pidFile = "shim.pid"
    public static let readyFile = "shim.ready"
    public static let createErrorFile = "create-error"
    static let initPidFile = "init.pid"
    static let runcLogFile = "runc.log"
    /// How long the output may go on after init has ended before the exit is recorded anyway.
    static let drainMilliseconds = 5000

    struct Options: Equatable {
        var runc = "runc"
        var root = ""
        var bundle = ""
        var id = ""
        var log = ""
        var exitFile = ""
        var tty = false
        /// Start the container as well (`runc run --detach` instead of `runc create`).
        var start = false
        var logMaxSize = 10 * 1024 * 1024
    }

    static let usage = "usage: runc-shim --root DIR --bundle DIR --id ID --log PATH --exit-file PATH [--tty] [--start] [--runc PATH] [--log-max-size BYTES]"

    /// Runs the shim with the process's arguments (any leading words before the first `--flag`, such as the
    /// program name, are ignored). Never returns.
    public static func main(_ args: [String]) -> Never {
        guard let options = parse(args) else {
            Sys.printError(usage)
            exit(2)
        }
        // Whoever started us may have leaked descriptors (Foundation's Process gives each child one end of a
        // socket pair and treats its closing as the child's exit): keep them from runc and the container.
        if Sys.environment(stageVariable) != "2" {
            closeInheritedDescriptors()
            exit(detach(args))
        }
        // Detached (by stage one, or by `setsid --fork` straight from the agent): nothing inherited may stay
        // open, or whoever watches the agent's descriptors (Foundation's Process) thinks the agent still runs.
        closeInheritedDescriptors(close: true)
        supervise(options)
    }

    /// Marks every descriptor above stderr close-on-exec, or closes it.
    static func closeInheritedDescriptors(close shouldClose: Bool = false) {
        for name in Sys.listDirectory("/proc/self/fd") {
            guard let fd = Int32(name), fd > 2 else { continue }
            if shouldClose { _ = close(fd) } else { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
    }

    static func parse(_ args: [String]) -> Options? {
        var o = Options()
        var i = args.firstIndex(where: { $0.hasPrefix("--") }) ?? args.count
        func value() -> String? {
            i += 1
            return i < args.count ? args[i] : nil
        }
        while i < args.count {
            switch args[i] {
            case "--runc": guard let v = value() else { return nil }; o.runc = v
            case "--root": guard let v = value() else { return nil }; o.root = v
            case "--bundle": guard let v = value() else { return nil }; o.bundle = v
            case "--id": guard let v = value() else { return nil }; o.id = v
            case "--log": guard let v = value() else { return nil }; o.log = v
            case "--exit-file": guard let v = value() else { return nil }; o.exitFile = v
            case "--log-max-size": guard let v = value(), let n = Int(v) else { return nil }; o.logMaxSize = n
            case "--tty": o.tty = true
            case "--start": o.start = true
            default: return nil
            }
            i += 1
        }
        guard !o.root.isEmpty, !o.bundle.isEmpty, !o.id.isEmpty, !o.log.isEmpty, !o.exitFile.isEmpty else { return nil }
        return o
    }

    /// Stage one: start stage two as a detached copy of this process and report whether that worked.
    static func detach(_ args: [String]) -> Int32 {
        let env = Sys.environment(setting: stageVariable, to: "2")
        let devnull = open("/dev/null", O_RDWR | O_CLOEXEC)
        // The real path (not /proc/self/exe) so `ps` shows the program's name.
        let exe = Sys.readLink("/proc/self/exe") ?? "/proc/self/exe"
        let (pid, err) = Sys.spawn(exe, argv0: args.first ?? "runc-shim", Array(args.dropFirst()), env: env,
                                   stdin: devnull, stdout: 1, stderr: 2)
        guard pid > 0 else {
            Sys.printError("runc-shim: cannot start the detached shim: \(Sys.errorString(err))")
            return 1
        }
        return 0
    }

    /// Stage two: create the container, supervise it, record its exit.
    static func supervise(_ o: Options) -> Never {
        setsid()
        // SIGCHLD stays blocked and is read from a signalfd; every other signal is unblocked, as children get
        // an empty mask and default dispositions (see Sys.spawn).
        var childSignal = sigset_t()
        sigemptyset(&childSignal)
        sigaddset(&childSignal, SIGCHLD)
        pthread_sigmask(SIG_SETMASK, &childSignal, nil)
        signal(SIGPIPE, SIG_IGN)
        signal(SIGHUP, SIG_IGN)
        if Sys.prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1) != 0 {
            fail(o, "cannot become a child subreaper: \(Sys.errorString())")
        }
        let bundle = o.bundle
        Sys.writeAtomically("\(getpid())", to: "\(bundle)/\(pidFile)")
        guard let runc = Sys.resolveExecutable(o.runc) else {
            fail(o, "runc is not installed: \(o.runc) not found; install the runc package")
        }

        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard Sys.makePipe(&outPipe), Sys.makePipe(&errPipe) else {
            fail(o, "cannot create pipes: \(Sys.errorString())")
        }
        var consoleListener: Int32 = -1
        var socketPath = ""
        if o.tty {
            socketPath = "/tmp/gantry-shim-\(getpid()).sock"
            consoleListener = Sys.listenUnix(socketPath)
            if consoleListener < 0 { fail(o, "cannot listen on console socket \(socketPath): \(Sys.errorString())") }
        }

        var args = ["--root", o.root, "--log", "\(bundle)/\(runcLogFile)", "--log-format", "json"]
            + (o.start ? ["run", "--detach"] : ["create"]) + ["--bundle", bundle, "--pid-file", "\(bundle)/\(initPidFile)"]
        if o.tty { args += ["--console-socket", socketPath] }
        args.append(o.id)
        let devnull = open("/dev/null", O_RDWR | O_CLOEXEC)
        let (runcPid, spawnErr) = Sys.spawn(runc, argv0: runc, args, env: nil, stdin: devnull,
                                            stdout: o.tty ? devnull : outPipe[1], stderr: errPipe[1])
        close(outPipe[1])
        close(errPipe[1])
        guard runcPid > 0 else { fail(o, "cannot run \(runc): \(Sys.errorString(spawnErr))") }

        var master: Int32 = -1
        var status: Int32 = 0
        if o.tty {
            while true {
                var p = pollfd(fd: consoleListener, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, 20) > 0, master < 0 {
                    let conn = accept(consoleListener, nil, nil)
                    if conn >= 0 {
                        master = Sys.receiveFD(conn)
                        close(conn)
                    }
                }
                let r = waitpid(runcPid, &status, WNOHANG)
                if r == runcPid || (r < 0 && errno != EINTR) { break }
            }
            close(consoleListener)
            unlink(socketPath)
        } else {
            while waitpid(runcPid, &status, 0) < 0 && errno == EINTR {}
        }

        if exitCode(fromWaitStatus: status) != 0 {
            var message = trimmed(Sys.drainNonBlocking(errPipe[0]) + Sys.drainNonBlocking(outPipe[0]))
            if message.isEmpty { message = lastRuncError("\(bundle)/\(runcLogFile)") ?? "" }
            if message.isEmpty { message = "runc exited with status \(exitCode(fromWaitStatus: status))" }
            Sys.writeAtomically(message, to: "\(bundle)/\(createErrorFile)")
            exit(1)
        }
        if o.tty && master < 0 {
            fail(o, "runc did not send the container's terminal over the console socket")
        }
        guard let pidText = Sys.readString("\(bundle)/\(initPidFile)"), let initPid = Int32(trimmed(pidText)) else {
            fail(o, "runc create did not write the init pid file")
        }

        // Copy output into the CRI log.
        let writer = CRILogWriter(path: o.log, maxSize: o.logMaxSize)
        let sources: [(Int32, String)] = o.tty ? [(master, "stdout")] : [(outPipe[0], "stdout"), (errPipe[0], "stderr")]
        if o.tty {
            close(outPipe[0])
        }
        let copier = LogCopier(sources: sources, writer: writer)
        Sys.writeAtomically("\(initPid)", to: "\(bundle)/\(readyFile)")

        let (code, finishedAt) = superviseInit(initPid, copier: copier, signals: Sys.signalFD(childSignal))
        let cgroupsPath = readCgroupsPath(bundle) ?? ""
        let oom = (Cgroups.oomKillCount(cgroupsPath: cgroupsPath) ?? 0) > 0
        Sys.writeAtomically(exitRecord(exitCode: code, oomKilled: oom, finishedAt: finishedAt), to: o.exitFile)
        exit(0)
    }

    /// Copies the output and reaps every child until init has ended and the output has ended too (or 5 s
    /// have passed since init ended). Returns init's exit code (255 if it was not ours to reap) and when it
    /// ended.
    static func superviseInit(_ initPid: Int32, copier: LogCopier, signals: Int32) -> (Int32, String) {
        var code: Int32 = 255
        var finishedAt: String?
        var deadline = 0
        // Init is not our child (no subreaper?): watch it with kill(pid, 0) every 50 ms instead.
        var watchInit = false

        func ended(_ exitCode: Int32) {
            code = exitCode
            finishedAt = Timestamp.now()
            deadline = Sys.monotonicMilliseconds() + drainMilliseconds
        }
        /// Reaps every child that has ended, without blocking.
        func reap() {
            while true {
                var st: Int32 = 0
                let r = waitpid(-1, &st, WNOHANG)
                if r > 0 {
                    if r == initPid, finishedAt == nil { ended(exitCode(fromWaitStatus: st)) }
                    continue
                }
                if r < 0, errno == EINTR { continue }
                if r < 0, errno == ECHILD, finishedAt == nil { watchInit = true }
                return
            }
        }

        var fds = copier.fds
        let signalIndex = fds.count
        fds.append(pollfd(fd: signals, events: Int16(POLLIN), revents: 0))
        reap()
        while true {
            if finishedAt == nil, watchInit, kill(initPid, 0) != 0 { ended(255) }
            var timeout: Int32 = -1
            if finishedAt != nil {
                let left = deadline - Sys.monotonicMilliseconds()
                if !copier.isOpen || left <= 0 { break }
                timeout = Int32(left)
            } else if watchInit || signals < 0 {
                timeout = 50
            }
            fds.replaceSubrange(0..<signalIndex, with: copier.fds)
            let r = poll(&fds, nfds_t(fds.count), timeout)
            if r < 0 {
                if errno == EINTR { continue }
                // poll itself failed (it should not): stop copying, just wait for init.
                Sys.printError("runc-shim: poll: \(Sys.errorString())")
                return waitBlocking(initPid, code: code, finishedAt: finishedAt)
            }
            copier.copy(fds[0..<signalIndex])
            if signals >= 0, fds[signalIndex].revents != 0 {
                var info = [UInt8](repeating: 0, count: 128)  // struct signalfd_siginfo
                while read(signals, &info, info.count) > 0 {}
            }
            reap()
        }
        return (code, finishedAt ?? Timestamp.now())
    }

    /// The fallback when polling fails: block in waitpid, reaping children, until init ends.
    static func waitBlocking(_ initPid: Int32, code: Int32, finishedAt: String?) -> (Int32, String) {
        if let finishedAt { return (code, finishedAt) }
        var code = code
        while true {
            var st: Int32 = 0
            let r = waitpid(-1, &st, 0)
            if r == initPid {
                code = exitCode(fromWaitStatus: st)
                break
            }
            if r < 0 {
                if errno == EINTR { continue }
                while kill(initPid, 0) == 0 { usleep(50_000) }
                break
            }
        }
        return (code, Timestamp.now())
    }

    /// The exit file's JSON, the shape of GantryRuntimeRunc's `ExitRecord` (escaped as `JSONEncoder` does; key order
    /// is not fixed, this is the declaration order). The runtime decodes it with `JSONDecoder`.
    static func exitRecord(exitCode: Int32, oomKilled: Bool, finishedAt: String) -> String {
        "{\"exitCode\":\(exitCode),\"oomKilled\":\(oomKilled),\"finishedAt\":\(JSONValue.quote(finishedAt))}"
    }

    static func fail(_ o: Options, _ message: String) -> Never {
        Sys.printError("runc-shim: \(message)")
        Sys.writeAtomically(message, to: "\(o.bundle)/\(createErrorFile)")
        exit(1)
    }

    /// `text` without leading and trailing whitespace and newlines.
    static func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
              let last = text.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(text[first...last])
    }

    /// `linux.cgroupsPath` from the bundle's `config.json`.
    static func readCgroupsPath(_ bundle: String) -> String? {
        guard let bytes = Sys.read("\(bundle)/config.json"), let spec = JSONValue.parse(bytes) else { return nil }
        return spec["linux"]?["cgroupsPath"]?.stringValue
    }

    /// The message of the last `error` (or `fatal`) entry in runc's JSON log.
    static func lastRuncError(_ path: String) -> String? {
        guard let bytes = Sys.read(path) else { return nil }
        return lastRuncError(log: bytes)
    }

    static func lastRuncError(log bytes: [UInt8]) -> String? {
        var message: String?
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let entry = JSONValue.parse(line),
                  entry["level"] == .string("error") || entry["level"] == .string("fatal"),
                  let msg = entry["msg"]?.stringValue else { continue }
            message = msg
        }
        return message
    }
}
