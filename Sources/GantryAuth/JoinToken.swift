import Crypto
import Foundation
import GantryAPI

/// A join token, as k3s writes it: `K10<sha256 of the CA certificate PEM, hex>::<id>.<secret>`. The part after
/// `::` is a Kubernetes bootstrap token (`[a-z0-9]{6}.[a-z0-9]{16}`); the prefix pins the cluster CA, so an agent
/// can check the server it reaches before it sends the secret.
public struct JoinToken: Sendable, Hashable, CustomStringConvertible {
    /// The hex SHA-256 of the CA certificate's PEM text; empty for a bare bootstrap token (nothing pinned).
    public var caHash: String
    /// The public half: names the token (`system:bootstrap:<id>`).
    public var id: String
    /// The secret half.
    public var secret: String

    public init(caHash: String, id: String, secret: String) {
        self.caHash = caHash
        self.id = id
        self.secret = secret
    }

    /// A new random token pinning `caPEM`.
    public static func generate(caPEM: String) -> JoinToken {
        JoinToken(caHash: pin(caPEM), id: random(6), secret: random(16))
    }

    /// Parses `K10<hash>::<id>.<secret>` or a bare `<id>.<secret>`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var rest = Substring(trimmed), hash = ""
        if trimmed.hasPrefix("K10") {
            guard let sep = trimmed.range(of: "::") else {
                throw GantryError(.invalid, "the join token starts with K10 but has no \"::\" after the CA hash")
            }
            hash = String(trimmed[trimmed.index(trimmed.startIndex, offsetBy: 3)..<sep.lowerBound]).lowercased()
            guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                throw GantryError(.invalid, "the join token's CA hash is not 64 hex digits")
            }
            rest = trimmed[sep.upperBound...]
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, Self.isToken(parts[0], 6), Self.isToken(parts[1], 16) else {
            throw GantryError(.invalid, "the join token's secret part is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})")
        }
        self.init(caHash: hash, id: String(parts[0]), secret: String(parts[1]))
    }

    /// `<id>.<secret>`: what the agent sends as its bearer token.
    public var bearer: String { "\(id).\(secret)" }

    public var description: String { caHash.isEmpty ? bearer : "K10\(caHash)::\(bearer)" }

    /// Checks the CA certificate a server presents against the pin; a bare token pins nothing and accepts any.
    public func verify(caPEM: String) throws {
        guard !caHash.isEmpty else { return }
        let actual = Self.pin(caPEM)
        guard actual == caHash else {
            throw GantryError(.unauthorized, "the server's CA certificate (sha256 \(actual)) does not match the join "
                + "token's pin (sha256 \(caHash)): this is not the cluster the token belongs to, or someone is in between")
        }
    }

    /// The hex SHA-256 of a PEM text.
    public static func pin(_ pem: String) -> String {
        SHA256.hash(data: Data(pem.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    static func random(_ n: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<n).map { _ in alphabet[Int(rng.next(upperBound: UInt32(alphabet.count)))] })
    }

    static func isToken(_ s: Substring, _ n: Int) -> Bool {
        s.count == n && s.allSatisfy { alphabet.contains($0) }
    }
}
