import Foundation
import GantryAPI
import GantryAuth
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import HummingbirdWSClient
import Logging
import NIOCore

/// `pods/{name}/exec` over WebSocket (what kubectl 1.32 speaks first): the API server accepts the
/// upgrade and relays channel frames to the agent on the pod's node, which runs the command.
enum ExecProxy {
    /// The subprotocol prefix a browser's WebSocket carries its bearer token in (base64url, unpadded).
    static let bearerProtocolPrefix = "base64url.bearer.authorization.k8s.io."

    /// The headers with `Authorization: Bearer` taken from a `base64url.bearer.authorization.k8s.io.` subprotocol,
    /// when there is one and no Authorization header.
    static func withSubprotocolBearer(_ fields: HTTPFields) -> HTTPFields {
        guard fields[.authorization] == nil, let offered = fields[HTTPField.Name("Sec-WebSocket-Protocol")!] else { return fields }
        for p in offered.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where p.hasPrefix(bearerProtocolPrefix) {
            guard let data = ServiceAccountTokenIssuer.fromBase64URL(p.dropFirst(bearerProtocolPrefix.count)), let token = String(data: data, encoding: .utf8), !token.isEmpty else { continue }
            var out = fields
            out[.authorization] = "Bearer \(token)"
            return out
        }
        return fields
    }

    static func upgrade(_ head: HTTPRequest, registry: Registry, dialer: NodeDialer, logger: Logger) async
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        let full = head.path ?? ""
        let parts = full.split(separator: "?", maxSplits: 1)
        let segs = parts[0].split(separator: "/").map(String.init)
        // /api/v1/namespaces/{ns}/pods/{name}/exec (or attach, which runs nothing new and is not served)
        guard segs.count == 7, segs[0] == "api", segs[1] == "v1", segs[2] == "namespaces", segs[4] == "pods",
              segs[6] == "exec" else { return .dontUpgrade }
        guard let proto = ExecProtocol.negotiate(head.headerFields[HTTPField.Name("Sec-WebSocket-Protocol")!]) else {
            return .dontUpgrade
        }
        let (ns, name) = (segs[3], segs[5])
        let query = parts.count > 1 ? String(parts[1]) : ""
        let headers: HTTPFields = [HTTPField.Name("Sec-WebSocket-Protocol")!: proto]
        var target: String
        var nodeName = ""
        do {
            let pod = try await registry.get(.pods, namespace: ns, name: name)
            let containers = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            var container = query.split(separator: "&").first { $0.hasPrefix("container=") }.map { String($0.dropFirst("container=".count)) } ?? ""
            let all = containers + (pod[path: ["spec", "initContainers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            if !container.isEmpty, !all.contains(container) {
                throw GantryError(.badRequest, "container \(container) is not valid for pod \(name)")
            }
            if container.isEmpty {
                guard containers.count == 1 else {
                    throw GantryError(.badRequest, "a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]")
                }
                container = containers[0]
            }
            let base = try await NodeProxy.endpoint(registry: registry, dialer: dialer, pod: pod, name: name)
            nodeName = pod[path: ["spec", "nodeName"]]?.stringValue ?? ""
            target = base.replacingOccurrences(of: "http://", with: "ws://").replacingOccurrences(of: "https://", with: "wss://") + "/exec/\(ns)/\(name)/\(container)?\(query)"
        } catch {
            let message = (error as? GantryError)?.message ?? "\(error)"
            return .upgrade(headers) { _, outbound, _ in
                var buf = ByteBuffer()
                buf.writeInteger(ExecProtocol.error)
                buf.writeBytes(Array(ExecProtocol.failure(message).serialized()))
                try await outbound.write(.binary(buf))
                try await outbound.close(.normalClosure, reason: nil)
            }
        }
        let url = target
        let sni = nodeName
        return .upgrade(headers) { clientIn, clientOut, _ in
            var config = WebSocketClientConfiguration()
            config.additionalHeaders = [HTTPField.Name("Sec-WebSocket-Protocol")!: proto]
            config.maxFrameSize = 1 << 20
            // The node is dialled by address, which TLS cannot name: its certificate is checked for the node's name.
            config.sniHostname = sni
            do {
                try await WebSocketClient.connect(url: url, configuration: config, tlsConfiguration: try dialer.webSocketTLS(),
                                                  logger: logger) { agentIn, agentOut, _ in
                    // client → agent runs on its own: it ends only when the client closes, which must not hold
                    // up the end of the command.
                    let pump = Task {
                        var it = clientIn.messages(maxSize: 1 << 20).makeAsyncIterator()
                        while let m = try await it.next() {
                            if case .binary(let b) = m { try await agentOut.write(.binary(b)) }
                        }
                    }
                    defer { pump.cancel() }
                    var it = agentIn.messages(maxSize: 1 << 20).makeAsyncIterator()
                    while let m = try await it.next() {
                        if case .binary(let b) = m { try await clientOut.write(.binary(b)) }
                    }
                    try? await clientOut.close(.normalClosure, reason: nil)
                }
            } catch {
                var buf = ByteBuffer()
                buf.writeInteger(ExecProtocol.error)
                buf.writeBytes(Array(ExecProtocol.failure("cannot reach the agent of pod \(name): \(error)").serialized()))
                try? await clientOut.write(.binary(buf))
                try? await clientOut.close(.normalClosure, reason: nil)
            }
        }
    }
}
