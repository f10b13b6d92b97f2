import Foundation
import GantryRuntime

// The subset of the OCI runtime specification (v1.0.2, as runc 1.1 reads it) that Gantry writes into
// each bundle's `config.json`. Optional fields left nil are omitted from the JSON.

/// An OCI runtime `config.json` (the fields Gantry uses).
public struct OCISpec: Codable, Sendable, Hashable {
    public var ociVersion = "1.0.2"
    public var process: Process
    public var root: Root
    public var hostname: String?
    public var mounts: [Mount]
    public var annotations: [String: String]?
    public var linux: Linux

    /// The container's init process (also the template for `runc exec --process`).
    public struct Process: Codable, Sendable, Hashable {
        public var terminal: Bool?
        public var user: User
        public var args: [String]
        public var env: [String]
        public var cwd: String
        public var capabilities: Capabilities?
        public var rlimits: [Rlimit]?
        public var noNewPrivileges: Bool?
    }

    /// uid, gid and supplementary groups of a process.
    public struct User: Codable, Sendable, Hashable {
        public var uid: UInt32
        public var gid: UInt32
        public var additionalGids: [UInt32]?
    }

    /// Capability sets (`CAP_*` names).
    public struct Capabilities: Codable, Sendable, Hashable {
        public var bounding: [String]?
        public var effective: [String]?
        public var permitted: [String]?
        public var inheritable: [String]?
        public var ambient: [String]?
    }

    /// One POSIX rlimit (`RLIMIT_NOFILE`, ...).
    public struct Rlimit: Codable, Sendable, Hashable {
        public var type: String
        public var hard: UInt64
        public var soft: UInt64
    }

    /// The root filesystem.
    public struct Root: Codable, Sendable, Hashable {
        public var path: String
        public var readonly: Bool?
    }

    /// One mount.
    public struct Mount: Codable, Sendable, Hashable {
        public var destination: String
        public var type: String?
        public var source: String?
        public var options: [String]?
    }

    /// Linux-specific configuration.
    public struct Linux: Codable, Sendable, Hashable {
        public var namespaces: [Namespace]
        public var resources: Resources?
        public var cgroupsPath: String?
        public var maskedPaths: [String]?
        public var readonlyPaths: [String]?
    }

    /// A namespace to create, or to join when `path` is set.
    public struct Namespace: Codable, Sendable, Hashable {
        public var type: String
        public var path: String?
    }

    /// Cgroup resources.
    public struct Resources: Codable, Sendable, Hashable {
        public var devices: [DeviceRule]?
        public var memory: Memory?
        public var cpu: CPU?
        public var pids: Pids?
    }

    /// A device cgroup rule.
    public struct DeviceRule: Codable, Sendable, Hashable {
        public var allow: Bool
        public var type: String?
        public var major: Int64?
        public var minor: Int64?
        public var access: String?
    }

    /// Memory limits (bytes). `swap` is memory+swap as in cgroup v1 (`limit` == `swap` means no swap).
    public struct Memory: Codable, Sendable, Hashable {
        public var limit: Int64?
        public var swap: Int64?
    }

    /// CPU shares and CFS quota/period (microseconds).
    public struct CPU: Codable, Sendable, Hashable {
        public var shares: UInt64?
        public var quota: Int64?
        public var period: UInt64?
    }

    /// Maximum number of pids.
    public struct Pids: Codable, Sendable, Hashable {
        public var limit: Int64
    }
}

extension OCISpec {
    /// The capabilities containerd and Docker grant a container by default.
    public static let defaultCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ]

    /// Every Linux capability (through CAP_CHECKPOINT_RESTORE), granted to privileged containers.
    public static let allCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ]

    /// Paths masked in `/proc` and `/sys` for unprivileged containers (runc's and containerd's defaults).
    public static let defaultMaskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
    ]

    /// Paths made read-only for unprivileged containers.
    public static let defaultReadonlyPaths = [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ]

    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Normalizes a capability name from a pod spec (`NET_ADMIN`, `cap_net_admin`) to `CAP_NET_ADMIN`.
    public static func capabilityName(_ name: String) -> String {
        let upper = name.uppercased()
        return upper.hasPrefix("CAP_") || upper == "ALL" ? upper : "CAP_" + upper
    }

    /// The capability set for a container: the default (or every capability when privileged), minus
    /// `drop` (`ALL` drops everything), plus `add` (`ALL` adds everything).
    public static func capabilities(add: [String], drop: [String], privileged: Bool) -> [String] {
        let adds = add.map(capabilityName)
        let drops = Set(drop.map(capabilityName))
        if privileged || adds.contains("ALL") { return allCapabilities }
        var caps = drops.contains("ALL") ? [] : defaultCapabilities.filter { !drops.contains($0) }
        for cap in adds where !caps.contains(cap) { caps.append(cap) }
        return caps
    }

    /// The `/dev` character devices every container may use (runc's default allow list).
    public static let defaultDeviceRules: [DeviceRule] = [
        DeviceRule(allow: false, access: "rwm"),
        DeviceRule(allow: true, type: "c", major: nil, minor: nil, access: "m"),
        DeviceRule(allow: true, type: "b", major: nil, minor: nil, access: "m"),
        DeviceRule(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),  // /dev/null
        DeviceRule(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),  // /dev/zero
        DeviceRule(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),  // /dev/full
        DeviceRule(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),  // /dev/random
        DeviceRule(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),  // /dev/urandom
        DeviceRule(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),  // /dev/tty
        DeviceRule(allow: true, type: "c", major: 5, minor: 1, access: "rwm"),  // /dev/console
        DeviceRule(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),  // /dev/ptmx
        DeviceRule(allow: true, type: "c", major: 136, minor: nil, access: "rwm"),  // /dev/pts/*
        DeviceRule(allow: true, type: "c", major: 10, minor: 200, access: "rwm"),  // /dev/net/tun
    ]

    /// The cgroup path of a container: `<cgroupParent>/<id>`, or `/gantry/<id>` without a parent.
    public static func cgroupsPath(for spec: ContainerSpec) -> String {
        var parent = spec.cgroupParent ?? "/gantry"
        if parent.isEmpty { parent = "/gantry" }
        if !parent.hasPrefix("/") { parent = "/" + parent }
        while parent.count > 1, parent.hasSuffix("/") { parent.removeLast() }
        return (parent == "/" ? "" : parent) + "/" + spec.id
    }

    /// Builds the bundle configuration for `spec`. A pure function: `nofileLimit` is the RLIMIT_NOFILE
    /// value to give the container (callers pass `min(1048576, current hard limit)`, never more, as
    /// raising it needs CAP_SYS_RESOURCE).
    public static func make(for spec: ContainerSpec, nofileLimit: UInt64) -> OCISpec {
        var env = spec.env
        if !env.contains(where: { $0.hasPrefix("PATH=") }) { env.insert(defaultPath, at: 0) }
        if spec.tty, !env.contains(where: { $0.hasPrefix("TERM=") }) { env.append("TERM=xterm") }
        let caps = capabilities(add: spec.capabilitiesAdd, drop: spec.capabilitiesDrop, privileged: spec.privileged)
        let process = Process(
            terminal: spec.tty,
            user: User(uid: spec.uid, gid: spec.gid, additionalGids: spec.additionalGids.isEmpty ? nil : spec.additionalGids),
            args: spec.args,
            env: env,
            cwd: spec.workingDir.isEmpty ? "/" : spec.workingDir,
            capabilities: Capabilities(bounding: caps, effective: caps, permitted: caps),
            rlimits: [Rlimit(type: "RLIMIT_NOFILE", hard: nofileLimit, soft: nofileLimit)],
            noNewPrivileges: false)

        var mounts: [Mount] = [
            Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
            Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
                  options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
            Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", spec.privileged ? "rw" : "ro"]),
            Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                  options: ["nosuid", "noexec", "nodev", "relatime", spec.privileged ? "rw" : "ro"]),
        ]
        // The spec's mounts replace a default mount at the same destination.
        let custom = Set(spec.mounts.map { normalize($0.destination) })
        mounts.removeAll { custom.contains($0.destination) }
        for m in spec.mounts {
            mounts.append(Mount(destination: m.destination, type: m.type, source: m.source, options: m.options))
        }

        var namespaces = [Namespace(type: "pid"), Namespace(type: "ipc"), Namespace(type: "uts"), Namespace(type: "mount")]
        if let netns = spec.networkNamespace { namespaces.append(Namespace(type: "network", path: netns)) }

        let r = spec.resources
        var memory: Memory?
        if let limit = r.memoryLimit, limit > 0 { memory = Memory(limit: limit, swap: limit) }
        var cpu: CPU?
        if r.cpuShares != nil || r.cpuQuota != nil || r.cpuPeriod != nil {
            cpu = CPU(shares: r.cpuShares, quota: r.cpuQuota, period: r.cpuPeriod)
        }
        let resources = Resources(
            devices: spec.privileged ? [DeviceRule(allow: true, access: "rwm")] : defaultDeviceRules,
            memory: memory, cpu: cpu,
            pids: r.pidsLimit.map { Pids(limit: $0) })

        return OCISpec(
            process: process,
            root: Root(path: spec.rootfs, readonly: spec.readonlyRootfs),
            hostname: spec.hostname.isEmpty ? nil : spec.hostname,
            mounts: mounts,
            annotations: spec.labels.isEmpty ? nil : spec.labels,
            linux: Linux(
                namespaces: namespaces, resources: resources, cgroupsPath: cgroupsPath(for: spec),
                maskedPaths: spec.privileged ? nil : defaultMaskedPaths,
                readonlyPaths: spec.privileged ? nil : defaultReadonlyPaths))
    }

    private static func normalize(_ path: String) -> String {
        var p = path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        return p
    }

    /// The JSON of this configuration (sorted keys, so identical specs give identical bytes).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
