import Foundation
import GantryAPI
import GantryNetworkCNI
import GantryRuntime
import GantryTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Output of a helper command run by a test.
struct CommandOutput: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a command (off the cooperative pool) and returns its output; never throws for a non-zero exit.
func sh(_ args: [String], stdin: String? = nil) async throws -> CommandOutput {
    var env = ProcessInfo.processInfo.environment
    env["PATH"] = "/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin"
    let r = try await ChildProcess.run("/usr/bin/env", args, environment: env, stdin: Data((stdin ?? "").utf8))
    return CommandOutput(status: r.status, stdout: r.stdoutText, stderr: r.stderrText)
}

/// A background process (a server inside a namespace); `stop()` kills it.
final class Background: @unchecked Sendable {
    let process: TestChild
    init(_ args: [String]) throws {
        process = try TestChild("/usr/bin/env", args)
    }
    func stop() {
        process.signal(SIGKILL)
        process.waitUntilExit()
    }
}

/// Fails (never skips) when the machine cannot run the real-plugin tests, naming what is missing.
func requireCNIHost() throws {
    try #require(geteuid() == 0, "CNI integration tests need root (CAP_NET_ADMIN): run swift test as root")
    for plugin in ["bridge", "host-local", "portmap", "loopback"] {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/lib/cni/\(plugin)"),
                     "CNI plugin /usr/lib/cni/\(plugin) missing: apt-get install containernetworking-plugins")
    }
    try #require(FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/sbin/ip"),
                 "ip missing: apt-get install iproute2")
    try #require(FileManager.default.isExecutableFile(atPath: "/bin/busybox"), "/bin/busybox missing: apt-get install busybox-static")
}

func randomSuffix() -> String {
    String(UInt32.random(in: 0...0xFFFFFF), radix: 16)
}

/// One test's private network: its own bridge, a pod subnet in 10.250.X.0/24, a temporary state
/// directory. `cleanUp()` tears down every sandbox it made and deletes the bridge and the directory.
final class Fixture: @unchecked Sendable {
    let suffix = randomSuffix()
    let subnetOctet = Int.random(in: 1...254)
    let stateDir: String
    let bridge: String
    let cni: CNINetwork
    private let lock = NSLock()
    private var sandboxes: [(String, String)] = []

    /// - Parameter prefix: pod subnet prefix length (24 by default; 30 leaves exactly one pod address).
    init(prefix: Int = 24, pluginDir: String = "/usr/lib/cni", pluginTimeout: Duration = .seconds(30)) throws {
        bridge = "gt\(suffix)"
        stateDir = NSTemporaryDirectory() + "gantry-cni-test-\(suffix)"
        cni = try CNINetwork(stateDir: stateDir, pluginDir: pluginDir, bridgeName: bridge,
                             podCIDR: "10.250.\(subnetOctet).0/\(prefix)", pluginTimeout: pluginTimeout)
    }

    var subnetPrefix: String { "10.250.\(subnetOctet)." }
    var gateway: String { "10.250.\(subnetOctet).1" }

    /// A fresh sandbox ID and namespace path, remembered for clean-up.
    func newSandbox() -> (id: String, netns: String, nsName: String) {
        let id = "sb-\(suffix)-\(randomSuffix())"
        let name = "gantry-test-\(randomSuffix())"
        lock.withLock { sandboxes.append((id, "/var/run/netns/\(name)")) }
        return (id, "/var/run/netns/\(name)", name)
    }

    /// Addresses host-local currently has allocated.
    func allocatedIPs() -> [String] {
        let dir = stateDir + "/ipam/" + bridge
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.first?.isNumber == true && $0.contains(".") && !$0.hasPrefix("last_reserved") }.sorted()
    }

    /// Tears down every sandbox (recording an issue if that fails, unless `strict` is false), checks
    /// that no iptables rule of this fixture's sandboxes is left, then deletes the bridge and state.
    func cleanUp(strict: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) async {
        let all = lock.withLock { sandboxes }
        for (id, netns) in all {
            do {
                try await cni.tearDown(sandboxID: id, netns: netns, ports: [])
            } catch {
                if strict { Issue.record("tearDown of \(id) failed: \(error)", sourceLocation: sourceLocation) }
            }
            _ = try? await sh(["ip", "netns", "delete", URL(fileURLWithPath: netns).lastPathComponent])
        }
        if let nat = try? await sh(["iptables", "-t", "nat", "-S"]), nat.stdout.contains("sb-\(suffix)-") {
            Issue.record("iptables rules of this test's sandboxes were left behind:\n\(nat.stdout)", sourceLocation: sourceLocation)
        }
        _ = try? await sh(["ip", "link", "delete", bridge])
        try? FileManager.default.removeItem(atPath: stateDir)
    }
}

/// Sends an HTTP/1.0 GET with busybox nc; returns the response (empty when nothing answered).
func httpGet(_ host: String, _ port: Int) async throws -> String {
    let out = try await sh(["busybox", "nc", "-w", "3", host, String(port)], stdin: "GET / HTTP/1.0\r\n\r\n")
    return out.stdout
}

func ping(_ ip: String, inNetns ns: String? = nil) async throws -> Bool {
    var args = ["busybox", "ping", "-c", "1", "-W", "2", ip]
    if let ns { args = ["ip", "netns", "exec", ns] + args }
    return try await sh(args).status == 0
}
