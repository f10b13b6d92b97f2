import Crypto
import Foundation
import GantryAPI
import X509

/// The cluster's certificate authorities and signing keys, kept as PEM files under a directory (mode 0700,
/// keys 0600): the cluster (server) CA that signs serving certificates, a separate client CA that signs client
/// certificates, and the ServiceAccount token signing key.
///
/// The first start makes them; later starts load them. A CA certificate whose key file is gone is an error that
/// names the file, never a silent new CA (which would orphan every issued certificate and join token).
public struct ClusterPKI: Sendable {
    public let directory: String
    /// Signs the API server's and agents' serving certificates; what clients trust.
    public let serverCA: CertificateAuthority
    /// Signs client certificates: users, controllers, nodes.
    public let clientCA: CertificateAuthority
    /// The raw ServiceAccount signing key (see `serviceAccountKey`).
    let serviceAccountKeyBytes: Data
    /// Signs ServiceAccount tokens (ES256).
    public var serviceAccountKey: P256.Signing.PrivateKey {
        try! P256.Signing.PrivateKey(rawRepresentation: serviceAccountKeyBytes)
    }

    static let serverCAName = "server-ca"
    static let clientCAName = "client-ca"
    static let serviceAccountKeyFile = "service-account.key"

    /// Loads the PKI from `directory`, or makes it there when the directory holds none of it yet.
    public static func loadOrCreate(directory: String, now: Date = Date()) throws -> ClusterPKI {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o700])
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        let server = try loadOrCreateCA(directory: directory, name: serverCAName, commonName: "gantry-server-ca", now: now)
        let client = try loadOrCreateCA(directory: directory, name: clientCAName, commonName: "gantry-client-ca", now: now)
        let saPath = directory + "/" + serviceAccountKeyFile
        let saKey: P256.Signing.PrivateKey
        if fm.fileExists(atPath: saPath) {
            saKey = try P256.Signing.PrivateKey(pemRepresentation: try readFile(saPath))
        } else {
            saKey = P256.Signing.PrivateKey()
            try writeSecret(saKey.pemRepresentation, to: saPath)
        }
        return ClusterPKI(directory: directory, serverCA: server, clientCA: client, serviceAccountKeyBytes: saKey.rawRepresentation)
    }

    /// The serving certificate `name` (`NAME.crt`, `NAME.key`) for these SANs: the one on disk if it covers them
    /// and is not due for renewal, else a new one from the server CA, written in its place.
    /// Returns the certificate and whether it was (re)issued.
    public func servingCertificate(name: String, commonName: String, dnsNames: [String], ipAddresses: [String],
                                   now: Date = Date()) throws -> (KeyedCertificate, issued: Bool) {
        try leaf(name: name, ca: serverCA, now: now, wants: { cert in
            let have = cert.alternativeNames
            return Set(dnsNames).isSubset(of: have.dns) && Set(ipAddresses).isSubset(of: have.ip)
        }) {
            try serverCA.issue(commonName: commonName, usage: .server, dnsNames: dnsNames, ipAddresses: ipAddresses, now: now)
        }
    }

    /// The client certificate `name` for user `user` in `groups`: the one on disk if it names them and is not due
    /// for renewal, else a new one from the client CA.
    public func clientCertificate(name: String, user: String, groups: [String],
                                  now: Date = Date()) throws -> (KeyedCertificate, issued: Bool) {
        try leaf(name: name, ca: clientCA, now: now, wants: { cert in
            CertificateSubject(cert) == CertificateSubject(user: user, groups: groups)
        }) {
            try clientCA.issue(commonName: user, organizations: groups, usage: .client, now: now)
        }
    }

    /// The user name of the certificate the API server presents to agents' node servers.
    public static let kubeletClientUser = "kube-apiserver-kubelet-client"

    /// The client certificate the API server presents to the agents' node servers (`apiserver-kubelet-client`): from
    /// the server CA, which the agents trust, so the node servers need no other CA.
    public func kubeletClientCertificate(now: Date = Date()) throws -> (KeyedCertificate, issued: Bool) {
        try leaf(name: "apiserver-kubelet-client", ca: serverCA, now: now, wants: { cert in
            CertificateSubject(cert).user == Self.kubeletClientUser
        }) {
            try serverCA.issue(commonName: Self.kubeletClientUser, usage: .client, now: now)
        }
    }

    private func leaf(name: String, ca: CertificateAuthority, now: Date, wants: (Certificate) -> Bool,
                      issue: () throws -> KeyedCertificate) throws -> (KeyedCertificate, issued: Bool) {
        let certPath = directory + "/\(name).crt", keyPath = directory + "/\(name).key"
        if let existing = try? Self.loadKeyed(certPath: certPath, keyPath: keyPath),
           ca.signed(existing.certificate), wants(existing.certificate), !existing.needsRenewal(at: now),
           existing.certificate.notValidBefore <= now {
            return (existing, false)
        }
        let fresh = try issue()
        try Self.writeSecret(fresh.keyPEM, to: keyPath)
        try Self.writePublic(fresh.certificatePEM, to: certPath)
        return (fresh, true)
    }

    /// The leaf certificates under the directory (every `NAME.crt` but the CAs'), by name, sorted.
    public func leaves() -> [(name: String, certificate: Certificate)] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".crt") }.map { String($0.dropLast(4)) }
            .filter { $0 != Self.serverCAName && $0 != Self.clientCAName }.sorted()
            .compactMap { name in
                (try? Certificate(pemEncoded: Self.readFile(directory + "/\(name).crt"))).map { (name, $0) }
            }
    }

    /// Issues leaf `name` again now with a new key: the same subject, names and usage, from the CA that signed it.
    /// A running server picks the new files up on its next renewal check.
    public func reissue(name: String, now: Date = Date()) throws -> KeyedCertificate {
        let path = directory + "/\(name).crt"
        let old = try Certificate(pemEncoded: Self.readFile(path))
        let ca: CertificateAuthority
        if serverCA.signed(old) { ca = serverCA } else if clientCA.signed(old) { ca = clientCA } else {
            throw GantryError(.invalid, "\(path) was not issued by this cluster's CAs")
        }
        let server = (try? old.extensions.extendedKeyUsage)?.contains(.serverAuth) == true
        let subject = CertificateSubject(old)
        let names = old.alternativeNames
        let fresh = try ca.issue(commonName: subject.user, organizations: subject.groups, usage: server ? .server : .client,
                                 dnsNames: names.dns, ipAddresses: names.ip, now: now)
        try Self.writeSecret(fresh.keyPEM, to: directory + "/\(name).key")
        try Self.writePublic(fresh.certificatePEM, to: path)
        return fresh
    }

    /// The PEM of the server CA's certificate: what a kubeconfig embeds and a join token pins.
    public var serverCAPEM: String { serverCA.keyed.certificatePEM }

    // MARK: files

    /// The CA `NAME.crt`/`NAME.key` in `directory`, created if neither file is there (etcd's CA, for one).
    public static func loadOrCreateAuthority(directory: String, name: String, commonName: String,
                                             now: Date = Date()) throws -> CertificateAuthority {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return try loadOrCreateCA(directory: directory, name: name, commonName: commonName, now: now)
    }

    /// Writes a certificate (0644).
    public static func writeCertificate(_ text: String, to path: String) throws { try writePublic(text, to: path) }

    private static func loadOrCreateCA(directory: String, name: String, commonName: String,
                                       now: Date) throws -> CertificateAuthority {
        let certPath = directory + "/\(name).crt", keyPath = directory + "/\(name).key"
        let fm = FileManager.default
        switch (fm.fileExists(atPath: certPath), fm.fileExists(atPath: keyPath)) {
        case (true, true):
            return CertificateAuthority(keyed: try loadKeyed(certPath: certPath, keyPath: keyPath))
        case (true, false):
            throw GantryError(.internalError, "the CA key \(keyPath) is missing while its certificate \(certPath) is "
                + "there: restore the key from a backup (a new CA would invalidate every certificate and join token)")
        case (false, true):
            throw GantryError(.internalError, "the CA certificate \(certPath) is missing while its key is there: "
                + "restore it from a backup")
        case (false, false):
            let ca = try CertificateAuthority.create(commonName: commonName, now: now)
            try writeSecret(ca.keyed.keyPEM, to: keyPath)
            try writePublic(ca.keyed.certificatePEM, to: certPath)
            return ca
        }
    }

    static func loadKeyed(certPath: String, keyPath: String) throws -> KeyedCertificate {
        let cert: Certificate, key: P256.Signing.PrivateKey
        do { cert = try Certificate(pemEncoded: try readFile(certPath)) } catch let e as GantryError { throw e } catch {
            throw GantryError(.internalError, "\(certPath) is not a PEM certificate", cause: error)
        }
        do { key = try P256.Signing.PrivateKey(pemRepresentation: try readFile(keyPath)) } catch let e as GantryError { throw e } catch {
            throw GantryError(.internalError, "\(keyPath) is not a PEM ECDSA P-256 private key", cause: error)
        }
        guard cert.publicKey == Certificate.PublicKey(key.publicKey) else {
            throw GantryError(.internalError, "\(keyPath) is not the key of \(certPath)")
        }
        return KeyedCertificate(certificate: cert, key: key)
    }

    static func readFile(_ path: String) throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw GantryError(.internalError, "cannot read \(path)", cause: error)
        }
    }

    /// Writes a file readable by its owner only, replacing any old one atomically (a crash leaves one or the other).
    public static func writeSecret(_ text: String, to path: String) throws { try write(text, to: path, mode: 0o600) }

    static func writePublic(_ text: String, to path: String) throws { try write(text, to: path, mode: 0o644) }

    private static func write(_ text: String, to path: String, mode: Int) throws {
        let tmp = path + ".tmp-\(getpid())"
        let fm = FileManager.default
        guard fm.createFile(atPath: tmp, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw GantryError(.internalError, "cannot write \(tmp)")
        }
        // createFile honours the umask; make the mode exact before the file takes its name.
        try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: tmp)
        guard rename(tmp, path) == 0 else {
            let err = String(cString: strerror(errno))
            unlink(tmp)
            throw GantryError(.internalError, "cannot move \(tmp) to \(path): \(err)")
        }
    }
}
