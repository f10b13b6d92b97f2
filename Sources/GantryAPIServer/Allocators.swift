import Foundation
import GantryAPI
import GantryStore

/// Hands out Service cluster IPs and node ports without collisions, across every API server of the cluster.
///
/// Each address and port handed out is also reserved in the store (a create of `/gantry/allocations/...`, which
/// only one server can win), so that servers sharing an etcd never hand out the same one. The in-use sets,
/// loaded from the stored Services on first use and kept in this actor, spare a store round trip for what this
/// server already knows is taken.
public actor ServiceAllocator {
    public let serviceCIDR: IPv4CIDR
    public let nodePortRange: ClosedRange<Int>
    private let store: any StateStore
    private var usedIPs: Set<UInt32> = []
    private var usedPorts: Set<Int> = []
    private var loaded = false
    private var nextIP: UInt32 = 0
    private var nextPort: Int

    public init(store: any StateStore, serviceCIDR: IPv4CIDR, nodePortRange: ClosedRange<Int>) {
        self.store = store
        self.serviceCIDR = serviceCIDR
        self.nodePortRange = nodePortRange
        self.nextPort = nodePortRange.lowerBound
    }

    private func load() async throws {
        guard !loaded else { return }
        for kv in try await store.list(prefix: ResourceInfo.services.keyPrefix).items {
            guard let obj = try? JSONValue.parse(kv.value) else { continue }
            if let ip = obj[path: ["spec", "clusterIP"]]?.stringValue.flatMap(IPv4CIDR.parseIP) { usedIPs.insert(ip) }
            for p in obj[path: ["spec", "ports"]]?.arrayValue ?? [] {
                if let np = p["nodePort"]?.intValue { usedPorts.insert(Int(np)) }
            }
        }
        loaded = true
        nextIP = serviceCIDR.base + 1
    }

    static func ipKey(_ ip: UInt32) -> String { "/gantry/allocations/serviceips/\(IPv4CIDR.format(ip))" }
    static func portKey(_ port: Int) -> String { "/gantry/allocations/nodeports/\(port)" }

    /// Claims `key` in the store; false if another server (or an earlier allocation) holds it.
    private func reserve(_ key: String) async throws -> Bool {
        if case .created = try await store.create(key, value: Data()) { return true }
        return false
    }

    /// The first usable address (reserved for the `kubernetes` Service).
    public var firstIP: String { IPv4CIDR.format(serviceCIDR.base + 1) }

    /// Allocates `requested` if given and free, else the next free address.
    public func allocateIP(_ requested: String?, field: String) async throws -> String {
        try await load()
        if let requested {
            guard let ip = IPv4CIDR.parseIP(requested) else {
                throw FieldErrors([.invalid(field, requested, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")])
            }
            guard serviceCIDR.contains(ip), ip != serviceCIDR.base, ip != serviceCIDR.base + serviceCIDR.size - 1 else {
                throw FieldErrors([.invalid(field, requested, "failed to allocate IP \(requested): the provided IP (\(requested)) is not in the valid range. The range of valid IPs is \(serviceCIDR)")])
            }
            guard !usedIPs.contains(ip) else {
                throw FieldErrors([.invalid(field, requested, "failed to allocate IP \(requested): provided IP is already allocated")])
            }
            usedIPs.insert(ip)
            do {
                guard try await reserve(Self.ipKey(ip)) else {
                    throw FieldErrors([.invalid(field, requested, "failed to allocate IP \(requested): provided IP is already allocated")])
                }
            } catch let e as FieldErrors {
                throw e
            } catch {
                usedIPs.remove(ip)
                throw error
            }
            return requested
        }
        let count = serviceCIDR.size - 2
        for _ in 0..<count {
            let ip = nextIP
            nextIP = nextIP + 1 >= serviceCIDR.base + serviceCIDR.size - 1 ? serviceCIDR.base + 1 : nextIP + 1
            if !usedIPs.contains(ip) {
                usedIPs.insert(ip)  // before the await: a concurrent allocation here skips it
                do {
                    if try await reserve(Self.ipKey(ip)) { return IPv4CIDR.format(ip) }
                    // Taken by another server: it stays in the used set.
                } catch {
                    usedIPs.remove(ip)
                    throw error
                }
            }
        }
        throw GantryError(.internalError, "failed to allocate a serviceIP: range is full")
    }

    /// Allocates `requested` if given and free, else the next free port in range.
    public func allocatePort(_ requested: Int?, field: String) async throws -> Int {
        try await load()
        if let requested {
            guard nodePortRange.contains(requested) else {
                throw FieldErrors([.invalid(field, requested, "provided port is not in the valid range. The range of valid ports is \(nodePortRange.lowerBound)-\(nodePortRange.upperBound)")])
            }
            guard !usedPorts.contains(requested) else {
                throw FieldErrors([.invalid(field, requested, "provided port is already allocated")])
            }
            usedPorts.insert(requested)
            do {
                guard try await reserve(Self.portKey(requested)) else {
                    throw FieldErrors([.invalid(field, requested, "provided port is already allocated")])
                }
            } catch let e as FieldErrors {
                throw e
            } catch {
                usedPorts.remove(requested)
                throw error
            }
            return requested
        }
        for _ in 0..<nodePortRange.count {
            let p = nextPort
            nextPort = nextPort >= nodePortRange.upperBound ? nodePortRange.lowerBound : nextPort + 1
            if !usedPorts.contains(p) {
                usedPorts.insert(p)
                do {
                    if try await reserve(Self.portKey(p)) { return p }
                } catch {
                    usedPorts.remove(p)
                    throw error
                }
            }
        }
        throw GantryError(.internalError, "failed to allocate a nodePort: range is full")
    }

    /// Returns addresses and ports to the free pool (after a delete, or a failed create), here and in the store.
    public func release(ips: [String], ports: [Int]) async {
        for ip in ips {
            guard let v = IPv4CIDR.parseIP(ip) else { continue }
            usedIPs.remove(v)
            _ = try? await store.delete(Self.ipKey(v), expectedRevision: nil)
        }
        for p in ports {
            usedPorts.remove(p)
            _ = try? await store.delete(Self.portKey(p), expectedRevision: nil)
        }
    }
}

/// Field errors raised during admission, turned into a 422 by the caller who knows the object.
struct FieldErrors: Error {
    var errors: [FieldError]
    init(_ e: [FieldError]) { errors = e }
}

/// Gives each Node that registers without one a pod CIDR out of the cluster CIDR (kube-controller-manager's
/// node IPAM, done at admission so an agent learns its range from the Node it creates).
public actor NodeCIDRAllocator {
    public let clusterCIDR: IPv4CIDR
    public let maskSize: Int
    let store: any StateStore
    /// Blocks handed out but perhaps not yet stored (two nodes registering at once).
    private var reserved: Set<UInt32> = []

    public init(store: any StateStore, clusterCIDR: IPv4CIDR, maskSize: Int = 24) {
        self.store = store
        self.clusterCIDR = clusterCIDR
        self.maskSize = max(maskSize, clusterCIDR.prefix)
    }

    /// A free block: not the pod CIDR of any stored Node, nor one handed out already.
    public func allocate() async throws -> String {
        let listed = try await store.list(prefix: ResourceInfo.nodes.prefix(namespace: nil))
        var used = reserved
        for kv in listed.items {
            guard let obj = try? JSONValue.parse(kv.value) else { continue }
            for c in [obj[path: ["spec", "podCIDR"]]?.stringValue].compactMap({ $0 }) + (obj[path: ["spec", "podCIDRs"]]?.arrayValue ?? []).compactMap(\.stringValue) {
                if let cidr = try? IPv4CIDR(c) { used.insert(cidr.base) }
            }
        }
        let block = UInt32(1) << (32 - maskSize)
        var base = clusterCIDR.base
        while clusterCIDR.contains(base) {
            if !used.contains(base) {
                reserved.insert(base)
                return "\(IPv4CIDR.format(base))/\(maskSize)"
            }
            base &+= block
        }
        throw GantryError(.unavailable, "no pod CIDR left in the cluster CIDR \(clusterCIDR) for a new node")
    }
}
