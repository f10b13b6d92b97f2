import Foundation
import GantryRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a finished helper process produced.
typealias ProcessOutput = ChildOutput

/// Runs short-lived helper processes (CNI plugins, `ip`) without blocking Swift's cooperative thread pool
/// (`ChildProcess`: posix_spawn, a thread of its own per call). A process that outlives its timeout is
/// killed with SIGKILL.
enum ProcessRunner {
    /// The nice value (0–19) of the processes the current task runs: work done ahead of demand (preparing
    /// sandboxes) runs behind the pods starting now.
    @TaskLocal static var niceness: Int32 = 0

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                    stdin: Data = Data(), timeout: Duration) async throws -> ProcessOutput {
        try await ChildProcess.run(executable, arguments, environment: environment, stdin: stdin, timeout: timeout,
                                   niceness: niceness)
    }
}
