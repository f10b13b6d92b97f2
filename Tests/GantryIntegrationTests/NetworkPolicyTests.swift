import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// NetworkPolicies enforced on two real agents in their own network namespaces: real pods on both nodes try
/// real connections as policies come and go.
@Suite("Network policies on two nodes", .serialized)
struct NetworkPolicyTests {
    @Test func ingressAndEgressPoliciesAreEnforcedOnAndAcrossNodes() async throws {
        try requireRoot("network namespaces, runc, CNI and iptables need root")
        _ = try requireExecutable("runc", package: "runc")
        _ = try requireExecutable("iptables", package: "iptables")
        let kubectl = try requireExecutable("kubectl", package: "kubectl (1.32), or Debian's kubernetes-client")
        let cluster = try await MultiNodeCluster.start(hosts: 2)
        do {
            let client = try cluster.server.client()
            @discardableResult
            func k(_ args: String..., stdin: String? = nil) async throws -> String {
                try await cluster.kubectlOK(kubectl, args, stdin: stdin)
            }
            try await eventually(timeout: .seconds(30), "both nodes Ready") {
                try await client.list(Node.self).items.filter { n in
                    n.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
                }.count == 2
            }
            let (n0, n1) = (cluster.hosts[0].node, cluster.hosts[1].node)
            let image = cluster.registry.image
            try await k("create", "namespace", "other")
            try await k("label", "namespace", "other", "team=x")
            // A web server on node 0 (two ports), and clients: one beside it, two on node 1, one in another namespace.
            func pod(_ name: String, ns: String = "default", node: String, labels: String, _ script: String) -> String {
                """
                apiVersion: v1
                kind: Pod
                metadata: {name: \(name), namespace: \(ns), labels: {\(labels)}}
                spec:
                  nodeName: \(node)
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: \(image)
                    command: ["sh", "-c", "\(script)"]
                    ports: [{name: http, containerPort: 8080}, {name: alt, containerPort: 9090}]
                ---

                """
            }
            let serve = "mkdir -p /www; echo ok > /www/index.html; httpd -p 8080 -h /www; httpd -p 9090 -h /www; trap 'exit 0' TERM; sleep 3600 & wait"
            let idle = "trap 'exit 0' TERM; sleep 3600 & wait"
            try await k("apply", "-f", "-", stdin: pod("web", node: n0, labels: "app: web", serve)
                        + pod("near", node: n0, labels: "role: frontend", idle)
                        + pod("front", node: n1, labels: "role: frontend", idle)
                        + pod("stranger", node: n1, labels: "role: none", idle)
                        + pod("visitor", ns: "other", node: n1, labels: "role: none", idle))
            var ips: [String: String] = [:]
            try await eventually(timeout: .seconds(90), "every pod running") {
                let all = try await client.list(Pod.self).items
                for p in all { ips[p.name] = p.status?.podIP }
                return all.count == 5 && all.allSatisfy { $0.status?.phase == "Running" }
            }
            let web = try #require(ips["web"])
            /// Whether `from` gets the page from `target:port` (a dropped connection times out after 2 s).
            func reaches(_ from: String, _ target: String, _ port: Int = 8080, ns: String = "default") async throws -> Bool {
                let r = try await cluster.kubectl(kubectl, ["exec", "-n", ns, from, "--", "sh", "-c",
                                                            "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 \(target) \(port); echo exec-ran"])
                // A failed exec is not a blocked connection.
                guard r.status == 0, r.stdout.contains("exec-ran") else { throw TestFailure("exec in \(from) failed: \(r.stderr)") }
                return r.stdout.contains("ok")
            }
            func expectReach(_ want: [String: Bool], port: Int = 8080, _ when: String) async throws {
                // Rules land within a moment of the change; wait for the first answer to be as expected.
                for (from, yes) in want.sorted(by: { $0.key < $1.key }) {
                    let ns = from == "visitor" ? "other" : "default"
                    try await eventually(timeout: .seconds(15), "\(when): \(from) \(yes ? "reaches" : "is kept from") web:\(port)") {
                        try await reaches(from, web, port, ns: ns) == yes
                    }
                }
            }
            try await expectReach(["near": true, "front": true, "stranger": true, "visitor": true], "no policy")

            // Deny all ingress to web: nobody gets in, on its node or from the other.
            try await k("apply", "-f", "-", stdin: """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web-deny}
                spec:
                  podSelector: {matchLabels: {app: web}}
                  policyTypes: [Ingress]
                """)
            try await expectReach(["near": false, "front": false, "stranger": false, "visitor": false], "deny all")
            let table = try await k("get", "networkpolicy")
            #expect(table.contains("web-deny") && table.contains("app=web"), "\(table)")

            // Allow frontends of the namespace on the named port http, and namespace team=x on 9090 only.
            try await k("apply", "-f", "-", stdin: """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web-allow}
                spec:
                  podSelector: {matchLabels: {app: web}}
                  ingress:
                  - from: [{podSelector: {matchLabels: {role: frontend}}}]
                    ports: [{port: http}]
                  - from: [{namespaceSelector: {matchLabels: {team: x}}}]
                    ports: [{port: 9090, protocol: TCP}]
                """)
            try await expectReach(["near": true, "front": true, "stranger": false, "visitor": false], "frontends on http")
            try await expectReach(["front": false, "visitor": true], port: 9090, "team x on 9090")

            // An ipBlock: the pod network less the stranger's address.
            try await k("delete", "networkpolicy", "web-allow")
            try await k("apply", "-f", "-", stdin: """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web-block}
                spec:
                  podSelector: {matchLabels: {app: web}}
                  ingress:
                  - from: [{ipBlock: {cidr: 10.244.0.0/16, except: ["\(try #require(ips["stranger"]))/32"]}}]
                """)
            try await expectReach(["front": true, "stranger": false, "visitor": true], "ipBlock less the stranger")

            // Egress: the frontend on node 1 may only reach web on http; web itself is open again.
            try await k("delete", "networkpolicy", "web-block", "web-deny")
            try await expectReach(["stranger": true], "policies deleted")
            try await k("apply", "-f", "-", stdin: """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: front-out}
                spec:
                  podSelector: {matchLabels: {role: frontend}}
                  policyTypes: [Egress]
                  egress:
                  - to: [{podSelector: {matchLabels: {app: web}}}]
                    ports: [{port: http}]
                """)
            try await expectReach(["front": true, "near": true, "stranger": true], "egress to web on http")
            try await expectReach(["front": false, "near": false, "stranger": true], port: 9090, "egress not on 9090")
            #expect(try await reaches("front", try #require(ips["stranger"]), 8080) == false, "front may not reach other pods")

            // Gone again: everything flows, and the per-pod chains are removed from the hosts' tables.
            try await k("delete", "networkpolicy", "front-out")
            try await expectReach(["front": true], port: 9090, "no policy left")
            for i in cluster.hosts.indices {
                try await eventually(timeout: .seconds(10), "host \(i)'s per-pod policy chains removed") {
                    let saved = try await cluster.exec(host: i, ["/usr/sbin/iptables-save", "-t", "filter"])
                    return saved.status == 0 && saved.stdout.contains(":GANTRY-NETPOL") && !saved.stdout.contains(":GANTRY-NP-")
                }
            }
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }
}
