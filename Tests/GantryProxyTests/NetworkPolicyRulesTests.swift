import Foundation
import GantryAPI
import Testing

@testable import GantryProxy

@Suite("Network policy rules")
struct NetworkPolicyRulesTests {
    func policy(_ name: String, ns: String = "default", selecting: [String: String], types: [String] = ["Ingress"],
                ingress: [NetworkPolicyIngressRule]? = nil, egress: [NetworkPolicyEgressRule]? = nil) -> NetworkPolicy {
        NetworkPolicy(metadata: ObjectMeta(name: name, namespace: ns),
                      spec: NetworkPolicySpec(podSelector: LabelSelector(matchLabels: selecting), ingress: ingress, egress: egress, policyTypes: types))
    }

    let pods: [Pod]
    let namespaces = [Namespace(metadata: ObjectMeta(name: "default")), Namespace(metadata: ObjectMeta(name: "other", labels: ["team": "x"]))]

    init() {
        pods = [
            NetworkPolicyRulesTests.make("web", ip: "10.244.0.5", labels: ["app": "web"], port: ("http", 8080)),
            NetworkPolicyRulesTests.make("front", ip: "10.244.1.7", labels: ["role": "frontend"]),
            NetworkPolicyRulesTests.make("stranger", ip: "10.244.1.8", labels: [:]),
            NetworkPolicyRulesTests.make("far", ns: "other", ip: "10.244.2.9", labels: ["role": "frontend"]),
        ]
    }

    static func make(_ name: String, ns: String = "default", ip: String, labels: [String: String], port: (String, Int)? = nil) -> Pod {
        var c = Container(name: "c", image: "busybox")
        if let port { c.ports = [ContainerPort(name: port.0, containerPort: port.1)] }
        var p = Pod(metadata: ObjectMeta(name: name, namespace: ns, labels: labels), spec: PodSpec(containers: [c]))
        p.status = PodStatus(phase: "Running", podIP: ip)
        return p
    }

    func lines(_ policies: [NetworkPolicy], stale: [String] = []) -> [String] {
        NetworkPolicyRules.restoreInput(policies: policies, pods: pods, namespaces: namespaces, stale: stale)
            .split(separator: "\n").map(String.init)
    }

    @Test func noPolicyIsolatesNothing() {
        #expect(lines([]) == ["*filter", ":GANTRY-NETPOL - [0:0]",
                              "-A GANTRY-NETPOL -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "COMMIT"])
    }

    @Test func ingressFromPodsOfTheNamespaceOnANamedPort() {
        let allow = policy("allow", selecting: ["app": "web"], ingress: [
            NetworkPolicyIngressRule(from: [NetworkPolicyPeer(podSelector: LabelSelector(matchLabels: ["role": "frontend"]))],
                                     ports: [NetworkPolicyPort(protocol: "TCP", port: .string("http"))]),
        ])
        let out = lines([allow])
        let chain = "GANTRY-NP-I-" + NetworkPolicyRules.hash("default/web")
        #expect(out.contains("-A GANTRY-NETPOL -d 10.244.0.5/32 -m comment --comment \"default/web ingress\" -j \(chain)"))
        // Only the frontend of its own namespace, only on the port named http; everything else dropped.
        #expect(out.filter { $0.hasPrefix("-A \(chain)") } == [
            "-A \(chain) -s 10.244.1.7/32 -p tcp -m tcp --dport 8080 -j RETURN",
            "-A \(chain) -m comment --comment \"default/web ingress\" -j DROP",
        ])
    }

    @Test func denyAllAndNamespaceSelectorsAndIPBlocks() {
        let deny = policy("deny", selecting: [:])  // every pod of default, no rules: nothing gets in
        let fromTeam = policy("team", selecting: ["app": "web"], ingress: [
            NetworkPolicyIngressRule(from: [NetworkPolicyPeer(namespaceSelector: LabelSelector(matchLabels: ["team": "x"])),
                                            NetworkPolicyPeer(ipBlock: IPBlock(cidr: "192.168.0.0/16", except: ["192.168.1.0/24"]))]),
        ])
        let out = lines([deny, fromTeam])
        let web = "GANTRY-NP-I-" + NetworkPolicyRules.hash("default/web")
        let front = "GANTRY-NP-I-" + NetworkPolicyRules.hash("default/front")
        #expect(out.filter { $0.hasPrefix("-A \(front)") } == ["-A \(front) -m comment --comment \"default/front ingress\" -j DROP"])
        let webRules = out.filter { $0.hasPrefix("-A \(web)") }
        #expect(webRules.contains("-A \(web) -s 10.244.2.9/32 -j RETURN"))
        #expect(webRules.contains("-A \(web) -s 192.168.0.0/24 -j RETURN") && webRules.contains("-A \(web) -s 192.168.128.0/17 -j RETURN"))
        #expect(!webRules.contains { $0.contains("192.168.1.") })
        // The pod in the other namespace is not selected by default's policies.
        #expect(!out.contains { $0.contains("other/far") })
    }

    @Test func egressRulesMatchDestinationsAndTheirNamedPorts() {
        let out = lines([policy("out", selecting: ["role": "frontend"], types: ["Egress"], egress: [
            NetworkPolicyEgressRule(to: [NetworkPolicyPeer(podSelector: LabelSelector(matchLabels: ["app": "web"]))],
                                    ports: [NetworkPolicyPort(port: .string("http"))]),
            NetworkPolicyEgressRule(ports: [NetworkPolicyPort(protocol: "UDP", port: .int(53))]),
        ])])
        let chain = "GANTRY-NP-E-" + NetworkPolicyRules.hash("default/front")
        #expect(out.contains("-A GANTRY-NETPOL -s 10.244.1.7/32 -m comment --comment \"default/front egress\" -j \(chain)"))
        #expect(out.filter { $0.hasPrefix("-A \(chain)") } == [
            "-A \(chain) -d 10.244.0.5/32 -p tcp -m tcp --dport 8080 -j RETURN",
            "-A \(chain) -p udp -m udp --dport 53 -j RETURN",
            "-A \(chain) -m comment --comment \"default/front egress\" -j DROP",
        ])
    }

    @Test func chainsNoLongerWantedAreDeleted() {
        let out = lines([], stale: ["GANTRY-NETPOL", "GANTRY-NP-I-0000000000000001"])
        #expect(out.contains(":GANTRY-NP-I-0000000000000001 - [0:0]") && out.contains("-X GANTRY-NP-I-0000000000000001"))
        #expect(!out.contains("-X GANTRY-NETPOL"))
    }

    @Test func cidrArithmetic() throws {
        let block = try #require(IPv4CIDR(block: "10.0.0.0/8"))
        #expect(block.subtracting([try #require(IPv4CIDR(block: "10.0.0.0/9"))]).map(\.description) == ["10.128.0.0/9"])
        #expect(block.subtracting([block]).isEmpty)
        #expect(block.subtracting([try #require(IPv4CIDR(block: "11.0.0.0/8"))]) == [block])
        let left = block.subtracting([try #require(IPv4CIDR(block: "10.1.2.3"))])
        #expect(left.count == 24 && !left.contains { $0.contains(IPv4CIDR.parseIP("10.1.2.3")!) } && left.allSatisfy { block.contains($0) })
        #expect(IPv4CIDR(block: "10.0.0.0/33") == nil && IPv4CIDR(block: "fd00::/8") == nil)
    }
}
