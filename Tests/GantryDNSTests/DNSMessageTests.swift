import GantryAPI
import Testing

@testable import GantryDNS

@Suite("DNS wire format")
struct DNSMessageTests {
    static let full = DNSMessage(
        id: 0xBEEF, isResponse: true, opcode: 0, isAuthoritative: true, recursionDesired: true,
        recursionAvailable: true, rcode: .noError,
        questions: [DNSQuestion(name: Fixture.name("Web.Default.svc.cluster.local"), type: .a)],
        answers: [
            DNSRecord(name: Fixture.name("web.default.svc.cluster.local"), ttl: 5, data: .a(IPv4Address(10, 96, 0, 10))),
            DNSRecord(name: Fixture.name("web.default.svc.cluster.local"), ttl: 5, data: .aaaa(IPv6Address("fd00::a")!)),
            DNSRecord(name: Fixture.name("alias.default.svc.cluster.local"), ttl: 5,
                      data: .cname(Fixture.name("web.default.svc.cluster.local"))),
            DNSRecord(name: Fixture.name("10.0.96.10.in-addr.arpa"), ttl: 5, data: .ptr(Fixture.name("web.default.svc.cluster.local"))),
            DNSRecord(name: Fixture.name("_http._tcp.web.default.svc.cluster.local"), ttl: 5,
                      data: .srv(SRVData(priority: 0, weight: 100, port: 80, target: Fixture.name("web.default.svc.cluster.local")))),
            DNSRecord(name: Fixture.name("dns-version.cluster.local"), ttl: 5, data: .txt([Array("1.1.0".utf8), []])),
            DNSRecord(name: Fixture.name("cluster.local"), ttl: 5, data: .ns(Fixture.name("ns.dns.cluster.local"))),
            DNSRecord(name: Fixture.name("cluster.local"), ttl: 5, data: .mx(preference: 10, exchange: Fixture.name("mail.cluster.local"))),
            DNSRecord(name: Fixture.name("cluster.local"), ttl: 5, data: .opaque(type: DNSType(rawValue: 13), data: [3, 0x61, 0x62, 0x63, 0])),
        ],
        authorities: [
            DNSRecord(name: Fixture.name("cluster.local"), ttl: 5, data: .soa(SOAData(
                mname: Fixture.name("ns.dns.cluster.local"), rname: Fixture.name("hostmaster.cluster.local"),
                serial: 7, refresh: 7200, retry: 1800, expire: 86400, minimum: 5))),
        ],
        additionals: [DNSRecord(name: .root, ttl: 0, data: .opaque(type: .opt, data: []), dnsClass: DNSClass(rawValue: 1232))])

    @Test func roundTripsEveryRecordType() throws {
        let bytes = Self.full.encoded()
        let decoded = try DNSMessage(decoding: bytes)
        #expect(decoded == Self.full)
        #expect(decoded.questions[0].name.description == "Web.Default.svc.cluster.local.")  // case kept
        #expect(decoded.encoded() == bytes)
    }

    @Test func headerFlagBits() throws {
        let m = DNSMessage(id: 0x0102, isResponse: true, opcode: 2, isAuthoritative: true, isTruncated: true,
                           recursionDesired: true, recursionAvailable: true, authenticData: true, checkingDisabled: true,
                           rcode: .nxDomain)
        let bytes = m.encoded()
        #expect(bytes == [0x01, 0x02, 0b1001_0111, 0b1011_0011, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(try DNSMessage(decoding: bytes) == m)
        let plain = try DNSMessage(decoding: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(!plain.isResponse && !plain.recursionDesired && plain.rcode == .noError && plain.opcode == 0)
    }

    @Test func encoderCompressesNames() throws {
        let bytes = Self.full.encoded()
        // The first answer's owner is the question's name (in another case): a pointer to offset 12.
        let question = 12 + Self.full.questions[0].name.labels.reduce(1) { $0 + $1.count + 1 } + 4
        #expect(Array(bytes[question..<question + 2]) == [0xC0, 12])
        // The CNAME's target is compressed too; SRV targets never are (RFC 2782).
        let srvTarget: [UInt8] = [0, 0, 0, 100, 0, 80, 3] + Array("web".utf8) + [7] + Array("default".utf8)
        #expect(bytes.firstRange(of: srvTarget) != nil)
    }

    /// The example of RFC 1035 §4.1.4: F.ISI.ARPA, then FOO.F.ISI.ARPA and ARPA as pointers into it.
    @Test func decodesCompressionPointers() throws {
        var bytes: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0]
        bytes += [1, 0x46, 3, 0x49, 0x53, 0x49, 4, 0x41, 0x52, 0x50, 0x41, 0]  // F.ISI.ARPA at 12
        bytes += [0, 1, 0, 1]
        bytes += [3, 0x46, 0x4F, 0x4F, 0xC0, 12]  // FOO + pointer to F.ISI.ARPA
        bytes += [0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xC0, 14]  // CNAME ISI.ARPA (pointer into the question)
        bytes += [0xC0, 18]  // ARPA
        bytes += [0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]
        let m = try DNSMessage(decoding: bytes)
        #expect(m.questions[0].name == Fixture.name("f.isi.arpa"))
        #expect(m.answers[0].name == Fixture.name("FOO.F.ISI.ARPA"))
        #expect(m.answers[0].data == .cname(Fixture.name("ISI.ARPA")))
        #expect(m.answers[1].name == Fixture.name("arpa"))
        #expect(m.answers[1].data == .a(IPv4Address(10, 0, 0, 1)))
    }

    @Test func rejectsCompressionLoops() throws {
        let header: [UInt8] = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        let loops: [[UInt8]] = [
            [0xC0, 12, 0, 1, 0, 1],  // points at itself
            [0xC0, 14, 0xC0, 12, 0, 1, 0, 1],  // points forwards
            [1, 0x61, 0xC0, 12, 0, 1, 0, 1],  // label then back to its own start
        ]
        for tail in loops {
            #expect(throws: GantryError.self) { try DNSMessage(decoding: header + tail) }
        }
        // A chain that goes backwards twice is fine.
        var chain: [UInt8] = [0, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0]
        chain += [1, 0x61, 0, 0, 1, 0, 1]  // 12: a.
        chain += [1, 0x62, 0xC0, 12, 0, 1, 0, 1]  // 19: b -> 12
        chain += [1, 0x63, 0xC0, 19, 0, 1, 0, 1]  // 27: c -> 19
        #expect(try DNSMessage(decoding: chain).questions[2].name == Fixture.name("c.b.a"))
    }

    @Test func rejectsEveryTruncation() throws {
        let bytes = Self.full.encoded()
        for length in 0..<bytes.count {
            #expect(throws: GantryError.self) { try DNSMessage(decoding: Array(bytes.prefix(length))) }
        }
    }

    @Test func rejectsMalformedRecords() {
        let header: [UInt8] = [0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0]
        let bad: [[UInt8]] = [
            [0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 5, 1, 2, 3, 4, 5],  // A with 5 bytes
            [0, 0, 28, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2, 3, 4],  // AAAA with 4
            [0, 0, 5, 0, 1, 0, 0, 0, 5, 0, 2, 1, 0x61, 0],  // CNAME name runs past its rdata
            [0, 0, 5, 0, 1, 0, 0, 0, 5, 0, 4, 1, 0x61, 0, 0],  // CNAME rdata longer than the name
            [0, 0, 16, 0, 1, 0, 0, 0, 5, 0, 3, 5, 0x61, 0x62],  // TXT string past its rdata
            [0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 9, 1, 2, 3, 4],  // rdata past the end
            [0x40, 0, 1, 0, 1, 0, 0, 0, 5, 0, 0],  // extended label type
            [0x80, 0, 1, 0, 1, 0, 0, 0, 5, 0, 0],  // reserved label type
        ]
        for tail in bad {
            #expect(throws: GantryError.self, "\(tail)") { try DNSMessage(decoding: header + tail) }
        }
        // Empty rdata is kept as opaque, whatever the type (dynamic update uses it).
        let empty = header + [0, 0, 1, 0, 255, 0, 0, 0, 0, 0, 0]
        #expect((try? DNSMessage(decoding: empty))?.answers.first?.data == .opaque(type: .a, data: []))
    }

    @Test func rejectsOverlongNames() throws {
        let label: [UInt8] = [63] + [UInt8](repeating: 0x61, count: 63)
        let name = label + label + label + label + [0]  // 257 bytes
        #expect(throws: GantryError.self) { try DNSMessage(decoding: [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0] + name + [0, 1, 0, 1]) }
        #expect(throws: GantryError.self) { try DNSName(String(repeating: "a", count: 64) + ".com") }
        #expect(throws: GantryError.self) { try DNSName(Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".")) }
        #expect(throws: GantryError.self) { try DNSName("a..b") }
        #expect(throws: GantryError.self) { try DNSName("") }
        let longest = Array(repeating: String(repeating: "a", count: 63), count: 3).joined(separator: ".") + "." + String(repeating: "b", count: 61)
        #expect(try DNSName(longest).labels.count == 4)  // 255 bytes exactly
    }

    @Test func namesCompareCaseInsensitively() throws {
        let a = Fixture.name("Web.Default.SVC.cluster.local.")
        let b = Fixture.name("web.default.svc.cluster.local")
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
        #expect(a.key == "web.default.svc.cluster.local")
        #expect(a.description == "Web.Default.SVC.cluster.local.")
        #expect(a.isSubdomain(of: Fixture.name("CLUSTER.local")))
        #expect(!Fixture.name("cluster.local").isSubdomain(of: a))
        #expect(DNSName.root.description == "." && Fixture.name(".") == .root)
        let escaped = try DNSName("a\\.b.c\\032d")
        #expect(escaped.labels == [Array("a.b".utf8), Array("c d".utf8)])
        #expect(escaped.description == "a\\.b.c\\032d.")
        #expect(try DNSName(escaped.description) == escaped)
    }

    @Test func parsesAddresses() {
        #expect(IPv4Address("10.96.0.10")?.bytes == [10, 96, 0, 10])
        for bad in ["10.96.0", "10.96.0.256", "10.96.00.1", "a.b.c.d", "1.2.3.4.5", "", "1..2.3"] {
            #expect(IPv4Address(bad) == nil, "\(bad)")
        }
        #expect(IPv6Address("fd00:0:0::a")?.description == "fd00::a")
        #expect(IPv6Address("10.0.0.1") == nil)
        #expect(IPv6Address("::1")?.bytes == [UInt8](repeating: 0, count: 15) + [1])
    }

    @Test func splitsLongTXTStrings() throws {
        let long = [UInt8](repeating: 0x78, count: 300)
        let m = DNSMessage(answers: [DNSRecord(name: .root, ttl: 1, data: .txt([long]))])
        let decoded = try DNSMessage(decoding: m.encoded())
        #expect(decoded.answers[0].data == .txt([Array(long.prefix(255)), Array(long.suffix(45))]))
    }

    @Test func truncatesToFit() throws {
        let owner = Fixture.name("big.default.svc.cluster.local")
        var m = DNSMessage(id: 9, isResponse: true, questions: [DNSQuestion(name: owner, type: .a)])
        m.answers = (0..<100).map { DNSRecord(name: owner, ttl: 5, data: .a(IPv4Address(10, 1, 0, UInt8($0)))) }
        m.additionals = [DNSRecord(name: .root, ttl: 0, data: .opaque(type: .opt, data: []), dnsClass: DNSClass(rawValue: 512))]
        m.authorities = [DNSRecord(name: owner, ttl: 5, data: .ns(owner))]
        #expect(m.encoded(maxSize: 65535) == m.encoded())
        let cut = try DNSMessage(decoding: m.encoded(maxSize: 512))
        #expect(m.encoded(maxSize: 512).count <= 512)
        #expect(cut.isTruncated)
        #expect(cut.answers.count > 20 && cut.answers.count < 100)
        #expect(cut.answers == Array(m.answers.prefix(cut.answers.count)))
        #expect(cut.authorities.isEmpty && cut.additionals.map(\.type) == [.opt])
        // One more answer would not have fitted.
        var more = cut
        more.answers = Array(m.answers.prefix(cut.answers.count + 1))
        #expect(more.encoded().count > 512)
    }

    /// Random bytes and random corruptions of a valid message never crash the decoder; what decodes re-encodes.
    @Test func survivesGarbage() {
        var rng = SystemRandomNumberGenerator()
        let valid = Self.full.encoded()
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if bytes.count >= 12 { bytes[4] = 0; bytes[6] = 0; bytes[8] = 0; bytes[10] = 0 }  // counts ≤ 255
            } else {
                bytes = valid
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                if round % 3 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
            }
            if let m = try? DNSMessage(decoding: bytes) {
                let again = try? DNSMessage(decoding: m.encoded())
                #expect(again == m, "\(bytes)")
                _ = m.encoded(maxSize: 512)
            }
        }
    }
}
