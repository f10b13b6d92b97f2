import Crypto
import Foundation
import GantryAPI

/// The keys that encrypt stored values at rest (AES-GCM), read from and written as Kubernetes'
/// `EncryptionConfiguration` file (`apiserver.config.k8s.io/v1`), so users can bring their own.
///
/// A stored value is laid out as kube-apiserver's aesgcm provider lays it out:
/// `k8s:enc:aesgcm:v1:<key name>:` then the 12-byte nonce, the ciphertext and the 16-byte tag. The storage key
/// (`/registry/secrets/NS/NAME`) is authenticated data, so a value copied under another key does not decrypt.
/// The first key encrypts; every key decrypts, which is what lets keys rotate without downtime: add a key in
/// front, rewrite every value, retire the old key.
public struct EncryptionKeyRing: Sendable {
    /// One named AES key (16, 24 or 32 bytes; Gantry makes 32: AES-256).
    public struct Key: Sendable, Hashable {
        public var name: String
        public var secret: Data
        public init(name: String, secret: Data) {
            self.name = name
            self.secret = secret
        }
    }

    /// The keys, the one that encrypts first.
    public var keys: [Key]
    /// The resources whose values are encrypted (`secrets` by default).
    public var resources: [String]
    /// Whether plain values (written before encryption was on) may still be read: an `identity` provider after
    /// the keys. Reading one reports it stale, so that a rewrite encrypts it.
    public var readsPlaintext: Bool

    static let prefix = "k8s:enc:aesgcm:v1:"

    public init(keys: [Key], resources: [String] = ["secrets"], readsPlaintext: Bool = true) throws {
        guard !keys.isEmpty else { throw GantryError(.invalid, "an encryption key ring needs at least one key") }
        for k in keys {
            guard [16, 24, 32].contains(k.secret.count) else {
                throw GantryError(.invalid, "encryption key \"\(k.name)\" is \(k.secret.count) bytes; AES needs 16, 24 or 32")
            }
            guard !k.name.isEmpty, !k.name.contains(":") else {
                throw GantryError(.invalid, "encryption key name \"\(k.name)\" must be non-empty and without \":\"")
            }
        }
        guard Set(keys.map(\.name)).count == keys.count else {
            throw GantryError(.invalid, "encryption key names must be unique")
        }
        self.keys = keys
        self.resources = resources
        self.readsPlaintext = readsPlaintext
    }

    /// A ring with one new random AES-256 key.
    public static func generate(now: Date = Date(), resources: [String] = ["secrets"]) throws -> EncryptionKeyRing {
        try EncryptionKeyRing(keys: [newKey(now: now)], resources: resources)
    }

    static func newKey(now: Date) -> Key {
        Key(name: "key-\(Int(now.timeIntervalSince1970))", secret: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    /// Whether values of `resource` (plural, `secrets`) are encrypted.
    public func encrypts(_ resource: String) -> Bool { resources.contains(resource) || resources.contains("*.*") }

    /// Encrypts `plaintext` stored under `storageKey` with the first key.
    public func encrypt(_ plaintext: Data, storageKey: String) throws -> Data {
        let key = keys[0]
        let box = try AES.GCM.seal(plaintext, using: SymmetricKey(data: key.secret), nonce: AES.GCM.Nonce(),
                                   authenticating: Data(storageKey.utf8))
        guard let combined = box.combined else { throw GantryError(.internalError, "AES-GCM produced no combined box") }
        return Data((Self.prefix + key.name + ":").utf8) + combined
    }

    /// Decrypts a stored value. `stale` is true when it was not written with the first key (or not encrypted at
    /// all): it should be rewritten.
    public func decrypt(_ stored: Data, storageKey: String) throws -> (plaintext: Data, stale: Bool) {
        let prefix = Data(Self.prefix.utf8)
        guard stored.starts(with: prefix) else {
            guard readsPlaintext else {
                throw GantryError(.internalError, "\(storageKey) is stored unencrypted and the encryption configuration "
                    + "has no identity provider to read it")
            }
            return (stored, true)
        }
        let rest = stored.dropFirst(prefix.count)
        guard let colon = rest.firstIndex(of: UInt8(ascii: ":")) else {
            throw GantryError(.internalError, "\(storageKey) has a malformed encrypted value (no key name)")
        }
        let name = String(decoding: rest[rest.startIndex..<colon], as: UTF8.self)
        guard let key = keys.first(where: { $0.name == name }) else {
            throw GantryError(.internalError, "\(storageKey) is encrypted with key \"\(name)\", which is not in the "
                + "encryption configuration (known: \(keys.map(\.name).joined(separator: ", ")))")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: rest[rest.index(after: colon)...])
            let plain = try AES.GCM.open(box, using: SymmetricKey(data: key.secret), authenticating: Data(storageKey.utf8))
            return (plain, name != keys[0].name)
        } catch {
            throw GantryError(.internalError, "\(storageKey) does not decrypt with key \"\(name)\": the value was "
                + "altered or belongs under another key", cause: error)
        }
    }

    /// The first step of a rotation: a new key in front (it encrypts from now on), the old ones kept to decrypt.
    public func addingKey(now: Date = Date()) throws -> EncryptionKeyRing {
        var key = Self.newKey(now: now)
        while keys.contains(where: { $0.name == key.name }) { key.name += "-1" }
        return try EncryptionKeyRing(keys: [key] + keys, resources: resources, readsPlaintext: readsPlaintext)
    }

    /// The last step of a rotation: only the first key, once every value is rewritten with it.
    public func retiringOldKeys() throws -> EncryptionKeyRing {
        try EncryptionKeyRing(keys: [keys[0]], resources: resources, readsPlaintext: readsPlaintext)
    }

    // MARK: EncryptionConfiguration

    /// Reads an `EncryptionConfiguration` (YAML or JSON). Only the `aesgcm` and `identity` providers are
    /// supported; another provider is an error naming it.
    public init(configuration text: String, source: String = "encryption configuration") throws {
        guard let doc = try Manifest.decode(text, source: source).first else {
            throw GantryError(.invalid, "\(source) is empty")
        }
        guard doc["kind"]?.stringValue == "EncryptionConfiguration" else {
            throw GantryError(.invalid, "\(source): kind must be EncryptionConfiguration")
        }
        guard let entries = doc["resources"]?.arrayValue, !entries.isEmpty else {
            throw GantryError(.invalid, "\(source): resources is required")
        }
        var resources: [String] = [], keys: [Key] = [], identity = false
        for (i, entry) in entries.enumerated() {
            let field = "resources[\(i)]"
            resources += (entry["resources"]?.arrayValue ?? []).compactMap(\.stringValue)
            // One key ring serves every listed resource: the providers of the first entry are the ones used.
            guard i == 0 else { continue }
            for (j, provider) in (entry["providers"]?.arrayValue ?? []).enumerated() {
                let pfield = "\(field).providers[\(j)]"
                guard let (kind, body) = provider.objectValue?.first, provider.objectValue?.count == 1 else {
                    throw GantryError(.invalid, "\(source): \(pfield) must name exactly one provider")
                }
                switch kind {
                case "identity": identity = true
                case "aesgcm":
                    for (k, key) in (body["keys"]?.arrayValue ?? []).enumerated() {
                        let kfield = "\(pfield).aesgcm.keys[\(k)]"
                        guard let name = key["name"]?.stringValue else {
                            throw GantryError(.invalid, "\(source): \(kfield).name is required")
                        }
                        guard let secret = key["secret"]?.stringValue.flatMap({ Data(base64Encoded: $0) }) else {
                            throw GantryError(.invalid, "\(source): \(kfield).secret must be base64")
                        }
                        keys.append(Key(name: name, secret: secret))
                    }
                default:
                    throw GantryError(.invalid, "\(source): \(pfield): provider \"\(kind)\" is not supported "
                        + "(supported: aesgcm, identity)")
                }
            }
        }
        guard !keys.isEmpty else {
            throw GantryError(.invalid, "\(source): no aesgcm key: values would be stored in plain text")
        }
        try self.init(keys: keys, resources: resources.isEmpty ? ["secrets"] : resources, readsPlaintext: identity)
    }

    /// The ring as an `EncryptionConfiguration` document (YAML).
    public var configuration: String {
        let keyList: [JSONValue] = keys.map { .object(["name": .string($0.name), "secret": .string($0.secret.base64EncodedString())]) }
        var providers: [JSONValue] = [.object(["aesgcm": .object(["keys": .array(keyList)])])]
        if readsPlaintext { providers.append(.object(["identity": .object([:])])) }
        return Manifest.yaml(.object([
            "apiVersion": .string("apiserver.config.k8s.io/v1"),
            "kind": .string("EncryptionConfiguration"),
            "resources": .array([.object(["resources": .array(resources.map { .string($0) }), "providers": .array(providers)])]),
        ]))
    }

    /// Loads the configuration file at `path`, or, when there is none and `create` is set, makes one with a new key
    /// (mode 0600). A missing file without `create` is an error: never silently store plain text.
    public static func load(path: String, create: Bool, resources: [String] = ["secrets"]) throws -> EncryptionKeyRing {
        if FileManager.default.fileExists(atPath: path) {
            return try EncryptionKeyRing(configuration: try ClusterPKI.readFile(path), source: path)
        }
        guard create else {
            throw GantryError(.internalError, "the encryption key file \(path) is missing: restore it from a backup "
                + "(without it the stored Secrets cannot be read)")
        }
        let ring = try generate(resources: resources)
        try ring.write(to: path)
        return ring
    }

    /// Writes the configuration to `path`, readable by its owner only.
    public func write(to path: String) throws { try ClusterPKI.writeSecret(configuration, to: path) }
}
