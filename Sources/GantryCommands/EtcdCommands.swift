import ArgumentParser
import Foundation
import GantryAPI
import GantryRuntime
import GantryStoreEtcd
import Logging
import ServiceLifecycle

/// How a command on a server's host reaches its managed etcd: `DATA/etcd-member.json` and `DATA/etcd-pki`.
struct ManagedEtcdAccess {
    let dataDir: String
    let name: String
    let clientURL: String
    let peerURL: String

    init(dataDir: String) throws {
        self.dataDir = dataDir
        guard let data = FileManager.default.contents(atPath: dataDir + "/etcd-member.json"),
              let info = try? JSONValue.parse(data), let url = info["clientURL"]?.stringValue else {
            throw ValidationError("\(dataDir) holds no managed etcd member (start the server with --cluster-init or --server)")
        }
        name = info["name"]?.stringValue ?? ""
        clientURL = url
        peerURL = info["peerURL"]?.stringValue ?? ""
    }

    func configuration(endpoints: [String]? = nil) -> EtcdConfiguration {
        let pki = dataDir + "/etcd-pki"
        return EtcdConfiguration(endpoints: endpoints ?? [clientURL], caFile: pki + "/ca.crt", certFile: pki + "/client.crt",
                                 keyFile: pki + "/client.key", requestTimeout: .seconds(5))
    }

    var snapshotDir: String { dataDir + "/snapshots" }
}

struct EtcdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etcd", abstract: "Inspect the managed etcd cluster.", subcommands: [Status.self, RemoveMember.self])

    struct RemoveMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-member", abstract: "Remove a member (by name or hex ID, as `status` prints) that is gone for good.")

        @Argument(help: "The member's name or ID.")
        var member: String

        @Option(help: "The data directory of a server whose member is up.")
        var dataDir: String = "/var/lib/gantry/server"

        func run() async throws {
            let access = try ManagedEtcdAccess(dataDir: dataDir)
            let client = try EtcdClient(access.configuration())
            defer { client.close() }
            let members = try await client.memberList()
            guard let m = members.first(where: { $0.name == member || String($0.id, radix: 16) == member.lowercased() }) else {
                throw ValidationError("no member \(member); the members are \(members.map(\.name).joined(separator: ", "))")
            }
            let left = try await client.memberRemove(id: m.id)
            print("removed \(m.name.isEmpty ? String(m.id, radix: 16) : m.name); \(left.count) members left")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the etcd members, the leader, each member's revision and database size.")

        @Option(help: "The server's data directory.")
        var dataDir: String = "/var/lib/gantry/server"

        func run() async throws {
            let access = try ManagedEtcdAccess(dataDir: dataDir)
            let client = try EtcdClient(access.configuration())
            defer { client.close() }
            let members = try await client.memberList()
            print("MEMBER".padding(toLength: 18, withPad: " ", startingAt: 0) + " " + "NAME".padding(toLength: 26, withPad: " ", startingAt: 0)
                  + " LEADER  REVISION  DB SIZE   VERSION  CLIENT URL")
            var leaders = Set<UInt64>()
            for m in members {
                let id = String(m.id, radix: 16)
                var line = id.padding(toLength: 18, withPad: " ", startingAt: 0) + " "
                    + (m.name.isEmpty ? "(joining)" : m.name).padding(toLength: 26, withPad: " ", startingAt: 0)
                if let url = m.clientURLs.first, let one = try? EtcdClient(access.configuration(endpoints: [url])) {
                    defer { one.close() }
                    if let s = try? await one.status() {
                        leaders.insert(s.leader)
                        line += " " + (s.leader == m.id ? "yes" : "no").padding(toLength: 7, withPad: " ", startingAt: 0)
                            + String(s.revision).padding(toLength: 10, withPad: " ", startingAt: 0)
                            + Self.size(s.dbSize).padding(toLength: 10, withPad: " ", startingAt: 0)
                            + s.version.padding(toLength: 9, withPad: " ", startingAt: 0) + url
                    } else {
                        line += " unreachable                           " + url
                    }
                }
                print(line)
            }
            if members.count == 2 {
                print("warning: 2 members cannot lose one (a majority of 2 is 2): add a third server")
            }
            if leaders.count > 1 { print("warning: the members disagree on the leader (an election in progress?)") }
        }

        static func size(_ bytes: Int64) -> String {
            bytes >= 1 << 20 ? String(format: "%.1f MiB", Double(bytes) / 1048576) : String(format: "%.0f KiB", Double(bytes) / 1024)
        }
    }
}

struct EtcdSnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etcd-snapshot", abstract: "Save, list and restore snapshots of the managed etcd.",
        subcommands: [Save.self, List.self, Restore.self])

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Save a snapshot of the whole etcd database now (DATA/snapshots).")

        @Option(help: "The server's data directory.")
        var dataDir: String = "/var/lib/gantry/server"

        @Option(help: "The snapshot's name prefix.")
        var name: String = "on-demand"

        func run() async throws {
            let access = try ManagedEtcdAccess(dataDir: dataDir)
            let path = try await EtcdSnapshots(access: access).save(prefix: name)
            print(path)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the saved snapshots.")

        @Option(help: "The server's data directory.")
        var dataDir: String = "/var/lib/gantry/server"

        func run() async throws {
            let access = try ManagedEtcdAccess(dataDir: dataDir)
            let snapshots = EtcdSnapshots(access: access).list()
            let width = max(4, snapshots.map(\.0.count).max() ?? 0) + 2
            print("NAME".padding(toLength: width, withPad: " ", startingAt: 0) + "SIZE")
            for (name, size) in snapshots {
                print(name.padding(toLength: width, withPad: " ", startingAt: 0) + EtcdCommand.Status.size(size))
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a snapshot into this server's etcd member as a new one-member cluster (the server must be stopped); start the server again, then join the other servers anew.")

        @Argument(help: "The snapshot file (a name from `list`, or a path).")
        var snapshot: String

        @Option(help: "The server's data directory.")
        var dataDir: String = "/var/lib/gantry/server"

        func run() async throws {
            let access = try ManagedEtcdAccess(dataDir: dataDir)
            try await EtcdSnapshots(access: access).restore(snapshot)
            print("restored \(snapshot) into \(dataDir)/etcd (the old data is in \(dataDir)/etcd.old); start the server")
        }
    }
}

/// Snapshots of the managed etcd: taken through the Maintenance API, kept under `DATA/snapshots`, restored
/// with `etcdctl snapshot restore` into a new single-member data directory.
struct EtcdSnapshots {
    let access: ManagedEtcdAccess

    /// Takes a snapshot named `PREFIX-<member>-<UTC time>.db`; returns its path.
    func save(prefix: String) async throws -> String {
        try FileManager.default.createDirectory(atPath: access.snapshotDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        f.timeZone = TimeZone(identifier: "UTC")
        let path = "\(access.snapshotDir)/\(prefix)-\(access.name)-\(f.string(from: Date())).db"
        let client = try EtcdClient(access.configuration())
        defer { client.close() }
        _ = try await client.snapshot(to: path)
        return path
    }

    /// The saved snapshots, oldest first, with their sizes.
    func list() -> [(String, Int64)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: access.snapshotDir)) ?? []).filter { $0.hasSuffix(".db") }
        return names.sorted { a, b in modified(a) < modified(b) }.map { name in
            let size = (try? FileManager.default.attributesOfItem(atPath: access.snapshotDir + "/" + name)[.size] as? Int64) ?? 0
            return (name, size ?? 0)
        }
    }

    private func modified(_ name: String) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: access.snapshotDir + "/" + name))?[.modificationDate] as? Date) ?? .distantPast
    }

    /// Deletes all but the newest `keep` snapshots whose names start with `prefix`.
    func prune(prefix: String, keep: Int) {
        let mine = list().map(\.0).filter { $0.hasPrefix(prefix + "-") }
        for name in mine.dropLast(max(keep, 0)) { try? FileManager.default.removeItem(atPath: access.snapshotDir + "/" + name) }
    }

    /// Replaces the member's data with `snapshot`, as a one-member cluster of this member.
    func restore(_ snapshot: String) async throws {
        let file = snapshot.contains("/") ? snapshot : access.snapshotDir + "/" + snapshot
        guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("no snapshot \(file)") }
        if let pid = ManagedEtcd.recordedPID(dataDir: access.dataDir), kill(pid, 0) == 0 {
            throw ValidationError("the etcd member (pid \(pid)) is running: stop the server first")
        }
        let etcdctl = ["/usr/bin/etcdctl", "/usr/local/bin/etcdctl"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let etcdctl else { throw ValidationError("etcdctl is needed to restore: apt-get install etcd-client") }
        let target = access.dataDir + "/etcd.restore"
        try? FileManager.default.removeItem(atPath: target)
        let out = try await ChildProcess.run(etcdctl, ["snapshot", "restore", file, "--data-dir", target, "--name", access.name,
                                                             "--initial-cluster", "\(access.name)=\(access.peerURL)",
                                                             "--initial-advertise-peer-urls", access.peerURL],
                                                   environment: ["ETCDCTL_API": "3", "PATH": "/usr/bin:/bin"])
        guard out.status == 0 else { throw GantryError(.internalError, "etcdctl snapshot restore failed: \(out.stderrText)\(out.stdoutText)") }
        let live = access.dataDir + "/etcd", old = access.dataDir + "/etcd.old"
        try? FileManager.default.removeItem(atPath: old)
        if FileManager.default.fileExists(atPath: live) { try FileManager.default.moveItem(atPath: live, toPath: old) }
        try FileManager.default.moveItem(atPath: target, toPath: live)
    }
}

/// Takes a snapshot on a cron schedule and keeps the newest `retention` of them.
struct ScheduledEtcdSnapshots: ServiceLifecycle.Service {
    let snapshots: EtcdSnapshots
    let schedule: CronSchedule
    let retention: Int
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            guard let next = schedule.next(after: Date(), in: TimeZone(identifier: "UTC")!) else { return }
            let wait = max(0, next.timeIntervalSinceNow)
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
            } catch { return }
            if Task.isShuttingDownGracefully { return }
            do {
                let path = try await snapshots.save(prefix: "scheduled")
                snapshots.prune(prefix: "scheduled", keep: retention)
                logger.info("saved an etcd snapshot", metadata: ["path": "\(path)"])
            } catch {
                logger.warning("the scheduled etcd snapshot failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
