import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// Persistent volumes end to end on two real agents in their own network namespaces: the default local-path
/// StorageClass, WaitForFirstConsumer provisioning on the node the pod lands on, pods following their volume to
/// its node, data surviving pod re-creation, StatefulSet claims, Delete and Retain reclaim, and static volumes.
@Suite("Persistent volumes on two nodes", .serialized)
struct VolumeTests {
    @Test func localPathVolumesFollowTheirDataAcrossPodsAndNodes() async throws {
        try requireRoot("network namespaces, runc and CNI need root")
        _ = try requireExecutable("runc", package: "runc")
        let kubectl = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let cluster = try await MultiNodeCluster.start(hosts: 2)
        let dir = cluster.dir
        do {
            let client = try cluster.server.client()
            @discardableResult
            func k(_ args: String..., stdin: String? = nil) async throws -> String {
                try await cluster.kubectlOK(kubectl, args, stdin: stdin)
            }
            let image = cluster.registry.image
            func pod(_ name: String, claim: String, _ script: String, preferNode: String? = nil) -> String {
                let affinity = preferNode.map { n in
                    """
                      affinity:
                        nodeAffinity:
                          preferredDuringSchedulingIgnoredDuringExecution:
                          - weight: 100
                            preference: {matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [\(n)]}]}

                    """
                } ?? ""
                return """
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: \(name)}
                    spec:
                      restartPolicy: Never
                      terminationGracePeriodSeconds: 1
                    \(affinity)  containers:
                      - name: main
                        image: \(image)
                        command: ["sh", "-c", "\(script)"]
                        volumeMounts: [{name: data, mountPath: /data}]
                      volumes: [{name: data, persistentVolumeClaim: {claimName: \(claim)}}]
                    """
            }
            func phase(_ name: String) async -> String? {
                (try? await client.get(Pod.self, namespace: "default", name: name))?.status?.phase
            }
            try await eventually(timeout: .seconds(30), "both nodes Ready") {
                try await client.list(Node.self).items.filter { n in
                    n.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
                }.count == 2
            }

            // The built-in default class, as k3s ships it.
            let classes = try await k("get", "storageclass")
            #expect(classes.contains("local-path (default)") && classes.contains(LocalPath.provisioner)
                    && classes.contains("WaitForFirstConsumer"), "kubectl get sc:\n\(classes)")

            // A claim without a class takes the default one and waits for its first consumer.
            try await k("apply", "-f", "-", stdin: """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 64Mi}}
                """)
            var claim = try await client.get(PersistentVolumeClaim.self, namespace: "default", name: "data")
            #expect(claim.spec?.storageClassName == LocalPath.className)
            #expect(claim.metadata.finalizers == ["kubernetes.io/pvc-protection"])
            try await Task.sleep(for: .milliseconds(500))
            claim = try await client.get(PersistentVolumeClaim.self, namespace: "default", name: "data")
            #expect(claim.status?.phase == "Pending" && (claim.spec?.volumeName ?? "").isEmpty, "no consumer yet: \(String(describing: claim.status))")
            let waiting = try await k("get", "events", "--field-selector", "involvedObject.name=data")
            #expect(waiting.contains("WaitForFirstConsumer"), "events:\n\(waiting)")

            // The first pod provisions it on its node and writes.
            try await k("apply", "-f", "-", stdin: pod("writer", claim: "data", "echo hello > /data/f && echo done"))
            try await eventually(timeout: .seconds(60), "writer succeeded") { await phase("writer") == "Succeeded" }
            let writer = try await client.get(Pod.self, namespace: "default", name: "writer")
            let node = try #require(writer.spec?.nodeName)
            claim = try await client.get(PersistentVolumeClaim.self, namespace: "default", name: "data")
            #expect(claim.status?.phase == "Bound" && claim.metadata.annotations?[LocalPath.selectedNodeAnnotation] == node)
            let pvName = try #require(claim.spec?.volumeName)
            let pv = try await client.get(PersistentVolume.self, name: pvName)
            #expect(pv.status?.phase == "Bound" && pv.spec?.claimRef?.name == "data" && pv.spec?.persistentVolumeReclaimPolicy == "Delete")
            #expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.first?.matchExpressions?.first?.values == [node])
            let hostDir = try #require(pv.spec?.hostPath?.path)
            let index = try #require(cluster.hosts.firstIndex { $0.node == node })
            #expect(hostDir.hasPrefix(dir.file("agent\(index)") + "/storage/\(pvName)_default_data"), "volume directory \(hostDir)")
            #expect((try? String(contentsOfFile: hostDir + "/f", encoding: .utf8)) == "hello\n")
            let pvcTable = try await k("get", "pvc", "data")
            #expect(pvcTable.contains("Bound") && pvcTable.contains(pvName) && pvcTable.contains("RWO") && pvcTable.contains("local-path"), "\(pvcTable)")

            // A new pod that would rather run on the other node still goes where its data is, and reads it.
            let other = cluster.hosts.first { $0.node != node }!.node
            try await k("delete", "pod", "writer", "--wait=true")
            try await k("apply", "-f", "-", stdin: pod("reader", claim: "data", "cat /data/f", preferNode: other))
            try await eventually(timeout: .seconds(60), "reader succeeded") { await phase("reader") == "Succeeded" }
            #expect(try await client.get(Pod.self, namespace: "default", name: "reader").spec?.nodeName == node)
            #expect(try await k("logs", "reader") == "hello\n")

            // A claim in use is kept until its pod goes; then Delete reclaim removes the volume and its directory.
            try await k("apply", "-f", "-", stdin: pod("holder", claim: "data", "trap 'exit 0' TERM; sleep 3600 & wait"))
            try await eventually(timeout: .seconds(60), "holder running") { await phase("holder") == "Running" }
            try await k("delete", "pod", "reader")
            try await k("delete", "pvc", "data", "--wait=false")
            try await Task.sleep(for: .seconds(1))
            claim = try await client.get(PersistentVolumeClaim.self, namespace: "default", name: "data")
            #expect(claim.metadata.deletionTimestamp != nil, "the claim is terminating, kept by its pod")
            try await k("delete", "pod", "holder")
            try await eventually(timeout: .seconds(30), "claim and volume gone, directory removed") {
                let c = try? await client.get(PersistentVolumeClaim.self, namespace: "default", name: "data")
                let v = try? await client.get(PersistentVolume.self, name: pvName)
                return c == nil && v == nil && !FileManager.default.fileExists(atPath: hostDir)
            }

            // A StatefulSet's claims: one per pod, kept across pod re-creation, deleted with the set (whenDeleted: Delete).
            try await k("apply", "-f", "-", stdin: """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: db}
                spec:
                  serviceName: db
                  replicas: 2
                  podManagementPolicy: Parallel
                  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Retain}
                  selector: {matchLabels: {app: db}}
                  template:
                    metadata: {labels: {app: db}}
                    spec:
                      terminationGracePeriodSeconds: 1
                      containers:
                      - name: db
                        image: \(image)
                        command: ["sh", "-c", "[ -e /var/db/id ] || echo $(hostname)-$RANDOM$RANDOM > /var/db/id; trap 'exit 0' TERM; sleep 3600 & wait"]
                        volumeMounts: [{name: store, mountPath: /var/db}]
                  volumeClaimTemplates:
                  - metadata: {name: store}
                    spec:
                      accessModes: [ReadWriteOnce]
                      resources: {requests: {storage: 16Mi}}
                """)
            try await k("rollout", "status", "statefulset/db", "--timeout=90s")
            let claims = try await client.list(PersistentVolumeClaim.self, namespace: "default").items
            #expect(Set(claims.map(\.name)) == ["store-db-0", "store-db-1"])
            #expect(claims.allSatisfy { $0.status?.phase == "Bound" && $0.metadata.labels?["app"] == "db" })
            let first = try await k("exec", "db-0", "--", "cat", "/var/db/id")
            #expect(first.hasPrefix("db-0-"))
            let db0Node = try await client.get(Pod.self, namespace: "default", name: "db-0").spec?.nodeName
            try await k("delete", "pod", "db-0")
            try await eventually(timeout: .seconds(60), "db-0 back") {
                let p = try? await client.get(Pod.self, namespace: "default", name: "db-0")
                return p?.status?.phase == "Running" && p?.metadata.deletionTimestamp == nil
            }
            #expect(try await k("exec", "db-0", "--", "cat", "/var/db/id") == first, "db-0 kept its data")
            #expect(try await client.get(Pod.self, namespace: "default", name: "db-0").spec?.nodeName == db0Node)
            try await k("delete", "statefulset", "db")
            try await eventually(timeout: .seconds(60), "the set's claims and volumes deleted with it") {
                let c = try await client.list(PersistentVolumeClaim.self, namespace: "default").items
                let v = try await client.list(PersistentVolume.self).items
                return c.isEmpty && v.isEmpty
            }

            // Retain, Immediate binding: bound before any pod, and the volume stays Released when the claim goes.
            try await k("apply", "-f", "-", stdin: """
                apiVersion: storage.k8s.io/v1
                kind: StorageClass
                metadata: {name: keep}
                provisioner: \(LocalPath.provisioner)
                reclaimPolicy: Retain
                volumeBindingMode: Immediate
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: kept}
                spec:
                  storageClassName: keep
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 8Mi}}
                """)
            try await eventually(timeout: .seconds(20), "kept bound without a consumer") {
                try await client.get(PersistentVolumeClaim.self, namespace: "default", name: "kept").status?.phase == "Bound"
            }
            let keptPV = try #require(try await client.get(PersistentVolumeClaim.self, namespace: "default", name: "kept").spec?.volumeName)
            try await k("delete", "pvc", "kept")
            try await eventually(timeout: .seconds(20), "the retained volume Released") {
                try await client.get(PersistentVolume.self, name: keptPV).status?.phase == "Released"
            }
            let pvTable = try await k("get", "pv", keptPV)
            #expect(pvTable.contains("Retain") && pvTable.contains("Released") && pvTable.contains("default/kept"), "\(pvTable)")

            // A static volume an administrator made, bound by a claim that asks for no class.
            let manual = dir.file("manual")
            try FileManager.default.createDirectory(atPath: manual, withIntermediateDirectories: true)
            try "static\n".write(toFile: manual + "/f", atomically: true, encoding: .utf8)
            try await k("apply", "-f", "-", stdin: """
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: manual, labels: {disk: manual}}
                spec:
                  capacity: {storage: 1Gi}
                  accessModes: [ReadWriteOnce, ReadOnlyMany]
                  hostPath: {path: \(manual)}
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: static}
                spec:
                  storageClassName: ""
                  selector: {matchLabels: {disk: manual}}
                  accessModes: [ReadOnlyMany]
                  resources: {requests: {storage: 100Mi}}
                """)
            try await eventually(timeout: .seconds(20), "static claim bound to the manual volume") {
                let c = try await client.get(PersistentVolumeClaim.self, namespace: "default", name: "static")
                return c.status?.phase == "Bound" && c.spec?.volumeName == "manual" && c.status?.capacity?["storage"] == (try? Quantity("1Gi"))
            }
            try await k("apply", "-f", "-", stdin: pod("static-reader", claim: "static", "cat /data/f"))
            try await eventually(timeout: .seconds(60), "static reader succeeded") { await phase("static-reader") == "Succeeded" }
            #expect(try await k("logs", "static-reader") == "static\n")
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }
}
