import Foundation
import GantryAPI
import GantryAuth
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
        // Authenticated (not 401) but granted nothing by RBAC: 403 with Kubernetes' message.
        #expect(alice.code == 403 && alice.body.contains("namespaces is forbidden: User \\\"alice\\\" cannot list resource \\\"namespaces\\\" in API group \\\"\\\" at the cluster scope"), "\(alice.body)")
        #expect(try await Self.curl(server.url + "/api/v1/namespaces", ["-H", "Authorization: Bearer wrong"]).code == 401)
        let join = try server.joinToken()
        #expect(join.hasPrefix("K10") && join.contains("::"))
        let bearer = String(join.split(separator: ":").last ?? "")
        // A bootstrap token may ask for a certificate and nothing else.
        #expect(try await Self.curl(server.url + "/api/v1/nodes", ["-H", "Authorization: Bearer \(bearer)"]).code == 403)
        #expect(try await Self.curl(server.url + "/apis/certificates.k8s.io/v1/certificatesigningrequests",
                                    ["-H", "Authorization: Bearer \(bearer)"]).code == 200)
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
        #expect(bob.code == 403 && bob.body.contains("User \\\"bob\\\""), "\(bob.body)")
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

        // Join tokens with expiry: created, listed with the secret hidden, accepted until deleted.
        let created2 = try await runCommand(gantry, ["token", "create", "--ttl", "2h", "--description", "for ci"], environment: kenv)
        #expect(created2.status == 0, "\(created2.stderr)")
        let made = try JoinToken(parsing: created2.stdout)
        #expect(try made.caHash == JoinToken(parsing: join).caHash)
        let listed = try await runCommand(gantry, ["token", "list"], environment: kenv).stdout
        #expect(listed.contains("\(made.id).****") && listed.contains("for ci") && listed.contains("1h59m") && !listed.contains(made.secret), "\(listed)")
        let csrs = server.url + "/apis/certificates.k8s.io/v1/certificatesigningrequests"
        #expect(try await Self.curl(csrs, ["-H", "Authorization: Bearer \(made.bearer)"]).code == 200)
        #expect(try await runCommand(gantry, ["token", "delete", made.id], environment: kenv).status == 0)
        #expect(try await Self.curl(csrs, ["-H", "Authorization: Bearer \(made.bearer)"]).code == 401)
        #expect(try await runCommand(gantry, ["token", "create", "--ttl", "soon"], environment: kenv).stderr.contains("--ttl must be"))

        // Certificates: listed with their expiry; rotated leaves are served without a restart, and clients keep working.
        let check = try await runCommand(gantry, ["certs", "check", "--data-dir", dir.file("data")], environment: Self.env).stdout
        #expect(check.contains("serving") && check.contains("kube-apiserver") && check.contains("ok (CA)") && check.contains("364d"), "\(check)")
        let servedBefore = try await runCommand(openssl, ["s_client", "-connect", "127.0.0.1:\(server.port)"], stdin: "",
                                                timeout: .seconds(10)).stdout
        let rotated = try await runCommand(gantry, ["certs", "rotate", "--data-dir", dir.file("data"), "serving", "admin"], environment: Self.env)
        #expect(rotated.status == 0 && rotated.stdout.contains("serving: reissued"), "\(rotated.stderr)")
        let newServing = try String(contentsOfFile: dir.file("data") + "/pki/serving.crt", encoding: .utf8)
        let newBody = newServing.split(separator: "\n").dropFirst().first.map(String.init) ?? "?"
        #expect(!servedBefore.contains(newBody))
        try await eventually(timeout: .seconds(30), "the rotated serving certificate is served") {
            try await runCommand(openssl, ["s_client", "-connect", "127.0.0.1:\(server.port)", "-showcerts"], stdin: "",
                                 timeout: .seconds(10)).stdout.contains(newBody)
        }
        try await eventually(timeout: .seconds(30), "the admin kubeconfig is rewritten with the rotated certificate") {
            let written = try String(contentsOfFile: kubeconfig, encoding: .utf8)
            let adminPEM = try String(contentsOfFile: dir.file("data") + "/pki/admin.crt", encoding: .utf8)
            return written.contains(Data(adminPEM.utf8).base64EncodedString())
        }
        #expect(try await runCommand(kubectl, ["get", "ns", "default", "-o", "name"], environment: kenv).stdout == "namespace/default\n")

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

    /// RBAC as kubectl users meet it: a user bound to `view` in one namespace, `kubectl auth can-i`, impersonation,
    /// the escalation check, a binding to a missing role, aggregation, and ServiceAccount tokens with their own Roles.
    @Test func rbacAndServiceAccounts() async throws {
        let dir = TempDir("gantry-rbac")
        defer { dir.cleanup() }
        try "alice-token,alice,1001,devs\nbob-token,bob,1002\n".write(toFile: dir.file("tokens.csv"), atomically: true, encoding: .utf8)
        let server = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0", "--no-controllers",
                                              "--token-auth-file", dir.file("tokens.csv"),
                                              "--audit-log", dir.file("audit.log"), "--audit-level", "Request"],
                                             logPath: dir.file("server.log"))
        let kubectl = try requireExecutable("kubectl", package: "kubectl")
        let kenv = Self.env.merging(["KUBECONFIG": try #require(server.kubeconfig), "HOME": dir.path]) { a, _ in a }
        func admin(_ args: [String], stdin: String? = nil) async throws -> CommandResult {
            try await runCommand(kubectl, args, stdin: stdin, environment: kenv)
        }
        // The kubeconfig's client certificate would win over --token: a user's kubeconfig without it.
        let cfg = try String(contentsOfFile: try #require(server.kubeconfig), encoding: .utf8)
            .split(separator: "\n").filter { !$0.contains("client-certificate-data") && !$0.contains("client-key-data") }
            .joined(separator: "\n")
        try cfg.write(toFile: dir.file("user.kubeconfig"), atomically: true, encoding: .utf8)
        let uenv = Self.env.merging(["KUBECONFIG": dir.file("user.kubeconfig"), "HOME": dir.path]) { a, _ in a }
        func user(_ token: String, _ args: [String], stdin: String? = nil) async throws -> CommandResult {
            try await runCommand(kubectl, ["--token", token] + args, stdin: stdin, environment: uenv)
        }

        for ns in ["prod", "other"] { #expect(try await admin(["create", "ns", ns]).status == 0) }
        #expect(try await admin(["get", "clusterrole", "cluster-admin", "admin", "edit", "view", "system:node", "-o", "name"]).stdout
            .split(separator: "\n").count == 5)
        #expect(try await admin(["create", "rolebinding", "alice-view", "--clusterrole=view", "--user=alice", "-n", "prod"]).status == 0)

        // view in prod: list there, not elsewhere, create nothing.
        let listed = try await user("alice-token", ["get", "pods", "-n", "prod"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let other = try await user("alice-token", ["get", "pods", "-n", "other"])
        #expect(other.status != 0 && other.stderr.contains(
            "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"other\""), "\(other.stderr)")
        let create = try await user("alice-token", ["create", "configmap", "x", "-n", "prod"])
        #expect(create.status != 0 && create.stderr.contains("cannot create resource \"configmaps\""), "\(create.stderr)")
        #expect(try await admin(["get", "configmap", "x", "-n", "prod"]).status != 0)
        #expect(try await user("alice-token", ["auth", "can-i", "list", "pods", "-n", "prod"]).stdout == "yes\n")
        #expect(try await user("alice-token", ["auth", "can-i", "list", "pods", "-n", "other"]).stdout == "no\n")
        #expect(try await user("alice-token", ["auth", "can-i", "create", "deployments", "-n", "prod"]).stdout == "no\n")
        #expect(try await user("alice-token", ["auth", "can-i", "get", "secrets", "-n", "prod"]).stdout == "no\n")
        let rules = try await user("alice-token", ["auth", "can-i", "--list", "-n", "prod"]).stdout
        #expect(rules.contains("deployments.apps") && rules.contains("[get list watch]"), "\(rules)")
        #expect(try await user("alice-token", ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]).stdout == "alice")

        // Impersonation: the admin may act as alice (and is then limited like her); alice may not act as anyone.
        #expect(try await admin(["get", "pods", "-n", "other", "--as", "alice"]).stderr.contains("User \"alice\" cannot list"))
        #expect(try await admin(["auth", "can-i", "list", "pods", "-n", "prod", "--as", "alice"]).stdout == "yes\n")
        let imp = try await user("alice-token", ["get", "pods", "-n", "prod", "--as", "bob"])
        #expect(imp.stderr.contains("users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\""), "\(imp.stderr)")

        // Escalation: alice may manage Roles in prod, but grant only what she holds.
        #expect(try await admin(["create", "role", "rbac-manager", "-n", "prod", "--verb=create,get,list",
                                 "--resource=roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io"]).status == 0)
        #expect(try await admin(["create", "rolebinding", "alice-rbac", "--role=rbac-manager", "--user=alice", "-n", "prod"]).status == 0)
        let allowedRole = try await user("alice-token", ["create", "role", "pod-reader", "-n", "prod", "--verb=get,list", "--resource=pods"])
        #expect(allowedRole.status == 0, "\(allowedRole.stderr)")
        let escalating = try await user("alice-token", ["create", "role", "secret-reader", "-n", "prod", "--verb=get", "--resource=secrets"])
        #expect(escalating.status != 0 && escalating.stderr.contains("is attempting to grant RBAC permissions not currently held"), "\(escalating.stderr)")
        #expect(try await admin(["get", "role", "secret-reader", "-n", "prod"]).status != 0)
        let bindEdit = try await user("alice-token", ["create", "rolebinding", "self-edit", "--clusterrole=edit", "--user=alice", "-n", "prod"])
        #expect(bindEdit.status != 0 && bindEdit.stderr.contains("forbidden"), "\(bindEdit.stderr)")
        #expect(try await user("alice-token", ["create", "rolebinding", "bob-reads", "--role=pod-reader", "--user=bob", "-n", "prod"]).status == 0)
        #expect(try await user("bob-token", ["get", "pods", "-n", "prod"]).status == 0)
        #expect(try await user("bob-token", ["get", "services", "-n", "prod"]).status != 0)

        // A binding to a role that does not exist binds nothing; an invalid binding is a 422 naming the field.
        #expect(try await admin(["create", "rolebinding", "ghost", "--role=nope", "--user=bob", "-n", "other"]).status == 0)
        let ghost = try await user("bob-token", ["get", "pods", "-n", "other"])
        #expect(ghost.stderr.contains("role.rbac.authorization.k8s.io \"nope\" not found"), "\(ghost.stderr)")
        let invalid = try await admin(["create", "-f", "-"], stdin: """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: bad, namespace: prod}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
            subjects: [{kind: Robot, name: r2d2}]
            """)
        #expect(invalid.stderr.contains("subjects[0].kind: Unsupported value: \"Robot\""), "\(invalid.stderr)")

        // Aggregation: a ClusterRole labelled aggregate-to-view adds to view (and so to edit and admin).
        #expect(try await admin(["create", "-f", "-"], stdin: """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: widgets-view, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}
            rules: [{apiGroups: [example.com], resources: [widgets], verbs: [get, list]}]
            """).status == 0)
        try await eventually("view aggregates widgets") {
            try await user("alice-token", ["auth", "can-i", "--list", "-n", "prod"]).stdout.contains("widgets.example.com")
        }
        try await eventually("admin aggregates widgets") {
            try await admin(["get", "clusterrole", "admin", "-o", "yaml"]).stdout.contains("widgets")
        }

        // ServiceAccounts: every namespace has `default`; a token of another is limited to its Role.
        try await eventually("default ServiceAccount in prod") { try await admin(["get", "sa", "default", "-n", "prod"]).status == 0 }
        #expect(try await admin(["create", "sa", "reader", "-n", "prod"]).status == 0)
        #expect(try await admin(["create", "rolebinding", "reader", "--role=pod-reader", "--serviceaccount=prod:reader", "-n", "prod"]).status == 0)
        let token = try await admin(["create", "token", "reader", "-n", "prod"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.split(separator: ".").count == 3)
        #expect(try await user(token, ["get", "pods", "-n", "prod"]).status == 0)
        #expect(try await user(token, ["get", "secrets", "-n", "prod"]).stderr.contains(
            "User \"system:serviceaccount:prod:reader\" cannot list resource \"secrets\""))
        #expect(try await user(token, ["get", "pods", "-n", "other"]).status != 0)
        // OIDC discovery, for a ServiceAccount; the key set names the token's key.
        let oidc = try await Self.curl(server.url + "/.well-known/openid-configuration", ["-H", "Authorization: Bearer \(token)"])
        #expect(oidc.code == 200 && oidc.body.contains("\"issuer\":\"https://kubernetes.default.svc.cluster.local\""), "\(oidc.body)")
        let jwks = try await Self.curl(server.url + "/openid/v1/jwks", ["-H", "Authorization: Bearer \(token)"])
        let header = try JSONValue.parse(try #require(Data(base64Encoded: Self.padded(String(token.split(separator: ".")[0])))))
        #expect(jwks.body.contains(try #require(header["kid"]?.stringValue)) && jwks.body.contains("\"ES256\""))
        // Forged tokens: alg none, a changed payload, or a token of a deleted ServiceAccount are 401.
        let parts = token.split(separator: ".").map(String.init)
        let none = Self.unpadded(Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()) + "." + parts[1] + "."
        #expect(try await Self.curl(server.url + "/api/v1/namespaces/prod/pods", ["-H", "Authorization: Bearer \(none)"]).code == 401)
        var payload = try JSONValue.parse(try #require(Data(base64Encoded: Self.padded(parts[1]))))
        payload[path: ["kubernetes.io", "serviceaccount", "name"]] = "default"
        let forged = parts[0] + "." + Self.unpadded(payload.serialized().base64EncodedString()) + "." + parts[2]
        #expect(try await Self.curl(server.url + "/api/v1/namespaces/prod/pods", ["-H", "Authorization: Bearer \(forged)"]).code == 401)
        #expect(try await admin(["delete", "sa", "reader", "-n", "prod"]).status == 0)
        #expect(try await Self.curl(server.url + "/api/v1/namespaces/prod/pods", ["-H", "Authorization: Bearer \(token)"]).code == 401)
        let short = try await admin(["create", "token", "default", "-n", "prod", "--duration", "1m"])
        #expect(short.stderr.contains("may not specify a duration less than 10 minutes"), "\(short.stderr)")

        // The audit log: one audit.k8s.io/v1 Event per request with who, what, the code and the decision; at level
        // Request the bodies of writes, never of a Secret.
        #expect(try await admin(["create", "secret", "generic", "s3cret", "-n", "prod", "--from-literal=pw=hunter2-audit"]).status == 0)
        #expect(try await admin(["create", "configmap", "audited", "-n", "prod", "--from-literal=k=plain-audit-value"]).status == 0)
        let lines = try String(contentsOfFile: dir.file("audit.log"), encoding: .utf8).split(separator: "\n")
        let events = try lines.map { try JSONValue.parse(Data($0.utf8)) }
        #expect(events.count > 50 && events.allSatisfy { $0["apiVersion"] == "audit.k8s.io/v1" && $0["kind"] == "Event" })
        let denied = events.first {
            $0[path: ["user", "username"]] == "alice" && $0["verb"] == "list" && $0[path: ["objectRef", "namespace"]] == "other"
        }
        #expect(denied?[path: ["responseStatus", "code"]] == 403, "\(String(describing: denied))")
        #expect(denied?[path: ["annotations", "authorization.k8s.io/decision"]] == "forbid")
        #expect(denied?["sourceIPs"] == ["127.0.0.1"] && denied?["userAgent"]?.stringValue?.hasPrefix("kubectl") == true)
        #expect(events.contains { $0[path: ["impersonatedUser", "username"]] == "alice" && $0[path: ["user", "username"]] == "system:admin" })
        let cm = events.first { $0["verb"] == "create" && $0[path: ["objectRef", "resource"]] == "configmaps"
            && $0[path: ["responseStatus", "code"]] == 201 }
        #expect(cm?[path: ["requestObject", "data", "k"]] == "plain-audit-value", "\(String(describing: cm))")
        let secret = events.first { $0["verb"] == "create" && $0[path: ["objectRef", "resource"]] == "secrets" }
        #expect(secret != nil && secret?["requestObject"] == nil)
        #expect(!lines.contains { $0.contains("hunter2") || $0.contains(Data("hunter2-audit".utf8).base64EncodedString()) })
        #expect(!lines.contains { $0.contains(token) })
        try await server.stop()
    }

    /// Secrets are encrypted at rest by default: not in the SQLite file or its WAL in any form, still readable after a
    /// key rotation and a restart, and a lost key file stops the server with a clear error.
    @Test func secretsEncryptedAtRest() async throws {
        let dir = TempDir("gantry-enc")
        defer { dir.cleanup() }
        let data = dir.file("data")
        var server = try await GantryProcess(["server", "--data-dir", data, "--listen", "127.0.0.1:0", "--no-controllers"],
                                             logPath: dir.file("server.log"))
        let kubectl = try requireExecutable("kubectl", package: "kubectl")
        let gantry = try GantryProcess.binary()
        let kenv = Self.env.merging(["KUBECONFIG": try #require(server.kubeconfig), "HOME": dir.path]) { a, _ in a }
        let plain = "hunter2-at-rest-\(UInt32.random(in: 0..<UInt32.max))"
        for i in 0..<3 {
            #expect(try await runCommand(kubectl, ["create", "secret", "generic", "s\(i)", "--from-literal=password=\(plain)"],
                                         environment: kenv).status == 0)
        }
        func raw() throws -> Data {
            var out = Data()
            for f in ["state.db", "state.db-wal", "state.db-shm"] {
                out += (try? Data(contentsOf: URL(fileURLWithPath: data + "/" + f))) ?? Data()
            }
            return out
        }
        func readBack() async throws -> [String] {
            var out: [String] = []
            for i in 0..<3 {
                let r = try await runCommand(kubectl, ["get", "secret", "s\(i)", "-o", "jsonpath={.data.password}"], environment: kenv)
                out.append(String(decoding: Data(base64Encoded: r.stdout) ?? Data(), as: UTF8.self))
            }
            return out
        }
        let before = try raw()
        #expect(before.range(of: Data(plain.utf8)) == nil)
        #expect(before.range(of: Data(Data(plain.utf8).base64EncodedString().utf8)) == nil)
        #expect(before.range(of: Data("k8s:enc:aesgcm:v1:".utf8)) != nil)
        #expect(try await readBack() == [plain, plain, plain])
        let keyFile = data + "/encryption-config.yaml"
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let oldKey = try EncryptionKeyRing.load(path: keyFile, create: false).keys[0].name

        // Rotation while serving: a new key, every Secret rewritten with it, the old key gone from the file.
        try await Task.sleep(for: .seconds(1))  // key names carry the second they were made
        let rotated = try await runCommand(gantry, ["secrets", "rotate-key"], environment: kenv)
        #expect(rotated.status == 0 && rotated.stdout.contains("re-encrypted"), "\(rotated.stderr)")
        let ring = try EncryptionKeyRing.load(path: keyFile, create: false)
        #expect(ring.keys.count == 1 && ring.keys[0].name != oldKey)
        #expect(try await readBack() == [plain, plain, plain])
        let after = try raw()
        #expect(after.range(of: Data("k8s:enc:aesgcm:v1:\(ring.keys[0].name):".utf8)) != nil)
        #expect(after.range(of: Data(plain.utf8)) == nil)

        // Restart: the key file opens everything; without it the server refuses to start.
        try await server.stop()
        server = try await GantryProcess(["server", "--data-dir", data, "--listen", "127.0.0.1:0", "--no-controllers"],
                                         logPath: dir.file("server2.log"))
        #expect(try await readBack() == [plain, plain, plain])
        try await server.stop()
        try FileManager.default.moveItem(atPath: keyFile, toPath: dir.file("key.bak"))
        let refused = try await runCommand(gantry, ["server", "--data-dir", data, "--listen", "127.0.0.1:0", "--no-controllers"],
                                           environment: Self.env)
        #expect(refused.status != 0 && refused.stderr.contains("encryption-config.yaml is missing"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: keyFile))
    }

    /// The issue's end-to-end check on two nodes, each an agent joined by token in its own network namespace:
    /// kubeconfig, 401, a `view` user, a pod's ServiceAccount token, nodes confined to their own pods' Secrets, node
    /// servers that answer only the API server, secrets encrypted and rotated, and Pod Security enforcement.
    @Test func twoNodesJoinedByToken() async throws {
        try requireRoot("network namespaces, runc and CNI need root")
        _ = try requireExecutable("runc", package: "runc")
        let kubectl = try requireExecutable("kubectl", package: "kubectl")
        let own = TempDir("gantry-sec2")
        defer { own.cleanup() }
        try "alice-token,alice,1001\n".write(toFile: own.file("tokens.csv"), atomically: true, encoding: .utf8)
        let cluster = try await MultiNodeCluster.start(hosts: 2, serverArgs: ["--token-auth-file", own.file("tokens.csv"),
                                                                              "--audit-log", own.file("audit.log")])
        let dir = cluster.dir
        do {
            let kenv = Self.env.merging(["KUBECONFIG": try #require(cluster.server.kubeconfig), "HOME": own.path]) { a, _ in a }
            @discardableResult
            func k(_ args: String..., stdin: String? = nil) async throws -> CommandResult {
                try await runCommand(kubectl, args, stdin: stdin, environment: kenv, timeout: .seconds(120))
            }
            let cfg = try String(contentsOfFile: try #require(cluster.server.kubeconfig), encoding: .utf8)
                .split(separator: "\n").filter { !$0.contains("client-certificate-data") && !$0.contains("client-key-data") }
                .joined(separator: "\n")
            try cfg.write(toFile: own.file("user.kubeconfig"), atomically: true, encoding: .utf8)
            func user(_ token: String, _ args: String...) async throws -> CommandResult {
                try await runCommand(kubectl, ["--token", token] + args,
                                     environment: Self.env.merging(["KUBECONFIG": own.file("user.kubeconfig"), "HOME": own.path]) { a, _ in a })
            }
            let nodes = cluster.hosts.map(\.node)
            // kubectl with the written kubeconfig: both joined nodes Ready.
            try await eventually(timeout: .seconds(60), "both nodes Ready") {
                let out = try await k("get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Ready\")].status} {end}").stdout
                return nodes.allSatisfy { out.contains("\($0)=True") }
            }
            // No credentials: 401.
            #expect(try await Self.curl(cluster.server.url + "/api/v1/pods").code == 401)

            // A user bound to view in prod.
            for ns in ["prod", "other"] { #expect(try await k("create", "ns", ns).status == 0) }
            #expect(try await k("create", "rolebinding", "alice-view", "--clusterrole=view", "--user=alice", "-n", "prod").status == 0)
            #expect(try await user("alice-token", "get", "pods", "-n", "prod").status == 0)
            #expect(try await user("alice-token", "auth", "can-i", "list", "pods", "-n", "prod").stdout == "yes\n")
            #expect(try await user("alice-token", "auth", "can-i", "list", "pods", "-n", "other").stdout == "no\n")
            #expect(try await user("alice-token", "get", "pods", "-n", "other").stderr.contains("User \"alice\" cannot list resource \"pods\""))
            #expect(try await user("alice-token", "create", "configmap", "x", "-n", "prod").stderr.contains("cannot create resource"))

            // One pod per node, each with its own Secret, running as a ServiceAccount that may only read pods.
            #expect(try await k("create", "sa", "lister", "-n", "prod").status == 0)
            #expect(try await k("create", "role", "pod-reader", "--verb=get,list", "--resource=pods", "-n", "prod").status == 0)
            #expect(try await k("create", "rolebinding", "lister", "--role=pod-reader", "--serviceaccount=prod:lister", "-n", "prod").status == 0)
            for (i, node) in nodes.enumerated() {
                #expect(try await k("create", "secret", "generic", "secret-\(i)", "--from-literal=value=plain-\(i)-\(cluster.tag)", "-n", "prod").status == 0)
                let r = try await k("apply", "-n", "prod", "-f", "-", stdin: """
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: pod-\(i)}
                    spec:
                      nodeName: \(node)
                      serviceAccountName: lister
                      containers:
                      - name: c
                        image: \(cluster.registry.image)
                        command: [sh, -c, "echo hello from \(i); sleep 3600"]
                        env: [{name: VALUE, valueFrom: {secretKeyRef: {name: secret-\(i), key: value}}}]
                    """)
                #expect(r.status == 0, "\(r.stderr)")
            }
            try await eventually(timeout: .seconds(90), "both pods running") {
                try await k("get", "pods", "-n", "prod", "-o", "jsonpath={.items[*].status.phase}").stdout == "Running Running"
            }
            #expect(try await k("exec", "pod-1", "-n", "prod", "--", "sh", "-c", "echo $VALUE").stdout == "plain-1-\(cluster.tag)\n")
            // The pod's mounted token lists what its Role allows, and no more.
            let token = try await k("exec", "pod-0", "-n", "prod", "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/token").stdout
            #expect(token.split(separator: ".").count == 3)
            #expect(try await user(token, "get", "pods", "-n", "prod").status == 0)
            #expect(try await user(token, "get", "secrets", "-n", "prod").stderr.contains("cannot list resource \"secrets\""))
            #expect(try await user(token, "get", "pods", "-n", "other").status != 0)

            // The official Python client: with the written kubeconfig, and with in-cluster config as the pod sees it (its
            // network namespace, its mounted token files at the standard path, its KUBERNETES_SERVICE_* variables).
            // Debian's python3 (a pyenv one on PATH would not see Debian's python3-kubernetes).
            let python = "/usr/bin/python3"
            guard FileManager.default.isExecutableFile(atPath: python) else {
                throw TestFailure("/usr/bin/python3 is required for this test but is not installed: install python3-kubernetes")
            }
            let kubeconfigPy = """
                from kubernetes import client, config
                config.load_kube_config(config_file=\"\(try #require(cluster.server.kubeconfig))\")
                print(sorted(p.metadata.name for p in client.CoreV1Api().list_namespaced_pod("prod").items))
                """
            let viaKubeconfig = try await runCommand(python, ["-c", kubeconfigPy], environment: Self.env)
            #expect(viaKubeconfig.stdout == "['pod-0', 'pod-1']\n", "\(viaKubeconfig.stderr)")
            let pid = try #require(Self.process(withEnvironment: "VALUE=plain-0-\(cluster.tag)"), "pod-0's process")
            let podEnv = Self.environment(of: pid)
            let (host, port) = (try #require(podEnv["KUBERNETES_SERVICE_HOST"]), try #require(podEnv["KUBERNETES_SERVICE_PORT"]))
            let inClusterPy = """
                from kubernetes import client, config
                config.load_incluster_config()
                v1 = client.CoreV1Api()
                print(len(v1.list_namespaced_pod("prod").items))
                try:
                    v1.list_namespaced_secret("prod")
                    print("secrets listed")
                except client.exceptions.ApiException as e:
                    print("secrets", e.status)
                """
            let sa = "/run/secrets/kubernetes.io/serviceaccount"
            // The pod's /var/run may be a symlink (to /run): resolved inside the pod's root, not the host's.
            let podRoot = "/proc/\(pid)/root"
            let podVarRun = (try? FileManager.default.destinationOfSymbolicLink(atPath: podRoot + "/var/run"))
                .map { podRoot + ($0.hasPrefix("/") ? $0 : "/var/" + $0) } ?? podRoot + "/var/run"
            let source = podVarRun + "/secrets/kubernetes.io/serviceaccount"
            // A copy of the pod's files (a mount of another mount namespace cannot be bound here), at the standard path
            // in a mount namespace of the client's own.
            let copy = own.file("pod-serviceaccount")
            try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
            for f in ["token", "ca.crt", "namespace"] {
                let data = try #require(FileManager.default.contents(atPath: source + "/" + f), "the pod's \(f)")
                try data.write(to: URL(fileURLWithPath: copy + "/" + f))
            }
            let inCluster = try await runCommand(try requireExecutable("nsenter", package: "util-linux"), [
                "--net=/proc/\(pid)/ns/net", "unshare", "-m", "sh", "-c",
                "mount -t tmpfs tmpfs /run && mkdir -p \(sa) && mount --bind \(copy) \(sa) && "
                    + "exec env -i KUBERNETES_SERVICE_HOST=\(host) KUBERNETES_SERVICE_PORT=\(port) \(python) -c \"$0\"", inClusterPy,
            ], timeout: .seconds(60))
            #expect(inCluster.stdout == "2\nsecrets 403\n", "\(inCluster.stdout) \(inCluster.stderr)")

            // The agent of node 1, with its own certificate, reads its pod's Secret and not node 0's.
            let pki = dir.file("agent1") + "/pki"
            let cert = ["--cert", pki + "/client.crt", "--key", pki + "/client.key"]
            let mine = try await Self.curl(cluster.server.url + "/api/v1/namespaces/prod/secrets/secret-1", cert)
            #expect(mine.code == 200, "\(mine.body)")
            let theirs = try await Self.curl(cluster.server.url + "/api/v1/namespaces/prod/secrets/secret-0", cert)
            #expect(theirs.code == 403 && theirs.body.contains("no relationship found between node '\(nodes[1])' and this object"), "\(theirs.body)")
            #expect(try await Self.curl(cluster.server.url + "/api/v1/namespaces/prod/secrets", cert).code == 403)
            #expect(try await Self.curl(cluster.server.url + "/api/v1/nodes/\(nodes[0])", cert + ["-X", "DELETE"]).code == 403)

            // A wrong join token and a mismatched CA pin are refused before the agent starts.
            let gantry = try GantryProcess.binary()
            let join = try cluster.server.joinToken()
            let bearer = String(join.split(separator: ":").last ?? "")
            for (name, bad, says) in [("pin", "K10" + String(repeating: "0", count: 64) + "::" + bearer, "does not match the join token's pin"),
                                      ("secret", String(join.dropLast(4)) + "zzzz", "refused the join token")] {
                let r = try await runCommand(gantry, ["agent", "--server", cluster.server.url, "--token", bad, "--data-dir", own.file("bad-\(name)"),
                                                      "--node-name", "bad-\(name)"], environment: Self.env)
                #expect(r.status != 0 && r.stderr.contains(says), "\(r.stderr)")
            }

            // Node servers answer the API server (logs through kubectl) and no one who calls them directly.
            try await eventually(timeout: .seconds(30), "logs through the API server") {
                try await k("logs", "pod-0", "-n", "prod").stdout.contains("hello from 0")
            }
            let direct = "https://\(cluster.hosts[0].ip):10250/containerLogs/prod/pod-0/c"
            #expect(try await Self.curl(direct).code == 401)
            #expect(try await Self.curl(direct, ["-H", "Authorization: Bearer \(token)"]).code == 403)
            #expect(try await Self.curl(direct, ["-H", "Authorization: Bearer alice-token"]).code == 403)
            #expect(try await Self.curl(direct, cert).code != 200)  // a node's client certificate is not the API server's
            // The admin may proxy to the node (nodes/proxy); the node's certificate is from the cluster CA.
            #expect(try await k("get", "--raw", "/api/v1/nodes/\(nodes[0])/proxy/healthz").stdout == "ok")
            let adminToken = try await k("create", "token", "default", "-n", "default").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await k("create", "clusterrolebinding", "proxy", "--clusterrole=cluster-admin", "--serviceaccount=default:default").status == 0)
            try await eventually("a token allowed nodes/proxy reaches the node server") {
                try await Self.curl("https://\(cluster.hosts[0].ip):10250/healthz", ["-H", "Authorization: Bearer \(adminToken)"]).code == 200
            }
            let issuer = try await runCommand(try requireExecutable("openssl", package: "openssl"), ["s_client", "-connect",
                                              "\(cluster.hosts[0].ip):10250", "-showcerts"], stdin: "", timeout: .seconds(10)).stdout
            #expect(issuer.contains("s:CN = system:node:\(nodes[0])") || issuer.contains("s:O = system:nodes, CN = system:node:\(nodes[0])"), "\(issuer.prefix(400))")

            // Secrets are not in plain text in the store, and still decrypt after a key rotation.
            var raw = Data()
            for f in ["state.db", "state.db-wal"] { raw += (try? Data(contentsOf: URL(fileURLWithPath: dir.file("server") + "/" + f))) ?? Data() }
            #expect(raw.range(of: Data("plain-0-\(cluster.tag)".utf8)) == nil)
            let rotated = try await runCommand(gantry, ["secrets", "rotate-key"], environment: kenv)
            #expect(rotated.status == 0, "\(rotated.stderr)")
            let value = try await k("get", "secret", "secret-0", "-n", "prod", "-o", "jsonpath={.data.value}").stdout
            #expect(String(decoding: Data(base64Encoded: value) ?? Data(), as: UTF8.self) == "plain-0-\(cluster.tag)")

            // The scheduler binds as its own user, which may bind pods and not create workloads.
            #expect(try await k("run", "scheduled", "-n", "default", "--image", cluster.registry.image, "--", "sleep", "3600").status == 0)
            try await eventually(timeout: .seconds(30), "the pod bound by system:kube-scheduler") {
                let audit = (try? String(contentsOfFile: own.file("audit.log"), encoding: .utf8)) ?? ""
                return audit.split(separator: "\n").contains {
                    $0.contains("\"username\":\"system:kube-scheduler\"") && $0.contains("\"subresource\":\"binding\"")
                        && $0.contains("\"name\":\"scheduled\"") && $0.contains("\"code\":201")
                }
            }
            #expect(try await k("auth", "can-i", "create", "pods", "--subresource=binding", "--as", "system:kube-scheduler").stdout == "yes\n")
            #expect(try await k("auth", "can-i", "create", "deployments", "--as", "system:kube-scheduler").stdout == "no\n")

            // A namespace that enforces restricted refuses a privileged pod with Kubernetes' message.
            #expect(try await k("label", "ns", "other", "pod-security.kubernetes.io/enforce=restricted").status == 0)
            let privileged = try await k("run", "root", "-n", "other", "--image", cluster.registry.image, "--privileged")
            #expect(privileged.status != 0 && privileged.stderr.contains(
                "pods \"root\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false"), "\(privileged.stderr)")
            #expect(privileged.stderr.contains("privileged (container \"root\" must not set securityContext.privileged=true)"))
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    /// The first process whose environment holds `entry` (`NAME=value`).
    static func process(withEnvironment entry: String) -> Int32? {
        let procs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for p in procs.compactMap(Int32.init) where environment(of: p).contains(where: { "\($0.key)=\($0.value)" == entry }) {
            return p
        }
        return nil
    }

    /// A process's environment from `/proc/PID/environ`.
    static func environment(of pid: Int32) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return [:] }
        var out: [String: String] = [:]
        for kv in data.split(separator: 0) {
            let s = String(decoding: kv, as: UTF8.self)
            guard let eq = s.firstIndex(of: "=") else { continue }
            out[String(s[..<eq])] = String(s[s.index(after: eq)...])
        }
        return out
    }

    static func padded(_ s: String) -> String {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return t
    }

    static func unpadded(_ s: String) -> String {
        s.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
