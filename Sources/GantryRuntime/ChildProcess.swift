import Foundation
import GantryAPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a finished child process produced.
public struct ChildOutput: Sendable {
    /// The exit code, or 128 + the signal that killed it.
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    /// It outlived its timeout and was killed.
    public var timedOut: Bool

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs helper programs (runc, CNI plugins, `ip`) with `posix_spawn`, on a thread of its own (`Blocking`), one
/// thread per call that writes the input, reads both outputs with `poll` and reaps the child.
///
/// Not Foundation's `Process`: it adds a close action to every spawn for each descriptor the process has open
/// (a node with a hundred pods has over a thousand), watches each child from a shared run loop, and crashed the
/// agent (a bad memcpy in `Process.run`) while a hundred pods were being deleted at once. Here the child gets
/// its three standard streams and, through `closefrom`, nothing else; every descriptor this creates is
/// close-on-exec, so concurrent spawns cannot leak each other's pipes.
public enum ChildProcess {
    /// Runs `path arguments` to completion. `environment` nil passes the agent's own; `stdin` is written to the
    /// child's standard input (/dev/null when empty). A child that outlives `timeout` is killed (SIGKILL) and
    /// reported with `timedOut`. Threads created here run at `niceness` (0–19; children inherit it).
    public static func run(_ path: String, _ arguments: [String], environment: [String: String]? = nil,
                           stdin: Data = Data(), timeout: Duration? = nil, niceness: Int32 = 0) async throws -> ChildOutput {
        try await Blocking.run {
            if niceness > 0 {
                // who = 0: the calling thread (Linux keeps nice values per thread, and children inherit theirs).
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
            }
            return try runBlocking(path, arguments, environment: environment, stdin: stdin, timeout: timeout)
        }
    }

    /// `run`, on the calling thread.
    public static func runBlocking(_ path: String, _ arguments: [String], environment: [String: String]? = nil,
                                   stdin: Data = Data(), timeout: Duration? = nil) throws -> ChildOutput {
        _ = ignoreSIGPIPE
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1], inPipe: [Int32] = [-1, -1]
        func closeAll() {
            for fd in outPipe + errPipe + inPipe where fd >= 0 { close(fd) }
        }
        guard makePipe(&outPipe), makePipe(&errPipe) else {
            let e = errno
            closeAll()
            throw GantryError(.internalError, "cannot run \(path): pipe: \(String(cString: strerror(e)))")
        }
        let stdinFD: Int32
        if stdin.isEmpty {
            inPipe[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)
            stdinFD = inPipe[0]
        } else {
            guard makePipe(&inPipe) else {
                let e = errno
                closeAll()
                throw GantryError(.internalError, "cannot run \(path): pipe: \(String(cString: strerror(e)))")
            }
            stdinFD = inPipe[0]
        }
        let env = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        let (pid, err) = spawn(path, arguments, environment: env, stdin: stdinFD, stdout: outPipe[1], stderr: errPipe[1])
        // The child has its copies; ours of its ends go.
        close(outPipe[1]); outPipe[1] = -1
        close(errPipe[1]); errPipe[1] = -1
        close(inPipe[0]); inPipe[0] = -1
        guard pid > 0 else {
            closeAll()
            throw GantryError(err == ENOENT ? .notFound : .unavailable, "cannot run \(path): \(String(cString: strerror(err)))")
        }

        var stdout = Data(), stderr = Data()
        let input = stdin.isEmpty ? [] : [UInt8](stdin)
        var written = 0
        if inPipe[1] >= 0 { _ = fcntl(inPipe[1], F_SETFL, fcntl(inPipe[1], F_GETFL) | O_NONBLOCK) }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var timedOut = false
        var exitStatus: Int32?
        /// When the child was seen to have exited while its output was still open (a grandchild holds it).
        var exitedAt: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 65536)

        while outPipe[0] >= 0 || errPipe[0] >= 0 {
            var fds: [pollfd] = []
            if outPipe[0] >= 0 { fds.append(pollfd(fd: outPipe[0], events: Int16(POLLIN), revents: 0)) }
            if errPipe[0] >= 0 { fds.append(pollfd(fd: errPipe[0], events: Int16(POLLIN), revents: 0)) }
            if inPipe[1] >= 0 { fds.append(pollfd(fd: inPipe[1], events: Int16(POLLOUT), revents: 0)) }
            // Wake at least every second: to kill at the deadline, and to notice a child that exited while a
            // grandchild keeps its output open.
            var wait = 1000
            if let deadline, !timedOut {
                wait = min(wait, max(0, Int((deadline - ContinuousClock.now) / .milliseconds(1))))
            }
            let n = poll(&fds, nfds_t(fds.count), Int32(wait))
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            for f in fds where f.revents != 0 {
                if f.fd == inPipe[1] {
                    let w = input.withUnsafeBytes { write(f.fd, $0.baseAddress! + written, input.count - written) }
                    if w > 0 { written += w }
                    if written >= input.count || (w < 0 && errno != EAGAIN && errno != EINTR) {
                        close(inPipe[1])
                        inPipe[1] = -1
                    }
                    continue
                }
                let r = read(f.fd, &buffer, buffer.count)
                if r > 0 {
                    if f.fd == outPipe[0] { stdout.append(contentsOf: buffer[0..<r]) } else { stderr.append(contentsOf: buffer[0..<r]) }
                } else if r == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(f.fd)
                    if f.fd == outPipe[0] { outPipe[0] = -1 } else { errPipe[0] = -1 }
                }
            }
            if exitStatus == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    exitStatus = status
                    exitedAt = .now
                } else if let deadline, !timedOut, ContinuousClock.now >= deadline {
                    // The whole process group: a grandchild holding the output goes too.
                    timedOut = true
                    kill(-pid, SIGKILL)
                    kill(pid, SIGKILL)
                }
            }
            // Output held open by a grandchild after the child ended: stop reading after 5 s.
            if let exitedAt, ContinuousClock.now - exitedAt > .seconds(5) { break }
        }
        closeAll()
        var status: Int32 = 0
        if let exitStatus {
            status = exitStatus
        } else {
            // Both outputs closed (or poll failed) with the child still running: wait, killing it at the deadline.
            while true {
                let r = waitpid(pid, &status, deadline == nil || timedOut ? 0 : WNOHANG)
                if r == pid { break }
                if r < 0, errno != EINTR {
                    status = 255 << 8  // not ours to reap: report a failure, not success
                    break
                }
                if r == 0 {
                    if let deadline, ContinuousClock.now >= deadline {
                        timedOut = true
                        kill(-pid, SIGKILL)
                        kill(pid, SIGKILL)
                    } else {
                        usleep(5_000)
                    }
                }
            }
        }
        return ChildOutput(status: exitCode(fromWaitStatus: status), stdout: stdout, stderr: stderr, timedOut: timedOut)
    }

    /// Starts `path arguments` with the given standard streams and nothing else inherited (close-from 3), all
    /// signals at their defaults and unblocked, in a process group of its own (a ^C meant for gantry must not
    /// cut a runc call short). `environment` nil passes the agent's own. Returns the pid, or -1 and the error.
    public static func spawn(_ path: String, _ arguments: [String], environment: [String]?, stdin: Int32, stdout: Int32,
                             stderr: Int32) -> (pid: pid_t, error: Int32) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let addCloseFrom { _ = addCloseFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc: Int32
        if let environment {
            let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
            defer { envp.forEach { free($0) } }
            rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        } else {
            rc = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        }
        return rc == 0 ? (pid, 0) : (-1, rc)
    }

    /// Starts a background program (a server): standard input from /dev/null, standard output and error appended
    /// to `log` (created 0600 if missing; nil discards them). Returns its pid; reap it with `waitpid`.
    public static func spawnDaemon(_ path: String, _ arguments: [String], environment: [String: String]? = nil,
                                   log: String?) throws -> pid_t {
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let output = log.map { open($0, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600) } ?? open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer {
            if input >= 0 { close(input) }
            if output >= 0 { close(output) }
        }
        guard input >= 0, output >= 0 else {
            throw GantryError(.internalError, "cannot start \(path): cannot open \(log ?? "/dev/null"): \(String(cString: strerror(errno)))")
        }
        let env = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        let (pid, error) = spawn(path, arguments, environment: env, stdin: input, stdout: output, stderr: output)
        guard pid > 0 else { throw GantryError(.unavailable, "cannot start \(path): \(String(cString: strerror(error)))") }
        return pid
    }

    /// Blocks until `pid` exits; returns its exit code (or 128 + signal).
    public static func waitBlocking(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 255 }
        }
        return exitCode(fromWaitStatus: status)
    }

    /// The exit code of a `wait` status, or 128 + the signal that ended the process.
    public static func exitCode(fromWaitStatus status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// A pipe whose two ends are close-on-exec (`pipe2(O_CLOEXEC)`, which Swift's Glibc module does not export).
    public static func makePipe(_ fds: inout [Int32]) -> Bool {
        fds = [-1, -1]
        if let pipe2 = pipe2Function {
            return fds.withUnsafeMutableBufferPointer { pipe2($0.baseAddress!, O_CLOEXEC) } == 0
        }
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    private static let pipe2Function: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32).self)
    }()

    /// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`, looked up at run time (not in every libc's headers).
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            return nil
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Writing to a child that has exited must give EPIPE, not kill the agent.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
}
