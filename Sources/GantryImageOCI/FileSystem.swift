import Dispatch
import Foundation
import GantryAPI

/// Runs blocking work (extraction, hashing, tree removal) on a Dispatch global queue so it never
/// occupies a thread of Swift's cooperative pool.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
        DispatchQueue.global(qos: .utility).async {
            do { cont.resume(returning: try body()) } catch { cont.resume(throwing: error) }
        }
    }
}

enum FS {
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// `mkdir -p` with the given mode for the directories it creates.
    static func mkdirs(_ path: String, mode: mode_t = 0o755) throws {
        if isDirectory(path) { return }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: Int(mode)])
        } catch {
            throw GantryError(.internalError, "cannot create directory \(path)", cause: error)
        }
    }

    /// `rm -rf` (blocking). A missing path is fine.
    static func removeTree(_ path: String) throws {
        guard exists(path) else { return }
        do { try FileManager.default.removeItem(atPath: path) } catch {
            if !exists(path) { return }
            throw GantryError(.internalError, "cannot remove \(path)", cause: error)
        }
    }

    /// Writes `data` to `path` atomically: a temp file in the same directory, fsync, rename.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let tmp = path + ".tmp-" + UUID().uuidString
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw posixError("cannot create \(tmp)") }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        do {
            defer { close(fd) }
            try writeAll(fd, data, path: tmp)
            guard fsync(fd) == 0 else { throw posixError("cannot sync \(tmp)") }
        }
        guard rename(tmp, path) == 0 else { throw posixError("cannot rename \(tmp) to \(path)") }
        ok = true
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            try writeAll(fd, raw, path: path)
        }
    }

    static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer, path: String) throws {
        var off = 0
        while off < raw.count {
            let n = write(fd, raw.baseAddress! + off, raw.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw posixError("cannot write \(path)")
            }
            off += n
        }
    }

    /// Entries of a directory (names), empty if it does not exist.
    static func list(_ path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    /// Resolves symlinks in `path` (which must exist).
    static func realPath(_ path: String) throws -> String {
        guard let p = realpath(path, nil) else { throw posixError("cannot resolve \(path)") }
        defer { free(p) }
        return String(cString: p)
    }

    /// Size in bytes of a regular file, or nil.
    static func fileSize(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }
}
