import AsyncHTTPClient
import Foundation
import GantryAPI
import Hummingbird
import NIOCore
import NIOHTTP1

/// Forwards node-level requests (container logs) to the agent on the pod's node, as kube-apiserver does
/// with the kubelet.
enum NodeProxy {
    static let http: HTTPClient = {
        var c = HTTPClient.Configuration()
        c.connectionPool.retryConnectionEstablishment = false
        c.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
    }()

    /// The agent endpoint (`http://IP:PORT`) of the node a pod runs on.
    static func endpoint(registry: Registry, pod: JSONValue, name: String) async throws -> String {
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
        return "http://\(ip.contains(":") ? "[\(ip)]" : ip):\(port)"
    }

    /// `GET nodes/{name}/proxy/{path}`: forwards to the agent's endpoint (stats/summary, healthz).
    static func forward(registry: Registry, node: String, path: String) async throws -> Response {
        guard ["/stats/summary", "/healthz"].contains(path) else {
            throw GantryError(.notFound, "the agent of node \(node) does not serve \(path)")
        }
        let pseudoPod: JSONValue = ["spec": ["nodeName": .string(node)]]
        let base = try await endpoint(registry: registry, pod: pseudoPod, name: node)
        let resp: HTTPClientResponse
        do {
            resp = try await http.execute(HTTPClientRequest(url: base + path), timeout: .seconds(30))
        } catch {
            throw GantryError(.unavailable, "cannot reach the agent of node \(node) at \(base)", cause: error)
        }
        let body = try await resp.body.collect(upTo: 64 << 20)
        return Response(status: .init(code: Int(resp.status.code)), headers: [.contentType: resp.headers.first(name: "content-type") ?? "application/json"],
                        body: ResponseBody(byteBuffer: body))
    }

    /// `GET pods/{name}/log`: picks the container, then streams the agent's answer back.
    static func logs(registry: Registry, namespace: String, pod name: String, query q: [String: String]) async throws -> Response {
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
        let base = try await endpoint(registry: registry, pod: pod, name: name)
        var params: [String] = []
        for k in ["follow", "tailLines", "sinceSeconds", "timestamps", "previous", "limitBytes"] {
            if let v = q[k] { params.append("\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? v)") }
        }
        let url = "\(base)/containerLogs/\(namespace)/\(name)/\(container)" + (params.isEmpty ? "" : "?" + params.joined(separator: "&"))
        let resp: HTTPClientResponse
        do {
            resp = try await http.execute(HTTPClientRequest(url: url), timeout: q["follow"] == "true" ? .hours(24) : .seconds(30))
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
