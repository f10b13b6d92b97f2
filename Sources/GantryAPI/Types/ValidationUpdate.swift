import Foundation

extension Validation {
    static let podUpdateMessage = "pod updates may not change fields other than `spec.containers[*].image`,"
        + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
        + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

    static func updatePod(_ old: Pod, _ new: Pod) -> [FieldError] {
        var errs = updateMeta(old.metadata, new.metadata)
        let o = old.spec ?? PodSpec()
        let n = new.spec ?? PodSpec()
        // Copy the mutable fields of the new spec over the old one; anything else that differs is forbidden.
        var merged = o
        if let nc = n.containers, var oc = merged.containers, nc.count == oc.count {
            for i in oc.indices { oc[i].image = nc[i].image }
            merged.containers = oc
        }
        if let nc = n.initContainers, var oc = merged.initContainers, nc.count == oc.count {
            for i in oc.indices { oc[i].image = nc[i].image }
            merged.initContainers = oc
        }
        merged.activeDeadlineSeconds = n.activeDeadlineSeconds
        let oldTolerations = o.tolerations ?? []
        let newTolerations = n.tolerations ?? []
        if oldTolerations.allSatisfy({ newTolerations.contains($0) }) { merged.tolerations = n.tolerations }
        if let g = o.terminationGracePeriodSeconds, g < 0, n.terminationGracePeriodSeconds == 1 {
            merged.terminationGracePeriodSeconds = 1
        }
        // Scheduling gates may only be removed.
        if (n.schedulingGates ?? []).allSatisfy({ (o.schedulingGates ?? []).contains($0) }) {
            merged.schedulingGates = n.schedulingGates
        }
        if merged != n {
            errs.append(.forbidden("spec", podUpdateMessage))
        }
        if let oa = o.activeDeadlineSeconds {
            if let na = n.activeDeadlineSeconds {
                if na > oa {
                    errs.append(.invalid("spec.activeDeadlineSeconds", na, "must be less than or equal to previous value"))
                }
            } else {
                errs.append(.invalid("spec.activeDeadlineSeconds", Raw("null"), "must not update from a positive integer to nil value"))
            }
        }
        return errs
    }

    static func updateConfigMap(_ old: ConfigMap, _ new: ConfigMap) -> [FieldError] {
        var errs = updateMeta(old.metadata, new.metadata)
        if old.immutable == true {
            if new.immutable != true {
                errs.append(.forbidden("immutable", "field is immutable when `immutable` is set"))
            }
            if (old.data ?? [:]) != (new.data ?? [:]) {
                errs.append(.forbidden("data", "field is immutable when `immutable` is set"))
            }
            if (old.binaryData ?? [:]) != (new.binaryData ?? [:]) {
                errs.append(.forbidden("binaryData", "field is immutable when `immutable` is set"))
            }
        }
        return errs
    }

    static func updateSecret(_ old: Secret, _ new: Secret) -> [FieldError] {
        var errs = updateMeta(old.metadata, new.metadata)
        if (old.type ?? "Opaque") != (new.type ?? "Opaque") {
            errs.append(.invalid("type", new.type ?? "", "field is immutable"))
        }
        if old.immutable == true {
            if new.immutable != true {
                errs.append(.forbidden("immutable", "field is immutable when `immutable` is set"))
            }
            if (old.data ?? [:]) != (new.data ?? [:]) || !(new.stringData ?? [:]).isEmpty {
                errs.append(.forbidden("data", "field is immutable when `immutable` is set"))
            }
        }
        return errs
    }

    static func updateService(_ old: Service, _ new: Service) -> [FieldError] {
        var errs = updateMeta(old.metadata, new.metadata)
        let oldType = old.spec?.type ?? "ClusterIP"
        let newType = new.spec?.type ?? "ClusterIP"
        // The cluster IP is fixed once allocated, unless the service turns into (or out of) an ExternalName.
        if oldType != "ExternalName", newType != "ExternalName" {
            let o = old.spec?.clusterIP ?? ""
            let n = new.spec?.clusterIP ?? ""
            if !o.isEmpty, !n.isEmpty, o != n {
                errs.append(.invalid("spec.clusterIP", n, "field is immutable"))
            }
            let oIPs = old.spec?.clusterIPs ?? []
            let nIPs = new.spec?.clusterIPs ?? []
            if !oIPs.isEmpty, !nIPs.isEmpty, oIPs.first != nIPs.first {
                errs.append(.invalid("spec.clusterIPs[0]", nIPs[0], "may not change once set"))
            }
        }
        return errs
    }

    static func updateNode(_ old: Node, _ new: Node) -> [FieldError] {
        var errs = updateMeta(old.metadata, new.metadata)
        let o = old.spec?.podCIDRs ?? []
        let n = new.spec?.podCIDRs ?? []
        if !o.isEmpty, o != n {
            errs.append(.forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"))
        }
        if let oc = old.spec?.podCIDR, !oc.isEmpty, (new.spec?.podCIDR ?? "") != oc, o.isEmpty {
            errs.append(.forbidden("spec.podCIDR", "node updates may not change podCIDR except from \"\" to valid"))
        }
        if let oid = old.spec?.providerID, !oid.isEmpty, (new.spec?.providerID ?? "") != oid {
            errs.append(.forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"))
        }
        return errs
    }

    static func updateJob(_ old: Job, _ new: Job) -> [FieldError] {
        var errs = updateMeta(old.metadata, new.metadata)
        let o = old.spec ?? JobSpec()
        let n = new.spec ?? JobSpec()
        if o.selector != n.selector {
            errs.append(.invalid("spec.selector", goSelector(n.selector), "field is immutable"))
        }
        if o.template != n.template {
            errs.append(.invalid("spec.template", json(n.template), "field is immutable"))
        }
        if (o.completionMode ?? "NonIndexed") != (n.completionMode ?? "NonIndexed") {
            errs.append(.invalid("spec.completionMode", n.completionMode ?? "", "field is immutable"))
        }
        if o.completions != n.completions, !(n.completionMode == "Indexed" && n.completions == n.parallelism) {
            errs.append(.invalid("spec.completions", n.completions.map { Raw(String($0)) } ?? Raw("null"), "field is immutable"))
        }
        return errs
    }
}
