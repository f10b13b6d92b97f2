import Foundation

/// Runs blocking work — waiting for a child process, reading its pipes, a blocking socket — on a thread of its
/// own, never on Swift's cooperative pool nor on Dispatch's shared global queues.
///
/// Dispatch's pool is bounded: a burst of pods whose CNI plugins and runc commands each held three blocking
/// items (wait, stdout, stderr) could take every thread, and the items that would have unblocked them then
/// waited for a thread that never came — pods stayed Pending with nothing in the log. A thread per call costs
/// tens of microseconds, nothing beside the process it waits for.
public enum Blocking {
    /// Runs `body` on a new thread and returns (or throws) what it does.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
            start { cont.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body` on a new thread and returns what it does.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (cont: CheckedContinuation<T, Never>) in
            start { cont.resume(returning: body()) }
        }
    }

    /// Starts `body` on a new thread, without waiting for it.
    public static func start(_ body: @escaping @Sendable () -> Void) {
        let t = Thread(block: body)
        t.stackSize = 512 * 1024
        t.start()
    }
}
