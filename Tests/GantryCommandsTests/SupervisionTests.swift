import Foundation
import GantryAPI
import GantryClient
import Logging
import ServiceLifecycle
import Testing
@testable import GantryCommands

/// A log handler that keeps what it is given, for counting lines.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(Logger.Level, String, Logger.Metadata)] = []

    var entries: [(Logger.Level, String, Logger.Metadata)] { lock.withLock { lines } }
    func append(_ level: Logger.Level, _ message: String, _ md: Logger.Metadata) { lock.withLock { lines.append((level, message, md)) } }

    func logger(level: Logger.Level = .debug) -> Logger {
        var l = Logger(label: "test") { _ in Handler(log: self) }
        l.logLevel = level
        return l
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
                 function: String, line: UInt) {
            log.append(level, "\(message)", self.metadata.merging(metadata ?? [:]) { $1 })
        }
    }
}

/// Runs until cancelled or shut down (as a well-behaved service does).
struct WellBehaved: ServiceLifecycle.Service {
    let stopped: LockedBox
    func run() async throws {
        try? await gracefulShutdown()
        stopped.set()
    }
}

/// Throws after a moment.
struct Failing: ServiceLifecycle.Service {
    func run() async throws {
        try await Task.sleep(for: .milliseconds(50))
        throw GantryError(.unavailable, "port 53 is taken")
    }
}

/// Returns after a moment, unasked.
struct Quitter: ServiceLifecycle.Service {
    func run() async throws { try await Task.sleep(for: .milliseconds(50)) }
}

/// Ignores cancellation: the fault the exit deadline guards against.
struct Stubborn: ServiceLifecycle.Service {
    func run() async throws {
        let end = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(10)) }
    }
}

final class LockedBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

@Suite("Service supervision")
struct SupervisionTests {
    @Test func aServiceThatThrowsStopsTheOthersAndNamesItself() async throws {
        let log = CapturedLog()
        let other = LockedBox()
        let started = ContinuousClock.now
        let error = await #expect(throws: GantryError.self) {
            try await runUntilSignalled([WellBehaved(stopped: other), Failing()], logger: log.logger(), onDeadline: {})
        }
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(error?.message.contains("service Failing failed") == true, "\(String(describing: error))")
        #expect(error?.message.contains("port 53 is taken") == true)
        #expect(other.isSet)
        let critical = log.entries.filter { $0.0 == .critical }
        #expect(critical.count == 1)
        #expect(critical.first?.2["service"] == "Failing")
    }

    @Test func aServiceThatReturnsUnaskedIsAFailure() async throws {
        let log = CapturedLog()
        let error = await #expect(throws: GantryError.self) {
            try await runUntilSignalled([WellBehaved(stopped: LockedBox()), Quitter()], logger: log.logger(), onDeadline: {})
        }
        #expect(error?.message.contains("service Quitter stopped unexpectedly") == true, "\(String(describing: error))")
    }

    @Test func lateServicesAreSupervisedOneByOne() async throws {
        let log = CapturedLog()
        let error = await #expect(throws: GantryError.self) {
            try await runUntilSignalled([WellBehaved(stopped: LockedBox()), LateServices { [WellBehaved(stopped: LockedBox()), Failing()] }],
                                        logger: log.logger(), onDeadline: {})
        }
        #expect(error?.message.contains("service Failing failed") == true, "\(String(describing: error))")
    }

    @Test func aServiceIgnoringCancellationMeetsTheExitDeadline() async throws {
        let log = CapturedLog()
        let fired = LockedBox()
        await #expect(throws: GantryError.self) {
            try await runUntilSignalled([Stubborn(), Failing()], logger: log.logger(), exitDeadline: .milliseconds(300),
                                        onDeadline: { fired.set() })
        }
        #expect(fired.isSet, "the exit deadline did not fire while a service ignored cancellation")
        #expect(log.entries.contains { $0.1.contains("did not stop in time") })
    }

    @Test func theDeadlineDoesNotFireWhenEverythingStops() async throws {
        let fired = LockedBox()
        await #expect(throws: GantryError.self) {
            try await runUntilSignalled([WellBehaved(stopped: LockedBox()), Failing()], logger: CapturedLog().logger(),
                                        exitDeadline: .milliseconds(200), onDeadline: { fired.set() })
        }
        try await Task.sleep(for: .milliseconds(400))
        #expect(!fired.isSet)
    }
}
