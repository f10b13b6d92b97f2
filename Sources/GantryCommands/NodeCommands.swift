import ArgumentParser
import Foundation
import GantryMetrics
import GantryAgent
import GantryAPI
import GantryAuth
import GantryAPIServer
import GantryClient
import GantryDNS
import GantryProxy
import GantryRuntime
import GantryStore
import GantryStoreSQLite
import Logging
import ServiceLifecycle

/// The node-side implementations, chosen by the executable (the only place that picks them).
public struct NodeImplementations: Sendable {
    /// Makes the container runtime keeping its state under `root`.
    public var runtime: @Sendable (_ root: String) throws -> any ContainerRuntime
    /// Makes the image store under `root`, trusting plain HTTP for `insecure` registries.
    public var images: @Sendable (_ root: String, _ insecure: Set<String>) throws -> any ImageStore
    /// Makes the network plugin with state under `stateDir`, a bridge name and a pod CIDR; `masquerade` asks it
    /// to masquerade pods' traffic leaving their subnet itself (when the pod routes do not).
    public var network: @Sendable (_ stateDir: String, _ bridge: String, _ podCIDR: String, _ masquerade: Bool) throws -> any NetworkPlugin

    public init(runtime: @escaping @Sendable (String) throws -> any ContainerRuntime,
                images: @escaping @Sendable (String, Set<String>) throws -> any ImageStore,
                network: @escaping @Sendable (String, String, String, Bool) throws -> any NetworkPlugin) {
        self.runtime = runtime
        self.images = images
        self.network = network
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var registered: NodeImplementations?

    /// Registers the implementations (called by the executable before `Gantry.main()`).
    public static func register(_ i: NodeImplementations) {
        lock.lock()
        registered = i
        lock.unlock()
    }

    /// The registered implementations, or a clear error.
    static func current() throws -> NodeImplementations {
        lock.lock()
        defer { lock.unlock() }
        guard let r = registered else {
            throw GantryError(.unavailable, "this build of gantry has no node implementations (runtime, images, network)")
        }
        return r
    }
}

/// Options shared by `agent` and `dev`.
struct AgentOptions: ParsableArguments {
    @Option(help: "Name of this node (default: the host name).")
    var nodeName: String?

    @Option(help: "CIDR for this node's pods (default: the one the control plane assigns, else 10.88.0.0/24).")
    var podCIDR: String?

    @Option(help: "Name of the pod bridge (default: gantry0, or one derived from the node name when another agent on this host has gantry0; the choice is kept in the data directory).")
    var bridge: String?

    @Option(help: "This node's IP address (default: autodetected).")
    var nodeIP: String?

    @Option(help: "Registry (HOST:PORT) to reach over plain HTTP; repeatable. Loopback registries always are.")
    var insecureRegistry: [String] = []

    @Option(help: "Cluster DNS server for ClusterFirst pods (repeatable; default: the node's resolvers).")
    var clusterDNS: [String] = []

    @Option(help: "Port of the agent's endpoint (logs, exec) that the API server reaches; 0 picks a free one (default: 10250, or a free one if another process has it).")
    var agentPort: Int?

    @Option(help: "Pod network sandboxes to keep set up ahead of demand, so a pod without host ports starts without waiting for the CNI plugins; 0 turns this off.")
    var preparedSandboxes: Int = 4

    @Flag(inversion: .prefixedNo, help: "Run the service proxy (iptables rules for cluster IPs and node ports) on this node.")
    var proxy = true

    @Flag(inversion: .prefixedNo, help: "Enforce NetworkPolicies on this node (iptables rules for the traffic it forwards).")
    var networkPolicy = true

    @Flag(inversion: .prefixedNo, help: "Route to other nodes' pod CIDRs through their addresses (host-gw).")
    var podRoutes = true

    @Flag(inversion: .prefixedNo, help: "Serve cluster DNS on the pod bridge's address for ClusterFirst pods (unless --cluster-dns is given).")
    var dns = true

    func agentConfig(dataDir: String) -> AgentConfig {
        var c = AgentConfig(nodeName: nodeName ?? ProcessInfo.processInfo.hostName.lowercased(), dataDir: dataDir)
        c.podCIDR = podCIDR ?? "10.88.0.0/24"
        c.nodeIP = nodeIP
        c.clusterDNS = clusterDNS
        c.serverPort = agentPort ?? Self.defaultAgentPort
        c.preparedSandboxes = max(0, preparedSandboxes)
        c.metrics = GantryMetrics()
        return c
    }

    func makeAgent(client: GantryClient, dataDir: String, logger: Logger, stopPodsOnExit: Bool = false,
                   serverSecurity: NodeServerSecurity? = nil) async throws -> NodeAgent {
        let impl = try NodeImplementations.current()
        var config = agentConfig(dataDir: dataDir)
        config.stopPodsOnExit = stopPodsOnExit
        config.serverSecurity = serverSecurity
        // The Node's pod CIDR wins: one the control plane assigned when the Node was first registered (so
        // register it now if it is new), or the flag's, recorded on the Node when the agent brought its own.
        var node = try? await client.get(.nodes, namespace: nil, name: config.nodeName)
        if node == nil {
            var spec: JSONValue = .emptyObject
            if let podCIDR { spec = ["podCIDR": .string(podCIDR), "podCIDRs": [.string(podCIDR)]] }
            let fresh: JSONValue = ["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(config.nodeName)], "spec": spec]
            node = try? await client.create(.nodes, namespace: nil, fresh)
            if node == nil { node = try? await client.get(.nodes, namespace: nil, name: config.nodeName) }
        }
        if let cidr = node?[path: ["spec", "podCIDR"]]?.stringValue, !cidr.isEmpty {
            if let podCIDR, podCIDR != cidr {
                // A Node's pod CIDR cannot change once set (as in Kubernetes): its pods and routes depend on it.
                logger.warning("--pod-cidr differs from the Node's pod CIDR, which cannot change; using the Node's",
                               metadata: ["flag": "\(podCIDR)", "node": "\(cidr)"])
            }
            config.podCIDR = cidr
        }
        if runsDNS, let gw = Self.gateway(of: config.podCIDR) { config.clusterDNS = [gw] }
        for d in ["runtime", "images", "network", "pods"] {
            try FileManager.default.createDirectory(atPath: "\(dataDir)/\(d)", withIntermediateDirectories: true)
        }
        // What a second agent on this host would collide on: the bridge, the pod CIDR, the endpoint's port.
        let host = try await HostNetwork.read()
        let bridge = try HostNetwork.chooseBridge(flag: self.bridge, nodeName: config.nodeName, podCIDR: config.podCIDR,
                                                  dataDir: dataDir, host: host, logger: logger)
        try HostNetwork.checkPodCIDR(config.podCIDR, bridge: bridge, host: host)
        if agentPort == nil, !HostNetwork.tcpPortIsFree(config.serverPort, host: config.serverHost) {
            logger.notice("port \(config.serverPort) is in use (another agent on this host?); the agent's endpoint takes a free port, advertised in the Node's status (--agent-port sets one)")
            config.serverPort = 0
        }
        config.bridge = bridge
        let runtime = try impl.runtime(dataDir + "/runtime")
        let images = try impl.images(dataDir + "/images", Set(insecureRegistry))
        // With pod routes, traffic between pods keeps its addresses on every node and only what leaves the
        // cluster is masqueraded (by PodRoutes); without, the bridge masquerades all that leaves the node.
        let network = try impl.network(dataDir + "/network", bridge, config.podCIDR, !podRoutes)
        return NodeAgent(client: client, config: config, runtime: runtime, images: images, network: network, logger: logger)
    }

    /// The names the node server's certificate is for: the node's address, loopback, its name and host name.
    func servingNames(nodeName: String) -> (dns: [String], ip: [String]) {
        var ips = [MachineInfo.hostIP(nodeIP: nodeIP), "127.0.0.1"]
        var dns = [nodeName, ProcessInfo.processInfo.hostName.lowercased(), "localhost"]
        ips = ips.enumerated().filter { ips.firstIndex(of: $0.element) == $0.offset }.map(\.element)
        dns = dns.enumerated().filter { dns.firstIndex(of: $0.element) == $0.offset }.map(\.element)
        return (dns, ips)
    }

    /// The agent endpoint's port unless `--agent-port` says otherwise (the kubelet's).
    static let defaultAgentPort = 10250

    /// This agent serves cluster DNS itself (no `--cluster-dns` given and DNS not turned off).
    var runsDNS: Bool { dns && clusterDNS.isEmpty }

    /// The first address of a CIDR (the pod bridge's gateway address).
    static func gateway(of cidr: String) -> String? {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]), (8...30).contains(prefix) else { return nil }
        let octets = parts[0].split(separator: ".").compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 < 256 }) else { return nil }
        let ip = octets.reduce(0) { $0 << 8 | $1 } & (~UInt32(0) << (32 - prefix))
        let gw = ip + 1
        return "\(gw >> 24).\(gw >> 16 & 255).\(gw >> 8 & 255).\(gw & 255)"
    }

    /// Makes sure the pod bridge exists with its gateway address, so the DNS server can bind to it before the
    /// first pod (the CNI bridge plugin then finds it ready).
    static func ensureBridge(_ name: String, cidr: String, gateway: String) async throws {
        let prefix = cidr.split(separator: "/").last.map(String.init) ?? "24"
        let script = """
            ip link show \(name) >/dev/null 2>&1 || ip link add \(name) type bridge
            ip -4 addr show dev \(name) | grep -q ' \(gateway)/' || ip addr add \(gateway)/\(prefix) dev \(name)
            ip link set \(name) up
            """
        let out = try await ChildProcess.run("/bin/sh", ["-c", script], timeout: .seconds(30))
        guard out.status == 0 else {
            throw GantryError(.internalError, "could not set up the pod bridge \(name) with \(gateway): \(out.stderrText)")
        }
    }

    /// Everything a node runs: the agent, and the service proxy, pod routes and cluster DNS unless turned off.
    func nodeServices(client: GantryClient, dataDir: String, logger: Logger, stopPodsOnExit: Bool = false,
                      serverSecurity: NodeServerSecurity? = nil) async throws -> [any ServiceLifecycle.Service]
    {
        let agent = try await makeAgent(client: client, dataDir: dataDir, logger: logger, stopPodsOnExit: stopPodsOnExit,
                                        serverSecurity: serverSecurity)
        var services: [any ServiceLifecycle.Service] = []
        if runsDNS, let address = agent.config.clusterDNS.first {
            try await Self.ensureBridge(agent.config.bridge, cidr: agent.config.podCIDR, gateway: address)
            services.append(try ClusterDNS(client: client, configuration: DNSServer.Configuration(host: address, port: 53), logger: logger))
        }
        // One service proxy and one set of pod routes per host network: agents sharing it take turns.
        if proxy { services.append(HostExclusive("service proxy", ServiceProxy(client: client, logger: logger), logger: logger)) }
        if networkPolicy {
            services.append(HostExclusive("network policies", NetworkPolicyEnforcer(client: client, logger: logger), logger: logger))
        }
        if podRoutes {
            services.append(HostExclusive("pod routes", PodRoutes(client: client, nodeName: agent.config.nodeName, logger: logger),
                                          logger: logger))
        }
        return services + agent.services
    }
}

/// Keeps an agent's list of API servers current from the `kubernetes` Endpoints, so that it can fail over to
/// servers added after it joined.
struct APIServerDiscovery: ServiceLifecycle.Service {
    let client: GantryClient
    let logger: Logger
    var interval: Duration = .seconds(10)

    func run() async throws {
        var known: [String] = []
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let all = try? await client.learnServers(), all != known {
                known = all
                logger.info("API servers", metadata: ["servers": "\(all.joined(separator: ","))", "current": "\(client.server)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch { return }
        }
    }
}

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent", abstract: "Run a node agent: register this machine as a node and run its pods with runc.")

    @Option(help: "API server URL; several, comma-separated, to fail over among (the agent also learns every server from the kubernetes Endpoints).")
    var server: String = "https://127.0.0.1:6443"

    @Option(help: "Join token (K10<CA hash>::<id>.<secret>, as the server writes to DATA/token or `gantry token create` prints); the agent checks the server's CA against it, then gets its node certificate.")
    var token: String?

    @Option(help: "A file holding the join token.")
    var tokenFile: String?

    @Option(help: "A kubeconfig to connect with instead of a join token.")
    var kubeconfig: String?

    @Option(help: "Directory for the agent's state (images, containers, pod volumes, logs).")
    var dataDir: String = "/var/lib/gantry/agent"

    @OptionGroup var options: AgentOptions

    @Option(help: "Log level.")
    var logLevel: String = "info"

    func run() async throws {
        let logger = commandLogger("gantry.agent", level: logLevel)
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let nodeName = options.agentConfig(dataDir: dataDir).nodeName
        let servers = server.split(separator: ",").map { GantryClient.normalize($0.trimmingCharacters(in: .whitespaces)) }
            .filter { $0 != "http://" }
        let server = servers.first ?? self.server
        var extra: [any ServiceLifecycle.Service] = []
        let client: GantryClient
        var serverSecurity: NodeServerSecurity?
        do {
            var joinToken = token
            if joinToken == nil, let tokenFile {
                guard let t = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                    throw GantryError(.invalid, "cannot read the token file \(tokenFile)")
                }
                joinToken = t
            }
            if let joinToken {
                // Join through the first server that answers; then fail over among all of them.
                var joined: (AgentCredentials, ClientIdentity)?
                var lastError: (any Error)?
                for url in servers {
                    let creds = AgentCredentials(server: url, nodeName: nodeName, directory: dataDir + "/pki", logger: logger)
                    do {
                        joined = (creds, try await creds.join(token: joinToken))
                        break
                    } catch let e as GantryError where e.code == .unavailable && servers.count > 1 {
                        logger.warning("server unreachable; trying the next", metadata: ["server": "\(url)", "error": "\(e.message)"])
                        lastError = e
                    }
                }
                guard let (creds, identity) = joined else { throw lastError ?? GantryError(.unavailable, "no server answered") }
                let list = APIServerList([creds.server] + servers.filter { $0 != creds.server })
                client = GantryClient(servers: list, identity: identity)
                extra.append(APIServerDiscovery(client: client, logger: logger))
                let caPEM = identity.current.caPEM ?? ""
                let names = options.servingNames(nodeName: nodeName)
                let serving = try ReloadableIdentity(try await creds.servingCertificate(client: client, caPEM: caPEM,
                                                                                         dnsNames: names.dns, ipAddresses: names.ip))
                serverSecurity = .make(serving: serving, caPEM: caPEM, client: client, node: nodeName)
                extra.append(NodeCertificateRenewal(credentials: creds, identity: identity,
                                                    serving: (serving, names.dns, names.ip)))
            } else if let kubeconfig {
                let k = try Kubeconfig.load(path: kubeconfig)
                let url = server == "https://127.0.0.1:6443" ? k.server : server
                client = try GantryClient(server: url, credentials: k.credentials)
                if url.hasPrefix("https://"), let caPEM = k.credentials.caPEM {
                    // The node server needs a certificate from the cluster CA too, asked for with these credentials.
                    let creds = AgentCredentials(server: url, nodeName: nodeName, directory: dataDir + "/pki", logger: logger)
                    try FileManager.default.createDirectory(atPath: dataDir + "/pki", withIntermediateDirectories: true,
                                                            attributes: [.posixPermissions: 0o700])
                    let names = options.servingNames(nodeName: nodeName)
                    let serving = try ReloadableIdentity(try await creds.servingCertificate(client: client, caPEM: caPEM,
                                                                                             dnsNames: names.dns, ipAddresses: names.ip))
                    serverSecurity = .make(serving: serving, caPEM: caPEM, client: client, node: nodeName)
                }
            } else if server.hasPrefix("http://") {
                client = GantryClient(server: server)
            } else {
                throw GantryError(.invalid, "give --token (the server writes one to DATA/token) or --kubeconfig to join \(server)")
            }
        } catch let e as GantryError {
            logger.error("the agent cannot join", metadata: ["error": "\(e.message)"])
            printError("error: \(e.message)")
            throw ExitCode(1)
        }
        let services = try await options.nodeServices(client: client, dataDir: dataDir, logger: logger,
                                                      serverSecurity: serverSecurity)
        logger.info("agent starting", metadata: ["node": "\(nodeName)", "server": "\(server)"])
        try await runUntilSignalled(services + extra, logger: logger)
        logger.info("stopped")
    }
}

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Run a one-process cluster: the control plane and a node agent for this machine.")

    @Option(help: "Directory for all state (server/ and agent/ inside).")
    var dataDir: String = "/var/lib/gantry"

    @OptionGroup var controlPlane: ControlPlaneOptions

    @OptionGroup var options: AgentOptions

    @Option(help: "Log level.")
    var logLevel: String = "info"

    func run() async throws {
        let logger = commandLogger("gantry", level: logLevel)
        let side = try await controlPlane.make(dataDir: dataDir + "/server", logger: logger)
        let (ports, portCont) = AsyncStream<Int>.makeStream()
        let cpServices = try controlPlane.services(side, logger: logger) { portCont.yield($0) }
        let agentLogger = logger
        let dataDir = self.dataDir
        let options = self.options
        // The agent starts once the API serves (it needs the bound port).
        let nodeSide = LateServices {
            var it = ports.makeAsyncIterator()
            guard let p = await it.next() else { return [] }
            let node = options.agentConfig(dataDir: dataDir + "/agent").nodeName
            let client = try side.client(port: p, name: "node-\(node)", user: "system:node:\(node)", groups: ["system:nodes"])
            // The in-process agent's node server gets its certificate from the PKI directly (renewed at each start).
            var serverSecurity: NodeServerSecurity?
            if let security = side.security {
                let names = options.servingNames(nodeName: node)
                let (keyed, _) = try security.pki.servingCertificate(name: "node-\(node)-serving", commonName: "system:node:\(node)",
                                                                     dnsNames: names.dns, ipAddresses: names.ip)
                let identity = try ReloadableIdentity(keyed)
                side.renewal?.track(serving: "node-\(node)-serving", commonName: "system:node:\(node)", dns: names.dns, ip: names.ip,
                                    identity: identity)
                serverSecurity = .make(serving: identity, caPEM: security.pki.serverCAPEM, client: client, node: node)
            }
            return try await options.nodeServices(client: client, dataDir: dataDir + "/agent", logger: agentLogger,
                                                  stopPodsOnExit: true, serverSecurity: serverSecurity)
        }
        try await runUntilSignalled(cpServices + [nodeSide], logger: logger)
        try await side.store.close()
        logger.info("stopped")
    }
}
