import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// Services end to end on `gantry dev`: the endpoints controller, the iptables service proxy, cluster DNS, and
/// a rolling update behind a NodePort Service under continuous load.
@Suite("Services on gantry dev", .serialized)
struct ServiceTests {
    static func webApp(image: String, version: String) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 3
          selector: {matchLabels: {app: web}}
          strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}
          template:
            metadata: {labels: {app: web}}
            spec:
              terminationGracePeriodSeconds: 10
              containers:
              - name: web
                image: \(image)
                env: [{name: VERSION, value: "\(version)"}]
                command: ["sh", "-c", "mkdir -p /www; echo \\"$VERSION $(hostname)\\" > /www/index.html; touch /www/ready; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]
                ports: [{name: http, containerPort: 8080}]
                readinessProbe:
                  httpGet: {path: /ready, port: http}
                  periodSeconds: 1
                  timeoutSeconds: 3
                  failureThreshold: 1
                lifecycle:
                  preStop: {exec: {command: ["sleep", "2"]}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          type: NodePort
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: http}]
        """
    }

    static func clientPod(image: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: client}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: client
            image: \(image)
            command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
        """
    }

    @Test func nodePortClusterIPDNSAndZeroDowntimeRollout() async throws {
        try requireRoot("runc, CNI and iptables need root")
        _ = try requireExecutable("runc", package: "runc")
        _ = try requireExecutable("iptables", package: "iptables")
        let kubectl = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let curl = try requireExecutable("curl", package: "curl")
        let registry = try await BusyboxRegistry.start()
        defer { registry.stop() }
        let dir = TempDir("gantry-services")
        defer {
            if let log = try? String(contentsOfFile: dir.file("dev.log"), encoding: .utf8) {
                try? log.write(toFile: NSTemporaryDirectory() + "/gantry-services-dev.log", atomically: true, encoding: .utf8)
            }
            scrubNodeState(under: dir.path)
            removeGantryIPTablesState()
            _ = try? FileManager.default.removeItem(atPath: dir.path)
        }
        let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
        let net = try await TestPodNetwork.make(bridge: "gs\(tag)", second: 253)
        defer { net.release() }
        let dev = try await GantryProcess([
            "dev", "--data-dir", dir.file("state"), "--listen", "127.0.0.1:0", "--node-name", "svc-\(tag)",
            "--bridge", net.bridge, "--pod-cidr", net.cidr, "--agent-port", "0", "--node-ip", "127.0.0.1", "--log-level", "debug",
        ], logPath: dir.file("dev.log"))
        let client = try dev.client()
        @discardableResult
        func k(_ args: String..., stdin: String? = nil) async throws -> String {
            let r = try await runCommand(kubectl, dev.kubectlArgs + args, stdin: stdin, environment: ["HOME": dir.path],
                                         timeout: .seconds(120))
            guard r.status == 0 else { throw TestFailure("kubectl \(args.joined(separator: " ")) failed: \(r.stderr)\(r.stdout)") }
            return r.stdout
        }
        func readyAddresses() async throws -> [String] {
            let ep = try? await client.get(Endpoints.self, namespace: "default", name: "web")
            return (ep?.subsets ?? []).flatMap { $0.addresses ?? [] }.compactMap(\.ip)
        }

        try await k("apply", "-f", "-", stdin: Self.webApp(image: registry.image, version: "v1"))
        try await k("apply", "-f", "-", stdin: Self.clientPod(image: registry.image))
        try await eventually(timeout: .seconds(60), "3 ready endpoints") { try await readyAddresses().count == 3 }
        // kubectl shows them too.
        let listed = try await k("get", "endpoints", "web", "-o", "jsonpath={.subsets[*].addresses[*].ip}")
        #expect(listed.split(separator: " ").count == 3)
        // And the EndpointSlice (discovery.k8s.io/v1) of the Service carries the same addresses.
        try await eventually(timeout: .seconds(10), "an EndpointSlice with 3 ready endpoints") {
            let slices = try await k("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
                                     "jsonpath={.items[*].endpoints[?(@.conditions.ready==true)].addresses[0]}")
            return Set(slices.split(separator: " ").map(String.init)) == Set(listed.split(separator: " ").map(String.init))
        }
        let table = try await k("get", "endpointslices")
        #expect(table.contains("IPv4") && table.contains("8080"), "kubectl get endpointslices:\n\(table)")
        let svc = try await client.get(Service.self, namespace: "default", name: "web")
        let nodePort = svc.spec?.ports?.first?.nodePort ?? 0
        let clusterIP = svc.spec?.clusterIP ?? ""
        #expect(nodePort >= 30000)

        // NodePort on the host's loopback reaches several replicas.
        func get(_ url: String) async throws -> String? {
            let r = try await runCommand(curl, ["-s", "--max-time", "3", url])
            return r.status == 0 ? r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
        }
        var seen: Set<String> = []
        for _ in 0..<30 { if let body = try await get("http://127.0.0.1:\(nodePort)/") { seen.insert(body) } }
        #expect(seen.count >= 2, "NodePort answers came from \(seen)")
        #expect(seen.allSatisfy { $0.hasPrefix("v1 web-") }, "\(seen)")

        // From a pod: the cluster IP, the short name and the FQDN.
        try await eventually(timeout: .seconds(60), "client pod running") {
            (try? await client.get(Pod.self, namespace: "default", name: "client"))?.status?.phase == "Running"
        }
        // hostNetwork: a pod serving on the node's own network, its IP the node's; hostPort: a pod's port on the node.
        let hostNetPort = try freePort()
        let hostPort = try freePort()
        try await k("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Pod
            metadata: {name: on-host}
            spec:
              hostNetwork: true
              terminationGracePeriodSeconds: 1
              containers:
              - name: web
                image: \(registry.image)
                command: ["sh", "-c", "mkdir -p /www; echo host-network > /www/index.html; trap 'exit 0' TERM; httpd -f -p 127.0.0.1:\(hostNetPort) -h /www & wait"]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: with-host-port}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: web
                image: \(registry.image)
                command: ["sh", "-c", "mkdir -p /www; echo host-port > /www/index.html; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]
                ports: [{containerPort: 8080, hostPort: \(hostPort)}]
            """)
        try await eventually(timeout: .seconds(30), "hostNetwork pod serves on the node") {
            try await get("http://127.0.0.1:\(hostNetPort)/") == "host-network"
        }
        try await eventually(timeout: .seconds(10), "the hostNetwork pod's IP is the node's") {
            let onHost = try await client.get(Pod.self, namespace: "default", name: "on-host")
            return onHost.status?.podIP == "127.0.0.1" && onHost.status?.hostIP == "127.0.0.1"
        }
        try await eventually(timeout: .seconds(30), "hostPort reaches the pod") {
            try await get("http://127.0.0.1:\(hostPort)/") == "host-port"
        }

        // A replica whose readiness fails leaves the rotation, and comes back when it passes.
        let pods = try await client.list(Pod.self, namespace: "default", labelSelector: "app=web").items
        let victim = try #require(pods.first)
        try await k("exec", victim.name, "--", "rm", "/www/ready")
        try await eventually(timeout: .seconds(15), "endpoint removed") {
            let ips = try await readyAddresses()
            return ips.count == 2 && !ips.contains(victim.status?.podIP ?? "")
        }
        // The proxy rewrites its rules within milliseconds of the Endpoints change; give it a moment.
        try await Task.sleep(for: .milliseconds(500))
        for _ in 0..<20 {
            let body = try await get("http://127.0.0.1:\(nodePort)/")
            #expect(body != nil && !(body ?? "").hasSuffix(victim.name), "a not-ready replica answered")
        }
        try await k("exec", victim.name, "--", "touch", "/www/ready")
        try await eventually(timeout: .seconds(15), "endpoint back") { try await readyAddresses().count == 3 }

        // A rolling update under continuous load: not one failed request, then the new version answers.
        try await Self.rolloutUnderLoad(url: "http://127.0.0.1:\(nodePort)/", dir: dir, image: registry.image) { manifest in
            try await k("apply", "-f", "-", stdin: manifest)
            try await k("rollout", "status", "deployment/web", "--timeout=120s")
        }
        var after: Set<String> = []
        for _ in 0..<10 { if let body = try await get("http://127.0.0.1:\(nodePort)/") { after.insert(String(body.prefix(3))) } }
        #expect(after == ["v2 "], "after the rollout: \(after)")

        // (Debian's busybox-static wget crashes, even on the host: SIGSEGV on any URL. nc speaks the HTTP.)
        for target in [clusterIP, "web", "web.default.svc.cluster.local"] {
            let out = try await k("exec", "client", "--", "sh", "-c",
                                  "printf 'GET / HTTP/1.0\\r\\nHost: web\\r\\n\\r\\n' | nc -w 3 \(target) 80 | tail -n 1")
            #expect(out.hasPrefix("v2 web-"), "http://\(target)/ gave \(out)")
        }
        let lookup = try await k("exec", "client", "--", "nslookup", "web.default.svc.cluster.local")
        #expect(lookup.contains(clusterIP), "nslookup: \(lookup)")

        // A StatefulSet behind a headless Service: real pods started in order, each with its stable hostname and
        // its own DNS name (`db-1.db.default.svc.cluster.local`).
        try await k("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Service
            metadata: {name: db}
            spec: {clusterIP: None, selector: {app: db}, ports: [{port: 80}]}
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db}
            spec:
              serviceName: db
              replicas: 2
              selector: {matchLabels: {app: db}}
              template:
                metadata: {labels: {app: db}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: db
                    image: \(registry.image)
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
            """)
        try await k("rollout", "status", "statefulset/db", "--timeout=60s")
        #expect(try await k("exec", "db-1", "--", "hostname") == "db-1\n")
        let db0 = try await client.get(Pod.self, namespace: "default", name: "db-0")
        let db1 = try await client.get(Pod.self, namespace: "default", name: "db-1")
        // OrderedReady: db-1 was created only once db-0 was ready.
        #expect((db1.metadata.creationTimestamp ?? "") >= (db0.status?.conditions?.first { $0.type == "Ready" }?.lastTransitionTime ?? "~"))
        let db1IP = try #require(db1.status?.podIP)
        try await eventually(timeout: .seconds(10), "db-1's DNS name resolves to it") {
            (try? await k("exec", "client", "--", "nslookup", "db-1.db.default.svc.cluster.local"))?.contains(db1IP) == true
        }

        _ = try await dev.stop()
    }

    /// Applies version v2 (through `apply`) while a client requests `url` without pause; expects every request
    /// to succeed.
    static func rolloutUnderLoad(url: String, dir: TempDir, image: String, apply: (String) async throws -> Void) async throws {
        let results = dir.file("load.txt")
        let stop = dir.file("stop")
        try? FileManager.default.removeItem(atPath: results)
        try? FileManager.default.removeItem(atPath: stop)
        let loader = try TestChild("/bin/sh", ["-c", """
            while [ ! -e \(stop) ]; do
              curl -s -o /dev/null -w '%{http_code}\\n' --max-time 5 \(url) >> \(results) || echo "fail $?" >> \(results)
            done
            """])
        try await Task.sleep(for: .milliseconds(500))
        try await apply(webApp(image: image, version: "v2"))
        try await Task.sleep(for: .seconds(3))
        FileManager.default.createFile(atPath: stop, contents: nil)
        _ = await loader.exit(within: .seconds(30))
        let lines = (try String(contentsOfFile: results, encoding: .utf8)).split(separator: "\n")
        let failures = lines.filter { $0 != "200" }
        #expect(lines.count > 50, "only \(lines.count) requests made")
        #expect(failures.isEmpty, "\(failures.count) of \(lines.count) requests failed: \(Set(failures))")
    }

    @Test func acrossTwoNodesInTheirOwnNetworkNamespaces() async throws {
        try requireRoot("network namespaces, runc, CNI and iptables need root")
        _ = try requireExecutable("runc", package: "runc")
        _ = try requireExecutable("iptables", package: "iptables")
        let kubectl = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let curl = try requireExecutable("curl", package: "curl")
        let cluster = try await MultiNodeCluster.start(hosts: 2)
        let dir = cluster.dir
        do {
            let client = try cluster.server.client()
            @discardableResult
            func k(_ args: String..., stdin: String? = nil) async throws -> String {
                let r = try await runCommand(kubectl, cluster.server.kubectlArgs + args, stdin: stdin, environment: ["HOME": dir.path],
                                             timeout: .seconds(120))
                guard r.status == 0 else { throw TestFailure("kubectl \(args.joined(separator: " ")) failed: \(r.stderr)\(r.stdout)") }
                return r.stdout
            }
            let names = cluster.hosts.map(\.node)
            try await eventually(timeout: .seconds(30), "both nodes Ready") {
                let nodes = try await client.list(Node.self).items
                return names.allSatisfy { n in
                    nodes.contains { $0.name == n && $0.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true }
                }
            }
            // The control plane gave each node its own pod CIDR.
            let cidrs = Set(try await client.list(Node.self).items.compactMap { $0.spec?.podCIDR })
            #expect(cidrs.count == 2 && cidrs.allSatisfy { $0.hasPrefix("10.244.") }, "pod CIDRs: \(cidrs)")

            try await k("apply", "-f", "-", stdin: Self.webApp(image: cluster.registry.image, version: "v1"))
            try await k("apply", "-f", "-", stdin: Self.clientPod(image: cluster.registry.image))
            func ready() async throws -> [EndpointAddress] {
                let ep = try? await client.get(Endpoints.self, namespace: "default", name: "web")
                return (ep?.subsets ?? []).flatMap { $0.addresses ?? [] }
            }
            try await eventually(timeout: .seconds(90), "3 ready endpoints") { try await ready().count == 3 }
            let byPod = Dictionary(try await ready().map { ($0.targetRef?.name ?? "", $0.nodeName ?? "") }) { a, _ in a }
            #expect(Set(byPod.values).count == 2, "replicas on \(byPod)")
            let svc = try await client.get(Service.self, namespace: "default", name: "web")
            let nodePort = svc.spec?.ports?.first?.nodePort ?? 0
            let clusterIP = svc.spec?.clusterIP ?? ""

            // NodePort on one node's address reaches replicas on both nodes.
            var nodesHit: Set<String> = []
            for _ in 0..<40 {
                let r = try await runCommand(curl, ["-s", "--max-time", "3", "http://\(cluster.hosts[0].ip):\(nodePort)/"])
                if r.status == 0, let pod = r.stdout.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines),
                   let node = byPod[pod] { nodesHit.insert(node) }
            }
            #expect(nodesHit.count == 2, "node port answers came from nodes \(nodesHit)")

            // The cluster IP and the Service's names from a pod reach replicas on the other node too.
            try await eventually(timeout: .seconds(60), "client pod running") {
                (try? await client.get(Pod.self, namespace: "default", name: "client"))?.status?.phase == "Running"
            }
            var podNodesHit: Set<String> = []
            for target in [clusterIP, "web", "web.default.svc.cluster.local"] {
                for _ in 0..<6 {
                    let out = try await k("exec", "client", "--", "sh", "-c",
                                          "printf 'GET / HTTP/1.0\\r\\nHost: web\\r\\n\\r\\n' | nc -w 3 \(target) 80 | tail -n 1")
                    #expect(out.hasPrefix("v1 web-"), "http://\(target)/ gave \(out)")
                    if let pod = out.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines), let node = byPod[pod] {
                        podNodesHit.insert(node)
                    }
                }
            }
            #expect(podNodesHit.count == 2, "cluster IP answers came from nodes \(podNodesHit)")

            // A rolling update under load through the other node's port.
            try await Self.rolloutUnderLoad(url: "http://\(cluster.hosts[1].ip):\(nodePort)/", dir: dir, image: cluster.registry.image) { m in
                try await k("apply", "-f", "-", stdin: m)
                try await k("rollout", "status", "deployment/web", "--timeout=120s")
            }
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }
}
