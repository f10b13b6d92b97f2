import Foundation
import GantryAPI
import GantryClient
import Logging

/// Scheduler service settings.
public enum SchedulingStrategy: String, Sendable { case spread, binpack }
public struct SchedulerServiceConfig: Sendable {
    public var strategy = SchedulingStrategy.spread
    public init() {}
}

/// TEMPORARY placeholder while the scheduler module is written.
public final class SchedulerService: Sendable {
    init(client: GantryClient, pods: Informer<Pod>, nodes: Informer<Node>, config: SchedulerServiceConfig, recorder: EventRecorder, logger: Logger) {}
    func register() {}
    func run() async {}
}
