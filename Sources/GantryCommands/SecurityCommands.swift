import ArgumentParser
import Foundation
import GantryAPI
import GantryAuth
import GantryClient
import Logging
import ServiceLifecycle
import X509

/// `gantry certs check|rotate`: the certificates under a data directory's `pki`, when they expire and when they are
/// renewed; and reissuing the leaf certificates now.
struct CertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs", abstract: "Show and rotate the cluster's certificates.", subcommands: [Check.self, Rotate.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check", abstract: "List the certificates under DATA/pki: subject, issuer, expiry and when each is renewed.")

        @Option(help: "The server's (or an agent's) data directory.")
        var dataDir: String = "/var/lib/gantry/server"

        func run() throws {
            let dir = dataDir + "/pki"
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".crt") }.sorted()
            guard !files.isEmpty else { throw ValidationError("no certificates under \(dir)") }
            let now = Date()
            var rows = [["CERTIFICATE", "SUBJECT", "ISSUER", "EXPIRES", "RESIDUAL TIME", "RENEWS", "STATUS"]]
            for f in files {
                guard let text = try? String(contentsOfFile: dir + "/" + f, encoding: .utf8),
                      let cert = try? Certificate(pemEncoded: text) else {
                    rows.append([String(f.dropLast(4)), "?", "?", "?", "?", "?", "unreadable"])
                    continue
                }
                let isCA = (try? cert.extensions.basicConstraints).map { if case .isCertificateAuthority = $0 { true } else { false } } ?? false
                let life = cert.notValidAfter.timeIntervalSince(cert.notValidBefore)
                let renew = cert.notValidBefore.addingTimeInterval(life * 2 / 3)
                let status = cert.notValidAfter <= now ? "expired" : isCA ? "ok (CA)" : renew <= now ? "renewal due" : "ok"
                rows.append([String(f.dropLast(4)), CertificateSubject(cert).user, Self.commonName(cert.issuer),
                             RFC3339.format(cert.notValidAfter), Self.residual(cert.notValidAfter.timeIntervalSince(now)),
                             isCA ? "-" : RFC3339.format(renew), status])
            }
            printTable(rows)
        }

        static func commonName(_ name: DistinguishedName) -> String {
            CertificateSubject(name: name).user
        }

        static func residual(_ t: TimeInterval) -> String {
            if t <= 0 { return "0" }
            let days = Int(t / 86_400), hours = Int(t / 3600), minutes = Int(t / 60) % 60
            return days >= 365 ? "\(days / 365)y\(days % 365)d" : days > 0 ? "\(days)d" : hours > 0 ? "\(hours)h\(minutes)m" : "\(minutes)m"
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Reissue the server's leaf certificates now with new keys (the CAs stay); a running server loads them within 15 seconds.")

        @Option(help: "The server's data directory.")
        var dataDir: String = "/var/lib/gantry/server"

        @Argument(help: "Leaf certificates to rotate (default: all of them).")
        var names: [String] = []

        func run() throws {
            let dir = dataDir + "/pki"
            guard FileManager.default.fileExists(atPath: dir + "/server-ca.key") else {
                throw ValidationError("\(dir) holds no cluster CA key: certificates rotate on a server (agents renew theirs through it)")
            }
            let pki = try ClusterPKI.loadOrCreate(directory: dir)
            let leaves = pki.leaves().map(\.name)
            let chosen = names.isEmpty ? leaves : names
            for n in chosen where !leaves.contains(n) { throw ValidationError("no leaf certificate \(n) under \(dir) (have: \(leaves.joined(separator: ", ")))") }
            for n in chosen {
                let fresh = try pki.reissue(name: n)
                print("\(n): reissued, expires \(RFC3339.format(fresh.certificate.notValidAfter))")
            }
        }
    }
}

/// `gantry token create|list|delete`: join tokens (bootstrap tokens pinned to the cluster CA) with expiry.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage join tokens for agents.", subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a join token and print it.")
        @OptionGroup var client: ClientOptions

        @Option(help: "How long the token is valid (e.g. 30m, 24h, 7d; 0 = never expires).")
        var ttl: String = "24h"

        @Option(help: "A description kept with the token.")
        var description: String = "created by gantry token create"

        func run() async throws {
            guard let seconds = TokenCommand.duration(ttl) else {
                throw ValidationError("--ttl must be a number with s, m, h or d (e.g. 24h), or 0, not \"\(ttl)\"")
            }
            try await runClient {
                let c = try client.client()
                let caPEM = try await TokenCommand.serverCA(c)
                let token = JoinToken.generate(caPEM: caPEM)
                let secret = BootstrapToken.secret(id: token.id, secret: token.secret,
                                                   expiration: seconds == 0 ? nil : Date().addingTimeInterval(seconds),
                                                   description: description)
                _ = try await c.create(.secrets, namespace: BootstrapToken.namespace, secret)
                print(token.description)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List join tokens (secrets hidden).")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await runClient {
                let list = try await client.client().list(.secrets, namespace: BootstrapToken.namespace)
                var rows = [["TOKEN", "TTL", "EXPIRES", "DESCRIPTION"]]
                let now = Date()
                for s in list["items"]?.arrayValue ?? [] where s["type"]?.stringValue == BootstrapToken.secretType {
                    let f = BootstrapToken.fields(of: s)
                    let exp = f["expiration"].flatMap(RFC3339.parse)
                    let ttl = exp.map { $0 <= now ? "<expired>" : CertsCommand.Check.residual($0.timeIntervalSince(now)) } ?? "<forever>"
                    rows.append(["\(f["token-id"] ?? "?").****************", ttl, exp.map(RFC3339.format) ?? "<never>",
                                 f["description"] ?? ""])
                }
                printTable(rows)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete join tokens (by id, or the whole token).")
        @OptionGroup var client: ClientOptions

        @Argument(help: "Token ids (the 6 characters before the dot), or whole tokens.")
        var tokens: [String]

        func run() async throws {
            try await runClient {
                let c = try client.client()
                for t in tokens {
                    let id = (try? JoinToken(parsing: t))?.id ?? t
                    _ = try await c.delete(.secrets, namespace: BootstrapToken.namespace, name: BootstrapToken.secretName(id: id))
                    print("bootstrap token \"\(id)\" deleted")
                }
            }
        }
    }

    /// Seconds in `30m`, `24h`, `7d`, `90s`, or `0`.
    static func duration(_ text: String) -> TimeInterval? {
        if text == "0" { return 0 }
        guard let unit = text.last, let n = Double(text.dropLast()), n > 0 else { return nil }
        switch unit {
        case "s": return n
        case "m": return n * 60
        case "h": return n * 3600
        case "d": return n * 86_400
        default: return nil
        }
    }

    /// The cluster CA the client trusts (from its kubeconfig), else the one the server presents at `/cacerts`.
    static func serverCA(_ c: GantryClient) async throws -> String {
        let r = try await c.raw(.GET, "/cacerts", accept: "*/*")
        guard r.status == 200, let text = String(data: r.body, encoding: .utf8), text.contains("BEGIN CERTIFICATE") else {
            throw GantryError(.unavailable, "the server did not serve its CA at /cacerts (HTTP \(r.status))")
        }
        return text
    }
}

/// Prints rows as left-aligned columns, as kubectl does.
func printTable(_ rows: [[String]]) {
    guard let width = rows.first?.count else { return }
    let widths = (0..<width).map { i in rows.map { $0.count > i ? $0[i].count : 0 }.max() ?? 0 }
    for r in rows {
        print(r.enumerated().map { i, v in i == r.count - 1 ? v : v.padding(toLength: widths[i] + 3, withPad: " ", startingAt: 0) }
            .joined())
    }
}

/// Keeps the running server's certificates current: every 15 seconds it asks the PKI for each leaf (which reissues
/// one two thirds through its life, and returns what `gantry certs rotate` wrote), and swaps in any that changed —
/// the serving certificate, the one it presents to agents, its in-process clients' and the admin kubeconfig's —
/// without a restart.
final class ServerCertificateRenewal: ServiceLifecycle.Service, @unchecked Sendable {
    let security: ServerSecurity
    let logger: Logger
    let interval: Duration
    private let lock = NSLock()
    private var clients: [(name: String, user: String, groups: [String], identity: ClientIdentity)] = []
    private var servers: [(name: String, commonName: String, dns: [String], ip: [String], identity: ReloadableIdentity)] = []
    private var port: Int?

    init(security: ServerSecurity, logger: Logger, interval: Duration = .seconds(15)) {
        self.security = security
        self.logger = logger
        self.interval = interval
    }

    /// Renews `identity` (client certificate `name` for `user`) along with the server's.
    func track(client name: String, user: String, groups: [String], identity: ClientIdentity) {
        lock.withLock { clients.append((name, user, groups, identity)) }
    }

    /// Renews a serving `identity` (an in-process agent's) along with the server's.
    func track(serving name: String, commonName: String, dns: [String], ip: [String], identity: ReloadableIdentity) {
        lock.withLock { servers.append((name, commonName, dns, ip, identity)) }
    }

    /// The bound port, for the admin kubeconfig it rewrites.
    func serving(port: Int) { lock.withLock { self.port = port } }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) } } catch { return }
            do { try renewDue() } catch {
                logger.warning("certificate renewal failed; retrying", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Swaps in every certificate that was renewed or rotated; returns their names.
    @discardableResult
    func renewDue(now: Date = Date()) throws -> [String] {
        let pki = security.pki
        var renewed: [String] = []
        func swap(_ name: String, _ keyed: KeyedCertificate, into identity: ReloadableIdentity) throws {
            guard keyed.certificate.serialNumber != identity.keyed.certificate.serialNumber else { return }
            try identity.update(keyed)
            renewed.append(name)
        }
        let (serving, _) = try pki.servingCertificate(name: "serving", commonName: "kube-apiserver", dnsNames: security.dnsNames,
                                                      ipAddresses: security.ipAddresses, now: now)
        try swap("serving", serving, into: security.config.serving)
        if let kubelet = security.config.kubeletClient {
            try swap("apiserver-kubelet-client", try pki.kubeletClientCertificate(now: now).0, into: kubelet)
        }
        let (clients, servers, port) = lock.withLock { (self.clients, self.servers, self.port) }
        for s in servers {
            let (keyed, _) = try pki.servingCertificate(name: s.name, commonName: s.commonName, dnsNames: s.dns, ipAddresses: s.ip, now: now)
            try swap(s.name, keyed, into: s.identity)
        }
        for c in clients {
            let (keyed, _) = try pki.clientCertificate(name: c.name, user: c.user, groups: c.groups, now: now)
            guard keyed.certificatePEM != c.identity.current.certificatePEM else { continue }
            var next = c.identity.current
            next.certificatePEM = keyed.certificatePEM
            next.keyPEM = keyed.keyPEM
            try c.identity.update(next)
            renewed.append(c.name)
        }
        if let port {
            let (admin, _) = try pki.clientCertificate(name: "admin", user: "system:admin", groups: ["system:masters"], now: now)
            let written = (try? Kubeconfig.load(path: security.adminKubeconfigPath))?.credentials.certificatePEM
            if written != admin.certificatePEM {
                try security.writeAdminKubeconfig(port: port)
                renewed.append("admin")
            }
        }
        if !renewed.isEmpty { logger.info("loaded renewed certificates", metadata: ["certificates": "\(renewed)"]) }
        return renewed
    }
}
