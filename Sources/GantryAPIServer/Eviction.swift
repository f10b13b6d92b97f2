import Foundation
import GantryAPI
import GantryAuth

/// The pods/eviction subresource as Kubernetes serves it: a pod is deleted only if the one PodDisruptionBudget that
/// covers it can spend a disruption (which is then recorded in the budget's status, so two evictions cannot
/// spend the same one); otherwise `429 TooManyRequests`, which `kubectl drain` retries.
extension Registry {
    /// How many evictions a budget may have admitted that its controller has not yet seen.
    static let maxDisruptedPods = 2000

    func evict(namespace: String, name: String, body: JSONValue?) async throws -> JSONValue {
        var options = DeleteOptions()
        if let d = body?["deleteOptions"], d.objectValue != nil {
            options.gracePeriodSeconds = d["gracePeriodSeconds"]?.intValue
            options.preconditionUID = d[path: ["preconditions", "uid"]]?.stringValue
            options.preconditionResourceVersion = d[path: ["preconditions", "resourceVersion"]]?.stringValue
            options.dryRun = (d["dryRun"]?.arrayValue ?? []).contains("All")
        }
        for _ in 0..<5 {
            let pod = try await get(.pods, namespace: namespace, name: name)
            // Already going, or not running (done, or not started): nothing a budget protects.
            let phase = pod[path: ["status", "phase"]]?.stringValue ?? "Pending"
            if pod[path: ["metadata", "deletionTimestamp"]] != nil { return StatusMapping.success() }
            if phase == "Succeeded" || phase == "Failed" || phase == "Pending" {
                return try await deleteEvicted(namespace: namespace, name: name, options: options)
            }
            let labels = (pod[path: ["metadata", "labels"]]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            let budgets = try await list(.podDisruptionBudgets, namespace: namespace, options: ListOptions()).items.filter { b in
                guard let sel = b[path: ["spec", "selector"]], sel.objectValue != nil,
                      let selector: LabelSelector = try? sel.decode() else { return false }
                return selector.matches(labels)
            }
            if budgets.count > 1 {
                throw GantryError(.internalError, "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
            }
            guard var pdb = budgets.first else { return try await deleteEvicted(namespace: namespace, name: name, options: options) }
            let pdbName = pdb[path: ["metadata", "name"]]?.stringValue ?? ""
            let status = pdb["status"] ?? .emptyObject
            let current = status["currentHealthy"]?.intValue ?? 0, desired = status["desiredHealthy"]?.intValue ?? 0
            let ready = (pod[path: ["status", "conditions"]]?.arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
            if !ready {
                // A running pod that is not healthy yet: always evictable under AlwaysAllow; under IfHealthyBudget
                // only while the application is not disrupted.
                let policy = pdb[path: ["spec", "unhealthyPodEvictionPolicy"]]?.stringValue ?? "IfHealthyBudget"
                if policy == "AlwaysAllow" || (current >= desired && desired > 0) {
                    return try await deleteEvicted(namespace: namespace, name: name, options: options)
                }
            }
            let generation = pdb[path: ["metadata", "generation"]]?.intValue ?? 0
            if (status["observedGeneration"]?.intValue ?? 0) < generation {
                throw EvictionRefused(pdb: pdbName, cause: "The disruption budget \(pdbName) is still being processed by the server.")
            }
            let allowed = status["disruptionsAllowed"]?.intValue ?? 0
            if allowed < 0 { throw GantryError(.forbidden, "pdb disruptions allowed is negative") }
            var disrupted = status["disruptedPods"]?.objectValue ?? [:]
            if disrupted.count > Self.maxDisruptedPods {
                throw GantryError(.forbidden, "DisruptedPods map too big - too many evictions not confirmed by PDB controller")
            }
            if allowed == 0 {
                throw EvictionRefused(pdb: pdbName, cause: "The disruption budget \(pdbName) needs \(desired) healthy pods and has \(current) currently")
            }
            // Spend one disruption, with the budget's resourceVersion: a concurrent eviction makes this a conflict
            // and is decided again.
            if options.dryRun { return StatusMapping.success() }
            disrupted[name] = .string(RFC3339.format(Date()))
            pdb[path: ["status", "disruptionsAllowed"]] = .int(allowed - 1)
            pdb[path: ["status", "disruptedPods"]] = .object(disrupted)
            do {
                _ = try await update(.podDisruptionBudgets, namespace: namespace, name: pdbName, body: pdb, scope: .status,
                                     options: WriteOptions())
            } catch let e as GantryError where e.code == .conflict {
                continue
            }
            return try await deleteEvicted(namespace: namespace, name: name, options: options)
        }
        throw GantryError(.conflict, "the PodDisruptionBudget changed too often while evicting pod \(name); try again")
    }

    private func deleteEvicted(namespace: String, name: String, options: DeleteOptions) async throws -> JSONValue {
        if !options.dryRun { _ = try await delete(.pods, namespace: namespace, name: name, options: options) }
        return StatusMapping.success()
    }
}

/// An eviction a PodDisruptionBudget refuses; answered as Kubernetes' 429 with a `DisruptionBudget` cause.
struct EvictionRefused: Error {
    let pdb: String
    let cause: String
    static let message = "Cannot evict pod as it would violate the pod's disruption budget."

    var status: JSONValue {
        ["kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Failure",
         "message": .string(Self.message), "reason": "TooManyRequests", "code": 429,
         "details": ["causes": [["reason": "DisruptionBudget", "message": .string(cause)]]]]
    }
}
