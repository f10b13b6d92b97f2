import Foundation
import GantryAPI
import Testing

@Suite("custom resource schemas")
struct CustomResourceSchemaTests {
    static let schema: JSONValue = [
        "type": "object",
        "properties": [
            "spec": [
                "type": "object",
                "required": ["size"],
                "properties": [
                    "size": ["type": "integer", "minimum": 1, "maximum": 5, "default": 1],
                    "mode": ["type": "string", "enum": ["fast", "slow"], "default": "fast"],
                    "port": ["x-kubernetes-int-or-string": true],
                    "tags": ["type": "array", "items": ["type": "string", "maxLength": 3], "x-kubernetes-list-type": "set"],
                    "labels": ["type": "object", "additionalProperties": ["type": "string"]],
                    "free": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                    "ports": ["type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                              "items": ["type": "object", "properties": ["name": ["type": "string"], "n": ["type": "integer"]]]],
                    "nested": ["type": "object", "properties": ["deep": ["type": "string", "default": "d"]]],
                    "name": ["type": "string", "pattern": "^[a-z]+$", "nullable": true],
                ],
            ],
        ],
    ]

    @Test func pruningKeepsWhatTheSchemaSpecifies() {
        var obj: JSONValue = [
            "apiVersion": "x.io/v1", "kind": "K", "metadata": ["name": "a", "bogusMeta": 1],
            "spec": ["size": 2, "unknown": true, "free": ["any": ["thing": 1]], "labels": ["a": "b"],
                     "ports": [["name": "p", "extra": 1]]],
            "status": ["x": 1],
        ]
        let unknown = StructuralSchema.prune(&obj, schema: Self.schema)
        #expect(unknown == ["spec.ports[0].extra", "spec.unknown", "status"])
        #expect(obj[path: ["spec", "free", "any", "thing"]] == 1)
        #expect(obj[path: ["metadata", "name"]] == "a" && obj[path: ["metadata", "bogusMeta"]] == nil)
        #expect(obj["apiVersion"] == "x.io/v1" && obj["status"] == nil)
        #expect(obj[path: ["spec", "labels", "a"]] == "b")
    }

    @Test func defaultsApplyToPresentObjectsOnly() {
        var obj: JSONValue = ["spec": ["size": 3, "nested": .emptyObject]]
        StructuralSchema.applyDefaults(&obj, schema: Self.schema)
        #expect(obj[path: ["spec", "size"]] == 3)
        #expect(obj[path: ["spec", "mode"]] == "fast")
        #expect(obj[path: ["spec", "nested", "deep"]] == "d")
        var empty: JSONValue = ["metadata": ["name": "x"]]
        StructuralSchema.applyDefaults(&empty, schema: Self.schema)
        #expect(empty["spec"] == nil)  // no spec: its defaults are not applied
    }

    @Test func validationReportsEveryViolationWithKubernetesMessages() {
        let obj: JSONValue = ["spec": ["size": 9, "mode": "medium", "port": true, "tags": ["a", "toolong", "a"],
                                       "labels": ["k": 1], "ports": [["name": "p"], ["name": "p"]], "name": "A1"]]
        let errors = StructuralSchema.validate(obj, schema: Self.schema).map(\.description)
        #expect(errors.contains("spec.size: Invalid value: 9: spec.size in body should be less than or equal to 5"), "\(errors)")
        #expect(errors.contains(#"spec.mode: Unsupported value: "medium": supported values: "fast", "slow""#), "\(errors)")
        #expect(errors.contains(#"spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#), "\(errors)")
        #expect(errors.contains("spec.tags[1]: Too long: may not be more than 3 bytes"), "\(errors)")
        #expect(errors.contains(#"spec.tags[2]: Duplicate value: "a""#), "\(errors)")
        #expect(errors.contains(#"spec.labels.k: Invalid value: "integer": spec.labels.k in body must be of type string: "integer""#), "\(errors)")
        #expect(errors.contains(#"spec.ports[1]: Duplicate value: map[name:"p"]"#), "\(errors)")
        #expect(errors.contains(#"spec.name: Invalid value: "A1": spec.name in body should match '^[a-z]+$'"#), "\(errors)")
        #expect(StructuralSchema.validate(["spec": ["mode": "fast"]], schema: Self.schema).map(\.description) == ["spec.size: Required value"])
        #expect(StructuralSchema.validate(["spec": ["size": 1, "port": "http", "name": .null]], schema: Self.schema).isEmpty)
        #expect(StructuralSchema.validate(["spec": ["size": 1, "port": 8080]], schema: Self.schema).isEmpty)
        #expect(StructuralSchema.validate(["spec": ["size": 1.5]], schema: Self.schema).map(\.description)
            == [#"spec.size: Invalid value: "number": spec.size in body must be of type integer: "number""#])
    }

    @Test func structuralRulesForCRDSchemas() {
        let good = StructuralSchema.check(Self.schema, path: "s")
        #expect(good.errors.isEmpty, "\(good.errors)")
        let bad: JSONValue = [
            "type": "object",
            "properties": [
                "metadata": ["type": "object", "properties": ["labels": ["type": "object"]]],
                "spec": ["properties": ["a": ["type": "array"]], "x-kubernetes-validations": [["rule": "self.a.size() > 0"]]],
                "b": ["type": "string", "default": 5],
                "c": ["$ref": "#/x"],
            ],
        ]
        let (errors, cel) = StructuralSchema.check(bad, path: "s")
        let text = errors.map(\.description)
        #expect(text.contains("s.properties[spec].type: Required value: must not be empty for specified object fields"), "\(text)")
        #expect(text.contains("s.properties[spec].properties[a].items: Required value: must be specified"), "\(text)")
        #expect(text.contains { $0.hasPrefix("s.properties[metadata]: Forbidden: must not specify anything other than name and generateName") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("s.properties[b].default: Invalid value") }, "\(text)")
        #expect(text.contains("s.properties[c].$ref: Forbidden: $ref is not supported"), "\(text)")
        #expect(cel == ["s.properties[spec]: self.a.size() > 0"])
        #expect(!StructuralSchema.check(["type": "string"], path: "s").errors.isEmpty)
    }

    @Test func jsonPathSubset() throws {
        let obj: JSONValue = ["spec": ["replicas": 3, "a.b": "dotted"],
                              "status": ["conditions": [["type": "Ready", "status": "True"], ["type": "Synced", "status": "False"]]]]
        #expect(try JSONPath(".spec.replicas").evaluate(obj) == [3])
        #expect(try JSONPath("{.spec.replicas}").fieldPath == ["spec", "replicas"])
        #expect(try JSONPath(".spec['a.b']").evaluate(obj) == ["dotted"])
        #expect(try JSONPath(#".status.conditions[?(@.type=="Ready")].status"#).evaluate(obj) == ["True"])
        #expect(try JSONPath(".status.conditions[*].type").evaluate(obj) == ["Ready", "Synced"])
        #expect(try JSONPath(".status.conditions[-1].type").evaluate(obj) == ["Synced"])
        #expect(try JSONPath(".spec.missing").evaluate(obj).isEmpty)
        #expect(throws: GantryError.self) { try JSONPath(".spec[unclosed") }
    }

    @Test func versionPriorityAsKubernetesSortsVersions() {
        let sorted = ["v1alpha1", "foo", "v1", "v11alpha2", "v2beta1", "v10", "v1beta2", "bar", "v12alpha1", "v3beta1", "v2"]
            .sorted(by: CustomResourceVersion.versionPriority)
        #expect(sorted == ["v10", "v2", "v1", "v3beta1", "v2beta1", "v1beta2", "v12alpha1", "v11alpha2", "v1alpha1", "bar", "foo"])
    }

    @Test func crdValidationAndServedResources() throws {
        var crd: JSONValue = [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": "widgets.example.com", "resourceVersion": "7"],
            "spec": [
                "group": "example.com", "scope": "Cluster",
                "names": ["plural": "widgets", "kind": "Widget", "shortNames": ["wd"]],
                "versions": [
                    ["name": "v1beta1", "served": true, "storage": false, "schema": ["openAPIV3Schema": ["type": "object"]]],
                    ["name": "v1", "served": true, "storage": true, "schema": ["openAPIV3Schema": Self.schema],
                     "subresources": ["status": .emptyObject, "scale": ["specReplicasPath": ".spec.size", "statusReplicasPath": ".status.n"]]],
                ],
            ],
        ]
        Defaults.apply(&crd, resource: .customResourceDefinitions)
        #expect(crd[path: ["spec", "names", "listKind"]] == "WidgetList")
        #expect(Validation.validate(crd, resource: .customResourceDefinitions).isEmpty)
        let rs = CustomResourceVersion.resources(of: crd)
        #expect(rs.map(\.version) == ["v1", "v1beta1"])
        #expect(rs[0].subresources == ["status", "scale"] && !rs[0].namespaced && rs[0].apiVersion == "example.com/v1")
        #expect(rs[1].custom?.storageVersion == "v1" && rs[0].shortNames == ["wd"])
        // Objects of the resource: pruned and defaulted by the schema, validated with the metadata rules too.
        var obj: JSONValue = ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "Bad_Name"], "spec": ["size": 2, "x": 1]]
        #expect(FieldValidation.unknownFields(in: obj, resource: rs[0]) == ["spec.x"])
        Defaults.apply(&obj, resource: rs[0])
        #expect(obj[path: ["spec", "x"]] == nil && obj[path: ["spec", "mode"]] == "fast")
        #expect(Validation.validate(obj, resource: rs[0]).map(\.field) == ["metadata.name"])

        var wrong = crd
        wrong[path: ["metadata", "name"]] = "gadgets.example.com"
        wrong[path: ["spec", "group"]] = "example"
        wrong[path: ["spec", "versions"]] = [["name": "v1", "served": true, "storage": false]]
        let errors = Validation.validate(wrong, resource: .customResourceDefinitions).map(\.description)
        #expect(errors.contains(#"spec.group: Invalid value: "example": should be a domain with at least one dot"#), "\(errors)")
        #expect(errors.contains(#"metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group"#), "\(errors)")
        #expect(errors.contains("spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"), "\(errors)")
        #expect(errors.contains { $0.hasPrefix("spec.versions: Invalid value") && $0.hasSuffix("must have exactly one version marked as storage version") },
                "\(errors)")
        var moved = crd
        moved[path: ["spec", "scope"]] = "Namespaced"
        #expect(Validation.validateUpdate(old: crd, new: moved, resource: .customResourceDefinitions).map(\.description)
            == [#"spec.scope: Invalid value: "Namespaced": field is immutable"#])
    }
}

@Suite("quota usage")
struct QuotaUsageTests {
    @Test func podsCountTheirEffectiveRequestsAndLimits() throws {
        let pod: JSONValue = ["spec": [
            "initContainers": [["name": "i", "resources": ["requests": ["cpu": "2"]]]],
            "containers": [["name": "a", "resources": ["requests": ["cpu": "500m", "memory": "64Mi"], "limits": ["memory": "128Mi"]]],
                           ["name": "b", "resources": ["limits": ["cpu": "250m", "memory": "64Mi"]]]],
        ]]
        let u = QuotaUsage.usage(of: pod, resource: .pods)
        #expect(u["pods"] == 1 && u["count/pods"] == 1)
        let (two, mi128, mi192, m250) = (try Quantity("2"), try Quantity("128Mi"), try Quantity("192Mi"), try Quantity("250m"))
        #expect(u["requests.cpu"] == two && u["cpu"] == two)  // the init container's 2 > 750m
        #expect(u["requests.memory"] == mi128)  // b's request defaults to its limit
        #expect(u["limits.memory"] == mi192)
        #expect(u["limits.cpu"] == m250)
        var done = pod
        done[path: ["status", "phase"]] = "Succeeded"
        #expect(QuotaUsage.usage(of: done, resource: .pods).isEmpty)
        #expect(QuotaUsage.unspecified(pod, constrained: ["limits.cpu", "requests.memory", "pods"]) == ["limits.cpu": ["a"]])
    }

    @Test func servicesAndObjectCounts() {
        let svc: JSONValue = ["spec": ["type": "LoadBalancer", "ports": [["port": 80], ["port": 443]]]]
        let u = QuotaUsage.usage(of: svc, resource: .services)
        #expect(u == ["services": 1, "services.nodeports": 2, "services.loadbalancers": 1, "count/services": 1])
        #expect(QuotaUsage.usage(of: .emptyObject, resource: .deployments) == ["count/deployments.apps": 1])
        #expect(QuotaUsage.usage(of: .emptyObject, resource: .configMaps) == ["configmaps": 1, "count/configmaps": 1])
    }
}
