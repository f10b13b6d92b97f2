import Foundation
import GantryAPI
import GantryClient
import GantryStore
import Logging
import ServiceLifecycle

/// Kubernetes' Node authorizer and the authorization half of NodeRestriction: an agent (user `system:node:NAME` in
/// group `system:nodes`) may read a Secret, ConfigMap or PersistentVolumeClaim, and ask for a ServiceAccount's
/// token, only when a pod bound to its node refers to it; it may change only its own Node and Lease, and only the
/// status of its own pods. Everything else it asks is left to RBAC (`system:node`).
///
/// The pod → node graph is kept in memory from the store's watch of pods (`NodeGraphIndexer`), like RBAC's index: a
/// decision is a few dictionary lookups under a lock.
public final class NodeAuthorizer: @unchecked Sendable {
    /// What the authorizer says: allowed, forbidden (with why), or no opinion (RBAC decides).
    public enum Decision: Sendable, Equatable {
        case allow
        case deny(String)
        case noOpinion
    }

    /// An object a pod refers to: `secrets/NS/NAME`, `configmaps/NS/NAME`, `persistentvolumeclaims/NS/NAME`,
    /// `serviceaccounts/NS/NAME`.
    struct Ref: Hashable, Sendable {
        var resource: String
        var namespace: String
        var name: String
    }

    private struct PodEntry {
        var node: String
        var refs: Set<Ref>
    }

    private let lock = NSLock()
    private var pods: [String: PodEntry] = [:]  // "ns/name"
    private var byNode: [String: [Ref: Int]] = [:]
    /// The store revision the graph reflects.
    public private(set) var revision: Int64 = 0

    public static let nodesGroup = "system:nodes"
    public static let userPrefix = "system:node:"
    public static let leaseNamespace = "kube-node-lease"

    public init() {}

    /// The node a user is, if it is one.
    public static func nodeName(of user: UserInfo) -> String? {
        guard user.groups.contains(nodesGroup), user.name.hasPrefix(userPrefix) else { return nil }
        let name = String(user.name.dropFirst(userPrefix.count))
        return name.isEmpty ? nil : name
    }

    // MARK: The graph

    /// What a pod refers to that its node must read: volumes (secret, configMap, projected, PVC), env and envFrom,
    /// image pull secrets, and its ServiceAccount.
    static func refs(of pod: JSONValue) -> Set<Ref> {
        let ns = pod[path: ["metadata", "namespace"]]?.stringValue ?? ""
        var out: Set<Ref> = []
        func add(_ resource: String, _ name: String?) {
            if let name, !name.isEmpty { out.insert(Ref(resource: resource, namespace: ns, name: name)) }
        }
        let spec = pod["spec"] ?? .emptyObject
        add("serviceaccounts", spec["serviceAccountName"]?.stringValue ?? "default")
        for s in spec["imagePullSecrets"]?.arrayValue ?? [] { add("secrets", s["name"]?.stringValue) }
        for v in spec["volumes"]?.arrayValue ?? [] {
            add("secrets", v[path: ["secret", "secretName"]]?.stringValue)
            add("configmaps", v[path: ["configMap", "name"]]?.stringValue)
            add("persistentvolumeclaims", v[path: ["persistentVolumeClaim", "claimName"]]?.stringValue)
            for source in v[path: ["projected", "sources"]]?.arrayValue ?? [] {
                add("secrets", source[path: ["secret", "name"]]?.stringValue)
                add("configmaps", source[path: ["configMap", "name"]]?.stringValue)
            }
        }
        for key in ["initContainers", "containers", "ephemeralContainers"] {
            for c in spec[key]?.arrayValue ?? [] {
                for e in c["env"]?.arrayValue ?? [] {
                    add("secrets", e[path: ["valueFrom", "secretKeyRef", "name"]]?.stringValue)
                    add("configmaps", e[path: ["valueFrom", "configMapKeyRef", "name"]]?.stringValue)
                }
                for f in c["envFrom"]?.arrayValue ?? [] {
                    add("secrets", f[path: ["secretRef", "name"]]?.stringValue)
                    add("configmaps", f[path: ["configMapRef", "name"]]?.stringValue)
                }
            }
        }
        return out
    }

    /// Replaces the graph with `pods` (from a list at `revision`).
    func reset(pods list: [JSONValue], revision rev: Int64) {
        lock.withLock {
            pods = [:]
            byNode = [:]
            for p in list { putLocked(p) }
            revision = rev
        }
    }

    /// Applies one watch event: `pod` is the object after a put, nil after a delete of `key`'s pod.
    func apply(key: String, pod: JSONValue?, revision rev: Int64) {
        lock.withLock {
            let id = String(key.dropFirst(ResourceInfo.pods.keyPrefix.count))
            removeLocked(id)
            if let pod { putLocked(pod) }
            revision = max(revision, rev)
        }
    }

    private func putLocked(_ pod: JSONValue) {
        guard let node = pod[path: ["spec", "nodeName"]]?.stringValue, !node.isEmpty,
              let ns = pod[path: ["metadata", "namespace"]]?.stringValue,
              let name = pod[path: ["metadata", "name"]]?.stringValue else { return }
        let id = "\(ns)/\(name)"
        removeLocked(id)
        let entry = PodEntry(node: node, refs: Self.refs(of: pod))
        pods[id] = entry
        for r in entry.refs { byNode[node, default: [:]][r, default: 0] += 1 }
    }

    private func removeLocked(_ id: String) {
        guard let old = pods.removeValue(forKey: id) else { return }
        for r in old.refs {
            let n = (byNode[old.node]?[r] ?? 1) - 1
            byNode[old.node]?[r] = n > 0 ? n : nil
        }
        if byNode[old.node]?.isEmpty == true { byNode[old.node] = nil }
    }

    /// The node a pod is bound to, if the graph knows it.
    func node(ofPod namespace: String, _ name: String) -> String? {
        lock.withLock { pods["\(namespace)/\(name)"]?.node }
    }

    /// How many pods and references the graph holds.
    public var counts: (pods: Int, refs: Int) {
        lock.withLock { (pods.count, byNode.values.reduce(0) { $0 + $1.count }) }
    }

    // MARK: Decisions

    /// What the node authorizer says about `a` by `user`. Only a node's requests get an opinion.
    public func authorize(_ user: UserInfo, _ a: AccessRequest) -> Decision {
        guard let node = Self.nodeName(of: user), a.isResource, a.group == "" || a.group == "coordination.k8s.io" else {
            return .noOpinion
        }
        let mutating = ["create", "update", "patch", "delete", "deletecollection"].contains(a.verb)
        func related(_ resource: String) -> Decision {
            let ref = Ref(resource: resource, namespace: a.namespace, name: a.name)
            if !a.name.isEmpty, lock.withLock({ byNode[node]?[ref] != nil }) { return .allow }
            return .deny("no relationship found between node '\(node)' and this object")
        }
        switch (a.group, a.resource, a.subresource) {
        case ("", "secrets", ""), ("", "configmaps", ""), ("", "persistentvolumeclaims", ""):
            // Only a get of one object; list and watch would show every one.
            guard a.verb == "get" else { return .deny("can only get individual \(a.resource)") }
            return related(a.resource)
        case ("", "serviceaccounts", "token"):
            guard a.verb == "create" else { return .deny("can only create tokens for individual service accounts") }
            return related("serviceaccounts")
        case ("", "nodes", _):
            if mutating, a.verb != "create", a.name != node {
                return .deny("node '\(node)' cannot modify node '\(a.name)'")
            }
            return .noOpinion
        case ("coordination.k8s.io", "leases", ""):
            if mutating, a.namespace != Self.leaseNamespace || (a.verb != "create" && a.name != node) {
                return .deny("node '\(node)' can only modify its own lease in \(Self.leaseNamespace)")
            }
            return .noOpinion
        case ("", "pods", "status"), ("", "pods", ""):
            if a.subresource == "" && a.verb == "create" { return .deny("node '\(node)' cannot create pods") }
            guard mutating else { return .noOpinion }
            if a.name.isEmpty { return .deny("node '\(node)' can only modify individual pods bound to it") }
            return self.node(ofPod: a.namespace, a.name) == node ? .noOpinion
                : .deny("node '\(node)' can only modify pods bound to it")
        default:
            return .noOpinion
        }
    }

    /// Waits (up to `timeout`) until the graph reflects `revision`, so that a request racing the pod's binding is
    /// decided on a graph that has seen it.
    public func waitFor(revision target: Int64, timeout: Duration = .seconds(2)) async {
        let deadline = ContinuousClock.now + timeout
        while lock.withLock({ revision }) < target, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// Keeps `NodeAuthorizer`'s pod graph current from the store's watch of pods.
public struct NodeGraphIndexer: ServiceLifecycle.Service {
    let registry: Registry
    let authorizer: NodeAuthorizer
    let logger: Logger

    public init(registry: Registry, authorizer: NodeAuthorizer, logger: Logger) {
        self.registry = registry
        self.authorizer = authorizer
        self.logger = logger
    }

    /// Loads the whole graph from one consistent list of the store.
    public static func load(registry: Registry, authorizer: NodeAuthorizer) async throws {
        var pods: [JSONValue] = []
        var after: String? = nil
        var revision: Int64? = nil
        while true {
            let page = try await registry.store.list(prefix: ResourceInfo.pods.keyPrefix, after: after, limit: 1000,
                                                     revision: revision)
            revision = page.revision
            for kv in page.items { pods.append(try registry.decode(kv)) }
            if !page.more { break }
            after = page.items.last?.key
        }
        authorizer.reset(pods: pods, revision: revision ?? 0)
    }

    public func run() async throws {
        var backoff = Backoff(initial: .milliseconds(200), cap: .seconds(10))
        var log = RetryLog("the node authorizer's pod watch", logger: logger)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let stream = try await registry.store.watch(prefix: ResourceInfo.pods.keyPrefix, fromRevision: authorizer.revision)
                log.succeeded()
                try await cancelWhenGracefulShutdown {
                    for try await e in stream {
                        authorizer.apply(key: e.kv.key, pod: e.kind == .put ? try? registry.decode(e.kv) : nil, revision: e.revision)
                    }
                }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                log.failed(error)
                try? await Self.load(registry: registry, authorizer: authorizer)
                try? await backoff.wait()
            }
        }
    }
}
