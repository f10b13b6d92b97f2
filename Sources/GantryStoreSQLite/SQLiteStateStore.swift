import Foundation
import GRDB
import GantryAPI
import GantryStore
import Logging

/// The embedded default `StateStore`: SQLite (through GRDB) in WAL mode, kine-shaped.
///
/// Every write appends a row to the `kv` log table, whose integer primary key is the revision;
/// `current` maps each live key to the revision of its latest row. Reads of the present use
/// `current`; reads at an older revision and watch replays use the log. Compaction deletes log rows
/// superseded at or below the compacted revision, so the file stays bounded under endless churn
/// (freed pages are reused). A write is acknowledged only after its transaction commits to the WAL,
/// so a process crash loses nothing that was acknowledged.
public actor SQLiteStateStore: StateStore {
    private let pool: DatabasePool
    private let hub = WatchHub()
    private var revision: Int64 = 0
    private var compacted: Int64 = 0
    private var closed = false
    private let logger: Logger
    /// The database file.
    public nonisolated let path: String

    /// Opens (creating if needed) the store at `path`.
    public init(path: String, logger: Logger = Logger(label: "gantry.store.sqlite")) throws {
        self.path = path
        self.logger = logger
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA busy_timeout = 5000")
        }
        config.maximumReaderCount = 4
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try pool.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS kv (
                        rev INTEGER PRIMARY KEY AUTOINCREMENT,
                        key TEXT NOT NULL,
                        deleted INTEGER NOT NULL DEFAULT 0,
                        create_rev INTEGER NOT NULL,
                        prev_rev INTEGER NOT NULL DEFAULT 0,
                        value BLOB NOT NULL
                    );
                    CREATE INDEX IF NOT EXISTS kv_key_rev ON kv(key, rev);
                    CREATE TABLE IF NOT EXISTS current (
                        key TEXT PRIMARY KEY,
                        rev INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS meta (
                        name TEXT PRIMARY KEY,
                        value INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
            }
            let (rev, comp) = try pool.read { db -> (Int64, Int64) in
                let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'kv'") ?? 0
                let c = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'compacted'") ?? 0
                return (seq, c)
            }
            revision = rev
            compacted = comp
        } catch {
            throw GantryError(.unavailable, "failed to open the SQLite store at \(path)", cause: error)
        }
    }

    private func checkOpen() throws {
        if closed { throw GantryError(.unavailable, "store is closed") }
    }

    private static func kv(_ row: Row, prefix: String = "") -> KeyValue {
        KeyValue(key: row[prefix + "key"], value: row[prefix + "value"], createRevision: row[prefix + "create_rev"],
                 modRevision: row[prefix + "rev"])
    }

    private func wrap<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as GantryError { throw e } catch {
            throw GantryError(.internalError, "store \(what) failed", cause: error)
        }
    }

    public nonisolated func get(_ key: String) async throws -> KeyValue? {
        try getNow(key)
    }

    /// A synchronous read of the present value (readers run concurrently with the writer in WAL mode).
    nonisolated func getNow(_ key: String) throws -> KeyValue? {
        do {
            return try pool.read { db in
                try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT kv.* FROM current JOIN kv ON kv.rev = current.rev WHERE current.key = ?"),
                    arguments: [key]).map { Self.kv($0) }
            }
        } catch {
            throw GantryError(.internalError, "store get \(key) failed", cause: error)
        }
    }

    public func count(prefix: String) throws -> Int {
        try checkOpen()
        let end = prefixRangeEnd(prefix)
        return try wrap("count") {
            try pool.read { db in
                try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM current WHERE key >= ? AND key < ?"),
                                 arguments: [prefix, end]) ?? 0
            }
        }
    }

    public func list(prefix: String, after: String?, limit: Int, revision rev: Int64?) throws -> ListResult {
        try checkOpen()
        let at = rev ?? revision
        if at < compacted { throw GantryError.compacted(at, compactedAt: compacted) }
        if at > revision { throw GantryError(.timeout, "revision \(at) is in the future (current \(revision))") }
        let after = after ?? ""
        let end = prefixRangeEnd(prefix)
        let lim = limit > 0 ? limit + 1 : -1
        let latest = at == revision
        let rows: [Row] = try wrap("list") {
            try pool.read { db in
                if latest {
                    return try Row.fetchAll(db.cachedStatement(sql: """
                        SELECT kv.* FROM current JOIN kv ON kv.rev = current.rev
                        WHERE current.key >= ? AND current.key > ? AND current.key < ? ORDER BY current.key LIMIT ?
                        """), arguments: [prefix, after, end, lim])
                }
                return try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT kv.* FROM kv JOIN (
                        SELECT MAX(rev) AS r FROM kv WHERE key >= ? AND key > ? AND key < ? AND rev <= ? GROUP BY key
                    ) m ON kv.rev = m.r
                    WHERE kv.deleted = 0 ORDER BY kv.key LIMIT ?
                    """), arguments: [prefix, after, end, at, lim])
            }
        }
        var items = rows.map { Self.kv($0) }
        var more = false
        if limit > 0, items.count > limit {
            items.removeLast(items.count - limit)
            more = true
        }
        return ListResult(items: items, revision: at, more: more)
    }

    /// Appends a row and moves `current`; returns the new revision.
    private static func append(_ db: Database, key: String, value: Data, deleted: Bool, createRev: Int64?,
                               prevRev: Int64) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO kv (key, deleted, create_rev, prev_rev, value) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [key, deleted ? 1 : 0, createRev ?? 0, prevRev, value])
        let rev = db.lastInsertedRowID
        if createRev == nil {
            try db.cachedStatement(sql: "UPDATE kv SET create_rev = rev WHERE rev = ?").execute(arguments: [rev])
        }
        if deleted {
            try db.cachedStatement(sql: "DELETE FROM current WHERE key = ?").execute(arguments: [key])
        } else {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO current (key, rev) VALUES (?, ?)").execute(arguments: [key, rev])
        }
        return rev
    }

    private static func currentRow(_ db: Database, _ key: String) throws -> KeyValue? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT kv.* FROM current JOIN kv ON kv.rev = current.rev WHERE current.key = ?"),
            arguments: [key]).map { kv($0) }
    }

    private func publish(_ event: StoreEvent) {
        revision = event.revision
        hub.publish(event)
    }

    public func create(_ key: String, value: Data) throws -> CreateResult {
        try checkOpen()
        let result: CreateResult = try wrap("create \(key)") {
            try pool.write { db in
                if let cur = try Self.currentRow(db, key) { return .alreadyExists(cur) }
                let rev = try Self.append(db, key: key, value: value, deleted: false, createRev: nil, prevRev: 0)
                return .created(KeyValue(key: key, value: value, createRevision: rev, modRevision: rev))
            }
        }
        if case .created(let kv) = result { publish(StoreEvent(kind: .put, kv: kv, prev: nil)) }
        return result
    }

    public func update(_ key: String, value: Data, expectedRevision: Int64) throws -> UpdateResult {
        try checkOpen()
        let (result, prev): (UpdateResult, KeyValue?) = try wrap("update \(key)") {
            try pool.write { db in
                guard let cur = try Self.currentRow(db, key) else { return (.notFound, nil) }
                if cur.modRevision != expectedRevision { return (.conflict(current: cur), nil) }
                let rev = try Self.append(db, key: key, value: value, deleted: false, createRev: cur.createRevision,
                                          prevRev: cur.modRevision)
                return (.updated(KeyValue(key: key, value: value, createRevision: cur.createRevision, modRevision: rev)), cur)
            }
        }
        if case .updated(let kv) = result { publish(StoreEvent(kind: .put, kv: kv, prev: prev)) }
        return result
    }

    public func delete(_ key: String, expectedRevision: Int64?) throws -> DeleteResult {
        try checkOpen()
        let result: DeleteResult = try wrap("delete \(key)") {
            try pool.write { db in
                guard let cur = try Self.currentRow(db, key) else { return .notFound }
                if let expectedRevision, cur.modRevision != expectedRevision { return .conflict(current: cur) }
                let rev = try Self.append(db, key: key, value: cur.value, deleted: true, createRev: cur.createRevision,
                                          prevRev: cur.modRevision)
                return .deleted(prev: cur, revision: rev)
            }
        }
        if case .deleted(let prev, let rev) = result {
            var kv = prev
            kv.modRevision = rev
            publish(StoreEvent(kind: .delete, kv: kv, prev: prev))
        }
        return result
    }

    public func watch(prefix: String, fromRevision: Int64) throws -> AsyncThrowingStream<StoreEvent, Error> {
        try checkOpen()
        if fromRevision < compacted { throw GantryError.compacted(fromRevision, compactedAt: compacted) }
        var history: [StoreEvent] = []
        if fromRevision < revision {
            let end = prefixRangeEnd(prefix)
            history = try wrap("watch replay") {
                try pool.read { db in
                    try Row.fetchAll(db.cachedStatement(sql: """
                        SELECT kv.*, p.rev AS p_rev, p.key AS p_key, p.value AS p_value, p.create_rev AS p_create_rev
                        FROM kv LEFT JOIN kv p ON p.rev = kv.prev_rev AND kv.prev_rev > 0
                        WHERE kv.rev > ? AND kv.key >= ? AND kv.key < ? ORDER BY kv.rev
                        """), arguments: [fromRevision, prefix, end]).map { row in
                        let kv = Self.kv(row)
                        let prev: KeyValue? = (row["p_rev"] as Int64?) == nil ? nil : Self.kv(row, prefix: "p_")
                        let deleted: Bool = row["deleted"]
                        return StoreEvent(kind: deleted ? .delete : .put, kv: kv, prev: prev)
                    }
                }
            }
        }
        return hub.add(prefix: prefix, history: history)
    }

    public func currentRevision() throws -> Int64 {
        try checkOpen()
        return revision
    }

    public func compactedRevision() throws -> Int64 {
        try checkOpen()
        return compacted
    }

    public func compact(revision rev: Int64) throws {
        try checkOpen()
        let target = min(rev, revision)
        guard target > compacted else { return }
        try wrap("compact") {
            try pool.write { db in
                // Rows superseded by a newer row at or below the target, and tombstones at or below it.
                try db.execute(sql: """
                    DELETE FROM kv WHERE rev <= ? AND (deleted = 1 OR EXISTS (
                        SELECT 1 FROM kv k2 WHERE k2.key = kv.key AND k2.rev > kv.rev AND k2.rev <= ?))
                    """, arguments: [target, target])
                try db.execute(sql: "INSERT OR REPLACE INTO meta (name, value) VALUES ('compacted', ?)", arguments: [target])
            }
            // Move the WAL back into the main file so its pages can be reused.
            try pool.writeWithoutTransaction { db in
                _ = try db.checkpoint(.passive)
            }
        }
        compacted = target
        logger.debug("compacted", metadata: ["rev": "\(target)"])
    }

    public func close() throws {
        guard !closed else { return }
        closed = true
        hub.finishAll()
        try pool.close()
    }
}
