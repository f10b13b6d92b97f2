import Foundation
import GantryAPI
import GantryClient
import Logging

/// What a Job sync should do, computed purely from the Job, its pods and now.
public struct JobPlan: Sendable, Equatable {
    public var create = 0
    public var delete: [Pod] = []
    public var status = JobStatus()
    /// Delete the Job itself (ttlSecondsAfterFinished passed).
    public var deleteJob = false
    public var requeueAfter: TimeInterval?

    /// Back-off before re-creating pods after `failed` failures: 10 s doubling, at most 6 minutes.
    public static func backoff(failed: Int) -> TimeInterval { failed <= 0 ? 0 : min(360, 10 * pow(2, Double(failed - 1))) }

    public static func compute(_ job: Job, pods: [Pod], now: Date, manage: Bool = true) -> JobPlan {
        var plan = JobPlan()
        let spec = job.spec ?? JobSpec()
        let ts = Timestamp.format(now)
        var s = job.status ?? JobStatus()
        let owned = pods.filter { $0.controllerRef?.uid == job.metadata.uid }
        let active = owned.filter(PodUtil.isActive)
        let succeeded = owned.filter { $0.status?.phase == "Succeeded" }.count
        var failed = owned.filter { $0.status?.phase == "Failed" }.count
        if spec.template?.spec?.restartPolicy == "OnFailure" {
            failed += active.reduce(0) { $0 + ($1.status?.containerStatuses ?? []).reduce(0) { $0 + ($1.restartCount ?? 0) } }
        }
        // Counts only grow: pods that finished and were removed still count.
        s.succeeded = max(s.succeeded ?? 0, succeeded)
        s.failed = max(s.failed ?? 0, failed)
        s.active = active.count
        s.ready = active.filter(PodUtil.isReady).count
        let terminating = owned.filter(PodUtil.isTerminating).count
        s.terminating = terminating > 0 ? terminating : nil
        var conds = s.conditions ?? []
        let isFinished = conds.contains { ($0.type == "Complete" || $0.type == "Failed") && $0.status == "True" }

        if isFinished {
            plan.delete = active
            if let ttl = spec.ttlSecondsAfterFinished {
                let finishedAt = Timestamp.parse(s.completionTime)
                    ?? Timestamp.parse(conds.first { $0.type == "Failed" }?.lastTransitionTime) ?? now
                let at = finishedAt.addingTimeInterval(TimeInterval(ttl))
                if at <= now { plan.deleteJob = true } else { plan.requeueAfter = at.timeIntervalSince(now) }
            }
            plan.status = s
            return plan
        }
        if spec.suspend == true {
            plan.delete = active
            if !conds.contains(where: { $0.type == "Suspended" && $0.status == "True" }) {
                conds.removeAll { $0.type == "Suspended" }
                conds.append(JobCondition(type: "Suspended", status: "True", lastProbeTime: ts, lastTransitionTime: ts,
                                          reason: "JobSuspended", message: "Job suspended"))
            }
            s.conditions = conds
            plan.status = s
            return plan
        }
        conds.removeAll { $0.type == "Suspended" }
        if s.startTime == nil { s.startTime = ts }
        let start = Timestamp.parse(s.startTime) ?? now

        func finish(_ type: String, _ reason: String, _ message: String) {
            if type == "Failed" {
                conds.append(JobCondition(type: "FailureTarget", status: "True", lastProbeTime: ts, lastTransitionTime: ts,
                                          reason: reason, message: message))
            } else {
                conds.append(JobCondition(type: "SuccessCriteriaMet", status: "True", lastProbeTime: ts, lastTransitionTime: ts,
                                          reason: "CompletionsReached", message: "Reached expected number of succeeded pods"))
                s.completionTime = ts
            }
            conds.append(JobCondition(type: type, status: "True", lastProbeTime: ts, lastTransitionTime: ts, reason: reason, message: message))
            s.conditions = conds
            plan.delete = active
            plan.status = s
            if let ttl = spec.ttlSecondsAfterFinished { plan.requeueAfter = TimeInterval(ttl) }
        }
        let completions = spec.completions
        if (s.failed ?? 0) > (spec.backoffLimit ?? 6) {
            finish("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
            return plan
        }
        if let ads = spec.activeDeadlineSeconds, start.addingTimeInterval(TimeInterval(ads)) <= now {
            finish("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
            return plan
        }
        let done = completions.map { (s.succeeded ?? 0) >= $0 } ?? ((s.succeeded ?? 0) > 0 && active.isEmpty)
        if done {
            finish("Complete", "CompletionsReached", "Reached expected number of succeeded pods")
            return plan
        }
        let parallelism = spec.parallelism ?? 1
        let want: Int
        if let completions {
            want = max(0, min(parallelism, completions - (s.succeeded ?? 0)))
        } else {
            want = (s.succeeded ?? 0) > 0 ? 0 : parallelism
        }
        if manage {
            if active.count < want {
                // After failures, wait out the back-off from the last failure before replacing pods.
                let lastFailure = owned.filter { $0.status?.phase == "Failed" }
                    .compactMap { p in p.status?.containerStatuses?.compactMap { Timestamp.parse($0.state?.terminated?.finishedAt) }.max() }
                    .max()
                let wait = lastFailure.map { $0.addingTimeInterval(backoff(failed: s.failed ?? 0)).timeIntervalSince(now) } ?? 0
                if wait > 0 { plan.requeueAfter = wait } else { plan.create = want - active.count }
            } else if active.count > want {
                plan.delete = Array(active.sorted(by: ReplicaSetPlan.deletionOrder).prefix(active.count - want))
            }
        }
        if let ads = spec.activeDeadlineSeconds {
            let left = start.addingTimeInterval(TimeInterval(ads)).timeIntervalSince(now)
            plan.requeueAfter = min(plan.requeueAfter ?? left, left)
        }
        s.conditions = conds.isEmpty ? nil : conds
        plan.status = s
        return plan
    }
}

/// Runs Jobs' pods to completion: parallelism and completions, backoffLimit, activeDeadlineSeconds, suspend,
/// ttlSecondsAfterFinished, and the Complete / Failed conditions.
public final class JobController: Reconciler, ContextualController, @unchecked Sendable {
    let jobs: Informer<Job>
    let pods: Informer<Pod>
    let context: ControllerContext
    public let queue: WorkQueue
    let expectations: Expectations

    public init(context: ControllerContext, jobs: Informer<Job>, pods: Informer<Pod>) {
        self.context = context
        self.jobs = jobs
        self.pods = pods
        self.queue = WorkQueue(clock: context.clock)
        self.expectations = Expectations(clock: context.clock)
    }

    public func register() {
        expectations.connect(jobs, pods: pods, ownerKind: "Job", to: queue)
    }

    public func reconcile(_ key: String) async throws -> ReconcileResult {
        guard let job = jobs.get(key) else {
            expectations.delete(key)
            return .done
        }
        if job.metadata.deletionTimestamp != nil { return .done }
        let ns = job.metadata.namespace ?? "default"
        let plan = JobPlan.compute(job, pods: pods.list(namespace: ns, controlledBy: job.metadata.uid), now: clock.now, manage: expectations.satisfied(key))
        if plan.deleteJob {
            do { try await client.delete(.jobs, namespace: ns, name: job.name, propagationPolicy: "Background") }
            catch let e as GantryError where e.code == .notFound {}
            return .done
        }
        let control = PodControl(client: client, expectations: expectations, recorder: recorder)
        var failure: Error?
        if plan.create > 0 {
            let template = job.spec?.template
            failure = await control.createRecorded(job, count: plan.create, namespace: ns, key: key) { _ in
                try PodTemplates.pod(from: template, generateName: job.name + "-", owner: job)
            }
        }
        failure = await control.deleteRecorded(job, plan.delete, key: key) ?? failure
        if job.status != plan.status {
            try await client.writeStatus(job, \.status, plan.status)
            let was = Set((job.status?.conditions ?? []).filter { $0.status == "True" }.compactMap(\.type))
            for c in plan.status.conditions ?? [] where c.status == "True" && !was.contains(c.type ?? "") {
                if c.type == "Complete" { await recorder.record(job, reason: "Completed", message: "Job completed") }
                if c.type == "Failed" { await recorder.record(job, type: "Warning", reason: c.reason ?? "Failed", message: c.message ?? "") }
            }
        }
        return try .finishing(failure, requeueAfter: plan.requeueAfter)
    }
}
