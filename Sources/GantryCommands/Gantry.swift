import ArgumentParser
import Foundation
import GantryAPI
import GantryAPIServer
import GantryAgent
import GantryAuth
import GantryClient
import GantryControllers
import GantryScheduler
import GantryStore
import GantryStoreEtcd
import GantryStoreSQLite
import Logging
import ServiceLifecycle

/// The `gantry` command line: control plane, and a kubectl-like client for the core resources.
public struct Gantry: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gantry",
        abstract: "A Kubernetes-compatible container orchestrator in one small binary.",
        version: GantryVersion.string,
        subcommands: [
            ServerCommand.self, AgentCommand.self, DevCommand.self, ApplyCommand.self, GetCommand.self, DescribeCommand.self, DeleteCommand.self,
            ScaleCommand.self, RolloutCommand.self, LogsCommand.self, ExecCommand.self, TopCommand.self, ImageCommand.self, VersionCommand.self, KubeconfigCommand.self,
            SecretsCommand.self, CertsCommand.self, TokenCommand.self, EtcdCommand.self, EtcdSnapshotCommand.self, StoreCommand.self,
        ])

    public init() {}
}

/// Options every client command takes.
struct ClientOptions: ParsableArguments {
    @Option(help: "Kubeconfig file (or $KUBECONFIG; default /var/lib/gantry/server/admin.kubeconfig when readable, else ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "API server URL, overriding the kubeconfig's (or $GANTRY_SERVER).")
    var server: String?

    @Option(help: "Bearer token to authenticate with, instead of the kubeconfig's credentials.")
    var token: String?

    /// The server's admin kubeconfig, which `gantry server` writes.
    static let defaultAdminKubeconfig = "/var/lib/gantry/server/admin.kubeconfig"

    /// The kubeconfig file in effect, if any.
    var kubeconfigPath: String? {
        let env = ProcessInfo.processInfo.environment
        if let kubeconfig { return kubeconfig }
        if let k = env["KUBECONFIG"]?.split(separator: ":").first, !k.isEmpty { return String(k) }
        if FileManager.default.isReadableFile(atPath: Self.defaultAdminKubeconfig) { return Self.defaultAdminKubeconfig }
        let home = env["HOME"] ?? NSHomeDirectory()
        let user = home + "/.kube/config"
        return FileManager.default.isReadableFile(atPath: user) ? user : nil
    }

    /// The server and credentials: the kubeconfig's, with `--server`/`$GANTRY_SERVER` and `--token` on top.
    func resolved() throws -> Kubeconfig {
        var k = try kubeconfigPath.map { try Kubeconfig.load(path: $0) }
            ?? Kubeconfig(server: "https://127.0.0.1:6443", credentials: .none)
        if let s = server ?? ProcessInfo.processInfo.environment["GANTRY_SERVER"] { k.server = s }
        if let token {
            k.credentials.token = token
            k.credentials.certificatePEM = nil
            k.credentials.keyPEM = nil
        }
        return k
    }

    /// The server URL (for messages; `resolved()` fails the same way `client()` would).
    var url: String { (try? resolved().server) ?? server ?? "https://127.0.0.1:6443" }

    func client() throws -> GantryClient {
        let k = try resolved()
        // A kubeconfig that lists every server of an HA cluster: fail over among them (unless --server names one).
        if server == nil, ProcessInfo.processInfo.environment["GANTRY_SERVER"] == nil, k.servers.count > 1 {
            let urls = [k.server] + k.servers.filter { $0 != k.server }
            return GantryClient(servers: APIServerList(urls), identity: try ClientIdentity(k.credentials))
        }
        return try GantryClient(server: k.server, credentials: k.credentials)
    }
}

/// Writes to standard error.
func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// Runs a client command body, printing a GantryError as `Error from server (Reason): message` and exiting 1.
func runClient(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as GantryError {
        if e.code == .unavailable {
            printError("error: \(e.description)")
        } else {
            printError("Error from server (\(e.code.rawValue)): \(e.message)")
        }
        throw ExitCode(1)
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
}

/// Resolves a resource name as typed by a user, or fails with kubectl's message.
func resolveResource(_ name: String) throws -> ResourceInfo {
    guard let r = ResourceInfo.resolve(name) else {
        throw GantryError(.notFound, "the server doesn't have a resource type \"\(name)\"")
    }
    return r
}

// MARK: - server

/// The control plane's options, shared by `server` and `dev`.
struct ControlPlaneOptions: ParsableArguments {
    @Option(help: "Address to serve the API on (HOST:PORT).")
    var listen: String = "127.0.0.1:6443"

    @Option(help: "The IP pods and other nodes reach this API server at (the `kubernetes` Service's endpoint); default: the listen address, or the host's primary address when listening on 0.0.0.0.")
    var advertiseAddress: String?

    @Option(help: "CIDR that Service cluster IPs are allocated from.")
    var serviceCIDR: String = "10.96.0.0/16"

    @Option(help: "Cluster CIDR: each node that registers without a pod CIDR gets a /24 of it (\"\" to turn off).")
    var clusterCIDR: String = "10.244.0.0/16"

    @Option(help: "Range node ports are allocated from (FIRST-LAST).")
    var nodePortRange: String = "30000-32767"

    @Option(help: "State store: sqlite (durable, in the data dir), etcd (an etcd v3 cluster: --etcd-endpoints) or memory (for experiments).")
    var store: String = "sqlite"

    @Option(help: "With --store etcd: the etcd members' client URLs, comma-separated (https://10.0.0.1:2379,...).")
    var etcdEndpoints: String?

    @Option(help: "With --store etcd: the CA that signed the etcd members' certificates (PEM).")
    var etcdCafile: String?

    @Option(help: "With --store etcd: the client certificate presented to etcd (PEM).")
    var etcdCertfile: String?

    @Option(help: "With --store etcd: the client certificate's key (PEM).")
    var etcdKeyfile: String?

    @Option(help: "With --store etcd: the prefix of every key Gantry writes (several clusters can share an etcd).")
    var etcdPrefix: String = "/gantry"

    @Option(help: "Join the servers of an existing cluster: a server's join token (its DATA/token). With --server, through that server (managed etcd); with --store etcd, through the shared etcd. The cluster's CAs and keys come sealed with the token.")
    var token: String?

    @Flag(help: "Start a new cluster on a managed etcd: this server runs and supervises an etcd member (DATA/etcd), with TLS from the cluster's etcd CA. Other servers join it with --server and --token.")
    var clusterInit = false

    @Option(help: "Join the managed etcd of the cluster this server (https://HOST:PORT) belongs to; needs --token.")
    var server: String?

    @Option(help: "The managed etcd member's client port.")
    var etcdClientPort: Int = 2379

    @Option(help: "The managed etcd member's peer port.")
    var etcdPeerPort: Int = 2380

    @Option(help: "When the managed etcd is snapshotted (cron, UTC; \"\" for never), into DATA/snapshots.")
    var etcdSnapshotSchedule: String = "0 */12 * * *"

    @Option(help: "How many scheduled snapshots to keep.")
    var etcdSnapshotRetention: Int = 5

    @Flag(help: "With a managed etcd: when this server stops (SIGTERM), remove its member from the etcd cluster and set its data aside (DATA/etcd.left), so that the others no longer count it.")
    var leave = false

    @Flag(help: "Recover from a lost quorum: start this server's etcd member as a new one-member cluster with its data (etcd's --force-new-cluster), once. Then join the other servers anew.")
    var clusterReset = false

    @Option(help: "Seconds between compactions of old revisions.")
    var compactionInterval: Int = 60

    @Flag(inversion: .prefixedNo, help: "Run the controllers and the scheduler (leader-elected among servers).")
    var controllers = true

    @Option(help: "Scheduler scoring: spread (least allocated) or binpack (most allocated).")
    var schedulerStrategy: String = "spread"

    @Option(help: "How long Events are kept after they last happened (90s, 30m, 1h, 7d), as kube-apiserver's --event-ttl.")
    var eventTtl: String = "1h"

    @Option(help: "How often HorizontalPodAutoscalers are evaluated (15s), as kube-controller-manager's flag of the same name.")
    var horizontalPodAutoscalerSyncPeriod: String = "15s"

    @Flag(inversion: .prefixedNo, help: "Serve the web dashboard at https://SERVER/ui/ (it signs in with a bearer token).")
    var dashboard = true

    @Option(help: "Milliseconds without a node Lease renewal before the node is marked unreachable and its pods replaced.")
    var nodeGracePeriod: Int = 2500

    @OptionGroup var security: SecurityOptions

    /// The controller manager's settings from the flags.
    func controllerConfig() throws -> ControllerManagerConfig {
        var c = ControllerManagerConfig()
        guard let strategy = ScoringStrategy(rawValue: schedulerStrategy) else {
            throw ValidationError("--scheduler-strategy must be spread or binpack")
        }
        c.schedulerConfig.strategy = strategy
        guard nodeGracePeriod >= 500 else { throw ValidationError("--node-grace-period must be at least 500 (milliseconds)") }
        c.nodeLifecycle.gracePeriod = .milliseconds(nodeGracePeriod)
        guard let ttl = TokenCommand.duration(eventTtl), ttl > 0 else {
            throw ValidationError("--event-ttl must be a duration such as 90s, 30m, 1h or 7d, not \"\(eventTtl)\"")
        }
        c.eventTTL = .seconds(ttl)
        guard let hpaPeriod = TokenCommand.duration(horizontalPodAutoscalerSyncPeriod), hpaPeriod > 0 else {
            throw ValidationError("--horizontal-pod-autoscaler-sync-period must be a duration such as 15s, not \"\(horizontalPodAutoscalerSyncPeriod)\"")
        }
        c.hpaSyncPeriod = .milliseconds(Int64(hpaPeriod * 1000))
        return c
    }

    /// Opens the store under `dataDir`, builds and bootstraps the control plane (secured unless the benchmark's
    /// hidden flag says otherwise).
    func make(dataDir: String, logger: Logger) async throws -> ServerSide {
        _ = try controllerConfig()
        var config = ControlPlaneConfig()
        (config.host, config.port) = try parseListen(listen)
        if let advertiseAddress {
            guard IPv4CIDR.parseIP(advertiseAddress) != nil else {
                throw ValidationError("--advertise-address must be an IPv4 address, not \"\(advertiseAddress)\"")
            }
            config.advertiseIP = advertiseAddress
        } else if config.host == "0.0.0.0" {
            config.advertiseIP = MachineInfo.primaryIPv4()
        }
        config.serviceCIDR = serviceCIDR
        config.clusterCIDR = clusterCIDR
        config.api.dashboard = dashboard
        let pr = nodePortRange.split(separator: "-").compactMap { Int($0) }
        guard pr.count == 2, pr[0] > 0, pr[0] <= pr[1], pr[1] < 65536 else {
            throw ValidationError("--node-port-range must be FIRST-LAST, e.g. 30000-32767")
        }
        config.nodePortRange = pr[0]...pr[1]
        config.compactionInterval = .seconds(max(1, compactionInterval))
        let stateStore: any StateStore
        let managed = try await startManagedEtcd(dataDir: dataDir, config: &config, logger: logger)
        let usesEtcd = store == "etcd" || managed != nil
        switch managed == nil ? store : "managed" {
        case "managed":
            stateStore = managed!.store
        case "sqlite":
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
            stateStore = try SQLiteStateStore(path: dataDir + "/state.db", logger: logger)
        case "memory":
            stateStore = InMemoryStateStore()
        case "etcd":
            stateStore = try await openEtcd(logger: logger)
        default:
            throw ValidationError("--store must be sqlite, etcd or memory")
        }
        if token == nil, usesEtcd, !security.insecureDisableSecurity,
           !FileManager.default.fileExists(atPath: dataDir + "/pki/server-ca.key"),
           try await stateStore.get(ClusterBootstrap.key) != nil {
            throw ValidationError("this etcd (prefix \(etcdPrefix)) holds a cluster already: join its servers with --token (a server's DATA/token), or use another --etcd-prefix")
        }
        // A server joining others on a shared store takes the cluster's CAs and keys from it.
        var joining: JoinToken?
        if let token {
            guard usesEtcd else { throw ValidationError("--token joins servers on etcd: give --server (a managed etcd) or --store etcd") }
            guard !security.insecureDisableSecurity else { throw ValidationError("--token needs security (the cluster's CA)") }
            let t = try JoinToken(parsing: token)
            joining = t
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: dataDir + "/pki/server-ca.key") {
                guard try await ClusterBootstrap.restore(store: stateStore, dataDir: dataDir, token: t) else {
                    throw GantryError(.notFound, "the store holds no cluster to join yet: start the first server without --token")
                }
                logger.info("joined the cluster's servers: its CAs and keys came from the store")
            }
            if !FileManager.default.fileExists(atPath: dataDir + "/token") {
                try ClusterPKI.writeSecret(t.description + "\n", to: dataDir + "/token")
            }
        }
        var secured: ServerSecurity?
        if !security.insecureDisableSecurity {
            var options = security
            if let ip = config.advertiseIP { options.tlsSan.append(ip) }
            let s = try await ServerSecurity.prepare(dataDir: dataDir, host: config.host, serviceCIDR: serviceCIDR,
                                                     options: options, logger: logger)
            config.security = s.config
            secured = s
        }
        if store != "memory" { config.encryption = try await security.atRestEncryption(dataDir: dataDir, store: stateStore) }
        config.podSecurity = try security.podSecurityDefaults()
        config.auditLog = try security.makeAuditLog()
        let cp = try ControlPlane(config: config, store: stateStore, logger: logger)
        try await cp.bootstrap()
        if let secured {
            let token = try await secured.ensureJoinToken(registry: cp.registry, logger: logger)
            if usesEtcd {
                if let joining, joining.caHash != token.caHash {
                    throw GantryError(.unauthorized, "--token pins another CA than this server's")
                }
                try await ClusterBootstrap.save(store: stateStore, dataDir: dataDir, token: token)
            }
        }
        return ServerSide(controlPlane: cp, store: stateStore, security: secured,
                          renewal: secured.map { ServerCertificateRenewal(security: $0, logger: logger) },
                          managedEtcd: managed?.etcd)
    }

    /// Starts this server's etcd member when it runs one (`--cluster-init`, `--server`, or a member's data in
    /// DATA/etcd from an earlier start), and opens the store on it.
    func startManagedEtcd(dataDir: String, config: inout ControlPlaneConfig, logger: Logger) async throws
        -> (etcd: ManagedEtcd, store: EtcdStateStore)?
    {
        let hasMember = FileManager.default.fileExists(atPath: dataDir + "/etcd/member")
        guard clusterInit || server != nil || hasMember else {
            if clusterReset { throw ValidationError("--cluster-reset needs this server's managed etcd member (DATA/etcd)") }
            return nil
        }
        guard store == "sqlite" || store == "etcd", etcdEndpoints == nil else {
            throw ValidationError("--cluster-init and --server run a managed etcd: leave out --store and --etcd-endpoints")
        }
        guard !security.insecureDisableSecurity else { throw ValidationError("a managed etcd needs security (its TLS comes from the cluster CA)") }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let etcd = ManagedEtcd(dataDir: dataDir, ip: config.advertisedIP, clientPort: etcdClientPort, peerPort: etcdPeerPort, logger: logger)
        var initialCluster: String?
        var peers: [String] = []
        if let server, !hasMember {
            guard let token else { throw ValidationError("--server needs --token (the join token in that server's DATA/token)") }
            let t = try JoinToken(parsing: token)
            let (sealed, urls) = try await Self.fetchServerBootstrap(server: server, token: t)
            if !FileManager.default.fileExists(atPath: dataDir + "/pki/server-ca.key") {
                try ClusterBootstrap.unseal(sealed, into: dataDir, token: t)
                logger.info("joining the cluster of \(server): its CAs and keys came sealed with the token")
            }
            try etcd.ensureCertificates()
            initialCluster = try await etcd.join(clientURLs: urls)
            peers = urls
        } else {
            try etcd.ensureCertificates()
        }
        etcd.stopStale()
        try etcd.start(initialCluster: initialCluster, forceNewCluster: clusterReset)
        if clusterReset { logger.notice("cluster reset: the etcd member starts as a one-member cluster with its data") }
        // Only the local member, as k3s does: it forwards to the leader, and a server cut off with its member stops
        // serving writes rather than keeping them going through members it can no longer reach reliably.
        _ = peers
        let store = try EtcdStateStore(etcd.storeConfiguration(endpoints: [etcd.localClientURL], prefix: etcdPrefix), logger: logger)
        try await store.waitUntilReachable(timeout: .seconds(60))
        // A single server moving to a managed etcd (k3s does the same): its SQLite objects come along.
        let sqlite = dataDir + "/state.db"
        if clusterInit, !hasMember, FileManager.default.fileExists(atPath: sqlite) {
            let source = try SQLiteStateStore(path: sqlite, logger: logger)
            let n = try await StoreMigration.copy(from: source, to: store, logger: logger)
            try await source.close()
            try FileManager.default.moveItem(atPath: sqlite, toPath: sqlite + ".migrated")
            for suffix in ["-wal", "-shm"] { try? FileManager.default.moveItem(atPath: sqlite + suffix, toPath: sqlite + ".migrated" + suffix) }
            logger.notice("moved the SQLite store to the managed etcd", metadata: ["keys": "\(n)", "old": "\(sqlite).migrated"])
        }
        config.etcdClientURLs = { (try? await store.client.memberList().flatMap(\.clientURLs)) ?? [etcd.clientURL] }
        logger.info("state store: managed etcd", metadata: ["member": "\(etcd.name)", "client": "\(etcd.clientURL)"])
        return (etcd, store)
    }

    /// The sealed bootstrap data and the etcd members' client URLs, from a server of the cluster, whose CA
    /// must be the one `token` pins.
    static func fetchServerBootstrap(server: String, token: JoinToken) async throws -> (Data, [String]) {
        let insecure = try GantryClient(server: server, credentials: ClientCredentials(insecureSkipVerify: true))
        let ca = try await insecure.raw(.GET, "/cacerts", accept: "*/*")
        guard ca.status == 200, let caPEM = String(data: ca.body, encoding: .utf8), caPEM.contains("BEGIN CERTIFICATE") else {
            throw GantryError(.unavailable, "the server at \(server) did not serve its CA at /cacerts (HTTP \(ca.status)); is it a Gantry server?")
        }
        guard JoinToken.pin(caPEM) == token.caHash else {
            throw GantryError(.unauthorized, "the server at \(server) presents a CA that the --token does not pin: refusing to join")
        }
        let client = try GantryClient(server: server, credentials: ClientCredentials(caPEM: caPEM, token: token.bearer))
        let body = try await client.call(.GET, "/gantry/v1/server-bootstrap")
        guard let b64 = body["bundle"]?.stringValue, let sealed = Data(base64Encoded: b64) else {
            throw GantryError(.internalError, "the server at \(server) sent no bootstrap data")
        }
        let urls = (body["etcdClientURLs"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard !urls.isEmpty else { throw GantryError(.unavailable, "the server at \(server) runs no managed etcd to join") }
        return (sealed, urls)
    }

    /// The etcd store from the `--etcd-*` flags, once a member answers.
    func openEtcd(logger: Logger) async throws -> EtcdStateStore {
        guard let etcdEndpoints, !etcdEndpoints.isEmpty else {
            throw ValidationError("--store etcd needs --etcd-endpoints (the members' client URLs, comma-separated)")
        }
        let endpoints = etcdEndpoints.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if (etcdCertfile == nil) != (etcdKeyfile == nil) {
            throw ValidationError("--etcd-certfile and --etcd-keyfile go together")
        }
        let store = try EtcdStateStore(EtcdConfiguration(endpoints: endpoints, caFile: etcdCafile, certFile: etcdCertfile,
                                                         keyFile: etcdKeyfile, prefix: etcdPrefix), logger: logger)
        try await store.waitUntilReachable()
        logger.info("state store: etcd", metadata: ["endpoints": "\(endpoints.joined(separator: ","))", "prefix": "\(etcdPrefix)"])
        return store
    }

    /// The control plane's services; once the API serves, publishes the `kubernetes` Service, writes the admin
    /// kubeconfig, logs the address and kubeconfig (tests read them) and calls `onServing` with the bound port.
    func services(_ side: ServerSide, logger: Logger, onServing: @escaping @Sendable (Int) async -> Void = { _ in })
        throws -> [any ServiceLifecycle.Service]
    {
        let cp = side.controlPlane
        let host = cp.config.host
        let (ports, portCont) = AsyncStream<Int>.makeStream()
        let runControllers = controllers
        let config = try? { () throws -> ControllerManagerConfig in
            var c = try controllerConfig()
            c.metrics = cp.metrics
            return c
        }()
        let controllerSide = LateServices {
            var it = ports.makeAsyncIterator()
            guard runControllers, let config, let port = await it.next() else { return [] }
            let client = try side.client(port: port, name: "controller-manager", user: "system:kube-controller-manager")
            let scheduler = try side.client(port: port, name: "scheduler", user: "system:kube-scheduler")
            let manager = ControllerManager(client: client, schedulerClient: scheduler, config: config, logger: logger)
            return manager.services
        }
        // Every server publishes itself in the `kubernetes` Endpoints through a Lease of its own.
        let apiEndpoints = APIServerEndpoints(registry: cp.registry, ip: cp.advertisedIP, logger: logger)
        let apiServices = try cp.services { port in
            portCont.yield(port)
            do {
                try await cp.publishKubernetesService(port: port, updateEndpoints: false)
                if let s = side.security {
                    // The admin kubeconfig lists every live server, for the gantry CLI to fail over among.
                    apiEndpoints.onServers = { urls in
                        do { try s.writeAdminKubeconfig(port: port, servers: urls.count > 1 ? urls : []) } catch {
                            logger.warning("could not rewrite the admin kubeconfig", metadata: ["error": "\(error)"])
                        }
                    }
                }
            } catch {
                logger.warning("could not publish the kubernetes Service", metadata: ["error": "\(error)"])
            }
            var metadata: Logger.Metadata = ["address": "\(side.url(port: port))"]
            if let s = side.security {
                do {
                    try s.writeAdminKubeconfig(port: port)
                    metadata["kubeconfig"] = "\(s.adminKubeconfigPath)"
                } catch {
                    logger.error("could not write the admin kubeconfig", metadata: ["error": "\(error)"])
                }
            }
            // After the first kubeconfig write: from here on the server list may rewrite it.
            apiEndpoints.serving(port: port)
            side.renewal?.serving(port: port)
            logger.info("serving the Kubernetes API", metadata: metadata)
            await onServing(port)
        }
        // The managed etcd first: the service group stops services in reverse, so it stops last.
        var snapshots: [any ServiceLifecycle.Service] = []
        if let etcd = side.managedEtcd, !etcdSnapshotSchedule.isEmpty {
            do {
                let schedule = try CronSchedule(etcdSnapshotSchedule)
                let access = try ManagedEtcdAccess(dataDir: etcd.dataDir)
                snapshots.append(ScheduledEtcdSnapshots(snapshots: EtcdSnapshots(access: access), schedule: schedule,
                                                        retention: etcdSnapshotRetention, logger: logger))
            } catch {
                throw ValidationError("--etcd-snapshot-schedule: \(error)")
            }
        }
        return (side.managedEtcd.map { [ManagedEtcdService(etcd: $0, leave: leave)] } ?? []) + apiServices + snapshots
            + [apiEndpoints, controllerSide] + (side.renewal.map { [$0] } ?? [])
    }
}

/// A control plane made from the flags: the API, its store and (unless turned off) its security.
struct ServerSide: Sendable {
    let controlPlane: ControlPlane
    let store: any StateStore
    let security: ServerSecurity?
    /// Renews the server's certificates while it runs (nil when unsecured).
    let renewal: ServerCertificateRenewal?
    /// The etcd member this server runs (nil: none).
    var managedEtcd: ManagedEtcd? = nil

    /// The URL local clients reach the API at.
    func url(port: Int) -> String {
        if let security { return security.localURL(port: port) }
        return "http://\(ServerSecurity.localHost(listening: controlPlane.config.host)):\(port)"
    }

    /// An in-process client acting as `user` in `groups`, with a client certificate `DATA/pki/NAME.crt`.
    func client(port: Int, name: String, user: String, groups: [String] = []) throws -> GantryClient {
        guard let security else { return GantryClient(server: url(port: port)) }
        let identity = try ClientIdentity(security.clientCredentials(name: name, user: user, groups: groups))
        renewal?.track(client: name, user: user, groups: groups, identity: identity)
        return GantryClient(server: url(port: port), identity: identity)
    }
}

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Run the control plane: the Kubernetes API on an embedded SQLite store.")

    @Option(help: "Directory for the control plane's state (the SQLite database).")
    var dataDir: String = "/var/lib/gantry/server"

    @OptionGroup var controlPlane: ControlPlaneOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func run() async throws {
        let logger = commandLogger("gantry", level: logLevel)
        let side = try await controlPlane.make(dataDir: dataDir, logger: logger)
        try await runUntilSignalled(controlPlane.services(side, logger: logger), logger: logger)
        try await side.store.close()
        logger.info("stopped")
    }
}

/// A logger for a long-running command at `level` (trace … critical; info if unknown).
func commandLogger(_ label: String, level: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = Logger.Level(rawValue: level) ?? .info
    return logger
}

/// Splits `HOST:PORT` (or `:PORT`, or `PORT`).
func parseListen(_ s: String) throws -> (String, Int) {
    if let p = Int(s) { return ("127.0.0.1", p) }
    guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port) else {
        throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:6443")
    }
    var host = String(s[..<colon])
    if host.isEmpty { host = "0.0.0.0" }
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return (host, port)
}

// MARK: - version

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the client and server versions.")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        print("Client Version: \(GantryVersion.string)")
        try await runClient {
            let v = try await client.client().call(.GET, "/version")
            print("Server Version: \(v["gitVersion"]?.stringValue ?? "unknown")")
        }
    }
}

// MARK: - kubeconfig

struct KubeconfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubeconfig",
        abstract: "Print the kubeconfig in effect (by default the server's admin kubeconfig), credentials embedded.",
        discussion: "gantry kubeconfig > ~/.kube/config   (the server writes it to DATA/admin.kubeconfig)")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runClient {
            print(try client.resolved().yaml(name: "gantry"), terminator: "")
        }
    }
}

// MARK: - secrets

struct SecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets", abstract: "Manage the encryption of Secrets at rest.", subcommands: [RotateKey.self])

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Add a new encryption key, re-encrypt every Secret with it and retire the old one, while the server runs.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await runClient {
                let out = try await client.client().call(.POST, "/gantry/v1/encryption/rotate")
                print("encryption key \(out["key"]?.stringValue ?? "?") in use; \(out["rewritten"]?.intValue ?? 0) stored values re-encrypted")
            }
        }
    }
}
