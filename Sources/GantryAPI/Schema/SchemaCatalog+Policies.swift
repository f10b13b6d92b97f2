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

// autoscaling/v2 (HorizontalPodAutoscaler). Format: see `SchemaDSL`.
let autoscalingSchemaSource = """
@autoscaling2.HorizontalPodAutoscaler gvk=autoscaling/v2/HorizontalPodAutoscaler | HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, which automatically manages the replica count of any resource implementing the scale subresource based on the metrics specified.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | metadata is the standard object metadata.
  spec autoscaling2.HorizontalPodAutoscalerSpec | spec is the specification for the behaviour of the autoscaler.
  status autoscaling2.HorizontalPodAutoscalerStatus | status is the current information about the autoscaler.

@autoscaling2.HorizontalPodAutoscalerList gvk=autoscaling/v2/HorizontalPodAutoscalerList | HorizontalPodAutoscalerList is a list of horizontal pod autoscaler objects.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []autoscaling2.HorizontalPodAutoscaler req | items is the list of horizontal pod autoscaler objects.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | metadata is the standard list metadata.

@autoscaling2.HorizontalPodAutoscalerSpec | HorizontalPodAutoscalerSpec describes the desired functionality of the HorizontalPodAutoscaler.
  behavior autoscaling2.HorizontalPodAutoscalerBehavior | behavior configures the scaling behavior of the target in both Up and Down directions.
  maxReplicas int32 req | maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.
  metrics []autoscaling2.MetricSpec list=atomic | metrics contains the specifications for which to use to calculate the desired replica count.
  minReplicas int32 | minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.
  scaleTargetRef autoscaling2.CrossVersionObjectReference req | scaleTargetRef points to the target resource to scale.

@autoscaling2.CrossVersionObjectReference | CrossVersionObjectReference contains enough information to let you identify the referred resource.
  apiVersion string | apiVersion is the API version of the referent
  kind string req | kind is the kind of the referent
  name string req | name is the name of the referent

@autoscaling2.MetricSpec | MetricSpec specifies how to scale based on a single metric.
  containerResource autoscaling2.ContainerResourceMetricSource | containerResource refers to a resource metric known to Kubernetes describing a single container in each pod of the current scale target.
  external autoscaling2.ExternalMetricSource | external refers to a global metric that is not associated with any Kubernetes object.
  object autoscaling2.ObjectMetricSource | object refers to a metric describing a single kubernetes object.
  pods autoscaling2.PodsMetricSource | pods refers to a metric describing each pod in the current scale target.
  resource autoscaling2.ResourceMetricSource | resource refers to a resource metric known to Kubernetes describing each pod in the current scale target.
  type string req | type is the type of metric source: ContainerResource, External, Object, Pods or Resource.

@autoscaling2.ResourceMetricSource | ResourceMetricSource indicates how to scale on a resource metric known to Kubernetes.
  name string req | name is the name of the resource in question.
  target autoscaling2.MetricTarget req | target specifies the target value for the given metric

@autoscaling2.ContainerResourceMetricSource | ContainerResourceMetricSource indicates how to scale on a resource metric of one container.
  container string req | container is the name of the container in the pods of the scaling target
  name string req | name is the name of the resource in question.
  target autoscaling2.MetricTarget req | target specifies the target value for the given metric

@autoscaling2.PodsMetricSource | PodsMetricSource indicates how to scale on a metric describing each pod in the current scale target.
  metric autoscaling2.MetricIdentifier req | metric identifies the target metric by name and selector
  target autoscaling2.MetricTarget req | target specifies the target value for the given metric

@autoscaling2.ObjectMetricSource | ObjectMetricSource indicates how to scale on a metric describing a kubernetes object.
  describedObject autoscaling2.CrossVersionObjectReference req | describedObject specifies the descriptions of a object, such as kind,name apiVersion
  metric autoscaling2.MetricIdentifier req | metric identifies the target metric by name and selector
  target autoscaling2.MetricTarget req | target specifies the target value for the given metric

@autoscaling2.ExternalMetricSource | ExternalMetricSource indicates how to scale on a metric not associated with any Kubernetes object.
  metric autoscaling2.MetricIdentifier req | metric identifies the target metric by name and selector
  target autoscaling2.MetricTarget req | target specifies the target value for the given metric

@autoscaling2.MetricIdentifier | MetricIdentifier defines the name and optionally selector for a metric
  name string req | name is the name of the given metric
  selector meta.LabelSelector | selector is the string-encoded form of a standard kubernetes label selector for the given metric.

@autoscaling2.MetricTarget | MetricTarget defines the target value, average value, or average utilization of a specific metric
  averageUtilization int32 | averageUtilization is the target value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods.
  averageValue quantity | averageValue is the target value of the average of the metric across all relevant pods (as a quantity)
  type string req | type represents whether the metric type is Utilization, Value, or AverageValue
  value quantity | value is the target value of the metric (as a quantity).

@autoscaling2.HorizontalPodAutoscalerBehavior | HorizontalPodAutoscalerBehavior configures the scaling behavior of the target in both Up and Down directions.
  scaleDown autoscaling2.HPAScalingRules | scaleDown is scaling policy for scaling Down.
  scaleUp autoscaling2.HPAScalingRules | scaleUp is scaling policy for scaling Up.

@autoscaling2.HPAScalingRules | HPAScalingRules configures the scaling behavior for one direction.
  policies []autoscaling2.HPAScalingPolicy list=atomic | policies is a list of potential scaling polices which can be used during scaling.
  selectPolicy string | selectPolicy is used to specify which policy should be used: Max, Min or Disabled.
  stabilizationWindowSeconds int32 | stabilizationWindowSeconds is the number of seconds for which past recommendations should be considered while scaling up or scaling down.

@autoscaling2.HPAScalingPolicy | HPAScalingPolicy is a single policy which must hold true for a specified past interval.
  periodSeconds int32 req | periodSeconds specifies the window of time for which the policy should hold true.
  type string req | type is used to specify the scaling policy: Pods or Percent.
  value int32 req | value contains the amount of change which is permitted by the policy.

@autoscaling2.HorizontalPodAutoscalerStatus | HorizontalPodAutoscalerStatus describes the current status of a horizontal pod autoscaler.
  conditions []autoscaling2.HorizontalPodAutoscalerCondition patch=merge key=type | conditions is the set of conditions required for this autoscaler to scale its target, and indicates whether or not those conditions are met.
  currentMetrics []autoscaling2.MetricStatus list=atomic | currentMetrics is the last read state of the metrics used by this autoscaler.
  currentReplicas int32 | currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.
  desiredReplicas int32 req | desiredReplicas is the desired number of replicas of pods managed by this autoscaler, as last calculated by the autoscaler.
  lastScaleTime time | lastScaleTime is the last time the HorizontalPodAutoscaler scaled the number of pods.
  observedGeneration int64 | observedGeneration is the most recent generation observed by this autoscaler.

@autoscaling2.HorizontalPodAutoscalerCondition | HorizontalPodAutoscalerCondition describes the state of a HorizontalPodAutoscaler at a certain point.
  lastTransitionTime time | lastTransitionTime is the last time the condition transitioned from one status to another
  message string | message is a human-readable explanation containing details about the transition
  reason string | reason is the reason for the condition's last transition.
  status string req | status is the status of the condition (True, False, Unknown)
  type string req | type describes the current condition

@autoscaling2.MetricStatus | MetricStatus describes the last-read state of a single metric.
  containerResource autoscaling2.ContainerResourceMetricStatus | container resource refers to a resource metric known to Kubernetes describing a single container in each pod in the current scale target.
  external autoscaling2.ExternalMetricStatus | external refers to a global metric that is not associated with any Kubernetes object.
  object autoscaling2.ObjectMetricStatus | object refers to a metric describing a single kubernetes object.
  pods autoscaling2.PodsMetricStatus | pods refers to a metric describing each pod in the current scale target.
  resource autoscaling2.ResourceMetricStatus | resource refers to a resource metric known to Kubernetes describing each pod in the current scale target.
  type string req | type is the type of metric source.

@autoscaling2.ResourceMetricStatus | ResourceMetricStatus indicates the current value of a resource metric known to Kubernetes.
  current autoscaling2.MetricValueStatus req | current contains the current value for the given metric
  name string req | name is the name of the resource in question.

@autoscaling2.ContainerResourceMetricStatus | ContainerResourceMetricStatus indicates the current value of a resource metric of one container.
  container string req | container is the name of the container in the pods of the scaling target
  current autoscaling2.MetricValueStatus req | current contains the current value for the given metric
  name string req | name is the name of the resource in question.

@autoscaling2.PodsMetricStatus | PodsMetricStatus indicates the current value of a metric describing each pod in the current scale target.
  current autoscaling2.MetricValueStatus req | current contains the current value for the given metric
  metric autoscaling2.MetricIdentifier req | metric identifies the target metric by name and selector

@autoscaling2.ObjectMetricStatus | ObjectMetricStatus indicates the current value of a metric describing a kubernetes object.
  current autoscaling2.MetricValueStatus req | current contains the current value for the given metric
  describedObject autoscaling2.CrossVersionObjectReference req | DescribedObject specifies the descriptions of a object.
  metric autoscaling2.MetricIdentifier req | metric identifies the target metric by name and selector

@autoscaling2.ExternalMetricStatus | ExternalMetricStatus indicates the current value of a global metric not associated with any Kubernetes object.
  current autoscaling2.MetricValueStatus req | current contains the current value for the given metric
  metric autoscaling2.MetricIdentifier req | metric identifies the target metric by name and selector

@autoscaling2.MetricValueStatus | MetricValueStatus holds the current value for a metric
  averageUtilization int32 | currentAverageUtilization is the current value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods.
  averageValue quantity | averageValue is the current value of the average of the metric across all relevant pods (as a quantity)
  value quantity | value is the current value of the metric (as a quantity).

@autoscaling.HorizontalPodAutoscaler gvk=autoscaling/v1/HorizontalPodAutoscaler | configuration of a horizontal pod autoscaler.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object metadata.
  spec autoscaling.HorizontalPodAutoscalerSpec | spec defines the behaviour of autoscaler.
  status autoscaling.HorizontalPodAutoscalerStatus | status is the current information about the autoscaler.

@autoscaling.HorizontalPodAutoscalerList gvk=autoscaling/v1/HorizontalPodAutoscalerList | list of horizontal pod autoscaler objects.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []autoscaling.HorizontalPodAutoscaler req | items is the list of horizontal pod autoscaler objects.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@autoscaling.HorizontalPodAutoscalerSpec | specification of a horizontal pod autoscaler.
  maxReplicas int32 req | maxReplicas is the upper limit for the number of pods that can be set by the autoscaler.
  minReplicas int32 | minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.
  scaleTargetRef autoscaling.CrossVersionObjectReference req | reference to scaled resource.
  targetCPUUtilizationPercentage int32 | targetCPUUtilizationPercentage is the target average CPU utilization (represented as a percentage of requested CPU) over all the pods.

@autoscaling.CrossVersionObjectReference | CrossVersionObjectReference contains enough information to let you identify the referred resource.
  apiVersion string | apiVersion is the API version of the referent
  kind string req | kind is the kind of the referent
  name string req | name is the name of the referent

@autoscaling.HorizontalPodAutoscalerStatus | current status of a horizontal pod autoscaler
  currentCPUUtilizationPercentage int32 | currentCPUUtilizationPercentage is the current average CPU utilization over all pods, represented as a percentage of requested CPU.
  currentReplicas int32 req | currentReplicas is the current number of replicas of pods managed by this autoscaler.
  desiredReplicas int32 req | desiredReplicas is the desired number of replicas of pods managed by this autoscaler.
  lastScaleTime time | lastScaleTime is the last time the HorizontalPodAutoscaler scaled the number of pods.
  observedGeneration int64 | observedGeneration is the most recent generation observed by this autoscaler.
"""
