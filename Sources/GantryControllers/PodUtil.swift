import Foundation
import GantryAPI

/// Pod facts controllers share, as Kubernetes' podutil computes them.
public enum PodUtil {
    /// The pod has the Ready condition True.
    public static func isReady(_ pod: Pod) -> Bool {
        pod.status?.conditions?.first { $0.type == "Ready" }?.status == "True"
    }

    /// The pod has been Ready for at least `minReadySeconds` at `now`.
    public static func isAvailable(_ pod: Pod, minReadySeconds: Int, now: Date) -> Bool {
        guard let c = pod.status?.conditions?.first(where: { $0.type == "Ready" }), c.status == "True" else { return false }
        if minReadySeconds <= 0 { return true }
        guard let since = Timestamp.parse(c.lastTransitionTime) else { return false }
        return since.addingTimeInterval(TimeInterval(minReadySeconds)) <= now
    }

    /// Seconds until a ready pod becomes available (nil if it is not ready or already available).
    public static func secondsUntilAvailable(_ pod: Pod, minReadySeconds: Int, now: Date) -> TimeInterval? {
        guard minReadySeconds > 0, let c = pod.status?.conditions?.first(where: { $0.type == "Ready" }),
              c.status == "True", let since = Timestamp.parse(c.lastTransitionTime) else { return nil }
        let left = since.addingTimeInterval(TimeInterval(minReadySeconds)).timeIntervalSince(now)
        return left > 0 ? left : nil
    }

    /// Not finished (Succeeded/Failed) and not being deleted.
    public static func isActive(_ pod: Pod) -> Bool {
        pod.metadata.deletionTimestamp == nil && pod.status?.phase != "Succeeded" && pod.status?.phase != "Failed"
    }

    /// Being deleted but not finished.
    public static func isTerminating(_ pod: Pod) -> Bool {
        pod.metadata.deletionTimestamp != nil && pod.status?.phase != "Succeeded" && pod.status?.phase != "Failed"
    }

    /// A container of the pod is waiting in CrashLoopBackOff, or has restarted `restarts` times or more.
    public static func crashLooping(_ pod: Pod, restarts: Int = 3) -> String? {
        for s in pod.status?.containerStatuses ?? [] {
            if s.state?.waiting?.reason == "CrashLoopBackOff" { return "container \(s.name ?? "") is in CrashLoopBackOff" }
            if (s.restartCount ?? 0) >= restarts { return "container \(s.name ?? "") has restarted \(s.restartCount ?? 0) times" }
        }
        return nil
    }
}

extension KubeObject {
    /// The owner reference marked `controller: true`, if any.
    public var controllerRef: OwnerReference? { metadata.ownerReferences?.first { $0.controller == true } }

    /// An owner reference to this object, as its controller.
    public func ownerReference(controller: Bool = true) -> OwnerReference {
        OwnerReference(apiVersion: Self.resourceInfo.apiVersion, kind: Self.resourceInfo.kind, name: name,
                       uid: metadata.uid, controller: controller, blockOwnerDeletion: controller ? true : nil)
    }
}

/// Building pods from templates.
public enum PodTemplates {
    /// A pod for `template`, named `generateName` + random suffix by the server, owned by `owner`.
    public static func pod<O: KubeObject>(from template: PodTemplateSpec?, generateName: String, owner: O,
                                          extraLabels: [String: String] = [:], nodeName: String? = nil) throws -> JSONValue
    {
        var meta = template?.metadata ?? ObjectMeta()
        meta.name = nil
        meta.generateName = generateName
        meta.namespace = owner.metadata.namespace
        meta.labels = (meta.labels ?? [:]).merging(extraLabels) { _, b in b }
        meta.ownerReferences = [owner.ownerReference()]
        meta.resourceVersion = nil
        meta.uid = nil
        meta.creationTimestamp = nil
        var spec = template?.spec ?? PodSpec()
        if let nodeName { spec.nodeName = nodeName }
        let pod = Pod(metadata: meta, spec: spec)
        return try JSONValue.encode(pod)
    }
}
