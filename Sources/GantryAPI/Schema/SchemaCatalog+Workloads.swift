// apps/v1 (Deployment, ReplicaSet, DaemonSet), batch/v1 (Job, CronJob), coordination.k8s.io/v1 (Lease),
// discovery.k8s.io/v1 (EndpointSlice) and
// autoscaling/v1 (Scale). Format: see `SchemaDSL`.

let workloadsSchemaSource = """
@apps.Deployment gvk=apps/v1/Deployment | Deployment enables declarative updates for Pods and ReplicaSets.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec apps.DeploymentSpec | Specification of the desired behavior of the Deployment.
  status apps.DeploymentStatus | Most recently observed status of the Deployment.

@apps.DeploymentList gvk=apps/v1/DeploymentList | DeploymentList is a list of Deployments.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []apps.Deployment req | Items is the list of Deployments.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@apps.DeploymentSpec | DeploymentSpec is the specification of the desired behavior of the Deployment.
  minReadySeconds int32 | Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.
  paused boolean | Indicates that the deployment is paused.
  progressDeadlineSeconds int32 | The maximum time in seconds for a deployment to make progress before it is considered to be failed. Defaults to 600s.
  replicas int32 | Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.
  revisionHistoryLimit int32 | The number of old ReplicaSets to retain to allow rollback. Defaults to 10.
  selector meta.LabelSelector req | Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.
  strategy apps.DeploymentStrategy patch=retainKeys | The deployment strategy to use to replace existing pods with new ones.
  template core.PodTemplateSpec req | Template describes the pods that will be created. The only allowed template.spec.restartPolicy value is "Always".

@apps.DeploymentStrategy | DeploymentStrategy describes how to replace existing pods with new ones.
  rollingUpdate apps.RollingUpdateDeployment | Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.
  type string enum=Recreate,RollingUpdate | Type of deployment. Can be "Recreate" or "RollingUpdate". Default is RollingUpdate.

@apps.RollingUpdateDeployment | Spec to control the desired behavior of rolling update.
  maxSurge intstr | The maximum number of pods that can be scheduled above the desired number of pods. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%.
  maxUnavailable intstr | The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%.

@apps.DeploymentStatus | DeploymentStatus is the most recently observed status of the Deployment.
  availableReplicas int32 | Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.
  collisionCount int32 | Count of hash collisions for the Deployment, used as a collision avoidance mechanism when naming the newest ReplicaSet.
  conditions []apps.DeploymentCondition patch=merge key=type | Represents the latest available observations of a deployment's current state.
  observedGeneration int64 | The generation observed by the deployment controller.
  readyReplicas int32 | Total number of ready pods targeted by this deployment.
  replicas int32 | Total number of non-terminated pods targeted by this deployment (their labels match the selector).
  terminatingReplicas int32 | Total number of terminating pods targeted by this deployment.
  unavailableReplicas int32 | Total number of unavailable pods targeted by this deployment.
  updatedReplicas int32 | Total number of non-terminated pods targeted by this deployment that have the desired template spec.

@apps.DeploymentCondition | DeploymentCondition describes the state of a deployment at a certain point.
  lastTransitionTime time | Last time the condition transitioned from one status to another.
  lastUpdateTime time | The last time this condition was updated.
  message string | A human readable message indicating details about the transition.
  reason string | The reason for the condition's last transition.
  status string req | Status of the condition, one of True, False, Unknown.
  type string req | Type of deployment condition: Available, Progressing or ReplicaFailure.

@apps.ReplicaSet gvk=apps/v1/ReplicaSet | ReplicaSet ensures that a specified number of pod replicas are running at any given time.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec apps.ReplicaSetSpec | Spec defines the specification of the desired behavior of the ReplicaSet.
  status apps.ReplicaSetStatus | Status is the most recently observed status of the ReplicaSet. Read-only.

@apps.ReplicaSetList gvk=apps/v1/ReplicaSetList | ReplicaSetList is a collection of ReplicaSets.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []apps.ReplicaSet req | List of ReplicaSets.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@apps.ReplicaSetSpec | ReplicaSetSpec is the specification of a ReplicaSet.
  minReadySeconds int32 | Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.
  replicas int32 | Replicas is the number of desired pods. Defaults to 1.
  selector meta.LabelSelector req | Selector is a label query over pods that should match the replica count. It must match the pod template's labels.
  template core.PodTemplateSpec | Template is the object that describes the pod that will be created if insufficient replicas are detected.

@apps.ReplicaSetStatus | ReplicaSetStatus represents the current status of a ReplicaSet.
  availableReplicas int32 | The number of available non-terminating pods (ready for at least minReadySeconds) for this replica set.
  conditions []apps.ReplicaSetCondition patch=merge key=type | Represents the latest available observations of a replica set's current state.
  fullyLabeledReplicas int32 | The number of non-terminating pods that have labels matching the labels of the pod template of the replicaset.
  observedGeneration int64 | ObservedGeneration reflects the generation of the most recently observed ReplicaSet.
  readyReplicas int32 | The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.
  replicas int32 req | Replicas is the most recently observed number of non-terminating pods.
  terminatingReplicas int32 | The number of terminating pods for this replica set.

@core.ReplicationController gvk=v1/ReplicationController | ReplicationController represents the configuration of a replication controller.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | If the Labels of a ReplicationController are empty, they are defaulted to be the same as the Pod(s) that the replication controller manages.
  spec core.ReplicationControllerSpec | Spec defines the specification of the desired behavior of the replication controller.
  status core.ReplicationControllerStatus | Status is the most recently observed status of the replication controller.

@core.ReplicationControllerList gvk=v1/ReplicationControllerList | ReplicationControllerList is a collection of replication controllers.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.ReplicationController req | List of replication controllers.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.ReplicationControllerSpec | ReplicationControllerSpec is the specification of a replication controller.
  minReadySeconds int32 | Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available.
  replicas int32 | Replicas is the number of desired replicas. Defaults to 1.
  selector {}string | Selector is a label query over pods that should match the Replicas count. Defaults to the pod template's labels.
  template core.PodTemplateSpec | Template is the object that describes the pod that will be created if insufficient replicas are detected.

@core.ReplicationControllerStatus | ReplicationControllerStatus represents the current status of a replication controller.
  availableReplicas int32 | The number of available replicas (ready for at least minReadySeconds) for this replication controller.
  conditions []core.ReplicationControllerCondition patch=merge key=type | Represents the latest available observations of a replication controller's current state.
  fullyLabeledReplicas int32 | The number of pods that have labels matching the labels of the pod template of the replication controller.
  observedGeneration int64 | ObservedGeneration reflects the generation of the most recently observed replication controller.
  readyReplicas int32 | The number of ready replicas for this replication controller.
  replicas int32 req | Replicas is the most recently observed number of replicas.

@core.ReplicationControllerCondition | ReplicationControllerCondition describes the state of a replication controller at a certain point.
  lastTransitionTime time | The last time the condition transitioned from one status to another.
  message string | A human readable message indicating details about the transition.
  reason string | The reason for the condition's last transition.
  status string req | Status of the condition, one of True, False, Unknown.
  type string req | Type of replication controller condition.

@apps.ReplicaSetCondition | ReplicaSetCondition describes the state of a replica set at a certain point.
  lastTransitionTime time | The last time the condition transitioned from one status to another.
  message string | A human readable message indicating details about the transition.
  reason string | The reason for the condition's last transition.
  status string req | Status of the condition, one of True, False, Unknown.
  type string req | Type of replica set condition.

@apps.ControllerRevision gvk=apps/v1/ControllerRevision | ControllerRevision implements an immutable snapshot of state data: a StatefulSet's template at one revision.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  data runtime.RawExtension | Data is the serialized representation of the state.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  revision int64 req | Revision indicates the revision of the state represented by Data.

@apps.ControllerRevisionList gvk=apps/v1/ControllerRevisionList | ControllerRevisionList is a resource containing a list of ControllerRevision objects.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []apps.ControllerRevision req | Items is the list of ControllerRevisions
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata

@apps.StatefulSet gvk=apps/v1/StatefulSet | StatefulSet represents a set of pods with consistent identities: stable network names and stable storage.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec apps.StatefulSetSpec | Spec defines the desired identities of pods in this set.
  status apps.StatefulSetStatus | Status is the current status of Pods in this StatefulSet. Read-only.

@apps.StatefulSetList gvk=apps/v1/StatefulSetList | StatefulSetList is a collection of StatefulSets.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []apps.StatefulSet req | Items is the list of stateful sets.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list's metadata.

@apps.StatefulSetSpec | A StatefulSetSpec is the specification of a StatefulSet.
  minReadySeconds int32 | Minimum number of seconds for which a newly created pod should be ready without any of its container crashing for it to be considered available.
  ordinals apps.StatefulSetOrdinals | ordinals controls the numbering of replica indices in a StatefulSet.
  persistentVolumeClaimRetentionPolicy apps.StatefulSetPersistentVolumeClaimRetentionPolicy | What happens to PVCs created from volumeClaimTemplates when the StatefulSet is deleted or scaled down.
  podManagementPolicy string enum=OrderedReady,Parallel | How pods are created during initial scale up, replacement and scale down: OrderedReady (default) or Parallel.
  replicas int32 | The desired number of replicas of the given Template. Defaults to 1.
  revisionHistoryLimit int32 | The maximum number of revisions that will be maintained in the StatefulSet's revision history. Defaults to 10.
  selector meta.LabelSelector req | A label query over pods that should match the replica count. It must match the pod template's labels.
  serviceName string | The name of the service that governs this StatefulSet: pods get DNS names of the form pod-specific-string.serviceName.default.svc.cluster.local.
  template core.PodTemplateSpec req | The object that describes the pod that will be created if insufficient replicas are detected.
  updateStrategy apps.StatefulSetUpdateStrategy | The StatefulSetUpdateStrategy that will be employed to update Pods when a revision is made to Template.
  volumeClaimTemplates []core.PersistentVolumeClaim list=atomic | A list of PersistentVolumeClaims that pods are allowed to reference.

@apps.StatefulSetOrdinals | StatefulSetOrdinals describes the policy used for replica ordinal assignment in this StatefulSet.
  start int32 | The number representing the first replica's index. Defaults to 0.

@apps.StatefulSetPersistentVolumeClaimRetentionPolicy | What happens to PVCs created from StatefulSet VolumeClaimTemplates.
  whenDeleted string enum=Delete,Retain | What happens to PVCs created from volumeClaimTemplates when the StatefulSet is deleted. Defaults to Retain.
  whenScaled string enum=Delete,Retain | What happens to PVCs created from volumeClaimTemplates when the StatefulSet is scaled down. Defaults to Retain.

@apps.StatefulSetUpdateStrategy | StatefulSetUpdateStrategy indicates the strategy that the StatefulSet controller will use to perform updates.
  rollingUpdate apps.RollingUpdateStatefulSetStrategy | RollingUpdate is used to communicate parameters when Type is RollingUpdateStatefulSetStrategyType.
  type string enum=OnDelete,RollingUpdate | Type indicates the type of the StatefulSetUpdateStrategy. Default is RollingUpdate.

@apps.RollingUpdateStatefulSetStrategy | RollingUpdateStatefulSetStrategy is used to communicate parameter for RollingUpdateStatefulSetStrategyType.
  maxUnavailable intstr | The maximum number of pods that can be unavailable during the update. Defaults to 1.
  partition int32 | Partition indicates the ordinal at which the StatefulSet should be partitioned for updates. Defaults to 0.

@apps.StatefulSetStatus | StatefulSetStatus represents the current state of a StatefulSet.
  availableReplicas int32 | Total number of available pods (ready for at least minReadySeconds) targeted by this statefulset.
  collisionCount int32 | collisionCount is the count of hash collisions for the StatefulSet.
  conditions []apps.DaemonSetCondition patch=merge key=type | Represents the latest available observations of a statefulset's current state.
  currentReplicas int32 | The number of Pods created by the StatefulSet controller from the StatefulSet version indicated by currentRevision.
  currentRevision string | The version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas).
  observedGeneration int64 | The most recent generation observed for this StatefulSet.
  readyReplicas int32 | The number of pods created for this StatefulSet with a Ready Condition.
  replicas int32 req | The number of Pods created by the StatefulSet controller.
  updateRevision string | The version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas).
  updatedReplicas int32 | The number of Pods created by the StatefulSet controller from the StatefulSet version indicated by updateRevision.

@apps.DaemonSet gvk=apps/v1/DaemonSet | DaemonSet represents the configuration of a daemon set.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec apps.DaemonSetSpec | The desired behavior of this daemon set.
  status apps.DaemonSetStatus | The current status of this daemon set. Read-only.

@apps.DaemonSetList gvk=apps/v1/DaemonSetList | DaemonSetList is a collection of daemon sets.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []apps.DaemonSet req | A list of daemon sets.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@apps.DaemonSetSpec | DaemonSetSpec is the specification of a daemon set.
  minReadySeconds int32 | The minimum number of seconds for which a newly created DaemonSet pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.
  revisionHistoryLimit int32 | The number of old history to retain to allow rollback. Defaults to 10.
  selector meta.LabelSelector req | A label query over pods that are managed by the daemon set. It must match the pod template's labels.
  template core.PodTemplateSpec req | An object that describes the pod that will be created. The DaemonSet will create exactly one copy of this pod on every node that matches the template's node selector.
  updateStrategy apps.DaemonSetUpdateStrategy | An update strategy to replace existing DaemonSet pods with new pods.

@apps.DaemonSetUpdateStrategy | DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet.
  rollingUpdate apps.RollingUpdateDaemonSet | Rolling update config params. Present only if type = "RollingUpdate".
  type string enum=OnDelete,RollingUpdate | Type of daemon set update. Can be "RollingUpdate" or "OnDelete". Default is RollingUpdate.

@apps.RollingUpdateDaemonSet | Spec to control the desired behavior of daemon set rolling update.
  maxSurge intstr | The maximum number of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during an update. Defaults to 0.
  maxUnavailable intstr | The maximum number of DaemonSet pods that can be unavailable during the update. Absolute number or percentage. Defaults to 1.

@apps.DaemonSetStatus | DaemonSetStatus represents the current status of a daemon set.
  collisionCount int32 | Count of hash collisions for the DaemonSet.
  conditions []apps.DaemonSetCondition patch=merge key=type | Represents the latest available observations of a DaemonSet's current state.
  currentNumberScheduled int32 req | The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.
  desiredNumberScheduled int32 req | The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).
  numberAvailable int32 | The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.
  numberMisscheduled int32 req | The number of nodes that are running the daemon pod, but are not supposed to run the daemon pod.
  numberReady int32 req | The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.
  numberUnavailable int32 | The number of nodes that should be running the daemon pod and have none of the daemon pod running and available.
  observedGeneration int64 | The most recent generation observed by the daemon set controller.
  updatedNumberScheduled int32 | The total number of nodes that are running updated daemon pod.

@apps.DaemonSetCondition | DaemonSetCondition describes the state of a DaemonSet at a certain point.
  lastTransitionTime time | Last time the condition transitioned from one status to another.
  message string | A human readable message indicating details about the transition.
  reason string | The reason for the condition's last transition.
  status string req | Status of the condition, one of True, False, Unknown.
  type string req | Type of DaemonSet condition.

@batch.Job gvk=batch/v1/Job | Job represents the configuration of a single job.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec batch.JobSpec | Specification of the desired behavior of a job.
  status batch.JobStatus | Current status of a job.

@batch.JobList gvk=batch/v1/JobList | JobList is a collection of jobs.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []batch.Job req | items is the list of Jobs.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@batch.JobSpec | JobSpec describes how the job execution will look like.
  activeDeadlineSeconds int64 | Specifies the duration in seconds relative to the startTime that the job may be continuously active before the system tries to terminate it.
  backoffLimit int32 | Specifies the number of retries before marking this job failed. Defaults to 6.
  backoffLimitPerIndex int32 | Specifies the limit for the number of retries within an index before marking this index as failed.
  completionMode string enum=Indexed,NonIndexed | completionMode specifies how Pod completions are tracked. It can be `NonIndexed` (default) or `Indexed`.
  completions int32 | Specifies the desired number of successfully finished pods the job should be run with.
  managedBy string | ManagedBy field indicates the controller that manages a Job.
  manualSelector boolean | manualSelector controls generation of pod labels and pod selectors. Leave unset unless you are certain what you are doing.
  maxFailedIndexes int32 | Specifies the maximal number of failed indexes before marking the Job as failed, when backoffLimitPerIndex is set.
  parallelism int32 | Specifies the maximum desired number of pods the job should run at any given time.
  podFailurePolicy batch.PodFailurePolicy | Specifies the policy of handling failed pods.
  podReplacementPolicy string enum=Failed,TerminatingOrFailed | podReplacementPolicy specifies when to create replacement Pods.
  selector meta.LabelSelector | A label query over pods that should match the pod count. Normally, the system sets this field for you.
  successPolicy batch.SuccessPolicy | successPolicy specifies the policy when the Job can be declared as succeeded.
  suspend boolean | suspend specifies whether the Job controller should create Pods or not. Defaults to false.
  template core.PodTemplateSpec req | Describes the pod that will be created when executing a job. The only allowed template.spec.restartPolicy values are "Never" or "OnFailure".
  ttlSecondsAfterFinished int32 | ttlSecondsAfterFinished limits the lifetime of a Job that has finished execution (either Complete or Failed).

@batch.PodFailurePolicy | PodFailurePolicy describes how failed pods influence the backoffLimit.
  rules []batch.PodFailurePolicyRule req list=atomic | A list of pod failure policy rules. The rules are evaluated in order.

@batch.PodFailurePolicyRule | PodFailurePolicyRule describes how a pod failure is handled when the requirements are met.
  action string req enum=Count,FailIndex,FailJob,Ignore | Specifies the action taken on a pod failure when the requirements are satisfied.
  onExitCodes batch.PodFailurePolicyOnExitCodesRequirement | Represents the requirement on the container exit codes.
  onPodConditions []batch.PodFailurePolicyOnPodConditionsPattern list=atomic | Represents the requirement on the pod conditions.

@batch.PodFailurePolicyOnExitCodesRequirement | PodFailurePolicyOnExitCodesRequirement describes the requirement for handling a failed pod based on its container exit codes.
  containerName string | Restricts the check for exit codes to the container with the specified name.
  operator string req enum=In,NotIn | Represents the relationship between the container exit code(s) and the specified values.
  values []int32 req list=set | Specifies the set of values.

@batch.PodFailurePolicyOnPodConditionsPattern | PodFailurePolicyOnPodConditionsPattern describes a pattern for matching an actual pod condition type.
  status string req | Specifies the required Pod condition status.
  type string req | Specifies the required Pod condition type.

@batch.SuccessPolicy | SuccessPolicy describes when a Job can be declared as succeeded based on the success of some indexes.
  rules []batch.SuccessPolicyRule req list=atomic | rules represents the list of alternative rules for the declaring the Jobs as successful before `.status.succeeded >= .spec.completions`.

@batch.SuccessPolicyRule | SuccessPolicyRule describes rule for declaring a Job as succeeded.
  succeededCount int32 | succeededCount specifies the minimal required size of the actual set of the succeeded indexes for the Job.
  succeededIndexes string | succeededIndexes specifies the set of indexes which need to be contained in the actual set of the succeeded indexes for the Job.

@batch.JobStatus | JobStatus represents the current state of a Job.
  active int32 | The number of pending and running pods which are not terminating.
  completedIndexes string | completedIndexes holds the completed indexes when .spec.completionMode = "Indexed" in a text format.
  completionTime time | Represents time when the job was completed.
  conditions []batch.JobCondition list=atomic | The latest available observations of an object's current state.
  failed int32 | The number of pods which reached phase Failed.
  failedIndexes string | FailedIndexes holds the failed indexes when spec.backoffLimitPerIndex is set.
  ready int32 | The number of active pods which have a Ready condition and are not terminating.
  startTime time | Represents time when the job controller started processing a job.
  succeeded int32 | The number of pods which reached phase Succeeded.
  terminating int32 | The number of pods which are terminating (in phase Pending or Running and have a deletionTimestamp).
  uncountedTerminatedPods batch.UncountedTerminatedPods | uncountedTerminatedPods holds the UIDs of Pods that have terminated but the job controller hasn't yet accounted for in the status counters.

@batch.JobCondition | JobCondition describes current state of a job.
  lastProbeTime time | Last time the condition was checked.
  lastTransitionTime time | Last time the condition transit from one status to another.
  message string | Human readable message indicating details about last transition.
  reason string | (brief) reason for the condition's last transition.
  status string req | Status of the condition, one of True, False, Unknown.
  type string req | Type of job condition, Complete or Failed.

@batch.CronJob gvk=batch/v1/CronJob | CronJob represents the configuration of a single cron job.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec batch.CronJobSpec | Specification of the desired behavior of a cron job, including the schedule.
  status batch.CronJobStatus | Current status of a cron job.

@batch.CronJobList gvk=batch/v1/CronJobList | CronJobList is a collection of cron jobs.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []batch.CronJob req | items is the list of CronJobs.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@batch.CronJobSpec | CronJobSpec describes how the job execution will look like and when it will actually run.
  concurrencyPolicy string enum=Allow,Forbid,Replace | Specifies how to treat concurrent executions of a Job: Allow (default), Forbid or Replace.
  failedJobsHistoryLimit int32 | The number of failed finished jobs to retain. Value must be non-negative integer. Defaults to 1.
  jobTemplate batch.JobTemplateSpec req | Specifies the job that will be created when executing a CronJob.
  schedule string req | The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.
  startingDeadlineSeconds int64 | Optional deadline in seconds for starting the job if it misses scheduled time for any reason.
  successfulJobsHistoryLimit int32 | The number of successful finished jobs to retain. Value must be non-negative integer. Defaults to 3.
  suspend boolean | This flag tells the controller to suspend subsequent executions, it does not apply to already started executions. Defaults to false.
  timeZone string | The time zone name for the given schedule (a tz database name); defaults to the controller manager's.

@batch.JobTemplateSpec | JobTemplateSpec describes the data a Job should have when created from a template.
  metadata meta.ObjectMeta | Standard object's metadata of the jobs created from this template.
  spec batch.JobSpec | Specification of the desired behavior of the job.

@batch.CronJobStatus | CronJobStatus represents the current state of a cron job.
  active []core.ObjectReference list=atomic | A list of pointers to currently running jobs.
  lastScheduleTime time | Information when was the last time the job was successfully scheduled.
  lastSuccessfulTime time | Information when was the last time the job successfully completed.

@batch.UncountedTerminatedPods | UncountedTerminatedPods holds UIDs of Pods that have terminated but haven't been accounted in Job status counters.
  failed []string list=set | failed holds UIDs of failed Pods.
  succeeded []string list=set | succeeded holds UIDs of succeeded Pods.

@coord.Lease gvk=coordination.k8s.io/v1/Lease | Lease defines a lease concept.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec coord.LeaseSpec | spec contains the specification of the Lease.

@coord.LeaseList gvk=coordination.k8s.io/v1/LeaseList | LeaseList is a list of Lease objects.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []coord.Lease req | items is a list of schema objects.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@coord.LeaseSpec | LeaseSpec is a specification of a Lease.
  acquireTime microtime | acquireTime is a time when the current lease was acquired.
  holderIdentity string | holderIdentity contains the identity of the holder of a current lease.
  leaseDurationSeconds int32 | leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it.
  leaseTransitions int32 | leaseTransitions is the number of transitions of a lease between holders.
  preferredHolder string | PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up.
  renewTime microtime | renewTime is a time when the current holder of a lease has last updated the lease.
  strategy string | Strategy indicates the strategy for picking the leader for coordinated leader election.

@discovery.EndpointSlice gvk=discovery.k8s.io/v1/EndpointSlice | EndpointSlice represents a subset of the endpoints that implement a service.
  addressType string req enum=FQDN,IPv4,IPv6 | addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  endpoints []discovery.Endpoint req list=atomic | endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  ports []discovery.EndpointPort list=atomic | ports specifies the list of network ports exposed by each endpoint in this slice.

@discovery.EndpointSliceList gvk=discovery.k8s.io/v1/EndpointSliceList | EndpointSliceList represents a list of endpoint slices
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []discovery.EndpointSlice req | items is the list of endpoint slices
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@discovery.Endpoint | Endpoint represents a single logical "backend" implementing a service.
  addresses []string req list=set | addresses of this endpoint, interpreted according to the EndpointSlice addressType.
  conditions discovery.EndpointConditions | conditions contains information about the current status of the endpoint.
  deprecatedTopology {}string | deprecatedTopology contains topology information part of the v1beta1 API.
  hints discovery.EndpointHints | hints contains information associated with how an endpoint should be consumed.
  hostname string | hostname of this endpoint, used by consumers of endpoints to distinguish endpoints from each other (e.g. in DNS names).
  nodeName string | nodeName represents the name of the Node hosting this endpoint.
  targetRef core.ObjectReference | targetRef is a reference to a Kubernetes object that represents this endpoint.
  zone string | zone is the name of the Zone this endpoint exists in.

@discovery.EndpointConditions | EndpointConditions represents the current condition of an endpoint.
  ready boolean | ready indicates that this endpoint is ready to receive traffic. It is never true for terminating endpoints.
  serving boolean | serving is identical to ready except that it is set regardless of the terminating state of endpoints.
  terminating boolean | terminating indicates that this endpoint is terminating.

@discovery.EndpointHints | EndpointHints provides hints describing how an endpoint should be consumed.
  forZones []discovery.ForZone list=atomic | forZones indicates the zone(s) this endpoint should be consumed by.

@discovery.ForZone | ForZone provides information about which zones should consume this endpoint.
  name string req | name represents the name of the zone.

@discovery.EndpointPort | EndpointPort represents a Port used by an EndpointSlice
  appProtocol string | The application protocol for this port.
  name string | name of this port; for a Service's slice, the Service port's name.
  port int32 | port is the port number of the endpoint.
  protocol string enum=SCTP,TCP,UDP | protocol represents the IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.

@autoscaling.Scale gvk=autoscaling/v1/Scale | Scale represents a scaling request for a resource.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object metadata.
  spec autoscaling.ScaleSpec | spec defines the behavior of the scale.
  status autoscaling.ScaleStatus | status is the current status of the scale. Read-only.

@autoscaling.ScaleSpec | ScaleSpec describes the attributes of a scale subresource.
  replicas int32 | replicas is the desired number of instances for the scaled object.

@autoscaling.ScaleStatus | ScaleStatus represents the current status of a scale subresource.
  replicas int32 req | replicas is the actual number of observed instances of the scaled object.
  selector string | selector is the label query over pods that should match the replicas count, in the serialized string form.
"""
