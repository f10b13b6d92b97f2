import Foundation
import GantryAPI
import Logging
import ServiceLifecycle

/// Keeps the `kubernetes` Service's Endpoints listing every API server that is up, as kube-apiserver's lease
/// endpoint reconciler does: each server holds a Lease `kube-system/apiserver-…` (label
/// `apiserver.kubernetes.io/identity: kube-apiserver`) that it renews every `renewInterval`, and writes the
/// Endpoints as the addresses of the servers whose Leases have not expired. A server that stops deletes its
/// Lease and drops out at once; one that dies drops out when its Lease expires (`leaseDuration`).
///
/// Agents and clients read these Endpoints to learn every server (see the agent's failover).
public final class APIServerEndpoints: ServiceLifecycle.Service, @unchecked Sendable {
    let registry: Registry
    let ip: String
    let logger: Logger
    public let renewInterval: Duration
    public let leaseDuration: Int
    /// Called with the live servers' base URLs (`https://IP:PORT`) when they change.
    public var onServers: (@Sendable ([String]) async -> Void)?
    private var lastServers: [String] = []
    private let lock = NSLock()
    private var port: Int?
    private let (ports, portContinuation) = AsyncStream<Int>.makeStream()

    public init(registry: Registry, ip: String, logger: Logger, renewInterval: Duration = .seconds(3), leaseDuration: Int = 10) {
        self.registry = registry
        self.ip = ip
        self.logger = logger
        self.renewInterval = renewInterval
        self.leaseDuration = leaseDuration
    }

    /// This server's Lease name: its address, so that a restarted server takes its own Lease back.
    public func leaseName(port: Int) -> String { "apiserver-\(ip.replacingOccurrences(of: ".", with: "-"))-\(port)" }

    /// Starts publishing once the API serves on `port`.
    public func serving(port: Int) {
        lock.withLock { self.port = port }
        portContinuation.yield(port)
        portContinuation.finish()
    }

    public func run() async throws {
        var it = ports.makeAsyncIterator()
        guard let port = await it.next() else { return }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await renew(port: port)
                try await reconcile()
            } catch {
                logger.warning("could not publish this API server in the kubernetes Endpoints", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.renewInterval) }
            } catch { break }
        }
        // Stopping: leave the Endpoints now rather than when the Lease would expire.
        var options = DeleteOptions()
        options.gracePeriodSeconds = 0
        _ = try? await registry.delete(.leases, namespace: "kube-system", name: leaseName(port: port), options: options)
        try? await reconcile()
    }

    static func microTime(_ date: Date) -> String { RFC3339.formatMicro(date) }

    static func parse(_ s: String?) -> Date? { s.flatMap(RFC3339.parse) }

    /// Creates or renews this server's Lease.
    func renew(port: Int) async throws {
        let name = leaseName(port: port)
        let now = Self.microTime(Date())
        let lease: JSONValue = [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": .string(name), "namespace": "kube-system",
                         "labels": ["apiserver.kubernetes.io/identity": "kube-apiserver"],
                         "annotations": ["gantry.io/endpoint": .string("\(ip):\(port)")]],
            "spec": ["holderIdentity": .string(name), "leaseDurationSeconds": .int(Int64(leaseDuration)), "renewTime": .string(now)],
        ]
        do {
            var current = try await registry.get(.leases, namespace: "kube-system", name: name)
            current[path: ["spec", "renewTime"]] = .string(now)
            current[path: ["spec", "leaseDurationSeconds"]] = .int(Int64(leaseDuration))
            current[path: ["metadata", "annotations", "gantry.io/endpoint"]] = .string("\(ip):\(port)")
            _ = try await registry.update(.leases, namespace: "kube-system", name: name, body: current, scope: .main, options: WriteOptions())
        } catch let e as GantryError where e.code == .notFound {
            _ = try await registry.create(.leases, namespace: "kube-system", body: lease, options: WriteOptions())
        }
    }

    /// The servers with live Leases, as `(ip, port)`, sorted.
    func liveServers() async throws -> [(ip: String, port: Int)] {
        var options = ListOptions()
        options.labelSelector = try LabelQuery(LabelSelector(matchLabels: ["apiserver.kubernetes.io/identity": "kube-apiserver"]))
        let now = Date()
        var out: [(String, Int)] = []
        for lease in try await registry.list(.leases, namespace: "kube-system", options: options).items {
            guard let endpoint = lease[path: ["metadata", "annotations", "gantry.io/endpoint"]]?.stringValue,
                  let colon = endpoint.lastIndex(of: ":"), let port = Int(endpoint[endpoint.index(after: colon)...]),
                  let renewed = Self.parse(lease[path: ["spec", "renewTime"]]?.stringValue)
            else { continue }
            let duration = Double(lease[path: ["spec", "leaseDurationSeconds"]]?.intValue ?? Int64(leaseDuration))
            if renewed.addingTimeInterval(duration) > now { out.append((String(endpoint[..<colon]), port)) }
        }
        return out.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    /// Writes the Endpoints from the live Leases (one subset per port), if they differ.
    func reconcile() async throws {
        let servers = try await liveServers()
        guard !servers.isEmpty else { return }
        let urls = servers.map { "https://\($0.ip):\($0.port)" }
        let changed = lock.withLock { () -> Bool in
            defer { lastServers = urls }
            return lastServers != urls
        }
        if changed, let onServers { await onServers(urls) }
        let byPort = Dictionary(grouping: servers, by: \.port).sorted { $0.key < $1.key }
        let subsets: [JSONValue] = byPort.map { port, members in
            ["addresses": .array(members.map { ["ip": .string($0.ip)] }),
             "ports": [["name": "https", "port": .int(Int64(port)), "protocol": "TCP"]]]
        }
        do {
            var current = try await registry.get(.endpoints, namespace: "default", name: "kubernetes")
            if current["subsets"] == .array(subsets) { return }
            current["subsets"] = .array(subsets)
            _ = try await registry.update(.endpoints, namespace: "default", name: "kubernetes", body: current, scope: .main,
                                          options: WriteOptions())
        } catch let e as GantryError where e.code == .notFound {
            let endpoints: JSONValue = ["apiVersion": "v1", "kind": "Endpoints",
                                        "metadata": ["name": "kubernetes", "namespace": "default"], "subsets": .array(subsets)]
            _ = try await registry.create(.endpoints, namespace: "default", body: endpoints, options: WriteOptions())
        }
    }
}
