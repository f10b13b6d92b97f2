import ArgumentParser
import Foundation
import GantryAPI
import GantryClient

let lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

/// Resolves `KIND [NAME...]` or `KIND/NAME [NAME...]` as typed on the command line.
func resolveKindAndNames(_ kind: String, _ names: [String]) throws -> (ResourceInfo, [String]) {
    guard let slash = kind.firstIndex(of: "/") else { return (try resolveResource(kind), names) }
    return (try resolveResource(String(kind[..<slash])), [String(kind[kind.index(after: slash)...])] + names)
}

/// Reads manifests from files, directories (their .yaml/.yml/.json files, sorted) or `-` (stdin).
func readManifests(_ paths: [String]) throws -> [(source: String, object: JSONValue)] {
    var out: [(String, JSONValue)] = []
    for p in paths {
        if p == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            out += try Manifest.decode(String(decoding: data, as: UTF8.self), source: "stdin").map { ("stdin", $0) }
            continue
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else {
            throw GantryError(.notFound, "the path \"\(p)\" does not exist")
        }
        var files = [p]
        if isDir.boolValue {
            files = try FileManager.default.contentsOfDirectory(atPath: p).sorted()
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json") }
                .map { p + "/" + $0 }
        }
        for f in files {
            let text = try String(contentsOfFile: f, encoding: .utf8)
            out += try Manifest.decode(text, source: f).map { (f, $0) }
        }
    }
    return out
}

/// The resource of a manifest document, or a clear error.
func resource(of obj: JSONValue, source: String) throws -> ResourceInfo {
    let apiVersion = obj["apiVersion"]?.stringValue ?? ""
    let kind = obj["kind"]?.stringValue ?? ""
    if apiVersion.isEmpty || kind.isEmpty {
        throw GantryError(.badRequest, "error validating \"\(source)\": apiVersion and kind must be set")
    }
    guard let r = ResourceInfo.lookup(apiVersion: apiVersion, kind: kind) else {
        throw GantryError(.notFound, "resource mapping not found for kind \"\(kind)\" in version \"\(apiVersion)\" (\(source))")
    }
    return r
}

/// Computes a JSON merge patch taking `live` from `lastApplied` to `desired` (kubectl's three-way merge,
/// with lists replaced whole): fields set in `desired` that differ from `live`, and fields the user
/// removed since the last apply set to null.
func threeWayMergePatch(lastApplied: JSONValue?, desired: JSONValue, live: JSONValue) -> JSONValue? {
    guard case .object(let d) = desired else { return desired == live ? nil : desired }
    var patch: [String: JSONValue] = [:]
    let liveObj = live.objectValue ?? [:]
    let lastObj = lastApplied?.objectValue ?? [:]
    for (k, v) in d {
        if case .object = v, case .object? = liveObj[k] {
            if let sub = threeWayMergePatch(lastApplied: lastObj[k], desired: v, live: liveObj[k]!) { patch[k] = sub }
        } else if liveObj[k] != v {
            patch[k] = v
        }
    }
    for (k, _) in lastObj where d[k] == nil && liveObj[k] != nil {
        patch[k] = .null
    }
    return patch.isEmpty ? nil : .object(patch)
}

// MARK: - apply

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Create or update objects from manifests (YAML or JSON, multi-document).")
    @OptionGroup var client: ClientOptions
    @Option(name: .shortAndLong, help: "File, directory or - for stdin (repeatable).")
    var filename: [String] = []
    @Option(name: .shortAndLong, help: "Namespace for objects that name none.")
    var namespace: String?
    @Flag(help: "Then wait until every Deployment, StatefulSet, DaemonSet, Job and Pod applied is ready, showing each one's progress.")
    var wait = false
    @Option(help: "With --wait: give up after this long (90s, 5m; 0: never).")
    var timeout: String = "5m"

    func run() async throws {
        guard !filename.isEmpty else { throw ValidationError("must specify -f FILE|DIR|-") }
        let limit = try parseTimeout(timeout, flag: "--timeout")
        try await runClient {
            let c = try client.client()
            var failed = false
            var applied: [ProgressTracker.Target] = []
            for (source, doc) in try readManifests(filename) {
                do {
                    if let t = try await apply(doc, source: source, c) { applied.append(t) }
                } catch let e as GantryError {
                    failed = true
                    printError("Error from server (\(e.code.rawValue)): error when applying \"\(source)\": \(e.message)")
                }
            }
            if failed { throw ExitCode(1) }
            if wait {
                let tracked = applied.filter { ObjectProgress.followedKinds.contains($0.resource.kind) }
                if !tracked.isEmpty, try await !ProgressTracker(client: c, targets: tracked, timeout: limit).run() { throw ExitCode(1) }
            }
        }
    }

    @discardableResult
    func apply(_ doc: JSONValue, source: String, _ c: GantryClient) async throws -> ProgressTracker.Target? {
        let r = try resource(of: doc, source: source)
        guard let name = doc[path: ["metadata", "name"]]?.stringValue, !name.isEmpty else {
            throw GantryError(.badRequest, "error validating \"\(source)\": metadata.name must be set")
        }
        var desired = doc
        let ns: String? = r.namespaced ? (doc[path: ["metadata", "namespace"]]?.stringValue ?? namespace ?? "default") : nil
        if let ns { desired[path: ["metadata", "namespace"]] = .string(ns) }
        var annotated = desired
        var config = desired
        config[path: ["metadata", "annotations", lastAppliedAnnotation]] = nil
        if config[path: ["metadata", "annotations"]]?.objectValue?.isEmpty == true {
            config[path: ["metadata", "annotations"]] = nil
        }
        annotated[path: ["metadata", "annotations", lastAppliedAnnotation]] = .string(config.jsonString())
        let label = "\(r.qualifiedSingular)/\(name)"
        let target = ProgressTracker.Target(resource: r, namespace: ns, name: name)
        let live: JSONValue
        do {
            live = try await c.get(r, namespace: ns, name: name)
        } catch let e as GantryError where e.code == .notFound {
            _ = try await c.create(r, namespace: ns, annotated, query: ["fieldValidation": "Strict"])
            print("\(label) created")
            return target
        }
        let last = live[path: ["metadata", "annotations", lastAppliedAnnotation]]?.stringValue.flatMap { try? JSONValue.parse($0) }
        guard let patch = threeWayMergePatch(lastApplied: last, desired: annotated, live: live) else {
            print("\(label) unchanged")
            return target
        }
        let out = try await c.patch(r, namespace: ns, name: name, patch, type: .merge, query: ["fieldValidation": "Strict"])
        // Changed means a field the manifest sets now reads differently. Not the resourceVersion: a controller's
        // write (a Deployment's revision annotation, any status) between the get and the patch moves it too.
        let changed = Self.project(out, onto: annotated) != Self.project(live, onto: annotated)
        print("\(label) \(changed ? "configured" : "unchanged")")
        return target
    }

    /// The parts of `value` at the keys `shape` has (objects recursively; other values whole).
    static func project(_ value: JSONValue?, onto shape: JSONValue) -> JSONValue? {
        guard case .object(let wanted) = shape else { return value }
        guard case .object(let have)? = value else { return value }
        var out: [String: JSONValue] = [:]
        for (k, sub) in wanted { if let v = project(have[k], onto: sub) { out[k] = v } }
        return .object(out)
    }
}

// MARK: - get

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "List or show objects.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Resource kind (pods, po, deployments, deploy, svc, ...), optionally KIND/NAME.")
    var kind: String
    @Argument(help: "Object names.")
    var names: [String] = []
    @Option(name: .shortAndLong, help: "Namespace.")
    var namespace: String?
    @Flag(name: [.customShort("A"), .long], help: "All namespaces.")
    var allNamespaces = false
    @Option(name: [.customShort("l"), .long], help: "Label selector (app=web,tier in (a,b)).")
    var selector: String?
    @Option(name: .long, help: "Field selector (status.phase=Running).")
    var fieldSelector: String?
    @Option(name: .shortAndLong, help: "Output: wide, yaml, json or name.")
    var output: String?

    func run() async throws {
        try await runClient {
            let (r, names) = try resolveKindAndNames(kind, self.names)
            let c = try client.client()
            let ns: String? = r.namespaced ? (allNamespaces ? nil : (namespace ?? "default")) : nil
            switch output {
            case "json", "yaml", "name":
                var objects: [JSONValue] = []
                if names.isEmpty {
                    let list = try await c.list(r, namespace: ns, labelSelector: selector, fieldSelector: fieldSelector)
                    objects = (list["items"]?.arrayValue ?? []).map { o in
                        var o = o
                        o["apiVersion"] = .string(r.apiVersion)
                        o["kind"] = .string(r.kind)
                        return o
                    }
                } else {
                    for n in names { objects.append(try await c.get(r, namespace: ns ?? "default", name: n)) }
                }
                if output == "name" {
                    for o in objects { print("\(r.qualifiedSingular)/\(o[path: ["metadata", "name"]]?.stringValue ?? "")") }
                    return
                }
                let value: JSONValue = names.count == 1 ? objects[0]
                    : ["apiVersion": "v1", "kind": "List", "metadata": ["resourceVersion": ""], "items": .array(objects)]
                if output == "json" {
                    print(prettyJSON(value))
                } else {
                    print(Manifest.yaml(value), terminator: "")
                }
            case nil, "wide":
                let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
                var tables: [JSONValue] = []
                if names.isEmpty {
                    var q: [String: String] = [:]
                    if let selector { q["labelSelector"] = selector }
                    if let fieldSelector { q["fieldSelector"] = fieldSelector }
                    q["includeObject"] = "Metadata"
                    tables.append(try await c.call(.GET, GantryClient.path(r, namespace: ns), query: q, accept: accept))
                } else {
                    for n in names {
                        tables.append(try await c.call(.GET, GantryClient.path(r, namespace: ns ?? "default", name: n), accept: accept))
                    }
                }
                let rows = tables.flatMap { $0["rows"]?.arrayValue ?? [] }
                if rows.isEmpty {
                    if r.namespaced, let ns {
                        printError("No resources found in \(ns) namespace.")
                    } else {
                        printError("No resources found")
                    }
                    return
                }
                let defs = tables[0]["columnDefinitions"]?.arrayValue ?? []
                let wide = output == "wide"
                let shown = defs.indices.filter { wide || (defs[$0]["priority"]?.intValue ?? 0) == 0 }
                var header = shown.map { (defs[$0]["name"]?.stringValue ?? "").uppercased() }
                if ns == nil, r.namespaced { header.insert("NAMESPACE", at: 0) }
                var lines = [header]
                for row in rows {
                    let cells = row["cells"]?.arrayValue ?? []
                    var line = shown.map { i -> String in i < cells.count ? cellText(cells[i]) : "" }
                    if ns == nil, r.namespaced {
                        line.insert(row[path: ["object", "metadata", "namespace"]]?.stringValue ?? "", at: 0)
                    }
                    lines.append(line)
                }
                print(columns(lines), terminator: "")
            default:
                throw ValidationError("unsupported output format \"\(output!)\": use wide, yaml, json or name")
            }
        }
    }
}

func cellText(_ v: JSONValue) -> String {
    switch v {
    case .string(let s): return s
    case .int(let i): return String(i)
    case .double(let d): return String(d)
    case .bool(let b): return b ? "true" : "false"
    case .null: return "<none>"
    default: return v.jsonString()
    }
}

/// Left-aligned columns separated by three spaces, as kubectl prints them.
func columns(_ lines: [[String]]) -> String {
    guard let n = lines.map(\.count).max() else { return "" }
    var widths = [Int](repeating: 0, count: n)
    for l in lines { for (i, c) in l.enumerated() { widths[i] = max(widths[i], c.count) } }
    var out = ""
    for l in lines {
        var s = ""
        for (i, c) in l.enumerated() {
            s += c
            if i < l.count - 1 { s += String(repeating: " ", count: widths[i] - c.count + 3) }
        }
        out += s + "\n"
    }
    return out
}

/// Indented JSON with sorted keys.
func prettyJSON(_ v: JSONValue) -> String {
    let data = v.serialized()
    guard let obj = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
          let pretty = try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
    else { return String(decoding: data, as: UTF8.self) }
    return String(decoding: pretty, as: UTF8.self)
}

// MARK: - describe

struct DescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "describe", abstract: "Show an object in detail, with its events.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Resource kind, or KIND/NAME.")
    var kind: String
    @Argument(help: "Object names.")
    var names: [String] = []
    @Option(name: .shortAndLong, help: "Namespace.")
    var namespace: String?

    func run() async throws {
        try await runClient {
            let (r, given) = try resolveKindAndNames(kind, self.names)
            var names = given
            let c = try client.client()
            let ns: String? = r.namespaced ? (namespace ?? "default") : nil
            if names.isEmpty {
                let list = try await c.list(r, namespace: ns)
                names = (list["items"]?.arrayValue ?? []).compactMap { $0[path: ["metadata", "name"]]?.stringValue }
            }
            for (i, n) in names.enumerated() {
                if i > 0 { print("\n") }
                let obj = try await c.get(r, namespace: ns, name: n)
                print(describe(obj), terminator: "")
                var fs = "involvedObject.name=\(n),involvedObject.kind=\(r.kind)"
                if let uid = obj[path: ["metadata", "uid"]]?.stringValue { fs += ",involvedObject.uid=\(uid)" }
                let events = (try? await c.list(.events, namespace: ns ?? "default", fieldSelector: fs))?["items"]?.arrayValue ?? []
                if events.isEmpty {
                    print("Events:  <none>")
                } else {
                    print("Events:")
                    var lines = [["  TYPE", "REASON", "AGE", "FROM", "MESSAGE"]]
                    for e in events {
                        lines.append(["  " + (e["type"]?.stringValue ?? ""), e["reason"]?.stringValue ?? "",
                                      e["lastTimestamp"]?.stringValue ?? "", e[path: ["source", "component"]]?.stringValue ?? "",
                                      e["message"]?.stringValue ?? ""])
                    }
                    print(columns(lines), terminator: "")
                }
            }
        }
    }

    /// A readable rendering: identity, labels and annotations first, then spec and status as YAML.
    func describe(_ obj: JSONValue) -> String {
        var out = ""
        let meta = obj["metadata"] ?? .emptyObject
        out += "Name:         \(meta["name"]?.stringValue ?? "")\n"
        if let ns = meta["namespace"]?.stringValue { out += "Namespace:    \(ns)\n" }
        func kv(_ label: String, _ m: JSONValue?) {
            let o = m?.objectValue ?? [:]
            if o.isEmpty { out += "\(label)<none>\n"; return }
            for (i, k) in o.keys.sorted().enumerated() {
                var v = o[k]?.stringValue ?? ""
                if v.count > 80 { v = String(v.prefix(77)) + "..." }
                out += (i == 0 ? label : String(repeating: " ", count: label.count)) + "\(k)=\(v)\n"
            }
        }
        kv("Labels:       ", meta["labels"])
        kv("Annotations:  ", meta["annotations"])
        out += "Kind:         \(obj["kind"]?.stringValue ?? "")\n"
        out += "Created:      \(meta["creationTimestamp"]?.stringValue ?? "")\n"
        if let d = meta["deletionTimestamp"]?.stringValue { out += "Deleting:     since \(d)\n" }
        for section in ["spec", "data", "subsets", "status"] {
            guard let v = obj[section], v != .emptyObject else { continue }
            var value = v
            if section == "data", obj["kind"]?.stringValue == "Secret", case .object(let o) = v {
                value = .object(o.mapValues { .string("\((Data(base64Encoded: $0.stringValue ?? "")?.count ?? 0)) bytes") })
            }
            out += "\(section.prefix(1).uppercased() + section.dropFirst()):\n"
            for line in Manifest.yaml(value).split(separator: "\n") { out += "  \(line)\n" }
        }
        return out
    }
}

// MARK: - delete

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete objects by file or by name.")
    @OptionGroup var client: ClientOptions
    @Option(name: .shortAndLong, help: "File, directory or - (repeatable).")
    var filename: [String] = []
    @Argument(help: "KIND NAME..., or KIND/NAME.")
    var args: [String] = []
    @Option(name: .shortAndLong, help: "Namespace.")
    var namespace: String?
    @Option(name: .long, help: "Cascade: background, foreground or orphan.")
    var cascade: String = "background"
    @Option(name: .long, help: "Grace period in seconds for pods (0 = immediately).")
    var gracePeriod: Int?
    @Flag(name: .long, help: "Treat not-found as success.")
    var ignoreNotFound = false

    func run() async throws {
        let policy: String
        switch cascade {
        case "background", "true": policy = "Background"
        case "foreground": policy = "Foreground"
        case "orphan", "false": policy = "Orphan"
        default: throw ValidationError("--cascade must be background, foreground or orphan")
        }
        try await runClient {
            let c = try client.client()
            var targets: [(ResourceInfo, String?, String)] = []
            if !filename.isEmpty {
                for (source, doc) in try readManifests(filename) {
                    let r = try resource(of: doc, source: source)
                    let ns = r.namespaced ? (doc[path: ["metadata", "namespace"]]?.stringValue ?? namespace ?? "default") : nil
                    targets.append((r, ns, doc[path: ["metadata", "name"]]?.stringValue ?? ""))
                }
            } else {
                guard let first = args.first else { throw ValidationError("specify -f FILE or KIND NAME") }
                var rest = Array(args.dropFirst())
                var kindName = first
                if let slash = first.firstIndex(of: "/") {
                    kindName = String(first[..<slash])
                    rest.insert(String(first[first.index(after: slash)...]), at: 0)
                }
                let r = try resolveResource(kindName)
                guard !rest.isEmpty else { throw ValidationError("specify the name of the \(r.singular) to delete") }
                for n in rest { targets.append((r, r.namespaced ? (namespace ?? "default") : nil, n)) }
            }
            var failed = false
            for (r, ns, name) in targets {
                do {
                    try await c.delete(r, namespace: ns, name: name, propagationPolicy: policy, gracePeriodSeconds: gracePeriod)
                    print("\(r.qualifiedSingular) \"\(name)\" deleted")
                } catch let e as GantryError where e.code == .notFound {
                    if !ignoreNotFound {
                        printError("Error from server (NotFound): \(e.message)")
                        failed = true
                    }
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}

// MARK: - scale

struct ScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scale", abstract: "Set the replicas of a Deployment or ReplicaSet.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "KIND/NAME or KIND NAME.")
    var args: [String]
    @Option(help: "The new number of replicas.")
    var replicas: Int
    @Option(name: .shortAndLong, help: "Namespace.")
    var namespace: String?

    func run() async throws {
        try await runClient {
            var kindName = args[0]
            var name = args.count > 1 ? args[1] : ""
            if let slash = kindName.firstIndex(of: "/") {
                name = String(kindName[kindName.index(after: slash)...])
                kindName = String(kindName[..<slash])
            }
            let r = try resolveResource(kindName)
            guard r.subresources.contains("scale") else {
                throw GantryError(.badRequest, "\(r.qualifiedName) cannot be scaled")
            }
            guard !name.isEmpty else { throw ValidationError("specify the name to scale") }
            _ = try await client.client().patch(r, namespace: namespace ?? "default", name: name,
                                                ["spec": ["replicas": .int(Int64(replicas))]], type: .merge, subresource: "scale")
            print("\(r.qualifiedSingular)/\(name) scaled")
        }
    }
}

// MARK: - logs

/// The pod (and container) a command is about: `POD [-c CONTAINER] [-n NAMESPACE]`.
struct PodTarget: ParsableArguments {
    @Argument(help: "Pod name (or pod/NAME).")
    var pod: String
    @Option(name: .shortAndLong, help: "Container (default: the only one).")
    var container: String?
    @Option(name: .shortAndLong, help: "Namespace.")
    var namespace: String?

    /// The pod's name without a `pod/` prefix.
    var podName: String { pod.hasPrefix("pod/") ? String(pod.dropFirst(4)) : pod }
}

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print the logs of a container in a pod.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var target: PodTarget
    @Flag(name: .shortAndLong, help: "Follow the log.")
    var follow = false
    @Option(help: "Lines from the end to show.")
    var tail: Int?
    @Flag(name: [.customShort("p"), .long], help: "The previous instance of the container.")
    var previous = false
    @Flag(help: "Prefix lines with timestamps.")
    var timestamps = false
    @Option(help: "Only lines newer than this many seconds.")
    var sinceSeconds: Int?

    func run() async throws {
        try await runClient {
            let name = target.podName
            var q: [String: String] = [:]
            if let container = target.container { q["container"] = container }
            if follow { q["follow"] = "true" }
            if let tail { q["tailLines"] = String(tail) }
            if previous { q["previous"] = "true" }
            if timestamps { q["timestamps"] = "true" }
            if let sinceSeconds { q["sinceSeconds"] = String(sinceSeconds) }
            let c = try client.client()
            let path = GantryClient.path(.pods, namespace: target.namespace ?? "default", name: name, subresource: "log")
            if !follow {
                let r = try await c.raw(.GET, path, query: q, accept: "*/*")
                guard r.status == 200 else { throw GantryClient.error(from: r) }
                FileHandle.standardOutput.write(r.body)
                return
            }
            for try await chunk in try await c.stream(.GET, path, query: q) {
                FileHandle.standardOutput.write(Data(chunk))
            }
        }
    }
}

// MARK: - top

struct TopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "top", abstract: "Show CPU and memory use of nodes or pods.",
                                                    discussion: "gantry top nodes | gantry top pods [-n NS | -A]")
    @OptionGroup var client: ClientOptions
    @Argument(help: "nodes or pods.")
    var what: String
    @Option(name: .shortAndLong, help: "Namespace (pods).")
    var namespace: String?
    @Flag(name: [.customShort("A"), .long], help: "All namespaces (pods).")
    var allNamespaces = false

    static func cores(_ v: JSONValue?) -> String {
        guard let n = v?["usageNanoCores"]?.intValue else { return "<unknown>" }
        return "\(n / 1_000_000)m"
    }

    static func mem(_ v: JSONValue?) -> String { "\((v?["workingSetBytes"]?.intValue ?? 0) / (1024 * 1024))Mi" }

    func run() async throws {
        try await runClient {
            let c = try client.client()
            let nodes = (try await c.list(.nodes, namespace: nil)["items"]?.arrayValue ?? [])
            var summaries: [(String, JSONValue, JSONValue)] = []
            for n in nodes {
                guard let name = n[path: ["metadata", "name"]]?.stringValue else { continue }
                // Two samples a moment apart, so CPU rates exist even on the first call.
                _ = try? await c.call(.GET, "/api/v1/nodes/\(name)/proxy/stats/summary")
                try await Task.sleep(for: .milliseconds(500))
                if let s = try? await c.call(.GET, "/api/v1/nodes/\(name)/proxy/stats/summary") { summaries.append((name, n, s)) }
            }
            switch what {
            case "nodes", "node", "no":
                var lines = [["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]]
                for (name, node, s) in summaries {
                    let cpuCap = (try? Quantity(node[path: ["status", "allocatable", "cpu"]]?.stringValue ?? "1"))?.milliValue ?? 1000
                    let memCap = (try? Quantity(node[path: ["status", "allocatable", "memory"]]?.stringValue ?? "1"))?.value ?? 1
                    let used = (s[path: ["node", "cpu", "usageNanoCores"]]?.intValue ?? 0) / 1_000_000
                    let ws = s[path: ["node", "memory", "workingSetBytes"]]?.intValue ?? 0
                    lines.append([name, Self.cores(s[path: ["node", "cpu"]]), "\(used * 100 / max(1, cpuCap))%",
                                  Self.mem(s[path: ["node", "memory"]]), "\(ws * 100 / max(1, memCap))%"])
                }
                print(columns(lines), terminator: "")
            case "pods", "pod", "po":
                let ns = allNamespaces ? nil : (namespace ?? "default")
                var lines = [allNamespaces ? ["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"] : ["NAME", "CPU(cores)", "MEMORY(bytes)"]]
                for (_, _, s) in summaries {
                    for p in s["pods"]?.arrayValue ?? [] {
                        let pns = p[path: ["podRef", "namespace"]]?.stringValue ?? ""
                        if let ns, pns != ns { continue }
                        let row = [p[path: ["podRef", "name"]]?.stringValue ?? "", Self.cores(p["cpu"]), Self.mem(p["memory"])]
                        lines.append(allNamespaces ? [pns] + row : row)
                    }
                }
                if lines.count == 1 { printError("No resources found"); return }
                print(columns(lines), terminator: "")
            default:
                throw ValidationError("gantry top takes nodes or pods")
            }
        }
    }
}
