import Foundation

/// Several hosts on one machine, for tests of a real multi-node cluster: a bridge the test creates on the host
/// side, and per host a network namespace joined to it by a veth pair, with its own address, routes, iptables
/// and pod bridge. The control plane (`gantry server`) runs on the host side; one `gantry agent` runs inside
/// each namespace, and a registry serves images on the bridge address. Everything is removed by `stop()`.
public final class MultiNodeCluster: @unchecked Sendable {
    public let dir: TempDir
    public let tag: String
    /// The host-side bridge and its address (`10.254.N.1`), which the namespaces route through.
    public let bridge: String
    public let hostIP: String
    public let server: GantryProcess
    public private(set) var agents: [GantryProcess] = []
    /// Per host: namespace name, node name and address.
    public private(set) var hosts: [(netns: String, node: String, ip: String)] = []
    public let registry: BusyboxRegistry
    /// The bridge network's first three octets and a dot (`10.254.N.`).
    public let prefix: String
    /// Namespaces made with `addNamespace` (servers of their own), removed by `stop()`.
    public private(set) var extraNamespaces: [String] = []

    /// The API server's URL as seen from the host.
    public var url: String { "\(server.scheme)://\(hostIP):\(server.port)" }

    /// Creates the bridge, `count` hosts, the registry, the control plane and an agent per host.
    public static func start(hosts count: Int, agentArgs: [String] = [], serverArgs: [String] = []) async throws -> MultiNodeCluster {
        try requireRoot("network namespaces, veths and bridges need root")
        _ = try requireExecutable("ip", package: "iproute2")
        let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
        let routes = try await runCommand("/sbin/ip", ["-4", "route", "show"]).stdout
        guard let n = (0..<200).lazy.map({ _ in Int.random(in: 1..<255) }).first(where: { !routes.contains("10.254.\($0).") }) else {
            throw TestFailure("no free 10.254.N.0/24 on this host: remove leftover bridges (ip -br addr)")
        }
        let prefix = "10.254.\(n)."
        let bridge = "gmn\(tag)"
        let setup = """
            set -e
            ip link add \(bridge) type bridge
            ip addr add \(prefix)1/24 dev \(bridge)
            ip link set \(bridge) up
            """
        let r = try await runCommand("/bin/sh", ["-c", setup])
        guard r.status == 0 else { throw TestFailure("creating bridge \(bridge) failed: \(r.stderr)") }
        let dir = TempDir("gantry-multinode")
        do {
            let registry = try await BusyboxRegistry.start(host: "\(prefix)1")
            // The control plane listens on every address: the host reaches it on loopback, the hosts (and their pods, through
            // the `kubernetes` Service) on the bridge.
            let server = try await GantryProcess(["server", "--data-dir", dir.file("server"), "--listen", "0.0.0.0:0",
                                                  "--advertise-address", "\(prefix)1", "--node-grace-period", "2500"] + serverArgs, logPath: dir.file("server.log"))
            let cluster = MultiNodeCluster(dir: dir, tag: tag, bridge: bridge, hostIP: "\(prefix)1", server: server,
                                           registry: registry, prefix: prefix)
            for i in 0..<count { try await cluster.addHost(i, agentArgs: agentArgs) }
            return cluster
        } catch {
            runQuietly("/sbin/ip", ["link", "del", bridge])
            throw error
        }
    }

    init(dir: TempDir, tag: String, bridge: String, hostIP: String, server: GantryProcess, registry: BusyboxRegistry, prefix: String) {
        self.dir = dir
        self.tag = tag
        self.bridge = bridge
        self.hostIP = hostIP
        self.server = server
        self.registry = registry
        self.prefix = prefix
    }

    /// Makes a namespace `gmn-TAG-NAME` on the bridge with address `ip` (for a server of its own); returns its name.
    public func addNamespace(_ name: String, ip: String) async throws -> String {
        let ns = try await makeNamespace(name, ip: ip)
        extraNamespaces.append(ns)
        return ns
    }

    /// The namespace `gmn-TAG-NAME` joined to the bridge by a veth pair, with address `ip` and a default route.
    private func makeNamespace(_ name: String, ip: String) async throws -> String {
        let ns = "gmn-\(tag)-\(name)"
        let hostVeth = "gmv\(tag)\(name)".prefix(15)
        let script = """
            set -e
            ip netns add \(ns)
            ip link add \(hostVeth) type veth peer name eth0 netns \(ns)
            ip link set \(hostVeth) master \(bridge) up
            ip -n \(ns) link set lo up
            ip -n \(ns) addr add \(ip)/24 dev eth0
            ip -n \(ns) link set eth0 up
            ip -n \(ns) route add default via \(prefix)1
            """
        let r = try await runCommand("/bin/sh", ["-c", script])
        guard r.status == 0 else { throw TestFailure("creating namespace \(ns) failed: \(r.stderr)") }
        return ns
    }

    /// Adds host `i`: namespace `gmn-TAG-i`, address `10.254.N.(10+i)`, and an agent named `node-i-TAG`.
    func addHost(_ i: Int, agentArgs: [String]) async throws {
        let ip = "\(prefix)\(10 + i)"
        let ns = try await makeNamespace(String(i), ip: ip)
        let node = "node-\(i)-\(tag)"
        hosts.append((ns, node, ip))
        let agent = try await GantryProcess(
            ["agent"] + (try server.agentArgs(host: "\(prefix)1")) + ["--data-dir", dir.file("agent\(i)"), "--node-name", node,
             "--node-ip", ip, "--insecure-registry", registry.address, "--log-level", "debug"] + agentArgs,
            logPath: dir.file("agent\(i).log"), readyPattern: "agent starting", netns: ns)
        agents.append(agent)
    }

    /// Runs kubectl (at `path`) against the cluster, with the cluster's directory as HOME (and the PATH, for
    /// `kubectl diff`'s diff(1)).
    public func kubectl(_ path: String, _ args: [String], stdin: String? = nil) async throws -> CommandResult {
        try await runCommand(path, server.kubectlArgs + args, stdin: stdin,
                             environment: ["HOME": dir.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
                             timeout: .seconds(120))
    }

    /// Runs kubectl and returns its output; a failure is an error carrying what kubectl said.
    @discardableResult
    public func kubectlOK(_ path: String, _ args: [String], stdin: String? = nil) async throws -> String {
        let r = try await kubectl(path, args, stdin: stdin)
        guard r.status == 0 else { throw TestFailure("kubectl \(args.joined(separator: " ")) failed: \(r.stderr)\(r.stdout)") }
        return r.stdout
    }

    /// Runs a command inside host `i`'s namespace.
    public func exec(host i: Int, _ args: [String], timeout: Duration = .seconds(30)) async throws -> CommandResult {
        try await runCommand("/usr/bin/nsenter", ["--net=/run/netns/\(hosts[i].netns)"] + args, timeout: timeout)
    }

    /// Copies the logs to the temporary directory (`gantry-multinode-*.log`), for a look after a failure.
    public func keepLogs() {
        let names = ["server.log"] + hosts.indices.map { "agent\($0).log" }
        for name in names {
            if let log = try? String(contentsOfFile: dir.file(name), encoding: .utf8) {
                try? log.write(toFile: NSTemporaryDirectory() + "/gantry-multinode-\(name)", atomically: true, encoding: .utf8)
            }
        }
    }

    /// Stops the agents and the control plane and removes the hosts, the bridge and the registry.
    public func stop() async {
        keepLogs()
        for a in agents { _ = try? await a.stop(timeout: .seconds(30)) }
        _ = try? await server.stop()
        scrubNodeState(under: dir.path)
        for h in hosts { runQuietly("/sbin/ip", ["netns", "delete", h.netns]) }
        for ns in extraNamespaces { runQuietly("/sbin/ip", ["netns", "delete", ns]) }
        runQuietly("/sbin/ip", ["link", "del", bridge])
        registry.stop()
        dir.cleanup()
    }
}
