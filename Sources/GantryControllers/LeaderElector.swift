import Foundation
import GantryAPI
import GantryClient
import Logging
import ServiceLifecycle

/// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection: the holder renews the
/// Lease; others take it over once it has not been renewed for its duration. Only the leader runs `lead`.
public struct LeaderElector: ServiceLifecycle.Service {
    /// Lease namespace and name.
    public var namespace = "kube-system"
    public var name: String
    /// This candidate's identity (`holderIdentity`).
    public var identity: String
    /// How long a Lease holds without renewal. Short, so that when the leading server dies another server's
    /// controllers take over within `leaseDuration + retryPeriod` (2.5 s); the leader renews every `retryPeriod`.
    public var leaseDuration: Duration = .seconds(2)
    public var retryPeriod: Duration = .milliseconds(500)
    let client: GantryClient
    let clock: any ControllerClock
    let logger: Logger
    let lead: @Sendable () async -> Void

    /// Creates an elector; `lead` runs while this candidate leads and is cancelled when it stops leading.
    public init(client: GantryClient, name: String, identity: String, clock: any ControllerClock = SystemClock(),
                logger: Logger, lead: @escaping @Sendable () async -> Void) {
        self.client = client
        self.name = name
        self.identity = identity
        self.clock = clock
        self.logger = logger
        self.lead = lead
    }

    public func run() async throws {
        var leading: Task<Void, Never>? = nil
        var lastRenewed: Date? = nil
        var observed: (renew: String?, at: Date)? = nil
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = clock.now
            do {
                if try await acquireOrRenew(now: now, observed: &observed) {
                    lastRenewed = now
                    if leading == nil {
                        logger.info("became leader", metadata: ["lease": "\(namespace)/\(name)", "identity": "\(identity)"])
                        let lead = self.lead
                        leading = Task { await lead() }
                    }
                } else if leading != nil {
                    logger.notice("lost leadership", metadata: ["lease": "\(namespace)/\(name)"])
                    leading?.cancel()
                    await leading?.value
                    leading = nil
                }
            } catch {
                logger.debug("leader election failed", metadata: ["error": "\(error)"])
                if let t = leading, let last = lastRenewed, now.timeIntervalSince(last) > leaseDuration.seconds {
                    logger.notice("lost leadership: lease not renewed", metadata: ["lease": "\(namespace)/\(name)"])
                    t.cancel()
                    await t.value
                    leading = nil
                }
            }
            try? await cancelWhenGracefulShutdown { try await clock.sleep(for: retryPeriod) }
        }
        if let t = leading {
            t.cancel()
            await t.value
            await release()
        }
    }

    /// One election round: true if this candidate holds the Lease afterwards.
    func acquireOrRenew(now: Date, observed: inout (renew: String?, at: Date)?) async throws -> Bool {
        let ts = Timestamp.microTime(now)
        let seconds = Int(leaseDuration.seconds.rounded(.up))
        let existing: Lease
        do {
            existing = try await client.get(Lease.self, namespace: namespace, name: name)
        } catch let e as GantryError where e.code == .notFound {
            let lease = Lease(metadata: ObjectMeta(name: name, namespace: namespace),
                              spec: LeaseSpec(holderIdentity: identity, leaseDurationSeconds: seconds, acquireTime: ts,
                                              renewTime: ts, leaseTransitions: 0))
            _ = try await client.create(lease)
            return true
        }
        var lease = existing
        var spec = lease.spec ?? LeaseSpec()
        let holder = spec.holderIdentity ?? ""
        if holder != identity {
            // Someone else's: take it only once it has gone unrenewed for its whole duration, as seen by us.
            if observed?.renew != spec.renewTime { observed = (spec.renewTime, now) }
            let duration = TimeInterval(spec.leaseDurationSeconds ?? seconds)
            guard holder.isEmpty || now.timeIntervalSince(observed?.at ?? now) > duration else { return false }
            spec.leaseTransitions = (spec.leaseTransitions ?? 0) + 1
            spec.acquireTime = ts
        }
        spec.holderIdentity = identity
        spec.leaseDurationSeconds = seconds
        spec.renewTime = ts
        lease.spec = spec
        _ = try await client.update(lease)
        return true
    }

    /// Gives the Lease up, so another candidate takes over at once.
    func release() async {
        guard var lease = try? await client.get(Lease.self, namespace: namespace, name: name),
              lease.spec?.holderIdentity == identity else { return }
        lease.spec?.holderIdentity = nil
        lease.spec?.leaseDurationSeconds = 1
        _ = try? await client.update(lease)
    }
}

extension Timestamp {
    /// A Kubernetes MicroTime (`2006-01-02T15:04:05.000000Z`).
    public static func microTime(_ date: Date) -> String { RFC3339.formatMicro(date) }
}
