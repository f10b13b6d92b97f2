import Foundation
import GantryAPI
import GantryTestSupport
import Testing

@testable import GantryDNS

/// A DNS server on 127.0.0.1 with a free port, running until the test's body returns.
func withServer<T: Sendable>(
    domain: String = "cluster.local", upstreams: [String] = [], upstreamTimeout: Duration = .seconds(2),
    services: [Service] = Fixture.services, endpoints: [Endpoints] = Fixture.endpoints,
    _ body: (DNSServer, String) async throws -> T
) async throws -> T {
    let server = try DNSServer(configuration: DNSServer.Configuration(
        host: "127.0.0.1", port: 0, clusterDomain: domain, upstreams: upstreams, upstreamTimeout: upstreamTimeout))
    server.update(services: services, endpoints: endpoints)
    let task = Task { try await server.run() }
    do {
        let port = try await server.waitUntilBound()
        let result = try await body(server, "127.0.0.1:\(port)")
        task.cancel()
        try await task.value
        return result
    } catch {
        task.cancel()
        _ = try? await task.value
        throw error
    }
}

@Suite("DNS server")
struct DNSServerTests {
    let client = DNSClient(timeout: .seconds(3))

    @Test func answersOverUDPAndTCP() async throws {
        try await withServer { _, address in
            for transport in [DNSClient.Transport.udp, .tcp] {
                let m = try await client.query(Fixture.query("web.default.svc.cluster.local", .a, id: 7), server: address, over: transport)
                #expect(m.id == 7 && m.isAuthoritative && m.addresses == ["10.96.0.10"], "\(transport)")
                let srv = try await client.query(Fixture.query("_pg._tcp.db.default.svc.cluster.local", .srv), server: address, over: transport)
                #expect(srv.answers.count == 2 && srv.additionals.count == 2)
                let missing = try await client.query(Fixture.query("nope.default.svc.cluster.local", .a), server: address, over: transport)
                #expect(missing.rcode == .nxDomain && missing.authorities.count == 1)
            }
        }
    }

    @Test func manyConcurrentQueries() async throws {
        try await withServer { _, address in
            let client = self.client
            let answers = try await withThrowingTaskGroup(of: [String].self) { group in
                for i in 0..<300 {
                    group.addTask {
                        let m = try await client.query(Fixture.query("web.default.svc.cluster.local", .a, id: UInt16(i)),
                                                       server: address, over: i % 6 == 0 ? .tcp : .udp)
                        return m.id == UInt16(i) ? m.addresses : []
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 300 && answers.allSatisfy { $0 == ["10.96.0.10"] })
        }
    }

    @Test func severalQueriesOnOneTCPConnection() async throws {
        try await withServer { server, _ in
            let port = try #require(server.boundPort)
            let replies = try await onThread { () -> [DNSMessage] in
                let tcp = try RawTCPClient(port: port)
                // Two pipelined in one write, then a third after the replies.
                try tcp.sendFramed([Fixture.query("web.default.svc.cluster.local", .a, id: 1).encoded(),
                                    Fixture.query("dual.default.svc.cluster.local", .aaaa, id: 2).encoded()])
                var out = [try DNSMessage(decoding: try tcp.readFrame() ?? []), try DNSMessage(decoding: try tcp.readFrame() ?? [])]
                try tcp.sendFramed([Fixture.query("db-0.db.default.svc.cluster.local", .a, id: 3).encoded()])
                out.append(try DNSMessage(decoding: try tcp.readFrame() ?? []))
                return out
            }
            #expect(replies.map(\.id) == [1, 2, 3])
            #expect(replies.map(\.addresses) == [["10.96.0.10"], ["fd00::11"], ["10.0.0.1"]])
        }
    }

    @Test func updateTakesEffect() async throws {
        try await withServer(services: [], endpoints: []) { server, address in
            let before = try await client.query(Fixture.query("late.default.svc.cluster.local", .a), server: address)
            #expect(before.rcode == .nxDomain)
            let serial = server.currentZone.serial
            server.update(services: [Fixture.service("late", clusterIP: "10.96.5.5")], endpoints: [])
            #expect(server.currentZone.serial > serial)
            let after = try await client.query(Fixture.query("late.default.svc.cluster.local", .a), server: address)
            #expect(after.rcode == .noError && after.addresses == ["10.96.5.5"])
            server.update(services: [], endpoints: [])
            let gone = try await client.query(Fixture.query("late.default.svc.cluster.local", .a), server: address, over: .tcp)
            #expect(gone.rcode == .nxDomain)
        }
    }

    @Test func forwardsOtherNamesUpstream() async throws {
        let upstreamServices = [Fixture.service("web", clusterIP: "10.1.2.3")]
        try await withServer(domain: "example.test", services: upstreamServices, endpoints: []) { _, upstream in
            try await withServer(upstreams: [upstream]) { _, address in
                for transport in [DNSClient.Transport.udp, .tcp] {
                    let m = try await client.query(Fixture.query("web.default.svc.example.test", .a, id: 0x1234),
                                                   server: address, over: transport)
                    #expect(m.id == 0x1234, "the client's id, not the forwarder's")
                    #expect(m.addresses == ["10.1.2.3"] && m.isAuthoritative, "relayed as the upstream sent it")
                    let missing = try await client.query(Fixture.query("nope.example.test", .a), server: address, over: transport)
                    #expect(missing.rcode == .nxDomain)
                }
                // Cluster names are still answered locally.
                #expect(try await client.query(Fixture.query("web.default.svc.cluster.local", .a), server: address).addresses == ["10.96.0.10"])
            }
        }
    }

    @Test func resolvesExternalNameTargetsUpstream() async throws {
        let upstreamServices = [Fixture.service("web", clusterIP: "10.1.2.3")]
        try await withServer(domain: "example.test", services: upstreamServices, endpoints: []) { _, upstream in
            let services = [Fixture.service("ext", type: "ExternalName", externalName: "web.default.svc.example.test")]
            try await withServer(upstreams: [upstream], services: services, endpoints: []) { _, address in
                let m = try await client.query(Fixture.query("ext.default.svc.cluster.local", .a), server: address)
                #expect(m.answers.map(\.type) == [.cname, .a])
                #expect(m.addresses == ["10.1.2.3"])
            }
        }
    }

    @Test func triesEachUpstreamInTurn() async throws {
        let deadPort = try await withServer { server, _ in try #require(server.boundPort) }  // closed again now
        let upstreamServices = [Fixture.service("web", clusterIP: "10.1.2.3")]
        try await withServer(domain: "example.test", services: upstreamServices, endpoints: []) { _, upstream in
            try await withServer(upstreams: ["127.0.0.1:\(deadPort)", upstream], upstreamTimeout: .milliseconds(500)) { _, address in
                for transport in [DNSClient.Transport.udp, .tcp] {
                    let m = try await client.query(Fixture.query("web.default.svc.example.test", .a), server: address, over: transport)
                    #expect(m.addresses == ["10.1.2.3"], "\(transport)")
                }
            }
        }
    }

    @Test func servFailWhenNoUpstreamAnswers() async throws {
        let deadPort = try await withServer { server, _ in try #require(server.boundPort) }
        try await withServer(upstreams: ["127.0.0.1:\(deadPort)"], upstreamTimeout: .milliseconds(500)) { _, address in
            for transport in [DNSClient.Transport.udp, .tcp] {
                let m = try await client.query(Fixture.query("example.com", .a, id: 99), server: address, over: transport)
                #expect(m.rcode == .servFail && m.id == 99 && m.questions.first?.name == Fixture.name("example.com"))
            }
        }
        // No upstream at all: SERVFAIL too, at once.
        try await withServer { _, address in
            let m = try await client.query(Fixture.query("example.com", .a), server: address)
            #expect(m.rcode == .servFail)
        }
    }

    @Test func truncatesBigUDPAnswers() async throws {
        let (services, endpoints) = Fixture.bigHeadless(200)
        try await withServer(services: services, endpoints: endpoints) { _, address in
            let query = Fixture.query("big.default.svc.cluster.local", .a)
            let udp = try await client.exchange(query.encoded(), with: address, over: .udp)
            let cut = try DNSMessage(decoding: udp)
            #expect(udp.count <= 512)
            #expect(cut.isTruncated && cut.answers.count > 0 && cut.answers.count < 200)

            // With EDNS(0) the client's size counts, up to the server's 1232.
            var edns = query
            edns.additionals = [DNSRecord(name: .root, ttl: 0, data: .opaque(type: .opt, data: []), dnsClass: DNSClass(rawValue: 4096))]
            let bigger = try await client.exchange(edns.encoded(), with: address, over: .udp)
            let biggerCut = try DNSMessage(decoding: bigger)
            #expect(bigger.count > 512 && bigger.count <= 1232)
            #expect(biggerCut.isTruncated && biggerCut.answers.count > cut.answers.count)
            #expect(biggerCut.additionals.map(\.type) == [.opt])

            let tcp = try await client.query(query, server: address, over: .tcp)
            #expect(!tcp.isTruncated && tcp.answers.count == 200)
            #expect(Set(tcp.addresses).count == 200)
        }
    }

    @Test func malformedQueries() async throws {
        try await withServer { server, address in
            // A query without a question, then one whose question is cut short: FORMERR with the same id.
            let formErr = try await client.query(DNSMessage(id: 0x0A0B, recursionDesired: true), server: address)
            #expect(formErr.id == 0x0A0B && formErr.rcode == .formErr)  // no question: FORMERR from the zone
            let broken: [UInt8] = [0x0A, 0x0C, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 5, 0x61]
            let reply = try DNSMessage(decoding: try await client.exchange(broken, with: address, over: .udp))
            #expect(reply.id == 0x0A0C && reply.rcode == .formErr && reply.isResponse && reply.recursionDesired)
            let loop: [UInt8] = [0x0A, 0x0D, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1]
            #expect(try DNSMessage(decoding: try await client.exchange(loop, with: address, over: .tcp)).rcode == .formErr)
            // A message that is itself a response gets no reply.
            let quick = DNSClient(timeout: .milliseconds(300))
            var response = Fixture.query("web.default.svc.cluster.local", .a)
            response.isResponse = true
            await #expect(throws: GantryError.self) { try await quick.exchange(response.encoded(), with: address, over: .udp) }
            // Unsupported EDNS version: BADVERS (extended rcode 1 in the OPT record).
            var v1 = Fixture.query("web.default.svc.cluster.local", .a)
            v1.additionals = [DNSRecord(name: .root, ttl: 1 << 16, data: .opaque(type: .opt, data: []), dnsClass: DNSClass(rawValue: 1232))]
            let badVers = try await client.query(v1, server: address)
            #expect(badVers.additionals.first?.ttl == 1 << 24 && badVers.answers.isEmpty)
            // Garbage over TCP: the server keeps serving.
            let port = try #require(server.boundPort)
            let after = try await onThread { () -> DNSMessage in
                let tcp = try RawTCPClient(port: port)
                try tcp.sendFramed([[1, 2, 3], Array(repeating: 0xFF, count: 40)])
                try tcp.sendFramed([Fixture.query("web.default.svc.cluster.local", .a, id: 5).encoded()])
                var last: DNSMessage? = nil
                while let frame = try tcp.readFrame() {
                    last = try DNSMessage(decoding: frame)
                    if last?.id == 5 { break }
                }
                return try #require(last)
            }
            #expect(after.addresses == ["10.96.0.10"])
            #expect(try await client.query(Fixture.query("web.default.svc.cluster.local", .a), server: address).addresses == ["10.96.0.10"])
        }
    }

    /// What graceful shutdown does: listeners close, idle connections close, a busy one gets its reply first.
    @Test func stopDrainsTCPConnections() async throws {
        let hang = try SilentTCPListener()
        let server = try DNSServer(configuration: DNSServer.Configuration(
            host: "127.0.0.1", port: 0, upstreams: ["127.0.0.1:\(hang.port)"], upstreamTimeout: .milliseconds(800)))
        let task = Task { try await server.run() }
        let port = try await server.waitUntilBound()
        let idle = try await onThread { () -> RawTCPClient in
            let tcp = try RawTCPClient(port: port)
            try tcp.sendFramed([Fixture.query("svc.cluster.local", .a, id: 1).encoded()])
            _ = try tcp.readFrame()
            return tcp
        }
        // Busy: forwarding over TCP to an upstream that never answers, until the upstream timeout.
        let busy = try await onThread { () -> RawTCPClient in
            let tcp = try RawTCPClient(port: port)
            try tcp.sendFramed([Fixture.query("example.com", .a, id: 2).encoded()])
            return tcp
        }
        while server.connections.busyCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
        server.stop()  // what the graceful shutdown handler calls
        let (idleClosed, busyReply, busyClosed) = try await onThread {
            (try idle.readFrame() == nil, try busy.readFrame(), try busy.readFrame() == nil)
        }
        #expect(idleClosed, "the idle connection is closed at once")
        let reply = try DNSMessage(decoding: try #require(busyReply, "the busy connection gets its reply"))
        #expect(reply.id == 2 && reply.rcode == .servFail)
        #expect(busyClosed, "then it is closed")
        try await task.value  // run() returns
        #expect(throws: (any Error).self) { try RawTCPClient(port: port) }
    }

    @Test func bindFailureIsReported() async throws {
        try await withServer { server, _ in
            let port = try #require(server.boundPort)
            let second = try DNSServer(configuration: DNSServer.Configuration(host: "127.0.0.1", port: port))
            let task = Task { try await second.run() }
            await #expect(throws: GantryError.self) { try await second.waitUntilBound() }
            await #expect(throws: GantryError.self) { try await task.value }
        }
    }

    @Test func rejectsBadConfiguration() {
        #expect(throws: GantryError.self) { try DNSServer(configuration: .init(upstreams: ["dns.google:53"])) }
        #expect(throws: GantryError.self) { try DNSServer(configuration: .init(upstreams: ["1.1.1.1:99999"])) }
        #expect(throws: GantryError.self) { try DNSServer(configuration: .init(clusterDomain: "a..b")) }
        #expect(throws: Never.self) { _ = try DNSServer(configuration: .init(upstreams: ["1.1.1.1", "[::1]:5353", "10.0.0.1:53", "fd00::1"])) }
    }

    @Test func readsResolvConf() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resolv-\(UUID().uuidString).conf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
        # generated
        search default.svc.cluster.local svc.cluster.local
        nameserver 10.0.0.2
        ; comment
        nameserver\t192.168.1.1  # trailing
        nameserver fd00::53
        nameserver fe80::1%eth0
        nameserver 10.0.0.2
        nameserver 169.254.20.10
        options ndots:5
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let upstreams = try DNSServer.upstreams(fromResolvConf: path, excluding: ["169.254.20.10"])
        #expect(upstreams == ["10.0.0.2:53", "192.168.1.1:53", "[fd00::53]:53"])
        #expect(try DNSServer.upstreams(fromResolvConf: path, excluding: ["10.0.0.2:53", "[fd00::53]:53"]) == ["192.168.1.1:53", "169.254.20.10:53"])
        #expect(throws: GantryError.self) { try DNSServer.upstreams(fromResolvConf: path + ".missing") }
    }

    /// Cross-checks with a real resolver client: busybox's nslookup.
    @Test func busyboxNslookupResolves() async throws {
        guard let busybox = ["/usr/bin/busybox", "/bin/busybox", "/usr/local/bin/busybox"].first(where: FileManager.default.isExecutableFile) else {
            Issue.record("busybox is not installed: install the busybox-static (or busybox) package to run this test")
            return
        }
        try await withServer { _, address in
            let a = try await run(busybox, ["nslookup", "-type=a", "web.default.svc.cluster.local", address])
            #expect(a.contains("10.96.0.10"), "\(a)")
            let srv = try await run(busybox, ["nslookup", "-type=srv", "_pg._tcp.db.default.svc.cluster.local", address])
            #expect(srv.contains("5433") && srv.contains("db-0.db.default.svc.cluster.local"), "\(srv)")
            let ptr = try await run(busybox, ["nslookup", "-type=ptr", "10.0.96.10.in-addr.arpa", address])
            #expect(ptr.contains("web.default.svc.cluster.local"), "\(ptr)")
            let missing = try await run(busybox, ["nslookup", "-type=a", "nope.default.svc.cluster.local", address])
            #expect(missing.contains("NXDOMAIN"), "\(missing)")
        }
    }

    /// Runs a program and returns its standard output and error.
    func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let r = try await runCommand(executable, arguments)
        return r.stdout + r.stderr
    }
}
