// Kubernetes API types (k8s.io/api), with JSON field names exactly as Kubernetes spells them.
import Foundation

/// Runs Pods until a number of them succeed (batch/v1 Job).
public struct Job: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .jobs }
    /// APIVersion of the object schema.
    public var apiVersion: String?
    /// Kind of the object.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    public var spec: JobSpec?
    public var status: JobStatus?

    /// Creates a `Job`; every field defaults to unset.
    public init(
        apiVersion: String? = "batch/v1",
        kind: String? = "Job",
        metadata: ObjectMeta = ObjectMeta(),
        spec: JobSpec? = nil,
        status: JobStatus? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, spec, status
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.spec = try c.decodeIfPresent(JobSpec.self, forKey: .spec)
        self.status = try c.decodeIfPresent(JobStatus.self, forKey: .status)
    }
}

/// The desired state of a Job.
public struct JobSpec: Codable, Sendable, Hashable {
    public var parallelism: Int?
    public var completions: Int?
    public var activeDeadlineSeconds: Int?
    public var backoffLimit: Int?
    public var selector: LabelSelector?
    public var manualSelector: Bool?
    public var template: PodTemplateSpec?
    public var ttlSecondsAfterFinished: Int?
    /// NonIndexed or Indexed.
    public var completionMode: String?
    public var suspend: Bool?
    public var podReplacementPolicy: String?

    /// Creates a `JobSpec`; every field defaults to unset.
    public init(
        parallelism: Int? = nil,
        completions: Int? = nil,
        activeDeadlineSeconds: Int? = nil,
        backoffLimit: Int? = nil,
        selector: LabelSelector? = nil,
        manualSelector: Bool? = nil,
        template: PodTemplateSpec? = nil,
        ttlSecondsAfterFinished: Int? = nil,
        completionMode: String? = nil,
        suspend: Bool? = nil,
        podReplacementPolicy: String? = nil
    ) {
        self.parallelism = parallelism
        self.completions = completions
        self.activeDeadlineSeconds = activeDeadlineSeconds
        self.backoffLimit = backoffLimit
        self.selector = selector
        self.manualSelector = manualSelector
        self.template = template
        self.ttlSecondsAfterFinished = ttlSecondsAfterFinished
        self.completionMode = completionMode
        self.suspend = suspend
        self.podReplacementPolicy = podReplacementPolicy
    }
}

/// The observed state of a Job.
public struct JobStatus: Codable, Sendable, Hashable {
    public var conditions: [JobCondition]?
    public var startTime: String?
    public var completionTime: String?
    public var active: Int?
    public var succeeded: Int?
    public var failed: Int?
    public var terminating: Int?
    public var ready: Int?
    public var completedIndexes: String?

    /// Creates a `JobStatus`; every field defaults to unset.
    public init(
        conditions: [JobCondition]? = nil,
        startTime: String? = nil,
        completionTime: String? = nil,
        active: Int? = nil,
        succeeded: Int? = nil,
        failed: Int? = nil,
        terminating: Int? = nil,
        ready: Int? = nil,
        completedIndexes: String? = nil
    ) {
        self.conditions = conditions
        self.startTime = startTime
        self.completionTime = completionTime
        self.active = active
        self.succeeded = succeeded
        self.failed = failed
        self.terminating = terminating
        self.ready = ready
        self.completedIndexes = completedIndexes
    }
}

/// A condition of a Job (Complete, Failed, Suspended, ...).
public struct JobCondition: Codable, Sendable, Hashable {
    public var type: String?
    public var status: String?
    public var lastProbeTime: String?
    public var lastTransitionTime: String?
    public var reason: String?
    public var message: String?

    /// Creates a `JobCondition`; every field defaults to unset.
    public init(
        type: String? = nil,
        status: String? = nil,
        lastProbeTime: String? = nil,
        lastTransitionTime: String? = nil,
        reason: String? = nil,
        message: String? = nil
    ) {
        self.type = type
        self.status = status
        self.lastProbeTime = lastProbeTime
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

/// Runs Jobs on a repeating schedule (batch/v1 CronJob).
public struct CronJob: KubeObject, Codable, Sendable, Hashable {
    public static var resourceInfo: ResourceInfo { .cronJobs }
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: CronJobSpec?
    public var status: CronJobStatus?

    /// Creates a `CronJob`; every field defaults to unset.
    public init(apiVersion: String? = "batch/v1", kind: String? = "CronJob", metadata: ObjectMeta = ObjectMeta(),
                spec: CronJobSpec? = nil, status: CronJobStatus? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, spec, status
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.spec = try c.decodeIfPresent(CronJobSpec.self, forKey: .spec)
        self.status = try c.decodeIfPresent(CronJobStatus.self, forKey: .status)
    }
}

/// When a CronJob runs and what it runs. The job template is kept as JSON, so every field of it reaches the Jobs.
public struct CronJobSpec: Codable, Sendable, Hashable {
    public var schedule: String?
    public var timeZone: String?
    public var startingDeadlineSeconds: Int?
    /// Allow, Forbid or Replace.
    public var concurrencyPolicy: String?
    public var suspend: Bool?
    /// A `JobTemplateSpec`: `metadata` and `spec` of the Jobs made.
    public var jobTemplate: JSONValue?
    public var successfulJobsHistoryLimit: Int?
    public var failedJobsHistoryLimit: Int?

    /// Creates a `CronJobSpec`; every field defaults to unset.
    public init(schedule: String? = nil, timeZone: String? = nil, startingDeadlineSeconds: Int? = nil,
                concurrencyPolicy: String? = nil, suspend: Bool? = nil, jobTemplate: JSONValue? = nil,
                successfulJobsHistoryLimit: Int? = nil, failedJobsHistoryLimit: Int? = nil) {
        self.schedule = schedule
        self.timeZone = timeZone
        self.startingDeadlineSeconds = startingDeadlineSeconds
        self.concurrencyPolicy = concurrencyPolicy
        self.suspend = suspend
        self.jobTemplate = jobTemplate
        self.successfulJobsHistoryLimit = successfulJobsHistoryLimit
        self.failedJobsHistoryLimit = failedJobsHistoryLimit
    }
}

/// The observed state of a CronJob.
public struct CronJobStatus: Codable, Sendable, Hashable {
    public var active: [ObjectReference]?
    public var lastScheduleTime: String?
    public var lastSuccessfulTime: String?

    /// Creates a `CronJobStatus`; every field defaults to unset.
    public init(active: [ObjectReference]? = nil, lastScheduleTime: String? = nil, lastSuccessfulTime: String? = nil) {
        self.active = active
        self.lastScheduleTime = lastScheduleTime
        self.lastSuccessfulTime = lastSuccessfulTime
    }
}
