#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Appends CRI-format lines to a container log file, rotating it by size.
final class CRILogWriter {
    let path: String
    let maxSize: Int
    private var fd: Int32 = -1
    private var size = 0

    /// Opens (creating it and its directory) the log at `path`; past `maxSize` bytes (0: never) it moves to
    /// `path.1`.
    init(path: String, maxSize: Int) {
        self.path = path
        self.maxSize = maxSize
        Sys.mkdirs(Sys.directory(of: path))
        reopen()
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    private func reopen() {
        if fd >= 0 { close(fd) }
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        var st = stat()
        size = fd >= 0 && fstat(fd, &st) == 0 ? Int(st.st_size) : 0
    }

    /// Writes one line: `<time> <stream> <F|P> <content>\n`, in one write(2).
    func write(stream: String, partial: Bool, content: some Collection<UInt8>) {
        if maxSize > 0, size >= maxSize {
            rename(path, path + ".1")
            reopen()
        }
        var line = Array("\(Timestamp.now()) \(stream) \(partial ? "P" : "F") ".utf8)
        line.reserveCapacity(line.count + content.count + 1)
        line += content
        line.append(UInt8(ascii: "\n"))
        Sys.writeAll(fd, line[...])
        size += line.count
    }
}

/// Splits a stream's bytes into CRI log lines: `F` for a full line, `P` for a piece of one longer than
/// 16 KiB or cut short at the end of the stream. A `\r` before the newline is dropped.
final class LineSplitter {
    static let maxLine = 16 * 1024
    let stream: String
    private var buffer: [UInt8] = []

    init(stream: String) { self.stream = stream }

    /// Adds `bytes` and writes every complete line (and every full 16 KiB piece).
    func feed(_ bytes: some Collection<UInt8>, into writer: CRILogWriter) {
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

/// The container's output streams on their way into the log: `(fd, "stdout"|"stderr")` each.
///
/// Not a thread: the shim's one loop polls these descriptors alongside its child-signal descriptor and calls
/// `copy(_:)` for the ones that are ready.
final class LogCopier {
    /// One entry per source; a closed source has fd -1 (which poll(2) ignores).
    private(set) var fds: [pollfd]
    private let splitters: [LineSplitter]
    private let writer: CRILogWriter
    /// A 64 KiB read buffer, left uninitialised so only the pages reads fill become resident.
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)

    init(sources: [(Int32, String)], writer: CRILogWriter) {
        fds = sources.map { pollfd(fd: $0.0, events: Int16(POLLIN), revents: 0) }
        splitters = sources.map { LineSplitter(stream: $0.1) }
        self.writer = writer
    }

    deinit { buffer.deallocate() }

    /// Whether any source is still open.
    var isOpen: Bool { fds.contains { $0.fd >= 0 } }

    /// Reads once from every source whose `revents` (from a poll of `ready`, in the same order) is set.
    func copy(_ ready: ArraySlice<pollfd>) {
        for (i, p) in zip(fds.indices, ready) where fds[i].fd >= 0 && p.revents != 0 {
            let n = read(fds[i].fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                splitters[i].feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), into: writer)
            } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                // EOF (or EIO on a pty master once the container's side is closed).
                finishSource(i)
            }
        }
    }

    /// Flushes and closes source `i`.
    private func finishSource(_ i: Int) {
        splitters[i].finish(into: writer)
        _ = close(fds[i].fd)
        fds[i].fd = -1
    }

    /// Copies until every source ends, blocking (the whole job, for tests and for a shim without a signalfd).
    func run() {
        while isOpen {
            var polled = fds
            let r = poll(&polled, nfds_t(polled.count), -1)
            if r < 0 {
                if errno == EINTR { continue }
                break
            }
            copy(polled[...])
        }
    }
}
