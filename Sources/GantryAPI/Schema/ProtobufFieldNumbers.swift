// Protobuf field numbers of the catalogue's types, as data: for each object type of `SchemaCatalog`, the
// number of each field (by JSON name) in Kubernetes' `generated.proto` (k8s.io/api core, apps, batch,
// coordination, discovery, autoscaling, policy, storage, events, apiextensions-apiserver's apiextensions v1 (field numbers recalled from its generated.proto, not checked against the file here), certificates, rbac, authorization, authentication v1; k8s.io/apimachinery meta/v1). Used by `KubeProtobuf` to decode
// `application/vnd.kubernetes.protobuf` request bodies.
//
// Format: `@TYPE` (short names as in `SchemaDSL`) then indented `jsonName=NUMBER` words. A dotted number
// `name=1.1` is a field of a Go-embedded struct, which protobuf nests as a message: `1.1` is field 1 of the
// message in field 1 (`ConfigMapKeySelector.localObjectReference.name`, `Volume.volumeSource.secret`).
// A trailing `~` marks a Go non-pointer scalar with `omitempty`: Go always writes it to protobuf, even when
// zero, but leaves it out of JSON when zero, so the decoder drops its zero value (`""`, `0`, `false`) too.
// Unmarked scalars (Go pointers such as `spec.replicas`, or fields without `omitempty`) are kept when zero.
// `apiVersion` and `kind` have no numbers (they travel in the `runtime.Unknown` envelope).
// Generated from the .proto files (numbers) and the Go `types.go` struct tags (`~`), matching proto field
// names to the catalogue's JSON names.

let protobufFieldNumberSource = """
@apiextensions.CustomResourceDefinition
  metadata=1 spec=2 status=3
@apiextensions.CustomResourceDefinitionList
  items=2 metadata=1
@apiextensions.CustomResourceDefinitionSpec
  conversion=9 group=1 names=3 preserveUnknownFields=10~ scope=4 versions=7
@apiextensions.CustomResourceConversion
  strategy=1 webhook=2
@apiextensions.WebhookConversion
  clientConfig=2 conversionReviewVersions=3
@apiextensions.CustomResourceDefinitionNames
  categories=6 kind=4 listKind=5~ plural=1 shortNames=3 singular=2~
@apiextensions.CustomResourceDefinitionVersion
  additionalPrinterColumns=6 deprecated=7~ deprecationWarning=8 name=1 schema=4 selectableFields=9 served=2 storage=3 subresources=5
@apiextensions.SelectableField
  jsonPath=1
@apiextensions.CustomResourceColumnDefinition
  description=4~ format=3~ jsonPath=6 name=1 priority=5~ type=2
@apiextensions.CustomResourceValidation
  openAPIV3Schema=1
@apiextensions.CustomResourceSubresources
  scale=2 status=1
@apiextensions.CustomResourceSubresourceScale
  labelSelectorPath=3 specReplicasPath=1 statusReplicasPath=2
@apiextensions.CustomResourceDefinitionStatus
  acceptedNames=2 conditions=1 storedVersions=3
@apiextensions.CustomResourceDefinitionCondition
  lastTransitionTime=3 message=5~ reason=4~ status=2 type=1
@core.PersistentVolume
  metadata=1 spec=2 status=3
@core.PersistentVolumeList
  items=2 metadata=1
@core.PersistentVolumeSpec
  accessModes=3 capacity=1 claimRef=4 csi=2.22 hostPath=2.3 local=2.20 mountOptions=7 nfs=2.5 nodeAffinity=9
  persistentVolumeReclaimPolicy=5~ storageClassName=6~ volumeAttributesClassName=10 volumeMode=8
@core.PersistentVolumeStatus
  lastPhaseTransitionTime=4 message=2~ phase=1~ reason=3~
@core.LocalVolumeSource
  fsType=2 path=1
@core.CSIPersistentVolumeSource
  driver=1 fsType=4~ readOnly=3~ volumeAttributes=5 volumeHandle=2
@core.VolumeNodeAffinity
  required=1
@core.PersistentVolumeClaim
  metadata=1 spec=2 status=3
@core.PersistentVolumeClaimList
  items=2 metadata=1
@core.PersistentVolumeClaimSpec
  accessModes=1 dataSource=7 dataSourceRef=8 resources=2 selector=4 storageClassName=5 volumeAttributesClassName=9
  volumeMode=6 volumeName=3~
@core.PersistentVolumeClaimStatus
  accessModes=2 allocatedResourceStatuses=7 allocatedResources=5 capacity=3 conditions=4
  currentVolumeAttributesClassName=8 modifyVolumeStatus=9 phase=1~
@core.PersistentVolumeClaimCondition
  lastProbeTime=3 lastTransitionTime=4 message=6~ reason=5~ status=2 type=1
@core.VolumeResourceRequirements
  limits=1 requests=2
@core.TypedObjectReference
  apiGroup=1 kind=2 name=3 namespace=4
@core.ModifyVolumeStatus
  status=2 targetVolumeAttributesClassName=1~
@storage.StorageClass
  allowVolumeExpansion=6 allowedTopologies=8 metadata=1 mountOptions=5 parameters=3 provisioner=2 reclaimPolicy=4
  volumeBindingMode=7
@storage.StorageClassList
  items=2 metadata=1
@core.TopologySelectorTerm
  matchLabelExpressions=1
@core.TopologySelectorLabelRequirement
  key=1 values=2
@networking.NetworkPolicy
  metadata=1 spec=2
@networking.NetworkPolicyList
  items=2 metadata=1
@networking.NetworkPolicySpec
  egress=3 ingress=2 podSelector=1 policyTypes=4
@networking.NetworkPolicyIngressRule
  from=2 ports=1
@networking.NetworkPolicyEgressRule
  ports=1 to=2
@networking.NetworkPolicyPeer
  ipBlock=3 namespaceSelector=2 podSelector=1
@networking.NetworkPolicyPort
  endPort=3 port=2 protocol=1
@networking.IPBlock
  cidr=1 except=2
@core.ReplicationController
  metadata=1 spec=2 status=3
@core.ReplicationControllerList
  items=2 metadata=1
@core.ReplicationControllerSpec
  minReadySeconds=4~ replicas=1 selector=2 template=3
@core.ReplicationControllerStatus
  availableReplicas=5~ conditions=6 fullyLabeledReplicas=2~ observedGeneration=3~ readyReplicas=4~ replicas=1
@core.ReplicationControllerCondition
  lastTransitionTime=3 message=5~ reason=4~ status=2 type=1
@events.Event
  action=6~ deprecatedCount=15~ deprecatedFirstTimestamp=13 deprecatedLastTimestamp=14 deprecatedSource=12 eventTime=2
  metadata=1 note=10~ reason=7~ regarding=8 related=9 reportingController=4~ reportingInstance=5~ series=3 type=11~
@events.EventList
  items=2 metadata=1
@events.EventSeries
  count=1 lastObservedTime=2
@core.ObjectReference
  apiVersion=5~ fieldPath=7~ kind=1~ name=3~ namespace=2~ resourceVersion=6~ uid=4~
@core.Namespace
  metadata=1 spec=2 status=3
@core.NamespaceList
  items=2 metadata=1
@core.NamespaceSpec
  finalizers=1
@core.NamespaceStatus
  conditions=2 phase=1~
@core.NamespaceCondition
  lastTransitionTime=4 message=6~ reason=5~ status=2 type=1
@core.Node
  metadata=1 spec=2 status=3
@core.NodeList
  items=2 metadata=1
@core.NodeSpec
  externalID=2~ podCIDR=1~ podCIDRs=7 providerID=3~ taints=5 unschedulable=4~
@core.Taint
  effect=3 key=1 timeAdded=4 value=2~
@core.NodeStatus
  addresses=5 allocatable=2 capacity=1 conditions=4 daemonEndpoints=6 images=8 nodeInfo=7 phase=3~
  volumesInUse=9
@core.NodeAddress
  address=2 type=1
@core.NodeCondition
  lastHeartbeatTime=3 lastTransitionTime=4 message=6~ reason=5~ status=2 type=1
@core.NodeDaemonEndpoints
  kubeletEndpoint=1
@core.DaemonEndpoint
  Port=1
@core.ContainerImage
  names=1 sizeBytes=2~
@core.NodeSystemInfo
  architecture=10 bootID=3 containerRuntimeVersion=6 kernelVersion=4 kubeProxyVersion=8 kubeletVersion=7
  machineID=1 operatingSystem=9 osImage=5 systemUUID=2
@core.ConfigMap
  binaryData=3 data=2 immutable=4 metadata=1
@core.ConfigMapList
  items=2 metadata=1
@core.Secret
  data=2 immutable=5 metadata=1 stringData=4 type=3~
@core.SecretList
  items=2 metadata=1
@core.Service
  metadata=1 spec=2 status=3
@core.ServiceList
  items=2 metadata=1
@core.ServiceSpec
  allocateLoadBalancerNodePorts=20 clusterIP=3~ clusterIPs=18 externalIPs=5 externalName=10~
  externalTrafficPolicy=11~ healthCheckNodePort=12~ internalTrafficPolicy=22 ipFamilies=19 ipFamilyPolicy=17
  loadBalancerClass=21 loadBalancerIP=8~ loadBalancerSourceRanges=9 ports=1 publishNotReadyAddresses=13~
  selector=2 sessionAffinity=7~ sessionAffinityConfig=14 trafficDistribution=23 type=4~
@core.ServicePort
  appProtocol=6 name=1~ nodePort=5~ port=3 protocol=2~ targetPort=4
@core.SessionAffinityConfig
  clientIP=1
@core.ClientIPConfig
  timeoutSeconds=1
@core.ServiceStatus
  conditions=2 loadBalancer=1
@core.LoadBalancerStatus
  ingress=1
@core.LoadBalancerIngress
  hostname=2~ ip=1~ ipMode=3 ports=4
@core.PortStatus
  error=3 port=1 protocol=2
@core.Endpoints
  metadata=1 subsets=2
@core.EndpointsList
  items=2 metadata=1
@core.EndpointSubset
  addresses=1 notReadyAddresses=2 ports=3
@core.EndpointAddress
  hostname=3~ ip=1 nodeName=4 targetRef=2
@core.EndpointPort
  appProtocol=4 name=1~ port=2 protocol=3~
@core.Event
  action=12~ count=8~ eventTime=10 firstTimestamp=6 involvedObject=2 lastTimestamp=7 message=4~ metadata=1
  reason=3~ related=13 reportingComponent=14 reportingInstance=15 series=11 source=5 type=9~
@core.EventList
  items=2 metadata=1
@core.EventSource
  component=1~ host=2~
@core.EventSeries
  count=1~ lastObservedTime=2
@policy.PodDisruptionBudget
  metadata=1 spec=2 status=3
@policy.PodDisruptionBudgetList
  items=2 metadata=1
@policy.PodDisruptionBudgetSpec
  maxUnavailable=3 minAvailable=1 selector=2 unhealthyPodEvictionPolicy=4
@policy.PodDisruptionBudgetStatus
  conditions=7 currentHealthy=4 desiredHealthy=5 disruptedPods=2 disruptionsAllowed=3 expectedPods=6 observedGeneration=1~
@core.TypedLocalObjectReference
  apiGroup=1 kind=2~ name=3~
@networking.Ingress
  metadata=1 spec=2 status=3
@networking.IngressList
  items=2 metadata=1
@networking.IngressSpec
  defaultBackend=1 ingressClassName=4 rules=3 tls=2
@networking.IngressBackend
  resource=3 service=4
@networking.IngressServiceBackend
  name=1~ port=2
@networking.ServiceBackendPort
  name=1~ number=2~
@networking.IngressRule
  host=1~ http=2.1
@networking.HTTPIngressRuleValue
  paths=1
@networking.HTTPIngressPath
  backend=2 path=1~ pathType=3
@networking.IngressTLS
  hosts=1 secretName=2~
@networking.IngressStatus
  loadBalancer=1
@networking.IngressLoadBalancerStatus
  ingress=1
@networking.IngressLoadBalancerIngress
  hostname=2~ ip=1~ ports=4
@networking.IngressPortStatus
  error=3 port=1 protocol=2
@networking.IngressClass
  metadata=1 spec=2
@networking.IngressClassList
  items=2 metadata=1
@networking.IngressClassSpec
  controller=1~ parameters=2
@networking.IngressClassParametersReference
  apiGroup=1 kind=2 name=3 namespace=5 scope=4
@scheduling.PriorityClass
  description=4~ globalDefault=3~ metadata=1 preemptionPolicy=5 value=2~
@scheduling.PriorityClassList
  items=2 metadata=1
@core.ResourceQuota
  metadata=1 spec=2 status=3
@core.ResourceQuotaList
  items=2 metadata=1
@core.ResourceQuotaSpec
  hard=1 scopeSelector=3 scopes=2
@core.ScopeSelector
  matchExpressions=1
@core.ScopedResourceSelectorRequirement
  operator=2 scopeName=1 values=3
@core.ResourceQuotaStatus
  hard=1 used=2
@core.LimitRange
  metadata=1 spec=2
@core.LimitRangeList
  items=2 metadata=1
@core.LimitRangeSpec
  limits=1
@core.LimitRangeItem
  default=4 defaultRequest=5 max=2 maxLimitRequestRatio=6 min=3 type=1
@policy.Eviction
  deleteOptions=2 metadata=1
@meta.ObjectMeta
  annotations=12 creationTimestamp=8 deletionGracePeriodSeconds=10 deletionTimestamp=9 finalizers=14
  generateName=2~ generation=7~ labels=11 managedFields=17 name=1~ namespace=3~ ownerReferences=13
  resourceVersion=6~ selfLink=4~ uid=5~
@meta.OwnerReference
  apiVersion=5 blockOwnerDeletion=7 controller=6 kind=1 name=3 uid=4
@meta.ManagedFieldsEntry
  apiVersion=3~ fieldsType=6~ fieldsV1=7 manager=1~ operation=2~ subresource=8~ time=4
@meta.ListMeta
  continue=3~ remainingItemCount=4 resourceVersion=2~ selfLink=1~
@meta.LabelSelector
  matchExpressions=2 matchLabels=1
@meta.LabelSelectorRequirement
  key=1 operator=2 values=3
@meta.Condition
  lastTransitionTime=4 message=6 observedGeneration=3~ reason=5 status=2 type=1
@meta.Status
  code=6~ details=5 message=3~ metadata=1 reason=4~ status=2~
@meta.StatusDetails
  causes=4 group=2~ kind=3~ name=1~ retryAfterSeconds=5~ uid=6~
@meta.StatusCause
  field=3~ message=2~ reason=1~
@meta.DeleteOptions
  dryRun=5 gracePeriodSeconds=1 ignoreStoreReadErrorWithClusterBreakingPotential=6 orphanDependents=3
  preconditions=2 propagationPolicy=4
@meta.Preconditions
  resourceVersion=2 uid=1
@meta.WatchEvent
  object=2 type=1
@meta.APIVersions
  serverAddressByClientCIDRs=2 versions=1
@meta.ServerAddressByClientCIDR
  clientCIDR=1 serverAddress=2
@meta.APIGroupList
  groups=1
@meta.APIGroup
  name=1 preferredVersion=3 serverAddressByClientCIDRs=4 versions=2
@meta.GroupVersionForDiscovery
  groupVersion=1 version=2
@core.Pod
  metadata=1 spec=2 status=3
@core.PodList
  items=2 metadata=1
@core.Binding
  metadata=1 target=2
@core.PodTemplateSpec
  metadata=1 spec=2
@core.PodSpec
  activeDeadlineSeconds=5 affinity=18 automountServiceAccountToken=21 containers=2 dnsConfig=26 dnsPolicy=6~
  enableServiceLinks=30 hostAliases=23 hostIPC=13~ hostNetwork=11~ hostPID=12~ hostUsers=37 hostname=16~
  imagePullSecrets=15 initContainers=20 nodeName=10~ nodeSelector=7 os=36 overhead=32 preemptionPolicy=31
  priority=25 priorityClassName=24~ readinessGates=28 restartPolicy=3~ runtimeClassName=29 schedulerName=19~
  schedulingGates=38 securityContext=14 serviceAccount=9~ serviceAccountName=8~ setHostnameAsFQDN=35
  shareProcessNamespace=27 subdomain=17~ terminationGracePeriodSeconds=4 tolerations=22
  topologySpreadConstraints=33 volumes=1
@core.Container
  args=4 command=3 env=7 envFrom=19 image=2~ imagePullPolicy=14~ lifecycle=12 livenessProbe=10 name=1 ports=6
  readinessProbe=11 resizePolicy=23 resources=8 restartPolicy=24 securityContext=15 startupProbe=22 stdin=16~
  stdinOnce=17~ terminationMessagePath=13~ terminationMessagePolicy=20~ tty=18~ volumeDevices=21 volumeMounts=9
  workingDir=5~
@core.ContainerPort
  containerPort=3 hostIP=5~ hostPort=2~ name=1~ protocol=4~
@core.EnvVar
  name=1 value=2~ valueFrom=3
@core.EnvVarSource
  configMapKeyRef=3 fieldRef=1 resourceFieldRef=2 secretKeyRef=4
@core.ObjectFieldSelector
  apiVersion=1~ fieldPath=2
@core.ResourceFieldSelector
  containerName=1~ divisor=3 resource=2
@core.ConfigMapKeySelector
  key=2 name=1.1~ optional=3
@core.SecretKeySelector
  key=2 name=1.1~ optional=3
@core.EnvFromSource
  configMapRef=2 prefix=1~ secretRef=3
@core.ConfigMapEnvSource
  name=1.1~ optional=2
@core.SecretEnvSource
  name=1.1~ optional=2
@core.ResourceRequirements
  claims=3 limits=1 requests=2
@core.ResourceClaim
  name=1 request=2~
@core.ContainerResizePolicy
  resourceName=1 restartPolicy=2
@core.VolumeMount
  mountPath=3 mountPropagation=5 name=1 readOnly=2~ recursiveReadOnly=7 subPath=4~ subPathExpr=6~
@core.VolumeDevice
  devicePath=2 name=1
@core.Probe
  exec=1.1 failureThreshold=6~ grpc=1.4 httpGet=1.2 initialDelaySeconds=2~ periodSeconds=4~ successThreshold=5~
  tcpSocket=1.3 terminationGracePeriodSeconds=7 timeoutSeconds=3~
@core.ExecAction
  command=1
@core.HTTPGetAction
  host=3~ httpHeaders=5 path=1~ port=2 scheme=4~
@core.HTTPHeader
  name=1 value=2
@core.TCPSocketAction
  host=2~ port=1
@core.GRPCAction
  port=1 service=2
@core.SleepAction
  seconds=1
@core.Lifecycle
  postStart=1 preStop=2 stopSignal=3
@core.LifecycleHandler
  exec=1 httpGet=2 sleep=4 tcpSocket=3
@core.SecurityContext
  allowPrivilegeEscalation=7 appArmorProfile=12 capabilities=1 privileged=2 procMount=9 readOnlyRootFilesystem=6
  runAsGroup=8 runAsNonRoot=5 runAsUser=4 seLinuxOptions=3 seccompProfile=11 windowsOptions=10
@core.Capabilities
  add=1 drop=2
@core.SELinuxOptions
  level=4~ role=2~ type=3~ user=1~
@core.SeccompProfile
  localhostProfile=2 type=1
@core.AppArmorProfile
  localhostProfile=2 type=1
@core.WindowsSecurityContextOptions
  gmsaCredentialSpec=2 gmsaCredentialSpecName=1 hostProcess=4 runAsUserName=3
@core.PodSecurityContext
  appArmorProfile=11 fsGroup=5 fsGroupChangePolicy=9 runAsGroup=6 runAsNonRoot=3 runAsUser=2
  seLinuxChangePolicy=13 seLinuxOptions=1 seccompProfile=10 supplementalGroups=4 supplementalGroupsPolicy=12
  sysctls=7 windowsOptions=8
@core.Sysctl
  name=1 value=2
@core.Volume
  configMap=2.19 downwardAPI=2.16 emptyDir=2.2 hostPath=2.1 name=1 nfs=2.7 persistentVolumeClaim=2.10
  projected=2.26 secret=2.6
@core.HostPathVolumeSource
  path=1 type=2
@core.EmptyDirVolumeSource
  medium=1~ sizeLimit=2
@core.KeyToPath
  key=1 mode=3 path=2
@core.ConfigMapVolumeSource
  defaultMode=3 items=2 name=1.1~ optional=4
@core.SecretVolumeSource
  defaultMode=3 items=2 optional=4 secretName=1~
@core.ProjectedVolumeSource
  defaultMode=2 sources=1
@core.VolumeProjection
  configMap=3 downwardAPI=2 secret=1 serviceAccountToken=4
@core.ConfigMapProjection
  items=2 name=1.1~ optional=4
@core.SecretProjection
  items=2 name=1.1~ optional=4
@core.DownwardAPIProjection
  items=1
@core.ServiceAccountTokenProjection
  audience=1~ expirationSeconds=2 path=3
@core.DownwardAPIVolumeSource
  defaultMode=2 items=1
@core.DownwardAPIVolumeFile
  fieldRef=2 mode=4 path=1 resourceFieldRef=3
@core.PersistentVolumeClaimVolumeSource
  claimName=1 readOnly=2~
@core.NFSVolumeSource
  path=2 readOnly=3~ server=1
@core.Affinity
  nodeAffinity=1 podAffinity=2 podAntiAffinity=3
@core.NodeAffinity
  preferredDuringSchedulingIgnoredDuringExecution=2 requiredDuringSchedulingIgnoredDuringExecution=1
@core.NodeSelector
  nodeSelectorTerms=1
@core.NodeSelectorTerm
  matchExpressions=1 matchFields=2
@core.NodeSelectorRequirement
  key=1 operator=2 values=3
@core.PreferredSchedulingTerm
  preference=2 weight=1
@core.PodAffinity
  preferredDuringSchedulingIgnoredDuringExecution=2 requiredDuringSchedulingIgnoredDuringExecution=1
@core.PodAntiAffinity
  preferredDuringSchedulingIgnoredDuringExecution=2 requiredDuringSchedulingIgnoredDuringExecution=1
@core.PodAffinityTerm
  labelSelector=1 matchLabelKeys=5 mismatchLabelKeys=6 namespaceSelector=4 namespaces=2 topologyKey=3
@core.WeightedPodAffinityTerm
  podAffinityTerm=2 weight=1
@core.Toleration
  effect=4~ key=1~ operator=2~ tolerationSeconds=5 value=3~
@core.TopologySpreadConstraint
  labelSelector=4 matchLabelKeys=8 maxSkew=1 minDomains=5 nodeAffinityPolicy=6 nodeTaintsPolicy=7 topologyKey=2
  whenUnsatisfiable=3
@core.LocalObjectReference
  name=1~
@core.PodDNSConfig
  nameservers=1 options=3 searches=2
@core.PodDNSConfigOption
  name=1~ value=2
@core.HostAlias
  hostnames=2 ip=1
@core.PodReadinessGate
  conditionType=1
@core.PodSchedulingGate
  name=1
@core.PodOS
  name=1
@core.PodStatus
  conditions=2 containerStatuses=8 hostIP=5~ hostIPs=16 initContainerStatuses=10 message=3~
  nominatedNodeName=11~ observedGeneration=17~ phase=1~ podIP=6~ podIPs=12 qosClass=9~ reason=4~ startTime=7
@core.PodCondition
  lastProbeTime=3 lastTransitionTime=4 message=6~ observedGeneration=7~ reason=5~ status=2 type=1
@core.PodIP
  ip=1
@core.HostIP
  ip=1
@core.ContainerStatus
  allocatedResources=10 containerID=8~ image=6 imageID=7 lastState=3 name=1 ready=4 resources=11 restartCount=5
  started=9 state=2 stopSignal=15 volumeMounts=12
@core.VolumeMountStatus
  mountPath=2 name=1 readOnly=3~ recursiveReadOnly=4
@core.ContainerState
  running=2 terminated=3 waiting=1
@core.ContainerStateRunning
  startedAt=1
@core.ContainerStateTerminated
  containerID=7~ exitCode=1 finishedAt=6 message=4~ reason=3~ signal=2~ startedAt=5
@core.ContainerStateWaiting
  message=2~ reason=1~
@apps.Deployment
  metadata=1 spec=2 status=3
@apps.DeploymentList
  items=2 metadata=1
@apps.DeploymentSpec
  minReadySeconds=5~ paused=7~ progressDeadlineSeconds=9 replicas=1 revisionHistoryLimit=6 selector=2 strategy=4
  template=3
@apps.DeploymentStrategy
  rollingUpdate=2 type=1~
@apps.RollingUpdateDeployment
  maxSurge=2 maxUnavailable=1
@apps.DeploymentStatus
  availableReplicas=4~ collisionCount=8 conditions=6 observedGeneration=1~ readyReplicas=7~ replicas=2~
  terminatingReplicas=9 unavailableReplicas=5~ updatedReplicas=3~
@apps.DeploymentCondition
  lastTransitionTime=7 lastUpdateTime=6 message=5~ reason=4~ status=2 type=1
@apps.ReplicaSet
  metadata=1 spec=2 status=3
@apps.ReplicaSetList
  items=2 metadata=1
@apps.ReplicaSetSpec
  minReadySeconds=4~ replicas=1 selector=2 template=3
@apps.ReplicaSetStatus
  availableReplicas=5~ conditions=6 fullyLabeledReplicas=2~ observedGeneration=3~ readyReplicas=4~ replicas=1
  terminatingReplicas=7
@apps.ReplicaSetCondition
  lastTransitionTime=3 message=5~ reason=4~ status=2 type=1
@apps.ControllerRevision
  data=2 metadata=1 revision=3~
@apps.ControllerRevisionList
  items=2 metadata=1
@apps.StatefulSet
  metadata=1 spec=2 status=3
@apps.StatefulSetList
  items=2 metadata=1
@apps.StatefulSetSpec
  minReadySeconds=9~ ordinals=11 persistentVolumeClaimRetentionPolicy=10 podManagementPolicy=6~ replicas=1 revisionHistoryLimit=8
  selector=2 serviceName=5~ template=3 updateStrategy=7 volumeClaimTemplates=4
@apps.StatefulSetOrdinals
  start=1~
@apps.StatefulSetPersistentVolumeClaimRetentionPolicy
  whenDeleted=1~ whenScaled=2~
@apps.StatefulSetUpdateStrategy
  rollingUpdate=2 type=1~
@apps.RollingUpdateStatefulSetStrategy
  maxUnavailable=2 partition=1
@apps.StatefulSetStatus
  availableReplicas=11~ collisionCount=9 conditions=10 currentReplicas=4~ currentRevision=6~ observedGeneration=1~
  readyReplicas=3~ replicas=2 updateRevision=7~ updatedReplicas=5~
@apps.DaemonSet
  metadata=1 spec=2 status=3
@apps.DaemonSetList
  items=2 metadata=1
@apps.DaemonSetSpec
  minReadySeconds=4~ revisionHistoryLimit=6 selector=1 template=2 updateStrategy=3
@apps.DaemonSetUpdateStrategy
  rollingUpdate=2 type=1~
@apps.RollingUpdateDaemonSet
  maxSurge=2 maxUnavailable=1
@apps.DaemonSetStatus
  collisionCount=9 conditions=10 currentNumberScheduled=1 desiredNumberScheduled=3 numberAvailable=7~
  numberMisscheduled=2 numberReady=4 numberUnavailable=8~ observedGeneration=5~ updatedNumberScheduled=6~
@apps.DaemonSetCondition
  lastTransitionTime=3 message=5~ reason=4~ status=2 type=1
@batch.Job
  metadata=1 spec=2 status=3
@batch.JobList
  items=2 metadata=1
@batch.JobSpec
  activeDeadlineSeconds=3 backoffLimit=7 backoffLimitPerIndex=12 completionMode=9 completions=2 managedBy=15
  manualSelector=5 maxFailedIndexes=13 parallelism=1 podFailurePolicy=11 podReplacementPolicy=14 selector=4
  successPolicy=16 suspend=10 template=6 ttlSecondsAfterFinished=8
@batch.PodFailurePolicy
  rules=1
@batch.PodFailurePolicyRule
  action=1 onExitCodes=2 onPodConditions=3
@batch.PodFailurePolicyOnExitCodesRequirement
  containerName=1 operator=2 values=3
@batch.PodFailurePolicyOnPodConditionsPattern
  status=2 type=1
@batch.SuccessPolicy
  rules=1
@batch.SuccessPolicyRule
  succeededCount=2 succeededIndexes=1
@batch.JobStatus
  active=4~ completedIndexes=7~ completionTime=3 conditions=1 failed=6~ failedIndexes=10 ready=9 startTime=2
  succeeded=5~ terminating=11 uncountedTerminatedPods=8
@batch.JobCondition
  lastProbeTime=3 lastTransitionTime=4 message=6~ reason=5~ status=2 type=1
@batch.CronJob
  metadata=1 spec=2 status=3
@batch.CronJobList
  items=2 metadata=1
@batch.CronJobSpec
  concurrencyPolicy=3~ failedJobsHistoryLimit=7 jobTemplate=5 schedule=1 startingDeadlineSeconds=2
  successfulJobsHistoryLimit=6 suspend=4 timeZone=8
@batch.JobTemplateSpec
  metadata=1 spec=2
@batch.CronJobStatus
  active=1 lastScheduleTime=4 lastSuccessfulTime=5
@batch.UncountedTerminatedPods
  failed=2 succeeded=1
@discovery.EndpointSlice
  addressType=4 endpoints=2 metadata=1 ports=3
@discovery.EndpointSliceList
  items=2 metadata=1
@discovery.Endpoint
  addresses=1 conditions=2 deprecatedTopology=5 hints=8 hostname=3 nodeName=6 targetRef=4 zone=7
@discovery.EndpointConditions
  ready=1 serving=2 terminating=3
@discovery.EndpointHints
  forZones=1
@discovery.ForZone
  name=1
@discovery.EndpointPort
  appProtocol=4 name=1 port=3 protocol=2
@coord.Lease
  metadata=1 spec=2
@coord.LeaseList
  items=2 metadata=1
@coord.LeaseSpec
  acquireTime=3 holderIdentity=1 leaseDurationSeconds=2 leaseTransitions=5 preferredHolder=7 renewTime=4
  strategy=6
@certificates.CertificateSigningRequest
  metadata=1 spec=2 status=3
@certificates.CertificateSigningRequestList
  items=2 metadata=1
@certificates.CertificateSigningRequestSpec
  expirationSeconds=8 extra=6 groups=4 request=1 signerName=7 uid=3~ usages=5 username=2~
@certificates.CertificateSigningRequestStatus
  certificate=2 conditions=1
@certificates.CertificateSigningRequestCondition
  lastTransitionTime=5 lastUpdateTime=4 message=3~ reason=2~ status=6 type=1
@autoscaling.Scale
  metadata=1 spec=2 status=3
@autoscaling.ScaleSpec
  replicas=1~
@autoscaling.ScaleStatus
  replicas=1 selector=2~
@rbac.PolicyRule
  apiGroups=2 nonResourceURLs=5 resourceNames=4 resources=3 verbs=1
@rbac.AggregationRule
  clusterRoleSelectors=1
@rbac.Role
  metadata=1 rules=2
@rbac.RoleList
  items=2 metadata=1
@rbac.ClusterRole
  aggregationRule=3 metadata=1 rules=2
@rbac.ClusterRoleList
  items=2 metadata=1
@rbac.RoleRef
  apiGroup=1 kind=2 name=3
@rbac.Subject
  apiGroup=2~ kind=1 name=3 namespace=4~
@rbac.RoleBinding
  metadata=1 roleRef=3 subjects=2
@rbac.RoleBindingList
  items=2 metadata=1
@rbac.ClusterRoleBinding
  metadata=1 roleRef=3 subjects=2
@rbac.ClusterRoleBindingList
  items=2 metadata=1
@authorization.ResourceAttributes
  group=3~ name=7~ namespace=1~ resource=5~ subresource=6~ verb=2~ version=4~
@authorization.NonResourceAttributes
  path=1~ verb=2~
@authorization.SubjectAccessReviewStatus
  allowed=1 denied=4~ evaluationError=3~ reason=2~
@authorization.SelfSubjectAccessReviewSpec
  nonResourceAttributes=2 resourceAttributes=1
@authorization.SelfSubjectAccessReview
  metadata=1 spec=2 status=3
@authorization.SubjectAccessReviewSpec
  extra=5 groups=4 nonResourceAttributes=2 resourceAttributes=1 uid=6~ user=3~
@authorization.SubjectAccessReview
  metadata=1 spec=2 status=3
@authorization.LocalSubjectAccessReview
  metadata=1 spec=2 status=3
@authorization.SelfSubjectRulesReviewSpec
  namespace=1~
@authorization.ResourceRule
  apiGroups=2 resourceNames=4 resources=3 verbs=1
@authorization.NonResourceRule
  nonResourceURLs=2 verbs=1
@authorization.SubjectRulesReviewStatus
  evaluationError=4~ incomplete=3 nonResourceRules=2 resourceRules=1
@authorization.SelfSubjectRulesReview
  metadata=1 spec=2 status=3
@authentication.UserInfo
  extra=4 groups=3 uid=2~ username=1~
@authentication.TokenReviewSpec
  audiences=2 token=1~
@authentication.TokenReviewStatus
  audiences=4 authenticated=1~ error=3~ user=2
@authentication.TokenReview
  metadata=1 spec=2 status=3
@authentication.SelfSubjectReviewStatus
  userInfo=1
@authentication.SelfSubjectReview
  metadata=1 status=2
@authentication.BoundObjectReference
  apiVersion=2~ kind=1~ name=3~ uid=4~
@authentication.TokenRequestSpec
  audiences=1 boundObjectRef=3 expirationSeconds=4
@authentication.TokenRequestStatus
  expirationTimestamp=2 token=1
@authentication.TokenRequest
  metadata=1 spec=2 status=3
@core.ServiceAccount
  automountServiceAccountToken=4 imagePullSecrets=3 metadata=1 secrets=2
@core.ServiceAccountList
  items=2 metadata=1
@metrics.NodeMetrics
  metadata=1 timestamp=2 usage=4 window=3
@metrics.NodeMetricsList
  items=2 metadata=1
@metrics.ContainerMetrics
  name=1 usage=2
@metrics.PodMetrics
  containers=4 metadata=1 timestamp=2 window=3
@metrics.PodMetricsList
  items=2 metadata=1
@autoscaling2.HorizontalPodAutoscaler
  metadata=1 spec=2 status=3
@autoscaling2.HorizontalPodAutoscalerList
  items=2 metadata=1
@autoscaling2.HorizontalPodAutoscalerSpec
  behavior=5 maxReplicas=3 metrics=4 minReplicas=2 scaleTargetRef=1
@autoscaling2.CrossVersionObjectReference
  apiVersion=3 kind=1 name=2
@autoscaling2.MetricSpec
  containerResource=7 external=5 object=2 pods=3 resource=4 type=1
@autoscaling2.ResourceMetricSource
  name=1 target=2
@autoscaling2.ContainerResourceMetricSource
  container=3 name=1 target=2
@autoscaling2.PodsMetricSource
  metric=1 target=2
@autoscaling2.ObjectMetricSource
  describedObject=1 metric=3 target=2
@autoscaling2.ExternalMetricSource
  metric=1 target=2
@autoscaling2.MetricIdentifier
  name=1 selector=2
@autoscaling2.MetricTarget
  averageUtilization=4 averageValue=3 type=1 value=2
@autoscaling2.HorizontalPodAutoscalerBehavior
  scaleDown=2 scaleUp=1
@autoscaling2.HPAScalingRules
  policies=2 selectPolicy=1 stabilizationWindowSeconds=3
@autoscaling2.HPAScalingPolicy
  periodSeconds=3 type=1 value=2
@autoscaling2.HorizontalPodAutoscalerStatus
  conditions=6 currentMetrics=5 currentReplicas=3 desiredReplicas=4 lastScaleTime=2 observedGeneration=1
@autoscaling2.HorizontalPodAutoscalerCondition
  lastTransitionTime=3 message=5 reason=4 status=2 type=1
@autoscaling2.MetricStatus
  containerResource=7 external=5 object=2 pods=3 resource=4 type=1
@autoscaling2.ResourceMetricStatus
  current=2 name=1
@autoscaling2.ContainerResourceMetricStatus
  container=3 current=2 name=1
@autoscaling2.PodsMetricStatus
  current=2 metric=1
@autoscaling2.ObjectMetricStatus
  current=2 describedObject=3 metric=1
@autoscaling2.ExternalMetricStatus
  current=2 metric=1
@autoscaling2.MetricValueStatus
  averageUtilization=3 averageValue=2 value=1
@autoscaling.HorizontalPodAutoscaler
  metadata=1 spec=2 status=3
@autoscaling.HorizontalPodAutoscalerList
  items=2 metadata=1
@autoscaling.HorizontalPodAutoscalerSpec
  maxReplicas=3 minReplicas=2 scaleTargetRef=1 targetCPUUtilizationPercentage=4
@autoscaling.CrossVersionObjectReference
  apiVersion=3 kind=1 name=2
@autoscaling.HorizontalPodAutoscalerStatus
  currentCPUUtilizationPercentage=5 currentReplicas=3 desiredReplicas=4 lastScaleTime=2 observedGeneration=1
"""
