import Foundation
import GantryAPI
import GantryAPIServer
import GantryStore
import GantryTestSupport
import Testing

/// `/metrics` in Kubernetes' names and labels, and the Prometheus service discovery answers.
@Suite("API server metrics")
struct APIMetricsTests {
    @Test func requestsStorageAndWatchesAreCounted() async throws {
        try await withAPI { api, _ in
            _ = try await api.call(.post, "/api/v1/namespaces/default/configmaps", configMap("a"))
            _ = try await api.call(.post, "/api/v1/namespaces/default/configmaps", configMap("a"))  // 409
            _ = try await api.call(.get, "/api/v1/namespaces/default/configmaps")
            _ = try await api.call(.get, "/api/v1/namespaces/default/configmaps/a")
            _ = try await api.call(.get, "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1&resourceVersion=1")
            let r = try await api.call(.get, "/metrics")
            #expect(r.status == 200)
            let text = r.text
            let post = #"apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="POST",version="v1"} 1"#
            #expect(text.contains(post), "\(text.prefix(3000))")
            #expect(text.contains(#"code="409""#))
            #expect(text.contains(#"verb="LIST""#) && text.contains(#"verb="GET""#) && text.contains(#"verb="WATCH""#))
            #expect(text.contains(#"apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="POST",version="v1",le="0.005"}"#))
            #expect(text.contains(#"apiserver_storage_objects{resource="configmaps"} 1"#))
            #expect(text.contains(#"apiserver_storage_objects{resource="namespaces"} 4"#))
            #expect(text.contains(#"etcd_request_duration_seconds_count{operation="create",type="configmaps"}"#))
            // The watch ended: nothing long-running is left.
            #expect(text.contains(#"apiserver_longrunning_requests{component="apiserver",group="",resource="configmaps",scope="namespace",subresource="",verb="WATCH",version="v1"} 0"#))
        }
    }

    @Test func requestLabelsFollowRequestInfo() async throws {
        try await withAPI { api, _ in
            _ = try await api.call(.patch, "/apis/apps/v1/namespaces/default/deployments/web?fieldManager=t", raw: "{}",
                                   contentType: "application/apply-patch+yaml")
            _ = try await api.call(.delete, "/api/v1/namespaces/default/pods")
            _ = try await api.call(.get, "/api/v1/nodes")
            let text = try await api.call(.get, "/metrics").text
            #expect(text.contains(#"group="apps",resource="deployments",scope="resource",subresource="",verb="APPLY",version="v1""#), "\(text.prefix(2000))")
            #expect(text.contains(#"resource="pods",scope="namespace",subresource="",verb="DELETECOLLECTION""#))
            #expect(text.contains(#"resource="nodes",scope="cluster",subresource="",verb="LIST""#))
        }
    }

    @Test func serviceDiscoveryAnswersTargetsWithKubernetesLabels() async throws {
        try await withAPI { api, _ in
            _ = try await api.call(.post, "/api/v1/nodes", [
                "apiVersion": "v1", "kind": "Node", "metadata": ["name": "n1", "labels": ["kubernetes.io/os": "linux"]],
            ])
            _ = try await api.call(.patch, "/api/v1/nodes/n1/status", ["status": [
                "addresses": [["type": "InternalIP", "address": "10.0.0.5"]],
                "daemonEndpoints": ["kubeletEndpoint": ["Port": 10250]],
            ]], contentType: "application/merge-patch+json")
            let nodes = try await api.call(.get, "/gantry/v1/prometheus-sd/node").body.arrayValue ?? []
            #expect(nodes.count == 1)
            #expect(nodes.first?["targets"] == ["10.0.0.5:10250"])
            #expect(nodes.first?[path: ["labels", "__meta_kubernetes_node_name"]] == "n1")
            #expect(nodes.first?[path: ["labels", "__meta_kubernetes_node_label_kubernetes_io_os"]] == "linux")
            let eps = try await api.call(.get, "/gantry/v1/prometheus-sd/endpoints").body.arrayValue ?? []
            let apiserver = eps.first { $0[path: ["labels", "__meta_kubernetes_service_name"]] == "kubernetes" }
            #expect(apiserver?[path: ["labels", "__meta_kubernetes_endpoint_port_name"]] == "https")
            #expect(try await api.call(.get, "/gantry/v1/prometheus-sd/ingress").status == 404)
        }
    }
}

/// HorizontalPodAutoscalers in autoscaling/v2 and v1: one object, either view, nothing lost.
@Suite("HorizontalPodAutoscaler versions")
struct HPAVersionTests {
    @Test func v1AndV2AreViewsOfOneObject() async throws {
        try await withAPI { api, _ in
            let v1 = try await api.call(.post, "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", [
                "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "web"],
                "spec": ["scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "web"], "maxReplicas": 5,
                         "targetCPUUtilizationPercentage": 60],
            ])
            #expect(v1.status == 201, "\(v1.body)")
            #expect(v1.body[path: ["spec", "minReplicas"]] == 1)
            let v2 = try await api.call(.get, "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web").body
            #expect(v2[path: ["spec", "metrics"]]?.arrayValue?.first?[path: ["resource", "target", "averageUtilization"]] == 60)
            // A v2-only metric and behavior survive a v1 update.
            var changed = v2
            changed[path: ["spec", "metrics"]] = [
                ["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 70]]],
                ["type": "Resource", "resource": ["name": "memory", "target": ["type": "AverageValue", "averageValue": "100Mi"]]],
            ]
            changed[path: ["spec", "behavior"]] = ["scaleDown": ["stabilizationWindowSeconds": 30]]
            #expect(try await api.call(.put, "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web", changed).status == 200)
            var asV1 = try await api.call(.get, "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web").body
            #expect(asV1[path: ["spec", "targetCPUUtilizationPercentage"]] == 70)
            asV1[path: ["spec", "maxReplicas"]] = 7
            #expect(try await api.call(.put, "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web", asV1).status == 200)
            let after = try await api.call(.get, "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web").body
            #expect(after[path: ["spec", "maxReplicas"]] == 7)
            #expect(after[path: ["spec", "metrics"]]?.arrayValue?.count == 2)
            #expect(after[path: ["spec", "behavior", "scaleDown", "stabilizationWindowSeconds"]] == 30)
            #expect(after[path: ["metadata", "annotations"]] == nil, "conversion annotations leaked into v2: \(after[path: ["metadata", "annotations"]] ?? .null)")
            // Validation names the field.
            let bad = try await api.call(.post, "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", [
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "bad"],
                "spec": ["scaleTargetRef": ["kind": "Deployment", "name": "web"], "minReplicas": 4, "maxReplicas": 2],
            ])
            #expect(bad.status == 422)
            #expect(bad.text.contains("spec.maxReplicas"))
        }
    }
}
