import AsyncHTTPClient
import Foundation
import GantryAPI
import GantryAuth
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOSSL
import X509

/// How the API server reaches agents' node servers: over HTTPS, presenting its `apiserver-kubelet-client` certificate
/// and verifying the agent's against the server CA, when the server is secured; plain HTTP otherwise. A renewed
/// client certificate is picked up by the next request.
public final class NodeDialer: @unchecked Sendable {
    let identity: ReloadableIdentity?
    let caPEM: String
    private let lock = NSLock()
    /// Made on first use: most API servers in tests never dial a node.
    private var client: HTTPClient?
    private var serial: Certificate.SerialNumber?
    /// Clients replaced by a renewal, kept while the dialer lives: requests may still stream through them.
    private var retired: [HTTPClient] = []

    public init(security: SecurityConfig?) throws {
        identity = security?.kubeletClient
        caPEM = security?.serverCAPEM ?? ""
        // Fail at start, not on the first request, if the identity cannot make a TLS configuration.
        if let identity { _ = try identity.clientTLSConfiguration(trusting: caPEM) }
    }

    deinit {
        // Shut down without waiting (a deinit may run on an event loop); in-flight requests fail.
        for c in retired + [client].compactMap({ $0 }) { c.shutdown { _ in } }
    }

    /// `https` when node servers are dialled with TLS.
    public var scheme: String { identity == nil ? "http" : "https" }

    private static func makeClient(identity: ReloadableIdentity?, caPEM: String) throws -> HTTPClient {
        var c = HTTPClient.Configuration()
        c.connectionPool.retryConnectionEstablishment = false
        c.timeout.connect = .seconds(5)
        if let identity { c.tlsConfiguration = try identity.clientTLSConfiguration(trusting: caPEM) }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
    }

    /// The HTTP client for the current certificate.
    var http: HTTPClient {
        get throws {
            try lock.withLock {
                if let current = client, identity == nil || identity?.keyed.certificate.serialNumber == serial {
                    return current
                }
                if let old = client { retired.append(old) }
                let fresh = try Self.makeClient(identity: identity, caPEM: caPEM)
                client = fresh
                serial = identity?.keyed.certificate.serialNumber
                return fresh
            }
        }
    }

    /// The TLS configuration of a WebSocket to a node server (nil: plain `ws://`).
    func webSocketTLS() throws -> TLSConfiguration? {
        try identity?.clientTLSConfiguration(trusting: caPEM)
    }
}

/// Forwards node-level requests (container logs) to the agent on the pod's node, as kube-apiserver does
/// with the kubelet.
enum NodeProxy {
    /// The agent endpoint (`https://IP:PORT`, or `http://` unsecured) of the node a pod runs on.
    static func endpoint(registry: Registry, dialer: NodeDialer, pod: JSONValue, name: String) async throws -> String {
        guard let node = pod[path: ["spec", "nodeName"]]?.stringValue, !node.isEmpty else {
            throw GantryError(.badRequest, "pod \(name) does not have a host assigned")
        }
        let n = try await registry.get(.nodes, namespace: nil, name: node)
        let addrs = n[path: ["status", "addresses"]]?.arrayValue ?? []
        let ip = addrs.first { $0["type"] == "InternalIP" }?["address"]?.stringValue ?? addrs.first?["address"]?.stringValue
        let port = n[path: ["status", "daemonEndpoints", "kubeletEndpoint", "Port"]]?.intValue ?? 0
        guard let ip, port > 0 else {
            throw GantryError(.unavailable, "node \(node) reports no agent endpoint")
        }
        return "\(dialer.scheme)://\(ip.contains(":") ? "[\(ip)]" : ip):\(port)"
    }

    /// `GET path` of the agent of `node`: its answer and body (for the node proxy and metrics.k8s.io).
    static func fetch(registry: Registry, dialer: NodeDialer, node: String, path: String, timeout: Duration)
        async throws -> (HTTPClientResponse, ByteBuffer)
    {
        let pseudoPod: JSONValue = ["spec": ["nodeName": .string(node)]]
        let base = try await endpoint(registry: registry, dialer: dialer, pod: pseudoPod, name: node)
        let resp: HTTPClientResponse
        do {
            resp = try await dialer.http.execute(HTTPClientRequest(url: base + path), timeout: .init(timeout))
        } catch {
            throw GantryError(.unavailable, "cannot reach the agent of node \(node) at \(base)", cause: error)
        }
        return (resp, try await resp.body.collect(upTo: 64 << 20))
    }

    /// `GET nodes/{name}/proxy/{path}`: forwards to the agent's endpoint (stats/summary, healthz).
    static func forward(registry: Registry, dialer: NodeDialer, node: String, path: String) async throws -> Response {
        guard ["/stats/summary", "/healthz"].contains(path) else {
            throw GantryError(.notFound, "the agent of node \(node) does not serve \(path)")
        }
        let (resp, body) = try await fetch(registry: registry, dialer: dialer, node: node, path: path, timeout: .seconds(30))
        return Response(status: .init(code: Int(resp.status.code)), headers: [.contentType: resp.headers.first(name: "content-type") ?? "application/json"],
                        body: ResponseBody(byteBuffer: body))
    }

    /// `GET pods/{name}/log`: picks the container, then streams the agent's answer back.
    static func logs(registry: Registry, dialer: NodeDialer, namespace: String, pod name: String,
                     query q: [String: String]) async throws -> Response {
        let pod = try await registry.get(.pods, namespace: namespace, name: name)
        let containers = ((pod[path: ["spec", "containers"]]?.arrayValue ?? []) + (pod[path: ["spec", "initContainers"]]?.arrayValue ?? []))
            .compactMap { $0["name"]?.stringValue }
        var container = q["container"] ?? ""
        if container.isEmpty {
            let main = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            if main.count == 1 {
                container = main[0]
            } else if let d = pod[path: ["metadata", "annotations", "kubectl.kubernetes.io/default-container"]]?.stringValue {
                container = d
            } else {
                throw GantryError(.badRequest, "a container name must be specified for pod \(name), choose one of: [\(main.joined(separator: " "))]")
            }
        }
        guard containers.contains(container) else {
            throw GantryError(.badRequest, "container \(container) is not valid for pod \(name)")
        }
        let base = try await endpoint(registry: registry, dialer: dialer, pod: pod, name: name)
        var params: [String] = []
        for k in ["follow", "tailLines", "sinceSeconds", "timestamps", "previous", "limitBytes"] {
            if let v = q[k] { params.append("\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? v)") }
        }
        let url = "\(base)/containerLogs/\(namespace)/\(name)/\(container)" + (params.isEmpty ? "" : "?" + params.joined(separator: "&"))
        let resp: HTTPClientResponse
        do {
            resp = try await dialer.http.execute(HTTPClientRequest(url: url), timeout: q["follow"] == "true" ? .hours(24) : .seconds(30))
        } catch {
            throw GantryError(.unavailable, "cannot reach the agent of pod \(name) at \(base)", cause: error)
        }
        if resp.status != .ok {
            let body = try await resp.body.collect(upTo: 1 << 20)
            throw GantryError(.badRequest, String(buffer: body))
        }
        let stream = resp.body
        return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody { writer in
            for try await chunk in stream { try await writer.write(chunk) }
            try await writer.finish(nil)
        })
    }
}
