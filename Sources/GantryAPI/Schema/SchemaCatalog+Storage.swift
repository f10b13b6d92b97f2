// v1 PersistentVolume and PersistentVolumeClaim, storage.k8s.io/v1 StorageClass, events.k8s.io/v1 Event. Format: see `SchemaDSL`.

let storageSchemaSource = """
@core.PersistentVolume gvk=v1/PersistentVolume | PersistentVolume (PV) is a storage resource provisioned by an administrator or by a StorageClass's provisioner.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec core.PersistentVolumeSpec | spec defines a specification of a persistent volume owned by the cluster.
  status core.PersistentVolumeStatus | status represents the current information/status for the persistent volume.

@core.PersistentVolumeList gvk=v1/PersistentVolumeList | PersistentVolumeList is a list of PersistentVolume items.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.PersistentVolume req | items is a list of persistent volumes.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.PersistentVolumeSpec | PersistentVolumeSpec is the specification of a persistent volume.
  accessModes []string list=atomic | accessModes contains all ways the volume can be mounted: ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod.
  capacity {}quantity | capacity is the description of the persistent volume's resources and capacity (storage).
  claimRef core.ObjectReference | claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.
  csi core.CSIPersistentVolumeSource | csi represents storage that is handled by an external CSI driver (not mounted by Gantry's agent).
  hostPath core.HostPathVolumeSource | hostPath represents a directory on the host.
  local core.LocalVolumeSource | local represents directly-attached storage with node affinity.
  mountOptions []string list=atomic | mountOptions is the list of mount options.
  nfs core.NFSVolumeSource | nfs represents an NFS mount on the host (not mounted by Gantry's agent).
  nodeAffinity core.VolumeNodeAffinity | nodeAffinity defines constraints that limit what nodes this volume can be accessed from.
  persistentVolumeReclaimPolicy string enum=Delete,Recycle,Retain | What happens to a persistent volume when released from its claim. Defaults to Retain; dynamically provisioned volumes take their class's policy.
  storageClassName string | storageClassName is the name of StorageClass to which this persistent volume belongs. Empty means no class.
  volumeAttributesClassName string | Name of VolumeAttributesClass to which this persistent volume belongs.
  volumeMode string enum=Block,Filesystem | volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.

@core.LocalVolumeSource | Local represents directly-attached storage with node affinity.
  fsType string | fsType is the filesystem type to mount (block devices only).
  path string req | path of the full path to the volume on the node.

@core.CSIPersistentVolumeSource | Represents storage that is managed by an external CSI volume driver.
  driver string req | driver is the name of the driver to use for this volume.
  fsType string | fsType to mount.
  readOnly boolean | readOnly value to pass to ControllerPublishVolumeRequest.
  volumeAttributes {}string | volumeAttributes of the volume to publish.
  volumeHandle string req | volumeHandle is the unique volume name returned by the CSI volume plugin's CreateVolume.

@core.VolumeNodeAffinity | VolumeNodeAffinity defines constraints that limit what nodes this volume can be accessed from.
  required core.NodeSelector | required specifies hard node constraints that must be met.

@core.PersistentVolumeStatus | PersistentVolumeStatus is the current status of a persistent volume.
  lastPhaseTransitionTime time | lastPhaseTransitionTime is the time the phase transitioned from one to another.
  message string | message is a human-readable message indicating details about why the volume is in this state.
  phase string enum=Available,Bound,Failed,Pending,Released | phase indicates if a volume is available, bound to a claim, or released by a claim.
  reason string | reason is a brief CamelCase string that describes any failure.

@core.PersistentVolumeClaim gvk=v1/PersistentVolumeClaim | PersistentVolumeClaim is a user's request for and claim to a persistent volume.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec core.PersistentVolumeClaimSpec | spec defines the desired characteristics of a volume requested by a pod author.
  status core.PersistentVolumeClaimStatus | status represents the current information/status of a persistent volume claim. Read-only.

@core.PersistentVolumeClaimList gvk=v1/PersistentVolumeClaimList | PersistentVolumeClaimList is a list of PersistentVolumeClaim items.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.PersistentVolumeClaim req | items is a list of persistent volume claims.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.PersistentVolumeClaimSpec | PersistentVolumeClaimSpec describes the common attributes of storage devices and allows a Source for provider-specific attributes.
  accessModes []string list=atomic | accessModes contains the desired access modes the volume should have.
  dataSource core.TypedLocalObjectReference | dataSource field can be used to specify an existing VolumeSnapshot or PersistentVolumeClaim (not supported by the local-path provisioner).
  dataSourceRef core.TypedObjectReference | dataSourceRef specifies the object from which to populate the volume with data.
  resources core.VolumeResourceRequirements | resources represents the minimum resources the volume should have.
  selector meta.LabelSelector | selector is a label query over volumes to consider for binding.
  storageClassName string | storageClassName is the name of the StorageClass required by the claim; unset takes the default class, "" means none.
  volumeAttributesClassName string | volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.
  volumeMode string enum=Block,Filesystem | volumeMode defines what type of volume is required by the claim. Filesystem when not included.
  volumeName string | volumeName is the binding reference to the PersistentVolume backing this claim.

@core.TypedObjectReference | TypedObjectReference contains enough information to let you locate the typed referenced object.
  apiGroup string | APIGroup is the group for the resource being referenced.
  kind string req | Kind is the type of resource being referenced.
  name string req | Name is the name of resource being referenced.
  namespace string | Namespace is the namespace of resource being referenced.

@core.VolumeResourceRequirements | VolumeResourceRequirements describes the storage resource requirements for a volume.
  limits {}quantity | Limits describes the maximum amount of compute resources allowed.
  requests {}quantity | Requests describes the minimum amount of compute resources required (storage).

@core.PersistentVolumeClaimStatus | PersistentVolumeClaimStatus is the current status of a persistent volume claim.
  accessModes []string list=atomic | accessModes contains the actual access modes the volume backing the PVC has.
  allocatedResourceStatuses {}string | allocatedResourceStatuses stores status of resource being resized for the given PVC.
  allocatedResources {}quantity | allocatedResources tracks the resources allocated to a PVC including its capacity.
  capacity {}quantity | capacity represents the actual resources of the underlying volume.
  conditions []core.PersistentVolumeClaimCondition patch=merge key=type list=map keys=type | conditions is the current Condition of persistent volume claim.
  currentVolumeAttributesClassName string | currentVolumeAttributesClassName is the current name of the VolumeAttributesClass the PVC is using.
  modifyVolumeStatus core.ModifyVolumeStatus | ModifyVolumeStatus represents the status object of ControllerModifyVolume operation.
  phase string enum=Bound,Lost,Pending | phase represents the current phase of PersistentVolumeClaim.

@core.PersistentVolumeClaimCondition | PersistentVolumeClaimCondition contains details about state of pvc.
  lastProbeTime time | lastProbeTime is the time we probed the condition.
  lastTransitionTime time | lastTransitionTime is the time the condition transitioned from one status to another.
  message string | message is the human-readable message indicating details about last transition.
  reason string | reason is a unique, short, machine understandable string that gives the reason for condition's last transition.
  status string req | Status of the condition.
  type string req | Type of the condition.

@core.ModifyVolumeStatus | ModifyVolumeStatus represents the status object of ControllerModifyVolume operation.
  status string req | status is the status of the ControllerModifyVolume operation.
  targetVolumeAttributesClassName string | targetVolumeAttributesClassName is the name of the VolumeAttributesClass the PVC currently being reconciled.

@storage.StorageClass gvk=storage.k8s.io/v1/StorageClass | StorageClass describes the parameters for a class of storage for which PersistentVolumes can be dynamically provisioned. The `storageclass.kubernetes.io/is-default-class` annotation marks the default.
  allowVolumeExpansion boolean | allowVolumeExpansion shows whether the storage class allow volume expand.
  allowedTopologies []core.TopologySelectorTerm list=atomic | allowedTopologies restrict the node topologies where volumes can be dynamically provisioned.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  mountOptions []string list=atomic | mountOptions controls the mountOptions for dynamically provisioned PersistentVolumes of this storage class.
  parameters {}string | parameters holds the parameters for the provisioner that should create volumes of this storage class.
  provisioner string req | provisioner indicates the type of the provisioner (gantry.dev/local-path is built in).
  reclaimPolicy string enum=Delete,Retain | reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.
  volumeBindingMode string enum=Immediate,WaitForFirstConsumer | volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. Defaults to Immediate.

@storage.StorageClassList gvk=storage.k8s.io/v1/StorageClassList | StorageClassList is a collection of storage classes.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []storage.StorageClass req | items is the list of StorageClasses.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@core.TopologySelectorTerm | A topology selector term represents the result of label queries.
  matchLabelExpressions []core.TopologySelectorLabelRequirement list=atomic | A list of topology selector requirements by labels.

@core.TopologySelectorLabelRequirement | A topology selector requirement is a selector that matches given label.
  key string req | The label key that the selector applies to.
  values []string req list=atomic | An array of string values. One value must match the label to be selected.

@events.Event gvk=events.k8s.io/v1/Event | Event is a report of an event somewhere in the cluster (the same objects as v1 Events, in the events.k8s.io shape).
  action string | action is what action was taken/failed regarding to the regarding object.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  deprecatedCount int32 | deprecatedCount is the deprecated field assuring backward compatibility with core.v1 Event type.
  deprecatedFirstTimestamp time | deprecatedFirstTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.
  deprecatedLastTimestamp time | deprecatedLastTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.
  deprecatedSource core.EventSource | deprecatedSource is the deprecated field assuring backward compatibility with core.v1 Event type.
  eventTime microtime req | eventTime is the time when this Event was first observed. It is required.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  note string | note is a human-readable description of the status of this operation.
  reason string | reason is why the action was taken. It is human-readable.
  regarding core.ObjectReference | regarding contains the object this Event is about.
  related core.ObjectReference | related is the optional secondary object for more complex actions.
  reportingController string | reportingController is the name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.
  reportingInstance string | reportingInstance is the ID of the controller instance, e.g. `kubelet-xyzf`.
  series events.EventSeries | series is data about the Event series this event represents or nil if it's a singleton Event.
  type string | type is the type of this event (Normal, Warning).

@events.EventList gvk=events.k8s.io/v1/EventList | EventList is a list of Event objects.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []events.Event req | items is a list of schema objects.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@events.EventSeries | EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.
  count int32 req | count is the number of occurrences in this series up to the last heartbeat time.
  lastObservedTime microtime req | lastObservedTime is the time when last Event from the series was seen before last heartbeat.
"""
