import Foundation
import Synchronization

/// One served version of a custom resource, as its CustomResourceDefinition describes it: what the API
/// server needs to serve, prune, default, validate and print its objects. Immutable; a changed CRD
/// yields a new value.
public final class CustomResourceVersion: Sendable, Hashable, CustomStringConvertible {
    /// The CRD's name (`crontabs.stable.example.com`).
    public let definition: String
    /// The CRD's resourceVersion this was built from.
    public let revision: String
    public let version: String
    /// The version objects are stored in (`apiVersion` written to the store).
    public let storageVersion: String
    /// `openAPIV3Schema`, or nil when the version has none (everything is kept).
    public let schema: JSONValue?
    public let statusSubresource: Bool
    public let scale: ScalePaths?
    public let printerColumns: [PrinterColumn]
    /// The CRD is being deleted: objects are read and deleted, not created.
    public let terminating: Bool
    /// `deprecated` and its warning, as the version declares them.
    public let deprecationWarning: String?

    /// The scale subresource's paths.
    public struct ScalePaths: Sendable, Hashable {
        public var specReplicas: JSONPath
        public var statusReplicas: JSONPath
        public var labelSelector: JSONPath?
    }

    /// One `additionalPrinterColumns` entry.
    public struct PrinterColumn: Sendable, Hashable {
        public var name: String
        public var type: String
        public var format: String
        public var description: String
        public var priority: Int
        public var path: JSONPath
    }

    init(definition: String, revision: String, version: String, storageVersion: String, schema: JSONValue?,
         statusSubresource: Bool, scale: ScalePaths?, printerColumns: [PrinterColumn], terminating: Bool,
         deprecationWarning: String?) {
        self.definition = definition
        self.revision = revision
        self.version = version
        self.storageVersion = storageVersion
        self.schema = schema
        self.statusSubresource = statusSubresource
        self.scale = scale
        self.printerColumns = printerColumns
        self.terminating = terminating
        self.deprecationWarning = deprecationWarning
    }

    public static func == (a: CustomResourceVersion, b: CustomResourceVersion) -> Bool {
        a.definition == b.definition && a.version == b.version && a.revision == b.revision
    }
    public func hash(into h: inout Hasher) {
        h.combine(definition)
        h.combine(version)
    }
    public var description: String { "\(definition)@\(version)" }

    /// The resources a CustomResourceDefinition serves, one per served version, in Kubernetes' version
    /// priority order (the preferred version first). Assumes the CRD passed validation.
    public static func resources(of crd: JSONValue) -> [ResourceInfo] {
        let spec = crd["spec"] ?? .emptyObject
        let names = spec["names"] ?? .emptyObject
        let group = spec["group"]?.stringValue ?? ""
        let kind = names["kind"]?.stringValue ?? ""
        let plural = names["plural"]?.stringValue ?? ""
        let versions = spec["versions"]?.arrayValue ?? []
        let storage = versions.first { $0["storage"]?.boolValue == true }?["name"]?.stringValue ?? ""
        let name = crd[path: ["metadata", "name"]]?.stringValue ?? ""
        let revision = crd[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
        let terminating = crd[path: ["metadata", "deletionTimestamp"]] != nil
        var out: [ResourceInfo] = []
        for v in versions where v["served"]?.boolValue != false {
            let vname = v["name"]?.stringValue ?? ""
            let subs = v["subresources"] ?? .emptyObject
            var scale: ScalePaths?
            if let sc = subs["scale"], let spec = try? JSONPath(sc["specReplicasPath"]?.stringValue ?? ".spec.replicas"),
               let status = try? JSONPath(sc["statusReplicasPath"]?.stringValue ?? ".status.replicas") {
                scale = ScalePaths(specReplicas: spec, statusReplicas: status,
                                   labelSelector: sc["labelSelectorPath"]?.stringValue.flatMap { try? JSONPath($0) })
            }
            let columns: [PrinterColumn] = (v["additionalPrinterColumns"]?.arrayValue ?? []).compactMap { c in
                guard let n = c["name"]?.stringValue, let p = c["jsonPath"]?.stringValue, let path = try? JSONPath(p) else { return nil }
                return PrinterColumn(name: n, type: c["type"]?.stringValue ?? "string", format: c["format"]?.stringValue ?? "",
                                     description: c["description"]?.stringValue ?? "", priority: Int(c["priority"]?.intValue ?? 0),
                                     path: path)
            }
            let deprecated = v["deprecated"]?.boolValue == true
                ? v["deprecationWarning"]?.stringValue ?? "\(group)/\(vname) \(kind) is deprecated" : nil
            let custom = CustomResourceVersion(
                definition: name, revision: revision, version: vname, storageVersion: storage,
                schema: v[path: ["schema", "openAPIV3Schema"]], statusSubresource: subs["status"] != nil, scale: scale,
                printerColumns: columns, terminating: terminating, deprecationWarning: deprecated)
            var subresources: [String] = []
            if custom.statusSubresource { subresources.append("status") }
            if scale != nil { subresources.append("scale") }
            var r = ResourceInfo(group: group, version: vname, kind: kind, plural: plural,
                                 shortNames: names["shortNames"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                 namespaced: spec["scope"]?.stringValue != "Cluster", subresources: subresources,
                                 categories: names["categories"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            if let s = names["singular"]?.stringValue, !s.isEmpty { r.singular = s }
            if let lk = names["listKind"]?.stringValue, !lk.isEmpty { r.customListKind = lk }
            r.custom = custom
            out.append(r)
        }
        return out.sorted { versionPriority($0.version, $1.version) }
    }

    /// Kubernetes' version ordering: GA before beta before alpha, higher numbers first, then other names
    /// alphabetically (`v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > foo`). True when `a` sorts before `b`.
    public static func versionPriority(_ a: String, _ b: String) -> Bool {
        func parse(_ v: String) -> (major: Int, stage: Int, minor: Int)? {
            guard v.hasPrefix("v") else { return nil }
            let rest = v.dropFirst()
            let digits = rest.prefix { $0.isNumber }
            guard let major = Int(digits), major > 0 else { return nil }
            let tail = rest.dropFirst(digits.count)
            if tail.isEmpty { return (major, 2, 0) }
            for (stage, word) in [(1, "beta"), (0, "alpha")] where tail.hasPrefix(word) {
                guard let minor = Int(tail.dropFirst(word.count)), minor > 0 else { return nil }
                return (major, stage, minor)
            }
            return nil
        }
        switch (parse(a), parse(b)) {
        case let (x?, y?):
            if x.stage != y.stage { return x.stage > y.stage }
            if x.major != y.major { return x.major > y.major }
            return x.minor > y.minor
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a < b
        }
    }
}

/// Every resource one API server serves: the built-in kinds of `ResourceInfo.all` and the custom resources
/// of the CustomResourceDefinitions established in its store. Read on every request (routing, discovery,
/// OpenAPI, tables), changed only when a CRD changes: a read-mostly index behind a lock, so lookups stay
/// synchronous.
public final class ResourceCatalog: Sendable {
    struct State {
        /// By CRD name: the resources of its served versions, preferred first.
        var custom: [String: [ResourceInfo]] = [:]
        /// `custom` flattened in CRD-name order, kept with it (read on every request that misses the built-ins).
        var flat: [ResourceInfo] = []
        var generation = 0
    }
    let state = Mutex(State())

    public init() {}

    /// Serves (or stops serving, with an empty list) the resources of one CRD.
    public func setCustom(_ definition: String, _ resources: [ResourceInfo]) {
        state.withLock {
            if resources.isEmpty { $0.custom[definition] = nil } else { $0.custom[definition] = resources }
            let custom = $0.custom
            $0.flat = custom.keys.sorted().flatMap { custom[$0]! }
            $0.generation += 1
        }
    }

    /// Changes whenever the custom resources change (for caches of derived documents).
    public var generation: Int { state.withLock { $0.generation } }

    /// The custom resources served, every version.
    public var customResources: [ResourceInfo] { state.withLock { $0.flat } }

    /// The resources of one CRD (nil if it is not served).
    public func custom(definition: String) -> [ResourceInfo]? { state.withLock { $0.custom[definition] } }

    /// Every resource served: built-ins first.
    public var all: [ResourceInfo] { ResourceInfo.all + customResources }

    /// The group versions served: the built-ins', then each custom group's versions, preferred first.
    public var groupVersions: [(group: String, version: String)] {
        var out = ResourceInfo.groupVersions
        var seen = Set(out.map { "\($0.group)/\($0.version)" })
        let custom = customResources
        let groups = Array(Set(custom.map(\.group))).sorted()
        for g in groups {
            let versions = Array(Set(custom.filter { $0.group == g }.map(\.version)))
                .sorted(by: CustomResourceVersion.versionPriority)
            for v in versions where seen.insert("\(g)/\(v)").inserted { out.append((g, v)) }
        }
        return out
    }

    /// The resources of one group version.
    public func resources(group: String, version: String) -> [ResourceInfo] {
        all.filter { $0.group == group && $0.version == version }
    }

    /// Looks up a resource by group, version and plural.
    public func lookup(group: String, version: String, plural: String) -> ResourceInfo? {
        if let r = ResourceInfo.lookup(group: group, plural: plural), r.version == version { return r }
        // A built-in served in more than one version (autoscaling/v2 and v1).
        if let r = ResourceInfo.all.first(where: { $0.group == group && $0.version == version && $0.plural == plural }) { return r }
        return customResources.first { $0.group == group && $0.version == version && $0.plural == plural }
    }

    /// Looks up a resource by group and plural (the preferred version of a custom resource).
    public func lookup(group: String, plural: String) -> ResourceInfo? {
        ResourceInfo.lookup(group: group, plural: plural)
            ?? customResources.first { $0.group == group && $0.plural == plural }
    }

    /// Looks up a resource by apiVersion and kind.
    public func lookup(apiVersion: String, kind: String) -> ResourceInfo? {
        ResourceInfo.lookup(apiVersion: apiVersion, kind: kind)
            ?? customResources.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }
}
