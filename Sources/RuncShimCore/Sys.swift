#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few libc services the shim needs, without Foundation: files, directories, processes, sockets.
enum Sys {
    /// `strerror(err)` as a string.
    static func errorString(_ err: Int32 = errno) -> String { String(cString: strerror(err)) }

    /// Writes `message` and a newline to stderr.
    static func printError(_ message: String) {
        _ = writeAll(2, Array((message + "\n").utf8)[...])
    }

    /// Writes every byte of `bytes` to `fd`, retrying on EINTR; false on any other error.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }

    /// The whole content of the file at `path`, or nil if it cannot be read.
    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        let chunk = 16 * 1024
        while true {
            let start = result.count
            result.append(contentsOf: repeatElement(0, count: chunk))
            let n = result.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + start, chunk) }
            if n < 0 {
                result.removeLast(chunk)
                if errno == EINTR { continue }
                return nil
            }
            result.removeLast(chunk - n)
            if n == 0 { return result }
        }
    }

    /// The file at `path` as UTF-8 text (invalid bytes repaired), or nil if it cannot be read.
    static func readString(_ path: String) -> String? {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes `bytes` to a temporary file next to `path` and renames it over `path`.
    @discardableResult
    static func writeAtomically(_ bytes: [UInt8], to path: String) -> Bool {
        let tmp = path + ".tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { return false }
        let written = writeAll(fd, bytes[...])
        close(fd)
        guard written, rename(tmp, path) == 0 else {
            unlink(tmp)
            return false
        }
        return true
    }

    /// Writes `text` atomically (see `writeAtomically(_:to:)`).
    @discardableResult
    static func writeAtomically(_ text: String, to path: String) -> Bool {
        writeAtomically(Array(text.utf8), to: path)
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Whether `path` is a regular file this process may execute.
    static func isExecutable(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    /// Resolves a command name through `PATH` (a name with a `/` is taken as a path).
    static func resolveExecutable(_ name: String) -> String? {
        if name.contains("/") { return isExecutable(name) ? name : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if isExecutable(candidate) { return candidate }
        }
        return nil
    }

    /// Creates `path` and its missing parents (mode 0777 less the umask, as `mkdir -p`).
    static func mkdirs(_ path: String) {
        guard !path.isEmpty else { return }
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o777) != 0 && errno != EEXIST { return }
        }
    }

    /// The directory part of `path` (`dirname`, without touching the file system).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The names in directory `path`, without `.` and `..` (empty if it cannot be read).
    static func listDirectory(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// The target of the symbolic link at `path`.
    static func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The value of the environment variable `name`.
    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// This process's environment as `NAME=value` strings, with `name` set to `value`.
    static func environment(setting name: String, to value: String) -> [String] {
        var result: [String] = []
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if !s.hasPrefix(name + "=") { result.append(s) }
            p += 1
        }
        result.append("\(name)=\(value)")
        return result
    }

    /// pipe(2) with both ends close-on-exec.
    static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// Reads what `fd` holds now without blocking (for runc's error output once it has exited).
    static func drainNonBlocking(_ fd: Int32) -> String {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = Glibc.read(fd, &buf, buf.count)
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

    private typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    private typealias SignalFD = @convention(c) (Int32, UnsafePointer<sigset_t>?, Int32) -> Int32

    /// `prctl(option, a2, a3, a4, a5)` (variadic in C, so Swift cannot import it: called through dlsym).
    static func prctl(_ option: Int32, _ a2: UInt = 0, _ a3: UInt = 0, _ a4: UInt = 0, _ a5: UInt = 0) -> Int32 {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return -1 }
        return unsafeBitCast(sym, to: Prctl.self)(option, a2, a3, a4, a5)
    }

    /// A non-blocking, close-on-exec `signalfd` for the (blocked) signals in `mask`; -1 if unavailable.
    /// (Glibc's module map leaves out sys/signalfd.h, so it is called through dlsym.)
    static func signalFD(_ mask: sigset_t) -> Int32 {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "signalfd") else { return -1 }
        var mask = mask
        return unsafeBitCast(sym, to: SignalFD.self)(-1, &mask, O_NONBLOCK | O_CLOEXEC)
    }

    /// Milliseconds on the monotonic clock.
    static func monotonicMilliseconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int(ts.tv_sec) * 1000 + Int(ts.tv_nsec) / 1_000_000
    }
}

/// Decodes a `wait` status: the exit code, or 128 + the signal for a killed process.
func exitCode(fromWaitStatus status: Int32) -> Int32 {
    let signal = status & 0x7f
    if signal == 0 { return (status >> 8) & 0xff }
    return 128 + signal
}

/// RFC 3339 timestamps with nanoseconds, as the CRI log format and runc use them.
public enum Timestamp {
    /// Now, as `2024-01-02T03:04:05.123456789Z`.
    public static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return format(seconds: Int(ts.tv_sec), nanoseconds: Int(ts.tv_nsec))
    }

    /// `seconds` since the epoch plus `nanoseconds`, in UTC.
    public static func format(seconds: Int, nanoseconds: Int) -> String {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(Int(tm.tm_year) + 1900, 4))-\(pad(Int(tm.tm_mon) + 1, 2))-\(pad(Int(tm.tm_mday), 2))T"
            + "\(pad(Int(tm.tm_hour), 2)):\(pad(Int(tm.tm_min), 2)):\(pad(Int(tm.tm_sec), 2)).\(pad(nanoseconds, 9))Z"
    }
}

/// The cgroup facts the shim reads.
enum Cgroups {
    /// True on a pure cgroup v2 (unified) host.
    static var isUnified: Bool { Sys.exists("/sys/fs/cgroup/cgroup.controllers") }

    /// How many times the OOM killer has killed a process in the cgroup at `cgroupsPath` (nil when unknown).
    static func oomKillCount(cgroupsPath: String) -> Int? {
        let file = isUnified
            ? "/sys/fs/cgroup\(cgroupsPath)/memory.events"
            : "/sys/fs/cgroup/memory\(cgroupsPath)/memory.oom_control"
        guard let text = Sys.readString(file) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == "oom_kill" { return Int(parts[1]) }
        }
        return nil
    }
}
