import Testing
@testable import GantryAPI

private func j(_ s: String) throws -> JSONValue { try JSONValue.parse(s) }

@Suite("JSON merge patch (RFC 7386)")
struct MergePatchTests {
    /// The examples of RFC 7386, appendix A.
    @Test(arguments: [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ])
    func rfcExamples(original: String, patch: String, result: String) throws {
        #expect(Patch.mergePatch(try j(patch), to: try j(original)) == (try j(result)))
    }

    @Test func viaApplyRequiresObject() throws {
        let out = try Patch.apply(.merge, patch: try j(#"{"metadata":{"labels":{"a":null,"b":"2"}}}"#),
                                  to: try j(#"{"metadata":{"labels":{"a":"1"}}}"#), resource: .pods)
        #expect(out == (try j(#"{"metadata":{"labels":{"b":"2"}}}"#)))
        #expect(throws: GantryError.self) { try Patch.apply(.merge, patch: [1], to: [:], resource: .pods) }
    }
}

@Suite("JSON patch (RFC 6902)")
struct JSONPatchTests {
    let doc: JSONValue = ["spec": ["replicas": 1, "list": ["a", "b"], "m": ["x/y": 1, "t~n": 2]]]

    @Test func addReplaceRemove() throws {
        let out = try Patch.jsonPatch(try j("""
        [{"op":"add","path":"/spec/new","value":{"k":true}},
         {"op":"replace","path":"/spec/replicas","value":3},
         {"op":"add","path":"/spec/list/1","value":"ins"},
         {"op":"add","path":"/spec/list/-","value":"end"},
         {"op":"remove","path":"/spec/list/0"},
         {"op":"remove","path":"/spec/m/x~1y"},
         {"op":"replace","path":"/spec/m/t~0n","value":5}]
        """), to: doc)
        #expect(out == (try j(#"{"spec":{"replicas":3,"list":["ins","b","end"],"m":{"t~n":5},"new":{"k":true}}}"#)))
    }

    @Test func moveCopyTest() throws {
        let out = try Patch.jsonPatch(try j("""
        [{"op":"test","path":"/spec/replicas","value":1},
         {"op":"copy","from":"/spec/list","path":"/spec/copy"},
         {"op":"move","from":"/spec/replicas","path":"/spec/count"},
         {"op":"test","path":"/spec/copy/1","value":"b"}]
        """), to: doc)
        #expect(out["spec"]?["count"] == 1)
        #expect(out["spec"]?["replicas"] == nil)
        #expect(out["spec"]?["copy"] == ["a", "b"])
        #expect(try Patch.jsonPatch(try j(#"[{"op":"replace","path":"","value":{"x":1}}]"#), to: doc) == ["x": 1])
    }

    @Test func errors() throws {
        func failure(_ patch: String) throws -> GantryError? {
            do {
                _ = try Patch.jsonPatch(try j(patch), to: doc)
                return nil
            } catch let e as GantryError { return e }
        }
        let missing = try #require(try failure(#"[{"op":"replace","path":"/spec/foo","value":1}]"#))
        #expect(missing.code == .invalid)
        #expect(missing.message == "replace operation does not apply: doc is missing key: /spec/foo")
        #expect(try failure(#"[{"op":"remove","path":"/spec/nope"}]"#)?.code == .invalid)
        #expect(try failure(#"[{"op":"add","path":"/nope/deeper","value":1}]"#)?.message
                == #"add operation does not apply: doc is missing path: "/nope/deeper""#)
        #expect(try failure(#"[{"op":"add","path":"/spec/list/5","value":1}]"#)?.code == .invalid)
        let test = try #require(try failure(#"[{"op":"test","path":"/spec/replicas","value":2}]"#))
        #expect(test.code == .invalid)
        #expect(test.message == "testing value /spec/replicas failed: test failed")
        #expect(try failure(#"[{"op":"frobnicate","path":"/x"}]"#)?.code == .badRequest)
        #expect(try failure(#"[{"path":"/x"}]"#)?.code == .badRequest)
        #expect(try failure(#"{"op":"add"}"#)?.code == .badRequest)
        #expect(try failure(#"[{"op":"move","from":"/spec","path":"/spec/inner"}]"#)?.code == .invalid)
    }
}

@Suite("Strategic merge patch")
struct StrategicMergePatchTests {
    let deployment = try! JSONValue.parse("""
    {"apiVersion":"apps/v1","kind":"Deployment",
     "metadata":{"name":"web","namespace":"default","labels":{"app":"web","tier":"fe"},"finalizers":["a"]},
     "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
       "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
       "template":{"metadata":{"labels":{"app":"web"}},
         "spec":{"containers":[
            {"name":"web","image":"nginx:1.25","ports":[{"containerPort":80,"protocol":"TCP"}],
             "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
            {"name":"sidecar","image":"busybox:1.36","args":["sleep","3600"]}],
           "tolerations":[{"key":"k","operator":"Exists"}],
           "volumes":[{"name":"data","emptyDir":{}}]}}}}
    """)

    func smp(_ patch: String) throws -> JSONValue {
        try Patch.apply(.strategic, patch: try j(patch), to: deployment, resource: .deployments)
    }

    func containers(_ v: JSONValue) -> [JSONValue] {
        v[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
    }

    @Test func setImageMergesContainersByName() throws {
        // What `kubectl set image deployment/web web=nginx:1.27` sends.
        let out = try smp(#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}"#)
        let cs = containers(out)
        #expect(cs.count == 2)
        #expect(cs[0]["image"] == "nginx:1.27")
        #expect(cs[0]["ports"] == [["containerPort": 80, "protocol": "TCP"]])
        #expect(cs[1] == containers(deployment)[1])
        #expect(out["spec"]?["replicas"] == 2)
    }

    @Test func newElementsAppendAndNestedListsMergeByKey() throws {
        let out = try smp("""
        {"spec":{"template":{"spec":{"containers":[
          {"name":"web","env":[{"name":"B","value":"two"},{"name":"C","value":"3"}],"ports":[{"containerPort":443}]},
          {"name":"new","image":"redis"}]}}}}
        """)
        let cs = containers(out)
        #expect(cs.map { $0["name"]!.stringValue! } == ["web", "sidecar", "new"])
        #expect(cs[0]["env"] == [["name": "A", "value": "1"], ["name": "B", "value": "two"], ["name": "C", "value": "3"]])
        #expect(cs[0]["ports"]?.arrayValue?.count == 2)
    }

    @Test func deleteDirectiveRemovesElement() throws {
        let out = try smp(#"{"spec":{"template":{"spec":{"containers":[{"$patch":"delete","name":"sidecar"}]}}}}"#)
        #expect(containers(out).map { $0["name"]!.stringValue! } == ["web"])
        #expect(!out.jsonString().contains("$patch"))
    }

    @Test func setElementOrderReorders() throws {
        let out = try smp("""
        {"spec":{"template":{"spec":{
          "$setElementOrder/containers":[{"name":"sidecar"},{"name":"web"}],
          "containers":[{"name":"sidecar","image":"busybox:1.37"}]}}}}
        """)
        let cs = containers(out)
        #expect(cs.map { $0["name"]!.stringValue! } == ["sidecar", "web"])
        #expect(cs[0]["image"] == "busybox:1.37")
        #expect(!out.jsonString().contains("$setElementOrder"))
    }

    @Test func labelsAddAndRemoveWithNull() throws {
        // `kubectl label deployment web tier- env=prod`
        let out = try smp(#"{"metadata":{"labels":{"env":"prod","tier":null}}}"#)
        #expect(out["metadata"]?["labels"] == ["app": "web", "env": "prod"])
        #expect(out["metadata"]?["name"] == "web")
    }

    @Test func replicasPatch() throws {
        let out = try smp(#"{"spec":{"replicas":5}}"#)
        #expect(out["spec"]?["replicas"] == 5)
        #expect(containers(out) == containers(deployment))
        // `kubectl scale` patches the scale subresource.
        let scale: JSONValue = ["apiVersion": "autoscaling/v1", "kind": "Scale", "spec": ["replicas": 2]]
        let scaled = try Patch.apply(.merge, patch: try j(#"{"spec":{"replicas":7}}"#), to: scale,
                                     resource: .deployments, subresource: "scale")
        #expect(scaled["spec"]?["replicas"] == 7)
    }

    @Test func rolloutRestartAndPause() throws {
        let out = try smp("""
        {"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2025-01-01T00:00:00Z"}}}}}
        """)
        #expect(out[path: ["spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"]]
                == "2025-01-01T00:00:00Z")
        #expect(out[path: ["spec", "template", "metadata", "labels"]] == ["app": "web"])
        let paused = try Patch.apply(.strategic, patch: try j(#"{"spec":{"paused":true}}"#), to: out, resource: .deployments)
        #expect(paused["spec"]?["paused"] == true)
    }

    @Test func nonMergeListsReplaceAndPrimitiveMergeListsUnion() throws {
        let out = try smp("""
        {"metadata":{"finalizers":["b","a"]},
         "spec":{"template":{"spec":{"tolerations":[{"key":"other","operator":"Exists"}],
           "containers":[{"name":"sidecar","args":["sleep","10"]}]}}}}
        """)
        #expect(out["metadata"]?["finalizers"] == ["a", "b"])
        #expect(out[path: ["spec", "template", "spec", "tolerations"]] == [["key": "other", "operator": "Exists"]])
        #expect(containers(out)[1]["args"] == ["sleep", "10"])
        let removed = try smp(#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}"#)
        #expect(removed["metadata"]?["finalizers"] == [])
    }

    @Test func replaceAndRetainKeysDirectives() throws {
        let replaced = try smp(#"{"metadata":{"labels":{"$patch":"replace","only":"this"}}}"#)
        #expect(replaced["metadata"]?["labels"] == ["only": "this"])
        // `kubectl apply` switching strategy to Recreate sends $retainKeys (strategy has patchStrategy retainKeys).
        let recreate = try smp(#"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null}}}"#)
        #expect(recreate["spec"]?["strategy"] == ["type": "Recreate"])
        let listReplace = try smp(#"{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"x"}]}}}}"#)
        #expect(containers(listReplace) == [["name": "only", "image": "x"]])
        let volumes = try smp(#"{"spec":{"template":{"spec":{"volumes":[{"name":"data","$retainKeys":["name","hostPath"],"hostPath":{"path":"/d"}}]}}}}"#)
        #expect(volumes[path: ["spec", "template", "spec", "volumes"]] == [["name": "data", "hostPath": ["path": "/d"]]])
        let deleteMap = try smp(#"{"spec":{"strategy":{"$patch":"delete"}}}"#)
        #expect(deleteMap["spec"]?["strategy"] == nil)
    }

    @Test func kubectlApplyThreeWayPatch() throws {
        // The shape of the patch `kubectl apply` computes after a manifest edit: changed image, one env var
        // dropped, a port added, the last-applied annotation refreshed, element order pinned.
        let out = try smp("""
        {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{...}\\n"}},
         "spec":{"replicas":3,"template":{"spec":{
           "$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],
           "containers":[{"$setElementOrder/env":[{"name":"A"}],
                          "$setElementOrder/ports":[{"containerPort":80},{"containerPort":8080}],
                          "env":[{"$patch":"delete","name":"B"}],
                          "image":"nginx:1.27","name":"web",
                          "ports":[{"containerPort":8080,"name":"metrics"}]}]}}}}
        """)
        let web = containers(out)[0]
        #expect(web["image"] == "nginx:1.27")
        #expect(web["env"] == [["name": "A", "value": "1"]])
        #expect(web["ports"] == [["containerPort": 80, "protocol": "TCP"], ["containerPort": 8080, "name": "metrics"]])
        #expect(out["spec"]?["replicas"] == 3)
        #expect(out["metadata"]?["annotations"]?["kubectl.kubernetes.io/last-applied-configuration"] == "{...}\n")
        #expect(!out.jsonString().contains("$"))
    }

    @Test func patchCapturedFromKubectl132Apply() throws {
        // Sent by kubectl 1.32 `apply` (computed from this package's OpenAPI v3 document) after the manifest
        // swapped the container order, dropped env B, changed the image and added a port.
        let original = try j("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},
         "spec":{"template":{"spec":{"containers":[
           {"name":"web","image":"nginx","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
           {"name":"side","image":"busybox"}]}}}}
        """)
        let patch = try j("""
        {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}\\n"}},
         "spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"side"},{"name":"web"}],
           "containers":[{"$setElementOrder/env":[{"name":"A"}],"env":[{"$patch":"delete","name":"B"}],
                          "image":"nginx:2","name":"web","ports":[{"containerPort":80}]}]}}}}
        """)
        let out = try Patch.apply(.strategic, patch: patch, to: original, resource: .deployments)
        #expect(containers(out) == [
            ["name": "side", "image": "busybox"],
            ["name": "web", "image": "nginx:2", "env": [["name": "A", "value": "1"]], "ports": [["containerPort": 80]]],
        ])
        #expect(out["metadata"]?["annotations"]?["kubectl.kubernetes.io/last-applied-configuration"] == "{}\n")
    }

    @Test func serviceAndNodeLists() throws {
        let svc = try j(#"{"spec":{"ports":[{"port":80,"protocol":"TCP","targetPort":8080},{"port":53,"protocol":"UDP"}]}}"#)
        let out = try Patch.apply(.strategic, patch: try j(#"{"spec":{"ports":[{"port":80,"targetPort":"http"}]}}"#),
                                  to: svc, resource: .services)
        #expect(out[path: ["spec", "ports"]]?.arrayValue?.count == 2)
        #expect(out[path: ["spec", "ports"]]?.arrayValue?.first?["targetPort"] == "http")
        let node = try j(#"{"spec":{"taints":[{"key":"a","effect":"NoSchedule"}]}}"#)
        let tainted = try Patch.apply(.strategic, patch: try j(#"{"spec":{"taints":[{"key":"b","effect":"NoExecute"}]}}"#),
                                      to: node, resource: .nodes)
        #expect(tainted[path: ["spec", "taints"]]?.arrayValue?.count == 2)
    }

    @Test func applyTreatsConfigAsStrategicMerge() throws {
        let out = try Patch.apply(.apply, patch: try j("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
         "spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2"}]}}}}
        """), to: deployment, resource: .deployments)
        #expect(containers(out).count == 2)
        #expect(containers(out)[0]["image"] == "nginx:2")
        #expect(PatchType(contentType: "application/apply-patch+yaml; charset=utf-8") == .apply)
        #expect(PatchType(contentType: "application/strategic-merge-patch+json") == .strategic)
        #expect(PatchType(contentType: "text/plain") == nil)
    }

    @Test func malformedStrategicPatches() throws {
        #expect(throws: GantryError.self) { try smp("[]") }
        #expect(throws: GantryError.self) { try smp(#"{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}"#) }
        #expect(throws: GantryError.self) { try smp(#"{"metadata":{"$patch":"explode"}}"#) }
    }
}
