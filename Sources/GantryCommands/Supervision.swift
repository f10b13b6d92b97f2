import Foundation
import GantryAgent
import GantryAPI
import GantryClient
import Logging
import ServiceLifecycle

/// Records the first service of a process that ended when nothing asked it to, so the process can say which and
/// why, and exit non-zero instead of living on half-stopped.
final class FailureRecord: Sendable {
    private let first = LockedValue<GantryError?>(nil)

    private let done = LockedValue(false)

    /// The first unexpected end, if any.
    var failure: GantryError? { first.value }

    /// True once every service has stopped (the exit deadline is moot).
    var stopped: Bool {
        get { done.value }
        set { done.value = newValue }
    }

    /// Records `error` if it is the first; returns whether it was.
    func record(_ error: GantryError) -> Bool {
        var wasFirst = false
        first.update { if $0 == nil { $0 = error; wasFirst = true } }
        return wasFirst
    }
}

/// A service run under supervision: if it throws, or returns while neither cancelled nor shutting down, it logs
/// which service ended and why, records it, starts the exit deadline and throws (which ends the whole group).
struct Supervised: ServiceLifecycle.Service, CustomStringConvertible {
    let name: String
    let service: any ServiceLifecycle.Service
    let record: FailureRecord
    let logger: Logger
    /// How long the other services get to stop after one fails before the process exits anyway.
    let exitDeadline: Duration
    /// What happens at the deadline (the process exits with status 1).
    let onDeadline: @Sendable () -> Void

    var description: String { name }

    init(_ service: any ServiceLifecycle.Service, record: FailureRecord, logger: Logger, exitDeadline: Duration = .seconds(10),
         onDeadline: @escaping @Sendable () -> Void = { exit(1) }) {
        self.service = service
        self.name = Self.name(of: service)
        self.record = record
        self.logger = logger
        self.exitDeadline = exitDeadline
        self.onDeadline = onDeadline
    }

    /// A readable name: the service's type, without module or generic parameters.
    static func name(of service: any ServiceLifecycle.Service) -> String {
        if let s = service as? Supervised { return s.name }
        let full = String(describing: type(of: service))
        return String(full.prefix { $0 != "<" })
    }

    func run() async throws {
        do {
            try await service.run()
        } catch {
            if Task.isCancelled || Task.isShuttingDownGracefully || isCancellation(error) {
                // Stopped because it was asked to (or because another service failed first).
                if record.failure != nil || Task.isShuttingDownGracefully { return }
                throw error
            }
            throw fail(GantryError(.internalError, "service \(name) failed: \(error)", cause: error))
        }
        if Task.isCancelled || Task.isShuttingDownGracefully { return }
        throw fail(GantryError(.internalError, "service \(name) stopped unexpectedly (it returned without being asked to stop)"))
    }

    private func fail(_ error: GantryError) -> GantryError {
        guard record.record(error) else { return error }
        logger.critical("a service ended unexpectedly; stopping the process", metadata: [
            "service": "\(name)", "error": "\(error.cause.map { "\($0)" } ?? error.message)",
        ])
        // Cancellation is cooperative: if some service ignores it, do not hang half-stopped. A thread, not a task,
        // so that a starved or cancelled cooperative pool cannot hold the deadline back.
        let deadline = exitDeadline
        let logger = logger
        let name = name
        let onDeadline = onDeadline
        let record = record
        Thread.detachNewThread {
            let ns = deadline.components.seconds * 1_000_000_000 + deadline.components.attoseconds / 1_000_000_000
            Thread.sleep(forTimeInterval: Double(ns) / 1e9)
            if record.stopped { return }
            logger.critical("services did not stop in time after a failure; exiting", metadata: [
                "service": "\(name)", "deadline": "\(deadline)",
            ])
            onDeadline()
        }
        return error
    }
}

/// Runs `services` until SIGTERM or SIGINT, then shuts them down gracefully, last first. If any service throws or
/// returns before that, the process logs which one and why, cancels the rest, and this throws the cause (so the
/// command exits non-zero); services that ignore cancellation get 10 s before the process exits anyway.
func runUntilSignalled(_ services: [any ServiceLifecycle.Service], logger: Logger, record: FailureRecord = FailureRecord(),
                       exitDeadline: Duration = .seconds(10), onDeadline: @escaping @Sendable () -> Void = { exit(1) })
    async throws
{
    @Sendable func supervise(_ s: any ServiceLifecycle.Service) -> Supervised {
        Supervised(s, record: record, logger: logger, exitDeadline: exitDeadline, onDeadline: onDeadline)
    }
    let supervised = services.map { s -> Supervised in
        if let late = s as? LateServices {
            // Supervise what it makes, one by one, so a failure names the service that failed.
            return supervise(LateServices { try await late.make().map(supervise) })
        }
        return supervise(s)
    }
    defer { record.stopped = true }
    var configuration = ServiceGroupConfiguration(services: supervised.map { .init(service: $0) },
                                                  gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    // A store that stopped answering (an etcd without quorum) must not hold the shutdown for ever: what has not
    // finished in 20 s is cancelled.
    configuration.maximumGracefulShutdownDuration = .seconds(20)
    configuration.maximumCancellationDuration = .seconds(5)
    let group = ServiceGroup(configuration: configuration)
    do {
        try await group.run()
    } catch {
        throw record.failure ?? error
    }
    if let failure = record.failure { throw failure }
}

/// Services built once something is known (the API's bound port), then run together, each supervised as the
/// group's own services are.
struct LateServices: ServiceLifecycle.Service {
    let make: @Sendable () async throws -> [any ServiceLifecycle.Service]

    init(_ make: @escaping @Sendable () async throws -> [any ServiceLifecycle.Service]) { self.make = make }

    func run() async throws {
        let services = try await make()
        if services.isEmpty {
            // Nothing to run (e.g. controllers turned off): wait for the group to stop.
            try? await gracefulShutdown()
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for s in services { group.addTask { try await s.run() } }
            // The first to end (a supervised service only ends early by throwing) ends the rest.
            try await group.next()
            if !Task.isShuttingDownGracefully { group.cancelAll() }
            try await group.waitForAll()
        }
    }
}
