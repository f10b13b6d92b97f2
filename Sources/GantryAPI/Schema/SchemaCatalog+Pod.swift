// core/v1 Pod and everything a pod template contains. Format: see `SchemaDSL`.

let coreSchemaSource = """
@core.Pod gvk=v1/Pod | Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec core.PodSpec | Specification of the desired behavior of the pod.
  status core.PodStatus | Most recently observed status of the pod. Populated by the system. Read-only.

@core.PodList gvk=v1/PodList | PodList is a list of Pods.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.Pod req | List of pods.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.Binding gvk=v1/Binding | Binding ties one object to another; for example, a pod is bound to a node by a scheduler.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  target core.ObjectReference req | The target object that you want to bind to the standard object.

@core.PodTemplateSpec | PodTemplateSpec describes the data a pod should have when created from a template.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec core.PodSpec | Specification of the desired behavior of the pod.

@core.PodSpec | PodSpec is a description of a pod.
  activeDeadlineSeconds int64 | Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed and kill associated containers.
  affinity core.Affinity | If specified, the pod's scheduling constraints.
  automountServiceAccountToken boolean | AutomountServiceAccountToken indicates whether a service account token should be automatically mounted.
  containers []core.Container req patch=merge key=name | List of containers belonging to the pod. There must be at least one container in a Pod. Cannot be updated.
  dnsConfig core.PodDNSConfig | Specifies the DNS parameters of a pod. Merged with the configuration generated from DNSPolicy.
  dnsPolicy string enum=ClusterFirst,ClusterFirstWithHostNet,Default,None | Set DNS policy for the pod. Defaults to "ClusterFirst".
  enableServiceLinks boolean | EnableServiceLinks indicates whether information about services should be injected into pod's environment variables. Defaults to true.
  hostAliases []core.HostAlias patch=merge key=ip | HostAliases is an optional list of hosts and IPs that will be injected into the pod's hosts file if specified.
  hostIPC boolean | Use the host's ipc namespace. Optional: Default to false.
  hostNetwork boolean | Host networking requested for this pod. Use the host's network namespace. Default to false.
  hostPID boolean | Use the host's pid namespace. Optional: Default to false.
  hostUsers boolean | Use the host's user namespace. Optional: Default to true.
  hostname string | Specifies the hostname of the Pod. If not specified, the pod's hostname will be set to a system-defined value.
  imagePullSecrets []core.LocalObjectReference patch=merge key=name | ImagePullSecrets is an optional list of references to secrets in the same namespace to use for pulling any of the images used by this PodSpec.
  initContainers []core.Container patch=merge key=name | List of initialization containers belonging to the pod. Init containers are executed in order prior to containers being started.
  nodeName string | NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler.
  nodeSelector {}string | NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node.
  os core.PodOS | Specifies the OS of the containers in the pod.
  overhead {}quantity | Overhead represents the resource overhead associated with running a pod for a given RuntimeClass.
  preemptionPolicy string enum=Never,PreemptLowerPriority | PreemptionPolicy is the Policy for preempting pods with lower priority. Defaults to PreemptLowerPriority.
  priority int32 | The priority value. Various system components use this field to find the priority of the pod.
  priorityClassName string | If specified, indicates the pod's priority.
  readinessGates []core.PodReadinessGate list=atomic | If specified, all readiness gates will be evaluated for pod readiness.
  restartPolicy string enum=Always,Never,OnFailure | Restart policy for all containers within the pod. One of Always, OnFailure, Never. Default to Always.
  runtimeClassName string | RuntimeClassName refers to a RuntimeClass object which should be used to run this pod.
  schedulerName string | If specified, the pod will be dispatched by specified scheduler. If not specified, the pod will be dispatched by default scheduler.
  schedulingGates []core.PodSchedulingGate patch=merge key=name | SchedulingGates is an opaque list of values that if specified will block scheduling the pod.
  securityContext core.PodSecurityContext | SecurityContext holds pod-level security attributes and common container settings.
  serviceAccount string | DeprecatedServiceAccount is a deprecated alias for ServiceAccountName.
  serviceAccountName string | ServiceAccountName is the name of the ServiceAccount to use to run this pod.
  setHostnameAsFQDN boolean | If true the pod's hostname will be configured as the pod's FQDN, rather than the leaf name (the default).
  shareProcessNamespace boolean | Share a single process namespace between all of the containers in a pod.
  subdomain string | If specified, the fully qualified Pod hostname will be "<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>".
  terminationGracePeriodSeconds int64 | Optional duration in seconds the pod needs to terminate gracefully. Defaults to 30 seconds.
  tolerations []core.Toleration list=atomic | If specified, the pod's tolerations.
  topologySpreadConstraints []core.TopologySpreadConstraint patch=merge key=topologyKey list=map keys=topologyKey,whenUnsatisfiable | TopologySpreadConstraints describes how a group of pods ought to spread across topology domains.
  volumes []core.Volume patch=merge,retainKeys key=name | List of volumes that can be mounted by containers belonging to the pod.

@core.Container | A single application container that you want to run within a pod.
  args []string list=atomic | Arguments to the entrypoint. The container image's CMD is used if this is not provided.
  command []string list=atomic | Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is used if this is not provided.
  env []core.EnvVar patch=merge key=name | List of environment variables to set in the container. Cannot be updated.
  envFrom []core.EnvFromSource list=atomic | List of sources to populate environment variables in the container.
  image string | Container image name.
  imagePullPolicy string enum=Always,IfNotPresent,Never | Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise.
  lifecycle core.Lifecycle | Actions that the management system should take in response to container lifecycle events.
  livenessProbe core.Probe | Periodic probe of container liveness. Container will be restarted if the probe fails.
  name string req | Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name. Cannot be updated.
  ports []core.ContainerPort patch=merge key=containerPort list=map keys=containerPort,protocol | List of ports to expose from the container.
  readinessProbe core.Probe | Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails.
  resizePolicy []core.ContainerResizePolicy list=atomic | Resources resize policy for the container.
  resources core.ResourceRequirements | Compute Resources required by this container.
  restartPolicy string | RestartPolicy defines the restart behavior of individual containers in a pod. Only "Always" is allowed, for sidecar init containers.
  securityContext core.SecurityContext | SecurityContext defines the security options the container should be run with.
  startupProbe core.Probe | StartupProbe indicates that the Pod has successfully initialized. No other probes run until it succeeds.
  stdin boolean | Whether this container should allocate a buffer for stdin in the container runtime.
  stdinOnce boolean | Whether the container runtime should close the stdin channel after it has been opened by a single attach.
  terminationMessagePath string | Path at which the file to which the container's termination message will be written is mounted. Defaults to /dev/termination-log.
  terminationMessagePolicy string enum=FallbackToLogsOnError,File | Indicate how the termination message should be populated. Defaults to File.
  tty boolean | Whether this container should allocate a TTY for itself, also requires 'stdin' to be true.
  volumeDevices []core.VolumeDevice patch=merge key=devicePath | volumeDevices is the list of block devices to be used by the container.
  volumeMounts []core.VolumeMount patch=merge key=mountPath | Pod volumes to mount into the container's filesystem. Cannot be updated.
  workingDir string | Container's working directory. If not specified, the container runtime's default will be used.

@core.ContainerPort | ContainerPort represents a network port in a single container.
  containerPort int32 req | Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536.
  hostIP string | What host IP to bind the external port to.
  hostPort int32 | Number of port to expose on the host. Most containers do not need this.
  name string | If specified, this must be an IANA_SVC_NAME and unique within the pod. Each named port in a pod must have a unique name.
  protocol string enum=SCTP,TCP,UDP | Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".

@core.EnvVar | EnvVar represents an environment variable present in a Container.
  name string req | Name of the environment variable. Must be a C_IDENTIFIER.
  value string | Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables.
  valueFrom core.EnvVarSource | Source for the environment variable's value. Cannot be used if value is not empty.

@core.EnvVarSource | EnvVarSource represents a source for the value of an EnvVar.
  configMapKeyRef core.ConfigMapKeySelector | Selects a key of a ConfigMap.
  fieldRef core.ObjectFieldSelector | Selects a field of the pod: supports metadata.name, metadata.namespace, metadata.labels['<KEY>'], metadata.annotations['<KEY>'], spec.nodeName, spec.serviceAccountName, status.hostIP, status.podIP, status.podIPs.
  resourceFieldRef core.ResourceFieldSelector | Selects a resource of the container: only resources limits and requests are currently supported.
  secretKeyRef core.SecretKeySelector | Selects a key of a secret in the pod's namespace.

@core.ObjectFieldSelector | ObjectFieldSelector selects an APIVersioned field of an object.
  apiVersion string | Version of the schema the FieldPath is written in terms of, defaults to "v1".
  fieldPath string req | Path of the field to select in the specified API version.

@core.ResourceFieldSelector | ResourceFieldSelector represents container resources (cpu, memory) and their output format.
  containerName string | Container name: required for volumes, optional for env vars.
  divisor quantity | Specifies the output format of the exposed resources, defaults to "1".
  resource string req | Required: resource to select.

@core.ConfigMapKeySelector | Selects a key from a ConfigMap.
  key string req | The key to select.
  name string | Name of the referent.
  optional boolean | Specify whether the ConfigMap or its key must be defined.

@core.SecretKeySelector | SecretKeySelector selects a key of a Secret.
  key string req | The key of the secret to select from. Must be a valid secret key.
  name string | Name of the referent.
  optional boolean | Specify whether the Secret or its key must be defined.

@core.EnvFromSource | EnvFromSource represents the source of a set of ConfigMaps or Secrets.
  configMapRef core.ConfigMapEnvSource | The ConfigMap to select from.
  prefix string | Optional text to prepend to the name of each environment variable.
  secretRef core.SecretEnvSource | The Secret to select from.

@core.ConfigMapEnvSource | ConfigMapEnvSource selects a ConfigMap to populate the environment variables with.
  name string | Name of the referent.
  optional boolean | Specify whether the ConfigMap must be defined.

@core.SecretEnvSource | SecretEnvSource selects a Secret to populate the environment variables with.
  name string | Name of the referent.
  optional boolean | Specify whether the Secret must be defined.

@core.ResourceRequirements | ResourceRequirements describes the compute resource requirements.
  claims []core.ResourceClaim list=map keys=name | Claims lists the names of resources, defined in spec.resourceClaims, that are used by this container.
  limits {}quantity | Limits describes the maximum amount of compute resources allowed.
  requests {}quantity | Requests describes the minimum amount of compute resources required. Defaults to limits if omitted.

@core.ResourceClaim | ResourceClaim references one entry in PodSpec.ResourceClaims.
  name string req | Name must match the name of one entry in pod.spec.resourceClaims of the Pod where this field is used.
  request string | Request is the name chosen for a request in the referenced claim.

@core.ContainerResizePolicy | ContainerResizePolicy represents resource resize policy for the container.
  resourceName string req | Name of the resource to which this resource resize policy applies. Supported values: cpu, memory.
  restartPolicy string req | Restart policy to apply when specified resource is resized. If not specified, it defaults to NotRequired.

@core.VolumeMount | VolumeMount describes a mounting of a Volume within a container.
  mountPath string req | Path within the container at which the volume should be mounted. Must not contain ':'.
  mountPropagation string enum=Bidirectional,HostToContainer,None | mountPropagation determines how mounts are propagated from the host to container and the other way around.
  name string req | This must match the Name of a Volume.
  readOnly boolean | Mounted read-only if true, read-write otherwise (false or unspecified). Defaults to false.
  recursiveReadOnly string | RecursiveReadOnly specifies whether read-only mounts should be handled recursively.
  subPath string | Path within the volume from which the container's volume should be mounted. Defaults to "" (volume's root).
  subPathExpr string | Expanded path within the volume from which the container's volume should be mounted.

@core.VolumeDevice | volumeDevice describes a mapping of a raw block device within a container.
  devicePath string req | devicePath is the path inside of the container that the device will be mapped to.
  name string req | name must match the name of a persistentVolumeClaim in the pod.

@core.Probe | Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.
  exec core.ExecAction | Exec specifies a command to execute in the container.
  failureThreshold int32 | Minimum consecutive failures for the probe to be considered failed after having succeeded. Defaults to 3.
  grpc core.GRPCAction | GRPC specifies a GRPC HealthCheckRequest.
  httpGet core.HTTPGetAction | HTTPGet specifies an HTTP GET request to perform.
  initialDelaySeconds int32 | Number of seconds after the container has started before liveness probes are initiated.
  periodSeconds int32 | How often (in seconds) to perform the probe. Default to 10 seconds.
  successThreshold int32 | Minimum consecutive successes for the probe to be considered successful after having failed. Defaults to 1.
  tcpSocket core.TCPSocketAction | TCPSocket specifies a connection to a TCP port.
  terminationGracePeriodSeconds int64 | Optional duration in seconds the pod needs to terminate gracefully upon probe failure.
  timeoutSeconds int32 | Number of seconds after which the probe times out. Defaults to 1 second.

@core.ExecAction | ExecAction describes a "run in container" action.
  command []string list=atomic | Command is the command line to execute inside the container; it is not run in a shell.

@core.HTTPGetAction | HTTPGetAction describes an action based on HTTP Get requests.
  host string | Host name to connect to, defaults to the pod IP.
  httpHeaders []core.HTTPHeader list=atomic | Custom headers to set in the request. HTTP allows repeated headers.
  path string | Path to access on the HTTP server.
  port intstr req | Name or number of the port to access on the container.
  scheme string enum=HTTP,HTTPS | Scheme to use for connecting to the host. Defaults to HTTP.

@core.HTTPHeader | HTTPHeader describes a custom header to be used in HTTP probes.
  name string req | The header field name.
  value string req | The header field value.

@core.TCPSocketAction | TCPSocketAction describes an action based on opening a socket.
  host string | Optional: Host name to connect to, defaults to the pod IP.
  port intstr req | Number or name of the port to access on the container.

@core.GRPCAction | GRPCAction specifies an action involving a GRPC service.
  port int32 req | Port number of the gRPC service.
  service string | Service is the name of the service to place in the gRPC HealthCheckRequest.

@core.SleepAction | SleepAction describes a "sleep" action.
  seconds int64 req | Seconds is the number of seconds to sleep.

@core.Lifecycle | Lifecycle describes actions that the management system should take in response to container lifecycle events.
  postStart core.LifecycleHandler | PostStart is called immediately after a container is created.
  preStop core.LifecycleHandler | PreStop is called immediately before a container is terminated.
  stopSignal string | StopSignal defines which signal will be sent to a container when it is being stopped.

@core.LifecycleHandler | LifecycleHandler defines a specific action that should be taken in a lifecycle hook.
  exec core.ExecAction | Exec specifies a command to execute in the container.
  httpGet core.HTTPGetAction | HTTPGet specifies an HTTP GET request to perform.
  sleep core.SleepAction | Sleep represents a duration that the container should sleep.
  tcpSocket core.TCPSocketAction | Deprecated. TCPSocket is NOT supported as a LifecycleHandler.

@core.SecurityContext | SecurityContext holds security configuration that will be applied to a container.
  allowPrivilegeEscalation boolean | AllowPrivilegeEscalation controls whether a process can gain more privileges than its parent process.
  appArmorProfile core.AppArmorProfile | appArmorProfile is the AppArmor options to use by this container.
  capabilities core.Capabilities | The capabilities to add/drop when running containers.
  privileged boolean | Run container in privileged mode. Defaults to false.
  procMount string | procMount denotes the type of proc mount to use for the containers. Defaults to Default.
  readOnlyRootFilesystem boolean | Whether this container has a read-only root filesystem. Default is false.
  runAsGroup int64 | The GID to run the entrypoint of the container process.
  runAsNonRoot boolean | Indicates that the container must run as a non-root user.
  runAsUser int64 | The UID to run the entrypoint of the container process. Defaults to user specified in image metadata.
  seLinuxOptions core.SELinuxOptions | The SELinux context to be applied to the container.
  seccompProfile core.SeccompProfile | The seccomp options to use by this container.
  windowsOptions core.WindowsSecurityContextOptions | The Windows specific settings applied to all containers.

@core.Capabilities | Adds and removes POSIX capabilities from running containers.
  add []string list=atomic | Added capabilities.
  drop []string list=atomic | Removed capabilities.

@core.SELinuxOptions | SELinuxOptions are the labels to be applied to the container.
  level string | Level is SELinux level label that applies to the container.
  role string | Role is a SELinux role label that applies to the container.
  type string | Type is a SELinux type label that applies to the container.
  user string | User is a SELinux user label that applies to the container.

@core.SeccompProfile | SeccompProfile defines a pod/container's seccomp profile settings.
  localhostProfile string | localhostProfile indicates a profile defined in a file on the node should be used.
  type string req enum=Localhost,RuntimeDefault,Unconfined | type indicates which kind of seccomp profile will be applied.

@core.AppArmorProfile | AppArmorProfile defines a pod or container's AppArmor settings.
  localhostProfile string | localhostProfile indicates a profile loaded on the node that should be used.
  type string req enum=Localhost,RuntimeDefault,Unconfined | type indicates which kind of AppArmor profile will be applied.

@core.WindowsSecurityContextOptions | WindowsSecurityContextOptions contain Windows-specific options and credentials.
  gmsaCredentialSpec string | GMSACredentialSpec is where the GMSA admission webhook inlines the contents of the GMSA credential spec.
  gmsaCredentialSpecName string | GMSACredentialSpecName is the name of the GMSA credential spec to use.
  hostProcess boolean | HostProcess determines if a container should be run as a 'Host Process' container.
  runAsUserName string | The UserName in Windows to run the entrypoint of the container process.

@core.PodSecurityContext | PodSecurityContext holds pod-level security attributes and common container settings.
  appArmorProfile core.AppArmorProfile | appArmorProfile is the AppArmor options to use by the containers in this pod.
  fsGroup int64 | A special supplemental group that applies to all containers in a pod.
  fsGroupChangePolicy string enum=Always,OnRootMismatch | fsGroupChangePolicy defines behavior of changing ownership and permission of the volume before being exposed inside Pod.
  runAsGroup int64 | The GID to run the entrypoint of the container process.
  runAsNonRoot boolean | Indicates that the container must run as a non-root user.
  runAsUser int64 | The UID to run the entrypoint of the container process.
  seLinuxChangePolicy string | seLinuxChangePolicy defines how the container's SELinux label is applied to all volumes used by the Pod.
  seLinuxOptions core.SELinuxOptions | The SELinux context to be applied to all containers.
  seccompProfile core.SeccompProfile | The seccomp options to use by the containers in this pod.
  supplementalGroups []int64 list=atomic | A list of groups applied to the first process run in each container, in addition to the container's primary GID.
  supplementalGroupsPolicy string | Defines how supplemental groups of the first container processes are calculated.
  sysctls []core.Sysctl list=atomic | Sysctls hold a list of namespaced sysctls used for the pod.
  windowsOptions core.WindowsSecurityContextOptions | The Windows specific settings applied to all containers.

@core.Sysctl | Sysctl defines a kernel parameter to be set.
  name string req | Name of a property to set.
  value string req | Value of a property to set.

@core.Volume | Volume represents a named volume in a pod that may be accessed by any container in the pod.
  configMap core.ConfigMapVolumeSource | configMap represents a configMap that should populate this volume.
  downwardAPI core.DownwardAPIVolumeSource | downwardAPI represents downward API about the pod that should populate this volume.
  emptyDir core.EmptyDirVolumeSource | emptyDir represents a temporary directory that shares a pod's lifetime.
  hostPath core.HostPathVolumeSource | hostPath represents a pre-existing file or directory on the host machine that is directly exposed to the container.
  name string req | name of the volume. Must be a DNS_LABEL and unique within the pod.
  nfs core.NFSVolumeSource | nfs represents an NFS mount on the host that shares a pod's lifetime.
  persistentVolumeClaim core.PersistentVolumeClaimVolumeSource | persistentVolumeClaimVolumeSource represents a reference to a PersistentVolumeClaim in the same namespace.
  projected core.ProjectedVolumeSource | projected items for all in one resources secrets, configmaps, and downward API.
  secret core.SecretVolumeSource | secret represents a secret that should populate this volume.

@core.HostPathVolumeSource | Represents a host path mapped into a pod.
  path string req | path of the directory on the host. If the path is a symlink, it will follow the link to the real path.
  type string enum=,Block,CharDevice,Directory,DirectoryOrCreate,File,FileOrCreate,Socket | type for HostPath Volume. Defaults to "".

@core.EmptyDirVolumeSource | Represents an empty directory for a pod.
  medium string | medium represents what type of storage medium should back this directory: "" (node default) or "Memory".
  sizeLimit quantity | sizeLimit is the total amount of local storage required for this EmptyDir volume.

@core.KeyToPath | Maps a string key to a path within a volume.
  key string req | key is the key to project.
  mode int32 | mode is Optional: mode bits used to set permissions on this file, e.g. 0644.
  path string req | path is the relative path of the file to map the key to. May not be an absolute path.

@core.ConfigMapVolumeSource | Adapts a ConfigMap into a volume: each key in data becomes a file.
  defaultMode int32 | defaultMode is optional: mode bits used to set permissions on created files by default. Defaults to 0644.
  items []core.KeyToPath list=atomic | items if unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume as a file.
  name string | Name of the referent.
  optional boolean | optional specify whether the ConfigMap or its keys must be defined.

@core.SecretVolumeSource | Adapts a Secret into a volume: each key in data becomes a file.
  defaultMode int32 | defaultMode is Optional: mode bits used to set permissions on created files by default. Defaults to 0644.
  items []core.KeyToPath list=atomic | items If unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume as a file.
  optional boolean | optional field specify whether the Secret or its keys must be defined.
  secretName string | secretName is the name of the secret in the pod's namespace to use.

@core.ProjectedVolumeSource | Represents a projected volume source.
  defaultMode int32 | defaultMode are the mode bits used to set permissions on created files by default.
  sources []core.VolumeProjection list=atomic | sources is the list of volume projections. Each entry in this list handles one source.

@core.VolumeProjection | Projection that may be projected along with other supported volume types. Exactly one of these fields must be set.
  configMap core.ConfigMapProjection | configMap information about the configMap data to project.
  downwardAPI core.DownwardAPIProjection | downwardAPI information about the downwardAPI data to project.
  secret core.SecretProjection | secret information about the secret data to project.
  serviceAccountToken core.ServiceAccountTokenProjection | serviceAccountToken is information about the serviceAccountToken data to project.

@core.ConfigMapProjection | Adapts a ConfigMap into a projected volume.
  items []core.KeyToPath list=atomic | items if unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume as a file.
  name string | Name of the referent.
  optional boolean | optional specify whether the ConfigMap or its keys must be defined.

@core.SecretProjection | Adapts a secret into a projected volume.
  items []core.KeyToPath list=atomic | items if unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume as a file.
  name string | Name of the referent.
  optional boolean | optional field specify whether the Secret or its key must be defined.

@core.DownwardAPIProjection | Represents downward API info for projecting into a projected volume.
  items []core.DownwardAPIVolumeFile list=atomic | Items is a list of DownwardAPIVolume file.

@core.ServiceAccountTokenProjection | ServiceAccountTokenProjection represents a projected service account token volume.
  audience string | audience is the intended audience of the token.
  expirationSeconds int64 | expirationSeconds is the requested duration of validity of the service account token. Defaults to 1 hour.
  path string req | path is the path relative to the mount point of the file to project the token into.

@core.DownwardAPIVolumeSource | DownwardAPIVolumeSource represents a volume containing downward API info.
  defaultMode int32 | Optional: mode bits to use on created files by default. Defaults to 0644.
  items []core.DownwardAPIVolumeFile list=atomic | Items is a list of downward API volume file.

@core.DownwardAPIVolumeFile | DownwardAPIVolumeFile represents information to create the file containing the pod field.
  fieldRef core.ObjectFieldSelector | Required: Selects a field of the pod: only annotations, labels, name, namespace and uid are supported.
  mode int32 | Optional: mode bits used to set permissions on this file.
  path string req | Required: Path is the relative path name of the file to be created.
  resourceFieldRef core.ResourceFieldSelector | Selects a resource of the container: only resources limits and requests are currently supported.

@core.PersistentVolumeClaimVolumeSource | PersistentVolumeClaimVolumeSource references the user's PVC in the same namespace.
  claimName string req | claimName is the name of a PersistentVolumeClaim in the same namespace as the pod using this volume.
  readOnly boolean | readOnly Will force the ReadOnly setting in VolumeMounts. Default false.

@core.NFSVolumeSource | Represents an NFS mount that lasts the lifetime of a pod.
  path string req | path that is exported by the NFS server.
  readOnly boolean | readOnly here will force the NFS export to be mounted with read-only permissions. Defaults to false.
  server string req | server is the hostname or IP address of the NFS server.

@core.Affinity | Affinity is a group of affinity scheduling rules.
  nodeAffinity core.NodeAffinity | Describes node affinity scheduling rules for the pod.
  podAffinity core.PodAffinity | Describes pod affinity scheduling rules (e.g. co-locate this pod in the same node, zone, etc. as some other pod(s)).
  podAntiAffinity core.PodAntiAffinity | Describes pod anti-affinity scheduling rules (e.g. avoid putting this pod in the same node, zone, etc. as some other pod(s)).

@core.NodeAffinity | Node affinity is a group of node affinity scheduling rules.
  preferredDuringSchedulingIgnoredDuringExecution []core.PreferredSchedulingTerm list=atomic | The scheduler will prefer to schedule pods to nodes that satisfy the affinity expressions specified by this field.
  requiredDuringSchedulingIgnoredDuringExecution core.NodeSelector | If the affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node.

@core.NodeSelector | A node selector represents the union of the results of one or more label queries over a set of nodes.
  nodeSelectorTerms []core.NodeSelectorTerm req list=atomic | Required. A list of node selector terms. The terms are ORed.

@core.NodeSelectorTerm | A null or empty node selector term matches no objects. The requirements of them are ANDed.
  matchExpressions []core.NodeSelectorRequirement list=atomic | A list of node selector requirements by node's labels.
  matchFields []core.NodeSelectorRequirement list=atomic | A list of node selector requirements by node's fields.

@core.NodeSelectorRequirement | A node selector requirement is a selector that contains values, a key, and an operator that relates the key and values.
  key string req | The label key that the selector applies to.
  operator string req enum=DoesNotExist,Exists,Gt,In,Lt,NotIn | Represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists, DoesNotExist. Gt, and Lt.
  values []string list=atomic | An array of string values.

@core.PreferredSchedulingTerm | An empty preferred scheduling term matches all objects with implicit weight 0.
  preference core.NodeSelectorTerm req | A node selector term, associated with the corresponding weight.
  weight int32 req | Weight associated with matching the corresponding nodeSelectorTerm, in the range 1-100.

@core.PodAffinity | Pod affinity is a group of inter pod affinity scheduling rules.
  preferredDuringSchedulingIgnoredDuringExecution []core.WeightedPodAffinityTerm list=atomic | The scheduler will prefer to schedule pods to nodes that satisfy the affinity expressions specified by this field.
  requiredDuringSchedulingIgnoredDuringExecution []core.PodAffinityTerm list=atomic | If the affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node.

@core.PodAntiAffinity | Pod anti affinity is a group of inter pod anti affinity scheduling rules.
  preferredDuringSchedulingIgnoredDuringExecution []core.WeightedPodAffinityTerm list=atomic | The scheduler will prefer to schedule pods to nodes that satisfy the anti-affinity expressions specified by this field.
  requiredDuringSchedulingIgnoredDuringExecution []core.PodAffinityTerm list=atomic | If the anti-affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node.

@core.PodAffinityTerm | Defines a set of pods (namely those matching the labelSelector relative to the given namespace(s)) that this pod should be co-located (affinity) or not co-located (anti-affinity) with.
  labelSelector meta.LabelSelector | A label query over a set of resources, in this case pods.
  matchLabelKeys []string list=atomic | MatchLabelKeys is a set of pod label keys to select which pods will be taken into consideration.
  mismatchLabelKeys []string list=atomic | MismatchLabelKeys is a set of pod label keys to select which pods will be taken into consideration.
  namespaceSelector meta.LabelSelector | A label query over the set of namespaces that the term applies to.
  namespaces []string list=atomic | namespaces specifies a static list of namespace names that the term applies to.
  topologyKey string req | This pod should be co-located (affinity) or not co-located (anti-affinity) with the pods matching the labelSelector in the specified namespaces, where co-located is defined as running on a node whose value of the label with key topologyKey matches that of any node on which any of the selected pods is running.

@core.WeightedPodAffinityTerm | The weights of all of the matched WeightedPodAffinityTerm fields are added per-node to find the most preferred node(s).
  podAffinityTerm core.PodAffinityTerm req | Required. A pod affinity term, associated with the corresponding weight.
  weight int32 req | weight associated with matching the corresponding podAffinityTerm, in the range 1-100.

@core.Toleration | The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator <operator>.
  effect string enum=NoExecute,NoSchedule,PreferNoSchedule | Effect indicates the taint effect to match. Empty means match all taint effects.
  key string | Key is the taint key that the toleration applies to. Empty means match all taint keys.
  operator string enum=Equal,Exists | Operator represents a key's relationship to the value. Valid operators are Exists and Equal. Defaults to Equal.
  tolerationSeconds int64 | TolerationSeconds represents the period of time the toleration (which must be of effect NoExecute) tolerates the taint.
  value string | Value is the taint value the toleration matches to.

@core.TopologySpreadConstraint | TopologySpreadConstraint specifies how to spread matching pods among the given topology.
  labelSelector meta.LabelSelector | LabelSelector is used to find matching pods.
  matchLabelKeys []string list=atomic | MatchLabelKeys is a set of pod label keys to select the pods over which spreading will be calculated.
  maxSkew int32 req | MaxSkew describes the degree to which pods may be unevenly distributed.
  minDomains int32 | MinDomains indicates a minimum number of eligible domains.
  nodeAffinityPolicy string enum=Honor,Ignore | NodeAffinityPolicy indicates how we will treat Pod's nodeAffinity/nodeSelector when calculating pod topology spread skew.
  nodeTaintsPolicy string enum=Honor,Ignore | NodeTaintsPolicy indicates how we will treat node taints when calculating pod topology spread skew.
  topologyKey string req | TopologyKey is the key of node labels. Nodes that have a label with this key and identical values are considered to be in the same topology.
  whenUnsatisfiable string req enum=DoNotSchedule,ScheduleAnyway | WhenUnsatisfiable indicates how to deal with a pod if it doesn't satisfy the spread constraint.

@core.LocalObjectReference | LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace.
  name string | Name of the referent.

@core.PodDNSConfig | PodDNSConfig defines the DNS parameters of a pod in addition to those generated from DNSPolicy.
  nameservers []string list=atomic | A list of DNS name server IP addresses.
  options []core.PodDNSConfigOption list=atomic | A list of DNS resolver options.
  searches []string list=atomic | A list of DNS search domains for host-name lookup.

@core.PodDNSConfigOption | PodDNSConfigOption defines DNS resolver options of a pod.
  name string | Name is this DNS resolver option's name. Required.
  value string | Value is this DNS resolver option's value.

@core.HostAlias | HostAlias holds the mapping between IP and hostnames that will be injected as an entry in the pod's hosts file.
  hostnames []string list=atomic | Hostnames for the above IP address.
  ip string req | IP address of the host file entry.

@core.PodReadinessGate | PodReadinessGate contains the reference to a pod condition.
  conditionType string req | ConditionType refers to a condition in the pod's condition list with matching type.

@core.PodSchedulingGate | PodSchedulingGate is associated to a Pod to guard its scheduling.
  name string req | Name of the scheduling gate. Each scheduling gate must have a unique name field.

@core.PodOS | PodOS defines the OS parameters of a pod.
  name string req | Name is the name of the operating system. The currently supported values are linux and windows.

@core.PodStatus | PodStatus represents information about the status of a pod. Status may trail the actual state of a system.
  conditions []core.PodCondition patch=merge key=type | Current service state of pod.
  containerStatuses []core.ContainerStatus list=atomic | The list has one entry per container in the manifest.
  hostIP string | hostIP holds the IP address of the host to which the pod is assigned.
  hostIPs []core.HostIP patch=merge key=ip list=atomic | hostIPs holds the IP addresses allocated to the host.
  initContainerStatuses []core.ContainerStatus list=atomic | The list has one entry per init container in the manifest.
  message string | A human readable message indicating details about why the pod is in this condition.
  nominatedNodeName string | nominatedNodeName is set only when this pod preempts other pods on the node.
  observedGeneration int64 | If set, this represents the .metadata.generation that the pod status was set based upon.
  phase string enum=Failed,Pending,Running,Succeeded,Unknown | The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle: Pending, Running, Succeeded, Failed or Unknown.
  podIP string | podIP address allocated to the pod. Routable at least within the cluster.
  podIPs []core.PodIP patch=merge key=ip | podIPs holds the IP addresses allocated to the pod.
  qosClass string enum=BestEffort,Burstable,Guaranteed | The Quality of Service (QOS) classification assigned to the pod based on resource requirements.
  reason string | A brief CamelCase message indicating details about why the pod is in this state. e.g. 'Evicted'
  startTime time | RFC 3339 date and time at which the object was acknowledged by the Kubelet.

@core.PodCondition | PodCondition contains details for the current condition of this pod.
  lastProbeTime time | Last time we probed the condition.
  lastTransitionTime time | Last time the condition transitioned from one status to another.
  message string | Human-readable message indicating details about last transition.
  observedGeneration int64 | If set, this represents the .metadata.generation that the pod condition was set based upon.
  reason string | Unique, one-word, CamelCase reason for the condition's last transition.
  status string req | Status is the status of the condition. Can be True, False, Unknown.
  type string req | Type is the type of the condition: PodScheduled, Ready, Initialized, ContainersReady, PodReadyToStartContainers.

@core.PodIP | PodIP represents a single IP address allocated to the pod.
  ip string req | IP is the IP address assigned to the pod.

@core.HostIP | HostIP represents a single IP address allocated to the host.
  ip string req | IP is the IP address assigned to the host.

@core.ContainerStatus | ContainerStatus contains details for the current status of this container.
  allocatedResources {}quantity | AllocatedResources represents the compute resources allocated for this container by the node.
  containerID string | ContainerID is the ID of the container in the format '<type>://<container_id>'.
  image string req | Image is the name of container image that the container is running.
  imageID string req | ImageID is the image ID of the container's image.
  lastState core.ContainerState | LastTerminationState holds the last termination state of the container.
  name string req | Name is a DNS_LABEL representing the unique name of the container.
  ready boolean req | Ready specifies whether the container is currently passing its readiness check.
  resources core.ResourceRequirements | Resources represents the compute resource requests and limits that have been successfully enacted on the running container.
  restartCount int32 req | RestartCount holds the number of times the container has been restarted.
  started boolean | Started indicates whether the container has finished its postStart lifecycle hook and passed its startup probe.
  state core.ContainerState | State holds details about the container's current condition.
  stopSignal string | StopSignal reports the effective stop signal for this container.
  volumeMounts []core.VolumeMountStatus patch=merge key=mountPath | Status of volume mounts.

@core.VolumeMountStatus | VolumeMountStatus shows status of volume mounts.
  mountPath string req | MountPath corresponds to the original VolumeMount.
  name string req | Name corresponds to the name of the original VolumeMount.
  readOnly boolean | ReadOnly corresponds to the original VolumeMount.
  recursiveReadOnly string | RecursiveReadOnly must be set to Disabled, Enabled, or unspecified (for non-readonly mounts).

@core.ContainerState | ContainerState holds a possible state of container. Only one of its members may be specified.
  running core.ContainerStateRunning | Details about a running container.
  terminated core.ContainerStateTerminated | Details about a terminated container.
  waiting core.ContainerStateWaiting | Details about a waiting container.

@core.ContainerStateRunning | ContainerStateRunning is a running state of a container.
  startedAt time | Time at which the container was last (re-)started.

@core.ContainerStateTerminated | ContainerStateTerminated is a terminated state of a container.
  containerID string | Container's ID in the format '<type>://<container_id>'.
  exitCode int32 req | Exit status from the last termination of the container.
  finishedAt time | Time at which the container last terminated.
  message string | Message regarding the last termination of the container.
  reason string | (brief) reason from the last termination of the container.
  signal int32 | Signal from the last termination of the container.
  startedAt time | Time at which previous execution of the container started.

@core.ContainerStateWaiting | ContainerStateWaiting is a waiting state of a container.
  message string | Message regarding why the container is not yet running.
  reason string | (brief) reason the container is not yet running.
"""
