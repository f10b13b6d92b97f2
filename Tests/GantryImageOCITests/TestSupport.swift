import Dispatch
import Foundation
@testable import GantryImageOCI
import GantryRuntime
import GantryTestSupport
import Testing

/// Runs blocking work off Swift's cooperative pool.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
        DispatchQueue.global().async {
            do { c.resume(returning: try body()) } catch { c.resume(throwing: error) }
        }
    }
}

/// Runs `/bin/sh -c script` and returns stdout; throws with stderr on a non-zero exit.
@discardableResult
func sh(_ script: String) throws -> String {
    let tmp = NSTemporaryDirectory() + "gantry-sh-" + UUID().uuidString
    _ = FileManager.default.createFile(atPath: tmp + ".out", contents: nil)
    _ = FileManager.default.createFile(atPath: tmp + ".err", contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: tmp + ".out")
        try? FileManager.default.removeItem(atPath: tmp + ".err")
    }
    let r = try ChildProcess.runBlocking("/bin/sh", ["-c", script])
    guard r.status == 0 else {
        throw TestFailure("command failed (\(r.status)): \(script)\n\(r.stderrText)\(r.stdoutText)")
    }
    return r.stdoutText
}

/// Every temp dir of this test process lives under one parent, which a watchdog unmounts and removes
/// when the process exits (whether tests passed or not).
let testRoot: String = {
    let root = "/tmp/gantry-image-test-\(getpid())"
    try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    try? startWithWatchdog("sleep 2147483647", cleanup: root)
    return root
}()

func makeTempDir(_ tag: String) throws -> String {
    let d = "\(testRoot)/\(tag)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

/// Starts `command` in the background under a watchdog shell that stops it when the test process exits,
/// then removes `cleanup` (e.g. the fixture's temp dir).
func startWithWatchdog(_ command: String, cleanup: String? = nil) throws {
    let rm = cleanup.map { "grep -o \" \($0)/[^ ]*\" /proc/mounts | sort -r | xargs -r -n1 umount -l; rm -rf '\($0)'" } ?? ""
    try TestChild("/bin/sh", ["-c", """
        \(command) & R=$!
        while kill -0 \(getpid()) 2>/dev/null && kill -0 $R 2>/dev/null; do sleep 0.5; done
        kill -KILL $R 2>/dev/null; wait $R; \(rm)
        """]).detach()  // its output goes nowhere: the watchdog must not hold the test runner's stdout open
}

/// Unmounts anything mounted under `dir` (lazily) and removes it.
func cleanup(_ dir: String) {
    let table = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
    let mounts = table.split(separator: "\n").compactMap { line -> String? in
        let f = line.split(separator: " ")
        return f.count > 4 && f[4].hasPrefix(dir + "/") ? String(f[4]) : nil
    }
    for m in mounts.sorted(by: { $0.count > $1.count }) { umount2(m, Int32(MNT_DETACH)) }
    try? FileManager.default.removeItem(atPath: dir)
}

/// A `docker-registry` on loopback, stopped by a watchdog shell when the test process exits.
struct TestRegistry: Sendable {
    let address: String
    let storage: String
    let log: String

    static func start(dir: String, htpasswd: String? = nil, cleanup: String? = nil) throws -> TestRegistry {
        _ = try requireExecutable("docker-registry", package: "docker-registry")
        _ = try requireExecutable("curl", package: "curl")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let port = try freePort()
        let storage = dir + "/storage", log = dir + "/registry.log", config = dir + "/config.yml"
        var yaml = """
            version: 0.1
            log:
              level: info
            storage:
              filesystem:
                rootdirectory: \(storage)
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)

            """
        if let htpasswd {
            yaml += """
                auth:
                  htpasswd:
                    realm: gantry-test
                    path: \(htpasswd)

                """
        }
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        try startWithWatchdog("docker-registry serve '\(config)' >'\(log)' 2>&1", cleanup: cleanup ?? dir)
        let address = "127.0.0.1:\(port)"
        for _ in 0..<100 {
            if (try? sh("curl -s -o /dev/null -w '%{http_code}' http://\(address)/v2/")).map({ $0 == "200" || $0 == "401" }) == true {
                return TestRegistry(address: address, storage: storage, log: log)
            }
            usleep(100_000)
        }
        throw TestFailure("docker-registry did not start on \(address): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    /// Digest and size of a manifest, as the registry serves it.
    func manifestDescriptor(_ repo: String, _ tag: String, mediaType: String = "application/vnd.oci.image.manifest.v1+json",
                            auth: String = "") throws -> (digest: String, size: Int, body: String)
    {
        let body = try sh("curl -sf \(auth) -H 'Accept: \(mediaType)' http://\(address)/v2/\(repo)/manifests/\(tag)")
        let digest = Digest.of(Data(body.utf8)).description
        return (digest, body.utf8.count, body)
    }

    /// Number of blob GETs for `repo` in the registry's access log.
    func blobGets(_ repo: String) -> Int {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.contains("\"GET /v2/\(repo)/blobs/") }.count
    }
}

/// The shared fixture: a three-layer busybox OCI image built with umoci and pushed to a registry.
///
/// Layer 1: busybox + applets, etc/base-only.txt, etc/deleteme.txt, opq/{a,b}.txt, opq2/old.txt.
/// Layer 2 (umoci repack): deletes etc/deleteme.txt and opq/{a,b}.txt (whiteouts), adds etc/top.txt, opq/c.txt.
/// Layer 3 (hand-made tar): opq2/.wh..wh..opq + opq2/new.txt (opaque directory).
/// Tags: `test/busybox:1` (OCI), `test/busybox:v2s2` (Docker schema 2), `test/busybox:arm` (arm64 config),
/// `test/busybox:multi` (OCI index: arm64 + amd64).
struct Fixture: Sendable {
    let dir: String
    let layout: String
    let registry: TestRegistry

    static let shared = Task<Fixture, any Error> { try await blocking { try Fixture.make() } }

    static func get() async throws -> Fixture { try await shared.value }

    static func make() throws -> Fixture {
        for (tool, pkg) in [("umoci", "umoci"), ("skopeo", "skopeo"), ("busybox", "busybox-static"), ("tar", "tar")] {
            _ = try requireExecutable(tool, package: pkg)
        }
        guard FileManager.default.fileExists(atPath: "/bin/busybox") else {
            throw TestFailure("/bin/busybox is missing: apt-get install busybox-static")
        }
        let dir = try makeTempDir("fixture")
        let layout = dir + "/layout"
        try sh("""
            set -e
            cd '\(dir)'
            umoci init --layout layout
            umoci new --image layout:1
            umoci unpack --image layout:1 bundle
            R=bundle/rootfs
            mkdir -p $R/bin $R/etc $R/opq $R/opq2
            cp /bin/busybox $R/bin/busybox
            for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox $R/bin/$a; done
            echo base > $R/etc/base-only.txt; echo del > $R/etc/deleteme.txt
            echo a > $R/opq/a.txt; echo b > $R/opq/b.txt; echo old > $R/opq2/old.txt
            umoci repack --refresh-bundle --image layout:1 bundle
            rm $R/etc/deleteme.txt; rm -rf $R/opq; mkdir $R/opq; echo c > $R/opq/c.txt; echo top > $R/etc/top.txt
            umoci repack --image layout:1 bundle
            mkdir -p l3/opq2; : > l3/opq2/.wh..wh..opq; echo new > l3/opq2/new.txt
            tar -C l3 -cf l3.tar opq2
            umoci raw add-layer --image layout:1 l3.tar
            umoci config --image layout:1 --config.cmd sh --config.cmd -c --config.cmd 'echo hi' \
                --config.env FOO=bar --config.env PATH=/bin --config.workingdir /etc
            umoci config --image layout:1 --architecture arm64 --config.cmd arm --tag arm
            """)
        let registry = try TestRegistry.start(dir: dir + "/registry", cleanup: dir)
        let dest = "docker://\(registry.address)/test/busybox"
        try sh("""
            set -e
            skopeo copy --dest-tls-verify=false oci:'\(layout)':1 \(dest):1
            skopeo copy --dest-tls-verify=false --format v2s2 oci:'\(layout)':1 \(dest):v2s2
            skopeo copy --dest-tls-verify=false oci:'\(layout)':arm \(dest):arm
            """)
        let amd = try registry.manifestDescriptor("test/busybox", "1")
        let arm = try registry.manifestDescriptor("test/busybox", "arm")
        let index = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(arm.digest)","size":\(arm.size),"platform":{"architecture":"arm64","os":"linux"}},
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(amd.digest)","size":\(amd.size),"platform":{"architecture":"amd64","os":"linux"}}]}
            """
        try index.write(toFile: dir + "/index.json", atomically: true, encoding: .utf8)
        try sh("curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' --data-binary @'\(dir)/index.json' http://\(registry.address)/v2/test/busybox/manifests/multi")
        return Fixture(dir: dir, layout: layout, registry: registry)
    }

    /// Pushes the fixture under another repository (for tests that need their own access-log lines or blobs).
    func push(to repo: String, tag: String = "1", registry: TestRegistry? = nil, creds: String? = nil) throws {
        let r = registry ?? self.registry
        let c = creds.map { "--dest-creds '\($0)'" } ?? ""
        try sh("skopeo copy --dest-tls-verify=false \(c) oci:'\(layout)':1 docker://\(r.address)/\(repo):\(tag)")
    }
}

/// Files in a directory (names), sorted.
func names(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}

func exists(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0
}

/// A registry front that demands Docker token auth: 401 with a `Bearer` challenge, a token endpoint
/// that checks basic credentials and the requested scope, and authorized requests proxied to `upstream`.
struct TokenRegistry: Sendable {
    let address: String
    let log: String

    static let script = #"""
        import base64, http.server, json, sys, urllib.parse, urllib.request, urllib.error
        port, upstream, user, pw, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
        TOKEN = "tok-" + base64.b16encode(pw.encode()).decode()
        def note(s):
            with open(log, "a") as f: f.write(s + "\n")
        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def reply(self, code, body=b"", headers={}):
                self.send_response(code)
                for k, v in headers.items(): self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def do_GET(self):
                if self.path.startswith("/token"):
                    want = "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
                    q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                    ok = self.headers.get("Authorization") == want and q.get("scope") == ["repository:test/busybox:pull"] \
                        and q.get("service") == ["gantry-test"]
                    note("token " + ("granted" if ok else "denied") + " " + self.path)
                    if not ok:
                        return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}')
                    return self.reply(200, json.dumps({"token": TOKEN, "expires_in": 300}).encode(),
                                      {"Content-Type": "application/json"})
                if self.headers.get("Authorization") != "Bearer " + TOKEN:
                    note("challenge " + self.path)
                    return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}', {
                        "Content-Type": "application/json",
                        "WWW-Authenticate": 'Bearer realm="http://127.0.0.1:%d/token",service="gantry-test",scope="repository:test/busybox:pull"' % port})
                note("proxy " + self.path)
                req = urllib.request.Request(upstream + self.path, headers={"Accept": self.headers.get("Accept", "*/*")})
                try:
                    r = urllib.request.urlopen(req)
                except urllib.error.HTTPError as e:
                    r = e
                data = r.read()
                hs = {k: r.headers[k] for k in ("Content-Type", "Docker-Content-Digest") if r.headers.get(k)}
                self.reply(r.status if hasattr(r, "status") else r.code, data, hs)
        http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
        """#

    static func start(dir: String, upstream: String, user: String, password: String) throws -> TokenRegistry {
        _ = try requireExecutable("python3", package: "python3")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try script.write(toFile: dir + "/token-registry.py", atomically: true, encoding: .utf8)
        let port = try freePort()
        let log = dir + "/token.log"
        try startWithWatchdog("python3 '\(dir)/token-registry.py' \(port) 'http://\(upstream)' '\(user)' '\(password)' '\(log)' >'\(dir)/py.log' 2>&1")
        let address = "127.0.0.1:\(port)"
        for _ in 0..<100 {
            if (try? sh("curl -s -o /dev/null -w '%{http_code}' http://\(address)/v2/")) == "401" {
                return TokenRegistry(address: address, log: log)
            }
            usleep(100_000)
        }
        throw TestFailure("token registry did not start: \((try? String(contentsOfFile: dir + "/py.log", encoding: .utf8)) ?? "")")
    }

    func lines(_ prefix: String) -> Int {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.hasPrefix(prefix) }.count
    }
}
