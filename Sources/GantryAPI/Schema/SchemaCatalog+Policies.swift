// The kinds admission applies to pods: scheduling.k8s.io/v1 (PriorityClass) and v1 LimitRange. Format: see `SchemaDSL`.

let policiesSchemaSource = """
@scheduling.PriorityClass gvk=scheduling.k8s.io/v1/PriorityClass | PriorityClass defines mapping from a priority class name to the priority integer value.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  description string | An arbitrary string that usually provides guidelines on when this priority class should be used.
  globalDefault boolean | Whether this PriorityClass is the default priority of pods that do not name one. Only one may be.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  preemptionPolicy string enum=Never,PreemptLowerPriority | The policy for preempting pods with lower priority: PreemptLowerPriority (default) or Never.
  value int32 req | The value of this priority class: the actual priority that pods receive when they name it in priorityClassName.

@scheduling.PriorityClassList gvk=scheduling.k8s.io/v1/PriorityClassList | PriorityClassList is a collection of priority classes.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []scheduling.PriorityClass req | items is the list of PriorityClasses
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.LimitRange gvk=v1/LimitRange | LimitRange sets resource usage limits for each kind of resource in a Namespace.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec core.LimitRangeSpec | Spec defines the limits enforced.

@core.LimitRangeList gvk=v1/LimitRangeList | LimitRangeList is a list of LimitRange items.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.LimitRange req | Items is a list of LimitRange objects.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.ResourceQuota gvk=v1/ResourceQuota | ResourceQuota sets aggregate quota restrictions enforced per namespace
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec core.ResourceQuotaSpec | Spec defines the desired quota.
  status core.ResourceQuotaStatus | Status defines the actual enforced quota and its current usage.

@core.ResourceQuotaList gvk=v1/ResourceQuotaList | ResourceQuotaList is a list of ResourceQuota items.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.ResourceQuota req | Items is a list of ResourceQuota objects.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.ResourceQuotaSpec | ResourceQuotaSpec defines the desired hard limits to enforce for Quota.
  hard {}quantity | hard is the set of desired hard limits for each named resource.
  scopeSelector core.ScopeSelector | scopeSelector is also a collection of filters like scopes that must match each object tracked by a quota. Not supported by Gantry.
  scopes []string list=atomic | A collection of filters that must match each object tracked by a quota. Not supported by Gantry.

@core.ScopeSelector | A scope selector represents the AND of the selectors represented by the scoped-resource selector requirements.
  matchExpressions []core.ScopedResourceSelectorRequirement list=atomic | A list of scope selector requirements by scope of the resources.

@core.ScopedResourceSelectorRequirement | A scoped-resource selector requirement is a selector that contains values, a scope name, and an operator that relates the scope name and values.
  operator string req | Represents a scope's relationship to a set of values.
  scopeName string req | The name of the scope that the selector applies to.
  values []string list=atomic | An array of string values.

@core.ResourceQuotaStatus | ResourceQuotaStatus defines the enforced hard limits and observed use.
  hard {}quantity | Hard is the set of enforced hard limits for each named resource.
  used {}quantity | Used is the current observed total usage of the resource in the namespace.

@core.LimitRangeSpec | LimitRangeSpec defines a min/max usage limit for resources that match on kind.
  limits []core.LimitRangeItem req list=atomic | Limits is the list of LimitRangeItem objects that are enforced.

@core.LimitRangeItem | LimitRangeItem defines a min/max usage limit for any resource that matches on kind.
  default {}quantity | Default resource requirement limit value by resource name if resource limit is omitted.
  defaultRequest {}quantity | DefaultRequest is the default resource requirement request value by resource name if resource request is omitted.
  max {}quantity | Max usage constraints on this kind by resource name.
  maxLimitRequestRatio {}quantity | MaxLimitRequestRatio if specified, the named resource must have a request and limit that are both non-zero where limit divided by request is less than or equal to the enumerated value.
  min {}quantity | Min usage constraints on this kind by resource name.
  type string req | Type of resource that this limit applies to: Container, Pod or PersistentVolumeClaim.
"""

// metrics.k8s.io/v1beta1 (metrics-server's NodeMetrics and PodMetrics). Format: see `SchemaDSL`.
let metricsSchemaSource = """
@metrics.NodeMetrics gvk=metrics.k8s.io/v1beta1/NodeMetrics | NodeMetrics sets resource usage metrics of a node.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  timestamp time | The following fields define time interval from which metrics were collected from the interval [Timestamp-Window, Timestamp].
  usage {}quantity | The memory and CPU usage of the node.
  window string | The window of the interval the usage was measured over.

@metrics.NodeMetricsList gvk=metrics.k8s.io/v1beta1/NodeMetricsList | NodeMetricsList is a list of NodeMetrics.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []metrics.NodeMetrics req | List of node metrics.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@metrics.ContainerMetrics | ContainerMetrics sets resource usage metrics of a container.
  name string req | Container name corresponding to the one from pod.spec.containers.
  usage {}quantity req | The memory and CPU usage of the container.

@metrics.PodMetrics gvk=metrics.k8s.io/v1beta1/PodMetrics | PodMetrics sets resource usage metrics of a pod.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  containers []metrics.ContainerMetrics list=atomic | Metrics for all containers are collected within the same time window.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  timestamp time | The following fields define time interval from which metrics were collected from the interval [Timestamp-Window, Timestamp].
  window string | The window of the interval the usage was measured over.

@metrics.PodMetricsList gvk=metrics.k8s.io/v1beta1/PodMetricsList | PodMetricsList is a list of PodMetrics.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []metrics.PodMetrics req | List of pod metrics.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.
"""
