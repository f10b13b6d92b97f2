import Crypto
import Foundation
import GantryAPI
import SwiftASN1
import X509

/// What a leaf certificate is for: serving TLS, or authenticating a client to a server.
public enum CertificateUsage: Sendable {
    case server
    case client
    /// Both: an etcd member's certificate, which it serves with and presents to the other members.
    case peer
}

/// A certificate with its private key (ECDSA P-256), and both as PEM.
public struct KeyedCertificate: Sendable {
    public let certificate: Certificate
    /// The key's raw scalar (swift-crypto's keys are not `Sendable`; bytes are).
    let keyBytes: Data

    public init(certificate: Certificate, key: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.keyBytes = key.rawRepresentation
    }

    /// The private key.
    public var key: P256.Signing.PrivateKey {
        // The bytes came from a valid key, so this cannot fail.
        try! P256.Signing.PrivateKey(rawRepresentation: keyBytes)
    }

    /// The certificate as PEM.
    public var certificatePEM: String { (try? certificate.serializeAsPEM().pemString) ?? "" }
    /// The private key as PKCS#8 PEM.
    public var keyPEM: String { key.pemRepresentation }

    /// Whether the certificate is two thirds through its lifetime (or past it) at `now`: the moment to renew.
    public func needsRenewal(at now: Date) -> Bool {
        let start = certificate.notValidBefore, end = certificate.notValidAfter
        return now >= start.addingTimeInterval(end.timeIntervalSince(start) * 2 / 3)
    }
}

/// A certificate authority: a self-signed CA certificate and the key that signs what it issues.
public struct CertificateAuthority: Sendable {
    /// The CA's certificate and key.
    public let keyed: KeyedCertificate
    public var certificate: Certificate { keyed.certificate }

    /// How long a CA lives: ten years, so that only leaves (one year, renewed) ever need attention.
    public static let lifetime: TimeInterval = 10 * 365 * 86_400
    /// How long a leaf certificate lives.
    public static let leafLifetime: TimeInterval = 365 * 86_400
    /// Leaves and CAs are valid from a little before they are made, so that clocks a little behind accept them.
    static let backdate: TimeInterval = 3600

    public init(keyed: KeyedCertificate) { self.keyed = keyed }

    /// Makes a new CA named `commonName`.
    public static func create(commonName: String, now: Date = Date()) throws -> CertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
        }
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-backdate), notValidAfter: now.addingTimeInterval(lifetime),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(key))
        return CertificateAuthority(keyed: KeyedCertificate(certificate: cert, key: key))
    }

    /// Issues a leaf certificate for a new key.
    /// - Parameters:
    ///   - commonName: the subject's CN (for a client certificate, the user name).
    ///   - organizations: the subject's O attributes (for a client certificate, the user's groups).
    ///   - dnsNames, ipAddresses: subject alternative names (for a serving certificate).
    public func issue(commonName: String, organizations: [String] = [], usage: CertificateUsage,
                      dnsNames: [String] = [], ipAddresses: [String] = [], now: Date = Date(),
                      lifetime: TimeInterval = CertificateAuthority.leafLifetime) throws -> KeyedCertificate {
        let key = P256.Signing.PrivateKey()
        let cert = try sign(publicKey: Certificate.PublicKey(key.publicKey), commonName: commonName,
                            organizations: organizations, usage: usage, dnsNames: dnsNames, ipAddresses: ipAddresses,
                            now: now, lifetime: lifetime)
        return KeyedCertificate(certificate: cert, key: key)
    }

    /// Signs a certificate for someone else's public key (a CertificateSigningRequest's).
    public func sign(publicKey: Certificate.PublicKey, commonName: String, organizations: [String] = [],
                     usage: CertificateUsage, dnsNames: [String] = [], ipAddresses: [String] = [],
                     now: Date = Date(), lifetime: TimeInterval = CertificateAuthority.leafLifetime) throws -> Certificate {
        let subject = try DistinguishedName {
            for o in organizations { OrganizationName(o) }
            CommonName(commonName)
        }
        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        for ip in ipAddresses {
            guard let bytes = Self.ipBytes(ip) else {
                throw GantryError(.invalid, "\"\(ip)\" is not an IP address for a certificate")
            }
            names.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...])))
        }
        let caKeyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: usage != .client))
            switch usage {
            case .server: try ExtendedKeyUsage([.serverAuth])
            case .client: try ExtendedKeyUsage([.clientAuth])
            case .peer: try ExtendedKeyUsage([.serverAuth, .clientAuth])
            }
            SubjectKeyIdentifier(hash: publicKey)
            AuthorityKeyIdentifier(keyIdentifier: caKeyID)
            if !names.isEmpty { SubjectAlternativeNames(names) }
        }
        // A leaf never outlives its CA.
        let end = min(now.addingTimeInterval(lifetime), certificate.notValidAfter)
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-Self.backdate), notValidAfter: end,
            issuer: certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(keyed.key))
    }

    /// Whether this CA signed `cert` (its signature checks out with the CA's key and it names the CA as issuer).
    public func signed(_ cert: Certificate) -> Bool {
        cert.issuer == certificate.subject && certificate.publicKey.isValidSignature(cert.signature, for: cert)
    }

    /// The network-order bytes of an IPv4 or IPv6 address.
    static func ipBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

/// Who a client certificate says its holder is, as kube-apiserver reads it: CN is the user, each O a group.
public struct CertificateSubject: Sendable, Hashable {
    public var user: String
    public var groups: [String]

    public init(user: String, groups: [String]) {
        self.user = user
        self.groups = groups
    }

    /// Reads the subject of a client certificate.
    public init(_ cert: Certificate) { self.init(name: cert.subject) }

    /// Reads a distinguished name (a certificate's or a signing request's subject).
    public init(name: DistinguishedName) {
        var user = "", groups: [String] = []
        for rdn in name {
            for attribute in rdn {
                guard let value = String(attribute.value) else { continue }
                if attribute.type == .RDNAttributeType.commonName { user = value }
                if attribute.type == .RDNAttributeType.organizationName { groups.append(value) }
            }
        }
        self.user = user
        self.groups = groups
    }
}

extension Certificate {
    /// The DNS names and IP addresses among its subject alternative names.
    public var alternativeNames: (dns: [String], ip: [String]) {
        guard let sans = try? extensions.subjectAlternativeNames else { return ([], []) }
        var dns: [String] = [], ips: [String] = []
        for name in sans {
            switch name {
            case .dnsName(let d): dns.append(d)
            case .ipAddress(let octets): if let s = ipText(Array(octets.bytes)) { ips.append(s) }
            default: break
            }
        }
        return (dns, ips)
    }
}

/// The text form of a 4- or 16-byte address.
func ipText(_ bytes: [UInt8]) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    let family = bytes.count == 4 ? AF_INET : bytes.count == 16 ? AF_INET6 : -1
    guard family >= 0 else { return nil }
    let ok = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
    return ok ? String(cString: buffer) : nil
}
