import Foundation
import GantryAPI
import GantryRuntime
@testable import GantryRuntimeRunc
import RuncShimCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("OCI config")
struct OCIConfigTests {
    func baseSpec() -> ContainerSpec {
        var spec = ContainerSpec(id: "web-1", rootfs: "/var/lib/gantry/rootfs/web-1", args: ["nginx", "-g", "daemon off;"],
                                 env: ["A=1"], hostname: "web", logPath: "/var/log/pods/web-1.log")
        spec.resources = ResourceLimits(cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimit: 64 << 20, pidsLimit: 100)
        spec.mounts = [Mount(source: "/data", destination: "/data", options: ["rbind", "ro"]),
                       Mount(source: "/pods/shm", destination: "/dev/shm")]
        spec.networkNamespace = "/var/run/netns/pod-1"
        spec.labels = ["io.kubernetes.pod.uid": "u1"]
        spec.uid = 1000
        spec.gid = 1000
        spec.additionalGids = [2000]
        spec.capabilitiesAdd = ["NET_ADMIN"]
        spec.capabilitiesDrop = ["mknod"]
        spec.cgroupParent = "kubepods/pod-u1"
        return spec
    }

    @Test func resourcesNamespacesMountsAndProcess() throws {
        let config = OCISpec.make(for: baseSpec(), nofileLimit: 20000)
        let r = try #require(config.linux.resources)
        #expect(r.cpu == OCISpec.CPU(shares: 512, quota: 50_000, period: 100_000))
        #expect(r.memory == OCISpec.Memory(limit: 64 << 20, swap: 64 << 20))
        #expect(r.pids?.limit == 100)
        #expect(r.devices?.first == OCISpec.DeviceRule(allow: false, access: "rwm"))
        #expect(r.devices?.contains(OCISpec.DeviceRule(allow: true, type: "c", major: 1, minor: 3, access: "rwm")) == true)
        #expect(config.linux.namespaces.map(\.type) == ["pid", "ipc", "uts", "mount", "network"])
        #expect(config.linux.namespaces.last?.path == "/var/run/netns/pod-1")
        #expect(config.linux.cgroupsPath == "/kubepods/pod-u1/web-1")
        #expect(config.linux.maskedPaths?.contains("/proc/kcore") == true)
        #expect(config.linux.readonlyPaths?.contains("/proc/sys") == true)
        let destinations = config.mounts.map(\.destination)
        #expect(destinations == ["/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/data", "/dev/shm"])
        #expect(config.mounts.first { $0.destination == "/dev/shm" }?.source == "/pods/shm")
        #expect(config.mounts.first { $0.destination == "/sys" }?.options?.contains("ro") == true)
        #expect(config.process.user == OCISpec.User(uid: 1000, gid: 1000, additionalGids: [2000]))
        #expect(config.process.rlimits == [OCISpec.Rlimit(type: "RLIMIT_NOFILE", hard: 20000, soft: 20000)])
        #expect(config.process.noNewPrivileges == false)
        #expect(config.process.env.first?.hasPrefix("PATH=") == true)
        let caps = try #require(config.process.capabilities?.bounding)
        #expect(caps.contains("CAP_NET_ADMIN"))
        #expect(!caps.contains("CAP_MKNOD"))
        #expect(caps.contains("CAP_CHOWN"))
        #expect(config.process.capabilities?.effective == caps)
        #expect(config.annotations == ["io.kubernetes.pod.uid": "u1"])
        #expect(config.root == OCISpec.Root(path: "/var/lib/gantry/rootfs/web-1", readonly: false))
        #expect(config.hostname == "web")

        // The JSON uses the OCI field names and leaves out oomScoreAdj.
        let json = String(decoding: try config.json(), as: UTF8.self)
        #expect(json.contains("\"cgroupsPath\" : \"/kubepods/pod-u1/web-1\""))
        #expect(json.contains("\"additionalGids\""))
        #expect(!json.contains("oomScoreAdj"))
    }

    @Test func hostNetworkAndPrivileged() throws {
        var spec = baseSpec()
        spec.networkNamespace = nil
        spec.privileged = true
        spec.cgroupParent = nil
        spec.resources = ResourceLimits()
        let config = OCISpec.make(for: spec, nofileLimit: 1024)
        #expect(!config.linux.namespaces.contains { $0.type == "network" })
        #expect(config.process.capabilities?.bounding == OCISpec.allCapabilities)
        #expect(config.linux.resources?.devices == [OCISpec.DeviceRule(allow: true, access: "rwm")])
        #expect(config.linux.resources?.memory == nil)
        #expect(config.linux.resources?.cpu == nil)
        #expect(config.linux.maskedPaths == nil)
        #expect(config.linux.cgroupsPath == "/gantry/web-1")
    }

    @Test func capabilityArithmetic() {
        #expect(OCISpec.capabilities(add: ["NET_BIND_SERVICE"], drop: ["ALL"], privileged: false) == ["CAP_NET_BIND_SERVICE"])
        #expect(OCISpec.capabilities(add: [], drop: [], privileged: false) == OCISpec.defaultCapabilities)
        #expect(OCISpec.capabilities(add: ["ALL"], drop: [], privileged: false) == OCISpec.allCapabilities)
    }

    @Test func timestamps() throws {
        let s = Timestamp.format(seconds: 1_704_164_645, nanoseconds: 123_456_789)
        #expect(s == "2024-01-02T03:04:05.123456789Z")
        let d = try #require(Timestamp.parse(s))
        #expect(abs(d.timeIntervalSince1970 - 1_704_164_645.123456789) < 1e-6)
        #expect(Timestamp.parse("2024-01-02T04:04:05+01:00")?.timeIntervalSince1970 == 1_704_164_645)
    }
}

@Suite("runc runtime (real runc, as root)")
struct RuncRuntimeTests {
    @Test func exitCodeAndCRILogs() async throws {
        try await withFixture { fx in
            let spec = fx.spec(["sh", "-c", "echo hello; echo oops >&2; printf partial; exit 3"])
            try await fx.runtime.create(spec)
            #expect(try await fx.runtime.info(spec.id)?.status == .created)
            try await fx.runtime.start(spec.id)
            let status = try await fx.wait(spec.id)
            #expect(status.exitCode == 3)
            #expect(!status.oomKilled)
            let lines = fx.logLines(spec)
            let pattern = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) (F|P) .*$/#
            #expect(lines.allSatisfy { $0.wholeMatch(of: pattern) != nil }, "\(lines)")
            #expect(lines.contains { $0.hasSuffix(" stdout F hello") }, "\(lines)")
            #expect(lines.contains { $0.hasSuffix(" stderr F oops") }, "\(lines)")
            #expect(lines.contains { $0.hasSuffix(" stdout P partial") }, "\(lines)")
            let info = try #require(try await fx.runtime.info(spec.id))
            #expect(info.status == .stopped)
            #expect(info.exitCode == 3)
            #expect(info.startedAt != nil)
            #expect(info.finishedAt != nil)
        }
    }

    @Test("run creates and starts in one runc invocation; a command that cannot start fails with runc's message")
    func runInOneStep() async throws {
        try await withFixture { fx in
            let spec = fx.spec(["sh", "-c", "echo one-step; sleep 0.2; exit 4"])
            try await fx.runtime.run(spec)
            let running = try #require(try await fx.runtime.info(spec.id))
            #expect(running.status == .running || running.status == .stopped)
            #expect(running.startedAt != nil)
            let status = try await fx.wait(spec.id)
            #expect(status.exitCode == 4)
            #expect(fx.logLines(spec).contains { $0.hasSuffix(" stdout F one-step") }, "\(fx.logLines(spec))")

            let bad = fx.spec(["/no/such/program"])
            let error = await #expect(throws: GantryError.self) { try await fx.runtime.run(bad) }
            #expect(error?.message.contains("runc run \(bad.id) failed") == true, "\(String(describing: error))")
            #expect(error?.message.contains("/no/such/program") == true, "\(String(describing: error))")
            #expect(try await fx.runtime.info(bad.id) == nil)
        }
    }

    @Test("wait wakes when the container ends, and a cancelled wait returns at once")
    func waitWakesAndCancels() async throws {
        try await withFixture { fx in
            let spec = fx.spec(["sh", "-c", "sleep 0.5; exit 5"])
            try await fx.runtime.run(spec)
            let start = ContinuousClock.now
            let status = try await fx.wait(spec.id)
            #expect(status.exitCode == 5)
            #expect(ContinuousClock.now - start < .seconds(3))

            let long = fx.spec(["sleep", "60"])
            try await fx.runtime.run(long)
            let runtime = fx.runtime
            let waiter = Task { try await runtime.wait(long.id) }
            try await Task.sleep(for: .milliseconds(200))
            let cancelled = ContinuousClock.now
            waiter.cancel()
            _ = await waiter.result
            #expect(ContinuousClock.now - cancelled < .seconds(1))
            try await fx.runtime.delete(long.id, force: true)
        }
    }

    @Test func envCwdHostnameUser() async throws {
        try await withFixture { fx in
            var spec = fx.spec(["sh", "-c", "id -u; id -g; id -G; hostname; pwd; echo FOO=$FOO"])
            spec.env = ["PATH=/bin", "FOO=bar baz"]
            spec.workingDir = "/home/app"
            spec.uid = 1000
            spec.gid = 1000
            spec.additionalGids = [2000]
            spec.hostname = "web-1"
            try await fx.run(spec)
            #expect(try await fx.wait(spec.id).exitCode == 0)
            let out = fx.messages(spec)
            #expect(out.count >= 6, "\(fx.logLines(spec))")
            guard out.count >= 6 else { return }
            #expect(out[0] == "1000")
            #expect(out[1] == "1000")
            #expect(out[2].split(separator: " ").contains("2000"))
            #expect(out[3] == "web-1")
            #expect(out[4] == "/home/app")
            #expect(out[5] == "FOO=bar baz")
        }
    }

    @Test func memoryLimitOOMKill() async throws {
        try await withFixture { fx in
            var spec = fx.spec(["tail", "/dev/zero"], name: "oom")
            spec.resources.memoryLimit = 16 << 20
            try await fx.run(spec)
            let status = try await fx.wait(spec.id, seconds: 60)
            #expect(status.exitCode == 137)
            #expect(status.oomKilled)
            let info = try await fx.runtime.info(spec.id)
            #expect(info?.oomKilled == true)
        }
    }

    @Test func sigtermStopsPromptly() async throws {
        try await withFixture { fx in
            let spec = fx.spec(["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"])
            try await fx.run(spec)
            let info = try #require(try await fx.runtime.info(spec.id))
            #expect(info.status == .running)
            #expect((info.pid ?? 0) > 0)
            try await Task.sleep(nanoseconds: 200_000_000)  // let sh install its trap
            let start = Date()
            try await fx.runtime.kill(spec.id, signal: SIGTERM)
            let status = try await fx.wait(spec.id, seconds: 10)
            #expect(status.exitCode == 0)
            #expect(Date().timeIntervalSince(start) < 5)
            // Killing a stopped container is not an error.
            try await fx.runtime.kill(spec.id, signal: SIGTERM)
        }
    }

    @Test func sigkillGives137() async throws {
        try await withFixture { fx in
            let spec = fx.spec(["sleep", "3600"])
            try await fx.run(spec)
            try await fx.runtime.kill(spec.id, signal: SIGKILL)
            let status = try await fx.wait(spec.id, seconds: 10)
            #expect(status.exitCode == 137)
            #expect(!status.oomKilled)
        }
    }

    @Test func deleteIsIdempotent() async throws {
        try await withFixture { fx in
            let spec = fx.spec(["sleep", "3600"])
            try await fx.run(spec)
            await #expect(throws: GantryError.self) { try await fx.runtime.delete(spec.id, force: false) }
            try await fx.runtime.delete(spec.id, force: true)
            try await fx.runtime.delete(spec.id, force: true)
            try await fx.runtime.delete(spec.id, force: false)
            try await fx.runtime.delete("never-existed", force: false)
            try await fx.runtime.kill("never-existed", signal: SIGTERM)
            #expect(try await fx.runtime.info(spec.id) == nil)
            #expect(try await fx.runtime.list().contains { $0.id == spec.id } == false)
            #expect(!FileManager.default.fileExists(atPath: "\(fx.dir)/runtime/bundles/\(spec.id)"))
            // The id can be used again.
            try await fx.run(spec)
            try await fx.runtime.kill(spec.id, signal: SIGKILL)
            #expect(try await fx.wait(spec.id).exitCode == 137)
            try await fx.runtime.delete(spec.id, force: false)

            // A created, never started container deletes without force.
            let created = fx.spec(["true"], name: "created")
            try await fx.runtime.create(created)
            try await fx.runtime.delete(created.id, force: false)
            #expect(try await fx.runtime.info(created.id) == nil)
        }
    }

    @Test func infoAndListReportStates() async throws {
        try await withFixture { fx in
            var a = fx.spec(["sleep", "3600"], name: "a")
            a.labels = ["pod": "p1", "container": "a"]
            let b = fx.spec(["true"], name: "b")
            try await fx.runtime.create(a)
            try await fx.run(b)
            _ = try await fx.wait(b.id)
            var list = try await fx.runtime.list()
            #expect(list.first { $0.id == a.id }?.status == .created)
            #expect(list.first { $0.id == a.id }?.labels == ["pod": "p1", "container": "a"])
            #expect(list.first { $0.id == b.id }?.status == .stopped)
            #expect(list.first { $0.id == b.id }?.exitCode == 0)
            try await fx.runtime.start(a.id)
            list = try await fx.runtime.list()
            #expect(list.first { $0.id == a.id }?.status == .running)
            #expect(try await fx.runtime.info("gtest-missing") == nil)

            // Stopped containers whose runc state is gone still list from their bundle.
            _ = try sh("runc --root \(fx.dir)/runtime/runc delete --force \(b.id)")
            list = try await fx.runtime.list()
            #expect(list.first { $0.id == b.id }?.status == .stopped)
            #expect(list.first { $0.id == b.id }?.exitCode == 0)
        }
    }

    @Test func exec() async throws {
        try await withFixture { fx in
            let spec = fx.spec(["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"])
            try await fx.run(spec)
            let hi = try await collect(try await fx.runtime.exec(spec.id, ExecSpec(args: ["echo", "hi"])))
            #expect(hi.stdout == "hi\n")
            #expect(hi.code == 0)

            let failing = try await collect(try await fx.runtime.exec(spec.id, ExecSpec(args: ["sh", "-c", "echo bad >&2; exit 7"])))
            #expect(failing.code == 7)
            #expect(failing.stderr == "bad\n")

            var withEnv = ExecSpec(args: ["sh", "-c", "echo $X; pwd"])
            withEnv.env = ["X=42"]
            withEnv.workingDir = "/tmp"
            #expect(try await collect(try await fx.runtime.exec(spec.id, withEnv)).stdout == "42\n/tmp\n")

            var cat = ExecSpec(args: ["cat"])
            cat.stdin = true
            let session = try await fx.runtime.exec(spec.id, cat)
            session.stdin?.yield(Array("ping\n".utf8))
            session.stdin?.finish()
            let echoed = try await collect(session)
            #expect(echoed.stdout == "ping\n")
            #expect(echoed.code == 0)

            var tty = ExecSpec(args: ["sh", "-c", "test -t 1 && echo on-a-tty"])
            tty.tty = true
            let ttyResult = try await collect(try await fx.runtime.exec(spec.id, tty))
            #expect(ttyResult.stdout.contains("on-a-tty"), "\(ttyResult)")
            #expect(ttyResult.code == 0)

            // A TTY session takes input and can be resized.
            var shell = ExecSpec(args: ["sh", "-c", "read line; echo got-$line; stty size"])
            shell.tty = true
            shell.stdin = true
            let interactive = try await fx.runtime.exec(spec.id, shell)
            await interactive.resize(100, 40)
            // Give the shell a moment to reach `read` (on a loaded machine a resize can race the start).
            try await Task.sleep(for: .milliseconds(300))
            await interactive.resize(100, 40)
            interactive.stdin?.yield(Array("abc\n".utf8))
            let result = try await collect(interactive)
            #expect(result.stdout.contains("got-abc"), "\(result)")
            #expect(result.stdout.contains("40 100"), "\(result)")
            #expect(result.code == 0)

            await #expect(throws: GantryError.self) { _ = try await fx.runtime.exec("gtest-missing", ExecSpec(args: ["true"])) }
        }
    }

    @Test func ttyContainer() async throws {
        try await withFixture { fx in
            var spec = fx.spec(["sh", "-c", "echo hi-tty; test -t 1 && echo is-a-tty"])
            spec.tty = true
            try await fx.run(spec)
            #expect(try await fx.wait(spec.id).exitCode == 0)
            let out = fx.messages(spec)
            #expect(out.contains("hi-tty"), "\(fx.logLines(spec))")
            #expect(out.contains("is-a-tty"), "\(fx.logLines(spec))")
        }
    }

    @Test func missingRuncIsAClearError() async throws {
        let runtime = RuncRuntime(root: "/tmp/gantry-runc-missing", runcPath: "/nonexistent/runc", shimCommand: ["/bin/true"])
        do {
            _ = try await runtime.version()
            Issue.record("version() succeeded without runc")
        } catch let error as GantryError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("install the runc package"))
        }
        let spec = ContainerSpec(id: "x", rootfs: "/", args: ["true"], env: [], hostname: "x", logPath: "/tmp/x.log")
        await #expect(throws: GantryError.self) { try await runtime.create(spec) }
        await #expect(throws: GantryError.self) { _ = try await runtime.list() }
    }

    @Test func versionAndCreateFailure() async throws {
        try await withFixture { fx in
            #expect(try await fx.runtime.version().hasPrefix("runc://1."))
            let spec = fx.spec(["/no/such/binary"])
            do {
                try await fx.runtime.create(spec)
                Issue.record("create of a container with a missing binary succeeded")
            } catch let error as GantryError {
                #expect(error.message.hasPrefix("runc create \(spec.id) failed: "), "\(error)")
                #expect(error.message.contains("/no/such/binary: no such file or directory"), "\(error)")
            }
            // A failed create leaves nothing behind, so the id can be used again.
            #expect(try await fx.runtime.info(spec.id) == nil)
            var fixed = spec
            fixed.args = ["true"]
            try await fx.run(fixed)
            #expect(try await fx.wait(fixed.id).exitCode == 0)
            await #expect(throws: GantryError.self) { try await fx.runtime.start("gtest-missing") }
            var bad = fx.spec(["true"])
            bad.id = "bad/id"
            await #expect(throws: GantryError.self) { try await fx.runtime.create(bad) }
        }
    }

    @Test func survivesRuntimeRestart() async throws {
        try await withFixture { fx in
            let spec = fx.spec(["sh", "-c", "trap 'exit 5' TERM; sleep 3600 & wait"])
            try await fx.run(spec)
            // A second runtime on the same root (the agent after a restart) sees and controls it.
            let again = RuncRuntime(root: fx.runtime.root, shimCommand: fx.runtime.shimCommand)
            #expect(try await again.info(spec.id)?.status == .running)
            try await Task.sleep(nanoseconds: 200_000_000)
            try await again.kill(spec.id, signal: SIGTERM)
            #expect(try await again.wait(spec.id).exitCode == 5)
            #expect(try await fx.runtime.info(spec.id)?.exitCode == 5)
        }
    }

    @Test func networkNamespace() async throws {
        try await withFixture { fx in
            let name = "gtest-\(UUID().uuidString.prefix(8).lowercased())"
            let (rc, out) = try sh("ip netns add \(name)")
            guard rc == 0 else { throw FixtureError("ip netns add failed (install iproute2): \(out)") }
            defer { _ = try? sh("ip netns del \(name)") }
            var spec = fx.spec(["ip", "-o", "link"], name: "net")
            spec.networkNamespace = "/var/run/netns/\(name)"
            try await fx.run(spec)
            #expect(try await fx.wait(spec.id).exitCode == 0)
            let links = fx.messages(spec)
            #expect(links.count == 1, "\(links)")
            #expect(links.first?.contains(": lo:") == true, "\(links)")

            // Host network: the container sees the host's interfaces.
            let host = fx.spec(["ip", "-o", "link"], name: "host")
            try await fx.run(host)
            #expect(try await fx.wait(host.id).exitCode == 0)
            // Other tests add and remove links concurrently, so compare with the default route's interface
            // rather than a count.
            let (_, iface) = try sh("ip -o route show default | awk '{print $5; exit}'")
            let ifname = iface.trimmingCharacters(in: .whitespacesAndNewlines)
            let seen = fx.messages(host)
            #expect(seen.count > 1, "\(seen)")
            #expect(ifname.isEmpty || seen.contains { $0.contains(": \(ifname):") || $0.contains(": \(ifname)@") }, "\(seen)")
        }
    }
}

@Suite("runc shim selection")
struct ShimSelectionTests {
    /// `swift build` builds the standalone `runc-shim`, so the real-runc suites exercise it, not `gantry runc-shim`.
    @Test func realRuncTestsUseTheStandaloneShim() throws {
        let shim = try locateShim()
        if let chosen = ProcessInfo.processInfo.environment["GANTRY_SHIM"], !chosen.isEmpty {
            #expect(shim == chosen.split(separator: " ").map(String.init))
        } else {
            #expect(shim.count == 1 && shim[0].hasSuffix("/runc-shim"),
                    "the runc tests run \(shim), not the runc-shim executable: build it with `swift build`")
        }
    }
}
