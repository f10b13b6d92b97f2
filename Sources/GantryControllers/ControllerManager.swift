import Foundation
import GantryMetrics
import GantryAPI
import GantryClient
import Logging
import ServiceLifecycle

/// Settings of the controllers and the scheduler inside `gantry server` and `gantry dev`.
public struct ControllerManagerConfig: Sendable {
    /// Workers per controller.
    public var workers = 4
    /// Node failure detection.
    public var nodeLifecycle = NodeLifecycleConfig()
    /// Run only while holding the `kube-system/gantry-controller-manager` Lease.
    public var leaderElection = true
    /// This server's identity in leader election.
    public var identity = ProcessInfo.processInfo.hostName + "_" + UUID().uuidString.prefix(8).lowercased()
    /// Run the scheduler as well.
    public var scheduler = true
    /// Scheduler settings.
    public var schedulerConfig = SchedulerServiceConfig()
    /// How often the garbage collector looks again at objects owned by kinds it does not watch (custom resources).
    public var foreignOwnerResync: Duration = .seconds(3)
    /// How often every HorizontalPodAutoscaler is looked at (kube-controller-manager's
    /// `--horizontal-pod-autoscaler-sync-period`).
    public var hpaSyncPeriod: Duration = .seconds(15)
    /// How long Events are kept after they last happened (kube-apiserver's `--event-ttl`).
    public var eventTTL: Duration = .seconds(3600)
    /// Where the work queues and the scheduler record their metrics (the server's; nil: none).
    public var metrics: GantryMetrics?
    public init() {}
}

/// The built-in controllers and the scheduler, as one set of services: shared informers that always run, and
/// the controllers, which run only on the elected leader.
public final class ControllerManager: Sendable {
    let client: GantryClient
    let config: ControllerManagerConfig
    let logger: Logger
    let clock: any ControllerClock
    let pods: Informer<Pod>
    let nodes: Informer<Node>
    let leases: Informer<Lease>
    let replicaSets: Informer<ReplicaSet>
    let replicationControllers: Informer<ReplicationController>
    let deployments: Informer<Deployment>
    let daemonSets: Informer<DaemonSet>
    let statefulSets: Informer<StatefulSet>
    let jobs: Informer<Job>
    let cronJobs: Informer<CronJob>
    let budgets: Informer<PodDisruptionBudget>
    let serviceInformer: Informer<GantryAPI.Service>
    let endpoints: Informer<Endpoints>
    let endpointSlices: Informer<EndpointSlice>
    let claims: Informer<PersistentVolumeClaim>
    let volumes: Informer<PersistentVolume>
    let storageClasses: Informer<StorageClass>
    /// For the garbage collector: ConfigMaps and Secrets that operators and Helm charts give owners.
    let configMaps: Informer<ConfigMap>
    let secrets: Informer<Secret>
    let runners: [ControllerRunner]
    let garbageCollector: GarbageCollector
    let nodeLifecycle: NodeLifecycleController
    let scheduler: SchedulerService?

    /// `schedulerClient` is who the scheduler binds pods and records events as (`system:kube-scheduler` in a secured
    /// cluster); nil: the controllers' client.
    public init(client: GantryClient, schedulerClient: GantryClient? = nil, config: ControllerManagerConfig = ControllerManagerConfig(),
                clock: any ControllerClock = SystemClock(), logger: Logger) {
        self.client = client
        self.config = config
        self.logger = logger
        self.clock = clock
        pods = Informer(client: client, logger: logger)
        nodes = Informer(client: client, logger: logger)
        leases = Informer(client: client, fieldSelector: "metadata.namespace=kube-node-lease", logger: logger)
        replicaSets = Informer(client: client, logger: logger)
        replicationControllers = Informer(client: client, logger: logger)
        deployments = Informer(client: client, logger: logger)
        daemonSets = Informer(client: client, logger: logger)
        statefulSets = Informer(client: client, logger: logger)
        jobs = Informer(client: client, logger: logger)
        cronJobs = Informer(client: client, logger: logger)
        budgets = Informer(client: client, logger: logger)
        serviceInformer = Informer(client: client, logger: logger)
        endpoints = Informer(client: client, logger: logger)
        endpointSlices = Informer(client: client, logger: logger)
        claims = Informer(client: client, logger: logger)
        volumes = Informer(client: client, logger: logger)
        storageClasses = Informer(client: client, logger: logger)
        configMaps = Informer(client: client, logger: logger)
        secrets = Informer(client: client, logger: logger)
        func context(_ component: String) -> ControllerContext {
            ControllerContext(client: client, component: component, clock: clock, logger: logger)
        }

        let rs = ReplicaSetController(context: context("replicaset-controller"), replicaSets: replicaSets, pods: pods)
        let rc = ReplicationControllerController(context: context("replication-controller"), replicaSets: replicationControllers, pods: pods)
        let dep = DeploymentController(context: context("deployment-controller"), deployments: deployments, replicaSets: replicaSets,
                                       pods: pods)
        let ds = DaemonSetController(context: context("daemonset-controller"), daemonSets: daemonSets, nodes: nodes, pods: pods)
        let sts = StatefulSetController(context: context("statefulset-controller"), statefulSets: statefulSets, pods: pods, claims: claims)
        let pv = PersistentVolumeController(context: context("persistentvolume-controller"), claims: claims, volumes: volumes,
                                            classes: storageClasses, pods: pods, nodes: nodes)
        let job = JobController(context: context("job-controller"), jobs: jobs, pods: pods)
        let cron = CronJobController(context: context("cronjob-controller"), cronJobs: cronJobs, jobs: jobs)
        let disruption = DisruptionController(context: context("disruption-controller"), budgets: budgets, pods: pods,
                                              replicaSets: replicaSets, deployments: deployments)
        let gc = GarbageCollector(client: client, sources: [MetadataSource(pods), MetadataSource(replicaSets), MetadataSource(replicationControllers), MetadataSource(deployments),
                                                            MetadataSource(daemonSets), MetadataSource(statefulSets), MetadataSource(jobs), MetadataSource(cronJobs), MetadataSource(endpointSlices),
                                                            MetadataSource(serviceInformer), MetadataSource(claims),
                                                            MetadataSource(configMaps), MetadataSource(secrets)],
                                  clock: clock, logger: logger)
        let eps = EndpointsController(context: context("endpoint-controller"), services: serviceInformer, endpoints: endpoints, pods: pods)
        eps.register()
        let slices = EndpointSliceController(context: context("endpointslice-controller"), services: serviceInformer,
                                             slices: endpointSlices, pods: pods)
        slices.register()
        rs.register()
        rc.register()
        dep.register()
        ds.register()
        sts.register()
        pv.register()
        job.register()
        cron.register()
        disruption.register()
        gc.register()
        garbageCollector = gc
        runners = [
            ControllerRunner(name: "replicaset", queue: rs.queue, reconciler: rs, workers: config.workers, logger: logger),
            ControllerRunner(name: "replicationcontroller", queue: rc.queue, reconciler: rc, workers: config.workers, logger: logger),
            ControllerRunner(name: "deployment", queue: dep.queue, reconciler: dep, workers: config.workers, logger: logger),
            ControllerRunner(name: "daemonset", queue: ds.queue, reconciler: ds, workers: config.workers, logger: logger),
            ControllerRunner(name: "statefulset", queue: sts.queue, reconciler: sts, workers: config.workers, logger: logger),
            ControllerRunner(name: "persistentvolume", queue: pv.queue, reconciler: pv, workers: config.workers, logger: logger),
            ControllerRunner(name: "job", queue: job.queue, reconciler: job, workers: config.workers, logger: logger),
            ControllerRunner(name: "cronjob", queue: cron.queue, reconciler: cron, workers: config.workers, logger: logger),
            ControllerRunner(name: "disruption", queue: disruption.queue, reconciler: disruption, workers: config.workers, logger: logger),
            ControllerRunner(name: "endpoints", queue: eps.queue, reconciler: eps, workers: config.workers, logger: logger),
            ControllerRunner(name: "endpointslice", queue: slices.queue, reconciler: slices, workers: config.workers, logger: logger),
            ControllerRunner(name: "garbage-collector", queue: gc.queue, reconciler: gc, workers: config.workers, logger: logger),
        ]
        if let m = config.metrics { for r in runners { r.queue.instrument(name: r.name, metrics: m) } }
        nodeLifecycle = NodeLifecycleController(context: context("node-controller"), nodes: nodes, leases: leases, pods: pods,
                                                config: config.nodeLifecycle)
        nodeLifecycle.register()
        if config.scheduler {
            let own = schedulerClient ?? client
            let recorder = ControllerContext(client: own, component: "default-scheduler", clock: clock, logger: logger).recorder
            let s = SchedulerService(client: own, pods: pods, nodes: nodes, volumes: SchedulerVolumes(claims: claims, volumes: volumes, classes: storageClasses),
                                     config: config.schedulerConfig, recorder: recorder, metrics: config.metrics, logger: logger)
            s.register()
            scheduler = s
        } else {
            scheduler = nil
        }
    }

    /// The services to run: the informers, and the leader-elected controllers.
    public var services: [any ServiceLifecycle.Service] {
        let informers: [any ServiceLifecycle.Service] = [pods, nodes, leases, replicaSets, replicationControllers, deployments, daemonSets, statefulSets, jobs, cronJobs, budgets, serviceInformer, endpoints, endpointSlices, claims, volumes, storageClasses, configMaps, secrets]
        let lead: @Sendable () async -> Void = { [self] in await self.runControllers() }
        if !config.leaderElection { return informers + [RunUntilShutdown(lead)] }
        return informers + [LeaderElector(client: client, name: "gantry-controller-manager", identity: config.identity,
                                          clock: clock, logger: logger, lead: lead)]
    }

    /// Runs every controller and the scheduler until cancelled.
    func runControllers() async {
        await pods.waitForSync()
        await nodes.waitForSync()
        await replicaSets.waitForSync()
        await replicationControllers.waitForSync()
        await deployments.waitForSync()
        await daemonSets.waitForSync()
        await statefulSets.waitForSync()
        await jobs.waitForSync()
        await serviceInformer.waitForSync()
        await endpoints.waitForSync()
        await endpointSlices.waitForSync()
        await claims.waitForSync()
        await volumes.waitForSync()
        await storageClasses.waitForSync()
        await configMaps.waitForSync()
        await secrets.waitForSync()
        logger.info("controllers starting")
        await withTaskGroup(of: Void.self) { group in
            for r in runners { group.addTask { await r.run() } }
            group.addTask { await self.nodeLifecycle.run() }
            group.addTask {
                // Owners the informers do not watch (custom resources) are looked at again every few seconds.
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.config.foreignOwnerResync)
                    if Task.isCancelled { return }
                    self.garbageCollector.resyncForeignOwners()
                }
            }
            if let s = scheduler { group.addTask { await s.run() } }
            let ttl = EventTTLController(client: client, ttl: config.eventTTL, clock: clock, logger: logger)
            group.addTask { await ttl.run() }
            let hpa = HorizontalPodAutoscalerController(
                context: ControllerContext(client: client, component: "horizontal-pod-autoscaler", clock: clock, logger: logger),
                interval: config.hpaSyncPeriod)
            group.addTask { await hpa.run() }
        }
    }
}

/// Runs an async function until graceful shutdown cancels it.
struct RunUntilShutdown: ServiceLifecycle.Service {
    let body: @Sendable () async -> Void
    init(_ body: @escaping @Sendable () async -> Void) { self.body = body }
    func run() async throws {
        await cancelWhenGracefulShutdown { await body() }
    }
}
