import Foundation
import GantryAPI
import GantryAuth
import HTTPTypes
import Hummingbird
import NIOCore

/// The audit log (`--audit-log FILE`): one audit.k8s.io/v1 `Event` per request as a JSON line, with who (user,
/// groups, impersonated user, source address, user agent), what (verb, resource, namespace, name), the response
/// code, when and how long it took, and the authorization decision. At level `Request` the bodies of writes are
/// included, never those of Secrets or tokens. The file is rotated by size, keeping a number of old files
/// (`FILE.1` is the newest).
public final class AuditLog: @unchecked Sendable {
    /// What an event carries: metadata only, or also the request body of writes.
    public enum Level: String, Sendable, CaseIterable {
        case metadata = "Metadata"
        case request = "Request"
    }

    public let path: String
    public let level: Level
    public let maxBytes: Int
    public let maxBackups: Int
    private let lock = NSLock()
    private var handle: FileHandle?
    private var size = 0

    public init(path: String, level: Level = .metadata, maxBytes: Int = 100 << 20, maxBackups: Int = 3) throws {
        self.path = path
        self.level = level
        self.maxBytes = max(4096, maxBytes)
        self.maxBackups = max(0, maxBackups)
        try open()
    }

    private func open() throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            guard fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw GantryError(.internalError, "cannot create the audit log \(path)")
            }
        }
        guard let h = FileHandle(forWritingAtPath: path) else {
            throw GantryError(.internalError, "cannot open the audit log \(path) for writing")
        }
        size = Int(h.seekToEndOfFile())
        handle = h
    }

    /// Appends one event (a JSON line), rotating first when the file would pass its size.
    func write(_ event: JSONValue) {
        var bytes = [UInt8]()
        event.write(into: &bytes)
        bytes.append(0x0A)
        lock.withLock {
            if size + bytes.count > maxBytes, size > 0 { rotateLocked() }
            handle?.write(Data(bytes))
            size += bytes.count
        }
    }

    private func rotateLocked() {
        try? handle?.close()
        handle = nil
        let fm = FileManager.default
        if maxBackups == 0 {
            try? fm.removeItem(atPath: path)
        } else {
            try? fm.removeItem(atPath: "\(path).\(maxBackups)")
            for i in stride(from: maxBackups - 1, through: 1, by: -1) where fm.fileExists(atPath: "\(path).\(i)") {
                try? fm.moveItem(atPath: "\(path).\(i)", toPath: "\(path).\(i + 1)")
            }
            try? fm.moveItem(atPath: path, toPath: "\(path).1")
        }
        try? open()
    }

    /// Resources whose request bodies are never logged: they hold secrets or tokens.
    static let secretResources: Set<String> = ["secrets", "tokenreviews", "token", "certificatesigningrequests"]

    /// The object a request path names, as audit's `objectRef` (nil for a non-resource path).
    static func objectRef(path: String) -> JSONValue? {
        let segs = path.split(separator: "/").map(String.init)
        var rest: ArraySlice<String>
        var ref: [String: JSONValue] = [:]
        if segs.first == "api", segs.count >= 3 {
            ref["apiVersion"] = .string(segs[1])
            rest = segs[2...]
        } else if segs.first == "apis", segs.count >= 4 {
            ref["apiGroup"] = .string(segs[1])
            ref["apiVersion"] = .string(segs[2])
            rest = segs[3...]
        } else {
            return nil
        }
        if rest.first == "namespaces", rest.count >= 3 {
            ref["namespace"] = .string(rest[rest.startIndex + 1])
            rest = rest.dropFirst(2)
        }
        guard let resource = rest.first else { return nil }
        ref["resource"] = .string(resource)
        if rest.count >= 2 { ref["name"] = .string(rest[rest.startIndex + 1]) }
        if rest.count >= 3 { ref["subresource"] = .string(rest.dropFirst(2).joined(separator: "/")) }
        if resource == "namespaces", rest.count >= 2, ref["namespace"] == nil { ref["namespace"] = ref["name"] }
        return .object(ref)
    }

    /// The audit verb of a request, as Kubernetes' RequestInfo names it.
    static func verb(method: HTTPRequest.Method, path: String, query: [String: String]) -> String {
        // A path outside the resource API (/healthz, /version) has the method's name as its verb.
        guard let ref = objectRef(path: path) else { return method.rawValue.lowercased() }
        return APIHandler.requestVerb(method: method, named: ref["name"] != nil,
                                      watch: query["watch"] == "true" || query["watch"] == "1")
    }
}

/// Annotations admission adds to a request's audit event (Pod Security's audit violations), carried by a task local
/// from the handler through the registry.
public final class AuditAnnotations: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: String] = [:]

    @TaskLocal public static var current: AuditAnnotations?

    public init() {}

    public func set(_ key: String, _ value: String) { lock.withLock { values[key] = value } }
    var all: [String: String] { lock.withLock { values } }
}

extension APIHandler {
    /// Records one request in the audit log.
    func audit(_ log: AuditLog, request: Request, context: Context, user: UserInfo?, impersonated: UserInfo?,
               code: Int, started: Date, body: ByteBuffer?, annotations: AuditAnnotations, streaming: Bool) {
        let path = request.uri.path
        let q = Self.query(request)
        func userJSON(_ u: UserInfo) -> JSONValue {
            var o: [String: JSONValue] = ["username": .string(u.name), "groups": .array(u.groups.map { .string($0) })]
            if !u.uid.isEmpty { o["uid"] = .string(u.uid) }
            if !u.extra.isEmpty { o["extra"] = .object(u.extra.mapValues { .array($0.map { .string($0) }) }) }
            return .object(o)
        }
        let now = Date()
        var event: [String: JSONValue] = [
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": .string(log.level.rawValue),
            "auditID": .string(UUID().uuidString.lowercased()),
            "stage": streaming ? "ResponseStarted" : "ResponseComplete",
            "requestURI": .string(request.uri.description),
            "verb": .string(AuditLog.verb(method: request.method, path: path, query: q)),
            "user": user.map(userJSON) ?? ["username": "", "groups": []],
            "sourceIPs": .array([context.channel.remoteAddress?.ipAddress].compactMap { $0 }.map { .string($0) }),
            "responseStatus": ["metadata": .emptyObject, "code": .int(Int64(code))],
            "requestReceivedTimestamp": .string(RFC3339.formatMicro(started)),
            "stageTimestamp": .string(RFC3339.formatMicro(now)),
        ]
        if let impersonated, impersonated != user { event["impersonatedUser"] = userJSON(impersonated) }
        if let agent = request.headers[.userAgent] { event["userAgent"] = .string(agent) }
        let ref = AuditLog.objectRef(path: path)
        if let ref { event["objectRef"] = ref }
        var notes = annotations.all
        if notes["authorization.k8s.io/decision"] == nil, code != 401 { notes["authorization.k8s.io/decision"] = "allow" }
        notes["gantry.dev/latency"] = String(format: "%.3fms", now.timeIntervalSince(started) * 1000)
        event["annotations"] = .object(notes.mapValues { .string($0) })
        let resource = ref?["resource"]?.stringValue ?? "", sub = ref?["subresource"]?.stringValue ?? ""
        if log.level == .request, let body, body.readableBytes > 0,
           !AuditLog.secretResources.contains(resource), !AuditLog.secretResources.contains(sub),
           let obj = Self.auditedBody(Data(body.readableBytesView), contentType: request.headers[.contentType], ref: ref) {
            event["requestObject"] = obj
        }
        log.write(.object(event))
    }

    /// A write's body as JSON for the audit event: JSON, YAML or Kubernetes protobuf, as the handler reads it.
    static func auditedBody(_ data: Data, contentType: String?, ref: JSONValue?) -> JSONValue? {
        if KubeProtobuf.isProtobuf(contentType: contentType) {
            guard let plural = ref?["resource"]?.stringValue,
                  let r = ResourceInfo.lookup(group: ref?["apiGroup"]?.stringValue ?? "", plural: plural) else { return nil }
            return try? KubeProtobuf.decode(data, resource: r, subresource: ref?["subresource"]?.stringValue)
        }
        return try? Manifest.decodeBody(data, contentType: contentType)
    }
}
