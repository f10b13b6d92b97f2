import Foundation
import GantryAPI
import Testing

@testable import GantryControllers

func cronJob(_ schedule: String = "*/5 * * * *", policy: String = "Allow", created: String = "2026-03-01T00:00:00Z",
             deadline: Int? = nil, suspend: Bool = false, timeZone: String? = "UTC") -> CronJob {
    CronJob(metadata: ObjectMeta(name: "nightly", namespace: "ops", uid: "cj-uid", creationTimestamp: created),
            spec: CronJobSpec(schedule: schedule, timeZone: timeZone, startingDeadlineSeconds: deadline, concurrencyPolicy: policy,
                              suspend: suspend,
                              jobTemplate: ["metadata": ["labels": ["app": "backup"]],
                                            "spec": ["template": ["spec": ["restartPolicy": "Never",
                                                                           "containers": [["name": "c", "image": "busybox"]]]]]],
                              successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1))
}

func childJob(_ name: String, finished: String? = nil, started: String = "2026-03-01T00:00:00Z") -> Job {
    var j = Job(metadata: ObjectMeta(name: name, namespace: "ops", uid: "uid-\(name)", creationTimestamp: started,
                                     ownerReferences: [OwnerReference(apiVersion: "batch/v1", kind: "CronJob", name: "nightly",
                                                                      uid: "cj-uid", controller: true)]),
                status: JobStatus(startTime: started))
    if let finished {
        j.status?.conditions = [JobCondition(type: finished, status: "True")]
        if finished == "Complete" { j.status?.completionTime = started }
    }
    return j
}

@Suite("CronJob plan")
struct CronJobPlanTests {
    let f = ISO8601DateFormatter()
    func at(_ s: String) -> Date { f.date(from: s)! }

    @Test func runsTheDueTimeOnceAndWaitsForTheNext() throws {
        let now = at("2026-03-01T00:05:10Z")
        let plan = CronJobPlan.compute(cronJob(), jobs: [], now: now)
        let name = CronJobPlan.jobName("nightly", at("2026-03-01T00:05:00Z"))
        #expect(plan.create?.name == name && name == "nightly-29538725")
        #expect(plan.status.lastScheduleTime == "2026-03-01T00:05:00Z")
        #expect(abs((plan.requeueAfter ?? 0) - 290) < 1)
        // Once the Job exists, nothing more for that time.
        var cj = cronJob()
        cj.status = plan.status
        let again = CronJobPlan.compute(cj, jobs: [childJob(name)], now: now)
        #expect(again.create == nil)
        #expect(again.status.active?.map(\.name) == [name])
    }

    @Test func missedRunsStartOnlyTheLatestAndSayWhenTooMany() {
        let plan = CronJobPlan.compute(cronJob("* * * * *"), jobs: [], now: at("2026-03-02T00:00:30Z"))
        #expect(plan.create?.scheduledTime == at("2026-03-02T00:00:00Z"))
        #expect(plan.events.contains { $0.reason == "TooManyMissedTimes" })
        // A starting deadline bounds how far back it looks: nothing is too many then.
        let bounded = CronJobPlan.compute(cronJob("* * * * *", deadline: 200), jobs: [], now: at("2026-03-02T00:00:30Z"))
        #expect(bounded.create?.scheduledTime == at("2026-03-02T00:00:00Z") && bounded.events.isEmpty)
        // A run whose deadline passed is not started.
        let late = CronJobPlan.compute(cronJob("0 * * * *", deadline: 60), jobs: [], now: at("2026-03-01T05:02:00Z"))
        #expect(late.create == nil)
    }

    @Test func concurrencyPolicies() {
        var cj = cronJob(policy: "Forbid")
        cj.status = CronJobStatus(active: [ObjectReference(kind: "Job", namespace: "ops", name: "nightly-29538720", uid: "uid-nightly-29538720")],
                                  lastScheduleTime: "2026-03-01T00:00:00Z")
        let running = childJob("nightly-29538720")
        let forbid = CronJobPlan.compute(cj, jobs: [running], now: at("2026-03-01T00:05:01Z"))
        #expect(forbid.create == nil && forbid.events.contains { $0.reason == "JobAlreadyActive" })
        cj.spec?.concurrencyPolicy = "Replace"
        let replace = CronJobPlan.compute(cj, jobs: [running], now: at("2026-03-01T00:05:01Z"))
        #expect(replace.delete == ["nightly-29538720"] && replace.create?.name == "nightly-29538725")
        cj.spec?.concurrencyPolicy = "Allow"
        let allow = CronJobPlan.compute(cj, jobs: [running], now: at("2026-03-01T00:05:01Z"))
        #expect(allow.delete.isEmpty && allow.create?.name == "nightly-29538725")
    }

    @Test func finishedJobsLeaveActiveAndHistoryIsTrimmed() {
        var cj = cronJob()
        cj.status = CronJobStatus(active: [ObjectReference(name: "nightly-4", uid: "uid-nightly-4")], lastScheduleTime: "2026-03-01T00:20:00Z")
        let jobs = [childJob("nightly-1", finished: "Complete", started: "2026-03-01T00:05:00Z"),
                    childJob("nightly-2", finished: "Complete", started: "2026-03-01T00:10:00Z"),
                    childJob("nightly-3", finished: "Failed", started: "2026-03-01T00:12:00Z"),
                    childJob("nightly-4", finished: "Complete", started: "2026-03-01T00:20:00Z"),
                    childJob("nightly-5", finished: "Failed", started: "2026-03-01T00:21:00Z")]
        let plan = CronJobPlan.compute(cj, jobs: jobs, now: at("2026-03-01T00:22:00Z"))
        #expect(plan.status.active == nil)
        #expect(plan.status.lastSuccessfulTime == "2026-03-01T00:20:00Z")
        #expect(plan.events.contains { $0.reason == "SawCompletedJob" && $0.message.contains("nightly-4") })
        #expect(Set(plan.delete) == ["nightly-1", "nightly-3"])
    }

    @Test func suspendedOrBrokenSchedulesMakeNothing() {
        #expect(CronJobPlan.compute(cronJob(suspend: true), jobs: [], now: at("2026-03-01T01:00:00Z")).create == nil)
        let bad = CronJobPlan.compute(cronJob(timeZone: "Mars/Olympus"), jobs: [], now: at("2026-03-01T01:00:00Z"))
        #expect(bad.create == nil && bad.events.first?.reason == "UnknownTimeZone")
    }

    @Test func theJobCarriesTemplateOwnerAndScheduledTime() {
        let zone = TimeZone(identifier: "Europe/Berlin")!
        let job = CronJobPlan.job(from: cronJob(), name: "nightly-1", scheduledTime: at("2026-03-01T00:05:00Z"), zone: zone)
        #expect(job[path: ["metadata", "labels", "app"]] == "backup")
        #expect(job[path: ["metadata", "annotations", CronJobPlan.scheduledTimestampAnnotation]] == "2026-03-01T01:05:00+01:00")
        #expect(job[path: ["metadata", "ownerReferences"]]?.arrayValue?.first?["uid"] == "cj-uid")
        #expect(job[path: ["spec", "template", "spec", "restartPolicy"]] == "Never")
    }
}
