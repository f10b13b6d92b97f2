import Foundation
import GantryAPI
#if canImport(Glibc)
import Glibc
#endif

/// overlayfs mounts for container root filesystems.
enum Overlay {
    /// The longest mount data string the kernel accepts through mount(2) (one page, minus the terminator).
    static let maxOptionsLength = 4095

    /// Whether a filesystem other than its parent's is mounted at `path` (as an overlay always is): the two
    /// report different devices. Two stat calls, where reading /proc/self/mountinfo costs time in proportion
    /// to the mounts on the node (several per running container).
    static func isMountPoint(_ path: String) -> Bool {
        var here = stat(), parent = stat()
        guard stat(path, &here) == 0, stat(path + "/..", &parent) == 0 else { return false }
        return here.st_dev != parent.st_dev || here.st_ino == parent.st_ino
    }

    /// The raw mount table, to check whether a layer directory is in use by some overlay.
    static func mountTable() -> String {
        // Read to EOF with read(2): procfs reports size 0, and a one-shot read can stop at the first page
        // when many mounts exist.
        guard let h = FileHandle(forReadingAtPath: "/proc/self/mountinfo") else { return "" }
        defer { try? h.close() }
        return String(decoding: h.readDataToEndOfFile(), as: UTF8.self)
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
