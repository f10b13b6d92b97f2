import Foundation
import GantryAPI
import GantryRuntime

/// Pure translation of a pod's container into what the runtime runs: the command line, the
/// environment, the limits. No I/O: configmaps, secrets and the pod IP come in as values.
public enum ContainerSetup {
    /// Values env vars and envFrom may refer to.
    public struct Sources: Sendable {
        public var configMaps: [String: [String: String]] = [:]
        public var secrets: [String: [String: String]] = [:]
        public var podIP: String = ""
        public var hostIP: String = ""
        /// Service variables every container gets (`KUBERNETES_SERVICE_HOST`, ...), before its own env.
        public var serviceEnv: [(String, String)] = []
        public init() {}
    }

    /// The variables Kubernetes gives every container for the `kubernetes` Service at `ip`:`port`, so in-cluster
    /// clients find the API.
    public static func kubernetesServiceEnv(ip: String, port: Int) -> [(String, String)] {
        let url = "tcp://\(ip):\(port)"
        return [("KUBERNETES_SERVICE_HOST", ip), ("KUBERNETES_SERVICE_PORT", "\(port)"),
                ("KUBERNETES_SERVICE_PORT_HTTPS", "\(port)"), ("KUBERNETES_PORT", url),
                ("KUBERNETES_PORT_\(port)_TCP", url), ("KUBERNETES_PORT_\(port)_TCP_PROTO", "tcp"),
                ("KUBERNETES_PORT_\(port)_TCP_PORT", "\(port)"), ("KUBERNETES_PORT_\(port)_TCP_ADDR", ip)]
    }

    /// The process environment: image env, then envFrom, then env (later wins), with `$(VAR)` expanded.
    /// Throws for a missing non-optional configmap/secret key, naming it (the pod reports
    /// CreateContainerConfigError).
    public static func environment(pod: Pod, container: Container, image: ImageConfig, sources: Sources) throws -> [String] {
        var order: [String] = []
        var values: [String: String] = [:]
        func set(_ k: String, _ v: String) {
            if values[k] == nil { order.append(k) }
            values[k] = v
        }
        for e in image.env ?? [] {
            let parts = e.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            set(String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        if values["PATH"] == nil { set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") }
        set("HOSTNAME", pod.metadata.name ?? "")
        for (k, v) in sources.serviceEnv { set(k, v) }
        for from in container.envFrom ?? [] {
            let prefix = from.prefix ?? ""
            if let ref = from.configMapRef, let name = ref.name {
                guard let data = sources.configMaps[name] else {
                    if ref.optional == true { continue }
                    throw GantryError(.notFound, "configmap \"\(name)\" not found")
                }
                for k in data.keys.sorted() { set(prefix + k, data[k]!) }
            }
            if let ref = from.secretRef, let name = ref.name {
                guard let data = sources.secrets[name] else {
                    if ref.optional == true { continue }
                    throw GantryError(.notFound, "secret \"\(name)\" not found")
                }
                for k in data.keys.sorted() { set(prefix + k, data[k]!) }
            }
        }
        for e in container.env ?? [] {
            guard let name = e.name else { continue }
            if let v = e.value {
                set(name, expand(v, values))
                continue
            }
            guard let from = e.valueFrom else { set(name, ""); continue }
            if let f = from.fieldRef?.fieldPath {
                set(name, fieldValue(f, pod: pod, sources: sources))
            } else if let r = from.configMapKeyRef, let cm = r.name, let key = r.key {
                if let v = sources.configMaps[cm]?[key] { set(name, v) } else if r.optional != true {
                    throw GantryError(.notFound, "couldn't find key \(key) in ConfigMap \(pod.metadata.namespace ?? "default")/\(cm)")
                }
            } else if let r = from.secretKeyRef, let s = r.name, let key = r.key {
                if let v = sources.secrets[s]?[key] { set(name, v) } else if r.optional != true {
                    throw GantryError(.notFound, "couldn't find key \(key) in Secret \(pod.metadata.namespace ?? "default")/\(s)")
                }
            } else if let r = from.resourceFieldRef, let res = r.resource {
                set(name, resourceValue(res, container: container, divisor: r.divisor))
            }
        }
        return order.map { "\($0)=\(values[$0]!)" }
    }

    static func fieldValue(_ path: String, pod: Pod, sources: Sources) -> String {
        switch path {
        case "metadata.name": return pod.metadata.name ?? ""
        case "metadata.namespace": return pod.metadata.namespace ?? ""
        case "metadata.uid": return pod.metadata.uid ?? ""
        case "spec.nodeName": return pod.spec?.nodeName ?? ""
        case "spec.serviceAccountName": return pod.spec?.serviceAccountName ?? ""
        case "status.podIP": return sources.podIP
        case "status.hostIP": return sources.hostIP
        default:
            if path.hasPrefix("metadata.labels['"), path.hasSuffix("']") {
                let key = String(path.dropFirst("metadata.labels['".count).dropLast(2))
                return pod.metadata.labels?[key] ?? ""
            }
            if path.hasPrefix("metadata.annotations['"), path.hasSuffix("']") {
                let key = String(path.dropFirst("metadata.annotations['".count).dropLast(2))
                return pod.metadata.annotations?[key] ?? ""
            }
            return ""
        }
    }

    static func resourceValue(_ res: String, container: Container, divisor: Quantity?) -> String {
        let parts = res.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return "" }
        let map = parts[0] == "limits" ? container.resources?.limits : container.resources?.requests
        guard let q = map?[parts[1]] else { return "0" }
        let div = divisor?.milliValue ?? 1000
        return String(Int64((Double(q.milliValue) / Double(max(div, 1))).rounded(.up)))
    }

    /// Expands `$(VAR)` references as Kubernetes does; `$$(VAR)` escapes; unknown references stay as written.
    public static func expand(_ s: String, _ values: [String: String]) -> String {
        guard s.contains("$") else { return s }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == "$", s.index(after: i) < s.endIndex {
                let n = s[s.index(after: i)]
                if n == "$" {
                    out.append("$")
                    i = s.index(i, offsetBy: 2)
                    continue
                }
                if n == "(", let close = s[i...].firstIndex(of: ")") {
                    let name = String(s[s.index(i, offsetBy: 2)..<close])
                    if let v = values[name] { out += v } else { out += s[i...close] }
                    i = s.index(after: close)
                    continue
                }
            }
            out.append(c)
            i = s.index(after: i)
        }
        return out
    }

    /// The command line: Kubernetes' rules for `command`/`args` against the image's entrypoint/cmd.
    public static func commandLine(container: Container, image: ImageConfig, env: [String]) -> [String] {
        var values: [String: String] = [:]
        for e in env {
            let p = e.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            values[String(p[0])] = p.count > 1 ? String(p[1]) : ""
        }
        let command = container.command.map { $0.map { expand($0, values) } }
        let args = container.args.map { $0.map { expand($0, values) } }
        switch (command, args) {
        case (let c?, let a): return c + (a ?? [])
        case (nil, let a?): return (image.entrypoint ?? []) + a
        case (nil, nil): return (image.entrypoint ?? []) + (image.cmd ?? [])
        }
    }

    /// Cgroup limits from requests and limits (cpu shares from the request, CFS quota from the limit).
    public static func limits(_ r: ResourceRequirements?) -> ResourceLimits {
        var l = ResourceLimits()
        let cpuRequest = r?.requests?["cpu"] ?? r?.limits?["cpu"]
        if let req = cpuRequest {
            l.cpuShares = UInt64(max(2, req.milliValue * 1024 / 1000))
        } else {
            l.cpuShares = 2
        }
        if let lim = r?.limits?["cpu"] {
            l.cpuPeriod = 100_000
            l.cpuQuota = max(1000, lim.milliValue * 100_000 / 1000)
        }
        if let mem = r?.limits?["memory"] { l.memoryLimit = mem.value }
        return l
    }

    /// User and group from the security contexts (container wins over pod); nil when the image decides.
    public static func user(pod: Pod, container: Container) -> (uid: UInt32, gid: UInt32, groups: [UInt32])? {
        let uid = container.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser
        let gid = container.securityContext?.runAsGroup ?? pod.spec?.securityContext?.runAsGroup
        let groups = (pod.spec?.securityContext?.supplementalGroups ?? []).map { UInt32($0) }
            + (pod.spec?.securityContext?.fsGroup.map { [UInt32($0)] } ?? [])
        guard uid != nil || gid != nil || !groups.isEmpty else { return nil }
        return (UInt32(uid ?? 0), UInt32(gid ?? 0), groups)
    }

    /// `/etc/hosts` for a pod.
    public static func hostsFile(pod: Pod, podIP: String) -> String {
        var s = "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        s += "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n"
        let name = pod.spec?.hostname ?? pod.metadata.name ?? ""
        if !podIP.isEmpty {
            if let sub = pod.spec?.subdomain, let ns = pod.metadata.namespace {
                s += "\(podIP)\t\(name).\(sub).\(ns).svc.cluster.local\t\(name)\n"
            } else {
                s += "\(podIP)\t\(name)\n"
            }
        }
        for alias in pod.spec?.hostAliases ?? [] {
            if let ip = alias.ip { s += "\n# Entries added by HostAliases.\n\(ip)\t\((alias.hostnames ?? []).joined(separator: "\t"))\n" }
        }
        return s
    }

    /// `/etc/resolv.conf` for a pod by its dnsPolicy: ClusterFirst (cluster DNS when configured, else the
    /// node's), Default (the node's), None (dnsConfig only); dnsConfig is merged in.
    public static func resolvConf(pod: Pod, clusterDNS: [String], clusterDomain: String, hostResolvConf: String) -> String {
        var nameservers: [String] = []
        var searches: [String] = []
        var options: [String] = []
        let hostNS = hostResolvConf.split(separator: "\n").filter { $0.hasPrefix("nameserver") }
            .compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) }
        let hostSearch = hostResolvConf.split(separator: "\n").filter { $0.hasPrefix("search") }
            .flatMap { $0.split(separator: " ").dropFirst().map(String.init) }
        let ns = pod.metadata.namespace ?? "default"
        var policy = pod.spec?.dnsPolicy ?? "ClusterFirst"
        if policy == "ClusterFirst", pod.spec?.hostNetwork == true { policy = "Default" }
        switch policy {
        case "None": break
        case "Default":
            nameservers = hostNS
            searches = hostSearch
        default:
            if clusterDNS.isEmpty {
                nameservers = hostNS
                searches = hostSearch
            } else {
                nameservers = clusterDNS
                searches = ["\(ns).svc.\(clusterDomain)", "svc.\(clusterDomain)", clusterDomain] + hostSearch
                options = ["ndots:5"]
            }
        }
        if let c = pod.spec?.dnsConfig {
            nameservers += c.nameservers ?? []
            searches += c.searches ?? []
            for o in c.options ?? [] {
                guard let n = o.name else { continue }
                options.removeAll { $0 == n || $0.hasPrefix(n + ":") }
                options.append(o.value.map { "\(n):\($0)" } ?? n)
            }
        }
        var s = ""
        if !searches.isEmpty { s += "search \(searches.joined(separator: " "))\n" }
        for n in nameservers.prefix(3) { s += "nameserver \(n)\n" }
        if !options.isEmpty { s += "options \(options.joined(separator: " "))\n" }
        return s
    }
}

/// Kubernetes' restart back-off: 10 s doubling to 5 min, reset after 10 min of running.
public struct RestartBackoff: Sendable, Hashable {
    public var initial: Double = 10
    public var maximum: Double = 300
    public var resetAfter: Double = 600
    public init(initial: Double = 10, maximum: Double = 300, resetAfter: Double = 600) {
        self.initial = initial
        self.maximum = maximum
        self.resetAfter = resetAfter
    }

    /// The delay before restart number `restartCount + 1` (0-based count of restarts so far).
    public func delay(restartCount: Int) -> Double {
        min(maximum, initial * pow(2, Double(max(0, restartCount))))
    }
}
