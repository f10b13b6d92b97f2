import Foundation
import GantryAPI
import GantryClient
import GantryStore
import Logging
import ServiceLifecycle

// ResourceQuota, as kube-apiserver's quota admission and kube-controller-manager's quota controller enforce it:
// a create is refused (403) when it would take a namespace's usage above a quota's `spec.hard`; otherwise the
// quota's `status.used` is charged in the same step (optimistic concurrency on the quota, so concurrent creates
// cannot both take the last unit); `QuotaController` recounts usage from the objects themselves, which is how
// deletions give quota back.

extension Registry {
    /// Refuses `obj` (about to be created in `namespace`) if it exceeds a quota there, and charges the quotas it
    /// counts against (not on a dry run).
    func admitQuota(_ obj: JSONValue, _ r: ResourceInfo, namespace: String, name: String, dryRun: Bool) async throws {
        guard QuotaUsage.counts(r) else { return }
        let delta = QuotaUsage.usage(of: obj, resource: r)
        guard !delta.isEmpty else { return }
        let prefix = ResourceInfo.resourceQuotas.prefix(namespace: namespace)
        for _ in 0..<32 {
            // Possibly stale, as Kubernetes' quota admission reads its informer: charging is a guarded update of
            // the quota, so a stale read costs a retry, never a wrong charge.
            let quotas = try await store.listCached(prefix: prefix).items
            if quotas.isEmpty { return }
            var charged = true
            for kv in quotas {
                var quota = try decode(kv, as: .resourceQuotas)
                let quotaName = quota[path: ["metadata", "name"]]?.stringValue ?? ""
                let hard = QuotaUsage.quantities(quota[path: ["spec", "hard"]])
                if r == .pods {
                    let missing = QuotaUsage.unspecified(obj, constrained: Set(hard.keys))
                    if !missing.isEmpty {
                        let what = missing.keys.sorted().map { "\($0) for: \(missing[$0]!.joined(separator: ","))" }.joined(separator: "; ")
                        throw GantryError(.forbidden, "\(r.qualifiedName) \"\(name)\" is forbidden: failed quota: \(quotaName): must specify \(what)")
                    }
                }
                let tracked = Set(hard.keys).intersection(delta.keys)
                guard !tracked.isEmpty else { continue }
                var used = QuotaUsage.quantities(quota[path: ["status", "used"]])
                let uncounted = tracked.filter { used[$0] == nil }
                if !uncounted.isEmpty {
                    for (k, v) in try await quotaUsage(of: Set(uncounted), namespace: namespace) { used[k] = v }
                }
                let exceeded = tracked.sorted().filter { (used[$0] ?? 0) + delta[$0]! > hard[$0]! }
                if !exceeded.isEmpty {
                    func show(_ m: [String: Quantity]) -> String { exceeded.map { "\($0)=\(m[$0] ?? 0)" }.joined(separator: ",") }
                    throw GantryError(.forbidden, "\(r.qualifiedName) \"\(name)\" is forbidden: exceeded quota: \(quotaName), requested: \(show(delta)), used: \(show(used)), limited: \(show(hard))")
                }
                if dryRun { continue }
                for k in tracked { used[k] = (used[k] ?? 0) + delta[k]! }
                quota[path: ["status", "used"]] = QuotaUsage.json(used)
                quota[path: ["status", "hard"]] = quota[path: ["spec", "hard"]]
                switch try await store.update(kv.key, value: try encode(quota, key: kv.key), expectedRevision: kv.modRevision) {
                case .updated: continue
                case .conflict, .notFound: charged = false
                }
                break
            }
            if charged { return }
            await Task.yield()
        }
        throw GantryError(.conflict, "Operation cannot be fulfilled on resourcequotas: the quotas of namespace \(namespace) changed too often; please try again")
    }

    /// The usage in `namespace` of the quota resources `names`, counted from the objects.
    public func quotaUsage(of names: Set<String>, namespace: String) async throws -> [String: Quantity] {
        var resources: [ResourceInfo] = []
        for n in names {
            let r: ResourceInfo?
            if n.hasPrefix("count/") {
                let parts = n.dropFirst("count/".count).split(separator: ".", maxSplits: 1).map(String.init)
                r = catalog.lookup(group: parts.count > 1 ? parts[1] : "", plural: parts[0])
            } else if n == "pods" || n == "cpu" || n == "memory" || n.hasPrefix("requests.") || n.hasPrefix("limits.") {
                r = .pods
            } else if n.hasPrefix("services") {
                r = .services
            } else {
                r = catalog.lookup(group: "", plural: n)
            }
            if let r, QuotaUsage.counts(r), !resources.contains(r) { resources.append(r) }
        }
        var out: [String: Quantity] = Dictionary(uniqueKeysWithValues: names.map { ($0, Quantity(integer: 0)) })
        for r in resources {
            for item in try await list(r, namespace: namespace, options: ListOptions()).items
                where item[path: ["metadata", "deletionTimestamp"]] == nil || r != .pods {
                for (k, v) in QuotaUsage.usage(of: item, resource: r) where names.contains(k) { out[k] = out[k]! + v }
            }
        }
        return out
    }

    /// A new quota's status: its hard limits and the namespace's usage of them now.
    func quotaStatus(_ quota: JSONValue, namespace: String) async throws -> JSONValue {
        let hard = QuotaUsage.quantities(quota[path: ["spec", "hard"]])
        return ["hard": quota[path: ["spec", "hard"]] ?? .emptyObject,
                "used": QuotaUsage.json(try await quotaUsage(of: Set(hard.keys), namespace: namespace))]
    }
}

/// Keeps every ResourceQuota's `status` current: `hard` from the spec, `used` recounted from the objects every
/// few seconds (deletions and terminated pods give quota back this way, as kube-controller-manager's
/// resource-quota controller does on its resync).
public struct QuotaController: ServiceLifecycle.Service {
    let registry: Registry
    let interval: Duration
    let logger: Logger

    public init(registry: Registry, interval: Duration = .seconds(3), logger: Logger) {
        self.registry = registry
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await runPeriodically("resource quota recount", busy: interval, idle: interval, logger: logger) {
            try await pass()
            return false
        }
    }

    /// One recount of every quota; writes the statuses that changed.
    public func pass() async throws {
        for quota in try await registry.list(.resourceQuotas, namespace: nil, options: ListOptions()).items {
            guard let ns = quota[path: ["metadata", "namespace"]]?.stringValue,
                  let name = quota[path: ["metadata", "name"]]?.stringValue else { continue }
            let status = try await registry.quotaStatus(quota, namespace: ns)
            let current = quota["status"] ?? .emptyObject
            if QuotaUsage.quantities(current["hard"]) == QuotaUsage.quantities(status["hard"]),
               QuotaUsage.quantities(current["used"]) == QuotaUsage.quantities(status["used"]) { continue }
            var updated = quota
            updated["status"] = status
            do {
                _ = try await registry.update(.resourceQuotas, namespace: ns, name: name, body: updated, scope: .status,
                                              options: WriteOptions())
            } catch let e as GantryError where e.code == .conflict || e.code == .notFound {
                continue  // charged or removed meanwhile: the next pass counts again
            }
        }
    }
}
