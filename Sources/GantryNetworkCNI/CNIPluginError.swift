import Foundation

/// The error a CNI plugin reported (CNI spec "Error" object: `code`, `msg`, `details`), kept as the
/// `cause` of the `GantryError` that `CNINetwork` throws.
public struct CNIPluginError: Error, Sendable, CustomStringConvertible {
    /// Plugin type (`bridge`, `portmap`, `loopback`, ...).
    public var plugin: String
    /// `ADD`, `DEL` or `CHECK`.
    public var command: String
    /// CNI error code (1–99 are reserved by the spec, e.g. 7 = invalid network config, 11 = try again later).
    public var code: Int
    /// The plugin's message.
    public var msg: String
    public var details: String?

    public var description: String {
        var s = "CNI \(plugin) \(command): code \(code): \(msg)"
        if let details, !details.isEmpty { s += " (\(details))" }
        return s
    }
}

/// Invokes one CNI plugin binary as the CNI spec's execution protocol describes: parameters in
/// `CNI_*` environment variables, the network configuration on stdin, the result (or an error
/// object) on stdout.
struct PluginExecutor: Sendable {
    var pluginDir: String
    var timeout: Duration

    struct Call: Sendable {
        var command: String
        var containerID: String
        /// Empty for a DEL whose namespace is already gone (allowed by the spec).
        var netns: String
        var ifName: String
        var args: [(String, String)]
    }

    /// Runs the plugin named by `config["type"]`; returns its parsed stdout (the result for ADD,
    /// nil when the plugin printed nothing, as DEL and CHECK do).
    func invoke(_ config: JSONValue, _ call: Call) async throws(CNIInvocationError) -> JSONValue? {
        let type = config["type"]?.string ?? "?"
        let path = pluginDir + "/" + type
        var env: [String: String] = [
            "CNI_COMMAND": call.command,
            "CNI_CONTAINERID": call.containerID,
            "CNI_NETNS": call.netns,
            "CNI_IFNAME": call.ifName,
            "CNI_PATH": pluginDir,
            "CNI_ARGS": call.args.map { "\($0.0)=\($0.1)" }.joined(separator: ";"),
        ]
        // Plugins shell out to iptables, ip6tables, ... .
        let inherited = ProcessInfo.processInfo.environment["PATH"] ?? ""
        env["PATH"] = (inherited.isEmpty ? "" : inherited + ":") + "/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin"
        let stdin: Data
        do { stdin = try config.encoded() } catch { throw .init(type, call.command, code: 0, msg: "cannot encode configuration: \(error)") }
        let out: ProcessOutput
        do {
            out = try await ProcessRunner.run(path, [], environment: env, stdin: stdin, timeout: timeout)
        } catch {
            throw .init(type, call.command, code: 0, msg: "cannot run \(path): \(error)")
        }
        if out.timedOut {
            throw .init(type, call.command, code: 0,
                        msg: "plugin \(path) did not finish within \(timeout) and was killed", timedOut: true)
        }
        let trimmed = out.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        if out.status != 0 {
            if let err = try? JSONValue.decode(out.stdout), let msg = err["msg"]?.string {
                throw .init(type, call.command, code: err["code"]?.int ?? 0, msg: msg, details: err["details"]?.string)
            }
            let text = [trimmed, out.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)]
                .filter { !$0.isEmpty }.joined(separator: "; ")
            throw .init(type, call.command, code: 0,
                        msg: "exited with status \(out.status)" + (text.isEmpty ? "" : ": \(text)"))
        }
        if trimmed.isEmpty { return nil }
        do {
            return try JSONValue.decode(out.stdout)
        } catch {
            throw .init(type, call.command, code: 0, msg: "printed a result that is not JSON: \(trimmed.prefix(200))")
        }
    }
}

/// A failed plugin invocation, before it is given pod context.
struct CNIInvocationError: Error {
    var error: CNIPluginError
    var timedOut: Bool
    init(_ plugin: String, _ command: String, code: Int, msg: String, details: String? = nil, timedOut: Bool = false) {
        error = CNIPluginError(plugin: plugin, command: command, code: code, msg: msg, details: details)
        self.timedOut = timedOut
    }
}
