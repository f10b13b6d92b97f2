import Foundation
import GantryAPI
import GantryAuth
import GantryClient
import GantryRuntime
import GantryStoreEtcd
import Logging
import ServiceLifecycle

/// The etcd member a `gantry server` runs and supervises itself (`--cluster-init`, or joining one with
/// `--server` and `--token`), as k3s embeds one: Debian's `etcd` as a child process, its data in `DATA/etcd`,
/// peer and client TLS from the cluster's etcd CA (`DATA/etcd-pki`, shared by every server through the sealed
/// bootstrap data), clients required to present a certificate from it.
final class ManagedEtcd: @unchecked Sendable {
    let dataDir: String
    let ip: String
    let clientPort: Int
    let peerPort: Int
    let logger: Logger
    private let lock = NSLock()
    private var pid: pid_t = 0
    private var arguments: [String] = []

    init(dataDir: String, ip: String, clientPort: Int, peerPort: Int, logger: Logger) {
        self.dataDir = dataDir
        self.ip = ip
        self.clientPort = clientPort
        self.peerPort = peerPort
        self.logger = logger
    }

    /// The member's name: its address and peer port, unique in the cluster and the same after a restart.
    var name: String { "gantry-\(ip.replacingOccurrences(of: ".", with: "-"))-\(peerPort)" }
    var pki: String { dataDir + "/etcd-pki" }
    var memberDir: String { dataDir + "/etcd" }
    var clientURL: String { "https://\(ip):\(clientPort)" }
    var localClientURL: String { "https://127.0.0.1:\(clientPort)" }
    var peerURL: String { "https://\(ip):\(peerPort)" }
    /// Whether this server has been a member before (its data is there).
    var hasData: Bool { FileManager.default.fileExists(atPath: memberDir + "/member") }

    /// The etcd CA (made once, by the first server) and this member's certificates from it.
    func ensureCertificates() throws {
        let ca = try ClusterPKI.loadOrCreateAuthority(directory: pki, name: "ca", commonName: "gantry-etcd-ca")
        let fm = FileManager.default
        if !fm.fileExists(atPath: pki + "/member.crt") {
            let ips = ip == "127.0.0.1" ? [ip] : [ip, "127.0.0.1"]
            let member = try ca.issue(commonName: name, usage: .peer, dnsNames: ["localhost"], ipAddresses: ips,
                                      lifetime: 10 * 365 * 86400)
            try ClusterPKI.writeSecret(member.keyPEM, to: pki + "/member.key")
            try ClusterPKI.writeCertificate(member.certificatePEM, to: pki + "/member.crt")
        }
        if !fm.fileExists(atPath: pki + "/client.crt") {
            let client = try ca.issue(commonName: "gantry-apiserver", usage: .client, lifetime: 10 * 365 * 86400)
            try ClusterPKI.writeSecret(client.keyPEM, to: pki + "/client.key")
            try ClusterPKI.writeCertificate(client.certificatePEM, to: pki + "/client.crt")
        }
    }

    /// How Gantry's store (and `gantry etcd`) reach the cluster through this member's certificates.
    func storeConfiguration(endpoints: [String], prefix: String) -> EtcdConfiguration {
        EtcdConfiguration(endpoints: endpoints, caFile: pki + "/ca.crt", certFile: pki + "/client.crt",
                          keyFile: pki + "/client.key", prefix: prefix)
    }

    /// Starts the member: a new cluster of one (`initialCluster` nil), a member joining `initialCluster`, or
    /// (with data already there) the member it was.
    func start(initialCluster: String?, forceNewCluster: Bool = false) throws {
        let etcd = try Self.etcdBinary()
        try FileManager.default.createDirectory(atPath: memberDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let clientListen = ip == "127.0.0.1" ? localClientURL : "\(clientURL),\(localClientURL)"
        var args = [
            "--name", name, "--data-dir", memberDir,
            "--listen-client-urls", clientListen, "--advertise-client-urls", clientURL,
            "--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
            "--cert-file", pki + "/member.crt", "--key-file", pki + "/member.key",
            "--trusted-ca-file", pki + "/ca.crt", "--client-cert-auth",
            "--peer-cert-file", pki + "/member.crt", "--peer-key-file", pki + "/member.key",
            "--peer-trusted-ca-file", pki + "/ca.crt", "--peer-client-cert-auth",
            "--logger", "zap", "--log-level", "warn",
            // A member that comes back (restarted after a crash, or healed from a partition) must not force an
            // election by campaigning with a higher term while a leader serves: pre-vote (off by default in 3.4).
            "--pre-vote",
            // Watches hear "nothing changed up to revision R" every 5 s (etcd's default is 10 min), so the API's
            // bookmarks stay recent on quiet resources and a resumed watch is seldom too old (410).
            "--experimental-watch-progress-notify-interval", "5s",
        ]
        if !hasData {
            args += ["--initial-cluster", initialCluster ?? "\(name)=\(peerURL)",
                     "--initial-cluster-state", initialCluster == nil ? "new" : "existing"]
        }
        // What `gantry etcd` and `gantry etcd-snapshot` need to find this member.
        let info: JSONValue = ["name": .string(name), "clientURL": .string(localClientURL), "peerURL": .string(peerURL)]
        try? info.serialized().write(to: URL(fileURLWithPath: dataDir + "/etcd-member.json"))
        // --force-new-cluster for this start only: a restart after the reset must not reset the membership again.
        lock.withLock { arguments = [etcd] + args + (forceNewCluster ? ["--force-new-cluster"] : []) }
        defer { if forceNewCluster { lock.withLock { arguments.removeLast() } } }
        try spawn()
    }

    static func etcdBinary() throws -> String {
        for p in ["/usr/bin/etcd", "/usr/local/bin/etcd"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        throw GantryError(.unavailable, "etcd is not installed: apt-get install etcd-server (the managed etcd runs Debian's etcd)")
    }

    /// Starts the etcd process (output appended to DATA/etcd.log).
    func spawn() throws {
        let args = lock.withLock { arguments }
        guard let path = args.first else { throw GantryError(.internalError, "the managed etcd was not configured") }
        let child = try ChildProcess.spawnDaemon(path, Array(args.dropFirst()), log: dataDir + "/etcd.log")
        lock.withLock { pid = child }
        try? "\(child)\n".write(toFile: dataDir + "/etcd.pid", atomically: true, encoding: .utf8)
        logger.info("started the managed etcd member", metadata: ["name": "\(name)", "pid": "\(child)", "client": "\(clientURL)"])
    }

    /// Kills an etcd left running by an earlier run of this server that was killed (the member runs in a
    /// process group of its own, so it outlives a `kill -9` of the server), which would hold the ports.
    func stopStale() {
        guard let old = Self.recordedPID(dataDir: dataDir),
              let cmdline = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(old)/cmdline")),
              String(decoding: cmdline, as: UTF8.self).contains(memberDir)
        else { return }
        logger.warning("stopping the etcd member an earlier run left behind", metadata: ["pid": "\(old)"])
        kill(old, SIGKILL)
        for _ in 0..<100 where kill(old, 0) == 0 { usleep(20_000) }
    }

    /// The pid of the member last started for the server at `dataDir` (`DATA/etcd.pid`), which may have exited.
    static func recordedPID(dataDir: String) -> pid_t? {
        (try? String(contentsOfFile: dataDir + "/etcd.pid", encoding: .utf8))
            .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Reaps the member if it exited; returns its exit code then, nil while it runs.
    func exited() -> Int32? {
        lock.withLock {
            guard pid > 0 else { return 0 }
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && errno == ECHILD) {
                pid = 0
                return ChildProcess.exitCode(fromWaitStatus: status)
            }
            return nil
        }
    }

    /// Stops the member: SIGTERM, then SIGKILL after `timeout`.
    func stop(timeout: Duration = .seconds(10)) async {
        let p = lock.withLock { pid }
        guard p > 0 else { return }
        kill(p, SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while exited() == nil {
            if ContinuousClock.now > deadline {
                kill(p, SIGKILL)
                _ = lock.withLock { () -> Int32 in var s: Int32 = 0; waitpid(p, &s, 0); pid = 0; return s }
                return
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Removes this member from its cluster (through itself; the others go on without it).
    func leave() async throws {
        let client = try EtcdClient(storeConfiguration(endpoints: [localClientURL], prefix: "/gantry"))
        defer { client.close() }
        guard let me = try await client.memberList().first(where: { $0.peerURLs.contains(peerURL) }) else { return }
        let left = try await client.memberRemove(id: me.id)
        logger.notice("removed this server's member from the etcd cluster", metadata: ["members": "\(left.count)"])
    }

    /// Adds this server to the cluster whose members answer at `clientURLs` (unless it is a member already);
    /// returns the `--initial-cluster` to start with.
    func join(clientURLs: [String]) async throws -> String {
        let client = try EtcdClient(storeConfiguration(endpoints: clientURLs, prefix: "/gantry"))
        defer { client.close() }
        var members = try await client.memberList()
        if !members.contains(where: { $0.peerURLs.contains(peerURL) }) {
            // etcd refuses a member while the last one added is not connected yet ("unhealthy cluster": adding
            // would leave it without a quorum), so servers started together wait their turn.
            let deadline = ContinuousClock.now + .seconds(60)
            while true {
                do {
                    members = try await client.memberAdd(peerURLs: [peerURL]).members
                    break
                } catch let e as GantryError where e.message.contains("unhealthy cluster") && ContinuousClock.now < deadline {
                    logger.info("the etcd cluster is not ready for another member yet; waiting")
                    try await Task.sleep(for: .milliseconds(500))
                }
            }
            logger.info("added this server to the etcd cluster", metadata: ["peer": "\(peerURL)", "members": "\(members.count)"])
        }
        if members.count == 2 {
            logger.warning("the etcd cluster has 2 members: it stops if either is lost (a majority of 2 is 2); add a third server")
        }
        return members.map { m in "\(m.name.isEmpty ? name : m.name)=\(m.peerURLs.first ?? peerURL)" }.joined(separator: ",")
    }
}

/// Keeps the managed etcd member running: restarts it when it exits (with a short back-off) and stops it when
/// the server stops, after everything else (it is the first service, so the last one shut down).
struct ManagedEtcdService: ServiceLifecycle.Service {
    let etcd: ManagedEtcd
    /// Leave the etcd cluster when stopping (`gantry server --leave`): remove this member, set its data aside.
    var leave = false

    func run() async throws {
        var restarts = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(200)) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            if let code = etcd.exited() {
                restarts += 1
                etcd.logger.warning("the managed etcd member exited; restarting it", metadata: ["status": "\(code)", "restarts": "\(restarts)"])
                try? await Task.sleep(for: .milliseconds(min(200 * restarts, 5000)))
                do { try etcd.spawn() } catch {
                    etcd.logger.error("cannot restart the managed etcd member", metadata: ["error": "\(error)"])
                }
            }
        }
        if leave {
            do {
                try await etcd.leave()
            } catch {
                etcd.logger.error("could not leave the etcd cluster", metadata: ["error": "\(error)"])
            }
        }
        await etcd.stop()
        if leave {
            try? FileManager.default.removeItem(atPath: etcd.memberDir + ".left")
            try? FileManager.default.moveItem(atPath: etcd.memberDir, toPath: etcd.memberDir + ".left")
            etcd.logger.notice("left the etcd cluster; its old data is in \(etcd.memberDir).left")
        }
    }
}
