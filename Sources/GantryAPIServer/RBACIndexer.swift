import Foundation
import GantryAPI
import GantryClient
import GantryStore
import Logging
import ServiceLifecycle

/// Keeps `RBACAuthorizer`'s index current from the store's watch of `rbac.authorization.k8s.io`, and aggregates
/// ClusterRoles: a ClusterRole with an `aggregationRule` gets the union of the rules of every ClusterRole its
/// selectors match, written back to the store (as Kubernetes' aggregation controller does), so `admin`, `edit` and
/// `view` grow when a role labelled `aggregate-to-view` is added.
public struct RBACIndexer: ServiceLifecycle.Service {
    let registry: Registry
    let authorizer: RBACAuthorizer
    let logger: Logger

    static let prefix = "/registry/rbac.authorization.k8s.io/"
    static let resources: [ResourceInfo] = [.clusterRoles, .roles, .clusterRoleBindings, .roleBindings]

    public init(registry: Registry, authorizer: RBACAuthorizer, logger: Logger) {
        self.registry = registry
        self.authorizer = authorizer
        self.logger = logger
    }

    /// Loads the whole index from one consistent list of the store.
    public static func load(registry: Registry, authorizer: RBACAuthorizer) async throws {
        var byResource: [ResourceInfo: [JSONValue]] = [:]
        var after: String? = nil
        var revision: Int64? = nil
        while true {
            let page = try await registry.store.list(prefix: prefix, after: after, limit: 1000, revision: revision)
            revision = page.revision
            for kv in page.items {
                guard let r = resources.first(where: { kv.key.hasPrefix($0.keyPrefix) }) else { continue }
                byResource[r, default: []].append(try registry.decode(kv))
            }
            if !page.more { break }
            after = page.items.last?.key
        }
        authorizer.reset(clusterRoles: byResource[.clusterRoles] ?? [], roles: byResource[.roles] ?? [],
                         clusterRoleBindings: byResource[.clusterRoleBindings] ?? [],
                         roleBindings: byResource[.roleBindings] ?? [], revision: revision ?? 0)
    }

    public func run() async throws {
        var backoff = Backoff(initial: .milliseconds(200), cap: .seconds(10))
        var log = RetryLog("the RBAC watch", logger: logger)
        try? await aggregate()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let stream = try await registry.store.watch(prefix: Self.prefix, fromRevision: authorizer.revision)
                log.succeeded()
                try await cancelWhenGracefulShutdown {
                    for try await e in stream {
                        guard let r = Self.resources.first(where: { e.kv.key.hasPrefix($0.keyPrefix) }) else { continue }
                        let object = e.kind == .put ? try? registry.decode(e.kv) : nil
                        authorizer.apply(resource: r, key: e.kv.key, object: object, revision: e.revision)
                        // Only a role that aggregates, or one with labels a selector could match, changes aggregation.
                        if r == .clusterRoles, [object, e.prev.flatMap { try? registry.decode($0) }].contains(where: {
                            $0?["aggregationRule"] != nil || $0?[path: ["metadata", "labels"]] != nil
                        }) {
                            try? await aggregate()
                        }
                    }
                }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                log.failed(error)
                // The revision may be compacted away: start again from a fresh list.
                try? await Self.load(registry: registry, authorizer: authorizer)
                try? await backoff.wait()
            }
        }
    }

    /// Writes the aggregated rules of every ClusterRole with an `aggregationRule` whose rules are out of date.
    public func aggregate() async throws {
        let roles = try await registry.list(.clusterRoles, namespace: nil, options: ListOptions()).items
        for role in roles {
            guard let selectors = role[path: ["aggregationRule", "clusterRoleSelectors"]]?.arrayValue else { continue }
            let name = role[path: ["metadata", "name"]]?.stringValue ?? ""
            let queries = selectors.compactMap { try? $0.decode(LabelSelector.self) }.compactMap { try? LabelQuery($0) }
            var rules: [JSONValue] = []
            for other in roles.sorted(by: { ($0[path: ["metadata", "name"]]?.stringValue ?? "") < ($1[path: ["metadata", "name"]]?.stringValue ?? "") }) {
                let otherName = other[path: ["metadata", "name"]]?.stringValue ?? ""
                guard otherName != name else { continue }
                let labels = registry.labels(of: other)
                guard queries.contains(where: { $0.matches(labels) }) else { continue }
                for r in other["rules"]?.arrayValue ?? [] where !rules.contains(r) { rules.append(r) }
            }
            if role["rules"]?.arrayValue ?? [] == rules { continue }
            var updated = role
            updated["rules"] = .array(rules)
            do {
                _ = try await registry.update(.clusterRoles, namespace: nil, name: name, body: updated, scope: .main,
                                              options: WriteOptions())
            } catch let e as GantryError where e.code == .conflict {
                continue  // changed meanwhile: its own watch event aggregates again
            }
        }
    }
}
