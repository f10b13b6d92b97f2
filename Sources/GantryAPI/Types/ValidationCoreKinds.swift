import Foundation

extension Validation {
    static func validateNamespace(_ ns: Namespace) -> [FieldError] {
        var errs = validateObjectMeta(ns.metadata, resource: .namespaces)
        for (i, f) in (ns.spec?.finalizers ?? []).enumerated() {
            errs += check(f, "spec.finalizers[\(i)]", NameRules.qualifiedName)
        }
        return errs
    }

    static let taintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"]

    static func validateNode(_ node: Node) -> [FieldError] {
        var errs = validateObjectMeta(node.metadata, resource: .nodes)
        var seen = Set<String>()
        for (i, t) in (node.spec?.taints ?? []).enumerated() {
            let p = "spec.taints[\(i)]"
            let key = t.key ?? ""
            if key.isEmpty { errs.append(.required("\(p).key")) } else { errs += check(key, "\(p).key", NameRules.qualifiedName) }
            if let v = t.value, !v.isEmpty { errs += check(v, "\(p).value", NameRules.labelValue) }
            let effect = t.effect ?? ""
            if effect.isEmpty { errs.append(.required("\(p).effect")) } else { errs += supported(effect, "\(p).effect", taintEffects) }
            if !seen.insert("\(key):\(effect)").inserted {
                errs.append(.duplicate(p, Raw("\(key):\(effect)")))
            }
        }
        if let c = node.spec?.podCIDR, !c.isEmpty, !NameRules.isCIDR(c) {
            errs.append(.invalid("spec.podCIDR", c, "must be a valid CIDR"))
        }
        for (i, c) in (node.spec?.podCIDRs ?? []).enumerated() where !NameRules.isCIDR(c) {
            errs.append(.invalid("spec.podCIDRs[\(i)]", c, "must be a valid CIDR"))
        }
        for (k, q) in (node.status?.capacity ?? [:]).sorted(by: { $0.key < $1.key }) where q.isNegative {
            errs.append(.invalid("status.capacity[\(k)]", q.string, "must be greater than or equal to 0"))
        }
        for (k, q) in (node.status?.allocatable ?? [:]).sorted(by: { $0.key < $1.key }) where q.isNegative {
            errs.append(.invalid("status.allocatable[\(k)]", q.string, "must be greater than or equal to 0"))
        }
        return errs
    }

    static let maxConfigSize = 1024 * 1024

    static func validateConfigMap(_ cm: ConfigMap) -> [FieldError] {
        var errs = validateObjectMeta(cm.metadata, resource: .configMaps)
        var total = 0
        let data = cm.data ?? [:]
        let binary = cm.binaryData ?? [:]
        for k in data.keys.sorted() {
            errs += check(k, "data[\(k)]", NameRules.configMapKey)
            total += data[k]!.utf8.count
        }
        for k in binary.keys.sorted() {
            errs += check(k, "binaryData[\(k)]", NameRules.configMapKey)
            if data[k] != nil { errs.append(.invalid("binaryData[\(k)]", k, "duplicate of key present in data")) }
            if let decoded = Data(base64Encoded: binary[k]!) {
                total += decoded.count
            } else {
                errs.append(.invalid("binaryData[\(k)]", Raw("<binary data>"), "must be base64-encoded"))
            }
        }
        if total > maxConfigSize { errs.append(.tooLong("data", maxConfigSize)) }
        return errs
    }

    static func validateSecret(_ s: Secret) -> [FieldError] {
        var errs = validateObjectMeta(s.metadata, resource: .secrets)
        let redacted = Raw("\"<secret contents redacted>\"")
        var decoded: [String: Data] = [:]
        var total = 0
        let data = s.data ?? [:]
        for k in data.keys.sorted() {
            errs += check(k, "data[\(k)]", NameRules.configMapKey)
            if let d = Data(base64Encoded: data[k]!) {
                decoded[k] = d
                total += d.count
            } else {
                errs.append(.invalid("data[\(k)]", redacted, "must be base64-encoded"))
            }
        }
        for (k, v) in (s.stringData ?? [:]).sorted(by: { $0.key < $1.key }) {
            errs += check(k, "stringData[\(k)]", NameRules.configMapKey)
            if decoded[k] == nil { total += v.utf8.count }
            decoded[k] = Data(v.utf8)
        }
        if total > maxConfigSize { errs.append(.tooLong("data", maxConfigSize)) }

        func requireKey(_ key: String) {
            if decoded[key] == nil && data[key] == nil { errs.append(.required("data[\(key)]")) }
        }
        func requireJSON(_ key: String) {
            requireKey(key)
            if let d = decoded[key], (try? JSONValue.parse(d)) == nil {
                errs.append(.invalid("data[\(key)]", redacted, "invalid JSON in \(key)"))
            }
        }
        switch s.type ?? "Opaque" {
        case "kubernetes.io/service-account-token":
            if (s.metadata.annotations?["kubernetes.io/service-account.name"] ?? "").isEmpty {
                errs.append(.required("metadata.annotations[kubernetes.io/service-account.name]"))
            }
        case "kubernetes.io/dockercfg":
            requireJSON(".dockercfg")
        case "kubernetes.io/dockerconfigjson":
            requireJSON(".dockerconfigjson")
        case "kubernetes.io/basic-auth":
            if decoded["username"] == nil && decoded["password"] == nil {
                errs.append(.required("data[username]"))
                errs.append(.required("data[password]"))
            }
        case "kubernetes.io/ssh-auth":
            requireKey("ssh-privatekey")
        case "kubernetes.io/tls":
            requireKey("tls.key")
            requireKey("tls.crt")
        default:
            break
        }
        return errs
    }

    static let serviceTypes = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
    static let invalidIPMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"

    static func validateService(_ svc: Service) -> [FieldError] {
        var errs = validateObjectMeta(svc.metadata, resource: .services)
        let spec = svc.spec ?? ServiceSpec()
        let type = spec.type ?? "ClusterIP"
        errs += supported(spec.type, "spec.type", serviceTypes)
        let clusterIP = spec.clusterIP ?? ""
        let headless = clusterIP == "None"
        let ports = spec.ports ?? []

        if type == "ExternalName" {
            let name = spec.externalName ?? ""
            if name.isEmpty {
                errs.append(.required("spec.externalName"))
            } else {
                let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
                errs += NameRules.dns1123Subdomain(trimmed).map { .invalid("spec.externalName", name, $0) }
            }
            if !clusterIP.isEmpty || !(spec.clusterIPs ?? []).isEmpty {
                errs.append(.forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
            }
        } else if ports.isEmpty && !headless {
            errs.append(.required("spec.ports"))
        }

        var names = Set<String>()
        var portProto = Set<String>()
        var nodePorts = Set<String>()
        for (i, p) in ports.enumerated() {
            let pp = "spec.ports[\(i)]"
            let name = p.name ?? ""
            if ports.count > 1, name.isEmpty { errs.append(.required("\(pp).name")) }
            if !name.isEmpty {
                errs += check(name, "\(pp).name", NameRules.dns1123Label)
                if !names.insert(name).inserted { errs.append(.duplicate("\(pp).name", name)) }
            }
            let port = p.port ?? 0
            errs += NameRules.portNumber(port).map { .invalid("\(pp).port", port, $0) }
            let proto = p.protocol ?? "TCP"
            errs += supported(p.protocol, "\(pp).protocol", protocols)
            if !portProto.insert("\(port)/\(proto)").inserted {
                errs.append(.duplicate(pp, Raw("{\"port\":\(port),\"protocol\":\"\(proto)\"}")))
            }
            if let tp = p.targetPort { errs += validatePortNumOrName(tp, "\(pp).targetPort") }
            if let np = p.nodePort, np != 0 {
                errs += NameRules.portNumber(np).map { .invalid("\(pp).nodePort", np, $0) }
                if type == "ClusterIP" || type == "ExternalName" {
                    errs.append(.forbidden("\(pp).nodePort", "may not be used when `type` is '\(type)'"))
                }
                if !nodePorts.insert("\(np)/\(proto)").inserted {
                    errs.append(.duplicate("\(pp).nodePort", np))
                }
            }
        }

        if !clusterIP.isEmpty, !headless, !NameRules.isIP(clusterIP) {
            errs.append(.invalid("spec.clusterIP", clusterIP, invalidIPMessage))
        }
        for (i, ip) in (spec.clusterIPs ?? []).enumerated() {
            if ip != "None", !ip.isEmpty, !NameRules.isIP(ip) {
                errs.append(.invalid("spec.clusterIPs[\(i)]", ip, invalidIPMessage))
            }
            if i == 0, !clusterIP.isEmpty, ip != clusterIP {
                errs.append(.invalid("spec.clusterIPs[0]", ip, "must match `clusterIP` if both are specified"))
            }
        }
        for (i, ip) in (spec.externalIPs ?? []).enumerated() where !NameRules.isIP(ip) {
            errs.append(.invalid("spec.externalIPs[\(i)]", ip, invalidIPMessage))
        }
        if let ip = spec.loadBalancerIP, !ip.isEmpty, !NameRules.isIP(ip) {
            errs.append(.invalid("spec.loadBalancerIP", ip, invalidIPMessage))
        }
        for (i, r) in (spec.loadBalancerSourceRanges ?? []).enumerated() where !NameRules.isCIDR(r.trimmingCharacters(in: .whitespaces)) {
            errs.append(.invalid("spec.loadBalancerSourceRanges[\(i)]", r, "must be a valid IP address range, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
        }

        errs += supported(spec.sessionAffinity, "spec.sessionAffinity", ["ClientIP", "None"])
        if spec.sessionAffinity == "ClientIP", let t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds,
           t <= 0 || t > 86400 {
            errs.append(.invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", t,
                                 "must be greater than 0 and less than 86400"))
        }
        if spec.sessionAffinity != "ClientIP", let c = spec.sessionAffinityConfig, c.clientIP != nil {
            errs.append(.invalid("spec.sessionAffinityConfig", json(c), "must not be set when session affinity is \(spec.sessionAffinity ?? "None")"))
        }
        errs += supported(spec.externalTrafficPolicy, "spec.externalTrafficPolicy", ["Cluster", "Local"])
        if let etp = spec.externalTrafficPolicy, !etp.isEmpty, type != "NodePort", type != "LoadBalancer" {
            errs.append(.invalid("spec.externalTrafficPolicy", etp, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"))
        }
        errs += supported(spec.internalTrafficPolicy, "spec.internalTrafficPolicy", ["Cluster", "Local"])
        var families = Set<String>()
        for (i, f) in (spec.ipFamilies ?? []).enumerated() {
            errs += supported(f, "spec.ipFamilies[\(i)]", ["IPv4", "IPv6"])
            if !families.insert(f).inserted { errs.append(.duplicate("spec.ipFamilies[\(i)]", f)) }
        }
        errs += supported(spec.ipFamilyPolicy, "spec.ipFamilyPolicy", ["SingleStack", "PreferDualStack", "RequireDualStack"])
        errs += validateLabels(spec.selector, "spec.selector")
        return errs
    }

    static func validateEndpoints(_ ep: Endpoints) -> [FieldError] {
        var errs = validateObjectMeta(ep.metadata, resource: .endpoints)
        for (i, s) in (ep.subsets ?? []).enumerated() {
            let p = "subsets[\(i)]"
            for (field, addrs) in [("addresses", s.addresses ?? []), ("notReadyAddresses", s.notReadyAddresses ?? [])] {
                for (j, a) in addrs.enumerated() {
                    let ap = "\(p).\(field)[\(j)]"
                    if !NameRules.isIP(a.ip ?? "") { errs.append(.invalid("\(ap).ip", a.ip ?? "", "must be a valid IP address")) }
                    if let h = a.hostname, !h.isEmpty { errs += check(h, "\(ap).hostname", NameRules.dns1123Label) }
                    if let n = a.nodeName, !n.isEmpty { errs += check(n, "\(ap).nodeName", NameRules.dns1123Subdomain) }
                }
            }
            let ports = s.ports ?? []
            for (j, port) in ports.enumerated() {
                let pp = "\(p).ports[\(j)]"
                let name = port.name ?? ""
                if ports.count > 1, name.isEmpty { errs.append(.required("\(pp).name")) }
                if !name.isEmpty { errs += check(name, "\(pp).name", NameRules.dns1123Label) }
                let n = port.port ?? 0
                errs += NameRules.portNumber(n).map { .invalid("\(pp).port", n, $0) }
                errs += supported(port.protocol, "\(pp).protocol", protocols)
            }
        }
        return errs
    }

    static func validateEvent(_ ev: Event) -> [FieldError] {
        var errs = validateObjectMeta(ev.metadata, resource: .events)
        if let ns = ev.involvedObject?.namespace, !ns.isEmpty, let own = ev.metadata.namespace, !own.isEmpty, ns != own {
            errs.append(.invalid("involvedObject.namespace", ns, "does not match event.namespace"))
        }
        if let c = ev.count, c < 0 { errs.append(.invalid("count", c, "must be greater than or equal to 0")) }
        return errs
    }

    static func validateLease(_ lease: Lease) -> [FieldError] {
        var errs = validateObjectMeta(lease.metadata, resource: .leases)
        errs += positive(lease.spec?.leaseDurationSeconds, "spec.leaseDurationSeconds")
        errs += nonNegative(lease.spec?.leaseTransitions, "spec.leaseTransitions")
        return errs
    }

    static func validateEndpointSlice(_ slice: EndpointSlice) -> [FieldError] {
        var errs = validateObjectMeta(slice.metadata, resource: .endpointSlices)
        if let t = slice.addressType { errs += supported(t, "addressType", ["IPv4", "IPv6", "FQDN"]) } else { errs.append(.required("addressType")) }
        for (i, e) in (slice.endpoints ?? []).enumerated() {
            let a = e.addresses ?? []
            if a.isEmpty { errs.append(.required("endpoints[\(i)].addresses")) }
            if a.count > 100 { errs.append(.invalid("endpoints[\(i)].addresses", a.count, "must have at most 100 items")) }
        }
        var names = Set<String>()
        for (i, p) in (slice.ports ?? []).enumerated() {
            if let port = p.port, !(1...65535).contains(port) { errs.append(.invalid("ports[\(i)].port", port, "must be between 1 and 65535, inclusive")) }
            if !names.insert(p.name ?? "").inserted { errs.append(.duplicate("ports[\(i)].name", p.name ?? "")) }
            if let pr = p.protocol { errs += supported(pr, "ports[\(i)].protocol", ["TCP", "UDP", "SCTP"]) }
        }
        return errs
    }
}

extension Validation {
    /// events.k8s.io/v1 Events: what Kubernetes requires of a new-style event, then the core Event's rules.
    static func validateEventsV1(_ object: JSONValue, resource: ResourceInfo) -> [FieldError] {
        var errs: [FieldError] = []
        for f in ["eventTime", "reportingController", "reportingInstance", "action", "reason"]
            where (object[f]?.stringValue ?? "").isEmpty {
            errs.append(.required(f))
        }
        if let t = object["type"]?.stringValue, t != "Normal", t != "Warning" { errs.append(.notSupported("type", t, ["Normal", "Warning"])) }
        if (object["note"]?.stringValue?.utf8.count ?? 0) > 1024 { errs.append(.tooLong("note", 1024)) }
        if !errs.isEmpty { return errs }
        let core = EventVersions.toCore(object)
        return validate(core, resource: .events)
    }
}
