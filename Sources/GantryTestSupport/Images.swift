import Foundation

/// A local OCI registry (Debian's `docker-registry`) holding a busybox image built without internet:
/// a rootfs from busybox-static, packed with umoci, pushed with skopeo. For end-to-end tests.
public final class BusyboxRegistry: @unchecked Sendable {
    public let dir: TempDir
    public let address: String
    let process: TestChild

    /// The image reference (`127.0.0.1:PORT/test/busybox:1`).
    public var image: String { "\(address)/test/busybox:1" }

    /// Builds the image and starts the registry with it, listening on `host` (loopback unless a test's
    /// network namespaces must reach it).
    public static func start(host: String = "127.0.0.1") async throws -> BusyboxRegistry {
        for (tool, pkg) in [("umoci", "umoci"), ("skopeo", "skopeo"), ("docker-registry", "docker-registry"), ("curl", "curl")] {
            _ = try requireExecutable(tool, package: pkg)
        }
        guard FileManager.default.fileExists(atPath: "/bin/busybox") else {
            throw TestFailure("/bin/busybox is missing: install busybox-static")
        }
        let dir = TempDir("gantry-registry")
        let port = try freePort()
        let config = """
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: \(dir.path)/storage
            http:
              addr: \(host):\(port)
            """
        try config.write(toFile: dir.file("config.yml"), atomically: true, encoding: .utf8)
        let p = try TestChild(try requireExecutable("docker-registry", package: "docker-registry"), ["serve", dir.file("config.yml")])
        let reg = BusyboxRegistry(dir: dir, address: "\(host):\(port)", process: p)
        let script = """
            set -e
            cd '\(dir.path)'
            umoci init --layout layout
            umoci new --image layout:1
            umoci unpack --image layout:1 bundle
            R=bundle/rootfs
            mkdir -p $R/bin $R/etc $R/tmp $R/www
            cp /bin/busybox $R/bin/busybox
            for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox $R/bin/$a; done
            echo 'root:x:0:0:root:/root:/bin/sh' > $R/etc/passwd
            echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> $R/etc/passwd
            echo 'root:x:0:' > $R/etc/group
            echo 'nogroup:x:65534:' >> $R/etc/group
            umoci repack --image layout:1 bundle
            umoci config --image layout:1 --config.cmd sh --config.env PATH=/bin --config.workingdir /
            for i in $(seq 1 100); do curl -s -o /dev/null http://\(host):\(port)/v2/ && break; sleep 0.1; done
            skopeo copy --dest-tls-verify=false oci:layout:1 docker://\(host):\(port)/test/busybox:1
            """
        let r = try await runCommand("/bin/sh", ["-c", script], timeout: .seconds(120))
        guard r.status == 0 else { reg.stop(); throw TestFailure("building the busybox image failed: \(r.stderr)") }
        return reg
    }

    init(dir: TempDir, address: String, process: TestChild) {
        self.dir = dir
        self.address = address
        self.process = process
    }

    /// Pushes the same image under another tag (`test/busybox:TAG`); returns its reference.
    public func push(tag: String) async throws -> String {
        let r = try await runCommand(try requireExecutable("skopeo", package: "skopeo"),
                                     ["copy", "--dest-tls-verify=false", "oci:\(dir.path)/layout:1", "docker://\(address)/test/busybox:\(tag)"],
                                     timeout: .seconds(60))
        guard r.status == 0 else { throw TestFailure("pushing test/busybox:\(tag) failed: \(r.stderr)") }
        return "\(address)/test/busybox:\(tag)"
    }

    /// Stops the registry and removes its files.
    public func stop() {
        process.signal(SIGKILL)
        process.waitUntilExit()
        dir.cleanup()
    }

    deinit { process.signal(SIGKILL) }
}

/// A free TCP port on loopback.
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket() failed") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { throw TestFailure("bind() failed") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Requires root, or fails saying why.
public func requireRoot(_ why: String) throws {
    guard getuid() == 0 else { throw TestFailure("this test must run as root: \(why)") }
}
