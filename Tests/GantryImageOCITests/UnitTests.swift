import Foundation
import GantryAPI
@testable import GantryImageOCI
import GantryTestSupport
import Testing

@Suite("image store units")
struct UnitTests {
    @Test("WWW-Authenticate challenges")
    func challenges() {
        let c = AuthChallenge.parse([#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push""#])
        #expect(c?.scheme == "bearer")
        #expect(c?.params["realm"] == "https://auth.docker.io/token")
        #expect(c?.params["service"] == "registry.docker.io")
        #expect(c?.params["scope"] == "repository:library/busybox:pull,push")
        let b = AuthChallenge.parse([#"Basic realm="test""#])
        #expect(b == AuthChallenge(scheme: "basic", params: ["realm": "test"]))
        #expect(AuthChallenge.parse([#"Basic realm="x", Bearer realm="y""#])?.scheme == "bearer")
    }

    @Test("loopback registries use HTTP, others HTTPS; docker.io maps to registry-1")
    func endpoints() {
        let c = RegistryClient(http: OCIImageStore.defaultHTTPClient, insecureRegistries: ["reg.lan:5000"])
        #expect(c.baseURL("127.0.0.1:5000") == "http://127.0.0.1:5000")
        #expect(c.baseURL("127.8.0.1") == "http://127.8.0.1")
        #expect(c.baseURL("localhost:5000") == "http://localhost:5000")
        #expect(c.baseURL("[::1]:5000") == "http://[::1]:5000")
        #expect(c.baseURL("reg.lan:5000") == "http://reg.lan:5000")
        #expect(c.baseURL("reg.lan") == "https://reg.lan")
        #expect(c.baseURL("127.0.0.1.evil.com") == "https://127.0.0.1.evil.com")
        #expect(c.baseURL("docker.io") == "https://registry-1.docker.io")
    }

    @Test("digests are validated")
    func digests() throws {
        #expect(throws: GantryError.self) { try Digest(parsing: "sha256:abc") }
        #expect(throws: GantryError.self) { try Digest(parsing: "sha512:" + String(repeating: "a", count: 128)) }
        #expect(throws: GantryError.self) { try Digest(parsing: "sha256:" + String(repeating: "A", count: 64)) }
        #expect(try Digest(parsing: Digest.of(Data("x".utf8)).description).hex.count == 64)
        #expect(Digest.of(Data()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("platform selection prefers the host platform")
    func platforms() throws {
        let arm = Descriptor(mediaType: MediaTypes.ociManifest, digest: "sha256:a", size: 1, platform: Platform(architecture: "arm64", os: "linux"))
        let amd = Descriptor(mediaType: MediaTypes.ociManifest, digest: "sha256:b", size: 1, platform: Platform(architecture: "amd64", os: "linux"))
        #expect(try selectPlatform([arm, amd], platform: Platform(architecture: "amd64", os: "linux")).digest == "sha256:b")
        let e = #expect(throws: GantryError.self) { try selectPlatform([arm], platform: Platform(architecture: "amd64", os: "linux")) }
        #expect(e?.message.contains("available: linux/arm64") == true)
    }

    @Test("tar entries that escape the layer are refused; symlinks are not followed when writing")
    func pathTraversal() async throws {
        try requireRoot("overlay mounts, device nodes and trusted xattrs")
        _ = try requireExecutable("python3", package: "python3")
        let dir = try makeTempDir("traversal")
        try sh("""
            set -e; cd '\(dir)'; mkdir outside
            python3 - <<'PY'
            import io, tarfile
            def tar(name, members):
                with tarfile.open(name, "w") as t:
                    for m in members:
                        info = tarfile.TarInfo(m[0])
                        if m[1] == "sym":
                            info.type = tarfile.SYMTYPE; info.linkname = m[2]; t.addfile(info)
                        else:
                            data = m[2].encode(); info.size = len(data); t.addfile(info, io.BytesIO(data))
            tar("dotdot.tar", [("../escaped.txt", "file", "x")])
            tar("symlink.tar", [("link", "sym", "\(dir)/outside"), ("link/pwned.txt", "file", "x")])
            tar("absolute.tar", [("/abs.txt", "file", "ok")])
            PY
            """)
        for (name, expectError) in [("dotdot", true), ("symlink", true), ("absolute", false)] {
            let dest = dir + "/out-" + name
            try FileManager.default.createDirectory(atPath: dest, withIntermediateDirectories: true)
            do {
                try Unpacker.unpackLayer(blob: "\(dir)/\(name).tar", compression: .plain, into: dest, what: name)
                #expect(!expectError, "\(name) should have been refused")
            } catch let e as GantryError {
                #expect(expectError, "\(name): \(e)")
            }
        }
        #expect(!exists(dir + "/escaped.txt"))
        #expect(!exists(dir + "/outside/pwned.txt"))
        #expect(exists(dir + "/out-absolute/abs.txt"), "absolute names are made relative, as tar does")
    }

    @Test("import names: full references only")
    func importNames() {
        #expect(OCIImageStore.importName(full: nil, ref: "test/busybox:oci") == "docker.io/test/busybox:oci")
        #expect(OCIImageStore.importName(full: "docker.io/library/busybox:latest", ref: "latest") == "docker.io/library/busybox:latest")
        #expect(OCIImageStore.importName(full: nil, ref: "latest") == nil)
    }
}
