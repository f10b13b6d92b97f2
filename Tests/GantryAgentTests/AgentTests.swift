import Foundation
import GantryAgent
import GantryAPI
import GantryAPIServer
import GantryClient
import GantryRuntime
import GantryStore
import GantryTestSupport
import Hummingbird
import Logging
import Testing

/// A control plane on loopback (in-memory store) plus an agent wired to fakes.
struct Harness {
    let client: GantryClient
    let runtime: FakeRuntime
    let images: FakeImageStore
    let network: FakeNetwork
    let dir: TempDir

    static func run(_ body: @escaping @Sendable (Harness) async throws -> Void) async throws {
        try await withLoopbackControlPlane { client in
            let runtime = FakeRuntime()
            let images = FakeImageStore(known: ["busybox:1.36": ImageConfig(entrypoint: nil, cmd: ["sh"], env: ["PATH=/bin"], workingDir: "/")])
            let network = FakeNetwork()
            let dir = TempDir("gantry-agent")
            defer { dir.cleanup() }
            var config = AgentConfig(nodeName: "node-a", dataDir: dir.path)
            config.backoff = RestartBackoff(initial: 0.2, maximum: 1, resetAfter: 600)
            config.statusInterval = .seconds(1)
            config.serverHost = "127.0.0.1"
            config.serverPort = 0
            config.nodeIP = "127.0.0.1"
            var logger = Logger(label: "agent-test")
            logger.logLevel = .warning
            let agent = NodeAgent(client: client, config: config, runtime: runtime, images: images, network: network, logger: logger)
            let tasks = agent.services.map { s in Task { try await s.run() } }
            defer { for t in tasks { t.cancel() } }
            try await body(Harness(client: client, runtime: runtime, images: images, network: network, dir: dir))
        }
    }

    func createPod(_ name: String, spec: JSONValue) async throws {
        var s = spec
        s["nodeName"] = "node-a"
        _ = try await client.create(.pods, namespace: "default", ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)], "spec": s])
    }

    func pod(_ name: String) async throws -> JSONValue { try await client.get(.pods, namespace: "default", name: name) }

    func waitFor(_ name: String, _ what: String, timeout: Duration = .seconds(10), _ check: @escaping (JSONValue) -> Bool) async throws {
        try await eventually(timeout: timeout, "\(name): \(what)") { check(try await pod(name)) }
    }
}

func containerState(_ pod: JSONValue, _ i: Int = 0) -> JSONValue? {
    pod[path: ["status", "containerStatuses"]]?.arrayValue?[i]["state"]
}

@Suite("Node agent with fake runtime", .serialized)
struct AgentTests {
    @Test func registersTheNodeAndRenewsItsLease() async throws {
        try await Harness.run { h in
            try await eventually("node registered") { (try? await h.client.get(.nodes, namespace: nil, name: "node-a")) != nil }
            let node = try await h.client.get(.nodes, namespace: nil, name: "node-a")
            #expect(node[path: ["status", "capacity", "cpu"]] != nil)
            #expect(node[path: ["status", "capacity", "memory"]]?.stringValue?.hasSuffix("Ki") == true)
            #expect(node[path: ["status", "nodeInfo", "containerRuntimeVersion"]] == "fake://1.0")
            #expect(node[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } == true)
            #expect(node[path: ["metadata", "labels", "kubernetes.io/hostname"]] == "node-a")
            try await eventually("the node's lease") { (try? await h.client.get(.leases, namespace: "kube-node-lease", name: "node-a")) != nil }
            let l1 = try await h.client.get(.leases, namespace: "kube-node-lease", name: "node-a")[path: ["spec", "renewTime"]]
            #expect(l1 != nil)
            try await eventually(timeout: .seconds(5), "the lease renewed") {
                try await h.client.get(.leases, namespace: "kube-node-lease", name: "node-a")[path: ["spec", "renewTime"]] != l1
            }
        }
    }

    @Test func runsAPodAndReportsStatus() async throws {
        try await Harness.run { h in
            _ = try await h.client.create(.configMaps, namespace: "default",
                                          ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cfg"], "data": ["greeting": "hi"]])
            try await h.createPod("web", spec: [
                "containers": [[
                    "name": "web", "image": "busybox:1.36", "args": ["echo", "$(GREETING)", "$(POD_NAME)"],
                    "env": [["name": "GREETING", "valueFrom": ["configMapKeyRef": ["name": "cfg", "key": "greeting"]]],
                            ["name": "POD_NAME", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]],
                            ["name": "POD_IP", "valueFrom": ["fieldRef": ["fieldPath": "status.podIP"]]]],
                    "resources": ["limits": ["memory": "64Mi", "cpu": "500m"]],
                ]],
            ])
            try await h.waitFor("web", "Running") { $0[path: ["status", "phase"]] == "Running" }
            let pod = try await h.pod("web")
            #expect(pod[path: ["status", "podIP"]]?.stringValue?.hasPrefix("10.88.0.") == true)
            #expect(containerState(pod)?["running"] != nil)
            #expect(pod[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } == true)
            let spec = try #require(await h.runtime.created.first)
            #expect(spec.args == ["echo", "hi", "web"])
            #expect(spec.env.contains("POD_IP=\(pod[path: ["status", "podIP"]]?.stringValue ?? "")"))
            #expect(spec.resources.memoryLimit == Int64(64 << 20))
            #expect(spec.resources.cpuQuota == 50_000)
            #expect(spec.networkNamespace?.hasPrefix("/var/run/netns/gantry-") == true)
            #expect(spec.mounts.contains { $0.destination == "/etc/hosts" })
        }
    }

    @Test func restartsWithBackoffAndReportsCrashLoop() async throws {
        try await Harness.run { h in
            try await h.createPod("crash", spec: ["containers": [["name": "c", "image": "busybox:1.36", "command": ["false"]]]])
            try await eventually("running") { await !h.runtime.running(named: "c").isEmpty }
            for _ in 0..<2 {
                let id = await h.runtime.running(named: "c").first!
                await h.runtime.finish(id, code: 1)
                try await h.waitFor("crash", "CrashLoopBackOff or restarted") { p in
                    containerState(p)?[path: ["waiting", "reason"]] == "CrashLoopBackOff" || (p[path: ["status", "containerStatuses"]]?.arrayValue?.first?["restartCount"]?.intValue ?? 0) > 0
                }
                try await eventually("restarted") { await !h.runtime.running(named: "c").isEmpty }
            }
            let pod = try await h.pod("crash")
            let cs = pod[path: ["status", "containerStatuses"]]?.arrayValue?.first
            #expect(cs?["restartCount"] == 2)
            #expect(cs?[path: ["lastState", "terminated", "exitCode"]] == 1)
        }
    }

    @Test func restartPolicyNeverAndOOM() async throws {
        try await Harness.run { h in
            try await h.createPod("once", spec: ["restartPolicy": "Never", "containers": [["name": "c", "image": "busybox:1.36"]]])
            try await eventually("running") { await !h.runtime.running(named: "c").isEmpty }
            await h.runtime.finish(await h.runtime.running(named: "c").first!, code: 137, oom: true)
            try await h.waitFor("once", "Failed") { $0[path: ["status", "phase"]] == "Failed" }
            let p = try await h.pod("once")
            #expect(containerState(p)?[path: ["terminated", "reason"]] == "OOMKilled")
            #expect(containerState(p)?[path: ["terminated", "exitCode"]] == 137)
        }
    }

    @Test func initContainersRunInOrderFirst() async throws {
        try await Harness.run { h in
            try await h.createPod("init", spec: [
                "initContainers": [["name": "i1", "image": "busybox:1.36"], ["name": "i2", "image": "busybox:1.36"]],
                "containers": [["name": "main", "image": "busybox:1.36"]],
            ])
            try await eventually("i1 running") { await !h.runtime.running(named: "i1").isEmpty }
            #expect(await h.runtime.running(named: "main").isEmpty)
            #expect(await h.runtime.running(named: "i2").isEmpty)
            await h.runtime.finish(await h.runtime.running(named: "i1").first!, code: 0)
            try await eventually("i2 running") { await !h.runtime.running(named: "i2").isEmpty }
            await h.runtime.finish(await h.runtime.running(named: "i2").first!, code: 0)
            try await eventually("main running") { await !h.runtime.running(named: "main").isEmpty }
            try await h.waitFor("init", "Initialized") { p in
                p[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Initialized" && $0["status"] == "True" } == true
            }
        }
    }

    @Test func imagePullFailuresBackOff() async throws {
        try await Harness.run { h in
            try await h.createPod("nopull", spec: ["containers": [["name": "c", "image": "127.0.0.1:5999/missing:1"]]])
            try await h.waitFor("nopull", "ErrImagePull") { containerState($0)?[path: ["waiting", "reason"]] == "ErrImagePull" }
            try await h.waitFor("nopull", "ImagePullBackOff") { containerState($0)?[path: ["waiting", "reason"]] == "ImagePullBackOff" }
            let p = try await h.pod("nopull")
            #expect(containerState(p)?[path: ["waiting", "message"]]?.stringValue?.contains("manifest unknown") == true)
        }
    }

    @Test func gracefulDeletionRunsPreStopThenRemovesThePod() async throws {
        try await Harness.run { h in
            try await h.createPod("bye", spec: ["terminationGracePeriodSeconds": 1, "containers": [[
                "name": "c", "image": "busybox:1.36", "lifecycle": ["preStop": ["exec": ["command": ["/bin/drain"]]]],
            ]]])
            try await eventually("running") { await !h.runtime.running(named: "c").isEmpty }
            await h.runtime.setIgnoresSIGTERM(true)
            let started = ContinuousClock.now
            try await h.client.delete(.pods, namespace: "default", name: "bye")
            try await eventually("pod object gone") { (try? await h.pod("bye")) == nil }
            // SIGTERM was ignored, so the grace period ran out before SIGKILL.
            #expect(ContinuousClock.now - started >= .milliseconds(900))
            #expect(await h.runtime.execs.contains(["/bin/drain"]))
            #expect(await h.runtime.running(named: "c").isEmpty)
            #expect(await h.network.sandboxes.isEmpty)
        }
    }
}

@Suite("Probes with fake runtime", .serialized)
struct ProbeTests {
    @Test func readinessDrivesReadyAndLivenessRestarts() async throws {
        try await Harness.run { h in
            await h.runtime.setExecResult("ready-check", 1)
            await h.runtime.setExecResult("live-check", 0)
            try await h.createPod("probed", spec: ["containers": [[
                "name": "c", "image": "busybox:1.36",
                "readinessProbe": ["exec": ["command": ["ready-check"]], "periodSeconds": 1, "failureThreshold": 1],
                "livenessProbe": ["exec": ["command": ["live-check"]], "periodSeconds": 1, "failureThreshold": 2],
            ]]])
            try await h.waitFor("probed", "running but not ready") { p in
                containerState(p)?["running"] != nil && p[path: ["status", "containerStatuses"]]?.arrayValue?.first?["ready"] == false
            }
            await h.runtime.setExecResult("ready-check", 0)
            try await h.waitFor("probed", "Ready") { p in
                p[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } == true
            }
            await h.runtime.setExecResult("ready-check", 1)
            try await h.waitFor("probed", "not Ready again") { p in
                p[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "False" } == true
            }
            await h.runtime.setExecResult("live-check", 1)
            try await h.waitFor("probed", "restarted by liveness", timeout: .seconds(15)) { p in
                (p[path: ["status", "containerStatuses"]]?.arrayValue?.first?["restartCount"]?.intValue ?? 0) >= 1
            }
        }
    }
}

@Suite("Logs through the API")
struct LogTests {
    @Test func podLogsAreServedByTheAgentThroughTheAPIServer() async throws {
        try await Harness.run { h in
            try await h.createPod("talker", spec: ["containers": [["name": "c", "image": "busybox:1.36", "command": ["echo", "hello"]]]])
            try await eventually("running") { await !h.runtime.running(named: "c").isEmpty }
            try await eventually("node endpoint") {
                ((try? await h.client.get(.nodes, namespace: nil, name: "node-a"))?[path: ["status", "daemonEndpoints", "kubeletEndpoint", "Port"]]?.intValue ?? 0) > 0
            }
            let r = try await h.client.raw(.GET, "/api/v1/namespaces/default/pods/talker/log")
            #expect(r.status == 200)
            #expect(String(decoding: r.body, as: UTF8.self) == "started echo hello\n")
            let ts = try await h.client.raw(.GET, "/api/v1/namespaces/default/pods/talker/log", query: ["timestamps": "true"])
            #expect(String(decoding: ts.body, as: UTF8.self).hasSuffix("Z started echo hello\n"))
            let prev = try await h.client.raw(.GET, "/api/v1/namespaces/default/pods/talker/log", query: ["previous": "true"])
            #expect(prev.status == 400)
            let bad = try await h.client.raw(.GET, "/api/v1/namespaces/default/pods/talker/log", query: ["container": "nope"])
            #expect(bad.status == 400)
        }
    }

    @Test func criLogRendering() {
        let content = """
            2024-01-01T00:00:01.000000000Z stdout F one
            2024-01-01T00:00:02.000000000Z stderr P tw
            2024-01-01T00:00:02.500000000Z stderr F o
            2024-01-01T00:00:03.000000000Z stdout F three

            """
        var o = CRILog.Options()
        #expect(CRILog.render(content, o) == "one\ntwo\nthree\n")
        o.tailLines = 1
        #expect(CRILog.render(content, o) == "three\n")
        o.tailLines = nil
        o.timestamps = true
        #expect(CRILog.render(content, o).hasPrefix("2024-01-01T00:00:01.000000000Z one\n"))
        o.timestamps = false
        o.limitBytes = 5
        #expect(CRILog.render(content, o) == "one\nt")
    }
}

@Suite("Container setup")
struct ContainerSetupTests {
    @Test func commandAndArgsFollowKubernetesRules() throws {
        let image = ImageConfig(entrypoint: ["/entry"], cmd: ["default"], env: ["A=1"])
        func c(_ command: [String]?, _ args: [String]?) -> Container {
            var x = Container(name: "c", image: "i")
            x.command = command
            x.args = args
            return x
        }
        #expect(ContainerSetup.commandLine(container: c(nil, nil), image: image, env: []) == ["/entry", "default"])
        #expect(ContainerSetup.commandLine(container: c(nil, ["x"]), image: image, env: []) == ["/entry", "x"])
        #expect(ContainerSetup.commandLine(container: c(["/bin/sh"], nil), image: image, env: []) == ["/bin/sh"])
        #expect(ContainerSetup.commandLine(container: c(["echo"], ["$(A)", "$$(A)", "$(B)"]), image: image, env: ["A=1"])
            == ["echo", "1", "$(A)", "$(B)"])
    }

    @Test func resolvConfByPolicy() throws {
        var pod = Pod(metadata: ObjectMeta(name: "p", namespace: "team"))
        pod.spec = PodSpec()
        let host = "nameserver 192.0.2.53\nsearch corp.example\n"
        let cluster = ContainerSetup.resolvConf(pod: pod, clusterDNS: ["10.96.0.10"], clusterDomain: "cluster.local", hostResolvConf: host)
        #expect(cluster.contains("nameserver 10.96.0.10"))
        #expect(cluster.contains("search team.svc.cluster.local svc.cluster.local cluster.local corp.example"))
        #expect(cluster.contains("options ndots:5"))
        pod.spec?.dnsPolicy = "Default"
        #expect(ContainerSetup.resolvConf(pod: pod, clusterDNS: ["10.96.0.10"], clusterDomain: "cluster.local", hostResolvConf: host)
            == "search corp.example\nnameserver 192.0.2.53\n")
        pod.spec?.dnsPolicy = "None"
        pod.spec?.dnsConfig = PodDNSConfig(nameservers: ["1.1.1.1"], searches: ["x"], options: [PodDNSConfigOption(name: "ndots", value: "2")])
        #expect(ContainerSetup.resolvConf(pod: pod, clusterDNS: [], clusterDomain: "cluster.local", hostResolvConf: host)
            == "search x\nnameserver 1.1.1.1\noptions ndots:2\n")
    }

    @Test func backoffDoublesToFiveMinutes() {
        let b = RestartBackoff()
        #expect((0..<7).map { b.delay(restartCount: $0) } == [10, 20, 40, 80, 160, 300, 300])
    }
}
