import Foundation
import GantryAPI
import GantryClient
import GantryRuntime
import Logging
import ServiceLifecycle

/// Watches the pods bound to this node and runs one `PodWorker` per pod.
public final class PodManager: ServiceLifecycle.Service, @unchecked Sendable {
    let client: GantryClient
    let runtime: any ContainerRuntime
    let images: any ImageStore
    let network: any NetworkPlugin
    let config: AgentConfig
    let logger: Logger
    private let lock = NSLock()
    private var workers: [String: PodWorker] = [:]
    let stats = StatsCollector()
    /// The kubelet's events (source `kubelet` on this node), repeats folded.
    let events: EventSink
    /// The `kubernetes` Service's variables, read once for all of this node's pods.
    let serviceEnv = ServiceEnvCache()
    /// Cleanups of deleted pods still running (shutdown waits for them).
    let cleanups = LockedValue(0)

    public init(client: GantryClient, runtime: any ContainerRuntime, images: any ImageStore, network: any NetworkPlugin,
                config: AgentConfig, logger: Logger) {
        self.client = client
        self.runtime = runtime
        self.images = images
        self.network = network
        self.config = config
        self.logger = logger
        events = EventSink(client: client, component: "kubelet", host: config.nodeName, logger: logger)
    }

    func worker(_ uid: String) -> PodWorker? {
        lock.lock()
        defer { lock.unlock() }
        return workers[uid]
    }

    func setWorker(_ uid: String, _ w: PodWorker?) {
        lock.lock()
        workers[uid] = w
        lock.unlock()
    }

    func allWorkers() -> [PodWorker] {
        lock.lock()
        defer { lock.unlock() }
        return Array(workers.values)
    }

    /// The number of pods this agent is running.
    public var podCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return workers.count
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                try await self.loop(group: &group)
                // Let the teardown of deleted pods finish (bounded: what is cut short is collected as an
                // orphan on the next start) before anything is cancelled.
                let deadline = ContinuousClock.now + .seconds(10)
                while self.cleanups.value > 0, ContinuousClock.now < deadline, !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(50))
                }
                // Prepared sandboxes hold addresses and iptables rules that nothing else would remove: a graceful
                // stop tears them down (a crashed agent's are taken over by the next one).
                await self.network.stopPreparingSandboxes(release: true)
                if self.config.stopPodsOnExit {
                    await withTaskGroup(of: Void.self) { stops in
                        for w in self.allWorkers() { stops.addTask { await w.shutdownPod() } }
                    }
                    self.logger.info("stopped all pods")
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            // Containers keep running across agent restarts; only the loops stop.
        }
    }

    /// List, then watch; on any watch failure, list again.
    func loop(group: inout ThrowingTaskGroup<Void, Error>) async throws {
        let selector = "spec.nodeName=\(config.nodeName)"
        var preparing = false
        var backoff = Backoff(initial: .milliseconds(200), cap: .seconds(10))
        var log = RetryLog("pod list and watch", logger: logger, metadata: ["node": "\(config.nodeName)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var watching: ContinuousClock.Instant?
            do {
                let list = try await client.list(.pods, namespace: nil, fieldSelector: selector)
                // The containers on this node, listed once per (re)list: a pod's worker adopts those an earlier
                // agent process started for it. A pod first seen through the watch cannot have any (containers
                // are only started by a worker, and workers for pods seen before are still here or cleaned up),
                // so its worker starts without asking the runtime, which is an exec of `runc list`. If the list
                // fails, list again rather than start pods whose containers may still be running.
                let containers = try await runtime.list()
                let byPod = Dictionary(grouping: containers) { $0.labels["gantry.io/pod-uid"] ?? "" }
                var seen = Set<String>()
                for item in list["items"]?.arrayValue ?? [] {
                    let uid = item[path: ["metadata", "uid"]]?.stringValue ?? ""
                    if let uid = handle(item, adopting: byPod[uid] ?? [], group: &group) { seen.insert(uid) }
                }
                await collectOrphans(keep: seen, containers: containers)
                if !preparing {
                    // After the orphans are gone, so their addresses are free again.
                    preparing = true
                    await network.prepareSandboxes(count: config.preparedSandboxes)
                }
                let rv = list[path: ["metadata", "resourceVersion"]]?.stringValue
                let stream = try await client.watch(.pods, namespace: nil, resourceVersion: rv, fieldSelector: selector,
                                                    bookmarks: true)
                log.succeeded()
                watching = .now
                for try await event in stream.cancelOnGracefulShutdown() {
                    switch event.type {
                    case "ADDED", "MODIFIED":
                        _ = handle(event.object, adopting: [], group: &group)
                    case "DELETED":
                        if let uid = event.object[path: ["metadata", "uid"]]?.stringValue, let w = worker(uid) {
                            // Deleted without a graceful termination: stop everything now.
                            setWorker(uid, nil)
                            cleanups.update { $0 += 1 }
                            let counter = cleanups
                            group.addTask {
                                await w.stopLoop()
                                await w.cleanup()
                                await w.removeDirectory()
                                counter.update { $0 -= 1 }
                            }
                        }
                    case "ERROR":
                        throw GantryError(.expired, "watch expired")
                    default: break
                    }
                }
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                // The server ended the watch: list again at once if it lasted, else back off (a server that
                // ends every watch at once must not be re-listed in a tight loop).
                if let w = watching, ContinuousClock.now - w >= .seconds(5) { backoff.reset() } else { try await backoff.wait() }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                if isCancellation(error) { throw CancellationError() }
                if let w = watching, ContinuousClock.now - w >= .seconds(5) { backoff.reset() }
                log.failed(error)
                try await backoff.wait()
            }
        }
    }

    /// Routes a pod to its worker, starting one (which takes over `adopting`, the containers an earlier agent
    /// process left running for the pod) if needed; returns its uid.
    func handle(_ pod: JSONValue, adopting: [ContainerInfo], group: inout ThrowingTaskGroup<Void, Error>) -> String? {
        guard let uid = pod[path: ["metadata", "uid"]]?.stringValue else { return nil }
        if let w = worker(uid) {
            Task { await w.update(pod) }
            return uid
        }
        let phase = pod[path: ["status", "phase"]]?.stringValue
        // A finished pod from before an agent restart needs no worker unless it is being deleted.
        if phase == "Succeeded" || phase == "Failed", pod[path: ["metadata", "deletionTimestamp"]] == nil,
           pod[path: ["status", "containerStatuses"]] != nil
        {
            return uid
        }
        do {
            let w = try PodWorker(pod: pod, client: client, runtime: runtime, images: images, network: network,
                                  config: config, events: events, serviceEnv: serviceEnv, logger: logger)
            setWorker(uid, w)
            group.addTask { [weak self] in
                await w.run(adopting: adopting)
                if await w.finished {
                    await w.removeDirectory()
                    self?.setWorker(uid, nil)
                }
            }
        } catch {
            logger.error("cannot run pod", metadata: ["uid": "\(uid)", "error": "\(error)"])
        }
        return uid
    }

    /// The log file of a container of a pod on this node (its current or previous instance).
    public func logFile(namespace: String, pod: String, container: String, previous: Bool) -> String? {
        let fm = FileManager.default
        let root = config.dataDir + "/pods"
        let dirs = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasPrefix("\(namespace)_\(pod)_") }
        let candidates = dirs.map { "\(root)/\($0)/logs/\(container)" }.filter { fm.fileExists(atPath: $0) }
        guard let dir = candidates.max(by: { mtime($0) < mtime($1) }) else { return nil }
        let files = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".log") }
            .compactMap { Int($0.dropLast(4)) }.sorted()
        guard let last = files.last else { return nil }
        if previous {
            guard files.count >= 2 else { return nil }
            return "\(dir)/\(files[files.count - 2]).log"
        }
        return "\(dir)/\(last).log"
    }

    func mtime(_ path: String) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
    }

    /// The runtime ID of a running container of a pod on this node.
    public func runtimeID(namespace: String, pod: String, container: String) async -> String? {
        for w in allWorkers() where w.name == pod && w.namespace == namespace {
            if let id = await w.runningID(container) { return id }
        }
        return nil
    }

    /// Whether the named container of a pod is running now (ends `logs -f`).
    public func isRunning(namespace: String, pod: String, container: String) async -> Bool {
        for w in allWorkers() where w.name == pod && w.namespace == namespace {
            if await w.isRunning(container) { return true }
        }
        return false
    }

    /// Removes what pods that no longer exist left behind (deleted while the agent was away, or whose
    /// cleanup was cut short): their containers, and their network sandboxes.
    func collectOrphans(keep: Set<String>, containers: [ContainerInfo]) async {
        for c in containers {
            guard let uid = c.labels["gantry.io/pod-uid"], !keep.contains(uid), worker(uid) == nil else { continue }
            try? await runtime.delete(c.id, force: true)
        }
        for uid in (try? await network.sandboxIDs()) ?? [] where !keep.contains(uid) && worker(uid) == nil {
            try? await network.tearDown(sandboxID: uid, netns: "/var/run/netns/gantry-\(uid.prefix(18))", ports: [])
            logger.info("removed the network of a pod that is gone", metadata: ["uid": "\(uid)"])
        }
    }
}

/// The node agent: node registration and heartbeat, and the pods bound to the node.
public struct NodeAgent: Sendable {
    public let heartbeat: NodeHeartbeat
    public let pods: PodManager
    public let server: NodeServer
    public let volumes: LocalVolumeCleaner
    /// The port the agent's endpoint serves on (0 until it is up).
    public let serverPort = LockedValue(0)
    /// The settings it runs with.
    public let config: AgentConfig

    public init(client: GantryClient, config: AgentConfig, runtime: any ContainerRuntime, images: any ImageStore,
                network: any NetworkPlugin, logger: Logger) {
        self.config = config
        heartbeat = NodeHeartbeat(client: client, config: config, runtime: runtime, logger: logger, serverPort: serverPort)
        pods = PodManager(client: client, runtime: runtime, images: images, network: network, config: config, logger: logger)
        volumes = LocalVolumeCleaner(client: client, nodeName: config.nodeName, root: config.localPathRoot, logger: logger)
        let port = serverPort
        server = NodeServer(pods: pods, runtime: runtime, host: config.serverHost, port: config.serverPort,
                            security: config.serverSecurity, logger: logger) { p in
            port.value = p
        }
    }

    /// The agent's services, for a ServiceGroup.
    public var services: [any ServiceLifecycle.Service] { [server, heartbeat, pods, volumes] }
}

