import Foundation
import GantryAPI
import GantryClient
import Logging

/// The Endpoints a Service with a selector should have, computed purely from the Service and the pods of its
/// namespace, as Kubernetes' endpoints controller does.
public enum EndpointsPlan {
    /// The subsets for `service`, or nil when the Service manages no Endpoints (no selector, or ExternalName):
    /// its Endpoints are then the user's.
    ///
    /// A pod counts when its labels match, it has an IP and it has not finished. It is ready when its Ready
    /// condition is True and it is not being deleted; not-ready pods go to `notReadyAddresses` (or to
    /// `addresses` with `publishNotReadyAddresses`); pods being deleted are left out altogether, so traffic
    /// stops reaching them while they run their preStop hooks. A named targetPort is looked up in each pod's
    /// containers, so pods that number it differently land in different subsets; a pod without the port is left
    /// out of that port's subset.
    public static func subsets(for service: Service, pods: [Pod]) -> [EndpointSubset]? {
        guard let spec = service.spec, spec.type != "ExternalName", let selector = spec.selector, !selector.isEmpty else {
            return nil
        }
        let publishNotReady = spec.publishNotReadyAddresses == true
        // (ports) -> (ready, notReady)
        var groups: [[EndpointPort]: (ready: [EndpointAddress], notReady: [EndpointAddress])] = [:]
        for m in members(of: service, pods: pods) {
            let pod = m.pod
            guard PodUtil.isActive(pod) || isTerminatingPublished(pod, publishNotReady) else { continue }
            let ports = m.ports
            let address = EndpointAddress(ip: m.ip, hostname: m.hostname, nodeName: pod.spec?.nodeName, targetRef: m.targetRef)
            let ready = publishNotReady || (PodUtil.isReady(pod) && pod.metadata.deletionTimestamp == nil)
            if ready { groups[ports, default: ([], [])].ready.append(address) } else { groups[ports, default: ([], [])].notReady.append(address) }
        }
        let byIP: (EndpointAddress, EndpointAddress) -> Bool = { ($0.ip ?? "", $0.targetRef?.name ?? "") < ($1.ip ?? "", $1.targetRef?.name ?? "") }
        return groups.sorted { a, b in a.key.lexicographicallyPrecedes(b.key) { ($0.name ?? "", $0.port ?? 0) < ($1.name ?? "", $1.port ?? 0) } }
            .map { ports, addrs in
                EndpointSubset(addresses: addrs.ready.isEmpty ? nil : addrs.ready.sorted(by: byIP),
                               notReadyAddresses: addrs.notReady.isEmpty ? nil : addrs.notReady.sorted(by: byIP),
                               ports: ports.isEmpty ? nil : ports)
            }
    }

    /// A pod the Service selects, with what both Endpoints and EndpointSlices show of it.
    struct Member {
        var pod: Pod
        var ip: String
        /// The Service's ports as this pod numbers them, sorted.
        var ports: [EndpointPort]
        /// Set for a pod of the Service's subdomain.
        var hostname: String?
        var targetRef: ObjectReference
    }

    /// The pods `service` selects that have an IP and have not finished (being deleted or not), with their
    /// ports; a pod without any of the Service's ports is left out (a Service without ports keeps them all,
    /// so a headless Service still publishes addresses for DNS).
    static func members(of service: Service, pods: [Pod]) -> [Member] {
        guard let spec = service.spec, let selector = spec.selector, !selector.isEmpty else { return [] }
        var out: [Member] = []
        for pod in pods {
            guard let ip = pod.status?.podIP, !ip.isEmpty, pod.status?.phase != "Succeeded", pod.status?.phase != "Failed",
                  selector.allSatisfy({ pod.metadata.labels?[$0.key] == $0.value }) else { continue }
            var ports: [EndpointPort] = []
            for sp in spec.ports ?? [] {
                guard let port = targetPort(sp, in: pod) else { continue }
                ports.append(EndpointPort(name: sp.name, port: port, protocol: sp.protocol ?? "TCP", appProtocol: sp.appProtocol))
            }
            if ports.isEmpty && !(spec.ports ?? []).isEmpty { continue }
            ports.sort { ($0.name ?? "", $0.port ?? 0, $0.protocol ?? "") < ($1.name ?? "", $1.port ?? 0, $1.protocol ?? "") }
            let h = pod.spec?.hostname
            out.append(Member(pod: pod, ip: ip, ports: ports,
                              hostname: h.flatMap { !$0.isEmpty && pod.spec?.subdomain == service.name ? $0 : nil },
                              targetRef: ObjectReference(kind: "Pod", namespace: pod.metadata.namespace, name: pod.name,
                                                         uid: pod.metadata.uid)))
        }
        return out
    }

    /// A pod being deleted still counts (as not ready, or published) only with publishNotReadyAddresses.
    static func isTerminatingPublished(_ pod: Pod, _ publishNotReady: Bool) -> Bool {
        publishNotReady && PodUtil.isTerminating(pod)
    }

    /// The pod's port number for a Service port: a number as is, a name looked up in the pod's containers.
    public static func targetPort(_ sp: ServicePort, in pod: Pod) -> Int? {
        switch sp.targetPort {
        case .int(let n)?: return n
        case nil: return sp.port
        case .string(let name)?:
            if let n = Int(name) { return n }
            let proto = sp.protocol ?? "TCP"
            for c in pod.spec?.containers ?? [] {
                for p in c.ports ?? [] where p.name == name && (p.protocol ?? "TCP") == proto { return p.containerPort }
            }
            return nil
        }
    }
}

/// Queues the Services whose selector matches a pod before or after `e`, when the change can alter what their
/// endpoints show (labels, IP, readiness, deletion, phase, node).
func queueServices(selecting e: InformerEvent<Pod>, services: Informer<GantryAPI.Service>, queue: WorkQueue) {
    var labelSets: [[String: String]] = [e.object.metadata.labels ?? [:]]
    if case .updated(let old, let new) = e {
        if old.metadata.labels == new.metadata.labels, old.status?.podIP == new.status?.podIP,
           PodUtil.isReady(old) == PodUtil.isReady(new), old.metadata.deletionTimestamp == new.metadata.deletionTimestamp,
           old.status?.phase == new.status?.phase, old.spec?.nodeName == new.spec?.nodeName { return }
        if old.metadata.labels != new.metadata.labels { labelSets.append(old.metadata.labels ?? [:]) }
    }
    for s in services.list(namespace: e.object.metadata.namespace ?? "default") {
        guard let sel = s.spec?.selector, !sel.isEmpty else { continue }
        if labelSets.contains(where: { labels in sel.allSatisfy { labels[$0.key] == $0.value } }) { queue.add(objectKey(s)) }
    }
}

/// Keeps each selector Service's Endpoints equal to its matching pods: ready addresses, not-ready addresses
/// and ports. Services without a selector keep the Endpoints their users write.
public final class EndpointsController: Reconciler, ContextualController, @unchecked Sendable {
    let services: Informer<GantryAPI.Service>
    let endpoints: Informer<Endpoints>
    let pods: Informer<Pod>
    let context: ControllerContext
    public let queue: WorkQueue

    public init(context: ControllerContext, services: Informer<GantryAPI.Service>, endpoints: Informer<Endpoints>, pods: Informer<Pod>) {
        self.context = context
        self.services = services
        self.endpoints = endpoints
        self.pods = pods
        self.queue = WorkQueue(clock: context.clock)
    }

    public func register() {
        services.addHandler { [queue] e in queue.add(objectKey(e.object)) }
        endpoints.addHandler { [queue] e in
            if case .added = e { return }  // our own creations
            queue.add(objectKey(e.object))
        }
        pods.addHandler { [queue, services] e in queueServices(selecting: e, services: services, queue: queue) }
    }

    public func reconcile(_ key: String) async throws -> ReconcileResult {
        let (namespace, name) = splitKey(key)
        let ns = namespace ?? "default"
        guard let service = services.get(key), service.metadata.deletionTimestamp == nil else {
            // The Service is gone: so are the Endpoints it managed.
            if endpoints.get(key) != nil {
                do { try await client.delete(.endpoints, namespace: ns, name: name) }
                catch let e as GantryError where e.code == .notFound {}
            }
            return .done
        }
        guard let subsets = EndpointsPlan.subsets(for: service, pods: pods.list(namespace: ns)) else { return .done }
        var labels = service.metadata.labels ?? [:]
        if service.spec?.clusterIP == "None" { labels["service.kubernetes.io/headless"] = "" }
        if var existing = endpoints.get(key) {
            if (existing.subsets ?? []) == subsets && (existing.metadata.labels ?? [:]) == labels { return .done }
            existing.subsets = subsets.isEmpty ? nil : subsets
            existing.metadata.labels = labels.isEmpty ? nil : labels
            _ = try await client.update(existing)
        } else {
            let ep = Endpoints(metadata: ObjectMeta(name: name, namespace: ns, labels: labels.isEmpty ? nil : labels),
                               subsets: subsets.isEmpty ? nil : subsets)
            do { _ = try await client.create(ep) } catch let e as GantryError where e.code == .alreadyExists {
                // Created meanwhile (the cache is behind): look again once it catches up.
                return .requeue(after: .milliseconds(100))
            }
        }
        logger.debug("endpoints sync", metadata: ["service": "\(key)",
                                                  "ready": "\(subsets.reduce(0) { $0 + ($1.addresses?.count ?? 0) })"])
        return .done
    }
}
