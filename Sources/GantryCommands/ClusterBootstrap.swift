import Crypto
import Foundation
import GantryAPI
import GantryAPIServer
import GantryAuth
import GantryStore

/// What every server of one cluster must share and cannot mint for itself: the CAs' keys, the ServiceAccount
/// signing key and the at-rest encryption keys. The first server on a shared store (etcd) saves them there,
/// sealed (AES-GCM) with a key derived from its join token's secret, as k3s keeps its bootstrap data; a server
/// started with `--token` and no PKI of its own fetches them, checks that the CA is the one the token pins, and
/// then mints its own serving and client certificates from them. The store never holds them in the clear.
enum ClusterBootstrap {
    /// The store key of the sealed bundle (outside `/registry/`: no API reaches it).
    static let key = ControlPlane.serverBootstrapKey

    /// The shared files, relative to the data directory.
    static let files = ["pki/client-ca.crt", "pki/client-ca.key", "pki/server-ca.crt", "pki/server-ca.key",
                        "pki/service-account.key", "encryption-config.yaml", "etcd-pki/ca.crt", "etcd-pki/ca.key"]

    struct Bundle: Codable {
        var files: [String: String]
    }

    static func sealingKey(_ token: JoinToken) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(token.secret.utf8)),
                               salt: Data("gantry cluster bootstrap".utf8), info: Data(token.id.utf8), outputByteCount: 32)
    }

    /// Saves this server's shared files, unless a bundle is stored already.
    static func save(store: any StateStore, dataDir: String, token: JoinToken) async throws {
        if try await store.get(key) != nil { return }
        var bundle = Bundle(files: [:])
        for f in files {
            if let text = try? String(contentsOfFile: dataDir + "/" + f, encoding: .utf8) { bundle.files[f] = text }
        }
        let plain = try JSONEncoder().encode(bundle)
        guard let sealed = try AES.GCM.seal(plain, using: sealingKey(token)).combined else {
            throw GantryError(.internalError, "could not seal the cluster's bootstrap data")
        }
        _ = try await store.create(key, value: sealed)
    }

    /// Writes the stored bundle into `dataDir` (a joining server with no PKI yet). Returns false when the store
    /// holds none (this is the cluster's first server).
    static func restore(store: any StateStore, dataDir: String, token: JoinToken) async throws -> Bool {
        guard let kv = try await store.get(key) else { return false }
        try unseal(kv.value, into: dataDir, token: token)
        return true
    }

    /// Opens a sealed bundle (from the store, or from a server's `/gantry/v1/server-bootstrap`) into `dataDir`.
    static func unseal(_ sealed: Data, into dataDir: String, token: JoinToken) throws {
        let plain: Data
        do {
            plain = try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: sealingKey(token))
        } catch {
            throw GantryError(.unauthorized, "the --token given does not open this cluster's bootstrap data: use a server's join token (its DATA/token)")
        }
        let bundle = try JSONDecoder().decode(Bundle.self, from: plain)
        guard let ca = bundle.files["pki/server-ca.crt"], JoinToken.pin(ca) == token.caHash else {
            throw GantryError(.unauthorized, "the cluster's CA is not the one the --token pins")
        }
        for dir in ["/pki", "/etcd-pki"] {
            try FileManager.default.createDirectory(atPath: dataDir + dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        for (name, text) in bundle.files {
            try ClusterPKI.writeSecret(text, to: dataDir + "/" + name)
        }
    }
}
