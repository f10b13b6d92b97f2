import Foundation
import GantryAPI
import GantryRuntime
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore

/// Serves `exec` on the agent endpoint over WebSocket with the Kubernetes channel protocol:
/// `GET /exec/{namespace}/{pod}/{container}?command=...&stdin=true&tty=true`.
enum ExecServer {
    /// Decides whether a request is an exec upgrade and, if so, returns its handler.
    static func upgrade(_ head: HTTPRequest, pods: PodManager, runtime: any ContainerRuntime, logger: Logger) async
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        let full = head.path ?? ""
        let parts = full.split(separator: "?", maxSplits: 1)
        let segs = parts[0].split(separator: "/").map(String.init)
        guard segs.count == 4, segs[0] == "exec" else { return .dontUpgrade }
        let query = parts.count > 1 ? String(parts[1]) : ""
        let (ns, pod, container) = (segs[1], segs[2], segs[3])
        let q = ExecQuery(query)
        guard let proto = ExecProtocol.negotiate(head.headerFields[HTTPField.Name("Sec-WebSocket-Protocol")!]) else {
            return .dontUpgrade
        }
        let id = await pods.runtimeID(namespace: ns, pod: pod, container: container)
        return .upgrade([HTTPField.Name("Sec-WebSocket-Protocol")!: proto]) { inbound, outbound, _ in
            guard let id else {
                try await sendStatus(outbound, ExecProtocol.failure("container \(container) is not running in pod \(ns)/\(pod)"))
                return
            }
            var spec = ExecSpec(args: q.command)
            spec.tty = q.tty
            spec.stdin = q.stdin
            let session: ExecSession
            do {
                guard !q.command.isEmpty else { throw GantryError(.badRequest, "you must specify at least one command for the container") }
                session = try await runtime.exec(id, spec)
            } catch {
                try await sendStatus(outbound, ExecProtocol.failure("\(error)"))
                return
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var it = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    while let message = try await it.next() {
                        guard case .binary(var buf) = message, let channel: UInt8 = buf.readInteger() else { continue }
                        let payload = buf.readBytes(length: buf.readableBytes) ?? []
                        switch channel {
                        case ExecProtocol.stdin:
                            session.stdin?.yield(payload)
                        case ExecProtocol.resize:
                            if let size = try? JSONValue.parse(Data(payload)), let w = size["Width"]?.intValue, let h = size["Height"]?.intValue {
                                await session.resize(UInt16(clamping: w), UInt16(clamping: h))
                            }
                        case ExecProtocol.close where payload.first == ExecProtocol.stdin:
                            session.stdin?.finish()
                        default: break
                        }
                    }
                    session.stdin?.finish()
                }
                for await (stream, bytes) in session.output {
                    var buf = ByteBuffer()
                    buf.writeInteger(UInt8(stream == 2 && !q.tty ? 2 : 1))
                    buf.writeBytes(bytes)
                    try await outbound.write(.binary(buf))
                }
                let code = try await session.wait()
                try await sendStatus(outbound, ExecProtocol.exitStatus(code))
                group.cancelAll()
            }
            logger.debug("exec finished", metadata: ["pod": "\(ns)/\(pod)", "container": "\(container)"])
        }
    }

    static func sendStatus(_ out: WebSocketOutboundWriter, _ status: JSONValue) async throws {
        var buf = ByteBuffer()
        buf.writeInteger(ExecProtocol.error)
        buf.writeBytes(Array(status.serialized()))
        try await out.write(.binary(buf))
        try await out.close(.normalClosure, reason: nil)
    }
}

/// The query of an exec request: repeated `command`, and the stream flags.
struct ExecQuery {
    var command: [String] = []
    var stdin = false
    var tty = false
    var container: String?

    init(_ query: String) {
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = String(kv[0])
            let v = kv.count > 1 ? (String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[1])) : ""
            switch k {
            case "command": command.append(v)
            case "stdin", "input": stdin = v == "true" || v == "1"
            case "tty": tty = v == "true" || v == "1"
            case "container": container = v
            default: break
            }
        }
    }
}
