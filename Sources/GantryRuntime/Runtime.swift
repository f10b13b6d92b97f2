import Foundation
import GantryAPI

// The node-side seams: how the agent runs containers, gets images and wires pod networking.
// Implementations live in leaf targets (GantryRuntimeRunc, GantryImageOCI, GantryNetworkCNI); only the
// executable picks them. Fakes for unit tests live in GantryTestSupport.

// MARK: - Containers

/// A bind or special mount inside a container (OCI `mounts` entry).
public struct Mount: Sendable, Hashable, Codable {
    public var source: String
    public var destination: String
    /// `bind`, `tmpfs`, `proc`, ...
    public var type: String
    public var options: [String]
    public init(source: String, destination: String, type: String = "bind", options: [String] = ["rbind", "rw"]) {
        self.source = source
        self.destination = destination
        self.type = type
        self.options = options
    }
}

/// Cgroup limits of one container.
public struct ResourceLimits: Sendable, Hashable, Codable {
    /// cpu.shares (cgroup v1) / derived cpu.weight (v2); from the CPU request.
    public var cpuShares: UInt64?
    /// CFS quota and period in microseconds; from the CPU limit.
    public var cpuQuota: Int64?
    public var cpuPeriod: UInt64?
    /// Bytes; from the memory limit.
    public var memoryLimit: Int64?
    /// Maximum number of processes.
    public var pidsLimit: Int64?
    public init(cpuShares: UInt64? = nil, cpuQuota: Int64? = nil, cpuPeriod: UInt64? = nil, memoryLimit: Int64? = nil,
                pidsLimit: Int64? = nil) {
        self.cpuShares = cpuShares
        self.cpuQuota = cpuQuota
        self.cpuPeriod = cpuPeriod
        self.memoryLimit = memoryLimit
        self.pidsLimit = pidsLimit
    }
}

/// Everything the runtime needs to create one container: the process, its root filesystem, its
/// namespaces and limits, and where its output goes.
public struct ContainerSpec: Sendable, Hashable, Codable {
    /// Unique on the node (e.g. `<pod uid>-<container name>-<attempt>`); `[a-zA-Z0-9_.-]` only.
    public var id: String
    /// Directory of the (already mounted) root filesystem.
    public var rootfs: String
    public var readonlyRootfs = false
    /// The full command line (entrypoint/cmd already merged with the pod spec's command/args).
    public var args: [String]
    /// `NAME=value` entries.
    public var env: [String]
    public var workingDir = "/"
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var additionalGids: [UInt32] = []
    public var hostname: String
    public var mounts: [Mount] = []
    /// Path of the pod's network namespace to join (`/var/run/netns/...`), or nil for the host network.
    public var networkNamespace: String?
    public var resources = ResourceLimits()
    /// File the container's stdout and stderr are written to, in the CRI log format.
    public var logPath: String
    public var tty = false
    public var stdin = false
    public var capabilitiesAdd: [String] = []
    public var capabilitiesDrop: [String] = []
    public var privileged = false
    /// Cgroup path (relative) the container's cgroup is placed under.
    public var cgroupParent: String?
    /// Labels for listing (pod uid, container name, ...).
    public var labels: [String: String] = [:]

    public init(id: String, rootfs: String, args: [String], env: [String], hostname: String, logPath: String) {
        self.id = id
        self.rootfs = rootfs
        self.args = args
        self.env = env
        self.hostname = hostname
        self.logPath = logPath
    }
}

/// A container's lifecycle state as the runtime sees it.
public enum ContainerStatus: String, Sendable, Hashable, Codable {
    case created, running, paused, stopped, unknown
}

/// What the runtime knows of one container.
public struct ContainerInfo: Sendable, Hashable, Codable {
    public var id: String
    public var status: ContainerStatus
    public var pid: Int32?
    public var startedAt: Date?
    public var finishedAt: Date?
    public var exitCode: Int32?
    /// True when the kernel's OOM killer ended the container.
    public var oomKilled = false
    public var labels: [String: String] = [:]
    public init(id: String, status: ContainerStatus) {
        self.id = id
        self.status = status
    }
}

/// How a process ended.
public struct ExitStatus: Sendable, Hashable, Codable {
    public var exitCode: Int32
    public var oomKilled: Bool
    public var finishedAt: Date
    public init(exitCode: Int32, oomKilled: Bool, finishedAt: Date) {
        self.exitCode = exitCode
        self.oomKilled = oomKilled
        self.finishedAt = finishedAt
    }
}

/// A command to run inside a running container.
public struct ExecSpec: Sendable, Hashable {
    public var args: [String]
    public var env: [String] = []
    public var workingDir: String?
    public var tty = false
    public var stdin = false
    public init(args: [String]) { self.args = args }
}

/// A running exec: its standard streams and its end.
public struct ExecSession: Sendable {
    /// Bytes for the process's stdin (finish to close it).
    public var stdin: AsyncStream<[UInt8]>.Continuation?
    /// Output: (stream 1 = stdout, 2 = stderr, bytes). With a TTY everything is stream 1.
    public var output: AsyncStream<(Int, [UInt8])>
    /// Resize the TTY (columns, rows).
    public var resize: @Sendable (UInt16, UInt16) async -> Void
    /// Waits for the process to end.
    public var wait: @Sendable () async throws -> Int32
    public init(stdin: AsyncStream<[UInt8]>.Continuation?, output: AsyncStream<(Int, [UInt8])>,
                resize: @escaping @Sendable (UInt16, UInt16) async -> Void, wait: @escaping @Sendable () async throws -> Int32) {
        self.stdin = stdin
        self.output = output
        self.resize = resize
        self.wait = wait
    }
}

/// Resource usage of one container, read from its cgroup.
public struct ContainerStats: Sendable, Hashable {
    /// Cumulative CPU time in nanoseconds.
    public var cpuUsageNanoseconds: UInt64
    /// Memory charged to the container, in bytes.
    public var memoryUsageBytes: UInt64
    /// Usage minus inactive file cache (what the OOM killer and `kubectl top` look at).
    public var memoryWorkingSetBytes: UInt64
    public var timestamp: Date
    public init(cpuUsageNanoseconds: UInt64, memoryUsageBytes: UInt64, memoryWorkingSetBytes: UInt64, timestamp: Date) {
        self.cpuUsageNanoseconds = cpuUsageNanoseconds
        self.memoryUsageBytes = memoryUsageBytes
        self.memoryWorkingSetBytes = memoryWorkingSetBytes
        self.timestamp = timestamp
    }
}

/// Runs OCI containers (runc by default). Every method names the container by `ContainerSpec.id`.
/// `delete` and `kill` of a container that no longer exists succeed (idempotent).
public protocol ContainerRuntime: Sendable {
    /// Name and version, for `Node.status.nodeInfo.containerRuntimeVersion` (`runc://1.1.5`).
    func version() async throws -> String
    /// Creates the container (bundle + `create`); it does not run yet.
    func create(_ spec: ContainerSpec) async throws
    /// Starts a created container.
    func start(_ id: String) async throws
    /// Creates and starts the container in one step: what `create` then `start` do, in one runtime
    /// invocation where the runtime can (`runc run --detach`).
    func run(_ spec: ContainerSpec) async throws
    /// Sends a signal to the container's init process.
    func kill(_ id: String, signal: Int32) async throws
    /// Waits until the container's process has exited.
    func wait(_ id: String) async throws -> ExitStatus
    /// Removes the container (and its bundle); `force` kills it first.
    func delete(_ id: String, force: Bool) async throws
    /// The container's state, or nil if it does not exist.
    func info(_ id: String) async throws -> ContainerInfo?
    /// Every container this runtime manages on the node.
    func list() async throws -> [ContainerInfo]
    /// Runs a process inside a running container.
    func exec(_ id: String, _ spec: ExecSpec) async throws -> ExecSession
    /// CPU and memory usage of a running container (nil when unknown).
    func stats(_ id: String) async throws -> ContainerStats?
}

extension ContainerRuntime {
    /// `create`, then `start`.
    public func run(_ spec: ContainerSpec) async throws {
        try await create(spec)
        try await start(spec.id)
    }

    /// Runtimes that cannot measure report nothing.
    public func stats(_ id: String) async throws -> ContainerStats? { nil }
}

// MARK: - Images

/// A parsed image reference: `registry.local:5000/team/web:1.2@sha256:...`.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// Registry host[:port] (`docker.io` when none is given).
    public var registry: String
    /// Repository path (`library/busybox` on Docker Hub).
    public var repository: String
    public var tag: String?
    public var digest: String?

    /// Parses a reference as Docker and Kubernetes do.
    public init(_ s: String) throws {
        var rest = s
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = String(rest[..<at])
        }
        var parts = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !parts.isEmpty, !parts.contains(where: \.isEmpty) else {
            throw GantryError(.invalid, "invalid image reference \"\(s)\"")
        }
        if parts.count > 1, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            registry = parts.removeFirst()
        } else {
            registry = "docker.io"
        }
        var last = parts.removeLast()
        if let colon = last.lastIndex(of: ":") {
            tag = String(last[last.index(after: colon)...])
            last = String(last[..<colon])
        }
        parts.append(last)
        repository = parts.joined(separator: "/")
        if registry == "docker.io", parts.count == 1 { repository = "library/" + repository }
        if tag == nil, digest == nil { tag = "latest" }
        guard repository.allSatisfy({ $0.isLowercase || $0.isNumber || "._-/".contains($0) }) else {
            throw GantryError(.invalid, "invalid image reference \"\(s)\": repository must be lowercase")
        }
    }

    public var description: String {
        var s = "\(registry)/\(repository)"
        if let tag { s += ":\(tag)" }
        if let digest { s += "@\(digest)" }
        return s
    }
}

/// The runtime configuration of an image (OCI image config `config` section).
public struct ImageConfig: Sendable, Hashable, Codable {
    public var entrypoint: [String]?
    public var cmd: [String]?
    public var env: [String]?
    public var workingDir: String?
    public var user: String?
    public init(entrypoint: [String]? = nil, cmd: [String]? = nil, env: [String]? = nil, workingDir: String? = nil, user: String? = nil) {
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.env = env
        self.workingDir = workingDir
        self.user = user
    }
}

/// An image present in the node's store.
public struct StoredImage: Sendable, Hashable, Codable {
    /// Names it is known by (`127.0.0.1:5000/web:1`).
    public var names: [String]
    /// Digest of the manifest (`sha256:...`), which is the image ID reported in pod status.
    public var digest: String
    /// Digests of the layers, bottom first.
    public var layers: [String]
    public var config: ImageConfig
    /// Bytes on disk.
    public var size: Int64
    public init(names: [String], digest: String, layers: [String], config: ImageConfig, size: Int64) {
        self.names = names
        self.digest = digest
        self.layers = layers
        self.config = config
        self.size = size
    }
}

/// Registry credentials (from an imagePullSecret).
public struct RegistryCredentials: Sendable, Hashable {
    public var username: String
    public var password: String
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// Pulls, stores and unpacks OCI images; gives each container a root filesystem.
public protocol ImageStore: Sendable {
    /// Pulls `reference` (verifying every digest) and returns the stored image. Idempotent.
    func pull(_ reference: String, credentials: RegistryCredentials?) async throws -> StoredImage
    /// The stored image known by `reference` (name or digest), if any.
    func image(_ reference: String) async throws -> StoredImage?
    /// Every stored image.
    func list() async throws -> [StoredImage]
    /// Imports a `docker save` or OCI image-layout archive; returns what it held.
    func importArchive(_ path: String) async throws -> [StoredImage]
    /// Removes an image (its layers go when no image uses them).
    func remove(_ reference: String) async throws
    /// Removes every image not in `keep` (digests); returns what was removed.
    func prune(keep: Set<String>) async throws -> [StoredImage]
    /// Mounts a writable root filesystem for a container at `target` (overlayfs over the image's layers);
    /// the writable layer lives under `scratch`. Idempotent.
    func mountRootfs(_ image: StoredImage, target: String, scratch: String) async throws
    /// Unmounts a root filesystem made by `mountRootfs` and removes its writable layer. Idempotent.
    func unmountRootfs(target: String, scratch: String) async throws
}

// MARK: - Network

/// A host port forwarded into a pod (`hostPort`).
public struct PortMapping: Sendable, Hashable, Codable {
    public var hostPort: Int
    public var containerPort: Int
    /// `tcp` or `udp`.
    public var proto: String
    public var hostIP: String?
    public init(hostPort: Int, containerPort: Int, proto: String, hostIP: String? = nil) {
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.proto = proto
        self.hostIP = hostIP
    }
}

/// One pod sandbox's network identity.
public struct SandboxNetwork: Sendable, Hashable, Codable {
    /// The pod's IP address.
    public var ip: String
    public var gateway: String?
    public var interfaceName: String
    public init(ip: String, gateway: String?, interfaceName: String) {
        self.ip = ip
        self.gateway = gateway
        self.interfaceName = interfaceName
    }
}

/// Sets up and tears down pod networking (CNI ADD / DEL / CHECK) in a network namespace.
public protocol NetworkPlugin: Sendable {
    /// Creates the namespace `netns` (a path under /var/run/netns) if needed and runs ADD. Idempotent:
    /// a sandbox that is already set up reports its existing address.
    func setUp(sandboxID: String, netns: String, podName: String, podNamespace: String, ports: [PortMapping])
        async throws -> SandboxNetwork
    /// Runs DEL and removes the namespace; succeeds if it is already gone.
    func tearDown(sandboxID: String, netns: String, ports: [PortMapping]) async throws
    /// Runs CHECK; throws if the sandbox's network is broken.
    func check(sandboxID: String, netns: String, ports: [PortMapping]) async throws
    /// The sandboxes set up and not yet torn down (to clean up after pods deleted while the agent was away).
    func sandboxIDs() async throws -> [String]
    /// Keeps `count` sandboxes set up ahead of demand, so that `setUp` for a pod without host ports only has to
    /// hand one over; 0 stops preparing more. Sandboxes prepared by an earlier process are taken over.
    func prepareSandboxes(count: Int) async
    /// Stops preparing sandboxes ahead of demand; with `release`, tears down the ready ones as well.
    func stopPreparingSandboxes(release: Bool) async
}

extension NetworkPlugin {
    /// Plugins that keep no record report none.
    public func sandboxIDs() async throws -> [String] { [] }
    /// Plugins that set up every sandbox on demand ignore this.
    public func prepareSandboxes(count: Int) async {}
    public func stopPreparingSandboxes(release: Bool) async {}
}
