import Crypto
import Foundation
import GantryAPI

/// A validated `sha256:<64 hex>` content digest.
struct Digest: Hashable, Sendable, CustomStringConvertible {
    /// The 64 lowercase hex characters.
    let hex: String

    var description: String { "sha256:" + hex }

    init(hex: String) { self.hex = hex }

    /// Parses `sha256:<hex>`; other algorithms and malformed digests are rejected.
    init(parsing s: String) throws {
        guard s.hasPrefix("sha256:") else {
            if let colon = s.firstIndex(of: ":") {
                throw GantryError(.invalid, "unsupported digest algorithm \"\(s[..<colon])\" in \(s) (only sha256 is supported)")
            }
            throw GantryError(.invalid, "invalid digest \"\(s)\"")
        }
        let hex = s.dropFirst(7)
        guard hex.count == 64, hex.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }) else {
            throw GantryError(.invalid, "invalid digest \"\(s)\"")
        }
        self.hex = String(hex)
    }

    /// The digest of in-memory bytes.
    static func of(_ data: Data) -> Digest {
        Digest(hex: SHA256.hash(data: data).hexString)
    }

    /// Streams a file through SHA-256 (blocking; call off the cooperative pool). Returns digest and size.
    static func ofFile(_ path: String) throws -> (Digest, Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw posixError("cannot open \(path)") }
        defer { close(fd) }
        var hasher = SHA256()
        var total: Int64 = 0
        let bufSize = 1 << 20
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: bufSize, alignment: 16)
        defer { buf.deallocate() }
        while true {
            let n = read(fd, buf.baseAddress, bufSize)
            if n < 0 {
                if errno == EINTR { continue }
                throw posixError("cannot read \(path)")
            }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buf[0..<n]))
            total += Int64(n)
        }
        return (Digest(hex: hasher.finalize().hexString), total)
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A GantryError for a failed system call, carrying `strerror(errno)`.
func posixError(_ what: String, _ code: Int32 = errno) -> GantryError {
    GantryError(.internalError, "\(what): \(String(cString: strerror(code)))")
}
