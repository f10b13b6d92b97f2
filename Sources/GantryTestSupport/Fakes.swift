import Foundation
import GantryAPI
import GantryRuntime

/// An in-memory `ContainerRuntime` for unit tests: containers "run" until the test ends them or they
/// are killed (SIGTERM ends them with 0 unless `ignoresSIGTERM`, SIGKILL with 137).
public actor FakeRuntime: ContainerRuntime {
    public struct Container: Sendable {
        public var spec: ContainerSpec
        public var info: ContainerInfo
        public var exit: ExitStatus?
    }

    public private(set) var containers: [String: Container] = [:]
    public private(set) var created: [ContainerSpec] = []
    private var waiters: [String: [CheckedContinuation<ExitStatus, Error>]] = [:]
    public var ignoresSIGTERM = false
    /// Exec results by the first argument.
    public var execResults: [String: Int32] = [:]
    public private(set) var execs: [[String]] = []

    public init() {}

    public func setIgnoresSIGTERM(_ v: Bool) { ignoresSIGTERM = v }
    public func setExecResult(_ cmd: String, _ code: Int32) { execResults[cmd] = code }

    public func version() async throws -> String { "fake://1.0" }

    public func create(_ spec: ContainerSpec) async throws {
        guard containers[spec.id] == nil else { throw GantryError(.alreadyExists, "container \(spec.id) exists") }
        var info = ContainerInfo(id: spec.id, status: .created)
        info.labels = spec.labels
        containers[spec.id] = Container(spec: spec, info: info)
        created.append(spec)
    }

    public func start(_ id: String) async throws {
        guard containers[id] != nil else { throw GantryError(.notFound, "no container \(id)") }
        containers[id]!.info.status = .running
        containers[id]!.info.startedAt = Date()
        // Like a real container's first words, in the CRI log format.
        let path = containers[id]!.spec.logPath
        let line = "\(Date().ISO8601Format()) stdout F started \(containers[id]!.spec.args.joined(separator: " "))\n"
        if let h = FileHandle(forWritingAtPath: path) {
            h.seekToEndOfFile()
            h.write(Data(line.utf8))
            try? h.close()
        } else {
            FileManager.default.createFile(atPath: path, contents: Data(line.utf8))
        }
    }

    /// Ends a running container with `code` (as if its process exited).
    public func finish(_ id: String, code: Int32, oom: Bool = false) {
        guard var c = containers[id], c.info.status == .running else { return }
        let status = ExitStatus(exitCode: code, oomKilled: oom, finishedAt: Date())
        c.info.status = .stopped
        c.info.exitCode = code
        c.info.oomKilled = oom
        c.exit = status
        containers[id] = c
        for w in waiters[id] ?? [] { w.resume(returning: status) }
        waiters[id] = nil
    }

    /// The ids of running containers whose label `gantry.io/container` is `name`.
    public func running(named name: String) -> [String] {
        containers.values.filter { $0.info.status == .running && $0.spec.labels["gantry.io/container"] == name }.map(\.spec.id).sorted()
    }

    public func kill(_ id: String, signal: Int32) async throws {
        guard containers[id] != nil else { return }
        if signal == SIGKILL { finish(id, code: 137) } else if signal == SIGTERM, !ignoresSIGTERM { finish(id, code: 0) }
    }

    public func wait(_ id: String) async throws -> ExitStatus {
        guard let c = containers[id] else { throw GantryError(.notFound, "no container \(id)") }
        if let e = c.exit { return e }
        return try await withCheckedThrowingContinuation { waiters[id, default: []].append($0) }
    }

    public func delete(_ id: String, force: Bool) async throws {
        if force { finish(id, code: 137) }
        containers[id] = nil
    }

    public func info(_ id: String) async throws -> ContainerInfo? { containers[id]?.info }

    public func list() async throws -> [ContainerInfo] { containers.values.map(\.info) }

    public func exec(_ id: String, _ spec: ExecSpec) async throws -> ExecSession {
        execs.append(spec.args)
        let code = execResults[spec.args.first ?? ""] ?? 0
        let (out, cont) = AsyncStream<(Int, [UInt8])>.makeStream()
        cont.finish()
        return ExecSession(stdin: nil, output: out, resize: { _, _ in }, wait: { code })
    }
}

/// An in-memory `ImageStore`: knows the images it was given; anything else is "manifest unknown".
public actor FakeImageStore: ImageStore {
    public var known: [String: ImageConfig]
    public private(set) var pulls: [String] = []
    public private(set) var present: [String: StoredImage] = [:]
    public private(set) var mounted: Set<String> = []

    public init(known: [String: ImageConfig] = [:]) { self.known = known }

    public func pull(_ reference: String, credentials: RegistryCredentials?) async throws -> StoredImage {
        pulls.append(reference)
        guard let config = known[reference] else {
            throw GantryError(.notFound, "failed to pull image \(reference): manifest unknown")
        }
        let img = StoredImage(names: [reference], digest: "sha256:" + String(repeating: "a", count: 64), layers: [], config: config, size: 1)
        present[reference] = img
        return img
    }

    public func image(_ reference: String) async throws -> StoredImage? { present[reference] }
    public func list() async throws -> [StoredImage] { Array(present.values) }
    public func importArchive(_ path: String) async throws -> [StoredImage] { [] }
    public func remove(_ reference: String) async throws { present[reference] = nil }
    public func prune(keep: Set<String>) async throws -> [StoredImage] { [] }
    public func mountRootfs(_ image: StoredImage, target: String, scratch: String) async throws { mounted.insert(target) }
    public func unmountRootfs(target: String, scratch: String) async throws { mounted.remove(target) }
}

/// An in-memory `NetworkPlugin` handing out 10.88.0.x addresses.
public actor FakeNetwork: NetworkPlugin {
    public private(set) var sandboxes: [String: SandboxNetwork] = [:]
    private var next = 2
    public init() {}

    public func setUp(sandboxID: String, netns: String, podName: String, podNamespace: String, ports: [PortMapping])
        async throws -> SandboxNetwork
    {
        if let s = sandboxes[sandboxID] { return s }
        let s = SandboxNetwork(ip: "10.88.0.\(next)", gateway: "10.88.0.1", interfaceName: "eth0")
        next += 1
        sandboxes[sandboxID] = s
        return s
    }

    public func tearDown(sandboxID: String, netns: String, ports: [PortMapping]) async throws { sandboxes[sandboxID] = nil }
    public func check(sandboxID: String, netns: String, ports: [PortMapping]) async throws {}
}
