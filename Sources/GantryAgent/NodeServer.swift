import Foundation
import GantryMetrics
import GantryAPI
import GantryRuntime
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// Reads container logs in the CRI format (`TIMESTAMP STREAM P|F TEXT` per line).
public enum CRILog {
    /// One decoded entry: when, which stream, the text (a whole line with its newline, or a part).
    public struct Entry: Sendable, Equatable {
        public var time: String
        public var stream: String
        public var text: String
        public var partial: Bool
    }

    /// Parses one CRI log line (without its newline).
    public static func parse(_ line: Substring) -> Entry? {
        let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        let text = parts.count == 4 ? String(parts[3]) : ""
        return Entry(time: String(parts[0]), stream: String(parts[1]), text: text, partial: parts[2] == "P")
    }

    /// Options of a log request (`kubectl logs` flags).
    public struct Options: Sendable {
        public var tailLines: Int?
        public var sinceSeconds: Int?
        public var timestamps = false
        public var limitBytes: Int?
        public init() {}
    }

    /// Renders log file content as `kubectl logs` shows it.
    public static func render(_ content: String, _ o: Options, now: Date = Date()) -> String {
        var lines: [String] = []
        var pending = ""
        var pendingTime = ""
        let cutoff = o.sinceSeconds.map { now.addingTimeInterval(-Double($0)) }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for raw in content.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let e = parse(raw) else { continue }
            if let cutoff {
                let t = String(e.time.prefix(23)) + "Z"
                if let d = f.date(from: t), d < cutoff { continue }
            }
            if pending.isEmpty { pendingTime = e.time }
            pending += e.text
            if !e.partial {
                lines.append((o.timestamps ? pendingTime + " " : "") + pending + "\n")
                pending = ""
            }
        }
        if !pending.isEmpty { lines.append((o.timestamps ? pendingTime + " " : "") + pending) }
        if let t = o.tailLines { lines = Array(lines.suffix(max(0, t))) }
        var out = lines.joined()
        if let limit = o.limitBytes, out.utf8.count > limit { out = String(decoding: Array(out.utf8.prefix(limit)), as: UTF8.self) }
        return out
    }
}

/// The agent's own HTTP endpoint (the kubelet API's role): container logs, read by the API server's
/// `pods/{name}/log` proxy.
public struct NodeServer: ServiceLifecycle.Service {
    let pods: PodManager
    let runtime: any ContainerRuntime
    let host: String
    let port: Int
    let logger: Logger
    /// TLS and who may call (nil: plain HTTP, open to anyone who reaches it; only for an unsecured cluster).
    let security: NodeServerSecurity?
    let onRunning: @Sendable (Int) async -> Void

    public init(pods: PodManager, runtime: any ContainerRuntime, host: String, port: Int, security: NodeServerSecurity? = nil,
                logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.security = security
        self.pods = pods
        self.runtime = runtime
        self.host = host
        self.port = port
        self.logger = logger
        self.onRunning = onRunning
    }

    public func run() async throws {
        let router = Router(context: NodeRequestContext.self)
        if let security { router.add(middleware: NodeAuthMiddleware(security: security)) }
        let pods = self.pods
        router.get("/healthz") { _, _ in "ok" }
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: GantryMetrics.contentType],
                     body: .init(byteBuffer: ByteBuffer(bytes: await pods.kubeletMetrics())))
        }
        router.get("/metrics/cadvisor") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: GantryMetrics.contentType],
                     body: .init(byteBuffer: ByteBuffer(string: await pods.cadvisorMetrics())))
        }
        router.get("/stats/summary") { _, _ -> Response in
            var out = [UInt8]()
            await pods.summary().write(into: &out)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: out)))
        }
        router.get("/containerLogs/:namespace/:pod/:container") { request, context -> Response in
            let ns = context.parameters.get("namespace") ?? ""
            let pod = context.parameters.get("pod") ?? ""
            let container = context.parameters.get("container") ?? ""
            let q = request.uri.queryParameters
            var o = CRILog.Options()
            o.tailLines = q.get("tailLines").flatMap { Int($0) }
            o.sinceSeconds = q.get("sinceSeconds").flatMap { Int($0) }
            o.timestamps = q.get("timestamps") == "true"
            o.limitBytes = q.get("limitBytes").flatMap { Int($0) }
            let previous = q.get("previous") == "true"
            let follow = q.get("follow") == "true"
            guard let file = pods.logFile(namespace: ns, pod: pod, container: container, previous: previous) else {
                let msg = previous ? "previous terminated container \"\(container)\" in pod \"\(pod)\" not found"
                    : "container \"\(container)\" in pod \"\(pod)\" has no logs yet"
                return Response(status: .badRequest, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: msg)))
            }
            let initial = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            let first = CRILog.render(initial, o)
            let opts = o
            if !follow {
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: first)))
            }
            let body = ResponseBody { writer in
                try await writer.write(ByteBuffer(string: first))
                var offset = initial.utf8.count
                var follow = opts
                follow.tailLines = nil
                follow.sinceSeconds = nil
                var idle = 0
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(100))
                    let content = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                    let bytes = Array(content.utf8)
                    if bytes.count < offset { offset = 0 }  // rotated
                    if bytes.count > offset {
                        // Only whole lines.
                        if let lastNL = bytes[offset...].lastIndex(of: 0x0A) {
                            let chunk = String(decoding: bytes[offset...lastNL], as: UTF8.self)
                            try await writer.write(ByteBuffer(string: CRILog.render(chunk, follow)))
                            offset = lastNL + 1
                            idle = 0
                            continue
                        }
                    }
                    idle += 1
                    if idle > 5, await !pods.isRunning(namespace: ns, pod: pod, container: container) { break }
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: body)
        }
        let onRunning = self.onRunning
        let runtime = self.runtime
        let logger = self.logger
        let security = self.security
        let base = HTTPServerBuilder.http1WebSocketUpgrade { head, channel, _ in
            // Without the right credentials the request is not upgraded; the router's middleware answers it.
            if let security, await security.check(headers: head.headerFields, channel: channel, verb: "create") != nil {
                return .dontUpgrade
            }
            return await ExecServer.upgrade(head, pods: pods, runtime: runtime, logger: logger)
        }
        let app = Application(router: router,
                              server: try security?.serverBuilder(base) ?? base,
                              configuration: .init(address: .hostname(host, port: port), serverName: nil),
                              onServerRunning: { ch in await onRunning(ch.localAddress?.port ?? 0) }, logger: logger)
        // `run()`, not `runService()`: the latter traps SIGTERM itself and would stop before the pod workers.
        // On graceful shutdown, followed logs and exec sessions (which do not end by themselves) and idle
        // connections get a second, then the server is cancelled; it runs in a task of its own so a connection
        // that ignores cancellation cannot keep the agent from exiting.
        let server = Task { try await app.run() }
        let done = LockedValue(false)
        let (exited, exit) = AsyncStream<Void>.makeStream()
        Task {
            _ = await server.result
            done.value = true
            exit.finish()
        }
        // Until shutdown begins, or the server stops by itself (an error such as a port in use, thrown below).
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in exited {} }
            group.addTask { try? await gracefulShutdown() }
            _ = await group.next()
            group.cancelAll()
        }
        if done.value { return try await server.value }
        for _ in 0..<20 where !done.value { try? await Task.sleep(for: .milliseconds(50)) }
        server.cancel()
        for _ in 0..<40 where !done.value { try? await Task.sleep(for: .milliseconds(50)) }
    }
}
