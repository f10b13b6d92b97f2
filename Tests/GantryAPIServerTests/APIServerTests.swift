import Foundation
import GantryAPI
import GantryAPIServer
import GantryStore
import GantryStoreEtcd
import GantryTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A thin JSON client over Hummingbird's test client.
struct API: Sendable {
    let client: any TestClientProtocol

    struct Reply: Sendable {
        var status: Int
        var body: JSONValue
        var headers: HTTPFields
        var text: String
    }

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, _ body: JSONValue? = nil, raw: String? = nil,
              contentType: String = "application/json", accept: String = "application/json") async throws -> Reply
    {
        var headers: HTTPFields = [.accept: accept]
        var buf: ByteBuffer? = nil
        if let raw {
            buf = ByteBuffer(string: raw)
            headers[.contentType] = contentType
        } else if let body {
            buf = ByteBuffer(bytes: Array(body.serialized()))
            headers[.contentType] = contentType
        }
        return try await client.execute(uri: path, method: method, headers: headers, body: buf) { resp in
            let text = String(buffer: resp.body)
            let json = (try? JSONValue.parse(text)) ?? .null
            return Reply(status: Int(resp.status.code), body: json, headers: resp.headers, text: text)
        }
    }
}

/// Runs `body` against a fresh control plane on an in-memory store.
func withAPI(_ body: @escaping @Sendable (API, ControlPlane) async throws -> Void) async throws {
    var config = ControlPlaneConfig()
    config.serviceCIDR = "10.96.0.0/28"
    config.nodePortRange = 30000...30003
    let cp = try ControlPlane(config: config, store: InMemoryStateStore())
    try await cp.bootstrap()
    let app = Application(responder: cp.handler)
    try await app.test(.router) { client in
        try await body(API(client: client), cp)
    }
}

let deployment: JSONValue = [
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": ["name": "web", "labels": ["app": "web"]],
    "spec": [
        "replicas": 2,
        "selector": ["matchLabels": ["app": "web"]],
        "template": [
            "metadata": ["labels": ["app": "web"]],
            "spec": ["containers": [["name": "web", "image": "busybox:1.36", "ports": [["containerPort": 8080]]]]],
        ],
    ],
]

func configMap(_ name: String, labels: [String: String] = [:]) -> JSONValue {
    ["apiVersion": "v1", "kind": "ConfigMap",
     "metadata": ["name": .string(name), "labels": .object(labels.mapValues { .string($0) })],
     "data": ["k": "v"]]
}

@Suite("API server over HTTP")
struct APIServerTests {
    @Test func healthAndDiscovery() async throws {
        try await withAPI { api, _ in
            #expect(try await api.call(.get, "/healthz").text == "ok")
            #expect(try await api.call(.get, "/readyz").text == "ok")
            #expect(try await api.call(.get, "/livez").text == "ok")
            let apiVersions = try await api.call(.get, "/api").body
            #expect(apiVersions["versions"] == ["v1"])
            let groups = try await api.call(.get, "/apis").body["groups"]?.arrayValue ?? []
            #expect(Set(groups.compactMap { $0["name"]?.stringValue }) == ["apps", "batch", "coordination.k8s.io", "discovery.k8s.io", "certificates.k8s.io",
                                                                                "rbac.authorization.k8s.io", "authorization.k8s.io", "authentication.k8s.io",
                                                                                "policy", "networking.k8s.io", "scheduling.k8s.io", "apiextensions.k8s.io", "storage.k8s.io", "events.k8s.io",
                                                                                "metrics.k8s.io", "autoscaling"])
            let core = try await api.call(.get, "/api/v1").body["resources"]?.arrayValue ?? []
            let pods = core.first { $0["name"] == "pods" }
            #expect(pods?["shortNames"] == ["po"])
            #expect(pods?["namespaced"] == true)
            #expect(core.contains { $0["name"] == "pods/binding" })
            let apps = try await api.call(.get, "/apis/apps/v1").body["resources"]?.arrayValue ?? []
            #expect(apps.first { $0["name"] == "deployments" }?["shortNames"] == ["deploy"])
            #expect(apps.first { $0["name"] == "deployments/scale" }?["kind"] == "Scale")
            #expect(try await api.call(.get, "/version").body["major"] == "1")
            let index = try await api.call(.get, "/openapi/v3").body
            let url = index[path: ["paths", "apis/apps/v1", "serverRelativeURL"]]?.stringValue ?? ""
            #expect(url.hasPrefix("/openapi/v3/apis/apps/v1"))
            let doc = try await api.call(.get, url).body
            #expect(doc[path: ["components", "schemas", "io.k8s.api.apps.v1.Deployment"]] != nil)
            #expect(try await api.call(.get, "/apis/nope/v1").status == 404)
            #expect(try await api.call(.get, "/api/v1/widgets").status == 404)
        }
    }

    @Test func defaultNamespacesExist() async throws {
        try await withAPI { api, _ in
            let items = try await api.call(.get, "/api/v1/namespaces").body["items"]?.arrayValue ?? []
            let names = Set(items.compactMap { $0[path: ["metadata", "name"]]?.stringValue })
            #expect(names.isSuperset(of: ["default", "kube-system", "kube-node-lease"]))
        }
    }

    @Test func createGetUpdateAndConflicts() async throws {
        try await withAPI { api, _ in
            let created = try await api.call(.post, "/apis/apps/v1/namespaces/default/deployments", deployment)
            #expect(created.status == 201)
            let obj = created.body
            #expect(obj[path: ["metadata", "uid"]]?.stringValue?.count == 36)
            #expect(obj[path: ["metadata", "generation"]] == 1)
            #expect(obj[path: ["metadata", "namespace"]] == "default")
            #expect(obj[path: ["metadata", "creationTimestamp"]] != nil)
            // Defaults applied.
            #expect(obj[path: ["spec", "strategy", "type"]] == "RollingUpdate")
            #expect(obj[path: ["spec", "strategy", "rollingUpdate", "maxSurge"]] == "25%")
            #expect(obj[path: ["spec", "revisionHistoryLimit"]] == 10)
            #expect(obj[path: ["spec", "progressDeadlineSeconds"]] == 600)
            #expect(obj[path: ["spec", "template", "spec", "restartPolicy"]] == "Always")
            #expect(obj[path: ["spec", "template", "spec", "terminationGracePeriodSeconds"]] == 30)
            #expect(obj[path: ["spec", "template", "spec", "dnsPolicy"]] == "ClusterFirst")
            let c0 = obj[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first
            #expect(c0?["imagePullPolicy"] == "IfNotPresent")
            #expect(c0?["ports"]?.arrayValue?.first?["protocol"] == "TCP")

            let dup = try await api.call(.post, "/apis/apps/v1/namespaces/default/deployments", deployment)
            #expect(dup.status == 409)
            #expect(dup.body["reason"] == "AlreadyExists")
            #expect(dup.body["kind"] == "Status")

            let got = try await api.call(.get, "/apis/apps/v1/namespaces/default/deployments/web")
            #expect(got.body == obj)

            // PUT with the current resourceVersion: generation goes up when the spec changes.
            var changed = obj
            changed[path: ["spec", "replicas"]] = 4
            let put = try await api.call(.put, "/apis/apps/v1/namespaces/default/deployments/web", changed)
            #expect(put.status == 200)
            #expect(put.body[path: ["metadata", "generation"]] == 2)
            #expect(put.body[path: ["metadata", "resourceVersion"]] != obj[path: ["metadata", "resourceVersion"]])
            // A stale resourceVersion is a 409 Conflict and writes nothing.
            changed[path: ["spec", "replicas"]] = 7
            let stale = try await api.call(.put, "/apis/apps/v1/namespaces/default/deployments/web", changed)
            #expect(stale.status == 409)
            #expect(stale.body["reason"] == "Conflict")
            #expect((stale.body["message"]?.stringValue ?? "").contains("the object has been modified"))
            #expect(try await api.call(.get, "/apis/apps/v1/namespaces/default/deployments/web").body[path: ["spec", "replicas"]] == 4)
            // Metadata-only changes do not bump generation.
            var labelled = put.body
            labelled[path: ["metadata", "labels", "tier"]] = "frontend"
            let put2 = try await api.call(.put, "/apis/apps/v1/namespaces/default/deployments/web", labelled)
            #expect(put2.body[path: ["metadata", "generation"]] == 2)
            // Status sent to the main resource is ignored.
            var withStatus = put2.body
            withStatus["status"] = ["replicas": 99]
            let put3 = try await api.call(.put, "/apis/apps/v1/namespaces/default/deployments/web", withStatus)
            #expect(put3.body[path: ["status", "replicas"]] == nil)
            // The status subresource writes only status.
            var st = put3.body
            st["status"] = ["replicas": 3, "readyReplicas": 2]
            st[path: ["spec", "replicas"]] = 100
            let put4 = try await api.call(.put, "/apis/apps/v1/namespaces/default/deployments/web/status", st)
            #expect(put4.body[path: ["status", "replicas"]] == 3)
            #expect(put4.body[path: ["spec", "replicas"]] == 4)
            #expect(try await api.call(.get, "/apis/apps/v1/namespaces/default/deployments/web/status").body[path: ["status", "readyReplicas"]] == 2)
            // Unknown fields are kept, as sent.
            var extra = configMap("extra")
            extra["futureField"] = ["nested": [1, 2]]
            let e = try await api.call(.post, "/api/v1/namespaces/default/configmaps", extra)
            #expect(e.status == 201)
            #expect(try await api.call(.get, "/api/v1/namespaces/default/configmaps/extra").body["futureField"] == ["nested": [1, 2]])
            // ... unless the client asks for strict field validation.
            let strict = try await api.call(.post, "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", {
                var c = configMap("strict"); c["futureField"] = 1; return c
            }())
            #expect(strict.status == 400)
            #expect((strict.body["message"]?.stringValue ?? "").contains("unknown field \"futureField\""))
        }
    }

    @Test func invalidInputIsAClearErrorAndStoresNothing() async throws {
        try await withAPI { api, _ in
            var bad = deployment
            bad[path: ["spec", "replicas"]] = -3
            let r = try await api.call(.post, "/apis/apps/v1/namespaces/default/deployments", bad)
            #expect(r.status == 422)
            #expect(r.body["reason"] == "Invalid")
            #expect(r.body[path: ["details", "kind"]] == "Deployment")
            let causes = r.body[path: ["details", "causes"]]?.arrayValue ?? []
            #expect(causes.contains { $0["field"] == "spec.replicas" })
            #expect((r.body["message"]?.stringValue ?? "").contains("spec.replicas: Invalid value: -3"))
            #expect(try await api.call(.get, "/apis/apps/v1/namespaces/default/deployments/web").status == 404)

            // Malformed JSON and YAML are 400, never 500.
            let malformed = try await api.call(.post, "/api/v1/namespaces/default/configmaps", raw: "{\"kind\": ")
            #expect(malformed.status == 400)
            let yaml = try await api.call(.post, "/api/v1/namespaces/default/configmaps", raw: "a: [b", contentType: "application/yaml")
            #expect(yaml.status == 400)
            // YAML bodies work.
            let y = try await api.call(.post, "/api/v1/namespaces/default/configmaps",
                                       raw: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  n: \"1\"\n",
                                       contentType: "application/yaml")
            #expect(y.status == 201)
            // Wrong kind for the URL.
            let wrongKind = try await api.call(.post, "/api/v1/namespaces/default/configmaps", deployment)
            #expect(wrongKind.status == 400)
            // Namespace mismatch.
            var other = configMap("x")
            other[path: ["metadata", "namespace"]] = "kube-system"
            #expect(try await api.call(.post, "/api/v1/namespaces/default/configmaps", other).status == 400)
            // Missing namespace.
            #expect(try await api.call(.post, "/api/v1/namespaces/nope/configmaps", configMap("x")).status == 404)
            // Bad names name the field.
            let badName = try await api.call(.post, "/api/v1/namespaces/default/configmaps", configMap("Bad_Name"))
            #expect(badName.status == 422)
            #expect(badName.body[path: ["details", "causes"]]?.arrayValue?.first?["field"] == "metadata.name")
            // Unsupported patch type is 415.
            _ = try await api.call(.post, "/apis/apps/v1/namespaces/default/deployments", deployment)
            let p = try await api.call(.patch, "/apis/apps/v1/namespaces/default/deployments/web", ["spec": ["replicas": 1]],
                                       contentType: "text/plain")
            #expect(p.status == 415)
            // A patch that makes the object invalid is 422 and changes nothing.
            let p2 = try await api.call(.patch, "/apis/apps/v1/namespaces/default/deployments/web", ["spec": ["replicas": -1]],
                                        contentType: "application/merge-patch+json")
            #expect(p2.status == 422)
            #expect(try await api.call(.get, "/apis/apps/v1/namespaces/default/deployments/web").body[path: ["spec", "replicas"]] == 2)
            // Bad selectors are 400.
            #expect(try await api.call(.get, "/api/v1/pods?labelSelector=a%20in%20(").status == 400)
            #expect(try await api.call(.get, "/api/v1/pods?fieldSelector=spec.bogus%3Dx").status == 400)
        }
    }

    @Test func patchTypes() async throws {
        try await withAPI { api, _ in
            _ = try await api.call(.post, "/apis/apps/v1/namespaces/default/deployments", deployment)
            let path = "/apis/apps/v1/namespaces/default/deployments/web"
            let merge = try await api.call(.patch, path, ["metadata": ["labels": ["tier": "fe"]]], contentType: "application/merge-patch+json")
            #expect(merge.status == 200)
            #expect(merge.body[path: ["metadata", "labels", "tier"]] == "fe")
            #expect(merge.body[path: ["metadata", "generation"]] == 1)
            let json = try await api.call(.patch, path, [["op": "replace", "path": "/spec/replicas", "value": 6]],
                                          contentType: "application/json-patch+json")
            #expect(json.body[path: ["spec", "replicas"]] == 6)
            #expect(json.body[path: ["metadata", "generation"]] == 2)
            // kubectl set image: a strategic merge patch by container name.
            let smp: JSONValue = ["spec": ["template": ["spec": ["containers": [["name": "web", "image": "busybox:1.37"]]]]]]
            let s = try await api.call(.patch, path, smp, contentType: "application/strategic-merge-patch+json")
            let containers = s.body[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
            #expect(containers.count == 1)
            #expect(containers.first?["image"] == "busybox:1.37")
            #expect(containers.first?["ports"] != nil)
            // A failing JSON patch test op is 422.
            let t = try await api.call(.patch, path, [["op": "test", "path": "/spec/replicas", "value": 1]],
                                       contentType: "application/json-patch+json")
            #expect(t.status == 422)
            // A patch pinning a stale resourceVersion conflicts.
            let pinned = try await api.call(.patch, path, ["metadata": ["resourceVersion": "1"], "spec": ["replicas": 2]],
                                            contentType: "application/merge-patch+json")
            #expect(pinned.status == 409)
            #expect(try await api.call(.patch, "/apis/apps/v1/namespaces/default/deployments/nope", ["spec": .emptyObject],
                                       contentType: "application/merge-patch+json").status == 404)
        }
    }

    @Test func concurrentUnpinnedPatchesAllLand() async throws {
        try await withAPI { api, _ in
            _ = try await api.call(.post, "/apis/apps/v1/namespaces/default/deployments", deployment)
            let path = "/apis/apps/v1/namespaces/default/deployments/web"
            // Writers racing on one object without a resourceVersion: each patch is retried on the latest
            // version rather than failing with a conflict.
            let statuses = await withTaskGroup(of: Int.self) { group in
                for w in 0..<4 {
                    group.addTask {
                        var worst = 200
                        for i in 0..<10 {
                            let r = try? await api.call(.patch, path, ["metadata": ["annotations": ["w\(w)": .string("\(i)")]]],
                                                        contentType: "application/merge-patch+json")
                            worst = max(worst, r?.status ?? 599)
                        }
                        return worst
                    }
                }
                return await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == [200, 200, 200, 200])
            let d = try await api.call(.get, path).body
            #expect((0..<4).allSatisfy { d[path: ["metadata", "annotations", "w\($0)"]] == "9" })
        }
    }

    @Test func scaleSubresource() async throws {
        try await withAPI { api, _ in
            _ = try await api.call(.post, "/apis/apps/v1/namespaces/default/deployments", deployment)
            let scale = try await api.call(.get, "/apis/apps/v1/namespaces/default/deployments/web/scale").body
            #expect(scale["kind"] == "Scale")
            #expect(scale["apiVersion"] == "autoscaling/v1")
            #expect(scale[path: ["spec", "replicas"]] == 2)
            #expect(scale[path: ["status", "selector"]] == "app=web")
            let patched = try await api.call(.patch, "/apis/apps/v1/namespaces/default/deployments/web/scale",
                                             ["spec": ["replicas": 5]], contentType: "application/merge-patch+json")
            #expect(patched.body[path: ["spec", "replicas"]] == 5)
            let d = try await api.call(.get, "/apis/apps/v1/namespaces/default/deployments/web").body
            #expect(d[path: ["spec", "replicas"]] == 5)
            #expect(d[path: ["metadata", "generation"]] == 2)
            var put = patched.body
            put[path: ["spec", "replicas"]] = -1
            #expect(try await api.call(.put, "/apis/apps/v1/namespaces/default/deployments/web/scale", put).status == 422)
        }
    }

    @Test func listSelectorsAndPaging() async throws {
        try await withAPI { api, _ in
            for i in 0..<7 {
                _ = try await api.call(.post, "/api/v1/namespaces/default/configmaps",
                                       configMap("cm\(i)", labels: ["parity": i % 2 == 0 ? "even" : "odd", "n": "\(i)"]))
            }
            _ = try await api.call(.post, "/api/v1/namespaces/kube-system/configmaps", configMap("sys"))
            let all = try await api.call(.get, "/api/v1/configmaps").body
            #expect(all["kind"] == "ConfigMapList")
            #expect(all["items"]?.arrayValue?.count == 8)
            let even = try await api.call(.get, "/api/v1/namespaces/default/configmaps?labelSelector=parity%3Deven").body
            #expect(even["items"]?.arrayValue?.count == 4)
            let setBased = try await api.call(.get, "/api/v1/namespaces/default/configmaps?labelSelector=n%20in%20(1,2,3),parity!%3Dodd").body
            #expect(setBased["items"]?.arrayValue?.compactMap { $0[path: ["metadata", "name"]]?.stringValue } == ["cm2"])
            let byName = try await api.call(.get, "/api/v1/configmaps?fieldSelector=metadata.name%3Dsys").body
            #expect(byName["items"]?.arrayValue?.count == 1)
            let byNS = try await api.call(.get, "/api/v1/configmaps?fieldSelector=metadata.namespace%3Dkube-system").body
            #expect(byNS["items"]?.arrayValue?.count == 1)

            // Pages at a consistent revision: writes between pages don't show up.
            let p1 = try await api.call(.get, "/api/v1/namespaces/default/configmaps?limit=3").body
            #expect(p1["items"]?.arrayValue?.count == 3)
            let token = p1[path: ["metadata", "continue"]]?.stringValue ?? ""
            #expect(!token.isEmpty)
            _ = try await api.call(.post, "/api/v1/namespaces/default/configmaps", configMap("cm9"))
            var names = p1["items"]!.arrayValue!.compactMap { $0[path: ["metadata", "name"]]?.stringValue }
            var next = token
            while !next.isEmpty {
                let page = try await api.call(.get, "/api/v1/namespaces/default/configmaps?limit=3&continue=\(next)").body
                #expect(page[path: ["metadata", "resourceVersion"]] == p1[path: ["metadata", "resourceVersion"]])
                names += page["items"]!.arrayValue!.compactMap { $0[path: ["metadata", "name"]]?.stringValue }
                next = page[path: ["metadata", "continue"]]?.stringValue ?? ""
            }
            #expect(names == (0..<7).map { "cm\($0)" })
            // Paging with a selector fills pages with matches.
            let sel = try await api.call(.get, "/api/v1/namespaces/default/configmaps?limit=2&labelSelector=parity%3Dodd").body
            #expect(sel["items"]?.arrayValue?.count == 2)
            #expect(try await api.call(.get, "/api/v1/configmaps?limit=2&continue=garbage").status == 400)
        }
    }

    @Test func fieldSelectorsForPods() async throws {
        try await withAPI { api, _ in
            for (name, node) in [("a", "n1"), ("b", "n2"), ("c", "")] {
                var spec: JSONValue = ["containers": [["name": "c", "image": "busybox"]]]
                if !node.isEmpty { spec["nodeName"] = .string(node) }
                _ = try await api.call(.post, "/api/v1/namespaces/default/pods",
                                       ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)], "spec": spec])
            }
            let onN1 = try await api.call(.get, "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1").body
            #expect(onN1["items"]?.arrayValue?.count == 1)
            let unbound = try await api.call(.get, "/api/v1/pods?fieldSelector=spec.nodeName%3D").body
            #expect(unbound["items"]?.arrayValue?.compactMap { $0[path: ["metadata", "name"]]?.stringValue } == ["c"])
            let pending = try await api.call(.get, "/api/v1/pods?fieldSelector=status.phase%3DPending,spec.nodeName!%3Dn2").body
            #expect(pending["items"]?.arrayValue?.count == 2)
            // The new pod got status Pending and a QoS class.
            let c = try await api.call(.get, "/api/v1/namespaces/default/pods/c").body
            #expect(c[path: ["status", "phase"]] == "Pending")
            #expect(c[path: ["status", "qosClass"]] == "BestEffort")
            #expect(c[path: ["spec", "containers"]]?.arrayValue?.first?["imagePullPolicy"] == "Always")
        }
    }

    @Test func bindingAssignsANodeOnce() async throws {
        try await withAPI { api, _ in
            _ = try await api.call(.post, "/api/v1/namespaces/default/pods",
                                   ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"],
                                    "spec": ["containers": [["name": "c", "image": "busybox"]]]])
            let binding: JSONValue = ["apiVersion": "v1", "kind": "Binding", "metadata": ["name": "p"],
                                      "target": ["apiVersion": "v1", "kind": "Node", "name": "node-1"]]
            #expect(try await api.call(.post, "/api/v1/namespaces/default/pods/p/binding", binding).status == 201)
            let pod = try await api.call(.get, "/api/v1/namespaces/default/pods/p").body
            #expect(pod[path: ["spec", "nodeName"]] == "node-1")
            #expect(pod[path: ["status", "conditions"]]?.arrayValue?.first?["type"] == "PodScheduled")
            var again = binding
            again[path: ["target", "name"]] = "node-2"
            let second = try await api.call(.post, "/api/v1/namespaces/default/pods/p/binding", again)
            #expect(second.status == 409)
        }
    }

    @Test func serviceAllocationHasNoCollisions() async throws {
        try await withAPI { api, _ in
            func svc(_ name: String, type: String = "ClusterIP", nodePort: Int? = nil, clusterIP: String? = nil) -> JSONValue {
                var port: JSONValue = ["port": 80, "targetPort": "http"]
                if let nodePort { port["nodePort"] = .int(Int64(nodePort)) }
                var spec: JSONValue = ["type": .string(type), "selector": ["app": .string(name)], "ports": [port]]
                if let clusterIP { spec["clusterIP"] = .string(clusterIP) }
                return ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name)], "spec": spec]
            }
            // The /28 range has 14 usable addresses; the `kubernetes` Service holds the first.
            var ips: Set<String> = ["10.96.0.1"]
            for i in 0..<13 {
                let r = try await api.call(.post, "/api/v1/namespaces/default/services", svc("s\(i)"))
                #expect(r.status == 201)
                let ip = r.body[path: ["spec", "clusterIP"]]?.stringValue ?? ""
                #expect(!ips.contains(ip), "duplicate \(ip)")
                ips.insert(ip)
                #expect(r.body[path: ["spec", "ports"]]?.arrayValue?.first?["protocol"] == "TCP")
            }
            let full = try await api.call(.post, "/api/v1/namespaces/default/services", svc("overflow"))
            #expect(full.status == 500 || full.status == 422)
            // Deleting one frees its address.
            #expect(try await api.call(.delete, "/api/v1/namespaces/default/services/s3").status == 200)
            #expect(try await api.call(.post, "/api/v1/namespaces/default/services", svc("again")).status == 201)
            for i in [0, 1, 2, 4, 5, 6] {
                #expect(try await api.call(.delete, "/api/v1/namespaces/default/services/s\(i)").status == 200)
            }
            // Headless.
            let headless = try await api.call(.post, "/api/v1/namespaces/kube-system/services", svc("headless", clusterIP: "None"))
            #expect(headless.body[path: ["spec", "clusterIP"]] == "None")
            // Node ports: requested, taken, out of range, and automatic.
            let np1 = try await api.call(.post, "/api/v1/namespaces/kube-system/services", svc("np1", type: "NodePort", nodePort: 30001))
            #expect(np1.body[path: ["spec", "ports"]]?.arrayValue?.first?["nodePort"] == 30001)
            let taken = try await api.call(.post, "/api/v1/namespaces/kube-system/services", svc("np2", type: "NodePort", nodePort: 30001))
            #expect(taken.status == 422)
            #expect((taken.body["message"]?.stringValue ?? "").contains("already allocated"))
            let outside = try await api.call(.post, "/api/v1/namespaces/kube-system/services", svc("np3", type: "NodePort", nodePort: 31999))
            #expect(outside.status == 422)
            var ports: Set<Int64> = [30001]
            for i in 0..<3 {
                let r = try await api.call(.post, "/api/v1/namespaces/kube-system/services", svc("auto\(i)", type: "NodePort"))
                let p = r.body[path: ["spec", "ports"]]?.arrayValue?.first?["nodePort"]?.intValue ?? 0
                #expect((30000...30003).contains(p))
                #expect(!ports.contains(p))
                ports.insert(p)
            }
            // An update keeps the allocated IP and node port.
            let cur = try await api.call(.get, "/api/v1/namespaces/kube-system/services/np1").body
            var upd = cur
            upd[path: ["spec", "selector"]] = ["app": "other"]
            let u = try await api.call(.put, "/api/v1/namespaces/kube-system/services/np1", upd)
            #expect(u.status == 200)
            #expect(u.body[path: ["spec", "clusterIP"]] == cur[path: ["spec", "clusterIP"]])
            #expect(u.body[path: ["spec", "ports"]]?.arrayValue?.first?["nodePort"] == 30001)
        }
    }

    @Test func tablesForKubectl() async throws {
        try await withAPI { api, _ in
            _ = try await api.call(.post, "/apis/apps/v1/namespaces/default/deployments", deployment)
            let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
            for path in ["/api/v1/namespaces/default/pods", "/apis/apps/v1/namespaces/default/deployments",
                         "/apis/apps/v1/namespaces/default/replicasets", "/api/v1/namespaces/default/services",
                         "/api/v1/nodes", "/api/v1/namespaces", "/api/v1/namespaces/default/configmaps"] {
                let t = try await api.call(.get, path, accept: accept).body
                #expect(t["kind"] == "Table", "\(path)")
                #expect(t["columnDefinitions"]?.arrayValue?.first?["name"] == "Name", "\(path)")
            }
            let t = try await api.call(.get, "/apis/apps/v1/namespaces/default/deployments", accept: accept).body
            let cols = t["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(Array(cols.prefix(5)) == ["Name", "Ready", "Up-to-date", "Available", "Age"])
            let row = t["rows"]?.arrayValue?.first
            #expect(row?["cells"]?.arrayValue?.prefix(2).map { $0 } == ["web", "0/2"])
            #expect(row?[path: ["object", "kind"]] == "PartialObjectMetadata")
            let svc = try await api.call(.get, "/api/v1/namespaces/default/services", accept: accept).body
            #expect(svc["rows"]?.arrayValue?.first?["cells"]?.arrayValue?[2] == "10.96.0.1")
        }
    }

    @Test func deletionWithFinalizersGracePeriodsAndCollections() async throws {
        try await withAPI { api, _ in
            var cm = configMap("held")
            cm[path: ["metadata", "finalizers"]] = ["example.com/hold"]
            _ = try await api.call(.post, "/api/v1/namespaces/default/configmaps", cm)
            let del = try await api.call(.delete, "/api/v1/namespaces/default/configmaps/held")
            #expect(del.status == 200)
            let marked = try await api.call(.get, "/api/v1/namespaces/default/configmaps/held").body
            #expect(marked[path: ["metadata", "deletionTimestamp"]] != nil)
            // No new finalizers while terminating; removing the last one deletes the object.
            var add = marked
            add[path: ["metadata", "finalizers"]] = ["example.com/hold", "example.com/more"]
            #expect(try await api.call(.put, "/api/v1/namespaces/default/configmaps/held", add).status == 422)
            var release = marked
            release[path: ["metadata", "finalizers"]] = []
            #expect(try await api.call(.put, "/api/v1/namespaces/default/configmaps/held", release).status == 200)
            #expect(try await api.call(.get, "/api/v1/namespaces/default/configmaps/held").status == 404)

            // A pod bound to a node waits for its agent to finish a graceful deletion.
            _ = try await api.call(.post, "/api/v1/namespaces/default/pods",
                                   ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"],
                                    "spec": ["nodeName": "n1", "containers": [["name": "c", "image": "busybox"]]]])
            _ = try await api.call(.delete, "/api/v1/namespaces/default/pods/p")
            let terminating = try await api.call(.get, "/api/v1/namespaces/default/pods/p").body
            #expect(terminating[path: ["metadata", "deletionGracePeriodSeconds"]] == 30)
            _ = try await api.call(.delete, "/api/v1/namespaces/default/pods/p", ["kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0])
            #expect(try await api.call(.get, "/api/v1/namespaces/default/pods/p").status == 404)

            // Preconditions.
            _ = try await api.call(.post, "/api/v1/namespaces/default/configmaps", configMap("pre"))
            let pre = try await api.call(.delete, "/api/v1/namespaces/default/configmaps/pre",
                                         ["kind": "DeleteOptions", "apiVersion": "v1", "preconditions": ["uid": "wrong"]])
            #expect(pre.status == 409)

            for i in 0..<4 { _ = try await api.call(.post, "/api/v1/namespaces/default/configmaps", configMap("dc\(i)", labels: ["x": "y"])) }
            let dc = try await api.call(.delete, "/api/v1/namespaces/default/configmaps?labelSelector=x%3Dy")
            #expect(dc.body["items"]?.arrayValue?.count == 4)
            let left = try await api.call(.get, "/api/v1/namespaces/default/configmaps").body["items"]?.arrayValue ?? []
            #expect(left.compactMap { $0[path: ["metadata", "name"]]?.stringValue } == ["pre"])
            #expect(try await api.call(.delete, "/api/v1/namespaces/default/configmaps/none").status == 404)
        }
    }

    @Test func deletingANamespaceDeletesItsContents() async throws {
        try await withAPI { api, _ in
            _ = try await api.call(.post, "/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team"]])
            _ = try await api.call(.post, "/api/v1/namespaces/team/configmaps", configMap("c"))
            _ = try await api.call(.post, "/apis/apps/v1/namespaces/team/deployments", deployment)
            let del = try await api.call(.delete, "/api/v1/namespaces/team")
            #expect(del.status == 200)
            #expect(del.body[path: ["status", "phase"]] == "Terminating")
            // Nothing new may be created in a terminating namespace.
            #expect(try await api.call(.post, "/api/v1/namespaces/team/configmaps", configMap("late")).status == 403)
        }
        // The finalizer runs as a service; drive one pass directly.
        let cp = try ControlPlane(config: ControlPlaneConfig(), store: InMemoryStateStore())
        try await cp.bootstrap()
        _ = try await cp.registry.create(.namespaces, namespace: nil, body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team"]], options: WriteOptions())
        _ = try await cp.registry.create(.configMaps, namespace: "team", body: configMap("c"), options: WriteOptions())
        _ = try await cp.registry.delete(.namespaces, namespace: nil, name: "team", options: DeleteOptions())
        let finalizer = NamespaceFinalizer(registry: cp.registry, logger: .init(label: "test"))
        _ = try await finalizer.pass()
        _ = try await finalizer.pass()
        await #expect(throws: GantryError.self) { _ = try await cp.registry.get(.namespaces, namespace: nil, name: "team") }
        await #expect(throws: GantryError.self) { _ = try await cp.registry.get(.configMaps, namespace: "team", name: "c") }
    }

    @Test func generateName() async throws {
        try await withAPI { api, _ in
            var cm = configMap("")
            cm[path: ["metadata", "name"]] = nil
            cm[path: ["metadata", "generateName"]] = "gen-"
            let a = try await api.call(.post, "/api/v1/namespaces/default/configmaps", cm).body
            let b = try await api.call(.post, "/api/v1/namespaces/default/configmaps", cm).body
            let an = a[path: ["metadata", "name"]]?.stringValue ?? ""
            #expect(an.hasPrefix("gen-") && an.count == 9)
            #expect(an != b[path: ["metadata", "name"]]?.stringValue)
            cm[path: ["metadata", "generateName"]] = nil
            let none = try await api.call(.post, "/api/v1/namespaces/default/configmaps", cm)
            #expect(none.status == 422)
        }
    }

    @Test func secretsFoldStringData() async throws {
        try await withAPI { api, _ in
            let s = try await api.call(.post, "/api/v1/namespaces/default/secrets",
                                       ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "stringData": ["password": "s3cret"]]).body
            #expect(s["stringData"] == nil)
            #expect(s[path: ["data", "password"]] == .string(Data("s3cret".utf8).base64EncodedString()))
            #expect(s["type"] == "Opaque")
        }
    }
}

@Suite("Watch over HTTP")
struct WatchTests {
    func lines(_ text: String) -> [JSONValue] {
        text.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
    }

    @Test func watchFromRevisionStreamsChangesWithSelectorSemantics() async throws {
        try await withAPI { api, _ in
            let list = try await api.call(.get, "/api/v1/namespaces/default/configmaps").body
            let rv = list[path: ["metadata", "resourceVersion"]]?.stringValue ?? "0"
            _ = try await api.call(.post, "/api/v1/namespaces/default/configmaps", configMap("a", labels: ["w": "yes"]))
            _ = try await api.call(.post, "/api/v1/namespaces/default/configmaps", configMap("b", labels: ["w": "no"]))
            // b enters the selection, a leaves it, and a is then deleted.
            _ = try await api.call(.patch, "/api/v1/namespaces/default/configmaps/b", ["metadata": ["labels": ["w": "yes"]]],
                                   contentType: "application/merge-patch+json")
            _ = try await api.call(.patch, "/api/v1/namespaces/default/configmaps/a", ["metadata": ["labels": ["w": "no"]]],
                                   contentType: "application/merge-patch+json")
            let r = try await api.call(.get, "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1&labelSelector=w%3Dyes&resourceVersion=\(rv)")
            #expect(r.status == 200)
            let events = lines(r.text)
            let summary = events.map { "\($0["type"]?.stringValue ?? "") \($0[path: ["object", "metadata", "name"]]?.stringValue ?? "")" }
            #expect(summary == ["ADDED a", "ADDED b", "DELETED a"])
        }
    }

    @Test func watchWithoutRevisionStartsWithCurrentObjectsAndSeesNewOnes() async throws {
        try await withAPI { api, _ in
            _ = try await api.call(.post, "/api/v1/namespaces/default/configmaps", configMap("existing"))
            async let watched = api.call(.get, "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=4")
            // Let the watch open first (generous: CI machines are loaded).
            try await Task.sleep(for: .milliseconds(1500))
            _ = try await api.call(.post, "/api/v1/namespaces/default/configmaps", configMap("new"))
            _ = try await api.call(.delete, "/api/v1/namespaces/default/configmaps/new")
            let events = lines(try await watched.text)
            let summary = events.map { "\($0["type"]?.stringValue ?? "") \($0[path: ["object", "metadata", "name"]]?.stringValue ?? "")" }
            #expect(summary == ["ADDED existing", "ADDED new", "DELETED new"])
        }
    }

    @Test func watchFromACompactedRevisionIsGone() async throws {
        try await withAPI { api, cp in
            for i in 0..<5 { _ = try await api.call(.post, "/api/v1/namespaces/default/configmaps", configMap("c\(i)")) }
            try await cp.store.compact(revision: try await cp.store.currentRevision())
            let r = try await api.call(.get, "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2")
            #expect(r.status == 410)
            #expect(r.body["reason"] == "Gone" || r.body["reason"] == "Expired")
        }
    }

    @Test func bookmarks() async throws {
        var config = ControlPlaneConfig()
        config.api.bookmarkInterval = .milliseconds(200)
        let cp = try ControlPlane(config: config, store: InMemoryStateStore())
        try await cp.bootstrap()
        let app = Application(responder: cp.handler)
        try await app.test(.router) { client in
            let api = API(client: client)
            let r = try await api.call(.get, "/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=1")
            let events = lines(r.text)
            #expect(events.contains { $0["type"] == "BOOKMARK" && $0[path: ["object", "kind"]] == "ConfigMap" })
        }
    }

    /// On etcd, a watch of a quiet resource gets bookmarks that follow the store's progress notifications: their
    /// resourceVersion moves past writes elsewhere, so a client resuming from it is not sent back to a revision
    /// compaction may have removed.
    @Test func bookmarksFollowEtcdProgress() async throws {
        let dir = TempDir("gantry-api-bookmarks")
        defer { dir.cleanup() }
        let etcd = try await EtcdTestServer.start(dir: dir.path)
        defer { etcd.kill() }
        let store = try EtcdStateStore(EtcdConfiguration(endpoints: [etcd.clientURL]))
        try await store.waitUntilReachable()
        var config = ControlPlaneConfig()
        config.api.bookmarkInterval = .milliseconds(200)
        let cp = try ControlPlane(config: config, store: store)
        try await cp.bootstrap()
        let app = Application(responder: cp.handler)
        try await app.test(.router) { client in
            let api = API(client: client)
            _ = try await api.call(.post, "/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "quiet"]])
            let start = try await store.currentRevision()
            async let watched = api.call(.get, "/api/v1/namespaces/quiet/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=4&resourceVersion=\(start)")
            try await Task.sleep(for: .milliseconds(300))
            for i in 0..<5 { _ = try await api.call(.post, "/api/v1/namespaces/default/configmaps", configMap("elsewhere\(i)")) }
            let after = try await store.currentRevision()
            let events = lines(try await watched.text)
            let marks = events.filter { $0["type"] == "BOOKMARK" }.compactMap { $0[path: ["object", "metadata", "resourceVersion"]]?.stringValue.flatMap { Int64($0) } }
            #expect(!marks.isEmpty)
            #expect((marks.max() ?? 0) >= after, "bookmarks \(marks) did not move past revision \(after) (watch started at \(start))")
            #expect(events.allSatisfy { $0["type"] == "BOOKMARK" }, "the quiet watch saw events: \(events)")
        }
        try await store.close()
    }

    @Test func watchesEndWhenTheServerShutsDown() async throws {
        try await withAPI { api, cp in
            async let watched = api.call(.get, "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1")
            try await Task.sleep(for: .milliseconds(300))
            cp.terminator.terminateAll()
            let r = try await watched
            #expect(r.status == 200)
        }
    }
}

@Suite("Watches over a real connection")
struct LiveWatchTests {
    /// The watch requests the server is serving.
    func openWatches(_ cp: ControlPlane) -> Int { cp.terminator.inFlight.filter { $0.hasPrefix("WATCH") }.count }

    @Test("a watch ends as soon as its client closes the connection, though nothing matches its filter")
    func watchEndsWhenTheClientGoesAway() async throws {
        let cp = try ControlPlane(config: ControlPlaneConfig(), store: InMemoryStateStore())
        try await cp.bootstrap()
        let app = Application(responder: cp.handler, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            try #require(fd >= 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            try #require(connected == 0)
            let request = "GET /api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dnothing HTTP/1.1\r\nHost: x\r\n\r\n"
            _ = request.withCString { write(fd, $0, strlen($0)) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &buffer, buffer.count)  // the response head
            #expect(String(decoding: buffer.prefix(max(0, n)), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
            let opened = ContinuousClock.now + .seconds(3)
            while openWatches(cp) == 0, ContinuousClock.now < opened { try await Task.sleep(for: .milliseconds(10)) }
            #expect(openWatches(cp) == 1)
            // Changes the watch filters out keep coming; the client goes away.
            _ = try await client.execute(uri: "/api/v1/namespaces/default/configmaps", method: .post,
                                         headers: [.contentType: "application/json"],
                                         body: ByteBuffer(string: #"{"metadata":{"name":"other"}}"#))
            close(fd)
            let deadline = ContinuousClock.now + .seconds(3)
            while openWatches(cp) > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(openWatches(cp) == 0, "the watch outlived its client: \(cp.terminator.inFlight)")
            cp.terminator.terminateAll()  // so that a watch that did outlive it cannot hold up the server's shutdown
        }
    }
}
