import Foundation
import GantryAPI
import GantryTestSupport
import Testing

/// CustomResourceDefinitions end to end: the real `gantry server` binary, the real kubectl and the official
/// Python client.
@Suite("custom resources", .serialized)
struct CustomResourceTests {
    static let crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: crontabs.stable.example.com
        spec:
          group: stable.example.com
          scope: Namespaced
          names: {plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct], categories: [all]}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    required: [cronSpec]
                    properties:
                      cronSpec: {type: string, pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'}
                      image: {type: string}
                      replicas: {type: integer, minimum: 1, maximum: 10, default: 1}
                      extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
                  status:
                    type: object
                    properties:
                      replicas: {type: integer}
                      selector: {type: string}
            subresources:
              status: {}
              scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}
            additionalPrinterColumns:
            - {name: Spec, type: string, jsonPath: .spec.cronSpec}
            - {name: Replicas, type: integer, jsonPath: .spec.replicas}
            - {name: Image, type: string, jsonPath: .spec.image, priority: 1}
            - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
          - name: v1beta1
            served: true
            storage: false
            schema:
              openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """

    /// The issue's CRD scenario: served within a second of its creation with discovery and OpenAPI, objects
    /// pruned, defaulted and validated by the schema (400 for unknown fields under Strict, 422 naming the field),
    /// printer columns, the status and scale subresources, two versions of one object, `kubectl get all`,
    /// server-side apply and diff, the Python client, a restart, and deletion of the CRD taking its objects along.
    @Test func customResourceDefinitions() async throws {
        let kubectlPath = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let dir = TempDir("gantry-crd")
        defer { dir.cleanup() }
        var server = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0", "--no-controllers"],
                                             logPath: dir.file("server.log"))
        var k = KubectlTests.Kubectl(path: kubectlPath, server: server.kubectlArgs, home: dir.path)

        // Served within a second: discovery lists it as soon as the create returns (watched, not polled).
        _ = try await k.ok("apply", "-f", "-", stdin: Self.crd)
        let created = ContinuousClock.now
        try await eventually(timeout: .seconds(1), interval: .milliseconds(10), "the CRD's group version in discovery") {
            try await k.run("get", "--raw", "/apis/stable.example.com/v1").status == 0
        }
        let served = ContinuousClock.now - created
        #expect(served < .seconds(1))
        _ = try await k.ok("wait", "--for", "condition=Established", "crd/crontabs.stable.example.com", "--timeout=5s")
        let conditions = try await k.ok("get", "crd", "crontabs.stable.example.com", "-o",
                                        "jsonpath={range .status.conditions[*]}{.type}={.status}/{.reason} {end}{.status.storedVersions}")
        #expect(conditions == "NamesAccepted=True/NoConflicts Established=True/InitialNamesAccepted [\"v1\"]")
        #expect(try await k.ok("api-resources", "--api-group", "stable.example.com", "--no-headers").contains("ct"))
        // Aggregated discovery (apidiscovery.k8s.io/v2): a kubectl with an empty cache learns every resource from
        // /api and /apis alone, the custom one included.
        let fresh = try await runCommand(kubectlPath, server.kubectlArgs + ["--cache-dir", dir.file("fresh-cache"), "get", "ct", "-v=6"],
                                         environment: ["HOME": dir.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"])
        let gets = fresh.stderr.split(separator: "\n").filter { $0.contains(" GET ") }
            .compactMap { $0.split(separator: " ").first { $0.hasPrefix("https://") } }.map { String($0.split(separator: "?")[0]) }
        #expect(gets.map { String($0.split(separator: "/", maxSplits: 2).last ?? "") }
            == ["api", "apis", "apis/stable.example.com/v1/namespaces/default/crontabs"], "\(gets)")
        // The preferred version is the GA one; OpenAPI v3 has the schema (kubectl explain reads it).
        let group = try await k.ok("get", "--raw", "/apis/stable.example.com")
        #expect(group.contains(#""preferredVersion":{"groupVersion":"stable.example.com/v1","version":"v1"}"#), "\(group)")
        #expect(try await k.ok("explain", "crontab.spec.replicas").contains("<integer>"))

        // Defaulting and pruning: replicas defaulted, unknown fields dropped (kubectl's --validate=false asks the
        // server to ignore them), preserved ones kept.
        _ = try await k.ok("apply", "--validate=false", "-f", "-", stdin: """
            apiVersion: stable.example.com/v1
            kind: CronTab
            metadata: {name: nightly}
            spec: {cronSpec: "0 3 * * *", image: backup:1, unknownField: x, extra: {anything: [1, 2]}}
            """)
        #expect(try await k.ok("get", "ct", "nightly", "-o", "jsonpath={.spec.replicas} {.spec.unknownField} {.spec.extra.anything}")
            == "1  [1,2]")
        // Strict field validation (kubectl's default) refuses unknown fields; the schema's rules are 422s naming the fields.
        let strict = try await k.run("apply", "-f", "-", stdin: """
            apiVersion: stable.example.com/v1
            kind: CronTab
            metadata: {name: strict}
            spec: {cronSpec: "* * * * *", bogus: 1}
            """)
        #expect(strict.status != 0 && strict.stderr.contains(#"strict decoding error: unknown field "spec.bogus""#), "\(strict.stderr)")
        let invalid = try await k.run("apply", "-f", "-", stdin: """
            apiVersion: stable.example.com/v1
            kind: CronTab
            metadata: {name: invalid}
            spec: {cronSpec: "nope", replicas: 20}
            """)
        #expect(invalid.stderr.contains(#"The CronTab "invalid" is invalid"#), "\(invalid.stderr)")
        #expect(invalid.stderr.contains(#"spec.cronSpec: Invalid value: "nope": spec.cronSpec in body should match"#), "\(invalid.stderr)")
        #expect(invalid.stderr.contains("spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10"),
                "\(invalid.stderr)")
        let missing = try await k.run("create", "-f", "-", stdin: """
            {"apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": {"name": "missing"}, "spec": {}}
            """)
        #expect(missing.stderr.contains("spec.cronSpec: Required value"), "\(missing.stderr)")

        // Printer columns (priority 1 only with -o wide), short names, the `all` category.
        let table = try await k.ok("get", "ct")
        #expect(table.contains("NAME      SPEC        REPLICAS   AGE") && table.contains("nightly   0 3 * * *   1"), "\(table)")
        #expect(try await k.ok("get", "ct", "-o", "wide").contains("IMAGE"))
        #expect(try await k.ok("get", "all").contains("crontab.stable.example.com/nightly"))

        // Status subresource: the main resource ignores status, /status changes only status.
        _ = try await k.ok("patch", "ct", "nightly", "--type=merge", "-p", #"{"status": {"replicas": 9}}"#)
        #expect(try await k.ok("get", "ct", "nightly", "-o", "jsonpath={.status.replicas}") == "")
        _ = try await k.ok("patch", "ct", "nightly", "--subresource=status", "--type=merge",
                           "-p", #"{"status": {"replicas": 2, "selector": "app=nightly"}, "spec": {"replicas": 7}}"#)
        #expect(try await k.ok("get", "ct", "nightly", "-o", "jsonpath={.spec.replicas} {.status.replicas}") == "1 2")
        // Generation follows the spec only.
        #expect(try await k.ok("get", "ct", "nightly", "-o", "jsonpath={.metadata.generation}") == "1")
        // Scale subresource: kubectl scale, and the Scale object with the selector path.
        _ = try await k.ok("scale", "ct", "nightly", "--replicas=4")
        let scale = try await k.ok("get", "--raw", "/apis/stable.example.com/v1/namespaces/default/crontabs/nightly/scale")
        #expect(scale.contains(#""spec":{"replicas":4}"#) && scale.contains(#""selector":"app=nightly""#), "\(scale)")
        #expect(try await k.ok("get", "ct", "nightly", "-o", "jsonpath={.metadata.generation}") == "2")
        // Strategic merge patch is refused for custom resources, as in Kubernetes (kubectl patch's default type).
        let smp = try await k.run("patch", "ct", "nightly", "-p", #"{"spec": {"image": "x"}}"#)
        #expect(smp.status != 0 && smp.stderr.contains("application/strategic-merge-patch+json is not supported"), "\(smp.stderr)")

        // Two versions of one object: stored once, served as either.
        #expect(try await k.ok("get", "crontabs.v1beta1.stable.example.com", "nightly", "-o", "jsonpath={.apiVersion} {.spec.image}")
            == "stable.example.com/v1beta1 backup:1")

        // Server-side apply and diff.
        let applied = """
            apiVersion: stable.example.com/v1
            kind: CronTab
            metadata: {name: ssa}
            spec: {cronSpec: "*/5 * * * *", image: ssa:1}
            """
        _ = try await k.ok("apply", "--server-side", "-f", "-", stdin: applied)
        let same = try await k.run("diff", "--server-side", "-f", "-", stdin: applied)
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        let changed = try await k.run("diff", "-f", "-", stdin: applied.replacingOccurrences(of: "ssa:1", with: "ssa:2"))
        #expect(changed.status == 1 && changed.stdout.contains("+  image: ssa:2"), "\(changed.stdout)\(changed.stderr)")

        // The official Python client's CustomObjectsApi.
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestFailure("/usr/bin/python3 is required for this test but is not installed: install python3-kubernetes")
        }
        let py = """
            from kubernetes import client, config
            config.load_kube_config(config_file="\(try #require(server.kubeconfig))")
            api = client.CustomObjectsApi()
            api.create_namespaced_custom_object("stable.example.com", "v1", "default", "crontabs",
                {"apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": {"name": "from-python"},
                 "spec": {"cronSpec": "1 * * * *"}})
            items = api.list_namespaced_custom_object("stable.example.com", "v1", "default", "crontabs")["items"]
            print(sorted(i["metadata"]["name"] for i in items), api.get_namespaced_custom_object(
                "stable.example.com", "v1", "default", "crontabs", "from-python")["spec"]["replicas"])
            """
        let viaPython = try await runCommand(python, ["-c", py], environment: ["HOME": dir.path, "PATH": "/usr/bin:/bin"])
        #expect(viaPython.stdout == "['from-python', 'nightly', 'ssa'] 1\n", "\(viaPython.stdout)\(viaPython.stderr)")

        // A second CRD claiming the same kind in the group is not served: NamesAccepted False.
        _ = try await k.ok("apply", "-f", "-", stdin: """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: crontabz.stable.example.com}
            spec:
              group: stable.example.com
              scope: Namespaced
              names: {plural: crontabz, kind: CronTab}
              versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
            """)
        try await eventually(timeout: .seconds(5), "the conflicting CRD's NamesAccepted condition") {
            try await k.ok("get", "crd", "crontabz.stable.example.com", "-o",
                           #"jsonpath={.status.conditions[?(@.type=="NamesAccepted")].reason}"#) == "KindConflict"
        }
        #expect(try await k.run("get", "--raw", "/apis/stable.example.com/v1/crontabz").status != 0)
        // An invalid CRD is a 422 naming the field; conversion webhooks are refused.
        let badCRD = try await k.run("apply", "-f", "-", stdin: """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: things.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: things, kind: Thing}
              conversion: {strategy: Webhook}
              versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, properties: {spec: {properties: {a: {type: string}}}}}}}]
            """)
        #expect(badCRD.stderr.contains("spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value"), "\(badCRD.stderr)")
        #expect(badCRD.stderr.contains("conversion webhooks are not supported by Gantry"), "\(badCRD.stderr)")

        // A restart serves the CRD from the store before the API listens.
        _ = try await server.stop()
        server = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0", "--no-controllers"],
                                         logPath: dir.file("server2.log"))
        k = KubectlTests.Kubectl(path: kubectlPath, server: server.kubectlArgs, home: dir.path)
        #expect(try await k.ok("get", "ct", "-o", "name").split(separator: "\n").count == 3)

        // Without the CRD it collided with, the second one is accepted; deleted, it stops being served.
        _ = try await k.ok("delete", "crd", "crontabz.stable.example.com", "--timeout=20s")
        // A namespace's deletion takes its custom objects; a CRD's deletion takes all of them and stops serving.
        _ = try await k.ok("create", "namespace", "team")
        _ = try await k.ok("apply", "-n", "team", "-f", "-", stdin: applied)
        _ = try await k.ok("delete", "namespace", "team", "--timeout=20s")
        _ = try await k.ok("delete", "crd", "crontabs.stable.example.com", "--timeout=20s")
        try await eventually(timeout: .seconds(5), "the CRD's resources are no longer served") {
            try await k.run("get", "--raw", "/apis/stable.example.com/v1/crontabs").status != 0
        }
        #expect(try await k.ok("get", "crd", "-o", "name") == "")
        // Re-created, it starts empty: its objects went with it.
        _ = try await k.ok("apply", "-f", "-", stdin: Self.crd)
        _ = try await k.ok("wait", "--for", "condition=Established", "crd/crontabs.stable.example.com", "--timeout=5s")
        try await eventually(timeout: .seconds(5), "the re-created CRD is served again, without objects") {
            let r = try await k.run("get", "ct", "-A", "-o", "name")
            return r.status == 0 && r.stdout.isEmpty
        }
        try await server.stop()
    }

    /// The garbage collector follows ownerReferences to custom objects: an operator's dependents go when its custom
    /// object goes (found through discovery; looked at again on a short resync, as nothing watches the owner kind).
    @Test func dependentsOfCustomObjectsAreCollected() async throws {
        let kubectlPath = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let dir = TempDir("gantry-crd-gc")
        defer { dir.cleanup() }
        let server = try await GantryProcess(["server", "--data-dir", dir.file("data"), "--listen", "127.0.0.1:0"],
                                             logPath: dir.file("server.log"))
        let k = KubectlTests.Kubectl(path: kubectlPath, server: server.kubectlArgs, home: dir.path)
        _ = try await k.ok("apply", "-f", "-", stdin: Self.crd)
        _ = try await k.ok("wait", "--for", "condition=Established", "crd/crontabs.stable.example.com", "--timeout=5s")
        _ = try await k.ok("apply", "-f", "-", stdin: """
            apiVersion: stable.example.com/v1
            kind: CronTab
            metadata: {name: owner}
            spec: {cronSpec: "* * * * *"}
            """)
        let uid = try await k.ok("get", "ct", "owner", "-o", "jsonpath={.metadata.uid}")
        // What an operator makes for its custom object: a Deployment and a Service it owns.
        _ = try await k.ok("apply", "-f", "-", stdin: """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: owned-1
              ownerReferences: [{apiVersion: stable.example.com/v1, kind: CronTab, name: owner, uid: \(uid)}]
            spec:
              selector: {matchLabels: {app: owned}}
              template:
                metadata: {labels: {app: owned}}
                spec: {containers: [{name: c, image: "busybox:1.36"}]}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: owned-2
              ownerReferences: [{apiVersion: stable.example.com/v1, kind: CronTab, name: owner, uid: \(uid)}]
            spec: {selector: {app: owned}, ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: owned-3
              ownerReferences: [{apiVersion: stable.example.com/v1, kind: CronTab, name: owner, uid: \(uid)}]
            data: {a: b}
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              name: owned-4
              ownerReferences: [{apiVersion: stable.example.com/v1, kind: CronTab, name: owner, uid: \(uid)}]
            stringData: {a: b}
            """)
        _ = try await k.ok("create", "deployment", "unowned", "--image", "busybox:1.36")
        // Still owned: kept.
        try await Task.sleep(for: .seconds(4))
        #expect(try await k.ok("get", "deployment", "owned-1", "-o", "name") == "deployment.apps/owned-1\n")
        _ = try await k.ok("delete", "ct", "owner")
        try await eventually(timeout: .seconds(15), "the custom object's dependents are collected") {
            try await k.ok("get", "deployments,services,replicasets,configmaps,secrets", "-o", "name").contains("/owned-") == false
        }
        #expect(try await k.ok("get", "deployment", "unowned", "-o", "name") == "deployment.apps/unowned\n")
        try await server.stop()
    }
}
