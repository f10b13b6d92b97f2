import Foundation

/// A real etcd member (Debian's etcd-server) a test starts on loopback or inside a network namespace, with its
/// data under `dir`; killed when the test drops it.
public final class EtcdTestServer: @unchecked Sendable {
    public let name: String
    public let clientURL: String
    public let peerURL: String
    public let dataDir: String
    public let logPath: String
    public private(set) var process: TestChild

    private let arguments: [String]
    private let binary: String

    /// Client TLS for a member: its serving certificate and key, and the CA its clients' certificates must chain to.
    public struct TLS: Sendable {
        public var certFile: String
        public var keyFile: String
        public var caFile: String
        public init(certFile: String, keyFile: String, caFile: String) {
            self.certFile = certFile
            self.keyFile = keyFile
            self.caFile = caFile
        }
    }

    /// Starts a one-member cluster (or, with `initialCluster` and `state: "existing"`, a member that joins one).
    public static func start(dir: String, name: String = "default", host: String = "127.0.0.1", clientPort: Int? = nil,
                             peerPort: Int? = nil, initialCluster: String? = nil, state: String = "new",
                             tls: TLS? = nil) async throws -> EtcdTestServer {
        let server = try launch(dir: dir, name: name, host: host, clientPort: clientPort ?? freePort(), peerPort: peerPort ?? freePort(),
                                initialCluster: initialCluster, state: state, tls: tls)
        try await server.waitHealthy()
        return server
    }

    /// Starts `size` members on loopback as one new cluster and waits until every one is healthy.
    public static func startCluster(dir: String, size: Int) async throws -> [EtcdTestServer] {
        let ports = try (0..<size).map { _ in (try freePort(), try freePort()) }
        let names = (0..<size).map { "m\($0)" }
        let initial = zip(names, ports).map { "\($0)=http://127.0.0.1:\($1.1)" }.joined(separator: ",")
        let members = try zip(names, ports).map {
            try launch(dir: dir, name: $0, host: "127.0.0.1", clientPort: $1.0, peerPort: $1.1, initialCluster: initial, state: "new", tls: nil)
        }
        for m in members { try await m.waitHealthy() }
        return members
    }

    private static func launch(dir: String, name: String, host: String, clientPort: Int, peerPort: Int,
                               initialCluster: String?, state: String, tls: TLS?) throws -> EtcdTestServer {
        let binary = try requireExecutable("etcd", package: "etcd-server")
        let client = "\(tls == nil ? "http" : "https")://\(host):\(clientPort)"
        let peer = "http://\(host):\(peerPort)"
        let data = dir + "/etcd-\(name)"
        var args = [
            "--name", name, "--data-dir", data,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", initialCluster ?? "\(name)=\(peer)", "--initial-cluster-state", state,
            "--log-level", ProcessInfo.processInfo.environment["GANTRY_ETCD_LOG_LEVEL"] ?? "warn", "--logger", "zap", "--pre-vote",
            "--experimental-watch-progress-notify-interval", ProcessInfo.processInfo.environment["GANTRY_ETCD_PROGRESS_INTERVAL"] ?? "1s",
        ]
        if let tls {
            args += ["--cert-file", tls.certFile, "--key-file", tls.keyFile, "--trusted-ca-file", tls.caFile, "--client-cert-auth"]
        }
        return try EtcdTestServer(name: name, binary: binary, arguments: args, client: client, peer: peer, data: data,
                                  log: dir + "/etcd-\(name).log", tls: tls)
    }

    /// The client TLS the member was started with (nil: plain http).
    public let tls: TLS?

    private init(name: String, binary: String, arguments: [String], client: String, peer: String, data: String, log: String,
                 tls: TLS?) throws {
        self.tls = tls
        self.name = name
        self.binary = binary
        self.arguments = arguments
        clientURL = client
        peerURL = peer
        dataDir = data
        logPath = log
        process = try TestChild(binary, arguments, output: log)
    }

    /// Waits until the member answers `/health` as healthy.
    public func waitHealthy(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var curl = ["-s", "--max-time", "1"]
            if let tls { curl += ["--cacert", tls.caFile, "--cert", tls.certFile, "--key", tls.keyFile] }
            let r = try? await runCommand("/usr/bin/curl", curl + [clientURL + "/health"], timeout: .seconds(5))
            if r?.stdout.contains("\"health\":\"true\"") == true { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw TestFailure("etcd \(name) did not become healthy at \(clientURL):\n\(log.suffix(3000))")
    }

    /// SIGKILLs the member and waits for it to go.
    public func kill() {
        process.signal(SIGKILL)
        process.waitUntilExit()
    }

    /// Starts the member again with its data (after `kill`).
    public func restart() throws {
        process = try TestChild(binary, arguments.map { $0 == "new" ? "existing" : $0 }, output: logPath)
    }

    deinit { process.signal(SIGKILL) }
}

/// The pid of the managed etcd member a `gantry server` with data in `dataDir` started last (`DATA/etcd.pid`).
public func managedEtcdPID(dataDir: String) -> pid_t? {
    (try? String(contentsOfFile: dataDir + "/etcd.pid", encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
}
