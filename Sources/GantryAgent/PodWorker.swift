import Foundation
import GantryAPI
import GantryClient
import GantryRuntime
import Logging

/// What the agent knows of one container of a pod.
struct ContainerRecord: Sendable {
    var name: String
    var attempt = 0
    var runtimeID: String?
    /// waiting / running / terminated
    var state = "waiting"
    var reason: String? = "ContainerCreating"
    var message: String?
    var exitCode: Int32?
    var startedAt: Date?
    var finishedAt: Date?
    var restartCount = 0
    var lastTerminated: JSONValue?
    var imageID = ""
    var image = ""
    /// Not before this instant may the container be (re)started.
    var backoffUntil: Date?
    var pullFailures = 0
    /// Readiness: true when running and the readiness probe (if any) passes.
    var ready = false
    /// True once the startup probe (if any) has passed.
    var started = false
}

/// Runs one pod on this node: its network sandbox, init containers in order, then its containers under
/// the restart policy with back-off, and graceful termination; reports status through the API.
actor PodWorker {
    let uid: String
    private(set) var pod: Pod
    private var raw: JSONValue
    let client: GantryClient
    let runtime: any ContainerRuntime
    let images: any ImageStore
    let network: any NetworkPlugin
    let config: AgentConfig
    let logger: Logger
    /// Where the pod's events go (Pulling, Pulled, Created, Started, Killing, BackOff, Unhealthy, Failed).
    let events: EventSink?
    /// The node's cache of the `kubernetes` Service's variables, shared by its pods (nil: read per pod).
    let serviceEnv: ServiceEnvCache?
    /// Back-off and state-change logging of the API writes (status, the final delete) and of sandbox set-up, so
    /// an unreachable server or a broken plugin is retried less and less often and logged once, not every try.
    var apiBackoff = Backoff(initial: .seconds(1), cap: .seconds(30))
    var apiLog: RetryLog?
    var sandboxBackoff = Backoff(initial: .seconds(2), cap: .seconds(60))
    var sandboxLog: RetryLog?
    private var records: [String: ContainerRecord] = [:]
    private var initRecords: [String: ContainerRecord] = [:]
    private var sandbox: SandboxNetwork?
    private var sandboxError: String?
    private var waiters: [String: Task<Void, Never>] = [:]
    private var lastReported: JSONValue?
    private var startTime: Date?
    /// When this agent first saw the pod, until it ran (`kubelet_pod_start_duration_seconds`).
    private var seenAt: ContinuousClock.Instant? = .now
    private(set) var finished = false
    private let wake: AsyncStream<Void>.Continuation
    let wakeups: AsyncStream<Void>

    init(pod: JSONValue, client: GantryClient, runtime: any ContainerRuntime, images: any ImageStore,
         network: any NetworkPlugin, config: AgentConfig, events: EventSink? = nil, serviceEnv: ServiceEnvCache? = nil,
         logger: Logger) throws {
        self.events = events
        self.serviceEnv = serviceEnv
        self.raw = pod
        self.pod = try pod.decode(Pod.self)
        self.uid = self.pod.metadata.uid ?? ""
        self.initialName = self.pod.metadata.name ?? ""
        self.initialNamespace = self.pod.metadata.namespace ?? "default"
        self.client = client
        self.runtime = runtime
        self.images = images
        self.network = network
        self.config = config
        var l = logger
        l[metadataKey: "pod"] = "\(self.pod.metadata.namespace ?? "")/\(self.pod.metadata.name ?? "")"
        self.logger = l
        (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    nonisolated var name: String { initialName }
    nonisolated var namespace: String { initialNamespace }
    nonisolated let initialName: String
    nonisolated let initialNamespace: String
    var podDir: String { "\(config.dataDir)/pods/\(namespace)_\(name)_\(uid)" }
    var netnsName: String { "gantry-\(uid.prefix(18))" }
    var netnsPath: String { "/var/run/netns/\(netnsName)" }

    /// Takes a newer version of the pod and schedules a sync.
    func update(_ json: JSONValue) {
        guard let p = try? json.decode(Pod.self) else { return }
        raw = json
        pod = p
        wake.yield()
    }

    func poke() { wake.yield() }

    /// Name, runtime ID and start time of each running container.
    func runningContainers() -> [(String, String, Date?)] {
        (Array(records.values) + Array(initRecords.values)).compactMap { r in
            guard r.state == "running", let id = r.runtimeID else { return nil }
            return (r.name, id, r.startedAt)
        }
    }

    /// The runtime ID of a running container of this pod.
    func runningID(_ container: String) -> String? {
        for r in [records[container], initRecords[container]] {
            if let r, r.state == "running", let id = r.runtimeID { return id }
        }
        return nil
    }

    /// Whether a container of this pod is running.
    func isRunning(_ container: String) -> Bool {
        records[container]?.state == "running" || initRecords[container]?.state == "running"
    }

    /// The sync loop: runs until the pod is finished (deleted and cleaned up). It first takes over `adopting`,
    /// the pod's containers an earlier agent process started.
    func run(adopting: [ContainerInfo] = []) async {
        await adopt(adopting)
        wake.yield()
        for await _ in wakeups {
            if Task.isCancelled || finished { break }
            await sync()
            if finished { break }
        }
        for t in waiters.values { t.cancel() }
    }

    /// Takes over the containers an earlier agent process started for this pod (they outlive the agent):
    /// running ones are watched again, stopped ones count as terminated attempts.
    func adopt(_ containers: [ContainerInfo]) async {
        let mine = containers.filter { $0.labels["gantry.io/pod-uid"] == uid }
        guard !mine.isEmpty else { return }
        let initNames = Set((pod.spec?.initContainers ?? []).compactMap(\.name))
        for info in mine.sorted(by: { attemptOf($0.id) < attemptOf($1.id) }) {
            guard let name = info.labels["gantry.io/container"] else { continue }
            let isInit = initNames.contains(name)
            var r = (isInit ? initRecords[name] : records[name]) ?? ContainerRecord(name: name)
            if let old = r.runtimeID, old != info.id, info.status == .running {
                try? await runtime.delete(old, force: true)
            }
            r.runtimeID = info.id
            r.attempt = attemptOf(info.id)
            r.restartCount = max(0, r.attempt - 1)
            r.imageID = info.labels["gantry.io/image-digest"] ?? ""
            r.startedAt = info.startedAt
            r.started = true
            r.ready = true
            if info.status == .running {
                r.state = "running"
                r.reason = nil
                if isInit { initRecords[name] = r } else { records[name] = r }
                watchExit(id: info.id, container: name, isInit: isInit)
                if !isInit, let c = (pod.spec?.containers ?? []).first(where: { $0.name == name }), c.readinessProbe != nil {
                    // Probes restart once the sandbox (the pod IP) is known again, in sync().
                    r.ready = false
                    records[name] = r
                }
            } else {
                r.state = "terminated"
                r.exitCode = info.exitCode ?? 0
                r.finishedAt = info.finishedAt
                r.reason = info.oomKilled ? "OOMKilled" : (r.exitCode == 0 ? "Completed" : "Error")
                if isInit { initRecords[name] = r } else { records[name] = r }
            }
        }
        if startTime == nil { startTime = mine.compactMap(\.startedAt).min() }
        logger.info("adopted containers from an earlier agent", metadata: ["count": "\(mine.count)"])
    }

    func attemptOf(_ id: String) -> Int { Int(id.split(separator: "-").last ?? "") ?? 1 }

    /// Stops the pod's containers and network without removing the pod object (`gantry dev` exiting).
    func shutdownPod() async {
        wake.finish()
        await terminate(finalize: false)
    }

    /// Stops the loop without touching containers (agent shutdown: containers keep running).
    func stopLoop() {
        wake.finish()
    }

    // MARK: - Sync

    func sync() async {
        if pod.metadata.deletionTimestamp != nil {
            await terminate(finalize: true)
            return
        }
        if startTime == nil { startTime = Date() }
        let phase = currentPhase()
        if phase == "Succeeded" || phase == "Failed" {
            await reportStatus()
            return
        }
        // Sandbox.
        if sandbox == nil {
            do {
                try prepareDirectories()
                if pod.spec?.hostNetwork == true {
                    let ip = MachineInfo.hostIP(nodeIP: config.nodeIP)
                    sandbox = SandboxNetwork(ip: ip, gateway: nil, interfaceName: "host")
                } else {
                    sandbox = try await network.setUp(sandboxID: uid, netns: netnsPath, podName: name, podNamespace: namespace,
                                                      ports: portMappings())
                }
                sandboxError = nil
                try writeNetworkFiles()
                logger.debug("pod sandbox ready", metadata: ["ms": "\(Int(-(startTime ?? Date()).timeIntervalSinceNow * 1000))"])
            } catch {
                if isCancellation(error) || Task.isCancelled { return }
                sandboxError = "\(error)"
                var log = sandboxLog ?? RetryLog("pod sandbox setup", logger: logger)
                let delay = sandboxBackoff.next()
                log.failed(error, retryIn: delay)
                sandboxLog = log
                await reportStatus()
                schedule(after: delay)
                return
            }
            sandboxLog?.succeeded()
            sandboxBackoff.reset()
        }
        // Probes of containers adopted from an earlier agent process.
        for c in pod.spec?.containers ?? [] {
            if let r = records[c.name ?? ""], r.state == "running", let id = r.runtimeID, waiters["probe-" + id] == nil,
               c.readinessProbe != nil || c.livenessProbe != nil || c.startupProbe != nil
            {
                startProbes(id: id, container: c)
            }
        }
        // Init containers, in order, each to success.
        for c in pod.spec?.initContainers ?? [] {
            let n = c.name ?? ""
            var r = initRecords[n] ?? ContainerRecord(name: n, image: c.image ?? "")
            if r.state == "terminated", r.exitCode == 0 { continue }
            if r.state == "running" { await reportStatus(); return }
            if r.state == "terminated" {
                if restartPolicy == "Never" { await reportStatus(); return }
                if let until = r.backoffUntil, until > Date() {
                    r.state = "waiting"
                    r.reason = "CrashLoopBackOff"
                    initRecords[n] = r
                    schedule(after: until.timeIntervalSinceNow)
                    await reportStatus()
                    return
                }
            }
            initRecords[n] = r
            await start(c, isInit: true)
            await reportStatus()
            return
        }
        // Containers.
        for c in pod.spec?.containers ?? [] {
            let n = c.name ?? ""
            var r = records[n] ?? ContainerRecord(name: n, image: c.image ?? "")
            switch r.state {
            case "running":
                continue
            case "terminated":
                guard shouldRestart(r) else { continue }
                if let until = r.backoffUntil, until > Date() {
                    if r.message?.hasPrefix("back-off") != true {
                        event("Warning", "BackOff", "Back-off restarting failed container \(n) in pod \(name)_\(namespace)(\(uid))", container: n)
                    }
                    r.message = "back-off \(Int(config.backoff.delay(restartCount: max(0, r.restartCount - 1))))s restarting failed container=\(n) pod=\(name)_\(namespace)(\(uid))"
                    records[n] = r
                    schedule(after: until.timeIntervalSinceNow)
                    continue
                }
                await start(c, isInit: false)
            default:
                if let until = r.backoffUntil, until > Date() {
                    schedule(after: until.timeIntervalSinceNow)
                    continue
                }
                records[n] = r
                await start(c, isInit: false)
            }
        }
        await reportStatus()
    }

    var restartPolicy: String { pod.spec?.restartPolicy ?? "Always" }

    func shouldRestart(_ r: ContainerRecord) -> Bool {
        switch restartPolicy {
        case "Never": return false
        case "OnFailure": return r.exitCode != 0
        default: return true
        }
    }

    func schedule(after delay: Duration) {
        let c = delay.components
        schedule(after: Double(c.seconds) + Double(c.attoseconds) / 1e18)
    }

    func schedule(after seconds: Double) {
        let delay = max(0.05, seconds)
        let key = "timer"
        waiters[key]?.cancel()
        waiters[key] = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            if Task.isCancelled { return }
            await self?.poke()
        }
    }

    func portMappings() -> [PortMapping] {
        (pod.spec?.containers ?? []).flatMap { c in
            (c.ports ?? []).compactMap { p -> PortMapping? in
                guard let hp = p.hostPort, hp > 0, let cp = p.containerPort else { return nil }
                return PortMapping(hostPort: hp, containerPort: cp, proto: (p.protocol ?? "TCP").lowercased(), hostIP: p.hostIP)
            }
        }
    }

    // MARK: - Files

    func prepareDirectories() throws {
        let fm = FileManager.default
        for d in [podDir, podDir + "/etc", podDir + "/volumes", podDir + "/containers", podDir + "/logs"] {
            try fm.createDirectory(atPath: d, withIntermediateDirectories: true)
        }
    }

    func writeNetworkFiles() throws {
        let ip = sandbox?.ip ?? ""
        try ContainerSetup.hostsFile(pod: pod, podIP: pod.spec?.hostNetwork == true ? "" : ip)
            .write(toFile: podDir + "/etc/hosts", atomically: true, encoding: .utf8)
        let host = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        try ContainerSetup.resolvConf(pod: pod, clusterDNS: config.clusterDNS, clusterDomain: config.clusterDomain, hostResolvConf: host)
            .write(toFile: podDir + "/etc/resolv.conf", atomically: true, encoding: .utf8)
        try ((pod.spec?.hostname ?? name) + "\n").write(toFile: podDir + "/etc/hostname", atomically: true, encoding: .utf8)
    }

    /// Materializes volumes and returns the mounts for one container.
    func volumeMounts(_ c: Container) async throws -> [Mount] {
        var mounts: [Mount] = []
        let volumes = pod.spec?.volumes ?? []
        for vm in c.volumeMounts ?? [] {
            guard let vname = vm.name, let path = vm.mountPath, let v = volumes.first(where: { $0.name == vname }) else {
                throw GantryError(.invalid, "volume mount \(vm.name ?? "") refers to no volume")
            }
            let ro = vm.readOnly == true
            var source: String
            if let hp = v.hostPath {
                source = hp.path ?? "/"
                if hp.type == "DirectoryOrCreate" { try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true) }
            } else if v.emptyDir != nil {
                source = "\(podDir)/volumes/\(vname)"
                try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
            } else if let cm = v.configMap {
                source = "\(podDir)/volumes/\(vname)"
                try await materialize(kind: .configMaps, name: cm.name ?? "", optional: cm.optional == true,
                                      items: cm.items?.map { ($0.key ?? "", $0.path ?? "") }, mode: cm.defaultMode ?? 420, into: source)
            } else if let sec = v.secret {
                source = "\(podDir)/volumes/\(vname)"
                try await materialize(kind: .secrets, name: sec.secretName ?? "", optional: sec.optional == true,
                                      items: sec.items?.map { ($0.key ?? "", $0.path ?? "") }, mode: sec.defaultMode ?? 420, into: source)
            } else if let proj = v.projected {
                source = "\(podDir)/volumes/\(vname)"
                let mode = proj.defaultMode ?? 420
                for src in proj.sources ?? [] {
                    if let cm = src.configMap {
                        try await materialize(kind: .configMaps, name: cm.name ?? "", optional: cm.optional == true,
                                              items: cm.items?.map { ($0.key ?? "", $0.path ?? "") }, mode: mode, into: source)
                    }
                    if let sec = src.secret {
                        try await materialize(kind: .secrets, name: sec.name ?? "", optional: sec.optional == true,
                                              items: sec.items?.map { ($0.key ?? "", $0.path ?? "") }, mode: mode, into: source)
                    }
                    if let d = src.downwardAPI { try writeDownward(d.items ?? [], mode: mode, into: source) }
                    if let t = src.serviceAccountToken {
                        try await writeToken(t, mode: mode, into: source, key: "token-\(vname)-\(t.path ?? "")")
                    }
                }
            } else if let d = v.downwardAPI {
                source = "\(podDir)/volumes/\(vname)"
                try writeDownward(d.items ?? [], mode: d.defaultMode ?? 420, into: source)
            } else if let pvc = v.persistentVolumeClaim {
                source = try await claimDirectory(pvc.claimName ?? "")
                if pvc.readOnly == true {
                    mounts.append(Mount(source: source + (vm.subPath.map { $0.isEmpty ? "" : "/" + $0 } ?? ""), destination: path,
                                        type: "bind", options: ["rbind", "ro"]))
                    continue
                }
            } else {
                throw GantryError(.invalid, "volume \(vname) has a source this agent does not support yet")
            }
            if let sub = vm.subPath, !sub.isEmpty { source += "/" + sub }
            mounts.append(Mount(source: source, destination: path, type: "bind", options: ["rbind", ro ? "ro" : "rw"]))
        }
        mounts.append(Mount(source: podDir + "/etc/hosts", destination: "/etc/hosts", options: ["rbind", "rw"]))
        mounts.append(Mount(source: podDir + "/etc/resolv.conf", destination: "/etc/resolv.conf", options: ["rbind", "rw"]))
        mounts.append(Mount(source: podDir + "/etc/hostname", destination: "/etc/hostname", options: ["rbind", "rw"]))
        return mounts
    }

    /// The directory behind a PersistentVolumeClaim of the pod: its bound volume's hostPath or local path (made if
    /// missing, for local-path volumes). A claim not bound yet is an error the worker retries.
    func claimDirectory(_ claimName: String) async throws -> String {
        let ns = pod.metadata.namespace ?? "default"
        let claim = try await client.get(PersistentVolumeClaim.self, namespace: ns, name: claimName)
        guard claim.status?.phase == "Bound", let volumeName = claim.spec?.volumeName, !volumeName.isEmpty else {
            throw GantryError(.unavailable, "persistentvolumeclaim \"\(claimName)\" is not bound yet")
        }
        let pv = try await client.get(PersistentVolume.self, name: volumeName)
        if let hp = pv.spec?.hostPath, let path = hp.path, !path.isEmpty {
            if hp.type == "DirectoryOrCreate" || pv.metadata.annotations?[LocalPath.nodeAnnotation] != nil {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o777])
            }
            return path
        }
        if let path = pv.spec?.local?.path, !path.isEmpty {
            guard FileManager.default.fileExists(atPath: path) else {
                throw GantryError(.invalid, "local volume \(volumeName): \(path) does not exist on this node")
            }
            return path
        }
        throw GantryError(.invalid, "persistentvolume \(volumeName) has a volume source this agent does not mount (hostPath and local are supported)")
    }

    /// The `KUBERNETES_SERVICE_*` variables, from the `default/kubernetes` Service (none if it cannot be read).
    func kubernetesServiceEnv() async -> [(String, String)] {
        if let cached = serviceEnv?.fresh() { return cached }
        guard let svc = try? await client.get(.services, namespace: "default", name: "kubernetes"),
              let ip = svc[path: ["spec", "clusterIP"]]?.stringValue, !ip.isEmpty,
              let port = svc[path: ["spec", "ports"]]?.arrayValue?.first?["port"]?.intValue
        else { return [] }
        let env = ContainerSetup.kubernetesServiceEnv(ip: ip, port: Int(port))
        serviceEnv?.store(env)
        return env
    }

    /// Writes a ServiceAccount token bound to this pod (TokenRequest) into a projected volume, and keeps it fresh:
    /// a new one replaces it (atomically) at 80% of its life, as the kubelet does, until the pod stops.
    func writeToken(_ t: ServiceAccountTokenProjection, mode: Int, into dir: String, key: String) async throws {
        let path = dir + "/" + (t.path ?? "token")
        let seconds = max(600, t.expirationSeconds ?? 3600)
        let lifetime = try await requestToken(audience: t.audience, seconds: seconds, to: path, mode: mode)
        waiters[key]?.cancel()
        waiters[key] = Task { [weak self] in
            var wait = lifetime * 0.8
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                if Task.isCancelled { return }
                guard let self else { return }
                do {
                    wait = try await self.requestToken(audience: t.audience, seconds: seconds, to: path, mode: mode) * 0.8
                } catch {
                    wait = 10  // the API is away: try again soon, the old token is still valid for a while
                }
            }
        }
    }

    /// Requests a token and writes it to `path`; returns its lifetime in seconds.
    func requestToken(audience: String?, seconds: Int, to path: String, mode: Int) async throws -> Double {
        let sa = pod.spec?.serviceAccountName ?? "default"
        var spec: JSONValue = ["expirationSeconds": .int(Int64(seconds)),
                               "boundObjectRef": ["kind": "Pod", "apiVersion": "v1", "name": .string(name),
                                                  "uid": .string(pod.metadata.uid ?? "")]]
        if let audience, !audience.isEmpty { spec["audiences"] = [.string(audience)] }
        let body: JSONValue = ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec]
        let out = try await client.call(.POST, "/api/v1/namespaces/\(namespace)/serviceaccounts/\(sa)/token", body: body)
        guard let token = out[path: ["status", "token"]]?.stringValue else {
            throw GantryError(.internalError, "the TokenRequest answer has no token")
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(token.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        chmod(path, mode_t(mode))
        let expires = out[path: ["status", "expirationTimestamp"]]?.stringValue.flatMap(RFC3339.parse)
        return max(60, expires?.timeIntervalSinceNow ?? Double(seconds))
    }

    /// Writes downward API files (pod fields) into a volume directory.
    func writeDownward(_ items: [DownwardAPIVolumeFile], mode: Int, into dir: String) throws {
        var sources = ContainerSetup.Sources()
        sources.podIP = sandbox?.ip ?? ""
        for item in items {
            guard let path = item.path else { continue }
            var value = ""
            if let f = item.fieldRef?.fieldPath {
                switch f {
                case "metadata.labels":
                    value = (pod.metadata.labels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: "\n")
                case "metadata.annotations":
                    value = (pod.metadata.annotations ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: "\n")
                default:
                    value = ContainerSetup.fieldValue(f, pod: pod, sources: sources)
                }
            }
            let target = dir + "/" + path
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(value.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
            chmod(target, mode_t(item.mode ?? mode))
        }
    }

    func materialize(kind: ResourceInfo, name: String, optional: Bool, items: [(String, String)]?, mode: Int, into dir: String) async throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let obj: JSONValue
        do {
            obj = try await client.get(kind, namespace: namespace, name: name)
        } catch let e as GantryError where e.code == .notFound && optional {
            return
        }
        var data: [String: Data] = [:]
        for (k, v) in obj["data"]?.objectValue ?? [:] {
            let s = v.stringValue ?? ""
            data[k] = kind == .secrets ? (Data(base64Encoded: s) ?? Data()) : Data(s.utf8)
        }
        for (k, v) in obj["binaryData"]?.objectValue ?? [:] { data[k] = Data(base64Encoded: v.stringValue ?? "") ?? Data() }
        let pairs = items ?? data.keys.sorted().map { ($0, $0) }
        for (key, path) in pairs {
            guard let content = data[key] else { continue }
            let target = dir + "/" + path
            try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try content.write(to: URL(fileURLWithPath: target), options: .atomic)
            chmod(target, mode_t(mode))
        }
    }

    // MARK: - Events

    /// Records an event about this pod, or one of its containers, as the kubelet does (not waited for).
    nonisolated func event(_ type: String = "Normal", _ reason: String, _ message: String, container: String? = nil, isInit: Bool = false) {
        guard let events else { return }
        var ref: JSONValue = ["apiVersion": "v1", "kind": "Pod", "name": .string(name), "namespace": .string(namespace), "uid": .string(uid)]
        if let container { ref["fieldPath"] = .string(isInit ? "spec.initContainers{\(container)}" : "spec.containers{\(container)}") }
        events.emit(involved: ref, type: type, reason: reason, message: message)
    }

    // MARK: - Containers

    func start(_ c: Container, isInit: Bool) async {
        let n = c.name ?? ""
        var r = (isInit ? initRecords[n] : records[n]) ?? ContainerRecord(name: n, image: c.image ?? "")
        func save() { if isInit { initRecords[n] = r } else { records[n] = r } }
        // Clean up the previous attempt.
        if let old = r.runtimeID {
            try? await runtime.delete(old, force: true)
            try? await images.unmountRootfs(target: "\(podDir)/containers/\(n)/rootfs", scratch: "\(podDir)/containers/\(n)/scratch")
            r.runtimeID = nil
        }
        // Image.
        let image: StoredImage
        do {
            image = try await ensureImage(c, isInit: isInit)
            r.pullFailures = 0
        } catch {
            // A pull cut short because the agent stops is not a failed pull.
            if isCancellation(error) || Task.isCancelled { return }
            r.pullFailures += 1
            r.state = "waiting"
            r.reason = r.pullFailures == 1 ? "ErrImagePull" : "ImagePullBackOff"
            r.message = "\(error)"
            event("Warning", "Failed", "Failed to pull image \"\(c.image ?? "")\": \(error)", container: n, isInit: isInit)
            if r.pullFailures > 1 { event("Normal", "BackOff", "Back-off pulling image \"\(c.image ?? "")\"", container: n, isInit: isInit) }
            r.backoffUntil = Date().addingTimeInterval(config.backoff.delay(restartCount: r.pullFailures - 1))
            save()
            if r.pullFailures == 1 {
                // Kubernetes reports ErrImagePull first, then ImagePullBackOff while it waits.
                schedule(after: 0.5)
            } else {
                schedule(after: r.backoffUntil!.timeIntervalSinceNow)
            }
            logger.warning("image pull failed", metadata: ["container": "\(n)", "error": "\(error)"])
            return
        }
        // Container config.
        var sources = ContainerSetup.Sources()
        sources.podIP = sandbox?.ip ?? ""
        sources.hostIP = MachineInfo.hostIP(nodeIP: config.nodeIP)
        sources.serviceEnv = await kubernetesServiceEnv()
        do {
            for from in c.envFrom ?? [] {
                if let cm = from.configMapRef?.name { sources.configMaps[cm] = try await fetchData(.configMaps, cm) }
                if let s = from.secretRef?.name { sources.secrets[s] = try await fetchData(.secrets, s) }
            }
            for e in c.env ?? [] {
                if let cm = e.valueFrom?.configMapKeyRef?.name, sources.configMaps[cm] == nil { sources.configMaps[cm] = try await fetchData(.configMaps, cm) }
                if let s = e.valueFrom?.secretKeyRef?.name, sources.secrets[s] == nil { sources.secrets[s] = try await fetchData(.secrets, s) }
            }
            let env = try ContainerSetup.environment(pod: pod, container: c, image: image.config, sources: sources)
            let args = ContainerSetup.commandLine(container: c, image: image.config, env: env)
            guard !args.isEmpty else { throw GantryError(.invalid, "no command specified") }
            let rootfs = "\(podDir)/containers/\(n)/rootfs"
            let scratch = "\(podDir)/containers/\(n)/scratch"
            try FileManager.default.createDirectory(atPath: rootfs, withIntermediateDirectories: true)
            try await images.mountRootfs(image, target: rootfs, scratch: scratch)
            logger.debug("rootfs mounted", metadata: ["container": "\(n)", "ms": "\(Int(-(startTime ?? Date()).timeIntervalSinceNow * 1000))"])
            r.attempt += 1
            let id = "\(uid)-\(n)-\(r.attempt)"
            let logDir = "\(podDir)/logs/\(n)"
            try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true)
            var spec = ContainerSpec(id: id, rootfs: rootfs, args: args, env: env,
                                     hostname: pod.spec?.hostNetwork == true ? ProcessInfo.processInfo.hostName : (pod.spec?.hostname ?? name),
                                     logPath: "\(logDir)/\(r.restartCount).log")
            spec.workingDir = c.workingDir ?? image.config.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
            if let u = ContainerSetup.user(pod: pod, container: c) {
                spec.uid = u.uid
                spec.gid = u.gid
                spec.additionalGids = u.groups
            } else if let user = image.config.user, let uid = UInt32(user.split(separator: ":").first ?? "") {
                spec.uid = uid
                spec.gid = user.split(separator: ":").dropFirst().first.flatMap { UInt32($0) } ?? 0
            }
            spec.mounts = try await volumeMounts(c)
            spec.networkNamespace = pod.spec?.hostNetwork == true ? nil : netnsPath
            spec.resources = ContainerSetup.limits(c.resources)
            spec.readonlyRootfs = c.securityContext?.readOnlyRootFilesystem == true
            spec.privileged = c.securityContext?.privileged == true
            spec.capabilitiesAdd = c.securityContext?.capabilities?.add ?? []
            spec.capabilitiesDrop = c.securityContext?.capabilities?.drop ?? []
            spec.tty = c.tty == true
            spec.labels = ["gantry.io/pod-uid": uid, "gantry.io/pod-name": name, "gantry.io/pod-namespace": namespace,
                           "gantry.io/container": n, "gantry.io/image-digest": image.digest]
            // Nothing happens between create and start here (no CRI client to interpose), so one step.
            try await runtime.run(spec)
            event("Normal", "Created", "Created container \(n)", container: n, isInit: isInit)
            event("Normal", "Started", "Started container \(n)", container: n, isInit: isInit)
            r.runtimeID = id
            r.state = "running"
            r.reason = nil
            r.message = nil
            r.startedAt = Date()
            r.imageID = image.digest
            r.backoffUntil = nil
            r.ready = !isInit && c.readinessProbe == nil
            r.started = c.startupProbe == nil
            save()
            watchExit(id: id, container: n, isInit: isInit)
            if !isInit, c.readinessProbe != nil || c.livenessProbe != nil || c.startupProbe != nil {
                startProbes(id: id, container: c)
            }
            logger.info("container started", metadata: ["container": "\(n)", "id": "\(id)",
                                                        "ms": "\(Int(-(startTime ?? Date()).timeIntervalSinceNow * 1000))"])
        } catch let e as GantryError where e.code == .unavailable {
            // Waiting on something that comes by itself (a claim being bound): look again soon, no back-off.
            r.state = "waiting"
            r.reason = "ContainerCreating"
            r.message = e.message
            save()
            schedule(after: 0.3)
            logger.debug("container waits", metadata: ["container": "\(n)", "why": "\(e.message)"])
        } catch {
            r.state = "waiting"
            r.reason = (error as? GantryError)?.code == .notFound ? "CreateContainerConfigError" : "CreateContainerError"
            r.message = "\(error)"
            r.backoffUntil = Date().addingTimeInterval(config.backoff.delay(restartCount: r.restartCount))
            save()
            event("Warning", "Failed", "Error: \(error)", container: n, isInit: isInit)
            schedule(after: r.backoffUntil!.timeIntervalSinceNow)
            logger.warning("container start failed", metadata: ["container": "\(n)", "error": "\(error)"])
        }
    }

    func fetchData(_ kind: ResourceInfo, _ name: String) async throws -> [String: String]? {
        do {
            let obj = try await client.get(kind, namespace: namespace, name: name)
            var out: [String: String] = [:]
            for (k, v) in obj["data"]?.objectValue ?? [:] {
                let s = v.stringValue ?? ""
                out[k] = kind == .secrets ? String(decoding: Data(base64Encoded: s) ?? Data(), as: UTF8.self) : s
            }
            return out
        } catch let e as GantryError where e.code == .notFound {
            return nil
        }
    }

    func ensureImage(_ c: Container, isInit: Bool = false) async throws -> StoredImage {
        let ref = c.image ?? ""
        let n = c.name ?? ""
        let policy = c.imagePullPolicy ?? Defaults.defaultPullPolicy(image: ref)
        if policy != "Always", let local = try await images.image(ref) {
            event("Normal", "Pulled", "Container image \"\(ref)\" already present on machine", container: n, isInit: isInit)
            return local
        }
        if policy == "Never" {
            event("Warning", "ErrImageNeverPull", "Container image \"\(ref)\" is not present with pull policy of Never", container: n, isInit: isInit)
            throw GantryError(.notFound, "container image \"\(ref)\" is not present with pull policy of Never")
        }
        event("Normal", "Pulling", "Pulling image \"\(ref)\"", container: n, isInit: isInit)
        let started = ContinuousClock.now
        let image = try await images.pull(ref, credentials: try await pullCredentials(for: ref))
        let took = ContinuousClock.now - started
        let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
        event("Normal", "Pulled", String(format: "Successfully pulled image \"%@\" in %.3fs. Image size: %lld bytes.", ref, seconds, image.size), container: n, isInit: isInit)
        return image
    }

    /// Credentials for `ref` from the pod's imagePullSecrets (`kubernetes.io/dockerconfigjson`).
    func pullCredentials(for ref: String) async throws -> RegistryCredentials? {
        guard let secrets = pod.spec?.imagePullSecrets, !secrets.isEmpty else { return nil }
        let registry = (try? ImageReference(ref).registry) ?? ""
        for s in secrets {
            guard let n = s.name, let data = try await fetchData(.secrets, n), let json = data[".dockerconfigjson"],
                  let cfg = try? JSONValue.parse(json), let auths = cfg["auths"]?.objectValue else { continue }
            for (host, entry) in auths where host == registry || host.hasSuffix("//" + registry) || host.contains(registry) {
                if let u = entry["username"]?.stringValue, let p = entry["password"]?.stringValue {
                    return RegistryCredentials(username: u, password: p)
                }
                if let a = entry["auth"]?.stringValue, let d = Data(base64Encoded: a) {
                    let parts = String(decoding: d, as: UTF8.self).split(separator: ":", maxSplits: 1).map(String.init)
                    if parts.count == 2 { return RegistryCredentials(username: parts[0], password: parts[1]) }
                }
            }
        }
        return nil
    }

    // MARK: - Probes

    func startProbes(id: String, container c: Container) {
        let runtime = self.runtime
        let podIP = sandbox?.ip ?? "127.0.0.1"
        waiters["probe-" + id] = Task { [self] in
            if let startup = c.startupProbe {
                let passed = await Self.probeLoop(self, startup, "startup", c, id, podIP, runtime) { _ in true }
                if !passed { return }
            }
            await withTaskGroup(of: Void.self) { group in
                if let r = c.readinessProbe {
                    group.addTask { _ = await Self.probeLoop(self, r, "readiness", c, id, podIP, runtime) { _ in false } }
                }
                if let l = c.livenessProbe {
                    group.addTask { _ = await Self.probeLoop(self, l, "liveness", c, id, podIP, runtime) { v in !v } }
                }
            }
        }
    }

    /// Runs one probe periodically, reporting verdicts, until `stop` says so; returns the last verdict.
    static func probeLoop(_ worker: PodWorker, _ probe: Probe, _ kind: String, _ c: Container, _ id: String, _ podIP: String,
                          _ runtime: any ContainerRuntime, stop: @escaping @Sendable (Bool) -> Bool) async -> Bool {
        var state = ProbeState()
        try? await Task.sleep(for: .seconds(probe.initialDelaySeconds ?? 0))
        while !Task.isCancelled {
            let result = await Prober.run(probe, container: c, id: id, podIP: podIP, runtime: runtime)
            if Task.isCancelled { return false }
            let ok = result == .success
            var message: String? = nil
            if case .failure(let m) = result { message = m }
            let success = kind == "readiness" ? (probe.successThreshold ?? 1) : 1
            if let verdict = state.record(ok, successThreshold: success, failureThreshold: probe.failureThreshold ?? 3) {
                await worker.probeVerdict(id: id, container: c.name ?? "", kind: kind, passing: verdict, message: message)
                if stop(verdict) { return verdict }
            } else if kind == "readiness", let verdict = state.verdict {
                // Readiness is level-based: restate it each period, so a verdict that arrived while the
                // container's record was changing is not lost (unchanged, it costs nothing).
                await worker.probeVerdict(id: id, container: c.name ?? "", kind: kind, passing: verdict, message: message)
            }
            try? await Task.sleep(for: .seconds(max(1, probe.periodSeconds ?? 10)))
        }
        return false
    }

    /// Applies a probe verdict: readiness flips Ready; a failed liveness or startup probe restarts the container.
    func probeVerdict(id: String, container: String, kind: String, passing: Bool, message: String?) async {
        guard var r = records[container], r.runtimeID == id, r.state == "running" else { return }
        switch kind {
        case "startup":
            r.started = passing
            if r.ready == false, (pod.spec?.containers ?? []).first(where: { $0.name == container })?.readinessProbe == nil { r.ready = passing }
        case "readiness":
            r.ready = passing
        default:
            break
        }
        records[container] = r
        if !passing {
            let what = kind.prefix(1).uppercased() + kind.dropFirst()
            event("Warning", "Unhealthy", "\(what) probe failed: \(message ?? "")", container: container)
        }
        if !passing, kind != "readiness" {
            event("Normal", "Killing", "Container \(container) failed \(kind) probe, will be restarted", container: container)
            logger.info("container failed its probe and will be restarted", metadata: ["container": "\(container)", "probe": "\(kind)", "message": "\(message ?? "")"])
            waiters["probe-" + id]?.cancel()
            let grace = Date().addingTimeInterval(Double(pod.spec?.terminationGracePeriodSeconds ?? 30))
            let runtime = self.runtime
            Task {
                try? await runtime.kill(id, signal: SIGTERM)
                if (try? await withDeadline(grace) { try await runtime.wait(id) }) == nil {
                    try? await runtime.kill(id, signal: SIGKILL)
                }
            }
        }
        await reportStatus()
    }

    func watchExit(id: String, container: String, isInit: Bool) {
        let runtime = self.runtime
        waiters[id] = Task { [weak self] in
            do {
                let status = try await runtime.wait(id)
                await self?.exited(id: id, container: container, isInit: isInit, status: status)
            } catch {
                // Cancelled (the agent is stopping, or the pod is being torn down): the container is not
                // known to have exited, so record nothing.
                if Task.isCancelled || error is CancellationError { return }
                await self?.exited(id: id, container: container, isInit: isInit,
                                   status: ExitStatus(exitCode: 255, oomKilled: false, finishedAt: Date()))
            }
        }
    }

    func exited(id: String, container: String, isInit: Bool, status: ExitStatus) {
        waiters[id] = nil
        waiters["probe-" + id]?.cancel()
        waiters["probe-" + id] = nil
        var r = (isInit ? initRecords[container] : records[container]) ?? ContainerRecord(name: container)
        guard r.runtimeID == id else { return }
        r.state = "terminated"
        r.exitCode = status.exitCode
        r.finishedAt = status.finishedAt
        r.reason = status.oomKilled ? "OOMKilled" : (status.exitCode == 0 ? "Completed" : "Error")
        r.ready = false
        if pod.metadata.deletionTimestamp == nil {
            let willRestart = isInit ? (restartPolicy != "Never" && status.exitCode != 0) : shouldRestart(r)
            if willRestart {
                // Back-off resets after ten minutes of running.
                let ran = status.finishedAt.timeIntervalSince(r.startedAt ?? status.finishedAt)
                if ran > config.backoff.resetAfter { r.restartCount = 0 }
                r.backoffUntil = Date().addingTimeInterval(config.backoff.delay(restartCount: r.restartCount))
                r.restartCount += 1
                r.lastTerminated = terminatedState(r)
            }
        }
        if isInit { initRecords[container] = r } else { records[container] = r }
        logger.info("container exited", metadata: ["container": "\(container)", "exitCode": "\(status.exitCode)"])
        wake.yield()
    }

    func terminatedState(_ r: ContainerRecord) -> JSONValue {
        var t: JSONValue = ["exitCode": .int(Int64(r.exitCode ?? 0)), "reason": .string(r.reason ?? "Error")]
        if let s = r.startedAt { t["startedAt"] = .string(s.ISO8601Format()) }
        if let f = r.finishedAt { t["finishedAt"] = .string(f.ISO8601Format()) }
        if let id = r.runtimeID { t["containerID"] = .string("runc://\(id)") }
        return ["terminated": t]
    }

    // MARK: - Termination

    /// Stops every container (preStop, SIGTERM, grace, SIGKILL), tears down the sandbox, and with
    /// `finalize` removes the pod object (the end of a graceful deletion).
    func terminate(finalize: Bool) async {
        let grace = Double(pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30)
        let deadline = Date().addingTimeInterval(grace)
        let all = Array(records.values) + Array(initRecords.values)
        let podIP = sandbox?.ip ?? "127.0.0.1"
        await withTaskGroup(of: Void.self) { group in
            for r in all where r.state == "running" {
                guard let id = r.runtimeID else { continue }
                let c = (pod.spec?.containers ?? []).first { $0.name == r.name }
                let runtime = self.runtime
                event("Normal", "Killing", "Stopping container \(r.name)", container: r.name)
                group.addTask {
                    if let cmd = c?.lifecycle?.preStop?.exec?.command, !cmd.isEmpty {
                        if let session = try? await runtime.exec(id, ExecSpec(args: cmd)) {
                            _ = try? await withDeadline(deadline) { try await session.wait() }
                        }
                    } else if let get = c?.lifecycle?.preStop?.httpGet, let c {
                        let probe = Probe(httpGet: get, timeoutSeconds: max(1, Int(deadline.timeIntervalSinceNow)))
                        _ = await Prober.run(probe, container: c, id: id, podIP: podIP, runtime: runtime)
                    } else if let s = c?.lifecycle?.preStop?.sleep?.seconds {
                        try? await Task.sleep(for: .seconds(min(Double(s), max(0, deadline.timeIntervalSinceNow))))
                    }
                    try? await runtime.kill(id, signal: SIGTERM)
                    let stopped = (try? await withDeadline(deadline) { try await runtime.wait(id) }) != nil
                    if !stopped {
                        try? await runtime.kill(id, signal: SIGKILL)
                        _ = try? await withDeadline(Date().addingTimeInterval(5)) { try await runtime.wait(id) }
                    }
                }
            }
        }
        await cleanup()
        finished = true
        if finalize {
            do {
                _ = try await client.call(.DELETE, GantryClient.path(.pods, namespace: namespace, name: name),
                                          body: ["kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
                                                 "preconditions": ["uid": .string(uid)]])
            } catch let e as GantryError where e.code == .notFound || e.code == .conflict {
            } catch {
                if isCancellation(error) || Task.isCancelled { return }
                finished = false
                apiFailed(error)
                return
            }
            apiSucceeded()
            logger.info("pod terminated")
        }
    }

    /// Removes containers, root filesystems, the network sandbox and the pod directory.
    func cleanup() async {
        for t in waiters.values { t.cancel() }
        waiters = [:]
        for r in Array(records.values) + Array(initRecords.values) {
            if let id = r.runtimeID { try? await runtime.delete(id, force: true) }
            try? await images.unmountRootfs(target: "\(podDir)/containers/\(r.name)/rootfs", scratch: "\(podDir)/containers/\(r.name)/scratch")
        }
        if pod.spec?.hostNetwork != true, sandbox != nil || FileManager.default.fileExists(atPath: netnsPath) {
            try? await network.tearDown(sandboxID: uid, netns: netnsPath, ports: portMappings())
        }
        sandbox = nil
    }

    /// Removes the on-disk state after the pod is gone (logs included).
    func removeDirectory() {
        try? FileManager.default.removeItem(atPath: podDir)
    }

    // MARK: - Status

    func currentPhase() -> String {
        let cs = pod.spec?.containers ?? []
        let rs = cs.map { records[$0.name ?? ""] }
        if let initFailed = initRecords.values.first(where: { $0.state == "terminated" && $0.exitCode != 0 }), restartPolicy == "Never" {
            _ = initFailed
            return "Failed"
        }
        if rs.contains(where: { $0?.state == "running" }) { return "Running" }
        let allTerminated = !rs.isEmpty && rs.allSatisfy { $0?.state == "terminated" }
        if allTerminated {
            let failed = rs.contains { $0?.exitCode != 0 }
            switch restartPolicy {
            case "Never": return failed ? "Failed" : "Succeeded"
            case "OnFailure": return failed ? "Running" : "Succeeded"
            default: return "Running"
            }
        }
        if rs.contains(where: { $0?.restartCount ?? 0 > 0 }) { return "Running" }
        return "Pending"
    }

    func containerStatus(_ c: Container, _ r: ContainerRecord?, isInit: Bool) -> JSONValue {
        let r = r ?? ContainerRecord(name: c.name ?? "", image: c.image ?? "")
        var state: JSONValue
        switch r.state {
        case "running":
            state = ["running": ["startedAt": .string((r.startedAt ?? Date()).ISO8601Format())]]
        case "terminated":
            if let until = r.backoffUntil, until > Date(), (isInit ? restartPolicy != "Never" : shouldRestart(r)) {
                state = ["waiting": ["reason": "CrashLoopBackOff", "message": .string(r.message ?? "back-off restarting failed container \(r.name)")]]
            } else {
                state = terminatedState(r)
            }
        default:
            var w: JSONValue = ["reason": .string(r.reason ?? (isInit ? "PodInitializing" : "ContainerCreating"))]
            if let m = r.message { w["message"] = .string(m) }
            state = ["waiting": w]
        }
        let ready = r.state == "running" && !isInit && r.ready
        var s: JSONValue = [
            "name": .string(r.name), "state": state, "ready": .bool(ready), "restartCount": .int(Int64(r.restartCount)),
            "image": .string(c.image ?? ""), "imageID": .string(r.imageID), "started": .bool(r.state == "running" && r.started),
        ]
        if let id = r.runtimeID { s["containerID"] = .string("runc://\(id)") }
        s["lastState"] = r.lastTerminated ?? .emptyObject
        return s
    }

    func buildStatus() -> JSONValue {
        let now = Date().ISO8601Format()
        let phase = currentPhase()
        if phase == "Running", let seen = seenAt {
            seenAt = nil
            config.metrics?.observe("kubelet_pod_start_duration_seconds", [], ContinuousClock.now - seen)
        }
        let containers = pod.spec?.containers ?? []
        let inits = pod.spec?.initContainers ?? []
        let initialized = inits.allSatisfy { initRecords[$0.name ?? ""]?.state == "terminated" && initRecords[$0.name ?? ""]?.exitCode == 0 }
        let allReady = !containers.isEmpty && containers.allSatisfy { records[$0.name ?? ""]?.state == "running" && records[$0.name ?? ""]?.ready == true }
        let old = raw[path: ["status", "conditions"]]?.arrayValue ?? []
        func cond(_ type: String, _ ok: Bool, reason: String? = nil) -> JSONValue {
            let status = ok ? "True" : "False"
            let prev = old.first { $0["type"]?.stringValue == type }
            let transition = prev?["status"]?.stringValue == status ? (prev?["lastTransitionTime"] ?? .string(now)) : .string(now)
            var c: JSONValue = ["type": .string(type), "status": .string(status), "lastProbeTime": .null, "lastTransitionTime": transition]
            if let reason, !ok { c["reason"] = .string(reason) }
            return c
        }
        var status = raw["status"] ?? .emptyObject
        status["phase"] = .string(phase)
        status["hostIP"] = .string(MachineInfo.hostIP(nodeIP: config.nodeIP))
        status["hostIPs"] = [["ip": status["hostIP"]!]]
        if let ip = sandbox?.ip {
            status["podIP"] = .string(ip)
            status["podIPs"] = [["ip": .string(ip)]]
        }
        if let st = startTime { status["startTime"] = .string(st.ISO8601Format()) }
        let done = phase == "Succeeded" || phase == "Failed"
        status["conditions"] = [
            cond("PodReadyToStartContainers", sandbox != nil),
            cond("Initialized", initialized, reason: "ContainersNotInitialized"),
            cond("Ready", allReady && !done, reason: done ? "PodCompleted" : "ContainersNotReady"),
            cond("ContainersReady", allReady && !done, reason: done ? "PodCompleted" : "ContainersNotReady"),
            cond("PodScheduled", true),
        ]
        if let err = sandboxError {
            status["message"] = .string(err)
            status["reason"] = "SandboxError"
        } else {
            status["message"] = nil
            status["reason"] = nil
        }
        status["containerStatuses"] = .array(containers.map { containerStatus($0, records[$0.name ?? ""], isInit: false) })
        if !inits.isEmpty {
            status["initContainerStatuses"] = .array(inits.map { containerStatus($0, initRecords[$0.name ?? ""], isInit: true) })
        }
        return status
    }

    /// Sends the status if it changed.
    func reportStatus() async {
        let status = buildStatus()
        if status == lastReported { return }
        do {
            let updated = try await client.patch(.pods, namespace: namespace, name: name, ["status": status], type: .merge,
                                                 subresource: "status")
            lastReported = status
            raw = updated
            apiSucceeded()
        } catch let e as GantryError where e.code == .notFound {
            // Deleted underneath us: the manager stops this worker.
        } catch {
            if isCancellation(error) || Task.isCancelled { return }
            apiFailed(error)
        }
    }

    /// Logs a failed API write (once per change of state) and tries again after the back-off.
    func apiFailed(_ error: any Error) {
        var log = apiLog ?? RetryLog("pod update", logger: logger)
        let delay = apiBackoff.next()
        log.failed(error, retryIn: delay)
        apiLog = log
        schedule(after: delay)
    }

    func apiSucceeded() {
        apiLog?.succeeded()
        apiBackoff.reset()
    }
}

/// Runs `body`, failing with a timeout error at `deadline`. The body is cancelled then, and not waited
/// for (a wait that ignores cancellation cannot hold the caller past its deadline).
func withDeadline<T: Sendable>(_ deadline: Date, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let once = OnceFlag()
    return try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, Error>) in
        let work = Task {
            do {
                let v = try await body()
                if once.claim() { cont.resume(returning: v) }
            } catch {
                if once.claim() { cont.resume(throwing: error) }
            }
        }
        Task {
            try? await Task.sleep(for: .milliseconds(Int(max(0, deadline.timeIntervalSinceNow) * 1000)))
            if once.claim() {
                work.cancel()
                cont.resume(throwing: GantryError(.timeout, "deadline passed"))
            }
        }
    }
}

/// The `KUBERNETES_SERVICE_*` variables of a node's pods, read from the `default/kubernetes` Service at most once
/// per `ttl` rather than once per pod start (its cluster IP and port do not change while a cluster runs).
final class ServiceEnvCache: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (env: [(String, String)], at: ContinuousClock.Instant)?
    let ttl: Duration

    init(ttl: Duration = .seconds(30)) { self.ttl = ttl }

    /// The cached variables if read within `ttl`.
    func fresh() -> [(String, String)]? {
        lock.withLock { value.flatMap { ContinuousClock.now - $0.at < ttl ? $0.env : nil } }
    }

    func store(_ env: [(String, String)]) {
        lock.withLock { value = (env, .now) }
    }
}

/// A flag that can be claimed once, from any thread.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    init() {}
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}
