import Foundation
import GantryAPI
import GantryClient

/// `gantry dev` for a benchmark, in a temporary directory with its own bridge and pod CIDR and the demo image
/// imported into its node; `stop()` ends it and removes its bridge, its proxy rules and the directory.
final class BenchDevCluster {
    let dir: String
    let client: GantryClient
    let process: Process
    let bridge: String
    /// The cluster's log, for a look when a figure is odd.
    let logPath: String

    /// Starts the cluster (nil, having said why, when the gantry binary is not built).
    static func start(name: String, bridge: String, podCIDR: String, extraArguments: [String] = []) async throws -> BenchDevCluster? {
        let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let gantry = binDir + "/gantry"
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        guard FileManager.default.isExecutableFile(atPath: gantry) else { print("build gantry first: \(gantry) is missing"); return nil }
        let dir = NSTemporaryDirectory() + "gantry-bench-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let state = dir + "/state"
        let port = 16_000 + Int.random(in: 0..<4000)
        let dev = Process()
        dev.executableURL = URL(fileURLWithPath: gantry)
        dev.arguments = ["dev", "--data-dir", state, "--listen", "127.0.0.1:\(port)", "--node-name", "bench", "--bridge", bridge,
                         "--pod-cidr", podCIDR, "--agent-port", "0"] + extraArguments
        // GANTRY_BENCH_LOG_LEVEL=debug puts the agent's per-pod timings (sandbox, rootfs, create, start) in the log.
        if let level = ProcessInfo.processInfo.environment["GANTRY_BENCH_LOG_LEVEL"] { dev.arguments! += ["--log-level", level] }
        let logPath = NSTemporaryDirectory() + "/gantry-bench-\(name)-dev.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)
        dev.standardOutput = log
        dev.standardError = log
        try dev.run()
        // The server writes its admin kubeconfig once it serves; the benchmark talks to it as the admin, over TLS.
        let kubeconfig = state + "/server/admin.kubeconfig"
        try? FileManager.default.removeItem(atPath: kubeconfig)
        for _ in 0..<400 where !FileManager.default.fileExists(atPath: kubeconfig) { try await Task.sleep(for: .milliseconds(50)) }
        let cluster = BenchDevCluster(dir: dir, client: try GantryClient(kubeconfig: kubeconfig), process: dev, bridge: bridge,
                                      logPath: logPath)
        sh("'\(repo)/scripts/build-demo-image.sh' '\(dir)/busybox.tar' && '\(gantry)' image import --data-dir '\(state)/agent' '\(dir)/busybox.tar'")
        for _ in 0..<200 {
            if let n = try? await cluster.client.get(.nodes, namespace: nil, name: "bench"),
               n[path: ["status", "conditions"]]?.arrayValue?.contains(where: { $0["type"] == "Ready" && $0["status"] == "True" }) == true { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return cluster
    }

    init(dir: String, client: GantryClient, process: Process, bridge: String, logPath: String) {
        self.dir = dir
        self.client = client
        self.process = process
        self.bridge = bridge
        self.logPath = logPath
    }

    func stop() {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        sh("ip link delete \(bridge) 2>/dev/null")
        // The proxy leaves its rules for a restart; this cluster is gone for good.
        sh("""
            for t in nat filter; do
              iptables-save -t $t | grep -E '^-A [A-Z]+ .*-j GANTRY-' | sed 's/^-A/-D/' | while read -r r; do eval "iptables -t $t $r"; done
              for c in $(iptables-save -t $t | sed -n 's/^:\\(GANTRY-[^ ]*\\).*/\\1/p'); do iptables -t $t -F $c; done
              for c in $(iptables-save -t $t | sed -n 's/^:\\(GANTRY-[^ ]*\\).*/\\1/p'); do iptables -t $t -X $c; done
            done
            """)
        sh("rm -rf '\(dir)'")
    }
}
