import Foundation
import GantryAPI
import GantryClient
import Logging
import Synchronization

/// The metadata of one resource's cached objects, whatever their type: what the garbage collector needs.
public struct MetadataSource: Sendable {
    public let resource: ResourceInfo
    let get: @Sendable (_ namespace: String?, _ name: String) -> ObjectMeta?
    let list: @Sendable (_ namespace: String?) -> [ObjectMeta]
    let synced: @Sendable () -> Bool
    let subscribe: @Sendable (@escaping @Sendable (_ old: ObjectMeta?, _ new: ObjectMeta?) -> Void) -> Void

    /// Wraps an informer.
    public init<T: KubeObject & Sendable>(_ informer: Informer<T>) {
        resource = T.resourceInfo
        get = { informer.get(namespace: $0, name: $1)?.metadata }
        list = { informer.list(namespace: $0).map(\.metadata) }
        synced = { informer.hasSynced }
        subscribe = { h in
            informer.addHandler { e in
                switch e {
                case .added(let o): h(nil, o.metadata)
                case .updated(let a, let b): h(a.metadata, b.metadata)
                case .deleted(let o): h(o.metadata, nil)
                }
            }
        }
    }
}

/// Deletes objects whose owners are gone (ownerReferences), and carries out foreground and orphan deletion:
/// an owner marked `foregroundDeletion` goes once its dependents are gone; one marked `orphan` goes once
/// they no longer point at it.
public final class GarbageCollector: Reconciler, @unchecked Sendable {
    let client: GantryClient
    let sources: [MetadataSource]
    public let queue: WorkQueue
    let logger: Logger
    /// Owner kinds the informers do not cover (custom resources), resolved through discovery.
    let discovered = Mutex<[String: ResourceInfo]>([:])
    /// Keys of cached objects with an owner of a kind no source watches, kept from the informers' events.
    let foreignOwned = Mutex<Set<String>>([])

    /// `sources` are the resources it watches, as owners and as dependents.
    public init(client: GantryClient, sources: [MetadataSource], clock: any ControllerClock, logger: Logger) {
        self.client = client
        self.sources = sources
        self.queue = WorkQueue(clock: clock, baseDelay: .milliseconds(50))
        self.logger = logger
    }

    static func key(_ r: ResourceInfo, _ m: ObjectMeta) -> String {
        "\(r.plural).\(r.group)|\(objectKey(namespace: m.namespace, name: m.name ?? ""))"
    }

    /// Connects the informers' events to the queue.
    public func register() {
        for s in sources {
            let r = s.resource
            s.subscribe { [weak self] old, new in
                guard let self else { return }
                let key = Self.key(r, (new ?? old)!)
                if let new, self.hasForeignOwner(new) {
                    self.foreignOwned.withLock { _ = $0.insert(key) }
                } else if old.map(self.hasForeignOwner) == true {
                    self.foreignOwned.withLock { _ = $0.remove(key) }
                }
                if let new {
                    // An owner being deleted with a finalizer to carry out (looked at on every change until it goes),
                    // or a dependent whose owners are new or changed. Other updates of dependents (a pod's status,
                    // most often) are not the collector's business.
                    let finalizing = new.deletionTimestamp != nil && !(new.finalizers ?? []).isEmpty
                    let ownersChanged = !(new.ownerReferences ?? []).isEmpty && (old == nil || old?.ownerReferences != new.ownerReferences)
                    if finalizing || ownersChanged { self.queue.add(Self.key(r, new)) }
                } else if let old {
                    // Gone: its dependents may be orphans now; its owners may finish a foreground deletion.
                    for d in self.dependents(ofUID: old.uid ?? "", namespace: old.namespace) { self.queue.add(Self.key(d.0, d.1)) }
                    for ref in old.ownerReferences ?? [] {
                        if let (src, meta) = self.find(ref, namespace: old.namespace) { self.queue.add(Self.key(src.resource, meta)) }
                    }
                }
            }
        }
    }

    private func find(_ ref: OwnerReference, namespace: String?) -> (MetadataSource, ObjectMeta)? {
        guard let api = ref.apiVersion, let kind = ref.kind, let name = ref.name,
              let r = ResourceInfo.lookup(apiVersion: api, kind: kind),
              let src = sources.first(where: { $0.resource == r }),
              let meta = src.get(r.namespaced ? namespace : nil, name) else { return nil }
        return (src, meta)
    }

    private func dependents(ofUID uid: String, namespace: String?) -> [(ResourceInfo, ObjectMeta)] {
        guard !uid.isEmpty else { return [] }
        var out: [(ResourceInfo, ObjectMeta)] = []
        for s in sources {
            for m in s.list(s.resource.namespaced ? namespace : nil) where m.ownerReferences?.contains(where: { $0.uid == uid }) == true {
                out.append((s.resource, m))
            }
        }
        return out
    }

    public func reconcile(_ key: String) async throws -> ReconcileResult {
        guard let bar = key.firstIndex(of: "|"),
              let src = sources.first(where: { "\($0.resource.plural).\($0.resource.group)" == key[..<bar] }) else { return .done }
        let (ns, name) = splitKey(String(key[key.index(after: bar)...]))
        guard src.synced(), let meta = src.get(ns, name) else { return .done }
        let r = src.resource
        if meta.deletionTimestamp != nil, let finalizers = meta.finalizers {
            if finalizers.contains("orphan") { return try await orphan(r, meta) }
            if finalizers.contains("foregroundDeletion") { return try await foreground(r, meta) }
        }
        return try await checkOwners(r, meta)
    }

    /// Deletes `meta` if none of its owners exists any more; drops references to the missing ones otherwise.
    private func checkOwners(_ r: ResourceInfo, _ meta: ObjectMeta) async throws -> ReconcileResult {
        let refs = meta.ownerReferences ?? []
        guard !refs.isEmpty else { return .done }
        var missing: [OwnerReference] = []
        var waitingOnForeground = false
        for ref in refs {
            switch try await ownerState(ref, namespace: meta.namespace) {
            case .absent: missing.append(ref)
            case .present: break
            case .deletingForeground: waitingOnForeground = true
            }
        }
        if missing.count == refs.count {
            guard meta.deletionTimestamp == nil else { return .done }
            logger.debug("deleting orphaned dependent", metadata: ["object": "\(r.plural)/\(objectKey(namespace: meta.namespace, name: meta.name ?? ""))"])
            do {
                try await client.delete(r, namespace: meta.namespace, name: meta.name ?? "", propagationPolicy: "Background")
            } catch let e as GantryError where e.code == .notFound {}
        } else if !missing.isEmpty {
            let kept = refs.filter { ref in !missing.contains { $0.uid == ref.uid } }
            let patch: JSONValue = ["metadata": ["ownerReferences": try JSONValue.encode(kept),
                                                 "resourceVersion": .string(meta.resourceVersion ?? "")]]
            _ = try await client.patch(r, namespace: meta.namespace, name: meta.name ?? "", patch)
        } else if waitingOnForeground, meta.deletionTimestamp == nil {
            // The owner is waiting for us in a foreground deletion: go too, in the foreground.
            do {
                try await client.delete(r, namespace: meta.namespace, name: meta.name ?? "",
                                        propagationPolicy: r == .pods ? "Background" : "Foreground")
            } catch let e as GantryError where e.code == .notFound {}
        }
        return .done
    }

    enum OwnerState { case absent, present, deletingForeground }

    /// The resource of an owner reference: a built-in, or one discovery finds (a custom resource); nil when the
    /// server serves no such kind (the reference is left alone, as Kubernetes leaves unresolvable ones).
    func resolve(apiVersion api: String, kind: String) async -> ResourceInfo? {
        if let r = ResourceInfo.lookup(apiVersion: api, kind: kind) { return r }
        let key = "\(api)/\(kind)"
        if let r = discovered.withLock({ $0[key] }) { return r }
        let path = api.contains("/") ? "/apis/\(api)" : "/api/\(api)"
        guard let list = try? await client.call(.GET, path),
              let entry = list["resources"]?.arrayValue?.first(where: {
                  $0["kind"]?.stringValue == kind && !($0["name"]?.stringValue ?? "").contains("/")
              }),
              let plural = entry["name"]?.stringValue else { return nil }
        let parts = api.split(separator: "/").map(String.init)
        let r = ResourceInfo(group: parts.count == 2 ? parts[0] : "", version: parts.last ?? api, kind: kind, plural: plural,
                             namespaced: entry["namespaced"]?.boolValue ?? true)
        discovered.withLock { $0[key] = r }
        return r
    }

    /// Whether an object has an owner of a kind no source watches (a custom resource).
    func hasForeignOwner(_ m: ObjectMeta) -> Bool {
        (m.ownerReferences ?? []).contains { ref in
            guard let api = ref.apiVersion, let kind = ref.kind else { return false }
            guard let r = ResourceInfo.lookup(apiVersion: api, kind: kind) else { return true }
            return !sources.contains { $0.resource == r }
        }
    }

    /// Queues every cached object with an owner of a kind the informers do not watch (a custom resource): such an
    /// owner's deletion raises no event here, so the collector looks again on this resync. Only those objects are
    /// visited (tracked from the informers' events), not the whole cache.
    public func resyncForeignOwners() {
        for key in foreignOwned.withLock({ $0 }) { queue.add(key) }
    }

    private func ownerState(_ ref: OwnerReference, namespace: String?) async throws -> OwnerState {
        guard let api = ref.apiVersion, let kind = ref.kind, let name = ref.name,
              let r = await resolve(apiVersion: api, kind: kind) else { return .present }  // unknown kinds are left alone
        let ns = r.namespaced ? namespace : nil
        if let src = sources.first(where: { $0.resource == r }), let m = src.get(ns, name), m.uid == ref.uid {
            return m.deletionTimestamp != nil && (m.finalizers ?? []).contains("foregroundDeletion") ? .deletingForeground : .present
        }
        // Not in the cache: ask the server, as the cache may be behind.
        do {
            let o = try await client.get(r, namespace: ns, name: name)
            guard o[path: ["metadata", "uid"]]?.stringValue == ref.uid else { return .absent }
            let deleting = o[path: ["metadata", "deletionTimestamp"]] != nil
            let fg = o[path: ["metadata", "finalizers"]]?.arrayValue?.contains(.string("foregroundDeletion")) == true
            return deleting && fg ? .deletingForeground : .present
        } catch let e as GantryError where e.code == .notFound {
            return .absent
        }
    }

    /// Foreground deletion: delete the dependents; remove the finalizer once none that block remain.
    private func foreground(_ r: ResourceInfo, _ meta: ObjectMeta) async throws -> ReconcileResult {
        let deps = dependents(ofUID: meta.uid ?? "", namespace: meta.namespace)
        for (dr, dm) in deps where dm.deletionTimestamp == nil {
            do {
                try await client.delete(dr, namespace: dm.namespace, name: dm.name ?? "",
                                        propagationPolicy: dr == .pods ? "Background" : "Foreground")
            } catch let e as GantryError where e.code == .notFound {}
        }
        let blocking = deps.filter { $0.1.ownerReferences?.contains { $0.uid == meta.uid && $0.blockOwnerDeletion == true } == true }
        if !blocking.isEmpty { return .requeue(after: .seconds(2)) }  // dependents' deletions also requeue us
        try await removeFinalizer("foregroundDeletion", r, meta)
        return .done
    }

    /// Orphan deletion: drop the owner reference from every dependent, then remove the finalizer.
    private func orphan(_ r: ResourceInfo, _ meta: ObjectMeta) async throws -> ReconcileResult {
        for (dr, dm) in dependents(ofUID: meta.uid ?? "", namespace: meta.namespace) {
            let kept = (dm.ownerReferences ?? []).filter { $0.uid != meta.uid }
            let patch: JSONValue = ["metadata": ["ownerReferences": kept.isEmpty ? .null : try JSONValue.encode(kept),
                                                 "resourceVersion": .string(dm.resourceVersion ?? "")]]
            do {
                _ = try await client.patch(dr, namespace: dm.namespace, name: dm.name ?? "", patch)
            } catch let e as GantryError where e.code == .notFound {}
        }
        try await removeFinalizer("orphan", r, meta)
        return .done
    }

    private func removeFinalizer(_ f: String, _ r: ResourceInfo, _ meta: ObjectMeta) async throws {
        let rest = (meta.finalizers ?? []).filter { $0 != f }
        let patch: JSONValue = ["metadata": ["finalizers": rest.isEmpty ? .null : .array(rest.map { .string($0) }),
                                             "resourceVersion": .string(meta.resourceVersion ?? "")]]
        do {
            _ = try await client.patch(r, namespace: meta.namespace, name: meta.name ?? "", patch)
        } catch let e as GantryError where e.code == .notFound {}
    }
}
