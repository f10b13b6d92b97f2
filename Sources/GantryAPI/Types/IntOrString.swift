import Foundation

/// A value that is either an integer or a string (`targetPort: 8080` or `"http"`, `maxSurge: "25%"`),
/// encoded as a bare JSON number or string.
public enum IntOrString: Codable, Sendable, Hashable, CustomStringConvertible,
    ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    case int(Int)
    case string(String)

    public init(integerLiteral value: Int) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else {
            throw DecodingError.typeMismatch(
                IntOrString.self,
                .init(codingPath: decoder.codingPath, debugDescription: "expected an integer or a string"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        }
    }

    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return s
        }
    }

    /// The integer, if this is `.int`.
    public var intValue: Int? { if case .int(let i) = self { return i }; return nil }
    /// The string, if this is `.string`.
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }

    /// Whether this is a percentage string (`"25%"`).
    public var isPercent: Bool {
        guard case .string(let s) = self, s.hasSuffix("%") else { return false }
        let digits = s.dropLast()
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The absolute value: an integer as is, or a percentage of `total` rounded up or down
    /// (`"25%"` of 10 is 3 rounded up, 2 rounded down), as Kubernetes' `GetScaledValueFromIntOrPercent`.
    public func scaledValue(total: Int, roundUp: Bool) throws -> Int {
        switch self {
        case .int(let i):
            return i
        case .string(let s):
            guard s.hasSuffix("%"), let pct = Int(s.dropLast()) else {
                throw GantryError(.invalid, "invalid value for IntOrString: invalid value \"\(s)\": must be an integer or a percentage (e.g. \"25%\")")
            }
            let product = pct * total
            if roundUp {
                return product >= 0 ? (product + 99) / 100 : -((-product) / 100)
            }
            return product >= 0 ? product / 100 : -((-product + 99) / 100)
        }
    }
}
