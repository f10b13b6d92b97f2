import Foundation

/// What an object counts against a ResourceQuota, with Kubernetes' resource names: object counts
/// (`pods`, `services`, `configmaps`, `secrets`, `persistentvolumeclaims`, `resourcequotas`,
/// `count/<plural>[.<group>]`), compute (`requests.cpu`/`cpu`, `requests.memory`/`memory`, `limits.cpu`,
/// `limits.memory`, `requests.ephemeral-storage`, `limits.ephemeral-storage`) for pods that are not
/// terminal, and `services.nodeports`/`services.loadbalancers`. Pure.
public enum QuotaUsage {
    /// The usage of one object of `resource`.
    public static func usage(of object: JSONValue, resource r: ResourceInfo) -> [String: Quantity] {
        var out: [String: Quantity] = ["count/" + (r.group.isEmpty ? r.plural : "\(r.plural).\(r.group)"): 1]
        switch (r.group, r.plural) {
        case ("", "pods"):
            let phase = object[path: ["status", "phase"]]?.stringValue ?? ""
            if phase == "Succeeded" || phase == "Failed" { return [:] }
            out["pods"] = 1
            for (k, v) in podCompute(object) { out[k] = v }
        case ("", "services"):
            out["services"] = 1
            let type = object[path: ["spec", "type"]]?.stringValue ?? "ClusterIP"
            if type == "NodePort" || type == "LoadBalancer" {
                out["services.nodeports"] = Quantity(integer: Int64(object[path: ["spec", "ports"]]?.arrayValue?.count ?? 0))
            }
            if type == "LoadBalancer" { out["services.loadbalancers"] = 1 }
        case ("", "configmaps"), ("", "secrets"), ("", "persistentvolumeclaims"), ("", "resourcequotas"),
             ("", "replicationcontrollers"):
            out[r.plural] = 1
        default: break
        }
        return out
    }

    /// A pod's effective requests and limits (the larger of the sum of its containers and its largest init
    /// container, as Kubernetes computes them).
    static func podCompute(_ pod: JSONValue) -> [String: Quantity] {
        var out: [String: Quantity] = [:]
        for kind in ["requests", "limits"] {
            for res in ["cpu", "memory", "ephemeral-storage"] {
                func q(_ c: JSONValue) -> Quantity? {
                    guard let v = c[path: ["resources", kind, res]] ?? (kind == "requests" ? c[path: ["resources", "limits", res]] : nil)
                    else { return nil }
                    return (v.stringValue ?? v.intValue.map { String($0) }).flatMap { try? Quantity($0) }
                }
                let containers = pod[path: ["spec", "containers"]]?.arrayValue ?? []
                let values = containers.compactMap(q)
                guard !values.isEmpty || (pod[path: ["spec", "initContainers"]]?.arrayValue ?? []).contains(where: { q($0) != nil })
                else { continue }
                var total = values.reduce(Quantity(integer: 0), +)
                for ic in pod[path: ["spec", "initContainers"]]?.arrayValue ?? [] {
                    if let v = q(ic), v > total { total = v }
                }
                out["\(kind).\(res)"] = total
                if kind == "requests", res != "ephemeral-storage" { out[res] = total }
            }
        }
        return out
    }

    /// The containers of a pod that do not state a resource a quota constrains (`requests.cpu`, `limits.memory`...),
    /// which Kubernetes refuses: `must specify limits.cpu for: app`.
    public static func unspecified(_ pod: JSONValue, constrained: Set<String>) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for name in constrained.sorted() {
            let parts = name.split(separator: ".").map(String.init)
            let (kind, res): (String, String)
            if parts.count == 2, ["requests", "limits"].contains(parts[0]) { (kind, res) = (parts[0], parts[1]) }
            else if ["cpu", "memory"].contains(name) { (kind, res) = ("requests", name) }
            else { continue }
            let missing = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).filter { c in
                c[path: ["resources", kind, res]] == nil && !(kind == "requests" && c[path: ["resources", "limits", res]] != nil)
            }.compactMap { $0["name"]?.stringValue }
            if !missing.isEmpty { out[name] = missing }
        }
        return out
    }

    /// The quantities of a `hard`/`used` map.
    public static func quantities(_ v: JSONValue?) -> [String: Quantity] {
        (v?.objectValue ?? [:]).compactMapValues { q in (q.stringValue ?? q.intValue.map { String($0) }).flatMap { try? Quantity($0) } }
    }

    /// A map of quantities as JSON.
    public static func json(_ m: [String: Quantity]) -> JSONValue {
        .object(m.mapValues { .string($0.description) })
    }

    /// Whether `object` of `resource` is counted by quotas at all (anything namespaced and stored).
    public static func counts(_ r: ResourceInfo) -> Bool { r.namespaced && r.stored && r != .events }
}
