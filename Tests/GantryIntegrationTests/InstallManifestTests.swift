import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// An install manifest in the shape real projects ship (CRDs in their own file, then a namespace, RBAC,
/// configuration, workloads, Services, policies and a budget), applied with kubectl to a real node.
@Suite("An upstream-style install manifest", .serialized)
struct InstallManifestTests {
    static let crds = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.shop.example.com
          labels: {app.kubernetes.io/name: shop}
        spec:
          group: shop.example.com
          names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget, shortNames: [wg], categories: [shop]}
          scope: Namespaced
          versions:
          - name: v1
            served: true
            storage: true
            subresources: {status: {}}
            additionalPrinterColumns:
            - {name: Size, type: integer, jsonPath: .spec.size}
            - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    required: [size]
                    properties:
                      size: {type: integer, minimum: 1, maximum: 10}
                      color: {type: string, default: blue, enum: [blue, red]}
                  status:
                    type: object
                    properties:
                      ready: {type: boolean}
        """

    static func install(image: String) -> String {
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
          labels: {app.kubernetes.io/name: shop}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: shop-operator, namespace: shop}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: shop-operator}
        rules:
        - apiGroups: [shop.example.com]
          resources: [widgets, widgets/status]
          verbs: [get, list, watch, update, patch]
        - apiGroups: [""]
          resources: [events]
          verbs: [create, patch]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: shop-operator}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: shop-operator}
        subjects:
        - {kind: ServiceAccount, name: shop-operator, namespace: shop}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: leader-election, namespace: shop}
        rules:
        - apiGroups: [coordination.k8s.io]
          resources: [leases]
          verbs: [get, create, update]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: leader-election, namespace: shop}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: leader-election}
        subjects:
        - {kind: ServiceAccount, name: shop-operator, namespace: shop}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: shop-config, namespace: shop}
        data:
          greeting: hello
          settings.yaml: |
            replicas: 2
            color: blue
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: shop-secret, namespace: shop}
        type: Opaque
        data:
          password: c2VjcmV0
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: frontend
          namespace: shop
          labels: {app.kubernetes.io/name: shop, app.kubernetes.io/component: frontend}
        spec:
          replicas: 2
          selector:
            matchLabels: {app.kubernetes.io/component: frontend}
          template:
            metadata:
              labels: {app.kubernetes.io/component: frontend}
            spec:
              serviceAccountName: shop-operator
              terminationGracePeriodSeconds: 1
              containers:
              - name: web
                image: \(image)
                command: ["sh", "-c", "mkdir -p /www; echo $GREETING > /www/index.html; httpd -p 8080 -h /www; trap 'exit 0' TERM; sleep 3600 & wait"]
                env:
                - name: GREETING
                  valueFrom: {configMapKeyRef: {name: shop-config, key: greeting}}
                ports:
                - {name: http, containerPort: 8080}
                readinessProbe:
                  tcpSocket: {port: http}
                  periodSeconds: 1
                resources:
                  requests: {cpu: 10m, memory: 16Mi}
                  limits: {memory: 64Mi}
                volumeMounts:
                - {name: secret, mountPath: /etc/shop, readOnly: true}
              volumes:
              - name: secret
                secret: {secretName: shop-secret}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: frontend, namespace: shop}
        spec:
          selector: {app.kubernetes.io/component: frontend}
          ports:
          - {name: http, port: 80, targetPort: http}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: shop}
        spec:
          clusterIP: None
          selector: {app.kubernetes.io/component: db}
          ports:
          - {name: db, port: 5432}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: db
          namespace: shop
          labels: {app.kubernetes.io/name: shop, app.kubernetes.io/component: db}
        spec:
          serviceName: db
          replicas: 2
          selector:
            matchLabels: {app.kubernetes.io/component: db}
          template:
            metadata:
              labels: {app.kubernetes.io/component: db}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: db
                image: \(image)
                command: ["sh", "-c", "[ -e /data/id ] || hostname > /data/id; trap 'exit 0' TERM; sleep 3600 & wait"]
                ports:
                - {name: db, containerPort: 5432}
                volumeMounts:
                - {name: data, mountPath: /data}
          volumeClaimTemplates:
          - metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              resources:
                requests: {storage: 32Mi}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: db-from-frontend, namespace: shop}
        spec:
          podSelector:
            matchLabels: {app.kubernetes.io/component: db}
          policyTypes: [Ingress]
          ingress:
          - from:
            - podSelector:
                matchLabels: {app.kubernetes.io/component: frontend}
            ports:
            - {port: db, protocol: TCP}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: frontend, namespace: shop}
        spec:
          minAvailable: 1
          selector:
            matchLabels: {app.kubernetes.io/component: frontend}
        ---
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: report, namespace: shop}
        spec:
          schedule: "0 3 * * *"
          timeZone: Etc/UTC
          concurrencyPolicy: Forbid
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: OnFailure
                  serviceAccountName: shop-operator
                  containers:
                  - name: report
                    image: \(image)
                    command: ["sh", "-c", "cat /etc/hostname"]
        ---
        apiVersion: shop.example.com/v1
        kind: Widget
        metadata: {name: gadget, namespace: shop}
        spec:
          size: 3
        """
    }

    @Test func appliesCleanlyReappliesUnchangedAndHasNoDrift() async throws {
        try requireRoot("network namespaces, runc and CNI need root")
        _ = try requireExecutable("runc", package: "runc")
        let kubectl = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let cluster = try await MultiNodeCluster.start(hosts: 1)
        let dir = cluster.dir
        do {
            let client = try cluster.server.client()
            func run(_ args: [String], stdin: String? = nil) async throws -> CommandResult {
                try await cluster.kubectl(kubectl, args, stdin: stdin)
            }
            @discardableResult
            func k(_ args: String..., stdin: String? = nil) async throws -> String {
                try await cluster.kubectlOK(kubectl, args, stdin: stdin)
            }
            let install = Self.install(image: cluster.registry.image)
            try install.write(toFile: dir.file("install.yaml"), atomically: true, encoding: .utf8)
            try Self.crds.write(toFile: dir.file("crds.yaml"), atomically: true, encoding: .utf8)

            // First the CRDs (as projects ship them), then everything else: every object created.
            #expect(try await k("apply", "-f", dir.file("crds.yaml")).contains("customresourcedefinition.apiextensions.k8s.io/widgets.shop.example.com created"))
            try await k("wait", "--for", "condition=established", "crd/widgets.shop.example.com", "--timeout=10s")
            let first = try await k("apply", "-f", dir.file("install.yaml")).split(separator: "\n")
            #expect(first.count == 16 && first.allSatisfy { $0.hasSuffix(" created") }, "first apply:\n\(first.joined(separator: "\n"))")

            try await k("rollout", "status", "-n", "shop", "deployment/frontend", "--timeout=90s")
            try await k("rollout", "status", "-n", "shop", "statefulset/db", "--timeout=90s")
            // The StatefulSet's pods have their claims, bound on the node; the Widget was defaulted.
            let claims = try await client.list(PersistentVolumeClaim.self, namespace: "shop").items
            #expect(Set(claims.map(\.name)) == ["data-db-0", "data-db-1"] && claims.allSatisfy { $0.status?.phase == "Bound" })
            #expect(try await k("get", "widgets", "-n", "shop", "-o", "jsonpath={.items[0].spec.color}") == "blue")
            let widgets = try await k("get", "wg", "-n", "shop")
            #expect(widgets.contains("SIZE") && widgets.contains("gadget   3"), "\(widgets)")
            #expect(try await k("exec", "-n", "shop", "db-1", "--", "cat", "/data/id") == "db-1\n")

            // Again: nothing to change.
            let second = try await k("apply", "-f", dir.file("install.yaml")).split(separator: "\n")
            #expect(second.count == 16 && second.allSatisfy { $0.hasSuffix(" unchanged") }, "second apply:\n\(second.joined(separator: "\n"))")
            let diff = try await run(["diff", "-f", dir.file("install.yaml")])
            #expect(diff.status == 0, "kubectl diff found drift:\n\(diff.stdout)\(diff.stderr)")

            // Server-side, over the client-side apply: every object applied, no conflicts, still no drift.
            let ssa = try await run(["apply", "--server-side", "-f", dir.file("install.yaml")])
            #expect(ssa.status == 0, "\(ssa.stderr)")
            let applied = ssa.stdout.split(separator: "\n")
            #expect(applied.count == 16 && applied.allSatisfy { $0.hasSuffix(" serverside-applied") }, "server-side apply:\n\(ssa.stdout)\(ssa.stderr)")
            let ssaDiff = try await run(["diff", "--server-side", "-f", dir.file("install.yaml")])
            #expect(ssaDiff.status == 0, "kubectl diff --server-side found drift:\n\(ssaDiff.stdout)\(ssaDiff.stderr)")

            // A change is seen as one, and applied.
            let changed = install.replacingOccurrences(of: "greeting: hello", with: "greeting: bonjour")
            let changedDiff = try await run(["diff", "-f", "-"], stdin: changed)
            #expect(changedDiff.status == 1 && changedDiff.stdout.contains("+  greeting: bonjour"), "\(changedDiff.stdout)")
            #expect(try await k("apply", "-f", "-", stdin: changed).contains("configmap/shop-config configured"))
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }
}
