import ArgumentParser
import Foundation
import GantryAPI
import GantryAPIServer
import GantryAuth
import GantryClient
import GantryStore
import Logging
import ServiceLifecycle

/// The security flags of `server` and `dev`.
struct SecurityOptions: ParsableArguments {
    @Option(help: "Another name or IP address for the API server's certificate (repeatable).")
    var tlsSan: [String] = []

    @Option(help: "A static token file in kube-apiserver's CSV format: token,user,uid,\"group1,group2\".")
    var tokenAuthFile: String?

    @Option(help: "Let requests without credentials reach health, version and discovery (true or false).")
    var anonymousAuth: Bool = true

    @Option(help: "An EncryptionConfiguration file (kube-apiserver's format, aesgcm or identity) instead of DATA/encryption-config.yaml.")
    var encryptionProviderConfig: String?

    @Option(help: "Resources encrypted at rest when the server makes its key file (comma-separated plurals).")
    var encryptResources: String = "secrets"

    @Option(help: "The issuer (iss) of ServiceAccount tokens, served by the OIDC discovery document.")
    var serviceAccountIssuer: String = "https://kubernetes.default.svc.cluster.local"

    @Option(help: "The Pod Security level enforced (and warned about) in namespaces without pod-security.kubernetes.io labels: privileged, baseline or restricted.")
    var defaultPodSecurity: String = "privileged"

    @Option(help: "Write an audit.k8s.io/v1 Event per request to this file (JSON lines).")
    var auditLog: String?

    @Option(help: "What audit events carry: Metadata, or Request (also the bodies of writes, never of Secrets or tokens).")
    var auditLevel: String = "Metadata"

    @Option(help: "Rotate the audit log when it reaches this many megabytes.")
    var auditLogMaxsize: Int = 100

    @Option(help: "Rotated audit logs to keep (FILE.1 is the newest).")
    var auditLogMaxbackup: Int = 3

    @Flag(help: .hidden)
    var insecureDisableSecurity = false

    /// The audit log from `--audit-log` (nil when not asked for).
    func makeAuditLog() throws -> AuditLog? {
        guard let auditLog else { return nil }
        guard let level = AuditLog.Level(rawValue: auditLevel) else {
            throw ValidationError("--audit-level must be Metadata or Request, not \"\(auditLevel)\"")
        }
        guard auditLogMaxsize > 0, auditLogMaxbackup >= 0 else {
            throw ValidationError("--audit-log-maxsize must be positive and --audit-log-maxbackup not negative")
        }
        return try AuditLog(path: auditLog, level: level, maxBytes: auditLogMaxsize << 20, maxBackups: auditLogMaxbackup)
    }

    /// Pod Security admission's defaults from `--default-pod-security`.
    func podSecurityDefaults() throws -> PodSecurity.Defaults {
        guard let level = PodSecurity.Level(rawValue: defaultPodSecurity) else {
            throw ValidationError("--default-pod-security must be privileged, baseline or restricted, not \"\(defaultPodSecurity)\"")
        }
        return PodSecurity.Defaults(enforce: level)
    }
}

extension SecurityOptions {
    /// Encryption at rest from `--encryption-provider-config`, or from DATA/encryption-config.yaml, made with a new key
    /// on first start. A missing key file while the store holds encrypted values is an error: never a new key that
    /// cannot read them, never plain text.
    func atRestEncryption(dataDir: String, store: any StateStore) async throws -> AtRestEncryption {
        let path = encryptionProviderConfig ?? dataDir + "/encryption-config.yaml"
        var create = false
        if encryptionProviderConfig == nil, !FileManager.default.fileExists(atPath: path) {
            create = try await !AtRestEncryption.storeHoldsEncryptedValues(store)
        }
        let resources = encryptResources.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let ring = try EncryptionKeyRing.load(path: path, create: create, resources: resources)
        return AtRestEncryption(ring: ring, path: path)
    }
}

/// The server's PKI put to work: its serving certificate, the kubeconfigs and join token it writes, and the
/// credentials of the clients it runs in-process (controllers, a `dev` agent).
struct ServerSecurity: Sendable {
    let pki: ClusterPKI
    let config: SecurityConfig
    let dataDir: String
    let host: String
    let dnsNames: [String]
    let ipAddresses: [String]

    /// The admin kubeconfig's path.
    var adminKubeconfigPath: String { dataDir + "/admin.kubeconfig" }
    /// The join token's path.
    var tokenPath: String { dataDir + "/token" }

    /// Loads or creates the PKI under `DATA/pki` and the serving certificate for this server's names.
    static func prepare(dataDir: String, host: String, serviceCIDR: String, options: SecurityOptions,
                        logger: Logger) async throws -> ServerSecurity {
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        // The database holds Secrets and the directory the PKI: the owner's alone.
        chmod(dataDir, 0o700)
        let pki = try ClusterPKI.loadOrCreate(directory: dataDir + "/pki")
        var ips = ["127.0.0.1"]
        if host == "0.0.0.0" || host == "::" {
            let net = try await HostNetwork.read()
            for addrs in net.addresses.values {
                for a in addrs { if let ip = a.split(separator: "/").first { ips.append(String(ip)) } }
            }
        } else if IPv4CIDR.parseIP(host) != nil {
            ips.append(host)
        }
        if let cidr = try? IPv4CIDR(serviceCIDR) { ips.append(IPv4CIDR.format(cidr.base + 1)) }
        var dns = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                   "kubernetes.default.svc.cluster.local", ProcessInfo.processInfo.hostName.lowercased()]
        if IPv4CIDR.parseIP(host) == nil, host != "0.0.0.0", host != "::", !host.isEmpty { dns.append(host) }
        for san in options.tlsSan {
            if IPv4CIDR.parseIP(san) != nil || san.contains(":") { ips.append(san) } else { dns.append(san) }
        }
        ips = Self.unique(ips)
        dns = Self.unique(dns)
        let (serving, issued) = try pki.servingCertificate(name: "serving", commonName: "kube-apiserver", dnsNames: dns,
                                                           ipAddresses: ips)
        if issued { logger.info("issued the API server's certificate", metadata: ["dns": "\(dns)", "ip": "\(ips)"]) }
        let tokenFile = try options.tokenAuthFile.map { try StaticTokenFile.load(path: $0) }
        var config = SecurityConfig(serving: try ReloadableIdentity(serving), clientCAPEM: pki.clientCA.keyed.certificatePEM,
                                    serverCAPEM: pki.serverCAPEM, clientCA: pki.clientCA, tokenFile: tokenFile, anonymousAuth: options.anonymousAuth,
                                    tokenIssuer: ServiceAccountTokenIssuer(issuer: options.serviceAccountIssuer, key: pki.serviceAccountKey))
        config.serverCA = pki.serverCA
        config.kubeletClient = try ReloadableIdentity(try pki.kubeletClientCertificate().0)
        return ServerSecurity(pki: pki, config: config, dataDir: dataDir, host: host, dnsNames: dns, ipAddresses: ips)
    }

    private static func unique(_ xs: [String]) -> [String] {
        var seen = Set<String>()
        return xs.filter { seen.insert($0).inserted }
    }

    /// The URL clients on this machine use.
    func localURL(port: Int) -> String { "https://\(Self.localHost(listening: host)):\(port)" }

    /// The host part of a URL that reaches a server listening on `host` from this machine (loopback for a wildcard).
    static func localHost(listening host: String) -> String {
        host == "0.0.0.0" || host == "::" ? "127.0.0.1" : (host.contains(":") ? "[\(host)]" : host)
    }

    /// Credentials for a client certificate `name` (`DATA/pki/NAME.crt`) for `user` in `groups`, trusting the server CA.
    func clientCredentials(name: String, user: String, groups: [String]) throws -> ClientCredentials {
        let (keyed, _) = try pki.clientCertificate(name: name, user: user, groups: groups)
        return ClientCredentials(caPEM: pki.serverCAPEM, certificatePEM: keyed.certificatePEM, keyPEM: keyed.keyPEM)
    }

    /// Writes the admin kubeconfig (`system:admin` in `system:masters`, the CA embedded) for the bound port.
    func writeAdminKubeconfig(port: Int, servers: [String] = []) throws {
        let creds = try clientCredentials(name: "admin", user: "system:admin", groups: ["system:masters"])
        let local = localURL(port: port)
        let k = Kubeconfig(server: local, credentials: creds, namespace: "default",
                           servers: servers.isEmpty ? [] : [local] + servers.filter { $0 != local })
        try ClusterPKI.writeSecret(k.yaml(name: "gantry"), to: adminKubeconfigPath)
    }

    /// The server's join token: the one in `DATA/token` if there is one, else a new one; its bootstrap token Secret is
    /// (re)created if missing, so the file and the cluster agree.
    func ensureJoinToken(registry: Registry, logger: Logger) async throws -> JoinToken {
        var token: JoinToken
        if let text = try? String(contentsOfFile: tokenPath, encoding: .utf8),
           let t = try? JoinToken(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            token = t
            if token.caHash != JoinToken.pin(pki.serverCAPEM) {
                logger.warning("the join token in \(tokenPath) pins another CA; writing one for this CA")
                token = JoinToken(caHash: JoinToken.pin(pki.serverCAPEM), id: t.id, secret: t.secret)
                try ClusterPKI.writeSecret(token.description + "\n", to: tokenPath)
            }
        } else {
            token = JoinToken.generate(caPEM: pki.serverCAPEM)
            try ClusterPKI.writeSecret(token.description + "\n", to: tokenPath)
        }
        let secret = BootstrapToken.secret(id: token.id, secret: token.secret, expiration: nil,
                                           description: "the server's join token (\(tokenPath))")
        do {
            _ = try await registry.create(.secrets, namespace: BootstrapToken.namespace, body: secret, options: WriteOptions())
        } catch let e as GantryError where e.code == .alreadyExists {}
        return token
    }
}
