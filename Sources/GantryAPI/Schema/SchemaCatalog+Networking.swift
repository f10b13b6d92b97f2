// networking.k8s.io/v1 (Ingress, IngressClass) scheduling.k8s.io/v1 (PriorityClass) and v1 LimitRange. Format: see `SchemaDSL`.

let networkingSchemaSource = """
@core.TypedLocalObjectReference | TypedLocalObjectReference contains enough information to let you locate the typed referenced object inside the same namespace.
  apiGroup string | APIGroup is the group for the resource being referenced. If not specified, the Kind must be in the core API group.
  kind string req | Kind is the type of resource being referenced.
  name string req | Name is the name of resource being referenced.

@networking.Ingress gvk=networking.k8s.io/v1/Ingress | Ingress is a collection of rules that allow inbound connections to reach the endpoints defined by a backend.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec networking.IngressSpec | Spec is the desired state of the Ingress.
  status networking.IngressStatus | Status is the current state of the Ingress.

@networking.IngressList gvk=networking.k8s.io/v1/IngressList | IngressList is a collection of Ingress.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []networking.Ingress req | Items is the list of Ingress.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard object's metadata.

@networking.IngressSpec | IngressSpec describes the Ingress the user wishes to exist.
  defaultBackend networking.IngressBackend | The backend that handles requests that match no rule. Required if there are no rules.
  ingressClassName string | The name of an IngressClass cluster resource.
  rules []networking.IngressRule list=atomic | A list of host rules used to configure the Ingress.
  tls []networking.IngressTLS list=atomic | TLS configuration.

@networking.IngressBackend | IngressBackend describes all endpoints for a given service and port.
  resource core.TypedLocalObjectReference | An object reference to another resource in the namespace of the Ingress. Mutually exclusive with service.
  service networking.IngressServiceBackend | A Service as a backend. Mutually exclusive with resource.

@networking.IngressServiceBackend | IngressServiceBackend references a Kubernetes Service as a Backend.
  name string req | Name is the referenced service. The service must exist in the same namespace as the Ingress object.
  port networking.ServiceBackendPort | Port of the referenced service. A port name or port number is required.

@networking.ServiceBackendPort | ServiceBackendPort is the service port being referenced.
  name string | Name is the name of the port on the Service. Mutually exclusive with number.
  number int32 | Number is the numerical port number on the Service. Mutually exclusive with name.

@networking.IngressRule | IngressRule represents the rules mapping the paths under a specified host to the related backend services.
  host string | Host is the fully qualified domain name of a network host, or a wildcard (*.foo.com). IPs are not allowed.
  http networking.HTTPIngressRuleValue | The HTTP paths of this rule.

@networking.HTTPIngressRuleValue | HTTPIngressRuleValue is a list of http selectors pointing to backends.
  paths []networking.HTTPIngressPath req list=atomic | A collection of paths that map requests to backends.

@networking.HTTPIngressPath | HTTPIngressPath associates a path with a backend.
  backend networking.IngressBackend req | Backend defines the referenced service endpoint to which the traffic will be forwarded to.
  path string | Path is matched against the path of an incoming request. Must begin with a '/' for Exact and Prefix.
  pathType string req enum=Exact,ImplementationSpecific,Prefix | PathType determines the interpretation of the Path matching.

@networking.IngressTLS | IngressTLS describes the transport layer security associated with an ingress.
  hosts []string list=atomic | Hosts included in the TLS certificate.
  secretName string | The name of the secret used to terminate TLS traffic on port 443.

@networking.IngressStatus | IngressStatus describe the current state of the Ingress.
  loadBalancer networking.IngressLoadBalancerStatus | LoadBalancer contains the current status of the load-balancer.

@networking.IngressLoadBalancerStatus | IngressLoadBalancerStatus represents the status of a load-balancer.
  ingress []networking.IngressLoadBalancerIngress list=atomic | Ingress points for the load-balancer.

@networking.IngressLoadBalancerIngress | IngressLoadBalancerIngress represents the status of a load-balancer ingress point.
  hostname string | Hostname is set for load-balancer ingress points that are DNS based.
  ip string | IP is set for load-balancer ingress points that are IP based.
  ports []networking.IngressPortStatus list=atomic | The ports exposed by this LoadBalancer.

@networking.IngressPortStatus | IngressPortStatus represents the error condition of a service port.
  error string | The problem with the service port.
  port int32 req | Port is the port number of the ingress port.
  protocol string req enum=SCTP,TCP,UDP | Protocol is the protocol of the ingress port.

@networking.NetworkPolicy gvk=networking.k8s.io/v1/NetworkPolicy | NetworkPolicy describes what network traffic is allowed for a set of Pods. Enforced by every Gantry agent.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec networking.NetworkPolicySpec | spec represents the specification of the desired behavior for this NetworkPolicy.

@networking.NetworkPolicyList gvk=networking.k8s.io/v1/NetworkPolicyList | NetworkPolicyList is a list of NetworkPolicy objects.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []networking.NetworkPolicy req | items is a list of schema objects.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@networking.NetworkPolicySpec | NetworkPolicySpec provides the specification of a NetworkPolicy.
  egress []networking.NetworkPolicyEgressRule list=atomic | egress is a list of egress rules to be applied to the selected pods.
  ingress []networking.NetworkPolicyIngressRule list=atomic | ingress is a list of ingress rules to be applied to the selected pods.
  podSelector meta.LabelSelector | podSelector selects the pods to which this NetworkPolicy object applies. An empty selector selects all pods in the namespace.
  policyTypes []string list=atomic | policyTypes is a list of rule types that the NetworkPolicy relates to: Ingress, Egress.

@networking.NetworkPolicyIngressRule | NetworkPolicyIngressRule describes a particular set of traffic that is allowed to the pods matched by a NetworkPolicySpec's podSelector.
  from []networking.NetworkPolicyPeer list=atomic | from is a list of sources which should be able to access the pods selected for this rule. Empty matches all sources.
  ports []networking.NetworkPolicyPort list=atomic | ports is a list of ports which should be made accessible on the pods selected for this rule. Empty matches all ports.

@networking.NetworkPolicyEgressRule | NetworkPolicyEgressRule describes a particular set of traffic that is allowed out of pods matched by a NetworkPolicySpec's podSelector.
  ports []networking.NetworkPolicyPort list=atomic | ports is a list of destination ports for outgoing traffic. Empty matches all ports.
  to []networking.NetworkPolicyPeer list=atomic | to is a list of destinations for outgoing traffic of pods selected for this rule. Empty matches all destinations.

@networking.NetworkPolicyPeer | NetworkPolicyPeer describes a peer to allow traffic to/from.
  ipBlock networking.IPBlock | ipBlock defines policy on a particular IPBlock.
  namespaceSelector meta.LabelSelector | namespaceSelector selects namespaces using cluster-scoped labels.
  podSelector meta.LabelSelector | podSelector is a label selector which selects pods.

@networking.NetworkPolicyPort | NetworkPolicyPort describes a port to allow traffic on.
  endPort int32 | endPort indicates that the range of ports from port to endPort if set, inclusive, should be allowed by the policy.
  port intstr | port represents the port on the given protocol: a numerical or named port on a pod.
  protocol string enum=SCTP,TCP,UDP | protocol represents the protocol (TCP, UDP, or SCTP) which traffic must match. Defaults to TCP.

@networking.IPBlock | IPBlock describes a particular CIDR that is allowed to the pods matched by a NetworkPolicySpec's podSelector.
  cidr string req | cidr is a string representing the IPBlock, e.g. "192.168.1.0/24".
  except []string list=atomic | except is a slice of CIDRs that should not be included within an IPBlock.

@networking.IngressClass gvk=networking.k8s.io/v1/IngressClass | IngressClass represents the class of the Ingress, referenced by the Ingress Spec. The `ingressclass.kubernetes.io/is-default-class` annotation marks the default.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec networking.IngressClassSpec | Spec is the desired state of the IngressClass.

@networking.IngressClassList gvk=networking.k8s.io/v1/IngressClassList | IngressClassList is a collection of IngressClasses.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []networking.IngressClass req | Items is the list of IngressClasses.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@networking.IngressClassSpec | IngressClassSpec provides information about the class of an Ingress.
  controller string | The name of the controller that should handle this class, a domain-prefixed path (acme.io/ingress-controller). Immutable.
  parameters networking.IngressClassParametersReference | A link to a resource with additional configuration for the controller.

@networking.IngressClassParametersReference | IngressClassParametersReference identifies an API object.
  apiGroup string | APIGroup is the group for the resource being referenced.
  kind string req | Kind is the type of resource being referenced.
  name string req | Name is the name of resource being referenced.
  namespace string | The namespace of the resource, required when scope is Namespace.
  scope string | Cluster (default) or Namespace.
"""
