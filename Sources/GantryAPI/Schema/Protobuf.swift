import Foundation

/// Decoding of Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`) into JSON.
///
/// kubectl's typed clients (`kubectl create namespace|deployment|secret|configmap|service|job`, drain's
/// evictions) send protobuf and do not fall back to JSON on a 415. A body is the magic `k8s\0` followed by
/// a `runtime.Unknown` message: `typeMeta` (1: apiVersion, 2: kind), `raw` (2: the object's message),
/// `contentEncoding` (3), `contentType` (4). The object is decoded with the catalogue (`SchemaCatalog`)
/// for JSON names and types and `ProtobufFieldNumbers.swift` for field numbers, giving the JSON Kubernetes
/// itself would produce. Unknown field numbers are skipped.
public enum KubeProtobuf {
    /// The media type of Kubernetes protobuf.
    public static let mediaType = "application/vnd.kubernetes.protobuf"
    /// The four bytes every Kubernetes protobuf body starts with: `k8s\0`.
    public static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]

    /// Whether a `Content-Type` header value names Kubernetes protobuf (parameters ignored).
    public static func isProtobuf(contentType: String?) -> Bool {
        guard let contentType else { return false }
        let base = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? contentType
        return base.trimmingCharacters(in: .whitespaces).lowercased() == mediaType
    }

    /// Decodes a protobuf request body into the JSON form of the object it carries, with `apiVersion` and
    /// `kind` set from the envelope. The kind is looked up in the catalogue by the envelope's apiVersion and
    /// kind; an envelope without a kind is decoded as the root type of `resource`/`subresource`.
    public static func decode(_ data: Data, resource: ResourceInfo, subresource: String? = nil) throws -> JSONValue {
        let bytes = [UInt8](data)
        guard bytes.count >= 4, Array(bytes[0..<4]) == magic else {
            throw GantryError(.badRequest, "invalid protobuf body: missing the k8s\\0 magic prefix")
        }
        // runtime.Unknown
        var apiVersion = "", kind = "", contentEncoding = "", contentType = ""
        var raw: Range<Int>?
        var r = ProtoReader(bytes: bytes, range: 4..<bytes.count, context: "runtime.Unknown")
        while let (num, wire) = try r.nextTag() {
            switch num {
            case 1:
                var t = ProtoReader(bytes: bytes, range: try r.lengthDelimited(wire, num), context: "runtime.TypeMeta")
                while let (tn, tw) = try t.nextTag() {
                    switch tn {
                    case 1: apiVersion = t.string(try t.lengthDelimited(tw, tn))
                    case 2: kind = t.string(try t.lengthDelimited(tw, tn))
                    default: try t.skip(tw)
                    }
                }
            case 2: raw = try r.lengthDelimited(wire, num)
            case 3: contentEncoding = r.string(try r.lengthDelimited(wire, num))
            case 4: contentType = r.string(try r.lengthDelimited(wire, num))
            default: try r.skip(wire)
            }
        }
        if !contentEncoding.isEmpty {
            throw GantryError(.unsupportedMediaType, "protobuf content encoding \"\(contentEncoding)\" is not supported")
        }
        if !contentType.isEmpty, !isProtobuf(contentType: contentType) {
            throw GantryError(.unsupportedMediaType, "protobuf envelope content type \"\(contentType)\" is not supported")
        }
        let typeName: String
        if kind.isEmpty {
            typeName = SchemaCatalog.rootTypeName(for: resource, subresource: subresource)
            apiVersion = apiVersion.isEmpty ? (subresource == "scale" ? "autoscaling/v1" : resource.apiVersion) : apiVersion
            kind = SchemaCatalog.definition(named: typeName)?.groupVersionKinds.first?.kind ?? resource.kind
        } else if let def = SchemaCatalog.definition(apiVersion: apiVersion, kind: kind) {
            typeName = def.name
        } else if kind == "DeleteOptions" {
            // DeleteOptions is registered in every group version (and as meta.k8s.io/v1).
            typeName = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
        } else {
            throw GantryError(.unsupportedMediaType,
                              "protobuf bodies of kind \(kind) (apiVersion \(apiVersion.isEmpty ? "none" : apiVersion)) are not supported")
        }
        guard let table = ProtobufFieldTable.tables[typeName] else {
            throw GantryError(.unsupportedMediaType, "protobuf bodies of type \(typeName) are not supported")
        }
        var obj = [String: JSONValue]()
        if let raw {
            var decoder = ProtoDecoder(bytes: bytes)
            try decoder.decodeMessage(raw, table: table, typeName: typeName, into: &obj)
        }
        var out: [String: JSONValue] = [:]
        if !apiVersion.isEmpty { out["apiVersion"] = .string(apiVersion) }
        out["kind"] = .string(kind)
        out.merge(obj) { a, _ in a }
        return .object(out)
    }

    /// Decodes one protobuf message (no envelope) of the catalogue type `typeName` into JSON.
    public static func decodeMessage(_ data: Data, typeName: String) throws -> JSONValue {
        guard let table = ProtobufFieldTable.tables[typeName] else {
            throw GantryError(.unsupportedMediaType, "protobuf bodies of type \(typeName) are not supported")
        }
        let bytes = [UInt8](data)
        var obj = [String: JSONValue]()
        var decoder = ProtoDecoder(bytes: bytes)
        try decoder.decodeMessage(0..<bytes.count, table: table, typeName: typeName, into: &obj)
        return .object(obj)
    }
}

// MARK: - Field tables

/// What one field number of a message means.
indirect enum ProtobufFieldEntry: Sendable {
    /// A field of the JSON object; `omitZero` drops zero scalars (Go `omitempty` non-pointer fields).
    case field(SchemaField, omitZero: Bool)
    /// A Go-embedded struct: a nested message whose fields belong to the enclosing JSON object.
    case inline([Int: ProtobufFieldEntry])
}

/// The catalogue's types by field number, built from `protobufFieldNumberSource`.
enum ProtobufFieldTable {
    static let tables: [String: [Int: ProtobufFieldEntry]] = parse(protobufFieldNumberSource)

    static func parse(_ text: String) -> [String: [Int: ProtobufFieldEntry]] {
        var out = [String: [Int: ProtobufFieldEntry]]()
        var current: (name: String, def: SchemaDefinition)?
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("@") {
                let name = SchemaDSL.expand(String(line.dropFirst()))
                guard let def = SchemaCatalog.definition(named: name) else {
                    preconditionFailure("protobuf field numbers for unknown type \(name)")
                }
                current = (name, def)
                out[name] = out[name] ?? [:]
                continue
            }
            guard let (name, def) = current else { preconditionFailure("protobuf field numbers outside a type: \(line)") }
            for word in line.split(separator: " ") {
                let parts = word.split(separator: "=", maxSplits: 1)
                precondition(parts.count == 2, "bad protobuf field number \(word) in \(name)")
                var spec = Substring(parts[1])
                let omitZero = spec.hasSuffix("~")
                if omitZero { spec = spec.dropLast() }
                let path = spec.split(separator: ".").map { Int($0)! }
                guard let field = def.field(String(parts[0])) else {
                    preconditionFailure("protobuf field number for unknown field \(name).\(parts[0])")
                }
                insert(.field(field, omitZero: omitZero), at: path[...], into: &out[name]!)
            }
        }
        return out
    }

    private static func insert(_ entry: ProtobufFieldEntry, at path: ArraySlice<Int>, into table: inout [Int: ProtobufFieldEntry]) {
        let n = path.first!
        if path.count == 1 {
            table[n] = entry
            return
        }
        var sub: [Int: ProtobufFieldEntry] = [:]
        if case .inline(let existing)? = table[n] { sub = existing }
        insert(entry, at: path.dropFirst(), into: &sub)
        table[n] = .inline(sub)
    }
}

// MARK: - Wire format

/// Reads protobuf wire format from a range of a byte array.
struct ProtoReader {
    let bytes: [UInt8]
    var pos: Int
    let end: Int
    let context: String

    init(bytes: [UInt8], range: Range<Int>, context: String) {
        self.bytes = bytes
        self.pos = range.lowerBound
        self.end = range.upperBound
        self.context = context
    }

    func fail(_ what: String) -> GantryError {
        GantryError(.badRequest, "invalid protobuf body: \(context): \(what)")
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard pos < end else { throw fail("truncated varint") }
            let b = bytes[pos]
            pos += 1
            if shift == 63 && b > 1 { throw fail("varint overflows 64 bits") }
            result |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw fail("varint too long") }
        }
    }

    /// The next field number and wire type, or `nil` at the end of the message.
    mutating func nextTag() throws -> (Int, Int)? {
        guard pos < end else { return nil }
        let key = try varint()
        let num = key >> 3
        let wire = Int(key & 7)
        guard num >= 1, num <= 536_870_911 else { throw fail("invalid field number \(num)") }
        if wire == 3 || wire == 4 { throw fail("groups (wire type \(wire)) are not supported, field \(num)") }
        guard [0, 1, 2, 5].contains(wire) else { throw fail("invalid wire type \(wire) for field \(num)") }
        return (Int(num), wire)
    }

    /// The payload range of a length-delimited field.
    mutating func lengthDelimited(_ wire: Int, _ num: Int) throws -> Range<Int> {
        guard wire == 2 else { throw fail("field \(num) has wire type \(wire), expected length-delimited (2)") }
        let len = try varint()
        guard len <= UInt64(end - pos) else { throw fail("field \(num) length \(len) runs past the end of the message") }
        let r = pos..<(pos + Int(len))
        pos += Int(len)
        return r
    }

    mutating func fixed64() throws -> UInt64 {
        guard end - pos >= 8 else { throw fail("truncated 64-bit value") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[pos + i]) << (8 * UInt64(i)) }
        pos += 8
        return v
    }

    mutating func fixed32() throws -> UInt32 {
        guard end - pos >= 4 else { throw fail("truncated 32-bit value") }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[pos + i]) << (8 * UInt32(i)) }
        pos += 4
        return v
    }

    /// Skips a field's value.
    mutating func skip(_ wire: Int) throws {
        switch wire {
        case 0: _ = try varint()
        case 1: _ = try fixed64()
        case 2: _ = try lengthDelimited(2, 0)
        case 5: _ = try fixed32()
        default: throw fail("cannot skip wire type \(wire)")
        }
    }

    func string(_ r: Range<Int>) -> String { String(decoding: bytes[r], as: UTF8.self) }
}

// MARK: - Decoding to JSON

private let timeType = "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
private let microTimeType = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"
private let quantityType = "io.k8s.apimachinery.pkg.api.resource.Quantity"
private let intOrStringType = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"

/// A decoded field value: raw scalar wire data or a payload range.
enum ProtoWireValue {
    case varint(UInt64)
    case fixed64(UInt64)
    case fixed32(UInt32)
    case bytes(Range<Int>)
}

struct ProtoDecoder {
    let bytes: [UInt8]
    /// Nesting depth, bounded to refuse pathological input.
    var depth = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ context: String, _ what: String) -> GantryError {
        GantryError(.badRequest, "invalid protobuf body: \(context): \(what)")
    }

    mutating func decodeMessage(_ range: Range<Int>, table: [Int: ProtobufFieldEntry], typeName: String,
                                into obj: inout [String: JSONValue]) throws {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 100 else { throw fail(typeName, "messages nested too deeply") }
        let short = typeName.split(separator: ".").last.map(String.init) ?? typeName
        var r = ProtoReader(bytes: bytes, range: range, context: short)
        while let (num, wire) = try r.nextTag() {
            guard let entry = table[num] else {
                try r.skip(wire)
                continue
            }
            switch entry {
            case .inline(let sub):
                let payload = try r.lengthDelimited(wire, num)
                try decodeMessage(payload, table: sub, typeName: typeName, into: &obj)
            case .field(let field, let omitZero):
                let ctx = "\(short).\(field.name)"
                let value = try readValue(&r, wire: wire, num: num)
                switch field.type {
                case .array(let elem):
                    var arr = obj[field.name]?.arrayValue ?? []
                    if case .bytes(let payload) = value, Self.isPackable(elem) {
                        var p = ProtoReader(bytes: bytes, range: payload, context: ctx)
                        let w = Self.packedWire(elem)
                        while p.pos < p.end {
                            let v = try readValue(&p, wire: w, num: num)
                            if let j = try convert(v, type: elem, context: ctx) { arr.append(j) }
                        }
                    } else if let j = try convert(value, type: elem, context: ctx) {
                        arr.append(j)
                    }
                    obj[field.name] = .array(arr)
                case .map(let valueType):
                    guard case .bytes(let payload) = value else {
                        throw fail(ctx, "map entry has wire type \(wire), expected length-delimited (2)")
                    }
                    var key = ""
                    var val: JSONValue?
                    var sawValue = false
                    var e = ProtoReader(bytes: bytes, range: payload, context: ctx)
                    while let (en, ew) = try e.nextTag() {
                        switch en {
                        case 1: key = e.string(try e.lengthDelimited(ew, en))
                        case 2:
                            sawValue = true
                            val = try convert(try readValue(&e, wire: ew, num: en), type: valueType, context: ctx + "[\(key)]")
                        default: try e.skip(ew)
                        }
                    }
                    if !sawValue { val = Self.zeroValue(valueType) }
                    var m = obj[field.name]?.objectValue ?? [:]
                    if let val { m[key] = val }
                    obj[field.name] = .object(m)
                default:
                    if let j = try convert(value, type: field.type, context: ctx) {
                        if omitZero, Self.isZero(j) {
                            obj[field.name] = nil
                        } else {
                            obj[field.name] = j
                        }
                    }
                }
            }
        }
    }

    private func readValue(_ r: inout ProtoReader, wire: Int, num: Int) throws -> ProtoWireValue {
        switch wire {
        case 0: return .varint(try r.varint())
        case 1: return .fixed64(try r.fixed64())
        case 2: return .bytes(try r.lengthDelimited(2, num))
        case 5: return .fixed32(try r.fixed32())
        default: throw r.fail("unsupported wire type \(wire)")
        }
    }

    /// Converts one wire value to JSON for a field of type `type`; `nil` means "leave the field out".
    private mutating func convert(_ value: ProtoWireValue, type: SchemaType, context: String) throws -> JSONValue? {
        switch type {
        case .string(let format):
            guard case .bytes(let r) = value else { throw wireMismatch(context, value, "length-delimited") }
            if format == "byte" { return .string(Data(bytes[r]).base64EncodedString()) }
            return .string(String(decoding: bytes[r], as: UTF8.self))
        case .integer(let format):
            switch value {
            case .varint(let v):
                return format == "int32" ? .int(Int64(Int32(truncatingIfNeeded: v))) : .int(Int64(bitPattern: v))
            case .fixed64(let v): return .int(Int64(bitPattern: v))
            case .fixed32(let v): return .int(Int64(Int32(bitPattern: v)))
            case .bytes: throw wireMismatch(context, value, "varint")
            }
        case .boolean:
            guard case .varint(let v) = value else { throw wireMismatch(context, value, "varint") }
            return .bool(v != 0)
        case .number:
            switch value {
            case .fixed64(let v): return .double(Double(bitPattern: v))
            case .fixed32(let v): return .double(Double(Float(bitPattern: v)))
            default: throw wireMismatch(context, value, "64-bit")
            }
        case .freeForm:
            guard case .bytes(let r) = value else { throw wireMismatch(context, value, "length-delimited") }
            return try rawJSON(r, context: context)
        case .array, .map:
            throw fail(context, "nested lists and maps are not supported")
        case .ref(let name):
            guard case .bytes(let r) = value else { throw wireMismatch(context, value, "length-delimited") }
            switch name {
            case timeType: return try time(r, micro: false, context: context)
            case microTimeType: return try time(r, micro: true, context: context)
            case quantityType: return try quantity(r, context: context)
            case intOrStringType: return try intOrString(r, context: context)
            default: break
            }
            guard let def = SchemaCatalog.definition(named: name) else { return nil }
            if let p = def.primitive {
                if p == .freeForm { return try rawJSON(r, context: context) }
                return try convert(value, type: p, context: context)
            }
            guard let table = ProtobufFieldTable.tables[name] else { return nil }
            var obj = [String: JSONValue]()
            try decodeMessage(r, table: table, typeName: name, into: &obj)
            return .object(obj)
        }
    }

    private func wireMismatch(_ context: String, _ value: ProtoWireValue, _ expected: String) -> GantryError {
        let got: String
        switch value {
        case .varint: got = "varint"
        case .fixed64: got = "64-bit"
        case .fixed32: got = "32-bit"
        case .bytes: got = "length-delimited"
        }
        return fail(context, "wire type \(got), expected \(expected)")
    }

    /// `RawExtension`/`FieldsV1`: field 1 holds JSON bytes; anything else is left out.
    private func rawJSON(_ range: Range<Int>, context: String) throws -> JSONValue? {
        var r = ProtoReader(bytes: bytes, range: range, context: context)
        var raw: Range<Int>?
        while let (n, w) = try r.nextTag() {
            if n == 1, w == 2 { raw = try r.lengthDelimited(w, n) } else { try r.skip(w) }
        }
        guard let raw, !raw.isEmpty else { return nil }
        return try? JSONValue.parse(Data(bytes[raw]))
    }

    /// `Time`/`MicroTime` {1: seconds, 2: nanos} → RFC 3339; an empty message is the zero time (left out).
    private func time(_ range: Range<Int>, micro: Bool, context: String) throws -> JSONValue? {
        guard !range.isEmpty else { return nil }
        var r = ProtoReader(bytes: bytes, range: range, context: context)
        var seconds: Int64 = 0
        var nanos: Int64 = 0
        while let (n, w) = try r.nextTag() {
            switch (n, w) {
            case (1, 0): seconds = Int64(bitPattern: try r.varint())
            case (2, 0): nanos = Int64(Int32(truncatingIfNeeded: try r.varint()))
            default: try r.skip(w)
            }
        }
        guard nanos >= 0, nanos < 1_000_000_000 else { throw r.fail("nanos \(nanos) out of range") }
        return .string(Self.rfc3339(seconds: seconds, nanos: nanos, micro: micro))
    }

    private func quantity(_ range: Range<Int>, context: String) throws -> JSONValue? {
        var r = ProtoReader(bytes: bytes, range: range, context: context)
        var s = "0"
        while let (n, w) = try r.nextTag() {
            if n == 1 { s = r.string(try r.lengthDelimited(w, n)) } else { try r.skip(w) }
        }
        return .string(s.isEmpty ? "0" : s)
    }

    private func intOrString(_ range: Range<Int>, context: String) throws -> JSONValue? {
        var r = ProtoReader(bytes: bytes, range: range, context: context)
        var type: Int64 = 0
        var intVal: Int64 = 0
        var strVal = ""
        while let (n, w) = try r.nextTag() {
            switch (n, w) {
            case (1, 0): type = Int64(bitPattern: try r.varint())
            case (2, 0): intVal = Int64(Int32(truncatingIfNeeded: try r.varint()))
            case (3, 2): strVal = r.string(try r.lengthDelimited(w, n))
            default:
                if n <= 3 { throw r.fail("field \(n) has unexpected wire type \(w)") }
                try r.skip(w)
            }
        }
        switch type {
        case 0: return .int(intVal)
        case 1: return .string(strVal)
        default: throw r.fail("unknown IntOrString type \(type)")
        }
    }

    // MARK: helpers

    static func isPackable(_ t: SchemaType) -> Bool {
        switch t {
        case .integer, .boolean, .number: return true
        default: return false
        }
    }

    static func packedWire(_ t: SchemaType) -> Int {
        if case .number = t { return 1 }
        return 0
    }

    static func isZero(_ v: JSONValue) -> Bool {
        switch v {
        case .string(let s): return s.isEmpty
        case .int(let i): return i == 0
        case .double(let d): return d == 0
        case .bool(let b): return !b
        case .null: return true
        default: return false
        }
    }

    /// The value of a map entry whose value field is absent (proto2 default).
    static func zeroValue(_ t: SchemaType) -> JSONValue? {
        switch SchemaCatalog.resolve(t) {
        case .string(let format): return format == "int-or-string" ? .int(0) : .string("")
        case .integer: return .int(0)
        case .boolean: return .bool(false)
        case .number: return .double(0)
        case .ref: return .object([:])
        default: return nil
        }
    }

    /// `2024-01-02T03:04:05Z`, or with `micro` `2024-01-02T03:04:05.123456Z` (UTC).
    static func rfc3339(seconds: Int64, nanos: Int64, micro: Bool) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secOfDay = seconds - days * 86_400
        // Civil-from-days (proleptic Gregorian), after Howard Hinnant.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        var out = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
        out += "\(pad(secOfDay / 3600, 2)):\(pad(secOfDay % 3600 / 60, 2)):\(pad(secOfDay % 60, 2))"
        if micro { out += "." + pad(nanos / 1000, 6) }
        return out + "Z"
    }
}
