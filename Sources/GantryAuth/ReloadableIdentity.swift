import Foundation
import NIOSSL

/// A TLS certificate and key that can be swapped while serving: each new connection's handshake uses the current
/// pair, so a renewed certificate takes effect without a restart.
public final class ReloadableIdentity: @unchecked Sendable {
    private let lock = NSLock()
    private var chain: [NIOSSLCertificate]
    private var key: NIOSSLPrivateKey
    /// The certificate in use (for `certs check` and renewal decisions).
    public private(set) var keyed: KeyedCertificate

    public init(_ keyed: KeyedCertificate) throws {
        (chain, key) = try Self.material(keyed)
        self.keyed = keyed
    }

    /// Serves `keyed` from the next handshake on.
    public func update(_ keyed: KeyedCertificate) throws {
        let (c, k) = try Self.material(keyed)
        lock.withLock {
            chain = c
            key = k
            self.keyed = keyed
        }
    }

    public var current: ([NIOSSLCertificate], NIOSSLPrivateKey) { lock.withLock { (chain, key) } }

    private static func material(_ keyed: KeyedCertificate) throws -> ([NIOSSLCertificate], NIOSSLPrivateKey) {
        (try NIOSSLCertificate.fromPEMBytes(Array(keyed.certificatePEM.utf8)),
         try NIOSSLPrivateKey(bytes: Array(keyed.keyPEM.utf8), format: .pem))
    }

    /// A server TLS configuration (TLS 1.2 and up) presenting this identity, and asking for (not requiring) a client
    /// certificate, which must then chain to `clientCAPEM`.
    public func serverTLSConfiguration(clientCAPEM: String?) throws -> TLSConfiguration {
        let (chain, key) = current
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                           privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        if let clientCAPEM {
            tls.certificateVerification = .optionalVerification
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(clientCAPEM.utf8)))
            tls.sendCANameList = true
        }
        tls.sslContextCallback = { [self] _, promise in
            let (chain, key) = current
            var o = NIOSSLContextConfigurationOverride()
            o.certificateChain = chain.map { .certificate($0) }
            o.privateKey = .privateKey(key)
            promise.succeed(o)
        }
        return tls
    }
}


extension ReloadableIdentity {
    /// A client TLS configuration (TLS 1.2 and up) presenting this identity and trusting only `caPEM`.
    public func clientTLSConfiguration(trusting caPEM: String) throws -> TLSConfiguration {
        let (chain, key) = current
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateChain = chain.map { .certificate($0) }
        tls.privateKey = .privateKey(key)
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
        return tls
    }
}
