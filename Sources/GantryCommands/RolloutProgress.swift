import ArgumentParser
import Foundation
import GantryAPI
import GantryClient

/// Where one object stands on its way to ready, by kubectl rollout status's rules (Deployments, StatefulSets,
/// DaemonSets), and for Jobs (complete) and Pods (running and ready). Pure: computed from the object alone.
struct ObjectProgress: Equatable, Sendable {
    enum State: Equatable, Sendable { case waiting, done, failed }
    var state: State
    /// What is left or what happened ("2 of 3 updated replicas are available").
    var summary: String

    /// The kinds that have a progress to follow (`of` is nil for every other).
    static let followedKinds: Set<String> = ["Deployment", "StatefulSet", "DaemonSet", "Job", "Pod"]

    /// The progress of `o` (a `kind` object), or nil for a kind that has none to wait for.
    static func of(kind: String, _ o: JSONValue) -> ObjectProgress? {
        let spec = o["spec"] ?? .emptyObject, status = o["status"] ?? .emptyObject
        func int(_ v: JSONValue?, _ d: Int = 0) -> Int { v?.intValue.map(Int.init) ?? d }
        let generation = int(o[path: ["metadata", "generation"]]), observed = int(status["observedGeneration"])
        let conditions = status["conditions"]?.arrayValue ?? []
        func condition(_ type: String) -> JSONValue? { conditions.first { $0["type"]?.stringValue == type } }
        switch kind {
        case "Deployment":
            guard generation <= observed else { return .init(state: .waiting, summary: "waiting for the spec update to be observed") }
            if condition("Progressing")?["reason"]?.stringValue == "ProgressDeadlineExceeded" {
                return .init(state: .failed, summary: "exceeded its progress deadline")
            }
            let want = int(spec["replicas"], 1), updated = int(status["updatedReplicas"])
            let replicas = int(status["replicas"]), available = int(status["availableReplicas"])
            if updated < want { return .init(state: .waiting, summary: "\(updated) of \(want) new replicas updated, \(available) available") }
            if replicas > updated { return .init(state: .waiting, summary: "\(replicas - updated) old replicas pending termination") }
            if available < updated { return .init(state: .waiting, summary: "\(available) of \(updated) updated replicas available") }
            return .init(state: .done, summary: "successfully rolled out (\(available)/\(want) available)")
        case "StatefulSet":
            guard generation <= observed else { return .init(state: .waiting, summary: "waiting for the spec update to be observed") }
            let want = int(spec["replicas"], 1), ready = int(status["readyReplicas"]), updated = int(status["updatedReplicas"])
            if ready < want { return .init(state: .waiting, summary: "\(ready) of \(want) pods ready") }
            if spec[path: ["updateStrategy", "type"]]?.stringValue != "OnDelete",
               let update = status["updateRevision"]?.stringValue, status["currentRevision"]?.stringValue != update {
                return .init(state: .waiting, summary: "\(updated) of \(want) pods at revision \(update)")
            }
            return .init(state: .done, summary: "rolled out (\(ready)/\(want) ready)")
        case "DaemonSet":
            guard generation <= observed else { return .init(state: .waiting, summary: "waiting for the spec update to be observed") }
            let want = int(status["desiredNumberScheduled"]), updated = int(status["updatedNumberScheduled"])
            let available = int(status["numberAvailable"])
            if updated < want { return .init(state: .waiting, summary: "\(updated) of \(want) updated pods scheduled") }
            if available < want { return .init(state: .waiting, summary: "\(available) of \(want) updated pods available") }
            return .init(state: .done, summary: "successfully rolled out (\(available)/\(want) available)")
        case "Job":
            if condition("Failed")?["status"]?.stringValue == "True" {
                return .init(state: .failed, summary: "failed: \(condition("Failed")?["message"]?.stringValue ?? condition("Failed")?["reason"]?.stringValue ?? "")")
            }
            let want = int(spec["completions"], 1), succeeded = int(status["succeeded"])
            if condition("Complete")?["status"]?.stringValue == "True" { return .init(state: .done, summary: "complete (\(succeeded)/\(want))") }
            return .init(state: .waiting, summary: "\(succeeded) of \(want) completions, \(int(status["active"])) active")
        case "Pod":
            let phase = status["phase"]?.stringValue ?? "Pending"
            if phase == "Succeeded" { return .init(state: .done, summary: "succeeded") }
            if phase == "Failed" { return .init(state: .failed, summary: "failed: \(status["message"]?.stringValue ?? status["reason"]?.stringValue ?? "")") }
            for c in status["containerStatuses"]?.arrayValue ?? [] {
                if let reason = c[path: ["state", "waiting", "reason"]]?.stringValue,
                   ["ErrImagePull", "ImagePullBackOff", "CrashLoopBackOff", "InvalidImageName", "CreateContainerError"].contains(reason) {
                    return .init(state: .waiting, summary: "\(c["name"]?.stringValue ?? ""): \(reason)")
                }
            }
            if condition("Ready")?["status"]?.stringValue == "True" { return .init(state: .done, summary: "running and ready") }
            return .init(state: .waiting, summary: phase == "Running" ? "running, not ready" : "pending")
        default:
            return nil
        }
    }

    /// The image pulls of an object's pods, from their Pulling and Pulled events: images still pulling, and the
    /// last pulled with its size. `pods` says which pod names are the object's.
    static func pulls(_ events: [JSONValue], pods: (String) -> Bool) -> String? {
        var pulling: [String: String] = [:]   // pod/image -> image
        var pulled: (String, Int64?)?
        let ordered = events.sorted { ($0["lastTimestamp"]?.stringValue ?? "") < ($1["lastTimestamp"]?.stringValue ?? "") }
        for e in ordered {
            guard e[path: ["involvedObject", "kind"]]?.stringValue == "Pod",
                  let pod = e[path: ["involvedObject", "name"]]?.stringValue, pods(pod),
                  let message = e["message"]?.stringValue, let image = quoted(message) else { continue }
            switch e["reason"]?.stringValue {
            case "Pulling": pulling["\(pod)/\(image)"] = image
            case "Pulled":
                pulling["\(pod)/\(image)"] = nil
                if message.hasPrefix("Successfully") {
                    let size = message.range(of: "Image size: ").flatMap { Int64(message[$0.upperBound...].prefix { $0.isNumber }) }
                    pulled = (image, size)
                }
            default: break
            }
        }
        if let image = Set(pulling.values).sorted().first {
            return "pulling \(image)" + (pulling.count > 1 ? " (+\(pulling.count - 1))" : "")
        }
        if let (image, size) = pulled {
            return "pulled \(image)" + (size.map { " (\(ByteCountFormatter.string(fromByteCount: $0, countStyle: .decimal)))" } ?? "")
        }
        return nil
    }

    /// The first double-quoted part of an event message (the image of a Pulling or Pulled event).
    static func quoted(_ s: String) -> String? {
        guard let a = s.firstIndex(of: "\"") else { return nil }
        let rest = s[s.index(after: a)...]
        guard let b = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<b])
    }
}

/// Follows objects until each is ready, failed, or the timeout passes, printing their progress: on a terminal a
/// block of lines redrawn in place; otherwise one line per object when it finishes (and nothing while it waits).
struct ProgressTracker {
    struct Target {
        var resource: ResourceInfo
        var namespace: String?
        var name: String
        var label: String { "\(resource.qualifiedSingular)/\(name)" }
    }

    let client: GantryClient
    var targets: [Target]
    var timeout: Duration?
    var terminal = isatty(1) == 1

    /// Waits; true when every object got ready, false when one failed or the time ran out (said on stderr).
    func run() async throws -> Bool {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var last: [ObjectProgress?] = Array(repeating: nil, count: targets.count)
        var drawn = 0
        // The namespaces' events, for image pulls: listed again every 2 s, not on every round.
        var eventsByNamespace: [String: [JSONValue]] = [:]
        var eventsListed = ContinuousClock.now
        let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
        var tick = 0
        fflush(nil)
        while true {
            var lines: [String] = []
            if ContinuousClock.now - eventsListed >= .seconds(2) {
                eventsByNamespace = [:]
                eventsListed = ContinuousClock.now
            }
            for (i, t) in targets.enumerated() {
                let progress: ObjectProgress
                do {
                    let o = try await client.get(t.resource, namespace: t.namespace, name: t.name)
                    progress = ObjectProgress.of(kind: t.resource.kind, o) ?? .init(state: .done, summary: "applied")
                } catch let e as GantryError where e.code == .notFound {
                    progress = .init(state: .failed, summary: "not found")
                }
                var detail = progress.summary
                if progress.state == .waiting, let ns = t.namespace {
                    if eventsByNamespace[ns] == nil {
                        eventsByNamespace[ns] = (try? await client.list(.events, namespace: ns))?["items"]?.arrayValue ?? []
                    }
                    let own: (String) -> Bool = t.resource.kind == "Pod" ? { $0 == t.name } : { $0.hasPrefix(t.name + "-") }
                    if let pulls = ObjectProgress.pulls(eventsByNamespace[ns] ?? [], pods: own) { detail += " · " + pulls }
                }
                let mark = progress.state == .done ? "✓" : progress.state == .failed ? "✗" : spinner[tick % spinner.count]
                lines.append("\(mark) \(t.label): \(detail)")
                if !terminal, progress.state != .waiting, last[i].map({ $0.state == .waiting }) ?? true {
                    print("\(t.label): \(progress.summary)")
                    fflush(nil)
                }
                last[i] = progress
            }
            if terminal {
                fflush(nil)
                var out = drawn > 0 ? "\u{1B}[\(drawn)A" : ""
                for l in lines { out += "\u{1B}[2K\r" + l + "\n" }
                FileHandle.standardOutput.write(Data(out.utf8))
                drawn = lines.count
            }
            if last.contains(where: { $0?.state == .failed }) {
                for (t, p) in zip(targets, last) where p?.state == .failed { printError("error: \(t.label) \(p!.summary)") }
                return false
            }
            if last.allSatisfy({ $0?.state == .done }) { return true }
            if let deadline, ContinuousClock.now >= deadline {
                for (t, p) in zip(targets, last) where p?.state == .waiting {
                    printError("error: timed out waiting for \(t.label): \(p!.summary)")
                }
                return false
            }
            tick += 1
            try await Task.sleep(for: .milliseconds(terminal ? 250 : 500))
        }
    }
}

/// A duration flag such as 90s, 5m or 1h (0 or none: no limit).
func parseTimeout(_ s: String?, flag: String) throws -> Duration? {
    guard let s, !s.isEmpty, s != "0", s != "0s" else { return nil }
    guard let seconds = TokenCommand.duration(s), seconds > 0 else {
        throw ValidationError("\(flag) must be a duration such as 90s, 5m or 1h, not \"\(s)\"")
    }
    return .seconds(seconds)
}

struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout", abstract: "Follow the rollout of a Deployment, StatefulSet or DaemonSet.",
        subcommands: [RolloutStatusCommand.self])
}

struct RolloutStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Wait until a rollout finishes, showing ready/updated replicas and image pulls (exit 1 if it fails or times out).")
    @OptionGroup var client: ClientOptions
    @Argument(help: "KIND/NAME or KIND NAME (deployment, statefulset, daemonset, job, pod).")
    var args: [String]
    @Option(name: .shortAndLong, help: "Namespace.")
    var namespace: String?
    @Option(help: "Give up after this long (90s, 5m; 0: never).")
    var timeout: String?

    func run() async throws {
        try await runClient {
            guard let first = args.first else { throw ValidationError("specify KIND/NAME") }
            var kind = first, name = args.count > 1 ? args[1] : ""
            if let slash = first.firstIndex(of: "/") {
                kind = String(first[..<slash])
                name = String(first[first.index(after: slash)...])
            }
            guard !name.isEmpty else { throw ValidationError("specify KIND/NAME") }
            let r = try resolveResource(kind)
            let tracker = ProgressTracker(client: try client.client(),
                                          targets: [.init(resource: r, namespace: r.namespaced ? (namespace ?? "default") : nil, name: name)],
                                          timeout: try parseTimeout(timeout, flag: "--timeout"))
            if try await !tracker.run() { throw ExitCode(1) }
        }
    }
}
