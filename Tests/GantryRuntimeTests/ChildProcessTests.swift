import Foundation
import GantryAPI
import GantryRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("ChildProcess (posix_spawn helper)")
struct ChildProcessTests {
    @Test("collects stdout and stderr, feeds stdin, reports the exit code and the environment it was given")
    func outputInputAndStatus() async throws {
        let out = try await ChildProcess.run("/bin/sh", ["-c", "cat; echo out; echo err >&2; echo $FOO; exit 7"],
                                             environment: ["FOO": "bar", "PATH": "/usr/bin:/bin"], stdin: Data("in\n".utf8))
        #expect(out.status == 7)
        #expect(out.stdoutText == "in\nout\nbar\n")
        #expect(out.stderrText == "err\n")
        #expect(!out.timedOut)
    }

    @Test("output larger than a pipe's buffer on both streams at once does not stall")
    func largeOutput() async throws {
        let out = try await ChildProcess.run("/bin/sh", ["-c", "head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2"])
        #expect(out.status == 0)
        #expect(out.stdout.count == 300_000)
        #expect(out.stderr.count == 200_000)
    }

    @Test("a killed child reports 128 + the signal; one that outlives its timeout is killed")
    func signalsAndTimeout() async throws {
        let killed = try await ChildProcess.run("/bin/sh", ["-c", "kill -9 $$"])
        #expect(killed.status == 137)
        let start = ContinuousClock.now
        let slow = try await ChildProcess.run("/bin/sleep", ["30"], timeout: .milliseconds(300))
        #expect(slow.timedOut)
        #expect(slow.status == 137)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test("a child that closes its outputs but keeps running is still killed at its timeout")
    func timeoutAfterOutputsClose() async throws {
        let start = ContinuousClock.now
        let out = try await ChildProcess.run("/bin/sh", ["-c", "exec >/dev/null 2>&1; sleep 30"], timeout: .milliseconds(300))
        #expect(out.timedOut)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test("the child inherits no descriptor beyond its standard streams, even one without close-on-exec")
    func noLeakedDescriptors() async throws {
        let fd = open("/dev/null", O_RDONLY)  // deliberately not O_CLOEXEC
        defer { close(fd) }
        #expect(fd > 2)
        let out = try await ChildProcess.run("/bin/sh", ["-c", "ls /proc/$$/fd"])
        let fds = Set(out.stdoutText.split(separator: "\n").map(String.init))
        #expect(!fds.contains(String(fd)), "descriptor \(fd) leaked into the child: \(fds.sorted())")
        #expect(fds.isSuperset(of: ["0", "1", "2"]))
    }

    @Test("a missing program is a clear error")
    func missingProgram() async throws {
        let error = await #expect(throws: GantryError.self) { _ = try await ChildProcess.run("/no/such/program", []) }
        #expect(error?.message.contains("/no/such/program") == true)
    }

    @Test("two hundred concurrent runs, with many descriptors open, all complete")
    func manyConcurrent() async throws {
        let extra = (0..<500).map { _ in open("/dev/null", O_RDONLY | O_CLOEXEC) }
        defer { extra.forEach { close($0) } }
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<200 { group.addTask { try await ChildProcess.run("/bin/echo", ["\(i)"]).stdoutText } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(results) == Set((0..<200).map { "\($0)\n" }))
    }
}
