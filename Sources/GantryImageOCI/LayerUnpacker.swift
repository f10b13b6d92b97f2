import CArchive
import Foundation
import GantryAPI

/// Extracts tar archives with libarchive. Blocking: call through `offload`.
enum Unpacker {
    /// The OCI whiteout prefix and the opaque-directory marker.
    static let whiteoutPrefix = ".wh."
    static let opaqueMarker = ".wh..wh..opq"

    /// Turns a tar member name into a path relative to the extraction root, or throws if it escapes.
    /// Leading `/` and `.` components are dropped, as tar does; `..` is refused.
    static func sanitize(_ raw: String, what: String) throws -> String {
        var parts: [Substring] = []
        for c in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if c == "." { continue }
            if c == ".." {
                throw GantryError(.invalid, "\(what): entry \"\(raw)\" escapes the root (path traversal)")
            }
            parts.append(c)
        }
        return parts.joined(separator: "/")
    }

    /// Extracts an OCI layer blob into `dest` (an existing, empty directory) as an overlayfs lower layer:
    /// ownership, modes, times and xattrs kept; `.wh.<name>` becomes a 0/0 character device and
    /// `.wh..wh..opq` sets `trusted.overlay.opaque=y` on its directory.
    static func unpackLayer(blob: String, compression: LayerCompression, into dest: String, what: String) throws {
        try extract(archivePath: blob, into: dest, compression: compression, layer: true, what: what)
    }

    /// Extracts a plain archive (an image archive to import): no whiteout handling, no ownership.
    static func extractArchive(_ path: String, into dest: String) throws {
        try extract(archivePath: path, into: dest, compression: nil, layer: false, what: "archive \(path)")
    }

    private static func extract(archivePath: String, into destDir: String, compression: LayerCompression?,
                                layer: Bool, what: String) throws
    {
        let dest = try FS.realPath(destDir)
        guard let reader = archive_read_new() else { throw GantryError(.internalError, "libarchive: out of memory") }
        defer { archive_read_free(reader) }
        switch compression {
        case .zstd?:
            let r = archive_read_support_filter_zstd(reader)
            if r != ARCHIVE_OK && r != ARCHIVE_WARN {
                throw GantryError(.invalid, "\(what): zstd-compressed layers are not supported by this libarchive "
                    + "(\(errorString(reader))); rebuild libarchive with zstd or use gzip layers")
            }
        case .gzip?:
            archive_read_support_filter_gzip(reader)
        case .plain?:
            break
        case nil:
            archive_read_support_filter_all(reader)
        }
        // Registries mislabel compression often enough; detect what is really there.
        archive_read_support_filter_gzip(reader)
        archive_read_support_filter_zstd(reader)
        archive_read_support_format_tar(reader)
        guard archive_read_open_filename(reader, archivePath, 1 << 16) == ARCHIVE_OK else {
            throw GantryError(.invalid, "\(what): cannot open: \(errorString(reader))")
        }

        guard let writer = archive_write_disk_new() else { throw GantryError(.internalError, "libarchive: out of memory") }
        defer { archive_write_free(writer) }
        var flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS
            | ARCHIVE_EXTRACT_SECURE_NODOTDOT
        if layer { flags |= ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL }
        archive_write_disk_set_options(writer, flags)
        // No user/group lookup: numeric ids from the layer are kept as they are.

        var opaqueDirs: [String] = []
        /// Paths whited out by this layer; a directory this layer then creates there replaces the
        /// lower one entirely, which overlayfs expresses as an opaque directory.
        var whiteouts = Set<String>()
        var entry: OpaquePointer?
        while true {
            let r = archive_read_next_header(reader, &entry)
            if r == ARCHIVE_EOF { break }
            if r < ARCHIVE_WARN { throw GantryError(.invalid, "\(what): corrupt archive: \(errorString(reader))") }
            guard let entry, let namePtr = archive_entry_pathname(entry) else { continue }
            let rel = try sanitize(String(cString: namePtr), what: what)
            let base = rel.split(separator: "/").last.map(String.init) ?? ""
            let parent = rel.split(separator: "/").dropLast().joined(separator: "/")

            if layer, base == opaqueMarker {
                opaqueDirs.append(parent)
                continue
            }
            if layer, base.hasPrefix(whiteoutPrefix) {
                let hidden = String(base.dropFirst(whiteoutPrefix.count))
                guard !hidden.isEmpty, hidden != ".", hidden != ".." else {
                    throw GantryError(.invalid, "\(what): invalid whiteout \"\(rel)\"")
                }
                let hiddenRel = parent.isEmpty ? hidden : parent + "/" + hidden
                var st = stat()
                if lstat(join(dest, hiddenRel), &st) == 0 {
                    // The same layer already holds this path: it hides the lower one by itself; a
                    // directory must additionally hide the lower directory's contents.
                    if (st.st_mode & S_IFMT) == S_IFDIR { opaqueDirs.append(hiddenRel) }
                } else {
                    try writeWhiteout(writer, at: join(dest, hiddenRel), like: entry, what: what)
                    whiteouts.insert(hiddenRel)
                }
                continue
            }

            if layer, whiteouts.contains(rel), archive_entry_filetype(entry) == 0o040000 { opaqueDirs.append(rel) }
            archive_entry_copy_pathname(entry, join(dest, rel))
            if let target = archive_entry_hardlink(entry) {
                let t = try sanitize(String(cString: target), what: what)
                archive_entry_copy_hardlink(entry, join(dest, t))
            }
            if layer { dropOverlayXattrs(entry) }
            let w = archive_write_header(writer, entry)
            if w < ARCHIVE_WARN {
                throw GantryError(.invalid, "\(what): cannot extract \"\(rel)\": \(errorString(writer))")
            }
            if w >= ARCHIVE_WARN, archive_entry_size(entry) > 0 {
                try copyData(reader, writer, what: what, rel: rel)
            }
            if archive_write_finish_entry(writer) < ARCHIVE_WARN {
                throw GantryError(.invalid, "\(what): cannot finish \"\(rel)\": \(errorString(writer))")
            }
        }
        for dir in Set(opaqueDirs) {
            try markOpaque(writer, root: dest, rel: dir, what: what)
        }
        if archive_write_close(writer) < ARCHIVE_WARN {
            throw GantryError(.invalid, "\(what): \(errorString(writer))")
        }
    }

    private static func join(_ dest: String, _ rel: String) -> String {
        rel.isEmpty ? dest : dest + "/" + rel
    }

    private static func copyData(_ reader: OpaquePointer, _ writer: OpaquePointer, what: String, rel: String) throws {
        var buf: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let r = archive_read_data_block(reader, &buf, &size, &offset)
            if r == ARCHIVE_EOF { return }
            if r < ARCHIVE_WARN { throw GantryError(.invalid, "\(what): reading \"\(rel)\": \(errorString(reader))") }
            if archive_write_data_block(writer, buf, size, offset) < ARCHIVE_WARN {
                throw GantryError(.internalError, "\(what): writing \"\(rel)\": \(errorString(writer))")
            }
        }
    }

    /// An overlayfs whiteout: a character device with device number 0/0.
    private static func writeWhiteout(_ writer: OpaquePointer, at path: String, like original: OpaquePointer,
                                      what: String) throws
    {
        guard let wh = archive_entry_new() else { throw GantryError(.internalError, "libarchive: out of memory") }
        defer { archive_entry_free(wh) }
        archive_entry_copy_pathname(wh, path)
        archive_entry_set_filetype(wh, 0o020000)  // AE_IFCHR
        archive_entry_set_perm(wh, 0)
        archive_entry_set_rdev(wh, 0)
        archive_entry_set_uid(wh, archive_entry_uid(original))
        archive_entry_set_gid(wh, archive_entry_gid(original))
        archive_entry_set_mtime(wh, archive_entry_mtime(original), archive_entry_mtime_nsec(original))
        if archive_write_header(writer, wh) < ARCHIVE_WARN {
            throw GantryError(.invalid, "\(what): cannot create whiteout \(path): \(errorString(writer))")
        }
        archive_write_finish_entry(writer)
    }

    /// Sets `trusted.overlay.opaque=y` on `root/rel` through libarchive (which refuses to write through
    /// symlinks), keeping the directory's owner, mode and times; creates the directory if missing.
    private static func markOpaque(_ writer: OpaquePointer, root: String, rel: String, what: String) throws {
        let path = join(root, rel)
        guard let e = archive_entry_new() else { throw GantryError(.internalError, "libarchive: out of memory") }
        defer { archive_entry_free(e) }
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw GantryError(.invalid, "\(what): opaque marker in \"\(rel)\", which is not a directory")
            }
            archive_entry_copy_stat(e, &st)
        } else {
            archive_entry_set_filetype(e, 0o040000)  // AE_IFDIR
            archive_entry_set_perm(e, 0o755)
        }
        archive_entry_copy_pathname(e, path)
        archive_entry_xattr_add_entry(e, "trusted.overlay.opaque", "y", 1)
        if archive_write_header(writer, e) < ARCHIVE_WARN || archive_write_finish_entry(writer) < ARCHIVE_WARN {
            throw GantryError(.internalError, "\(what): cannot mark \(path) opaque: \(errorString(writer))")
        }
    }

    /// Removes `trusted.overlay.*` xattrs a layer might carry: only the unpacker decides overlay metadata.
    private static func dropOverlayXattrs(_ entry: OpaquePointer) {
        guard archive_entry_xattr_reset(entry) > 0 else { return }
        var kept: [(String, [UInt8])] = []
        var dropped = false
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK {
            guard let name else { continue }
            let n = String(cString: name)
            if n.hasPrefix("trusted.overlay.") { dropped = true; continue }
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            kept.append((n, bytes))
        }
        guard dropped else { return }
        archive_entry_xattr_clear(entry)
        for (n, v) in kept {
            v.withUnsafeBytes { archive_entry_xattr_add_entry(entry, n, $0.baseAddress, $0.count) }
        }
    }

    private static func errorString(_ a: OpaquePointer) -> String {
        archive_error_string(a).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}
