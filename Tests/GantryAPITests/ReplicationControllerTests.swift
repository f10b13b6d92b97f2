import Foundation
import GantryAPI
import Testing

@Suite("ReplicationController defaults and validation")
struct ReplicationControllerTests {
    static let rc: JSONValue = ["apiVersion": "v1", "kind": "ReplicationController", "metadata": ["name": "old", "namespace": "default"],
                                "spec": ["template": ["metadata": ["labels": ["app": "old"]],
                                                      "spec": ["containers": [["name": "c", "image": "busybox"]]]]]]

    @Test func selectorAndLabelsComeFromTheTemplate() {
        var rc = Self.rc
        Defaults.apply(&rc, resource: .replicationControllers)
        #expect(rc[path: ["spec", "selector"]] == ["app": "old"] && rc[path: ["metadata", "labels"]] == ["app": "old"])
        #expect(rc[path: ["spec", "replicas"]] == 1)
        #expect(Validation.validate(rc, resource: .replicationControllers).isEmpty)
        let seen = (try? rc.decode(ReplicationController.self))?.asReplicaSet
        #expect(seen?.spec?.selector?.matchLabels == ["app": "old"] && seen?.spec?.replicas == 1)
    }

    @Test func aSelectorTheTemplateDoesNotMatchIsRefused() {
        var rc = Self.rc
        rc[path: ["spec", "selector"]] = ["app": "other"]
        Defaults.apply(&rc, resource: .replicationControllers)
        #expect(messages(Validation.validate(rc, resource: .replicationControllers)) ==
                ["spec.template.metadata.labels: Invalid value: \"map[app:old]\": `selector` does not match template `labels`"])
    }
}
