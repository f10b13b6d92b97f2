import Crypto
import Foundation
import GantryAPI
import SwiftASN1
import X509

/// PKCS#10 certificate signing requests, as an agent sends one in a CertificateSigningRequest and the server's
/// signer reads it.
public enum SigningRequest {
    /// A fresh P-256 key and a PEM CSR for `commonName` in `organizations`, signed with that key; a serving
    /// certificate's request also asks for subject alternative names.
    public static func make(commonName: String, organizations: [String], dnsNames: [String] = [],
                            ipAddresses: [String] = []) throws -> (pem: String, key: P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            for o in organizations { OrganizationName(o) }
            CommonName(commonName)
        }
        var attributes = CertificateSigningRequest.Attributes()
        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        for ip in ipAddresses {
            guard let bytes = CertificateAuthority.ipBytes(ip) else {
                throw GantryError(.invalid, "\"\(ip)\" is not an IP address for a certificate")
            }
            names.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...])))
        }
        if !names.isEmpty {
            let extensions = try Certificate.Extensions { SubjectAlternativeNames(names) }
            attributes.insert(try CertificateSigningRequest.Attribute(ExtensionRequest(extensions: extensions)))
        }
        let csr = try CertificateSigningRequest(version: .v1, subject: subject, privateKey: Certificate.PrivateKey(key),
                                                attributes: attributes, signatureAlgorithm: .ecdsaWithSHA256)
        return (try csr.serializeAsPEM().pemString, key)
    }

    /// What a CSR asks for, once its self-signature is checked.
    public struct Parsed: Sendable {
        public var subject: CertificateSubject
        public var publicKey: Certificate.PublicKey
        /// The subject alternative names asked for: DNS names and IP addresses.
        public var dnsNames: [String] = []
        public var ipAddresses: [String] = []
        /// Whether it asks for alternative names of another kind (email, URI), which no signer here issues.
        public var otherNames = false
    }

    /// Parses and checks a PEM CSR: malformed, or a signature that does not match its key, is `invalid`.
    public static func parse(pem: String) throws -> Parsed {
        let csr: CertificateSigningRequest
        do { csr = try CertificateSigningRequest(pemEncoded: pem) } catch {
            throw GantryError(.invalid, "spec.request is not a PEM certificate request: \(error)")
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw GantryError(.invalid, "spec.request is not signed by the key it carries")
        }
        var parsed = Parsed(subject: CertificateSubject(name: csr.subject), publicKey: csr.publicKey)
        let sans: SubjectAlternativeNames?
        do { sans = try csr.attributes.extensionRequest?.extensions.subjectAlternativeNames } catch {
            throw GantryError(.invalid, "spec.request has a malformed extension request: \(error)")
        }
        for name in sans ?? SubjectAlternativeNames([]) {
            switch name {
            case .dnsName(let d): parsed.dnsNames.append(d)
            case .ipAddress(let octets):
                if let text = ipText(Array(octets.bytes)) { parsed.ipAddresses.append(text) } else { parsed.otherNames = true }
            default: parsed.otherNames = true
            }
        }
        return parsed
    }
}

extension CertificateAuthority {
    /// Issues a client certificate for a checked CSR, with its subject as asked.
    public func signClient(_ request: SigningRequest.Parsed, now: Date = Date(),
                           lifetime: TimeInterval = CertificateAuthority.leafLifetime) throws -> Certificate {
        try sign(publicKey: request.publicKey, commonName: request.subject.user, organizations: request.subject.groups,
                 usage: .client, now: now, lifetime: lifetime)
    }
}

extension CertificateAuthority {
    /// Issues a serving certificate for a checked CSR, with its subject and alternative names as asked.
    public func signServing(_ request: SigningRequest.Parsed, now: Date = Date(),
                            lifetime: TimeInterval = CertificateAuthority.leafLifetime) throws -> Certificate {
        try sign(publicKey: request.publicKey, commonName: request.subject.user, organizations: request.subject.groups,
                 usage: .server, dnsNames: request.dnsNames, ipAddresses: request.ipAddresses, now: now, lifetime: lifetime)
    }
}

extension Certificate {
    /// The certificate as PEM text.
    public var pemText: String { (try? serializeAsPEM().pemString) ?? "" }
}
