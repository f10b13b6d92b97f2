import Foundation
import Testing
import GantryAPI

@Suite struct TypesTests {
    static let deploymentJSON = #"""
    {
      "apiVersion": "apps/v1",
      "kind": "Deployment",
      "metadata": {
        "name": "web", "namespace": "default", "uid": "1234", "resourceVersion": "42", "generation": 3,
        "creationTimestamp": "2024-01-01T00:00:00Z", "labels": {"app": "web"},
        "annotations": {"deployment.kubernetes.io/revision": "2"},
        "ownerReferences": [{"apiVersion": "v1", "kind": "Thing", "name": "t", "uid": "u", "controller": true, "blockOwnerDeletion": true}],
        "finalizers": ["example.com/f"],
        "managedFields": [{"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:spec": {}}}]
      },
      "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe"]}]},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}},
        "minReadySeconds": 5, "revisionHistoryLimit": 10, "paused": false, "progressDeadlineSeconds": 600,
        "template": {
          "metadata": {"labels": {"app": "web", "tier": "fe"}},
          "spec": {
            "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default", "schedulerName": "default-scheduler",
            "securityContext": {"runAsUser": 1000, "fsGroup": 2000, "sysctls": [{"name": "net.core.somaxconn", "value": "1024"}]},
            "nodeSelector": {"disk": "ssd"},
            "tolerations": [{"key": "k", "operator": "Equal", "value": "v", "effect": "NoExecute", "tolerationSeconds": 60}],
            "affinity": {
              "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}},
              "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname"}}]}
            },
            "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                                           "labelSelector": {"matchLabels": {"app": "web"}}}],
            "volumes": [
              {"name": "cfg", "configMap": {"name": "web-cfg", "items": [{"key": "a", "path": "a.conf", "mode": 420}], "defaultMode": 420}},
              {"name": "cache", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
              {"name": "tok", "projected": {"sources": [{"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}}]}}
            ],
            "initContainers": [{"name": "init", "image": "busybox", "command": ["sh", "-c", "true"]}],
            "containers": [{
              "name": "web", "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent",
              "args": ["-g", "daemon off;"], "workingDir": "/srv",
              "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}],
              "env": [{"name": "A", "value": "1"},
                      {"name": "POD", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                      {"name": "S", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k", "optional": true}}}],
              "envFrom": [{"prefix": "CFG_", "configMapRef": {"name": "web-cfg"}}],
              "resources": {"limits": {"cpu": "1", "memory": "512Mi"}, "requests": {"cpu": "250m", "memory": "128Mi"}},
              "volumeMounts": [{"name": "cfg", "mountPath": "/etc/web", "readOnly": true}],
              "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP",
                                            "httpHeaders": [{"name": "X", "value": "y"}]},
                                "initialDelaySeconds": 3, "periodSeconds": 10, "timeoutSeconds": 1,
                                "successThreshold": 1, "failureThreshold": 3},
              "readinessProbe": {"tcpSocket": {"port": 80}},
              "startupProbe": {"exec": {"command": ["cat", "/tmp/ready"]}},
              "lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
              "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
              "securityContext": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]}, "readOnlyRootFilesystem": true,
                                  "allowPrivilegeEscalation": false, "runAsNonRoot": true}
            }]
          }
        }
      },
      "status": {
        "observedGeneration": 3, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2,
        "unavailableReplicas": 1, "collisionCount": 0,
        "conditions": [{"type": "Available", "status": "True", "lastUpdateTime": "2024-01-01T00:00:00Z",
                        "lastTransitionTime": "2024-01-01T00:00:00Z", "reason": "MinimumReplicasAvailable", "message": "ok"}]
      }
    }
    """#

    static let podJSON = #"""
    {
      "apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "web-1", "namespace": "default", "labels": {"app": "web"}},
      "spec": {
        "nodeName": "node-1", "hostNetwork": false, "priority": 0, "enableServiceLinks": true,
        "containers": [{"name": "web", "image": "nginx", "stdin": false, "tty": false}],
        "hostAliases": [{"ip": "10.0.0.1", "hostnames": ["a.local"]}],
        "dnsConfig": {"nameservers": ["1.1.1.1"], "options": [{"name": "ndots", "value": "2"}]},
        "overhead": {"cpu": "10m"},
        "volumes": [{"name": "h", "hostPath": {"path": "/var/log", "type": "Directory"}},
                    {"name": "s", "secret": {"secretName": "creds", "optional": false}},
                    {"name": "c", "persistentVolumeClaim": {"claimName": "data", "readOnly": true}},
                    {"name": "d", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}}]
      },
      "status": {
        "phase": "Running", "hostIP": "192.168.1.10", "hostIPs": [{"ip": "192.168.1.10"}],
        "podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}], "startTime": "2024-01-01T00:00:00Z", "qosClass": "BestEffort",
        "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2024-01-01T00:00:01Z"}],
        "containerStatuses": [{
          "name": "web", "ready": true, "restartCount": 1, "image": "nginx:latest", "imageID": "sha256:abc",
          "containerID": "runc://123", "started": true,
          "state": {"running": {"startedAt": "2024-01-01T00:00:01Z"}},
          "lastState": {"terminated": {"exitCode": 137, "signal": 9, "reason": "OOMKilled", "message": "m",
                                       "startedAt": "2024-01-01T00:00:00Z", "finishedAt": "2024-01-01T00:00:01Z", "containerID": "runc://122"}}
        }]
      }
    }
    """#

    /// Drops `null` members, which encoding omits.
    func stripNulls(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let o): return .object(o.filter { !$0.value.isNull }.mapValues(stripNulls))
        case .array(let a): return .array(a.map(stripNulls))
        default: return v
        }
    }

    @Test func deploymentRoundTrip() throws {
        let json = try JSONValue.parse(Self.deploymentJSON)
        let d: Deployment = try json.decode()
        #expect(d.spec?.replicas == 3)
        #expect(d.spec?.strategy?.rollingUpdate?.maxUnavailable == .string("25%"))
        #expect(d.spec?.template?.spec?.containers?.first?.resources?.requests?["cpu"]?.milliValue == 250)
        #expect(d.spec?.template?.spec?.containers?.first?.livenessProbe?.httpGet?.port == .string("http"))
        #expect(d.metadata.managedFields?.count == 1)
        #expect(try JSONValue.encode(d) == json)
    }

    @Test func podRoundTrip() throws {
        let json = try JSONValue.parse(Self.podJSON)
        let p: Pod = try json.decode()
        #expect(p.status?.containerStatuses?.first?.lastState?.terminated?.exitCode == 137)
        #expect(try JSONValue.encode(p) == stripNulls(json))
    }

    @Test func otherKindsRoundTrip() throws {
        let docs = [
            #"{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"type":"NodePort","selector":{"app":"web"},"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":"http","nodePort":30080}],"clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":10800}},"externalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack"},"status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"}]}}}"#,
            #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"spec":{"podCIDR":"10.244.0.0/24","podCIDRs":["10.244.0.0/24"],"taints":[{"key":"k","value":"v","effect":"NoSchedule"}],"unschedulable":true},"status":{"capacity":{"cpu":"4","memory":"8Gi","pods":"110"},"allocatable":{"cpu":"3800m"},"conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"t","lastTransitionTime":"t","reason":"KubeletReady","message":"ok"}],"addresses":[{"type":"InternalIP","address":"192.168.1.2"}],"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},"nodeInfo":{"machineID":"m","systemUUID":"s","bootID":"b","kernelVersion":"6.1","osImage":"Debian","containerRuntimeVersion":"runc://1.1","kubeletVersion":"v1.30.0","kubeProxyVersion":"v1.30.0","operatingSystem":"linux","architecture":"amd64"},"images":[{"names":["nginx"],"sizeBytes":1000}]}}"#,
            #"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"web"},"subsets":[{"addresses":[{"ip":"10.0.0.1","nodeName":"n1","targetRef":{"kind":"Pod","name":"web-1","namespace":"default","uid":"u"}}],"notReadyAddresses":[{"ip":"10.0.0.2"}],"ports":[{"name":"http","port":80,"protocol":"TCP"}]}]}"#,
            #"{"apiVersion":"v1","kind":"Event","metadata":{"name":"web.1"},"involvedObject":{"kind":"Pod","name":"web","namespace":"default","fieldPath":"spec.containers{web}"},"reason":"Pulled","message":"m","source":{"component":"kubelet","host":"n1"},"firstTimestamp":"t","lastTimestamp":"t","count":2,"type":"Normal","eventTime":null,"reportingComponent":"kubelet","reportingInstance":"n1"}"#,
            #"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi"},"spec":{"parallelism":1,"completions":1,"backoffLimit":4,"completionMode":"NonIndexed","suspend":false,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"pi","image":"perl"}]}}},"status":{"active":1,"startTime":"t","ready":0}}"#,
            #"{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"n1","namespace":"kube-node-lease"},"spec":{"holderIdentity":"n1","leaseDurationSeconds":40,"renewTime":"2024-01-01T00:00:00.000000Z","leaseTransitions":0}}"#,
            #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"type":"Opaque","data":{"a":"YWJj"},"immutable":true}"#,
            #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"},"binaryData":{"x":"AAE="}}"#,
            #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns"},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}"#,
            #"{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds"},"spec":{"selector":{"matchLabels":{"a":"b"}},"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}},"status":{"desiredNumberScheduled":2,"numberReady":1}}"#,
            #"{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"rs"},"spec":{"replicas":2,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}},"status":{"replicas":2,"fullyLabeledReplicas":2}}"#,
        ]
        for doc in docs {
            let json = try JSONValue.parse(doc)
            let back: JSONValue
            switch json["kind"]?.stringValue {
            case "Service": back = try JSONValue.encode(try json.decode(Service.self))
            case "Node": back = try JSONValue.encode(try json.decode(Node.self))
            case "Endpoints": back = try JSONValue.encode(try json.decode(Endpoints.self))
            case "Event": back = try JSONValue.encode(try json.decode(Event.self))
            case "Job": back = try JSONValue.encode(try json.decode(Job.self))
            case "Lease": back = try JSONValue.encode(try json.decode(Lease.self))
            case "Secret": back = try JSONValue.encode(try json.decode(Secret.self))
            case "ConfigMap": back = try JSONValue.encode(try json.decode(ConfigMap.self))
            case "Namespace": back = try JSONValue.encode(try json.decode(Namespace.self))
            case "DaemonSet": back = try JSONValue.encode(try json.decode(DaemonSet.self))
            case "ReplicaSet": back = try JSONValue.encode(try json.decode(ReplicaSet.self))
            default: Issue.record("unknown kind"); continue
            }
            #expect(back == stripNulls(json), "\(json["kind"]?.stringValue ?? "")")
        }
    }

    @Test func initializersAndDefaults() throws {
        let pod = Pod(metadata: ObjectMeta(name: "x"), spec: PodSpec(containers: [Container(name: "a", image: "b")]))
        #expect(pod.apiVersion == "v1" && pod.kind == "Pod")
        #expect(Deployment().apiVersion == "apps/v1" && Deployment().kind == "Deployment")
        #expect(Job().apiVersion == "batch/v1")
        #expect(Lease().apiVersion == "coordination.k8s.io/v1")
        #expect(Scale().apiVersion == "autoscaling/v1" && Scale().kind == "Scale")
        #expect(Binding().kind == "Binding")
        #expect(Deployment.resourceInfo == .deployments)
        #expect(Pod.resourceInfo == .pods && Lease.resourceInfo == .leases && Node.resourceInfo == .nodes)
        #expect(try JSONValue.encode(pod) == (try JSONValue.parse(
            #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a","image":"b"}]}}"#)))
        // Missing metadata decodes as empty metadata.
        let bare: ConfigMap = try JSONValue.parse(#"{"data":{"a":"b"}}"#).decode()
        #expect(bare.metadata == ObjectMeta() && bare.apiVersion == nil)
        #expect(ListMeta(continue: "tok").continue == "tok")
    }

    @Test func kubeList() throws {
        let list = KubeList<Pod>(metadata: ListMeta(resourceVersion: "7"), items: [Pod(metadata: ObjectMeta(name: "a"))])
        #expect(list.kind == "PodList" && list.apiVersion == "v1")
        let json = try JSONValue.encode(list)
        #expect(json["metadata"]?["resourceVersion"] == .string("7"))
        #expect(json["items"]?.arrayValue?.count == 1)
        let back: KubeList<Pod> = try json.decode()
        #expect(back == list)
        let empty: KubeList<Deployment> = try JSONValue.parse(#"{"kind":"DeploymentList","items":null}"#).decode()
        #expect(empty.items.isEmpty)
        #expect(try JSONValue.encode(KubeList<Deployment>())["items"] == .array([]))
    }
}
