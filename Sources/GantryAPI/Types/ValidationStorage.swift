import Foundation

/// Validation of PersistentVolumes, PersistentVolumeClaims and StorageClasses, with Kubernetes' rules and messages.
extension Validation {
    static let accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]

    static func validateAccessModes(_ modes: [String]?, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let modes = modes ?? []
        if modes.isEmpty { errs.append(.required(path, "at least 1 access mode is required")) }
        for m in modes where !accessModes.contains(m) { errs.append(.notSupported(path, m, accessModes)) }
        if modes.contains("ReadWriteOncePod"), modes.count > 1 {
            errs.append(.forbidden(path, "may not use ReadWriteOncePod with other access modes"))
        }
        return errs
    }

    static func validateStorageQuantity(_ q: Quantity?, _ path: String) -> [FieldError] {
        guard let q else { return [.required(path, "")] }
        if q.isNegative { return [.invalid(path, q.description, "must be greater than or equal to 0")] }
        if q.isZero { return [.invalid(path, q.description, "must be greater than zero")] }
        return []
    }

    static func validatePersistentVolume(_ pv: PersistentVolume, resource: ResourceInfo) -> [FieldError] {
        var errs = validateObjectMeta(pv.metadata, resource: resource)
        let spec = pv.spec ?? PersistentVolumeSpec()
        errs += validateAccessModes(spec.accessModes, "spec.accessModes")
        if spec.capacity?.isEmpty ?? true {
            errs.append(.required("spec.capacity", ""))
        } else {
            for k in spec.capacity!.keys where k != "storage" { errs.append(.notSupported("spec.capacity", k, ["storage"])) }
            errs += validateStorageQuantity(spec.capacity?["storage"], "spec.capacity[storage]")
        }
        let sources = [spec.hostPath != nil, spec.local != nil, spec.nfs != nil, spec.csi != nil].filter { $0 }.count
        if sources == 0 { errs.append(.required("spec", "must specify a volume type")) }
        if sources > 1 { errs.append(.forbidden("spec", "may not specify more than 1 volume type")) }
        if let hp = spec.hostPath, (hp.path ?? "").isEmpty { errs.append(.required("spec.hostPath.path")) }
        if let local = spec.local {
            if (local.path ?? "").isEmpty { errs.append(.required("spec.local.path")) }
            if spec.nodeAffinity?.required == nil { errs.append(.required("spec.nodeAffinity", "Local volumes require node affinity")) }
        }
        if let policy = spec.persistentVolumeReclaimPolicy {
            if policy == "Recycle" {
                errs.append(.forbidden("spec.persistentVolumeReclaimPolicy", "Recycle is deprecated in Kubernetes and not supported: use Delete or Retain"))
            } else if !["Delete", "Retain"].contains(policy) {
                errs.append(.notSupported("spec.persistentVolumeReclaimPolicy", policy, ["Delete", "Recycle", "Retain"]))
            }
        }
        if let mode = spec.volumeMode, !["Block", "Filesystem"].contains(mode) {
            errs.append(.notSupported("spec.volumeMode", mode, ["Block", "Filesystem"]))
        }
        if let sc = spec.storageClassName, !sc.isEmpty {
            for m in NameRules.dns1123Subdomain(sc) { errs.append(.invalid("spec.storageClassName", sc, m)) }
        }
        if let req = spec.nodeAffinity?.required {
            let terms = req.nodeSelectorTerms ?? []
            if terms.isEmpty { errs.append(.required("spec.nodeAffinity.required.nodeSelectorTerms", "must have at least one node selector term")) }
            for (i, t) in terms.enumerated() { errs += validateNodeSelectorTerm(t, "spec.nodeAffinity.required.nodeSelectorTerms[\(i)]") }
        }
        return errs
    }

    static func validatePersistentVolumeClaim(_ pvc: PersistentVolumeClaim, resource: ResourceInfo) -> [FieldError] {
        var errs = validateObjectMeta(pvc.metadata, resource: resource)
        let spec = pvc.spec ?? PersistentVolumeClaimSpec()
        errs += validateAccessModes(spec.accessModes, "spec.accessModes")
        errs += validateLabelSelector(spec.selector, "spec.selector")
        errs += validateStorageQuantity(spec.resources?.requests?["storage"], "spec.resources[storage]")
        if let limit = spec.resources?.limits?["storage"], let req = spec.resources?.requests?["storage"], req > limit {
            errs.append(.invalid("spec.resources.requests", req.description, "must be less than or equal to storage limit"))
        }
        if let mode = spec.volumeMode, !["Block", "Filesystem"].contains(mode) {
            errs.append(.notSupported("spec.volumeMode", mode, ["Block", "Filesystem"]))
        }
        if let sc = spec.storageClassName, !sc.isEmpty {
            for m in NameRules.dns1123Subdomain(sc) { errs.append(.invalid("spec.storageClassName", sc, m)) }
        }
        return errs
    }

    static func validateStorageClass(_ sc: StorageClass, resource: ResourceInfo) -> [FieldError] {
        var errs = validateObjectMeta(sc.metadata, resource: resource)
        let provisioner = sc.provisioner ?? ""
        if provisioner.isEmpty {
            errs.append(.required("provisioner"))
        } else if provisioner.count > 63 {
            errs.append(.tooLong("provisioner", 63))
        } else {
            for part in provisioner.split(separator: "/", omittingEmptySubsequences: false) {
                for m in NameRules.dns1123Subdomain(String(part)) { errs.append(.invalid("provisioner", provisioner, m)); break }
            }
        }
        if let p = sc.reclaimPolicy, !["Delete", "Retain"].contains(p) {
            errs.append(.notSupported("reclaimPolicy", p, ["Delete", "Retain"]))
        }
        if let m = sc.volumeBindingMode, !["Immediate", "WaitForFirstConsumer"].contains(m) {
            errs.append(.notSupported("volumeBindingMode", m, ["Immediate", "WaitForFirstConsumer"]))
        }
        if (sc.parameters?.count ?? 0) > 512 { errs.append(.invalid("parameters", sc.parameters?.count ?? 0, "must have at most 512 parameters")) }
        return errs
    }

    /// What an update of a storage object may not change, as Kubernetes words it.
    static func updateStorage(old: JSONValue, new: JSONValue, kind: String) -> [FieldError] {
        let o: ObjectMeta = (try? (old["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
        let n: ObjectMeta = (try? (new["metadata"] ?? .emptyObject).decode()) ?? ObjectMeta()
        var errs = updateMeta(o, n)
        switch kind {
        case "StorageClass":
            for f in ["parameters", "provisioner", "reclaimPolicy", "volumeBindingMode"] where old[f] != new[f] {
                errs.append(.forbidden(f, "updates to \(f) are forbidden."))
            }
        case "PersistentVolumeClaim":
            // Only the requested size may change (and the volume name be set once, by the binder).
            var a = old["spec"] ?? .emptyObject, b = new["spec"] ?? .emptyObject
            a[path: ["resources", "requests"]] = nil
            b[path: ["resources", "requests"]] = nil
            a["volumeAttributesClassName"] = nil
            b["volumeAttributesClassName"] = nil
            if (a["volumeName"]?.stringValue ?? "").isEmpty { a["volumeName"] = b["volumeName"] }
            if a != b {
                errs.append(.forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
            }
            func size(_ o: JSONValue) -> Quantity? {
                let v = o[path: ["spec", "resources", "requests", "storage"]]
                return (v?.stringValue ?? v?.intValue.map { String($0) }).flatMap { try? Quantity($0) }
            }
            if let was = size(old), let now = size(new), now < was {
                errs.append(.forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"))
            }
        case "PersistentVolume":
            for f in ["local", "hostPath", "nfs", "csi"] where old[path: ["spec", f]] != new[path: ["spec", f]] {
                errs.append(.forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"))
                break
            }
            if old[path: ["spec", "nodeAffinity"]] != nil, old[path: ["spec", "nodeAffinity"]] != new[path: ["spec", "nodeAffinity"]] {
                errs.append(.forbidden("spec.nodeAffinity", "field is immutable"))
            }
            if old[path: ["spec", "volumeMode"]] != new[path: ["spec", "volumeMode"]] {
                errs.append(.invalid("spec.volumeMode", new[path: ["spec", "volumeMode"]]?.stringValue ?? "", "field is immutable"))
            }
        default:
            break
        }
        return errs
    }
}
