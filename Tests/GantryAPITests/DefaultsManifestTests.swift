import Foundation
import GantryAPI
import Testing

@Suite("Defaults")
struct DefaultsTests {
    @Test func deploymentDefaults() {
        var d: JSONValue = [
            "spec": ["template": ["spec": ["containers": [
                ["name": "a", "image": "nginx"], ["name": "b", "image": "reg.local:5000/web:1.2", "ports": [["containerPort": 80]]],
                ["name": "c", "image": "busybox@sha256:abc", "livenessProbe": ["httpGet": ["port": 80]]],
            ]]]],
        ]
        Defaults.apply(&d, resource: .deployments)
        #expect(d[path: ["spec", "replicas"]] == 1)
        #expect(d[path: ["spec", "strategy"]] == ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]])
        #expect(d[path: ["spec", "revisionHistoryLimit"]] == 10)
        #expect(d[path: ["spec", "progressDeadlineSeconds"]] == 600)
        let spec = d[path: ["spec", "template", "spec"]]!
        #expect(spec["restartPolicy"] == "Always")
        #expect(spec["terminationGracePeriodSeconds"] == 30)
        #expect(spec["dnsPolicy"] == "ClusterFirst")
        let cs = spec["containers"]!.arrayValue!
        #expect(cs.map { $0["imagePullPolicy"] } == ["Always", "IfNotPresent", "IfNotPresent"])
        #expect(cs[1][path: ["ports"]]?.arrayValue?.first?["protocol"] == "TCP")
        #expect(cs[2][path: ["livenessProbe", "periodSeconds"]] == 10)
        #expect(cs[2][path: ["livenessProbe", "httpGet", "path"]] == "/")
        // Idempotent.
        var again = d
        Defaults.apply(&again, resource: .deployments)
        #expect(again == d)
    }

    @Test func explicitValuesWin() {
        var d: JSONValue = ["spec": ["replicas": 0, "strategy": ["type": "Recreate"],
                                     "template": ["spec": ["restartPolicy": "Always", "containers": [["name": "a", "image": "x:latest", "imagePullPolicy": "Never"]]]]]]
        Defaults.apply(&d, resource: .deployments)
        #expect(d[path: ["spec", "replicas"]] == 0)
        #expect(d[path: ["spec", "strategy"]] == ["type": "Recreate"])
        #expect(d[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["imagePullPolicy"] == "Never")
    }

    @Test func serviceJobAndSecretDefaults() {
        var s: JSONValue = ["spec": ["ports": [["port": 80]]]]
        Defaults.apply(&s, resource: .services)
        #expect(s[path: ["spec", "type"]] == "ClusterIP")
        #expect(s[path: ["spec", "sessionAffinity"]] == "None")
        #expect(s[path: ["spec", "ports"]]?.arrayValue?.first == ["port": 80, "protocol": "TCP", "targetPort": 80])
        var j: JSONValue = ["metadata": ["name": "j", "uid": "u1"], "spec": ["template": ["spec": ["restartPolicy": "Never", "containers": [["name": "a", "image": "x"]]]]]]
        Defaults.apply(&j, resource: .jobs)
        #expect(j[path: ["spec", "completions"]] == 1)
        #expect(j[path: ["spec", "parallelism"]] == 1)
        #expect(j[path: ["spec", "backoffLimit"]] == 6)
        #expect(j[path: ["spec", "selector", "matchLabels", "batch.kubernetes.io/controller-uid"]] == "u1")
        #expect(j[path: ["spec", "template", "metadata", "labels", "job-name"]] == "j")
        var sec: JSONValue = ["data": [:]]
        Defaults.apply(&sec, resource: .secrets)
        #expect(sec["type"] == "Opaque")
    }
}

@Suite("Manifests and JSON")
struct ManifestTests {
    @Test func multiDocumentYAMLAndLists() throws {
        let docs = try Manifest.decode("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: a}
            data:
              n: "1"
              port: 8080
            ---
            # a comment-only document is skipped
            ---
            apiVersion: v1
            kind: List
            items:
            - {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}
            - {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}
            """)
        #expect(docs.map { $0[path: ["metadata", "name"]] } == ["a", "b", "c"])
        #expect(docs[0][path: ["data", "n"]] == "1")
        #expect(docs[0][path: ["data", "port"]] == 8080)
        let json = try Manifest.decode(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}}"#)
        #expect(json.count == 1)
        #expect(throws: GantryError.self) { _ = try Manifest.decode("a: [b") }
        #expect(throws: GantryError.self) { _ = try Manifest.decode("- 1\n- 2\n") }
    }

    @Test func yamlRendersAndReparsesToTheSameValue() throws {
        let v: JSONValue = ["a": "plain", "b": "needs: quoting", "c": "true", "d": "123", "e": 1.5, "f": [1, "x", ["k": "v"]],
                            "g": ["h": .null, "i": [], "j": [:]], "k": "multi\nline\n", "l": "", "m": "-dash", "n": false]
        let text = Manifest.yaml(v)
        let back = try Manifest.decode(text)
        #expect(back == [v], "\(text)")
    }

    @Test func jsonParserIsExactAndStrict() throws {
        let v = try JSONValue.parse(#"{"i": 9007199254740993, "d": 1.25, "e": 1e3, "s": "\u00e9\n\ud83d\ude00", "n": null, "b": [true, false]}"#)
        #expect(v["i"] == .int(9_007_199_254_740_993))
        #expect(v["d"] == .double(1.25))
        #expect(v["e"] == .double(1000))
        #expect(v["s"] == .string("é\n😀"))
        #expect(try JSONValue.parse(v.serialized()) == v)
        for bad in ["{", "[1,]", "{\"a\" 1}", "tru", "\"unterminated", "01x", "{} {}", "\"\u{01}\""] {
            #expect(throws: GantryError.self, "\(bad)") { _ = try JSONValue.parse(bad) }
        }
    }
}
