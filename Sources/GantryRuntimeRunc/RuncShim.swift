import Foundation
import GantryAPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The per-container supervisor (the role of conmon / containerd-shim), run as
/// `gantry runc-shim --root R --bundle B --id ID --log PATH --exit-file F [--tty] [--runc PATH]`.
///
/// The standalone `runc-shim` executable (Sources/RuncShimCore, no Foundation, a fraction of the memory) does
/// the same with the same flags and files, and is preferred when installed next to `gantry`; this one is the
/// fallback. Keep the two in step: the runtime reads what either writes.
///
/// It lets containers outlive the agent and gives them CRI-format logs and a durable exit status:
/// 1. Stage one re-executes itself (`/proc/self/exe`, same arguments) as a new session and exits at
///    once, so the shim is nobody's child but init's (no fork in a possibly multi-threaded process).
/// 2. Stage two makes itself a child subreaper, then runs `runc create --pid-file` with its stdout and
///    stderr connected to pipes (with `--tty`, it receives the pty master over a `--console-socket`).
///    When `runc create` exits, the container's init process is re-parented to the shim. It then writes
///    `shim.ready` in the bundle (or `create-error` with runc's message, and exits 1).
/// 3. The agent runs `runc start`. The shim copies the pipes into the log file as CRI lines
///    (`<RFC3339Nano> stdout|stderr F|P <text>`; `P` marks a line split at 16 KiB or cut short at EOF),
///    rotating it to `PATH.1` past `--log-max-size` bytes (10 MiB by default).
/// 4. When init ends, the shim reaps it, reads the cgroup's `oom_kill` counter (the cgroup still
///    exists because the container was made with `create`, not `run`; `runc delete` removes it
///    later), and atomically writes `{"exitCode","oomKilled","finishedAt"}` to the exit file.
public enum RuncShim {
    /// Environment variable marking the detached second stage.
    static let stageVariable = "GANTRY_RUNC_SHIM_STAGE"
    /// Bundle files the shim writes.
    static let pidFile = "shim.pid"
    static let readyFile = "shim.ready"
    static let createErrorFile = "create-error"
    static let initPidFile = "init.pid"
    static let runcLogFile = "runc.log"

    struct Options {
        var runc = "runc"
        var root = ""
        var bundle = ""
        var id = ""
        var log = ""
        var exitFile = ""
        var tty = false
        var logMaxSize = 10 * 1024 * 1024
    }

    /// Runs the shim with the process's arguments (any leading words before the first `--flag`, such
    /// as the program name and `runc-shim`, are ignored). Never returns.
    public static func main(_ args: [String]) -> Never {
        guard let options = parse(args) else {
            printError("usage: runc-shim --root DIR --bundle DIR --id ID --log PATH --exit-file PATH [--tty] [--runc PATH] [--log-max-size BYTES]")
            exit(2)
        }
        // Whoever started us may have leaked descriptors (Foundation's Process gives each child one end of
        // a socket pair and treats its closing as the child's exit): keep them from runc and the container.
        if ProcessInfo.processInfo.environment[stageVariable] != "2" {
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
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for name in fds {
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
            default: return nil
            }
            i += 1
        }
        guard !o.root.isEmpty, !o.bundle.isEmpty, !o.id.isEmpty, !o.log.isEmpty, !o.exitFile.isEmpty else { return nil }
        return o
    }

    /// Stage one: start stage two as a detached copy of this process and report whether that worked.
    static func detach(_ args: [String]) -> Int32 {
        var env = ProcessInfo.processInfo.environment
        env[stageVariable] = "2"
        let devnull = open("/dev/null", O_RDWR | O_CLOEXEC)
        // The real path (not /proc/self/exe) so `ps` shows the program's name.
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
        let (pid, err) = spawn(exe, argv0: args.first ?? "runc-shim", Array(args.dropFirst()),
                               env: env.map { "\($0.key)=\($0.value)" },
                               stdin: devnull, stdout: 1, stderr: 2)
        guard pid > 0 else {
            printError("runc-shim: cannot start the detached shim: \(String(cString: strerror(err)))")
            return 1
        }
        return 0
    }

    /// Stage two: create the container, supervise it, record its exit.
    static func supervise(_ o: Options) -> Never {
        setsid()
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
        signal(SIGPIPE, SIG_IGN)
        signal(SIGHUP, SIG_IGN)
        if Libc.prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1) != 0 {
            fail(o, "cannot become a child subreaper: \(String(cString: strerror(errno)))")
        }
        let bundle = o.bundle
        try? FS.writeAtomically(Data("\(getpid())".utf8), to: "\(bundle)/\(pidFile)")
        guard let runc = FS.resolveExecutable(o.runc) else {
            fail(o, "runc is not installed: \(o.runc) not found; install the runc package")
        }

        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard makePipe(&outPipe), makePipe(&errPipe) else {
            fail(o, "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        var consoleListener: Int32 = -1
        var socketPath = ""
        if o.tty {
            socketPath = "/tmp/gantry-shim-\(getpid()).sock"
            consoleListener = listenUnix(socketPath)
            if consoleListener < 0 { fail(o, "cannot listen on console socket \(socketPath): \(String(cString: strerror(errno)))") }
        }

        var args = ["--root", o.root, "--log", "\(bundle)/\(runcLogFile)", "--log-format", "json",
                    "create", "--bundle", bundle, "--pid-file", "\(bundle)/\(initPidFile)"]
        if o.tty { args += ["--console-socket", socketPath] }
        args.append(o.id)
        let devnull = open("/dev/null", O_RDWR | O_CLOEXEC)
        let (runcPid, spawnErr) = spawn(runc, argv0: runc, args, env: nil, stdin: devnull,
                                        stdout: o.tty ? devnull : outPipe[1], stderr: errPipe[1])
        close(outPipe[1])
        close(errPipe[1])
        guard runcPid > 0 else { fail(o, "cannot run \(runc): \(String(cString: strerror(spawnErr)))") }

        var master: Int32 = -1
        var status: Int32 = 0
        if o.tty {
            while true {
                var p = pollfd(fd: consoleListener, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, 20) > 0, master < 0 {
                    let conn = accept(consoleListener, nil, nil)
                    if conn >= 0 {
                        master = receiveFD(conn)
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
            var message = drainNonBlocking(errPipe[0]) + drainNonBlocking(outPipe[0])
            message = message.trimmingCharacters(in: .whitespacesAndNewlines)
            if message.isEmpty { message = lastRuncError("\(bundle)/\(runcLogFile)") ?? "" }
            if message.isEmpty { message = "runc exited with status \(exitCode(fromWaitStatus: status))" }
            try? FS.writeAtomically(Data(message.utf8), to: "\(bundle)/\(createErrorFile)")
            exit(1)
        }
        if o.tty && master < 0 {
            fail(o, "runc did not send the container's terminal over the console socket")
        }
        guard let pidText = FS.readString("\(bundle)/\(initPidFile)"),
              let initPid = Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            fail(o, "runc create did not write the init pid file")
        }

        // Copy output into the CRI log.
        let writer = CRILogWriter(path: o.log, maxSize: o.logMaxSize)
        let sources: [(Int32, String)] = o.tty ? [(master, "stdout")] : [(outPipe[0], "stdout"), (errPipe[0], "stderr")]
        if o.tty {
            close(outPipe[0])
        }
        let copied = DispatchSemaphore(value: 0)
        let copier = LogCopier(sources: sources, writer: writer)
        DispatchQueue.global().async {
            copier.run()
            copied.signal()
        }
        try? FS.writeAtomically(Data("\(initPid)".utf8), to: "\(bundle)/\(readyFile)")

        // Reap everything re-parented to us until init ends.
        var code: Int32 = 255
        while true {
            var st: Int32 = 0
            let r = waitpid(-1, &st, 0)
            if r == initPid {
                code = exitCode(fromWaitStatus: st)
                break
            }
            if r < 0 {
                if errno == EINTR { continue }
                // Init is not our child (no subreaper?): poll until it is gone.
                while kill(initPid, 0) == 0 { usleep(50_000) }
                break
            }
        }
        let finishedAt = Timestamp.now()
        // Every process of the container's pid namespace dies with init, so the pipes close promptly.
        _ = copied.wait(timeout: .now() + 5)
        let cgroupsPath = readCgroupsPath(bundle) ?? ""
        let oom = (Cgroups.oomKillCount(cgroupsPath: cgroupsPath) ?? 0) > 0
        let record = ExitRecord(exitCode: code, oomKilled: oom, finishedAt: finishedAt)
        if let data = try? JSONEncoder().encode(record) {
            try? FS.writeAtomically(data, to: o.exitFile)
        }
        exit(0)
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// pipe(2) with both ends close-on-exec.
    static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    static func fail(_ o: Options, _ message: String) -> Never {
        printError("runc-shim: \(message)")
        try? FS.writeAtomically(Data(message.utf8), to: "\(o.bundle)/\(createErrorFile)")
        exit(1)
    }

    static func readCgroupsPath(_ bundle: String) -> String? {
        guard let data = FS.read("\(bundle)/config.json"),
              let spec = try? JSONDecoder().decode(OCISpec.self, from: data) else { return nil }
        return spec.linux.cgroupsPath
    }

    /// The message of the last `error` entry in runc's JSON log.
    static func lastRuncError(_ path: String) -> String? {
        guard let text = FS.readString(path) else { return nil }
        var message: String?
        for line in text.split(separator: "\n") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  obj["level"] as? String == "error" || obj["level"] as? String == "fatal",
                  let msg = obj["msg"] as? String else { continue }
            message = msg
        }
        return message
    }

    static func drainNonBlocking(_ fd: Int32) -> String {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            data += buf[0..<n]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// posix_spawn with the given standard streams, all signals at their defaults and none blocked.
    static func spawn(_ path: String, argv0: String, _ args: [String], env: [String]?, stdin: Int32, stdout: Int32,
                      stderr: Int32) -> (pid_t, Int32) {
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_adddup2(&fa, stdin, 0)
        posix_spawn_file_actions_adddup2(&fa, stdout, 1)
        posix_spawn_file_actions_adddup2(&fa, stderr, 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attr, &mask)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([argv0] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc: Int32
        if let env {
            let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
            defer { envp.forEach { free($0) } }
            rc = posix_spawn(&pid, path, &fa, &attr, argv, envp)
        } else {
            rc = posix_spawn(&pid, path, &fa, &attr, argv, environ)
        }
        return rc == 0 ? (pid, 0) : (-1, rc)
    }

    /// A listening unix stream socket at `path`.
    static func listenUnix(_ path: String) -> Int32 {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { close(fd); return -1 }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
        guard ok, listen(fd, 1) == 0 else { close(fd); return -1 }
        return fd
    }

    /// Receives one file descriptor sent with SCM_RIGHTS on `socket` (-1 on failure).
    static func receiveFD(_ socket: Int32) -> Int32 {
        var data = [UInt8](repeating: 0, count: 4096)
        // CMSG_SPACE(sizeof(int)) on LP64: a 16-byte cmsghdr plus the int padded to 8.
        var control = [UInt8](repeating: 0, count: 64)
        let received: Int = data.withUnsafeMutableBytes { dataBuf in
            control.withUnsafeMutableBytes { controlBuf in
                var iov = iovec(iov_base: dataBuf.baseAddress, iov_len: dataBuf.count)
                return withUnsafeMutablePointer(to: &iov) { iovPtr in
                    var msg = msghdr()
                    msg.msg_iov = iovPtr
                    msg.msg_iovlen = 1
                    msg.msg_control = controlBuf.baseAddress
                    msg.msg_controllen = controlBuf.count
                    let n = recvmsg(socket, &msg, Int32(MSG_CMSG_CLOEXEC))
                    return n < 0 ? -1 : msg.msg_controllen
                }
            }
        }
        let headerSize = MemoryLayout<Int>.size + 8  // cmsg_len (size_t) + level + type
        guard received >= headerSize + 4 else { return -1 }
        return control.withUnsafeBytes { raw -> Int32 in
            let level = raw.load(fromByteOffset: MemoryLayout<Int>.size, as: Int32.self)
            let type = raw.load(fromByteOffset: MemoryLayout<Int>.size + 4, as: Int32.self)
            guard level == SOL_SOCKET, type == Int32(SCM_RIGHTS) else { return -1 }
            return raw.load(fromByteOffset: headerSize, as: Int32.self)
        }
    }
}

/// Appends CRI-format lines to a container log file, rotating it by size.
final class CRILogWriter: @unchecked Sendable {
    let path: String
    let maxSize: Int
    private var fd: Int32 = -1
    private var size = 0

    init(path: String, maxSize: Int) {
        self.path = path
        self.maxSize = maxSize
        try? FS.mkdirs((path as NSString).deletingLastPathComponent)
        reopen()
    }

    private func reopen() {
        if fd >= 0 { close(fd) }
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        var st = stat()
        size = fd >= 0 && fstat(fd, &st) == 0 ? Int(st.st_size) : 0
    }

    /// Writes one line: `<time> <stream> <F|P> <content>\n`.
    func write(stream: String, partial: Bool, content: ArraySlice<UInt8>) {
        if maxSize > 0, size >= maxSize {
            rename(path, path + ".1")
            reopen()
        }
        var line = Array("\(Timestamp.now()) \(stream) \(partial ? "P" : "F") ".utf8)
        line += content
        line.append(UInt8(ascii: "\n"))
        var offset = 0
        line.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
        size += line.count
    }
}

/// Splits a stream's bytes into CRI log lines.
final class LineSplitter: @unchecked Sendable {
    static let maxLine = 16 * 1024
    let stream: String
    private var buffer: [UInt8] = []

    init(stream: String) { self.stream = stream }

    func feed(_ bytes: ArraySlice<UInt8>, into writer: CRILogWriter) {
        buffer += bytes
        var start = 0
        while let nl = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var end = nl
            if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            var s = start
            while end - s > Self.maxLine {
                writer.write(stream: stream, partial: true, content: buffer[s..<(s + Self.maxLine)])
                s += Self.maxLine
            }
            writer.write(stream: stream, partial: false, content: buffer[s..<end])
            start = nl + 1
        }
        while buffer.count - start >= Self.maxLine {
            writer.write(stream: stream, partial: true, content: buffer[start..<(start + Self.maxLine)])
            start += Self.maxLine
        }
        buffer.removeFirst(start)
    }

    /// Flushes what is left at end of stream as a partial line.
    func finish(into writer: CRILogWriter) {
        if !buffer.isEmpty { writer.write(stream: stream, partial: true, content: buffer[...]) }
        buffer.removeAll()
    }
}

/// Copies the container's output streams into the log until they all end.
final class LogCopier: @unchecked Sendable {
    private var fds: [pollfd]
    private let splitters: [LineSplitter]
    private let writer: CRILogWriter

    init(sources: [(Int32, String)], writer: CRILogWriter) {
        fds = sources.map { pollfd(fd: $0.0, events: Int16(POLLIN), revents: 0) }
        splitters = sources.map { LineSplitter(stream: $0.1) }
        self.writer = writer
    }

    func run() {
        var buf = [UInt8](repeating: 0, count: 65536)
        while fds.contains(where: { $0.fd >= 0 }) {
            let r = poll(&fds, nfds_t(fds.count), -1)
            if r < 0 {
                if errno == EINTR { continue }
                break
            }
            for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = read(fds[i].fd, &buf, buf.count)
                if n > 0 {
                    splitters[i].feed(buf[0..<n], into: writer)
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    // EOF (or EIO on a pty master once the container's side is closed).
                    splitters[i].finish(into: writer)
                    close(fds[i].fd)
                    fds[i].fd = -1
                }
            }
        }
    }
}
