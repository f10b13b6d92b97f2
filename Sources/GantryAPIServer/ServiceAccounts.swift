import Foundation
import GantryAPI
import GantryAuth

/// Where a pod's ServiceAccount credentials are mounted, as in Kubernetes.
public let serviceAccountMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"

extension Registry {
    /// Gives a namespace what every namespace has: the `default` ServiceAccount and, on a secured server, the
    /// `kube-root-ca.crt` ConfigMap with the cluster CA (what in-cluster clients verify the server with). Existing
    /// objects are left alone.
    public func ensureNamespaceDefaults(_ namespace: String) async throws {
        var objects: [(ResourceInfo, JSONValue)] = [
            (.serviceAccounts, ["apiVersion": "v1", "kind": "ServiceAccount",
                                "metadata": ["name": "default", "namespace": .string(namespace)]]),
        ]
        if let ca = rootCAPEM {
            objects.append((.configMaps, ["apiVersion": "v1", "kind": "ConfigMap",
                                          "metadata": ["name": "kube-root-ca.crt", "namespace": .string(namespace),
                                                       "annotations": ["kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."]],
                                          "data": ["ca.crt": .string(ca)]]))
        }
        for (r, body) in objects {
            guard try await store.get(r.key(namespace: namespace, name: body[path: ["metadata", "name"]]?.stringValue ?? "")) == nil
            else { continue }
            do {
                _ = try await create(r, namespace: namespace, body: body, options: WriteOptions())
            } catch let e as GantryError where e.code == .alreadyExists || e.code == .forbidden {
                // Created meanwhile, or the namespace is terminating.
            }
        }
    }

    /// The ServiceAccount admission plugin: a pod runs as `spec.serviceAccountName` (default `default`), which must
    /// exist; unless automounting is off (on the pod, else on the ServiceAccount) it gets a projected volume with a
    /// token bound to it, the cluster CA and its namespace, mounted in every container at
    /// `/var/run/secrets/kubernetes.io/serviceaccount`.
    func admitServiceAccount(_ pod: inout JSONValue, namespace: String) async throws {
        var name = pod[path: ["spec", "serviceAccountName"]]?.stringValue ?? ""
        if name.isEmpty { name = pod[path: ["spec", "serviceAccount"]]?.stringValue ?? "" }
        if name.isEmpty { name = "default" }
        pod[path: ["spec", "serviceAccountName"]] = .string(name)
        pod[path: ["spec", "serviceAccount"]] = .string(name)
        guard serviceAccountAdmission else { return }
        let podName = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        guard let kv = try await store.get(ResourceInfo.serviceAccounts.key(namespace: namespace, name: name)) else {
            throw GantryError(.forbidden, "pods \"\(podName)\" is forbidden: error looking up service account \(namespace)/\(name): serviceaccount \"\(name)\" not found",
                              details: StatusDetails(name: podName, group: "", kind: "pods"))
        }
        let sa = try decode(kv)
        let automount = pod[path: ["spec", "automountServiceAccountToken"]]?.boolValue
            ?? sa["automountServiceAccountToken"]?.boolValue ?? true
        guard automount else { return }
        let containers = ["containers", "initContainers"]
        let mounted = containers.contains { field in
            (pod[path: ["spec", field]]?.arrayValue ?? []).contains { c in
                (c["volumeMounts"]?.arrayValue ?? []).contains { $0["mountPath"]?.stringValue == serviceAccountMountPath }
            }
        }
        if mounted { return }
        let volumeName = "kube-api-access-" + String(Self.randomSuffix().prefix(5))
        let volume: JSONValue = [
            "name": .string(volumeName),
            "projected": [
                "defaultMode": 420,
                "sources": [
                    ["serviceAccountToken": ["expirationSeconds": 3607, "path": "token"]],
                    ["configMap": ["name": "kube-root-ca.crt", "items": [["key": "ca.crt", "path": "ca.crt"]]]],
                    ["downwardAPI": ["items": [["path": "namespace",
                                                "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"]]]]],
                ],
            ],
        ]
        var volumes = pod[path: ["spec", "volumes"]]?.arrayValue ?? []
        volumes.append(volume)
        pod[path: ["spec", "volumes"]] = .array(volumes)
        for field in containers {
            guard var list = pod[path: ["spec", field]]?.arrayValue else { continue }
            for i in list.indices {
                var mounts = list[i]["volumeMounts"]?.arrayValue ?? []
                mounts.append(["name": .string(volumeName), "mountPath": .string(serviceAccountMountPath), "readOnly": true])
                list[i]["volumeMounts"] = .array(mounts)
            }
            pod[path: ["spec", field]] = .array(list)
        }
    }
}

extension APIHandler {
    /// `POST serviceaccounts/NAME/token` (TokenRequest): a token for the ServiceAccount, for the audiences asked
    /// (default: the issuer), valid `expirationSeconds` (default 1 hour, at least 10 minutes), optionally bound to a
    /// pod so that it stops working when the pod goes.
    func tokenRequest(namespace: String, serviceAccount: String, body: JSONValue, user: UserInfo) async throws -> JSONValue {
        guard let issuer = authenticator?.security.tokenIssuer else {
            throw GantryError(.notFound, "the server could not find the requested resource")
        }
        let sa = try await registry.get(.serviceAccounts, namespace: namespace, name: serviceAccount)
        var spec = body["spec"] ?? .emptyObject
        var audiences = spec["audiences"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if audiences.isEmpty { audiences = [issuer.issuer] }
        let seconds = spec["expirationSeconds"]?.intValue ?? 3600
        let kind = ResourceInfo(group: "authentication.k8s.io", version: "v1", kind: "TokenRequest", plural: "token")
        if seconds < 600 {
            throw GantryError.invalid(kind, serviceAccount, [.invalid("spec.expirationSeconds", Int(seconds), "may not specify a duration less than 10 minutes")])
        }
        if seconds > 1 << 32 {
            throw GantryError.invalid(kind, serviceAccount, [.invalid("spec.expirationSeconds", Int(seconds), "may not specify a duration larger than 2^32 seconds")])
        }
        var podName: String?
        var podUID: String?
        if let node = NodeAuthorizer.nodeName(of: user), spec["boundObjectRef"] == nil || spec["boundObjectRef"] == .null {
            throw GantryError(.forbidden, "node '\(node)' can only request tokens bound to pods")
        }
        if let ref = spec["boundObjectRef"], ref != .null {
            guard ref["kind"]?.stringValue == "Pod" else {
                throw GantryError.invalid(kind, serviceAccount, [.notSupported("spec.boundObjectRef.kind", ref["kind"]?.stringValue ?? "", ["Pod"])])
            }
            let name = ref["name"]?.stringValue ?? ""
            let pod = try await registry.get(.pods, namespace: namespace, name: name)
            let uid = pod[path: ["metadata", "uid"]]?.stringValue ?? ""
            if let want = ref["uid"]?.stringValue, !want.isEmpty, want != uid {
                throw GantryError(.conflict, "the UID in the bound object reference (\(want)) does not match the UID in record. The object might have been deleted and then recreated")
            }
            if pod[path: ["spec", "serviceAccountName"]]?.stringValue != serviceAccount {
                throw GantryError(.badRequest, "cannot bind a token of ServiceAccount \(serviceAccount) to pod \(name), which runs as \(pod[path: ["spec", "serviceAccountName"]]?.stringValue ?? "default")")
            }
            // NodeRestriction: a node gets tokens only for its own pods.
            if let node = NodeAuthorizer.nodeName(of: user), pod[path: ["spec", "nodeName"]]?.stringValue != node {
                throw GantryError(.forbidden, "node '\(node)' can only request tokens bound to pods scheduled to it")
            }
            podName = name
            podUID = uid
            spec["boundObjectRef"] = ["kind": "Pod", "apiVersion": "v1", "name": .string(name), "uid": .string(uid)]
        }
        let now = Date()
        let expires = now.addingTimeInterval(Double(seconds))
        let claims = ServiceAccountClaims(issuer: issuer.issuer, audiences: audiences, issuedAt: now, expiresAt: expires,
                                          namespace: namespace, serviceAccountName: serviceAccount,
                                          serviceAccountUID: sa[path: ["metadata", "uid"]]?.stringValue ?? "",
                                          podName: podName, podUID: podUID)
        spec["audiences"] = .array(audiences.map { .string($0) })
        spec["expirationSeconds"] = .int(seconds)
        return ["kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                "metadata": ["name": .string(serviceAccount), "namespace": .string(namespace),
                             "creationTimestamp": .string(RFC3339.format(now))],
                "spec": spec,
                "status": ["token": .string(try issuer.sign(claims)), "expirationTimestamp": .string(RFC3339.format(expires))]]
    }
}
