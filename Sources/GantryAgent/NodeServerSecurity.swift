import Foundation
import GantryAuth
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import X509

/// How the agent's node server is secured, as a kubelet with `--client-ca-file` and webhook authorization: it serves
/// TLS with a certificate from the cluster CA, and answers only the API server (its `kube-apiserver-kubelet-client`
/// certificate, verified against the cluster CA) and bearer tokens the API server says may use `nodes/proxy` on this
/// node (TokenReview, then SubjectAccessReview). A pod that calls its node directly gets 401 or 403.
public struct NodeServerSecurity: Sendable {
    /// The serving certificate (renewed in place).
    public let identity: ReloadableIdentity
    /// The CA client certificates must chain to (the cluster CA).
    public let caPEM: String
    /// The one certificate user allowed in: the API server's.
    public let apiServerUser: String
    /// Whether a bearer token may `verb` the node subresource (`proxy`, `metrics`, `stats`, `log`) on this node
    /// (asked of the API server).
    public let reviewToken: @Sendable (_ token: String, _ verb: String, _ subresource: String) async -> Bool
    let decisions = TokenDecisions()

    public init(identity: ReloadableIdentity, caPEM: String, apiServerUser: String = ClusterPKI.kubeletClientUser,
                reviewToken: @escaping @Sendable (_ token: String, _ verb: String, _ subresource: String) async -> Bool) {
        self.identity = identity
        self.caPEM = caPEM
        self.apiServerUser = apiServerUser
        self.reviewToken = reviewToken
    }

    /// What a request may do: nil when it is let in, else the status to answer with (401 without credentials or
    /// with a token the server rejects, 403 with a certificate that is not the API server's).
    func check(headers: HTTPFields, channel: any Channel, verb: String, subresource: String = "proxy") async -> HTTPResponse.Status? {
        if let peer = try? await channel.nioSSL_peerCertificate().get() {
            // The handshake verified it against the cluster CA; only the API server's name is let in.
            guard let der = try? peer.toDERBytes(), let cert = try? Certificate(derEncoded: der),
                  CertificateSubject(cert).user == apiServerUser else { return .forbidden }
            return nil
        }
        guard let auth = headers[.authorization], auth.lowercased().hasPrefix("bearer ") else { return .unauthorized }
        let token = String(auth.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        let what = verb + " " + subresource
        if let known = decisions.lookup(token, what) { return known ? nil : .forbidden }
        let allowed = await reviewToken(token, verb, subresource)
        decisions.store(token, what, allowed)
        return allowed ? nil : .forbidden
    }

    /// The server's TLS: this identity, client certificates optional (tokens are the other way in) but verified.
    func serverBuilder(_ base: HTTPServerBuilder) throws -> HTTPServerBuilder {
        try .tls(base, configuration: TLSChannelConfiguration(tlsConfiguration: identity.serverTLSConfiguration(clientCAPEM: caPEM)))
    }
}

/// Token decisions remembered for a while (allowed for a minute, refused for ten seconds), as the kubelet's webhook
/// authenticator and authorizer cache them, so a follow of logs does not ask the API server per request.
final class TokenDecisions: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (allowed: Bool, until: ContinuousClock.Instant)] = [:]

    func lookup(_ token: String, _ verb: String) -> Bool? {
        lock.withLock {
            guard let e = entries[verb + " " + token], e.until > .now else { return nil }
            return e.allowed
        }
    }

    func store(_ token: String, _ verb: String, _ allowed: Bool) {
        lock.withLock {
            if entries.count > 1024 { entries = entries.filter { $0.value.until > .now } }
            entries[verb + " " + token] = (allowed, .now + (allowed ? .seconds(60) : .seconds(10)))
        }
    }
}

/// The node server's request context: Hummingbird's, plus the connection (for the client's certificate).
public struct NodeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Lets in only what `NodeServerSecurity` allows; every route of the node server is behind it.
struct NodeAuthMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    let security: NodeServerSecurity

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let verb = request.method == .get || request.method == .head ? "get" : "create"
        // As the kubelet's webhook authorizer names its paths: /metrics → nodes/metrics, /stats → nodes/stats,
        // /logs → nodes/log, the rest nodes/proxy.
        let path = request.uri.path
        let subresource = path.hasPrefix("/metrics") ? "metrics" : path.hasPrefix("/stats") ? "stats" : path.hasPrefix("/logs") ? "log" : "proxy"
        if let status = await security.check(headers: request.headers, channel: context.channel, verb: verb, subresource: subresource) {
            let text = status == .unauthorized ? "Unauthorized" : "Forbidden: only the API server may use this node's API"
            return Response(status: status, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        return try await next(request, context)
    }
}
