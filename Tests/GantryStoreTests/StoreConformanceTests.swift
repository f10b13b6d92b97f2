import Foundation
import GantryAPI
import GantryStore
import GantryStoreEtcd
import GantryStoreSQLite
import GantryTestSupport
import Testing

/// The backends every conformance test runs against.
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case memory, sqlite, etcd
    var description: String { rawValue }

    /// A fresh store of this kind; for etcd, on a real one-member etcd started for the test.
    func make(_ dir: TempDir) async throws -> StoreUnderTest {
        switch self {
        case .memory: return StoreUnderTest(store: InMemoryStateStore(), etcd: nil)
        case .sqlite: return StoreUnderTest(store: try SQLiteStateStore(path: dir.file("state.db")), etcd: nil)
        case .etcd:
            let etcd = try await EtcdTestServer.start(dir: dir.path)
            let store = try EtcdStateStore(EtcdConfiguration(endpoints: [etcd.clientURL]))
            try await store.waitUntilReachable()
            return StoreUnderTest(store: store, etcd: etcd)
        }
    }
}

/// A store and what it runs on, kept alive together for one test.
final class StoreUnderTest: Sendable {
    let store: any StateStore
    let etcd: EtcdTestServer?
    init(store: any StateStore, etcd: EtcdTestServer?) {
        self.store = store
        self.etcd = etcd
    }
    func stop() { etcd?.kill() }
}

func d(_ s: String) -> Data { Data(s.utf8) }
func s(_ d: Data) -> String { String(decoding: d, as: UTF8.self) }

@Suite("StateStore conformance")
struct StoreConformanceTests {
    @Test(arguments: Backend.allCases)
    func createGetUpdateDelete(_ backend: Backend) async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let sut = try await backend.make(dir)
        defer { sut.stop() }
        let store = sut.store
        defer { Task { try? await store.close() } }

        guard case .created(let kv1) = try await store.create("/a/1", value: d("one")) else {
            Issue.record("create failed"); return
        }
        #expect(kv1.createRevision == kv1.modRevision)
        guard case .alreadyExists(let existing) = try await store.create("/a/1", value: d("again")) else {
            Issue.record("second create should report alreadyExists"); return
        }
        #expect(s(existing.value) == "one")

        let got = try await store.get("/a/1")
        #expect(got.map { s($0.value) } == "one")
        #expect(try await store.get("/a/missing") == nil)

        guard case .updated(let kv2) = try await store.update("/a/1", value: d("two"), expectedRevision: kv1.modRevision) else {
            Issue.record("update failed"); return
        }
        #expect(kv2.modRevision > kv1.modRevision)
        #expect(kv2.createRevision == kv1.createRevision)

        // A stale revision is a conflict value carrying the current value; nothing is written.
        let stale = try await store.update("/a/1", value: d("three"), expectedRevision: kv1.modRevision)
        #expect(stale == .conflict(current: kv2))
        #expect(try await store.get("/a/1")?.value == d("two"))
        #expect(try await store.update("/a/nope", value: d("x"), expectedRevision: 1) == .notFound)

        #expect(try await store.delete("/a/1", expectedRevision: kv1.modRevision) == .conflict(current: kv2))
        guard case .deleted(let prev, let rev) = try await store.delete("/a/1", expectedRevision: kv2.modRevision) else {
            Issue.record("delete failed"); return
        }
        #expect(prev == kv2)
        #expect(rev > kv2.modRevision)
        #expect(try await store.get("/a/1") == nil)
        #expect(try await store.delete("/a/1", expectedRevision: nil) == .notFound)
        #expect(try await store.currentRevision() == rev)

        // Re-creating starts a new create revision.
        guard case .created(let kv3) = try await store.create("/a/1", value: d("new")) else { Issue.record("recreate"); return }
        #expect(kv3.createRevision == rev + 1)
    }

    @Test(arguments: Backend.allCases)
    func listPagesAtAConsistentRevision(_ backend: Backend) async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let sut = try await backend.make(dir)
        defer { sut.stop() }
        let store = sut.store
        for i in 0..<10 { _ = try await store.create("/p/k\(i)", value: d("v\(i)")) }
        _ = try await store.create("/q/other", value: d("x"))
        _ = try await store.create("/p", value: d("not under /p/"))

        let all = try await store.list(prefix: "/p/")
        #expect(all.items.map(\.key) == (0..<10).map { "/p/k\($0)" })
        #expect(!all.more)

        let page1 = try await store.list(prefix: "/p/", after: nil, limit: 4, revision: nil)
        #expect(page1.items.count == 4)
        #expect(page1.more)
        // Writes between pages do not change what later pages see.
        _ = try await store.delete("/p/k5", expectedRevision: nil)
        _ = try await store.create("/p/k55", value: d("late"))
        if case .updated = try await store.update("/p/k6", value: d("changed"), expectedRevision: try await store.get("/p/k6")!.modRevision) {} else {
            Issue.record("update")
        }
        let page2 = try await store.list(prefix: "/p/", after: page1.items.last!.key, limit: 4, revision: page1.revision)
        #expect(page2.items.map(\.key) == ["/p/k4", "/p/k5", "/p/k6", "/p/k7"])
        #expect(page2.items.map { s($0.value) } == ["v4", "v5", "v6", "v7"])
        #expect(page2.revision == page1.revision)
        let page3 = try await store.list(prefix: "/p/", after: page2.items.last!.key, limit: 4, revision: page1.revision)
        #expect(page3.items.map(\.key) == ["/p/k8", "/p/k9"])
        #expect(!page3.more)

        let now = try await store.list(prefix: "/p/")
        #expect(now.items.map(\.key).contains("/p/k55"))
        #expect(!now.items.map(\.key).contains("/p/k5"))
        try await store.close()
    }

    @Test(arguments: Backend.allCases)
    func watchReplaysHistoryThenStreams(_ backend: Backend) async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let sut = try await backend.make(dir)
        defer { sut.stop() }
        let store = sut.store
        let start = try await store.currentRevision()
        _ = try await store.create("/w/a", value: d("1"))
        _ = try await store.create("/x/ignored", value: d("1"))
        let a = try await store.get("/w/a")!
        _ = try await store.update("/w/a", value: d("2"), expectedRevision: a.modRevision)

        let stream = try await store.watch(prefix: "/w/", fromRevision: start)
        var it = stream.makeAsyncIterator()
        let e1 = try await it.next()!
        #expect(e1.kind == .put && e1.prev == nil && s(e1.kv.value) == "1")
        let e2 = try await it.next()!
        #expect(e2.kind == .put && e2.prev.map { s($0.value) } == "1" && s(e2.kv.value) == "2")

        // Live events after the replay.
        _ = try await store.delete("/w/a", expectedRevision: nil)
        let e3 = try await it.next()!
        #expect(e3.kind == .delete && s(e3.kv.value) == "2")
        #expect(e3.revision == (try await store.currentRevision()))
        _ = try await store.create("/w/b", value: d("b"))
        let e4 = try await it.next()!
        #expect(e4.kv.key == "/w/b" && e4.revision > e3.revision)
        try await store.close()
    }

    @Test(arguments: Backend.allCases)
    func compactionMakesOldRevisionsGone(_ backend: Backend) async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let sut = try await backend.make(dir)
        defer { sut.stop() }
        let store = sut.store
        _ = try await store.create("/c/a", value: d("1"))
        let r1 = try await store.currentRevision()
        for i in 2...5 {
            let cur = try await store.get("/c/a")!
            _ = try await store.update("/c/a", value: d("\(i)"), expectedRevision: cur.modRevision)
        }
        _ = try await store.create("/c/b", value: d("b"))
        _ = try await store.delete("/c/b", expectedRevision: nil)
        let r = try await store.currentRevision()
        try await store.compact(revision: r - 1)
        #expect(try await store.compactedRevision() == r - 1)

        await #expect(throws: GantryError.self) { _ = try await store.watch(prefix: "/c/", fromRevision: r1) }
        await #expect(throws: GantryError.self) { _ = try await store.list(prefix: "/c/", after: nil, limit: 0, revision: r1) }
        do {
            _ = try await store.watch(prefix: "/c/", fromRevision: r1)
        } catch let e as GantryError {
            #expect(e.code == .gone)
        }
        // The value as of the compacted revision is intact, and history after it replays.
        let atCompact = try await store.list(prefix: "/c/", after: nil, limit: 0, revision: r - 1)
        #expect(atCompact.items.map { s($0.value) } == ["5", "b"])
        var it = try await store.watch(prefix: "/c/", fromRevision: r - 1).makeAsyncIterator()
        let e = try await it.next()!
        #expect(e.kind == .delete && e.kv.key == "/c/b")
        #expect(try await store.get("/c/a")?.value == d("5"))
        // Compacting again to an older revision is a no-op.
        try await store.compact(revision: 1)
        #expect(try await store.compactedRevision() == r - 1)
        try await store.close()
    }

    @Test(arguments: Backend.allCases)
    func concurrentWritersNeverLoseAnUpdate(_ backend: Backend) async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let sut = try await backend.make(dir)
        defer { sut.stop() }
        let store = sut.store
        _ = try await store.create("/counter", value: d("0"))
        let writers = 8, incrementsEach = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    var done = 0
                    while done < incrementsEach {
                        let cur = try await store.get("/counter")!
                        let n = Int(s(cur.value))! + 1
                        if case .updated = try await store.update("/counter", value: d("\(n)"), expectedRevision: cur.modRevision) {
                            done += 1
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.get("/counter").map { s($0.value) } == "\(writers * incrementsEach)")
        try await store.close()
    }
}

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test func reopensWithEverything() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        var store: SQLiteStateStore? = try SQLiteStateStore(path: dir.file("s.db"))
        for i in 0..<50 { _ = try await store!.create("/k/\(i)", value: d("\(i)")) }
        let rev = try await store!.currentRevision()
        try await store!.compact(revision: rev - 10)
        try await store!.close()
        store = nil
        let reopened = try SQLiteStateStore(path: dir.file("s.db"))
        #expect(try await reopened.currentRevision() == rev)
        #expect(try await reopened.compactedRevision() == rev - 10)
        #expect(try await reopened.list(prefix: "/k/").items.count == 50)
        guard case .created(let kv) = try await reopened.create("/k/new", value: d("n")) else { Issue.record("create"); return }
        #expect(kv.modRevision == rev + 1)
        try await reopened.close()
    }

    @Test func fileSizeLevelsOffUnderChurnWithCompaction() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.file("churn.db")
        let store = try SQLiteStateStore(path: path)
        let payload = String(repeating: "x", count: 4000)
        for k in 0..<20 { _ = try await store.create("/churn/\(k)", value: d(payload)) }
        func size() -> Int {
            let fm = FileManager.default
            let main = (try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            let wal = (try? fm.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
            return main + wal
        }
        var sizes: [Int] = []
        let rounds = 10
        for round in 0..<rounds {
            for _ in 0..<500 {
                let k = Int.random(in: 0..<20)
                let cur = try await store.get("/churn/\(k)")!
                _ = try await store.update("/churn/\(k)", value: d(payload + "\(round)"), expectedRevision: cur.modRevision)
            }
            // Keep the last 100 revisions, as the server's compactor does.
            try await store.compact(revision: try await store.currentRevision() - 100)
            sizes.append(size())
        }
        // 5000 updates of 4 KB (20 MB) were written; with compaction the database plus its WAL (which
        // SQLite reuses after checkpoints, up to ~4 MB) stays flat instead of growing with every write.
        let written = rounds * 500 * 4000
        let late = sizes.suffix(5)
        #expect(late.max()! < written / 2, "sizes: \(sizes)")
        #expect(Double(late.max()!) <= Double(sizes[4]) * 1.1, "sizes: \(sizes)")
        try await store.close()
    }
}
