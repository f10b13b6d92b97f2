import Foundation
import GantryAPI
import Testing

@testable import GantryProxy

@Suite("Service proxy rules")
struct ProxyRulesTests {
    func service(_ name: String, ip: String, port: Int, nodePort: Int? = nil, affinity: Bool = false, portName: String = "http") -> Service {
        var spec = ServiceSpec()
        spec.type = nodePort == nil ? "ClusterIP" : "NodePort"
        spec.clusterIP = ip
        spec.clusterIPs = [ip]
        spec.ports = [ServicePort(name: portName, protocol: "TCP", port: port, nodePort: nodePort)]
        if affinity { spec.sessionAffinity = "ClientIP" }
        return Service(metadata: ObjectMeta(name: name, namespace: "default"), spec: spec)
    }

    func endpoints(_ name: String, _ ips: [String], port: Int = 8080, portName: String = "http") -> Endpoints {
        Endpoints(metadata: ObjectMeta(name: name, namespace: "default"),
                  subsets: [EndpointSubset(addresses: ips.map { EndpointAddress(ip: $0) },
                                           ports: [EndpointPort(name: portName, port: port, protocol: "TCP")])])
    }

    @Test func servicePortsJoinServicesWithTheirReadyEndpoints() {
        let ports = ProxyRules.servicePorts(services: [service("web", ip: "10.96.0.5", port: 80, nodePort: 30080), service("db", ip: "None", port: 5432)],
                                            endpoints: [endpoints("web", ["10.0.0.3", "10.0.0.2"])])
        #expect(ports.count == 1)  // headless Services are not proxied
        #expect(ports[0].endpoints == ["10.0.0.2:8080", "10.0.0.3:8080"])
        #expect(ports[0].nodePort == 30080)
        #expect(ports[0].id == "default/web:http")
    }

    @Test func randomBalancingOverEveryEndpointAndDNATToEach() {
        let ports = ProxyRules.servicePorts(services: [service("web", ip: "10.96.0.5", port: 80, nodePort: 30080)],
                                            endpoints: [endpoints("web", ["10.0.0.2", "10.0.0.3", "10.0.0.4"])])
        let rules = ProxyRules.restoreInput(ports)
        let svc = ProxyRules.chain("GANTRY-SVC-", "default/web:http", "tcp")
        #expect(rules.contains("-A GANTRY-SERVICES -d 10.96.0.5/32 -p tcp -m tcp --dport 80 -m comment --comment \"default/web:http\" -j \(svc)"))
        #expect(rules.contains("-m statistic --mode random --probability 0.33333333333"))
        #expect(rules.contains("-m statistic --mode random --probability 0.50000000000"))
        for ip in ["10.0.0.2", "10.0.0.3", "10.0.0.4"] {
            #expect(rules.contains("-j DNAT --to-destination \(ip):8080"))
            #expect(rules.contains("-s \(ip)/32 -j GANTRY-MARK-MASQ"))  // hairpin
        }
        #expect(rules.contains("-A GANTRY-NODEPORTS -p tcp -m tcp --dport 30080"))
        // Node ports come last, after every cluster IP.
        #expect(rules.components(separatedBy: "\n").filter { $0.hasPrefix("-A GANTRY-SERVICES") }.last?.contains("GANTRY-NODEPORTS") == true)
        #expect(svc.count <= 28)
    }

    @Test func servicesWithoutEndpointsAreRejectedNotDropped() {
        let ports = ProxyRules.servicePorts(services: [service("web", ip: "10.96.0.5", port: 80, nodePort: 30080)], endpoints: [])
        let rules = ProxyRules.restoreInput(ports)
        #expect(rules.contains("-A GANTRY-SERVICES -d 10.96.0.5/32 -p tcp -m tcp --dport 80 -m comment --comment \"default/web:http\" -j REJECT"))
        #expect(rules.contains("-A GANTRY-EXTERNAL -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30080"))
        #expect(!rules.contains("DNAT"))
    }

    @Test func clientIPAffinityRemembersTheEndpoint() {
        let ports = ProxyRules.servicePorts(services: [service("web", ip: "10.96.0.5", port: 80, affinity: true)],
                                            endpoints: [endpoints("web", ["10.0.0.2", "10.0.0.3"])])
        let rules = ProxyRules.restoreInput(ports)
        #expect(rules.contains("--rcheck --seconds 10800 --reap"))
        #expect(rules.contains("-m recent --name GANTRY-SEP-"))
        #expect(rules.contains("--set -j DNAT"))
    }

    @Test func staleChainsAreFlushedAndDeleted() {
        let save = """
            *nat
            :PREROUTING ACCEPT [0:0]
            :GANTRY-SERVICES - [0:0]
            :GANTRY-SVC-OLDOLDOLDOLDOLDOL - [0:0]
            :GANTRY-POD-MASQ - [0:0]
            COMMIT
            *filter
            :GANTRY-SERVICES - [0:0]
            COMMIT
            """
        let existing = ProxyRules.existingChains(iptablesSave: save)
        #expect(existing["nat"] == ["GANTRY-SERVICES", "GANTRY-SVC-OLDOLDOLDOLDOLDOL"])
        let rules = ProxyRules.restoreInput([], staleNat: existing["nat"] ?? [], staleFilter: existing["filter"] ?? [])
        #expect(rules.contains(":GANTRY-SVC-OLDOLDOLDOLDOLDOL - [0:0]"))
        #expect(rules.contains("-X GANTRY-SVC-OLDOLDOLDOLDOLDOL"))
        #expect(!rules.contains("-X GANTRY-SERVICES"))
        // What is left afterwards: the base chains, not the deleted one.
        #expect(ProxyRules.declaredChains(restoreInput: rules)["nat"] == ProxyRules.natBaseChains)
    }

    @Test func podRoutesGoToOtherNodesNotToThisHost() {
        func node(_ name: String, cidr: String, ip: String) -> Node {
            var n = Node(metadata: ObjectMeta(name: name))
            n.spec = NodeSpec(podCIDR: cidr)
            var st = NodeStatus()
            st.addresses = [NodeAddress(type: "InternalIP", address: ip)]
            n.status = st
            return n
        }
        let nodes = [node("a", cidr: "10.244.0.0/24", ip: "10.1.0.1"), node("b", cidr: "10.244.1.0/24", ip: "10.1.0.2"),
                     node("c", cidr: "10.244.2.0/24", ip: "127.0.0.1")]
        #expect(PodRoutes.wanted(nodes: nodes, nodeName: "a", localAddresses: ["10.1.0.1", "127.0.0.1"]) == ["10.244.1.0/24": "10.1.0.2"])
    }
}
