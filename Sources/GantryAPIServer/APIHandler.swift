import Foundation
import GantryAPI
import GantryDashboard
import GantryMetrics
import GantryStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Ends open watches when the server shuts down, so graceful shutdown does not wait on them.
public final class WatchTerminator: @unchecked Sendable {
    private let lock = NSLock()
    private var handlers: [Int: @Sendable () -> Void] = [:]
    private var requests: [Int: String] = [:]
    private var next = 0
    private var terminated = false

    public init() {}

    func register(_ h: @escaping @Sendable () -> Void) -> Int {
        lock.lock()
        defer { lock.unlock() }
        if terminated { h() }
        next += 1
        handlers[next] = h
        return next
    }

    func unregister(_ id: Int) {
        lock.lock()
        handlers[id] = nil
        lock.unlock()
    }

    /// Records a request in progress (until `finished`), so a shutdown that waits on one can say which.
    func started(_ description: String) -> Int {
        lock.withLock {
            next += 1
            requests[next] = description
            return next
        }
    }

    func finished(_ id: Int) { lock.withLock { requests[id] = nil } }

    /// The requests in progress, as "METHOD path".
    public var inFlight: [String] { lock.withLock { Array(requests.values) } }

    /// Ends every open watch (and every watch opened from now on).
    public func terminateAll() {
        lock.lock()
        terminated = true
        let hs = handlers
        handlers = [:]
        lock.unlock()
        for h in hs.values { h() }
    }

    var openWatches: Int {
        lock.lock()
        defer { lock.unlock() }
        return handlers.count
    }
}

/// Settings of the HTTP API.
public struct APIConfig: Sendable {
    /// The address clients reach the server at, for discovery.
    public var advertiseAddress = "127.0.0.1:6443"
    /// How often a watch that asked for bookmarks gets one.
    public var bookmarkInterval: Duration = .seconds(10)
    /// The longest a watch runs before the server ends it (clients re-watch).
    public var maxWatchSeconds = 1800
    /// The largest request body accepted.
    public var maxBodyBytes = 8 << 20
    /// Whether the web dashboard is served at `/ui/`.
    public var dashboard = true
    public init() {}
}

/// The Kubernetes REST API over HTTP: routing, content negotiation, watch streaming and `Status` errors.
public struct APIHandler: HTTPResponder {
    public typealias Context = APIRequestContext

    public let registry: Registry
    public let config: APIConfig
    public let terminator: WatchTerminator
    /// Authentication, when the server runs secured (nil: every request is served, as the admin's).
    public let authenticator: Authenticator?
    /// Authorization (nil: every authenticated request is allowed).
    public let authorizer: RBACAuthorizer?
    /// How node servers are reached (logs, exec, stats).
    public let nodes: NodeDialer
    /// Where every request is recorded (nil: no audit log).
    public let auditLog: AuditLog?
    /// The custom resources' OpenAPI documents and the catalogue generation they were built at.
    let customDocuments = CustomDocumentCache()
    /// Where requests are counted and timed, served at `/metrics` (nil: no metrics).
    public let metrics: GantryMetrics?
    let storageCounts = StorageCounts()
    /// The agents' stats, for metrics.k8s.io.
    let nodeStats = NodeStatsCache()
    let logger: Logger

    public init(registry: Registry, config: APIConfig, terminator: WatchTerminator, security: SecurityConfig? = nil,
                authorizer: RBACAuthorizer? = nil, auditLog: AuditLog? = nil, metrics: GantryMetrics? = nil, logger: Logger) throws {
        self.metrics = metrics
        self.auditLog = auditLog
        self.registry = registry
        self.config = config
        self.terminator = terminator
        self.authenticator = security.map { Authenticator(security: $0, registry: registry) }
        self.authorizer = authorizer
        self.logger = logger
        nodes = try NodeDialer(security: security)
    }

    /// The user of an unsecured server's requests.
    static let unsecuredUser = UserInfo(name: "system:admin", groups: ["system:masters", "system:authenticated"])

    /// Who a request is from: its credentials' user, anonymous on a public path, else `401 Unauthorized`.
    func user(_ headers: HTTPFields, path: String, channel: any Channel) async throws -> UserInfo {
        guard let authenticator else { return Self.unsecuredUser }
        if let user = try await authenticator.authenticate(headers: headers, channel: channel) { return user }
        guard authenticator.security.anonymousAuth, Authenticator.isPublic(path) else { throw Authenticator.unauthorized }
        return .anonymous
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await respondUnmeasured(to: request, context: context)
        measure(request, code: Int(response.status.code), since: start)
        return response
    }

    func respondUnmeasured(to request: Request, context: Context) async throws -> Response {
        let id = terminator.started("\(request.method) \(request.uri)")
        defer { terminator.finished(id) }
        guard let auditLog else { return await serve(request, context: context).response }
        // Audited: the body of a write is read first (at level Request), and admission's annotations are collected.
        let started = Date()
        var request = request
        var body: ByteBuffer?
        if auditLog.level == .request, [.post, .put, .patch].contains(request.method) {
            do {
                body = try await request.collectBody(upTo: config.maxBodyBytes)
            } catch {
                var status = StatusMapping.status(for: GantryError(.badRequest, "the request body is larger than \(config.maxBodyBytes) bytes")).body
                status["code"] = 413
                status["reason"] = "RequestEntityTooLarge"
                return Self.json(413, status)
            }
        }
        let notes = AuditAnnotations()
        let out = await AuditAnnotations.$current.withValue(notes) { await serve(request, context: context) }
        let q = Self.query(request)
        let streaming = q["watch"] == "true" || q["watch"] == "1" || q["follow"] == "true"
        audit(auditLog, request: request, context: context, user: out.authenticated, impersonated: out.user,
              code: Int(out.response.status.code), started: started, body: body, annotations: notes, streaming: streaming)
        return out.response
    }

    /// Authenticates, impersonates and routes one request; errors become `Status` responses.
    func serve(_ request: Request, context: Context) async -> (response: Response, authenticated: UserInfo?, user: UserInfo?) {
        var authenticated: UserInfo?, effective: UserInfo?
        // The dashboard's page and scripts hold no data: they are served to anyone, and the page then asks for a token.
        if let page = dashboard(request) { return (page, nil, nil) }
        do {
            authenticated = try await user(request.headers, path: request.uri.path, channel: context.channel)
            effective = try impersonate(authenticated!, request.headers)
            return (try await route(request, user: effective!), authenticated, effective)
        } catch {
            let (code, body) = StatusMapping.status(for: error)
            if code >= 500 {
                logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            }
            return (Self.json(code, body), authenticated, effective)
        }
    }

    // MARK: - Dashboard

    /// The dashboard's embedded assets under `/ui/`, a redirect from `/ui` (and from `/` for a browser), or nil.
    func dashboard(_ request: Request) -> Response? {
        guard config.dashboard, request.method == .get || request.method == .head else { return nil }
        let path = request.uri.path
        if path == "/ui" || (path == "/" && (request.headers[.accept] ?? "").contains("text/html")) {
            return Response(status: .movedPermanently, headers: [.location: Dashboard.prefix])
        }
        guard path.hasPrefix(Dashboard.prefix) else { return nil }
        guard let asset = Dashboard.asset(for: path) else { return Self.text(404, "404 page not found\n") }
        var headers: HTTPFields = [
            .contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "no-cache",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("X-Frame-Options")!: "DENY",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ]
        if asset.contentType.hasPrefix("text/html") {
            headers[HTTPField.Name("Content-Security-Policy")!] =
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
        }
        if request.headers[.ifNoneMatch] == asset.etag { return Response(status: .notModified, headers: headers) }
        headers[.contentLength] = String(asset.bytes.count)
        return Response(status: .ok, headers: headers,
                        body: request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    // MARK: - Responses

    static func json(_ code: Int, _ body: JSONValue, warnings: [String] = [], contentType: String = "application/json") -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        if contentType != "application/json" { headers.append(HTTPField(name: .vary, value: "Accept")) }
        for w in warnings.prefix(20) {
            headers.append(HTTPField(name: HTTPField.Name("Warning")!, value: "299 - \(JSONValue.string(w).jsonString())"))
        }
        var out = [UInt8]()
        body.write(into: &out)
        return Response(status: .init(code: code), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: out)))
    }

    static func text(_ code: Int, _ s: String) -> Response {
        Response(status: .init(code: code), headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: s)))
    }

    // MARK: - Query

    /// Decoded query parameters (last value wins).
    static func query(_ request: Request) -> [String: String] {
        guard let q = request.uri.query, !q.isEmpty else { return [:] }
        var out: [String: String] = [:]
        for pair in q.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = decode(String(kv[0]))
            out[k] = kv.count > 1 ? decode(String(kv[1])) : ""
        }
        return out
    }

    static func decode(_ s: String) -> String {
        (s.replacingOccurrences(of: "+", with: " ")).removingPercentEncoding ?? s
    }

    /// Why the store does not answer a read within `limit` (nil when it does).
    static func storeProblem(_ store: any StateStore, within limit: Duration) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    _ = try await store.currentRevision()
                    return nil
                } catch let e as GantryError {
                    return e.message
                } catch {
                    return "\(error)"
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return "no answer within \(limit) (an etcd without a quorum?)"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    // MARK: - Routing

    func route(_ request: Request, user: UserInfo) async throws -> Response {
        let path = request.uri.path
        var segs = path.split(separator: "/").map(String.init)
        let method = request.method
        let isResourcePath = (segs.first == "api" && segs.count >= 3) || (segs.first == "apis" && segs.count >= 4)
        if !isResourcePath { try allow(user, AccessRequest(verb: method.rawValue.lowercased(), path: path)) }
        switch path {
        case "/livez", "/healthz/ping", "/readyz/ping", "/livez/ping":
            return Self.text(200, "ok")
        case "/healthz", "/readyz":
            // Ready only while the store answers a linearizable read: a server cut off from etcd's majority (or
            // whose etcd is down) says so here, and load balancers and agents move away from it.
            if let problem = await Self.storeProblem(registry.store, within: .seconds(2)) {
                logger.warning("not ready: the store does not answer", metadata: ["error": "\(problem)"])
                return Self.text(500, "[+]ping ok\n[-]etcd failed: \(problem)\n\(path.dropFirst()) check failed\n")
            }
            return Self.text(200, "ok")
        case "/version", "/version/":
            return Self.json(200, Discovery.version())
        case "/metrics":
            return await metricsResponse()
        case "/cacerts":
            guard let ca = authenticator?.security.serverCAPEM else {
                throw GantryError(.notFound, "the server could not find the requested resource")
            }
            return Self.text(200, ca)
        case "/gantry/v1/server-bootstrap":
            // The cluster's CAs and keys, sealed with the server's join token (which alone opens them), and where
            // its etcd members are: what a server joining the managed etcd needs. See ClusterBootstrap.
            guard let kv = try await registry.store.get(ControlPlane.serverBootstrapKey) else {
                throw GantryError(.notFound, "this cluster keeps no bootstrap data for joining servers (it is not on etcd)")
            }
            let clientURLs = await registry.etcdClientURLs?() ?? []
            return Self.json(200, ["bundle": .string(kv.value.base64EncodedString()),
                                   "etcdClientURLs": .array(clientURLs.map { .string($0) })])
        case "/gantry/v1/encryption/rotate":
            guard method == .post else {
                throw GantryError(.methodNotAllowed, "the server does not allow this method on the requested resource")
            }
            guard let encryption = registry.encryption else {
                throw GantryError(.notFound, "encryption at rest is not configured on this server")
            }
            let (key, n) = try await encryption.rotate(store: registry.store)
            logger.notice("rotated the encryption key", metadata: ["key": "\(key)", "rewritten": "\(n)"])
            return Self.json(200, ["key": .string(key), "rewritten": .int(Int64(n)),
                                   "resources": .array(encryption.current.resources.map { .string($0) })])
        case "/.well-known/openid-configuration", "/openid/v1/jwks":
            guard let issuer = authenticator?.security.tokenIssuer else {
                throw GantryError(.notFound, "the server could not find the requested resource")
            }
            return Self.json(200, path.hasPrefix("/openid") ? issuer.keySet : issuer.discoveryDocument)
        case "/api", "/api/":
            if let type = Discovery.aggregatedType(accept: request.headers[.accept]) {
                return Self.json(200, Discovery.aggregated(core: true, registry.catalog, contentType: type), contentType: type)
            }
            return Self.json(200, Discovery.apiVersions(serverAddress: config.advertiseAddress))
        case "/apis", "/apis/":
            if let type = Discovery.aggregatedType(accept: request.headers[.accept]) {
                return Self.json(200, Discovery.aggregated(core: false, registry.catalog, contentType: type), contentType: type)
            }
            return Self.json(200, Discovery.apiGroupList(registry.catalog))
        case "/openapi/v3", "/openapi/v3/":
            return Self.json(200, OpenAPIV3.index(custom: customOpenAPIDocuments()))
        default: break
        }
        if segs.count == 4, segs[0] == "gantry", segs[1] == "v1", segs[2] == "prometheus-sd", method == .get {
            return try await prometheusSD(role: segs[3], user: user)
        }
        if segs.first == "openapi" {
            if segs.count > 2, segs[1] == "v3", let doc = OpenAPIV3.document(path: segs[2...].joined(separator: "/")) {
                return Self.json(200, doc)
            }
            if segs.count > 2, segs[1] == "v3", let doc = customOpenAPIDocuments()[segs[2...].joined(separator: "/")] {
                return Self.json(200, doc)
            }
            throw GantryError(.notFound, "the server could not find the requested resource")
        }
        var group = ""
        var version = ""
        if segs.first == "api", segs.count >= 2 {
            version = segs[1]
            segs.removeFirst(2)
        } else if segs.first == "apis", segs.count >= 2 {
            group = segs[1]
            if segs.count == 2 {
                guard let g = Discovery.apiGroup(group, registry.catalog) else {
                    throw GantryError(.notFound, "the server could not find the requested resource")
                }
                return Self.json(200, g)
            }
            version = segs[2]
            segs.removeFirst(3)
        } else {
            throw GantryError(.notFound, "the server could not find the requested resource")
        }
        if segs.isEmpty {
            guard let list = Discovery.resourceList(group: group, version: version, registry.catalog) else {
                throw GantryError(.notFound, "the server could not find the requested resource")
            }
            return Self.json(200, list)
        }
        var q = Self.query(request)
        if segs.first == "watch" {
            segs.removeFirst()
            q["watch"] = "true"
        }
        // namespaces/{ns}/{plural}/... or {plural}/...
        var namespace: String? = nil
        var plural: String
        var name: String? = nil
        var sub: String? = nil
        if segs[0] == "namespaces", segs.count >= 3, group.isEmpty || true,
           !(segs.count == 3 && ["status", "finalize"].contains(segs[2]) && group.isEmpty)
        {
            namespace = segs[1]
            plural = segs[2]
            if segs.count > 3 { name = segs[3] }
            if segs.count > 4 { sub = segs[4...].joined(separator: "/") }
        } else {
            plural = segs[0]
            if segs.count > 1 { name = segs[1] }
            if segs.count > 2 { sub = segs[2...].joined(separator: "/") }
        }
        guard let r = registry.catalog.lookup(group: group, version: version, plural: plural) else {
            throw GantryError(.notFound, "the server could not find the requested resource")
        }
        if !r.namespaced, namespace != nil {
            throw GantryError(.notFound, "the server could not find the requested resource")
        }
        if r.namespaced, name != nil, namespace == nil {
            throw GantryError(.notFound, "the server could not find the requested resource")
        }
        if let sub, !r.subresources.contains(sub), !(r == .nodes && sub.hasPrefix("proxy/")) {
            throw GantryError(.notFound, "the server could not find the requested resource")
        }
        let watch = q["watch"] == "true" || q["watch"] == "1"
        try await allowWithCatchUp(user, Self.accessRequest(r, method: method, namespace: namespace, name: name, subresource: sub,
                                                            watch: watch))
        var req = request
        if r.readOnly {
            guard method == .get || method == .head, sub == nil, !watch else {
                throw GantryError(.methodNotAllowed, "the server does not allow this method on the requested resource")
            }
            return try await metricsAPI(r, namespace: namespace, name: name, query: q)
        }
        if !r.stored {
            guard method == .post, name == nil, sub == nil else {
                throw GantryError(.methodNotAllowed, "the server does not allow this method on the requested resource")
            }
            let body = try await readBody(&req, r)
            return Self.json(201, try await review(r, namespace: namespace, body: body, user: user))
        }
        switch (method, name, sub) {
        case (.get, nil, nil):
            return watch ? try await watchResponse(r, namespace, nil, q, request) : try await listResponse(r, namespace, q, request)
        case (.get, let n?, nil):
            if watch { return try await watchResponse(r, namespace, n, q, request) }
            let obj = try await registry.get(r, namespace: namespace, name: n)
            return try render(r, obj, request, q)
        case (.post, nil, nil):
            let body = try await readBody(&req, r)
            var options = try writeOptions(q, request)
            options.user = user
            let out = try await registry.create(r, namespace: namespace, body: body, options: options)
            return Self.json(201, out.object, warnings: out.warnings)
        case (.put, let n?, let s) where s == nil || s == "status" || s == "finalize" || s == "approval":
            let body = try await readBody(&req, r, subresource: s)
            let scope: Registry.UpdateScope = s == "status" ? .status : s == "approval" ? .approval : .main
            var options = try writeOptions(q, request)
            options.user = user
            let out = try await registry.update(r, namespace: namespace, name: n, body: body, scope: scope, options: options)
            return Self.json(out.created ? 201 : 200, out.object, warnings: out.warnings)
        case (.patch, let n?, let s) where s == nil || s == "status":
            let type = try patchType(request)
            let body = try await readPatchBody(&req, type)
            var options = try writeOptions(q, request)
            options.user = user
            if type == .apply, (q["fieldManager"] ?? "").isEmpty {
                throw GantryError(.badRequest, "PATCH \(request.uri.path): fieldManager is required for apply requests")
            }
            if let f = q["force"], !f.isEmpty {
                guard type == .apply else { throw GantryError(.badRequest, "force: Forbidden: may not be specified for non-apply patch") }
                options.force = f == "true"
            }
            let out = try await registry.patch(r, namespace: namespace, name: n, type: type, patch: body,
                                               scope: s == "status" ? .status : .main, options: options)
            return Self.json(200, out.object, warnings: out.warnings)
        case (.get, let n?, let s) where s == "status" || s == "approval":
            return Self.json(200, try await registry.get(r, namespace: namespace, name: n))
        case (.delete, let n?, nil):
            let opts = try await deleteOptions(&req, q)
            let (obj, _) = try await registry.delete(r, namespace: namespace, name: n, options: opts)
            return Self.json(200, obj)
        case (.delete, nil, nil):
            let opts = try await deleteOptions(&req, q)
            let items = try await registry.deleteCollection(r, namespace: namespace, list: try listOptions(r, q), options: opts)
            return Self.json(200, ["kind": .string(r.listKind), "apiVersion": .string(r.apiVersion),
                                   "metadata": .emptyObject, "items": .array(items)])
        case (_, let n?, "scale"):
            return try await scale(r, namespace, n, method, &req, q)
        case (.post, let n?, "binding"):
            let body = try await readBody(&req, r, subresource: "binding")
            let target = body[path: ["target", "name"]]?.stringValue ?? ""
            _ = try await registry.bind(namespace: namespace ?? "default", name: n, node: target)
            return Self.json(201, StatusMapping.success())
        case (.get, let n?, let s?) where r == .nodes && s.hasPrefix("proxy/"):
            return try await NodeProxy.forward(registry: registry, dialer: nodes, node: n, path: String(s.dropFirst("proxy".count)))
        case (.get, let n?, "log"):
            return try await NodeProxy.logs(registry: registry, dialer: nodes, namespace: namespace ?? "default", pod: n, query: q)
        case (_, let n?, "exec"):
            _ = try await registry.get(.pods, namespace: namespace, name: n)
            // Only the WebSocket upgrade (handled before routing) runs commands; SPDY is not served.
            throw GantryError(.badRequest, "Upgrade request required: exec speaks WebSocket (\(ExecProtocol.supported.joined(separator: ", ")))")
        case (.post, let n?, "token") where r == .serviceAccounts:
            let body = try await readBody(&req, r, subresource: "token")
            return Self.json(201, try await tokenRequest(namespace: namespace ?? "default", serviceAccount: n, body: body, user: user))
        case (.post, let n?, "eviction"):
            let buf = try await req.collectBody(upTo: config.maxBodyBytes)
            let data = Data(buf.readableBytesView)
            let body: JSONValue? = data.isEmpty ? nil
                : KubeProtobuf.isProtobuf(contentType: req.headers[.contentType])
                ? try KubeProtobuf.decode(data, resource: .pods, subresource: "eviction")
                : try Manifest.decodeBody(data, contentType: req.headers[.contentType])
            do {
                return Self.json(201, try await registry.evict(namespace: namespace ?? "default", name: n, body: body))
            } catch let refused as EvictionRefused {
                return Self.json(429, refused.status)
            }
        default:
            throw GantryError(.methodNotAllowed, "the server does not allow this method on the requested resource")
        }
    }

    /// The OpenAPI v3 documents of the custom resources' group versions, by path (`apis/stable.example.com/v1`),
    /// built again only when the catalogue changed.
    func customOpenAPIDocuments() -> [String: JSONValue] {
        let generation = registry.catalog.generation
        if let cached = customDocuments.state.withLock({ $0.generation == generation ? $0.documents : nil }) { return cached }
        let documents = buildCustomOpenAPIDocuments()
        customDocuments.state.withLock { $0 = (generation, documents) }
        return documents
    }

    func buildCustomOpenAPIDocuments() -> [String: JSONValue] {
        let custom = registry.catalog.customResources
        var byPath: [String: [ResourceInfo]] = [:]
        for r in custom where ResourceInfo.lookup(group: r.group, plural: r.plural) == nil {
            byPath["apis/\(r.group)/\(r.version)", default: []].append(r)
        }
        return byPath.mapValues { OpenAPIV3.customDocument($0) }
    }

    // MARK: - Bodies and options

    func readBody(_ req: inout Request, _ r: ResourceInfo, subresource: String? = nil) async throws -> JSONValue {
        let buf = try await req.collectBody(upTo: config.maxBodyBytes)
        let data = Data(buf.readableBytesView)
        if data.isEmpty { throw GantryError(.badRequest, "the request body is empty") }
        let ct = req.headers[.contentType]
        if KubeProtobuf.isProtobuf(contentType: ct) {
            return try KubeProtobuf.decode(data, resource: r, subresource: subresource)
        }
        do {
            return try Manifest.decodeBody(data, contentType: ct)
        } catch let e as GantryError {
            throw GantryError(.badRequest, "the body of the request was in an unknown format: \(e.message)")
        } catch {
            throw GantryError(.badRequest, "the body of the request was in an unknown format: \(error)")
        }
    }

    func readPatchBody(_ req: inout Request, _ type: PatchType) async throws -> JSONValue {
        let buf = try await req.collectBody(upTo: config.maxBodyBytes)
        let data = Data(buf.readableBytesView)
        if data.isEmpty { throw GantryError(.badRequest, "the patch body is empty") }
        do {
            return try Manifest.decodeBody(data, contentType: type == .apply ? "application/yaml" : "application/json")
        } catch let e as GantryError {
            throw GantryError(.badRequest, "the patch body is not valid: \(e.message)")
        } catch {
            throw GantryError(.badRequest, "the patch body is not valid: \(error)")
        }
    }

    func patchType(_ request: Request) throws -> PatchType {
        let ct = (request.headers[.contentType] ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces)
        } ?? ""
        guard let t = PatchType(rawValue: ct) else {
            throw GantryError(.unsupportedMediaType,
                              "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json")
        }
        return t
    }

    func writeOptions(_ q: [String: String], _ request: Request? = nil) throws -> WriteOptions {
        var o = WriteOptions()
        if let m = q["fieldManager"], !m.isEmpty {
            guard m.count <= 128, m.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f }) else {
                throw GantryError(.badRequest, "fieldManager: Invalid value: \"\(m)\": must be at most 128 printable characters")
            }
            o.fieldManager = m
        } else if let agent = request?.headers[.userAgent], !agent.isEmpty {
            // As Kubernetes: the User-Agent up to its first "/".
            o.fieldManager = String(agent.split(separator: "/", maxSplits: 1).first ?? "").prefix(128).description
        }
        if let d = q["dryRun"], !d.isEmpty {
            guard d == "All" else { throw GantryError(.badRequest, "Invalid dryRun value \"\(d)\": must be \"All\"") }
            o.dryRun = true
        }
        if let v = q["fieldValidation"], !v.isEmpty {
            guard ["Strict", "Warn", "Ignore"].contains(v) else {
                throw GantryError(.badRequest, "fieldValidation must be one of Strict, Warn, Ignore; got \"\(v)\"")
            }
            o.fieldValidation = v
        }
        return o
    }

    func deleteOptions(_ req: inout Request, _ q: [String: String]) async throws -> DeleteOptions {
        var o = DeleteOptions()
        let buf = try await req.collectBody(upTo: config.maxBodyBytes)
        if buf.readableBytes > 0 {
            let body: JSONValue
            let data = Data(buf.readableBytesView)
            if KubeProtobuf.isProtobuf(contentType: req.headers[.contentType]) {
                body = try KubeProtobuf.decode(data, resource: .pods)
            } else {
                do { body = try JSONValue.parse(data) } catch {
                    throw GantryError(.badRequest, "the DeleteOptions body is not valid JSON: \(error)")
                }
            }
            o.gracePeriodSeconds = body["gracePeriodSeconds"]?.intValue
            o.propagationPolicy = body["propagationPolicy"]?.stringValue
            if body["orphanDependents"]?.boolValue == true { o.propagationPolicy = "Orphan" }
            o.preconditionUID = body[path: ["preconditions", "uid"]]?.stringValue
            o.preconditionResourceVersion = body[path: ["preconditions", "resourceVersion"]]?.stringValue
            if let d = body["dryRun"]?.arrayValue, d.contains("All") { o.dryRun = true }
        }
        if let g = q["gracePeriodSeconds"] {
            guard let v = Int64(g), v >= 0 else { throw GantryError(.badRequest, "invalid gracePeriodSeconds \"\(g)\"") }
            o.gracePeriodSeconds = v
        }
        if let p = q["propagationPolicy"] {
            guard ["Orphan", "Background", "Foreground"].contains(p) else {
                throw GantryError(.badRequest, "propagationPolicy must be one of Orphan, Background, Foreground; got \"\(p)\"")
            }
            o.propagationPolicy = p
        }
        if q["dryRun"] == "All" { o.dryRun = true }
        if let pol = o.propagationPolicy, !["Orphan", "Background", "Foreground"].contains(pol) {
            throw GantryError(.invalid, "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"\(pol)\"")
        }
        return o
    }

    func listOptions(_ r: ResourceInfo, _ q: [String: String]) throws -> ListOptions {
        var o = ListOptions()
        if let l = q["labelSelector"], !l.isEmpty { o.labelSelector = try LabelQuery.parse(l) }
        if let f = q["fieldSelector"], !f.isEmpty {
            let fq = try FieldQuery.parse(f)
            try FieldSelectors.check(fq, resource: r)
            o.fieldSelector = fq
        }
        if let l = q["limit"], !l.isEmpty {
            guard let v = Int(l), v >= 0 else { throw GantryError(.badRequest, "invalid limit \"\(l)\"") }
            o.limit = v
        }
        o.continueToken = q["continue"]
        o.resourceVersion = q["resourceVersion"]
        return o
    }

    // MARK: - Rendering

    struct TableRequest {
        var includeObject: String
    }

    /// Whether the client asked for a `Table` (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`).
    func wantsTable(_ request: Request, _ q: [String: String]) -> TableRequest? {
        guard let accept = request.headers[.accept], accept.contains("as=Table") else { return nil }
        return TableRequest(includeObject: q["includeObject"] ?? "Metadata")
    }

    func render(_ r: ResourceInfo, _ obj: JSONValue, _ request: Request, _ q: [String: String]) throws -> Response {
        if let t = wantsTable(request, q) {
            let meta: JSONValue = ["resourceVersion": obj[path: ["metadata", "resourceVersion"]] ?? ""]
            return Self.json(200, Tables.table(r, [obj], listMeta: meta, includeObject: t.includeObject))
        }
        return Self.json(200, obj)
    }

    func listResponse(_ r: ResourceInfo, _ namespace: String?, _ q: [String: String], _ request: Request) async throws -> Response {
        let opts = try listOptions(r, q)
        let (items, rev, cont) = try await registry.list(r, namespace: namespace, options: opts)
        var meta: JSONValue = ["resourceVersion": .string(String(rev))]
        if let cont { meta["continue"] = .string(cont) }
        if let t = wantsTable(request, q) {
            return Self.json(200, Tables.table(r, items, listMeta: meta, includeObject: t.includeObject))
        }
        // Items in a list carry no apiVersion/kind of their own, as in Kubernetes.
        return Self.json(200, ["kind": .string(r.listKind), "apiVersion": .string(r.apiVersion), "metadata": meta,
                               "items": .array(items)])
    }

    // MARK: - Watch

    enum StreamItem: Sendable {
        case event(StoreEvent)
        /// Every event up to this revision has been delivered (the store's progress).
        case progress(Int64)
        case bookmark
        case end(String?)
    }

    func watchResponse(_ r: ResourceInfo, _ namespace: String?, _ name: String?, _ q: [String: String],
                       _ request: Request) async throws -> Response
    {
        var opts = try listOptions(r, q)
        if let name {
            opts.fieldSelector = try FieldQuery.parse("metadata.name=\(name)")
        }
        let bookmarks = q["allowWatchBookmarks"] == "true"
        var timeout = config.maxWatchSeconds
        if let t = q["timeoutSeconds"], let v = Int(t), v > 0 { timeout = min(v, timeout) }
        let table = wantsTable(request, q)
        let (initial, stream, start) = try await registry.watch(r, namespace: namespace, name: nil, options: opts)
        let filter = opts
        let watchSeconds = timeout
        let registry = self.registry
        let terminator = self.terminator
        let interval = config.bookmarkInterval
        let logger = self.logger
        let description = "WATCH \(request.uri)"
        let handler = self
        let scope = namespace == nil ? "cluster" : "namespace"
        let body = ResponseBody { writer in
            handler.watchStarted(r, scope: scope, 1)
            defer { handler.watchStarted(r, scope: scope, -1) }
            let (merged, cont) = AsyncStream<StreamItem>.makeStream()
            let termID = terminator.register { cont.yield(.end(nil)) }
            let requestID = terminator.started(description)
            defer {
                terminator.unregister(termID)
                terminator.finished(requestID)
            }
            var lastRevision = start
            func line(_ type: String, _ object: JSONValue) -> ByteBuffer {
                var obj = object
                if let t = table, type != "BOOKMARK", type != "ERROR" {
                    obj = Tables.table(r, [object], listMeta: ["resourceVersion": object[path: ["metadata", "resourceVersion"]] ?? ""],
                                       includeObject: t.includeObject)
                }
                var out = [UInt8]()
                JSONValue.object(["type": .string(type), "object": obj]).write(into: &out)
                out.append(0x0A)
                return ByteBuffer(bytes: out)
            }
            // A client that goes away (closes its connection) ends the watch at once: otherwise a watch whose
            // filter matches nothing more would never write, never notice, and keep filtering every change.
            try await request.body.consumeWithInboundCloseHandler({ body in
                await withTaskGroup(of: Void.self) { group in
                    // A watch has no use for a request body, but one that is not read stalls the handler that
                    // forwards it (and so the close detection).
                    group.addTask { do { for try await _ in body {} } catch {} }
                    group.addTask {
                        do {
                            for try await item in stream {
                                switch item {
                                case .event(let e): cont.yield(.event(e))
                                case .progress(let rev): cont.yield(.progress(rev))
                                }
                            }
                            cont.yield(.end(nil))
                        } catch {
                            cont.yield(.end("\(error)"))
                        }
                    }
                    group.addTask {
                        try? await Task.sleep(for: .seconds(watchSeconds))
                        cont.yield(.end(nil))
                    }
                    if bookmarks {
                        group.addTask {
                            while !Task.isCancelled {
                                do { try await Task.sleep(for: interval) } catch { return }
                                cont.yield(.bookmark)
                            }
                        }
                    }
                    do {
                        for e in initial { try await writer.write(line(e.type, e.object)) }
                        loop: for await item in merged {
                            switch item {
                            case .event(let e):
                                lastRevision = e.revision
                                if let (type, decoded) = registry.watchEvent(e, r, options: filter) {
                                    try await writer.write(table == nil ? decoded.line(type) : line(type, decoded.object))
                                }
                            case .progress(let rev):
                                // Bookmarks may name it: nothing up to it is left to send.
                                lastRevision = max(lastRevision, rev)
                            case .bookmark:
                                let obj: JSONValue = ["kind": .string(r.kind), "apiVersion": .string(r.apiVersion),
                                                      "metadata": ["resourceVersion": .string(String(lastRevision))]]
                                try await writer.write(line("BOOKMARK", obj))
                            case .end(let err):
                                if let err {
                                    let status: JSONValue = ["kind": "Status", "apiVersion": "v1", "metadata": .emptyObject,
                                                             "status": "Failure", "message": .string(err), "reason": "Expired",
                                                             "code": 410]
                                    try await writer.write(line("ERROR", status))
                                }
                                break loop
                            }
                        }
                    } catch {
                        logger.debug("watch ended", metadata: ["error": "\(error)"])
                    }
                    group.cancelAll()
                    cont.finish()
                }
            }, onInboundClosed: { cont.yield(.end(nil)) })
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    // MARK: - Scale

    func scaleObject(_ r: ResourceInfo, _ obj: JSONValue) -> JSONValue {
        let meta = obj["metadata"] ?? .emptyObject
        var selector = ""
        var specReplicas = obj[path: ["spec", "replicas"]] ?? 0
        var statusReplicas = obj[path: ["status", "replicas"]] ?? 0
        if let paths = r.custom?.scale {
            // A custom resource's scale: its own paths; the selector is a string there already.
            specReplicas = paths.specReplicas.evaluate(obj).first ?? 0
            statusReplicas = paths.statusReplicas.evaluate(obj).first ?? 0
            selector = paths.labelSelector.flatMap { $0.evaluate(obj).first?.stringValue } ?? ""
        } else if r == .replicationControllers, let m = obj[path: ["spec", "selector"]]?.objectValue {
            selector = (try? LabelQuery(LabelSelector(matchLabels: m.compactMapValues(\.stringValue))))?.description ?? ""
        } else if let sel = obj[path: ["spec", "selector"]], let ls = try? sel.decode(LabelSelector.self), let q = try? LabelQuery(ls) {
            selector = q.description
        }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": ["name": meta["name"] ?? "", "namespace": meta["namespace"] ?? "", "uid": meta["uid"] ?? "",
                         "resourceVersion": meta["resourceVersion"] ?? "", "creationTimestamp": meta["creationTimestamp"] ?? ""],
            "spec": ["replicas": specReplicas],
            "status": ["replicas": statusReplicas, "selector": .string(selector)],
        ]
    }

    func scale(_ r: ResourceInfo, _ ns: String?, _ name: String, _ method: HTTPRequest.Method, _ req: inout Request,
               _ q: [String: String]) async throws -> Response
    {
        let current = try await registry.get(r, namespace: ns, name: name)
        switch method {
        case .get:
            return Self.json(200, scaleObject(r, current))
        case .put, .patch:
            var desired: JSONValue
            if method == .put {
                desired = try await readBody(&req, r, subresource: "scale")
            } else {
                let type = try patchType(request: req)
                let body = try await readPatchBody(&req, type)
                desired = try Patch.apply(type, patch: body, to: scaleObject(r, current), resource: r, subresource: "scale")
            }
            guard let replicas = desired[path: ["spec", "replicas"]]?.intValue else {
                throw GantryError.invalid(r, name, [.required("spec.replicas")])
            }
            if replicas < 0 {
                throw GantryError(.invalid, "Scale.autoscaling \"\(name)\" is invalid: spec.replicas: Invalid value: \(replicas): must be greater than or equal to 0",
                                  fieldErrors: [.invalid("spec.replicas", Int(replicas), "must be greater than or equal to 0")],
                                  details: StatusDetails(name: name, group: "autoscaling", kind: "Scale"))
            }
            var patch: JSONValue = ["spec": ["replicas": .int(replicas)]]
            if let path = r.custom?.scale?.specReplicas.fieldPath {
                patch = .emptyObject
                patch[path: path] = .int(replicas)
            }
            if let rv = desired[path: ["metadata", "resourceVersion"]]?.stringValue, !rv.isEmpty {
                patch["metadata"] = ["resourceVersion": .string(rv)]
            }
            let out = try await registry.patch(r, namespace: ns, name: name, type: .merge, patch: patch, scope: .main,
                                               options: try writeOptions(q, req))
            return Self.json(200, scaleObject(r, out.object))
        default:
            throw GantryError(.methodNotAllowed, "the server does not allow this method on the requested resource")
        }
    }

    func patchType(request: Request) throws -> PatchType { try patchType(request) }
}

/// The custom resources' OpenAPI documents and the catalogue generation they were built at.
final class CustomDocumentCache: Sendable {
    let state = Mutex<(generation: Int, documents: [String: JSONValue])>((-1, [:]))
}
