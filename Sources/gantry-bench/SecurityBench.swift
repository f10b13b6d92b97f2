import AsyncHTTPClient
import CMallocStats
import Foundation
import GantryAPI
import GantryAPIServer
import GantryAuth
import GantryClient
import GantryRuntime
import NIOCore
import NIOHTTP1
import NIOSSL

// gantry-bench security: what TLS, authentication and RBAC cost on the API. Two real `gantry server` processes
// run side by side: one as shipped (HTTPS, client certificates and tokens, RBAC with `roles` Roles and
// RoleBindings loaded), one with `--insecure-disable-security` (plain HTTP, no authentication or authorization):
// the baseline. The benchmark user is not in system:masters, so every request goes through the RBAC index.

/// A `gantry server` child process for a benchmark, on loopback with its own data directory.
final class BenchGantryServer: @unchecked Sendable {
    let gantry: String
    let arguments: [String]
    let url: String
    let dataDir: String
    let logPath: String
    private(set) var pid: pid_t = 0

    /// Starts `gantry server` with `arguments` and waits until it is ready.
    init(gantry: String, dataDir: String, arguments: [String], logPath: String) async throws {
        let port = try benchFreePort()
        self.gantry = gantry
        self.dataDir = dataDir
        self.logPath = logPath
        self.arguments = ["server", "--data-dir", dataDir, "--listen", "127.0.0.1:\(port)"] + arguments
        let secure = !arguments.contains("--insecure-disable-security")
        url = "\(secure ? "https" : "http")://127.0.0.1:\(port)"
        try await start()
    }

    /// Starts the process (again, after `kill9`) and waits until /readyz answers.
    func start() async throws {
        pid = try ChildProcess.spawnDaemon(gantry, arguments, log: logPath)
        let secure = url.hasPrefix("https")
        // Ready when /readyz answers (anonymous may ask it); the kubeconfig is written before the secure one serves.
        let probe = HTTPClient(eventLoopGroupProvider: .singleton,
                               configuration: .init(certificateVerification: .none))
        for _ in 0..<1200 {
            if let r = try? await probe.execute(HTTPClientRequest(url: url + "/readyz"), timeout: .seconds(1)), r.status == .ok,
               !secure || FileManager.default.fileExists(atPath: dataDir + "/admin.kubeconfig") {
                try await probe.shutdown()
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await probe.shutdown()
        throw GantryError(.unavailable, "gantry server did not become ready; see \(logPath)")
    }

    /// Resident memory in KiB.
    var rssKiB: Int { residentKiB(pid) }

    /// SIGTERM, and waits for it to exit.
    func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        _ = ChildProcess.waitBlocking(pid)
        pid = 0
    }

    /// SIGKILL, and reaps it.
    func kill9() {
        guard pid > 0 else { return }
        kill(pid, SIGKILL)
        _ = ChildProcess.waitBlocking(pid)
        pid = 0
    }
}

/// VmRSS of a process in KiB (0 if unknown).
func residentKiB(_ pid: Int32) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for l in status.split(separator: "\n") where l.hasPrefix("VmRSS:") {
        return Int(l.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }
    return 0
}

/// The `gantry` binary beside this benchmark's (nil, having said so, when it is not built).
func siblingGantry() -> String? {
    let gantry = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path + "/gantry"
    guard FileManager.default.isExecutableFile(atPath: gantry) else { print("build gantry first: \(gantry) is missing"); return nil }
    return gantry
}

/// `count` Roles and as many RoleBindings (each to its own user) spread over namespaces of 10, as a cluster with many
/// teams has them.
func benchRBACObjects(count: Int) -> (namespaces: [String], roles: [JSONValue], bindings: [JSONValue]) {
    var namespaces: [String] = [], roles: [JSONValue] = [], bindings: [JSONValue] = []
    for i in 0..<count {
        let ns = "team-\(i / 10)"
        if i % 10 == 0 { namespaces.append(ns) }
        roles.append([
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": ["name": .string("role-\(i)"), "namespace": .string(ns)],
            "rules": [
                ["apiGroups": [""], "resources": ["pods", "pods/log", "services", "configmaps"], "verbs": ["get", "list", "watch"]],
                ["apiGroups": ["apps"], "resources": ["deployments", "deployments/scale"], "verbs": ["get", "list", "update", "patch"]],
                ["apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "delete"]],
            ],
        ])
        bindings.append([
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": ["name": .string("binding-\(i)"), "namespace": .string(ns)],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": .string("role-\(i)")],
            "subjects": [["apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": .string("user-\(i)")],
                         ["apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": .string("group-\(i % 50)")]],
        ])
    }
    return (namespaces, roles, bindings)
}

/// Bytes malloc holds for the process.
func mallocInUse() -> Int { Int(gantry_malloc_in_use()) }

func securityBenchmark(seconds: Double, roles: Int) async throws {
    guard let gantry = siblingGantry() else { return }
    let dir = NSTemporaryDirectory() + "gantry-bench-security-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }

    // The authorizer's index alone, in this process: malloc'd bytes for `roles` Roles and RoleBindings, and decisions/s.
    do {
        let (_, r, b) = benchRBACObjects(count: roles)
        let before = mallocInUse()
        let index = RBACAuthorizer()
        index.reset(clusterRoles: BootstrapPolicy.clusterRoles, roles: r, clusterRoleBindings: BootstrapPolicy.clusterRoleBindings,
                    roleBindings: b, revision: 1)
        let bytes = mallocInUse() - before
        let defaults = RBACAuthorizer()
        let beforeDefaults = mallocInUse()
        defaults.reset(clusterRoles: BootstrapPolicy.clusterRoles, roles: [], clusterRoleBindings: BootstrapPolicy.clusterRoleBindings,
                       roleBindings: [], revision: 1)
        let defaultBytes = mallocInUse() - beforeDefaults
        let users = (0..<roles).map { UserInfo(name: "user-\($0)", groups: ["group-\($0 % 50)", "system:authenticated"]) }
        let asks = [AccessRequest(verb: "list", resource: "pods", namespace: "team-3"),
                    AccessRequest(verb: "update", group: "apps", resource: "deployments", subresource: "scale", namespace: "team-7", name: "web"),
                    AccessRequest(verb: "delete", resource: "secrets", namespace: "team-1", name: "x")]
        let t0 = now()
        var allowed = 0, decisions = 0
        while now() - t0 < min(seconds, 2) {
            for i in 0..<1000 {
                if index.authorize(users[(i * 7919) % users.count], asks[i % asks.count]).allowed { allowed += 1 }
            }
            decisions += 1000
        }
        let counts = index.counts
        print(String(format: "rbac_index roles=%d bindings=%d bytes=%d bytes_per_role_and_binding=%.0f defaults_only_bytes=%d decisions_per_second=%.0f allowed=%d",
                     counts.roles, counts.bindings, bytes, Double(bytes - defaultBytes) / Double(max(1, roles)), defaultBytes,
                     Double(decisions) / (now() - t0), allowed))
        withExtendedLifetime((index, defaults, r, b)) {}
    }

    try "bench-token,bench,3001,bench-group\n".write(toFile: dir + "/tokens.csv", atomically: true, encoding: .utf8)
    let secure = try await BenchGantryServer(gantry: gantry, dataDir: dir + "/secure", arguments: ["--no-controllers", "--token-auth-file", dir + "/tokens.csv"],
                                             logPath: dir + "/secure.log")
    defer { secure.stop() }
    let plain = try await BenchGantryServer(gantry: gantry, dataDir: dir + "/plain", arguments: ["--no-controllers", "--insecure-disable-security"],
                                            logPath: dir + "/plain.log")
    defer { plain.stop() }

    // The secure server: the RBAC objects, and the benchmark user (a client certificate, and a token) bound to edit.
    let admin = try GantryClient(kubeconfig: secure.dataDir + "/admin.kubeconfig")
    let rssBefore = secure.rssKiB
    let (namespaces, r, b) = benchRBACObjects(count: roles)
    for ns in namespaces { _ = try await admin.create(.namespaces, namespace: nil, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]]) }
    for o in r { _ = try await admin.create(.roles, namespace: o[path: ["metadata", "namespace"]]?.stringValue, o) }
    for o in b { _ = try await admin.create(.roleBindings, namespace: o[path: ["metadata", "namespace"]]?.stringValue, o) }
    print("secure_server_rss_kib before_rbac=\(rssBefore) after_\(roles)_roles_and_bindings=\(secure.rssKiB)")
    _ = try await admin.create(.roleBindings, namespace: "default", [
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "bench-edit"],
        "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"],
        "subjects": [["apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "bench"]],
    ])
    let pki = try ClusterPKI.loadOrCreate(directory: secure.dataDir + "/pki")
    let (keyed, _) = try pki.clientCertificate(name: "bench-user", user: "bench", groups: ["bench-group"])
    let byCert = try GantryClient(server: secure.url, credentials: ClientCredentials(
        caPEM: pki.serverCAPEM, certificatePEM: keyed.certificatePEM, keyPEM: keyed.keyPEM))
    let byToken = try GantryClient(server: secure.url, credentials: ClientCredentials(caPEM: pki.serverCAPEM, token: "bench-token"))
    let open = GantryClient(server: plain.url)
    // Both have the same objects to list.
    for c in [byCert, open] {
        for i in 0..<100 { _ = try await c.create(.configMaps, namespace: "default", configMap("l\(i)")) }
    }
    // A denied request is a 403, so the benchmark user really is limited.
    do {
        _ = try await byCert.list(.secrets, namespace: "team-0")
        print("error: the benchmark user may list secrets in team-0; RBAC is not in the path")
    } catch let e as GantryError where e.code == .forbidden {}
    print("servers: secure=\(secure.url) (TLS 1.3, client certificate or token, RBAC) insecure=\(plain.url) (--insecure-disable-security) seconds_per_case=\(seconds)")

    // Client and servers share this machine's cores, so throughput also pays the client's side of TLS; the
    // server's CPU time per request (from /proc) is the server's cost alone.
    var results: [String: (ops: Double, p99: Double, cpu: Double)] = [:]
    func run(_ name: String, _ client: GantryClient, server: BenchGantryServer, clients: Int,
             _ op: @escaping @Sendable (GantryClient, Int, Int) async throws -> Void) async {
        let cpu0 = processCPUMilliseconds(server.pid)
        let (ops, secs, stats) = await drive(clients: clients, seconds: seconds) { c, n in try await op(client, c, n) }
        let cpu = (processCPUMilliseconds(server.pid) - cpu0) * 1000 / Double(max(1, ops))
        line(name, clients: clients, ops: ops, seconds: secs, stats: stats)
        print(String(format: "%-28@ server_cpu_us_per_op=%.0f", name as NSString, cpu))
        results[name] = (Double(ops) / secs, stats.percentile(0.99), cpu)
    }
    let cases: [(String, @Sendable (GantryClient, Int, Int) async throws -> Void)] = [
        ("create", { c, w, n in _ = try await c.create(.configMaps, namespace: "default", configMap("b-\(UUID().uuidString.prefix(8).lowercased())-\(w)-\(n)")) }),
        ("get", { c, _, n in _ = try await c.get(.configMaps, namespace: "default", name: "l\(n % 100)") }),
        ("list_100", { c, _, _ in _ = try await c.list(.configMaps, namespace: "default", labelSelector: "bench=yes", limit: 100) }),
    ]
    for (name, op) in cases {
        // Interleaved, so that drift of a noisy machine falls on both sides alike.
        await run("insecure_\(name)", open, server: plain, clients: 16, op)
        await run("secure_cert_\(name)", byCert, server: secure, clients: 16, op)
        await run("secure_token_\(name)", byToken, server: secure, clients: 16, op)
    }
    for (name, _) in cases {
        guard let base = results["insecure_\(name)"] else { continue }
        for kind in ["cert", "token"] {
            guard let s = results["secure_\(kind)_\(name)"] else { continue }
            print(String(format: "ratio_secure_%@_%@ clients=16 throughput_loss_percent=%.1f p99_ratio=%.2f server_cpu_ratio=%.2f",
                         kind, name, (1 - s.ops / base.ops) * 100, s.p99 / max(base.p99, 1e-9), s.cpu / max(base.cpu, 1e-9)))
        }
    }

    // New connections: every request on a fresh connection (Connection: close), TLS handshake included on the secure
    // server; the plain server's figure is the TCP-and-HTTP floor.
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pki.serverCAPEM.utf8)))
    var cfg = HTTPClient.Configuration(tlsConfiguration: tls)
    cfg.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
    let fresh = HTTPClient(eventLoopGroupProvider: .singleton, configuration: cfg)
    for (name, url) in [("new_connection_plain_http", plain.url), ("new_connection_tls_handshake", secure.url)] {
        let (ops, secs, stats) = await drive(clients: 16, seconds: seconds) { _, _ in
            var req = HTTPClientRequest(url: url + "/healthz")
            req.headers.add(name: "Connection", value: "close")
            let resp = try await fresh.execute(req, timeout: .seconds(10))
            _ = try await resp.body.collect(upTo: 1 << 16)
            guard resp.status == .ok else { throw GantryError(.internalError, "/healthz answered \(resp.status.code)") }
        }
        line(name, clients: 16, ops: ops, seconds: secs, stats: stats)
    }
    try await fresh.shutdown()
    print("server_rss_kib secure=\(secure.rssKiB) insecure=\(plain.rssKiB)")
}
