import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// Metrics as a monitoring stack sees them: a real Prometheus (Debian's) finds the API server and the node through
/// service discovery against Gantry's API, with a ServiceAccount token and RBAC as on Kubernetes, and scrapes
/// `/metrics` of both and the node's `/metrics/cadvisor`.
@Suite("Observability", .serialized)
struct ObservabilityTests {
    @Test func prometheusScrapesTheClusterThroughServiceDiscovery() async throws {
        let prometheus = try requireExecutable("prometheus", package: "prometheus")
        let cluster = try await DevFixture.start(name: "observe", second: 249)
        defer { cluster.stop(keeping: ["prometheus.log"]) }
        let (dev, client, registry, dir, tag) = (cluster.dev, cluster.client, cluster.registry, cluster.dir, cluster.tag)
        func k(_ args: String..., stdin: String? = nil) async throws -> String { try await cluster.kubectl(args, stdin: stdin) }

        // A pod that burns CPU, so that its container's counters move.
        _ = try await k("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Pod
            metadata: {name: burn}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: burn
                image: \(registry.image)
                command: [sh, -c, "while true; do :; done"]
                resources: {limits: {cpu: 200m, memory: 32Mi}}
            """)
        try await eventually(timeout: .seconds(60), "pod burn Running") {
            (try? await client.get(.pods, namespace: "default", name: "burn"))?[path: ["status", "phase"]] == "Running"
        }

        // The events of the pod's life, from the scheduler and the agent, as kubectl shows them.
        var events = ""
        try await eventually(timeout: .seconds(20), "the burn pod's events") {
            events = (try? await k("get", "events", "--field-selector", "involvedObject.name=burn",
                                   "-o", "custom-columns=REASON:.reason,SOURCE:.source.component,COUNT:.count,MESSAGE:.message")) ?? ""
            return ["Scheduled", "Pulled", "Created", "Started"].allSatisfy { events.contains($0) }
        }
        print("events of pod burn:\n\(events)")
        #expect(events.contains("kubelet") && events.contains("default-scheduler"))
        let described = try await k("describe", "pod", "burn")
        #expect(described.contains("Started container burn"), "kubectl describe shows no events:\n\(described.suffix(1500))")

        // Prometheus' own identity, as its Helm chart sets it up: a ServiceAccount and a ClusterRole to discover
        // and scrape.
        _ = try await k("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: prometheus, namespace: kube-system}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: prometheus}
            rules:
            - apiGroups: [""]
              resources: [nodes, nodes/metrics, services, endpoints, pods]
              verbs: [get, list, watch]
            - apiGroups: [discovery.k8s.io]
              resources: [endpointslices]
              verbs: [get, list, watch]
            - nonResourceURLs: [/metrics, /gantry/v1/prometheus-sd/*]
              verbs: [get]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: prometheus}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: prometheus}
            subjects: [{kind: ServiceAccount, name: prometheus, namespace: kube-system}]
            """)
        let token = try await k("create", "token", "prometheus", "-n", "kube-system", "--duration", "1h")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try token.write(toFile: dir.file("token"), atomically: true, encoding: .utf8)
        let kubeconfig = try #require(dev.kubeconfig)
        let ca = try #require(try Kubeconfig.load(path: kubeconfig).credentials.caPEM)
        try ca.write(toFile: dir.file("ca.crt"), atomically: true, encoding: .utf8)

        // Each job finds its targets through Gantry's API. Debian's Prometheus (2.42.0+ds) is built without
        // `kubernetes_sd_configs`, so the jobs use `http_sd_configs` on Gantry's discovery endpoint, which answers
        // the targets and `__meta_kubernetes_*` labels Kubernetes discovery would; the relabelling is Kubernetes'.
        func job(_ name: String, role: String, path: String = "/metrics", extra: [String] = []) -> [String] {
            ["- job_name: \(name)",
             "  scheme: https",
             "  metrics_path: \(path)",
             "  tls_config: {ca_file: \(dir.file("ca.crt")), insecure_skip_verify: \(role == "node")}",
             "  authorization: {type: Bearer, credentials_file: \(dir.file("token"))}",
             "  http_sd_configs:",
             "  - url: \(dev.url)/gantry/v1/prometheus-sd/\(role)",
             "    refresh_interval: 1s",
             "    tls_config: {ca_file: \(dir.file("ca.crt"))}",
             "    authorization: {type: Bearer, credentials_file: \(dir.file("token"))}"] + extra
        }
        let config = (["global: {scrape_interval: 1s, scrape_timeout: 1s}", "scrape_configs:"]
            + job("apiserver", role: "endpoints", extra: [
                "  relabel_configs:",
                "  - source_labels: [__meta_kubernetes_namespace, __meta_kubernetes_service_name, __meta_kubernetes_endpoint_port_name]",
                "    action: keep",
                "    regex: default;kubernetes;https",
            ])
            + job("kubelet", role: "node")
            + job("cadvisor", role: "node", path: "/metrics/cadvisor")).joined(separator: "\n") + "\n"
        try config.write(toFile: dir.file("prometheus.yml"), atomically: true, encoding: .utf8)
        // (`type: Bearer` spelled out: Debian's build sends the bare token otherwise.)
        let port = try freePort()
        let prom = try TestChild(prometheus, ["--config.file", dir.file("prometheus.yml"), "--storage.tsdb.path", dir.file("tsdb"),
                                              "--web.listen-address", "127.0.0.1:\(port)"], output: dir.file("prometheus.log"))
        defer { prom.signal(SIGKILL); prom.waitUntilExit() }
        let http = GantryClient(server: "http://127.0.0.1:\(port)")

        // Every target found by discovery and up.
        let lastTargets = LockedText()
        defer { print("Prometheus targets:\n\(lastTargets.value)") }
        try await eventually(timeout: .seconds(60), interval: .milliseconds(500), "the apiserver, kubelet and cadvisor targets up") {
            guard let t = try? await http.call(.GET, "/api/v1/targets", query: ["state": "active"]) else { return false }
            let active = t[path: ["data", "activeTargets"]]?.arrayValue ?? []
            lastTargets.value = active.map { "\($0[path: ["labels", "job"]]?.stringValue ?? "") \($0["scrapeUrl"]?.stringValue ?? "") \($0["health"]?.stringValue ?? "") \($0["lastError"]?.stringValue ?? "")" }
                .joined(separator: "\n")
            let up = Set(active.filter { $0["health"] == "up" }.compactMap { $0[path: ["labels", "job"]]?.stringValue })
            return up.isSuperset(of: ["apiserver", "kubelet", "cadvisor"])
        }

        func query(_ q: String) async throws -> [JSONValue] {
            let r = try await http.call(.GET, "/api/v1/query", query: ["query": q])
            return r[path: ["data", "result"]]?.arrayValue ?? []
        }
        func value(_ v: JSONValue) -> Double { Double(v[path: ["value"]]?.arrayValue?.last?.stringValue ?? "") ?? -1 }
        try await eventually(timeout: .seconds(30), interval: .milliseconds(500), "the metrics in Prometheus") {
            let lists = try await query(#"apiserver_request_total{job="apiserver",verb="LIST",resource="pods",code="200"}"#)
            let watches = try await query(#"apiserver_longrunning_requests{verb="WATCH"}"#)
            let storage = try await query(#"apiserver_storage_objects{resource="pods"}"#)
            let latency = try await query(#"apiserver_request_duration_seconds_bucket{verb="POST",le="+Inf"}"#)
            let store = try await query(#"etcd_request_duration_seconds_count{operation="create"}"#)
            let queues = try await query(#"workqueue_adds_total{name="endpoints"}"#)
            let depth = try await query(#"workqueue_depth{name="replicaset"}"#)
            let sched = try await query(#"scheduler_schedule_attempts_total{result="scheduled"}"#)
            let running = try await query(#"kubelet_running_pods{job="kubelet"}"#)
            let started = try await query(#"kubelet_pod_start_duration_seconds_count"#)
            let cpu = try await query(#"rate(container_cpu_usage_seconds_total{job="cadvisor",pod="burn",container="burn"}[5s])"#)
            let memory = try await query(#"container_memory_working_set_bytes{job="cadvisor",pod="burn",namespace="default"}"#)
            return !lists.isEmpty && !watches.isEmpty && (storage.first.map(value) ?? 0) >= 1 && !latency.isEmpty && !store.isEmpty
                && !queues.isEmpty && !depth.isEmpty && (sched.first.map(value) ?? 0) >= 1 && (running.first.map(value) ?? 0) >= 1
                && (started.first.map(value) ?? 0) >= 1 && (cpu.first.map(value) ?? 0) > 0.05 && (memory.first.map(value) ?? 0) > 0
        }
        let cpu = try await query(#"rate(container_cpu_usage_seconds_total{pod="burn",container="burn"}[5s])"#)
        print("Prometheus: the burn pod uses \(cpu.first.map(value) ?? -1) cores (limit 0.2)")

        // kubectl top, on metrics.k8s.io from the agents' stats.
        var topNodes = "", topPods = ""
        try await eventually(timeout: .seconds(40), interval: .seconds(1), "kubectl top to show the node and the burn pod") {
            topNodes = (try? await k("top", "nodes")) ?? ""
            topPods = (try? await k("top", "pods", "--containers")) ?? ""
            return topNodes.contains("observe-\(tag)") && topPods.contains("burn")
        }
        print("kubectl top nodes:\n\(topNodes)kubectl top pods --containers:\n\(topPods)")
        let burnLine = try #require(topPods.split(separator: "\n").first { $0.hasPrefix("burn") })
        let fields = burnLine.split(separator: " ", omittingEmptySubsequences: true)
        // POD NAME CPU(cores) MEMORY(bytes): the burner is held near its 200m limit.
        let millicores = Int(fields.count >= 3 ? fields[2].dropLast() : "") ?? 0
        #expect(millicores >= 50 && millicores <= 260, "burn uses \(fields.count >= 3 ? String(fields[2]) : "?") (limit 200m)")
        let metrics = try await client.call(.GET, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burn")
        #expect(metrics["kind"] == "PodMetrics")
        #expect(metrics[path: ["containers"]]?.arrayValue?.first?["name"] == "burn")
        let missing = try? await client.call(.GET, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/none")
        #expect(missing == nil, "metrics of a pod that does not exist")

        // Without the right, a token is refused the metrics.
        _ = try await k("create", "serviceaccount", "nobody", "-n", "default")
        let nobody = try await k("create", "token", "nobody", "-n", "default").trimmingCharacters(in: .whitespacesAndNewlines)
        let refused = try await runCommand("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", dir.file("ca.crt"),
                                                             "-H", "Authorization: Bearer \(nobody)", dev.url + "/metrics"])
        #expect(refused.stdout == "403", "a token without the right got /metrics: \(refused.stdout)")
    }
}

extension ObservabilityTests {
    /// A HorizontalPodAutoscaler made by `kubectl autoscale` scales a Deployment that burns CPU up, and back down
    /// once the burning stops (its scale-down window shortened to 5 s), from metrics.k8s.io on real containers.
    @Test func autoscalerScalesABurningDeploymentUpAndDown() async throws {
        let cluster = try await DevFixture.start(name: "hpa", second: 248, args: ["--horizontal-pod-autoscaler-sync-period", "2s"])
        defer { cluster.stop() }
        let (client, registry) = (cluster.client, cluster.registry)
        func k(_ args: String..., stdin: String? = nil) async throws -> String { try await cluster.kubectl(args, stdin: stdin) }
        // Every replica burns a core's fifth (its limit, twice its request) until the same moment, then idles.
        let until = Int(Date().timeIntervalSince1970) + 55
        _ = try await k("apply", "-f", "-", stdin: """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: burn}
            spec:
              replicas: 1
              selector: {matchLabels: {app: burn}}
              template:
                metadata: {labels: {app: burn}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: burn
                    image: \(registry.image)
                    env: [{name: UNTIL, value: "\(until)"}]
                    command: [sh, -c, 'while [ $(date +%s) -lt $UNTIL ]; do i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; done; exec sleep 3600']
                    resources: {requests: {cpu: 100m}, limits: {cpu: 200m, memory: 32Mi}}
            """)
        _ = try await k("autoscale", "deployment", "burn", "--cpu-percent=50", "--min=1", "--max=3")
        _ = try await k("patch", "hpa", "burn", "--type", "merge", "-p", #"{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":5}}}}"#)
        let hpa = try await client.get(.horizontalPodAutoscalers, namespace: "default", name: "burn")
        #expect(hpa[path: ["spec", "metrics"]]?.arrayValue?.first?[path: ["resource", "target", "averageUtilization"]] == 50)
        #expect(hpa[path: ["spec", "behavior", "scaleUp", "policies"]]?.arrayValue?.isEmpty == false, "behavior defaults not filled in")

        var peak = 1
        try await eventually(timeout: .seconds(70), interval: .seconds(1), "the autoscaler to scale burn up") {
            let d = try await client.get(.deployments, namespace: "default", name: "burn")
            peak = max(peak, Int(d[path: ["spec", "replicas"]]?.intValue ?? 1))
            return peak >= 2
        }
        let upAt = Int(Date().timeIntervalSince1970)
        print("HPA: scaled up to \(peak) replicas \(upAt - (until - 55)) s after the Deployment was made")
        print(try await k("get", "hpa", "burn"))
        let lastSeen = LockedText()
        do {
        try await eventually(timeout: .seconds(100), interval: .seconds(1), "the autoscaler to scale burn back to 1 after the burning stopped") {
            let h = try await client.get(.horizontalPodAutoscalers, namespace: "default", name: "burn")
            lastSeen.value = "\(h["status"] ?? .null)\n" + ((try? await k("top", "pods")) ?? "")
            let d = try await client.get(.deployments, namespace: "default", name: "burn")
            peak = max(peak, Int(d[path: ["spec", "replicas"]]?.intValue ?? 1))
            return d[path: ["spec", "replicas"]] == 1 && Int(Date().timeIntervalSince1970) > until
        }
        } catch {
            print("HPA while waiting to scale down:\n\(lastSeen.value)")
            throw error
        }
        print("HPA: back to 1 replica \(Int(Date().timeIntervalSince1970) - until) s after the burning stopped (peak \(peak))")
        let final = try await client.get(.horizontalPodAutoscalers, namespace: "default", name: "burn")
        let conditions = final[path: ["status", "conditions"]]?.arrayValue ?? []
        #expect(conditions.contains { $0["type"] == "AbleToScale" && $0["status"] == "True" })
        #expect(conditions.contains { $0["type"] == "ScalingActive" && $0["status"] == "True" }, "\(conditions)")
        #expect(final[path: ["status", "lastScaleTime"]] != nil)
        let events = try await k("get", "events", "--field-selector", "involvedObject.name=burn,involvedObject.kind=HorizontalPodAutoscaler",
                                 "-o", "custom-columns=REASON:.reason,MESSAGE:.message")
        print("HPA events:\n\(events)")
        #expect(events.contains("SuccessfulRescale") && events.contains("New size: 1"))
    }
}

/// A `gantry dev` cluster with real runc pods from a local registry on a pod network of its own, its node Ready.
final class DevFixture: @unchecked Sendable {
    let registry: BusyboxRegistry
    let dir: TempDir
    let net: TestPodNetwork
    let dev: GantryProcess
    let client: GantryClient
    let kubectlPath: String
    let tag: String
    let name: String

    private init(registry: BusyboxRegistry, dir: TempDir, net: TestPodNetwork, dev: GantryProcess, client: GantryClient, kubectl: String,
                 tag: String, name: String) {
        self.registry = registry
        self.dir = dir
        self.net = net
        self.dev = dev
        self.client = client
        kubectlPath = kubectl
        self.tag = tag
        self.name = name
    }

    /// Starts it (the node is `NAME-TAG`), on pod network 10.`second`.N.0/24.
    static func start(name: String, second: Int, args: [String] = []) async throws -> DevFixture {
        try requireRoot("runc, overlay mounts and CNI need root")
        _ = try requireExecutable("runc", package: "runc")
        let kubectl = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let registry = try await BusyboxRegistry.start()
        let dir = TempDir("gantry-\(name)")
        let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
        let net: TestPodNetwork
        let dev: GantryProcess
        do {
            net = try await TestPodNetwork.make(bridge: "g\(name.prefix(1))\(tag)", second: second)
            do {
                dev = try await GantryProcess([
                    "dev", "--data-dir", dir.file("state"), "--listen", "127.0.0.1:0", "--node-name", "\(name)-\(tag)",
                    "--bridge", net.bridge, "--pod-cidr", net.cidr, "--agent-port", "0", "--node-ip", "127.0.0.1",
                ] + args, logPath: dir.file("dev.log"))
            } catch {
                net.release()
                throw error
            }
        } catch {
            registry.stop()
            dir.cleanup()
            throw error
        }
        let f = DevFixture(registry: registry, dir: dir, net: net, dev: dev, client: try dev.client(), kubectl: kubectl, tag: tag, name: name)
        do {
            try await eventually(timeout: .seconds(30), "node \(name)-\(tag) Ready") {
                let n = try? await f.client.get(.nodes, namespace: nil, name: "\(name)-\(tag)")
                return n?[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } == true
            }
        } catch {
            f.stop()
            throw error
        }
        return f
    }

    /// kubectl with the admin kubeconfig; fails with its output when it does.
    func kubectl(_ args: [String], stdin: String? = nil) async throws -> String {
        let r = try await runCommand(kubectlPath, dev.kubectlArgs + args, stdin: stdin, environment: ["HOME": dir.path], timeout: .seconds(60))
        guard r.status == 0 else { throw TestFailure("kubectl \(args.joined(separator: " ")) failed: \(r.stderr)\(r.stdout)") }
        return r.stdout
    }

    /// Stops everything, keeping the logs (dev.log and `keeping`) in the temporary directory for a look.
    func stop(keeping: [String] = []) {
        dev.process.terminate()
        for log in ["dev.log"] + keeping {
            if let text = try? String(contentsOfFile: dir.file(log), encoding: .utf8) {
                try? text.write(toFile: NSTemporaryDirectory() + "/gantry-last-\(name)-\(log)", atomically: true, encoding: .utf8)
            }
        }
        scrubNodeState(under: dir.path)
        removeGantryIPTablesState()
        net.release()
        registry.stop()
        _ = try? FileManager.default.removeItem(atPath: dir.path)
    }
}

/// A string shared with a polling closure.
final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    var value: String {
        get { lock.withLock { text } }
        set { lock.withLock { text = newValue } }
    }
}
