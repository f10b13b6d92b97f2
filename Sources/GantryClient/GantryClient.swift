import AsyncHTTPClient
import Foundation
import GantryAPI
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A Kubernetes API client for Gantry (and any Kubernetes API server): untyped and typed CRUD, patch,
/// subresources, and watch as an `AsyncSequence`. Errors come back as `GantryError` built from the
/// server's `Status`.
public struct GantryClient: Sendable {
    /// The servers this client may use (one, unless given several or taught the `kubernetes` Endpoints).
    public let servers: APIServerList
    /// The base URL requests go to now (`https://127.0.0.1:6443`).
    public var server: String { servers.current }
    /// The credentials requests carry and the HTTP client (TLS identity) they go through.
    public let identity: ClientIdentity
    /// Timeout of one non-watch request.
    public var timeout: TimeAmount = .seconds(30)

    /// The process-wide HTTP client: fails fast when the server is unreachable instead of retrying
    /// connection attempts until the request deadline.
    public static let sharedHTTPClient: HTTPClient = HTTPClient(eventLoopGroupProvider: .singleton,
                                                                configuration: httpConfiguration())

    /// The HTTP client settings every Gantry client uses (TLS aside).
    static func httpConfiguration() -> HTTPClient.Configuration {
        var config = HTTPClient.Configuration()
        config.connectionPool.retryConnectionEstablishment = false
        config.timeout.connect = .seconds(5)
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        return config
    }

    /// A client without credentials (plain HTTP, or a server that lets anonymous requests through), or one sending
    /// through `httpClient`.
    public init(server: String, httpClient: HTTPClient = GantryClient.sharedHTTPClient) {
        self.servers = APIServerList([Self.normalize(server)])
        // Building an identity around a given HTTP client cannot fail.
        self.identity = try! ClientIdentity(.none, httpClient: httpClient)
    }

    /// A client with credentials: TLS trusting `credentials.caPEM`, a client certificate, a bearer token.
    public init(server: String, credentials: ClientCredentials) throws {
        self.servers = APIServerList([Self.normalize(server)])
        self.identity = try ClientIdentity(credentials)
    }

    /// A client sharing another's identity, so one renewal updates both.
    public init(server: String, identity: ClientIdentity) {
        self.servers = APIServerList([Self.normalize(server)])
        self.identity = identity
    }

    /// A client that fails over among `servers` (see `APIServerList`), sharing another's identity.
    public init(servers: APIServerList, identity: ClientIdentity) {
        self.servers = servers
        self.identity = identity
    }

    /// A client for the current context of a kubeconfig file.
    public init(kubeconfig path: String, context: String? = nil) throws {
        let k = try Kubeconfig.load(path: path, context: context)
        try self.init(server: k.server, credentials: k.credentials)
    }

    /// A base URL as the client keeps it: no trailing slash, `http://` when no scheme is given.
    public static func normalize(_ server: String) -> String {
        var s = server
        while s.hasSuffix("/") { s.removeLast() }
        if !s.contains("://") { s = "http://" + s }
        return s
    }

    /// Sends a prepared request with this client's credentials.
    func execute(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> HTTPClientResponse {
        var req = request
        let (http, token) = identity.forRequest()
        if let token { req.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)") }
        return try await http.execute(req, timeout: timeout)
    }

    /// A raw response.
    public struct RawResponse: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: Data
        public func json() throws -> JSONValue { try JSONValue.parse(body) }
    }

    /// The API path of a resource collection or object.
    public static func path(_ r: ResourceInfo, namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var p = r.group.isEmpty ? "/api/\(r.version)" : "/apis/\(r.group)/\(r.version)"
        if r.namespaced, let namespace { p += "/namespaces/\(namespace)" }
        p += "/\(r.plural)"
        if let name { p += "/\(name)" }
        if let subresource { p += "/\(subresource)" }
        return p
    }

    static func encodeQuery(_ q: [String: String]) -> String {
        if q.isEmpty { return "" }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return "?" + q.keys.sorted().map { k in
            "\(k)=\(q[k]!.addingPercentEncoding(withAllowedCharacters: allowed) ?? q[k]!)"
        }.joined(separator: "&")
    }

    /// Sends one request; returns the response whatever its status. A request that could not reach its server
    /// moves the client to the next one (`APIServerList`), and one that was never sent (refused, or the connection
    /// not established in time) is tried there at once, whatever its verb.
    public func raw(_ method: HTTPMethod, _ path: String, query: [String: String] = [:], body: Data? = nil,
                    contentType: String = "application/json", accept: String = "application/json") async throws -> RawResponse
    {
        var attempt = 0
        while true {
            let base = server
            var req = HTTPClientRequest(url: base + path + Self.encodeQuery(query))
            req.method = method
            req.headers.add(name: "Accept", value: accept)
            req.headers.add(name: "User-Agent", value: "gantry/\(GantryAPIClientVersion.string)")
            if let body {
                req.headers.add(name: "Content-Type", value: contentType)
                req.body = .bytes(ByteBuffer(data: body))
            }
            let resp: HTTPClientResponse
            do {
                resp = try await execute(req, timeout: timeout)
            } catch {
                let e = Self.transportError(error, server: base)
                if e is CancellationError { throw e }
                servers.markFailed(base)
                attempt += 1
                if Self.neverSent(error), attempt < servers.all.count { continue }
                throw e
            }
            let buf: ByteBuffer
            do {
                buf = try await resp.body.collect(upTo: 256 << 20)
            } catch {
                let e = Self.transportError(error, server: base)
                if !(e is CancellationError) { servers.markFailed(base) }
                throw e
            }
            servers.markHealthy(base)
            return RawResponse(status: Int(resp.status.code), headers: resp.headers.map { ($0.name, $0.value) },
                               body: Data(buffer: buf))
        }
    }

    /// Whether a failed request certainly never reached the server: the connection was refused or not made in
    /// time, so sending it elsewhere cannot apply it twice.
    static func neverSent(_ error: any Error) -> Bool {
        if let e = error as? HTTPClientError, e == .connectTimeout { return true }
        if let e = error as? IOError { return [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT].contains(e.errnoCode) }
        if let e = error as? ChannelError, case .connectTimeout = e { return true }
        let text = "\(error)"
        return text.contains("Connection refused") || text.contains("connectTimeout")
    }

    /// The error for a request that got no response: `CancellationError` when the calling task was cancelled
    /// (a cancelled request is not a network failure, and callers must not retry it), else `unavailable`.
    static func transportError(_ error: any Error, server: String) -> any Error {
        if error is CancellationError || Task.isCancelled { return CancellationError() }
        return GantryError(.unavailable, "cannot reach the Gantry API server at \(server)", cause: error)
    }

    /// Sends a request and returns the JSON body, throwing the server's `Status` as a `GantryError`.
    public func call(_ method: HTTPMethod, _ path: String, query: [String: String] = [:], body: JSONValue? = nil,
                     contentType: String = "application/json", accept: String = "application/json") async throws -> JSONValue
    {
        let resp = try await raw(method, path, query: query, body: body?.serialized(), contentType: contentType, accept: accept)
        guard (200..<300).contains(resp.status) else { throw Self.error(from: resp) }
        if resp.body.isEmpty { return .null }
        return try resp.json()
    }

    /// Builds the error for a failed response from its `Status` body.
    public static func error(from resp: RawResponse) -> GantryError {
        if let status = try? resp.json(), status["kind"]?.stringValue == "Status" {
            let reason = status["reason"]?.stringValue ?? ""
            let code = GantryError.Code(rawValue: reason) ?? Self.code(forHTTP: resp.status)
            let causes = (status[path: ["details", "causes"]]?.arrayValue ?? []).map {
                FieldError(FieldError.Kind(rawValue: $0["reason"]?.stringValue ?? "") ?? .invalid,
                           $0["field"]?.stringValue ?? "", $0["message"]?.stringValue ?? "")
            }
            return GantryError(code, status["message"]?.stringValue ?? "request failed with HTTP \(resp.status)",
                               fieldErrors: causes)
        }
        let text = String(decoding: resp.body.prefix(500), as: UTF8.self)
        return GantryError(code(forHTTP: resp.status), "request failed with HTTP \(resp.status): \(text)")
    }

    static func code(forHTTP s: Int) -> GantryError.Code {
        switch s {
        case 400: return .badRequest
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 405: return .methodNotAllowed
        case 409: return .conflict
        case 410: return .gone
        case 415: return .unsupportedMediaType
        case 422: return .invalid
        case 429: return .tooManyRequests
        case 503: return .unavailable
        default: return .internalError
        }
    }

    // MARK: - Untyped CRUD

    /// Gets one object.
    public func get(_ r: ResourceInfo, namespace: String?, name: String) async throws -> JSONValue {
        try await call(.GET, Self.path(r, namespace: namespace, name: name))
    }

    /// Lists objects (`namespace` nil = all namespaces).
    public func list(_ r: ResourceInfo, namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil,
                     limit: Int? = nil, continueToken: String? = nil) async throws -> JSONValue
    {
        var q: [String: String] = [:]
        if let labelSelector { q["labelSelector"] = labelSelector }
        if let fieldSelector { q["fieldSelector"] = fieldSelector }
        if let limit { q["limit"] = String(limit) }
        if let continueToken { q["continue"] = continueToken }
        return try await call(.GET, Self.path(r, namespace: namespace), query: q)
    }

    /// Creates an object.
    public func create(_ r: ResourceInfo, namespace: String?, _ object: JSONValue, query: [String: String] = [:]) async throws -> JSONValue {
        try await call(.POST, Self.path(r, namespace: namespace), query: query, body: object)
    }

    /// Replaces an object (PUT); a resourceVersion in it must be current.
    public func update(_ r: ResourceInfo, namespace: String?, name: String, _ object: JSONValue,
                       subresource: String? = nil) async throws -> JSONValue
    {
        try await call(.PUT, Self.path(r, namespace: namespace, name: name, subresource: subresource), body: object)
    }

    /// Patches an object with the given patch type.
    public func patch(_ r: ResourceInfo, namespace: String?, name: String, _ patch: JSONValue, type: PatchType = .merge,
                      subresource: String? = nil, query: [String: String] = [:]) async throws -> JSONValue
    {
        try await call(.PATCH, Self.path(r, namespace: namespace, name: name, subresource: subresource), query: query,
                       body: patch, contentType: type.rawValue)
    }

    /// Deletes an object; returns what the server returned (the object, or a Status).
    @discardableResult
    public func delete(_ r: ResourceInfo, namespace: String?, name: String, propagationPolicy: String? = nil,
                       gracePeriodSeconds: Int? = nil) async throws -> JSONValue
    {
        var body: JSONValue = ["kind": "DeleteOptions", "apiVersion": "v1"]
        if let propagationPolicy { body["propagationPolicy"] = .string(propagationPolicy) }
        if let gracePeriodSeconds { body["gracePeriodSeconds"] = .int(Int64(gracePeriodSeconds)) }
        return try await call(.DELETE, Self.path(r, namespace: namespace, name: name), body: body)
    }

    // MARK: - Typed

    /// Gets a typed object.
    public func get<T: KubeObject>(_ type: T.Type, namespace: String? = nil, name: String) async throws -> T {
        try await get(T.resourceInfo, namespace: namespace, name: name).decode(T.self)
    }

    /// Lists typed objects.
    public func list<T: KubeObject>(_ type: T.Type, namespace: String? = nil, labelSelector: String? = nil,
                                    fieldSelector: String? = nil) async throws -> KubeList<T>
    {
        try await list(T.resourceInfo, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
            .decode(KubeList<T>.self)
    }

    /// Creates a typed object in its own namespace (or `default`).
    public func create<T: KubeObject>(_ object: T) async throws -> T {
        let r = T.resourceInfo
        return try await create(r, namespace: r.namespaced ? (object.metadata.namespace ?? "default") : nil,
                                JSONValue.encode(object)).decode(T.self)
    }

    /// Replaces a typed object.
    public func update<T: KubeObject>(_ object: T, subresource: String? = nil) async throws -> T {
        let r = T.resourceInfo
        return try await update(r, namespace: r.namespaced ? (object.metadata.namespace ?? "default") : nil,
                                name: object.metadata.name ?? "", JSONValue.encode(object), subresource: subresource)
            .decode(T.self)
    }

    /// Streams a response body (e.g. `logs -f`), throwing the server's Status if it fails.
    public func stream(_ method: HTTPMethod, _ path: String, query: [String: String] = [:]) async throws
        -> AsyncThrowingStream<[UInt8], Error>
    {
        let base = server
        var req = HTTPClientRequest(url: base + path + Self.encodeQuery(query))
        req.method = method
        let body = try await openStream(req, base: base, timeout: .hours(24))
        return AsyncThrowingStream { cont in
            let task = Task {
                do {
                    for try await chunk in body { cont.yield(Array(chunk.readableBytesView)) }
                    cont.finish()
                } catch { cont.finish(throwing: error) }
            }
            cont.onTermination = { _ in task.cancel() }
        }
    }

    /// Sends a request whose body streams; returns the body once the status is 200, else throws the server's Status.
    private func openStream(_ req: HTTPClientRequest, base: String, timeout: TimeAmount) async throws -> HTTPClientResponse.Body {
        let resp: HTTPClientResponse
        do {
            resp = try await execute(req, timeout: timeout)
        } catch {
            let e = Self.transportError(error, server: base)
            if !(e is CancellationError) { servers.markFailed(base) }
            throw e
        }
        servers.markHealthy(base)
        guard resp.status.code == 200 else {
            let buf = try await resp.body.collect(upTo: 1 << 20)
            throw Self.error(from: RawResponse(status: Int(resp.status.code), headers: [], body: Data(buffer: buf)))
        }
        return resp.body
    }

    // MARK: - Watch

    /// One watch event.
    public struct WatchEvent: Sendable {
        /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`.
        public var type: String
        public var object: JSONValue
    }

    /// Watches a collection from `resourceVersion` (nil = current state first, as ADDED events).
    public func watch(_ r: ResourceInfo, namespace: String?, resourceVersion: String? = nil, labelSelector: String? = nil,
                      fieldSelector: String? = nil, bookmarks: Bool = false, timeoutSeconds: Int? = nil)
        async throws -> AsyncThrowingStream<WatchEvent, Error>
    {
        var q: [String: String] = ["watch": "true"]
        if let resourceVersion { q["resourceVersion"] = resourceVersion }
        if let labelSelector { q["labelSelector"] = labelSelector }
        if let fieldSelector { q["fieldSelector"] = fieldSelector }
        if bookmarks { q["allowWatchBookmarks"] = "true" }
        if let timeoutSeconds { q["timeoutSeconds"] = String(timeoutSeconds) }
        let base = server
        var req = HTTPClientRequest(url: base + Self.path(r, namespace: namespace) + Self.encodeQuery(q))
        req.headers.add(name: "Accept", value: "application/json")
        let body = try await openStream(req, base: base, timeout: .hours(2))
        return AsyncThrowingStream { cont in
            let task = Task {
                var pending = [UInt8]()
                do {
                    for try await chunk in body {
                        pending.append(contentsOf: chunk.readableBytesView)
                        while let nl = pending.firstIndex(of: 0x0A) {
                            let line = Array(pending[..<nl])
                            pending.removeSubrange(...nl)
                            if line.isEmpty { continue }
                            let ev = try JSONValue.parse(Data(line))
                            cont.yield(WatchEvent(type: ev["type"]?.stringValue ?? "", object: ev["object"] ?? .null))
                        }
                    }
                    cont.finish()
                } catch {
                    cont.finish(throwing: error)
                }
            }
            cont.onTermination = { _ in task.cancel() }
        }
    }
}

/// The client library's version.
public enum GantryAPIClientVersion {
    public static let string = "0.1.0"
}
