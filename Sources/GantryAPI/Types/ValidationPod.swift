import Foundation

extension Validation {
    static func validatePod(_ pod: Pod) -> [FieldError] {
        validateObjectMeta(pod.metadata, resource: .pods) + validatePodSpec(pod.spec ?? PodSpec(), "spec")
    }

    static let restartPolicies = ["Always", "OnFailure", "Never"]
    static let protocols = ["SCTP", "TCP", "UDP"]

    /// The rules of a pod spec, with `path` its field path (`spec`, `spec.template.spec`).
    public static func validatePodSpec(_ spec: PodSpec, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let (volumeNames, volumeErrs) = validateVolumes(spec.volumes ?? [], "\(path).volumes")
        errs += volumeErrs

        var containerNames = Set<String>()
        let grace = spec.terminationGracePeriodSeconds
        for (i, c) in (spec.initContainers ?? []).enumerated() {
            let p = "\(path).initContainers[\(i)]"
            errs += validateContainer(c, p, volumes: volumeNames, isInit: true, hostNetwork: spec.hostNetwork == true,
                                      grace: grace)
            if let n = c.name, !n.isEmpty, !containerNames.insert(n).inserted { errs.append(.duplicate("\(p).name", n)) }
        }
        let containers = spec.containers ?? []
        if containers.isEmpty { errs.append(.required("\(path).containers")) }
        for (i, c) in containers.enumerated() {
            let p = "\(path).containers[\(i)]"
            errs += validateContainer(c, p, volumes: volumeNames, isInit: false, hostNetwork: spec.hostNetwork == true,
                                      grace: grace)
            if let n = c.name, !n.isEmpty, !containerNames.insert(n).inserted { errs.append(.duplicate("\(p).name", n)) }
        }

        errs += supported(spec.restartPolicy, "\(path).restartPolicy", restartPolicies)
        errs += supported(spec.dnsPolicy, "\(path).dnsPolicy", ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"])
        errs += validateDNSConfig(spec.dnsConfig, dnsPolicy: spec.dnsPolicy, "\(path).dnsConfig")
        errs += nonNegative(spec.terminationGracePeriodSeconds, "\(path).terminationGracePeriodSeconds")
        if let a = spec.activeDeadlineSeconds, a < 1 || a > Int(Int32.max) {
            errs.append(.invalid("\(path).activeDeadlineSeconds", a, "must be between 1 and 2147483647, inclusive"))
        }
        errs += validateLabels(spec.nodeSelector, "\(path).nodeSelector")
        if let s = spec.serviceAccountName, !s.isEmpty { errs += check(s, "\(path).serviceAccountName", NameRules.dns1123Subdomain) }
        if let n = spec.nodeName, !n.isEmpty { errs += check(n, "\(path).nodeName", NameRules.dns1123Subdomain) }
        if let h = spec.hostname, !h.isEmpty { errs += check(h, "\(path).hostname", NameRules.dns1123Label) }
        if let s = spec.subdomain, !s.isEmpty { errs += check(s, "\(path).subdomain", NameRules.dns1123Label) }
        if let p = spec.priorityClassName, !p.isEmpty { errs += check(p, "\(path).priorityClassName", NameRules.dns1123Subdomain) }
        errs += supported(spec.preemptionPolicy, "\(path).preemptionPolicy", ["Never", "PreemptLowerPriority"])
        if spec.shareProcessNamespace == true, spec.hostPID == true {
            errs.append(.invalid("\(path).shareProcessNamespace", true, "ShareProcessNamespace and HostPID cannot both be enabled"))
        }
        errs += validatePodSecurityContext(spec.securityContext, "\(path).securityContext")
        for (i, s) in (spec.imagePullSecrets ?? []).enumerated() where (s.name ?? "").isEmpty {
            errs.append(.required("\(path).imagePullSecrets[\(i)].name"))
        }
        errs += validateAffinity(spec.affinity, "\(path).affinity")
        errs += validateTolerations(spec.tolerations ?? [], "\(path).tolerations")
        for (i, h) in (spec.hostAliases ?? []).enumerated() {
            let p = "\(path).hostAliases[\(i)]"
            if !NameRules.isIP(h.ip ?? "") { errs.append(.invalid("\(p).ip", h.ip ?? "", "must be valid IP address")) }
            for (j, n) in (h.hostnames ?? []).enumerated() { errs += check(n, "\(p).hostnames[\(j)]", NameRules.dns1123Subdomain) }
        }
        errs += validateTopologySpread(spec.topologySpreadConstraints ?? [], "\(path).topologySpreadConstraints")
        errs += validateResourceMap(spec.overhead, "\(path).overhead")
        for (i, g) in (spec.readinessGates ?? []).enumerated() {
            errs += check(g.conditionType ?? "", "\(path).readinessGates[\(i)].conditionType", NameRules.qualifiedName)
        }
        var gates = Set<String>()
        for (i, g) in (spec.schedulingGates ?? []).enumerated() {
            let n = g.name ?? ""
            errs += check(n, "\(path).schedulingGates[\(i)].name", NameRules.qualifiedName)
            if !gates.insert(n).inserted { errs.append(.duplicate("\(path).schedulingGates[\(i)].name", n)) }
        }
        errs += supported(spec.os?.name, "\(path).os.name", ["linux", "windows"])
        return errs
    }

    static func validateDNSConfig(_ c: PodDNSConfig?, dnsPolicy: String?, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if dnsPolicy == "None" {
            if c == nil {
                return [.required(path, "must provide `dnsConfig` when `dnsPolicy` is None")]
            }
            if (c?.nameservers ?? []).isEmpty {
                errs.append(.required("\(path).nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None"))
            }
        }
        guard let c else { return errs }
        let ns = c.nameservers ?? []
        if ns.count > 3 {
            errs.append(.invalid("\(path).nameservers", Raw(ns.description), "must not have more than 3 nameservers"))
        }
        for (i, n) in ns.enumerated() where !NameRules.isIP(n) {
            errs.append(.invalid("\(path).nameservers[\(i)]", n, "must be valid IP address"))
        }
        let searches = c.searches ?? []
        if searches.count > 32 {
            errs.append(.invalid("\(path).searches", Raw(searches.description), "must not have more than 32 search paths"))
        }
        for (i, s) in searches.enumerated() {
            let trimmed = s.hasSuffix(".") ? String(s.dropLast()) : s
            errs += NameRules.dns1123Subdomain(trimmed).map { .invalid("\(path).searches[\(i)]", s, $0) }
        }
        for (i, o) in (c.options ?? []).enumerated() where (o.name ?? "").isEmpty {
            errs.append(.required("\(path).options[\(i)].name", "Option.Name must not be empty"))
        }
        return errs
    }

    static func validID(_ v: Int?, _ path: String) -> [FieldError] {
        guard let v, v < 0 || v > Int(Int32.max) else { return [] }
        return [.invalid(path, v, "must be between 0 and 2147483647, inclusive")]
    }

    static func validatePodSecurityContext(_ s: PodSecurityContext?, _ path: String) -> [FieldError] {
        guard let s else { return [] }
        var errs = validID(s.runAsUser, "\(path).runAsUser") + validID(s.runAsGroup, "\(path).runAsGroup")
            + validID(s.fsGroup, "\(path).fsGroup")
        for (i, g) in (s.supplementalGroups ?? []).enumerated() { errs += validID(g, "\(path).supplementalGroups[\(i)]") }
        for (i, sc) in (s.sysctls ?? []).enumerated() where (sc.name ?? "").isEmpty {
            errs.append(.required("\(path).sysctls[\(i)].name"))
        }
        errs += supported(s.fsGroupChangePolicy, "\(path).fsGroupChangePolicy", ["OnRootMismatch", "Always"])
        return errs
    }

    // MARK: Containers

    static func validateContainer(_ c: Container, _ path: String, volumes: Set<String>, isInit: Bool, hostNetwork: Bool,
                                  grace: Int?) -> [FieldError] {
        var errs: [FieldError] = []
        let name = c.name ?? ""
        if name.isEmpty { errs.append(.required("\(path).name")) } else { errs += check(name, "\(path).name", NameRules.dns1123Label) }
        let image = c.image ?? ""
        if image.isEmpty {
            errs.append(.required("\(path).image"))
        } else if image != image.trimmingCharacters(in: .whitespacesAndNewlines) {
            errs.append(.invalid("\(path).image", image, "must not have leading or trailing whitespace"))
        }

        var portNames = Set<String>()
        for (i, p) in (c.ports ?? []).enumerated() {
            let pp = "\(path).ports[\(i)]"
            if let n = p.name, !n.isEmpty {
                errs += check(n, "\(pp).name", NameRules.ianaServiceName)
                if !portNames.insert(n).inserted { errs.append(.duplicate("\(pp).name", n)) }
            }
            if let cp = p.containerPort, cp != 0 {
                errs += NameRules.portNumber(cp).map { .invalid("\(pp).containerPort", cp, $0) }
            } else {
                errs.append(.required("\(pp).containerPort"))
            }
            if let hp = p.hostPort, hp != 0 {
                errs += NameRules.portNumber(hp).map { .invalid("\(pp).hostPort", hp, $0) }
                if hostNetwork, hp != p.containerPort {
                    errs.append(.invalid("\(pp).hostPort", hp, "must match `containerPort` when `hostNetwork` is true"))
                }
            }
            errs += supported(p.protocol, "\(pp).protocol", protocols)
            if let ip = p.hostIP, !ip.isEmpty, !NameRules.isIP(ip) {
                errs.append(.invalid("\(pp).hostIP", ip, "must be a valid IP address"))
            }
        }

        for (i, e) in (c.env ?? []).enumerated() {
            let p = "\(path).env[\(i)]"
            let n = e.name ?? ""
            if n.isEmpty { errs.append(.required("\(p).name")) } else { errs += check(n, "\(p).name", NameRules.envVarName) }
            errs += validateEnvVarSource(e, p)
        }
        for (i, e) in (c.envFrom ?? []).enumerated() {
            let p = "\(path).envFrom[\(i)]"
            if let prefix = e.prefix, !prefix.isEmpty { errs += check(prefix, "\(p).prefix", NameRules.envVarName) }
            let count = (e.configMapRef == nil ? 0 : 1) + (e.secretRef == nil ? 0 : 1)
            if count == 0 {
                errs.append(.invalid(p, "", "must specify one of: `configMapRef` or `secretRef`"))
            } else if count > 1 {
                errs.append(.invalid(p, "", "may not have more than one field specified at a time"))
            }
            if let r = e.configMapRef { errs += refName(r.name, "\(p).configMapRef.name") }
            if let r = e.secretRef { errs += refName(r.name, "\(p).secretRef.name") }
        }

        var mountPaths = Set<String>()
        for (i, m) in (c.volumeMounts ?? []).enumerated() {
            let p = "\(path).volumeMounts[\(i)]"
            let n = m.name ?? ""
            if n.isEmpty {
                errs.append(.required("\(p).name"))
            } else if !volumes.contains(n) {
                errs.append(FieldError(.notFound, "\(p).name", "Not found: \"\(n)\""))
            }
            let mp = m.mountPath ?? ""
            if mp.isEmpty {
                errs.append(.required("\(p).mountPath"))
            } else if !mountPaths.insert(mp).inserted {
                errs.append(.invalid("\(p).mountPath", mp, "must be unique"))
            }
            if let sp = m.subPath, !sp.isEmpty { errs += validateRelativePath(sp, "\(p).subPath") }
            if m.subPath?.isEmpty == false, m.subPathExpr?.isEmpty == false {
                errs.append(.invalid("\(p).subPathExpr", m.subPathExpr!, "subPathExpr and subPath are mutually exclusive"))
            }
            errs += supported(m.mountPropagation, "\(p).mountPropagation", ["None", "HostToContainer", "Bidirectional"])
        }

        errs += validateResources(c.resources, "\(path).resources")

        let sidecar = isInit && c.restartPolicy == "Always"
        if isInit {
            errs += supported(c.restartPolicy, "\(path).restartPolicy", ["Always"])
            if !sidecar {
                for (field, set) in [("lifecycle", c.lifecycle != nil), ("livenessProbe", c.livenessProbe != nil),
                                     ("readinessProbe", c.readinessProbe != nil), ("startupProbe", c.startupProbe != nil)] where set {
                    errs.append(.forbidden("\(path).\(field)", "may not be set for init containers without restartPolicy=Always"))
                }
            }
        } else if c.restartPolicy != nil {
            errs.append(.forbidden("\(path).restartPolicy", "may not be set for non-init containers"))
        }
        if !isInit || sidecar {
            errs += validateProbe(c.livenessProbe, "\(path).livenessProbe", kind: .liveness)
            errs += validateProbe(c.readinessProbe, "\(path).readinessProbe", kind: .readiness)
            errs += validateProbe(c.startupProbe, "\(path).startupProbe", kind: .startup)
            errs += validateLifecycleHandler(c.lifecycle?.postStart, "\(path).lifecycle.postStart", grace: grace)
            errs += validateLifecycleHandler(c.lifecycle?.preStop, "\(path).lifecycle.preStop", grace: grace)
        }
        errs += supported(c.terminationMessagePolicy, "\(path).terminationMessagePolicy", ["File", "FallbackToLogsOnError"])
        errs += supported(c.imagePullPolicy, "\(path).imagePullPolicy", ["Always", "IfNotPresent", "Never"])
        if let sc = c.securityContext {
            let sp = "\(path).securityContext"
            errs += validID(sc.runAsUser, "\(sp).runAsUser") + validID(sc.runAsGroup, "\(sp).runAsGroup")
            if sc.privileged == true, sc.allowPrivilegeEscalation == false {
                errs.append(.invalid(sp, json(sc), "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
            }
            errs += supported(sc.procMount, "\(sp).procMount", ["Default", "Unmasked"])
        }
        if c.stdinOnce == true, c.stdin != true {
            errs.append(.forbidden("\(path).stdinOnce", "may not be true when stdin is false"))
        }
        return errs
    }

    static func refName(_ name: String?, _ path: String) -> [FieldError] {
        let n = name ?? ""
        if n.isEmpty { return [.required(path)] }
        return check(n, path, NameRules.dns1123Subdomain)
    }

    static func validateEnvVarSource(_ e: EnvVar, _ path: String) -> [FieldError] {
        guard let s = e.valueFrom else { return [] }
        var errs: [FieldError] = []
        let p = "\(path).valueFrom"
        var count = 0
        if let f = s.fieldRef {
            count += 1
            if (f.fieldPath ?? "").isEmpty { errs.append(.required("\(p).fieldRef.fieldPath")) }
        }
        if let r = s.resourceFieldRef {
            count += 1
            if (r.resource ?? "").isEmpty { errs.append(.required("\(p).resourceFieldRef.resource")) }
        }
        if let r = s.configMapKeyRef {
            count += 1
            errs += refName(r.name, "\(p).configMapKeyRef.name")
            let k = r.key ?? ""
            if k.isEmpty { errs.append(.required("\(p).configMapKeyRef.key")) } else { errs += check(k, "\(p).configMapKeyRef.key", NameRules.configMapKey) }
        }
        if let r = s.secretKeyRef {
            count += 1
            errs += refName(r.name, "\(p).secretKeyRef.name")
            let k = r.key ?? ""
            if k.isEmpty { errs.append(.required("\(p).secretKeyRef.key")) } else { errs += check(k, "\(p).secretKeyRef.key", NameRules.configMapKey) }
        }
        if count == 0 {
            errs.append(.invalid(p, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
        } else if count > 1 {
            errs.append(.invalid(p, "", "may not have more than one field specified at a time"))
        }
        if let v = e.value, !v.isEmpty {
            errs.append(.invalid(p, "", "may not be specified when `value` is not empty"))
        }
        return errs
    }

    static func validateRelativePath(_ s: String, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if s.hasPrefix("/") { errs.append(.invalid(path, s, "must be a relative path")) }
        if s.split(separator: "/").contains("..") { errs.append(.invalid(path, s, "must not contain '..'")) }
        return errs
    }

    static let standardResources: Set<String> = ["cpu", "memory", "ephemeral-storage", "storage", "pods"]

    static func validateResourceName(_ n: String, _ path: String) -> [FieldError] {
        if standardResources.contains(n) || n.hasPrefix("hugepages-") { return [] }
        if n.contains("/") {
            return check(n, path, NameRules.qualifiedName)
        }
        return [.invalid(path, n, "must be a standard resource type or fully qualified")]
    }

    static func validateResourceMap(_ m: [String: Quantity]?, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for k in (m ?? [:]).keys.sorted() {
            let p = "\(path)[\(k)]"
            errs += validateResourceName(k, p)
            if m![k]!.isNegative { errs.append(.invalid(p, m![k]!.string, "must be greater than or equal to 0")) }
        }
        return errs
    }

    /// Requests and limits: known resource names, non-negative, each request at most its limit.
    public static func validateResources(_ r: ResourceRequirements?, _ path: String) -> [FieldError] {
        guard let r else { return [] }
        var errs = validateResourceMap(r.limits, "\(path).limits") + validateResourceMap(r.requests, "\(path).requests")
        let limits = r.limits ?? [:]
        for (k, req) in (r.requests ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let lim = limits[k] else { continue }
            if req > lim {
                errs.append(.invalid("\(path).requests[\(k)]", req.string, "must be less than or equal to \(k) limit of \(lim.string)"))
            }
        }
        return errs
    }

    enum ProbeKind { case liveness, readiness, startup }

    static func validatePortNumOrName(_ port: IntOrString?, _ path: String) -> [FieldError] {
        switch port {
        case nil: return [.required(path)]
        case .int(let i)?: return NameRules.portNumber(i).map { .invalid(path, i, $0) }
        case .string(let s)?:
            if s.isEmpty { return [.required(path)] }
            return check(s, path, NameRules.ianaServiceName)
        }
    }

    static func validateHTTPGet(_ h: HTTPGetAction, _ path: String) -> [FieldError] {
        var errs = validatePortNumOrName(h.port, "\(path).port")
        errs += supported(h.scheme, "\(path).scheme", ["HTTP", "HTTPS"])
        for (i, hdr) in (h.httpHeaders ?? []).enumerated() {
            let n = hdr.name ?? ""
            if n.isEmpty || !n.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }) {
                errs.append(.invalid("\(path).httpHeaders[\(i)].name", n, "a valid HTTP header must consist of alphanumeric characters or '-'"))
            }
        }
        return errs
    }

    static func validateProbe(_ probe: Probe?, _ path: String, kind: ProbeKind) -> [FieldError] {
        guard let probe else { return [] }
        var errs: [FieldError] = []
        let handlers: [(String, Bool)] = [("exec", probe.exec != nil), ("httpGet", probe.httpGet != nil),
                                          ("tcpSocket", probe.tcpSocket != nil), ("grpc", probe.grpc != nil)]
        let set = handlers.filter(\.1)
        if set.isEmpty {
            errs.append(.required(path, "must specify a handler type"))
        } else if set.count > 1 {
            errs.append(.forbidden("\(path).\(set[1].0)", "may not specify more than 1 handler type"))
        }
        if let e = probe.exec, (e.command ?? []).isEmpty { errs.append(.required("\(path).exec.command")) }
        if let h = probe.httpGet { errs += validateHTTPGet(h, "\(path).httpGet") }
        if let t = probe.tcpSocket { errs += validatePortNumOrName(t.port, "\(path).tcpSocket.port") }
        if let g = probe.grpc {
            let port = g.port ?? 0
            errs += NameRules.portNumber(port).map { .invalid("\(path).grpc.port", port, $0) }
        }
        errs += nonNegative(probe.initialDelaySeconds, "\(path).initialDelaySeconds")
        errs += nonNegative(probe.timeoutSeconds, "\(path).timeoutSeconds")
        errs += nonNegative(probe.periodSeconds, "\(path).periodSeconds")
        errs += nonNegative(probe.successThreshold, "\(path).successThreshold")
        errs += nonNegative(probe.failureThreshold, "\(path).failureThreshold")
        if kind != .readiness, let s = probe.successThreshold, s != 1 {
            errs.append(.invalid("\(path).successThreshold", s, "must be 1"))
        }
        if let g = probe.terminationGracePeriodSeconds {
            if kind == .readiness {
                errs.append(.invalid("\(path).terminationGracePeriodSeconds", g, "must not be set for readinessProbes"))
            } else if g <= 0 {
                errs.append(.invalid("\(path).terminationGracePeriodSeconds", g, "must be greater than 0"))
            }
        }
        return errs
    }

    static func validateLifecycleHandler(_ h: LifecycleHandler?, _ path: String, grace: Int?) -> [FieldError] {
        guard let h else { return [] }
        var errs: [FieldError] = []
        let handlers: [(String, Bool)] = [("exec", h.exec != nil), ("httpGet", h.httpGet != nil),
                                          ("tcpSocket", h.tcpSocket != nil), ("sleep", h.sleep != nil)]
        let set = handlers.filter(\.1)
        if set.isEmpty {
            errs.append(.required(path, "must specify a handler type"))
        } else if set.count > 1 {
            errs.append(.forbidden("\(path).\(set[1].0)", "may not specify more than 1 handler type"))
        }
        if let e = h.exec, (e.command ?? []).isEmpty { errs.append(.required("\(path).exec.command")) }
        if let g = h.httpGet { errs += validateHTTPGet(g, "\(path).httpGet") }
        if let t = h.tcpSocket { errs += validatePortNumOrName(t.port, "\(path).tcpSocket.port") }
        if let s = h.sleep {
            let secs = s.seconds ?? 0
            let limit = grace ?? 30
            if secs < 0 || secs > limit {
                errs.append(.invalid("\(path).sleep.seconds", secs,
                                     "must be non-negative and less than terminationGracePeriodSeconds (\(limit))"))
            }
        }
        return errs
    }

    // MARK: Volumes

    static func validateVolumes(_ volumes: [Volume], _ path: String) -> (Set<String>, [FieldError]) {
        var names = Set<String>()
        var errs: [FieldError] = []
        for (i, v) in volumes.enumerated() {
            let p = "\(path)[\(i)]"
            let n = v.name ?? ""
            if n.isEmpty {
                errs.append(.required("\(p).name"))
            } else {
                errs += check(n, "\(p).name", NameRules.dns1123Label)
                if !names.insert(n).inserted { errs.append(.duplicate("\(p).name", n)) }
            }
            let sources: [(String, Bool)] = [
                ("hostPath", v.hostPath != nil), ("emptyDir", v.emptyDir != nil), ("configMap", v.configMap != nil),
                ("secret", v.secret != nil), ("projected", v.projected != nil), ("downwardAPI", v.downwardAPI != nil),
                ("persistentVolumeClaim", v.persistentVolumeClaim != nil),
            ]
            let set = sources.filter(\.1)
            if set.isEmpty {
                errs.append(.required(p, "must specify a volume type"))
            } else if set.count > 1 {
                errs.append(.forbidden("\(p).\(set[1].0)", "may not specify more than 1 volume type"))
            }
            if let h = v.hostPath {
                if (h.path ?? "").isEmpty { errs.append(.required("\(p).hostPath.path")) }
                if let t = h.type, !t.isEmpty {
                    errs += supported(t, "\(p).hostPath.type",
                                      ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"])
                }
            }
            if let e = v.emptyDir {
                if let s = e.sizeLimit, s.isNegative { errs.append(.invalid("\(p).emptyDir.sizeLimit", s.string, "must be greater than or equal to 0")) }
            }
            if let c = v.configMap {
                errs += refName(c.name, "\(p).configMap.name")
                errs += validateKeyToPaths(c.items ?? [], "\(p).configMap.items")
                errs += validateMode(c.defaultMode, "\(p).configMap.defaultMode")
            }
            if let s = v.secret {
                errs += refName(s.secretName, "\(p).secret.secretName")
                errs += validateKeyToPaths(s.items ?? [], "\(p).secret.items")
                errs += validateMode(s.defaultMode, "\(p).secret.defaultMode")
            }
            if let pr = v.projected {
                errs += validateMode(pr.defaultMode, "\(p).projected.defaultMode")
                for (j, src) in (pr.sources ?? []).enumerated() {
                    let sp = "\(p).projected.sources[\(j)]"
                    let kinds: [(String, Bool)] = [("configMap", src.configMap != nil), ("secret", src.secret != nil),
                                                   ("downwardAPI", src.downwardAPI != nil),
                                                   ("serviceAccountToken", src.serviceAccountToken != nil)]
                    let present = kinds.filter(\.1)
                    if present.isEmpty {
                        errs.append(.required(sp, "must specify exactly 1 source type"))
                    } else if present.count > 1 {
                        errs.append(.forbidden("\(sp).\(present[1].0)", "may not specify more than 1 volume type per source"))
                    }
                    if let c = src.configMap {
                        errs += refName(c.name, "\(sp).configMap.name")
                        errs += validateKeyToPaths(c.items ?? [], "\(sp).configMap.items")
                    }
                    if let s = src.secret {
                        errs += refName(s.name, "\(sp).secret.name")
                        errs += validateKeyToPaths(s.items ?? [], "\(sp).secret.items")
                    }
                    if let d = src.downwardAPI { errs += validateDownwardAPIFiles(d.items ?? [], "\(sp).downwardAPI.items") }
                    if let t = src.serviceAccountToken {
                        let tp = t.path ?? ""
                        if tp.isEmpty { errs.append(.required("\(sp).serviceAccountToken.path")) } else {
                            errs += validateRelativePath(tp, "\(sp).serviceAccountToken.path")
                        }
                        if let e = t.expirationSeconds {
                            if e < 600 {
                                errs.append(.invalid("\(sp).serviceAccountToken.expirationSeconds", e, "may not specify a duration less than 10 minutes"))
                            } else if e > 1 << 32 {
                                errs.append(.invalid("\(sp).serviceAccountToken.expirationSeconds", e, "may not specify a duration larger than 2^32 seconds"))
                            }
                        }
                    }
                }
            }
            if let d = v.downwardAPI {
                errs += validateDownwardAPIFiles(d.items ?? [], "\(p).downwardAPI.items")
                errs += validateMode(d.defaultMode, "\(p).downwardAPI.defaultMode")
            }
            if let c = v.persistentVolumeClaim, (c.claimName ?? "").isEmpty {
                errs.append(.required("\(p).persistentVolumeClaim.claimName"))
            }
        }
        return (names, errs)
    }

    static func validateMode(_ mode: Int?, _ path: String) -> [FieldError] {
        guard let mode, mode < 0 || mode > 0o777 else { return [] }
        return [.invalid(path, mode, "must be a number between 0 and 0777 (octal), both inclusive")]
    }

    static func validateKeyToPaths(_ items: [KeyToPath], _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, it) in items.enumerated() {
            let p = "\(path)[\(i)]"
            let k = it.key ?? ""
            if k.isEmpty { errs.append(.required("\(p).key")) } else { errs += check(k, "\(p).key", NameRules.configMapKey) }
            let fp = it.path ?? ""
            if fp.isEmpty { errs.append(.required("\(p).path")) } else { errs += validateRelativePath(fp, "\(p).path") }
            errs += validateMode(it.mode, "\(p).mode")
        }
        return errs
    }

    static func validateDownwardAPIFiles(_ items: [DownwardAPIVolumeFile], _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, it) in items.enumerated() {
            let p = "\(path)[\(i)]"
            let fp = it.path ?? ""
            if fp.isEmpty { errs.append(.required("\(p).path")) } else { errs += validateRelativePath(fp, "\(p).path") }
            let count = (it.fieldRef == nil ? 0 : 1) + (it.resourceFieldRef == nil ? 0 : 1)
            if count == 0 {
                errs.append(.required(p, "one of fieldRef and resourceFieldRef is required"))
            } else if count > 1 {
                errs.append(.invalid("\(p).fieldRef", "", "fieldRef and resourceFieldRef can not be specified simultaneously"))
            }
            if let f = it.fieldRef, (f.fieldPath ?? "").isEmpty { errs.append(.required("\(p).fieldRef.fieldPath")) }
            errs += validateMode(it.mode, "\(p).mode")
        }
        return errs
    }

    // MARK: Scheduling

    static func validateTolerations(_ tolerations: [Toleration], _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, t) in tolerations.enumerated() {
            let p = "\(path)[\(i)]"
            let key = t.key ?? ""
            let op = t.operator ?? ""
            if !key.isEmpty { errs += check(key, "\(p).key", NameRules.qualifiedName) }
            if key.isEmpty, op != "Exists" {
                errs.append(.invalid("\(p).operator", op,
                                     "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
            }
            if t.tolerationSeconds != nil, t.effect != "NoExecute" {
                errs.append(.invalid("\(p).effect", t.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"))
            }
            switch op {
            case "", "Equal":
                errs += check(t.value ?? "", "\(p).value", NameRules.labelValue)
            case "Exists":
                if let v = t.value, !v.isEmpty {
                    errs.append(.invalid("\(p).operator", v, "value must be empty when `operator` is 'Exists'"))
                }
            default:
                errs.append(.notSupported("\(p).operator", op, ["Equal", "Exists"]))
            }
            if let e = t.effect, !e.isEmpty {
                errs += supported(e, "\(p).effect", ["NoSchedule", "PreferNoSchedule", "NoExecute"])
            }
        }
        return errs
    }

    static func validateTopologySpread(_ cs: [TopologySpreadConstraint], _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var seen = Set<String>()
        for (i, c) in cs.enumerated() {
            let p = "\(path)[\(i)]"
            let skew = c.maxSkew ?? 0
            if skew <= 0 { errs.append(.invalid("\(p).maxSkew", skew, "must be greater than zero")) }
            let key = c.topologyKey ?? ""
            if key.isEmpty { errs.append(.required("\(p).topologyKey", "can not be empty")) } else {
                errs += check(key, "\(p).topologyKey", NameRules.qualifiedName)
            }
            let when = c.whenUnsatisfiable ?? ""
            if when.isEmpty {
                errs.append(.required("\(p).whenUnsatisfiable"))
            } else {
                errs += supported(when, "\(p).whenUnsatisfiable", ["DoNotSchedule", "ScheduleAnyway"])
            }
            if let m = c.minDomains {
                if m <= 0 {
                    errs.append(.invalid("\(p).minDomains", m, "must be greater than 0"))
                } else if when != "DoNotSchedule" {
                    errs.append(.invalid("\(p).minDomains", m, "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not \(when)"))
                }
            }
            errs += validateLabelSelector(c.labelSelector, "\(p).labelSelector")
            if !seen.insert("\(key)/\(when)").inserted {
                errs.append(.duplicate("\(p)", Raw("{\(key), \(when)}")))
            }
        }
        return errs
    }

    static func validateNodeSelectorRequirement(_ r: NodeSelectorRequirement, _ path: String, field: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        let values = r.values ?? []
        switch r.operator ?? "" {
        case "In", "NotIn":
            if values.isEmpty { errs.append(.required("\(path).values", "must be specified when `operator` is 'In' or 'NotIn'")) }
            if field, values.count != 1 {
                errs.append(.required("\(path).values", "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
            }
        case "Exists", "DoesNotExist":
            if !values.isEmpty { errs.append(.forbidden("\(path).values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")) }
        case "Gt", "Lt":
            if values.count != 1 || Int64(values[0]) == nil {
                errs.append(.required("\(path).values", "must be specified single value when `operator` is 'Lt' or 'Gt'"))
            }
        default:
            errs.append(.notSupported("\(path).operator", r.operator ?? "", ["DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"]))
        }
        if field {
            if r.key != "metadata.name" { errs.append(.notSupported("\(path).key", r.key ?? "", ["metadata.name"])) }
        } else {
            errs += check(r.key ?? "", "\(path).key", NameRules.qualifiedName)
        }
        return errs
    }

    static func validateNodeSelectorTerm(_ t: NodeSelectorTerm, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, r) in (t.matchExpressions ?? []).enumerated() {
            errs += validateNodeSelectorRequirement(r, "\(path).matchExpressions[\(i)]", field: false)
        }
        for (i, r) in (t.matchFields ?? []).enumerated() {
            errs += validateNodeSelectorRequirement(r, "\(path).matchFields[\(i)]", field: true)
        }
        return errs
    }

    static func validatePodAffinityTerm(_ t: PodAffinityTerm, _ path: String) -> [FieldError] {
        var errs = validateLabelSelector(t.labelSelector, "\(path).labelSelector")
            + validateLabelSelector(t.namespaceSelector, "\(path).namespaceSelector")
        for (i, n) in (t.namespaces ?? []).enumerated() { errs += check(n, "\(path).namespaces[\(i)]", NameRules.dns1123Label) }
        let key = t.topologyKey ?? ""
        if key.isEmpty { errs.append(.required("\(path).topologyKey", "can not be empty")) } else {
            errs += check(key, "\(path).topologyKey", NameRules.qualifiedName)
        }
        return errs
    }

    static func validateWeight(_ w: Int?, _ path: String) -> [FieldError] {
        let w = w ?? 0
        return (1...100).contains(w) ? [] : [.invalid(path, w, "must be in the range 1-100")]
    }

    static func validateAffinity(_ a: Affinity?, _ path: String) -> [FieldError] {
        guard let a else { return [] }
        var errs: [FieldError] = []
        if let na = a.nodeAffinity {
            let p = "\(path).nodeAffinity"
            if let req = na.requiredDuringSchedulingIgnoredDuringExecution {
                let rp = "\(p).requiredDuringSchedulingIgnoredDuringExecution"
                let terms = req.nodeSelectorTerms ?? []
                if terms.isEmpty { errs.append(.required("\(rp).nodeSelectorTerms", "must have at least one node selector term")) }
                for (i, t) in terms.enumerated() { errs += validateNodeSelectorTerm(t, "\(rp).nodeSelectorTerms[\(i)]") }
            }
            for (i, t) in (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).enumerated() {
                let tp = "\(p).preferredDuringSchedulingIgnoredDuringExecution[\(i)]"
                errs += validateWeight(t.weight, "\(tp).weight")
                errs += validateNodeSelectorTerm(t.preference ?? NodeSelectorTerm(), "\(tp).preference")
            }
        }
        let podTerms: [(String, [PodAffinityTerm]?, [WeightedPodAffinityTerm]?)] = [
            ("podAffinity", a.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
             a.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
            ("podAntiAffinity", a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
             a.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
        ]
        for (name, required, preferred) in podTerms {
            let p = "\(path).\(name)"
            for (i, t) in (required ?? []).enumerated() {
                errs += validatePodAffinityTerm(t, "\(p).requiredDuringSchedulingIgnoredDuringExecution[\(i)]")
            }
            for (i, t) in (preferred ?? []).enumerated() {
                let tp = "\(p).preferredDuringSchedulingIgnoredDuringExecution[\(i)]"
                errs += validateWeight(t.weight, "\(tp).weight")
                errs += validatePodAffinityTerm(t.podAffinityTerm ?? PodAffinityTerm(), "\(tp).podAffinityTerm")
            }
        }
        return errs
    }
}
