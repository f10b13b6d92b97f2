// certificates.k8s.io/v1 (CertificateSigningRequest), rbac.authorization.k8s.io/v1, authorization.k8s.io/v1 and
// authentication.k8s.io/v1 reviews, and core/v1 ServiceAccount. Format: see `SchemaDSL`.

let securitySchemaSource = """
@certificates.CertificateSigningRequest gvk=certificates.k8s.io/v1/CertificateSigningRequest | CertificateSigningRequest objects provide a mechanism to obtain x509 certificates by submitting a certificate signing request, and having it asynchronously approved and issued.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec certificates.CertificateSigningRequestSpec req | spec contains the certificate request, and is immutable after creation.
  status certificates.CertificateSigningRequestStatus | status contains information about whether the request is approved or denied, and the certificate issued by the signer, or the failure condition indicating signer failure.

@certificates.CertificateSigningRequestList gvk=certificates.k8s.io/v1/CertificateSigningRequestList | CertificateSigningRequestList is a collection of CertificateSigningRequest objects
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []certificates.CertificateSigningRequest req | items is a collection of CertificateSigningRequest objects
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.

@certificates.CertificateSigningRequestSpec | CertificateSigningRequestSpec contains the certificate request.
  expirationSeconds int32 | expirationSeconds is the requested duration of validity of the issued certificate.
  extra {}[]string | extra contains extra attributes of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.
  groups []string list=atomic | groups contains group membership of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.
  request byte req list=atomic | request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block.
  signerName string req | signerName indicates the requested signer, and is a qualified name.
  uid string | uid contains the uid of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.
  usages []string list=atomic | usages specifies a set of key usages requested in the issued certificate.
  username string | username contains the name of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.

@certificates.CertificateSigningRequestStatus | CertificateSigningRequestStatus contains conditions used to indicate approved/denied/failed status of the request, and the issued certificate.
  certificate byte list=atomic | certificate is populated with an issued certificate by the signer after an Approved condition is present.
  conditions []certificates.CertificateSigningRequestCondition list=map keys=type | conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".

@certificates.CertificateSigningRequestCondition | CertificateSigningRequestCondition describes a condition of a CertificateSigningRequest object
  lastTransitionTime time | lastTransitionTime is the time the condition last transitioned from one status to another.
  lastUpdateTime time | lastUpdateTime is the time of the last update to this condition
  message string | message contains a human readable message with details about the request state
  reason string | reason indicates a brief reason for the request state
  status string req | status of the condition, one of True, False, Unknown. Approved, Denied, and Failed conditions may not be "False" or "Unknown".
  type string req | type of the condition. Known conditions are "Approved", "Denied", and "Failed".

@rbac.PolicyRule | PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.
  apiGroups []string list=atomic | APIGroups is the name of the APIGroup that contains the resources. "" is the core group, "*" all groups.
  nonResourceURLs []string list=atomic | NonResourceURLs is a set of partial urls that a user should have access to. *s are allowed, but only as the full, final step in the path.
  resourceNames []string list=atomic | ResourceNames is an optional white list of names that the rule applies to. An empty set means that everything is allowed.
  resources []string list=atomic | Resources is a list of resources this rule applies to. '*' represents all resources.
  verbs []string req list=atomic | Verbs is a list of Verbs that apply to ALL the ResourceKinds contained in this rule. '*' represents all verbs.

@rbac.AggregationRule | AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole
  clusterRoleSelectors []meta.LabelSelector list=atomic | ClusterRoleSelectors holds a list of selectors which will be used to find ClusterRoles and create the rules.

@rbac.Role gvk=rbac.authorization.k8s.io/v1/Role | Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  rules []rbac.PolicyRule list=atomic | Rules holds all the PolicyRules for this Role

@rbac.RoleList gvk=rbac.authorization.k8s.io/v1/RoleList | RoleList is a collection of Roles
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []rbac.Role req | Items is a list of Roles
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard object's metadata.

@rbac.ClusterRole gvk=rbac.authorization.k8s.io/v1/ClusterRole | ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.
  aggregationRule rbac.AggregationRule | AggregationRule is an optional field that describes how to build the Rules for this ClusterRole. If set, the controller manages the rules.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  rules []rbac.PolicyRule list=atomic | Rules holds all the PolicyRules for this ClusterRole

@rbac.ClusterRoleList gvk=rbac.authorization.k8s.io/v1/ClusterRoleList | ClusterRoleList is a collection of ClusterRoles
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []rbac.ClusterRole req | Items is a list of ClusterRoles
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard object's metadata.

@rbac.RoleRef | RoleRef contains information that points to the role being used
  apiGroup string req | APIGroup is the group for the resource being referenced
  kind string req | Kind is the type of resource being referenced
  name string req | Name is the name of resource being referenced

@rbac.Subject | Subject contains a reference to the object or user identities a role binding applies to.
  apiGroup string | APIGroup holds the API group of the referenced subject. "" for ServiceAccount, "rbac.authorization.k8s.io" for User and Group.
  kind string req | Kind of object being referenced: "User", "Group", and "ServiceAccount".
  name string req | Name of the object being referenced.
  namespace string | Namespace of the referenced object (ServiceAccount subjects only).

@rbac.RoleBinding gvk=rbac.authorization.k8s.io/v1/RoleBinding | RoleBinding references a role, but does not contain it. It adds who information via Subjects and namespace information by which namespace it exists in.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  roleRef rbac.RoleRef req | RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. Immutable.
  subjects []rbac.Subject list=atomic | Subjects holds references to the objects the role applies to.

@rbac.RoleBindingList gvk=rbac.authorization.k8s.io/v1/RoleBindingList | RoleBindingList is a collection of RoleBindings
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []rbac.RoleBinding req | Items is a list of RoleBindings
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard object's metadata.

@rbac.ClusterRoleBinding gvk=rbac.authorization.k8s.io/v1/ClusterRoleBinding | ClusterRoleBinding references a ClusterRole, but not contain it. It can reference a ClusterRole in the global namespace, and adds who information via Subject.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  roleRef rbac.RoleRef req | RoleRef can only reference a ClusterRole in the global namespace. Immutable.
  subjects []rbac.Subject list=atomic | Subjects holds references to the objects the role applies to.

@rbac.ClusterRoleBindingList gvk=rbac.authorization.k8s.io/v1/ClusterRoleBindingList | ClusterRoleBindingList is a collection of ClusterRoleBindings
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []rbac.ClusterRoleBinding req | Items is a list of ClusterRoleBindings
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard object's metadata.

@authorization.ResourceAttributes | ResourceAttributes includes the authorization attributes available for resource requests to the Authorizer interface
  group string | Group is the API Group of the Resource. "*" means all.
  name string | Name is the name of the resource being requested for a "get" or deleted for a "delete". "" (empty) means all.
  namespace string | Namespace is the namespace of the action being requested.
  resource string | Resource is one of the existing resource types. "*" means all.
  subresource string | Subresource is one of the existing resource types. "" means none.
  verb string | Verb is a kubernetes resource API verb, like: get, list, watch, create, update, delete, proxy. "*" means all.
  version string | Version is the API Version of the Resource. "*" means all.

@authorization.NonResourceAttributes | NonResourceAttributes includes the authorization attributes available for non-resource requests to the Authorizer interface
  path string | Path is the URL path of the request
  verb string | Verb is the standard HTTP verb

@authorization.SubjectAccessReviewStatus | SubjectAccessReviewStatus
  allowed boolean req | Allowed is required. True if the action would be allowed, false otherwise.
  denied boolean | Denied is optional. True if the action would be denied, otherwise false.
  evaluationError string | EvaluationError is an indication that some error occurred during the authorization check.
  reason string | Reason is optional. It indicates why a request was allowed or denied.

@authorization.SelfSubjectAccessReviewSpec | SelfSubjectAccessReviewSpec is a description of the access request. Exactly one of ResourceAuthorizationAttributes and NonResourceAuthorizationAttributes must be set
  nonResourceAttributes authorization.NonResourceAttributes | NonResourceAttributes describes information for a non-resource access request
  resourceAttributes authorization.ResourceAttributes | ResourceAuthorizationAttributes describes information for a resource access request

@authorization.SelfSubjectAccessReview gvk=authorization.k8s.io/v1/SelfSubjectAccessReview | SelfSubjectAccessReview checks whether or the current user can perform an action.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard list metadata.
  spec authorization.SelfSubjectAccessReviewSpec req | Spec holds information about the request being evaluated.
  status authorization.SubjectAccessReviewStatus | Status is filled in by the server and indicates whether the request is allowed or not

@authorization.SubjectAccessReviewSpec | SubjectAccessReviewSpec is a description of the access request.
  extra {}[]string | Extra corresponds to the user.Info.GetExtra() method from the authenticator.
  groups []string list=atomic | Groups is the groups you're testing for.
  nonResourceAttributes authorization.NonResourceAttributes | NonResourceAttributes describes information for a non-resource access request
  resourceAttributes authorization.ResourceAttributes | ResourceAuthorizationAttributes describes information for a resource access request
  uid string | UID information about the requesting user.
  user string | User is the user you're testing for.

@authorization.SubjectAccessReview gvk=authorization.k8s.io/v1/SubjectAccessReview | SubjectAccessReview checks whether or not a user or group can perform an action.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard list metadata.
  spec authorization.SubjectAccessReviewSpec req | Spec holds information about the request being evaluated
  status authorization.SubjectAccessReviewStatus | Status is filled in by the server and indicates whether the request is allowed or not

@authorization.LocalSubjectAccessReview gvk=authorization.k8s.io/v1/LocalSubjectAccessReview | LocalSubjectAccessReview checks whether or not a user or group can perform an action in a given namespace.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard list metadata.
  spec authorization.SubjectAccessReviewSpec req | Spec holds information about the request being evaluated. spec.namespace must be equal to the namespace you made the request against.
  status authorization.SubjectAccessReviewStatus | Status is filled in by the server and indicates whether the request is allowed or not

@authorization.SelfSubjectRulesReviewSpec | SelfSubjectRulesReviewSpec defines the specification for SelfSubjectRulesReview.
  namespace string | Namespace to evaluate rules for. Required.

@authorization.ResourceRule | ResourceRule is the list of actions the subject is allowed to perform on resources.
  apiGroups []string list=atomic | APIGroups is the name of the APIGroup that contains the resources.
  resourceNames []string list=atomic | ResourceNames is an optional white list of names that the rule applies to.
  resources []string list=atomic | Resources is a list of resources this rule applies to.
  verbs []string req list=atomic | Verb is a list of kubernetes resource API verbs.

@authorization.NonResourceRule | NonResourceRule holds information that describes a rule for the non-resource
  nonResourceURLs []string list=atomic | NonResourceURLs is a set of partial urls that a user should have access to.
  verbs []string req list=atomic | Verb is a list of kubernetes non-resource API verbs.

@authorization.SubjectRulesReviewStatus | SubjectRulesReviewStatus contains the result of a rules check.
  evaluationError string | EvaluationError can appear in combination with Rules.
  incomplete boolean req | Incomplete is true when the rules returned by this call are incomplete.
  nonResourceRules []authorization.NonResourceRule req list=atomic | NonResourceRules is the list of actions the subject is allowed to perform on non-resources.
  resourceRules []authorization.ResourceRule req list=atomic | ResourceRules is the list of actions the subject is allowed to perform on resources.

@authorization.SelfSubjectRulesReview gvk=authorization.k8s.io/v1/SelfSubjectRulesReview | SelfSubjectRulesReview enumerates the set of actions the current user can perform within a namespace.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard list metadata.
  spec authorization.SelfSubjectRulesReviewSpec req | Spec holds information about the request being evaluated.
  status authorization.SubjectRulesReviewStatus | Status is filled in by the server and indicates the set of actions a user can perform.

@authentication.UserInfo | UserInfo holds the information about the user needed to implement the user.Info interface.
  extra {}[]string | Any additional information provided by the authenticator.
  groups []string list=atomic | The names of groups this user is a part of.
  uid string | A unique value that identifies this user across time.
  username string | The name that uniquely identifies this user among all active users.

@authentication.TokenReviewSpec | TokenReviewSpec is a description of the token authentication request.
  audiences []string list=atomic | Audiences is a list of the identifiers that the resource server presented with the token identifies as.
  token string | Token is the opaque bearer token.

@authentication.TokenReviewStatus | TokenReviewStatus is the result of the token authentication request.
  audiences []string list=atomic | Audiences are audience identifiers chosen by the authenticator that are compatible with both the TokenReview and token.
  authenticated boolean | Authenticated indicates that the token was associated with a known user.
  error string | Error indicates that the token couldn't be checked
  user authentication.UserInfo | User is the UserInfo associated with the provided token.

@authentication.TokenReview gvk=authentication.k8s.io/v1/TokenReview | TokenReview attempts to authenticate a token to a known user.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec authentication.TokenReviewSpec req | Spec holds information about the request being evaluated
  status authentication.TokenReviewStatus | Status is filled in by the server and indicates whether the request can be authenticated.

@authentication.SelfSubjectReviewStatus | SelfSubjectReviewStatus is filled by the kube-apiserver and sent back to a user.
  userInfo authentication.UserInfo | User attributes of the user making this request.

@authentication.SelfSubjectReview gvk=authentication.k8s.io/v1/SelfSubjectReview | SelfSubjectReview contains the user information that the kube-apiserver has about the user making this request.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  status authentication.SelfSubjectReviewStatus | Status is filled in by the server with the user attributes.

@authentication.BoundObjectReference | BoundObjectReference is a reference to an object that a token is bound to.
  apiVersion string | API version of the referent.
  kind string | Kind of the referent. Valid kinds are 'Pod' and 'Secret'.
  name string | Name of the referent.
  uid string | UID of the referent.

@authentication.TokenRequestSpec | TokenRequestSpec contains client provided parameters of a token request.
  audiences []string req list=atomic | Audiences are the intendend audiences of the token.
  boundObjectRef authentication.BoundObjectReference | BoundObjectRef is a reference to an object that the token will be bound to.
  expirationSeconds int64 | ExpirationSeconds is the requested duration of validity of the request.

@authentication.TokenRequestStatus | TokenRequestStatus is the result of a token request.
  expirationTimestamp time req | ExpirationTimestamp is the time of expiration of the returned token.
  token string req | Token is the opaque bearer token.

@authentication.TokenRequest gvk=authentication.k8s.io/v1/TokenRequest | TokenRequest requests a token for a given service account.
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  spec authentication.TokenRequestSpec req | Spec holds information about the request being evaluated
  status authentication.TokenRequestStatus | Status is filled in by the server and indicates whether the token can be authenticated.

@core.ServiceAccount gvk=v1/ServiceAccount | ServiceAccount binds together: a name, understood by users, and perhaps by peripheral systems, for an identity; a principal that can be authenticated and authorized; a set of secrets
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  automountServiceAccountToken boolean | AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted.
  imagePullSecrets []core.LocalObjectReference list=atomic | ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ObjectMeta | Standard object's metadata.
  secrets []core.ObjectReference patch=merge key=name | Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.

@core.ServiceAccountList gvk=v1/ServiceAccountList | ServiceAccountList is a list of ServiceAccount objects
  apiVersion string | APIVersion defines the versioned schema of this representation of an object.
  items []core.ServiceAccount req | List of ServiceAccounts.
  kind string | Kind is a string value representing the REST resource this object represents.
  metadata meta.ListMeta | Standard list metadata.
"""
