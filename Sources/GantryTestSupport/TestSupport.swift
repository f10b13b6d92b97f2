import Foundation
import GantryAPI
import GantryClient
import GantryRuntime

/// A fresh temporary directory, removed by `cleanup()`.
public struct TempDir: Sendable {
    public let path: String

    public init(_ label: String = "gantry-test") {
        let p = NSTemporaryDirectory() + "/\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        path = p
    }

    /// A path inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    public func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Errors raised by test helpers.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Polls `condition` until it holds or `timeout` passes.
public func eventually(timeout: Duration = .seconds(10), interval: Duration = .milliseconds(20),
                       _ what: String = "condition", _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    throw TestFailure("timed out after \(timeout) waiting for \(what)")
}

/// The result of running a command to completion.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Finds an executable on PATH, or fails naming what to install.
public func requireExecutable(_ name: String, package: String) throws -> String {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    throw TestFailure("\(name) is required for this test but is not installed: install \(package)")
}

/// Runs a command to completion (with stdin text if given) and captures its output (through `ChildProcess`,
/// posix_spawn on a thread of its own; see `TestChild` for why not Foundation's `Process`).
@discardableResult
public func runCommand(_ path: String, _ args: [String], stdin: String? = nil, environment: [String: String]? = nil,
                       timeout: Duration = .seconds(60)) async throws -> CommandResult {
    let out = try await ChildProcess.run(path, args, environment: environment, stdin: Data((stdin ?? "").utf8), timeout: timeout)
    if out.timedOut { throw TestFailure("\(path) \(args.joined(separator: " ")) timed out after \(timeout)") }
    return CommandResult(status: out.status, stdout: out.stdoutText, stderr: out.stderrText)
}

/// A `gantry` process started by a test, with its log captured to a file.
public final class GantryProcess: @unchecked Sendable {
    public let process: TestChild
    public let logPath: String
    public private(set) var port: Int = 0
    /// `https` for a secured server (the default), `http` for one started with security off.
    public private(set) var scheme = "http"
    /// The admin kubeconfig the server wrote (nil for a server without security, or a process that serves nothing).
    public private(set) var kubeconfig: String?

    /// The `gantry` binary built next to the test bundle (or $GANTRY_BIN).
    public static func binary() throws -> String {
        if let b = ProcessInfo.processInfo.environment["GANTRY_BIN"] { return b }
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let p = candidate.appendingPathComponent("gantry").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw TestFailure("the gantry binary was not found next to \(dir.path); run `swift build` first or set GANTRY_BIN")
    }

    /// Starts `gantry ARGS` (inside the network namespace `netns`, if given) and waits until it logs the
    /// address it serves on (or `readyPattern`, for commands that serve nothing, such as `agent`).
    public init(_ args: [String], logPath: String, readyPattern: String? = nil, netns: String? = nil) async throws {
        self.logPath = logPath
        FileManager.default.createFile(atPath: logPath, contents: nil)
        if let netns {
            // nsenter (not `ip netns exec`, which remounts /sys and so hides the cgroup mounts runc needs)
            // enters only the network namespace and execs gantry in place, so signals reach it directly.
            process = try TestChild("/usr/bin/nsenter", ["--net=/run/netns/\(netns)", try Self.binary()] + args, output: logPath)
        } else {
            process = try TestChild(try Self.binary(), args, output: logPath)
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let readyPattern {
                if text.contains(readyPattern) { return }
            } else if let r = text.range(of: "address=http") {
                var rest = text[r.upperBound...]
                if rest.hasPrefix("s") { scheme = "https"; rest = rest.dropFirst() }
                rest = rest.dropFirst("://".count)
                let line = rest.prefix { $0 != "\n" }
                let hostPort = rest.prefix { !$0.isWhitespace }
                if let colon = hostPort.lastIndex(of: ":"), let p = Int(hostPort[hostPort.index(after: colon)...]) {
                    port = p
                    if let k = line.range(of: "kubeconfig=") {
                        kubeconfig = String(line[k.upperBound...].prefix { !$0.isWhitespace })
                    }
                    return
                }
            }
            if !process.isRunning { throw TestFailure("gantry exited early:\n\(text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw TestFailure("gantry did not start serving within 20s:\n\((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
    }

    /// `https://127.0.0.1:PORT` (`http://` for a server without security).
    public var url: String { "\(scheme)://127.0.0.1:\(port)" }

    /// A client with the admin kubeconfig's credentials (or none, for a server without security).
    public func client() throws -> GantryClient {
        guard let kubeconfig else { return GantryClient(server: url) }
        return try GantryClient(kubeconfig: kubeconfig)
    }

    /// The arguments that point kubectl (or a gantry client command) at this server as its admin.
    public var kubectlArgs: [String] { kubeconfig.map { ["--kubeconfig", $0] } ?? ["--server", url] }

    /// The environment variable that does the same for a client command (`KUBECONFIG`, else `GANTRY_SERVER`).
    public var clientEnvironment: [String: String] { kubeconfig.map { ["KUBECONFIG": $0] } ?? ["GANTRY_SERVER": url] }

    /// The server's join token (`DATA/token`, next to the kubeconfig), for agents.
    public func joinToken() throws -> String {
        guard let kubeconfig else { throw TestFailure("this gantry process wrote no kubeconfig, so no join token either") }
        let path = URL(fileURLWithPath: kubeconfig).deletingLastPathComponent().appendingPathComponent("token").path
        guard let t = try? String(contentsOfFile: path, encoding: .utf8) else { throw TestFailure("cannot read the join token \(path)") }
        return t.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The arguments that make `gantry agent` join this server: its URL and join token.
    public func agentArgs(host: String = "127.0.0.1") throws -> [String] {
        let server = "\(scheme)://\(host):\(port)"
        return kubeconfig == nil ? ["--server", server] : ["--server", server, "--token", try joinToken()]
    }

    /// Sends a signal and waits for the process to exit; returns its exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(20)) async throws -> Int32 {
        process.signal(signal)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.signal(SIGKILL)
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                let tail = log.split(separator: "\n").suffix(40).joined(separator: "\n")
                throw TestFailure("gantry did not exit within \(timeout) of signal \(signal); the end of its log:\n\(tail)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    deinit { process.signal(SIGKILL) }
}

/// Host networking a test borrows for an agent: a bridge name and a /24 pod CIDR that no route on this host
/// uses yet (a leftover bridge with the same subnet would swallow the pods' traffic), removed by `release`.
public struct TestPodNetwork: Sendable {
    public let bridge: String
    public let cidr: String

    /// Picks a free `10.<second>.N.0/24` for a bridge named `bridge`.
    public static func make(bridge: String, second: Int) async throws -> TestPodNetwork {
        let routes = try await runCommand("/sbin/ip", ["-4", "route", "show"]).stdout
        for _ in 0..<200 {
            let n = Int.random(in: 1..<255)
            let prefix = "10.\(second).\(n)."
            if !routes.contains(prefix) { return TestPodNetwork(bridge: bridge, cidr: "\(prefix)0/24") }
        }
        throw TestFailure("no free 10.\(second).N.0/24 on this host: remove leftover bridges (ip -br addr)")
    }

    /// Deletes the bridge (its pods are gone by now).
    public func release() {
        runQuietly("/sbin/ip", ["link", "del", bridge])
    }
}

/// Runs a command to its end, output discarded, failures ignored (for clean-up in `defer`, which cannot await).
public func runQuietly(_ path: String, _ args: [String]) {
    _ = try? ChildProcess.runBlocking(path, args, timeout: .seconds(120))
}

/// Removes what node agents under `dir` may have left on the host when a test failed midway and its
/// processes were killed: runc containers and their shims, overlay and volume mounts, and the network
/// namespaces their bundles name. Best effort; safe when nothing is left.
public func scrubNodeState(under dir: String) {
    let script = """
        D='\(dir)'
        for root in $(find "$D" -type d -path '*/runtime/runc' 2>/dev/null); do
          for id in $(runc --root "$root" list -q 2>/dev/null); do runc --root "$root" delete -f "$id" >/dev/null 2>&1; done
        done
        pkill -9 -f "runc-shim.*$D" 2>/dev/null
        pkill -9 -f "etcd .*--data-dir $D" 2>/dev/null  # managed etcd members outlive a killed server
        # Bundles name their pod's namespace; so do the CNI result cache and the pods' own state.
        for ns in $(grep -rhoIE '/var/run/netns/gantry-[0-9a-z-]+' "$D" 2>/dev/null | sort -u); do
          ip netns delete "$(basename "$ns")" 2>/dev/null
        done
        N=$(realpath -m "$D")  # mountinfo spells paths normalised (no "//")
        awk -v d="$N" '$5 ~ "^"d {print $5}' /proc/self/mountinfo | sort -r | while read m; do umount -l "$m" 2>/dev/null; done
        true
        """
    runQuietly("/bin/sh", ["-c", script])
}

/// Removes every iptables rule and chain Gantry's service proxy and pod routes made on this host (they
/// outlive the agent by design, so traffic keeps flowing across restarts; a test cluster is gone for good).
public func removeGantryIPTablesState() {
    let script = """
        for t in nat filter; do
          iptables-save -t $t | grep -E '^-A (PREROUTING|INPUT|OUTPUT|FORWARD|POSTROUTING) .*-j GANTRY-' | sed 's/^-A/-D/' |
            while read -r rule; do eval "iptables -w 5 -t $t $rule" 2>/dev/null; done
          for c in $(iptables-save -t $t | sed -n 's/^:\\(GANTRY-[^ ]*\\).*/\\1/p'); do iptables -w 5 -t $t -F "$c" 2>/dev/null; done
          for c in $(iptables-save -t $t | sed -n 's/^:\\(GANTRY-[^ ]*\\).*/\\1/p'); do iptables -w 5 -t $t -X "$c" 2>/dev/null; done
        done
        true
        """
    runQuietly("/bin/sh", ["-c", script])
}
