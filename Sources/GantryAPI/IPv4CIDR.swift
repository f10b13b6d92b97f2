/// An IPv4 CIDR block (`10.96.0.0/12`): Service and pod ranges, NetworkPolicy IP blocks.
public struct IPv4CIDR: Sendable, Hashable, CustomStringConvertible {
    public let base: UInt32
    public let prefix: Int

    /// Parses `a.b.c.d/n` as a range to allocate from (n between 8 and 30).
    public init(_ s: String) throws {
        guard let c = IPv4CIDR(block: s), s.contains("/"), (8...30).contains(c.prefix) else {
            throw GantryError(.badRequest, "invalid CIDR \"\(s)\": want a.b.c.d/n with n between 8 and 30")
        }
        self = c
    }

    /// Parses any block `a.b.c.d/n` (n from 0 to 32; a bare address is a /32); nil if it is not one. Host bits
    /// are cleared.
    public init?(block s: String) {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let ip = IPv4CIDR.parseIP(String(parts[0])) else { return nil }
        guard let p = parts.count == 2 ? Int(parts[1]) : 32, (0...32).contains(p) else { return nil }
        self.init(base: ip, prefix: p)
    }

    public init(base: UInt32, prefix: Int) {
        self.prefix = prefix
        self.base = base & IPv4CIDR.mask(prefix)
    }

    static func mask(_ p: Int) -> UInt32 { p == 0 ? 0 : ~UInt32(0) << UInt32(32 - p) }

    /// Number of addresses in the block (0 for /0, which has 2^32).
    public var size: UInt32 { prefix == 0 ? 0 : UInt32(1) << UInt32(32 - prefix) }

    /// Whether `ip` lies in the block.
    public func contains(_ ip: UInt32) -> Bool { ip & IPv4CIDR.mask(prefix) == base }

    /// Whether `other` lies entirely in the block.
    public func contains(_ other: IPv4CIDR) -> Bool { other.prefix >= prefix && contains(other.base) }

    /// This block less `holes`, as the fewest blocks that cover exactly what is left.
    public func subtracting(_ holes: [IPv4CIDR]) -> [IPv4CIDR] {
        if holes.contains(where: { $0.contains(self) }) { return [] }
        let inside = holes.filter { contains($0) }
        if inside.isEmpty { return [self] }
        let low = IPv4CIDR(base: base, prefix: prefix + 1)
        let high = IPv4CIDR(base: base | (UInt32(1) << UInt32(31 - prefix)), prefix: prefix + 1)
        return low.subtracting(inside) + high.subtracting(inside)
    }

    public var description: String { "\(IPv4CIDR.format(base))/\(prefix)" }

    /// Parses a dotted-quad address.
    public static func parseIP(_ s: String) -> UInt32? {
        let o = s.split(separator: ".", omittingEmptySubsequences: false)
        guard o.count == 4 else { return nil }
        var v: UInt32 = 0
        for part in o {
            guard let b = UInt8(part) else { return nil }
            v = v << 8 | UInt32(b)
        }
        return v
    }

    /// Formats an address as a dotted quad.
    public static func format(_ ip: UInt32) -> String {
        "\(ip >> 24).\(ip >> 16 & 0xFF).\(ip >> 8 & 0xFF).\(ip & 0xFF)"
    }
}
