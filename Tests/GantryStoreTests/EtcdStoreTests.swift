import Foundation
import GantryAPI
import GantryStore
import GantryStoreEtcd
import GantryTestSupport
import Testing

/// The etcd store against real etcd members (Debian's etcd-server): several members and one lost while a watch
/// runs, and mutual TLS.
@Suite("etcd store", .serialized)
struct EtcdStoreTests {
    /// Three members; a writer and a watch through the store while members are killed and restarted one after
    /// another. Every acknowledged write is seen by the watch exactly once, in revision order.
    @Test func watchAndWritesSurviveMemberLoss() async throws {
        let dir = TempDir("gantry-etcd")
        defer { dir.cleanup() }
        let members = try await EtcdTestServer.startCluster(dir: dir.path, size: 3)
        defer { members.forEach { $0.kill() } }
        let store = try EtcdStateStore(EtcdConfiguration(endpoints: members.map(\.clientURL), requestTimeout: .seconds(5)))
        try await store.waitUntilReachable()
        let start = try await store.currentRevision()
        let stream = try await store.watch(prefix: "/registry/w/", fromRevision: start)

        let total = 150
        let writer = Task { () -> [Int64] in
            var revisions: [Int64] = []
            var i = 0
            while i < total {
                do {
                    if case .created(let kv) = try await store.create("/registry/w/k\(i)", value: Data("\(i)".utf8)) {
                        revisions.append(kv.modRevision)
                    }
                    i += 1
                } catch {
                    // A write in flight to the member that died: ask whether it landed, then go on.
                    if let kv = try? await store.get("/registry/w/k\(i)") {
                        revisions.append(kv.modRevision)
                        i += 1
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            return revisions
        }
        // Kill each member in turn for a moment (one at a time: the other two keep quorum).
        for m in members {
            try await Task.sleep(for: .milliseconds(300))
            m.kill()
            try await Task.sleep(for: .milliseconds(700))
            try m.restart()
            try await m.waitHealthy()
        }
        let written = try await writer.value
        #expect(written.count == total)

        var seen: [Int64] = []
        var keys = Set<String>()
        for try await event in stream {
            #expect(event.kind == .put)
            seen.append(event.revision)
            keys.insert(event.kv.key)
            if keys.count == total { break }
        }
        #expect(seen == seen.sorted(), "events out of revision order")
        #expect(Set(seen).count == seen.count, "an event was delivered twice")
        #expect(Set(seen) == Set(written), "the watch missed or invented writes")
        try await store.close()
    }

    /// A member that requires client certificates: the store connects with one, and without one it fails
    /// with an error naming etcd.
    @Test func mutualTLS() async throws {
        let dir = TempDir("gantry-etcd-tls")
        defer { dir.cleanup() }
        let openssl = try requireExecutable("openssl", package: "openssl")
        let pki = dir.file("pki")
        try FileManager.default.createDirectory(atPath: pki, withIntermediateDirectories: true)
        let script = """
            set -e
            cd '\(pki)'
            '\(openssl)' req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=test-etcd-ca 2>/dev/null
            for n in server client; do
              '\(openssl)' req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $n.key -out $n.csr -subj /CN=$n 2>/dev/null
              printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth,clientAuth\\n' > $n.ext
              '\(openssl)' x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $n.crt -days 1 -extfile $n.ext 2>/dev/null
            done
            """
        let r = try await runCommand("/bin/sh", ["-c", script])
        try #require(r.status == 0, "making test certificates failed: \(r.stderr)")
        let etcd = try await EtcdTestServer.start(
            dir: dir.path, tls: .init(certFile: pki + "/server.crt", keyFile: pki + "/server.key", caFile: pki + "/ca.crt"))
        defer { etcd.kill() }
        #expect(etcd.clientURL.hasPrefix("https://"))

        let store = try EtcdStateStore(EtcdConfiguration(endpoints: [etcd.clientURL], caFile: pki + "/ca.crt",
                                                         certFile: pki + "/client.crt", keyFile: pki + "/client.key"))
        try await store.waitUntilReachable(timeout: .seconds(10))
        guard case .created = try await store.create("/registry/t/a", value: Data("x".utf8)) else {
            Issue.record("create over mTLS failed"); return
        }
        #expect(try await store.get("/registry/t/a")?.value == Data("x".utf8))
        try await store.close()

        let anonymous = try EtcdStateStore(EtcdConfiguration(endpoints: [etcd.clientURL], caFile: pki + "/ca.crt",
                                                             requestTimeout: .seconds(2)))
        do {
            _ = try await anonymous.get("/registry/t/a")
            Issue.record("a client without a certificate was served")
        } catch let e as GantryError {
            #expect(e.message.contains("etcd"), "\(e.message)")
        }
        try await anonymous.close()
    }

    /// Writes go to the leader's own connection: the client finds the member that leads, and after that member is
    /// killed, finds the new leader, with writes going on in between.
    @Test func writesFollowTheLeader() async throws {
        let dir = TempDir("gantry-etcd-leader")
        defer { dir.cleanup() }
        let members = try await EtcdTestServer.startCluster(dir: dir.path, size: 3)
        defer { members.forEach { $0.kill() } }
        let store = try EtcdStateStore(EtcdConfiguration(endpoints: members.map(\.clientURL), requestTimeout: .seconds(5)))
        try await store.waitUntilReachable()

        func leaderSaysItLeads(_ endpoint: String) async throws -> Bool {
            let c = try EtcdClient(EtcdConfiguration(endpoints: [endpoint], requestTimeout: .seconds(2)))
            defer { c.close() }
            let s = try await c.status()
            return s.leader == s.memberID
        }
        func waitForLeader(otherThan than: String?) async throws -> String {
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline {
                if let l = store.client.leaderEndpoint, l != than, (try? await leaderSaysItLeads(l)) == true { return l }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestFailure("the etcd client did not find the leader (now \(store.client.leaderEndpoint ?? "none"))")
        }
        let first = try await waitForLeader(otherThan: nil)
        guard case .created = try await store.create("/registry/l/a", value: Data("a".utf8)) else {
            Issue.record("create through the leader failed"); return
        }
        let victim = try #require(members.first { $0.clientURL == first })
        victim.kill()
        // A write right after the kill lands (on the survivors, once they have elected).
        guard case .created = try await store.create("/registry/l/b", value: Data("b".utf8)) else {
            Issue.record("create after the leader's death failed"); return
        }
        let second = try await waitForLeader(otherThan: first)
        #expect(second != first)
        #expect(try await store.get("/registry/l/b")?.value == Data("b".utf8))
        try await store.close()
    }

    /// Cached prefixes (`keepCached`, what admission reads) are answered from memory once listed: the cache
    /// follows creates and deletes, and still answers when every member is down.
    @Test func cachedPrefixesAnswerFromMemory() async throws {
        let dir = TempDir("gantry-etcd-cache")
        defer { dir.cleanup() }
        let etcd = try await EtcdTestServer.start(dir: dir.path)
        defer { etcd.kill() }
        let store = try EtcdStateStore(EtcdConfiguration(endpoints: [etcd.clientURL], requestTimeout: .seconds(2)))
        try await store.waitUntilReachable()
        _ = try await store.create("/registry/namespaces/before", value: Data("1".utf8))
        store.keepCached(prefixes: ["/registry/namespaces/"])
        _ = try await store.create("/registry/namespaces/after", value: Data("2".utf8))
        _ = try await store.create("/registry/other/x", value: Data("3".utf8))
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, (try await store.serializableList(prefix: "/registry/namespaces/")).items.count < 2 {
            try await Task.sleep(for: .milliseconds(20))
        }
        etcd.kill()
        let listed = try await store.serializableList(prefix: "/registry/namespaces/")
        #expect(listed.items.map(\.key) == ["/registry/namespaces/after", "/registry/namespaces/before"])
        #expect(try await store.serializableGet("/registry/namespaces/before")?.value == Data("1".utf8))
        #expect(try await store.serializableGet("/registry/namespaces/missing") == nil)
        // Keys outside the cached prefixes still need the store, which is down.
        await #expect(throws: GantryError.self) { _ = try await store.serializableGet("/registry/other/x") }
        try await store.close()
    }

    /// A watch with progress on a quiet prefix hears etcd's progress notifications: a revision past writes
    /// elsewhere, and no events.
    @Test func progressOnAQuietPrefix() async throws {
        let dir = TempDir("gantry-etcd-progress")
        defer { dir.cleanup() }
        let etcd = try await EtcdTestServer.start(dir: dir.path)
        defer { etcd.kill() }
        let store = try EtcdStateStore(EtcdConfiguration(endpoints: [etcd.clientURL]))
        try await store.waitUntilReachable()
        let start = try await store.currentRevision()
        let stream = try await store.watchWithProgress(prefix: "/registry/quiet/", fromRevision: start)
        for i in 0..<3 { _ = try await store.create("/registry/busy/k\(i)", value: Data("\(i)".utf8)) }
        let after = try await store.currentRevision()
        let deadline = ContinuousClock.now + .seconds(10)
        var progressed: Int64 = 0
        for try await item in stream {
            switch item {
            case .event(let e): Issue.record("an event on the quiet prefix: \(e.kv.key)")
            case .progress(let rev): progressed = rev
            }
            if progressed >= after || ContinuousClock.now > deadline { break }
        }
        #expect(progressed >= after, "progress reached \(progressed), writes went to \(after)")
        try await store.close()
    }
}
