// core/v1 kinds other than Pod: Namespace, Node, ConfigMap, Secret, Service, Endpoints, Event; and policy/v1 Eviction.
// Format: see `SchemaDSL`.

let coreSchemaSource2 = """
@core.ObjectReference | ObjectReference contains enough information to let you inspect or modify the referred object.
  apiVersion string | API version of the referent.
  fieldPath string | If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].
  kind string | Kind of the referent.
  name string | Name of the referent.
  namespace string | Namespace of the referent.
  resourceVersion string | Specific resourceVersion to which this reference is made, if any.
  uid string | UID of the referent.

@core.Namespace gvk=v1/Namespace | Namespace provides a scope for Names. Use of multiple namespaces is optional.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec core.NamespaceSpec | Spec defines the behavior of the Namespace.
  status core.NamespaceStatus | Status describes the current status of a Namespace.

@core.NamespaceList gvk=v1/NamespaceList | NamespaceList is a list of Namespaces.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.Namespace req | Items is the list of Namespace objects in the list.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.NamespaceSpec | NamespaceSpec describes the attributes on a Namespace.
  finalizers []string list=atomic | Finalizers is an opaque list of values that must be empty to permanently remove object from storage.

@core.NamespaceStatus | NamespaceStatus is information about the current status of a Namespace.
  conditions []core.NamespaceCondition patch=merge key=type | Represents the latest available observations of a namespace's current state.
  phase string enum=Active,Terminating | Phase is the current lifecycle phase of the namespace.

@core.NamespaceCondition | NamespaceCondition contains details about state of namespace.
  lastTransitionTime time | Last time the condition transitioned from one status to another.
  message string | Human-readable message indicating details about last transition.
  reason string | Unique, one-word, CamelCase reason for the condition's last transition.
  status string req | Status of the condition, one of True, False, Unknown.
  type string req | Type of namespace controller condition.

@core.Node gvk=v1/Node | Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec core.NodeSpec | Spec defines the behavior of a node.
  status core.NodeStatus | Most recently observed status of the node. Populated by the system. Read-only.

@core.NodeList gvk=v1/NodeList | NodeList is the whole list of all Nodes which have been registered with master.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.Node req | List of nodes.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.NodeSpec | NodeSpec describes the attributes that a node is created with.
  externalID string | Deprecated. Not all kubelets will set this field.
  podCIDR string | PodCIDR represents the pod IP range assigned to the node.
  podCIDRs []string patch=merge list=set | podCIDRs represents the IP ranges assigned to the node for usage by Pods on that node.
  providerID string | ID of the node assigned by the cloud provider in the format: <ProviderName>://<ProviderSpecificNodeID>.
  taints []core.Taint patch=merge key=key list=atomic | If specified, the node's taints.
  unschedulable boolean | Unschedulable controls node schedulability of new pods. By default, node is schedulable.

@core.Taint | The node this Taint is attached to has the "effect" on any pod that does not tolerate the Taint.
  effect string req enum=NoExecute,NoSchedule,PreferNoSchedule | Required. The effect of the taint on pods that do not tolerate the taint. Valid effects are NoSchedule, PreferNoSchedule and NoExecute.
  key string req | Required. The taint key to be applied to a node.
  timeAdded time | TimeAdded represents the time at which the taint was added.
  value string | The taint value corresponding to the taint key.

@core.NodeStatus | NodeStatus is information about the current status of a node.
  addresses []core.NodeAddress patch=merge key=type | List of addresses reachable to the node.
  allocatable {}quantity | Allocatable represents the resources of a node that are available for scheduling. Defaults to Capacity.
  capacity {}quantity | Capacity represents the total resources of a node.
  conditions []core.NodeCondition patch=merge key=type | Conditions is an array of current observed node conditions.
  daemonEndpoints core.NodeDaemonEndpoints | Endpoints of daemons running on the Node.
  images []core.ContainerImage list=atomic | List of container images on this node.
  nodeInfo core.NodeSystemInfo | Set of ids/uuids to uniquely identify the node.
  phase string enum=Pending,Running,Terminated | NodePhase is the recently observed lifecycle phase of the node. Deprecated.
  volumesInUse []string list=atomic | List of attachable volumes in use (mounted) by the node.

@core.NodeAddress | NodeAddress contains information for the node's address.
  address string req | The node address.
  type string req | Node address type, one of Hostname, ExternalIP or InternalIP.

@core.NodeCondition | NodeCondition contains condition information for a node.
  lastHeartbeatTime time | Last time we got an update on a given condition.
  lastTransitionTime time | Last time the condition transit from one status to another.
  message string | Human readable message indicating details about last transition.
  reason string | (brief) reason for the condition's last transition.
  status string req | Status of the condition, one of True, False, Unknown.
  type string req | Type of node condition.

@core.NodeDaemonEndpoints | NodeDaemonEndpoints lists ports opened by daemons running on the Node.
  kubeletEndpoint core.DaemonEndpoint | Endpoint on which Kubelet is listening.

@core.DaemonEndpoint | DaemonEndpoint contains information about a single Daemon endpoint.
  Port int32 req | Port number of the given endpoint.

@core.ContainerImage | Describe a container image.
  names []string list=atomic | Names by which this image is known. e.g. ["kubernetes.example/hyperkube:v1.0.7", "cloud-vendor.registry.example/cloud-vendor/hyperkube:v1.0.7"]
  sizeBytes int64 | The size of the image in bytes.

@core.NodeSystemInfo | NodeSystemInfo is a set of ids/uuids to uniquely identify the node.
  architecture string req | The Architecture reported by the node.
  bootID string req | Boot ID reported by the node.
  containerRuntimeVersion string req | ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).
  kernelVersion string req | Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).
  kubeProxyVersion string req | Deprecated: KubeProxy Version reported by the node.
  kubeletVersion string req | Kubelet Version reported by the node.
  machineID string req | MachineID reported by the node.
  operatingSystem string req | The Operating System reported by the node.
  osImage string req | OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).
  systemUUID string req | SystemUUID reported by the node.

@core.ConfigMap gvk=v1/ConfigMap | ConfigMap holds configuration data for pods to consume.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  binaryData {}byte | BinaryData contains the binary data. Each key must consist of alphanumeric characters, '-', '_' or '.'.
  data {}string | Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'.
  immutable boolean | Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified).
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.

@core.ConfigMapList gvk=v1/ConfigMapList | ConfigMapList is a resource containing a list of ConfigMap objects.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.ConfigMap req | Items is the list of ConfigMaps.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.Secret gvk=v1/Secret | Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  data {}byte | Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string.
  immutable boolean | Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified).
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  stringData {}string | stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience.
  type string | Used to facilitate programmatic handling of secret data, e.g. Opaque or kubernetes.io/tls.

@core.SecretList gvk=v1/SecretList | SecretList is a list of Secret.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.Secret req | Items is a list of secret objects.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.Service gvk=v1/Service | Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec core.ServiceSpec | Spec defines the behavior of a service.
  status core.ServiceStatus | Most recently observed status of the service. Populated by the system. Read-only.

@core.ServiceList gvk=v1/ServiceList | ServiceList holds a list of services.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.Service req | List of services.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.ServiceSpec | ServiceSpec describes the attributes that a user creates on a service.
  allocateLoadBalancerNodePorts boolean | allocateLoadBalancerNodePorts defines if NodePorts will be automatically allocated for services with type LoadBalancer.
  clusterIP string | clusterIP is the IP address of the service and is usually assigned randomly; "None" makes a headless service.
  clusterIPs []string list=atomic | ClusterIPs is a list of IP addresses assigned to this service, and are usually assigned randomly.
  externalIPs []string list=atomic | externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.
  externalName string | externalName is the external reference that discovery mechanisms will return as an alias for this service (e.g. a DNS CNAME record).
  externalTrafficPolicy string enum=Cluster,Local | externalTrafficPolicy describes how nodes distribute service traffic they receive on one of the Service's "externally-facing" addresses.
  healthCheckNodePort int32 | healthCheckNodePort specifies the healthcheck nodePort for the service.
  internalTrafficPolicy string enum=Cluster,Local | InternalTrafficPolicy describes how nodes distribute service traffic they receive on the ClusterIP.
  ipFamilies []string list=atomic | IPFamilies is a list of IP families (e.g. IPv4, IPv6) assigned to this service.
  ipFamilyPolicy string enum=PreferDualStack,RequireDualStack,SingleStack | IPFamilyPolicy represents the dual-stack-ness requested or required by this Service.
  loadBalancerClass string | loadBalancerClass is the class of the load balancer implementation this Service belongs to.
  loadBalancerIP string | Only applies to Service Type: LoadBalancer. Deprecated.
  loadBalancerSourceRanges []string list=atomic | If specified and supported by the platform, traffic through the cloud-provider load-balancer will be restricted to the specified client IPs.
  ports []core.ServicePort patch=merge key=port list=map keys=port,protocol | The list of ports that are exposed by this service.
  publishNotReadyAddresses boolean | publishNotReadyAddresses indicates that any agent which deals with endpoints for this Service should disregard any indications of ready/not-ready.
  selector {}string | Route service traffic to pods with label keys and values matching this selector.
  sessionAffinity string enum=ClientIP,None | Supports "ClientIP" and "None". Used to maintain session affinity. Defaults to None.
  sessionAffinityConfig core.SessionAffinityConfig | sessionAffinityConfig contains the configurations of session affinity.
  trafficDistribution string | TrafficDistribution offers a way to express preferences for how traffic is distributed to Service endpoints.
  type string enum=ClusterIP,ExternalName,LoadBalancer,NodePort | type determines how the Service is exposed. Defaults to ClusterIP.

@core.ServicePort | ServicePort contains information on service's port.
  appProtocol string | The application protocol for this port.
  name string | The name of this port within the service. This must be a DNS_LABEL. All ports within a ServiceSpec must have unique names.
  nodePort int32 | The port on each node on which this service is exposed when type is NodePort or LoadBalancer.
  port int32 req | The port that will be exposed by this service.
  protocol string enum=SCTP,TCP,UDP | The IP protocol for this port. Supports "TCP", "UDP", and "SCTP". Default is TCP.
  targetPort intstr | Number or name of the port to access on the pods targeted by the service. Defaults to the value of the 'port' field.

@core.SessionAffinityConfig | SessionAffinityConfig represents the configurations of session affinity.
  clientIP core.ClientIPConfig | clientIP contains the configurations of Client IP based session affinity.

@core.ClientIPConfig | ClientIPConfig represents the configurations of Client IP based session affinity.
  timeoutSeconds int32 | timeoutSeconds specifies the seconds of ClientIP type session sticky time. Default value is 10800 (3 hours).

@core.ServiceStatus | ServiceStatus represents the current status of a service.
  conditions []meta.Condition patch=merge key=type | Current service state.
  loadBalancer core.LoadBalancerStatus | LoadBalancer contains the current status of the load-balancer, if one is present.

@core.LoadBalancerStatus | LoadBalancerStatus represents the status of a load-balancer.
  ingress []core.LoadBalancerIngress list=atomic | Ingress is a list containing ingress points for the load-balancer.

@core.LoadBalancerIngress | LoadBalancerIngress represents the status of a load-balancer ingress point.
  hostname string | Hostname is set for load-balancer ingress points that are DNS based.
  ip string | IP is set for load-balancer ingress points that are IP based.
  ipMode string | IPMode specifies how the load-balancer IP behaves: VIP or Proxy.
  ports []core.PortStatus list=atomic | Ports is a list of records of service ports.

@core.PortStatus | PortStatus represents the error condition of a service port.
  error string | Error is to record the problem with the service port.
  port int32 req | Port is the port number of the service port of which status is recorded here.
  protocol string req | Protocol is the protocol of the service port of which status is recorded here.

@core.Endpoints gvk=v1/Endpoints | Endpoints is a collection of endpoints that implement the actual service.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  subsets []core.EndpointSubset list=atomic | The set of all endpoints is the union of all subsets.

@core.EndpointsList gvk=v1/EndpointsList | EndpointsList is a list of endpoints.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.Endpoints req | List of endpoints.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.EndpointSubset | EndpointSubset is a group of addresses with a common set of ports.
  addresses []core.EndpointAddress list=atomic | IP addresses which offer the related ports that are marked as ready.
  notReadyAddresses []core.EndpointAddress list=atomic | IP addresses which offer the related ports but are not currently marked as ready.
  ports []core.EndpointPort list=atomic | Port numbers available on the related IP addresses.

@core.EndpointAddress | EndpointAddress is a tuple that describes single IP address.
  hostname string | The Hostname of this endpoint.
  ip string req | The IP of this endpoint.
  nodeName string | Optional: Node hosting this endpoint.
  targetRef core.ObjectReference | Reference to object providing the endpoint.

@core.EndpointPort | EndpointPort is a tuple that describes a single port.
  appProtocol string | The application protocol for this port.
  name string | The name of this port. This must match the 'name' field in the corresponding ServicePort.
  port int32 req | The port number of the endpoint.
  protocol string enum=SCTP,TCP,UDP | The IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.

@core.Event gvk=v1/Event | Event is a report of an event somewhere in the cluster.
  action string | What action was taken/failed regarding to the Regarding object.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  count int32 | The number of times this event has occurred.
  eventTime microtime | Time when this Event was first observed.
  firstTimestamp time | The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)
  involvedObject core.ObjectReference req | The object that this event is about.
  kind string | Kind is a string value representing the REST resource this object represents.
  lastTimestamp time | The time at which the most recent occurrence of this event was recorded.
  message string | A human-readable description of the status of this operation.
  metadata meta.ObjectMeta req | Standard object's metadata.
  reason string | This should be a short, machine understandable string that gives the reason for the transition into the object's current status.
  related core.ObjectReference | Optional secondary object for more complex actions.
  reportingComponent string | Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.
  reportingInstance string | ID of the controller instance, e.g. `kubelet-xyzf`.
  series core.EventSeries | Data about the Event series this event represents or nil if it's a singleton Event.
  source core.EventSource | The component reporting this event. Should be a short machine understandable string.
  type string | Type of this event (Normal, Warning), new types could be added in the future.

@core.EventList gvk=v1/EventList | EventList is a list of events.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.Event req | List of events.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.EventSource | EventSource contains information for an event.
  component string | Component from which the event is generated.
  host string | Node name on which the event is generated.

@core.EventSeries | EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.
  count int32 | Number of occurrences in this series up to the last heartbeat time.
  lastObservedTime microtime | Time of the last occurrence observed.

@policy.PodDisruptionBudget gvk=policy/v1/PodDisruptionBudget | PodDisruptionBudget is an object to define the max disruption that can be caused to a collection of pods.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec policy.PodDisruptionBudgetSpec | Specification of the desired behavior of the PodDisruptionBudget.
  status policy.PodDisruptionBudgetStatus | Most recently observed status of the PodDisruptionBudget.

@policy.PodDisruptionBudgetList gvk=policy/v1/PodDisruptionBudgetList | PodDisruptionBudgetList is a collection of PodDisruptionBudgets.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []policy.PodDisruptionBudget req | Items is a list of PodDisruptionBudgets.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard object's metadata.

@policy.PodDisruptionBudgetSpec | PodDisruptionBudgetSpec is a description of a PodDisruptionBudget.
  maxUnavailable intstr | An eviction is allowed if at most "maxUnavailable" pods selected by "selector" are unavailable after the eviction. Mutually exclusive with minAvailable.
  minAvailable intstr | An eviction is allowed if at least "minAvailable" pods selected by "selector" will still be available after the eviction.
  selector meta.LabelSelector | Label query over pods whose evictions are managed by the disruption budget. A null selector matches no pods; an empty one all pods in the namespace.
  unhealthyPodEvictionPolicy string enum=AlwaysAllow,IfHealthyBudget | When running but not yet healthy pods may be evicted: IfHealthyBudget (default) or AlwaysAllow.

@policy.PodDisruptionBudgetStatus | PodDisruptionBudgetStatus represents information about the status of a PodDisruptionBudget.
  conditions []meta.Condition patch=merge key=type | Conditions for the PDB; the disruption controller sets DisruptionAllowed.
  currentHealthy int32 req | current number of healthy pods
  desiredHealthy int32 req | minimum desired number of healthy pods
  disruptedPods {}time | Pods whose eviction the API server processed but the disruption controller has not yet seen deleted, with the time of the eviction.
  disruptionsAllowed int32 req | Number of pod disruptions that are currently allowed.
  expectedPods int32 req | total number of pods counted by this disruption budget
  observedGeneration int64 | Most recent generation observed when updating this PDB status.

@policy.Eviction gvk=policy/v1/Eviction | Eviction evicts a pod from its node subject to certain policies and safety constraints. It is posted to a pod's eviction subresource.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  deleteOptions meta.DeleteOptions | DeleteOptions may be provided.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | ObjectMeta describes the pod that is being evicted.
"""
