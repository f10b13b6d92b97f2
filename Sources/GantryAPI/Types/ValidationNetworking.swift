import Foundation

extension Validation {
    /// An Ingress as Kubernetes checks it: rules or a default backend, hosts that are DNS names (a single leading
    /// wildcard label allowed, no IPs), paths that start with `/` for Exact and Prefix, backends that name exactly one
    /// of a Service (with a port name or number) or a resource, and TLS hosts.
    static func validateIngress(_ object: JSONValue, resource: ResourceInfo) -> [FieldError] {
        let meta: ObjectMeta = (try? (object["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
        var errs = validateObjectMeta(meta, resource: resource)
        let spec = object["spec"] ?? .emptyObject
        let rules = spec["rules"]?.arrayValue ?? []
        if rules.isEmpty, spec["defaultBackend"] == nil || spec["defaultBackend"]?.isNull == true {
            errs.append(FieldError(.invalid, "spec", "Invalid value: \"\": either `defaultBackend` or `rules` must be specified"))
        }
        if let backend = spec["defaultBackend"], !backend.isNull { errs += ingressBackend(backend, "spec.defaultBackend") }
        if let cls = spec["ingressClassName"]?.stringValue {
            for m in NameRules.dns1123Subdomain(cls) { errs.append(.invalid("spec.ingressClassName", cls, m)) }
        }
        for (i, rule) in rules.enumerated() {
            let p = "spec.rules[\(i)]"
            if let host = rule["host"]?.stringValue, !host.isEmpty { errs += ingressHost(host, "\(p).host") }
            guard let http = rule["http"], !http.isNull else { continue }
            let paths = http["paths"]?.arrayValue ?? []
            if paths.isEmpty { errs.append(.required("\(p).http.paths")) }
            for (j, path) in paths.enumerated() {
                let pp = "\(p).http.paths[\(j)]"
                let type = path["pathType"]?.stringValue
                let value = path["path"]?.stringValue ?? ""
                switch type {
                case nil: errs.append(.required("\(pp).pathType", "pathType must be specified"))
                case "Exact"?, "Prefix"?:
                    if !value.hasPrefix("/") { errs.append(.invalid("\(pp).path", value, "must be an absolute path")) }
                    for bad in ["//", "/./", "/../", "%2f", "%2F"] where value.contains(bad) {
                        errs.append(.invalid("\(pp).path", value, "must not contain '\(bad)'"))
                    }
                case "ImplementationSpecific"?:
                    if !value.isEmpty, !value.hasPrefix("/") { errs.append(.invalid("\(pp).path", value, "must be an absolute path")) }
                case let t?: errs.append(.notSupported("\(pp).pathType", t, ["Exact", "ImplementationSpecific", "Prefix"]))
                }
                if let backend = path["backend"], !backend.isNull {
                    errs += ingressBackend(backend, "\(pp).backend")
                } else {
                    errs.append(.required("\(pp).backend"))
                }
            }
        }
        for (i, tls) in (spec["tls"]?.arrayValue ?? []).enumerated() {
            for (j, host) in (tls["hosts"]?.arrayValue ?? []).enumerated() {
                errs += ingressHost(host.stringValue ?? "", "spec.tls[\(i)].hosts[\(j)]")
            }
        }
        return errs
    }

    static func ingressHost(_ host: String, _ path: String) -> [FieldError] {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        if (octets.count == 4 && octets.allSatisfy { UInt8($0) != nil }) || host.contains(":") { return [.invalid(path, host, "must be a DNS name, not an IP address")] }
        if host.hasPrefix("*.") {
            guard NameRules.dns1123Subdomain(String(host.dropFirst(2))).isEmpty else {
                return [.invalid(path, host, "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")]
            }
            return []
        }
        return NameRules.dns1123Subdomain(host).map { .invalid(path, host, $0) }
    }

    static func ingressBackend(_ b: JSONValue, _ path: String) -> [FieldError] {
        let service = b["service"].flatMap { $0.isNull ? nil : $0 }, resource = b["resource"].flatMap { $0.isNull ? nil : $0 }
        switch (service, resource) {
        case (nil, nil):
            return [.invalid(path, "{}", "one backend (`service` or `resource`) must be specified")]
        case (.some, .some):
            return [.invalid(path, "{service, resource}", "cannot set both `resource` and `service` backends")]
        case (let s?, nil):
            var errs: [FieldError] = []
            let name = s["name"]?.stringValue ?? ""
            if name.isEmpty { errs.append(.required("\(path).service.name")) } else {
                for m in NameRules.dns1035Label(name) { errs.append(.invalid("\(path).service.name", name, m)) }
            }
            let port = s["port"] ?? .emptyObject
            let portName = port["name"]?.stringValue, number = port["number"]?.intValue
            if portName != nil, number != nil {
                errs.append(.invalid("\(path).service.port", "{name, number}", "cannot set both port name & port number"))
            } else if let n = number {
                if n < 1 || n > 65535 { errs.append(.invalid("\(path).service.port.number", n, "must be between 1 and 65535, inclusive")) }
            } else if let pn = portName, !pn.isEmpty {
                for m in NameRules.dns1123Label(pn) { errs.append(.invalid("\(path).service.port.name", pn, m)) }
            } else {
                errs.append(.required("\(path).service.port", "port name or number is required"))
            }
            return errs
        case (nil, let r?):
            var errs: [FieldError] = []
            if (r["kind"]?.stringValue ?? "").isEmpty { errs.append(.required("\(path).resource.kind")) }
            if (r["name"]?.stringValue ?? "").isEmpty { errs.append(.required("\(path).resource.name")) }
            return errs
        }
    }

    /// An IngressClass: a controller that is a domain-prefixed path of at most 250 characters, and parameters that
    /// name a kind and a name, with a namespace exactly when their scope is Namespace.
    static func validateNetworkPolicy(_ np: NetworkPolicy, resource: ResourceInfo) -> [FieldError] {
        var errs = validateObjectMeta(np.metadata, resource: resource)
        let spec = np.spec ?? NetworkPolicySpec()
        errs += validateLabelSelector(spec.podSelector, "spec.podSelector")
        func peers(_ list: [NetworkPolicyPeer]?, _ path: String) {
            for (i, p) in (list ?? []).enumerated() {
                let at = "\(path)[\(i)]"
                let set = [p.podSelector != nil, p.namespaceSelector != nil, p.ipBlock != nil].filter { $0 }.count
                if set == 0 { errs.append(.required(at, "must specify a peer")) }
                if p.ipBlock != nil, set > 1 { errs.append(.forbidden(at, "may not specify both ipBlock and another peer")) }
                errs += validateLabelSelector(p.podSelector, at + ".podSelector")
                errs += validateLabelSelector(p.namespaceSelector, at + ".namespaceSelector")
                if let b = p.ipBlock {
                    let cidr = b.cidr ?? ""
                    if cidr.isEmpty {
                        errs.append(.required(at + ".ipBlock.cidr"))
                    } else if let block = IPv4CIDR(block: cidr) {
                        for (j, e) in (b.except ?? []).enumerated() {
                            guard let hole = IPv4CIDR(block: e) else {
                                errs.append(.invalid(at + ".ipBlock.except[\(j)]", e, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
                                continue
                            }
                            if !block.contains(hole) || hole == block {
                                errs.append(.invalid(at + ".ipBlock.except[\(j)]", e, "must be a strict subset of `cidr`"))
                            }
                        }
                    } else {
                        errs.append(.invalid(at + ".ipBlock.cidr", cidr, cidr.contains(":") ? "IPv6 blocks are not supported by Gantry's enforcement" : "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
                    }
                }
            }
        }
        func ports(_ list: [NetworkPolicyPort]?, _ path: String) {
            for (i, p) in (list ?? []).enumerated() {
                let at = "\(path)[\(i)]"
                if let proto = p.protocol, !["TCP", "UDP", "SCTP"].contains(proto) { errs.append(.notSupported(at + ".protocol", proto, ["SCTP", "TCP", "UDP"])) }
                switch p.port {
                case .int(let n)?:
                    if !(1...65535).contains(n) { errs.append(.invalid(at + ".port", n, "must be between 1 and 65535, inclusive")) }
                    if let end = p.endPort, end < n || end > 65535 {
                        errs.append(.invalid(at + ".endPort", end, "must be greater than or equal to `port`"))
                    }
                case .string(let name)?:
                    if p.endPort != nil { errs.append(.invalid(at + ".endPort", p.endPort ?? 0, "may not be specified when `port` is non-numeric")) }
                    if name.isEmpty || name.count > 15 { errs.append(.invalid(at + ".port", name, "must be no more than 15 characters")) }
                case nil:
                    if p.endPort != nil { errs.append(.required(at + ".port", "may not set endPort without port")) }
                }
            }
        }
        for (i, r) in (spec.ingress ?? []).enumerated() {
            peers(r.from, "spec.ingress[\(i)].from")
            ports(r.ports, "spec.ingress[\(i)].ports")
        }
        for (i, r) in (spec.egress ?? []).enumerated() {
            peers(r.to, "spec.egress[\(i)].to")
            ports(r.ports, "spec.egress[\(i)].ports")
        }
        for t in spec.policyTypes ?? [] where !["Ingress", "Egress"].contains(t) {
            errs.append(.notSupported("spec.policyTypes", t, ["Egress", "Ingress"]))
        }
        if (spec.policyTypes?.count ?? 0) > 2 { errs.append(.invalid("spec.policyTypes", "", "may not have more than 2 values")) }
        return errs
    }

    static func validateIngressClass(_ object: JSONValue, resource: ResourceInfo) -> [FieldError] {
        let meta: ObjectMeta = (try? (object["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
        var errs = validateObjectMeta(meta, resource: resource)
        let spec = object["spec"] ?? .emptyObject
        let controller = spec["controller"]?.stringValue ?? ""
        if controller.isEmpty {
            errs.append(.required("spec.controller"))
        } else if controller.count > 250 {
            errs.append(.tooLong("spec.controller", 250))
        } else {
            let parts = controller.split(separator: "/", maxSplits: 1).map(String.init)
            if parts.count != 2 || parts[1].isEmpty || !NameRules.dns1123Subdomain(parts[0]).isEmpty {
                errs.append(.invalid("spec.controller", controller, "must be a domain-prefixed path (such as \"acme.io/foo\")"))
            }
        }
        if let p = spec["parameters"], !p.isNull {
            if (p["kind"]?.stringValue ?? "").isEmpty { errs.append(.required("spec.parameters.kind")) }
            if (p["name"]?.stringValue ?? "").isEmpty { errs.append(.required("spec.parameters.name")) }
            let scope = p["scope"]?.stringValue ?? "Cluster"
            let ns = p["namespace"]?.stringValue
            switch scope {
            case "Cluster": if ns != nil { errs.append(.forbidden("spec.parameters.namespace", "`parameters.scope` is set to 'Cluster'")) }
            case "Namespace": if (ns ?? "").isEmpty { errs.append(.required("spec.parameters.namespace", "`parameters.scope` is set to 'Namespace'")) }
            default: errs.append(.notSupported("spec.parameters.scope", scope, ["Cluster", "Namespace"]))
            }
        }
        return errs
    }
}
