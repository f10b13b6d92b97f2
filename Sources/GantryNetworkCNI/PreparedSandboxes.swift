import Foundation
import GantryAPI
import GantryRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The sandboxes a `CNINetwork` keeps set up ahead of demand, and the task that refills them.
///
/// A prepared sandbox is a network namespace `/var/run/netns/gantry-pool-<hex>` with `lo` up and `eth0` on the
/// bridge holding an address: ADD has run (under CNI container ID `gantry-pool-<hex>`) for the network list of a
/// pod without host ports. Its cache entry lives in `<stateDir>/prepared/<id>.json`, so it survives an agent
/// restart; `<id>.pending` marks one whose ADD is in progress, so a crash in the middle is cleaned up later.
actor PreparedSandboxes {
    /// How many to keep ready.
    private(set) var target = 0
    /// The ready ones (CNI container IDs), oldest first.
    private var ready: [String] = []
    private var filler: Task<Void, Never>?
    private var recovery: Task<[String], Never>?
    /// After a failed setup, no refill before this instant (a broken plugin must not be retried in a loop).
    private var retryAfter: ContinuousClock.Instant?
    /// Why the last refill failed, while it keeps failing.
    private(set) var lastError: String?

    var readyCount: Int { ready.count }

    /// Takes the oldest ready sandbox, if any.
    func take() -> String? {
        ready.isEmpty ? nil : ready.removeFirst()
    }

    /// Sets how many to keep ready.
    func configure(target: Int, network: CNINetwork) async {
        await recover(network)
        self.target = max(0, target)
        retryAfter = nil
        refill(network)
    }

    /// Takes over what an earlier process prepared, once, before anything else touches sandboxes; every caller
    /// waits until that is done.
    func recover(_ network: CNINetwork) async {
        if recovery == nil {
            recovery = Task { await network.recoverPrepared() }
            ready += await recovery!.value
        } else {
            _ = await recovery!.value
        }
    }

    /// Starts preparing more, unless enough are ready or being prepared.
    func refill(_ network: CNINetwork) {
        guard filler == nil, ready.count < target else { return }
        if let after = retryAfter, after > .now { return }
        filler = Task { await self.fill(network) }
    }

    /// The nice value of the plugins preparing sandboxes: they run behind the pods starting now, without being
    /// starved (they take the IPAM store's and iptables' locks, which pods starting now wait for).
    static let niceness: Int32 = 10

    /// One at a time and at a lower priority, so preparing takes little from the pods starting now.
    private func fill(_ network: CNINetwork) async {
        while ready.count < target {
            do {
                ready.append(try await ProcessRunner.$niceness.withValue(Self.niceness) { try await network.prepareOne() })
                lastError = nil
            } catch {
                lastError = "\(error)"
                retryAfter = .now + .seconds(10)
                break
            }
        }
        filler = nil
    }

    /// Stops refilling (letting a setup in progress finish, since an ADD cut short leaks) and hands over the
    /// ready ones, which are no longer offered.
    func stop() async -> [String] {
        target = 0
        await filler?.value
        let ids = ready
        ready = []
        return ids
    }
}

extension CNINetwork {
    var preparedDir: String { stateDir + "/prepared" }
    func preparedPath(_ id: String) -> String { preparedDir + "/" + id + ".json" }
    func pendingPath(_ id: String) -> String { preparedDir + "/" + id + ".pending" }

    /// Keeps `count` sandboxes set up ahead of demand, so that a pod without host ports gets its network
    /// without waiting for the plugins (the bridge ADD alone costs some 20–60 ms). A claimed sandbox's namespace
    /// is moved to the pod's path and its cache entry to the pod's sandbox ID; it keeps the CNI container ID it
    /// was prepared under, which DEL and CHECK repeat. The first call takes over the ones an earlier process
    /// prepared (and cleans up after one that died mid-way); 0 stops preparing more.
    public func prepareSandboxes(count: Int) async {
        await prepared.configure(target: count, network: self)
    }

    /// Stops preparing sandboxes; with `release`, tears down the ready ones too (otherwise a later process
    /// takes them over).
    public func stopPreparingSandboxes(release: Bool) async {
        let ids = await prepared.stop()
        guard release else { return }
        for id in ids { await discardPrepared(id) }
    }

    /// How many prepared sandboxes are ready now, and why preparing the last one failed (while it fails).
    public func preparedSandboxes() async -> (ready: Int, lastError: String?) {
        (await prepared.readyCount, await prepared.lastError)
    }

    /// Sets up one sandbox ahead of demand; returns its ID.
    func prepareOne() async throws -> String {
        try checkPrerequisites(plugins: ["loopback", "bridge", "host-local"])
        let id = "gantry-pool-" + String(UInt64.random(in: 0..<(1 << 48)), radix: 16)
        try FileManager.default.createDirectory(atPath: preparedDir, withIntermediateDirectories: true)
        // Recorded before ADD, so that a crash in the middle is cleaned up on the next start.
        guard FileManager.default.createFile(atPath: pendingPath(id), contents: nil) else {
            throw GantryError(.internalError, "cannot write \(pendingPath(id))")
        }
        let ns = try NetnsPath("/var/run/netns/\(id)")
        let entry: CacheEntry
        do {
            entry = try await addNetwork(containerID: id, ns: ns, pod: PodRef(namespace: nil, name: nil, sandboxID: id),
                                         ports: [])
        } catch {
            // addNetwork rolled the plugins back.
            try? await ns.remove(timeout: pluginTimeout)
            unlink(pendingPath(id))
            throw error
        }
        do {
            try saveCache(entry, to: preparedPath(id))
        } catch {
            // Set up but not recorded: undo it now (the pending marker stays for a retry if this fails too).
            if (try? await delete(cached: entry, containerID: id, ns: ns, pod: PodRef(namespace: nil, name: nil, sandboxID: id),
                                  fallbackPorts: [], cacheFile: preparedPath(id))) != nil {
                try? await ns.remove(timeout: pluginTimeout)
                unlink(pendingPath(id))
            }
            throw error
        }
        unlink(pendingPath(id))
        return id
    }

    /// Gives the pod `sandboxID` a prepared sandbox, its namespace moved to `ns`; nil when none is ready
    /// (or `ns` is not one Gantry manages, or already exists). Called holding the pod's sandbox lock.
    func claimPrepared(sandboxID: String, netns ns: NetnsPath, pod: PodRef) async -> SandboxNetwork? {
        guard ns.managed, !ns.exists else { return nil }
        defer { Task { await prepared.refill(self) } }
        while let id = await prepared.take() {
            guard var entry = try? loadCache(path: preparedPath(id)), let from = try? NetnsPath(entry.netns), from.exists,
                  let network = try? Self.sandboxNetwork(from: entry.result)
            else {
                await discardPrepared(id)
                continue
            }
            let old = entry.netns
            entry.sandboxID = sandboxID
            entry.containerID = id
            entry.netns = ns.path
            entry.podName = pod.name ?? ""
            entry.podNamespace = pod.namespace ?? ""
            entry.result = Self.result(entry.result, sandboxMovedFrom: old, to: ns.path)
            do {
                // The pod's entry first: a crash before the move is finished by `recoverPrepared`.
                try saveCache(entry, to: cachePath(sandboxID))
                try from.move(to: ns)
            } catch {
                try? FileManager.default.removeItem(atPath: cachePath(sandboxID))
                await discardPrepared(id)
                continue
            }
            unlink(preparedPath(id))
            return network
        }
        return nil
    }

    /// Tears a prepared sandbox down: DEL (releasing its address and rules) and its namespace. If DEL fails, its
    /// record stays, so that the next start (`recoverPrepared`) tries again rather than leak the address.
    func discardPrepared(_ id: String) async {
        let path = preparedPath(id)
        let entry = try? loadCache(path: path)
        guard let ns = try? NetnsPath(entry?.netns ?? "/var/run/netns/\(id)") else { return }
        do {
            try await delete(cached: entry, containerID: id, ns: ns, pod: PodRef(namespace: nil, name: nil, sandboxID: id),
                             fallbackPorts: [], cacheFile: path)
        } catch {
            if entry == nil, FileManager.default.fileExists(atPath: pendingPath(id)) == false {
                // Nothing recorded to retry from.
                try? await ns.remove(timeout: pluginTimeout)
            }
            return
        }
        try? await ns.remove(timeout: pluginTimeout)
        unlink(path)
        unlink(pendingPath(id))
    }

    /// The prepared sandboxes an earlier process left, still usable (same network configuration, namespace
    /// present). The others are torn down, and a claim cut short by a crash is finished.
    func recoverPrepared() async -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: preparedDir)) ?? []
        let ids = Set(files.compactMap { f -> String? in
            if f.hasSuffix(".json") { return String(f.dropLast(5)) }
            if f.hasSuffix(".pending") { return String(f.dropLast(8)) }
            return nil
        })
        guard !ids.isEmpty else { return [] }
        var claimed: [String: CacheEntry] = [:]
        for f in (try? FileManager.default.contentsOfDirectory(atPath: resultsDir)) ?? [] where f.hasSuffix(".json") {
            if let e = try? loadCache(path: resultsDir + "/" + f), let id = e.containerID { claimed[id] = e }
        }
        let wanted = pluginConfigs(hostPorts: false)
        var ready: [String] = []
        for id in ids.sorted() {
            let entry = try? loadCache(path: preparedPath(id))
            if let owner = claimed[id] {
                // The claim recorded the pod's entry; finish moving the namespace (over an empty file a move
                // cut short may have left at the pod's path).
                if let entry, let from = try? NetnsPath(entry.netns), let to = try? NetnsPath(owner.netns), from.exists,
                   !to.isNamespace {
                    unlink(to.path)
                    try? from.move(to: to)
                }
                unlink(preparedPath(id))
                unlink(pendingPath(id))
            } else if let entry, !FileManager.default.fileExists(atPath: pendingPath(id)), entry.plugins == wanted,
                      entry.networkName == networkName, (try? NetnsPath(entry.netns))?.exists == true {
                ready.append(id)
            } else {
                await discardPrepared(id)
            }
        }
        return ready
    }

    /// A CNI result whose interfaces in namespace `old` are now in `new` (the bridge plugin's CHECK compares).
    static func result(_ result: JSONValue, sandboxMovedFrom old: String, to new: String) -> JSONValue {
        guard var object = result.object, let interfaces = object["interfaces"]?.array else { return result }
        object["interfaces"] = .array(interfaces.map { i in
            guard var o = i.object, o["sandbox"]?.string == old else { return i }
            o["sandbox"] = .string(new)
            return .object(o)
        })
        return .object(object)
    }
}

extension NetnsPath {
    /// Whether a namespace is mounted at the path (not merely a file there): the bind mount of an nsfs inode
    /// has another device than the directory holding it.
    var isNamespace: Bool {
        var here = stat(), dir = stat()
        let parent = (path as NSString).deletingLastPathComponent
        guard stat(path, &here) == 0, stat(parent, &dir) == 0 else { return false }
        return here.st_dev != dir.st_dev
    }

    /// Moves the namespace to `target` (which must not exist): a bind mount of it at the new path, then the old
    /// one unmounted and removed. No process enters or leaves the namespace, so its interfaces stay as they are.
    func move(to target: NetnsPath) throws {
        guard managed, target.managed else {
            throw GantryError(.invalid, "only namespaces under /var/run/netns can be moved (\(path) → \(target.path))")
        }
        let fd = open(target.path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        guard fd >= 0 else {
            throw GantryError(.internalError, "cannot create \(target.path): \(String(cString: strerror(errno)))")
        }
        close(fd)
        // MS_BIND
        guard mount(path, target.path, "none", 4096, nil) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(target.path)
            throw GantryError(.internalError, "cannot bind network namespace \(path) at \(target.path): \(message)")
        }
        // MNT_DETACH
        if umount2(path, 2) != 0 {
            let message = String(cString: strerror(errno))
            _ = umount2(target.path, 2)
            unlink(target.path)
            throw GantryError(.internalError, "cannot unmount network namespace \(path): \(message)")
        }
        unlink(path)
    }
}
