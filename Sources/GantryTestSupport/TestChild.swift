import Foundation
import GantryAPI
import GantryRuntime

/// A program a test runs in the background (a server, a load generator, `gantry` itself), started with
/// `posix_spawn` through `ChildProcess`, never Foundation's `Process`.
///
/// Foundation's `Process.run()` is not safe here: with an in-process API server holding hundreds of descriptors
/// and other tests spawning at the same moment it crashed in its memcpy (seen in the agent and in this test
/// process), and its shared SIGCHLD run loop reaps children behind the back of code that waits for its own.
/// Every child of the test process goes through `ChildProcess` (see `runCommand`) or this class.
public final class TestChild: @unchecked Sendable {
    /// The child's pid.
    public let processIdentifier: pid_t
    private let lock = NSLock()
    private var status: Int32?
    private var detached = false

    /// Starts `path arguments` with standard input from /dev/null and standard output and error appended to
    /// `output` (a file, created if missing; nil discards them). `environment` nil passes the test process's own.
    public init(_ path: String, _ arguments: [String], environment: [String: String]? = nil, output: String? = nil) throws {
        do {
            processIdentifier = try ChildProcess.spawnDaemon(path, arguments, environment: environment, log: output)
        } catch let e as GantryError {
            throw TestFailure(e.message)
        }
    }

    /// Reaps the child if it has exited (or waits for it, with `block`); nil while it runs.
    private func reap(block: Bool) -> Int32? {
        lock.withLock {
            if let status { return status }
            var raw: Int32 = 0
            while true {
                let r = waitpid(processIdentifier, &raw, block ? 0 : WNOHANG)
                if r == processIdentifier {
                    status = ChildProcess.exitCode(fromWaitStatus: raw)
                    return status
                }
                if r == 0 { return nil }
                if errno == EINTR { continue }
                status = 255  // not our child any more (ECHILD): nothing to wait for
                return status
            }
        }
    }

    /// Whether the child has not exited yet.
    public var isRunning: Bool { reap(block: false) == nil }

    /// The exit code (or 128 + the signal that ended it); blocks until the child exits.
    public var terminationStatus: Int32 { waitUntilExit() }

    /// Blocks the calling thread until the child exits; returns its exit code (or 128 + signal).
    @discardableResult
    public func waitUntilExit() -> Int32 { reap(block: true) ?? 255 }

    /// Waits (without blocking a thread) until the child exits, or until `timeout`; nil if it is still running.
    public func exit(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let s = reap(block: false) { return s }
            if ContinuousClock.now > deadline { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Sends `signal` if the child has not been reaped (so a recycled pid is never signalled).
    public func signal(_ signal: Int32) {
        lock.withLock { if status == nil { _ = kill(processIdentifier, signal) } }
    }

    /// SIGTERM.
    public func terminate() { signal(SIGTERM) }

    /// Lets the child outlive this object (a watchdog that ends by itself); otherwise it is killed on deinit.
    public func detach() { lock.withLock { detached = true } }

    deinit {
        if status == nil, !detached {
            kill(processIdentifier, SIGKILL)
            var raw: Int32 = 0
            _ = waitpid(processIdentifier, &raw, 0)
        }
    }
}
