import Foundation
import GantryAPI
import GantryMetrics
import GantryStore
import HTTPTypes
import Hummingbird
import NIOCore

// kube-apiserver's metrics, by its names and labels: requests by verb, resource and code with their latency,
// long-running requests (watches), objects in storage per resource, and the store's request latency (named
// `etcd_request_duration_seconds` whatever the store, as k3s' kine does), at `GET /metrics`.

extension APIHandler {
    /// The labels Kubernetes gives a request (RequestInfo): verb (upper-case, LIST/WATCH/APPLY/DELETECOLLECTION
    /// told apart), group, version, resource, subresource and scope; non-resource paths have the method as verb.
    static func requestLabels(_ request: Request) -> (verb: String, labels: [(String, String)]) {
        let path = request.uri.path
        let q = query(request)
        guard let ref = AuditLog.objectRef(path: path) else {
            return (request.method.rawValue, [("group", ""), ("resource", ""), ("scope", ""), ("subresource", ""), ("version", "")])
        }
        let named = ref["name"] != nil
        var verb = requestVerb(method: request.method, named: named, watch: q["watch"] == "true" || q["watch"] == "1").uppercased()
        switch verb {
        case "GET", "LIST", "WATCH", "DELETECOLLECTION", "DELETE", "PATCH": break
        case "CREATE": verb = "POST"
        case "UPDATE": verb = "PUT"
        default: break
        }
        if verb == "PATCH", request.headers[.contentType]?.hasPrefix("application/apply-patch") == true { verb = "APPLY" }
        let resource = ref["resource"]?.stringValue ?? ""
        let subresource = ref["subresource"]?.stringValue.map { $0.hasPrefix("proxy") ? "proxy" : $0 } ?? ""
        if subresource == "exec" || subresource == "attach" || subresource == "portforward" || subresource == "proxy" { verb = "CONNECT" }
        let scope = named ? "resource" : ref["namespace"] != nil && resource != "namespaces" ? "namespace" : "cluster"
        return (verb, [("group", ref["apiGroup"]?.stringValue ?? ""), ("resource", resource), ("scope", scope),
                       ("subresource", subresource), ("version", ref["apiVersion"]?.stringValue ?? "")])
    }

    /// Records one finished request: `apiserver_request_total` and, for requests that are not long-running,
    /// `apiserver_request_duration_seconds`.
    func measure(_ request: Request, code: Int, since start: ContinuousClock.Instant) {
        guard let metrics else { return }
        let (verb, labels) = Self.requestLabels(request)
        let dryRun = Self.query(request)["dryRun"] ?? ""
        metrics.count("apiserver_request_total", [("code", String(code)), ("component", "apiserver"), ("dry_run", dryRun)]
                      + labels + [("verb", verb)])
        if verb != "WATCH", verb != "CONNECT", Self.query(request)["follow"] != "true" {
            metrics.observe("apiserver_request_duration_seconds", [("component", "apiserver"), ("dry_run", dryRun)] + labels + [("verb", verb)],
                            ContinuousClock.now - start)
        }
    }

    /// `apiserver_longrunning_requests` and `apiserver_registered_watchers` while a watch of `r` streams.
    func watchStarted(_ r: ResourceInfo, scope: String, _ delta: Double) {
        guard let metrics else { return }
        metrics.add("apiserver_longrunning_requests", [("component", "apiserver"), ("group", r.group), ("resource", r.plural),
                                                        ("scope", scope), ("subresource", ""), ("verb", "WATCH"), ("version", r.version)], delta)
        metrics.add("apiserver_registered_watchers", [("group", r.group), ("kind", r.kind), ("version", r.version)], delta)
    }

    /// `GET /metrics`: everything recorded, with the objects in storage per resource counted now (at most every
    /// 10 s, as kube-apiserver refreshes them periodically).
    func metricsResponse() async -> Response {
        guard let metrics else { return Self.text(404, "metrics are off") }
        await storageCounts.refresh(registry: registry, metrics: metrics)
        return Response(status: .ok, headers: [.contentType: GantryMetrics.contentType],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
}

/// When the objects in storage were last counted (`apiserver_storage_objects`).
actor StorageCounts {
    private var last: ContinuousClock.Instant?

    func refresh(registry: Registry, metrics: GantryMetrics) async {
        if let last, ContinuousClock.now - last < .seconds(10) { return }
        last = .now
        var seen = Set<String>()
        for r in registry.catalog.all where r.stored && r.storedAs == nil && seen.insert(r.qualifiedName).inserted {
            guard let n = try? await registry.store.count(prefix: r.prefix(namespace: nil)) else { continue }
            metrics.set("apiserver_storage_objects", [("resource", r.qualifiedName)], Double(n))
        }
    }
}

/// The store, with each request's latency recorded as `etcd_request_duration_seconds{operation, type}` (`type`: the
/// resource a key belongs to, `/registry/pods/…` → `pods`).
public final class MeasuredStore: StateStore, CachedReads {
    /// The store measured.
    public let inner: any StateStore
    let metrics: GantryMetrics

    public init(_ inner: any StateStore, metrics: GantryMetrics) {
        self.inner = inner
        self.metrics = metrics
    }

    static func type(of key: String) -> String {
        let parts = key.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: true)
        return parts.count >= 2 ? String(parts[1]) : String(parts.first ?? "")
    }

    private func timed<T>(_ operation: String, _ key: String, _ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer {
            metrics.observe("etcd_request_duration_seconds", [("operation", operation), ("type", Self.type(of: key))], ContinuousClock.now - start)
        }
        return try await body()
    }

    public func get(_ key: String) async throws -> KeyValue? { try await timed("get", key) { try await inner.get(key) } }
    public func list(prefix: String, after: String?, limit: Int, revision: Int64?) async throws -> ListResult {
        try await timed("list", prefix) { try await inner.list(prefix: prefix, after: after, limit: limit, revision: revision) }
    }
    public func create(_ key: String, value: Data) async throws -> CreateResult {
        try await timed("create", key) { try await inner.create(key, value: value) }
    }
    public func update(_ key: String, value: Data, expectedRevision: Int64) async throws -> UpdateResult {
        try await timed("update", key) { try await inner.update(key, value: value, expectedRevision: expectedRevision) }
    }
    public func delete(_ key: String, expectedRevision: Int64?) async throws -> DeleteResult {
        try await timed("delete", key) { try await inner.delete(key, expectedRevision: expectedRevision) }
    }
    public func watch(prefix: String, fromRevision: Int64) async throws -> AsyncThrowingStream<StoreEvent, Error> {
        try await timed("watch", prefix) { try await inner.watch(prefix: prefix, fromRevision: fromRevision) }
    }
    public func watchWithProgress(prefix: String, fromRevision: Int64) async throws -> AsyncThrowingStream<WatchItem, Error> {
        try await timed("watch", prefix) { try await inner.watchWithProgress(prefix: prefix, fromRevision: fromRevision) }
    }
    public func count(prefix: String) async throws -> Int { try await timed("count", prefix) { try await inner.count(prefix: prefix) } }
    public func currentRevision() async throws -> Int64 { try await inner.currentRevision() }
    public func compactedRevision() async throws -> Int64 { try await inner.compactedRevision() }
    public func compact(revision: Int64) async throws { try await timed("compact", "") { try await inner.compact(revision: revision) } }
    public func close() async throws { try await inner.close() }

    public func serializableGet(_ key: String) async throws -> KeyValue? {
        try await timed("get", key) { try await inner.getCached(key) }
    }
    public func serializableList(prefix: String) async throws -> ListResult {
        try await timed("list", prefix) { try await inner.listCached(prefix: prefix) }
    }
    public func keepCached(prefixes: [String]) {
        (inner as? any CachedReads)?.keepCached(prefixes: prefixes)
    }
}
