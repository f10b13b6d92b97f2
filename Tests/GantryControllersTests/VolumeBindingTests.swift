import Foundation
import GantryAPI
import Testing

@testable import GantryControllers

func volume(_ name: String, size: String, modes: [String] = ["ReadWriteOnce"], className: String? = nil, labels: [String: String]? = nil,
            phase: String = "Available", claimRef: ObjectReference? = nil) throws -> PersistentVolume {
    var spec = PersistentVolumeSpec()
    spec.capacity = ["storage": try Quantity(size)]
    spec.accessModes = modes
    spec.storageClassName = className
    spec.claimRef = claimRef
    spec.hostPath = HostPathVolumeSource(path: "/tmp/\(name)")
    return PersistentVolume(metadata: ObjectMeta(name: name, labels: labels), spec: spec, status: PersistentVolumeStatus(phase: phase))
}

func claim(_ name: String, size: String, modes: [String] = ["ReadWriteOnce"], className: String? = "", selector: LabelSelector? = nil) throws -> PersistentVolumeClaim {
    var spec = PersistentVolumeClaimSpec()
    spec.accessModes = modes
    spec.resources = ResourceRequirements(requests: ["storage": try Quantity(size)])
    spec.storageClassName = className
    spec.selector = selector
    return PersistentVolumeClaim(metadata: ObjectMeta(name: name, namespace: "default", uid: "uid-\(name)"), spec: spec)
}

@Suite("Volume binding")
struct VolumeBindingTests {
    @Test func theSmallestFittingVolumeOfTheClassWins() throws {
        let vols = [try volume("big", size: "10Gi"), try volume("small", size: "1Gi"), try volume("tiny", size: "100Mi"),
                    try volume("other-class", size: "1Gi", className: "fast"), try volume("rox", size: "1Gi", modes: ["ReadOnlyMany"]),
                    try volume("taken", size: "1Gi", phase: "Bound", claimRef: ObjectReference(namespace: "default", name: "x", uid: "u"))]
        #expect(VolumeBinding.match(try claim("c", size: "500Mi"), in: vols)?.name == "small")
        #expect(VolumeBinding.match(try claim("c", size: "2Gi"), in: vols)?.name == "big")
        #expect(VolumeBinding.match(try claim("c", size: "20Gi"), in: vols) == nil)
        #expect(VolumeBinding.match(try claim("c", size: "1Gi", className: "fast"), in: vols)?.name == "other-class")
        #expect(VolumeBinding.match(try claim("c", size: "1Gi", modes: ["ReadOnlyMany"]), in: vols)?.name == "rox")
        #expect(VolumeBinding.match(try claim("c", size: "1Gi", modes: ["ReadWriteMany"]), in: vols) == nil)
    }

    @Test func selectorsAndPreBindingAreHonoured() throws {
        let vols = [try volume("a", size: "1Gi", labels: ["disk": "ssd"]), try volume("b", size: "1Gi", labels: ["disk": "hdd"]),
                    try volume("mine", size: "5Gi", phase: "Available", claimRef: ObjectReference(namespace: "default", name: "pre"))]
        #expect(VolumeBinding.match(try claim("c", size: "1Gi", selector: LabelSelector(matchLabels: ["disk": "hdd"])), in: vols)?.name == "b")
        // A volume whose claimRef names the claim (without a uid yet) is the claim's, whatever fits better.
        #expect(VolumeBinding.match(try claim("pre", size: "1Gi"), in: vols)?.name == "mine")
        // A claimRef with another uid is another claim of the same name (one deleted and made again).
        let stale = try volume("stale", size: "1Gi", phase: "Released", claimRef: ObjectReference(namespace: "default", name: "pre", uid: "old"))
        #expect(VolumeBinding.match(try claim("pre", size: "1Gi"), in: [stale]) == nil)
    }

    @Test func volumeNodeTermsAreAndedWithThePodsOwn() {
        func term(_ key: String, _ value: String) -> NodeSelectorTerm {
            NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: key, operator: "In", values: [value])])
        }
        #expect(SchedulerVolumes.and(nil, [term("h", "n1")]) == [term("h", "n1")])
        let both = SchedulerVolumes.and([term("zone", "a"), term("zone", "b")], [term("h", "n1")])
        #expect(both.count == 2)
        #expect(both.allSatisfy { $0.matchExpressions?.count == 2 && $0.matchExpressions?.last?.key == "h" })
        var pod = Pod(metadata: ObjectMeta(name: "p"), spec: PodSpec(containers: []))
        pod = SchedulerVolumes.requiring([term("h", "n1")], pod)
        #expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms == [term("h", "n1")])
    }
}
