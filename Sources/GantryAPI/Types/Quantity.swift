import Foundation

/// A Kubernetes resource quantity (`500m`, `1.5`, `128Mi`, `1e3`, `2Ki`, `100n`).
///
/// It keeps the string it was written as (so objects round-trip unchanged) and compares, hashes and
/// converts by exact decimal value: `1Gi == 1024Mi`.
///
/// Deliberately not `ExpressibleByStringLiteral`: `Quantity("abc")` must throw, not trap.
public struct Quantity: Codable, Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// The message of a quantity that does not look like a number with a suffix, as Kubernetes words it.
    public static let formatErrorMessage =
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    /// The message of a quantity with an unknown suffix, as Kubernetes words it.
    public static let suffixErrorMessage = "unable to parse quantity's suffix"

    /// The quantity as written (or in canonical form, for computed quantities).
    public let string: String
    /// The exact value.
    public let decimal: Decimal

    /// Parses a quantity; throws `GantryError(.invalid)` with Kubernetes' message if it is malformed.
    public init(_ string: String) throws {
        self.decimal = try Quantity.parse(string)
        self.string = string
    }

    /// A quantity for an integer literal (`4` cores).
    public init(integerLiteral value: Int64) { self.init(integer: value) }

    /// A whole-number quantity (`3`).
    public init(integer: Int64) {
        self.string = String(integer)
        self.decimal = Decimal(integer)
    }

    private init(decimal: Decimal) {
        self.decimal = decimal
        self.string = Quantity.canonical(decimal)
    }

    /// A quantity of thousandths (`fromMilli(500)` is `500m`, `fromMilli(2000)` is `2`).
    public static func fromMilli(_ milli: Int64) -> Quantity {
        if milli % 1000 == 0 { return Quantity(integer: milli / 1000) }
        return Quantity(canonicalString: "\(milli)m", decimal: Decimal(milli) / 1000)
    }

    private init(canonicalString: String, decimal: Decimal) {
        self.string = canonicalString
        self.decimal = decimal
    }

    /// The value in thousandths, rounded up (away from zero): `500m` is 500, `1Gi` is 1073741824000.
    /// Saturates at the bounds of `Int64`.
    public var milliValue: Int64 { Quantity.roundUpToInt64(decimal * 1000) }

    /// The value rounded up (away from zero) to an integer: `500m` is 1, `1Ki` is 1024.
    public var value: Int64 { Quantity.roundUpToInt64(decimal) }

    /// The value as a `Double` (approximate).
    public var doubleValue: Double { NSDecimalNumber(decimal: decimal).doubleValue }

    /// Whether the value is zero.
    public var isZero: Bool { decimal == 0 }
    /// Whether the value is below zero.
    public var isNegative: Bool { decimal < 0 }

    public var description: String { string }

    public static func == (a: Quantity, b: Quantity) -> Bool { a.decimal == b.decimal }
    public static func < (a: Quantity, b: Quantity) -> Bool { a.decimal < b.decimal }
    public func hash(into hasher: inout Hasher) { hasher.combine(milliValue) }

    /// The sum, in canonical form.
    public static func + (a: Quantity, b: Quantity) -> Quantity { Quantity(decimal: a.decimal + b.decimal) }
    /// The difference, in canonical form.
    public static func - (a: Quantity, b: Quantity) -> Quantity { Quantity(decimal: a.decimal - b.decimal) }

    // MARK: Codable

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            do {
                try self.init(s)
            } catch let e as GantryError {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: e.message)
            }
        } else if let i = try? c.decode(Int64.self) {
            self.init(integer: i)
        } else if let d = try? c.decode(Double.self) {
            if d.isFinite, d == d.rounded(), abs(d) < 9e18 {
                self.init(integer: Int64(d))
            } else {
                try self.init("\(d)")
            }
        } else {
            throw DecodingError.typeMismatch(
                Quantity.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a quantity string or number"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(string)
    }

    // MARK: Parsing

    private static let binarySuffixes: [String: Int] = ["Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60]
    private static let decimalSuffixes: [String: Int] = [
        "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
    ]

    static func parse(_ s: String) throws -> Decimal {
        let bytes = Array(s.utf8)
        var i = 0
        var negative = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var intDigits: [UInt8] = []
        var fracDigits: [UInt8] = []
        var seenDot = false
        while i < bytes.count {
            let b = bytes[i]
            if b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
                if seenDot { fracDigits.append(b) } else { intDigits.append(b) }
            } else if b == UInt8(ascii: "."), !seenDot {
                seenDot = true
            } else {
                break
            }
            i += 1
        }
        guard !intDigits.isEmpty || !fracDigits.isEmpty else { throw GantryError(.invalid, formatErrorMessage) }
        // The suffix must look like [eEinumkKMGTP]*[-+]?[0-9]*.
        let suffixBytes = Array(bytes[i...])
        var j = 0
        while j < suffixBytes.count, "eEinumkKMGTP".utf8.contains(suffixBytes[j]) { j += 1 }
        if j < suffixBytes.count, suffixBytes[j] == UInt8(ascii: "+") || suffixBytes[j] == UInt8(ascii: "-") { j += 1 }
        while j < suffixBytes.count, suffixBytes[j] >= UInt8(ascii: "0"), suffixBytes[j] <= UInt8(ascii: "9") { j += 1 }
        guard j == suffixBytes.count else { throw GantryError(.invalid, formatErrorMessage) }
        let suffix = String(decoding: suffixBytes, as: UTF8.self)

        var exp10 = -fracDigits.count
        var binaryShift = 0
        if let shift = binarySuffixes[suffix] {
            binaryShift = shift
        } else if let e = decimalSuffixes[suffix] {
            exp10 += e
        } else if suffix.count > 1, suffix.first == "e" || suffix.first == "E", let e = Int(suffix.dropFirst()),
                  abs(e) < 1000 {
            exp10 += e
        } else {
            throw GantryError(.invalid, suffixErrorMessage)
        }
        var digits = intDigits + fracDigits
        while digits.count > 1, digits.first == UInt8(ascii: "0") { digits.removeFirst() }
        // Decimal keeps 38 significant digits; drop the excess (quantities that long are not meaningful).
        if digits.count > 36 {
            exp10 += digits.count - 36
            digits = Array(digits.prefix(36))
        }
        guard let significand = Decimal(string: String(decoding: digits, as: UTF8.self)) else {
            throw GantryError(.invalid, formatErrorMessage)
        }
        var value = Decimal(sign: .plus, exponent: exp10, significand: significand)
        if binaryShift > 0 { value *= Decimal(UInt64(1) << UInt64(binaryShift)) }
        if negative { value = -value }
        return value
    }

    static func roundUpToInt64(_ d: Decimal) -> Int64 {
        var input = d
        var rounded = Decimal()
        NSDecimalRound(&rounded, &input, 0, .up)
        if rounded >= Decimal(Int64.max) { return Int64.max }
        if rounded <= Decimal(Int64.min) { return Int64.min }
        return Int64(rounded.description) ?? 0
    }

    static func canonical(_ d: Decimal) -> String {
        var input = d
        var rounded = Decimal()
        NSDecimalRound(&rounded, &input, 0, .plain)
        if rounded == d { return rounded.description }
        let milli = d * 1000
        var m = milli
        var mr = Decimal()
        NSDecimalRound(&mr, &m, 0, .plain)
        if mr == milli { return "\(mr.description)m" }
        return d.description
    }
}
