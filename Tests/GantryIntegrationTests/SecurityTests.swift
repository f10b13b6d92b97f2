import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// A secured `gantry server` as users and agents meet it: TLS with its own CA, the admin kubeconfig it writes,
/// 401 without credentials, static and bootstrap tokens, client certificates through CertificateSigningRequests,
/// and agents that check the join token's CA pin before they send anything.
@Suite("secure by default", .serialized)
struct SecurityTests {
    static let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"]

    /// `curl -sk` (the server's CA is not trusted here, on purpose): the HTTP status and body.
    static func curl(_ url: String, _ extra: [String] = []) async throws -> (code: Int, body: String) {
        let curl = try requireExecutable("curl", package: "curl")
        let r = try await runCommand(curl, ["-sk", "-o", "-", "-w", "\n%{http_code}"] + extra + [url], environment: env)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test func authenticationAndCertificates() async throws {
        let dir = TempDir("gantry-sec")
        defer { dir.cleanup() }
        try "s3cr3t-token,alice,1001,\"devs,qa\"\n".write(toFile: dir.file("tokens.csv"), atomically: true, encoding: .utf8)
        let server = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0",
                                              "--token-auth-file", dir.file("tokens.csv")], logPath: dir.file("server.log"))
        #expect(server.scheme == "https")
        let kubeconfig = try #require(server.kubeconfig)
        let mode = try FileManager.default.attributesOfItem(atPath: kubeconfig)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // No credentials: 401 with a Status, except on the public paths.
        let pods = try await Self.curl(server.url + "/api/v1/pods")
        #expect(pods.code == 401)
        let status = try JSONValue.parse(Data(pods.body.utf8))
        #expect(status["kind"] == "Status" && status["reason"] == "Unauthorized" && status["code"] == 401)
        #expect(try await Self.curl(server.url + "/version").code == 200)
        #expect(try await Self.curl(server.url + "/readyz").code == 200)
        #expect(try await Self.curl(server.url + "/cacerts").body.contains("BEGIN CERTIFICATE"))
        // Plain HTTP is not served at all.
        #expect(try await Self.curl("http://127.0.0.1:\(server.port)/version").code != 200)

        // Tokens: the static file's user, the join token's bootstrap user; anything else is 401.
        let alice = try await Self.curl(server.url + "/api/v1/namespaces", ["-H", "Authorization: Bearer s3cr3t-token"])
        #expect(alice.code == 200, "\(alice.body)")
        #expect(try await Self.curl(server.url + "/api/v1/namespaces", ["-H", "Authorization: Bearer wrong"]).code == 401)
        let join = try server.joinToken()
        #expect(join.hasPrefix("K10") && join.contains("::"))
        let bearer = String(join.split(separator: ":").last ?? "")
        #expect(try await Self.curl(server.url + "/api/v1/nodes", ["-H", "Authorization: Bearer \(bearer)"]).code == 200)
        #expect(try await Self.curl(server.url + "/api/v1/nodes", ["-H", "Authorization: Bearer \(bearer.dropLast())x"]).code == 401)

        // The admin kubeconfig works for kubectl with no other flags, and verifies the server against its CA.
        let kubectl = try requireExecutable("kubectl", package: "kubectl")
        let kenv = Self.env.merging(["KUBECONFIG": kubeconfig, "HOME": dir.path]) { a, _ in a }
        let ns = try await runCommand(kubectl, ["get", "ns", "-o", "name"], environment: kenv)
        #expect(ns.stdout.contains("namespace/kube-system"), "\(ns.stderr)")
        let secrets = try await runCommand(kubectl, ["get", "secrets", "-n", "kube-system", "-o", "name"], environment: kenv)
        #expect(secrets.stdout.contains("secret/bootstrap-token-"))

        // A client certificate through a CertificateSigningRequest: pending until approved, then it authenticates.
        let openssl = try requireExecutable("openssl", package: "openssl")
        for (name, subject) in [("bob", "/CN=bob/O=devs"), ("mallory", "/CN=mallory/O=system:masters")] {
            let r = try await runCommand(openssl, ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                                   "-keyout", dir.file("\(name).key"), "-subj", subject, "-out", dir.file("\(name).csr")])
            #expect(r.status == 0, "\(r.stderr)")
        }
        func csr(_ name: String) throws -> String {
            let request = try Data(contentsOf: URL(fileURLWithPath: dir.file("\(name).csr"))).base64EncodedString()
            return """
                apiVersion: certificates.k8s.io/v1
                kind: CertificateSigningRequest
                metadata: {name: \(name)}
                spec:
                  request: \(request)
                  signerName: kubernetes.io/kube-apiserver-client
                  usages: [client auth]
                """
        }
        let masters = try await runCommand(kubectl, ["create", "-f", "-"], stdin: try csr("mallory"), environment: kenv)
        #expect(masters.status != 0 && masters.stderr.contains("system:masters"), "\(masters.stderr)")
        #expect(try await runCommand(kubectl, ["get", "csr", "mallory"], environment: kenv).status != 0)  // nothing stored
        let created = try await runCommand(kubectl, ["create", "-f", "-"], stdin: try csr("bob"), environment: kenv)
        #expect(created.status == 0, "\(created.stderr)")
        let pending = try await runCommand(kubectl, ["get", "csr", "bob"], environment: kenv).stdout
        #expect(pending.contains("Pending") && pending.contains("system:admin"), "\(pending)")
        let approved = try await runCommand(kubectl, ["certificate", "approve", "bob"], environment: kenv)
        #expect(approved.status == 0, "\(approved.stderr)")
        let issued = try await runCommand(kubectl, ["get", "csr", "bob", "-o", "jsonpath={.status.certificate}"], environment: kenv)
        let pem = try #require(Data(base64Encoded: issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        try pem.write(to: URL(fileURLWithPath: dir.file("bob.crt")))
        let bob = try await Self.curl(server.url + "/api/v1/namespaces", ["--cert", dir.file("bob.crt"), "--key", dir.file("bob.key")])
        #expect(bob.code == 200)
        // A certificate from another CA does not get through the handshake.
        let r = try await runCommand(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                               "-keyout", dir.file("self.key"), "-subj", "/CN=system:admin/O=system:masters",
                                               "-days", "1", "-out", dir.file("self.crt")])
        #expect(r.status == 0)
        #expect(try await Self.curl(server.url + "/api/v1/namespaces", ["--cert", dir.file("self.crt"), "--key", dir.file("self.key")]).code != 200)

        // Agents: a token whose pin is not this server's CA, or whose secret is wrong, is refused before the agent starts.
        let gantry = try GantryProcess.binary()
        let parts = join.split(separator: ":", omittingEmptySubsequences: true)
        let wrongPin = "K10" + String(repeating: "0", count: 64) + "::" + bearer
        let refusedPin = try await runCommand(gantry, ["agent", "--server", server.url, "--token", wrongPin, "--data-dir", dir.file("a1"),
                                                       "--node-name", "pinned"], environment: Self.env)
        #expect(refusedPin.status != 0 && refusedPin.stderr.contains("does not match the join token's pin"), "\(refusedPin.stderr)")
        let wrongSecret = String(parts[0]) + "::" + bearer.prefix(7) + String(repeating: "z", count: 16)
        let refusedSecret = try await runCommand(gantry, ["agent", "--server", server.url, "--token", wrongSecret, "--data-dir", dir.file("a2"),
                                                          "--node-name", "wrongsecret"], environment: Self.env)
        #expect(refusedSecret.status != 0 && refusedSecret.stderr.contains("refused the join token"), "\(refusedSecret.stderr)")
        let nodes = try await runCommand(kubectl, ["get", "nodes", "-o", "name"], environment: kenv)
        #expect(nodes.stdout.isEmpty)

        // With security off only for the benchmark's flag; and anonymous access can be closed entirely.
        try await server.stop()
        let closed = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0",
                                              "--anonymous-auth=false"], logPath: dir.file("closed.log"))
        #expect(try await Self.curl(closed.url + "/version").code == 401)
        // The restarted server kept its CA: the old kubeconfig and join token still hold.
        #expect(try closed.joinToken() == join)
        #expect(try await runCommand(kubectl, ["get", "ns", "default", "-o", "name"],
                                     environment: Self.env.merging(["KUBECONFIG": try #require(closed.kubeconfig), "HOME": dir.path]) { a, _ in a })
            .stdout == "namespace/default\n")
        try await closed.stop()
    }
}
