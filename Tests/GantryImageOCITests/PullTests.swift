import Foundation
import GantryAPI
@testable import GantryImageOCI
import GantryRuntime
import GantryTestSupport
import Testing

@Suite("OCIImageStore pull (real docker-registry on loopback)")
struct PullTests {
    @Test("pull by tag verifies layers and parses the config")
    func pullByTag() async throws {
        let fx = try await Fixture.get()
        let root = try makeTempDir("pull")
        let store = OCIImageStore(root: root)
        let ref = "\(fx.registry.address)/test/busybox:1"
        let img = try await store.pull(ref, credentials: nil)
        #expect(img.names == [ref])
        #expect(img.layers.count == 3)
        #expect(img.config.cmd == ["sh", "-c", "echo hi"])
        #expect(img.config.env?.contains("FOO=bar") == true)
        #expect(img.config.workingDir == "/etc")
        #expect(img.digest == (try fx.registry.manifestDescriptor("test/busybox", "1")).digest)
        for layer in img.layers {
            let hex = String(layer.dropFirst(7))
            let (d, _) = try Digest.ofFile("\(root)/blobs/sha256/\(hex)")
            #expect(d.description == layer)
            #expect(FileManager.default.fileExists(atPath: "\(root)/layers/\(hex)"))
        }
        #expect(exists("\(root)/layers/\(img.layers[0].dropFirst(7))/bin/busybox"))
        #expect(names("\(root)/tmp").isEmpty)
        // The index survives a new store instance.
        let again = OCIImageStore(root: root)
        #expect(try await again.image(ref)?.digest == img.digest)
        #expect(try await again.image(String(img.digest.dropFirst(7).prefix(12)))?.digest == img.digest)
        #expect(try await again.list().count == 1)
    }

    @Test("pull by digest, Docker schema 2, and through an OCI index (picks linux/amd64)")
    func pullByDigestSchema2AndIndex() async throws {
        let fx = try await Fixture.get()
        let store = OCIImageStore(root: try makeTempDir("digest"))
        let amd = try fx.registry.manifestDescriptor("test/busybox", "1")
        let byDigest = try await store.pull("\(fx.registry.address)/test/busybox@\(amd.digest)", credentials: nil)
        #expect(byDigest.digest == amd.digest)
        #expect(byDigest.layers.count == 3)

        let v2 = try await store.pull("\(fx.registry.address)/test/busybox:v2s2", credentials: nil)
        #expect(v2.config.cmd == ["sh", "-c", "echo hi"])
        #expect(v2.layers.count == 3)

        let multi = try await store.pull("\(fx.registry.address)/test/busybox:multi", credentials: nil)
        #expect(multi.config.cmd == ["sh", "-c", "echo hi"], "the amd64 entry, not arm64 (cmd arm)")
        #expect(multi.digest != amd.digest, "an image pulled through an index is known by the index digest")
        #expect(try await store.image(amd.digest) != nil)
    }

    @Test("re-pull is idempotent: no blob is downloaded again")
    func idempotentRepull() async throws {
        let fx = try await Fixture.get()
        try fx.push(to: "test/idem")
        let root = try makeTempDir("idem")
        let store = OCIImageStore(root: root)
        let ref = "\(fx.registry.address)/test/idem:1"
        let first = try await store.pull(ref, credentials: nil)
        let gets = fx.registry.blobGets("test/idem")
        #expect(gets == 4, "config + 3 layers")
        func inode(_ p: String) -> UInt64 {
            var st = stat()
            return lstat(p, &st) == 0 ? UInt64(st.st_ino) : 0
        }
        let inodes = first.layers.map { inode("\(root)/blobs/sha256/\($0.dropFirst(7))") }
        let second = try await store.pull(ref, credentials: nil)
        let third = try await store.pull("\(fx.registry.address)/test/idem@\(first.digest)", credentials: nil)
        #expect(second == first)
        #expect(third.digest == first.digest)
        #expect(fx.registry.blobGets("test/idem") == gets)
        #expect(first.layers.map { inode("\(root)/blobs/sha256/\($0.dropFirst(7))") } == inodes)
        #expect(try await store.list().count == 1)
        #expect(try await store.image(ref)?.names.count == 2)
    }

    @Test("concurrent pulls of one image share the downloads")
    func concurrentPulls() async throws {
        let fx = try await Fixture.get()
        try fx.push(to: "test/concurrent")
        let store = OCIImageStore(root: try makeTempDir("concurrent"))
        let ref = "\(fx.registry.address)/test/concurrent:1"
        async let a = store.pull(ref, credentials: nil)
        async let b = store.pull(ref, credentials: nil)
        let (x, y) = try await (a, b)
        #expect(x.digest == y.digest)
        #expect(fx.registry.blobGets("test/concurrent") == 4)
    }

    @Test("a blob whose content does not match its digest is rejected and leaves nothing behind")
    func corruptedBlob() async throws {
        let fx = try await Fixture.get()
        let work = try makeTempDir("corrupt-src")
        // A private image (its own layer) so corrupting it in the registry's storage affects no other test.
        try sh("""
            set -e; cd '\(work)'
            umoci init --layout l; umoci new --image l:1; umoci unpack --image l:1 b
            echo \(UUID().uuidString) > b/rootfs/unique.txt
            umoci repack --image l:1 b
            skopeo copy --dest-tls-verify=false oci:l:1 docker://\(fx.registry.address)/test/corrupt:1
            """)
        let m = try fx.registry.manifestDescriptor("test/corrupt", "1")
        let doc = try JSONDecoder().decode(ManifestDocument.self, from: Data(m.body.utf8))
        let layer = try #require(doc.layers?.first)
        let hex = String(layer.digest.dropFirst(7))
        let data = "\(fx.registry.storage)/docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data"
        try sh("head -c \(layer.size) /dev/urandom > '\(data)'")

        let root = try makeTempDir("corrupt")
        let store = OCIImageStore(root: root)
        let ref = "\(fx.registry.address)/test/corrupt:1"
        let error = await #expect(throws: GantryError.self) { try await store.pull(ref, credentials: nil) }
        #expect(error?.message.hasPrefix("failed to pull image \(ref): blob digest mismatch: expected \(layer.digest), got sha256:") == true,
                "\(error?.message ?? "")")
        #expect(!exists("\(root)/blobs/sha256/\(hex)"))
        #expect(!exists("\(root)/layers/\(hex)"))
        #expect(names("\(root)/tmp").isEmpty)
        #expect(try await store.list().isEmpty)
    }

    @Test("a missing tag reports the registry's 'manifest unknown'")
    func manifestUnknown() async throws {
        let fx = try await Fixture.get()
        let store = OCIImageStore(root: try makeTempDir("unknown"))
        let ref = "\(fx.registry.address)/test/busybox:nope"
        let error = await #expect(throws: GantryError.self) { try await store.pull(ref, credentials: nil) }
        #expect(error?.message == "failed to pull image \(ref): manifest unknown")
        #expect(error?.code == .notFound)
    }

    @Test("a registry that is down gives a clear error, quickly")
    func registryDown() async throws {
        let port = try freePort()
        let store = OCIImageStore(root: try makeTempDir("down"))
        let ref = "127.0.0.1:\(port)/test/busybox:1"
        let start = Date()
        let error = await #expect(throws: GantryError.self) { try await store.pull(ref, credentials: nil) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.hasPrefix("failed to pull image \(ref): cannot reach registry 127.0.0.1:\(port)") == true,
                "\(error?.message ?? "")")
        #expect(error?.message.contains("connection refused") == true, "\(error?.message ?? "")")
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test("an invalid reference or digest is refused before any request")
    func invalidReference() async throws {
        let store = OCIImageStore(root: try makeTempDir("invalid"))
        await #expect(throws: GantryError.self) { try await store.pull("127.0.0.1:1/UPPER:1", credentials: nil) }
        let e = await #expect(throws: GantryError.self) { try await store.pull("127.0.0.1:1/x@sha256:abc", credentials: nil) }
        #expect(e?.message.contains("invalid digest") == true)
    }

    @Test("basic auth: htpasswd registry refuses anonymous pulls and accepts credentials")
    func basicAuth() async throws {
        let fx = try await Fixture.get()
        let dir = try makeTempDir("auth")
        let htpasswd = dir + "/htpasswd"
        let user = "gantry", password = "s3cret-\(UUID().uuidString.prefix(6))"
        if (try? requireExecutable("htpasswd", package: "apache2-utils")) != nil {
            try sh("htpasswd -Bbn \(user) '\(password)' > '\(htpasswd)'")
        } else if (try? sh("python3 -c 'import bcrypt'")) != nil {
            try sh("python3 -c 'import bcrypt; print(\"\(user):\" + bcrypt.hashpw(b\"\(password)\", bcrypt.gensalt()).decode())' > '\(htpasswd)'")
        } else if let line = try? sh("perl -e 'print crypt(\"\(password)\", \"\\$2b\\$05\\$abcdefghijklmnopqrstuu\")'"),
                  line.hasPrefix("$2b$")
        {
            try "\(user):\(line)\n".write(toFile: htpasswd, atomically: true, encoding: .utf8)
        } else {
            throw TestFailure("cannot make a bcrypt htpasswd file: apt-get install apache2-utils")
        }
        let reg = try TestRegistry.start(dir: dir + "/registry", htpasswd: htpasswd)
        try fx.push(to: "private/busybox", registry: reg, creds: "\(user):\(password)")
        let store = OCIImageStore(root: dir + "/store")
        let ref = "\(reg.address)/private/busybox:1"
        let anon = await #expect(throws: GantryError.self) { try await store.pull(ref, credentials: nil) }
        #expect(anon?.code == .unauthorized)
        #expect(anon?.message.contains("authentication required") == true, "\(anon?.message ?? "")")
        let wrong = await #expect(throws: GantryError.self) {
            try await store.pull(ref, credentials: RegistryCredentials(username: user, password: "wrong"))
        }
        #expect(wrong?.code == .unauthorized)
        let img = try await store.pull(ref, credentials: RegistryCredentials(username: user, password: password))
        #expect(img.layers.count == 3)
    }

    @Test("bearer token auth: challenge, token from the realm with basic credentials, retry")
    func bearerTokenAuth() async throws {
        let fx = try await Fixture.get()
        let dir = try makeTempDir("token")
        let reg = try TokenRegistry.start(dir: dir + "/proxy", upstream: fx.registry.address, user: "robot", password: "hunter2")
        let store = OCIImageStore(root: dir + "/store")
        let ref = "\(reg.address)/test/busybox:1"
        let denied = await #expect(throws: GantryError.self) {
            try await store.pull(ref, credentials: RegistryCredentials(username: "robot", password: "nope"))
        }
        #expect(denied?.code == .unauthorized)
        #expect(denied?.message.contains("bad credentials") == true, "\(denied?.message ?? "")")
        let img = try await store.pull(ref, credentials: RegistryCredentials(username: "robot", password: "hunter2"))
        #expect(img.layers.count == 3)
        #expect(img.config.cmd == ["sh", "-c", "echo hi"])
        #expect(reg.lines("token granted") == 1, "the token is cached for the repository")
        #expect(reg.lines("proxy /v2/test/busybox/blobs/") == 4)
    }

    @Test("zstd-compressed layers (an OCI layout rewritten with zstd layers, pushed and pulled)")
    func zstdLayers() async throws {
        let fx = try await Fixture.get()
        _ = try requireExecutable("zstd", package: "zstd")
        _ = try requireExecutable("python3", package: "python3")
        let dir = try makeTempDir("zstd")
        try sh("""
            set -e; cd '\(dir)'
            cp -r '\(fx.layout)' z
            python3 - <<'PY'
            import hashlib, json, subprocess
            def put(data):
                d = hashlib.sha256(data).hexdigest()
                open("z/blobs/sha256/" + d, "wb").write(data)
                return "sha256:" + d, len(data)
            index = json.load(open("z/index.json"))
            desc = [m for m in index["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == "1"][0]
            manifest = json.load(open("z/blobs/sha256/" + desc["digest"][7:]))
            for layer in manifest["layers"]:
                raw = subprocess.run(["gzip", "-dc", "z/blobs/sha256/" + layer["digest"][7:]], check=True, capture_output=True).stdout
                z = subprocess.run(["zstd", "-q", "-c"], input=raw, check=True, capture_output=True).stdout
                layer["digest"], layer["size"] = put(z)
                layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar+zstd"
            desc["digest"], desc["size"] = put(json.dumps(manifest).encode())
            desc["annotations"]["org.opencontainers.image.ref.name"] = "zstd"
            index["manifests"] = [desc]
            json.dump(index, open("z/index.json", "w"))
            PY
            skopeo copy --dest-tls-verify=false oci:z:zstd docker://\(fx.registry.address)/test/zstd:1
            """)
        let m = try fx.registry.manifestDescriptor("test/zstd", "1")
        #expect(m.body.contains("tar+zstd"), "the registry serves zstd layers")
        let store = OCIImageStore(root: dir + "/store")
        let img = try await store.pull("\(fx.registry.address)/test/zstd:1", credentials: nil)
        #expect(exists("\(dir)/store/layers/\(img.layers[0].dropFirst(7))/bin/busybox"))
        #expect(exists("\(dir)/store/layers/\(img.layers[2].dropFirst(7))/opq2/new.txt"))
    }
}
