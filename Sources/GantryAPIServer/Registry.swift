import Foundation
import GantryAPI
import GantryStore
import Logging

/// Options of a write request (`?dryRun=All&fieldValidation=Strict&fieldManager=kubectl`).
public struct WriteOptions: Sendable {
    public var dryRun = false
    /// `Strict`, `Warn` or `Ignore`.
    public var fieldValidation = "Warn"
    /// Who is writing (recorded where Kubernetes records it: a CertificateSigningRequest's requester).
    public var user: UserInfo?
    /// The field manager the write's fields are recorded under (`fieldManager`, else from the User-Agent).
    public var fieldManager: String?
    /// Server-side apply takes conflicting fields over (`force=true`).
    public var force = false
    /// The managedFields a server-side apply computed (the write records them as they are).
    var appliedManagedFields: JSONValue??
    public init(dryRun: Bool = false, fieldValidation: String = "Warn", user: UserInfo? = nil, fieldManager: String? = nil) {
        self.dryRun = dryRun
        self.fieldValidation = fieldValidation
        self.user = user
        self.fieldManager = fieldManager
    }
}

/// Options of a delete (`DeleteOptions`).
public struct DeleteOptions: Sendable {
    public var gracePeriodSeconds: Int64?
    /// `Orphan`, `Background` or `Foreground`.
    public var propagationPolicy: String?
    public var preconditionUID: String?
    public var preconditionResourceVersion: String?
    public var dryRun = false
    public init() {}
}

/// The outcome of a write: the object as stored, and any warnings for the `Warning` header.
public struct WriteOutcome: Sendable {
    public var object: JSONValue
    public var created: Bool
    public var warnings: [String]
}

/// A list query (`labelSelector`, `fieldSelector`, `limit`, `continue`, `resourceVersion`).
public struct ListOptions: Sendable {
    public var labelSelector: LabelQuery?
    public var fieldSelector: FieldQuery?
    public var limit: Int = 0
    public var continueToken: String?
    public var resourceVersion: String?
    public init() {}
}

/// The resource-agnostic object logic of the API server: server-set metadata, defaulting, validation,
/// admission, optimistic concurrency, graceful deletion. Works on the untyped form (`JSONValue`) so that
/// every field a client sends is kept. HTTP lives elsewhere (`APIHandler`).
public final class Registry: Sendable {
    public let store: any StateStore
    /// Store events decoded for watchers, shared among them.
    let watchCache = WatchDecodeCache()
    public let allocator: ServiceAllocator
    let logger: Logger

    /// Pod CIDRs for nodes registering without one (nil: nodes bring their own).
    public let nodeCIDRs: NodeCIDRAllocator?
    /// Approves and signs CertificateSigningRequests (nil: requests wait for a signer that never comes).
    public let certificateSigner: CertificateSigner?
    /// RBAC, for the escalation check on writes of roles and bindings (nil: every write is allowed).
    public let authorizer: RBACAuthorizer?
    /// The cluster CA, published in every namespace as the `kube-root-ca.crt` ConfigMap (nil: not published).
    public let rootCAPEM: String?
    /// Whether pods must name an existing ServiceAccount and get its token mounted (on when tokens are issued).
    public let serviceAccountAdmission: Bool
    /// Pod Security admission's cluster defaults (namespaces' labels override them).
    public let podSecurity: PodSecurity.Defaults
    /// Encryption of stored values at rest (nil: values are stored as they are).
    public let encryption: AtRestEncryption?
    /// The client URLs of the cluster's etcd members, when the server runs one (for joining servers).
    public let etcdClientURLs: (@Sendable () async -> [String])?
    /// Every resource served: the built-ins and the established CustomResourceDefinitions' resources.
    public let catalog: ResourceCatalog

    public init(store: any StateStore, allocator: ServiceAllocator, nodeCIDRs: NodeCIDRAllocator? = nil,
                certificateSigner: CertificateSigner? = nil, authorizer: RBACAuthorizer? = nil, rootCAPEM: String? = nil,
                serviceAccountAdmission: Bool = false, encryption: AtRestEncryption? = nil,
                podSecurity: PodSecurity.Defaults = PodSecurity.Defaults(), catalog: ResourceCatalog = ResourceCatalog(),
                etcdClientURLs: (@Sendable () async -> [String])? = nil, logger: Logger) {
        self.etcdClientURLs = etcdClientURLs
        self.catalog = catalog
        self.encryption = encryption
        self.podSecurity = podSecurity
        self.rootCAPEM = rootCAPEM
        self.serviceAccountAdmission = serviceAccountAdmission
        self.store = store
        self.allocator = allocator
        self.nodeCIDRs = nodeCIDRs
        self.certificateSigner = certificateSigner
        self.authorizer = authorizer
        self.logger = logger
        // Admission's lookups (does the namespace exist, which quotas apply) from memory, as Kubernetes' admission
        // plugins read their informers; on a store where that saves a round trip (etcd).
        (store as? any CachedReads)?.keepCached(prefixes: [ResourceInfo.namespaces.prefix(namespace: nil),
                                                             ResourceInfo.resourceQuotas.prefix(namespace: nil)])
    }

    // MARK: - Reading

    /// Decodes a stored value and stamps its resourceVersion.
    func decode(_ kv: KeyValue) throws -> JSONValue {
        var obj = try JSONValue.parse(try plain(kv))
        obj[path: ["metadata", "resourceVersion"]] = .string(String(kv.modRevision))
        return obj
    }

    /// Decodes a stored object of `r`; a custom object is presented in the version asked for (the versions of
    /// one CRD share a schema: conversion strategy None).
    func decode(_ kv: KeyValue, as r: ResourceInfo) throws -> JSONValue {
        var obj = try decode(kv)
        if r.custom != nil { obj["apiVersion"] = .string(r.apiVersion) }
        if r == .eventsV1 { obj = EventVersions.toEventsV1(obj) }
        if r == .horizontalPodAutoscalersV1 { obj = HPAVersions.toV1(obj) }
        return obj
    }

    /// An object of `r` in the form it is stored in (events.k8s.io Events are stored as core Events).
    static func storageForm(_ obj: JSONValue, _ r: ResourceInfo) -> JSONValue {
        r == .eventsV1 ? EventVersions.toCore(obj) : r == .horizontalPodAutoscalersV1 ? HPAVersions.toV2(obj) : obj
    }

    /// Serializes an object for storage (without its resourceVersion, which is the store's revision).
    func encode(_ obj: JSONValue, key: String) throws -> Data {
        var o = obj
        o[path: ["metadata", "resourceVersion"]] = nil
        let data = o.serialized()
        return try encryption?.seal(data, key: key) ?? data
    }

    /// A stored value in the clear (decrypted if it was encrypted at rest).
    func plain(_ kv: KeyValue) throws -> Data {
        guard let encryption else { return kv.value }
        return try encryption.open(kv.value, key: kv.key).0
    }

    /// Gets one object.
    public func get(_ r: ResourceInfo, namespace: String?, name: String) async throws -> JSONValue {
        guard let kv = try await store.get(r.key(namespace: namespace, name: name)) else {
            throw GantryError.notFound(r, name)
        }
        return try decode(kv, as: r)
    }

    /// Lists objects with selectors and paging. Returns the items, the list revision and a continue token.
    public func list(_ r: ResourceInfo, namespace: String?, options: ListOptions) async throws
        -> (items: [JSONValue], revision: Int64, continueToken: String?)
    {
        let prefix = r.prefix(namespace: namespace)
        var after: String? = nil
        var revision: Int64? = nil
        if let token = options.continueToken, !token.isEmpty {
            guard let decoded = ContinueToken.decode(token), decoded.key.hasPrefix(prefix) else {
                throw GantryError(.badRequest, "continue key is not valid: \(token)")
            }
            after = decoded.key
            revision = decoded.revision
        } else if let rv = options.resourceVersion, !rv.isEmpty, rv != "0" {
            // resourceVersionMatch=NotOlderThan semantics: the latest is always not older.
            guard Int64(rv) != nil else { throw GantryError(.badRequest, "invalid resourceVersion \"\(rv)\"") }
        }
        let filtering = options.labelSelector != nil || options.fieldSelector != nil
        var items: [JSONValue] = []
        var listRevision: Int64 = 0
        var nextToken: String? = nil
        while true {
            let want = options.limit > 0 ? options.limit - items.count : 0
            let page: ListResult
            do {
                page = try await store.list(prefix: prefix, after: after, limit: filtering && want > 0 ? max(want, 100) : want,
                                            revision: revision)
            } catch let e as GantryError where e.code == .gone && options.continueToken != nil {
                throw GantryError(.gone, "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue value from the response to start a new list.")
            }
            listRevision = page.revision
            revision = page.revision
            var lastKey: String? = nil
            for kv in page.items {
                lastKey = kv.key
                let obj = try decode(kv, as: r)
                if matches(obj, r, options) {
                    items.append(obj)
                    if options.limit > 0, items.count == options.limit { break }
                }
            }
            if options.limit > 0, items.count == options.limit {
                let reachedEnd = !page.more && lastKey == page.items.last?.key
                if !reachedEnd, let lastKey { nextToken = ContinueToken.encode(revision: listRevision, key: lastKey) }
                break
            }
            if !page.more { break }
            after = page.items.last?.key
        }
        return (items, listRevision, nextToken)
    }

    func matches(_ obj: JSONValue, _ r: ResourceInfo, _ options: ListOptions) -> Bool {
        if let l = options.labelSelector, !l.matches(labels(of: obj)) { return false }
        if let f = options.fieldSelector, !f.matches(FieldSelectors.fields(of: obj, resource: r)) { return false }
        return true
    }

    func labels(of obj: JSONValue) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in obj[path: ["metadata", "labels"]]?.objectValue ?? [:] { out[k] = v.stringValue ?? "" }
        return out
    }

    // MARK: - Create

    /// Creates an object in `namespace` (nil for cluster-scoped).
    public func create(_ r: ResourceInfo, namespace: String?, body: JSONValue, options: WriteOptions) async throws
        -> WriteOutcome
    {
        var obj = body
        guard case .object = obj else { throw GantryError(.badRequest, "the request body must be a JSON object") }
        if r.custom?.terminating == true {
            throw GantryError(.methodNotAllowed, "create not allowed while custom resource definition is terminating")
        }
        try checkTypeMeta(&obj, r)
        var warnings = try fieldValidation(obj, r, options)
        if r.namespaced {
            let ns = namespace ?? "default"
            if let bodyNS = obj[path: ["metadata", "namespace"]]?.stringValue, !bodyNS.isEmpty, bodyNS != ns {
                throw GantryError(.badRequest, "the namespace of the provided object does not match the namespace sent on the request")
            }
            obj[path: ["metadata", "namespace"]] = .string(ns)
            try await checkNamespaceAcceptsCreates(ns, r)
        } else {
            obj[path: ["metadata", "namespace"]] = nil
        }
        var name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
        if name.isEmpty, let gen = obj[path: ["metadata", "generateName"]]?.stringValue, !gen.isEmpty {
            name = String(gen.prefix(58)) + Self.randomSuffix()
            obj[path: ["metadata", "name"]] = .string(name)
        }
        if name.isEmpty {
            throw GantryError.invalid(r, "", [.required("metadata.name", "name or generateName is required")])
        }
        obj[path: ["metadata", "uid"]] = .string(UUID().uuidString.lowercased())
        obj[path: ["metadata", "creationTimestamp"]] = .string(Clock.rfc3339())
        obj[path: ["metadata", "resourceVersion"]] = nil
        obj[path: ["metadata", "deletionTimestamp"]] = nil
        obj[path: ["metadata", "deletionGracePeriodSeconds"]] = nil
        let givenManagedFields = obj[path: ["metadata", "managedFields"]]
        obj[path: ["metadata", "managedFields"]] = nil
        if Self.hasGeneration(r) { obj[path: ["metadata", "generation"]] = 1 }
        Admission.prepareForCreate(&obj, r)
        if r == .pods { try await admitServiceAccount(&obj, namespace: namespace ?? "default") }
        if r == .ingresses { try await admitDefaultIngressClass(&obj) }
        if r == .persistentVolumeClaims { try await admitDefaultStorageClass(&obj) }
        if r == .persistentVolumeClaims || r == .persistentVolumes { Self.addProtectionFinalizer(&obj, r) }
        if r == .pods { try await admitPriority(&obj, name: name) }
        if r == .priorityClasses { try await admitGlobalDefault(obj, name: name) }
        Defaults.apply(&obj, resource: r)
        if r == .pods { try await admitLimitRanges(&obj, namespace: namespace ?? "default", name: name) }
        let errors = Validation.validate(obj, resource: r)
        if !errors.isEmpty { throw GantryError.invalid(r, name, errors) }
        if r == .certificateSigningRequests { try certificateSigner?.admitCreate(&obj, user: options.user) }
        try checkEscalation(r, obj, options)
        warnings += try await admitPodSecurity(obj, r, namespace: namespace ?? (r.namespaced ? "default" : nil))
        // NodeRestriction: a node creates only its own Node and Lease.
        if let node = options.user.flatMap(NodeAuthorizer.nodeName(of:)), r == .nodes || r == .leases, name != node {
            throw GantryError(.forbidden, "node '\(node)' cannot create \(r.plural) '\(name)': a node may only create its own")
        }
        let key = r.key(namespace: namespace ?? (r.namespaced ? "default" : nil), name: name)
        var allocated: (ips: [String], ports: [Int]) = ([], [])
        if r == .nodes, !options.dryRun, let nodeCIDRs, (obj[path: ["spec", "podCIDR"]]?.stringValue ?? "").isEmpty {
            let cidr = try await nodeCIDRs.allocate()
            obj[path: ["spec", "podCIDR"]] = .string(cidr)
            obj[path: ["spec", "podCIDRs"]] = [.string(cidr)]
        }
        if r == .services, !options.dryRun {
            if try await store.get(key) != nil { throw GantryError.alreadyExists(r, name) }
            do {
                allocated = try await Admission.allocateService(&obj, old: nil, allocator: allocator)
            } catch let fe as FieldErrors {
                throw GantryError.invalid(r, name, fe.errors)
            }
        }
        warnings += Admission.warnings(obj, r)
        if r == .customResourceDefinitions { warnings += Validation.crdWarnings(obj) }
        if let w = r.custom?.deprecationWarning { warnings.append(w) }
        if r.namespaced {
            let ns = namespace ?? "default"
            try await admitQuota(obj, r, namespace: ns, name: name, dryRun: options.dryRun)
            if r == .resourceQuotas { obj["status"] = try await quotaStatus(obj, namespace: ns) }
        }
        Self.recordManagedFields(&obj, old: nil, r, subresource: nil, options: options, given: givenManagedFields)
        if options.dryRun { return WriteOutcome(object: obj, created: true, warnings: warnings) }
        let result: CreateResult
        do {
            result = try await store.create(key, value: try encode(Self.storageForm(obj, r), key: key))
        } catch {
            await allocator.release(ips: allocated.ips, ports: allocated.ports)
            throw error
        }
        switch result {
        case .created(let kv):
            obj[path: ["metadata", "resourceVersion"]] = .string(String(kv.modRevision))
            if r == .namespaces { try await ensureNamespaceDefaults(name) }
            return WriteOutcome(object: obj, created: true, warnings: warnings)
        case .alreadyExists:
            await allocator.release(ips: allocated.ips, ports: allocated.ports)
            throw GantryError.alreadyExists(r, name)
        }
    }

    func checkTypeMeta(_ obj: inout JSONValue, _ r: ResourceInfo) throws {
        let apiVersion = obj["apiVersion"]?.stringValue ?? ""
        let kind = obj["kind"]?.stringValue ?? ""
        if !kind.isEmpty, kind != r.kind {
            throw GantryError(.badRequest, "the API version in the data (\(apiVersion)) does not match the expected API version (\(r.apiVersion)) or kind \(kind) is not \(r.kind)")
        }
        if !apiVersion.isEmpty, apiVersion != r.apiVersion {
            throw GantryError(.badRequest, "the API version in the data (\(apiVersion)) does not match the expected API version (\(r.apiVersion))")
        }
        obj["apiVersion"] = .string(r.apiVersion)
        obj["kind"] = .string(r.kind)
    }

    func fieldValidation(_ obj: JSONValue, _ r: ResourceInfo, _ options: WriteOptions) throws -> [String] {
        let mode = options.fieldValidation
        if mode == "Ignore" { return [] }
        let unknown = FieldValidation.unknownFields(in: obj, resource: r)
        if unknown.isEmpty { return [] }
        if mode == "Strict" {
            let msg = unknown.map { "unknown field \"\($0)\"" }
            throw GantryError(.badRequest, "strict decoding error: " + msg.joined(separator: ", "))
        }
        return unknown.map { "unknown field \"\($0)\"" }
    }

    func checkNamespaceAcceptsCreates(_ ns: String, _ r: ResourceInfo) async throws {
        // A cheap read first (as Kubernetes' namespace lifecycle admission reads its informer), and when that finds
        // nothing, a consistent one: a namespace created a moment ago may not have reached this etcd member yet.
        let key = ResourceInfo.namespaces.key(namespace: nil, name: ns)
        let found: KeyValue?
        if let cached = try await store.getCached(key) { found = cached } else { found = try await store.get(key) }
        guard let kv = found else {
            throw GantryError(.notFound, "namespaces \"\(ns)\" not found",
                              details: StatusDetails(name: ns, group: "", kind: "namespaces"))
        }
        if r == .events { return }
        let nsObj = try JSONValue.parse(kv.value)
        if nsObj[path: ["metadata", "deletionTimestamp"]] != nil {
            throw GantryError(.forbidden, "\(r.qualifiedName) is forbidden: unable to create new content in namespace \(ns) because it is being terminated")
        }
    }

    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }

    /// Kinds whose `metadata.generation` tracks changes to the desired state.
    static func hasGeneration(_ r: ResourceInfo) -> Bool {
        r.custom != nil
            || [ResourceInfo.deployments, .replicaSets, .replicationControllers, .daemonSets, .statefulSets, .jobs, .cronJobs, .horizontalPodAutoscalers, .horizontalPodAutoscalersV1, .podDisruptionBudgets, .ingresses,
                .customResourceDefinitions].contains(r)
    }

    // MARK: - Update

    /// Which part of an object an update may change.
    public enum UpdateScope: Sendable {
        case main, status
        /// A CertificateSigningRequest's `approval` subresource: its Approved/Denied conditions only.
        case approval
    }

    /// Replaces an object (PUT). A resourceVersion in the body must match the stored one.
    public func update(_ r: ResourceInfo, namespace: String?, name: String, body: JSONValue, scope: UpdateScope,
                       options: WriteOptions) async throws -> WriteOutcome
    {
        var obj = body
        guard case .object = obj else { throw GantryError(.badRequest, "the request body must be a JSON object") }
        try checkTypeMeta(&obj, r)
        if let bodyName = obj[path: ["metadata", "name"]]?.stringValue, !bodyName.isEmpty, bodyName != name {
            throw GantryError(.badRequest, "the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        if r.namespaced, let bodyNS = obj[path: ["metadata", "namespace"]]?.stringValue, !bodyNS.isEmpty, bodyNS != namespace {
            throw GantryError(.badRequest, "the namespace of the provided object does not match the namespace sent on the request")
        }
        let warnings = try fieldValidation(obj, r, options)
        let expected = obj[path: ["metadata", "resourceVersion"]]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let key = r.key(namespace: namespace, name: name)
        guard let kv = try await store.get(key) else {
            if scope == .main, Self.allowsCreateOnUpdate(r) {
                obj[path: ["metadata", "name"]] = .string(name)
                return try await create(r, namespace: namespace, body: obj, options: options)
            }
            throw GantryError.notFound(r, name)
        }
        if let expected {
            guard let e = Int64(expected) else { throw GantryError(.badRequest, "invalid resourceVersion \"\(expected)\"") }
            if e != kv.modRevision { throw GantryError.modified(r, name) }
        }
        let old = try decode(kv, as: r)
        let outcome = try await write(r, old: old, revision: kv.modRevision, key: key, proposed: obj, scope: scope,
                                      options: options)
        return WriteOutcome(object: outcome.object, created: false, warnings: warnings + outcome.warnings)
    }

    static func allowsCreateOnUpdate(_ r: ResourceInfo) -> Bool {
        r == .endpoints || r == .leases || r == .events || r == .nodes
    }

    /// Applies a proposed new version of `old` (already at `revision`) under the update rules and writes it.
    func write(_ r: ResourceInfo, old: JSONValue, revision: Int64, key: String, proposed: JSONValue,
               scope: UpdateScope, options: WriteOptions) async throws -> WriteOutcome
    {
        let name = old[path: ["metadata", "name"]]?.stringValue ?? ""
        var obj: JSONValue
        let hasStatus = r.subresources.contains("status")
        switch scope {
        case .status:
            obj = old
            obj["status"] = proposed["status"]
            if r == .certificateSigningRequests {
                // The signer's write: the certificate and Failed; approval is the approval subresource's.
                let decided = (old[path: ["status", "conditions"]]?.arrayValue ?? []).filter {
                    ["Approved", "Denied"].contains($0["type"]?.stringValue ?? "")
                }
                let others = (proposed[path: ["status", "conditions"]]?.arrayValue ?? []).filter {
                    !["Approved", "Denied"].contains($0["type"]?.stringValue ?? "")
                }
                obj[path: ["status", "conditions"]] = decided.isEmpty && others.isEmpty ? nil : .array(decided + others)
            }
        case .approval:
            obj = old
            obj[path: ["status", "conditions"]] = proposed[path: ["status", "conditions"]]
        case .main:
            obj = proposed
            if hasStatus { obj["status"] = old["status"] }
        }
        // Server-owned metadata.
        for f in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "name"] {
            obj[path: ["metadata", f]] = old[path: ["metadata", f]]
        }
        let givenManagedFields = proposed[path: ["metadata", "managedFields"]]
        obj[path: ["metadata", "managedFields"]] = nil
        // Finalizers may be removed while terminating, not added.
        if old[path: ["metadata", "deletionTimestamp"]] != nil {
            let oldF = Set(old[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let newF = Set(obj[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? [])
            if !newF.isSubset(of: oldF) {
                throw GantryError.invalid(r, name, [.forbidden("metadata.finalizers", "no new finalizers can be added if the object is being deleted")])
            }
        }
        if r == .persistentVolumes { try Self.admitNodeVolumeUpdate(options.user, old: old, new: obj, name: name) }
        Admission.prepareForUpdate(&obj, old: old, r)
        Defaults.apply(&obj, resource: r)
        if scope == .main, let gen = old[path: ["metadata", "generation"]]?.intValue, Self.specChanged(old, obj) {
            obj[path: ["metadata", "generation"]] = .int(gen + 1)
        }
        var errors = Validation.validate(obj, resource: r)
        errors += Validation.validateUpdate(old: old, new: obj, resource: r)
        if r == .certificateSigningRequests {
            if scope == .main, obj["spec"] != old["spec"] { errors.append(.forbidden("spec", "field is immutable")) }
            let was = Set((old[path: ["status", "conditions"]]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue })
            let now = Set((obj[path: ["status", "conditions"]]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue })
            if was.contains("Approved") && now.contains("Denied") || was.contains("Denied") && now.contains("Approved") {
                errors.append(.invalid("status.conditions", "Approved, Denied", "Approved and Denied conditions are mutually exclusive"))
            }
            if was.contains("Approved") && !now.contains("Approved") || was.contains("Denied") && !now.contains("Denied") {
                errors.append(.forbidden("status.conditions", "updates may not remove a condition of type Approved or Denied"))
            }
        }
        if !errors.isEmpty { throw GantryError.invalid(r, name, errors) }
        if r == .certificateSigningRequests { try certificateSigner?.admitUpdate(&obj) }
        if scope != .approval {
            Self.recordManagedFields(&obj, old: old, r, subresource: scope == .status ? "status" : nil, options: options,
                                     given: givenManagedFields)
        } else {
            obj[path: ["metadata", "managedFields"]] = old[path: ["metadata", "managedFields"]]
        }
        if scope == .main, obj["rules"] != old["rules"] || obj["roleRef"] != old["roleRef"] { try checkEscalation(r, obj, options) }
        let securityWarnings = scope == .main
            ? try await admitPodSecurity(obj, r, namespace: old[path: ["metadata", "namespace"]]?.stringValue, old: old) : []
        var allocated: (ips: [String], ports: [Int]) = ([], [])
        if r == .nodes, !options.dryRun, let nodeCIDRs, (obj[path: ["spec", "podCIDR"]]?.stringValue ?? "").isEmpty {
            let cidr = try await nodeCIDRs.allocate()
            obj[path: ["spec", "podCIDR"]] = .string(cidr)
            obj[path: ["spec", "podCIDRs"]] = [.string(cidr)]
        }
        if r == .services, !options.dryRun {
            do {
                allocated = try await Admission.allocateService(&obj, old: old, allocator: allocator)
            } catch let fe as FieldErrors {
                throw GantryError.invalid(r, name, fe.errors)
            }
        }
        var warnings = securityWarnings + Admission.warnings(obj, r)
        if r == .customResourceDefinitions, scope == .main { warnings += Validation.crdWarnings(obj) }
        if let w = r.custom?.deprecationWarning { warnings.append(w) }
        var stripped = obj
        stripped[path: ["metadata", "resourceVersion"]] = nil
        var oldStripped = old
        oldStripped[path: ["metadata", "resourceVersion"]] = nil
        if stripped == oldStripped {
            // No-op update: nothing is written and the resourceVersion stays.
            return WriteOutcome(object: old, created: false, warnings: warnings)
        }
        if options.dryRun { return WriteOutcome(object: obj, created: false, warnings: warnings) }
        // An object being deleted whose last finalizer is removed goes away.
        if obj[path: ["metadata", "deletionTimestamp"]] != nil,
           (obj[path: ["metadata", "finalizers"]]?.arrayValue ?? []).isEmpty,
           !Self.waitsForGracefulTermination(r, obj)
        {
            switch try await store.delete(key, expectedRevision: revision) {
            case .deleted:
                await releaseAllocations(r, obj)
                return WriteOutcome(object: obj, created: false, warnings: warnings)
            case .conflict: throw GantryError.modified(r, name)
            case .notFound: throw GantryError.notFound(r, name)
            }
        }
        switch try await store.update(key, value: try encode(Self.storageForm(obj, r), key: key), expectedRevision: revision) {
        case .updated(let kv):
            if let oldAlloc = Admission.allocations(old), r == .services {
                let newAlloc = Admission.allocations(obj) ?? ([], [])
                await allocator.release(ips: oldAlloc.ips.filter { !newAlloc.ips.contains($0) },
                                        ports: oldAlloc.ports.filter { !newAlloc.ports.contains($0) })
            }
            obj[path: ["metadata", "resourceVersion"]] = .string(String(kv.modRevision))
            return WriteOutcome(object: obj, created: false, warnings: warnings)
        case .conflict:
            await allocator.release(ips: allocated.ips, ports: allocated.ports)
            throw GantryError.modified(r, name)
        case .notFound:
            await allocator.release(ips: allocated.ips, ports: allocated.ports)
            throw GantryError.notFound(r, name)
        }
    }

    /// The catalogue type whose list semantics field ownership follows (nil for custom resources: atomic lists).
    static func fieldTypeName(_ r: ResourceInfo) -> String? {
        r.custom == nil ? SchemaCatalog.rootTypeName(for: r) : nil
    }

    /// Sets `metadata.managedFields` of a write: what a server-side apply computed; managedFields the client
    /// changed itself, as given (an empty list clears them, as in Kubernetes); else the update's changes credited
    /// to its field manager.
    static func recordManagedFields(_ obj: inout JSONValue, old: JSONValue?, _ r: ResourceInfo, subresource: String?,
                                    options: WriteOptions, given: JSONValue?) {
        let key = ["metadata", "managedFields"]
        if case .some(let applied) = options.appliedManagedFields {
            obj[path: key] = applied
            return
        }
        let before = old?[path: key]
        if let given, given != (before ?? .null) {
            obj[path: key] = given.isNull ? before : ManagedFields.json(ManagedFields.entries(given))
            return
        }
        guard let manager = options.fieldManager, !manager.isEmpty else {
            obj[path: key] = before
            return
        }
        let entries = ManagedFields.afterUpdate(ManagedFields.entries(before), old: old, new: obj, typeName: fieldTypeName(r),
                                                manager: manager, apiVersion: r.apiVersion, subresource: subresource,
                                                now: Clock.rfc3339())
        obj[path: key] = ManagedFields.json(entries)
    }

    /// True when anything outside metadata and status differs.
    static func specChanged(_ a: JSONValue, _ b: JSONValue) -> Bool {
        let ao = a.objectValue ?? [:], bo = b.objectValue ?? [:]
        for k in Set(ao.keys).union(bo.keys) where !["metadata", "status", "apiVersion", "kind"].contains(k) {
            if ao[k] != bo[k] { return true }
        }
        return false
    }

    // MARK: - Patch

    /// Patches an object; retries internally on a revision conflict unless the patch pins a resourceVersion.
    public func patch(_ r: ResourceInfo, namespace: String?, name: String, type: PatchType, patch: JSONValue,
                      scope: UpdateScope, options: WriteOptions) async throws -> WriteOutcome
    {
        let key = r.key(namespace: namespace, name: name)
        var warnings: [String] = []
        if r.custom != nil, type == .strategic {
            throw GantryError(.unsupportedMediaType, "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
        }
        if type != .json, case .object = patch {} else if type != .json {
            throw GantryError(.badRequest, "the patch body must be a JSON object")
        }
        // Retried on the latest version while other writers win the race, as Kubernetes' GuaranteedUpdate
        // does (bounded, so a pathological hot key still gets an answer).
        for attempt in 0..<256 {
            if attempt > 0 { await Task.yield() }
            guard let kv = try await store.get(key) else {
                // Server-side apply creates what does not exist yet.
                guard type == .apply, scope == .main else { throw GantryError.notFound(r, name) }
                var body = patch
                body[path: ["metadata", "name"]] = .string(name)
                var opts = options
                if let manager = options.fieldManager {
                    let entry = ManagedFields.Entry(manager: manager, operation: "Apply", apiVersion: r.apiVersion, time: Clock.rfc3339(),
                                                    subresource: nil,
                                                    fields: ManagedFields.fields(of: body, typeName: Self.fieldTypeName(r)))
                    opts.appliedManagedFields = .some(ManagedFields.json([entry]))
                }
                do {
                    return try await create(r, namespace: namespace, body: body, options: opts)
                } catch let e as GantryError where e.code == .alreadyExists {
                    continue  // created meanwhile: apply to it
                }
            }
            let old = try decode(kv, as: r)
            var patched: JSONValue
            var opts = options
            if type == .apply, let manager = options.fieldManager {
                let subresource = scope == .status ? "status" : nil
                let result = try ManagedFields.apply(patch, to: old, current: ManagedFields.entries(old[path: ["metadata", "managedFields"]]),
                                                     typeName: Self.fieldTypeName(r), manager: manager, apiVersion: r.apiVersion,
                                                     subresource: subresource, force: options.force, now: Clock.rfc3339()) { config, live in
                    try Patch.apply(.apply, patch: config, to: live, resource: r)
                }
                if !result.conflicts.isEmpty {
                    throw GantryError(.conflict, ManagedFields.conflictMessage(result.conflicts),
                                      fieldErrors: result.conflicts.map {
                                          FieldError(.managerConflict, ManagedFields.describe($0.path), "conflict with \"\($0.manager)\" using \($0.apiVersion)")
                                      },
                                      details: StatusDetails(name: name, group: r.group, kind: r.plural))
                }
                patched = result.object
                // Keeps a client-side apply annotation in step, so switching back to `kubectl apply` works.
                let lastApplied = ["metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"]
                if let current = old[path: lastApplied]?.stringValue {
                    func plain(_ v: JSONValue) -> JSONValue {
                        var v = v
                        v[path: lastApplied] = nil
                        if v[path: ["metadata", "annotations"]]?.objectValue?.isEmpty == true { v[path: ["metadata", "annotations"]] = nil }
                        return v
                    }
                    let config = plain(patch)
                    if (try? JSONValue.parse(current)).map(plain) != config {
                        patched[path: lastApplied] = .string(ManagedFields.canonical(config))
                    }
                }
                opts.appliedManagedFields = .some(ManagedFields.json(result.entries))
            } else {
                patched = try Patch.apply(type, patch: patch, to: old, resource: r)
            }
            guard case .object = patched else { throw GantryError(.badRequest, "the patched object is not a JSON object") }
            if attempt == 0 { warnings = try fieldValidation(patched, r, options) }
            // A resourceVersion the patch itself sets is a precondition; one merely kept from the stored
            // object is not (then a concurrent write is retried, as Kubernetes' GuaranteedUpdate does).
            let pinned: String?
            if type == .json {
                let after = patched[path: ["metadata", "resourceVersion"]]?.stringValue
                pinned = after == old[path: ["metadata", "resourceVersion"]]?.stringValue ? nil : after
            } else {
                pinned = patch[path: ["metadata", "resourceVersion"]]?.stringValue
            }
            if let pinned, !pinned.isEmpty, pinned != String(kv.modRevision) {
                throw GantryError.modified(r, name)
            }
            try checkTypeMeta(&patched, r)
            do {
                let outcome = try await write(r, old: old, revision: kv.modRevision, key: key, proposed: patched, scope: scope,
                                              options: opts)
                return WriteOutcome(object: outcome.object, created: false, warnings: warnings + outcome.warnings)
            } catch let e as GantryError where e.code == .conflict && (pinned ?? "").isEmpty && e.fieldErrors.isEmpty {
                continue
            }
        }
        throw GantryError.modified(r, name)
    }

    // MARK: - Delete

    /// Pods on a node finish a graceful deletion through their node agent before they go away.
    static func waitsForGracefulTermination(_ r: ResourceInfo, _ obj: JSONValue) -> Bool {
        guard r == .pods else { return false }
        guard let node = obj[path: ["spec", "nodeName"]]?.stringValue, !node.isEmpty else { return false }
        let phase = obj[path: ["status", "phase"]]?.stringValue ?? ""
        if phase == "Succeeded" || phase == "Failed" { return false }
        return (obj[path: ["metadata", "deletionGracePeriodSeconds"]]?.intValue ?? 0) > 0
    }

    /// Deletes an object: at once, or by marking it (deletionTimestamp) while finalizers or a graceful pod
    /// termination remain. Returns the object as last seen and whether it is gone now.
    public func delete(_ r: ResourceInfo, namespace: String?, name: String, options: DeleteOptions) async throws
        -> (object: JSONValue, gone: Bool)
    {
        let key = r.key(namespace: namespace, name: name)
        for _ in 0..<8 {
            guard let kv = try await store.get(key) else { throw GantryError.notFound(r, name) }
            var obj = try decode(kv, as: r)
            if let uid = options.preconditionUID, uid != obj[path: ["metadata", "uid"]]?.stringValue {
                throw GantryError(.conflict, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(obj[path: ["metadata", "uid"]]?.stringValue ?? "")")
            }
            if let rv = options.preconditionResourceVersion, rv != String(kv.modRevision) {
                throw GantryError(.conflict, "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(kv.modRevision)")
            }
            var finalizers = obj[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? []
            switch options.propagationPolicy {
            case "Foreground" where !finalizers.contains("foregroundDeletion"): finalizers.append("foregroundDeletion")
            case "Orphan" where !finalizers.contains("orphan"): finalizers.append("orphan")
            default: break
            }
            var grace: Int64 = 0
            if r == .pods {
                grace = options.gracePeriodSeconds ?? obj[path: ["spec", "terminationGracePeriodSeconds"]]?.intValue ?? 30
                if let existing = obj[path: ["metadata", "deletionGracePeriodSeconds"]]?.intValue { grace = min(grace, existing) }
            }
            if r == .namespaces {
                finalizers = finalizers.filter { $0 != "kubernetes" }
            }
            if r == .customResourceDefinitions, obj[path: ["metadata", "deletionTimestamp"]] == nil,
               !finalizers.contains(CustomResourceDefinitions.cleanupFinalizer) {
                // Its objects go first (the CRD controller deletes them, then removes the finalizer).
                finalizers.append(CustomResourceDefinitions.cleanupFinalizer)
            }
            var marked = obj
            if obj[path: ["metadata", "deletionTimestamp"]] == nil {
                marked[path: ["metadata", "deletionTimestamp"]] = .string(Clock.rfc3339(Date().addingTimeInterval(Double(grace))))
            }
            marked[path: ["metadata", "deletionGracePeriodSeconds"]] = .int(grace)
            marked[path: ["metadata", "finalizers"]] = finalizers.isEmpty ? nil : .array(finalizers.map { .string($0) })
            if r == .namespaces {
                marked[path: ["status", "phase"]] = "Terminating"
            }
            let mustWait = !finalizers.isEmpty || Self.waitsForGracefulTermination(r, marked) || r == .namespaces
            if options.dryRun { return (mustWait ? marked : obj, !mustWait) }
            if mustWait {
                if marked == obj { return (obj, false) }
                switch try await store.update(key, value: try encode(Self.storageForm(marked, r), key: key), expectedRevision: kv.modRevision) {
                case .updated(let nkv):
                    marked[path: ["metadata", "resourceVersion"]] = .string(String(nkv.modRevision))
                    return (marked, false)
                case .conflict: continue
                case .notFound: throw GantryError.notFound(r, name)
                }
            }
            switch try await store.delete(key, expectedRevision: kv.modRevision) {
            case .deleted(_, let rev):
                await releaseAllocations(r, obj)
                obj[path: ["metadata", "resourceVersion"]] = .string(String(rev))
                return (obj, true)
            case .conflict: continue
            case .notFound: throw GantryError.notFound(r, name)
            }
        }
        throw GantryError.modified(r, name)
    }

    func releaseAllocations(_ r: ResourceInfo, _ obj: JSONValue) async {
        if r == .services, let a = Admission.allocations(obj) {
            await allocator.release(ips: a.ips, ports: a.ports)
        }
    }

    /// Deletes every object matching the list options; returns the deleted (or marked) objects.
    public func deleteCollection(_ r: ResourceInfo, namespace: String?, list: ListOptions, options: DeleteOptions)
        async throws -> [JSONValue]
    {
        var l = list
        l.limit = 0
        let items = try await self.list(r, namespace: namespace, options: l).items
        var out: [JSONValue] = []
        for item in items {
            let name = item[path: ["metadata", "name"]]?.stringValue ?? ""
            let ns = item[path: ["metadata", "namespace"]]?.stringValue
            do {
                out.append(try await delete(r, namespace: ns, name: name, options: options).object)
            } catch let e as GantryError where e.code == .notFound {
                continue
            }
        }
        return out
    }

    // MARK: - Binding

    /// Binds an unassigned pod to a node (the `binding` subresource): sets `spec.nodeName` and the
    /// PodScheduled condition with optimistic concurrency, so two schedulers never double-book a pod.
    public func bind(namespace: String, name: String, node: String) async throws -> JSONValue {
        let r = ResourceInfo.pods
        guard !node.isEmpty else { throw GantryError.invalid(r, name, [.required("target.name")]) }
        let key = r.key(namespace: namespace, name: name)
        for _ in 0..<8 {
            guard let kv = try await store.get(key) else { throw GantryError.notFound(r, name) }
            var pod = try decode(kv)
            if pod[path: ["metadata", "deletionTimestamp"]] != nil {
                throw GantryError(.conflict, "pod \(name) is being deleted, cannot be assigned to a host")
            }
            if let existing = pod[path: ["spec", "nodeName"]]?.stringValue, !existing.isEmpty {
                throw GantryError(.conflict, "pod \(name) is already assigned to node \"\(existing)\"",
                                  details: StatusDetails(name: name, group: "", kind: "pods"))
            }
            pod[path: ["spec", "nodeName"]] = .string(node)
            var conds = (pod[path: ["status", "conditions"]]?.arrayValue ?? []).filter { $0["type"]?.stringValue != "PodScheduled" }
            conds.append(["type": "PodScheduled", "status": "True", "lastProbeTime": .null,
                          "lastTransitionTime": .string(Clock.rfc3339())])
            pod[path: ["status", "conditions"]] = .array(conds)
            switch try await store.update(key, value: try encode(pod, key: key), expectedRevision: kv.modRevision) {
            case .updated(let nkv):
                pod[path: ["metadata", "resourceVersion"]] = .string(String(nkv.modRevision))
                return pod
            case .conflict: continue
            case .notFound: throw GantryError.notFound(r, name)
            }
        }
        throw GantryError.modified(r, name)
    }

    // MARK: - Watch

    /// A watch event as sent on the wire.
    public struct WatchEvent: Sendable {
        public var type: String
        public var object: JSONValue
    }

    /// Streams changes after `resourceVersion` (or, when it is empty or "0", the current objects as ADDED
    /// events first), filtered by the selectors, with MODIFIED events that enter or leave the selection
    /// turned into ADDED or DELETED.
    public func watch(_ r: ResourceInfo, namespace: String?, name: String? = nil, options: ListOptions)
        async throws -> (initial: [WatchEvent], stream: AsyncThrowingStream<WatchItem, Error>, startRevision: Int64)
    {
        var initial: [WatchEvent] = []
        var from: Int64
        let rv = options.resourceVersion ?? ""
        if rv.isEmpty || rv == "0" {
            var l = options
            l.limit = 0
            l.continueToken = nil
            let listed = try await list(r, namespace: namespace, options: l)
            initial = listed.items.filter { name == nil || $0[path: ["metadata", "name"]]?.stringValue == name }
                .map { WatchEvent(type: "ADDED", object: $0) }
            from = listed.revision
        } else {
            guard let v = Int64(rv) else { throw GantryError(.badRequest, "invalid resourceVersion \"\(rv)\"") }
            from = v
        }
        let prefix = name.map { r.key(namespace: namespace, name: $0) } ?? r.prefix(namespace: namespace)
        let stream = try await store.watchWithProgress(prefix: prefix, fromRevision: from)
        return (initial, stream, from)
    }
}

/// The opaque `continue` token: the list revision and the last key returned.
enum ContinueToken {
    static func encode(revision: Int64, key: String) -> String {
        let raw: JSONValue = ["v": "meta.k8s.io/v1", "rv": .int(revision), "start": .string(key)]
        return raw.serialized().base64EncodedString()
    }

    static func decode(_ token: String) -> (revision: Int64, key: String)? {
        var t = token
        while t.count % 4 != 0 { t += "=" }
        guard let data = Data(base64Encoded: t), let v = try? JSONValue.parse(data),
              let rv = v["rv"]?.intValue, let key = v["start"]?.stringValue else { return nil }
        return (rv, key)
    }
}

/// Timestamps in the forms the API uses.
public enum Clock {
    /// RFC 3339 with seconds (`Time`).
    public static func rfc3339(_ date: Date = Date()) -> String {
        date.ISO8601Format()
    }
}

extension Registry {
    /// The DefaultIngressClass admission: an Ingress created without a class (field or the old
    /// `kubernetes.io/ingress.class` annotation) gets the IngressClass annotated
    /// `ingressclass.kubernetes.io/is-default-class: "true"` (the newest, if several are).
    func admitDefaultIngressClass(_ obj: inout JSONValue) async throws {
        if let c = obj[path: ["spec", "ingressClassName"]], !c.isNull { return }
        if obj[path: ["metadata", "annotations", "kubernetes.io/ingress.class"]] != nil { return }
        if let name = try await defaultClass(.ingressClasses, annotation: "ingressclass.kubernetes.io/is-default-class") {
            obj[path: ["spec", "ingressClassName"]] = .string(name)
        }
    }
}

extension Registry {
    /// DefaultStorageClass admission: a claim that does not set `storageClassName` (unset, not "") gets the class
    /// annotated `storageclass.kubernetes.io/is-default-class: "true"` (the newest, if several are).
    func admitDefaultStorageClass(_ obj: inout JSONValue) async throws {
        if let c = obj[path: ["spec", "storageClassName"]], !c.isNull { return }
        if let name = try await defaultClass(.storageClasses, annotation: StorageClass.defaultClassAnnotation) {
            obj[path: ["spec", "storageClassName"]] = .string(name)
        }
    }

    /// The name of the class of `r` annotated `annotation: "true"` (the newest, if several are), as Kubernetes'
    /// DefaultStorageClass and DefaultIngressClass admissions pick it.
    func defaultClass(_ r: ResourceInfo, annotation: String) async throws -> String? {
        let classes = try await list(r, namespace: nil, options: ListOptions()).items.filter {
            $0[path: ["metadata", "annotations", annotation]] == "true"
        }
        let newest = classes.max {
            ($0[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "", $0[path: ["metadata", "name"]]?.stringValue ?? "")
                < ($1[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "", $1[path: ["metadata", "name"]]?.stringValue ?? "")
        }
        return newest?[path: ["metadata", "name"]]?.stringValue
    }

    /// StorageObjectInUseProtection admission: claims and volumes get the finalizer that keeps them while in use
    /// (`kubernetes.io/pvc-protection` until no pod uses the claim, `kubernetes.io/pv-protection` until unbound).
    static func addProtectionFinalizer(_ obj: inout JSONValue, _ r: ResourceInfo) {
        let f = r == .persistentVolumeClaims ? "kubernetes.io/pvc-protection" : "kubernetes.io/pv-protection"
        var list = obj[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        if !list.contains(.string(f)) { list.append(.string(f)) }
        obj[path: ["metadata", "finalizers"]] = .array(list)
    }

    /// NodeRestriction for local-path volumes: an agent may change a PersistentVolume only to remove finalizers,
    /// and only one whose directory is on its node.
    static func admitNodeVolumeUpdate(_ user: UserInfo?, old: JSONValue, new: JSONValue, name: String) throws {
        guard let node = user.flatMap(NodeAuthorizer.nodeName(of:)) else { return }
        guard old[path: ["metadata", "annotations", LocalPath.nodeAnnotation]]?.stringValue == node else {
            throw GantryError(.forbidden, "persistentvolumes \"\(name)\" is forbidden: node '\(node)' can only modify local-path volumes on its node")
        }
        var a = old, b = new
        let oldF = Set(a[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let newF = Set(b[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? [])
        for k in ["finalizers", "resourceVersion", "managedFields"] {
            a[path: ["metadata", k]] = nil
            b[path: ["metadata", k]] = nil
        }
        if a != b || !newF.isSubset(of: oldF) {
            throw GantryError(.forbidden, "persistentvolumes \"\(name)\" is forbidden: node '\(node)' may only remove finalizers of a volume")
        }
    }

    /// Priority admission: a pod's `priorityClassName` (or the class marked `globalDefault`) becomes its
    /// `spec.priority` and `spec.preemptionPolicy`; a class that does not exist, or a priority the pod sets itself
    /// that differs, is refused as Kubernetes refuses it.
    func admitPriority(_ pod: inout JSONValue, name: String) async throws {
        var className = pod[path: ["spec", "priorityClassName"]]?.stringValue ?? ""
        var value: Int64 = 0, policy = "PreemptLowerPriority"
        if !className.isEmpty {
            if let system = Validation.systemPriorityClasses[className] {
                value = Int64(system)
                if let pc = try? await get(.priorityClasses, namespace: nil, name: className) {
                    policy = pc["preemptionPolicy"]?.stringValue ?? policy
                }
            } else {
                guard let pc = try? await get(.priorityClasses, namespace: nil, name: className) else {
                    throw GantryError(.forbidden, "pods \"\(name)\" is forbidden: no PriorityClass with name \(className) was found")
                }
                value = pc["value"]?.intValue ?? 0
                policy = pc["preemptionPolicy"]?.stringValue ?? policy
            }
        } else if let def = try await list(.priorityClasses, namespace: nil, options: ListOptions()).items
            .filter({ $0["globalDefault"]?.boolValue == true })
            .min(by: { ($0["value"]?.intValue ?? 0) < ($1["value"]?.intValue ?? 0) }) {
            className = def[path: ["metadata", "name"]]?.stringValue ?? ""
            value = def["value"]?.intValue ?? 0
            policy = def["preemptionPolicy"]?.stringValue ?? policy
            pod[path: ["spec", "priorityClassName"]] = .string(className)
        }
        if let given = pod[path: ["spec", "priority"]]?.intValue, given != value {
            throw GantryError(.forbidden, "pods \"\(name)\" is forbidden: the integer value of priority (\(given)) must not be provided in pod spec; priority admission controller computed \(value) from the given PriorityClass name")
        }
        pod[path: ["spec", "priority"]] = .int(value)
        if pod[path: ["spec", "preemptionPolicy"]] == nil || pod[path: ["spec", "preemptionPolicy"]]?.isNull == true {
            pod[path: ["spec", "preemptionPolicy"]] = .string(policy)
        }
    }

    /// Only one PriorityClass may be the global default.
    func admitGlobalDefault(_ pc: JSONValue, name: String) async throws {
        guard pc["globalDefault"]?.boolValue == true else { return }
        for other in try await list(.priorityClasses, namespace: nil, options: ListOptions()).items
            where other["globalDefault"]?.boolValue == true {
            let n = other[path: ["metadata", "name"]]?.stringValue ?? ""
            if n != name {
                throw GantryError.invalid(.priorityClasses, name, [.invalid("globalDefault", "true",
                    "PriorityClass \(n) is already marked as default. Only one default can exist")])
            }
        }
    }

    /// The built-in local-path StorageClass (the default class, WaitForFirstConsumer, Delete), made at start if
    /// missing, as k3s ships its local-path provisioner.
    public func ensureDefaultStorageClass() async throws {
        let body: JSONValue = [
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": ["name": .string(LocalPath.className), "annotations": .object([StorageClass.defaultClassAnnotation: "true"])],
            "provisioner": .string(LocalPath.provisioner), "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
        ]
        do {
            _ = try await create(.storageClasses, namespace: nil, body: body, options: WriteOptions())
        } catch let e as GantryError where e.code == .alreadyExists {}
    }

    /// The built-in PriorityClasses, made at start if missing.
    public func ensureSystemPriorityClasses() async throws {
        for (name, value) in Validation.systemPriorityClasses.sorted(by: { $0.key < $1.key }) {
            let body: JSONValue = ["apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": ["name": .string(name)],
                                   "value": .int(Int64(value)),
                                   "description": .string("Used for \(name == "system-node-critical" ? "system critical pods that must not be moved from their current node" : "system critical pods that must run in the cluster, but can be moved to another node if necessary").")]
            do {
                _ = try await create(.priorityClasses, namespace: nil, body: body, options: WriteOptions())
            } catch let e as GantryError where e.code == .alreadyExists {}
        }
    }
}

extension Registry {
    /// The LimitRanger admission: containers without requests or limits get their namespace's LimitRange defaults,
    /// then every Container and Pod item's min, max and maxLimitRequestRatio is checked, with Kubernetes' messages.
    func admitLimitRanges(_ pod: inout JSONValue, namespace: String, name: String) async throws {
        let ranges = try await list(.limitRanges, namespace: namespace, options: ListOptions()).items
        guard !ranges.isEmpty else { return }
        let items = ranges.flatMap { $0[path: ["spec", "limits"]]?.arrayValue ?? [] }
        func quantities(_ v: JSONValue?) -> [String: Quantity] {
            (v?.objectValue ?? [:]).compactMapValues { q in (q.stringValue ?? q.intValue.map { String($0) }).flatMap { try? Quantity($0) } }
        }
        // Defaults.
        for item in items where item["type"]?.stringValue == "Container" {
            for list in ["initContainers", "containers"] {
                guard var cs = pod[path: ["spec", list]]?.arrayValue else { continue }
                for i in cs.indices {
                    for (k, v) in item["defaultRequest"]?.objectValue ?? [:] where cs[i][path: ["resources", "requests", k]] == nil {
                        cs[i][path: ["resources", "requests", k]] = v
                    }
                    for (k, v) in item["default"]?.objectValue ?? [:] where cs[i][path: ["resources", "limits", k]] == nil {
                        cs[i][path: ["resources", "limits", k]] = v
                    }
                }
                pod[path: ["spec", list]] = .array(cs)
            }
        }
        // Checks.
        var problems: [String] = []
        func check(_ item: JSONValue, kind: String, requests: [String: Quantity], limits: [String: Quantity]) {
            for (k, min) in quantities(item["min"]) {
                if let r = requests[k] {
                    if r < min { problems.append("minimum \(k) usage per \(kind) is \(min), but request is \(r)") }
                } else {
                    problems.append("minimum \(k) usage per \(kind) is \(min).  No request is specified")
                }
            }
            for (k, max) in quantities(item["max"]) {
                if let l = limits[k] {
                    if l > max { problems.append("maximum \(k) usage per \(kind) is \(max), but limit is \(l)") }
                } else {
                    problems.append("maximum \(k) usage per \(kind) is \(max).  No limit is specified")
                }
            }
            for (k, ratio) in quantities(item["maxLimitRequestRatio"]) {
                guard let l = limits[k], let r = requests[k], !r.isZero else {
                    problems.append("\(k) max limit to request ratio per \(kind) is \(ratio), but no request is specified or request is 0")
                    continue
                }
                let actual = l.doubleValue / r.doubleValue
                if actual > ratio.doubleValue {
                    problems.append("\(k) max limit to request ratio per \(kind) is \(ratio), but provided ratio is \(String(format: "%.6f", actual))")
                }
            }
        }
        let containers = (pod[path: ["spec", "containers"]]?.arrayValue ?? []) + (pod[path: ["spec", "initContainers"]]?.arrayValue ?? [])
        for item in items {
            switch item["type"]?.stringValue {
            case "Container":
                for c in containers {
                    check(item, kind: "Container", requests: quantities(c[path: ["resources", "requests"]]),
                          limits: quantities(c[path: ["resources", "limits"]]))
                }
            case "Pod":
                var requests: [String: Quantity] = [:], limits: [String: Quantity] = [:]
                let main = pod[path: ["spec", "containers"]]?.arrayValue ?? []
                for c in main {
                    for (k, v) in quantities(c[path: ["resources", "requests"]]) { requests[k] = (requests[k] ?? Quantity(integer: 0)) + v }
                    for (k, v) in quantities(c[path: ["resources", "limits"]]) { limits[k] = (limits[k] ?? Quantity(integer: 0)) + v }
                }
                // A resource some container leaves unlimited is unlimited for the pod.
                for k in limits.keys where main.contains(where: { $0[path: ["resources", "limits", k]] == nil }) { limits[k] = nil }
                check(item, kind: "Pod", requests: requests, limits: limits)
            default: break
            }
        }
        guard !problems.isEmpty else { return }
        let message = problems.count == 1 ? problems[0] : "[" + problems.joined(separator: ", ") + "]"
        throw GantryError(.forbidden, "pods \"\(name)\" is forbidden: \(message)")
    }
}
