import Foundation
import GantryAPI

/// Bits of per-node state the filters test before looking further.
enum NodeFlag {
    static let unschedulable: UInt8 = 1
    /// The node has a `NoSchedule` or `NoExecute` taint.
    static let hardTaints: UInt8 = 2
    /// The node has a `PreferNoSchedule` taint.
    static let preferTaints: UInt8 = 4
    /// Some pod on the node claims a host port.
    static let portsInUse: UInt8 = 8
}

/// Cold per-node state.
struct NodeRecord: Sendable {
    var node: Node
    var name: String
    var labels: LabelSet
    var taints: [Taint]
    var scalarAllocatable: [Int32: Int64]
    var scalarRequested: [Int32: Int64] = [:]
    var usedPorts: [HostPort] = []
    /// Keys (`namespace/name`) of the pods on the node.
    var pods: [String] = []

    /// What a free slot holds.
    static let vacant = NodeRecord(node: Node(), name: "", labels: .empty, taints: [], scalarAllocatable: [:])
}

/// A pod the snapshot counts: assigned (bound or assumed) to a node.
struct PodRecord: Sendable {
    var nodeName: String
    /// The node's slot, or -1 while the snapshot does not know the node.
    var slot: Int = -1
    var namespace: Int32
    var labels: LabelSet
    var requests: PodResourceRequests
    var scalarIDs: [Int32]
    var ports: [HostPort]
    var trackerKeys: [TrackerKey]
    var antiAffinityTerms: [OwnerTermKey]
    var affinityTerms: [OwnerTermKey]
    /// Entry ids of `antiAffinityTerms` in `antiAffinityOwners` (stable while the pod holds them).
    var antiAffinityIDs: [Int]
    /// Entry ids of `affinityTerms` in `affinityOwners`.
    var affinityIDs: [Int]
}

/// The scheduler's view of the cluster: nodes with their allocatable and requested resources, labels,
/// taints, host ports and images, and the pods assigned to them, precomputed into integer tables
/// so that filtering and scoring a node costs a few loads and compares.
///
/// Build one from node and pod lists, then keep it current with the incremental updates
/// (`addNode`, `removeNode`, `addPod`, `removePod`, `assume`) as informer events arrive. Every update
/// is idempotent: adding an object that is already there replaces it. It is a value: copies are
/// independent, and a scheduler reads it without changing it.
public struct ClusterSnapshot: Sendable {
    var vocabulary = Vocabulary()

    // Nodes, by slot. A slot is stable while its node exists; removed nodes' slots are reused.
    var slotByName: [String: Int] = [:]
    /// Live slots in the order the scheduler scans them.
    var scanOrder: [Int] = []
    private var freeSlots: [Int] = []
    var records: [NodeRecord] = []
    var resources: [NodeResources] = []
    var flags: [UInt8] = []
    /// Images present on each node: (image id, size in bytes), sorted by id.
    var nodeImages: [[(id: Int32, size: Int64)]] = []
    /// Label value ids by `slot * labelStride + key id`; -1 where the node has no such label.
    private(set) var labelMatrix: [Int32] = []
    private(set) var labelStride = 16
    private(set) var unschedulableNodeCount = 0
    private(set) var hardTaintNodeCount = 0
    private(set) var preferTaintNodeCount = 0
    private(set) var portNodeCount = 0
    /// Number of nodes carrying each label value, by label key id then value id (the topology domains).
    private(set) var domainNodeCounts: [Int32: [Int32: Int32]] = [:]
    /// Number of nodes each image (by id) is present on.
    private(set) var imageNodeCount: [Int32] = []
    /// For each image (by id), a bit per node slot: whether the node has it.
    private(set) var imageNodeBits: [[UInt64]] = []

    // Pods.
    private(set) var pods: [String: PodRecord] = [:]
    /// Pods assigned to nodes the snapshot does not know (yet), by node name.
    private var awaitingNode: [String: [String]] = [:]
    /// Number of counted pods carrying each label pair.
    private var pairPodCount: [UInt64: Int32] = [:]
    /// Selectors pods care about, with their matching pods counted per node and per domain.
    private(set) var trackers = TermTable<TrackerKey>()
    /// Required anti-affinity terms of counted pods, with owners counted per domain.
    private(set) var antiAffinityOwners = TermTable<OwnerTermKey>()
    /// Affinity terms of counted pods that score incoming pods (required affinity and preferences).
    private(set) var affinityOwners = TermTable<OwnerTermKey>()
    /// Namespace labels by namespace id (for namespace selectors in affinity terms).
    private(set) var namespaceLabels: [Int32: LabelSet] = [:]

    /// An empty snapshot.
    public init() {}

    /// A snapshot of these nodes (scanned in name order) and assigned pods; pods without a node
    /// name and finished pods are ignored. Namespaces are only needed for affinity terms that use
    /// a `namespaceSelector`.
    public init(nodes: [Node], pods: [Pod] = [], namespaces: [Namespace] = []) {
        for ns in namespaces { setNamespace(ns) }
        for node in nodes.sorted(by: { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }) { addNode(node) }
        for pod in pods { addPod(pod) }
    }

    // MARK: Queries

    /// Number of nodes.
    public var nodeCount: Int { scanOrder.count }

    /// Number of pods counted (assigned to a node, including pods on nodes not yet known).
    public var podCount: Int { pods.count }

    /// Node names in the order the scheduler scans them.
    public var nodeNames: [String] { scanOrder.map { records[$0].name } }

    /// Whether the snapshot counts the pod `namespace/name`, and on which node.
    public func nodeName(ofPod namespace: String, _ name: String) -> String? { pods[namespace + "/" + name]?.nodeName }

    /// What the snapshot knows about a node.
    public func nodeInfo(named name: String) -> NodeInfo? {
        guard let slot = slotByName[name] else { return nil }
        return nodeInfo(at: slot)
    }

    /// What the snapshot knows about the node with this index (the `Int` plugins receive).
    public func nodeInfo(at slot: Int) -> NodeInfo {
        let rec = records[slot]
        let r = resources[slot]
        let names = vocabulary.resources
        return NodeInfo(
            name: rec.name, node: rec.node,
            allocatable: ResourceAmounts(
                milliCPU: r.allocMilliCPU, memory: r.allocMemory, ephemeralStorage: r.allocEphemeral, pods: r.allocPods,
                scalars: Dictionary(uniqueKeysWithValues: rec.scalarAllocatable.map { (names.string($0.key), $0.value) })),
            requested: ResourceAmounts(
                milliCPU: r.reqMilliCPU, memory: r.reqMemory, ephemeralStorage: r.reqEphemeral, pods: r.podCount,
                scalars: Dictionary(uniqueKeysWithValues: rec.scalarRequested.map { (names.string($0.key), $0.value) })),
            nonZeroRequestedMilliCPU: r.nonZeroMilliCPU, nonZeroRequestedMemory: r.nonZeroMemory,
            pods: rec.pods)
    }

    /// Compiles a pod against the current state, for calling plugins directly.
    public func podInfo(for pod: Pod) -> PodInfo {
        var overlay = VocabularyOverlay(vocabulary)
        return PodInfo(pod, interning: &overlay, resources: vocabulary.resources)
    }

    /// The index plugins know a node by (stable while the node exists), or nil for an unknown node.
    public func nodeIndex(named name: String) -> Int? { slotByName[name] }

    /// The name of the node with this index.
    public func nodeName(at slot: Int) -> String { records[slot].name }

    /// The value id of the node's label `key`, or -1.
    @inline(__always) func labelValue(_ slot: Int, _ key: Int32) -> Int32 {
        Int(key) < labelStride ? labelMatrix[slot &* labelStride &+ Int(key)] : -1
    }

    /// Counts of pods matching a term, per node and per domain of its topology key: from the tracker
    /// when some pod registered the term, else counted now.
    func matchCounts(_ key: TrackerKey) -> TermTable<TrackerKey>.Entry {
        trackers.entry(key) ?? countMatching(key)
    }

    private func countMatching(_ key: TrackerKey) -> TermTable<TrackerKey>.Entry {
        var entry = TermTable<TrackerKey>.Entry(key: key, refCount: 0)
        if key.selector.matchesNothing { return entry }
        if let a = key.selector.anchor, (pairPodCount[a] ?? 0) == 0 { return entry }
        for rec in pods.values where rec.slot >= 0 {
            guard key.selector.matches(rec.labels), key.namespaces.matches(rec.namespace, labels: namespaceLabels) else { continue }
            entry.add(slot: rec.slot, domain: labelValue(rec.slot, key.topologyKey), delta: 1)
        }
        return entry
    }

    // MARK: Nodes

    /// Adds a node, or replaces the node of the same name (keeping the pods on it). Idempotent.
    public mutating func addNode(_ node: Node) {
        let name = node.metadata.name ?? ""
        if let slot = slotByName[name] {
            replaceNode(slot, with: node)
            return
        }
        let slot: Int
        if let f = freeSlots.popLast() {
            slot = f
        } else {
            slot = records.count
            records.append(.vacant)
            resources.append(NodeResources())
            flags.append(0)
            nodeImages.append([])
            labelMatrix.append(contentsOf: repeatElement(-1, count: labelStride))
        }
        fill(slot, with: node)
        slotByName[name] = slot
        scanOrder.append(slot)
        for key in awaitingNode.removeValue(forKey: name) ?? [] { attach(key, to: slot) }
    }

    /// Replaces a node (same as `addNode`).
    public mutating func updateNode(_ node: Node) { addNode(node) }

    /// Removes a node. Pods assigned to it stay counted against its name and come back with it. Idempotent.
    public mutating func removeNode(named name: String) {
        guard let slot = slotByName[name] else { return }
        let podKeys = records[slot].pods
        for key in podKeys { detach(key) }
        awaitingNode[name, default: []].append(contentsOf: podKeys)
        clear(slot)
        records[slot] = .vacant
        resources[slot] = NodeResources()
        slotByName[name] = nil
        scanOrder.removeAll { $0 == slot }
        freeSlots.append(slot)
    }

    private mutating func replaceNode(_ slot: Int, with node: Node) {
        let old = records[slot]
        let newLabels = LabelSet(node.metadata.labels, interning: &vocabulary)
        if newLabels != old.labels {
            // Domains change: take the pods off, relabel, put them back so every count moves.
            let podKeys = old.pods
            for key in podKeys { detach(key) }
            clear(slot)
            fill(slot, with: node)
            for key in podKeys { attach(key, to: slot) }
        } else {
            let kept = records[slot]
            let requested = resources[slot]
            clear(slot)
            fill(slot, with: node)
            records[slot].scalarRequested = kept.scalarRequested
            records[slot].usedPorts = kept.usedPorts
            records[slot].pods = kept.pods
            var r = resources[slot]
            r.reqMilliCPU = requested.reqMilliCPU
            r.reqMemory = requested.reqMemory
            r.reqEphemeral = requested.reqEphemeral
            r.podCount = requested.podCount
            r.nonZeroMilliCPU = requested.nonZeroMilliCPU
            r.nonZeroMemory = requested.nonZeroMemory
            resources[slot] = r
            setFlags(slot, computeFlags(records[slot]))
        }
    }

    /// Writes a node's static state into an empty slot.
    private mutating func fill(_ slot: Int, with node: Node) {
        let labels = LabelSet(node.metadata.labels, interning: &vocabulary)
        for (k, v) in labels.entries {
            setLabel(slot, k, v)
            domainNodeCounts[k, default: [:]][v, default: 0] += 1
        }
        let alloc = node.status?.allocatable ?? [:]
        var r = NodeResources()
        func amount(_ name: String, milli: Bool = false) -> Int64 {
            guard let q = alloc[name] else { return 0 }
            return clamped(milli ? FastQuantity.milli(q) : FastQuantity.whole(q), to: maxNodeAmount)
        }
        r.allocMilliCPU = amount(ResourceName.cpu, milli: true)
        r.allocMemory = amount(ResourceName.memory)
        r.allocEphemeral = amount(ResourceName.ephemeralStorage)
        r.allocPods = amount(ResourceName.pods)
        resources[slot] = r
        var scalars: [Int32: Int64] = [:]
        for name in alloc.keys where ResourceName.isScalar(name) { scalars[vocabulary.resources.intern(name)] = amount(name) }
        var images: [Int32: Int64] = [:]
        for image in node.status?.images ?? [] {
            for n in image.names ?? [] {
                let id = vocabulary.images.intern(PodInfo.normalizedImageName(n))
                images[id] = max(images[id] ?? 0, clamped(Int64(image.sizeBytes ?? 0), to: maxNodeAmount))
            }
        }
        let imageList = images.map { (id: $0.key, size: $0.value) }.sorted { $0.id < $1.id }
        for (id, _) in imageList {
            let i = Int(id)
            if i >= imageNodeCount.count {
                imageNodeCount.append(contentsOf: repeatElement(0, count: i - imageNodeCount.count + 1))
                imageNodeBits.append(contentsOf: repeatElement([], count: i - imageNodeBits.count + 1))
            }
            imageNodeCount[i] += 1
            let word = slot / 64
            if word >= imageNodeBits[i].count { imageNodeBits[i].append(contentsOf: repeatElement(0, count: word - imageNodeBits[i].count + 1)) }
            imageNodeBits[i][word] |= 1 << UInt64(slot % 64)
        }
        let rec = NodeRecord(
            node: node, name: node.metadata.name ?? "", labels: labels, taints: node.spec?.taints ?? [],
            scalarAllocatable: scalars)
        nodeImages[slot] = imageList
        records[slot] = rec
        setFlags(slot, computeFlags(rec))
    }

    /// Undoes `fill` (the slot's pods must have been detached, or be put back by the caller).
    private mutating func clear(_ slot: Int) {
        let base = slot * labelStride
        for i in base..<(base + labelStride) { labelMatrix[i] = -1 }
        for (k, v) in records[slot].labels.entries {
            let n = (domainNodeCounts[k]?[v] ?? 0) - 1
            domainNodeCounts[k]?[v] = n > 0 ? n : nil
            if domainNodeCounts[k]?.isEmpty == true { domainNodeCounts[k] = nil }
        }
        for (id, _) in nodeImages[slot] {
            imageNodeCount[Int(id)] -= 1
            imageNodeBits[Int(id)][slot / 64] &= ~(1 << UInt64(slot % 64))
        }
        nodeImages[slot] = []
        setFlags(slot, 0)
    }

    private func computeFlags(_ rec: NodeRecord) -> UInt8 {
        var f: UInt8 = 0
        if rec.node.spec?.unschedulable == true { f |= NodeFlag.unschedulable }
        if rec.taints.contains(where: { $0.effect == TaintEffect.noSchedule || $0.effect == TaintEffect.noExecute }) {
            f |= NodeFlag.hardTaints
        }
        if rec.taints.contains(where: { $0.effect == TaintEffect.preferNoSchedule }) { f |= NodeFlag.preferTaints }
        if !rec.usedPorts.isEmpty { f |= NodeFlag.portsInUse }
        return f
    }

    private mutating func setFlags(_ slot: Int, _ new: UInt8) {
        let old = flags[slot]
        func count(_ bit: UInt8) -> Int { (new & bit != 0 ? 1 : 0) - (old & bit != 0 ? 1 : 0) }
        unschedulableNodeCount += count(NodeFlag.unschedulable)
        hardTaintNodeCount += count(NodeFlag.hardTaints)
        preferTaintNodeCount += count(NodeFlag.preferTaints)
        portNodeCount += count(NodeFlag.portsInUse)
        flags[slot] = new
    }

    private mutating func setLabel(_ slot: Int, _ key: Int32, _ value: Int32) {
        if Int(key) >= labelStride { widenLabelMatrix(to: Int(key) + 1) }
        labelMatrix[slot * labelStride + Int(key)] = value
    }

    private mutating func widenLabelMatrix(to minimum: Int) {
        var stride = labelStride
        while stride < minimum { stride *= 2 }
        var m = [Int32](repeating: -1, count: records.count * stride)
        for s in 0..<records.count {
            for k in 0..<labelStride { m[s * stride + k] = labelMatrix[s * labelStride + k] }
        }
        labelMatrix = m
        labelStride = stride
    }

    // MARK: Namespaces

    /// Records a namespace's labels (used by `namespaceSelector` in pod affinity terms). Idempotent.
    public mutating func setNamespace(_ namespace: Namespace) {
        let id = vocabulary.namespace(namespace.metadata.name ?? "")
        let labels = LabelSet(namespace.metadata.labels, interning: &vocabulary)
        guard namespaceLabels[id] != labels else { return }
        namespaceLabels[id] = labels
        recountNamespaceSelectors()
    }

    /// Forgets a namespace's labels. Idempotent.
    public mutating func removeNamespace(named name: String) {
        guard let id = vocabulary.namespaces.id(name), namespaceLabels[id] != nil else { return }
        namespaceLabels[id] = nil
        recountNamespaceSelectors()
    }

    private mutating func recountNamespaceSelectors() {
        for id in trackers.liveIDs {
            let key = trackers.entries[id]!.key
            if key.namespaces.usesNamespaceLabels { trackers.reset(id, to: countMatching(key)) }
        }
    }

    // MARK: Pods

    /// Counts a pod on the node in its `spec.nodeName`, replacing an earlier version of it. A pod with
    /// no node name, or one that has finished (`Succeeded`/`Failed`), is removed instead. Idempotent.
    public mutating func addPod(_ pod: Pod) {
        let phase = pod.status?.phase
        guard let nodeName = pod.spec?.nodeName, !nodeName.isEmpty, phase != "Succeeded", phase != "Failed" else {
            removePod(pod)
            return
        }
        place(pod, on: nodeName)
    }

    /// Replaces a pod (same as `addPod`).
    public mutating func updatePod(_ pod: Pod) { addPod(pod) }

    /// Counts a pod on a node right after deciding to bind it there, before the API confirms, so the
    /// next decision sees it (kube-scheduler's "assume"). A later `addPod` of the bound pod replaces it;
    /// `removePod` undoes it if binding fails.
    public mutating func assume(_ pod: Pod, on nodeName: String) { place(pod, on: nodeName) }

    /// Stops counting a pod. Idempotent.
    public mutating func removePod(_ pod: Pod) {
        let ns = pod.metadata.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        removePod(namespace: ns, name: pod.metadata.name ?? "")
    }

    /// Stops counting the pod `namespace/name`. Idempotent.
    public mutating func removePod(namespace: String, name: String) { removePod(key: namespace + "/" + name) }

    private mutating func removePod(key: String) {
        guard let rec = pods[key] else { return }
        if rec.slot >= 0 {
            detach(key)
        } else {
            awaitingNode[rec.nodeName]?.removeAll { $0 == key }
            if awaitingNode[rec.nodeName]?.isEmpty == true { awaitingNode[rec.nodeName] = nil }
        }
        for k in rec.trackerKeys { trackers.release(k) }
        for k in rec.antiAffinityTerms { antiAffinityOwners.release(k) }
        for k in rec.affinityTerms { affinityOwners.release(k) }
        pods[key] = nil
    }

    private mutating func place(_ pod: Pod, on nodeName: String) {
        let ns = pod.metadata.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let key = ns + "/" + (pod.metadata.name ?? "")
        removePod(key: key)
        let resourceNames = vocabulary.resources
        let info = PodInfo(pod, interning: &vocabulary, resources: resourceNames)
        let scalarIDs = info.requests.scalars.map { vocabulary.resources.intern($0.name) }

        var trackerKeys: [TrackerKey] = []
        for t in info.requiredAffinity + info.requiredAntiAffinity + info.preferredAffinity + info.preferredAntiAffinity {
            trackerKeys.append(t.trackerKey)
        }
        for c in info.spreadConstraints {
            trackerKeys.append(TrackerKey(namespaces: NamespaceFilter(only: info.namespaceID), selector: c.selector, topologyKey: c.topologyKey))
        }
        for k in trackerKeys where trackers.retainExisting(k) == nil { trackers.insert(countMatching(k)) }

        func owner(_ t: AffinityTerm, _ kind: OwnerTermKey.Kind, _ weight: Int) -> OwnerTermKey {
            OwnerTermKey(kind: kind, weight: weight, namespaces: t.namespaces, selector: t.selector, topologyKey: t.topologyKey)
        }
        let anti = info.requiredAntiAffinity.map { owner($0, .requiredAntiAffinity, 0) }
        let affinity = info.requiredAffinity.map { owner($0, .requiredAffinity, 0) }
            + info.preferredAffinity.map { owner($0, .preferred, $0.weight) }
            + info.preferredAntiAffinity.map { owner($0, .preferred, -$0.weight) }
        let antiIDs = anti.map { antiAffinityOwners.retainExisting($0) ?? antiAffinityOwners.insert(.init(key: $0, refCount: 0)) }
        let affinityIDs = affinity.map { affinityOwners.retainExisting($0) ?? affinityOwners.insert(.init(key: $0, refCount: 0)) }

        var record = PodRecord(
            nodeName: nodeName, namespace: info.namespaceID, labels: info.labels, requests: info.requests,
            scalarIDs: scalarIDs, ports: info.hostPorts, trackerKeys: trackerKeys,
            antiAffinityTerms: anti, affinityTerms: affinity, antiAffinityIDs: antiIDs, affinityIDs: affinityIDs)
        if let slot = slotByName[nodeName] {
            record.slot = slot
            pods[key] = record
            account(record, slot: slot, key: key, sign: 1)
        } else {
            pods[key] = record
            awaitingNode[nodeName, default: []].append(key)
        }
    }

    private mutating func attach(_ key: String, to slot: Int) {
        pods[key]!.slot = slot
        account(pods[key]!, slot: slot, key: key, sign: 1)
    }

    private mutating func detach(_ key: String) {
        let rec = pods[key]!
        guard rec.slot >= 0 else { return }
        account(rec, slot: rec.slot, key: key, sign: -1)
        pods[key]!.slot = -1
    }

    /// Adds (`sign` 1) or subtracts (-1) a pod's footprint on a node and in every index.
    private mutating func account(_ rec: PodRecord, slot: Int, key: String, sign: Int64) {
        let q = rec.requests
        resources[slot].reqMilliCPU += sign * q.milliCPU
        resources[slot].reqMemory += sign * q.memory
        resources[slot].reqEphemeral += sign * q.ephemeralStorage
        resources[slot].nonZeroMilliCPU += sign * q.nonZeroMilliCPU
        resources[slot].nonZeroMemory += sign * q.nonZeroMemory
        resources[slot].podCount += sign
        for (i, id) in rec.scalarIDs.enumerated() { records[slot].scalarRequested[id, default: 0] += sign * q.scalars[i].amount }
        if sign > 0 {
            records[slot].pods.append(key)
        } else if let i = records[slot].pods.lastIndex(of: key) {
            records[slot].pods.remove(at: i)
        }
        if !rec.ports.isEmpty {
            if sign > 0 {
                records[slot].usedPorts.append(contentsOf: rec.ports)
            } else {
                for p in rec.ports {
                    if let i = records[slot].usedPorts.firstIndex(of: p) { records[slot].usedPorts.remove(at: i) }
                }
            }
            setFlags(slot, computeFlags(records[slot]))
        }
        let delta = Int32(sign)
        for p in rec.labels.pairs {
            let n = (pairPodCount[p] ?? 0) + delta
            pairPodCount[p] = n == 0 ? nil : n
        }
        if !trackers.isEmpty {
            var hits: [Int] = []
            trackers.forEachCandidate(rec.labels) { id in
                let k = trackers.entries[id]!.key
                if k.selector.matches(rec.labels) && k.namespaces.matches(rec.namespace, labels: namespaceLabels) { hits.append(id) }
            }
            for id in hits {
                trackers.add(id, slot: slot, domain: labelValue(slot, trackers.entries[id]!.key.topologyKey), delta: delta)
            }
        }
        for (k, id) in zip(rec.antiAffinityTerms, rec.antiAffinityIDs) {
            antiAffinityOwners.add(id, slot: slot, domain: labelValue(slot, k.topologyKey), delta: delta)
        }
        for (k, id) in zip(rec.affinityTerms, rec.affinityIDs) {
            affinityOwners.add(id, slot: slot, domain: labelValue(slot, k.topologyKey), delta: delta)
        }
    }
}

/// Taint effects, as Kubernetes spells them.
enum TaintEffect {
    static let noSchedule = "NoSchedule"
    static let preferNoSchedule = "PreferNoSchedule"
    static let noExecute = "NoExecute"
}

/// What the snapshot knows about one node.
public struct NodeInfo: Sendable {
    /// The node's name.
    public var name: String
    /// The node object as last added.
    public var node: Node
    /// What the node offers (`status.allocatable`).
    public var allocatable: ResourceAmounts
    /// What the pods counted on the node request (`pods` is their number).
    public var requested: ResourceAmounts
    /// CPU requested, counting pods' containers without a CPU request as 100m (what scoring uses).
    public var nonZeroRequestedMilliCPU: Int64
    /// Memory requested, counting containers without a memory request as 200Mi (what scoring uses).
    public var nonZeroRequestedMemory: Int64
    /// Keys (`namespace/name`) of the pods counted on the node.
    public var pods: [String]
}
