import Foundation
import GantryAPI
import GantryClient
import Logging
import ServiceLifecycle

/// Cluster DNS for one node: a `DNSServer` answering from Services and Endpoints that its own informers
/// watch. A burst of changes is folded into one zone rebuild.
public final class ClusterDNS: ServiceLifecycle.Service, @unchecked Sendable {
    let services: Informer<GantryAPI.Service>
    let endpoints: Informer<Endpoints>
    /// The server; its zone follows the informers.
    public let server: DNSServer
    let logger: Logger
    let settle: Duration
    private let (changes, changed) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

    /// Serves `configuration` (its upstreams default to the node's resolvers other than itself).
    public init(client: GantryClient, configuration: DNSServer.Configuration, settle: Duration = .milliseconds(20),
                logger: Logger) throws {
        var config = configuration
        if config.upstreams.isEmpty {
            config.upstreams = (try? DNSServer.upstreams(excluding: [config.host])) ?? []
        }
        server = try DNSServer(configuration: config, logger: logger)
        services = Informer(client: client, logger: logger)
        endpoints = Informer(client: client, logger: logger)
        self.logger = logger
        self.settle = settle
        services.addHandler { [changed] _ in changed.yield() }
        endpoints.addHandler { [changed] _ in changed.yield() }
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await self.server.run()
                // The listeners closed by themselves: a node without its DNS server must not look healthy.
                if !Task.isCancelled && !Task.isShuttingDownGracefully {
                    throw GantryError(.unavailable, "the DNS server on \(self.server.configuration.host) stopped by itself")
                }
            }
            group.addTask { try await self.services.run() }
            group.addTask { try await self.endpoints.run() }
            group.addTask {
                try await cancelWhenGracefulShutdown {
                    await self.services.waitForSync()
                    await self.endpoints.waitForSync()
                    var it = self.changes.makeAsyncIterator()
                    repeat {
                        try? await Task.sleep(for: self.settle)
                        self.server.update(services: self.services.list(), endpoints: self.endpoints.list())
                    } while await it.next() != nil
                }
            }
            try await group.waitForAll()
        }
    }
}
