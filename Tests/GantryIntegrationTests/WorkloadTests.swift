import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// Controllers and the scheduler end to end: `gantry dev` plus a second `gantry agent` on the same host,
/// real containers, real kubectl.
@Suite("Workloads on two nodes", .serialized)
struct WorkloadTests {
    struct Cluster: Sendable {
        let dir: TempDir
        let dev: GantryProcess
        var agent: GantryProcess
        let client: GantryClient
        let kubectl: String
        let registry: BusyboxRegistry
        let tag: String
        let agentArgs: [String]

        func k(_ args: String..., stdin: String? = nil) async throws -> CommandResult {
            try await runCommand(kubectl, dev.kubectlArgs + args, stdin: stdin, environment: ["HOME": dir.path], timeout: .seconds(180))
        }

        @discardableResult
        func mustK(_ args: String..., stdin: String? = nil) async throws -> String {
            let r = try await runCommand(kubectl, dev.kubectlArgs + args, stdin: stdin, environment: ["HOME": dir.path],
                                         timeout: .seconds(180))
            guard r.status == 0 else { throw TestFailure("kubectl \(args.joined(separator: " ")) failed: \(r.stderr)\(r.stdout)") }
            return r.stdout
        }

        func pods(_ selector: String) async throws -> [Pod] {
            try await client.list(Pod.self, namespace: "default", labelSelector: selector).items
        }

        /// Pods of `selector` that are Ready and not being deleted.
        func readyPods(_ selector: String) async throws -> [Pod] {
            try await pods(selector).filter { p in
                p.metadata.deletionTimestamp == nil && p.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
            }
        }
    }

    static func webDeployment(_ name: String, image: String, replicas: Int, extraAnnotations: String = "") -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: \(name)
          annotations: {\(extraAnnotations)}
        spec:
          replicas: \(replicas)
          selector: {matchLabels: {app: \(name)}}
          strategy:
            type: RollingUpdate
            rollingUpdate: {maxUnavailable: 0, maxSurge: 3}
          template:
            metadata:
              labels: {app: \(name)}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - name: web
                image: \(image)
                command: ["sh", "-c", "echo $(hostname) > /www/index.html; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]
                readinessProbe:
                  httpGet: {path: /, port: 8080}
                  periodSeconds: 1
                  # Two busy cores start dozens of containers here: do not call a slow answer a failure.
                  timeoutSeconds: 3
                  failureThreshold: 5
                resources:
                  requests: {cpu: 10m, memory: 16Mi}
        """
    }

    @Test func deploymentsDaemonSetsJobsAndNodeFailure() async throws {
        try requireRoot("runc, overlay mounts and CNI need root")
        _ = try requireExecutable("runc", package: "runc")
        let kubectl = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let registry = try await BusyboxRegistry.start()
        defer { registry.stop() }
        let dir = TempDir("gantry-workloads")
        defer {
            for name in ["dev.log", "agent.log", "agent2.log"] {
                if let log = try? String(contentsOfFile: dir.file(name), encoding: .utf8) {
                    try? log.write(toFile: NSTemporaryDirectory() + "/gantry-workloads-\(name)", atomically: true, encoding: .utf8)
                }
            }
            scrubNodeState(under: dir.path)
            removeGantryIPTablesState()
            _ = try? FileManager.default.removeItem(atPath: dir.path)
        }
        let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
        let netA = try await TestPodNetwork.make(bridge: "ga\(tag)", second: 251)
        var netB = try await TestPodNetwork.make(bridge: "gb\(tag)", second: 251)
        while netB.cidr == netA.cidr { netB = try await TestPodNetwork.make(bridge: "gb\(tag)", second: 251) }
        defer {
            netA.release()
            netB.release()
        }
        let dev = try await GantryProcess([
            "dev", "--data-dir", dir.file("dev"), "--listen", "127.0.0.1:0", "--node-name", "a-\(tag)",
            "--bridge", netA.bridge, "--pod-cidr", netA.cidr, "--agent-port", "0", "--node-ip", "127.0.0.1",
            "--log-level", "debug",
        ], logPath: dir.file("dev.log"))
        let agentArgs = [
            "agent"] + (try dev.agentArgs()) + ["--data-dir", dir.file("agent"), "--node-name", "b-\(tag)",
            "--bridge", netB.bridge, "--pod-cidr", netB.cidr, "--agent-port", "0", "--node-ip", "127.0.0.1",
            // One service proxy and one set of pod routes per host: the dev process's.
            "--no-proxy", "--no-pod-routes",
        ]
        let agent = try await GantryProcess(agentArgs, logPath: dir.file("agent.log"), readyPattern: "agent starting")
        var c = Cluster(dir: dir, dev: dev, agent: agent, client: try dev.client(), kubectl: kubectl, registry: registry,
                        tag: tag, agentArgs: agentArgs)
        let nodeA = "a-\(tag)", nodeB = "b-\(tag)"
        try await eventually(timeout: .seconds(30), "both nodes Ready") {
            let nodes = try await c.client.list(Node.self).items
            return [nodeA, nodeB].allSatisfy { n in
                nodes.contains { $0.name == n && $0.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true }
            }
        }
        let v1 = registry.image
        let v2 = try await registry.push(tag: "2")

        // A CronJob every minute, made with kubectl's generator; it is checked once the minute has turned (below).
        let badSchedule = try await c.k("create", "cronjob", "bad", "--image", v1, "--schedule", "61 * * * *", "--", "true")
        #expect(badSchedule.status != 0 && badSchedule.stderr.contains(
            "spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"), "\(badSchedule.stderr)")
        try await c.mustK("create", "cronjob", "tick", "--image", v1, "--schedule", "* * * * *", "--restart", "Never",
                          "--", "sh", "-c", "echo tick")
        try await c.mustK("patch", "cronjob", "tick", "--type", "merge", "-p",
                          #"{"spec": {"successfulJobsHistoryLimit": 1, "timeZone": "Europe/Berlin"}}"#)
        let cronCreated = Date()

        // A Deployment reaches 5, then 10 ready replicas, spread over both nodes by the scheduler.
        try await c.mustK("apply", "-f", "-", stdin: Self.webDeployment("web", image: v1, replicas: 5))
        try await eventually(timeout: .seconds(60), "5 ready replicas") { try await c.readyPods("app=web").count == 5 }
        try await c.mustK("scale", "deployment/web", "--replicas=10")
        try await eventually(timeout: .seconds(60), "10 ready replicas") { try await c.readyPods("app=web").count == 10 }
        let spread = Dictionary(grouping: try await c.readyPods("app=web")) { $0.spec?.nodeName ?? "" }
        #expect(spread[nodeA]?.count ?? 0 >= 3 && spread[nodeB]?.count ?? 0 >= 3, "replicas not spread: \(spread.mapValues(\.count))")

        // A rolling update with maxUnavailable 0 never has fewer than 10 ready, and rollout status succeeds.
        let watched = c
        let watcher = Task {
            var fewest = Int.max
            while !Task.isCancelled {
                if let n = try? await watched.readyPods("app=web").count { fewest = min(fewest, n) }
                try? await Task.sleep(for: .milliseconds(50))
            }
            return fewest
        }
        try await c.mustK("set", "image", "deployment/web", "web=\(v2)")
        let status = try await c.k("rollout", "status", "deployment/web", "--timeout=150s")
        watcher.cancel()
        let fewest = await watcher.value
        #expect(status.status == 0, "rollout status: \(status.stderr)")
        #expect(status.stdout.contains("successfully rolled out"))
        #expect(fewest >= 10, "ready replicas dropped to \(fewest) during the rollout")
        let afterUpdate = try await c.readyPods("app=web")
        #expect(afterUpdate.count == 10 && afterUpdate.allSatisfy { $0.spec?.containers?.first?.image == v2 })
        let history = try await c.mustK("rollout", "history", "deployment/web")
        #expect(history.contains("1 ") && history.contains("2 "), "history: \(history)")

        // rollout undo restores the old image.
        try await c.mustK("rollout", "undo", "deployment/web")
        let undone = try await c.k("rollout", "status", "deployment/web", "--timeout=150s")
        #expect(undone.status == 0, "rollout status after undo: \(undone.stderr)")
        let dep = try await c.client.get(Deployment.self, namespace: "default", name: "web")
        #expect(dep.spec?.template?.spec?.containers?.first?.image == v1)
        #expect(dep.metadata.annotations?["deployment.kubernetes.io/revision"] == "3")
        try await eventually(timeout: .seconds(60), "10 ready replicas of the old image") {
            let ready = try await c.readyPods("app=web")
            return ready.count == 10 && ready.allSatisfy { $0.spec?.containers?.first?.image == v1 }
        }

        // Auto-rollback: a new version that exits 1 is rolled back to the last good one by itself.
        try await c.mustK("apply", "-f", "-", stdin: Self.webDeployment("flaky", image: v1, replicas: 2,
                                                                        extraAnnotations: "gantry.io/auto-rollback: \"true\""))
        try await eventually(timeout: .seconds(60), "flaky ready") { try await c.readyPods("app=flaky").count == 2 }
        try await c.mustK("patch", "deployment/flaky", "--type=json",
                          "-p", #"[{"op":"replace","path":"/spec/template/spec/containers/0/command","value":["sh","-c","exit 1"]}]"#)
        try await eventually(timeout: .seconds(90), "flaky rolled back") {
            let d = try await c.client.get(Deployment.self, namespace: "default", name: "flaky")
            return d.spec?.template?.spec?.containers?.first?.command?.last?.contains("httpd") == true
                && d.status?.conditions?.contains { $0.type == "RolledBack" && $0.status == "True" } == true
        }
        let events = try await c.client.list(Event.self, namespace: "default").items.filter { $0.involvedObject?.name == "flaky" }
        #expect(events.contains { $0.reason == "RolledBack" && ($0.message ?? "").contains("CrashLoopBackOff") },
                "events: \(events.map { "\($0.reason ?? ""): \($0.message ?? "")" })")
        let flakyStatus = try await c.k("rollout", "status", "deployment/flaky", "--timeout=90s")
        #expect(flakyStatus.status == 0, "flaky rollout status: \(flakyStatus.stderr)")

        // A DaemonSet runs one pod on each node.
        try await c.mustK("apply", "-f", "-", stdin: """
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: everywhere}
            spec:
              selector: {matchLabels: {app: everywhere}}
              template:
                metadata: {labels: {app: everywhere}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers: [{name: sleep, image: "\(v1)", command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]}]
            """)
        try await eventually(timeout: .seconds(60), "a DaemonSet pod on each node") {
            let running = try await c.pods("app=everywhere").filter { $0.status?.phase == "Running" }
            return Set(running.compactMap(\.spec?.nodeName)) == [nodeA, nodeB] && running.count == 2
        }
        try await eventually(timeout: .seconds(20), "DaemonSet status") {
            let ds = try await c.client.get(DaemonSet.self, namespace: "default", name: "everywhere")
            return ds.status?.desiredNumberScheduled == 2 && ds.status?.numberReady == 2
        }

        // A Job runs to completion; another fails past its backoffLimit.
        try await c.mustK("apply", "-f", "-", stdin: """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: works}
            spec:
              completions: 3
              parallelism: 2
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: work, image: "\(v1)", command: ["sh", "-c", "echo done"]}]
            ---
            apiVersion: batch/v1
            kind: Job
            metadata: {name: fails}
            spec:
              backoffLimit: 0
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: work, image: "\(v1)", command: ["sh", "-c", "exit 3"]}]
            """)
        let waitComplete = try await c.k("wait", "--for=condition=complete", "job/works", "--timeout=90s")
        #expect(waitComplete.status == 0, "job works: \(waitComplete.stderr)")
        let works = try await c.client.get(Job.self, namespace: "default", name: "works")
        #expect(works.status?.succeeded == 3)
        let waitFailed = try await c.k("wait", "--for=condition=failed", "job/fails", "--timeout=60s")
        #expect(waitFailed.status == 0, "job fails: \(waitFailed.stderr)")
        let fails = try await c.client.get(Job.self, namespace: "default", name: "fails")
        #expect(fails.status?.conditions?.contains { $0.type == "Failed" && $0.reason == "BackoffLimitExceeded" } == true)

        // The CronJob ran on the minute in its time zone; its Job completed; the table, a manual run and history work.
        try await eventually(timeout: .seconds(75), interval: .seconds(1), "the CronJob's first run completed") {
            let cj = try await c.client.get(CronJob.self, namespace: "default", name: "tick")
            return cj.status?.lastSuccessfulTime != nil && cj.status?.lastScheduleTime != nil
        }
        let cj = try await c.client.get(CronJob.self, namespace: "default", name: "tick")
        let scheduled = try #require(cj.status?.lastScheduleTime.flatMap { ISO8601DateFormatter().date(from: $0) })
        #expect(scheduled.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) == 0 && scheduled > cronCreated.addingTimeInterval(-60))
        let runs = try await c.client.list(Job.self, namespace: "default").items.filter {
            $0.metadata.ownerReferences?.first?.kind == "CronJob" && $0.metadata.ownerReferences?.first?.name == "tick"
        }
        #expect(runs.contains { $0.name == "tick-\(Int64(scheduled.timeIntervalSince1970 / 60))" }, "\(runs.map(\.name))")
        #expect(runs.first?.metadata.annotations?["batch.kubernetes.io/cronjob-scheduled-timestamp"]?.hasSuffix("+01:00") == true)
        let table = try await c.mustK("get", "cronjobs")
        #expect(table.contains("SCHEDULE") && table.contains("TIMEZONE") && table.contains("* * * * *") && table.contains("Europe/Berlin"), "\(table)")
        // Suspended, it starts no more runs; the history grows to 3 so that a run that raced the suspend (started
        // at the minute boundary before the controller saw it) cannot push the manual one out of a history of 1.
        // (Trimming to the limits is checked by CronJobPlanTests.)
        try await c.mustK("patch", "cronjob", "tick", "--type", "merge", "-p",
                          #"{"spec": {"suspend": true, "successfulJobsHistoryLimit": 3}}"#)
        try await c.mustK("create", "job", "tick-manual", "--from=cronjob/tick")
        let manualWait = try await c.k("wait", "--for=condition=complete", "job/tick-manual", "--timeout=60s")
        #expect(manualWait.status == 0, "\(manualWait.stderr)")
        try await c.mustK("delete", "cronjob", "tick")
        try await eventually(timeout: .seconds(30), "the CronJob's Jobs deleted with it") {
            try await c.client.list(Job.self, namespace: "default").items.allSatisfy {
                $0.metadata.ownerReferences?.first?.name != "tick" || $0.metadata.deletionTimestamp != nil
            }
        }

        // A PodDisruptionBudget holds a drain back until it allows a disruption; the eviction API answers 429.
        try await c.mustK("apply", "-f", "-", stdin: """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: guarded}
            spec:
              replicas: 2
              selector: {matchLabels: {app: guarded}}
              template:
                metadata: {labels: {app: guarded}}
                spec:
                  terminationGracePeriodSeconds: 1
                  affinity:
                    podAntiAffinity:
                      requiredDuringSchedulingIgnoredDuringExecution:
                      - {labelSelector: {matchLabels: {app: guarded}}, topologyKey: kubernetes.io/hostname}
                  containers:
                  - name: web
                    image: \(v1)
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
            ---
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata: {name: guarded}
            spec:
              minAvailable: 2
              selector: {matchLabels: {app: guarded}}
            """)
        let both = try await c.k("apply", "-f", "-", stdin: """
            {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "both"},
             "spec": {"minAvailable": 1, "maxUnavailable": "10%", "selector": {"matchLabels": {"app": "x"}}}}
            """)
        #expect(both.status != 0 && both.stderr.contains("minAvailable and maxUnavailable cannot be both set"), "\(both.stderr)")
        try await eventually(timeout: .seconds(60), "guarded on both nodes, its budget counted") {
            let pdb = try await c.client.get(PodDisruptionBudget.self, namespace: "default", name: "guarded")
            return try await c.readyPods("app=guarded").count == 2 && pdb.status?.currentHealthy == 2
                && pdb.status?.desiredHealthy == 2 && pdb.status?.expectedPods == 2 && pdb.status?.disruptionsAllowed == 0
        }
        #expect(try await c.mustK("get", "pdb", "guarded").contains("ALLOWED DISRUPTIONS"))
        let onNodeB = try #require(try await c.readyPods("app=guarded").first { $0.spec?.nodeName == nodeB })
        let refused = try await c.client.raw(.POST, "/api/v1/namespaces/default/pods/\(onNodeB.name)/eviction", body: JSONValue.object([
            "apiVersion": "policy/v1", "kind": "Eviction", "metadata": ["name": .string(onNodeB.name), "namespace": "default"],
        ]).serialized())
        #expect(refused.status == 429, "\(String(decoding: refused.body, as: UTF8.self))")
        let refusal = try JSONValue.parse(refused.body)
        #expect(refusal["message"] == "Cannot evict pod as it would violate the pod's disruption budget.")
        #expect(refusal[path: ["details", "causes"]]?.arrayValue?.first?["message"]
            == "The disruption budget guarded needs 2 healthy pods and has 2 currently")
        let held = try await c.k("drain", nodeB, "--pod-selector", "app=guarded", "--timeout", "8s")
        #expect(held.status != 0 && held.stderr.contains("Cannot evict pod as it would violate the pod's disruption budget"), "\(held.stderr)")
        try await c.mustK("patch", "pdb", "guarded", "--type", "merge", "-p", #"{"spec": {"minAvailable": 1}}"#)
        try await eventually(timeout: .seconds(20), "the budget allows one disruption") {
            try await c.client.get(PodDisruptionBudget.self, namespace: "default", name: "guarded").status?.disruptionsAllowed == 1
        }
        let drained = try await c.k("drain", nodeB, "--pod-selector", "app=guarded", "--timeout", "60s")
        #expect(drained.status == 0 && drained.stdout.contains("evicted"), "\(drained.stdout) \(drained.stderr)")
        #expect(try await c.readyPods("app=guarded").map { $0.spec?.nodeName } == [nodeA])
        try await c.mustK("uncordon", nodeB)
        try await eventually(timeout: .seconds(60), "guarded back on both nodes") {
            Set(try await c.readyPods("app=guarded").compactMap(\.spec?.nodeName)) == [nodeA, nodeB]
        }
        try await c.mustK("delete", "deployment", "guarded")
        try await c.mustK("delete", "pdb", "guarded")

        // PriorityClasses: the system ones exist, admission fills in priorities, and a high-priority pod that fits
        // nowhere preempts a low-priority one.
        #expect(try await c.mustK("get", "priorityclass", "system-node-critical", "-o", "jsonpath={.value}") == "2000001000")
        let cpu = try await c.client.get(Node.self, name: nodeA).status?.allocatable?["cpu"]?.milliValue ?? 2000
        let share = "\(cpu * 6 / 10)m"
        try await c.mustK("apply", "-f", "-", stdin: """
            apiVersion: scheduling.k8s.io/v1
            kind: PriorityClass
            metadata: {name: low}
            value: 10
            ---
            apiVersion: scheduling.k8s.io/v1
            kind: PriorityClass
            metadata: {name: high}
            value: 1000
            description: "for the test's important pod"
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: batch}
            spec:
              replicas: 2
              selector: {matchLabels: {app: batch}}
              template:
                metadata: {labels: {app: batch}}
                spec:
                  priorityClassName: low
                  terminationGracePeriodSeconds: 1
                  affinity:
                    podAntiAffinity:
                      requiredDuringSchedulingIgnoredDuringExecution:
                      - {labelSelector: {matchLabels: {app: batch}}, topologyKey: kubernetes.io/hostname}
                  containers:
                  - name: work
                    image: \(v1)
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
                    resources: {requests: {cpu: \(share)}}
            """)
        try await eventually(timeout: .seconds(60), "the low-priority pods on both nodes") {
            try await c.readyPods("app=batch").count == 2
        }
        #expect(try await c.pods("app=batch").allSatisfy { $0.spec?.priority == 10 && $0.spec?.preemptionPolicy == "PreemptLowerPriority" })
        let missing = try await c.k("run", "nope", "--image", v1, "--overrides", #"{"spec": {"priorityClassName": "missing"}}"#)
        #expect(missing.stderr.contains("no PriorityClass with name missing was found"), "\(missing.stderr)")
        try await c.mustK("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Pod
            metadata: {name: important, labels: {app: important}}
            spec:
              priorityClassName: high
              terminationGracePeriodSeconds: 1
              containers:
              - name: work
                image: \(v1)
                command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
                resources: {requests: {cpu: \(share)}}
            """)
        try await eventually(timeout: .seconds(60), "the important pod running after preempting one") {
            try await c.readyPods("app=important").count == 1
        }
        let important = try await c.client.get(Pod.self, namespace: "default", name: "important")
        #expect(important.spec?.priority == 1000)
        let preemptions = try await c.mustK("get", "events", "--field-selector", "reason=Preempted", "-o", "jsonpath={.items[*].message}")
        #expect(preemptions.contains("Preempted by pod \(important.metadata.uid ?? "?") on node \(important.spec?.nodeName ?? "?")"), "\(preemptions)")
        try await eventually(timeout: .seconds(30), "the preempted replica's replacement waits") {
            let batch = try await c.pods("app=batch").filter { $0.metadata.deletionTimestamp == nil }
            return batch.count == 2 && batch.filter { ($0.spec?.nodeName ?? "").isEmpty }.count == 1
        }
        try await c.mustK("delete", "pod", "important")
        try await c.mustK("delete", "deployment", "batch")

        // Deleting a Deployment leaves no ReplicaSets or Pods.
        try await c.mustK("delete", "deployment", "web", "flaky")
        try await eventually(timeout: .seconds(60), "web's ReplicaSets and Pods gone") {
            let rs = try await c.client.list(ReplicaSet.self, namespace: "default").items
            let pods = try await c.pods("app in (web,flaky)")
            return rs.isEmpty && pods.isEmpty
        }
        try await c.mustK("delete", "daemonset", "everywhere")
        try await c.mustK("delete", "job", "works", "fails")

        // Node failure: kill -9 the second agent; its replicas come back on the first node within seconds.
        try await c.mustK("apply", "-f", "-", stdin: Self.webDeployment("survivor", image: v1, replicas: 4))
        try await eventually(timeout: .seconds(60), "survivor on both nodes") {
            let ready = try await c.readyPods("app=survivor")
            return ready.count == 4 && Set(ready.compactMap(\.spec?.nodeName)) == [nodeA, nodeB]
        }
        let onB = try await c.readyPods("app=survivor").filter { $0.spec?.nodeName == nodeB }.count
        try await c.agent.stop(signal: SIGKILL)
        let killedAt = ContinuousClock.now
        try await eventually(timeout: .seconds(30), interval: .milliseconds(50), "4 survivor replicas ready on \(nodeA)") {
            try await c.readyPods("app=survivor").filter { $0.spec?.nodeName == nodeA }.count == 4
        }
        let recovery = ContinuousClock.now - killedAt
        print("node failure: \(onB) replicas on the killed node; all 4 ready on the other node \(recovery) after kill -9")
        #expect(recovery < .seconds(15))
        let b = try await c.client.get(Node.self, name: nodeB)
        #expect(b.status?.conditions?.first { $0.type == "Ready" }?.status == "Unknown")
        #expect(b.spec?.taints?.contains { $0.key == "node.kubernetes.io/unreachable" && $0.effect == "NoExecute" } == true)

        // The agent comes back: the node is Ready and untainted again, and it finishes the evicted pods.
        c.agent = try await GantryProcess(agentArgs, logPath: dir.file("agent2.log"), readyPattern: "agent starting")
        try await eventually(timeout: .seconds(30), "\(nodeB) Ready without taints, its old pods gone") {
            let n = try await c.client.get(Node.self, name: nodeB)
            let pods = try await c.pods("app=survivor")
            return n.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
                && (n.spec?.taints ?? []).isEmpty && pods.count == 4
        }
        // cordon and drain: the second node's pods move to the first, and it gets none until uncordoned.
        try await c.mustK("scale", "deployment/survivor", "--replicas=6")
        try await eventually(timeout: .seconds(60), "survivor scaled onto \(nodeB)") {
            let ready = try await c.readyPods("app=survivor")
            return ready.count == 6 && ready.contains { $0.spec?.nodeName == nodeB }
        }
        let drain = try await c.k("drain", nodeB, "--ignore-daemonsets", "--timeout=90s")
        #expect(drain.status == 0, "drain: \(drain.stderr)")
        try await eventually(timeout: .seconds(60), "all 6 ready on \(nodeA) after the drain") {
            let ready = try await c.readyPods("app=survivor")
            return ready.count == 6 && ready.allSatisfy { $0.spec?.nodeName == nodeA }
        }
        let cordoned = try await c.client.get(Node.self, name: nodeB)
        #expect(cordoned.spec?.unschedulable == true)
        #expect(cordoned.spec?.taints?.contains { $0.key == "node.kubernetes.io/unschedulable" } == true)
        try await c.mustK("uncordon", nodeB)
        try await eventually(timeout: .seconds(10), "\(nodeB) uncordoned") {
            let n = try await c.client.get(Node.self, name: nodeB)
            return n.spec?.unschedulable != true && (n.spec?.taints ?? []).isEmpty
        }
        try await c.mustK("delete", "deployment", "survivor")
        try await eventually(timeout: .seconds(30), "all pods gone") { try await c.client.list(Pod.self, namespace: "default").items.isEmpty }
        let agentStatus = try await c.agent.stop()
        #expect(agentStatus == 0, "agent exit status \(agentStatus): \(((try? String(contentsOfFile: dir.file("agent2.log"), encoding: .utf8)) ?? "").suffix(3000))")
        let devStatus = try await c.dev.stop()
        #expect(devStatus == 0, "dev exit status \(devStatus)")
    }
}
