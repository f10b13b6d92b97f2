import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// `gantry dev` end to end: real runc, a real registry, real CNI plugins, real kubectl.
@Suite("gantry dev with real containers", .serialized)
struct DevClusterTests {
    @Test func podsRunAsRealContainers() async throws {
        try requireRoot("runc, overlay mounts and CNI need root")
        _ = try requireExecutable("runc", package: "runc")
        let kubectl = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let registry = try await BusyboxRegistry.start()
        defer { registry.stop() }
        let dir = TempDir("gantry-dev")
        defer {
            // Keep the logs of a failed run for a look.
            for name in ["dev.log", "dev2.log"] {
                if let log = try? String(contentsOfFile: dir.file(name), encoding: .utf8) {
                    try? log.write(toFile: NSTemporaryDirectory() + "/gantry-last-\(name)", atomically: true, encoding: .utf8)
                }
            }
            scrubNodeState(under: dir.path)
            removeGantryIPTablesState()
            _ = try? FileManager.default.removeItem(atPath: dir.path)
        }
        let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
        let net = try await TestPodNetwork.make(bridge: "gd\(tag)", second: 252)
        defer { net.release() }
        let podPrefix = String(net.cidr.dropLast(4))  // "10.252.N."
        let devArgs = [
            "dev", "--data-dir", dir.file("state"), "--listen", "127.0.0.1:0", "--node-name", "dev-\(tag)",
            "--bridge", net.bridge, "--pod-cidr", net.cidr, "--agent-port", "0", "--node-ip", "127.0.0.1",
        ]
        var dev = try await GantryProcess(devArgs, logPath: dir.file("dev.log"))
        var client = try dev.client()

        // The node registers and is Ready.
        try await eventually(timeout: .seconds(20), "node dev-\(tag) Ready") {
            let n = try? await client.get(.nodes, namespace: nil, name: "dev-\(tag)")
            return n?[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } == true
        }
        let node = try await client.get(.nodes, namespace: nil, name: "dev-\(tag)")
        #expect(node[path: ["status", "nodeInfo", "containerRuntimeVersion"]]?.stringValue?.hasPrefix("runc://") == true)

        // A web server pod with config from a ConfigMap, a readiness probe and an unscheduled start.
        _ = try await client.create(.configMaps, namespace: "default",
                                    ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "web"], "data": ["MESSAGE": "hello from gantry"]])
        _ = try await client.create(.pods, namespace: "default", [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web", "labels": ["app": "web"]],
            "spec": [
                "terminationGracePeriodSeconds": 5,
                "containers": [[
                    "name": "web", "image": .string(registry.image),
                    "command": ["sh", "-c", "echo \"$MESSAGE\" > /www/index.html; echo started $(hostname); trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"],
                    "envFrom": [["configMapRef": ["name": "web"]]],
                    "ports": [["containerPort": 8080, "name": "http"]],
                    "readinessProbe": ["httpGet": ["path": "/", "port": "http"], "periodSeconds": 1],
                    "resources": ["limits": ["memory": "64Mi", "cpu": "500m"]],
                ]],
            ],
        ])
        try await eventually(timeout: .seconds(60), "pod web Ready") {
            let p = try await client.get(.pods, namespace: "default", name: "web")
            return p[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } == true
        }
        let pod = try await client.get(.pods, namespace: "default", name: "web")
        #expect(pod[path: ["spec", "nodeName"]] == .string("dev-\(tag)"))
        #expect(pod[path: ["status", "phase"]] == "Running")
        let ip = pod[path: ["status", "podIP"]]?.stringValue ?? ""
        #expect(ip.hasPrefix(podPrefix))
        let cs = pod[path: ["status", "containerStatuses"]]?.arrayValue?.first
        #expect(cs?["containerID"]?.stringValue?.hasPrefix("runc://") == true)
        #expect(cs?["imageID"]?.stringValue?.hasPrefix("sha256:") == true)
        #expect(cs?[path: ["state", "running", "startedAt"]] != nil)

        // The container's shim is the runc-shim installed next to gantry (which `swift build` builds), else
        // `gantry runc-shim`.
        let gantryPath = URL(fileURLWithPath: try GantryProcess.binary()).resolvingSymlinksInPath().path
        let standaloneShim = URL(fileURLWithPath: gantryPath).deletingLastPathComponent().appendingPathComponent("runc-shim").path
        let webID = String((cs?["containerID"]?.stringValue ?? "").dropFirst("runc://".count))
        let shimPid = (try? String(contentsOfFile: dir.file("state") + "/agent/runtime/bundles/\(webID)/shim.pid", encoding: .utf8)) ?? "?"
        let shimExe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(shimPid)/exe")) ?? "(no process)"
        #expect(shimExe == (FileManager.default.isExecutableFile(atPath: standaloneShim) ? standaloneShim : gantryPath),
                "the shim of container \(webID) (pid \(shimPid)) runs \(shimExe)")

        // The pod has its own IP and serves on it.
        let curl = try await runCommand(try requireExecutable("curl", package: "curl"), ["-s", "--max-time", "5", "http://\(ip):8080/"])
        #expect(curl.stdout == "hello from gantry\n")

        // Logs through kubectl.
        let logs = try await runCommand(kubectl, dev.kubectlArgs + ["logs", "web"], environment: ["HOME": dir.path])
        #expect(logs.stdout == "started web\n", "\(logs.stderr)")

        // kubectl exec (WebSocket v5.channel.k8s.io through the API server to the agent).
        let env = ["HOME": dir.path]
        let exec1 = try await runCommand(kubectl, dev.kubectlArgs + ["exec", "web", "--", "cat", "/www/index.html"], environment: env)
        #expect(exec1.stdout == "hello from gantry\n", "\(exec1.stderr)")
        #expect(exec1.status == 0)
        let exec2 = try await runCommand(kubectl, dev.kubectlArgs + ["exec", "web", "--", "sh", "-c", "echo out; echo err >&2; exit 4"],
                                         environment: env)
        #expect(exec2.status == 4, "\(exec2.stderr)")
        #expect(exec2.stdout == "out\n")
        #expect(exec2.stderr.contains("err"))
        let exec3 = try await runCommand(kubectl, dev.kubectlArgs + ["exec", "-i", "web", "--", "tr", "a-z", "A-Z"],
                                         stdin: "shout\n", environment: env)
        #expect(exec3.stdout == "SHOUT\n", "\(exec3.stderr)")
        let exec4 = try await runCommand(kubectl, dev.kubectlArgs + ["exec", "web", "-c", "nope", "--", "true"], environment: env)
        #expect(exec4.status != 0)

        // The same through gantry's own CLI.
        let gantry = try GantryProcess.binary()
        let genv = dev.clientEnvironment.merging(["HOME": dir.path]) { a, _ in a }
        let g1 = try await runCommand(gantry, ["exec", "web", "--", "cat", "/www/index.html"], environment: genv)
        #expect(g1.stdout == "hello from gantry\n", "\(g1.stderr)")
        let g2 = try await runCommand(gantry, ["exec", "web", "--", "sh", "-c", "exit 5"], environment: genv)
        #expect(g2.status == 5)
        let g3 = try await runCommand(gantry, ["exec", "-i", "web", "--", "wc", "-c"], stdin: "12345", environment: genv)
        #expect(g3.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "5", "\(g3.stderr)")
        let g4 = try await runCommand(gantry, ["logs", "web", "--tail", "1"], environment: genv)
        #expect(g4.stdout == "started web\n")

        // Stats: the summary through the API server, and gantry top.
        let summary = try await client.call(.GET, "/api/v1/nodes/dev-\(tag)/proxy/stats/summary")
        #expect(summary[path: ["node", "nodeName"]] == .string("dev-\(tag)"))
        let webStats = summary["pods"]?.arrayValue?.first { $0[path: ["podRef", "name"]] == "web" }
        #expect((webStats?[path: ["containers"]]?.arrayValue?.first?[path: ["memory", "workingSetBytes"]]?.intValue ?? 0) > 0, "\(summary)")
        let top = try await runCommand(gantry, ["top", "pods"], environment: genv)
        #expect(top.stdout.contains("web") && top.stdout.contains("Mi"), "\(top.stdout)\(top.stderr)")
        let topNodes = try await runCommand(gantry, ["top", "nodes"], environment: genv)
        #expect(topNodes.stdout.contains("dev-\(tag)") && topNodes.stdout.contains("%"), "\(topNodes.stdout)\(topNodes.stderr)")

        // Volumes: secret, projected (configMap + downward API), emptyDir shared by two containers.
        _ = try await client.create(.secrets, namespace: "default",
                                    ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "creds"], "stringData": ["password": "s3cret"]])
        _ = try await client.create(.pods, namespace: "default", [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "vols", "labels": ["tier": "db"]],
            "spec": [
                "terminationGracePeriodSeconds": 1,
                "volumes": [
                    ["name": "creds", "secret": ["secretName": "creds"]],
                    ["name": "info", "projected": ["sources": [
                        ["configMap": ["name": "web", "items": [["key": "MESSAGE", "path": "message.txt"]]]],
                        ["downwardAPI": ["items": [["path": "labels", "fieldRef": ["fieldPath": "metadata.labels"]],
                                                   ["path": "name", "fieldRef": ["fieldPath": "metadata.name"]]]]],
                    ]]],
                    ["name": "shared", "emptyDir": [:]],
                ],
                "containers": [
                    ["name": "a", "image": .string(registry.image), "command": ["sh", "-c", "echo from-a > /shared/a; trap 'exit 0' TERM; sleep 3600 & wait"],
                     "volumeMounts": [["name": "creds", "mountPath": "/creds", "readOnly": true], ["name": "info", "mountPath": "/info"],
                                      ["name": "shared", "mountPath": "/shared"]]],
                    ["name": "b", "image": .string(registry.image), "command": ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
                     "volumeMounts": [["name": "shared", "mountPath": "/data"]]],
                ],
            ],
        ])
        try await eventually(timeout: .seconds(30), "pod vols Running") {
            try await client.get(.pods, namespace: "default", name: "vols")[path: ["status", "phase"]] == "Running"
        }
        func execOut(_ c: String, _ cmd: String) async throws -> String {
            try await runCommand(gantry, ["exec", "vols", "-c", c, "--", "sh", "-c", cmd], environment: genv).stdout
        }
        #expect(try await execOut("a", "cat /creds/password") == "s3cret")
        #expect(try await execOut("a", "cat /info/message.txt") == "hello from gantry")
        #expect(try await execOut("a", "cat /info/name") == "vols")
        #expect(try await execOut("a", "cat /info/labels") == "tier=\"db\"")
        try await eventually("shared emptyDir") { try await execOut("b", "cat /data/a") == "from-a\n" }
        #expect(try await execOut("a", "touch /creds/x 2>&1 || echo read-only").contains("read-only"))

        // Every container gets the ServiceAccount's credentials (a token bound to the pod, the CA, the namespace) and
        // the kubernetes Service's variables: what an in-cluster client library reads.
        let sa = "/var/run/secrets/kubernetes.io/serviceaccount"
        #expect(try await execOut("b", "cat \(sa)/namespace") == "default")
        #expect(try await execOut("b", "cat \(sa)/ca.crt").hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(try await execOut("a", "echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT") == "10.96.0.1:443\n")
        let podToken = try await execOut("a", "cat \(sa)/token")
        #expect(podToken.split(separator: ".").count == 3)
        let asPod = try GantryClient(server: dev.url, credentials: ClientCredentials(
            caPEM: try String(contentsOfFile: dir.file("state/server/pki/server-ca.crt"), encoding: .utf8), token: podToken))
        // Its Role allows listing pods in its namespace, and nothing more.
        await #expect(throws: GantryError.self) { _ = try await asPod.list(.pods, namespace: "default") }
        _ = try await client.create(.roles, namespace: "default", [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "pod-reader"],
            "rules": [["apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]]]])
        _ = try await client.create(.roleBindings, namespace: "default", [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "pod-reader"],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"],
            "subjects": [["kind": "ServiceAccount", "name": "default", "namespace": "default"]]])
        try await eventually("the pod's token lists pods") { (try? await asPod.list(.pods, namespace: "default")) != nil }
        do {
            _ = try await asPod.list(.secrets, namespace: "default")
            Issue.record("the pod's token listed secrets")
        } catch let e as GantryError {
            #expect(e.code == .forbidden && e.message.contains("User \"system:serviceaccount:default:default\" cannot list resource \"secrets\""), "\(e)")
        }
        await #expect(throws: GantryError.self) { _ = try await asPod.list(.pods, namespace: "kube-system") }
        try await client.delete(.pods, namespace: "default", name: "vols")
        // Bound to the pod: once the pod is gone the token is refused.
        try await eventually("the token of a deleted pod is refused") {
            do { _ = try await asPod.list(.pods, namespace: "default"); return false } catch let e as GantryError { return e.code == .unauthorized }
        }

        // A failing container with restartPolicy Never ends Failed with its exit code; its output is kept.
        _ = try await client.create(.pods, namespace: "default", [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "fail"],
            "spec": ["restartPolicy": "Never", "containers": [["name": "c", "image": .string(registry.image), "command": ["sh", "-c", "echo boom; exit 3"]]]],
        ])
        try await eventually(timeout: .seconds(30), "pod fail Failed") {
            try await client.get(.pods, namespace: "default", name: "fail")[path: ["status", "phase"]] == "Failed"
        }
        let failed = try await client.get(.pods, namespace: "default", name: "fail")
        #expect(failed[path: ["status", "containerStatuses"]]?.arrayValue?.first?[path: ["state", "terminated", "exitCode"]] == 3)
        let failLogs = try await client.raw(.GET, "/api/v1/namespaces/default/pods/fail/log")
        #expect(String(decoding: failLogs.body, as: UTF8.self) == "boom\n")
        // Following the log of a finished container prints it and ends.
        let follow = try await runCommand(kubectl, dev.kubectlArgs + ["logs", "-f", "fail"], environment: ["HOME": dir.path],
                                          timeout: .seconds(20))
        #expect(follow.stdout == "boom\n", "\(follow.stderr)")

        // A memory hog is OOMKilled; a crasher backs off and restarts; a missing image is ErrImagePull with
        // the registry's message.
        _ = try await client.create(.pods, namespace: "default", [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "hog"],
            "spec": ["restartPolicy": "Never", "containers": [[
                "name": "c", "image": .string(registry.image), "command": ["sh", "-c", "head -c 96m /dev/zero | tail > /dev/null"],
                "resources": ["limits": ["memory": "32Mi"]],
            ]]],
        ])
        _ = try await client.create(.pods, namespace: "default", [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "crasher"],
            "spec": ["containers": [["name": "c", "image": .string(registry.image), "command": ["sh", "-c", "echo crashing; exit 1"]]]],
        ])
        _ = try await client.create(.pods, namespace: "default", [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "noimage"],
            "spec": ["containers": [["name": "c", "image": .string("\(registry.address)/test/missing:1")]]],
        ])
        try await eventually(timeout: .seconds(30), "hog OOMKilled") {
            let p = try await client.get(.pods, namespace: "default", name: "hog")
            return p[path: ["status", "containerStatuses"]]?.arrayValue?.first?[path: ["state", "terminated", "reason"]] == "OOMKilled"
        }
        let hog = try await client.get(.pods, namespace: "default", name: "hog")
        #expect(hog[path: ["status", "containerStatuses"]]?.arrayValue?.first?[path: ["state", "terminated", "exitCode"]] == 137)
        #expect(hog[path: ["status", "phase"]] == "Failed")
        try await eventually(timeout: .seconds(30), "crasher in CrashLoopBackOff") {
            let c = try await client.get(.pods, namespace: "default", name: "crasher")[path: ["status", "containerStatuses"]]?.arrayValue?.first
            return c?[path: ["state", "waiting", "reason"]] == "CrashLoopBackOff" && (c?["restartCount"]?.intValue ?? 0) >= 1
        }
        try await eventually(timeout: .seconds(30), "noimage ErrImagePull or ImagePullBackOff") {
            let w = try await client.get(.pods, namespace: "default", name: "noimage")[path: ["status", "containerStatuses"]]?.arrayValue?.first?[path: ["state", "waiting"]]
            let reason = w?["reason"]?.stringValue ?? ""
            return (reason == "ErrImagePull" || reason == "ImagePullBackOff") && (w?["message"]?.stringValue ?? "").contains("manifest unknown")
        }
        for name in ["hog", "crasher", "noimage"] { try await client.delete(.pods, namespace: "default", name: name) }

        // Containers outlive the agent: after `gantry dev` is killed and restarted, the same container is adopted.
        let containerID = cs?["containerID"]
        try await dev.stop(signal: SIGKILL)
        #expect(try await runCommand(try requireExecutable("curl", package: "curl"), ["-s", "--max-time", "5", "http://\(ip):8080/"]).stdout
            == "hello from gantry\n")
        dev = try await GantryProcess(devArgs, logPath: dir.file("dev2.log"))
        client = try dev.client()
        try await eventually(timeout: .seconds(30), "pod web Ready after the restart") {
            let p = try await client.get(.pods, namespace: "default", name: "web")
            return p[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } == true
        }
        let adopted = try await client.get(.pods, namespace: "default", name: "web")[path: ["status", "containerStatuses"]]?.arrayValue?.first
        #expect(adopted?["containerID"] == containerID)
        #expect(adopted?["restartCount"] == 0)

        // Deleting a pod stops it gracefully, tears down its network, and the object goes away.
        let netns = "/var/run/netns/gantry-" + String((pod[path: ["metadata", "uid"]]?.stringValue ?? "").prefix(18))
        #expect(FileManager.default.fileExists(atPath: netns))
        try await client.delete(.pods, namespace: "default", name: "web")
        try await eventually(timeout: .seconds(20), "pod web gone") {
            (try? await client.get(.pods, namespace: "default", name: "web")) == nil
        }
        #expect(!FileManager.default.fileExists(atPath: netns))
        let after = try await runCommand(try requireExecutable("curl", package: "curl"), ["-s", "--max-time", "2", "http://\(ip):8080/"])
        #expect(after.status != 0)
        try await client.delete(.pods, namespace: "default", name: "fail")
        try await eventually(timeout: .seconds(20), "pod fail gone") {
            (try? await client.get(.pods, namespace: "default", name: "fail")) == nil
        }
        // The node's image store through the CLI.
        let agentDir = dir.file("state") + "/agent"
        let ls = try await runCommand(gantry, ["image", "ls", "--data-dir", agentDir])
        #expect(ls.stdout.contains(registry.image), "\(ls.stdout)\(ls.stderr)")
        let pull = try await runCommand(gantry, ["image", "pull", "--data-dir", agentDir, registry.image])
        #expect(pull.status == 0 && pull.stdout.contains("sha256:"), "\(pull.stderr)")
        let missing = try await runCommand(gantry, ["image", "pull", "--data-dir", agentDir, "\(registry.address)/test/nope:1"])
        #expect(missing.status != 0 && missing.stderr.contains("manifest unknown"), "\(missing.stderr)")
        // `gantry dev` stops its pods when it exits.
        _ = try await client.create(.pods, namespace: "default", [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "leftover"],
            "spec": ["terminationGracePeriodSeconds": 2, "containers": [["name": "c", "image": .string(registry.image), "command": ["sleep", "3600"]]]],
        ])
        try await eventually(timeout: .seconds(30), "leftover Running") {
            try await client.get(.pods, namespace: "default", name: "leftover")[path: ["status", "phase"]] == "Running"
        }
        let leftoverNetns = "/var/run/netns/gantry-" + String((try await client.get(.pods, namespace: "default", name: "leftover")[path: ["metadata", "uid"]]?.stringValue ?? "").prefix(18))
        #expect(FileManager.default.fileExists(atPath: leftoverNetns))
        #expect(try await dev.stop(signal: SIGTERM, timeout: .seconds(60)) == 0)
        #expect(!FileManager.default.fileExists(atPath: leftoverNetns))
        let shims = try await runCommand("/bin/sh", ["-c", "ps -eo args | grep -c '[r]unc-shim.*\(dir.path)' || true"])
        #expect(shims.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "shims left: \(shims.stdout)")
        _ = try? await runCommand("/sbin/ip", ["link", "delete", "gd\(tag)"])
    }
}
