import Foundation
import Testing
import GantryAPI

/// A valid, defaulted Deployment to mutate.
func validDeployment() throws -> JSONValue {
    try JSONValue.parse(#"""
    {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},
     "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
       "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},
       "revisionHistoryLimit":10,"progressDeadlineSeconds":600,
       "template":{"metadata":{"labels":{"app":"web"}},
         "spec":{"restartPolicy":"Always","dnsPolicy":"ClusterFirst","terminationGracePeriodSeconds":30,
           "containers":[{"name":"web","image":"nginx","imagePullPolicy":"Always","terminationMessagePolicy":"File",
             "ports":[{"name":"http","containerPort":80,"protocol":"TCP"}]}]}}}}
    """#)
}

func validPod() throws -> JSONValue {
    try JSONValue.parse(#"""
    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"},
     "spec":{"restartPolicy":"Always","dnsPolicy":"ClusterFirst","terminationGracePeriodSeconds":30,
       "volumes":[{"name":"data","emptyDir":{}}],
       "containers":[{"name":"web","image":"nginx","imagePullPolicy":"IfNotPresent",
         "volumeMounts":[{"name":"data","mountPath":"/data"}],
         "ports":[{"name":"http","containerPort":80,"protocol":"TCP"}]}]}}
    """#)
}

func messages(_ errs: [FieldError]) -> [String] { errs.map(\.description) }

@Suite struct ValidationTests {
    @Test func validObjectsPass() throws {
        #expect(Validation.validate(try validDeployment(), resource: .deployments).isEmpty)
        #expect(Validation.validate(try validPod(), resource: .pods).isEmpty)
        let full = try JSONValue.parse(TypesTests.deploymentJSON)
        #expect(messages(Validation.validate(full, resource: .deployments)) == [])
        #expect(messages(Validation.validate(try JSONValue.parse(TypesTests.podJSON), resource: .pods)) == [])
    }

    @Test func negativeReplicas() throws {
        var d = try validDeployment()
        d[path: ["spec", "replicas"]] = .int(-3)
        let errs = Validation.validate(d, resource: .deployments)
        #expect(errs.count == 1)
        #expect(errs.first?.field == "spec.replicas")
        #expect(errs.first?.message == "Invalid value: -3: must be greater than or equal to 0")
        #expect(errs.first?.kind == .invalid)
    }

    @Test func typeErrorsHaveFieldPaths() throws {
        var d = try validDeployment()
        d[path: ["spec", "replicas"]] = .string("three")
        let errs = Validation.validate(d, resource: .deployments)
        #expect(errs.count == 1)
        #expect(errs.first?.kind == .typeInvalid)
        #expect(errs.first?.field == "spec.replicas")
        #expect(errs.first?.message == "Invalid value: \"three\": must be of type integer")

        var d2 = try validDeployment()
        var containers = d2[path: ["spec", "template", "spec", "containers"]]!.arrayValue!
        containers[0]["ports"] = .array([.object(["containerPort": .string("eighty")])])
        d2[path: ["spec", "template", "spec", "containers"]] = .array(containers)
        let e2 = Validation.validate(d2, resource: .deployments)
        #expect(e2.first?.field == "spec.template.spec.containers[0].ports[0].containerPort")

        var p = try validPod()
        var cs = p[path: ["spec", "containers"]]!.arrayValue!
        cs[0]["resources"] = .object(["limits": .object(["cpu": .string("lots")])])
        p[path: ["spec", "containers"]] = .array(cs)
        let e3 = Validation.validate(p, resource: .pods)
        #expect(e3.first?.field == "spec.containers[0].resources.limits[cpu]")
        #expect(e3.first?.message.contains("quantities must match the regular expression") == true)
    }

    @Test func names() throws {
        var d = try validDeployment()
        d[path: ["metadata", "name"]] = .string("Web_App")
        var errs = Validation.validate(d, resource: .deployments)
        #expect(errs.map(\.field) == ["metadata.name"])
        #expect(errs.first?.message.hasPrefix("Invalid value: \"Web_App\": a lowercase RFC 1123 subdomain must consist of") == true)

        d[path: ["metadata", "name"]] = nil
        errs = Validation.validate(d, resource: .deployments)
        #expect(messages(errs) == ["metadata.name: Required value: name or generateName is required"])

        d[path: ["metadata", "generateName"]] = .string("web-")
        #expect(Validation.validate(d, resource: .deployments).isEmpty)

        // Subdomains may have dots; labels (Namespaces) may not; Services need DNS-1035 labels.
        let ns = try JSONValue.parse(#"{"metadata":{"name":"a.b"}}"#)
        #expect(Validation.validate(ns, resource: .namespaces).map(\.field) == ["metadata.name"])
        let cm = try JSONValue.parse(#"{"metadata":{"name":"a.b","namespace":"default"}}"#)
        #expect(Validation.validate(cm, resource: .configMaps).isEmpty)
        let node = try JSONValue.parse(#"{"metadata":{"name":"node-1.example.com"}}"#)
        #expect(Validation.validate(node, resource: .nodes).isEmpty)
        let long = try JSONValue.parse(#"{"metadata":{"name":"\#(String(repeating: "a", count: 64))"}}"#)
        #expect(messages(Validation.validate(long, resource: .namespaces)).first?.contains("must be no more than 63 characters") == true)
        let svc = try JSONValue.parse(#"{"metadata":{"name":"1web"},"spec":{"ports":[{"port":80}]}}"#)
        #expect(Validation.validate(svc, resource: .services).map(\.field) == ["metadata.name"])
        let nsOnNode = try JSONValue.parse(#"{"metadata":{"name":"n","namespace":"default"}}"#)
        #expect(messages(Validation.validate(nsOnNode, resource: .nodes)) == ["metadata.namespace: Forbidden: not allowed on this type"])
    }

    @Test func labelsAndAnnotations() throws {
        var d = try validDeployment()
        d[path: ["metadata", "labels"]] = .object(["example.com/ok": "v", "bad key": "v", "k": .string(String(repeating: "x", count: 64)),
                                                   "a/b/c": "v", "Upper.Case_ok": "-bad-"])
        let errs = Validation.validate(d, resource: .deployments)
        #expect(errs.allSatisfy { $0.field == "metadata.labels" })
        #expect(errs.count == 4)
        d[path: ["metadata", "labels"]] = nil
        d[path: ["metadata", "annotations"]] = .object(["big": .string(String(repeating: "x", count: 300 * 1024))])
        #expect(Validation.validate(d, resource: .deployments).map(\.kind) == [.tooLong])
    }

    @Test func selectorMismatch() throws {
        var d = try validDeployment()
        d[path: ["spec", "template", "metadata", "labels"]] = .object(["app": "api"])
        let errs = Validation.validate(d, resource: .deployments)
        #expect(messages(errs) == [
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"api\"}: `selector` does not match template `labels`",
        ])
        var d2 = try validDeployment()
        d2[path: ["spec", "selector"]] = nil
        #expect(messages(Validation.validate(d2, resource: .deployments)) == ["spec.selector: Required value"])
        d2[path: ["spec", "selector"]] = .emptyObject
        #expect(Validation.validate(d2, resource: .deployments).first?.message.hasSuffix("empty selector is invalid for deployment") == true)
    }

    @Test func deploymentRules() throws {
        var d = try validDeployment()
        d[path: ["spec", "template", "spec", "restartPolicy"]] = .string("Never")
        #expect(messages(Validation.validate(d, resource: .deployments)) ==
                ["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""])

        d = try validDeployment()
        d[path: ["spec", "strategy", "rollingUpdate"]] = .object(["maxUnavailable": .int(0), "maxSurge": .string("0%")])
        #expect(messages(Validation.validate(d, resource: .deployments)) ==
                ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"])

        d[path: ["spec", "strategy", "rollingUpdate"]] = .object(["maxUnavailable": .string("150%"), "maxSurge": .string("x")])
        let e = messages(Validation.validate(d, resource: .deployments))
        #expect(e.contains("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%"))
        #expect(e.contains { $0.hasPrefix("spec.strategy.rollingUpdate.maxSurge: Invalid value: \"x\": a valid percent string") })

        d = try validDeployment()
        d[path: ["spec", "strategy"]] = .object(["type": "Blue"])
        #expect(messages(Validation.validate(d, resource: .deployments)) ==
                ["spec.strategy.type: Unsupported value: \"Blue\": supported values: \"Recreate\", \"RollingUpdate\""])
        d[path: ["spec", "strategy"]] = .object(["type": "Recreate", "rollingUpdate": .object(["maxSurge": 1])])
        #expect(Validation.validate(d, resource: .deployments).map(\.field) == ["spec.strategy.rollingUpdate"])

        d = try validDeployment()
        d[path: ["spec", "minReadySeconds"]] = .int(700)
        d[path: ["spec", "revisionHistoryLimit"]] = .int(-1)
        let e2 = messages(Validation.validate(d, resource: .deployments))
        #expect(e2.contains("spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"))
        #expect(e2.contains("spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"))
    }

    @Test func multipleErrorsTogether() throws {
        var d = try validDeployment()
        d[path: ["spec", "replicas"]] = .int(-1)
        d[path: ["spec", "template", "spec", "restartPolicy"]] = .string("OnFailure")
        d[path: ["spec", "template", "spec", "containers"]] = .array([
            .object(["name": "Web", "ports": .array([.object(["containerPort": .int(70000), "protocol": "tcp"])])]),
            .object(["name": "Web", "image": "x"]),
        ])
        let fields = Validation.validate(d, resource: .deployments).map(\.field)
        #expect(fields.contains("spec.replicas"))
        #expect(fields.contains("spec.template.spec.restartPolicy"))
        #expect(fields.contains("spec.template.spec.containers[0].name"))
        #expect(fields.contains("spec.template.spec.containers[0].image"))
        #expect(fields.contains("spec.template.spec.containers[0].ports[0].containerPort"))
        #expect(fields.contains("spec.template.spec.containers[0].ports[0].protocol"))
        #expect(fields.contains("spec.template.spec.containers[1].name"))
        #expect(fields.count >= 8)
    }

    @Test func podSpecRules() throws {
        func validate(_ mutate: (inout JSONValue) -> Void) throws -> [String] {
            var p = try validPod()
            mutate(&p)
            return messages(Validation.validate(p, resource: .pods))
        }
        func container(_ mutate: @escaping (inout JSONValue) -> Void) -> (inout JSONValue) -> Void {
            { p in
                var cs = p[path: ["spec", "containers"]]!.arrayValue!
                mutate(&cs[0])
                p[path: ["spec", "containers"]] = .array(cs)
            }
        }
        #expect(try validate { $0[path: ["spec", "containers"]] = .array([]) } == ["spec.containers: Required value"])
        #expect(try validate { $0[path: ["spec", "restartPolicy"]] = "Sometimes" } ==
                ["spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\""])
        #expect(try validate { $0[path: ["spec", "dnsPolicy"]] = "Other" }.first?.hasPrefix("spec.dnsPolicy: Unsupported value") == true)
        #expect(try validate { $0[path: ["spec", "terminationGracePeriodSeconds"]] = -1 } ==
                ["spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0"])
        #expect(try validate(container { $0["image"] = nil }) == ["spec.containers[0].image: Required value"])
        #expect(try validate(container { $0["imagePullPolicy"] = "Sometimes" }) ==
                ["spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\""])
        #expect(try validate(container { $0["ports"] = [["containerPort": 0]] }) == ["spec.containers[0].ports[0].containerPort: Required value"])
        #expect(try validate(container { $0["ports"] = [["containerPort": 65536]] }) ==
                ["spec.containers[0].ports[0].containerPort: Invalid value: 65536: must be between 1 and 65535, inclusive"])
        #expect(try validate(container { $0["ports"] = [["containerPort": 80, "name": "HTTP-port-too-long"]] }).count == 2)
        #expect(try validate(container { $0["ports"] = [["containerPort": 80, "name": "123"]] }) ==
                ["spec.containers[0].ports[0].name: Invalid value: \"123\": must contain at least one letter (a-z)"])
        #expect(try validate(container { $0["volumeMounts"] = [["name": "nope", "mountPath": "/x"]] }) ==
                ["spec.containers[0].volumeMounts[0].name: Not found: \"nope\""])
        #expect(try validate(container { $0["env"] = [["name": "1BAD"], ["name": "OK", "value": "v"]] }).first?
                    .hasPrefix("spec.containers[0].env[0].name: Invalid value: \"1BAD\": a valid environment variable name") == true)
        #expect(try validate(container {
            $0["resources"] = ["limits": ["cpu": "500m"], "requests": ["cpu": "1", "memory": "-1"]]
        }) == ["spec.containers[0].resources.requests[memory]: Invalid value: \"-1\": must be greater than or equal to 0",
               "spec.containers[0].resources.requests[cpu]: Invalid value: \"1\": must be less than or equal to cpu limit of 500m"])
        #expect(try validate(container { $0["livenessProbe"] = ["periodSeconds": -1] }) ==
                ["spec.containers[0].livenessProbe: Required value: must specify a handler type",
                 "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0"])
        #expect(try validate(container { $0["readinessProbe"] = ["tcpSocket": ["port": 0], "exec": ["command": ["x"]]] }).count == 2)
        #expect(try validate { $0[path: ["spec", "volumes"]] = [["name": "data"]] } ==
                ["spec.volumes[0]: Required value: must specify a volume type"])
        #expect(try validate { $0[path: ["spec", "volumes"]] = [["name": "data", "emptyDir": [:], "hostPath": ["path": "/x"]]] } ==
                ["spec.volumes[0].emptyDir: Forbidden: may not specify more than 1 volume type"])
        #expect(try validate { $0[path: ["spec", "volumes"]] = [["name": "data", "emptyDir": [:]], ["name": "data", "emptyDir": [:]]] } ==
                ["spec.volumes[1].name: Duplicate value: \"data\""])
        #expect(try validate {
            $0[path: ["spec", "initContainers"]] = [["name": "web", "image": "busybox"]]
        } == ["spec.containers[0].name: Duplicate value: \"web\""])
        #expect(try validate { $0[path: ["spec", "tolerations"]] = [["key": "k", "operator": "Exists", "value": "v"]] } ==
                ["spec.tolerations[0].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'"])
        #expect(try validate { $0[path: ["spec", "tolerations"]] = [["key": "k", "operator": "Maybe", "effect": "Never"]] } ==
                ["spec.tolerations[0].operator: Unsupported value: \"Maybe\": supported values: \"Equal\", \"Exists\"",
                 "spec.tolerations[0].effect: Unsupported value: \"Never\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""])
        #expect(try validate { $0[path: ["spec", "tolerations"]] = [["operator": "Exists"]] } == [])
    }

    @Test func jobRules() throws {
        let job = try JSONValue.parse(#"""
        {"metadata":{"name":"pi","namespace":"default"},"spec":{"backoffLimit":-1,"parallelism":-2,
          "template":{"spec":{"restartPolicy":"Always","containers":[{"name":"pi","image":"perl"}]}}}}
        """#)
        #expect(messages(Validation.validate(job, resource: .jobs)) == [
            "spec.parallelism: Invalid value: -2: must be greater than or equal to 0",
            "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0",
            "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"",
        ])
    }

    @Test func daemonSetRules() throws {
        let ds = try JSONValue.parse(#"""
        {"metadata":{"name":"agent","namespace":"default"},"spec":{"selector":{"matchLabels":{"a":"b"}},
          "updateStrategy":{"type":"Sometimes"},
          "template":{"metadata":{"labels":{"a":"c"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
        """#)
        #expect(Validation.validate(ds, resource: .daemonSets).map(\.field) == ["spec.template.metadata.labels", "spec.updateStrategy.type"])
    }

    @Test func serviceRules() throws {
        let ok = try JSONValue.parse(#"{"metadata":{"name":"web","namespace":"d"},"spec":{"type":"ClusterIP","clusterIP":"10.96.0.1","ports":[{"port":80,"targetPort":8080,"protocol":"TCP"}],"sessionAffinity":"None"}}"#)
        #expect(Validation.validate(ok, resource: .services).isEmpty)
        let headless = try JSONValue.parse(#"{"metadata":{"name":"web"},"spec":{"clusterIP":"None"}}"#)
        #expect(Validation.validate(headless, resource: .services).isEmpty)
        let external = try JSONValue.parse(#"{"metadata":{"name":"web"},"spec":{"type":"ExternalName","externalName":"db.example.com"}}"#)
        #expect(Validation.validate(external, resource: .services).isEmpty)
        let noPorts = try JSONValue.parse(#"{"metadata":{"name":"web"},"spec":{"type":"ClusterIP"}}"#)
        #expect(messages(Validation.validate(noPorts, resource: .services)) == ["spec.ports: Required value"])
        let bad = try JSONValue.parse(#"""
        {"metadata":{"name":"web"},"spec":{"type":"Magic","sessionAffinity":"Sticky","clusterIP":"10.0.0.300",
          "ports":[{"port":0,"targetPort":"Bad_Name"},{"name":"b","port":70000,"nodePort":30000}]}}
        """#)
        let fields = Validation.validate(bad, resource: .services).map(\.field)
        #expect(fields == ["spec.type", "spec.ports[0].name", "spec.ports[0].port", "spec.ports[0].targetPort",
                           "spec.ports[1].port", "spec.clusterIP", "spec.sessionAffinity"])
    }

    @Test func configMapAndSecret() throws {
        let cm = try JSONValue.parse(#"{"metadata":{"name":"c"},"data":{"ok.key":"v","bad key":"v"}}"#)
        #expect(Validation.validate(cm, resource: .configMaps).map(\.field) == ["data[bad key]"])
        let s = try JSONValue.parse(#"{"metadata":{"name":"s"},"type":"kubernetes.io/dockerconfigjson","data":{"x":"not base64!"}}"#)
        #expect(messages(Validation.validate(s, resource: .secrets)) == [
            "data[x]: Invalid value: \"<secret contents redacted>\": must be base64-encoded",
            "data[.dockerconfigjson]: Required value",
        ])
        let good = try JSONValue.parse(#"{"metadata":{"name":"s"},"type":"kubernetes.io/dockerconfigjson","data":{".dockerconfigjson":"e30="}}"#)
        #expect(Validation.validate(good, resource: .secrets).isEmpty)
        let tls = try JSONValue.parse(#"{"metadata":{"name":"s"},"type":"kubernetes.io/tls","stringData":{"tls.crt":"c"}}"#)
        #expect(messages(Validation.validate(tls, resource: .secrets)) == ["data[tls.key]: Required value"])
    }

    @Test func otherKinds() throws {
        let lease = try JSONValue.parse(#"{"metadata":{"name":"n1","namespace":"kube-node-lease"},"spec":{"leaseDurationSeconds":0}}"#)
        #expect(messages(Validation.validate(lease, resource: .leases)) == ["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"])
        let node = try JSONValue.parse(#"{"metadata":{"name":"n1"},"spec":{"taints":[{"key":"k","effect":"Sometimes"}]}}"#)
        #expect(Validation.validate(node, resource: .nodes).map(\.field) == ["spec.taints[0].effect"])
        let ev = try JSONValue.parse(#"{"metadata":{"name":"e.1","namespace":"a"},"involvedObject":{"kind":"Pod","name":"p","namespace":"b"}}"#)
        #expect(Validation.validate(ev, resource: .events).map(\.field) == ["involvedObject.namespace"])
        let ep = try JSONValue.parse(#"{"metadata":{"name":"web"},"subsets":[{"addresses":[{"ip":"nope"}],"ports":[{"port":80}]}]}"#)
        #expect(Validation.validate(ep, resource: .endpoints).map(\.field) == ["subsets[0].addresses[0].ip"])
    }
}

@Suite struct ValidationUpdateTests {
    @Test func workloadSelectorsImmutable() throws {
        let old = try validDeployment()
        var new = old
        new[path: ["spec", "selector", "matchLabels"]] = .object(["app": "api"])
        new[path: ["spec", "template", "metadata", "labels"]] = .object(["app": "api"])
        let errs = Validation.validateUpdate(old: old, new: new, resource: .deployments)
        #expect(errs.map(\.field) == ["spec.selector"])
        #expect(errs.first?.message.hasSuffix(": field is immutable") == true)
        var scaled = old
        scaled[path: ["spec", "replicas"]] = .int(10)
        #expect(Validation.validateUpdate(old: old, new: scaled, resource: .deployments).isEmpty)
    }

    @Test func metadataImmutable() throws {
        let old = try validDeployment()
        var new = old
        new[path: ["metadata", "name"]] = .string("other")
        new[path: ["metadata", "namespace"]] = .string("other")
        #expect(messages(Validation.validateUpdate(old: old, new: new, resource: .deployments)) == [
            "metadata.name: Invalid value: \"other\": field is immutable",
            "metadata.namespace: Invalid value: \"other\": field is immutable",
        ])
    }

    @Test func podSpecMostlyImmutable() throws {
        let old = try validPod()
        var imageChange = old
        var cs = imageChange[path: ["spec", "containers"]]!.arrayValue!
        cs[0]["image"] = "nginx:2"
        imageChange[path: ["spec", "containers"]] = .array(cs)
        imageChange[path: ["spec", "activeDeadlineSeconds"]] = .int(100)
        imageChange[path: ["spec", "tolerations"]] = [["operator": "Exists"]]
        imageChange[path: ["metadata", "labels"]] = ["new": "label"]
        #expect(Validation.validateUpdate(old: old, new: imageChange, resource: .pods).isEmpty)

        var portChange = old
        cs = portChange[path: ["spec", "containers"]]!.arrayValue!
        cs[0]["ports"] = [["containerPort": 81]]
        portChange[path: ["spec", "containers"]] = .array(cs)
        let errs = Validation.validateUpdate(old: old, new: portChange, resource: .pods)
        #expect(errs.map(\.field) == ["spec"])
        #expect(errs.first?.message.hasPrefix("Forbidden: pod updates may not change fields other than `spec.containers[*].image`") == true)
    }

    @Test func jobAndServiceAndConfig() throws {
        let job = try JSONValue.parse(#"{"metadata":{"name":"j"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"i"}]}}}}"#)
        var job2 = job
        job2[path: ["spec", "template", "spec", "restartPolicy"]] = "OnFailure"
        #expect(Validation.validateUpdate(old: job, new: job2, resource: .jobs).map(\.field) == ["spec.template"])
        var job3 = job
        job3[path: ["spec", "suspend"]] = true
        #expect(Validation.validateUpdate(old: job, new: job3, resource: .jobs).isEmpty)

        let svc = try JSONValue.parse(#"{"metadata":{"name":"s"},"spec":{"clusterIP":"10.96.0.5","ports":[{"port":80}]}}"#)
        var svc2 = svc
        svc2[path: ["spec", "clusterIP"]] = "10.96.0.6"
        #expect(messages(Validation.validateUpdate(old: svc, new: svc2, resource: .services)) ==
                ["spec.clusterIP: Invalid value: \"10.96.0.6\": field is immutable"])

        let cm = try JSONValue.parse(#"{"metadata":{"name":"c"},"data":{"a":"1"},"immutable":true}"#)
        var cm2 = cm
        cm2["data"] = ["a": "2"]
        #expect(messages(Validation.validateUpdate(old: cm, new: cm2, resource: .configMaps)) ==
                ["data: Forbidden: field is immutable when `immutable` is set"])
        var mutable = cm
        mutable["immutable"] = false
        mutable["data"] = ["a": "2"]
        var mutable2 = mutable
        mutable2["data"] = ["a": "3"]
        #expect(Validation.validateUpdate(old: mutable, new: mutable2, resource: .configMaps).isEmpty)

        let secret = try JSONValue.parse(#"{"metadata":{"name":"s"},"type":"Opaque","data":{"a":"YQ=="},"immutable":true}"#)
        var secret2 = secret
        secret2["data"] = ["a": "Yg=="]
        #expect(Validation.validateUpdate(old: secret, new: secret2, resource: .secrets).map(\.field) == ["data"])
    }
}
