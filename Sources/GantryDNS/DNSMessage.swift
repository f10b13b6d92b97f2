// The DNS wire format (RFC 1035 §4, RFC 3596 AAAA, RFC 2782 SRV, RFC 6891 OPT): a bounds-checked decoder
// that rejects malformed input with an error, and an encoder that compresses names.
import GantryAPI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Names

/// A domain name: labels compared case-insensitively (ASCII only), as DNS requires; the case given is kept.
public struct DNSName: Sendable, Hashable, CustomStringConvertible {
    /// The labels, most specific first, in the case given; the root name has none.
    public let labels: [[UInt8]]

    /// The root name, `.`.
    public static let root = DNSName(validated: [])
    /// The longest a label may be, in bytes.
    public static let maxLabelLength = 63
    /// The longest a name may be on the wire, in bytes, counting length octets and the final zero.
    public static let maxWireLength = 255

    init(validated labels: [[UInt8]]) { self.labels = labels }

    /// Creates a name from labels; throws `invalid` if a label is empty or over 63 bytes, or the name over 255 bytes.
    public init(labels: [[UInt8]]) throws {
        var length = 1
        for label in labels {
            guard !label.isEmpty, label.count <= Self.maxLabelLength else {
                throw GantryError(.invalid, "invalid DNS name: label length \(label.count) is not 1…63")
            }
            length += label.count + 1
        }
        guard length <= Self.maxWireLength else {
            throw GantryError(.invalid, "invalid DNS name: \(length) bytes on the wire, more than 255")
        }
        self.labels = labels
    }

    /// Parses presentation format (`web.default.svc.cluster.local`, trailing dot optional, `\.` and `\DDD` escapes);
    /// `.` is the root. Throws `invalid` for an empty string, an empty label or a name too long.
    public init(_ text: String) throws {
        if text == "." { self = .root; return }
        let bytes = Array(text.utf8)
        var labels: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        func bad(_ why: String) -> GantryError { GantryError(.invalid, "invalid DNS name \"\(text)\": \(why)") }
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: ".") {
                guard !current.isEmpty else { throw bad("empty label") }
                labels.append(current)
                current = []
                i += 1
            } else if b == UInt8(ascii: "\\") {
                guard i + 1 < bytes.count else { throw bad("dangling escape") }
                if i + 3 < bytes.count, bytes[(i + 1)...(i + 3)].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    let value = bytes[(i + 1)...(i + 3)].reduce(0) { $0 * 10 + Int($1 - 0x30) }
                    guard value <= 255 else { throw bad("escape \\\(value) is over 255") }
                    current.append(UInt8(value))
                    i += 4
                } else {
                    current.append(bytes[i + 1])
                    i += 2
                }
            } else {
                current.append(b)
                i += 1
            }
        }
        if !current.isEmpty { labels.append(current) }
        guard !labels.isEmpty else { throw bad("empty name") }
        do { try self.init(labels: labels) } catch { throw bad("a label is over 63 bytes or the name over 255") }
    }

    /// The name in presentation format with the trailing dot, case kept: `web.default.svc.cluster.local.`.
    public var description: String {
        labels.isEmpty ? "." : Self.present(labels, lowercase: false) + "."
    }

    /// The lower-cased presentation form without the trailing dot (`""` for the root): a lookup key.
    public var key: String { Self.present(labels, lowercase: true) }

    /// The name one label up, or nil for the root.
    public var parent: DNSName? { labels.isEmpty ? nil : DNSName(validated: Array(labels.dropFirst())) }

    /// True if this name is `other` or below it.
    public func isSubdomain(of other: DNSName) -> Bool {
        guard labels.count >= other.labels.count else { return false }
        return zip(labels.suffix(other.labels.count), other.labels).allSatisfy { Self.labelsEqual($0, $1) }
    }

    /// This name with `label` put in front of it; throws `invalid` if the result is not a valid name.
    public func prepending(_ label: String) throws -> DNSName {
        try DNSName(labels: [Array(label.utf8)] + labels)
    }

    /// Names are equal if their labels are equal ignoring ASCII case.
    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        lhs.labels.count == rhs.labels.count && zip(lhs.labels, rhs.labels).allSatisfy { labelsEqual($0, $1) }
    }

    /// Hashes the labels ignoring ASCII case, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(labels.count)
        for label in labels {
            hasher.combine(label.count)
            for b in label { hasher.combine(asciiLower(b)) }
        }
    }

    static func labelsEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { asciiLower($0) == asciiLower($1) }
    }

    private static func present(_ labels: [[UInt8]], lowercase: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(labels.reduce(0) { $0 + $1.count + 1 })
        for (n, label) in labels.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ".")) }
            for raw in label {
                let b = lowercase ? asciiLower(raw) : raw
                switch b {
                case UInt8(ascii: "."), UInt8(ascii: "\\"):
                    out += [UInt8(ascii: "\\"), b]
                case 0x21...0x7E:
                    out.append(b)
                default:
                    out.append(UInt8(ascii: "\\"))
                    out += [b / 100, b / 10 % 10, b % 10].map { $0 + 0x30 }
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

@inline(__always) func asciiLower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

// MARK: - Addresses

/// An IPv4 address, the data of an A record.
public struct IPv4Address: Sendable, Hashable, CustomStringConvertible {
    /// The address in host byte order.
    public let value: UInt32

    /// Creates an address from four octets, most significant first.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad notation (`10.96.0.10`); nil for anything else, including leading zeros.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  part.utf8.count == 1 || part.utf8.first != 0x30, let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        self.value = value
    }

    /// The four octets, most significant first.
    public var bytes: [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    /// Dotted-quad notation.
    public var description: String { bytes.map(String.init).joined(separator: ".") }
}

/// An IPv6 address, the data of an AAAA record.
public struct IPv6Address: Sendable, Hashable, CustomStringConvertible {
    private let high: UInt64
    private let low: UInt64

    /// Creates an address from exactly 16 bytes; nil for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Parses textual notation (`fd00::a`), via `inet_pton`; nil for anything else (zone ids are not accepted).
    public init?(_ text: some StringProtocol) {
        var raw = in6_addr()
        let ok = String(text).withCString { inet_pton(AF_INET6, $0, &raw) }
        guard ok == 1 else { return nil }
        self.init(bytes: withUnsafeBytes(of: &raw) { Array($0) })
    }

    /// The 16 bytes in network order.
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(high >> (56 - 8 * UInt64($0)) & 0xFF) } + (0..<8).map { UInt8(low >> (56 - 8 * UInt64($0)) & 0xFF) }
    }

    /// The canonical text form (RFC 5952, as `inet_ntop` writes it).
    public var description: String {
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "::" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

// MARK: - Codes

/// A resource record type (RFC 1035 §3.2.2 and later).
public struct DNSType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = DNSType(rawValue: 1)
    public static let ns = DNSType(rawValue: 2)
    public static let cname = DNSType(rawValue: 5)
    public static let soa = DNSType(rawValue: 6)
    public static let ptr = DNSType(rawValue: 12)
    public static let mx = DNSType(rawValue: 15)
    public static let txt = DNSType(rawValue: 16)
    public static let aaaa = DNSType(rawValue: 28)
    public static let srv = DNSType(rawValue: 33)
    /// The EDNS(0) pseudo-record (RFC 6891).
    public static let opt = DNSType(rawValue: 41)
    /// A query for all records of a name (`*`, 255).
    public static let any = DNSType(rawValue: 255)

    /// The mnemonic (`A`, `SRV`), or `TYPE<n>` (RFC 3597) for others.
    public var description: String {
        let names: [UInt16: String] = [1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
                                       33: "SRV", 41: "OPT", 255: "ANY"]
        return names[rawValue] ?? "TYPE\(rawValue)"
    }
}

/// A resource record class; in practice always `internet`. (For OPT records it carries the UDP payload size.)
public struct DNSClass: RawRepresentable, Sendable, Hashable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `IN`, the Internet.
    public static let internet = DNSClass(rawValue: 1)
    /// `CH`, Chaos.
    public static let chaos = DNSClass(rawValue: 3)
    /// `ANY`, in questions only.
    public static let any = DNSClass(rawValue: 255)
}

/// The 4-bit response code in the header (RFC 1035 §4.1.1).
public struct DNSResponseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    /// Keeps the low 4 bits of `rawValue`.
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }

    public static let noError = DNSResponseCode(rawValue: 0)
    public static let formErr = DNSResponseCode(rawValue: 1)
    public static let servFail = DNSResponseCode(rawValue: 2)
    /// The name does not exist (NXDOMAIN).
    public static let nxDomain = DNSResponseCode(rawValue: 3)
    public static let notImp = DNSResponseCode(rawValue: 4)
    public static let refused = DNSResponseCode(rawValue: 5)

    /// The mnemonic (`NOERROR`, `NXDOMAIN`), or `RCODE<n>`.
    public var description: String {
        let names = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"]
        return Int(rawValue) < names.count ? names[Int(rawValue)] : "RCODE\(rawValue)"
    }
}

// MARK: - Records

/// The data of an SOA record.
public struct SOAData: Sendable, Hashable {
    /// The primary name server.
    public var mname: DNSName
    /// The responsible mailbox, as a name (`hostmaster.cluster.local.`).
    public var rname: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// The TTL of negative answers (RFC 2308).
    public var minimum: UInt32

    /// Creates SOA data.
    public init(mname: DNSName, rname: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32) {
        self.mname = mname
        self.rname = rname
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

/// The data of an SRV record (RFC 2782).
public struct SRVData: Sendable, Hashable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    public var target: DNSName

    /// Creates SRV data.
    public init(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// The typed data of a resource record; types this module does not model are kept as opaque bytes.
public enum DNSRecordData: Sendable, Hashable {
    case a(IPv4Address)
    case aaaa(IPv6Address)
    case ns(DNSName)
    case cname(DNSName)
    case ptr(DNSName)
    case mx(preference: UInt16, exchange: DNSName)
    case soa(SOAData)
    case srv(SRVData)
    /// Character strings, each up to 255 bytes (longer ones are split when encoded).
    case txt([[UInt8]])
    /// Any other type (and any record with empty data), byte for byte. Names inside are not decompressed.
    case opaque(type: DNSType, data: [UInt8])

    /// The record type this data belongs to.
    public var type: DNSType {
        switch self {
        case .a: return .a
        case .aaaa: return .aaaa
        case .ns: return .ns
        case .cname: return .cname
        case .ptr: return .ptr
        case .mx: return .mx
        case .soa: return .soa
        case .srv: return .srv
        case .txt: return .txt
        case .opaque(let type, _): return type
        }
    }
}

/// A resource record: owner name, class, TTL and data.
public struct DNSRecord: Sendable, Hashable {
    public var name: DNSName
    public var dnsClass: DNSClass
    /// Seconds a resolver may cache the record.
    public var ttl: UInt32
    public var data: DNSRecordData

    /// The record type, from its data.
    public var type: DNSType { data.type }

    /// Creates a record; the class defaults to `IN`.
    public init(name: DNSName, ttl: UInt32, data: DNSRecordData, dnsClass: DNSClass = .internet) {
        self.name = name
        self.dnsClass = dnsClass
        self.ttl = ttl
        self.data = data
    }
}

/// One entry of the question section.
public struct DNSQuestion: Sendable, Hashable {
    public var name: DNSName
    public var type: DNSType
    public var dnsClass: DNSClass

    /// Creates a question; the class defaults to `IN`.
    public init(name: DNSName, type: DNSType, dnsClass: DNSClass = .internet) {
        self.name = name
        self.type = type
        self.dnsClass = dnsClass
    }
}

// MARK: - Message

/// A DNS message (RFC 1035 §4): header, question, answer, authority and additional sections.
public struct DNSMessage: Sendable, Hashable {
    /// Matches a reply to its query.
    public var id: UInt16
    /// QR: a response rather than a query.
    public var isResponse: Bool
    /// OPCODE (0 is a standard query); 4 bits.
    public var opcode: UInt8
    /// AA: the answer comes from an authority for the name.
    public var isAuthoritative: Bool
    /// TC: the message was cut to fit; ask again over TCP.
    public var isTruncated: Bool
    /// RD: the client wants recursion.
    public var recursionDesired: Bool
    /// RA: the server offers recursion.
    public var recursionAvailable: Bool
    /// AD (RFC 4035).
    public var authenticData: Bool
    /// CD (RFC 4035).
    public var checkingDisabled: Bool
    /// RCODE, the outcome of a query.
    public var rcode: DNSResponseCode
    /// What is asked; standard queries have exactly one.
    public var questions: [DNSQuestion]
    /// Records that answer the question.
    public var answers: [DNSRecord]
    /// Records naming the authority, e.g. the SOA of a negative answer.
    public var authorities: [DNSRecord]
    /// Records that may help, e.g. addresses of SRV targets, and the EDNS(0) OPT record.
    public var additionals: [DNSRecord]

    /// The largest message a UDP reply may be without EDNS(0).
    public static let classicUDPSize = 512

    /// Creates a message; every flag defaults to clear and every section to empty.
    public init(
        id: UInt16 = 0, isResponse: Bool = false, opcode: UInt8 = 0, isAuthoritative: Bool = false,
        isTruncated: Bool = false, recursionDesired: Bool = false, recursionAvailable: Bool = false,
        authenticData: Bool = false, checkingDisabled: Bool = false, rcode: DNSResponseCode = .noError,
        questions: [DNSQuestion] = [], answers: [DNSRecord] = [], authorities: [DNSRecord] = [],
        additionals: [DNSRecord] = []
    ) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode & 0x0F
        self.isAuthoritative = isAuthoritative
        self.isTruncated = isTruncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled
        self.rcode = rcode
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
    }

    /// A standard query for one name and type with recursion desired.
    public static func query(_ name: DNSName, type: DNSType, id: UInt16 = .random(in: .min ... .max)) -> DNSMessage {
        DNSMessage(id: id, recursionDesired: true, questions: [DNSQuestion(name: name, type: type)])
    }

    /// Decodes a message; throws `badRequest` for anything malformed (short, out-of-bounds, bad label, compression
    /// loop, rdata that does not match its length). Bytes after the last record are ignored.
    public init(decoding bytes: [UInt8]) throws {
        var r = DNSReader(bytes: bytes)
        guard bytes.count >= 12 else { throw DNSReader.malformed("\(bytes.count) bytes is shorter than the 12-byte header") }
        id = try r.u16()
        let flags = try r.u16()
        isResponse = flags & 0x8000 != 0
        opcode = UInt8(flags >> 11 & 0x0F)
        isAuthoritative = flags & 0x0400 != 0
        isTruncated = flags & 0x0200 != 0
        recursionDesired = flags & 0x0100 != 0
        recursionAvailable = flags & 0x0080 != 0
        authenticData = flags & 0x0020 != 0
        checkingDisabled = flags & 0x0010 != 0
        rcode = DNSResponseCode(rawValue: UInt8(flags & 0x0F))
        let counts = (try r.u16(), try r.u16(), try r.u16(), try r.u16())
        var questions: [DNSQuestion] = []
        for _ in 0..<counts.0 {
            questions.append(DNSQuestion(name: try r.name(), type: DNSType(rawValue: try r.u16()),
                                         dnsClass: DNSClass(rawValue: try r.u16())))
        }
        self.questions = questions
        answers = try r.records(Int(counts.1))
        authorities = try r.records(Int(counts.2))
        additionals = try r.records(Int(counts.3))
    }

    /// Encodes the message, compressing owner names and the names inside NS, CNAME, PTR, MX and SOA data.
    /// Sections are cut at 65,535 entries and rdata at 65,535 bytes.
    public func encoded() -> [UInt8] {
        var w = DNSWriter()
        w.u16(id)
        var flags: UInt16 = UInt16(opcode & 0x0F) << 11 | UInt16(rcode.rawValue & 0x0F)
        if isResponse { flags |= 0x8000 }
        if isAuthoritative { flags |= 0x0400 }
        if isTruncated { flags |= 0x0200 }
        if recursionDesired { flags |= 0x0100 }
        if recursionAvailable { flags |= 0x0080 }
        if authenticData { flags |= 0x0020 }
        if checkingDisabled { flags |= 0x0010 }
        w.u16(flags)
        let limit = Int(UInt16.max)
        for count in [questions.count, answers.count, authorities.count, additionals.count] { w.u16(UInt16(min(count, limit))) }
        for q in questions.prefix(limit) {
            w.name(q.name, compress: true)
            w.u16(q.type.rawValue)
            w.u16(q.dnsClass.rawValue)
        }
        for section in [answers, authorities, additionals] {
            for record in section.prefix(limit) { w.record(record) }
        }
        return w.bytes
    }

    /// Encodes the message to fit in `maxSize` bytes: if it is larger, drops the authority and additional records
    /// (keeping an OPT record), keeps as many whole answers as fit and sets TC.
    public func encoded(maxSize: Int) -> [UInt8] {
        let full = encoded()
        guard full.count > maxSize else { return full }
        var cut = self
        cut.isTruncated = true
        cut.authorities = []
        cut.additionals = additionals.filter { $0.type == .opt }
        var (fits, tooMany) = (0, answers.count + 1)  // invariant: `fits` answers fit, `tooMany` do not
        var best: [UInt8]? = nil
        while tooMany - fits > 1 {
            let mid = (fits + tooMany) / 2
            cut.answers = Array(answers.prefix(mid))
            let bytes = cut.encoded()
            if bytes.count <= maxSize { fits = mid; best = bytes } else { tooMany = mid }
        }
        if let best { return best }
        cut.answers = []
        return cut.encoded()
    }
}

// MARK: - Wire reading and writing

/// A bounds-checked cursor over a message's bytes.
struct DNSReader {
    let bytes: [UInt8]
    var position = 0

    static func malformed(_ why: String) -> GantryError { GantryError(.badRequest, "malformed DNS message: \(why)") }

    mutating func u8() throws -> UInt8 {
        guard position < bytes.count else { throw Self.malformed("truncated at byte \(position)") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() throws -> UInt16 {
        guard position + 2 <= bytes.count else { throw Self.malformed("truncated at byte \(position)") }
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    mutating func u32() throws -> UInt32 {
        UInt32(try u16()) << 16 | UInt32(try u16())
    }

    mutating func take(_ count: Int) throws -> [UInt8] {
        guard count >= 0, position + count <= bytes.count else { throw Self.malformed("truncated at byte \(position)") }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    /// Reads a possibly compressed name. Every compression pointer must point before the previous one's target
    /// (before the name's start for the first), so pointer chains always end; the name may not exceed 255 bytes.
    mutating func name() throws -> DNSName {
        var labels: [[UInt8]] = []
        var wireLength = 1
        var p = position
        var limit = position
        var jumped = false
        while true {
            guard p < bytes.count else { throw Self.malformed("name runs past the end at byte \(p)") }
            let length = bytes[p]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    if !jumped { position = p + 1 }
                    return DNSName(validated: labels)
                }
                let n = Int(length)
                guard p + 1 + n <= bytes.count else { throw Self.malformed("label runs past the end at byte \(p)") }
                wireLength += n + 1
                guard wireLength <= DNSName.maxWireLength else { throw Self.malformed("name longer than 255 bytes") }
                labels.append(Array(bytes[(p + 1)..<(p + 1 + n)]))
                p += 1 + n
            case 0xC0:
                guard p + 1 < bytes.count else { throw Self.malformed("compression pointer runs past the end") }
                let target = Int(length & 0x3F) << 8 | Int(bytes[p + 1])
                guard target < limit else {
                    throw Self.malformed("compression pointer at byte \(p) to \(target) does not point backwards")
                }
                if !jumped { position = p + 2; jumped = true }
                limit = target
                p = target
            default:
                throw Self.malformed("unsupported label type 0x\(String(length, radix: 16)) at byte \(p)")
            }
        }
    }

    mutating func records(_ count: Int) throws -> [DNSRecord] {
        var records: [DNSRecord] = []
        records.reserveCapacity(min(count, bytes.count / 11))
        for _ in 0..<count { records.append(try record()) }
        return records
    }

    mutating func record() throws -> DNSRecord {
        let owner = try name()
        let type = DNSType(rawValue: try u16())
        let dnsClass = DNSClass(rawValue: try u16())
        let ttl = try u32()
        let length = Int(try u16())
        let end = position + length
        guard end <= bytes.count else { throw Self.malformed("\(type) rdata runs past the end") }
        let data: DNSRecordData
        switch type {
        case _ where length == 0:
            data = .opaque(type: type, data: [])
        case .a:
            guard length == 4 else { throw Self.malformed("A rdata of \(length) bytes") }
            let b = try take(4)
            data = .a(IPv4Address(b[0], b[1], b[2], b[3]))
        case .aaaa:
            guard length == 16, let address = IPv6Address(bytes: try take(16)) else {
                throw Self.malformed("AAAA rdata of \(length) bytes")
            }
            data = .aaaa(address)
        case .ns: data = .ns(try name())
        case .cname: data = .cname(try name())
        case .ptr: data = .ptr(try name())
        case .mx: data = .mx(preference: try u16(), exchange: try name())
        case .soa:
            data = .soa(SOAData(mname: try name(), rname: try name(), serial: try u32(), refresh: try u32(),
                                retry: try u32(), expire: try u32(), minimum: try u32()))
        case .srv:
            data = .srv(SRVData(priority: try u16(), weight: try u16(), port: try u16(), target: try name()))
        case .txt:
            var strings: [[UInt8]] = []
            while position < end { strings.append(try take(Int(try u8()))) }
            data = .txt(strings)
        default:
            data = .opaque(type: type, data: try take(length))
        }
        guard position == end else { throw Self.malformed("\(type) rdata does not match its length \(length)") }
        return DNSRecord(name: owner, ttl: ttl, data: data, dnsClass: dnsClass)
    }
}

/// Appends a message's bytes, remembering where each name suffix was written for compression.
struct DNSWriter {
    var bytes: [UInt8] = []
    private var offsets: [DNSName: Int] = [:]

    init() { bytes.reserveCapacity(512) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xFF)] }
    mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xFFFF)) }

    mutating func name(_ name: DNSName, compress: Bool) {
        let labels = name.labels
        for i in labels.indices {
            let suffix = DNSName(validated: Array(labels[i...]))
            if compress, let offset = offsets[suffix] {
                u16(0xC000 | UInt16(offset))
                return
            }
            if bytes.count < 0x4000, offsets[suffix] == nil { offsets[suffix] = bytes.count }
            u8(UInt8(labels[i].count))
            bytes += labels[i]
        }
        u8(0)
    }

    mutating func record(_ r: DNSRecord) {
        name(r.name, compress: true)
        u16(r.type.rawValue)
        u16(r.dnsClass.rawValue)
        u32(r.ttl)
        let lengthAt = bytes.count
        u16(0)
        switch r.data {
        case .a(let address): bytes += address.bytes
        case .aaaa(let address): bytes += address.bytes
        case .ns(let n), .cname(let n), .ptr(let n): name(n, compress: true)
        case .mx(let preference, let exchange):
            u16(preference)
            name(exchange, compress: true)
        case .soa(let soa):
            name(soa.mname, compress: true)
            name(soa.rname, compress: true)
            for v in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { u32(v) }
        case .srv(let srv):
            u16(srv.priority)
            u16(srv.weight)
            u16(srv.port)
            name(srv.target, compress: false)  // RFC 2782: the target is not compressed
        case .txt(let strings):
            for s in strings.isEmpty ? [[]] : strings {  // at least one string; long ones split at 255 bytes
                var start = 0
                repeat {
                    let end = min(start + 255, s.count)
                    u8(UInt8(end - start))
                    bytes += s[start..<end]
                    start = end
                } while start < s.count
            }
        case .opaque(_, let data): bytes += data.prefix(Int(UInt16.max))
        }
        var length = bytes.count - lengthAt - 2
        if length > Int(UInt16.max) {
            bytes.removeLast(length - Int(UInt16.max))
            length = Int(UInt16.max)
        }
        bytes[lengthAt] = UInt8(length >> 8)
        bytes[lengthAt + 1] = UInt8(length & 0xFF)
    }
}
