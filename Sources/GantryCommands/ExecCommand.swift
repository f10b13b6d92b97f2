import ArgumentParser
import Foundation
import GantryAPI
import GantryClient
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore

struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run a command in a container of a pod.",
        discussion: "gantry exec web -- cat /etc/hostname; gantry exec -it web -- sh")
    @OptionGroup var client: ClientOptions
    @OptionGroup var target: PodTarget
    @Flag(name: [.customShort("i"), .long], help: "Pass standard input to the command.")
    var stdin = false
    @Flag(name: [.customShort("t"), .long], help: "Allocate a terminal.")
    var tty = false
    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func run() async throws {
        guard !command.isEmpty else { throw ValidationError("give the command after --, e.g. gantry exec web -- ls /") }
        let name = target.podName
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        var q = command.map { "command=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0)" }
        q += ["stdout=true", "stderr=\(!tty)", "stdin=\(stdin)", "tty=\(tty)"]
        if let container = target.container { q.append("container=\(container)") }
        let resolved: Kubeconfig
        do { resolved = try client.resolved() } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        let base = resolved.server.replacingOccurrences(of: "https://", with: "wss://").replacingOccurrences(of: "http://", with: "ws://")
        let url = base + GantryClient.path(.pods, namespace: target.namespace ?? "default", name: name, subresource: "exec") + "?" + q.joined(separator: "&")
        var config = WebSocketClientConfiguration()
        config.additionalHeaders = [HTTPField.Name("Sec-WebSocket-Protocol")!: ExecProtocol.supported.joined(separator: ", ")]
        config.maxFrameSize = 1 << 20
        if let token = resolved.credentials.token {
            config.additionalHeaders[.authorization] = "Bearer \(token)"
        }
        let tls = resolved.server.hasPrefix("https://") ? try resolved.credentials.tlsConfiguration() : nil
        if tls != nil, let host = URL(string: resolved.server)?.host, host.allSatisfy({ $0.isNumber || $0 == "." || $0 == ":" }) {
            // An IP address cannot be TLS's server name; the handshake names the API server by its in-cluster name,
            // which every API server certificate carries (the CA is still the kubeconfig's).
            config.sniHostname = "kubernetes"
        }
        var logger = Logger(label: "gantry.exec")
        logger.logLevel = .critical
        let raw = tty && isatty(0) == 1 ? RawTerminal() : nil
        defer { raw?.restore() }
        let exit = LockedExit()
        do {
            try await WebSocketClient.connect(url: url, configuration: config, tlsConfiguration: tls, logger: logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    if tty, let (w, h) = terminalSize() {
                        var b = ByteBuffer()
                        b.writeInteger(ExecProtocol.resize)
                        b.writeString("{\"Width\":\(w),\"Height\":\(h)}")
                        try await outbound.write(.binary(b))
                    }
                    if stdin {
                        group.addTask {
                            for await chunk in standardInputChunks() {
                                var b = ByteBuffer()
                                b.writeInteger(ExecProtocol.stdin)
                                b.writeBytes(chunk)
                                try await outbound.write(.binary(b))
                            }
                            var b = ByteBuffer()
                            b.writeBytes([ExecProtocol.close, ExecProtocol.stdin])
                            try await outbound.write(.binary(b))
                        }
                    }
                    var it = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    while let m = try await it.next() {
                        guard case .binary(var b) = m, let ch: UInt8 = b.readInteger() else { continue }
                        let data = Data(b.readBytes(length: b.readableBytes) ?? [])
                        switch ch {
                        case ExecProtocol.stdout: FileHandle.standardOutput.write(data)
                        case ExecProtocol.stderr: FileHandle.standardError.write(data)
                        case ExecProtocol.error:
                            let status = (try? JSONValue.parse(data)) ?? .null
                            if status["status"] == "Success" {
                                exit.set(0)
                            } else if let code = status[path: ["details", "causes"]]?.arrayValue?.first(where: { $0["reason"] == "ExitCode" })?["message"]?.stringValue.flatMap({ Int32($0) }) {
                                exit.set(code)
                            } else {
                                printError("error: \(status["message"]?.stringValue ?? "exec failed")")
                                exit.set(1)
                            }
                        default: break
                        }
                    }
                    group.cancelAll()
                }
            }
        } catch {
            raw?.restore()
            printError("error: cannot run the command in pod \(name): \(error)")
            throw ExitCode(1)
        }
        raw?.restore()
        let code = exit.value ?? 1
        if code != 0 { throw ExitCode(code) }
    }
}

final class LockedExit: @unchecked Sendable {
    private let lock = NSLock()
    private var code: Int32?
    func set(_ c: Int32) { lock.lock(); code = c; lock.unlock() }
    var value: Int32? { lock.lock(); defer { lock.unlock() }; return code }
}

/// Standard input as chunks, read on a dispatch thread.
func standardInputChunks() -> AsyncStream<[UInt8]> {
    AsyncStream { cont in
        DispatchQueue.global().async {
            var buf = [UInt8](repeating: 0, count: 32 * 1024)
            while true {
                let n = read(0, &buf, buf.count)
                if n <= 0 { break }
                cont.yield(Array(buf[0..<n]))
            }
            cont.finish()
        }
    }
}

/// The terminal's columns and rows.
func terminalSize() -> (Int, Int)? {
    var ws = winsize()
    guard ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 else { return nil }
    return (Int(ws.ws_col), Int(ws.ws_row))
}

/// Puts the local terminal in raw mode for `exec -t`, and back.
final class RawTerminal: @unchecked Sendable {
    private var saved = termios()
    private var active = false

    init() {
        guard tcgetattr(0, &saved) == 0 else { return }
        var raw = saved
        cfmakeraw(&raw)
        if tcsetattr(0, TCSANOW, &raw) == 0 { active = true }
    }

    func restore() {
        if active {
            var s = saved
            tcsetattr(0, TCSANOW, &s)
            active = false
        }
    }
}
