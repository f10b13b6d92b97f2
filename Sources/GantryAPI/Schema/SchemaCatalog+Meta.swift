// The apimachinery types: object and list metadata, Status, DeleteOptions, WatchEvent, discovery,
// and the named primitives (Quantity, IntOrString, Time, MicroTime). Format: see `SchemaDSL`.

let metaSchemaSource = """
@quantity = string | Quantity is a fixed-point representation of a number, e.g. "500m", "128Mi", "2".
@intstr = string format=int-or-string | IntOrString is a type that can hold an int32 or a string.
@time = string format=date-time | Time is a timestamp in RFC 3339 format, with second precision.
@microtime = string format=date-time | MicroTime is a timestamp in RFC 3339 format, with microsecond precision.
@meta.FieldsV1 = object | FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.
@runtime.RawExtension = object | RawExtension holds an embedded object of any kind, as JSON.
@meta.Patch = object | Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.

@meta.ObjectMeta | ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.
  annotations {}string | Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.
  creationTimestamp time | CreationTimestamp is a timestamp representing the server time when this object was created. Read-only.
  deletionGracePeriodSeconds int64 | Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Read-only.
  deletionTimestamp time | DeletionTimestamp is the RFC 3339 date and time at which this resource will be deleted. Set by the server when a graceful deletion is requested. Read-only.
  finalizers []string patch=merge list=set | Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list.
  generateName string | GenerateName is an optional prefix, used by the server, to generate a unique name only if the Name field has not been provided.
  generation int64 | A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.
  labels {}string | Map of string keys and values that can be used to organize and categorize (scope and select) objects.
  managedFields []meta.ManagedFieldsEntry list=atomic | ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.
  name string | Name must be unique within a namespace. Required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.
  namespace string | Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the "default" namespace.
  ownerReferences []meta.OwnerReference patch=merge key=uid | List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected.
  resourceVersion string | An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed. Read-only.
  selfLink string | Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.
  uid string | UID is the unique in time and space value for this object. Populated by the system. Read-only.

@meta.OwnerReference | OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped.
  apiVersion string req | API version of the referent.
  blockOwnerDeletion boolean | If true, AND if the owner has the "foregroundDeletion" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed.
  controller boolean | If true, this reference points to the managing controller.
  kind string req | Kind of the referent.
  name string req | Name of the referent.
  uid string req | UID of the referent.

@meta.ManagedFieldsEntry | ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.
  apiVersion string | APIVersion defines the version of this resource that this field set applies to.
  fieldsType string | FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: "FieldsV1".
  fieldsV1 meta.FieldsV1 | FieldsV1 holds the first JSON version format as described in the "FieldsV1" type.
  manager string | Manager is an identifier of the workflow managing these fields.
  operation string | Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are 'Apply' and 'Update'.
  subresource string | Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource.
  time time | Time is the timestamp of when the ManagedFields entry was added.

@meta.ListMeta | ListMeta describes metadata that synthetic resources must have, including lists and various status objects.
  continue string | continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available.
  remainingItemCount int64 | remainingItemCount is the number of subsequent items in the list which are not included in this list response.
  resourceVersion string | String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed.
  selfLink string | Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.

@meta.LabelSelector | A label selector is a label query over a set of resources. The result of matchLabels and matchExpressions are ANDed. An empty label selector matches all objects.
  matchExpressions []meta.LabelSelectorRequirement list=atomic | matchExpressions is a list of label selector requirements. The requirements are ANDed.
  matchLabels {}string | matchLabels is a map of {key,value} pairs, each equivalent to an element of matchExpressions with operator "In" and a single value.

@meta.LabelSelectorRequirement | A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.
  key string req | key is the label key that the selector applies to.
  operator string req | operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist.
  values []string list=atomic | values is an array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty.

@meta.Condition | Condition contains details for one aspect of the current state of this API Resource.
  lastTransitionTime time req | lastTransitionTime is the last time the condition transitioned from one status to another.
  message string req | message is a human readable message indicating details about the transition.
  observedGeneration int64 | observedGeneration represents the .metadata.generation that the condition was set based upon.
  reason string req | reason contains a programmatic identifier indicating the reason for the condition's last transition.
  status string req | status of the condition, one of True, False, Unknown.
  type string req | type of condition in CamelCase or in foo.example.com/CamelCase.

@meta.Status gvk=v1/Status | Status is a return value for calls that don't return other objects.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  code int32 | Suggested HTTP return code for this status, 0 if not set.
  details meta.StatusDetails | Extended data associated with the reason. Each reason may define its own extended details.
  kind string | Kind is a string value representing the REST resource this object represents.
  message string | A human-readable description of the status of this operation.
  metadata meta.ListMeta | Standard list metadata.
  reason string | A machine-readable description of why this operation is in the "Failure" status.
  status string | Status of the operation. One of: "Success" or "Failure".

@meta.StatusDetails | StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.
  causes []meta.StatusCause list=atomic | The Causes array includes more details associated with the StatusReason failure.
  group string | The group attribute of the resource associated with the status StatusReason.
  kind string | The kind attribute of the resource associated with the status StatusReason.
  name string | The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).
  retryAfterSeconds int32 | If specified, the time in seconds before the operation should be retried.
  uid string | UID of the resource (when there is a single resource which can be described).

@meta.StatusCause | StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.
  field string | The field of the resource that has caused this error, as named by its JSON serialization.
  message string | A human-readable description of the cause of the error.
  reason string | A machine-readable description of the cause of the error.

@meta.DeleteOptions gvk=v1/DeleteOptions gvk=apps/v1/DeleteOptions gvk=batch/v1/DeleteOptions gvk=coordination.k8s.io/v1/DeleteOptions gvk=discovery.k8s.io/v1/DeleteOptions gvk=autoscaling/v1/DeleteOptions | DeleteOptions may be provided when deleting an API object.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  dryRun []string list=atomic | When present, indicates that modifications should not be persisted. Valid values are: All.
  gracePeriodSeconds int64 | The duration in seconds before the object should be deleted. Zero means delete immediately.
  ignoreStoreReadErrorWithClusterBreakingPotential boolean | if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.
  kind string | Kind is a string value representing the REST resource this object represents.
  orphanDependents boolean | Deprecated: please use the PropagationPolicy. Should the dependent objects be orphaned.
  preconditions meta.Preconditions | Must be fulfilled before a deletion is carried out. If not possible, a 409 Conflict status will be returned.
  propagationPolicy string enum=Orphan,Background,Foreground | Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'.

@meta.Preconditions | Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.
  resourceVersion string | Specifies the target ResourceVersion.
  uid string | Specifies the target UID.

@meta.WatchEvent gvk=v1/WatchEvent gvk=apps/v1/WatchEvent gvk=batch/v1/WatchEvent gvk=coordination.k8s.io/v1/WatchEvent gvk=discovery.k8s.io/v1/WatchEvent gvk=autoscaling/v1/WatchEvent | Event represents a single event to a watched resource.
  object runtime.RawExtension req | Object is: the object of the event for ADDED/MODIFIED, the state before deletion for DELETED, a Status for ERROR, an object with only resourceVersion for BOOKMARK.
  type string req | Type of the event: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.

@meta.APIVersions gvk=v1/APIVersions | APIVersions lists the versions that are available, to allow clients to discover the API at /api.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  serverAddressByClientCIDRs []meta.ServerAddressByClientCIDR req list=atomic | A map of client CIDR to server address that is serving this group.
  versions []string req list=atomic | versions are the api versions that are available.

@meta.ServerAddressByClientCIDR | ServerAddressByClientCIDR helps the client to determine the server address that they should use, depending on the clientCIDR that they match.
  clientCIDR string req | The CIDR with which clients can match their IP to figure out the server address that they should use.
  serverAddress string req | Address of this server, suitable for a client that matches the above CIDR.

@meta.APIGroupList gvk=v1/APIGroupList | APIGroupList is a list of APIGroup, to allow clients to discover the API at /apis.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  groups []meta.APIGroup req list=atomic | groups is a list of APIGroup.
  kind string | Kind is a string value representing the REST resource this object represents.

@meta.APIGroup gvk=v1/APIGroup | APIGroup contains the name, the supported versions, and the preferred version of a group.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  name string req | name is the name of the group.
  preferredVersion meta.GroupVersionForDiscovery | preferredVersion is the version preferred by the API server, which probably is the storage version.
  serverAddressByClientCIDRs []meta.ServerAddressByClientCIDR list=atomic | A map of client CIDR to server address that is serving this group.
  versions []meta.GroupVersionForDiscovery req list=atomic | versions are the versions supported in this group.

@meta.GroupVersionForDiscovery | GroupVersion contains the "group/version" and "version" string of a version.
  groupVersion string req | groupVersion specifies the API group and version in the form "group/version".
  version string req | version specifies the version in the form of "version".

@version.Info | Info contains versioning information.
  buildDate string req | Build date.
  compiler string req | Compiler used to build.
  gitCommit string req | Git commit.
  gitTreeState string req | Git tree state.
  gitVersion string req | Git version.
  goVersion string req | Go version (the toolchain's version).
  major string req | Major version.
  minor string req | Minor version.
  platform string req | Platform (OS/architecture).
"""
