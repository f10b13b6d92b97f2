import Foundation
import GantryAPI
import GantryClient
import GantryRuntime
import Logging
import ServiceLifecycle

/// Settings of the service proxy.
public struct ServiceProxyConfig: Sendable {
    public var iptables = "/usr/sbin/iptables"
    public var iptablesRestore = "/usr/sbin/iptables-restore"
    public var iptablesSave = "/usr/sbin/iptables-save"
    /// Changes arriving within this long of each other are applied in one sync.
    public var coalesce: Duration = .milliseconds(5)
    /// Rules are rewritten at least this often, repairing anything that changed them behind our back.
    public var resyncPeriod: Duration = .seconds(30)
    public init() {}
}

/// The service proxy of one node (kube-proxy's iptables mode): watches Services and Endpoints and keeps the
/// node's iptables rules sending cluster IPs and node ports to ready endpoints anywhere in the cluster.
///
/// Each sync replaces all of Gantry's chains in one `iptables-restore --noflush` transaction, so a packet
/// sees either the old rules or the new ones, and deletes Gantry chains no longer wanted — including those
/// a previous run left behind, so a restart leaves nothing stale. Rules are left in place on shutdown:
/// traffic keeps flowing while the agent restarts.
public final class ServiceProxy: ServiceLifecycle.Service, @unchecked Sendable {
    let services: Informer<GantryAPI.Service>
    let endpoints: Informer<Endpoints>
    let config: ServiceProxyConfig
    let logger: Logger
    private let lock = NSLock()
    private var last: [ProxyServicePort]? = nil
    /// The proxy's chains after the last sync, per table (nil: ask iptables-save).
    private var known: [String: [String]]? = nil
    private var syncs = 0
    private let (changes, changed) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

    public init(client: GantryClient, config: ServiceProxyConfig = ServiceProxyConfig(), logger: Logger) {
        self.services = Informer(client: client, logger: logger)
        self.endpoints = Informer(client: client, logger: logger)
        self.config = config
        self.logger = logger
        services.addHandler { [changed] _ in changed.yield() }
        endpoints.addHandler { [changed] _ in changed.yield() }
    }

    /// How many times the rules have been written (for tests and benchmarks).
    public var syncCount: Int { lock.withLock { syncs } }

    /// Checks the tools and kernel settings the proxy needs; throws naming what is missing.
    public func preflight() throws {
        for tool in [config.iptables, config.iptablesRestore, config.iptablesSave] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw GantryError(.unavailable, "the service proxy needs \(tool): install the iptables package")
        }
        // Node ports on 127.0.0.1 need loopback-sourced packets routed out to pods (and masqueraded on the way);
        // pods reaching a Service backed by a pod on the same bridge need bridged traffic to pass iptables.
        Self.writeSysctl("/proc/sys/net/ipv4/conf/all/route_localnet", "1")
        Self.writeSysctl("/proc/sys/net/ipv4/ip_forward", "1")
        Self.writeSysctl("/proc/sys/net/bridge/bridge-nf-call-iptables", "1")
    }

    static func writeSysctl(_ path: String, _ value: String) {
        guard let fh = FileHandle(forWritingAtPath: path) else { return }
        try? fh.write(contentsOf: Data(value.utf8))
        try? fh.close()
    }

    public func run() async throws {
        try preflight()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.services.run() }
            group.addTask { try await self.endpoints.run() }
            group.addTask { try await cancelWhenGracefulShutdown { await self.syncLoop() } }
            try await group.waitForAll()
        }
    }

    private func syncLoop() async {
        await services.waitForSync()
        await endpoints.waitForSync()
        await RuleSync.loop(changes: changes, changed: changed, config: config, name: "service proxy sync", logger: logger) { full, repair in
            try await sync(force: full, ensureJumps: repair)
        }
    }

    /// Writes the rules for the current Services and Endpoints (skipped if nothing changed unless `force`).
    public func sync(force: Bool = false, ensureJumps: Bool = false) async throws {
        let ports = ProxyRules.servicePorts(services: services.list(), endpoints: endpoints.list())
        if !force, lock.withLock({ last == ports }) { return }
        let start = ContinuousClock.now
        // Which of our chains exist: asked of iptables on a full sync (a restart, the periodic repair), else
        // remembered from the last sync (iptables-save of a busy host's tables costs more than the restore).
        var existing = lock.withLock { force ? nil : known }
        if existing == nil {
            let saved = try await Command.run(config.iptablesSave, [])
            guard saved.status == 0 else { throw GantryError(.internalError, "iptables-save failed: \(saved.stderr)") }
            existing = ProxyRules.existingChains(iptablesSave: saved.stdout)
        }
        let input = ProxyRules.restoreInput(ports, staleNat: existing?["nat"] ?? [], staleFilter: existing?["filter"] ?? [])
        let restored = try await Command.run(config.iptablesRestore, ["--noflush", "-w", "5"], stdin: input)
        guard restored.status == 0 else {
            lock.withLock { known = nil }
            throw GantryError(.internalError, "iptables-restore failed: \(restored.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let now = ProxyRules.declaredChains(restoreInput: input)
        if ensureJumps {
            for j in ProxyRules.jumps {
                let check = try await Command.run(config.iptables, ["-w", "5", "-t", j.table, "-C", j.chain] + j.rule)
                if check.status != 0 {
                    let add = try await Command.run(config.iptables, ["-w", "5", "-t", j.table, "-I", j.chain, "1"] + j.rule)
                    guard add.status == 0 else { throw GantryError(.internalError, "iptables -I \(j.chain) failed: \(add.stderr)") }
                }
            }
        }
        lock.withLock {
            last = ports
            known = now
            syncs += 1
        }
        logger.debug("service proxy rules synced", metadata: [
            "ports": "\(ports.count)", "endpoints": "\(ports.reduce(0) { $0 + $1.endpoints.count })",
            "took": "\(ContinuousClock.now - start)",
        ])
    }
}

/// Runs a short-lived command (iptables, ip, sysctl) on a thread of its own and collects its output, through
/// `ChildProcess` (posix_spawn): the proxy runs inside the agent, where Foundation's `Process` is not safe to use.
enum Command {
    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ path: String, _ args: [String], stdin: String? = nil) async throws -> Output {
        let out = try await ChildProcess.run(path, args, stdin: Data((stdin ?? "").utf8), timeout: .seconds(60))
        return Output(status: out.status, stdout: out.stdoutText, stderr: out.stderrText)
    }
}

/// The loop the host's rule writers (the service proxy, the network policy enforcer) run: a sync for each burst
/// of changes (coalesced), a full one every `resyncPeriod` (repairing what changed behind their back), and, after
/// a failure, retries with back-off whose next sync is full and repairs the jumps into the built-in chains.
enum RuleSync {
    static func loop(changes: AsyncStream<Void>, changed: AsyncStream<Void>.Continuation, config: ServiceProxyConfig,
                     name: String, logger: Logger, sync: (_ full: Bool, _ repair: Bool) async throws -> Void) async {
        let period = config.resyncPeriod
        let ticker = Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: period) } catch { return }
                changed.yield()
            }
        }
        defer { ticker.cancel() }
        var repair = true
        var lastFull = ContinuousClock.now - period
        var backoff = Backoff(initial: .milliseconds(500), cap: .seconds(30))
        var log = RetryLog(name, logger: logger)
        var it = changes.makeAsyncIterator()
        repeat {
            // Let a burst of changes settle into one sync.
            do { try await Task.sleep(for: config.coalesce) } catch { return }
            let full = repair || ContinuousClock.now - lastFull >= period
            do {
                try await sync(full, repair)
                repair = false
                if full { lastFull = ContinuousClock.now }
                log.succeeded()
                backoff.reset()
            } catch {
                if Task.isCancelled || isCancellation(error) { return }
                log.failed(error)
                repair = true
                do { try await backoff.wait() } catch { return }
                changed.yield()
            }
        } while await it.next() != nil && !Task.isCancelled
    }
}
