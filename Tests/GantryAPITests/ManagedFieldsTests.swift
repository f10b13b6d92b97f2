import Foundation
import GantryAPI
import Testing

@Suite("Managed fields (server-side apply)")
struct ManagedFieldsTests {
    static let deployment = "io.k8s.api.apps.v1.Deployment"

    static func deploy(replicas: Int = 2, image: String = "busybox", sidecar: Bool = false) -> JSONValue {
        var containers: [JSONValue] = [["name": "web", "image": .string(image), "ports": [["containerPort": 80]]]]
        if sidecar { containers.append(["name": "side", "image": "busybox"]) }
        return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "labels": ["app": "web"]],
                "spec": ["replicas": .int(Int64(replicas)), "template": ["spec": ["containers": .array(containers),
                                                                                 "volumes": []]]]]
    }

    @Test func fieldSetsFollowListTypes() {
        let f = ManagedFields.fields(of: Self.deploy(), typeName: Self.deployment)
        #expect(f.contains(["f:metadata", "f:labels", "f:app"]))
        #expect(!f.contains { $0.contains("f:name") && $0.count == 2 }, "metadata.name is the server's")
        #expect(f.contains(["f:spec", "f:replicas"]))
        let web = ["f:spec", "f:template", "f:spec", "f:containers", #"k:{"name":"web"}"#]
        #expect(f.contains(web) && f.contains(web + ["f:image"]))
        #expect(f.contains(web + ["f:ports", #"k:{"containerPort":80}"#]))
        #expect(f.contains(["f:spec", "f:template", "f:spec", "f:volumes"]), "an empty list is a leaf")
        // FieldsV1 round trip, with "." on owned items that have owned fields.
        let encoded = ManagedFields.encode(f)
        #expect(encoded[path: ["f:spec", "f:template", "f:spec", "f:containers", #"k:{"name":"web"}"#, "."]] == .emptyObject)
        #expect(encoded[path: ["f:spec", "f:replicas"]] == .emptyObject)
        #expect(ManagedFields.decode(encoded) == f)
        #expect(ManagedFields.describe(web + ["f:image"]) == #".spec.template.spec.containers[name="web"].image"#)
    }

    @Test func updatesCreditChangedFieldsToTheirManager() {
        let old = Self.deploy()
        var entries = ManagedFields.afterUpdate([], old: nil, new: old, typeName: Self.deployment, manager: "creator",
                                                apiVersion: "apps/v1", subresource: nil, now: "t1")
        #expect(entries.count == 1 && entries[0].operation == "Update" && entries[0].fields.contains(["f:spec", "f:replicas"]))
        let scaled = Self.deploy(replicas: 3)
        entries = ManagedFields.afterUpdate(entries, old: old, new: scaled, typeName: Self.deployment, manager: "scaler",
                                            apiVersion: "apps/v1", subresource: nil, now: "t2")
        #expect(entries.map(\.manager) == ["creator", "scaler"])
        #expect(entries[1].fields == [["f:spec", "f:replicas"]] && !entries[0].fields.contains(["f:spec", "f:replicas"]))
        // No change, no new entry and no new time.
        #expect(ManagedFields.afterUpdate(entries, old: scaled, new: scaled, typeName: Self.deployment, manager: "x",
                                          apiVersion: "apps/v1", subresource: nil, now: "t3") == entries)
    }

    @Test func applyConflictsRemovesAndForces() throws {
        let merge: (JSONValue, JSONValue) throws -> JSONValue = { c, l in
            try Patch.apply(.apply, patch: c, to: l, typeName: Self.deployment)
        }
        let first = try ManagedFields.apply(Self.deploy(sidecar: true), to: ["apiVersion": "apps/v1", "kind": "Deployment"], current: [],
                                            typeName: Self.deployment, manager: "me", apiVersion: "apps/v1", subresource: nil,
                                            force: false, now: "t1", merge: merge)
        #expect(first.conflicts.isEmpty && first.entries.map(\.operation) == ["Apply"])
        var live = first.object
        live[path: ["spec", "replicas"]] = 9
        let others = first.entries + [ManagedFields.Entry(manager: "hpa", operation: "Update", apiVersion: "apps/v1", time: "t2",
                                                            subresource: nil, fields: [["f:spec", "f:replicas"]])]
        // A different value for a field someone else owns: a conflict, nothing merged.
        let clash = try ManagedFields.apply(Self.deploy(replicas: 4, sidecar: true), to: live, current: others, typeName: Self.deployment,
                                            manager: "me", apiVersion: "apps/v1", subresource: nil, force: false, now: "t3", merge: merge)
        #expect(clash.conflicts.map { ManagedFields.describe($0.path) } == [".spec.replicas"])
        #expect(ManagedFields.conflictMessage(clash.conflicts) == #"Apply failed with 1 conflict: conflict with "hpa" using apps/v1: .spec.replicas"#)
        // The same value: shared. Force: taken over (and gone from the other's set).
        let shared = try ManagedFields.apply(Self.deploy(replicas: 9, sidecar: true), to: live, current: others, typeName: Self.deployment,
                                             manager: "me", apiVersion: "apps/v1", subresource: nil, force: false, now: "t3", merge: merge)
        #expect(shared.conflicts.isEmpty && shared.entries.count == 2)
        let forced = try ManagedFields.apply(Self.deploy(replicas: 4), to: live, current: others, typeName: Self.deployment,
                                             manager: "me", apiVersion: "apps/v1", subresource: nil, force: true, now: "t3", merge: merge)
        #expect(forced.conflicts.isEmpty && forced.entries.map(\.manager) == ["me"])
        #expect(forced.object[path: ["spec", "replicas"]] == 4)
        // The sidecar it no longer applies is removed.
        #expect(forced.object[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["web"])
    }
}
