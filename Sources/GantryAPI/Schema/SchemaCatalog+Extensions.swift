// apiextensions.k8s.io/v1: CustomResourceDefinition. A version's `openAPIV3Schema` (JSONSchemaProps) is
// declared free-form here: it is checked by `StructuralSchema.check`, which knows the JSON Schema keywords.
// Format: see `SchemaDSL`.

let extensionsSchemaSource = """
@apiextensions.CustomResourceDefinition gvk=apiextensions.k8s.io/v1/CustomResourceDefinition | CustomResourceDefinition represents a resource that should be exposed on the API server. Its name MUST be in the format <.spec.name>.<.spec.group>.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec apiextensions.CustomResourceDefinitionSpec req | spec describes how the user wants the resources to appear
  status apiextensions.CustomResourceDefinitionStatus | status indicates the actual state of the CustomResourceDefinition

@apiextensions.CustomResourceDefinitionList gvk=apiextensions.k8s.io/v1/CustomResourceDefinitionList | CustomResourceDefinitionList is a list of CustomResourceDefinition objects.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []apiextensions.CustomResourceDefinition req | items list individual CustomResourceDefinition objects
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard object's metadata.

@apiextensions.CustomResourceDefinitionSpec | CustomResourceDefinitionSpec describes how a user wants their resource to appear
  conversion apiextensions.CustomResourceConversion | conversion defines conversion settings for the CRD. Only None is supported by Gantry.
  group string req | group is the API group of the defined custom resource.
  names apiextensions.CustomResourceDefinitionNames req | names specify the resource and kind names for the custom resource.
  preserveUnknownFields boolean | preserveUnknownFields indicates that object fields which are not specified in the OpenAPI schema should be preserved when persisting to storage. Must be false in apiextensions.k8s.io/v1.
  scope string req enum=Cluster,Namespaced | scope indicates whether the defined custom resource is cluster- or namespace-scoped.
  versions []apiextensions.CustomResourceDefinitionVersion req list=atomic | versions is the list of all API versions of the defined custom resource.

@apiextensions.CustomResourceConversion | CustomResourceConversion describes how to convert different versions of a CR.
  strategy string req enum=None,Webhook | strategy specifies how custom resources are converted between versions.
  webhook apiextensions.WebhookConversion | webhook describes how to call the conversion webhook.

@apiextensions.WebhookConversion | WebhookConversion describes how to call a conversion webhook
  clientConfig object | clientConfig is the instructions for how to call the webhook if strategy is `Webhook`.
  conversionReviewVersions []string req list=atomic | conversionReviewVersions is an ordered list of preferred `ConversionReview` versions the Webhook expects.

@apiextensions.CustomResourceDefinitionNames | CustomResourceDefinitionNames indicates the names to serve this CustomResourceDefinition
  categories []string list=atomic | categories is a list of grouped resources this custom resource belongs to (e.g. 'all').
  kind string req | kind is the serialized kind of the resource. It is normally CamelCase and singular.
  listKind string | listKind is the serialized kind of the list for this resource. Defaults to "`kind`List".
  plural string req | plural is the plural name of the resource to serve. Must be all lowercase.
  shortNames []string list=atomic | shortNames are short names for the resource, exposed in API discovery documents.
  singular string | singular is the singular name of the resource. It must be all lowercase. Defaults to lowercased `kind`.

@apiextensions.CustomResourceDefinitionVersion | CustomResourceDefinitionVersion describes a version for CRD.
  additionalPrinterColumns []apiextensions.CustomResourceColumnDefinition list=atomic | additionalPrinterColumns specifies additional columns returned in Table output.
  deprecated boolean | deprecated indicates this version of the custom resource API is deprecated.
  deprecationWarning string | deprecationWarning overrides the default warning returned to API clients.
  name string req | name is the version name, e.g. "v1", "v2beta1", etc.
  schema apiextensions.CustomResourceValidation | schema describes the schema used for validation, pruning, and defaulting of this version of the custom resource.
  selectableFields []apiextensions.SelectableField list=atomic | selectableFields specifies paths to fields that may be used as field selectors.
  served boolean req | served is a flag enabling/disabling this version from being served via REST APIs
  storage boolean req | storage indicates this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true.
  subresources apiextensions.CustomResourceSubresources | subresources specify what subresources this version of the defined custom resource have.

@apiextensions.SelectableField | SelectableField specifies the JSON path of a field that may be used with field selectors.
  jsonPath string req | jsonPath is a simple JSON path which is evaluated against each custom resource to produce a field selector value.

@apiextensions.CustomResourceColumnDefinition | CustomResourceColumnDefinition specifies a column for server side printing.
  description string | description is a human readable description of this column.
  format string | format is an optional OpenAPI type definition for this column.
  jsonPath string req | jsonPath is a simple JSON path (i.e. with array notation) which is evaluated against each custom resource to produce the value for this column.
  name string req | name is a human readable name for the column.
  priority int32 | priority is an integer defining the relative importance of this column compared to others. 0 is shown in standard views, greater only in wide ones.
  type string req | type is an OpenAPI type definition for this column: integer, number, string, boolean or date.

@apiextensions.CustomResourceValidation | CustomResourceValidation is a list of validation methods for CustomResources.
  openAPIV3Schema apiextensions.JSONSchemaProps | openAPIV3Schema is the OpenAPI v3 schema to use for validation and pruning.

@apiextensions.JSONSchemaProps = object | JSONSchemaProps is a JSON-Schema following Specification Draft 4 (http://json-schema.org/).

@apiextensions.CustomResourceSubresources | CustomResourceSubresources defines the status and scale subresources for CustomResources.
  scale apiextensions.CustomResourceSubresourceScale | scale indicates the custom resource should serve a `/scale` subresource that returns an `autoscaling/v1` Scale object.
  status object | status indicates the custom resource should serve a `/status` subresource (an empty object).

@apiextensions.CustomResourceSubresourceScale | CustomResourceSubresourceScale defines how to serve the scale subresource for CustomResources.
  labelSelectorPath string | labelSelectorPath defines the JSON path inside of a custom resource that corresponds to Scale `status.selector`.
  specReplicasPath string req | specReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `spec.replicas`.
  statusReplicasPath string req | statusReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `status.replicas`.

@apiextensions.CustomResourceDefinitionStatus | CustomResourceDefinitionStatus indicates the state of the CustomResourceDefinition
  acceptedNames apiextensions.CustomResourceDefinitionNames | acceptedNames are the names that are actually being used to serve discovery.
  conditions []apiextensions.CustomResourceDefinitionCondition list=map keys=type | conditions indicate state for particular aspects of a CustomResourceDefinition
  storedVersions []string list=atomic | storedVersions lists all versions of CustomResources that were ever persisted.

@apiextensions.CustomResourceDefinitionCondition | CustomResourceDefinitionCondition contains details for the current condition of this pod.
  lastTransitionTime time | lastTransitionTime last time the condition transitioned from one status to another.
  message string | message is a human-readable message indicating details about last transition.
  reason string | reason is a unique, one-word, CamelCase reason for the condition's last transition.
  status string req | status is the status of the condition. Can be True, False, Unknown.
  type string req | type is the type of the condition. Types include Established, NamesAccepted and Terminating.
"""
