import Foundation
import GantryAPI

/// Pod Security admission, as Kubernetes defines it: the Pod Security Standards (`privileged`, `baseline`,
/// `restricted`, at their latest version) chosen per namespace by the `pod-security.kubernetes.io/enforce`, `warn` and
/// `audit` labels, with a cluster default for namespaces without them. A pod that violates the enforced level is
/// refused (403) with Kubernetes' message; the warn level's violations come back as `Warning` headers (for pods and
/// for the pod templates of workloads), the audit level's go to the audit log.
public enum PodSecurity {
    /// A Pod Security Standard.
    public enum Level: String, Sendable, CaseIterable, Comparable {
        case privileged, baseline, restricted

        public static func < (a: Level, b: Level) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// The cluster's defaults for namespaces without labels, and the namespaces exempt from the defaults.
    public struct Defaults: Sendable, Hashable {
        public var enforce: Level
        public var warn: Level
        public var audit: Level
        /// Namespaces the defaults do not apply to (their own labels still do).
        public var exemptNamespaces: Set<String>

        public init(enforce: Level = .privileged, warn: Level? = nil, audit: Level? = nil,
                    exemptNamespaces: Set<String> = ["kube-system"]) {
            self.enforce = enforce
            self.warn = warn ?? enforce
            self.audit = audit ?? enforce
            self.exemptNamespaces = exemptNamespaces
        }
    }

    /// One mode's level and the version it names (`latest` unless `…-version` says otherwise).
    public struct Policy: Sendable, Hashable, CustomStringConvertible {
        public var level: Level
        public var version: String
        public var description: String { "\(level.rawValue):\(version)" }
    }

    static let labelPrefix = "pod-security.kubernetes.io/"
    static let modes = ["enforce", "warn", "audit"]

    /// The policies of a namespace with `labels`, each mode falling back to the default.
    static func policies(labels: [String: String], namespace: String, defaults: Defaults) -> [String: Policy] {
        var out: [String: Policy] = [:]
        let exempt = defaults.exemptNamespaces.contains(namespace)
        for mode in modes {
            let fallback: Level = exempt ? .privileged
                : mode == "enforce" ? defaults.enforce : mode == "warn" ? defaults.warn : defaults.audit
            let level = labels[labelPrefix + mode].flatMap(Level.init(rawValue:)) ?? fallback
            out[mode] = Policy(level: level, version: labels[labelPrefix + mode + "-version"] ?? "latest")
        }
        return out
    }

    /// The errors in a Namespace's Pod Security labels.
    public static func validateLabels(_ labels: [String: String]) -> [FieldError] {
        var errs: [FieldError] = []
        for mode in modes {
            let key = labelPrefix + mode
            if let v = labels[key], Level(rawValue: v) == nil {
                errs.append(.notSupported("metadata.labels[\(key)]", v, Level.allCases.map(\.rawValue)))
            }
            let vkey = key + "-version"
            if let v = labels[vkey], v != "latest", v.range(of: #"^v1\.(0|[1-9][0-9]*)$"#, options: .regularExpression) == nil {
                errs.append(.invalid("metadata.labels[\(vkey)]", v, "must be \"latest\" or of the form \"v1.x\""))
            }
        }
        return errs
    }

    // MARK: The checks

    static let baselineCapabilities: Set<String> = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                                                    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]
    static let safeSysctls: Set<String> = ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
                                           "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
                                           "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                                           "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                                           "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]
    static let restrictedVolumeTypes: Set<String> = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                                                     "persistentVolumeClaim", "projected", "secret"]

    /// `container "a"` or `containers "a", "b"`.
    static func containers(_ names: [String], pod: Bool = false) -> String {
        let quoted = names.map { "\"\($0)\"" }.joined(separator: ", ")
        return (pod ? "pod or " : "") + (names.count == 1 ? "container " : "containers ") + quoted
    }

    /// The violations of `level` by a pod spec (with its metadata, for AppArmor annotations), in Kubernetes' words
    /// and order; empty when it complies.
    public static func violations(spec: JSONValue, metadata: JSONValue = .emptyObject, level: Level) -> [String] {
        guard level != .privileged else { return [] }
        let restricted = level == .restricted
        let all = ["initContainers", "containers", "ephemeralContainers"].flatMap { spec[$0]?.arrayValue ?? [] }
        let name = { (c: JSONValue) in c["name"]?.stringValue ?? "" }
        let podSC = spec["securityContext"] ?? .emptyObject
        func sc(_ c: JSONValue, _ path: String...) -> JSONValue? { c["securityContext"]?[path: path] }
        var out: [String] = []

        // allowPrivilegeEscalation (restricted)
        if restricted {
            let bad = all.filter { sc($0, "allowPrivilegeEscalation")?.boolValue != false }.map(name)
            if !bad.isEmpty {
                out.append("allowPrivilegeEscalation != false (\(containers(bad)) must set securityContext.allowPrivilegeEscalation=false)")
            }
        }
        // appArmorProfile (baseline)
        do {
            var bad: [String] = []
            let ok = { (t: String?) in t == nil || t == "RuntimeDefault" || t == "Localhost" }
            if !ok(podSC[path: ["appArmorProfile", "type"]]?.stringValue) {
                bad.append("pod must not set securityContext.appArmorProfile.type to \"\(podSC[path: ["appArmorProfile", "type"]]?.stringValue ?? "")\"")
            }
            let unconfined = all.filter { !ok(sc($0, "appArmorProfile", "type")?.stringValue) }.map(name)
            if !unconfined.isEmpty {
                bad.append("\(containers(unconfined)) must not set securityContext.appArmorProfile.type to \"Unconfined\"")
            }
            for (k, v) in metadata["annotations"]?.objectValue ?? [:]
                where k.hasPrefix("container.apparmor.security.beta.kubernetes.io/") {
                let value = v.stringValue ?? ""
                if value != "runtime/default" && !value.hasPrefix("localhost/") {
                    bad.append("annotation \"\(k)\"=\"\(value)\"")
                }
            }
            if !bad.isEmpty { out.append("forbidden AppArmor profile" + (bad.count == 1 ? "" : "s") + " (\(bad.joined(separator: ", ")))") }
        }
        // capabilities: restricted requires drop ALL and adds at most NET_BIND_SERVICE; baseline limits adds.
        do {
            var parts: [String] = []
            if restricted {
                let noDrop = all.filter { !(sc($0, "capabilities", "drop")?.arrayValue ?? []).contains(.string("ALL")) }.map(name)
                if !noDrop.isEmpty { parts.append("\(containers(noDrop)) must set securityContext.capabilities.drop=[\"ALL\"]") }
            }
            var added: [String: [String]] = [:]
            var order: [String] = []
            for c in all {
                let caps = (sc(c, "capabilities", "add")?.arrayValue ?? []).compactMap(\.stringValue)
                let extra = caps.filter { restricted ? $0 != "NET_BIND_SERVICE" : !baselineCapabilities.contains($0) }
                if !extra.isEmpty {
                    order.append(name(c))
                    added[name(c)] = extra
                }
            }
            for c in order {
                let list = added[c]!.map { "\"\($0)\"" }.joined(separator: ", ")
                parts.append("\(containers([c])) must not include \(list) in securityContext.capabilities.add")
            }
            if !parts.isEmpty {
                out.append((restricted ? "unrestricted capabilities" : "non-default capabilities") + " (\(parts.joined(separator: "; ")))")
            }
        }
        // host namespaces (baseline)
        do {
            let set = ["hostNetwork", "hostPID", "hostIPC"].filter { spec[$0]?.boolValue == true }.map { "\($0)=true" }
            if !set.isEmpty { out.append("host namespaces (\(set.joined(separator: ", ")))") }
        }
        // hostPath volumes (baseline)
        let volumes = spec["volumes"]?.arrayValue ?? []
        do {
            let bad = volumes.filter { $0["hostPath"] != nil }.map { "\"\($0["name"]?.stringValue ?? "")\"" }
            if !bad.isEmpty { out.append("hostPath volume" + (bad.count == 1 ? "" : "s") + " (\(bad.joined(separator: ", ")))") }
        }
        // hostPort (baseline)
        do {
            var parts: [String] = []
            for c in all {
                let ports = (c["ports"]?.arrayValue ?? []).compactMap { $0["hostPort"]?.intValue }.filter { $0 != 0 }
                if !ports.isEmpty {
                    parts.append("\(containers([name(c)])) uses hostPort" + (ports.count == 1 ? "" : "s") + " "
                                 + ports.map(String.init).joined(separator: ", "))
                }
            }
            if !parts.isEmpty { out.append("hostPort (\(parts.joined(separator: ", ")))") }
        }
        // hostProcess (baseline)
        do {
            let bad = all.filter { sc($0, "windowsOptions", "hostProcess")?.boolValue == true }.map(name)
            if podSC[path: ["windowsOptions", "hostProcess"]]?.boolValue == true || !bad.isEmpty {
                out.append("hostProcess (pod or containers must not set securityContext.windowsOptions.hostProcess=true)")
            }
        }
        // privileged (baseline)
        do {
            let bad = all.filter { sc($0, "privileged")?.boolValue == true }.map(name)
            if !bad.isEmpty { out.append("privileged (\(containers(bad)) must not set securityContext.privileged=true)") }
        }
        // procMount (baseline)
        do {
            let bad = all.filter { (sc($0, "procMount")?.stringValue ?? "Default") != "Default" }.map(name)
            if !bad.isEmpty { out.append("procMount (\(containers(bad)) must not set securityContext.procMount to \"Unmasked\")") }
        }
        // restricted volume types
        if restricted {
            var parts: [String] = []
            for v in volumes {
                let types = (v.objectValue ?? [:]).keys.filter { $0 != "name" }.sorted()
                if let t = types.first(where: { !restrictedVolumeTypes.contains($0) }) {
                    parts.append("volume \"\(v["name"]?.stringValue ?? "")\" uses restricted volume type \"\(t)\"")
                }
            }
            if !parts.isEmpty { out.append("restricted volume types (\(parts.joined(separator: ", ")))") }
        }
        // runAsNonRoot and runAsUser (restricted)
        if restricted {
            let podNonRoot = podSC["runAsNonRoot"]?.boolValue
            var parts: [String] = []
            if podNonRoot == false { parts.append("pod must not set securityContext.runAsNonRoot=false") }
            let explicitFalse = all.filter { sc($0, "runAsNonRoot")?.boolValue == false }.map(name)
            if !explicitFalse.isEmpty { parts.append("\(containers(explicitFalse)) must not set securityContext.runAsNonRoot=false") }
            if podNonRoot != true {
                let unset = all.filter { sc($0, "runAsNonRoot") == nil }.map(name)
                if !unset.isEmpty { parts.append("\(containers(unset, pod: true)) must set securityContext.runAsNonRoot=true") }
            }
            if !parts.isEmpty { out.append("runAsNonRoot != true (\(parts.joined(separator: "; ")))") }

            var root: [String] = []
            if podSC["runAsUser"]?.intValue == 0 { root.append("pod must not set runAsUser=0") }
            let zero = all.filter { sc($0, "runAsUser")?.intValue == 0 }.map(name)
            if !zero.isEmpty { root.append("\(containers(zero)) must not set runAsUser=0") }
            if !root.isEmpty { out.append("runAsUser=0 (\(root.joined(separator: "; ")))") }
        }
        // seLinuxOptions (baseline)
        do {
            let okType: Set<String> = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]
            func bad(_ o: JSONValue?) -> Bool {
                guard let o else { return false }
                return !okType.contains(o["type"]?.stringValue ?? "") || (o["user"]?.stringValue ?? "") != ""
                    || (o["role"]?.stringValue ?? "") != ""
            }
            if bad(podSC["seLinuxOptions"]) || all.contains(where: { bad(sc($0, "seLinuxOptions")) }) {
                out.append("seLinuxOptions (pod and containers must not set securityContext.seLinuxOptions user or role, and type only to container_t, container_init_t, container_kvm_t or container_engine_t)")
            }
        }
        // seccompProfile: baseline forbids Unconfined; restricted requires RuntimeDefault or Localhost.
        do {
            let podType = podSC[path: ["seccompProfile", "type"]]?.stringValue
            let type = { (c: JSONValue) in sc(c, "seccompProfile", "type")?.stringValue }
            var parts: [String] = []
            if podType == "Unconfined" { parts.append("pod must not set securityContext.seccompProfile.type to \"Unconfined\"") }
            let unconfined = all.filter { type($0) == "Unconfined" }.map(name)
            if !unconfined.isEmpty { parts.append("\(containers(unconfined)) must not set securityContext.seccompProfile.type to \"Unconfined\"") }
            if restricted, podType == nil {
                let unset = all.filter { type($0) == nil }.map(name)
                if !unset.isEmpty {
                    parts.append("\(containers(unset, pod: true)) must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"")
                }
            }
            if !parts.isEmpty { out.append("seccompProfile (\(parts.joined(separator: "; ")))") }
        }
        // sysctls (baseline)
        do {
            let bad = (podSC["sysctls"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }.filter { !safeSysctls.contains($0) }
            if !bad.isEmpty { out.append("forbidden sysctls (\(bad.joined(separator: ", ")))") }
        }
        return out
    }

    /// The pod spec and metadata a Pod or a workload (Deployment, ReplicaSet, DaemonSet, StatefulSet, Job, CronJob)
    /// runs, if `r` is one.
    static func podTemplate(_ obj: JSONValue, _ r: ResourceInfo) -> (spec: JSONValue, metadata: JSONValue)? {
        switch r.kind {
        case "Pod": return (obj["spec"] ?? .emptyObject, obj["metadata"] ?? .emptyObject)
        case "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "ReplicationController":
            guard let t = obj[path: ["spec", "template"]] else { return nil }
            return (t["spec"] ?? .emptyObject, t["metadata"] ?? .emptyObject)
        case "CronJob":
            guard let t = obj[path: ["spec", "jobTemplate", "spec", "template"]] else { return nil }
            return (t["spec"] ?? .emptyObject, t["metadata"] ?? .emptyObject)
        default: return nil
        }
    }

    /// What admission does with a write of `obj`: throws 403 when a pod violates the enforced level, and returns the
    /// warnings of the warn level (pods and workloads) and the audit level's violations (as the audit annotation's
    /// value, empty when none).
    static func admit(_ obj: JSONValue, _ r: ResourceInfo, namespaceLabels: [String: String], namespace: String,
                      defaults: Defaults) throws -> (warnings: [String], audit: String) {
        guard let (spec, metadata) = podTemplate(obj, r) else { return ([], "") }
        let p = policies(labels: namespaceLabels, namespace: namespace, defaults: defaults)
        let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
        if r == .pods, let enforce = p["enforce"] {
            let v = violations(spec: spec, metadata: metadata, level: enforce.level)
            if !v.isEmpty {
                throw GantryError(.forbidden, "pods \"\(name)\" is forbidden: violates PodSecurity \"\(enforce)\": \(v.joined(separator: ", "))",
                                  details: StatusDetails(name: name, group: "", kind: "pods"))
            }
        }
        var warnings: [String] = []
        if let warn = p["warn"] {
            let v = violations(spec: spec, metadata: metadata, level: warn.level)
            if !v.isEmpty { warnings.append("would violate PodSecurity \"\(warn)\": \(v.joined(separator: ", "))") }
        }
        var audit = ""
        if let a = p["audit"] {
            let v = violations(spec: spec, metadata: metadata, level: a.level)
            if !v.isEmpty { audit = "would violate PodSecurity \"\(a)\": \(v.joined(separator: ", "))" }
        }
        return (warnings, audit)
    }
}

extension Registry {
    /// Pod Security admission of a write of `obj` in `namespace`: 403 for a pod the enforced level refuses; the warn
    /// level's warnings otherwise. A Namespace's labels are checked, and a change of its enforced level warns about
    /// the pods already there that the new level would refuse.
    func admitPodSecurity(_ obj: JSONValue, _ r: ResourceInfo, namespace: String?, old: JSONValue? = nil) async throws
        -> [String]
    {
        if r == .namespaces {
            let labels = self.labels(of: obj)
            let errors = PodSecurity.validateLabels(labels)
            let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
            if !errors.isEmpty { throw GantryError.invalid(r, name, errors) }
            guard let old else { return [] }
            let before = PodSecurity.policies(labels: self.labels(of: old), namespace: name, defaults: podSecurity)["enforce"]
            guard let after = PodSecurity.policies(labels: labels, namespace: name, defaults: podSecurity)["enforce"],
                  after != before, after.level != .privileged else { return [] }
            var out: [String] = []
            for pod in try await list(.pods, namespace: name, options: ListOptions()).items {
                let v = PodSecurity.violations(spec: pod["spec"] ?? .emptyObject, metadata: pod["metadata"] ?? .emptyObject,
                                               level: after.level)
                if !v.isEmpty { out.append("\(pod[path: ["metadata", "name"]]?.stringValue ?? ""): \(v.joined(separator: ", "))") }
            }
            if out.isEmpty { return [] }
            return ["existing pods in namespace \"\(name)\" violate the new PodSecurity enforce level \"\(after)\""]
                + out.prefix(10)
        }
        guard PodSecurity.podTemplate(obj, r) != nil, let namespace else { return [] }
        // An update that leaves the pod spec as it was (status, labels, finalizers) is not checked again.
        if let old, old["spec"] == obj["spec"] { return [] }
        let ns = try? await get(.namespaces, namespace: nil, name: namespace)
        let out = try PodSecurity.admit(obj, r, namespaceLabels: ns.map(labels(of:)) ?? [:], namespace: namespace,
                                        defaults: podSecurity)
        if !out.audit.isEmpty { AuditAnnotations.current?.set("pod-security.kubernetes.io/audit-violations", out.audit) }
        return out.warnings
    }
}
