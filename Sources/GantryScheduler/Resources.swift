import Foundation
import GantryAPI

/// Resource names the scheduler accounts for directly.
enum ResourceName {
    static let cpu = "cpu"
    static let memory = "memory"
    static let ephemeralStorage = "ephemeral-storage"
    static let pods = "pods"

    /// Whether Kubernetes treats the resource as a scalar resource the fit check must count
    /// (extended resources such as `nvidia.com/gpu`, prefixed native resources, hugepages, attachable volumes).
    static func isScalar(_ name: String) -> Bool {
        name.contains("/") || name.hasPrefix("hugepages-") || name.hasPrefix("attachable-volumes-")
    }
}

/// The CPU request the scoring plugins assume for a container that sets none (100m), as kube-scheduler does.
let defaultMilliCPURequest: Int64 = 100
/// The memory request the scoring plugins assume for a container that sets none (200 MiB), as kube-scheduler does.
let defaultMemoryRequest: Int64 = 200 * 1024 * 1024

/// The largest amount one container (or the overhead) is taken to request of a resource (2^44: 16 TiB of
/// memory, or 17 million cores), so that absurd quantities cannot overflow the sums.
let maxRequestAmount: Int64 = 1 << 44
/// The largest amount a node is taken to offer of a resource, or an image's size (2^50).
let maxNodeAmount: Int64 = 1 << 50

/// Clamps a converted amount into `0...limit`.
@inline(__always) func clamped(_ value: Int64, to limit: Int64) -> Int64 { min(max(value, 0), limit) }

/// Integer conversions of quantities without going through `Decimal` for the common spellings
/// (`2`, `500m`, `1.5`, `128Mi`, `4G`); anything else falls back to `Quantity`'s exact arithmetic.
enum FastQuantity {
    /// The value in thousandths, rounded up (as `Quantity.milliValue`).
    static func milli(_ q: Quantity) -> Int64 { scaled(q.string, milli: true) ?? q.milliValue }

    /// The value rounded up to an integer (as `Quantity.value`).
    static func whole(_ q: Quantity) -> Int64 { scaled(q.string, milli: false) ?? q.value }

    static func scaled(_ s: String, milli: Bool) -> Int64? {
        var num: Int64 = 0
        var den: Int64 = 1
        var digits = 0
        var seenDot = false
        var suffix: UInt32 = 0  // up to two suffix bytes, big-endian
        var suffixLength = 0
        for b in s.utf8 {
            if b >= 48 && b <= 57 {
                guard suffixLength == 0 else { return nil }
                digits += 1
                if digits > 17 { return nil }
                num = num * 10 + Int64(b - 48)
                if seenDot {
                    den *= 10
                    if den > 1_000_000_000 { return nil }
                }
            } else if b == 46 {  // "."
                guard !seenDot, suffixLength == 0 else { return nil }
                seenDot = true
            } else {
                suffixLength += 1
                if suffixLength > 2 { return nil }
                suffix = suffix << 8 | UInt32(b)
            }
        }
        guard digits > 0 else { return nil }
        var mult: Int64 = 1
        switch suffix {
        case 0: break
        case 0x6D: den *= 1000  // m
        case 0x6B: mult = 1_000  // k
        case 0x4D: mult = 1_000_000  // M
        case 0x47: mult = 1_000_000_000  // G
        case 0x54: mult = 1_000_000_000_000  // T
        case 0x50: mult = 1_000_000_000_000_000  // P
        case 0x4B69: mult = 1 << 10  // Ki
        case 0x4D69: mult = 1 << 20  // Mi
        case 0x4769: mult = 1 << 30  // Gi
        case 0x5469: mult = 1 << 40  // Ti
        case 0x5069: mult = 1 << 50  // Pi
        default: return nil
        }
        if milli {
            let (m, o) = mult.multipliedReportingOverflow(by: 1000)
            if o { return nil }
            mult = m
        }
        let (total, overflow) = num.multipliedReportingOverflow(by: mult)
        if overflow { return nil }
        return total / den + (total % den == 0 ? 0 : 1)
    }
}

/// A pod's resource requests as the scheduler counts them, in integers.
///
/// Computed as Kubernetes does: the larger of the sum over app containers and the largest init
/// container (restartable "sidecar" init containers run alongside everything after them, so they add
/// to both), plus the pod overhead.
public struct PodResourceRequests: Sendable, Hashable {
    /// CPU in millicores.
    public var milliCPU: Int64 = 0
    /// Memory in bytes.
    public var memory: Int64 = 0
    /// Ephemeral storage in bytes.
    public var ephemeralStorage: Int64 = 0
    /// Scalar (extended) resources by name, in whole units, sorted by name.
    public var scalars: [ScalarRequest] = []
    /// CPU in millicores with a container that sets no CPU request counted as 100m (used by scoring).
    public var nonZeroMilliCPU: Int64 = 0
    /// Memory in bytes with a container that sets no memory request counted as 200Mi (used by scoring).
    public var nonZeroMemory: Int64 = 0

    /// One scalar resource request.
    public struct ScalarRequest: Sendable, Hashable {
        /// The resource name (`nvidia.com/gpu`).
        public var name: String
        /// The amount in whole units.
        public var amount: Int64
    }

    /// Whether the pod requests none of cpu, memory, ephemeral storage and scalar resources.
    public var isZero: Bool { milliCPU == 0 && memory == 0 && ephemeralStorage == 0 && scalars.isEmpty }

    /// An empty request.
    public init() {}

    /// The requests of a pod spec.
    public init(_ spec: PodSpec?) {
        self.init(containers: spec?.containers, initContainers: spec?.initContainers, overhead: spec?.overhead)
    }

    /// The requests of a pod's parts (passed apart so the large spec is not copied).
    init(containers: [Container]?, initContainers: [Container]?, overhead: [String: Quantity]?) {
        var total = Vector()
        if let containers {
            // Index loops read fields in place instead of copying each (large) container.
            for i in containers.indices { total.add(Vector(containers[i].resources?.requests)) }
        }
        if let initContainers {
            var sidecars = Vector()
            var initMax = Vector()
            for i in initContainers.indices {
                var v = Vector(initContainers[i].resources?.requests)
                if initContainers[i].restartPolicy == "Always" {
                    total.add(v)
                    sidecars.add(v)
                    v = sidecars
                } else {
                    v.add(sidecars)
                }
                initMax.raise(to: v)
            }
            total.raise(to: initMax)
        }
        if let overhead { total.add(Vector(overhead, defaulting: false)) }
        milliCPU = total.cpu
        memory = total.memory
        ephemeralStorage = total.ephemeral
        nonZeroMilliCPU = total.nonZeroCPU
        nonZeroMemory = total.nonZeroMemory
        if !total.scalars.isEmpty {
            scalars = total.scalars.filter { $0.value != 0 }.map { ScalarRequest(name: $0.key, amount: $0.value) }
                .sorted { $0.name < $1.name }
        }
    }

    /// Per-resource arithmetic over one container's (or the overhead's) requests.
    private struct Vector {
        var cpu: Int64 = 0
        var memory: Int64 = 0
        var ephemeral: Int64 = 0
        var nonZeroCPU: Int64 = 0
        var nonZeroMemory: Int64 = 0
        var scalars: [String: Int64] = [:]

        init() {}

        /// One container's requests; `defaulting` counts a missing cpu/memory request as the scoring default.
        init(_ requests: [String: Quantity]?, defaulting: Bool = true) {
            var hasCPU = false
            var hasMemory = false
            for (name, q) in requests ?? [:] {
                switch name {
                case ResourceName.cpu:
                    cpu = clamped(FastQuantity.milli(q), to: maxRequestAmount)
                    hasCPU = true
                case ResourceName.memory:
                    memory = clamped(FastQuantity.whole(q), to: maxRequestAmount)
                    hasMemory = true
                case ResourceName.ephemeralStorage: ephemeral = clamped(FastQuantity.whole(q), to: maxRequestAmount)
                default: if ResourceName.isScalar(name) { scalars[name] = clamped(FastQuantity.whole(q), to: maxRequestAmount) }
                }
            }
            nonZeroCPU = !hasCPU && defaulting ? defaultMilliCPURequest : cpu
            nonZeroMemory = !hasMemory && defaulting ? defaultMemoryRequest : memory
        }

        mutating func add(_ o: Vector) {
            cpu += o.cpu
            memory += o.memory
            ephemeral += o.ephemeral
            nonZeroCPU += o.nonZeroCPU
            nonZeroMemory += o.nonZeroMemory
            if !o.scalars.isEmpty { for (k, v) in o.scalars { scalars[k, default: 0] += v } }
        }

        mutating func raise(to o: Vector) {
            cpu = max(cpu, o.cpu)
            memory = max(memory, o.memory)
            ephemeral = max(ephemeral, o.ephemeral)
            nonZeroCPU = max(nonZeroCPU, o.nonZeroCPU)
            nonZeroMemory = max(nonZeroMemory, o.nonZeroMemory)
            if !o.scalars.isEmpty { for (k, v) in o.scalars { scalars[k] = max(scalars[k] ?? 0, v) } }
        }
    }
}

/// Amounts of the resources a node offers or has handed out.
public struct ResourceAmounts: Sendable, Hashable {
    /// CPU in millicores.
    public var milliCPU: Int64
    /// Memory in bytes.
    public var memory: Int64
    /// Ephemeral storage in bytes.
    public var ephemeralStorage: Int64
    /// Number of pods.
    public var pods: Int64
    /// Scalar (extended) resources by name, in whole units.
    public var scalars: [String: Int64]

    /// Amounts; every field defaults to zero.
    public init(milliCPU: Int64 = 0, memory: Int64 = 0, ephemeralStorage: Int64 = 0, pods: Int64 = 0, scalars: [String: Int64] = [:]) {
        self.milliCPU = milliCPU
        self.memory = memory
        self.ephemeralStorage = ephemeralStorage
        self.pods = pods
        self.scalars = scalars
    }
}

/// The hot per-node resource block: what the fit filter and the resource scorers read.
struct NodeResources: Sendable {
    var allocMilliCPU: Int64 = 0
    var allocMemory: Int64 = 0
    var allocEphemeral: Int64 = 0
    var allocPods: Int64 = 0
    var reqMilliCPU: Int64 = 0
    var reqMemory: Int64 = 0
    var reqEphemeral: Int64 = 0
    var podCount: Int64 = 0
    var nonZeroMilliCPU: Int64 = 0
    var nonZeroMemory: Int64 = 0
}
