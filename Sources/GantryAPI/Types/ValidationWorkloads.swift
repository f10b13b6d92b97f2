import Foundation

extension Validation {
    /// Selector rules shared by the workload kinds: required, well-formed, not empty.
    static func validateWorkloadSelector(_ selector: LabelSelector?, _ path: String, emptyMessage: String) -> [FieldError] {
        guard let selector else { return [.required(path)] }
        var errs = validateLabelSelector(selector, path)
        if selector.isEmpty { errs.append(.invalid(path, goSelector(selector), emptyMessage)) }
        return errs
    }

    /// A pod template owned by a workload: present, its labels matched by `selector`, its pod spec valid.
    static func validateTemplate(_ template: PodTemplateSpec?, _ path: String, selector: LabelSelector?) -> [FieldError] {
        guard let template else { return [.required(path)] }
        var errs: [FieldError] = []
        if let selector, !selector.isEmpty, (try? LabelQuery(selector)) != nil,
           !selector.matches(template.metadata?.labels ?? [:]) {
            errs.append(.invalid("\(path).metadata.labels", goMap(template.metadata?.labels),
                                 "`selector` does not match template `labels`"))
        }
        errs += validateTemplateMeta(template.metadata, "\(path).metadata")
        errs += validatePodSpec(template.spec ?? PodSpec(), "\(path).spec")
        return errs
    }

    /// A template of a long-running workload: restartPolicy Always, no activeDeadlineSeconds.
    static func validateReplicatedTemplate(_ template: PodTemplateSpec?, _ path: String, selector: LabelSelector?,
                                           kind: String) -> [FieldError] {
        var errs = validateTemplate(template, path, selector: selector)
        guard let template else { return errs }
        if let rp = template.spec?.restartPolicy, rp != "Always" {
            errs.append(.notSupported("\(path).spec.restartPolicy", rp, ["Always"]))
        }
        if template.spec?.activeDeadlineSeconds != nil {
            errs.append(.forbidden("\(path).spec.activeDeadlineSeconds", "activeDeadlineSeconds in \(kind) is not Supported"))
        }
        return errs
    }

    static func intOrPercentValue(_ v: IntOrString?) -> Int? {
        switch v {
        case .int(let i)?: return i
        case .string(let s)? where s.hasSuffix("%"): return Int(s.dropLast())
        default: return nil
        }
    }

    static func validatePositiveIntOrPercent(_ v: IntOrString?, _ path: String) -> [FieldError] {
        switch v {
        case nil: return []
        case .int(let i)?: return nonNegative(i, path)
        case .string(let s)?: return NameRules.percent(s).map { .invalid(path, s, $0) }
        }
    }

    static func notMoreThan100Percent(_ v: IntOrString?, _ path: String) -> [FieldError] {
        guard case .string(let s)? = v, let pct = intOrPercentValue(v), pct > 100 else { return [] }
        return [.invalid(path, s, "must not be greater than 100%")]
    }

    static func render(_ v: IntOrString) -> CustomStringConvertible {
        switch v {
        case .int(let i): return i
        case .string(let s): return s
        }
    }

    static func validateDeployment(_ d: Deployment) -> [FieldError] {
        var errs = validateObjectMeta(d.metadata, resource: .deployments)
        let spec = d.spec ?? DeploymentSpec()
        errs += nonNegative(spec.replicas, "spec.replicas")
        errs += validateWorkloadSelector(spec.selector, "spec.selector", emptyMessage: "empty selector is invalid for deployment")
        errs += validateReplicatedTemplate(spec.template, "spec.template", selector: spec.selector, kind: "Deployment")
        if let strategy = spec.strategy {
            let p = "spec.strategy"
            switch strategy.type {
            case "Recreate"?:
                if strategy.rollingUpdate != nil {
                    errs.append(.forbidden("\(p).rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"))
                }
            case "RollingUpdate"?, nil:
                if let ru = strategy.rollingUpdate {
                    let rp = "\(p).rollingUpdate"
                    errs += validatePositiveIntOrPercent(ru.maxUnavailable, "\(rp).maxUnavailable")
                    errs += validatePositiveIntOrPercent(ru.maxSurge, "\(rp).maxSurge")
                    if let mu = ru.maxUnavailable, intOrPercentValue(mu) == 0, let ms = ru.maxSurge, intOrPercentValue(ms) == 0 {
                        errs.append(.invalid("\(rp).maxUnavailable", render(mu), "may not be 0 when `maxSurge` is 0"))
                    }
                    errs += notMoreThan100Percent(ru.maxUnavailable, "\(rp).maxUnavailable")
                }
            case let t?:
                errs.append(.notSupported("\(p).type", t, ["Recreate", "RollingUpdate"]))
            }
        }
        errs += nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit")
        errs += nonNegative(spec.minReadySeconds, "spec.minReadySeconds")
        if let pd = spec.progressDeadlineSeconds {
            errs += nonNegative(pd, "spec.progressDeadlineSeconds")
            if pd <= (spec.minReadySeconds ?? 0) {
                errs.append(.invalid("spec.progressDeadlineSeconds", pd, "must be greater than minReadySeconds"))
            }
        }
        return errs
    }

    static func validateReplicaSet(_ rs: ReplicaSet) -> [FieldError] {
        var errs = validateObjectMeta(rs.metadata, resource: .replicaSets)
        let spec = rs.spec ?? ReplicaSetSpec()
        errs += nonNegative(spec.replicas, "spec.replicas")
        errs += nonNegative(spec.minReadySeconds, "spec.minReadySeconds")
        errs += validateWorkloadSelector(spec.selector, "spec.selector", emptyMessage: "empty selector is invalid for deployment")
        errs += validateReplicatedTemplate(spec.template, "spec.template", selector: spec.selector, kind: "ReplicaSet")
        return errs
    }

    static func validateReplicationController(_ rc: ReplicationController) -> [FieldError] {
        var errs = validateObjectMeta(rc.metadata, resource: .replicationControllers)
        let spec = rc.spec ?? ReplicationControllerSpec()
        errs += nonNegative(spec.replicas, "spec.replicas")
        errs += nonNegative(spec.minReadySeconds, "spec.minReadySeconds")
        let selector = spec.selector ?? [:]
        if selector.isEmpty { errs.append(.required("spec.selector")) }
        guard let template = spec.template else {
            errs.append(.required("spec.template"))
            return errs
        }
        let labels = template.metadata?.labels ?? [:]
        if !selector.isEmpty, !selector.allSatisfy({ labels[$0.key] == $0.value }) {
            errs.append(.invalid("spec.template.metadata.labels", Self.labelString(labels), "`selector` does not match template `labels`"))
        }
        errs += validateReplicatedTemplate(template, "spec.template", selector: nil, kind: "ReplicationController")
        return errs
    }

    static func labelString(_ l: [String: String]) -> String {
        "map[" + l.keys.sorted().map { "\($0):\(l[$0]!)" }.joined(separator: " ") + "]"
    }

    static func validateStatefulSet(_ sts: StatefulSet) -> [FieldError] {
        var errs = validateObjectMeta(sts.metadata, resource: .statefulSets)
        let spec = sts.spec ?? StatefulSetSpec()
        if let r = spec.replicas, r < 0 { errs.append(.invalid("spec.replicas", r, "must be greater than or equal to 0")) }
        // The pods get a volume per claim template, so the template is checked with them (as Kubernetes does).
        var template = spec.template
        var names = Set<String>()
        for (i, t) in (spec.volumeClaimTemplates ?? []).enumerated() {
            let path = "spec.volumeClaimTemplates[\(i)]"
            guard let claim = try? t.decode(PersistentVolumeClaim.self) else {
                errs.append(.invalid(path, "", "must be a PersistentVolumeClaim"))
                continue
            }
            let name = claim.metadata.name ?? ""
            if name.isEmpty { errs.append(.required(path + ".metadata.name")) }
            if !names.insert(name).inserted { errs.append(.duplicate(path + ".metadata.name", name)) }
            let claimSpec = claim.spec ?? PersistentVolumeClaimSpec()
            errs += validateAccessModes(claimSpec.accessModes, path + ".spec.accessModes")
            errs += validateStorageQuantity(claimSpec.resources?.requests?["storage"], path + ".spec.resources[storage]")
            if template != nil {
                var vols = template?.spec?.volumes ?? []
                vols.removeAll { $0.name == name }
                vols.append(Volume(name: name, persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: name)))
                template?.spec?.volumes = vols
            }
        }
        errs += validateReplicatedTemplate(template, "spec.template", selector: spec.selector, kind: "StatefulSet")
        errs += supported(spec.podManagementPolicy, "spec.podManagementPolicy", ["OrderedReady", "Parallel"])
        errs += supported(spec.updateStrategy?.type, "spec.updateStrategy.type", ["OnDelete", "RollingUpdate"])
        if spec.updateStrategy?.type == "OnDelete", spec.updateStrategy?.rollingUpdate != nil {
            errs.append(.invalid("spec.updateStrategy.rollingUpdate", "", "only allowed for updateStrategy 'RollingUpdate'"))
        }
        if let p = spec.updateStrategy?.rollingUpdate?.partition, p < 0 {
            errs.append(.invalid("spec.updateStrategy.rollingUpdate.partition", p, "must be greater than or equal to 0"))
        }
        if let s = spec.ordinals?.start, s < 0 { errs.append(.invalid("spec.ordinals.start", s, "must be greater than or equal to 0")) }
        if let policy = spec.template?.spec?.restartPolicy, policy != "Always" {
            errs.append(.notSupported("spec.template.spec.restartPolicy", policy, ["Always"]))
        }
        return errs
    }

    static func validateDaemonSet(_ ds: DaemonSet) -> [FieldError] {
        var errs = validateObjectMeta(ds.metadata, resource: .daemonSets)
        let spec = ds.spec ?? DaemonSetSpec()
        errs += validateWorkloadSelector(spec.selector, "spec.selector", emptyMessage: "empty selector is invalid for daemonset")
        errs += validateReplicatedTemplate(spec.template, "spec.template", selector: spec.selector, kind: "DaemonSet")
        if let strategy = spec.updateStrategy {
            let p = "spec.updateStrategy"
            switch strategy.type {
            case "OnDelete"?:
                break
            case "RollingUpdate"?, nil:
                if let ru = strategy.rollingUpdate {
                    let rp = "\(p).rollingUpdate"
                    errs += validatePositiveIntOrPercent(ru.maxUnavailable, "\(rp).maxUnavailable")
                    errs += validatePositiveIntOrPercent(ru.maxSurge, "\(rp).maxSurge")
                    errs += notMoreThan100Percent(ru.maxUnavailable, "\(rp).maxUnavailable")
                    errs += notMoreThan100Percent(ru.maxSurge, "\(rp).maxSurge")
                    let mu = intOrPercentValue(ru.maxUnavailable)
                    let ms = intOrPercentValue(ru.maxSurge)
                    if let muv = ru.maxUnavailable, mu == 0, ms == nil || ms == 0 {
                        errs.append(.invalid("\(rp).maxUnavailable", render(muv), "may not be 0 when `maxSurge` is 0"))
                    }
                    if let msv = ru.maxSurge, let mu, mu != 0, let ms, ms != 0 {
                        errs.append(.invalid("\(rp).maxSurge", render(msv), "may not be set when maxUnavailable is non-zero"))
                    }
                }
            case let t?:
                errs.append(.notSupported("\(p).type", t, ["OnDelete", "RollingUpdate"]))
            }
        }
        errs += nonNegative(spec.minReadySeconds, "spec.minReadySeconds")
        errs += nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit")
        return errs
    }

    static func validateJob(_ job: Job) -> [FieldError] {
        var errs = validateObjectMeta(job.metadata, resource: .jobs)
        let spec = job.spec ?? JobSpec()
        errs += nonNegative(spec.parallelism, "spec.parallelism")
        errs += nonNegative(spec.completions, "spec.completions")
        errs += nonNegative(spec.activeDeadlineSeconds, "spec.activeDeadlineSeconds")
        errs += nonNegative(spec.backoffLimit, "spec.backoffLimit")
        errs += nonNegative(spec.ttlSecondsAfterFinished, "spec.ttlSecondsAfterFinished")
        if let selector = spec.selector {
            errs += validateLabelSelector(selector, "spec.selector")
        } else if spec.manualSelector == true {
            errs.append(.required("spec.selector"))
        }
        errs += validateTemplate(spec.template, "spec.template", selector: spec.selector)
        if let template = spec.template {
            let p = "spec.template.spec.restartPolicy"
            switch template.spec?.restartPolicy {
            case nil: errs.append(.required(p, "valid values: \"OnFailure\", \"Never\""))
            case "OnFailure"?, "Never"?: break
            case let rp?: errs.append(.notSupported(p, rp, ["OnFailure", "Never"]))
            }
        }
        errs += supported(spec.completionMode, "spec.completionMode", ["NonIndexed", "Indexed"])
        if spec.completionMode == "Indexed", spec.completions == nil {
            errs.append(.required("spec.completions", "when completion mode is Indexed"))
        }
        errs += supported(spec.podReplacementPolicy, "spec.podReplacementPolicy", ["TerminatingOrFailed", "Failed"])
        return errs
    }

    /// A CronJob: its name short enough for the Jobs it names (52 characters), the schedule and time zone, the
    /// policies and limits, and the job template as a Job's spec is checked (paths under `spec.jobTemplate.spec`).
    static func validateCronJob(_ cj: CronJob) -> [FieldError] {
        var errs = validateObjectMeta(cj.metadata, resource: .cronJobs)
        if let name = cj.metadata.name, name.count > 52 {
            errs.append(.invalid("metadata.name", name, "must be no more than 52 characters"))
        }
        let spec = cj.spec ?? CronJobSpec()
        if let schedule = spec.schedule, !schedule.isEmpty {
            do throws(CronScheduleError) {
                _ = try CronSchedule(schedule)
            } catch {
                errs.append(.invalid("spec.schedule", schedule, error.description))
            }
        } else {
            errs.append(.required("spec.schedule"))
        }
        if let tz = spec.timeZone {
            if tz.isEmpty || TimeZone(identifier: tz) == nil || tz.hasPrefix(" ") || tz.contains("..") {
                errs.append(.invalid("spec.timeZone", tz, "unknown time zone \(tz)"))
            }
        }
        errs += supported(spec.concurrencyPolicy, "spec.concurrencyPolicy", ["Allow", "Forbid", "Replace"])
        errs += nonNegative(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds")
        errs += nonNegative(spec.successfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit")
        errs += nonNegative(spec.failedJobsHistoryLimit, "spec.failedJobsHistoryLimit")
        guard let template = spec.jobTemplate, template.objectValue != nil else {
            errs.append(.required("spec.jobTemplate"))
            return errs
        }
        // The template as the Job it makes: a stand-in name, the template's labels; its spec's errors re-rooted.
        var job: JSONValue = ["apiVersion": "batch/v1", "kind": "Job",
                              "metadata": ["name": .string(String((cj.metadata.name ?? "x").prefix(52)) + "-29000000")],
                              "spec": template["spec"] ?? .emptyObject]
        if let labels = template[path: ["metadata", "labels"]] { job[path: ["metadata", "labels"]] = labels }
        do {
            let typed: Job = try decode(job)
            for e in validateJob(typed) where e.field.hasPrefix("spec") {
                var moved = e
                moved.field = "spec.jobTemplate." + e.field
                errs.append(moved)
            }
        } catch let e as DecodeFailure {
            var moved = e.error
            moved.field = "spec.jobTemplate." + moved.field
            errs.append(moved)
        } catch {
            errs.append(FieldError(.invalid, "spec.jobTemplate", "\(error)"))
        }
        return errs
    }

    /// A PodDisruptionBudget: one of minAvailable and maxUnavailable, each a non-negative number or a percentage
    /// up to 100%, a valid selector, a known unhealthy-pod policy.
    static func validatePodDisruptionBudget(_ pdb: PodDisruptionBudget) -> [FieldError] {
        var errs = validateObjectMeta(pdb.metadata, resource: .podDisruptionBudgets)
        let spec = pdb.spec ?? PodDisruptionBudgetSpec()
        if spec.minAvailable != nil, spec.maxUnavailable != nil {
            errs.append(.invalid("spec", "{minAvailable, maxUnavailable}", "minAvailable and maxUnavailable cannot be both set"))
        }
        for (value, path) in [(spec.minAvailable, "spec.minAvailable"), (spec.maxUnavailable, "spec.maxUnavailable")] {
            guard let value else { continue }
            switch value {
            case .int(let n) where n < 0:
                errs.append(.invalid(path, n, "must be greater than or equal to 0"))
            case .string(let s):
                let digits = s.hasSuffix("%") ? String(s.dropLast()) : ""
                if let p = Int(digits), p >= 0 {
                    if p > 100 { errs.append(.invalid(path, s, "must not be greater than 100%")) }
                } else {
                    errs.append(.invalid(path, s, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"))
                }
            default: break
            }
        }
        if let selector = spec.selector { errs += validateLabelSelector(selector, "spec.selector") }
        errs += supported(spec.unhealthyPodEvictionPolicy, "spec.unhealthyPodEvictionPolicy", ["IfHealthyBudget", "AlwaysAllow"])
        return errs
    }
}
