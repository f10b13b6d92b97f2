import Foundation
import GantryRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a finished child process produced.
struct ProcessOutput: Sendable {
    var status: Int32
    var stdout: Data
    var stderr: Data
    /// The process was killed because it outlived its timeout.
    var timedOut: Bool

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs short-lived helper processes (CNI plugins, `ip`) without blocking Swift's cooperative
/// thread pool: all blocking waits and reads happen on threads of their own (`Blocking`), the caller
/// awaits a continuation. A process that outlives its timeout is killed with SIGKILL.
enum ProcessRunner {
    /// Writing a plugin's stdin after it exited must give EPIPE, not kill the agent.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                    stdin: Data = Data(), timeout: Duration) async throws -> ProcessOutput {
        _ = ignoreSIGPIPE
        return try await Blocking.run {
            try runBlocking(executable, arguments, environment: environment, stdin: stdin, timeout: timeout)
        }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String]?,
                                    stdin: Data, timeout: Duration) throws -> ProcessOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        process.standardInput = inPipe
        process.standardOutput = outPipe
        process.standardError = errPipe
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let pid = process.processIdentifier
        let state = RunState()

        let outHandle = outPipe.fileHandleForReading
        let errHandle = errPipe.fileHandleForReading
        let readers = DispatchGroup()
        readers.enter()
        Blocking.start {
            state.setStdout(outHandle.readDataToEndOfFile())
            readers.leave()
        }
        readers.enter()
        Blocking.start {
            state.setStderr(errHandle.readDataToEndOfFile())
            readers.leave()
        }

        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            if state.markTimedOutIfRunning() { kill(pid, SIGKILL) }
        }

        let writer = inPipe.fileHandleForWriting
        if !stdin.isEmpty { try? writer.write(contentsOf: stdin) }
        try? writer.close()

        exited.wait()
        state.markFinished()
        // A grandchild that inherited stdout (and outlives a killed plugin) must not hang us forever.
        _ = readers.wait(timeout: .now() + 5)
        return ProcessOutput(status: process.terminationStatus, stdout: state.stdout, stderr: state.stderr,
                             timedOut: state.timedOut)
    }
}

/// Lock-protected bookkeeping shared between the threads of one `runBlocking` call.
private final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var finished = false
    private var _timedOut = false
    private var _stdout = Data()
    private var _stderr = Data()

    func markFinished() { lock.withLock { finished = true } }
    /// True if the process is still running (and is now marked as timed out).
    func markTimedOutIfRunning() -> Bool {
        lock.withLock {
            if finished { return false }
            _timedOut = true
            return true
        }
    }
    var timedOut: Bool { lock.withLock { _timedOut } }
    func setStdout(_ d: Data) { lock.withLock { _stdout = d } }
    func setStderr(_ d: Data) { lock.withLock { _stderr = d } }
    var stdout: Data { lock.withLock { _stdout } }
    var stderr: Data { lock.withLock { _stderr } }
}
