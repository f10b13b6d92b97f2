import GantryAPI
@testable import GantryCommands
import Testing

@Suite struct RolloutProgressTests {
    func deployment(generation: Int64 = 2, observed: Int64 = 2, want: Int64 = 3, updated: Int64, replicas: Int64, available: Int64,
                    reason: String? = nil) -> JSONValue {
        var status: JSONValue = ["observedGeneration": .int(observed), "updatedReplicas": .int(updated), "replicas": .int(replicas),
                                 "availableReplicas": .int(available)]
        if let reason { status["conditions"] = [["type": "Progressing", "status": "False", "reason": .string(reason)]] }
        return ["metadata": ["generation": .int(generation)], "spec": ["replicas": .int(want)], "status": status]
    }

    @Test func deploymentsFollowKubectlRolloutStatus() {
        #expect(ObjectProgress.of(kind: "Deployment", deployment(generation: 3, updated: 3, replicas: 3, available: 3))?.summary
            == "waiting for the spec update to be observed")
        #expect(ObjectProgress.of(kind: "Deployment", deployment(updated: 1, replicas: 4, available: 3))
            == .init(state: .waiting, summary: "1 of 3 new replicas updated, 3 available"))
        #expect(ObjectProgress.of(kind: "Deployment", deployment(updated: 3, replicas: 4, available: 3))?.summary == "1 old replicas pending termination")
        #expect(ObjectProgress.of(kind: "Deployment", deployment(updated: 3, replicas: 3, available: 2))?.summary == "2 of 3 updated replicas available")
        #expect(ObjectProgress.of(kind: "Deployment", deployment(updated: 3, replicas: 3, available: 3))?.state == .done)
        #expect(ObjectProgress.of(kind: "Deployment", deployment(updated: 1, replicas: 3, available: 2, reason: "ProgressDeadlineExceeded"))?.state == .failed)
        #expect(ObjectProgress.of(kind: "ConfigMap", ["data": .emptyObject]) == nil)
    }

    @Test func jobsAndPods() {
        let failed: JSONValue = ["spec": .emptyObject, "status": ["conditions": [["type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"]]]]
        #expect(ObjectProgress.of(kind: "Job", failed) == .init(state: .failed, summary: "failed: BackoffLimitExceeded"))
        let ready: JSONValue = ["status": ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]]]
        #expect(ObjectProgress.of(kind: "Pod", ready)?.state == .done)
        let backoff: JSONValue = ["status": ["phase": "Pending", "containerStatuses": [["name": "web", "state": ["waiting": ["reason": "ImagePullBackOff"]]]]]]
        #expect(ObjectProgress.of(kind: "Pod", backoff) == .init(state: .waiting, summary: "web: ImagePullBackOff"))
    }

    @Test func imagePullsComeFromThePodsEvents() {
        func event(_ pod: String, _ reason: String, _ message: String, _ at: String) -> JSONValue {
            ["involvedObject": ["kind": "Pod", "name": .string(pod)], "reason": .string(reason), "message": .string(message), "lastTimestamp": .string(at)]
        }
        let events = [
            event("web-1-a", "Pulling", "Pulling image \"reg/web:2\"", "2026-01-01T00:00:01Z"),
            event("web-1-a", "Pulled", "Successfully pulled image \"reg/web:2\" in 1.000s. Image size: 4500000 bytes.", "2026-01-01T00:00:02Z"),
            event("web-1-b", "Pulling", "Pulling image \"reg/web:2\"", "2026-01-01T00:00:03Z"),
            event("other-1", "Pulling", "Pulling image \"reg/other:1\"", "2026-01-01T00:00:03Z"),
        ]
        #expect(ObjectProgress.pulls(events, pods: { $0.hasPrefix("web-") }) == "pulling reg/web:2")
        #expect(ObjectProgress.pulls(Array(events.prefix(2)), pods: { $0.hasPrefix("web-") }) == "pulled reg/web:2 (4.5 MB)")
        #expect(ObjectProgress.pulls(events, pods: { $0 == "nobody" }) == nil)
    }
}
