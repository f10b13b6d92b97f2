import Crypto
import Foundation
import GantryAPI
import SwiftASN1
import X509

/// PKCS#10 certificate signing requests, as an agent sends one in a CertificateSigningRequest and the server's
/// signer reads it.
public enum SigningRequest {
    /// A fresh P-256 key and a PEM CSR for `commonName` in `organizations`, signed with that key.
    public static func make(commonName: String, organizations: [String]) throws -> (pem: String, key: P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            for o in organizations { OrganizationName(o) }
            CommonName(commonName)
        }
        let csr = try CertificateSigningRequest(version: .v1, subject: subject, privateKey: Certificate.PrivateKey(key),
                                                attributes: CertificateSigningRequest.Attributes(),
                                                signatureAlgorithm: .ecdsaWithSHA256)
        return (try csr.serializeAsPEM().pemString, key)
    }

    /// What a CSR asks for, once its self-signature is checked.
    public struct Parsed: Sendable {
        public var subject: CertificateSubject
        public var publicKey: Certificate.PublicKey
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
        return Parsed(subject: CertificateSubject(name: csr.subject), publicKey: csr.publicKey)
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

extension Certificate {
    /// The certificate as PEM text.
    public var pemText: String { (try? serializeAsPEM().pemString) ?? "" }
}
