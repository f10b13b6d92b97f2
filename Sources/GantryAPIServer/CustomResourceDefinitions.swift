import Foundation
import GantryAPI
import GantryClient
import GantryStore
import Logging
import ServiceLifecycle

/// Serves CustomResourceDefinitions, as apiextensions-apiserver's controllers do: a CRD's resources join the
/// server's `ResourceCatalog` as soon as its watch event arrives (routing, discovery, OpenAPI, tables follow
/// from the catalog), its status gets `acceptedNames`, `storedVersions` and the NamesAccepted/Established
/// conditions, a CRD whose names collide with another resource is not served (NamesAccepted False), and a
/// deleted CRD first loses its objects (the `customresourcecleanup.apiextensions.k8s.io` finalizer).
public struct CustomResourceDefinitions: ServiceLifecycle.Service {
    /// The finalizer that keeps a deleted CRD until its objects are gone.
    public static let cleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"
    static let prefix = ResourceInfo.customResourceDefinitions.keyPrefix

    let registry: Registry
    let logger: Logger

    public init(registry: Registry, logger: Logger) {
        self.registry = registry
        self.logger = logger
    }

    /// Serves every CRD in the store (at start, before the API listens); returns the revision listed at.
    @discardableResult
    public static func load(registry: Registry, logger: Logger) async throws -> Int64 {
        let (items, revision, _) = try await registry.list(.customResourceDefinitions, namespace: nil, options: ListOptions())
        for crd in items { await reconcile(crd, registry: registry, logger: logger) }
        return revision
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await watchLoop() }
            group.addTask { await cleanupLoop() }
            await group.waitForAll()
        }
    }

    func watchLoop() async {
        var backoff = Backoff(initial: .milliseconds(200), cap: .seconds(10))
        var log = RetryLog("the CustomResourceDefinition watch", logger: logger)
        var from: Int64 = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if from == 0 { from = try await Self.load(registry: registry, logger: logger) + 1 }
                let stream = try await registry.store.watch(prefix: Self.prefix, fromRevision: from)
                log.succeeded()
                let start = from
                from = try await cancelWhenGracefulShutdown {
                    var next = start
                    for try await e in stream {
                        next = e.revision + 1
                        let name = String(e.kv.key.dropFirst(Self.prefix.count))
                        if e.kind == .delete {
                            registry.catalog.setCustom(name, [])
                            logger.info("custom resource definition removed", metadata: ["crd": "\(name)"])
                            // Names it held may now be free for a CRD that was refused them.
                            let refused = try await registry.list(.customResourceDefinitions, namespace: nil, options: ListOptions())
                                .items.filter { registry.catalog.custom(definition: $0[path: ["metadata", "name"]]?.stringValue ?? "") == nil }
                            for crd in refused { await Self.reconcile(crd, registry: registry, logger: logger) }
                            continue
                        }
                        guard var crd = try? registry.decode(e.kv) else { continue }
                        crd[path: ["metadata", "resourceVersion"]] = .string(String(e.kv.modRevision))
                        await Self.reconcile(crd, registry: registry, logger: logger)
                    }
                    return next
                }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                log.failed(error)
                from = 0  // the revision may be compacted away: list again
                try? await backoff.wait()
            }
        }
    }

    /// Once a second (every quarter second while busy): deletes the objects of terminating CRDs, then releases them.
    func cleanupLoop() async {
        await runPeriodically("custom resource cleanup", busy: .milliseconds(250), idle: .seconds(1), logger: logger) {
            try await cleanupPass()
        }
    }

    /// One pass over terminating CRDs; true while any still has objects.
    public func cleanupPass() async throws -> Bool {
        var busy = false
        let crds = try await registry.list(.customResourceDefinitions, namespace: nil, options: ListOptions()).items
        for crd in crds where crd[path: ["metadata", "deletionTimestamp"]] != nil {
            let finalizers = crd[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard finalizers.contains(Self.cleanupFinalizer), let name = crd[path: ["metadata", "name"]]?.stringValue else { continue }
            // Any version reaches every object (they share one storage key space).
            guard let r = registry.catalog.custom(definition: name)?.first ?? CustomResourceVersion.resources(of: crd).first else {
                continue
            }
            var opts = DeleteOptions()
            opts.propagationPolicy = "Background"
            let left = try await registry.deleteCollection(r, namespace: nil, list: ListOptions(), options: opts)
            if !left.isEmpty {
                // deleteCollection returns what it deleted or marked: look again for what is still there.
                let still = try await registry.list(r, namespace: nil, options: ListOptions()).items
                if !still.isEmpty { busy = true; continue }
            }
            var released = crd
            released[path: ["metadata", "finalizers"]] = .array(finalizers.filter { $0 != Self.cleanupFinalizer }.map { .string($0) })
            do {
                _ = try await registry.update(.customResourceDefinitions, namespace: nil, name: name, body: released, scope: .main,
                                              options: WriteOptions())
                logger.info("custom resources deleted with their definition", metadata: ["crd": "\(name)"])
            } catch let e as GantryError where e.code == .conflict || e.code == .notFound {
                busy = true
            }
        }
        return busy
    }

    /// Serves (or refuses) one CRD and brings its status up to date.
    static func reconcile(_ crd: JSONValue, registry: Registry, logger: Logger) async {
        let name = crd[path: ["metadata", "name"]]?.stringValue ?? ""
        let resources = CustomResourceVersion.resources(of: crd)
        let conflict = namesConflict(crd, resources, catalog: registry.catalog, name: name)
        let wasServed = registry.catalog.custom(definition: name) != nil
        if conflict == nil {
            registry.catalog.setCustom(name, resources)
            if !wasServed { logger.info("custom resource definition established", metadata: ["crd": "\(name)"]) }
        } else if !wasServed {
            registry.catalog.setCustom(name, [])
        }
        let status = desiredStatus(crd, conflict: conflict)
        if status == crd["status"] { return }
        var updated = crd
        updated["status"] = status
        do {
            _ = try await registry.update(.customResourceDefinitions, namespace: nil, name: name, body: updated, scope: .status,
                                          options: WriteOptions())
        } catch let e as GantryError where e.code == .conflict || e.code == .notFound {
            // Changed or gone meanwhile: its own watch event comes next.
        } catch {
            logger.warning("could not update a CustomResourceDefinition's status", metadata: ["crd": "\(name)", "error": "\(error)"])
        }
    }

    /// Why the CRD's names cannot be served (nil: they can): a plural, kind or short name another resource of
    /// the group already serves.
    static func namesConflict(_ crd: JSONValue, _ resources: [ResourceInfo], catalog: ResourceCatalog, name: String)
        -> (reason: String, message: String)?
    {
        guard let mine = resources.first else { return nil }
        let others = catalog.all.filter { $0.group == mine.group && $0.custom?.definition != name }
        if let o = others.first(where: { $0.plural == mine.plural }) {
            return ("PluralConflict", "\"\(mine.plural)\" is already in use by \(o.custom?.definition ?? o.qualifiedName)")
        }
        if let o = others.first(where: { $0.kind == mine.kind }) {
            return ("KindConflict", "\"\(mine.kind)\" is already in use by \(o.custom?.definition ?? o.qualifiedName)")
        }
        for s in mine.shortNames {
            if let o = others.first(where: { $0.shortNames.contains(s) || $0.plural == s || $0.singular == s }) {
                return ("ShortNamesConflict", "\"\(s)\" is already in use by \(o.custom?.definition ?? o.qualifiedName)")
            }
        }
        return nil
    }

    /// The status Kubernetes' controllers give the CRD; transition times kept while a condition holds.
    static func desiredStatus(_ crd: JSONValue, conflict: (reason: String, message: String)?) -> JSONValue {
        let current = crd["status"] ?? .emptyObject
        let existing = current["conditions"]?.arrayValue ?? []
        let now = Clock.rfc3339()
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> JSONValue {
            let old = existing.first { $0["type"]?.stringValue == type }
            let since = old?["status"]?.stringValue == status ? old?["lastTransitionTime"] ?? .string(now) : .string(now)
            return ["type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
                    "lastTransitionTime": since]
        }
        var conditions: [JSONValue] = []
        var status = current
        if let conflict {
            conditions.append(condition("NamesAccepted", "False", conflict.reason, conflict.message))
            let established = existing.first { $0["type"]?.stringValue == "Established" }?["status"]?.stringValue == "True"
            conditions.append(established ? condition("Established", "True", "InitialNamesAccepted", "the initial names have been accepted")
                              : condition("Established", "False", "NotAccepted", "not all names are accepted"))
        } else {
            conditions.append(condition("NamesAccepted", "True", "NoConflicts", "no conflicts found"))
            conditions.append(condition("Established", "True", "InitialNamesAccepted", "the initial names have been accepted"))
            status["acceptedNames"] = crd[path: ["spec", "names"]] ?? .emptyObject
        }
        if crd[path: ["metadata", "deletionTimestamp"]] != nil {
            conditions.append(condition("Terminating", "True", "InstanceDeletionInProgress", "CustomResource deletion is in progress"))
        }
        status["conditions"] = .array(conditions)
        if status["acceptedNames"] == nil { status["acceptedNames"] = ["plural": "", "kind": ""] }
        var stored = current["storedVersions"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let storage = crd[path: ["spec", "versions"]]?.arrayValue?.first(where: { $0["storage"]?.boolValue == true })?["name"]?.stringValue,
           !stored.contains(storage) {
            stored.append(storage)
        }
        status["storedVersions"] = .array(stored.map { .string($0) })
        return status
    }
}
