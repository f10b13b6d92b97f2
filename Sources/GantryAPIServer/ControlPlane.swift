import Foundation
import GantryAPI
import GantryMetrics
import GantryClient
import GantryStore
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// Settings of a control plane.
public struct ControlPlaneConfig: Sendable {
    /// Host and port to listen on.
    public var host = "127.0.0.1"
    /// The address pods and other nodes reach this server at, published as the `kubernetes` Service's endpoint
    /// (nil: `host` when it is one address, else 127.0.0.1).
    public var advertiseIP: String?
    public var port = 6443
    /// Range that Service cluster IPs come from.
    public var serviceCIDR = "10.96.0.0/16"
    /// Pod CIDRs for nodes come out of this block, one /`nodeCIDRMaskSize` each (empty: nodes bring their own).
    public var clusterCIDR = "10.244.0.0/16"
    public var nodeCIDRMaskSize = 24
    /// Range that node ports come from.
    public var nodePortRange: ClosedRange<Int> = 30000...32767
    /// How often old revisions are compacted; each pass keeps the history of one interval.
    public var compactionInterval: Duration = .seconds(60)
    public var api = APIConfig()
    /// TLS and authentication (nil: plain HTTP, every request served; for tests of other parts and benchmarks).
    public var security: SecurityConfig?
    /// Encryption of Secrets (and other resources the key ring names) at rest (nil: stored as they are).
    public var encryption: AtRestEncryption?
    /// Pod Security admission's cluster defaults.
    public var podSecurity = PodSecurity.Defaults()
    /// The audit log (nil: none).
    public var auditLog: AuditLog?

    /// The address other nodes and pods reach this server at: `advertiseIP`, else the listen address (loopback
    /// when it listens on every address).
    public var advertisedIP: String {
        advertiseIP ?? (IPv4CIDR.parseIP(host) != nil && host != "0.0.0.0" ? host : "127.0.0.1")
    }
    /// The client URLs of the managed etcd's members (nil: this server runs no etcd member).
    public var etcdClientURLs: (@Sendable () async -> [String])?
    public init() {}
}

/// The control plane: the HTTP API over a `StateStore`, plus the server-side housekeeping (namespace
/// finalization, compaction), as swift-service-lifecycle services.
public struct ControlPlane: Sendable {
    public let config: ControlPlaneConfig
    /// The store (measured: each request's latency goes to `metrics`).
    public let store: any StateStore
    /// The server's metrics (`GET /metrics`); the controllers and scheduler in this process record into it too.
    public let metrics: GantryMetrics?
    public let registry: Registry
    public let handler: APIHandler
    /// RBAC (nil when the server runs without security).
    public let authorizer: RBACAuthorizer?
    public let terminator = WatchTerminator()
    let logger: Logger

    /// `metrics` nil: nothing is measured (the benchmark's baseline).
    public init(config: ControlPlaneConfig, store given: any StateStore, metrics: GantryMetrics? = GantryMetrics(),
                logger: Logger = Logger(label: "gantry.apiserver")) throws {
        self.config = config
        self.metrics = metrics
        let store: any StateStore = metrics.map { MeasuredStore(given, metrics: $0) } ?? given
        self.store = store
        self.logger = logger
        let allocator = ServiceAllocator(store: store, serviceCIDR: try IPv4CIDR(config.serviceCIDR),
                                         nodePortRange: config.nodePortRange)
        let nodeCIDRs = config.clusterCIDR.isEmpty ? nil
            : NodeCIDRAllocator(store: store, clusterCIDR: try IPv4CIDR(config.clusterCIDR), maskSize: config.nodeCIDRMaskSize)
        let authorizer = config.security == nil ? nil : RBACAuthorizer(nodes: NodeAuthorizer())
        self.authorizer = authorizer
        registry = Registry(store: store, allocator: allocator, nodeCIDRs: nodeCIDRs,
                            certificateSigner: config.security?.clientCA.map { CertificateSigner(clientCA: $0, servingCA: config.security?.serverCA) },
                            authorizer: authorizer, rootCAPEM: config.security?.serverCAPEM,
                            serviceAccountAdmission: config.security?.tokenIssuer != nil, encryption: config.encryption,
                            podSecurity: config.podSecurity, etcdClientURLs: config.etcdClientURLs,
                            logger: logger)
        var api = config.api
        if api.advertiseAddress == APIConfig().advertiseAddress { api.advertiseAddress = "\(config.host):\(config.port)" }
        handler = try APIHandler(registry: registry, config: api, terminator: terminator, security: config.security,
                                 authorizer: authorizer, auditLog: config.auditLog, metrics: metrics, logger: logger)
    }

    /// Creates the namespaces every cluster has (`default`, `kube-system`, `kube-public`, `kube-node-lease`).
    public func bootstrap() async throws {
        if let encryption = config.encryption {
            // Every stored value must open with the keys at hand; values written before (or with a retired key) are
            // rewritten with the current one.
            try await encryption.check(store: store)
            let n = try await encryption.rewriteStale(store: store)
            if n > 0 { logger.info("encrypted stored values with the current key", metadata: ["values": "\(n)"]) }
        }
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            do {
                _ = try await registry.create(.namespaces, namespace: nil,
                                              body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]],
                                              options: WriteOptions())
            } catch let e as GantryError where e.code == .alreadyExists {
                continue
            }
        }
        try await publishKubernetesService(port: config.port == 0 ? 6443 : config.port, updateEndpoints: false)
        for ns in try await registry.list(.namespaces, namespace: nil, options: ListOptions()).items
            where ns[path: ["metadata", "deletionTimestamp"]] == nil {
            try await registry.ensureNamespaceDefaults(ns[path: ["metadata", "name"]]?.stringValue ?? "")
        }
        try await BootstrapPolicy.reconcile(registry)
        try await registry.ensureSystemPriorityClasses()
        try await registry.ensureDefaultStorageClass()
        try await CustomResourceDefinitions.load(registry: registry, logger: logger)
        if let authorizer { try await RBACIndexer.load(registry: registry, authorizer: authorizer) }
        if let nodes = authorizer?.nodes { try await NodeGraphIndexer.load(registry: registry, authorizer: nodes) }
    }

    /// Creates the `kubernetes` Service (the first address of the service range) and its Endpoints, which
    /// point at this API server; with `updateEndpoints`, moves existing Endpoints to `port`.
    public func publishKubernetesService(port: Int, updateEndpoints: Bool) async throws {
        let firstIP = await registry.allocator.firstIP
        let service: JSONValue = [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "kubernetes", "namespace": "default",
                         "labels": ["component": "apiserver", "provider": "kubernetes"]],
            "spec": ["type": "ClusterIP", "clusterIP": .string(firstIP),
                     "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": .int(Int64(port))]]],
        ]
        do {
            _ = try await registry.create(.services, namespace: "default", body: service, options: WriteOptions())
        } catch let e as GantryError where e.code == .alreadyExists {}
        let ip = advertisedIP
        let endpoints: JSONValue = [
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": ["name": "kubernetes", "namespace": "default"],
            "subsets": [["addresses": [["ip": .string(ip)]],
                         "ports": [["name": "https", "port": .int(Int64(port)), "protocol": "TCP"]]]],
        ]
        do {
            _ = try await registry.create(.endpoints, namespace: "default", body: endpoints, options: WriteOptions())
        } catch let e as GantryError where e.code == .alreadyExists {
            if updateEndpoints {
                _ = try await registry.update(.endpoints, namespace: "default", name: "kubernetes", body: endpoints,
                                              scope: .main, options: WriteOptions())
            }
        }
    }

    /// The store key of the cluster's sealed bootstrap data (CAs, keys) for joining servers, outside `/registry/`.
    public static let serverBootstrapKey = "/gantry/bootstrap"

    /// The address other nodes and pods reach this server at: `--advertise-address`, else the listen address.
    public var advertisedIP: String { config.advertisedIP }

    /// The Hummingbird application serving the API; `onServerRunning` gets the bound port.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let registry = self.registry
        let logger = self.logger
        let handler = self.handler
        return Application(
            responder: handler,
            server: try .api(security: config.security) { head, channel, _ in
                // An exec upgrade needs credentials like any request; without, the request is answered (401) instead.
                // A browser cannot set headers on a WebSocket: its token comes as a subprotocol, as Kubernetes takes it.
                let fields = ExecProxy.withSubprotocolBearer(head.headerFields)
                guard let user = try? await handler.user(fields, path: head.path ?? "", channel: channel),
                      let user = try? handler.impersonate(user, fields),
                      handler.mayExec(user, path: head.path ?? "")
                else {
                    return .dontUpgrade
                }
                return await ExecProxy.upgrade(head, registry: registry, dialer: handler.nodes, logger: logger)
            },
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Every service the control plane runs, in start order: the API, then housekeeping.
    public func services(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> [any ServiceLifecycle.Service] {
        var out: [any ServiceLifecycle.Service] = [
            HTTPService(app: try application(onServerRunning: onServerRunning), terminator: terminator, logger: logger),
            NamespaceFinalizer(registry: registry, logger: logger),
            CustomResourceDefinitions(registry: registry, logger: logger),
            QuotaController(registry: registry, logger: logger),
            Compactor(store: store, interval: config.compactionInterval, logger: logger),
        ]
        if let authorizer { out.append(RBACIndexer(registry: registry, authorizer: authorizer, logger: logger)) }
        if let nodes = authorizer?.nodes { out.append(NodeGraphIndexer(registry: registry, authorizer: nodes, logger: logger)) }
        return out
    }
}

/// Runs the HTTP application. On graceful shutdown it ends open watches so in-flight requests drain, and once
/// none is left it closes the connections that are still open but idle — a client's pool may hold one that
/// never sent a request, and the server would otherwise wait for it for ever.
struct HTTPService<App: ApplicationProtocol>: ServiceLifecycle.Service {
    let app: App
    let terminator: WatchTerminator
    let logger: Logger
    /// How long requests in progress may take to finish after shutdown begins.
    var drainTimeout: Duration = .seconds(30)
    /// How long idle connections get to close by themselves once no request is in progress.
    var idleGrace: Duration = .milliseconds(500)

    func run() async throws {
        // `run()`, not `runService()`: the latter also traps SIGTERM itself, stopping the server before the
        // services that need it (controllers, the agent's pod workers) have shut down. The server runs in a task
        // of its own (it inherits the graceful-shutdown context) so that, once cancelled, a connection that
        // ignores cancellation cannot keep this service — and the process — from ending.
        let server = Task { try await app.run() }
        let (exited, exit) = AsyncStream<Void>.makeStream()
        let done = LockedFlag()
        Task {
            _ = await server.result
            done.set()
            exit.finish()
        }
        let shuttingDown: Bool = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in exited {}
                return false
            }
            group.addTask {
                do { try await gracefulShutdown() } catch { return true }  // cancelled: stop now too
                return true
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !shuttingDown || done.value { return try await server.value }
        if Task.isCancelled {
            // Cancelled (another service failed), not shut down: no drain, which could not wait in a cancelled
            // task anyway; the server stops now.
            server.cancel()
            return
        }
        terminator.terminateAll()
        await drain()
        // Idle connections get a moment to close by themselves (the server then ends on its own).
        let graceEnd = ContinuousClock.now + idleGrace
        while !done.value, ContinuousClock.now < graceEnd { try? await Task.sleep(for: .milliseconds(20)) }
        if done.value { return try await server.value }
        logger.debug("closing idle connections")
        server.cancel()
        for _ in 0..<40 where !done.value { try? await Task.sleep(for: .milliseconds(50)) }
        if !done.value {
            logger.warning("the HTTP server did not stop within 2 s of being cancelled; leaving it to the process's exit")
        }
    }

    /// Waits until no request is in progress (or `drainTimeout`), saying what it waits for every 2 s.
    private func drain() async {
        let clock = ContinuousClock()
        let deadline = clock.now + drainTimeout
        var nextReport = clock.now + .seconds(2)
        while clock.now < deadline {
            let open = terminator.inFlight
            if open.isEmpty { return }
            if clock.now >= nextReport {
                logger.notice("shutdown waits for requests in progress", metadata: ["requests": "\(open)"])
                nextReport = clock.now + .seconds(2)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        logger.warning("requests still in progress at shutdown", metadata: ["requests": "\(terminator.inFlight)"])
    }
}

/// Compacts the store periodically, keeping one interval of history (as kube-apiserver does every 5 min).
public struct Compactor: ServiceLifecycle.Service {
    let store: any StateStore
    let interval: Duration
    let logger: Logger

    public init(store: any StateStore, interval: Duration, logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var previous: Int64 = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch { return }
            if Task.isShuttingDownGracefully { return }
            do {
                if previous > 0 { try await store.compact(revision: previous) }
                previous = try await store.currentRevision()
            } catch {
                logger.warning("compaction failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Finishes namespace deletion: deletes everything in a terminating namespace, then the namespace.
public struct NamespaceFinalizer: ServiceLifecycle.Service {
    let registry: Registry
    let logger: Logger
    let passes = Counter()

    public init(registry: Registry, logger: Logger) {
        self.registry = registry
        self.logger = logger
    }

    public func run() async throws {
        var backoff = Backoff(initial: .seconds(1), cap: .seconds(30))
        var log = RetryLog("namespace finalization", logger: logger)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let busy = try await pass()
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: busy ? .milliseconds(250) : .seconds(1)) }
            } catch is CancellationError {
                return
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                log.failed(error)
                try await backoff.wait()
                continue
            }
            log.succeeded()
            backoff.reset()
        }
    }

    /// One pass over terminating namespaces; true if any is still being emptied. Every 30th pass also puts back a
    /// namespace's default ServiceAccount and CA ConfigMap if they were deleted.
    public func pass() async throws -> Bool {
        var busy = false
        let namespaces = try await registry.list(.namespaces, namespace: nil, options: ListOptions()).items
        if passes.next() % 30 == 0 {
            for ns in namespaces where ns[path: ["metadata", "deletionTimestamp"]] == nil {
                try await registry.ensureNamespaceDefaults(ns[path: ["metadata", "name"]]?.stringValue ?? "")
            }
        }
        for ns in namespaces where ns[path: ["metadata", "deletionTimestamp"]] != nil {
            guard let name = ns[path: ["metadata", "name"]]?.stringValue else { continue }
            var remaining = 0
            var seen = Set<String>()
            // Custom resources too: one version of each (the versions share their objects).
            for r in registry.catalog.all where r.namespaced && r.stored && seen.insert(r.keyPrefix).inserted {
                var opts = DeleteOptions()
                opts.propagationPolicy = "Background"
                let left = try await registry.deleteCollection(r, namespace: name, list: ListOptions(), options: opts)
                remaining += left.count
            }
            if remaining == 0 {
                // Drop the `kubernetes` finalizer and remove the namespace.
                let key = ResourceInfo.namespaces.key(namespace: nil, name: name)
                if let kv = try await registry.store.get(key) {
                    _ = try await registry.store.delete(key, expectedRevision: kv.modRevision)
                    logger.info("namespace deleted", metadata: ["namespace": "\(name)"])
                }
            } else {
                busy = true
            }
        }
        return busy
    }
}

/// Runs `pass` until graceful shutdown: again after `busy` when it reports more to do, after `idle` otherwise;
/// failures are logged (once per streak) and retried on the same schedule.
func runPeriodically(_ what: String, busy: Duration, idle: Duration, logger: Logger, _ pass: @Sendable () async throws -> Bool) async {
    var log = RetryLog(what, logger: logger)
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
        var more = false
        do {
            more = try await pass()
            log.succeeded()
        } catch {
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            log.failed(error)
        }
        let pause = more ? busy : idle
        do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) } } catch { return }
    }
}

/// A counter incremented from any thread.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    /// The value before this increment.
    func next() -> Int { lock.withLock { defer { value += 1 }; return value } }
}

/// A flag set once, read from any thread.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var isSet = false
    func set() { lock.withLock { isSet = true } }
    var value: Bool { lock.withLock { isSet } }
}
