import Foundation
import GantryAPI

/// Discovery documents: `/api`, `/apis`, `/api/v1`, `/apis/{group}/{version}`, `/version`.
enum Discovery {
    static func apiVersions(serverAddress: String) -> JSONValue {
        ["kind": "APIVersions", "versions": ["v1"],
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]]
    }

    static func groups(_ catalog: ResourceCatalog) -> [String] {
        var seen: [String] = []
        for gv in catalog.groupVersions where !gv.group.isEmpty && !seen.contains(gv.group) { seen.append(gv.group) }
        return seen
    }

    static func apiGroupList(_ catalog: ResourceCatalog) -> JSONValue {
        let all = catalog.groupVersions
        let groups: [JSONValue] = groups(catalog).map { g in
            let versions = all.filter { $0.group == g }.map { $0.version }
            let v: [JSONValue] = versions.map { ["groupVersion": .string("\(g)/\($0)"), "version": .string($0)] }
            return ["name": .string(g), "versions": .array(v), "preferredVersion": v[0]]
        }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    static func apiGroup(_ g: String, _ catalog: ResourceCatalog) -> JSONValue? {
        let versions = catalog.groupVersions.filter { $0.group == g }.map { $0.version }
        guard !versions.isEmpty else { return nil }
        let v: [JSONValue] = versions.map { ["groupVersion": .string("\(g)/\($0)"), "version": .string($0)] }
        return ["kind": "APIGroup", "apiVersion": "v1", "name": .string(g), "versions": .array(v), "preferredVersion": v[0]]
    }

    static func resourceList(group: String, version: String, _ catalog: ResourceCatalog) -> JSONValue? {
        let rs = catalog.resources(group: group, version: version)
        guard !rs.isEmpty else { return nil }
        var out: [JSONValue] = []
        for r in rs {
            var entry: JSONValue = [
                "name": .string(r.plural), "singularName": .string(r.singular), "namespaced": .bool(r.namespaced),
                "kind": .string(r.kind), "verbs": .array(r.verbs.map { .string($0) }),
                "storageVersionHash": .string(String(r.qualifiedName.hashValue & 0xFFFFFF, radix: 16)),
            ]
            if !r.shortNames.isEmpty { entry["shortNames"] = .array(r.shortNames.map { .string($0) }) }
            if !r.categories.isEmpty { entry["categories"] = .array(r.categories.map { .string($0) }) }
            entry["storageVersionHash"] = nil
            out.append(entry)
            for sub in r.subresources {
                var s: JSONValue = ["name": .string("\(r.plural)/\(sub)"), "singularName": "", "namespaced": .bool(r.namespaced)]
                switch sub {
                case "status":
                    s["kind"] = .string(r.kind); s["verbs"] = ["get", "patch", "update"]
                case "scale":
                    s["group"] = "autoscaling"; s["version"] = "v1"; s["kind"] = "Scale"; s["verbs"] = ["get", "patch", "update"]
                case "binding":
                    s["kind"] = "Binding"; s["verbs"] = ["create"]
                case "log":
                    s["kind"] = "Pod"; s["verbs"] = ["get"]
                case "exec":
                    s["kind"] = "PodExecOptions"; s["verbs"] = ["create", "get"]
                case "eviction":
                    s["group"] = "policy"; s["version"] = "v1"; s["kind"] = "Eviction"; s["verbs"] = ["create"]
                case "finalize":
                    s["kind"] = .string(r.kind); s["verbs"] = ["update"]
                case "token":
                    s["group"] = "authentication.k8s.io"; s["version"] = "v1"; s["kind"] = "TokenRequest"; s["verbs"] = ["create"]
                default: continue
                }
                out.append(s)
            }
        }
        return ["kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"), "resources": .array(out)]
    }

    // MARK: - Aggregated discovery (apidiscovery.k8s.io/v2)

    /// The aggregated discovery media type the client accepts first (`v2`, or `v2beta1` for older clients),
    /// or nil when it asks for the classic documents.
    static func aggregatedType(accept: String?) -> String? {
        guard let accept else { return nil }
        for part in accept.split(separator: ",") {
            let params = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard params.first == "application/json", params.contains("g=apidiscovery.k8s.io"),
                  params.contains("as=APIGroupDiscoveryList") else {
                if params.first == "application/json" || params.first == "*/*" { return nil }
                continue
            }
            if params.contains("v=v2") { return "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" }
            if params.contains("v=v2beta1") { return "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList" }
        }
        return nil
    }

    /// `APIGroupDiscoveryList`: every group (or the core group, for `/api`) with its versions, preferred first,
    /// and every resource with its scope, verbs, names and subresources, in one document — what kubectl asks
    /// for first, saving it a request per group version.
    static func aggregated(core: Bool, _ catalog: ResourceCatalog, contentType: String) -> JSONValue {
        let version = contentType.contains("v=v2beta1") ? "v2beta1" : "v2"
        let all = catalog.groupVersions
        let groups = core ? [""] : groups(catalog)
        let items: [JSONValue] = groups.map { g in
            let versions: [JSONValue] = all.filter { $0.group == g }.map { gv in
                let listed = resourceList(group: g, version: gv.version, catalog)?["resources"]?.arrayValue ?? []
                let resources: [JSONValue] = catalog.resources(group: g, version: gv.version).map { r in
                    var entry: JSONValue = [
                        "resource": .string(r.plural), "singularResource": .string(r.singular),
                        "scope": r.namespaced ? "Namespaced" : "Cluster",
                        "responseKind": ["group": .string(r.group), "version": .string(r.version), "kind": .string(r.kind)],
                        "verbs": .array(r.verbs.map { .string($0) }),
                    ]
                    if !r.shortNames.isEmpty { entry["shortNames"] = .array(r.shortNames.map { .string($0) }) }
                    if !r.categories.isEmpty { entry["categories"] = .array(r.categories.map { .string($0) }) }
                    let subs: [JSONValue] = listed
                        .filter { ($0["name"]?.stringValue ?? "").hasPrefix(r.plural + "/") }
                        .map { s in
                            ["subresource": .string(String((s["name"]?.stringValue ?? "").dropFirst(r.plural.count + 1))),
                             "responseKind": ["group": s["group"] ?? .string(r.group), "version": s["version"] ?? .string(r.version),
                                              "kind": s["kind"] ?? .string(r.kind)],
                             "verbs": s["verbs"] ?? []]
                        }
                    if !subs.isEmpty { entry["subresources"] = .array(subs) }
                    return entry
                }
                return ["version": .string(gv.version), "resources": .array(resources), "freshness": "Current"]
            }
            var meta: JSONValue = ["creationTimestamp": .null]
            if !g.isEmpty { meta["name"] = .string(g) }
            return ["metadata": meta, "versions": .array(versions)]
        }
        return ["kind": "APIGroupDiscoveryList", "apiVersion": .string("apidiscovery.k8s.io/\(version)"), "metadata": .emptyObject,
                "items": .array(items)]
    }

    static func version() -> JSONValue {
        ["major": "1", "minor": "32", "gitVersion": .string("v1.32.0-gantry.\(GantryVersion.string)"),
         "gitCommit": "", "gitTreeState": "clean", "buildDate": "", "goVersion": "swift6",
         "compiler": "swiftc", "platform": "linux/amd64"]
    }
}

/// The Gantry release.
public enum GantryVersion {
    public static let string = "0.1.0"
}
