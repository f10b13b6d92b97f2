import Foundation
import GantryAPI
@testable import GantryImageOCI
import GantryRuntime
import GantryTestSupport
import Testing

@Suite("unpack + overlay rootfs, import, remove and prune")
struct RootfsTests {
    @Test("layers unpack with whiteouts as 0/0 char devices and opaque dirs marked")
    func unpackedLayers() async throws {
        try requireRoot("overlay mounts, device nodes and trusted xattrs")
        let fx = try await Fixture.get()
        let root = try makeTempDir("unpack")
        let store = OCIImageStore(root: root)
        let img = try await store.pull("\(fx.registry.address)/test/busybox:1", credentials: nil)
        let l1 = "\(root)/layers/\(img.layers[0].dropFirst(7))"
        let l2 = "\(root)/layers/\(img.layers[1].dropFirst(7))"
        let l3 = "\(root)/layers/\(img.layers[2].dropFirst(7))"
        #expect(try String(contentsOfFile: l1 + "/etc/deleteme.txt", encoding: .utf8) == "del\n")
        var st = stat()
        #expect(lstat(l2 + "/etc/deleteme.txt", &st) == 0)
        #expect((st.st_mode & S_IFMT) == S_IFCHR && st.st_rdev == 0)
        #expect(!exists(l2 + "/etc/.wh.deleteme.txt"))
        #expect(lstat(l1 + "/bin/sh", &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK)
        let xattr = try sh("python3 -c \"import os; print(os.getxattr('\(l3)/opq2', 'trusted.overlay.opaque').decode())\"")
        #expect(xattr == "y\n")
        #expect(names(l3 + "/opq2") == ["new.txt"])
    }

    @Test("mountRootfs shows the merged image; writes go to the upper dir; unmount cleans up")
    func mountAndUnmount() async throws {
        try requireRoot("overlay mounts, device nodes and trusted xattrs")
        _ = try requireExecutable("chroot", package: "coreutils")
        let fx = try await Fixture.get()
        let root = try makeTempDir("mount")
        let store = OCIImageStore(root: root)
        let img = try await store.pull("\(fx.registry.address)/test/busybox:1", credentials: nil)
        let target = root + "/c1/rootfs", scratch = root + "/c1/scratch"
        try await store.mountRootfs(img, target: target, scratch: scratch)
        try await store.mountRootfs(img, target: target, scratch: scratch)  // idempotent
        #expect(Overlay.isMountPoint(target))
        #expect(try String(contentsOfFile: target + "/etc/top.txt", encoding: .utf8) == "top\n")
        #expect(try String(contentsOfFile: target + "/etc/base-only.txt", encoding: .utf8) == "base\n")
        #expect(!exists(target + "/etc/deleteme.txt"), "whited out by layer 2")
        #expect(names(target + "/opq") == ["c.txt"])
        #expect(names(target + "/opq2") == ["new.txt"], "opaque in layer 3")
        #expect(try sh("chroot '\(target)' /bin/sh -c 'cat /etc/top.txt; echo $((6*7))'") == "top\n42\n")

        // Writes land in the upper dir; the shared layers stay untouched.
        try "mine\n".write(toFile: target + "/etc/new.txt", atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(atPath: target + "/etc/base-only.txt")
        #expect(exists(scratch + "/upper/etc/new.txt"))
        let l1 = "\(root)/layers/\(img.layers[0].dropFirst(7))"
        #expect(exists(l1 + "/etc/base-only.txt"))
        for l in img.layers { #expect(!exists("\(root)/layers/\(l.dropFirst(7))/etc/new.txt")) }

        // A second container on the same layers sees the pristine image.
        let t2 = root + "/c2/rootfs", s2 = root + "/c2/scratch"
        try await store.mountRootfs(img, target: t2, scratch: s2)
        #expect(exists(t2 + "/etc/base-only.txt") && !exists(t2 + "/etc/new.txt"))

        // Layers of mounted images survive removal of the image until unmounted.
        try await store.unmountRootfs(target: target, scratch: scratch)
        try await store.unmountRootfs(target: target, scratch: scratch)  // idempotent
        #expect(!Overlay.isMountPoint(target))
        #expect(!exists(scratch))
        #expect(!exists(target))
        try await store.unmountRootfs(target: t2, scratch: s2)
        #expect(exists(l1 + "/bin/busybox"))
    }

    @Test("import a docker save archive (skopeo docker-archive)")
    func importDockerArchive() async throws {
        let fx = try await Fixture.get()
        let dir = try makeTempDir("import-docker")
        try sh("skopeo copy oci:'\(fx.layout)':1 docker-archive:'\(dir)/x.tar':test/busybox:1")
        let store = OCIImageStore(root: dir + "/store")
        let imgs = try await store.importArchive(dir + "/x.tar")
        #expect(imgs.count == 1)
        let img = try #require(imgs.first)
        #expect(img.names == ["docker.io/test/busybox:1"])
        #expect(img.layers.count == 3)
        #expect(img.config.cmd == ["sh", "-c", "echo hi"])
        #expect(try await store.image("test/busybox:1")?.digest == img.digest)
        for l in img.layers { #expect(exists(dir + "/store/layers/\(l.dropFirst(7))")) }
        // Importing again changes nothing.
        let again = try await store.importArchive(dir + "/x.tar")
        #expect(again.first?.digest == img.digest)
        #expect(try await store.list().count == 1)
        if geteuid() == 0 {
            let target = dir + "/rootfs"
            try await store.mountRootfs(img, target: target, scratch: dir + "/scratch")
            #expect(names(target + "/opq2") == ["new.txt"])
            #expect(!exists(target + "/etc/deleteme.txt"))
            try await store.unmountRootfs(target: target, scratch: dir + "/scratch")
        }
    }

    @Test("import an OCI image-layout archive (skopeo oci-archive)")
    func importOCIArchive() async throws {
        let fx = try await Fixture.get()
        let dir = try makeTempDir("import-oci")
        try sh("skopeo copy oci:'\(fx.layout)':1 oci-archive:'\(dir)/o.tar':test/busybox:oci")
        let store = OCIImageStore(root: dir + "/store")
        let imgs = try await store.importArchive(dir + "/o.tar")
        let img = try #require(imgs.first)
        #expect(img.names == ["docker.io/test/busybox:oci"])
        #expect(img.layers.count == 3)
        #expect(img.digest == (try fx.registry.manifestDescriptor("test/busybox", "1")).digest)
        #expect(img.config.env?.contains("FOO=bar") == true)
    }

    @Test("import refuses a tampered archive and a non-archive")
    func importRejects() async throws {
        let fx = try await Fixture.get()
        let dir = try makeTempDir("import-bad")
        try sh("""
            set -e; cd '\(dir)'
            skopeo copy oci:'\(fx.layout)':1 oci:layout:1
            cfg=$(ls -S layout/blobs/sha256 | tail -1); chmod u+w layout/blobs/sha256/$cfg; echo x >> layout/blobs/sha256/$cfg
            tar -C layout -cf bad.tar .
            echo hello > not-an-archive.txt
            """)
        let store = OCIImageStore(root: dir + "/store")
        let e = await #expect(throws: GantryError.self) { try await store.importArchive(dir + "/bad.tar") }
        #expect(e?.message.contains("digest mismatch") == true, "\(e?.message ?? "")")
        let e2 = await #expect(throws: GantryError.self) { try await store.importArchive(dir + "/not-an-archive.txt") }
        #expect(e2?.message.hasPrefix("failed to import image archive \(dir)/not-an-archive.txt") == true)
        #expect(try await store.list().isEmpty)
    }

    @Test("remove drops names, then unused blobs and layers; prune keeps what it is told to")
    func removeAndPrune() async throws {
        let fx = try await Fixture.get()
        let dir = try makeTempDir("gc")
        let root = dir + "/store"
        let store = OCIImageStore(root: root)
        let reg = fx.registry.address
        let busybox = try await store.pull("\(reg)/test/busybox:1", credentials: nil)
        _ = try await store.pull("\(reg)/test/busybox:v2s2", credentials: nil)  // same layers, other manifest
        // A second, unrelated image with its own layer.
        try sh("""
            set -e; cd '\(dir)'
            umoci init --layout l; umoci new --image l:1; umoci unpack --image l:1 b
            echo \(UUID().uuidString) > b/rootfs/own.txt; umoci repack --image l:1 b
            skopeo copy oci:l:1 docker-archive:'\(dir)/own.tar':test/own:1
            """)
        let own = try #require(try await store.importArchive(dir + "/own.tar").first)
        let ownLayer = String(own.layers[0].dropFirst(7))
        #expect(exists("\(root)/layers/\(ownLayer)"))

        // A second name: removing one name keeps the image.
        _ = try await store.pull("\(reg)/test/busybox@\(busybox.digest)", credentials: nil)
        try await store.remove("\(reg)/test/busybox:1")
        #expect(try await store.image(busybox.digest)?.names == ["\(reg)/test/busybox@\(busybox.digest)"])
        try await store.remove(busybox.digest)
        #expect(try await store.image(busybox.digest) == nil)
        #expect(!exists("\(root)/blobs/sha256/\(busybox.digest.dropFirst(7))"))
        // Layers shared with the v2s2 image stay.
        for l in busybox.layers { #expect(exists("\(root)/layers/\(l.dropFirst(7))")) }

        await #expect(throws: GantryError.self) { try await store.remove("\(reg)/test/nothing:1") }

        let removed = try await store.prune(keep: [own.digest])
        #expect(removed.count == 1)
        #expect(try await store.list().map(\.digest) == [own.digest])
        for l in busybox.layers {
            #expect(!exists("\(root)/layers/\(l.dropFirst(7))"))
            #expect(!exists("\(root)/blobs/sha256/\(l.dropFirst(7))"))
        }
        #expect(exists("\(root)/layers/\(ownLayer)"))
        #expect(names("\(root)/blobs/sha256").count == 3, "manifest, config and layer of the kept image")
        _ = try await store.prune(keep: [])
        #expect(try await store.list().isEmpty)
        #expect(names("\(root)/blobs/sha256").isEmpty)
        #expect(names("\(root)/layers").isEmpty)
    }
}
