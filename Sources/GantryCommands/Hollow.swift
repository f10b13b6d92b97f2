import Foundation
import GantryAgent
import GantryAPI
import GantryClient
import GantryRuntime
import Logging

// Hollow nodes, as kubemark's: the real agent (join with a bootstrap token and a node certificate, registration,
// Lease renewal, status reports, the pod list-and-watch, one PodWorker per pod with its events and status
// updates) over a container runtime, image store and pod network that do their work instantly in memory. Many run
// in one process against a real API server, to measure the control plane at fleet size.

/// A `ContainerRuntime` whose containers start at once and run until killed (SIGTERM ends them with 0, SIGKILL
/// with 137); exec succeeds with no output.
public actor HollowRuntime: ContainerRuntime {
    private struct Entry {
        var info: ContainerInfo
        var exit: ExitStatus?
        var waiters: [CheckedContinuation<ExitStatus, Error>] = []
    }

    private var containers: [String: Entry] = [:]
    private var nextPID: Int32 = 1000

    public init() {}

    public func version() async throws -> String { "hollow://1.0" }

    public func create(_ spec: ContainerSpec) async throws {
        guard containers[spec.id] == nil else { throw GantryError(.alreadyExists, "container \(spec.id) exists") }
        var info = ContainerInfo(id: spec.id, status: .created)
        info.labels = spec.labels
        containers[spec.id] = Entry(info: info)
    }

    public func start(_ id: String) async throws {
        guard containers[id] != nil else { throw GantryError(.notFound, "no container \(id)") }
        nextPID += 1
        containers[id]!.info.status = .running
        containers[id]!.info.startedAt = Date()
        containers[id]!.info.pid = nextPID
    }

    private func finish(_ id: String, code: Int32) {
        guard var e = containers[id], e.exit == nil else { return }
        let status = ExitStatus(exitCode: code, oomKilled: false, finishedAt: Date())
        e.info.status = .stopped
        e.info.exitCode = code
        e.info.finishedAt = status.finishedAt
        e.exit = status
        let waiters = e.waiters
        e.waiters = []
        containers[id] = e
        for w in waiters { w.resume(returning: status) }
    }

    public func kill(_ id: String, signal: Int32) async throws {
        guard let e = containers[id], e.info.status == .running else { return }
        if signal == SIGKILL { finish(id, code: 137) } else if signal == SIGTERM { finish(id, code: 0) }
    }

    public func wait(_ id: String) async throws -> ExitStatus {
        guard let e = containers[id] else { throw GantryError(.notFound, "no container \(id)") }
        if let exit = e.exit { return exit }
        return try await withCheckedThrowingContinuation { containers[id]!.waiters.append($0) }
    }

    public func delete(_ id: String, force: Bool) async throws {
        if force { finish(id, code: 137) }
        if let e = containers[id], e.exit == nil {
            // A container deleted without having exited: whoever waits on it learns it is gone.
            for w in e.waiters { w.resume(throwing: GantryError(.notFound, "container \(id) was deleted")) }
        }
        containers[id] = nil
    }

    public func info(_ id: String) async throws -> ContainerInfo? { containers[id]?.info }

    public func list() async throws -> [ContainerInfo] { containers.values.map(\.info) }

    public func exec(_ id: String, _ spec: ExecSpec) async throws -> ExecSession {
        let (out, cont) = AsyncStream<(Int, [UInt8])>.makeStream()
        cont.finish()
        return ExecSession(stdin: nil, output: out, resize: { _, _ in }, wait: { 0 })
    }

    public func stats(_ id: String) async throws -> ContainerStats? {
        guard let e = containers[id], e.info.status == .running else { return nil }
        return ContainerStats(cpuUsageNanoseconds: 0, memoryUsageBytes: 1 << 20, memoryWorkingSetBytes: 1 << 20, timestamp: Date())
    }
}

/// An `ImageStore` that has every image at once (a few bytes, no layers) and mounts nothing.
public actor HollowImages: ImageStore {
    private var present: [String: StoredImage] = [:]

    public init() {}

    public func pull(_ reference: String, credentials: RegistryCredentials?) async throws -> StoredImage {
        if let i = present[reference] { return i }
        let image = StoredImage(names: [reference], digest: "sha256:" + String(repeating: "0", count: 64), layers: [],
                                config: ImageConfig(entrypoint: ["/pause"]), size: 1024)
        present[reference] = image
        return image
    }

    public func image(_ reference: String) async throws -> StoredImage? { present[reference] }
    public func list() async throws -> [StoredImage] { Array(present.values) }
    public func importArchive(_ path: String) async throws -> [StoredImage] { [] }
    public func remove(_ reference: String) async throws { present[reference] = nil }
    public func prune(keep: Set<String>) async throws -> [StoredImage] { [] }
    public func mountRootfs(_ image: StoredImage, target: String, scratch: String) async throws {}
    public func unmountRootfs(target: String, scratch: String) async throws {}
}

/// A `NetworkPlugin` that hands out the addresses of the node's pod CIDR (from .2, reusing freed ones) and sets
/// nothing up.
public actor HollowNetwork: NetworkPlugin {
    private let cidr: IPv4CIDR
    private var sandboxes: [String: SandboxNetwork] = [:]
    private var free: [UInt32] = []
    private var next: UInt32 = 2

    public init(podCIDR: String) throws {
        cidr = try IPv4CIDR(podCIDR)
    }

    public func setUp(sandboxID: String, netns: String, podName: String, podNamespace: String, ports: [PortMapping])
        async throws -> SandboxNetwork
    {
        if let s = sandboxes[sandboxID] { return s }
        let offset: UInt32
        if let f = free.popLast() {
            offset = f
        } else {
            guard next + 1 < cidr.size else { throw GantryError(.unavailable, "the pod CIDR \(cidr) has no free address") }
            offset = next
            next += 1
        }
        let s = SandboxNetwork(ip: IPv4CIDR.format(cidr.base + offset), gateway: IPv4CIDR.format(cidr.base + 1),
                               interfaceName: "eth0")
        sandboxes[sandboxID] = s
        return s
    }

    public func tearDown(sandboxID: String, netns: String, ports: [PortMapping]) async throws {
        guard let s = sandboxes.removeValue(forKey: sandboxID), let ip = IPv4CIDR.parseIP(s.ip) else { return }
        free.append(ip - cidr.base)
    }

    public func check(sandboxID: String, netns: String, ports: [PortMapping]) async throws {}

    public func sandboxIDs() async throws -> [String] { Array(sandboxes.keys) }
}

/// Many hollow nodes in this process, each joined with the cluster's join token and running the agent's
/// heartbeat (registration, Lease, status) and pod manager against the API server.
public final class HollowFleet: @unchecked Sendable {
    /// What the fleet's nodes are and report.
    public struct Options: Sendable {
        /// The API server's URL.
        public var server: String
        /// The cluster's join token (as `gantry agent --token`).
        public var token: String
        /// How many nodes.
        public var count: Int
        /// Node names are PREFIX-0, PREFIX-1, …
        public var prefix = "hollow"
        /// Where the nodes keep their certificates and pod directories (one subdirectory each).
        public var dataDir: String
        /// Each node's simulated machine: CPUs, memory and the pods it takes.
        public var cpus = 4
        public var memoryBytes: Int64 = 16 << 30
        public var maxPods = 110
        /// Labels on every node (a zone label is added: `zone-(i % zones)`).
        public var zones = 4
        /// Nodes joined at once.
        public var joinConcurrency = 16

        public init(server: String, token: String, count: Int, dataDir: String) {
            self.server = server
            self.token = token
            self.count = count
            self.dataDir = dataDir
        }
    }

    /// One hollow node: its name and the tasks of its agent's services.
    struct Member {
        let name: String
        let tasks: [Task<Void, Error>]
    }

    private let lock = NSLock()
    private var members: [Member] = []
    public let options: Options
    let logger: Logger

    init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// The nodes' names.
    public var nodeNames: [String] { lock.withLock { members.map(\.name) } }

    /// Joins and starts every node (at most `joinConcurrency` joining at a time); returns once all run.
    public static func start(_ options: Options, logger: Logger) async throws -> HollowFleet {
        let fleet = HollowFleet(options: options, logger: logger)
        try await withThrowingTaskGroup(of: Member.self) { group in
            var started = 0
            func add(_ i: Int) {
                group.addTask { try await fleet.startNode(i) }
            }
            while started < min(options.joinConcurrency, options.count) {
                add(started)
                started += 1
            }
            while let m = try await group.next() {
                fleet.lock.withLock { fleet.members.append(m) }
                if started < options.count {
                    add(started)
                    started += 1
                }
            }
        }
        return fleet
    }

    func startNode(_ i: Int) async throws -> Member {
        let name = "\(options.prefix)-\(i)"
        let dir = "\(options.dataDir)/\(name)"
        try FileManager.default.createDirectory(atPath: dir + "/pods", withIntermediateDirectories: true)
        let credentials = AgentCredentials(server: options.server, nodeName: name, directory: dir + "/pki", logger: logger)
        let identity = try await credentials.join(token: options.token)
        let client = GantryClient(server: options.server, identity: identity)
        // The control plane assigns the pod CIDR when the Node is first created.
        var node = try? await client.get(.nodes, namespace: nil, name: name)
        if node == nil {
            let fresh: JSONValue = ["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name)]]
            node = try? await client.create(.nodes, namespace: nil, fresh)
            if node == nil { node = try await client.get(.nodes, namespace: nil, name: name) }
        }
        guard let podCIDR = node?[path: ["spec", "podCIDR"]]?.stringValue, !podCIDR.isEmpty else {
            throw GantryError(.unavailable, "the control plane gave hollow node \(name) no pod CIDR (is --cluster-cidr large enough for every node?)")
        }
        var config = AgentConfig(nodeName: name, dataDir: dir)
        config.podCIDR = podCIDR
        config.maxPods = options.maxPods
        let ip = IPv4CIDR.format(0x6440_0000 + UInt32(i))  // 100.64.0.0/10, shared address space: never routed here
        config.nodeIP = ip
        config.labels = ["topology.kubernetes.io/zone": "zone-\(i % max(options.zones, 1))", "gantry.io/hollow": "true"]
        config.machine = MachineInfo(cpus: options.cpus, memoryBytes: options.memoryBytes, ephemeralStorageBytes: 100 << 30,
                                     kernelVersion: "hollow", osImage: "Gantry hollow node", machineID: UUID().uuidString,
                                     bootID: UUID().uuidString, hostname: name, internalIP: ip)
        let agent = NodeAgent(client: client, config: config, runtime: HollowRuntime(), images: HollowImages(),
                              network: try HollowNetwork(podCIDR: podCIDR), logger: logger)
        // No node server (logs and exec have nothing to show): the Node advertises the kubelet's port.
        agent.serverPort.value = 10250
        let heartbeat = agent.heartbeat, pods = agent.pods
        return Member(name: name, tasks: [Task { try await heartbeat.run() }, Task { try await pods.run() }])
    }

    /// Stops every node as a crash would: heartbeats and pod loops end; the Nodes and pods stay in the API.
    public func stop() async {
        let all = lock.withLock { members }
        for m in all { for t in m.tasks { t.cancel() } }
        for m in all { for t in m.tasks { _ = try? await t.value } }
    }
}
