import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

let manifest = """
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: web-config
    data:
      greeting: hello
    ---
    apiVersion: v1
    kind: Secret
    metadata:
      name: web-secret
    stringData:
      password: s3cret
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      type: NodePort
      selector:
        app: web
      ports:
      - port: 80
        targetPort: 8080
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels:
        app: web
    spec:
      replicas: REPLICAS
      selector:
        matchLabels:
          app: web
      template:
        metadata:
          labels:
            app: web
        spec:
          containers:
          - name: web
            image: busybox:1.36
            command: ["httpd", "-f", "-p", "8080"]
            ports:
            - containerPort: 8080
    """

/// Drives the real `gantry server` binary with the real kubectl.
@Suite("kubectl against gantry server", .serialized)
struct KubectlTests {
    struct Kubectl {
        let path: String
        /// What points kubectl at the server (`--kubeconfig FILE`).
        let server: [String]
        let home: String

        @discardableResult
        func run(_ args: String..., stdin: String? = nil) async throws -> CommandResult {
            try await runCommand(path, server + ["--cache-dir", home + "/cache"] + args, stdin: stdin,
                                 environment: ["HOME": home, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"])
        }

        /// Runs and requires success, returning stdout.
        func ok(_ args: String..., stdin: String? = nil) async throws -> String {
            let r = try await runCommand(path, server + ["--cache-dir", home + "/cache"] + args, stdin: stdin,
                                         environment: ["HOME": home, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"])
            if r.status != 0 {
                throw TestFailure("kubectl \(args.joined(separator: " ")) failed (\(r.status)): \(r.stderr)\(r.stdout)")
            }
            return r.stdout
        }
    }

    @Test func theDoneWhenScenario() async throws {
        let kubectlPath = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let dir = TempDir("gantry-kubectl")
        defer { dir.cleanup() }
        let data = dir.file("data")
        var server = try await GantryProcess(["server", "--data-dir", data, "--listen", "127.0.0.1:0"], logPath: dir.file("server.log"))
        let k = Kubectl(path: kubectlPath, server: server.kubectlArgs, home: dir.path)
        let file = dir.file("app.yaml")

        // Namespaces.
        // kubectl's generators send protobuf bodies.
        #expect(try await k.ok("create", "namespace", "demo").contains("namespace/demo created"))
        #expect(try await k.ok("create", "deployment", "gen", "--image=busybox:1.36", "--replicas=2", "-n", "demo")
            .contains("deployment.apps/gen created"))
        #expect(try await k.ok("get", "deploy", "gen", "-n", "demo", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}")
            == "2 busybox:1.36")
        #expect(try await k.ok("create", "configmap", "gen", "--from-literal=a=b", "-n", "demo").contains("created"))
        #expect(try await k.ok("create", "secret", "generic", "gen", "--from-literal=p=q", "-n", "demo").contains("created"))
        #expect(try await k.ok("get", "secret", "gen", "-n", "demo", "-o", "jsonpath={.data.p}") == Data("q".utf8).base64EncodedString())
        let nsTable = try await k.ok("get", "namespaces")
        #expect(nsTable.contains("NAME") && nsTable.contains("STATUS") && nsTable.contains("demo"))
        #expect(nsTable.contains("kube-system") && nsTable.contains("kube-node-lease"))

        // apply: created, then unchanged, then configured after a change.
        try manifest.replacingOccurrences(of: "REPLICAS", with: "2").write(toFile: file, atomically: true, encoding: .utf8)
        let first = try await k.ok("apply", "-f", file)
        for line in ["configmap/web-config created", "secret/web-secret created", "service/web created", "deployment.apps/web created"] {
            #expect(first.contains(line), "\(first)")
        }
        let second = try await k.ok("apply", "-f", file)
        for line in ["configmap/web-config unchanged", "service/web unchanged", "deployment.apps/web unchanged"] {
            #expect(second.contains(line), "\(second)")
        }
        try manifest.replacingOccurrences(of: "REPLICAS", with: "3").write(toFile: file, atomically: true, encoding: .utf8)
        let third = try await k.ok("apply", "-f", file)
        #expect(third.contains("deployment.apps/web configured"), "\(third)")
        #expect(third.contains("configmap/web-config unchanged"), "\(third)")

        // jsonpath, the allocated cluster IP and node port, yaml and json output.
        #expect(try await k.ok("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}") == "3")
        let clusterIP = try await k.ok("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")
        #expect(clusterIP.hasPrefix("10.96."), "\(clusterIP)")
        let nodePort = Int(try await k.ok("get", "svc", "web", "-o", "jsonpath={.spec.ports[0].nodePort}")) ?? 0
        #expect((30000...32767).contains(nodePort))
        #expect(try await k.ok("get", "secret", "web-secret", "-o", "jsonpath={.data.password}") == Data("s3cret".utf8).base64EncodedString())
        #expect(try await k.ok("get", "cm", "web-config", "-o", "yaml").contains("greeting: hello"))
        let json = try JSONValue.parse(try await k.ok("get", "deploy", "web", "-o", "json"))
        #expect(json[path: ["spec", "strategy", "type"]] == "RollingUpdate")

        // Tables with proper columns.
        let deployTable = try await k.ok("get", "deployments")
        #expect(deployTable.split(separator: "\n").first?.split(separator: " ", omittingEmptySubsequences: true)
            == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"])
        let svcTable = try await k.ok("get", "svc", "-o", "wide")
        #expect(svcTable.contains("CLUSTER-IP") && svcTable.contains(clusterIP) && svcTable.contains("80:\(nodePort)/TCP")
            && svcTable.contains("SELECTOR"))
        // The controllers made the Deployment's pods; with no node they wait for one.
        try await eventually(timeout: .seconds(10), "3 pending web pods") {
            let pods = try await k.ok("get", "pods", "-A", "-l", "app=web")
            return pods.split(separator: "\n").filter { $0.contains("web-") && $0.contains("Pending") }.count == 3
        }
        #expect(try await k.ok("get", "cm").contains("DATA"))

        // Label and select.
        _ = try await k.ok("label", "deploy", "web", "tier=frontend")
        #expect(try await k.ok("get", "deploy", "-l", "tier=frontend", "-o", "name") == "deployment.apps/web\n")
        #expect(try await k.ok("get", "deploy", "-l", "tier in (backend)", "-o", "name").isEmpty)

        // Scale: generation goes up.
        let gen = Int(try await k.ok("get", "deploy", "web", "-o", "jsonpath={.metadata.generation}")) ?? 0
        #expect(try await k.ok("scale", "deploy", "web", "--replicas=5").contains("scaled"))
        #expect(try await k.ok("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}") == "5")
        #expect(Int(try await k.ok("get", "deploy", "web", "-o", "jsonpath={.metadata.generation}")) == gen + 1)
        _ = try await k.ok("set", "image", "deploy/web", "web=busybox:1.37")
        #expect(try await k.ok("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "busybox:1.37")
        _ = try await k.ok("annotate", "deploy", "web", "owner=team-a")
        _ = try await k.ok("rollout", "restart", "deploy/web")
        #expect(try await k.ok("get", "deploy", "web", "-o", "jsonpath={.spec.template.metadata.annotations}").contains("restartedAt"))

        // Watch: a new object shows up within a second.
        // Watch: a new object shows up within a second.
        async let watched = k.run("get", "configmaps", "--watch", "-o", "name", "--request-timeout=8s")
        let stream = try await server.client().watch(.configMaps, namespace: "default",
                                                                      fieldSelector: "metadata.name=watched")
        try await Task.sleep(for: .milliseconds(3000))
        _ = try await k.ok("create", "-f", "-", stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n")
        let createdAt = ContinuousClock.now
        var it = stream.makeAsyncIterator()
        let event = try await it.next()
        #expect(event?.type == "ADDED")
        #expect(ContinuousClock.now - createdAt < .seconds(1), "the watch saw the new object more than a second after it was created")
        let w = try await watched
        #expect(w.stdout.contains("configmap/watched"), "kubectl watch (\(w.status)) saw: \(w.stdout) \(w.stderr)")

        // Invalid input: a clear error naming the field, nothing stored.
        let bad = manifest.replacingOccurrences(of: "REPLICAS", with: "-3").replacingOccurrences(of: "name: web\n  labels", with: "name: bad\n  labels")
        let badDoc = bad.components(separatedBy: "---").last!
        let invalid = try await k.run("apply", "-f", "-", stdin: badDoc)
        #expect(invalid.status != 0)
        #expect(invalid.stderr.contains("spec.replicas"), "\(invalid.stderr)")
        #expect(invalid.stderr.contains("Invalid value: -3"), "\(invalid.stderr)")
        let notStored = try await k.run("get", "deploy", "bad")
        #expect(notStored.status != 0 && notStored.stderr.contains("NotFound"))

        // A PUT with a stale resourceVersion is a 409.
        var stale = try JSONValue.parse(try await k.ok("get", "deploy", "web", "-o", "json"))
        stale[path: ["metadata", "resourceVersion"]] = "2"
        stale[path: ["spec", "replicas"]] = 1
        let replace = try await k.run("replace", "-f", "-", stdin: stale.jsonString())
        #expect(replace.status != 0)
        #expect(replace.stderr.contains("Conflict") && replace.stderr.contains("the object has been modified"), "\(replace.stderr)")

        // Restart: everything is there again.
        let rvBefore = try await k.ok("get", "deploy", "web", "-o", "jsonpath={.metadata.resourceVersion}")
        #expect(try await server.stop(signal: SIGTERM) == 0)
        server = try await GantryProcess(["server", "--data-dir", data, "--listen", "127.0.0.1:0"], logPath: dir.file("server2.log"))
        let k2 = Kubectl(path: kubectlPath, server: server.kubectlArgs, home: dir.path)
        #expect(try await k2.ok("get", "deploy", "web", "-o", "jsonpath={.metadata.resourceVersion}") == rvBefore)
        #expect(try await k2.ok("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}") == "5")
        #expect(try await k2.ok("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}") == clusterIP)
        #expect(try await k2.ok("get", "ns", "demo", "-o", "name") == "namespace/demo\n")
        // A new Service after the restart does not reuse an allocated address.
        _ = try await k2.ok("create", "-f", "-", stdin: "apiVersion: v1\nkind: Service\nmetadata:\n  name: other\nspec:\n  ports:\n  - port: 81\n")
        #expect(try await k2.ok("get", "svc", "other", "-o", "jsonpath={.spec.clusterIP}") != clusterIP)

        // Delete.
        #expect(try await k2.ok("delete", "-f", file).contains("deployment.apps \"web\" deleted"))
        let gone = try await k2.run("get", "deploy", "web")
        #expect(gone.status != 0 && gone.stderr.contains("NotFound"))
        #expect(try await k2.ok("delete", "namespace", "demo").contains("deleted"))
        try await eventually(timeout: .seconds(10), "namespace demo to go away") {
            try await k2.run("get", "ns", "demo").status != 0
        }
        try await server.stop()
    }

    /// Ingress and IngressClass as objects (their controller comes later): kubectl's generator, the default class,
    /// the table, validation with Kubernetes' messages, an immutable controller.
    @Test func ingressesAndClasses() async throws {
        let kubectlPath = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let dir = TempDir("gantry-ingress")
        defer { dir.cleanup() }
        let server = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0", "--no-controllers"],
                                             logPath: dir.file("server.log"))
        let k = Kubectl(path: kubectlPath, server: server.kubectlArgs, home: dir.path)
        _ = try await k.ok("apply", "-f", "-", stdin: """
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata:
              name: edge
              annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
            spec:
              controller: example.com/edge
            """)
        #expect(try await k.ok("create", "ingress", "web", "--rule=demo.example.com/*=web:80,tls=web-tls", "--rule=/api=api:http")
            .contains("ingress.networking.k8s.io/web created"))
        #expect(try await k.ok("get", "ingress", "web", "-o", "jsonpath={.spec.ingressClassName} {.spec.rules[0].http.paths[0].pathType} {.spec.tls[0].secretName}")
            == "edge Prefix web-tls")
        let table = try await k.ok("get", "ingress,ingressclass")
        for column in ["CLASS", "HOSTS", "ADDRESS", "PORTS", "CONTROLLER", "demo.example.com", "80, 443", "example.com/edge"] {
            #expect(table.contains(column), "\(column): \(table)")
        }
        let ip = try await k.run("create", "ingress", "byip", "--rule=10.0.0.1/x=web:80")
        #expect(ip.stderr.contains("spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address"), "\(ip.stderr)")
        let bad = try await k.run("apply", "-f", "-", stdin: """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: bad}
            spec:
              rules:
              - host: "*.example.com"
                http:
                  paths:
                  - {path: foo, pathType: Prefix, backend: {service: {name: web}}}
            """)
        #expect(bad.stderr.contains("spec.rules[0].http.paths[0].path: Invalid value: \"foo\": must be an absolute path"), "\(bad.stderr)")
        #expect(bad.stderr.contains("spec.rules[0].http.paths[0].backend.service.port: Required value"), "\(bad.stderr)")
        #expect(try await k.run("get", "ingress", "bad").status != 0)
        let moved = try await k.run("patch", "ingressclass", "edge", "--type", "merge", "-p", #"{"spec": {"controller": "example.com/other"}}"#)
        #expect(moved.stderr.contains("spec.controller: Invalid value: \"example.com/other\": field is immutable"), "\(moved.stderr)")
        try await server.stop()
    }

    /// LimitRange admission: containers get the namespace's defaults, and pods beyond min, max or the ratio are
    /// refused with Kubernetes' messages; an inconsistent LimitRange is a 422.
    @Test func limitRanges() async throws {
        let kubectlPath = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let dir = TempDir("gantry-limits")
        defer { dir.cleanup() }
        let server = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0", "--no-controllers"],
                                             logPath: dir.file("server.log"))
        let k = Kubectl(path: kubectlPath, server: server.kubectlArgs, home: dir.path)
        _ = try await k.ok("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: LimitRange
            metadata: {name: limits}
            spec:
              limits:
              - type: Container
                default: {cpu: 500m, memory: 256Mi}
                defaultRequest: {cpu: 100m}
                max: {memory: 1Gi}
                min: {cpu: 50m}
                maxLimitRequestRatio: {cpu: "10"}
            """)
        // Kubernetes' defaulting of the LimitRange itself: defaultRequest takes what default has.
        #expect(try await k.ok("get", "limits", "limits", "-o", "jsonpath={.spec.limits[0].defaultRequest.memory}") == "256Mi")
        _ = try await k.ok("run", "plain", "--image", "busybox:1.36")
        #expect(try await k.ok("get", "pod", "plain", "-o", "jsonpath={.spec.containers[0].resources.requests.cpu} {.spec.containers[0].resources.limits.memory}")
            == "100m 256Mi")
        let big = try await k.run("run", "big", "--image", "busybox:1.36", "--overrides",
                                  #"{"spec": {"containers": [{"name": "big", "image": "busybox:1.36", "resources": {"limits": {"memory": "2Gi"}, "requests": {"cpu": "10m"}}}]}}"#)
        #expect(big.stderr.contains("pods \"big\" is forbidden: [minimum cpu usage per Container is 50m, but request is 10m, maximum memory usage per Container is 1Gi, but limit is 2Gi"), "\(big.stderr)")
        #expect(try await k.run("get", "pod", "big").status != 0)
        let bad = try await k.run("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: LimitRange
            metadata: {name: bad}
            spec:
              limits:
              - {type: Container, min: {cpu: "2"}, max: {cpu: "1"}}
            """)
        #expect(bad.stderr.contains("min value 2 is greater than max value 1"), "\(bad.stderr)")
        try await server.stop()
    }

    /// ResourceQuota: usage counted at creation, creates beyond `hard` refused with Kubernetes' messages (compute,
    /// object counts, `count/<resource>`), containers that do not state a constrained resource refused, concurrent
    /// creates never over-admitted, and usage given back when objects go.
    @Test func serverSideApplyOwnsFieldsAndReportsConflicts() async throws {
        let kubectlPath = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let dir = TempDir("gantry-ssa")
        defer { dir.cleanup() }
        let server = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0", "--no-controllers"],
                                             logPath: dir.file("server.log"))
        let k = Kubectl(path: kubectlPath, server: server.kubectlArgs, home: dir.path)
        func deployment(replicas: Int, sidecar: Bool, port: Bool = true) -> String {
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, labels: {app: web, tier: front}}
            spec:
              replicas: \(replicas)
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - name: web
                    image: busybox:1.36
            \(port ? "        ports: [{containerPort: 80}]\n" : "")\(sidecar ? "      - {name: side, image: busybox:1.36}\n" : "")
            """
        }
        #expect(try await k.ok("apply", "--server-side", "-f", "-", stdin: deployment(replicas: 2, sidecar: true)).contains("serverside-applied"))
        let managers = try await k.ok("get", "deploy", "web", "--show-managed-fields", "-o",
                                      "jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation} {end}")
        #expect(managers == "kubectl/Apply ")
        let fields = try await k.ok("get", "deploy", "web", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[0].fieldsV1}")
        #expect(fields.contains(#""k:{\"name\":\"web\"}":{".":{}"#) && fields.contains(#""f:replicas":{}"#), "\(fields)")

        // Another manager changes replicas; applying a different value conflicts, naming the field and the manager.
        _ = try await k.ok("scale", "deploy", "web", "--replicas", "3")
        let conflict = try await k.run("apply", "--server-side", "-f", "-", stdin: deployment(replicas: 5, sidecar: true))
        #expect(conflict.status != 0)
        #expect(conflict.stderr.contains(#"Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas"#), "\(conflict.stderr)")
        #expect(try await k.ok("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}") == "3", "nothing written on a conflict")
        // Applying the value it has now shares the field; --force-conflicts takes it over.
        _ = try await k.ok("apply", "--server-side", "-f", "-", stdin: deployment(replicas: 3, sidecar: true))
        _ = try await k.ok("apply", "--server-side", "--force-conflicts", "-f", "-", stdin: deployment(replicas: 5, sidecar: true))
        #expect(try await k.ok("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}") == "5")
        // Fields the manager no longer applies are removed: a container, a port, a label.
        var config = deployment(replicas: 5, sidecar: false, port: false).replacingOccurrences(of: ", tier: front", with: "")
        _ = try await k.ok("apply", "--server-side", "-f", "-", stdin: config)
        #expect(try await k.ok("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[*].name}|{.spec.template.spec.containers[0].ports}|{.metadata.labels}") == #"web||{"app":"web"}"#)
        // A label another manager added stays when the applier drops its own.
        _ = try await k.ok("label", "deploy", "web", "owner=ops")
        config = config.replacingOccurrences(of: "labels: {app: web}}\nspec", with: "labels: {app: web, env: dev}}\nspec")
        _ = try await k.ok("apply", "--server-side", "-f", "-", stdin: config)
        _ = try await k.ok("apply", "--server-side", "-f", "-", stdin: config.replacingOccurrences(of: ", env: dev", with: ""))
        #expect(try await k.ok("get", "deploy", "web", "-o", "jsonpath={.metadata.labels}") == #"{"app":"web","owner":"ops"}"#)
        // A dry run changes nothing; kubectl diff (server-side dry run) sees no difference for what is applied.
        let diff = try await k.run("diff", "--server-side", "-f", "-", stdin: config.replacingOccurrences(of: ", env: dev", with: ""))
        #expect(diff.status == 0, "kubectl diff: \(diff.stdout)\(diff.stderr)")
        let changed = try await k.run("diff", "--server-side", "-f", "-", stdin: deployment(replicas: 7, sidecar: false, port: false))
        #expect(changed.status == 1 && changed.stdout.contains("+  replicas: 7"), "\(changed.stdout)\(changed.stderr)")

        // Client-side apply, then server-side: kubectl moves the ownership over and keys removed since go.
        _ = try await k.ok("apply", "-f", "-", stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: '1', b: '2'}\n")
        _ = try await k.ok("apply", "--server-side", "-f", "-", stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: '1', c: '3'}\n")
        #expect(try await k.ok("get", "cm", "cfg", "-o", "jsonpath={.data}") == #"{"a":"1","c":"3"}"#)
        // And back to client-side apply: the annotation the server kept lets it remove what is gone.
        _ = try await k.ok("apply", "-f", "-", stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: '1', d: '4'}\n")
        #expect(try await k.ok("get", "cm", "cfg", "-o", "jsonpath={.data}") == #"{"a":"1","d":"4"}"#)

        // apply --prune deletes the labelled objects no longer in the set (kubectl's default list of kinds to
        // prune includes ReplicationController, which is served).
        let set = { (names: [String]) in
            names.map { "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \($0), labels: {set: demo}}\ndata: {x: '1'}\n" }.joined(separator: "---\n")
        }
        _ = try await k.ok("apply", "-l", "set=demo", "--prune", "-f", "-", stdin: set(["p1", "p2"]))
        _ = try await k.ok("apply", "-l", "set=demo", "--prune", "-f", "-", stdin: set(["p1"]))
        #expect(try await k.ok("get", "cm", "-l", "set=demo", "-o", "name") == "configmap/p1\n")

        // The API's own answers: apply needs a field manager; force only goes with apply.
        let client = try server.client()
        do {
            _ = try await client.call(.PATCH, "/api/v1/namespaces/default/configmaps/cfg", body: ["data": ["z": "1"]],
                                      contentType: PatchType.apply.rawValue)
            Issue.record("an apply without fieldManager was accepted")
        } catch let e as GantryError {
            #expect(e.code == .badRequest && e.message.contains("fieldManager is required"), "\(e)")
        }
    }

    @Test func eventsInBothVersions() async throws {
        let kubectlPath = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let dir = TempDir("gantry-events")
        defer { dir.cleanup() }
        let server = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0", "--no-controllers"],
                                             logPath: dir.file("server.log"))
        let k = Kubectl(path: kubectlPath, server: server.kubectlArgs, home: dir.path)
        // A new-style event (as client-go's events/v1 recorder writes it) is a core Event too, and back.
        _ = try await k.ok("create", "-f", "-", stdin: """
            apiVersion: events.k8s.io/v1
            kind: Event
            metadata: {name: e1}
            eventTime: "2026-12-07T06:30:00.000000Z"
            reportingController: example.com/ctl
            reportingInstance: ctl-1
            action: Sync
            reason: Synced
            note: all good
            type: Normal
            regarding: {kind: ConfigMap, name: x, namespace: default}
            """)
        #expect(try await k.ok("get", "event", "e1", "-o", "jsonpath={.involvedObject.name} {.message} {.reportingComponent}") == "x all good example.com/ctl")
        #expect(try await k.ok("get", "events.v1.events.k8s.io", "e1", "-o", "jsonpath={.regarding.name} {.note}") == "x all good")
        let table = try await k.ok("get", "events", "--field-selector", "involvedObject.name=x")
        #expect(table.contains("Synced") && table.contains("configmap/x") && !table.contains("<unknown>"), "\(table)")
        _ = try await k.ok("create", "-f", "-", stdin: "apiVersion: v1\nkind: Event\nmetadata: {name: e2}\ninvolvedObject: {kind: Pod, name: p}\nreason: Old\nmessage: from core\ncount: 3\n")
        #expect(try await k.ok("get", "events.v1.events.k8s.io", "e2", "-o", "jsonpath={.regarding.name} {.note} {.deprecatedCount}") == "p from core 3")
        let missing = try await k.run("create", "-f", "-", stdin: "apiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: e3}\nreason: X\n")
        #expect(missing.stderr.contains("eventTime: Required value") && missing.stderr.contains("reportingController: Required value"), "\(missing.stderr)")
    }

    @Test func resourceQuotas() async throws {
        let kubectlPath = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let dir = TempDir("gantry-quota")
        defer { dir.cleanup() }
        let server = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0", "--no-controllers"],
                                             logPath: dir.file("server.log"))
        let k = Kubectl(path: kubectlPath, server: server.kubectlArgs, home: dir.path)
        _ = try await k.ok("create", "configmap", "before", "--from-literal=a=b")
        _ = try await k.ok("create", "quota", "q", "--hard=pods=5,requests.cpu=1,configmaps=3,count/deployments.apps=1")
        // Usage is counted when the quota is created (kube-root-ca.crt and "before").
        #expect(try await k.ok("get", "quota", "q", "-o", "jsonpath={.status.used.configmaps} {.status.hard.pods}") == "2 5")
        let pod = { (name: String, cpu: String) in
            #"{"spec": {"containers": [{"name": "\#(name)", "image": "busybox:1.36", "resources": {"requests": {"cpu": "\#(cpu)"}}}]}}"#
        }
        _ = try await k.ok("run", "a", "--image", "busybox:1.36", "--overrides", pod("a", "600m"))
        let noRequest = try await k.run("run", "b", "--image", "busybox:1.36")
        #expect(noRequest.stderr.contains(#"pods "b" is forbidden: failed quota: q: must specify requests.cpu for: b"#), "\(noRequest.stderr)")
        let over = try await k.run("run", "b", "--image", "busybox:1.36", "--overrides", pod("b", "500m"))
        #expect(over.stderr.contains(#"pods "b" is forbidden: exceeded quota: q, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1"#),
                "\(over.stderr)")
        _ = try await k.ok("create", "deployment", "d1", "--image", "busybox:1.36")
        let d2 = try await k.run("create", "deployment", "d2", "--image", "busybox:1.36")
        #expect(d2.stderr.contains(#"deployments.apps "d2" is forbidden: exceeded quota: q, requested: count/deployments.apps=1"#), "\(d2.stderr)")
        #expect(try await k.ok("describe", "quota", "q").contains("requests.cpu            600m  1"))
        // Concurrent creates: 12 pods of 10m race for the 4 pods left; exactly 4 get in.
        let client = try server.client()
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<12 {
                group.addTask {
                    let body: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string("race-\(i)")],
                                           "spec": ["containers": [["name": "c", "image": "busybox:1.36",
                                                                    "resources": ["requests": ["cpu": "10m"]]]]]]
                    return (try? await client.create(.pods, namespace: "default", body)) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 4)
        #expect(try await k.ok("get", "quota", "q", "-o", "jsonpath={.status.used.pods}") == "5")
        // Deletions give the quota back (the recount).
        _ = try await k.ok("delete", "pod", "a", "--grace-period=0", "--force")
        try await eventually(timeout: .seconds(10), "the quota's usage after the deletion") {
            try await k.ok("get", "quota", "q", "-o", "jsonpath={.status.used.pods} {.status.used.requests\\.cpu}") == "4 40m"
        }
        _ = try await k.ok("run", "b", "--image", "busybox:1.36", "--overrides", pod("b", "500m"))
        // A quota with a negative or malformed hard limit is a 422; scopes are refused as unsupported.
        let bad = try await k.run("create", "quota", "bad", "--hard=pods=-1")
        #expect(bad.stderr.contains("spec.hard[pods]: Invalid value: \"-1\": must be greater than or equal to 0"), "\(bad.stderr)")
        try await server.stop()
    }

    /// StatefulSet with the real controllers (no agent: the test plays the kubelet and marks pods Running and
    /// Ready): stable names, hostnames and subdomains, OrderedReady creation one pod at a time, `kubectl rollout
    /// status`, a rolling update from the highest ordinal down, scale-down from the highest ordinal, and the
    /// spec fields Kubernetes forbids changing.
    @Test func statefulSets() async throws {
        let kubectlPath = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let dir = TempDir("gantry-sts")
        defer { dir.cleanup() }
        let server = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0"],
                                             logPath: dir.file("server.log"))
        let k = Kubectl(path: kubectlPath, server: server.kubectlArgs, home: dir.path)
        _ = try await k.ok("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: web}
            spec:
              serviceName: web
              replicas: 3
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers: [{name: app, image: "busybox:1.36", command: [sleep, "3600"]}]
            """)
        func pods() async throws -> [String] {
            try await k.ok("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}").split(separator: " ").map(String.init).sorted()
        }
        func markReady(_ name: String) async throws {
            _ = try await k.ok("patch", "pod", name, "--subresource=status", "--type=merge",
                               "-p", #"{"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}"#)
        }
        try await eventually(timeout: .seconds(10), "web-0 is created") { try await pods() == ["web-0"] }
        #expect(try await k.ok("get", "pod", "web-0", "-o", "jsonpath={.spec.hostname}.{.spec.subdomain} {.metadata.labels.apps\\.kubernetes\\.io/pod-index}")
            == "web-0.web 0")
        // OrderedReady: the next pod only once the one before is Running and Ready.
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await pods() == ["web-0"])
        try await markReady("web-0")
        try await eventually(timeout: .seconds(10), "web-1 is created") { try await pods() == ["web-0", "web-1"] }
        try await markReady("web-1")
        try await eventually(timeout: .seconds(10), "web-2 is created") { try await pods() == ["web-0", "web-1", "web-2"] }
        try await markReady("web-2")
        _ = try await k.ok("rollout", "status", "statefulset/web", "--timeout=10s")
        #expect(try await k.ok("get", "sts", "web", "--no-headers").hasPrefix("web   3/3"))
        // A rolling update replaces web-2 first, and web-1 only once the new web-2 is ready.
        let oldRevision = try await k.ok("get", "sts", "web", "-o", "jsonpath={.status.currentRevision}")
        _ = try await k.ok("set", "image", "statefulset/web", "app=busybox:1.37")
        try await eventually(timeout: .seconds(10), "web-2 is re-created at the new revision") {
            try await k.ok("get", "pod", "web-2", "-o", "jsonpath={.spec.containers[0].image}") == "busybox:1.37"
        }
        #expect(try await k.ok("get", "pod", "web-1", "-o", "jsonpath={.spec.containers[0].image}") == "busybox:1.36")
        try await markReady("web-2")
        try await eventually(timeout: .seconds(10), "web-1 is replaced next") {
            try await k.ok("get", "pod", "web-1", "-o", "jsonpath={.spec.containers[0].image}") == "busybox:1.37"
        }
        try await markReady("web-1")
        try await eventually(timeout: .seconds(10), "web-0 is replaced last") {
            try await k.ok("get", "pod", "web-0", "-o", "jsonpath={.spec.containers[0].image}") == "busybox:1.37"
        }
        try await markReady("web-0")
        try await eventually(timeout: .seconds(10), "the new revision becomes current") {
            let s = try await k.ok("get", "sts", "web", "-o", "jsonpath={.status.currentRevision} {.status.updateRevision} {.status.updatedReplicas}")
            let parts = s.split(separator: " ")
            return parts.count == 3 && parts[0] == parts[1] && parts[0] != oldRevision && parts[2] == "3"
        }
        // Scale-down removes the highest ordinals, one at a time.
        _ = try await k.ok("scale", "statefulset/web", "--replicas=1")
        try await eventually(timeout: .seconds(10), "scaled down to web-0") { try await pods() == ["web-0"] }
        // History is kept as ControllerRevisions: `kubectl rollout history` lists both templates, `undo` restores
        // the previous one (its revision renumbered to the newest, as Kubernetes does).
        let history = try await k.ok("rollout", "history", "statefulset/web")
        #expect(history.contains("1         <none>") && history.contains("2         <none>"), "\(history)")
        #expect(try await k.ok("rollout", "history", "statefulset/web", "--revision=1").contains("Image:\tbusybox:1.36"))
        _ = try await k.ok("rollout", "undo", "statefulset/web")
        #expect(try await k.ok("get", "sts", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "busybox:1.36")
        try await eventually(timeout: .seconds(10), "the restored template's revision is renumbered") {
            try await k.ok("get", "controllerrevision", "-o", "jsonpath={range .items[*]}{.revision}={.data.spec.template.spec.containers[0].image} {end}")
                .split(separator: " ").sorted() == ["2=busybox:1.37", "3=busybox:1.36"]
        }
        let forbidden = try await k.run("patch", "sts", "web", "--type=merge", "-p", #"{"spec": {"serviceName": "other"}}"#)
        #expect(forbidden.stderr.contains("spec: Forbidden: updates to statefulset spec for fields other than 'replicas'"), "\(forbidden.stderr)")
        // A partitioned rollout: only ordinals from the partition up move on; a pod below it that is deleted comes
        // back at the current revision, not the new one.
        func image(_ pod: String) async throws -> String {
            try await k.ok("get", "pod", pod, "-o", "jsonpath={.spec.containers[0].image}")
        }
        try await eventually(timeout: .seconds(10), "web-0 back at the restored template") { (try? await image("web-0")) == "busybox:1.36" }
        try await markReady("web-0")
        _ = try await k.ok("patch", "sts", "web", "--type=merge", "-p", #"{"spec": {"replicas": 3, "updateStrategy": {"rollingUpdate": {"partition": 2}}}}"#)
        try await eventually(timeout: .seconds(10), "web-1 is created") { try await pods() == ["web-0", "web-1"] }
        try await markReady("web-1")
        try await eventually(timeout: .seconds(10), "web-2 is created") { try await pods() == ["web-0", "web-1", "web-2"] }
        try await markReady("web-2")
        _ = try await k.ok("set", "image", "statefulset/web", "app=busybox:1.39")
        try await eventually(timeout: .seconds(10), "web-2, at the partition, is updated") { (try? await image("web-2")) == "busybox:1.39" }
        try await markReady("web-2")
        _ = try await k.ok("delete", "pod", "web-1", "--wait=false")
        try await eventually(timeout: .seconds(10), "web-1 is re-created") {
            (try? await k.ok("get", "pod", "web-1", "-o", "jsonpath={.metadata.deletionTimestamp}|{.spec.containers[0].image}")) == "|busybox:1.36"
        }
        try await Task.sleep(for: .milliseconds(500))
        let below = (try await image("web-1"), try await image("web-0"))
        #expect(below == ("busybox:1.36", "busybox:1.36"), "below the partition: the current revision")
        try await server.stop()
    }
}
