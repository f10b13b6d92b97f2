import AsyncHTTPClient
import Foundation
import GantryAPI
import NIOCore
import NIOSSL

/// How a client proves who it is and whom it trusts: the CA to verify the server against, a client certificate,
/// a bearer token.
public struct ClientCredentials: Sendable, Hashable {
    /// PEM of the CA(s) the server's certificate must chain to (nil: the system's roots).
    public var caPEM: String?
    /// PEM of the client certificate and its key, for certificate authentication.
    public var certificatePEM: String?
    public var keyPEM: String?
    /// A bearer token, sent as `Authorization: Bearer …`.
    public var token: String?
    /// A file whose (trimmed) content is the bearer token, re-read when it changes (a projected ServiceAccount token).
    public var tokenFile: String?
    /// Skips verifying the server's certificate (only to fetch the CA a join token then pins).
    public var insecureSkipVerify = false

    public init(caPEM: String? = nil, certificatePEM: String? = nil, keyPEM: String? = nil, token: String? = nil,
                tokenFile: String? = nil, insecureSkipVerify: Bool = false) {
        self.caPEM = caPEM
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
        self.token = token
        self.tokenFile = tokenFile
        self.insecureSkipVerify = insecureSkipVerify
    }

    /// No credentials at all (plain HTTP, or anonymous over TLS with the system's roots).
    public static let none = ClientCredentials()

    /// The TLS part: what an HTTP client must be built with (the token is added per request).
    var tlsIdentity: ClientCredentials {
        var c = self
        c.token = nil
        c.tokenFile = nil
        return c
    }

    /// The TLS configuration for these credentials.
    public func tlsConfiguration() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if insecureSkipVerify {
            tls.certificateVerification = .none
        } else if let caPEM {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
            } catch {
                throw GantryError(.invalid, "the certificate authority data is not PEM certificates", cause: error)
            }
        }
        if let certificatePEM, let keyPEM {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))
            } catch {
                throw GantryError(.invalid, "the client certificate or key is not valid PEM", cause: error)
            }
        }
        return tls
    }
}

/// The HTTP client and credentials a `GantryClient` sends with, swappable at run time (an agent renews its client
/// certificate without restarting). One HTTP client per distinct TLS identity is kept for the process's life.
public final class ClientIdentity: @unchecked Sendable {
    private let lock = NSLock()
    private var credentials: ClientCredentials
    private var http: HTTPClient
    private var fileToken: (path: String, modified: Date, token: String)?

    public init(_ credentials: ClientCredentials, httpClient: HTTPClient? = nil) throws {
        self.credentials = credentials
        self.http = try httpClient ?? Self.httpClient(for: credentials)
    }

    /// The credentials in use.
    public var current: ClientCredentials { lock.withLock { credentials } }

    /// Switches to new credentials (a renewed certificate); requests already sent finish with the old ones.
    public func update(_ new: ClientCredentials) throws {
        let client = try Self.httpClient(for: new)
        lock.withLock {
            credentials = new
            http = client
        }
    }

    /// The HTTP client and the bearer token (if any) for the next request.
    func forRequest() -> (HTTPClient, String?) {
        let (http, c) = lock.withLock { (self.http, credentials) }
        if let t = c.token { return (http, t) }
        guard let path = c.tokenFile else { return (http, nil) }
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
        if let cached = lock.withLock({ fileToken }), cached.path == path, cached.modified == modified {
            return (http, cached.token)
        }
        let token = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        lock.withLock { fileToken = (path, modified, token) }
        return (http, token.isEmpty ? nil : token)
    }

    private static let poolLock = NSLock()
    nonisolated(unsafe) private static var pool: [ClientCredentials: HTTPClient] = [:]

    /// The shared HTTP client for a TLS identity (the plain shared client when there is none).
    static func httpClient(for credentials: ClientCredentials) throws -> HTTPClient {
        let key = credentials.tlsIdentity
        if key == .none { return GantryClient.sharedHTTPClient }
        return try poolLock.withLock {
            if let c = pool[key] { return c }
            var config = GantryClient.httpConfiguration()
            config.tlsConfiguration = try key.tlsConfiguration()
            let c = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
            pool[key] = c
            return c
        }
    }
}
