import Foundation
import GantryMetrics
import GantryAPI
import GantryClient
import GantryRuntime
import Logging
import ServiceLifecycle

/// Facts about this machine for `Node.status`: capacity, addresses, system info.
public struct MachineInfo: Sendable {
    public var cpus: Int
    public var memoryBytes: Int64
    public var ephemeralStorageBytes: Int64
    public var kernelVersion: String
    public var osImage: String
    public var machineID: String
    public var bootID: String
    public var hostname: String
    public var internalIP: String

    public init(cpus: Int, memoryBytes: Int64, ephemeralStorageBytes: Int64, kernelVersion: String, osImage: String,
                machineID: String, bootID: String, hostname: String, internalIP: String) {
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.ephemeralStorageBytes = ephemeralStorageBytes
        self.kernelVersion = kernelVersion
        self.osImage = osImage
        self.machineID = machineID
        self.bootID = bootID
        self.hostname = hostname
        self.internalIP = internalIP
    }

    /// Reads the machine (`dataDir` is where ephemeral storage is measured).
    public static func read(dataDir: String, nodeIP: String?) -> MachineInfo {
        func file(_ p: String) -> String {
            ((try? String(contentsOfFile: p, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var mem: Int64 = 0
        for line in file("/proc/meminfo").split(separator: "\n") where line.hasPrefix("MemTotal:") {
            mem = (Int64(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
        }
        var st = statvfs()
        var disk: Int64 = 0
        if statvfs(dataDir, &st) == 0 { disk = Int64(st.f_blocks) * Int64(st.f_frsize) }
        var uts = utsname()
        uname(&uts)
        let release = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var os = "Linux"
        for line in file("/etc/os-release").split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            os = String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return MachineInfo(cpus: ProcessInfo.processInfo.activeProcessorCount, memoryBytes: mem, ephemeralStorageBytes: disk,
                           kernelVersion: release, osImage: os, machineID: file("/etc/machine-id"),
                           bootID: file("/proc/sys/kernel/random/boot_id"), hostname: ProcessInfo.processInfo.hostName,
                           internalIP: nodeIP ?? Self.primaryIPv4() ?? "127.0.0.1")
    }

    /// The node's address as pods see it (`status.hostIP`, `HOST_IP`-style env): `nodeIP` when configured, else the
    /// primary IPv4 address, looked up at most every 10 s (listing the interfaces is a netlink dump over every
    /// pod's veth, too slow for each status report).
    public static func hostIP(nodeIP: String?) -> String {
        if let nodeIP { return nodeIP }
        let now = ContinuousClock.now
        if let cached = hostIPCache.value, now - cached.at < .seconds(10) { return cached.ip }
        let ip = primaryIPv4() ?? "127.0.0.1"
        hostIPCache.value = (ip, now)
        return ip
    }

    private static let hostIPCache = LockedValue<(ip: String, at: ContinuousClock.Instant)?>(nil)

    /// The first non-loopback IPv4 address of an up interface.
    public static func primaryIPv4() -> String? {
        var ifap: UnsafeMutablePointer<ifaddrs>? = nil
        guard getifaddrs(&ifap) == 0, let first = ifap else { return nil }
        defer { freeifaddrs(ifap) }
        var p: UnsafeMutablePointer<ifaddrs>? = first
        while let cur = p {
            defer { p = cur.pointee.ifa_next }
            guard let addr = cur.pointee.ifa_addr, addr.pointee.sa_family == UInt16(AF_INET) else { continue }
            let flags = Int32(cur.pointee.ifa_flags)
            guard flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0 else { continue }
            let name = String(cString: cur.pointee.ifa_name)
            if name.hasPrefix("veth") || name.hasPrefix("gantry") || name.hasPrefix("cni") || name.hasPrefix("docker") { continue }
            var sin = sockaddr_in()
            memcpy(&sin, addr, MemoryLayout<sockaddr_in>.size)
            var buf = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            inet_ntop(AF_INET, &sin.sin_addr, &buf, socklen_t(INET_ADDRSTRLEN))
            return String(cString: buf)
        }
        return nil
    }
}

/// Settings of a node agent.
public struct AgentConfig: Sendable {
    public var nodeName: String
    public var dataDir: String
    /// Where the kubelet's metrics are recorded, served at `/metrics` (nil: none).
    public var metrics: GantryMetrics?
    /// Pod CIDR when the control plane assigns none (`Node.spec.podCIDR` wins).
    public var podCIDR: String = "10.88.0.0/24"
    /// The node's address (autodetected when nil).
    public var nodeIP: String?
    /// How often the node Lease is renewed: a third of the lease, so that one late renewal under load is not
    /// an outage, and one write per second per node (the fleet's largest share of writes).
    public var leaseRenewInterval: Duration = .seconds(1)
    /// Lease duration announced in the Lease.
    public var leaseDurationSeconds = 3
    /// How often node status is refreshed even without changes.
    public var statusInterval: Duration = .seconds(10)
    public var maxPods = 110
    /// Cluster DNS servers for ClusterFirst pods (empty: the node's resolvers).
    public var clusterDNS: [String] = []
    public var clusterDomain = "cluster.local"
    /// Labels added to the Node.
    public var labels: [String: String] = [:]
    /// Address and port of the agent's own endpoint (logs); port 0 picks a free one.
    public var serverHost = "0.0.0.0"
    public var serverPort = 10250
    /// TLS and authorization of the node server (nil: plain HTTP, for an unsecured cluster).
    public var serverSecurity: NodeServerSecurity?
    /// The Linux bridge this node's pods attach to.
    public var bridge = "gantry0"
    /// Stop every pod's containers when the agent shuts down (`gantry dev`); a plain agent leaves them
    /// running so a restarted agent can adopt them.
    public var stopPodsOnExit = false
    /// Restart back-off of crashing containers and failing pulls.
    public var backoff = RestartBackoff()
    /// Pod network sandboxes the network plugin keeps set up ahead of demand (for pods without host ports).
    public var preparedSandboxes = 0
    /// The machine the node reports (capacity, addresses, system info) instead of reading this one's: a hollow
    /// node's simulated machine.
    public var machine: MachineInfo?
    /// Where this node's local-path volumes live (announced on the Node for the provisioner).
    public var localPathRoot: String { dataDir + "/storage" }
    public init(nodeName: String, dataDir: String) {
        self.nodeName = nodeName
        self.dataDir = dataDir
    }
}

/// Registers the Node, renews its Lease in `kube-node-lease`, and keeps its status current.
public struct NodeHeartbeat: ServiceLifecycle.Service {
    let client: GantryClient
    let config: AgentConfig
    let runtime: any ContainerRuntime
    let logger: Logger
    /// The port the agent's endpoint serves on, once known.
    let serverPort: LockedValue<Int>

    public init(client: GantryClient, config: AgentConfig, runtime: any ContainerRuntime, logger: Logger,
                serverPort: LockedValue<Int> = LockedValue(0)) {
        self.client = client
        self.config = config
        self.runtime = runtime
        self.logger = logger
        self.serverPort = serverPort
    }

    static func microTime(_ d: Date = Date()) -> String { RFC3339.formatMicro(d) }

    /// The Node object this agent reports.
    func nodeObject(_ m: MachineInfo, runtimeVersion: String) -> JSONValue {
        let now = Date().ISO8601Format()
        let cap: JSONValue = [
            "cpu": .string(String(m.cpus)), "memory": .string("\(m.memoryBytes / 1024)Ki"),
            "pods": .string(String(config.maxPods)), "ephemeral-storage": .string("\(m.ephemeralStorageBytes / 1024)Ki"),
        ]
        var labels: [String: JSONValue] = [
            "kubernetes.io/hostname": .string(config.nodeName), "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64",
        ]
        for (k, v) in config.labels { labels[k] = .string(v) }
        func cond(_ type: String, _ status: String, _ reason: String, _ message: String) -> JSONValue {
            ["type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
             "lastHeartbeatTime": .string(now), "lastTransitionTime": .string(now)]
        }
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(config.nodeName), "labels": .object(labels),
                         "annotations": [LocalPath.rootAnnotation: .string(config.localPathRoot)]],
            "spec": [:],
            "status": [
                "capacity": cap, "allocatable": cap,
                "addresses": [["type": "InternalIP", "address": .string(m.internalIP)],
                              ["type": "Hostname", "address": .string(config.nodeName)]],
                "nodeInfo": [
                    "machineID": .string(m.machineID), "systemUUID": .string(m.machineID), "bootID": .string(m.bootID),
                    "kernelVersion": .string(m.kernelVersion), "osImage": .string(m.osImage),
                    "containerRuntimeVersion": .string(runtimeVersion), "kubeletVersion": "v1.32.0-gantry",
                    "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64",
                ],
                "conditions": [
                    cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "gantry agent has sufficient memory available"),
                    cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "gantry agent has no disk pressure"),
                    cond("PIDPressure", "False", "KubeletHasSufficientPID", "gantry agent has sufficient PID available"),
                    cond("Ready", "True", "KubeletReady", "gantry agent is posting ready status"),
                ],
                "daemonEndpoints": ["kubeletEndpoint": ["Port": .int(Int64(serverPort.value))]],
            ],
        ]
    }

    /// Creates or refreshes the Node; keeps conditions' transition times when their status is unchanged.
    public func register() async throws {
        let m = config.machine ?? MachineInfo.read(dataDir: config.dataDir, nodeIP: config.nodeIP)
        let runtimeVersion = (try? await runtime.version()) ?? "unknown"
        let desired = nodeObject(m, runtimeVersion: runtimeVersion)
        do {
            _ = try await client.create(.nodes, namespace: nil, desired)
            logger.info("node registered", metadata: ["node": "\(config.nodeName)"])
        } catch let e as GantryError where e.code == .alreadyExists {
            try await updateStatus(desired)
        }
    }

    func updateStatus(_ desired: JSONValue) async throws {
        let current = try await client.get(.nodes, namespace: nil, name: config.nodeName)
        var status = desired["status"] ?? .emptyObject
        let old = current[path: ["status", "conditions"]]?.arrayValue ?? []
        if var conds = status["conditions"]?.arrayValue {
            for i in conds.indices {
                if let prev = old.first(where: { $0["type"] == conds[i]["type"] }), prev["status"] == conds[i]["status"] {
                    conds[i]["lastTransitionTime"] = prev["lastTransitionTime"]
                }
            }
            status["conditions"] = .array(conds)
        }
        _ = try await client.patch(.nodes, namespace: nil, name: config.nodeName, ["status": status], type: .merge,
                                   subresource: "status")
        var labels = desired[path: ["metadata", "labels"]] ?? .emptyObject
        if let have = current[path: ["metadata", "labels"]]?.objectValue {
            labels = .object(have.merging(labels.objectValue ?? [:]) { _, new in new })
        }
        let root = desired[path: ["metadata", "annotations", LocalPath.rootAnnotation]] ?? .null
        if labels != current[path: ["metadata", "labels"]] || current[path: ["metadata", "annotations", LocalPath.rootAnnotation]] != root {
            _ = try await client.patch(.nodes, namespace: nil, name: config.nodeName,
                                       ["metadata": ["labels": labels, "annotations": [LocalPath.rootAnnotation: root]]], type: .merge)
        }
    }

    /// Renews (or creates) this node's Lease.
    public func renewLease() async throws {
        let now = Self.microTime()
        let lease: JSONValue = [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": .string(config.nodeName), "namespace": "kube-node-lease"],
            "spec": ["holderIdentity": .string(config.nodeName), "leaseDurationSeconds": .int(Int64(config.leaseDurationSeconds)),
                     "renewTime": .string(now)],
        ]
        do {
            _ = try await client.patch(.leases, namespace: "kube-node-lease", name: config.nodeName,
                                       ["spec": ["renewTime": .string(now), "holderIdentity": .string(config.nodeName)]], type: .merge)
        } catch let e as GantryError where e.code == .notFound {
            var l = lease
            l[path: ["spec", "acquireTime"]] = .string(now)
            _ = try await client.create(.leases, namespace: "kube-node-lease", l)
        }
    }

    public func run() async throws {
        // Register once the agent's endpoint knows its port.
        while serverPort.value == 0 && !Task.isShuttingDownGracefully {
            try await Task.sleep(for: .milliseconds(20))
        }
        let md: Logger.Metadata = ["node": "\(config.nodeName)"]
        var backoff = Backoff(initial: .milliseconds(200), cap: .seconds(5))
        var log = RetryLog("node registration", logger: logger, metadata: md)
        while !Task.isShuttingDownGracefully {
            try Task.checkCancellation()
            do {
                try await register()
                log.succeeded()
                break
            } catch {
                if isCancellation(error) { throw CancellationError() }
                log.failed(error)
                try await backoff.wait()
            }
        }
        var lastStatus = ContinuousClock.now
        var heartbeat = RetryLog("node heartbeat", logger: logger, metadata: md)
        // The heartbeat's back-off stays under the node grace period, so a server that comes back finds the
        // node renewing within a second, not marked unreachable.
        backoff = Backoff(initial: .milliseconds(250), cap: .seconds(1))
        while !Task.isShuttingDownGracefully {
            try Task.checkCancellation()
            var wait = config.leaseRenewInterval
            do {
                try await renewLease()
                if ContinuousClock.now - lastStatus >= config.statusInterval {
                    lastStatus = ContinuousClock.now
                    let m = config.machine ?? MachineInfo.read(dataDir: config.dataDir, nodeIP: config.nodeIP)
                    try await updateStatus(nodeObject(m, runtimeVersion: (try? await runtime.version()) ?? "unknown"))
                }
                heartbeat.succeeded()
                backoff.reset()
            } catch {
                if isCancellation(error) { throw CancellationError() }
                heartbeat.failed(error)
                // Jittered, so that many nodes that lost the server together do not come back in step.
                wait = max(wait, backoff.next())
            }
            let pause = wait
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            } catch {
                if Task.isShuttingDownGracefully { return }
                throw error
            }
        }
    }
}

/// A value shared across tasks under a lock.
public final class LockedValue<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var v: T
    /// Changes the value under the lock.
    public func update(_ body: (inout T) -> Void) {
        lock.lock()
        body(&v)
        lock.unlock()
    }
    public init(_ v: T) { self.v = v }
    public var value: T {
        get { lock.lock(); defer { lock.unlock() }; return v }
        set { lock.lock(); v = newValue; lock.unlock() }
    }
}

