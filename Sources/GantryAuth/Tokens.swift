import Foundation
import GantryAPI

/// kube-apiserver's `--token-auth-file`: CSV lines `token,user,uid[,"group1,group2"]`; `#` starts a comment.
public struct StaticTokenFile: Sendable {
    public private(set) var users: [String: UserInfo] = [:]

    /// Parses the file's text; a malformed line is an error naming its line number.
    public init(csv text: String, source: String = "token file") throws {
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = Self.fields(line)
            guard fields.count >= 3, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw GantryError(.invalid, "\(source) line \(i + 1): want token,user,uid[,\"group1,group2\"]")
            }
            let groups = fields.count > 3 ? fields[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty } : []
            guard users[fields[0]] == nil else { throw GantryError(.invalid, "\(source) line \(i + 1): duplicate token") }
            users[fields[0]] = UserInfo(name: fields[1], uid: fields[2], groups: groups)
        }
    }

    /// Reads `path`, or fails naming it.
    public static func load(path: String) throws -> StaticTokenFile {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw GantryError(.invalid, "cannot read the token file \(path)")
        }
        return try StaticTokenFile(csv: text, source: path)
    }

    /// The user a token names, if the file has it.
    public func user(token: String) -> UserInfo? { users[token] }

    /// CSV fields, with `"…"` quoting (`""` inside quotes is one quote).
    static func fields(_ line: String) -> [String] {
        var out: [String] = []
        var cur = ""
        var quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { cur.append("\""); chars.removeFirst() } else { quoted = false }
                } else {
                    cur.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                out.append(cur.trimmingCharacters(in: .whitespaces))
                cur = ""
            } else {
                cur.append(c)
            }
        }
        out.append(cur.trimmingCharacters(in: .whitespaces))
        return out
    }
}

/// Bootstrap tokens as Kubernetes keeps them: Secrets `bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`
/// in `kube-system`, with `token-id`, `token-secret`, `expiration`, `usage-bootstrap-authentication` and
/// `auth-extra-groups`. A token `<id>.<secret>` authenticates as `system:bootstrap:<id>` in `system:bootstrappers`.
public enum BootstrapToken {
    public static let namespace = "kube-system"
    public static let secretType = "bootstrap.kubernetes.io/token"
    public static let group = "system:bootstrappers"

    /// The Secret name for a token id.
    public static func secretName(id: String) -> String { "bootstrap-token-\(id)" }

    /// Splits `<id>.<secret>` (6 and 16 of `[a-z0-9]`), or nil when the bearer is not shaped like one.
    public static func parse(_ bearer: String) -> (id: String, secret: String)? {
        let parts = bearer.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 6, parts[1].count == 16,
              parts.allSatisfy({ $0.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) } })
        else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// The Secret holding a token: `expiration` nil for a token that does not expire.
    public static func secret(id: String, secret: String, expiration: Date?, description: String,
                              extraGroups: [String] = []) -> JSONValue {
        var data: [String: JSONValue] = [
            "token-id": .string(id), "token-secret": .string(secret),
            "usage-bootstrap-authentication": "true", "usage-bootstrap-signing": "true",
            "description": .string(description),
        ]
        if let expiration { data["expiration"] = .string(RFC3339.format(expiration)) }
        if !extraGroups.isEmpty { data["auth-extra-groups"] = .string(extraGroups.joined(separator: ",")) }
        return [
            "apiVersion": "v1", "kind": "Secret", "type": .string(secretType),
            "metadata": ["name": .string(secretName(id: id)), "namespace": .string(namespace)],
            "stringData": .object(data),
        ]
    }

    /// The fields of a stored token Secret (its `data`, base64-decoded).
    public static func fields(of secretObject: JSONValue) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in secretObject["data"]?.objectValue ?? [:] {
            if let s = v.stringValue, let d = Data(base64Encoded: s) { out[k] = String(decoding: d, as: UTF8.self) }
        }
        return out
    }

    /// The user a token authenticates as, given the Secret stored for its id; nil when the Secret does not
    /// hold this token, is not a bootstrap token, is not for authentication, or has expired.
    public static func user(bearer: String, secretObject: JSONValue?, now: Date = Date()) -> UserInfo? {
        guard let (id, secret) = parse(bearer), let obj = secretObject,
              obj["type"]?.stringValue == secretType, obj[path: ["metadata", "deletionTimestamp"]] == nil
        else { return nil }
        let f = fields(of: obj)
        guard f["token-id"] == id, let stored = f["token-secret"], constantTimeEqual(stored, secret),
              f["usage-bootstrap-authentication"] == "true"
        else { return nil }
        if let exp = f["expiration"] {
            guard let date = RFC3339.parse(exp), date > now else { return nil }
        }
        let extra = (f["auth-extra-groups"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("system:bootstrappers:") }
        return UserInfo(name: "system:bootstrap:\(id)", groups: [group] + extra)
    }

    /// Compares two secrets without an early exit that would time-leak the matching prefix.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
