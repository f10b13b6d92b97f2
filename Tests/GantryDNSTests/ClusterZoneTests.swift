import GantryAPI
import Testing

@testable import GantryDNS

@Suite("Cluster zone")
struct ClusterZoneTests {
    let zone = ClusterZone(services: Fixture.services, endpoints: Fixture.endpoints, serial: 42)

    /// The response to a query, failing the test if the zone forwards it.
    func ask(_ name: String, _ type: DNSType, in zone: ClusterZone? = nil) throws -> DNSMessage {
        guard case .response(let m) = (zone ?? self.zone).answer(Fixture.query(name, type)) else {
            Issue.record("\(name) \(type) was forwarded")
            throw GantryError(.internalError, "forwarded")
        }
        return m
    }

    func expectNoData(_ m: DNSMessage, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(m.rcode == .noError, sourceLocation: sourceLocation)
        #expect(m.answers.isEmpty, sourceLocation: sourceLocation)
        #expect(m.authorities.map(\.type) == [.soa], sourceLocation: sourceLocation)
        #expect(m.isAuthoritative, sourceLocation: sourceLocation)
    }

    @Test func clusterIPService() throws {
        let m = try ask("WEB.Default.svc.Cluster.Local", .a)
        #expect(m.id == 0x4242 && m.isResponse && m.isAuthoritative && m.recursionAvailable && m.recursionDesired)
        #expect(m.rcode == .noError)
        #expect(m.addresses == ["10.96.0.10"])
        #expect(m.answers[0].ttl == 5)
        #expect(m.answers[0].name.description == "WEB.Default.svc.Cluster.Local.")  // echoes the question
        #expect(m.questions == Fixture.query("web.default.svc.cluster.local", .a).questions)
        #expect(try ask("api.prod.svc.cluster.local", .a).addresses == ["10.96.1.1"])  // NodePort
    }

    @Test func noDataForMissingFamily() throws {
        let m = try ask("web.default.svc.cluster.local", .aaaa)
        expectNoData(m)
        let soa = try #require(m.authorities.first)
        #expect(soa.name == Fixture.name("cluster.local") && soa.ttl == 5)
        guard case .soa(let data) = soa.data else { Issue.record("not an SOA"); return }
        #expect(data.minimum == 5 && data.serial == 42)
        #expect(data.mname == Fixture.name("ns.dns.cluster.local"))
        expectNoData(try ask("web.default.svc.cluster.local", .mx))
    }

    @Test func dualStackService() throws {
        #expect(try ask("dual.default.svc.cluster.local", .a).addresses == ["10.96.0.11"])
        #expect(try ask("dual.default.svc.cluster.local", .aaaa).addresses == ["fd00::11"])
        #expect(try ask("dual.default.svc.cluster.local", .any).addresses == ["10.96.0.11", "fd00::11"])
    }

    @Test func headlessService() throws {
        #expect(try ask("db.default.svc.cluster.local", .a).addresses == ["10.0.0.1", "10.0.0.2"])  // ready only
        #expect(try ask("db-0.db.default.svc.cluster.local", .a).addresses == ["10.0.0.1"])
        #expect(try ask("10-0-0-2.db.default.svc.cluster.local", .a).addresses == ["10.0.0.2"])
        #expect(try ask("db-2.db.default.svc.cluster.local", .a).rcode == .nxDomain)  // not ready
        // Endpoint names exist only for headless Services.
        #expect(try ask("w.web.default.svc.cluster.local", .a).rcode == .nxDomain)
        // publishNotReadyAddresses adds the not-ready ones.
        var services = Fixture.services
        services[2].spec?.publishNotReadyAddresses = true
        let published = ClusterZone(services: services, endpoints: Fixture.endpoints)
        #expect(try ask("db.default.svc.cluster.local", .a, in: published).addresses == ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        #expect(try ask("db-2.db.default.svc.cluster.local", .a, in: published).addresses == ["10.0.0.3"])
        // A headless Service without endpoints exists, with no addresses.
        let empty = ClusterZone(services: [Fixture.service("lonely", clusterIP: "None")], endpoints: [])
        expectNoData(try ask("lonely.default.svc.cluster.local", .a, in: empty))
    }

    @Test func headlessIPv6Endpoints() throws {
        let z = ClusterZone(
            services: [Fixture.service("v6", clusterIP: "None", ports: [Fixture.port("http", 80)])],
            endpoints: [Fixture.endpoints("v6", [EndpointSubset(addresses: [EndpointAddress(ip: "fd00::5")],
                                                                ports: [EndpointPort(name: "http", port: 8080)])])])
        #expect(try ask("v6.default.svc.cluster.local", .aaaa, in: z).addresses == ["fd00::5"])
        expectNoData(try ask("v6.default.svc.cluster.local", .a, in: z))
        #expect(try ask("fd00--5.v6.default.svc.cluster.local", .aaaa, in: z).addresses == ["fd00::5"])
        let srv = try ask("_http._tcp.v6.default.svc.cluster.local", .srv, in: z)
        #expect(srv.additionals.map(\.data) == [.aaaa(IPv6Address("fd00::5")!)])
        let reverse = "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa"
        #expect(try ask(reverse, .ptr, in: z).answers.map(\.data) == [.ptr(Fixture.name("fd00--5.v6.default.svc.cluster.local"))])
    }

    @Test func externalName() throws {
        let m = try ask("ext.default.svc.cluster.local", .a)
        #expect(m.rcode == .noError && m.isAuthoritative)
        #expect(m.answers.map(\.data) == [.cname(Fixture.name("example.com"))])
        #expect(try ask("ext.default.svc.cluster.local", .cname).answers.map(\.data) == [.cname(Fixture.name("example.com"))])
        #expect(try ask("ext.default.svc.cluster.local", .aaaa).answers.map(\.type) == [.cname])
        // A target inside the cluster is followed.
        let alias = try ask("alias.default.svc.cluster.local", .a)
        #expect(alias.answers.map(\.type) == [.cname, .a])
        #expect(alias.answers[1].name == Fixture.name("web.default.svc.cluster.local"))
        #expect(alias.addresses == ["10.96.0.10"])
    }

    @Test func srvForClusterIPService() throws {
        let m = try ask("_http._tcp.web.default.svc.cluster.local", .srv)
        #expect(m.answers.map(\.data) == [.srv(SRVData(priority: 0, weight: 100, port: 80,
                                                        target: Fixture.name("web.default.svc.cluster.local")))])
        #expect(m.additionals.map(\.data) == [.a(IPv4Address(10, 96, 0, 10))])
        #expect(m.additionals[0].name == Fixture.name("web.default.svc.cluster.local"))
        guard case .srv(let dns)? = try ask("_dns._udp.web.default.svc.cluster.local", .srv).answers.first?.data else {
            Issue.record("no SRV for _dns._udp")
            return
        }
        #expect(dns.port == 53)
        #expect(try ask("_http._udp.web.default.svc.cluster.local", .srv).rcode == .nxDomain)
        #expect(try ask("_HTTP._TCP.web.default.svc.cluster.local", .srv).answers.count == 1)
        expectNoData(try ask("_http._tcp.web.default.svc.cluster.local", .a))
        expectNoData(try ask("_tcp.web.default.svc.cluster.local", .srv))  // empty non-terminal
        // SRV on the Service name itself: every port, named or not.
        let all = try ask("web.default.svc.cluster.local", .srv)
        #expect(all.answers.compactMap { if case .srv(let s) = $0.data { return Int(s.port) } else { return nil } } == [80, 53, 8080])
        #expect(all.additionals.count == 1)
    }

    @Test func srvForHeadlessService() throws {
        let m = try ask("_pg._tcp.db.default.svc.cluster.local", .srv)
        #expect(m.answers.map(\.data) == [
            .srv(SRVData(priority: 0, weight: 100, port: 5433, target: Fixture.name("db-0.db.default.svc.cluster.local"))),
            .srv(SRVData(priority: 0, weight: 100, port: 5433, target: Fixture.name("10-0-0-2.db.default.svc.cluster.local"))),
        ])
        #expect(m.additionals.map(\.name) == [Fixture.name("db-0.db.default.svc.cluster.local"),
                                              Fixture.name("10-0-0-2.db.default.svc.cluster.local")])
        #expect(m.additionals.map(\.data) == [.a(IPv4Address(10, 0, 0, 1)), .a(IPv4Address(10, 0, 0, 2))])
    }

    @Test func podNames() throws {
        #expect(try ask("10-244-1-5.default.pod.cluster.local", .a).addresses == ["10.244.1.5"])
        #expect(try ask("10-244-1-5.any-namespace.pod.cluster.local", .a).addresses == ["10.244.1.5"])
        #expect(try ask("fd00--5.default.pod.cluster.local", .aaaa).addresses == ["fd00::5"])
        expectNoData(try ask("10-244-1-5.default.pod.cluster.local", .aaaa))
        for bad in ["10-244-1.default", "10-244-1-256.default", "a-b-c-d.default", "x.10-244-1-5.default"] {
            #expect(try ask("\(bad).pod.cluster.local", .a).rcode == .nxDomain, "\(bad)")
        }
        expectNoData(try ask("default.pod.cluster.local", .a))
        expectNoData(try ask("pod.cluster.local", .a))
    }

    @Test func reverseLookups() throws {
        let web = try ask("10.0.96.10.in-addr.arpa", .ptr)
        #expect(web.isAuthoritative && web.answers.map(\.data) == [.ptr(Fixture.name("web.default.svc.cluster.local"))])
        #expect(try ask("1.0.0.10.In-Addr.Arpa", .ptr).answers.map(\.data) == [.ptr(Fixture.name("db-0.db.default.svc.cluster.local"))])
        #expect(try ask("2.0.0.10.in-addr.arpa", .ptr).answers.map(\.data) == [.ptr(Fixture.name("10-0-0-2.db.default.svc.cluster.local"))])
        let v6 = "1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa"
        #expect(try ask(v6, .ptr).answers.map(\.data) == [.ptr(Fixture.name("dual.default.svc.cluster.local"))])
        let nodata = try ask("10.0.96.10.in-addr.arpa", .a)
        #expect(nodata.rcode == .noError && nodata.answers.isEmpty && nodata.authorities.first?.name == Fixture.name("in-addr.arpa"))
        #expect(zone.answer(Fixture.query("8.8.8.8.in-addr.arpa", .ptr)) == .forward)
        #expect(zone.answer(Fixture.query("3.0.0.10.in-addr.arpa", .ptr)) == .forward)  // not-ready endpoint
        #expect(zone.answer(Fixture.query("96.10.in-addr.arpa", .ptr)) == .forward)
    }

    @Test func nonexistentNames() throws {
        for name in ["nope.default.svc.cluster.local", "x.web.default.svc.cluster.local", "nope.svc.cluster.local",
                     "web.nope.svc.cluster.local", "google.com.default.svc.cluster.local", "other.cluster.local"] {
            let m = try ask(name, .a)
            #expect(m.rcode == .nxDomain, "\(name)")
            #expect(m.isAuthoritative && m.answers.isEmpty)
            #expect(m.authorities.map(\.type) == [.soa] && m.authorities.first?.ttl == 5)
        }
    }

    @Test func emptyNonTerminals() throws {
        for name in ["svc.cluster.local", "default.svc.cluster.local", "prod.svc.cluster.local", "cluster.local", "pod.cluster.local"] {
            expectNoData(try ask(name, .a))
        }
        let soa = try ask("Cluster.Local", .soa)
        #expect(soa.answers.map(\.type) == [.soa] && soa.answers[0].name.description == "Cluster.Local.")
        #expect(try ask("dns-version.cluster.local", .txt).answers.map(\.data) == [.txt([Array("1.1.0".utf8)])])
    }

    @Test func forwardsOtherNames() {
        #expect(zone.answer(Fixture.query("example.com", .a)) == .forward)
        #expect(zone.answer(Fixture.query("cluster.local.example.com", .a)) == .forward)
        #expect(zone.answer(Fixture.query("local", .a)) == .forward)
        var chaos = Fixture.query("version.bind", .txt)
        chaos.questions[0].dnsClass = .chaos
        #expect(zone.answer(chaos) == .forward)
    }

    @Test func otherDomain() throws {
        let custom = ClusterZone(services: Fixture.services, endpoints: Fixture.endpoints, domain: Fixture.name("corp.example.test"))
        #expect(try ask("web.default.svc.corp.example.test", .a, in: custom).addresses == ["10.96.0.10"])
        #expect(custom.answer(Fixture.query("web.default.svc.cluster.local", .a)) == .forward)
        #expect(try ask("nope.corp.example.test", .a, in: custom).authorities.first?.name == Fixture.name("corp.example.test"))
    }

    @Test func nonStandardQueries() throws {
        var two = Fixture.query("web.default.svc.cluster.local", .a)
        two.questions.append(two.questions[0])
        guard case .response(let formErr) = zone.answer(two) else { Issue.record("forwarded"); return }
        #expect(formErr.rcode == .formErr && !formErr.isAuthoritative)
        var notify = Fixture.query("web.default.svc.cluster.local", .a)
        notify.opcode = 4
        guard case .response(let notImp) = zone.answer(notify) else { Issue.record("forwarded"); return }
        #expect(notImp.rcode == .notImp)
    }

    @Test func skipsInvalidObjects() throws {
        let services = [
            Service(metadata: ObjectMeta(name: "nospec", namespace: "default")),
            Fixture.service(String(repeating: "x", count: 64), clusterIP: "10.96.0.1"),
            Fixture.service("badip", clusterIP: "not-an-ip"),
            Fixture.service("badext", type: "ExternalName", externalName: "a..b"),
            Fixture.service("ok", clusterIP: "10.96.0.2"),
        ]
        let z = ClusterZone(services: services, endpoints: [])
        #expect(try ask("ok.default.svc.cluster.local", .a, in: z).addresses == ["10.96.0.2"])
        expectNoData(try ask("badip.default.svc.cluster.local", .a, in: z))
        expectNoData(try ask("badext.default.svc.cluster.local", .a, in: z))
        #expect(try ask("nospec.default.svc.cluster.local", .a, in: z).rcode == .nxDomain)
    }
}
