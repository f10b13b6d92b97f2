import Foundation
import GantryAPI
import Logging
import ServiceLifecycle

/// Capped exponential back-off with jitter, as client-go's `wait.Backoff`: each failure doubles the delay from
/// `initial` up to `cap`, and each wait is drawn from `[delay × (1 − jitter), delay]` so that many clients
/// failing together do not retry together. `reset()` after a success starts again from `initial`.
public struct Backoff: Sendable {
    /// The first delay.
    public var initial: Duration
    /// The largest delay.
    public var cap: Duration
    /// The fraction of each delay drawn at random (0 = none, 0.5 = up to half shorter).
    public var jitter: Double
    /// Failures since the last reset.
    public private(set) var failures = 0

    public init(initial: Duration = .milliseconds(200), cap: Duration = .seconds(10), jitter: Double = 0.5) {
        self.initial = initial
        self.cap = cap
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The undithered delay after `failures` failures: `initial × 2^(failures − 1)`, at most `cap`.
    public func ceiling(afterFailures n: Int) -> Duration {
        guard n > 0 else { return .zero }
        var d = initial
        for _ in 1..<min(n, 62) {
            d = d * 2
            if d >= cap { return cap }
        }
        return min(d, cap)
    }

    /// Records a failure and returns how long to wait before the next try.
    public mutating func next<R: RandomNumberGenerator>(using rng: inout R) -> Duration {
        failures += 1
        let c = ceiling(afterFailures: failures)
        let factor = 1 - jitter * Double.random(in: 0..<1, using: &rng)
        return c * factor
    }

    /// Records a failure and returns how long to wait before the next try.
    public mutating func next() -> Duration {
        var rng = SystemRandomNumberGenerator()
        return next(using: &rng)
    }

    /// Starts again from `initial` (after a success).
    public mutating func reset() { failures = 0 }

    /// Records a failure and sleeps for the next delay; throws `CancellationError` when the task is cancelled and
    /// returns early when graceful shutdown starts (callers check `Task.isShuttingDownGracefully` after).
    public mutating func wait() async throws {
        let d = next()
        try Task.checkCancellation()
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: d) }
        } catch {
            try Task.checkCancellation()
            // Graceful shutdown ended the sleep: the caller sees it and stops.
        }
    }
}

/// True when `error` is (or wraps) a task cancellation, which a loop must end on, never retry.
public func isCancellation(_ error: any Error) -> Bool {
    if error is CancellationError { return true }
    if let g = error as? GantryError, let cause = g.cause { return isCancellation(cause) }
    return false
}

/// Logs a retried operation once per change of state rather than once per try: the first failure (warning),
/// a different error after that (warning), and the recovery (info, with how many tries failed and for how
/// long). Repeats of the same failure are logged at debug level only.
public struct RetryLog: Sendable {
    /// What is being retried, e.g. "node heartbeat".
    public let what: String
    public var logger: Logger
    public var metadata: Logger.Metadata
    private var failingSince: ContinuousClock.Instant?
    private var lastError: String?
    private var failures = 0

    public init(_ what: String, logger: Logger, metadata: Logger.Metadata = [:]) {
        self.what = what
        self.logger = logger
        self.metadata = metadata
    }

    /// True while the operation is failing.
    public var isFailing: Bool { failingSince != nil }

    /// Records a failed try; logs a warning if it is the first or a different error, else at debug level.
    public mutating func failed(_ error: any Error, retryIn delay: Duration? = nil) {
        let text = "\(error)"
        failures += 1
        var md = metadata
        md["error"] = "\(text)"
        if let delay { md["retry_in"] = "\(delay)" }
        if failingSince == nil {
            failingSince = .now
            logger.warning("\(what) failed; retrying with back-off", metadata: md)
        } else if text != lastError {
            md["failures"] = "\(failures)"
            logger.warning("\(what) still failing, with a different error", metadata: md)
        } else {
            logger.debug("\(what) failed again", metadata: md)
        }
        lastError = text
    }

    /// Records a success; logs the recovery if it was failing.
    public mutating func succeeded() {
        guard let since = failingSince else { return }
        var md = metadata
        md["failures"] = "\(failures)"
        md["after"] = "\(ContinuousClock.now - since)"
        logger.info("\(what) recovered", metadata: md)
        failingSince = nil
        lastError = nil
        failures = 0
    }
}
