import Foundation
import GantryAPI
import Testing

@testable import GantryControllers

@Suite("Endpoints plan")
struct EndpointsPlanTests {
    func service(_ ports: [ServicePort], selector: [String: String]? = ["app": "web"], clusterIP: String = "10.96.0.10",
                 publishNotReady: Bool = false) -> Service {
        var spec = ServiceSpec()
        spec.selector = selector
        spec.ports = ports
        spec.clusterIP = clusterIP
        spec.publishNotReadyAddresses = publishNotReady ? true : nil
        return Service(metadata: ObjectMeta(name: "web", namespace: "default"), spec: spec)
    }

    func withIP(_ p: Pod, _ ip: String, httpPort: Int = 8080) -> Pod {
        var p = p
        p.status?.podIP = ip
        p.spec?.containers?[0].ports = [ContainerPort(name: "http", containerPort: httpPort)]
        return p
    }

    @Test func readyAndNotReadyAddressesWithNamedAndNumericPorts() throws {
        let svc = service([ServicePort(name: "http", port: 80, targetPort: .string("http")), ServicePort(name: "metrics", port: 9000, targetPort: .int(9100))])
        let pods = [
            withIP(pod("a"), "10.0.0.2"),
            withIP(pod("b", ready: false), "10.0.0.3"),
            withIP(pod("other", labels: ["app": "db"]), "10.0.0.4"),
            pod("no-ip"),
            withIP(pod("done", phase: "Succeeded"), "10.0.0.5"),
        ]
        let subsets = try #require(EndpointsPlan.subsets(for: svc, pods: pods))
        #expect(subsets.count == 1)
        #expect(subsets[0].addresses?.map(\.ip) == ["10.0.0.2"])
        #expect(subsets[0].notReadyAddresses?.map(\.ip) == ["10.0.0.3"])
        #expect(subsets[0].addresses?.first?.targetRef?.name == "a")
        #expect(subsets[0].addresses?.first?.nodeName == "n1")
        #expect(Set(subsets[0].ports?.compactMap(\.port) ?? []) == [8080, 9100])
    }

    @Test func podsNumberingANamedPortDifferentlyLandInDifferentSubsets() throws {
        let svc = service([ServicePort(name: "http", port: 80, targetPort: .string("http"))])
        let subsets = try #require(EndpointsPlan.subsets(for: svc, pods: [withIP(pod("a"), "10.0.0.2"), withIP(pod("b"), "10.0.0.3", httpPort: 9090)]))
        #expect(subsets.count == 2)
        #expect(Set(subsets.compactMap { $0.ports?.first?.port }) == [8080, 9090])
    }

    @Test func terminatingPodsLeaveAtOnceUnlessNotReadyAddressesArePublished() throws {
        var leaving = withIP(pod("a"), "10.0.0.2")
        leaving.metadata.deletionTimestamp = Timestamp.format(t0)
        let svc = service([ServicePort(name: "http", port: 80, targetPort: .int(8080))])
        #expect(EndpointsPlan.subsets(for: svc, pods: [leaving]) == [])
        let published = service([ServicePort(name: "http", port: 80, targetPort: .int(8080))], publishNotReady: true)
        let notReady = withIP(pod("b", ready: false), "10.0.0.3")
        let subsets = try #require(EndpointsPlan.subsets(for: published, pods: [leaving, notReady]))
        #expect(subsets.first?.addresses?.compactMap(\.ip) == ["10.0.0.2", "10.0.0.3"])
    }

    @Test func servicesWithoutSelectorsOrExternalNameAreLeftToTheirUsers() {
        #expect(EndpointsPlan.subsets(for: service([ServicePort(port: 80)], selector: nil), pods: []) == nil)
        var ext = service([ServicePort(port: 80)])
        ext.spec?.type = "ExternalName"
        #expect(EndpointsPlan.subsets(for: ext, pods: []) == nil)
    }

    @Test func headlessServiceAddressesCarryHostnamesOfItsSubdomain() throws {
        var p = withIP(pod("a"), "10.0.0.2")
        p.spec?.hostname = "web-0"
        p.spec?.subdomain = "web"
        let subsets = try #require(EndpointsPlan.subsets(for: service([], clusterIP: "None"), pods: [p]))
        #expect(subsets.first?.addresses?.first?.hostname == "web-0")
        #expect(subsets.first?.ports == nil)
    }

    @Test func slicesKeepTerminatingEndpointsAsNotReadyAndChunk() throws {
        var leaving = withIP(pod("a"), "10.0.0.2")
        leaving.metadata.deletionTimestamp = Timestamp.format(t0)
        let svc = service([ServicePort(name: "http", port: 80, targetPort: .string("http"))])
        let pods = [leaving, withIP(pod("b"), "10.0.0.3"), withIP(pod("c", ready: false), "10.0.0.4")]
        let slices = try #require(EndpointSlicePlan.slices(for: svc, pods: pods))
        #expect(slices.count == 1)
        let byIP = Dictionary(uniqueKeysWithValues: slices[0].endpoints.map { ($0.addresses?.first ?? "", $0.conditions) })
        #expect(byIP["10.0.0.2"] == EndpointConditions(ready: false, serving: true, terminating: true))
        #expect(byIP["10.0.0.3"] == EndpointConditions(ready: true, serving: true, terminating: false))
        #expect(byIP["10.0.0.4"] == EndpointConditions(ready: false, serving: false, terminating: false))
        #expect(slices[0].ports == [EndpointPort(name: "http", port: 8080, protocol: "TCP")])
        let many = (0..<250).map { withIP(pod("p\($0)"), "10.0.\($0 / 200).\($0 % 200 + 2)") }
        #expect(try #require(EndpointSlicePlan.slices(for: svc, pods: many)).map(\.endpoints.count) == [100, 100, 50])
        #expect(EndpointSlicePlan.slices(for: svc, pods: []) == [EndpointSlicePlan.Slice(ports: [], endpoints: [])])
    }
}
