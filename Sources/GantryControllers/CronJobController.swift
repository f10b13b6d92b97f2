import Foundation
import GantryAPI
import GantryClient
import Logging

/// What a CronJob sync should do, computed purely from the CronJob, the Jobs in its namespace and now, as
/// Kubernetes' CronJob controller (v2) decides.
public struct CronJobPlan: Sendable, Equatable {
    /// A Job to create for this scheduled time (its name is the CronJob's and the time in minutes).
    public var create: (name: String, scheduledTime: Date)?
    /// Jobs to delete: active ones a `Replace` run cancels, and finished ones past the history limits.
    public var delete: [String] = []
    public var status = CronJobStatus()
    /// Events to record: (type, reason, message).
    public var events: [Event] = []
    /// When to look again (the next scheduled time).
    public var requeueAfter: TimeInterval?

    public struct Event: Sendable, Equatable {
        public var type: String
        public var reason: String
        public var message: String
    }

    public static func == (a: CronJobPlan, b: CronJobPlan) -> Bool {
        a.create?.name == b.create?.name && a.create?.scheduledTime == b.create?.scheduledTime && a.delete == b.delete
            && a.status == b.status && a.events == b.events && a.requeueAfter == b.requeueAfter
    }

    /// More missed runs than this is reported (TooManyMissedTimes); the latest still runs.
    public static let missedLimit = 100

    /// The annotation a CronJob's Job carries with its scheduled time (RFC 3339 in the CronJob's time zone).
    public static let scheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"

    /// The name of the Job for `time`: the CronJob's name and the time in minutes since the epoch.
    public static func jobName(_ cronJob: String, _ time: Date) -> String {
        "\(cronJob)-\(Int64(time.timeIntervalSince1970 / 60))"
    }

    static func finished(_ job: Job) -> (done: Bool, type: String?) {
        for c in job.status?.conditions ?? [] where c.status == "True" && (c.type == "Complete" || c.type == "Failed") {
            return (true, c.type)
        }
        return (false, nil)
    }

    public static func compute(_ cj: CronJob, jobs: [Job], now: Date, defaultTimeZone: TimeZone = .current) -> CronJobPlan {
        var plan = CronJobPlan()
        let spec = cj.spec ?? CronJobSpec()
        var status = cj.status ?? CronJobStatus()
        let owned = jobs.filter { $0.metadata.ownerReferences?.contains { $0.controller == true && $0.uid == cj.metadata.uid } == true }
        let byName = Dictionary(owned.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

        // The active list: running children in, finished (and vanished) ones out; completions noted.
        var active = status.active ?? []
        for ref in active where byName[ref.name ?? ""] == nil {
            plan.events.append(Event(type: "Normal", reason: "MissingJob", message: "Active job went missing: \(ref.name ?? "")"))
        }
        active.removeAll { byName[$0.name ?? ""] == nil }
        for job in owned.sorted(by: { $0.name < $1.name }) {
            let (done, type) = finished(job)
            let listed = active.contains { $0.uid == job.metadata.uid || $0.name == job.name }
            if !done, !listed, job.metadata.deletionTimestamp == nil {
                active.append(ObjectReference(kind: "Job", namespace: job.namespace, name: job.name, uid: job.metadata.uid,
                                              apiVersion: "batch/v1", resourceVersion: job.metadata.resourceVersion))
            } else if done, listed {
                active.removeAll { $0.uid == job.metadata.uid || $0.name == job.name }
                plan.events.append(Event(type: "Normal", reason: "SawCompletedJob",
                                         message: "Saw completed job: \(job.name), status: \(type ?? "")"))
            }
            if done, type == "Complete", let t = job.status?.completionTime {
                if Timestamp.parse(status.lastSuccessfulTime).map({ $0 < (Timestamp.parse(t) ?? .distantPast) }) ?? true {
                    status.lastSuccessfulTime = t
                }
            }
        }
        status.active = active.isEmpty ? nil : active

        // History: the oldest finished Jobs past the limits go.
        func trim(_ type: String, limit: Int) {
            let done = owned.filter { finished($0).type == type && $0.metadata.deletionTimestamp == nil }
                .sorted { start($0) < start($1) }
            if done.count > limit { plan.delete += done.prefix(done.count - limit).map(\.name) }
        }
        trim("Complete", limit: spec.successfulJobsHistoryLimit ?? 3)
        trim("Failed", limit: spec.failedJobsHistoryLimit ?? 1)

        func done() -> CronJobPlan {
            plan.status = status
            return plan
        }
        if cj.metadata.deletionTimestamp != nil { return done() }
        let zone: TimeZone
        if let name = spec.timeZone {
            guard let z = TimeZone(identifier: name) else {
                plan.events.append(Event(type: "Warning", reason: "UnknownTimeZone", message: "invalid timeZone: \"\(name)\""))
                return done()
            }
            zone = z
        } else {
            zone = defaultTimeZone
        }
        let schedule: CronSchedule
        do throws(CronScheduleError) {
            schedule = try CronSchedule(spec.schedule ?? "")
        } catch {
            plan.events.append(Event(type: "Warning", reason: "UnparseableSchedule",
                                     message: "unparseable schedule: \"\(spec.schedule ?? "")\" : \(error.description)"))
            return done()
        }
        if spec.suspend == true { return done() }
        let next = schedule.next(after: now, in: zone)
        plan.requeueAfter = next.map { max(0.1, $0.timeIntervalSince(now) + 0.1) }

        // The latest run due, counting from the last one (or the CronJob's creation), no further back than the
        // starting deadline.
        var earliest = Timestamp.parse(status.lastScheduleTime) ?? Timestamp.parse(cj.metadata.creationTimestamp) ?? now
        if let deadline = spec.startingDeadlineSeconds {
            earliest = max(earliest, now.addingTimeInterval(-TimeInterval(deadline)))
        }
        let (due, missed) = schedule.mostRecent(after: earliest, upTo: now, in: zone, limit: missedLimit)
        guard let scheduled = due else { return done() }
        if missed > missedLimit {
            plan.events.append(Event(type: "Warning", reason: "TooManyMissedTimes",
                                     message: "too many missed start times: \(missed). Set or decrease .spec.startingDeadlineSeconds or check clock skew"))
        }
        let name = jobName(cj.name, scheduled)
        if byName[name] != nil || jobs.contains(where: { $0.name == name }) { return done() }  // this run has started
        switch spec.concurrencyPolicy ?? "Allow" {
        case "Forbid" where !active.isEmpty:
            plan.events.append(Event(type: "Normal", reason: "JobAlreadyActive",
                                     message: "Not starting job because prior execution is running and concurrency policy is Forbid"))
            return done()
        case "Replace":
            for ref in active {
                if let n = ref.name, !plan.delete.contains(n) { plan.delete.append(n) }
            }
            status.active = nil
        default: break
        }
        plan.create = (name, scheduled)
        status.lastScheduleTime = Timestamp.format(scheduled)
        return done()
    }

    static func start(_ job: Job) -> Date {
        Timestamp.parse(job.status?.startTime) ?? Timestamp.parse(job.metadata.creationTimestamp) ?? .distantPast
    }

    /// The Job to create for a run at `time`: the template's metadata and spec, owned by the CronJob.
    public static func job(from cj: CronJob, name: String, scheduledTime time: Date, zone: TimeZone) -> JSONValue {
        let template = cj.spec?.jobTemplate ?? .emptyObject
        var meta: JSONValue = ["name": .string(name), "namespace": .string(cj.namespace ?? "default")]
        if let labels = template[path: ["metadata", "labels"]], labels.objectValue != nil { meta["labels"] = labels }
        var annotations = template[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        let f = ISO8601DateFormatter()
        f.timeZone = zone
        annotations[scheduledTimestampAnnotation] = .string(f.string(from: time))
        meta["annotations"] = .object(annotations)
        meta["ownerReferences"] = [[
            "apiVersion": "batch/v1", "kind": "CronJob", "name": .string(cj.name), "uid": .string(cj.metadata.uid ?? ""),
            "controller": true, "blockOwnerDeletion": true,
        ]]
        return ["apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": template["spec"] ?? .emptyObject]
    }
}

/// Runs CronJobs: a Job per scheduled time in the CronJob's time zone, with concurrencyPolicy (Allow, Forbid,
/// Replace), suspend, startingDeadlineSeconds, missed runs caught up as Kubernetes does (only the latest one), the
/// active list, lastScheduleTime and lastSuccessfulTime, and the history limits.
public final class CronJobController: Reconciler, ContextualController, @unchecked Sendable {
    let cronJobs: Informer<CronJob>
    let jobs: Informer<Job>
    let context: ControllerContext
    public let queue: WorkQueue
    let defaultTimeZone: TimeZone

    public init(context: ControllerContext, cronJobs: Informer<CronJob>, jobs: Informer<Job>, defaultTimeZone: TimeZone = .current) {
        self.context = context
        self.cronJobs = cronJobs
        self.jobs = jobs
        self.defaultTimeZone = defaultTimeZone
        self.queue = WorkQueue(clock: context.clock)
    }

    public func register() {
        cronJobs.addHandler { [queue] e in queue.add(objectKey(e.object)) }
        jobs.addHandler { [queue] e in
            guard let owner = e.object.metadata.ownerReferences?.first(where: { $0.controller == true && $0.kind == "CronJob" }),
                  let name = owner.name else { return }
            queue.add("\(e.object.namespace ?? "default")/\(name)")
        }
    }

    public func reconcile(_ key: String) async throws -> ReconcileResult {
        guard let cj = cronJobs.get(key) else { return .done }
        let ns = cj.namespace ?? "default"
        let now = clock.now
        let plan = CronJobPlan.compute(cj, jobs: jobs.list(namespace: ns), now: now, defaultTimeZone: defaultTimeZone)
        var failure: Error?
        for name in plan.delete {
            do {
                try await client.delete(.jobs, namespace: ns, name: name, propagationPolicy: "Background")
                await recorder.record(cj, reason: "SuccessfulDelete", message: "Deleted job \(name)")
            } catch let e as GantryError where e.code == .notFound {
            } catch {
                failure = failure ?? error
            }
        }
        var status = plan.status
        if let (name, time) = plan.create {
            let zone = cj.spec?.timeZone.flatMap(TimeZone.init(identifier:)) ?? defaultTimeZone
            do {
                let created = try await client.create(.jobs, namespace: ns, CronJobPlan.job(from: cj, name: name, scheduledTime: time, zone: zone))
                var active = status.active ?? []
                active.append(ObjectReference(kind: "Job", namespace: ns, name: name,
                                              uid: created[path: ["metadata", "uid"]]?.stringValue, apiVersion: "batch/v1",
                                              resourceVersion: created[path: ["metadata", "resourceVersion"]]?.stringValue))
                status.active = active
                await recorder.record(cj, reason: "SuccessfulCreate", message: "Created job \(name)")
            } catch let e as GantryError where e.code == .alreadyExists {
                // Made by an earlier sync whose status write was lost: the job sync will list it as active.
            } catch {
                status.lastScheduleTime = cj.status?.lastScheduleTime
                await recorder.record(cj, type: "Warning", reason: "FailedCreate", message: "Error creating job: \(error)")
                failure = failure ?? error
            }
        }
        for e in plan.events { await recorder.record(cj, type: e.type, reason: e.reason, message: e.message) }
        if (cj.status ?? CronJobStatus()) != status {
            try await client.writeStatus(cj, \.status, status)
        }
        return try .finishing(failure, requeueAfter: plan.requeueAfter)
    }
}
