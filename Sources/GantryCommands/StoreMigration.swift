import ArgumentParser
import Foundation
import GantryAPI
import GantryStore
import GantryStoreEtcd
import GantryStoreSQLite
import Logging

/// Moves a cluster's objects from its SQLite store to etcd: every key, with its value as stored (Secrets stay
/// encrypted with the same keys). Revisions are renumbered by etcd; resourceVersions clients hold from before
/// answer 410 Gone afterwards, so their watches re-list (see `EtcdStateStore.recordMigration`).
enum StoreMigration {
    /// Copies every key of `source` into `target`, which must hold no objects yet. Returns how many.
    static func copy(from source: any StateStore, to target: EtcdStateStore, logger: Logger) async throws -> Int {
        let existing = try await target.list(prefix: "/registry/", after: nil, limit: 1, revision: nil)
        guard existing.items.isEmpty else {
            throw GantryError(.conflict, "the etcd store holds objects already: migrate into an empty one (or another --etcd-prefix)")
        }
        let revision = try await source.currentRevision()
        var after: String?
        var copied = 0
        repeat {
            let page = try await source.list(prefix: "/", after: after, limit: 500, revision: revision)
            for kv in page.items {
                if case .alreadyExists = try await target.create(kv.key, value: kv.value) {
                    throw GantryError(.conflict, "\(kv.key) exists in etcd already")
                }
                copied += 1
            }
            after = page.more ? page.items.last?.key : nil
            if copied > 0, copied % 5000 == 0 { logger.info("migrating to etcd", metadata: ["copied": "\(copied)"]) }
        } while after != nil
        try await target.recordMigration(fromRevision: revision)
        // Every etcd revision up to now holds a copy, not a change a client saw: compacting them makes the old
        // store's resourceVersions that etcd has reached answer 410 too (the later ones do by the record above).
        try await target.compact(revision: try await target.currentRevision())
        return copied
    }
}

struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Manage the control plane's store.", subcommands: [Migrate.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a stopped server's SQLite store (DATA/state.db) into an etcd cluster; then start the server with --store etcd. (`gantry server --cluster-init` on a data directory with a SQLite store does this by itself.)")

        @Option(help: "The server's data directory.")
        var dataDir: String = "/var/lib/gantry/server"

        @Option(help: "The etcd members' client URLs, comma-separated.")
        var etcdEndpoints: String

        @Option(help: "The CA of the etcd members' certificates (PEM).")
        var etcdCafile: String?

        @Option(help: "The client certificate presented to etcd (PEM).")
        var etcdCertfile: String?

        @Option(help: "The client certificate's key (PEM).")
        var etcdKeyfile: String?

        @Option(help: "The key prefix in etcd.")
        var etcdPrefix: String = "/gantry"

        func run() async throws {
            let logger = Logger(label: "gantry.migrate")
            let path = dataDir + "/state.db"
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no SQLite store at \(path)") }
            let source = try SQLiteStateStore(path: path, logger: logger)
            let endpoints = etcdEndpoints.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let target = try EtcdStateStore(EtcdConfiguration(endpoints: endpoints, caFile: etcdCafile, certFile: etcdCertfile,
                                                              keyFile: etcdKeyfile, prefix: etcdPrefix), logger: logger)
            try await target.waitUntilReachable()
            let n = try await StoreMigration.copy(from: source, to: target, logger: logger)
            try await source.close()
            try await target.close()
            print("copied \(n) keys from \(path) to etcd (\(endpoints.joined(separator: ","))); start the server with --store etcd --etcd-endpoints \(etcdEndpoints)")
        }
    }
}
