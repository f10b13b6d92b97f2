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
