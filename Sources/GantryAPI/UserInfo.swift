/// Who a request comes from, as an authenticator established it (authentication.k8s.io/v1 `UserInfo`).
public struct UserInfo: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var uid: String
    public var groups: [String]
    public var extra: [String: [String]]

    public init(name: String, uid: String = "", groups: [String] = [], extra: [String: [String]] = [:]) {
        self.name = name
        self.uid = uid
        self.groups = groups
        self.extra = extra
    }

    /// The user of a request that carried no credentials.
    public static let anonymous = UserInfo(name: "system:anonymous", groups: ["system:unauthenticated"])

    /// True for `system:anonymous`.
    public var isAnonymous: Bool { name == UserInfo.anonymous.name }

    /// The user with `system:authenticated` added to its groups (as every authenticated user has), once.
    public var authenticated: UserInfo {
        var u = self
        if !u.groups.contains("system:authenticated") { u.groups.append("system:authenticated") }
        return u
    }

    /// The object form (`{"username": ..., "uid": ..., "groups": [...], "extra": {...}}`).
    public var json: JSONValue {
        var o: [String: JSONValue] = ["username": .string(name), "groups": .array(groups.map { .string($0) })]
        if !uid.isEmpty { o["uid"] = .string(uid) }
        if !extra.isEmpty { o["extra"] = .object(extra.mapValues { .array($0.map { .string($0) }) }) }
        return .object(o)
    }

    public var description: String { name }
}
