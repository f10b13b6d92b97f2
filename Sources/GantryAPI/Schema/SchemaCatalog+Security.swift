// certificates.k8s.io/v1 (CertificateSigningRequest). Format: see `SchemaDSL`.

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
"""
