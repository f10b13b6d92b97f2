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

    /// Starts a one-member cluster (or, with `initialCluster` and `state: "existing"`, a member that joins one).
    public static func start(dir: String, name: String = "default", host: String = "127.0.0.1", clientPort: Int? = nil,
                             peerPort: Int? = nil, initialCluster: String? = nil, state: String = "new") async throws -> EtcdTestServer {
        let binary = try requireExecutable("etcd", package: "etcd-server")
        let client = "http://\(host):\(try clientPort ?? freePort())"
        let peer = "http://\(host):\(try peerPort ?? freePort())"
        let data = dir + "/etcd-\(name)"
        let args = [
            "--name", name, "--data-dir", data,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", initialCluster ?? "\(name)=\(peer)", "--initial-cluster-state", state,
            "--log-level", ProcessInfo.processInfo.environment["GANTRY_ETCD_LOG_LEVEL"] ?? "warn", "--logger", "zap",
        ]
        let server = try EtcdTestServer(name: name, binary: binary, arguments: args, client: client, peer: peer, data: data,
                                        log: dir + "/etcd-\(name).log")
        try await server.waitHealthy()
        return server
    }

    private init(name: String, binary: String, arguments: [String], client: String, peer: String, data: String, log: String) throws {
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
            let r = try? await runCommand("/usr/bin/curl", ["-s", "--max-time", "1", clientURL + "/health"], timeout: .seconds(5))
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
