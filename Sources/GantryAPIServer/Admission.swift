import Foundation
import GantryAPI

/// Kind-specific admission: what the server sets or resets on create and update, Service address
/// allocation, and warnings.
enum Admission {
    /// Resets fields a client may not set on create (status, mostly), as Kubernetes' strategies do.
    static func prepareForCreate(_ obj: inout JSONValue, _ r: ResourceInfo) {
        switch r.kind {
        case "Pod":
            obj["status"] = ["phase": "Pending", "qosClass": .string(qosClass(obj["spec"] ?? .emptyObject))]
        case "Deployment", "ReplicaSet", "DaemonSet", "Job", "Service":
            obj["status"] = r.kind == "Service" ? ["loadBalancer": .emptyObject] : .emptyObject
        case "Namespace":
            obj["status"] = ["phase": "Active"]
        case "Secret":
            mergeStringData(&obj)
        default: break
        }
    }

    /// Carries over what an update may not change and folds stringData into data.
    static func prepareForUpdate(_ obj: inout JSONValue, old: JSONValue, _ r: ResourceInfo) {
        switch r.kind {
        case "Secret": mergeStringData(&obj)
        case "Namespace":
            if obj[path: ["spec", "finalizers"]] == nil { obj[path: ["spec", "finalizers"]] = old[path: ["spec", "finalizers"]] }
        case "Pod":
            if obj[path: ["status", "qosClass"]] == nil, let q = old[path: ["status", "qosClass"]] {
                obj[path: ["status", "qosClass"]] = q
            }
        default: break
        }
    }

    /// Secret `stringData` is write-only: it is merged into `data` (base64) and dropped.
    static func mergeStringData(_ obj: inout JSONValue) {
        guard let sd = obj["stringData"]?.objectValue else { return }
        var data = obj["data"]?.objectValue ?? [:]
        for (k, v) in sd { data[k] = .string(Data((v.stringValue ?? "").utf8).base64EncodedString()) }
        obj["data"] = .object(data)
        obj["stringData"] = nil
    }

    /// BestEffort, Burstable or Guaranteed, from the containers' requests and limits.
    static func qosClass(_ spec: JSONValue) -> String {
        let containers = (spec["containers"]?.arrayValue ?? []) + (spec["initContainers"]?.arrayValue ?? [])
        var anySet = false
        var guaranteed = !containers.isEmpty
        for c in containers {
            let req = c[path: ["resources", "requests"]]?.objectValue ?? [:]
            let lim = c[path: ["resources", "limits"]]?.objectValue ?? [:]
            if !req.isEmpty || !lim.isEmpty { anySet = true }
            for res in ["cpu", "memory"] {
                guard let l = lim[res] else { guaranteed = false; continue }
                if let q = req[res], q != l { guaranteed = false }
            }
        }
        if !anySet { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    /// The cluster IPs and node ports a Service holds.
    static func allocations(_ obj: JSONValue) -> (ips: [String], ports: [Int])? {
        var ips: [String] = []
        if let ip = obj[path: ["spec", "clusterIP"]]?.stringValue, ip != "None", !ip.isEmpty { ips.append(ip) }
        let ports = (obj[path: ["spec", "ports"]]?.arrayValue ?? []).compactMap { $0["nodePort"]?.intValue }.map { Int($0) }
        return ips.isEmpty && ports.isEmpty ? nil : (ips, ports)
    }

    /// Gives a Service its cluster IP and node ports (keeping those it had); returns what was newly taken.
    static func allocateService(_ obj: inout JSONValue, old: JSONValue?, allocator: ServiceAllocator) async throws
        -> (ips: [String], ports: [Int])
    {
        var taken: (ips: [String], ports: [Int]) = ([], [])
        let type = obj[path: ["spec", "type"]]?.stringValue ?? "ClusterIP"
        do {
            if type == "ExternalName" {
                obj[path: ["spec", "clusterIP"]] = nil
                obj[path: ["spec", "clusterIPs"]] = nil
            } else {
                let oldIP = old?[path: ["spec", "clusterIP"]]?.stringValue
                var ip = obj[path: ["spec", "clusterIP"]]?.stringValue ?? ""
                if ip.isEmpty, let oldIP, !oldIP.isEmpty { ip = oldIP }
                if ip != "None", ip != oldIP {
                    ip = try await allocator.allocateIP(ip.isEmpty ? nil : ip, field: "spec.clusterIP")
                    taken.ips.append(ip)
                }
                obj[path: ["spec", "clusterIP"]] = .string(ip)
                obj[path: ["spec", "clusterIPs"]] = [.string(ip)]
                if ip != "None" {
                    if obj[path: ["spec", "ipFamilies"]] == nil { obj[path: ["spec", "ipFamilies"]] = ["IPv4"] }
                    if obj[path: ["spec", "ipFamilyPolicy"]] == nil { obj[path: ["spec", "ipFamilyPolicy"]] = "SingleStack" }
                }
            }
            let wantsNodePorts = type == "NodePort" || type == "LoadBalancer"
            let oldPorts = old?[path: ["spec", "ports"]]?.arrayValue ?? []
            if var ports = obj[path: ["spec", "ports"]]?.arrayValue {
                for i in ports.indices {
                    let field = "spec.ports[\(i)].nodePort"
                    if !wantsNodePorts {
                        if ports[i]["nodePort"] != nil, ports[i]["nodePort"]?.intValue != 0 {
                            throw FieldErrors([.forbidden(field, "may not be used when `type` is '\(type)'")])
                        }
                        continue
                    }
                    let requested = ports[i]["nodePort"]?.intValue.map { Int($0) }.flatMap { $0 == 0 ? nil : $0 }
                    let previous = oldPorts.first { $0["port"] == ports[i]["port"] && $0["protocol"] == ports[i]["protocol"] }?["nodePort"]?
                        .intValue.map { Int($0) }
                    if let requested, requested == previous { continue }
                    if requested == nil, let previous {
                        ports[i]["nodePort"] = .int(Int64(previous))
                        continue
                    }
                    let p = try await allocator.allocatePort(requested, field: field)
                    taken.ports.append(p)
                    ports[i]["nodePort"] = .int(Int64(p))
                }
                obj[path: ["spec", "ports"]] = .array(ports)
            }
        } catch {
            await allocator.release(ips: taken.ips, ports: taken.ports)
            throw error
        }
        return taken
    }

    /// Warnings for the `Warning` header.
    static func warnings(_ obj: JSONValue, _ r: ResourceInfo) -> [String] {
        []
    }
}

/// The fields `?fieldSelector=` may select on, per resource, as Kubernetes supports them.
public enum FieldSelectors {
    /// The selectable fields of an object.
    public static func fields(of obj: JSONValue, resource r: ResourceInfo) -> [String: String] {
        if r == .eventsV1 {
            // The core Event's selectors, under the events.k8s.io names as well.
            var f = fields(of: EventVersions.toCore(obj), resource: .events)
            for (k, v) in f where k.hasPrefix("involvedObject.") { f["regarding." + k.dropFirst("involvedObject.".count)] = v }
            f["reportingController"] = f["reportingComponent"]
            return f
        }
        func s(_ p: [String]) -> String {
            switch obj[path: p] {
            case .string(let v)?: return v
            case .bool(let b)?: return b ? "true" : "false"
            case .int(let i)?: return String(i)
            default: return ""
            }
        }
        var f = ["metadata.name": s(["metadata", "name"])]
        if r.namespaced { f["metadata.namespace"] = s(["metadata", "namespace"]) }
        switch r.kind {
        case "Pod":
            for p in ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                      "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"] {
                f[p] = s(p.split(separator: ".").map(String.init))
            }
            if f["spec.hostNetwork"] == "" { f["spec.hostNetwork"] = "false" }
        case "Event":
            for p in ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                      "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                      "reason", "reportingComponent", "source", "type"] {
                f[p] = s(p.split(separator: ".").map(String.init))
            }
            f["source"] = s(["source", "component"])
        case "Secret": f["type"] = s(["type"])
        case "Node": f["spec.unschedulable"] = s(["spec", "unschedulable"]).isEmpty ? "false" : s(["spec", "unschedulable"])
        case "Namespace": f["status.phase"] = s(["status", "phase"])
        case "ReplicaSet", "Job": f["status.replicas"] = s(["status", "replicas"])
        default: break
        }
        return f
    }

    /// Rejects a selector on a field the resource does not support, as Kubernetes does.
    public static func check(_ q: FieldQuery, resource r: ResourceInfo) throws {
        let supported = fields(of: .emptyObject, resource: r)
        for req in q.requirements where supported[req.field] == nil {
            throw GantryError(.badRequest, "field label not supported: \(req.field)")
        }
    }
}
