import Foundation
import GantryAPI
import GantryAuth
import GantryStore
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import X509

/// How the API server authenticates: TLS with its serving identity, client certificates from the client CA, bearer
/// tokens (bootstrap tokens, a static token file, ServiceAccount tokens) and, for public paths, anonymous requests.
public struct SecurityConfig: Sendable {
    public var serving: ReloadableIdentity
    /// PEM of the CA client certificates must chain to.
    public var clientCAPEM: String
    /// The client CA with its key, to sign CertificateSigningRequests (nil: the server does not sign).
    public var clientCA: CertificateAuthority?
    /// PEM of the server CA, served at `/cacerts` for agents to check against their join token's pin.
    public var serverCAPEM: String
    public var tokenFile: StaticTokenFile?
    /// Whether requests without credentials may reach the public paths (health, version, discovery).
    public var anonymousAuth = true
    /// Signs and verifies ServiceAccount tokens (nil: none are issued or accepted).
    public var tokenIssuer: ServiceAccountTokenIssuer?
    /// The server CA with its key, to sign the agents' serving certificates (nil: they are not signed).
    public var serverCA: CertificateAuthority?
    /// The certificate the API server presents to agents' node servers, which it reaches over HTTPS verified against
    /// the server CA (nil: plain HTTP).
    public var kubeletClient: ReloadableIdentity?

    public init(serving: ReloadableIdentity, clientCAPEM: String, serverCAPEM: String, clientCA: CertificateAuthority? = nil,
                tokenFile: StaticTokenFile? = nil, anonymousAuth: Bool = true, tokenIssuer: ServiceAccountTokenIssuer? = nil) {
        self.tokenIssuer = tokenIssuer
        self.serving = serving
        self.clientCAPEM = clientCAPEM
        self.clientCA = clientCA
        self.serverCAPEM = serverCAPEM
        self.tokenFile = tokenFile
        self.anonymousAuth = anonymousAuth
    }
}

/// The request context of the API: Hummingbird's, plus the connection (to read the client's certificate).
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Decides who a request is from, in kube-apiserver's order: client certificate, then bearer token; no credentials
/// is anonymous. A presented token that no authenticator accepts is an error (401), not anonymous.
public struct Authenticator: Sendable {
    let security: SecurityConfig
    let registry: Registry
    let certificates = CertificateUserCache()

    init(security: SecurityConfig, registry: Registry) {
        self.security = security
        self.registry = registry
    }

    /// The user, or nil for a request with no credentials; throws `unauthorized` for credentials that fail.
    func authenticate(headers: HTTPFields, channel: any Channel) async throws -> UserInfo? {
        if let user = await certificates.user(of: channel) { return user.authenticated }
        guard let auth = headers[.authorization] else { return nil }
        let parts = auth.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw Self.unauthorized }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        if let u = await authenticateToken(token) { return u }
        throw Self.unauthorized
    }

    /// The user a bearer token stands for (static token file, then bootstrap tokens), or nil.
    func authenticateToken(_ token: String, audiences: [String] = []) async -> UserInfo? {
        if let u = security.tokenFile?.user(token: token) { return u.authenticated }
        if let issuer = security.tokenIssuer, ServiceAccountTokenIssuer.looksLikeJWT(token) {
            return await serviceAccountUser(token, issuer: issuer, audiences: audiences)
        }
        if let (id, _) = BootstrapToken.parse(token) {
            let secret = try? await registry.get(.secrets, namespace: BootstrapToken.namespace, name: BootstrapToken.secretName(id: id))
            if let u = BootstrapToken.user(bearer: token, secretObject: secret) { return u.authenticated }
        }
        return nil
    }

    static let unauthorized = GantryError(.unauthorized, "Unauthorized")

    /// The ServiceAccount a token stands for, if it verifies and the ServiceAccount (and the pod it is bound to)
    /// still exist with the UIDs it names: deleting either revokes the token.
    func serviceAccountUser(_ token: String, issuer: ServiceAccountTokenIssuer, audiences: [String]) async -> UserInfo? {
        guard let claims = try? issuer.verify(token, audiences: audiences) else { return nil }
        guard let sa = try? await registry.get(.serviceAccounts, namespace: claims.namespace, name: claims.serviceAccountName),
              claims.serviceAccountUID.isEmpty || sa[path: ["metadata", "uid"]]?.stringValue == claims.serviceAccountUID
        else { return nil }
        var extra: [String: [String]] = ["authentication.kubernetes.io/credential-id": ["JTI=\(claims.id)"]]
        if let podName = claims.podName {
            guard let pod = try? await registry.get(.pods, namespace: claims.namespace, name: podName),
                  pod[path: ["metadata", "uid"]]?.stringValue == claims.podUID,
                  pod[path: ["metadata", "deletionTimestamp"]] == nil
            else { return nil }
            extra["authentication.kubernetes.io/pod-name"] = [podName]
            extra["authentication.kubernetes.io/pod-uid"] = [claims.podUID ?? ""]
            if let node = pod[path: ["spec", "nodeName"]]?.stringValue, !node.isEmpty {
                extra["authentication.kubernetes.io/node-name"] = [node]
            }
        }
        let name = ServiceAccountName(namespace: claims.namespace, name: claims.serviceAccountName)
        return UserInfo(name: name.userName, uid: claims.serviceAccountUID, groups: name.groups, extra: extra)
    }

    /// Paths a request without credentials may reach (unless anonymous access is off): health, version, discovery,
    /// OpenAPI, the server CA and the ServiceAccount issuer's discovery documents.
    static func isPublic(_ path: String) -> Bool {
        if path.hasPrefix("/healthz") || path.hasPrefix("/readyz") || path.hasPrefix("/livez") { return true }
        switch path {
        case "/version", "/version/", "/api", "/api/", "/apis", "/apis/", "/cacerts",
             "/.well-known/openid-configuration", "/openid/v1/jwks":
            return true
        default: break
        }
        if path.hasPrefix("/openapi/") { return true }
        let segs = path.split(separator: "/")
        // /api/v1, /apis/GROUP, /apis/GROUP/VERSION
        if segs.first == "api", segs.count == 2 { return true }
        if segs.first == "apis", segs.count == 2 || segs.count == 3 { return true }
        return false
    }
}

/// Users read from client certificates the TLS handshake verified, remembered by certificate so a connection's
/// requests parse it once, and by connection (until it closes) so its later requests need no trip to the
/// channel's event loop to ask for the certificate.
final class CertificateUserCache: @unchecked Sendable {
    private let lock = NSLock()
    private var users: [NIOSSLCertificate: UserInfo] = [:]
    /// Per open connection: its certificate's user, or nil when it presented none.
    private var connections: [ObjectIdentifier: UserInfo?] = [:]

    /// The user of the client certificate `channel` presented (nil: none, or one without a user).
    func user(of channel: any Channel) async -> UserInfo? {
        let id = ObjectIdentifier(channel)
        if let known = lock.withLock({ connections[id] }) { return known }
        let peer = try? await channel.nioSSL_peerCertificate().get()
        let u = peer.flatMap(user)
        let open = lock.withLock { () -> Bool in
            guard channel.isActive else { return false }
            connections[id] = .some(u)
            return true
        }
        if open { channel.closeFuture.whenComplete { [self] _ in lock.withLock { _ = connections.removeValue(forKey: id) } } }
        return u
    }

    func user(_ cert: NIOSSLCertificate) -> UserInfo? {
        if let u = lock.withLock({ users[cert] }) { return u }
        guard let der = try? cert.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        let subject = CertificateSubject(parsed)
        guard !subject.user.isEmpty else { return nil }
        let u = UserInfo(name: subject.user, groups: subject.groups)
        lock.withLock {
            if users.count > 4096 { users.removeAll() }
            users[cert] = u
        }
        return u
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with WebSocket upgrades, over TLS when `security` is given.
    static func api(security: SecurityConfig?, upgrade: @escaping @Sendable (HTTPRequest, any Channel, Logger) async
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>) throws -> HTTPServerBuilder
    {
        let base = HTTPServerBuilder.http1WebSocketUpgrade(shouldUpgrade: upgrade)
        guard let security else { return base }
        return try .tls(base, configuration: TLSChannelConfiguration(
            tlsConfiguration: security.serving.serverTLSConfiguration(clientCAPEM: security.clientCAPEM)))
    }
}
