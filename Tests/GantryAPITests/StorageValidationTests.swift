import Foundation
import GantryAPI
import Testing

@Suite("Storage validation and defaults")
struct StorageValidationTests {
    static let claim: JSONValue = ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": "data", "namespace": "default"],
                                   "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]]

    @Test func claimsNeedAccessModesAndASize() {
        #expect(Validation.validate(Self.claim, resource: .persistentVolumeClaims).isEmpty)
        var bad = Self.claim
        bad[path: ["spec", "accessModes"]] = ["ReadWriteSometimes"]
        bad[path: ["spec", "resources"]] = nil
        #expect(messages(Validation.validate(bad, resource: .persistentVolumeClaims)) == [
            "spec.accessModes: Unsupported value: \"ReadWriteSometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"",
            "spec.resources[storage]: Required value",
        ])
        var none = Self.claim
        none[path: ["spec", "accessModes"]] = []
        #expect(messages(Validation.validate(none, resource: .persistentVolumeClaims)) == ["spec.accessModes: Required value: at least 1 access mode is required"])
    }

    @Test func aClaimsSpecIsImmutableButItsSizeMayGrow() {
        var old = Self.claim
        Defaults.apply(&old, resource: .persistentVolumeClaims)
        #expect(old[path: ["spec", "volumeMode"]] == "Filesystem" && old[path: ["status", "phase"]] == "Pending")
        var bound = old
        bound[path: ["spec", "volumeName"]] = "pv-1"
        #expect(Validation.validateUpdate(old: old, new: bound, resource: .persistentVolumeClaims).isEmpty, "the binder sets volumeName once")
        var grown = bound
        grown[path: ["spec", "resources", "requests", "storage"]] = "2Gi"
        #expect(Validation.validateUpdate(old: bound, new: grown, resource: .persistentVolumeClaims).isEmpty)
        var shrunk = bound
        shrunk[path: ["spec", "resources", "requests", "storage"]] = "512Mi"
        #expect(Validation.validateUpdate(old: bound, new: shrunk, resource: .persistentVolumeClaims).map(\.field) == ["spec.resources.requests.storage"])
        var moved = bound
        moved[path: ["spec", "accessModes"]] = ["ReadWriteMany"]
        #expect(Validation.validateUpdate(old: bound, new: moved, resource: .persistentVolumeClaims).map(\.field) == ["spec"])
    }

    @Test func volumesNeedOneSourceAndLocalOnesANode() {
        let pv: JSONValue = ["apiVersion": "v1", "kind": "PersistentVolume", "metadata": ["name": "pv"],
                             "spec": ["capacity": ["storage": "1Gi"], "accessModes": ["ReadWriteOnce"], "hostPath": ["path": "/srv/pv"]]]
        #expect(Validation.validate(pv, resource: .persistentVolumes).isEmpty)
        var noSource = pv
        noSource[path: ["spec", "hostPath"]] = nil
        #expect(messages(Validation.validate(noSource, resource: .persistentVolumes)) == ["spec: Required value: must specify a volume type"])
        var local = noSource
        local[path: ["spec", "local"]] = ["path": "/mnt/disk"]
        #expect(Validation.validate(local, resource: .persistentVolumes).map(\.field) == ["spec.nodeAffinity"])
        var recycle = pv
        recycle[path: ["spec", "persistentVolumeReclaimPolicy"]] = "Recycle"
        #expect(Validation.validate(recycle, resource: .persistentVolumes).map(\.field) == ["spec.persistentVolumeReclaimPolicy"])
        var defaulted = pv
        Defaults.apply(&defaulted, resource: .persistentVolumes)
        #expect(defaulted[path: ["spec", "persistentVolumeReclaimPolicy"]] == "Retain")
    }

    @Test func storageClassesKeepTheirProvisionerAndParameters() {
        var sc: JSONValue = ["apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": ["name": "fast"], "provisioner": "example.com/fast"]
        Defaults.apply(&sc, resource: .storageClasses)
        #expect(sc["reclaimPolicy"] == "Delete" && sc["volumeBindingMode"] == "Immediate")
        #expect(Validation.validate(sc, resource: .storageClasses).isEmpty)
        var changed = sc
        changed["provisioner"] = "example.com/slow"
        #expect(messages(Validation.validateUpdate(old: sc, new: changed, resource: .storageClasses)) == ["provisioner: Forbidden: updates to provisioner are forbidden."])
        var bad = sc
        bad["provisioner"] = nil
        bad["volumeBindingMode"] = "Later"
        #expect(Validation.validate(bad, resource: .storageClasses).map(\.field) == ["provisioner", "volumeBindingMode"])
    }

    @Test func statefulSetClaimTemplatesCountAsTheTemplatesVolumes() {
        let sts: JSONValue = [
            "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": ["name": "db", "namespace": "default"],
            "spec": ["replicas": 1, "serviceName": "db", "selector": ["matchLabels": ["app": "db"]],
                     "template": ["metadata": ["labels": ["app": "db"]],
                                  "spec": ["containers": [["name": "db", "image": "busybox", "volumeMounts": [["name": "store", "mountPath": "/d"]]]]]],
                     "volumeClaimTemplates": [["metadata": ["name": "store"], "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]]]],
        ]
        var defaulted = sts
        Defaults.apply(&defaulted, resource: .statefulSets)
        #expect(Validation.validate(defaulted, resource: .statefulSets).isEmpty)
        var noSize = defaulted
        noSize[path: ["spec", "volumeClaimTemplates"]] = [["metadata": ["name": "store"], "spec": ["accessModes": ["ReadWriteOnce"]]]]
        #expect(Validation.validate(noSize, resource: .statefulSets).map(\.field) == ["spec.volumeClaimTemplates[0].spec.resources[storage]"])
    }
}
