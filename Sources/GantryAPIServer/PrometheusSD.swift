import Foundation
import GantryAPI
import Hummingbird

// Prometheus service discovery over HTTP (`http_sd_configs`), for a Prometheus built without its Kubernetes
// discovery (Debian's is): `GET /gantry/v1/prometheus-sd/{node|endpoints|pod}` answers the target groups Prometheus'
// `kubernetes_sd_configs` would find for that role, with the same `__meta_kubernetes_*` labels, so the relabelling
// rules written for Kubernetes (keep `default;kubernetes;https`, `prometheus.io/scrape` annotations) work as they are.
// The caller needs `get` on the path and `list` on the role's resource.

extension APIHandler {
    func prometheusSD(role: String, user: UserInfo) async throws -> Response {
        let resource: ResourceInfo
        switch role {
        case "node": resource = .nodes
        case "endpoints": resource = .endpoints
        case "pod": resource = .pods
        default: throw GantryError(.notFound, "unknown service discovery role \"\(role)\": node, endpoints or pod")
        }
        try allow(user, AccessRequest(verb: "list", group: "", resource: resource.plural))
        let items = try await registry.list(resource, namespace: nil, options: ListOptions()).items
        var groups: [JSONValue] = []
        switch role {
        case "node":
            for n in items { if let g = Self.nodeTargets(n) { groups.append(g) } }
        case "endpoints":
            let services = try await registry.list(.services, namespace: nil, options: ListOptions()).items
            let byKey = Dictionary(services.map { (($0[path: ["metadata", "namespace"]]?.stringValue ?? "") + "/" + ($0[path: ["metadata", "name"]]?.stringValue ?? ""), $0) },
                                   uniquingKeysWith: { a, _ in a })
            for e in items {
                let key = (e[path: ["metadata", "namespace"]]?.stringValue ?? "") + "/" + (e[path: ["metadata", "name"]]?.stringValue ?? "")
                groups += Self.endpointTargets(e, service: byKey[key])
            }
        default:
            for p in items { groups += Self.podTargets(p) }
        }
        return Self.json(200, .array(groups))
    }

    /// Label names as Prometheus makes them from Kubernetes keys (`app.kubernetes.io/name` → `app_kubernetes_io_name`).
    static func sdName(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
    }

    static func sdLabels(_ prefix: String, _ object: JSONValue) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (field, what) in [("labels", "label"), ("annotations", "annotation")] {
            for (k, v) in object[path: ["metadata", field]]?.objectValue ?? [:] {
                out["__meta_kubernetes_\(prefix)_\(what)_\(sdName(k))"] = .string(v.stringValue ?? "")
                out["__meta_kubernetes_\(prefix)_\(what)present_\(sdName(k))"] = "true"
            }
        }
        return out
    }

    static func nodeTargets(_ node: JSONValue) -> JSONValue? {
        let name = node[path: ["metadata", "name"]]?.stringValue ?? ""
        let addresses = node[path: ["status", "addresses"]]?.arrayValue ?? []
        let port = node[path: ["status", "daemonEndpoints", "kubeletEndpoint", "Port"]]?.intValue ?? 10250
        guard let ip = (addresses.first { $0["type"] == "InternalIP" } ?? addresses.first)?["address"]?.stringValue else { return nil }
        var labels = sdLabels("node", node)
        labels["__meta_kubernetes_node_name"] = .string(name)
        for a in addresses {
            if let t = a["type"]?.stringValue, let v = a["address"]?.stringValue { labels["__meta_kubernetes_node_address_\(t)"] = .string(v) }
        }
        labels["instance"] = .string(name)
        return ["targets": [.string(ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)")], "labels": .object(labels)]
    }

    static func endpointTargets(_ endpoints: JSONValue, service: JSONValue?) -> [JSONValue] {
        let ns = endpoints[path: ["metadata", "namespace"]]?.stringValue ?? ""
        let name = endpoints[path: ["metadata", "name"]]?.stringValue ?? ""
        var base = sdLabels("endpoints", endpoints)
        base["__meta_kubernetes_namespace"] = .string(ns)
        base["__meta_kubernetes_endpoints_name"] = .string(name)
        if let service {
            base.merge(sdLabels("service", service)) { a, _ in a }
            base["__meta_kubernetes_service_name"] = .string(name)
        }
        var targets: [JSONValue] = []
        for subset in endpoints["subsets"]?.arrayValue ?? [] {
            for (key, ready) in [("addresses", "true"), ("notReadyAddresses", "false")] {
                for a in subset[key]?.arrayValue ?? [] {
                    guard let ip = a["ip"]?.stringValue else { continue }
                    for p in subset["ports"]?.arrayValue ?? [] {
                        let port = p["port"]?.intValue ?? 0
                        var labels = base
                        labels["__meta_kubernetes_endpoint_port_name"] = p["name"] ?? ""
                        labels["__meta_kubernetes_endpoint_port_protocol"] = p["protocol"] ?? "TCP"
                        labels["__meta_kubernetes_endpoint_ready"] = .string(ready)
                        labels["__meta_kubernetes_endpoint_address_target_kind"] = a[path: ["targetRef", "kind"]] ?? ""
                        labels["__meta_kubernetes_endpoint_address_target_name"] = a[path: ["targetRef", "name"]] ?? ""
                        if let node = a["nodeName"]?.stringValue { labels["__meta_kubernetes_endpoint_node_name"] = .string(node) }
                        if a[path: ["targetRef", "kind"]] == "Pod", let pod = a[path: ["targetRef", "name"]]?.stringValue {
                            labels["__meta_kubernetes_pod_name"] = .string(pod)
                        }
                        targets.append(["targets": [.string("\(ip):\(port)")], "labels": .object(labels)])
                    }
                }
            }
        }
        return targets
    }

    static func podTargets(_ pod: JSONValue) -> [JSONValue] {
        guard let ip = pod[path: ["status", "podIP"]]?.stringValue, !ip.isEmpty else { return [] }
        var base = sdLabels("pod", pod)
        base["__meta_kubernetes_namespace"] = pod[path: ["metadata", "namespace"]] ?? ""
        base["__meta_kubernetes_pod_name"] = pod[path: ["metadata", "name"]] ?? ""
        base["__meta_kubernetes_pod_ip"] = .string(ip)
        base["__meta_kubernetes_pod_node_name"] = pod[path: ["spec", "nodeName"]] ?? ""
        base["__meta_kubernetes_pod_phase"] = pod[path: ["status", "phase"]] ?? ""
        base["__meta_kubernetes_pod_uid"] = pod[path: ["metadata", "uid"]] ?? ""
        let ready = pod[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"] == "Ready" }?["status"]?.stringValue == "True"
        base["__meta_kubernetes_pod_ready"] = .string(ready ? "true" : "false")
        if let owner = pod[path: ["metadata", "ownerReferences"]]?.arrayValue?.first {
            base["__meta_kubernetes_pod_controller_kind"] = owner["kind"] ?? ""
            base["__meta_kubernetes_pod_controller_name"] = owner["name"] ?? ""
        }
        var out: [JSONValue] = []
        for c in pod[path: ["spec", "containers"]]?.arrayValue ?? [] {
            var labels = base
            labels["__meta_kubernetes_pod_container_name"] = c["name"] ?? ""
            labels["__meta_kubernetes_pod_container_image"] = c["image"] ?? ""
            let ports = c["ports"]?.arrayValue ?? []
            if ports.isEmpty {
                // As Prometheus does: a container without ports is one target at the pod's IP.
                out.append(["targets": [.string(ip)], "labels": .object(labels)])
            }
            for p in ports {
                var l = labels
                l["__meta_kubernetes_pod_container_port_name"] = p["name"] ?? ""
                l["__meta_kubernetes_pod_container_port_number"] = .string(String(p["containerPort"]?.intValue ?? 0))
                l["__meta_kubernetes_pod_container_port_protocol"] = p["protocol"] ?? "TCP"
                out.append(["targets": [.string("\(ip):\(p["containerPort"]?.intValue ?? 0)")], "labels": .object(l)])
            }
        }
        return out
    }
}
