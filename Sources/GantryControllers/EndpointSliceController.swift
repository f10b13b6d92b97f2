import Foundation
import GantryAPI
import GantryClient
import Logging

/// The EndpointSlices a selector Service should have, as Kubernetes' EndpointSlice controller makes them:
/// one group of slices per distinct set of ports, at most `maxEndpoints` endpoints per slice.
public enum EndpointSlicePlan {
    /// The label naming a slice's Service.
    public static let serviceNameLabel = "kubernetes.io/service-name"
    /// The label naming the slice's manager (slices without it belong to their users).
    public static let managedByLabel = "endpointslice.kubernetes.io/managed-by"
    public static let managedBy = "endpointslice-controller.k8s.io"

    /// One wanted slice: its ports and endpoints (sorted, so comparisons are stable).
    public struct Slice: Sendable, Equatable {
        public var ports: [EndpointPort]
        public var endpoints: [DiscoveryEndpoint]
    }

    /// The slices for `service` (nil when it has no selector or is ExternalName). Unlike v1 Endpoints, pods
    /// being deleted stay in, with `terminating: true` and `ready: false`, so consumers can drain them.
    public static func slices(for service: Service, pods: [Pod], maxEndpoints: Int = 100) -> [Slice]? {
        guard let spec = service.spec, spec.type != "ExternalName", let selector = spec.selector, !selector.isEmpty else { return nil }
        let publishNotReady = spec.publishNotReadyAddresses == true
        var groups: [[EndpointPort]: [DiscoveryEndpoint]] = [:]
        for m in EndpointsPlan.members(of: service, pods: pods) {
            let pod = m.pod
            // Slices name every port (an unnamed Service port is "").
            let ports = m.ports.map { p in var p = p; p.name = p.name ?? ""; return p }
            let terminating = pod.metadata.deletionTimestamp != nil
            let serving = publishNotReady || PodUtil.isReady(pod)
            let e = DiscoveryEndpoint(addresses: [m.ip],
                                      conditions: EndpointConditions(ready: serving && (!terminating || publishNotReady), serving: serving,
                                                                     terminating: terminating),
                                      hostname: m.hostname, targetRef: m.targetRef, nodeName: pod.spec?.nodeName)
            groups[ports, default: []].append(e)
        }
        var out: [Slice] = []
        for (ports, eps) in groups.sorted(by: { $0.key.map { "\($0.name ?? ""):\($0.port ?? 0)" }.joined() < $1.key.map { "\($0.name ?? ""):\($0.port ?? 0)" }.joined() }) {
            let sorted = eps.sorted { ($0.addresses?.first ?? "") < ($1.addresses?.first ?? "") }
            for start in stride(from: 0, to: sorted.count, by: maxEndpoints) {
                out.append(Slice(ports: ports, endpoints: Array(sorted[start..<min(start + maxEndpoints, sorted.count)])))
            }
        }
        // A Service with no endpoints still has one (empty) slice with its ports, as Kubernetes keeps.
        if out.isEmpty { out.append(Slice(ports: [], endpoints: [])) }
        return out
    }
}

/// Keeps each selector Service's EndpointSlices (discovery.k8s.io/v1) equal to its pods: creates, updates and
/// deletes the slices it manages, owned by the Service so they go when it does.
public final class EndpointSliceController: Reconciler, ContextualController, @unchecked Sendable {
    let services: Informer<GantryAPI.Service>
    let slices: Informer<EndpointSlice>
    let pods: Informer<Pod>
    let context: ControllerContext
    public let queue: WorkQueue

    public init(context: ControllerContext, services: Informer<GantryAPI.Service>, slices: Informer<EndpointSlice>, pods: Informer<Pod>) {
        self.context = context
        self.services = services
        self.slices = slices
        self.pods = pods
        self.queue = WorkQueue(clock: context.clock)
    }

    public func register() {
        services.addHandler { [queue] e in queue.add(objectKey(e.object)) }
        slices.addHandler { [queue] e in
            if case .added = e { return }  // our own creations
            if let svc = e.object.metadata.labels?[EndpointSlicePlan.serviceNameLabel] {
                queue.add(objectKey(namespace: e.object.metadata.namespace, name: svc))
            }
        }
        pods.addHandler { [queue, services] e in queueServices(selecting: e, services: services, queue: queue) }
    }

    public func reconcile(_ key: String) async throws -> ReconcileResult {
        let (namespace, name) = splitKey(key)
        let ns = namespace ?? "default"
        let mine = slices.list(namespace: ns).filter {
            $0.metadata.labels?[EndpointSlicePlan.serviceNameLabel] == name
                && $0.metadata.labels?[EndpointSlicePlan.managedByLabel] == EndpointSlicePlan.managedBy
        }
        guard let service = services.get(key), service.metadata.deletionTimestamp == nil,
              let wanted = EndpointSlicePlan.slices(for: service, pods: pods.list(namespace: ns)) else {
            // The garbage collector removes the slices of a deleted Service (they are owned by it); a Service
            // that lost its selector keeps none of ours.
            if services.get(key) != nil { for s in mine { try await delete(s) } }
            return .done
        }
        var labels = service.metadata.labels ?? [:]
        labels[EndpointSlicePlan.serviceNameLabel] = name
        labels[EndpointSlicePlan.managedByLabel] = EndpointSlicePlan.managedBy
        var unused = mine.sorted { $0.name < $1.name }
        var pending: [EndpointSlicePlan.Slice] = []
        // Slices already right stay as they are.
        for w in wanted {
            if let i = unused.firstIndex(where: { ($0.ports ?? []) == w.ports && ($0.endpoints ?? []) == w.endpoints && $0.metadata.labels == labels }) {
                unused.remove(at: i)
            } else {
                pending.append(w)
            }
        }
        for w in pending {
            if var s = unused.first {
                unused.removeFirst()
                s.ports = w.ports
                s.endpoints = w.endpoints
                s.metadata.labels = labels
                _ = try await client.update(s)
            } else {
                let s = EndpointSlice(metadata: ObjectMeta(generateName: name + "-", namespace: ns, labels: labels,
                                                           ownerReferences: [service.ownerReference()]),
                                      addressType: "IPv4", endpoints: w.endpoints, ports: w.ports)
                _ = try await client.create(s)
            }
        }
        for s in unused { try await delete(s) }
        return .done
    }

    private func delete(_ s: EndpointSlice) async throws {
        do { try await client.delete(.endpointSlices, namespace: s.metadata.namespace, name: s.name) }
        catch let e as GantryError where e.code == .notFound {}
    }
}
