import Foundation
import GantryAPI
#if canImport(Glibc)
import Glibc
#endif

/// overlayfs mounts for container root filesystems.
enum Overlay {
    /// The longest mount data string the kernel accepts through mount(2) (one page, minus the terminator).
    static let maxOptionsLength = 4095

    /// Whether `path` is currently a mount point (per /proc/self/mountinfo).
    static func isMountPoint(_ path: String) -> Bool {
        guard let real = try? FS.realPath(path) else { return false }
        return mountPoints().contains(real)
    }

    /// Mount points listed in /proc/self/mountinfo (octal escapes decoded).
    static func mountPoints() -> Set<String> {
        // Read to EOF with read(2): procfs reports size 0, and a one-shot read can stop at the first page
        // when many mounts exist.
        guard let h = FileHandle(forReadingAtPath: "/proc/self/mountinfo") else { return [] }
        let text = String(decoding: h.readDataToEndOfFile(), as: UTF8.self)
        try? h.close()
        var result = Set<String>()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 5)
            if fields.count > 4 { result.insert(unescape(String(fields[4]))) }
        }
        return result
    }

    /// The raw mount table, to check whether a layer directory is in use by some overlay.
    static func mountTable() -> String {
        (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = [UInt8]()
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 3 < b.count,
               let v = UInt8(String(decoding: b[(i + 1)...(i + 3)], as: UTF8.self), radix: 8)
            {
                out.append(v)
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Mounts an overlay of `lowerDirs` (top first) with `upper`/`work` at `target`.
    static func mount(lowerDirs: [String], upper: String, work: String, target: String) throws {
        for p in lowerDirs + [upper, work] where p.contains(",") || p.contains(":") {
            throw GantryError(.invalid, "overlay path \(p) contains ',' or ':', which mount options cannot express")
        }
        let options = "lowerdir=\(lowerDirs.joined(separator: ":")),upperdir=\(upper),workdir=\(work),index=off"
        guard options.utf8.count <= maxOptionsLength else {
            throw GantryError(.invalid, "overlay mount options for \(lowerDirs.count) layers are \(options.utf8.count) bytes, "
                + "over the kernel's \(maxOptionsLength)-byte limit; use a shorter image store root or fewer layers")
        }
        guard Glibc.mount("overlay", target, "overlay", 0, options) == 0 else {
            let code = errno
            throw posixError("mount overlay at \(target) failed", code)
        }
    }

    /// Unmounts `target`; busy mounts are detached lazily; not mounted is fine.
    static func unmount(_ target: String) throws {
        guard isMountPoint(target) else { return }
        if umount2(target, 0) == 0 { return }
        let code = errno
        if code == EBUSY, umount2(target, Int32(MNT_DETACH)) == 0 { return }
        if code == EINVAL || code == ENOENT { return }
        throw posixError("unmount \(target) failed", code)
    }
}
