import Testing
@testable import GantryAPI

@Suite("Schema catalogue")
struct SchemaCatalogTests {
    @Test func everyReferencedTypeIsDefined() {
        for def in SchemaCatalog.definitions.values {
            for f in def.fields {
                if let r = f.type.referencedName {
                    #expect(SchemaCatalog.definition(named: r) != nil, "\(def.name).\(f.name) refers to unknown \(r)")
                }
                if let key = f.patchMergeKey, let elem = SchemaCatalog.objectDefinition(f.type.arrayElement) {
                    #expect(elem.field(key) != nil, "\(def.name).\(f.name) merge key \(key) is not a field of \(elem.name)")
                }
            }
        }
    }

    @Test func everyServedResourceHasRootAndListTypes() {
        for r in ResourceInfo.all {
            let root = SchemaCatalog.rootTypeName(for: r)
            #expect(SchemaCatalog.definition(named: root) != nil, "no schema for \(r.kind)")
            if r.stored {
                #expect(SchemaCatalog.definition(named: SchemaCatalog.listTypeName(for: r)) != nil, "no list for \(r.kind)")
            }
            #expect(SchemaCatalog.definition(named: root)?.field("metadata") != nil)
        }
        #expect(SchemaCatalog.rootTypeName(for: .deployments) == "io.k8s.api.apps.v1.Deployment")
        #expect(SchemaCatalog.rootTypeName(for: .leases) == "io.k8s.api.coordination.v1.Lease")
        #expect(SchemaCatalog.rootTypeName(for: .deployments, subresource: "scale") == "io.k8s.api.autoscaling.v1.Scale")
        #expect(SchemaCatalog.rootTypeName(for: .pods, subresource: "binding") == "io.k8s.api.core.v1.Binding")
    }

    @Test func patchMetadataMatchesKubernetes() {
        let spec = SchemaCatalog.definition(named: "io.k8s.api.core.v1.PodSpec")!
        #expect(spec.field("containers")?.patchMergeKey == "name")
        #expect(spec.field("containers")?.patchStrategy == "merge")
        #expect(spec.field("volumes")?.patchStrategy == "merge,retainKeys")
        #expect(spec.field("tolerations")?.listType == "atomic")
        #expect(spec.field("tolerations")?.patchStrategy == nil)
        #expect(spec.field("topologySpreadConstraints")?.listMapKeys == ["topologyKey", "whenUnsatisfiable"])
        let container = SchemaCatalog.definition(named: "io.k8s.api.core.v1.Container")!
        #expect(container.field("ports")?.patchMergeKey == "containerPort")
        #expect(container.field("ports")?.listMapKeys == ["containerPort", "protocol"])
        #expect(container.field("volumeMounts")?.patchMergeKey == "mountPath")
        #expect(container.required == ["name"])
        let svc = SchemaCatalog.definition(named: "io.k8s.api.core.v1.ServiceSpec")!
        #expect(svc.field("ports")?.patchMergeKey == "port")
        #expect(svc.field("ports")?.listMapKeys == ["port", "protocol"])
        let meta = SchemaCatalog.definition(named: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")!
        #expect(meta.field("finalizers")?.listType == "set")
        #expect(meta.field("ownerReferences")?.patchMergeKey == "uid")
        #expect(SchemaCatalog.definition(named: "io.k8s.apimachinery.pkg.util.intstr.IntOrString")?.primitive
                == .string(format: "int-or-string"))
    }
}

extension SchemaType {
    var arrayElement: SchemaType? { if case .array(let e) = self { return e }; return nil }
}

@Suite("Field validation")
struct FieldValidationTests {
    @Test func findsTypoDeepInDeployment() throws {
        let obj = try JSONValue.parse("""
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"web","labels":{"app":"web","any/key":"x"},"annotations":{"a":"b"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
                 "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},
                 "template":{"metadata":{"labels":{"app":"web"}},
                   "spec":{"nodeSelector":{"disk":"ssd"},
                     "containers":[
                       {"name":"a","image":"nginx","ports":[{"containerPort":80}],
                        "resources":{"limits":{"cpu":"500m","memory":"128Mi"}},
                        "env":[{"name":"X","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],
                        "livenessProbe":{"httpGet":{"path":"/","port":80}}},
                       {"name":"b","imagee":"busybox","bogus":{"x":1}}],
                     "volumes":[{"name":"v","configMap":{"name":"cm"}},{"name":"w","emptyDir":{}}]}}},
         "statuss":{}}
        """)
        let unknown = FieldValidation.unknownFields(in: obj, resource: .deployments)
        #expect(unknown == ["statuss", "spec.template.spec.containers[1].bogus", "spec.template.spec.containers[1].imagee"]
                || Set(unknown) == ["statuss", "spec.template.spec.containers[1].bogus",
                                    "spec.template.spec.containers[1].imagee"])
        #expect(FieldValidation.strictDecodingMessage(["spec.x"]) == "strict decoding error: unknown field \"spec.x\"")
    }

    @Test func acceptsMapsAndFreeForm() throws {
        let cm = try JSONValue.parse("""
        {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"x":"y"}},
         "data":{"anything.conf":"k=v","other":"1"},"binaryData":{"b":"AAAA"},"immutable":true}
        """)
        #expect(FieldValidation.unknownFields(in: cm, resource: .configMaps).isEmpty)
        let secret: JSONValue = ["apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                 "stringData": ["password": "x"], "data": ["u": "eA=="], "metadata": ["name": "s"]]
        #expect(FieldValidation.unknownFields(in: secret, resource: .secrets).isEmpty)
        let managed: JSONValue = ["metadata": ["name": "p", "managedFields": [["manager": "kubectl", "fieldsV1": ["f:spec": ["f:x": [:]]]]]]]
        #expect(FieldValidation.unknownFields(in: managed, resource: .pods).isEmpty)
        let badMeta: JSONValue = ["metadata": ["nmae": "p"]]
        #expect(FieldValidation.unknownFields(in: badMeta, resource: .pods) == ["metadata.nmae"])
    }
}

@Suite("OpenAPI v3")
struct OpenAPIV3Tests {
    @Test func indexListsGroupVersions() throws {
        let paths = try #require(OpenAPIV3.index()["paths"]?.objectValue)
        for p in ["api/v1", "apis/apps/v1", "apis/batch/v1", "apis/coordination.k8s.io/v1", "api", "apis", "version"] {
            let url = try #require(paths[p]?["serverRelativeURL"]?.stringValue, "missing \(p)")
            #expect(url.hasPrefix("/openapi/v3/\(p)?hash="))
            #expect(OpenAPIV3.document(path: p) != nil)
        }
        // Stable across calls, and documents resolve with the served URL form.
        #expect(OpenAPIV3.index() == OpenAPIV3.index())
        let url = paths["apis/apps/v1"]!["serverRelativeURL"]!.stringValue!
        #expect(OpenAPIV3.document(path: url) == OpenAPIV3.document(path: "apis/apps/v1"))
        #expect(OpenAPIV3.document(path: "apis/nope/v1") == nil)
    }

    @Test func appsDocumentDescribesDeployments() throws {
        let doc = try #require(OpenAPIV3.document(path: "apis/apps/v1"))
        #expect(doc["openapi"] == "3.0.0")
        #expect(doc["info"]?["version"] == "v1.32.0")
        let schemas = try #require(doc["components"]?["schemas"]?.objectValue)
        let dep = try #require(schemas["io.k8s.api.apps.v1.Deployment"])
        #expect(dep["x-kubernetes-group-version-kind"] == [["group": "apps", "kind": "Deployment", "version": "v1"]])
        #expect(dep["properties"]?["spec"]?["allOf"] == [["$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"]])
        #expect(schemas["io.k8s.api.apps.v1.DeploymentList"]?["x-kubernetes-group-version-kind"] != nil)
        #expect(schemas["io.k8s.api.autoscaling.v1.Scale"] != nil)
        #expect(schemas["io.k8s.api.apps.v1.DeploymentStrategy"]?["properties"]?["type"]?["description"] != nil)
        let podSpec = try #require(schemas["io.k8s.api.core.v1.PodSpec"])
        let containers = try #require(podSpec["properties"]?["containers"])
        #expect(containers["x-kubernetes-patch-merge-key"] == "name")
        #expect(containers["x-kubernetes-patch-strategy"] == "merge")
        #expect(containers["x-kubernetes-list-type"] == "map")
        #expect(containers["items"]?["$ref"] == "#/components/schemas/io.k8s.api.core.v1.Container")
        #expect(podSpec["required"] == ["containers"])

        let paths = try #require(doc["paths"]?.objectValue)
        let item = try #require(paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"])
        let patch = try #require(item["patch"])
        #expect(patch["operationId"] == "patchAppsV1NamespacedDeployment")
        #expect(patch["x-kubernetes-action"] == "patch")
        #expect(patch["x-kubernetes-group-version-kind"] == ["group": "apps", "kind": "Deployment", "version": "v1"])
        let names = patch["parameters"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(names.contains("fieldValidation") && names.contains("fieldManager") && names.contains("dryRun"))
        let bodyTypes = Set(patch["requestBody"]?["content"]?.objectValue?.keys.map { $0 } ?? [])
        #expect(bodyTypes == ["application/json-patch+json", "application/merge-patch+json",
                              "application/strategic-merge-patch+json", "application/apply-patch+yaml"])
        #expect(paths["/apis/apps/v1/namespaces/{namespace}/deployments"]?["post"]?["operationId"]
                == "createAppsV1NamespacedDeployment")
        #expect(paths["/apis/apps/v1/deployments"]?["get"]?["x-kubernetes-action"] == "list")
        let scale = try #require(paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"])
        #expect(scale["patch"]?["x-kubernetes-group-version-kind"] == ["group": "autoscaling", "kind": "Scale", "version": "v1"])
        #expect(scale["get"]?["responses"]?["200"]?["content"]?["application/json"]?["schema"]?["$ref"]
                == "#/components/schemas/io.k8s.api.autoscaling.v1.Scale")
        #expect(paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"]?["put"] != nil)
    }

    @Test func coreDocumentHasClusterScopedAndSubresourcePaths() throws {
        let doc = try #require(OpenAPIV3.document(path: "api/v1"))
        let paths = try #require(doc["paths"]?.objectValue)
        #expect(paths["/api/v1/nodes/{name}"]?["get"]?["operationId"] == "readCoreV1Node")
        #expect(paths["/api/v1/namespaces/{name}"]?["delete"]?["operationId"] == "deleteCoreV1Namespace")
        #expect(paths["/api/v1/pods"]?["get"]?["operationId"] == "listCoreV1PodForAllNamespaces")
        #expect(paths["/api/v1/namespaces/{namespace}/pods"]?["delete"]?["operationId"] == "deleteCoreV1CollectionNamespacedPod")
        #expect(paths["/api/v1/namespaces/{namespace}/pods/{name}/binding"]?["post"]?["operationId"]
                == "createCoreV1NamespacedPodBinding")
        #expect(paths["/api/v1/namespaces/{namespace}/pods/{name}/status"]?["patch"]?["operationId"]
                == "patchCoreV1NamespacedPodStatus")
        let post = try #require(paths["/api/v1/namespaces/{namespace}/configmaps"]?["post"])
        let names = post["parameters"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(names == ["dryRun", "fieldManager", "fieldValidation"])
        let schemas = try #require(doc["components"]?["schemas"]?.objectValue)
        #expect(schemas["io.k8s.api.core.v1.Pod"]?["x-kubernetes-group-version-kind"]
                == [["group": "", "kind": "Pod", "version": "v1"]])
        #expect(schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"]?["type"] == "string")
        #expect(schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]?["format"] == "int-or-string")
        #expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]?["format"] == "date-time")
        #expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"] != nil)
        #expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"] != nil)
        #expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"] != nil)
        #expect(schemas["io.k8s.api.apps.v1.Deployment"] == nil)
    }

    @Test func everyRefResolves() throws {
        for path in OpenAPIV3.documentPaths {
            let doc = try #require(OpenAPIV3.document(path: path))
            let schemas = try #require(doc["components"]?["schemas"]?.objectValue)
            var refs = [String]()
            collectRefs(doc, into: &refs)
            #expect(!refs.isEmpty)
            for r in refs {
                #expect(r.hasPrefix("#/components/schemas/"), "\(path): bad ref \(r)")
                #expect(schemas[String(r.dropFirst("#/components/schemas/".count))] != nil, "\(path): dangling \(r)")
            }
        }
    }

    func collectRefs(_ v: JSONValue, into out: inout [String]) {
        switch v {
        case .object(let o):
            for (k, x) in o {
                if k == "$ref", let s = x.stringValue { out.append(s) } else { collectRefs(x, into: &out) }
                if k == "$ref" { #expect(o.count == 1, "$ref with siblings: \(o.keys.sorted())") }
            }
        case .array(let a): for x in a { collectRefs(x, into: &out) }
        default: break
        }
    }
}
