import Foundation
import GantryAPI
import GantryAuth
import GantryStore

/// Encryption of stored values at rest (Secrets by default): values under the encrypted resources' key prefixes
/// are sealed with the key ring's first key as they are written and opened as they are read. The ring can be
/// swapped while serving (a key rotation), and a file path is kept to write it back.
public final class AtRestEncryption: @unchecked Sendable {
    private let lock = NSLock()
    private var ring: EncryptionKeyRing
    private var prefixes: [String]
    /// The EncryptionConfiguration file the ring is kept in (nil: in memory only, for tests).
    public let path: String?

    public init(ring: EncryptionKeyRing, path: String? = nil) {
        self.ring = ring
        self.prefixes = Self.prefixes(ring)
        self.path = path
    }

    /// The key prefixes of the resources the ring encrypts. Services, Nodes and Namespaces are never encrypted:
    /// the allocators read them straight from the store.
    static func prefixes(_ ring: EncryptionKeyRing) -> [String] {
        ResourceInfo.all.filter { r in
            ![ResourceInfo.services, .nodes, .namespaces].contains(r) && (ring.encrypts(r.plural) || ring.encrypts(r.qualifiedName))
        }.map(\.keyPrefix)
    }

    public var current: EncryptionKeyRing { lock.withLock { ring } }

    /// Uses `next` from now on, writing it to the file first (so a crash leaves the file ahead of the data, never
    /// behind it).
    public func update(_ next: EncryptionKeyRing) throws {
        if let path { try next.write(to: path) }
        lock.withLock {
            ring = next
            prefixes = Self.prefixes(next)
        }
    }

    func covers(_ key: String) -> Bool { lock.withLock { prefixes.contains { key.hasPrefix($0) } } }

    /// The value to store for `data` under `key`.
    func seal(_ data: Data, key: String) throws -> Data {
        guard covers(key) else { return data }
        return try current.encrypt(data, storageKey: key)
    }

    /// The plain value of a stored one; `stale` when it should be rewritten with the current key.
    func open(_ stored: Data, key: String) throws -> (Data, stale: Bool) {
        if covers(key) { return try current.decrypt(stored, storageKey: key) }
        // A resource no longer encrypted may still hold encrypted values: those are read while the keys last.
        if stored.starts(with: Data("k8s:enc:".utf8)) { return (try current.decrypt(stored, storageKey: key).plaintext, true) }
        return (stored, false)
    }

    /// Rewrites every stale value under the encrypted prefixes with the current key (compare-and-swap, retried on a
    /// concurrent write); returns how many were rewritten. Reading a value that does not decrypt is an error.
    func rewriteStale(store: any StateStore) async throws -> Int {
        var count = 0
        for prefix in lock.withLock({ prefixes }) {
            for kv in try await store.list(prefix: prefix).items {
                var item = kv
                while true {
                    let (plain, stale) = try open(item.value, key: item.key)
                    guard stale else { break }
                    switch try await store.update(item.key, value: try seal(plain, key: item.key), expectedRevision: item.modRevision) {
                    case .updated: count += 1
                    case .notFound: break
                    case .conflict(let fresh):
                        item = fresh
                        continue
                    }
                    break
                }
            }
        }
        return count
    }

    /// A key rotation without downtime: a new key in front (new writes use it), every value rewritten with it, then
    /// the old keys retired. Returns the new key's name and how many values were rewritten.
    public func rotate(store: any StateStore) async throws -> (key: String, rewritten: Int) {
        try update(try current.addingKey())
        var n = try await rewriteStale(store: store)
        // A second pass for a write that sealed with the old key just before the new one took over.
        n += try await rewriteStale(store: store)
        try update(try current.retiringOldKeys())
        return (current.keys[0].name, n)
    }

    /// Whether any value in the store is encrypted (a store that has none may get a new key file; one that has
    /// some needs the file it was written with).
    public static func storeHoldsEncryptedValues(_ store: any StateStore) async throws -> Bool {
        let marker = Data("k8s:enc:".utf8)
        var after: String? = nil
        while true {
            let page = try await store.list(prefix: "/registry/", after: after, limit: 500, revision: nil)
            if page.items.contains(where: { $0.value.starts(with: marker) }) { return true }
            if !page.more { return false }
            after = page.items.last?.key
        }
    }

    /// Checks at start that every stored value decrypts with the keys at hand (a lost or wrong key file is an error
    /// now, not a failed read later).
    public func check(store: any StateStore) async throws {
        for prefix in lock.withLock({ prefixes }) {
            for kv in try await store.list(prefix: prefix).items {
                do { _ = try open(kv.value, key: kv.key) } catch let e as GantryError {
                    throw GantryError(.internalError, "\(e.message). The encryption keys are in \(path ?? "memory"): "
                        + "restore that file from a backup")
                }
            }
        }
    }
}
