import Foundation
import GantryAPI
import GantryAuth
import X509

/// The server side of certificates.k8s.io: fills in who asked, checks the request, approves what Kubernetes'
/// csrapproving controller approves on its own (a node client certificate asked for with a bootstrap token, or by
/// the node itself to renew), and signs approved requests with the client CA — inline, as the request is written.
public struct CertificateSigner: Sendable {
    /// The CA client certificates come from.
    public let clientCA: CertificateAuthority
    /// The cluster (server) CA, which signs the agents' serving certificates (nil: `kubelet-serving` is not signed).
    public let servingCA: CertificateAuthority?

    public init(clientCA: CertificateAuthority, servingCA: CertificateAuthority? = nil) {
        self.clientCA = clientCA
        self.servingCA = servingCA
    }

    public static let kubeletClientSigner = "kubernetes.io/kube-apiserver-client-kubelet"
    public static let clientSigner = "kubernetes.io/kube-apiserver-client"
    public static let kubeletServingSigner = "kubernetes.io/kubelet-serving"
    static let clientUsages: Set<String> = ["digital signature", "key encipherment", "client auth"]
    static let servingUsages: Set<String> = ["digital signature", "key encipherment", "server auth"]

    /// Admission of a new CertificateSigningRequest from `user`: the requester's identity is recorded, the PKCS#10
    /// request must parse and be self-signed, no one may ask for `system:masters`, a kubelet client request must
    /// name a node; it is then approved (if the rules allow) and signed (if approved).
    func admitCreate(_ obj: inout JSONValue, user: UserInfo?) throws {
        let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
        let r = ResourceInfo.certificateSigningRequests
        if let user {
            obj[path: ["spec", "username"]] = .string(user.name)
            obj[path: ["spec", "uid"]] = user.uid.isEmpty ? nil : .string(user.uid)
            obj[path: ["spec", "groups"]] = .array(user.groups.map { .string($0) })
            obj[path: ["spec", "extra"]] = user.extra.isEmpty ? nil : .object(user.extra.mapValues { .array($0.map { .string($0) }) })
        }
        obj["status"] = nil  // a requester cannot approve its own request or bring a certificate
        let parsed = try Self.request(obj, name: name)
        if parsed.subject.groups.contains("system:masters") {
            throw GantryError.invalid(r, name, [.forbidden("spec.request",
                "a certificate for the group system:masters is not issued through the API")])
        }
        let signer = obj[path: ["spec", "signerName"]]?.stringValue ?? ""
        let usages = Set(obj[path: ["spec", "usages"]]?.arrayValue?.compactMap(\.stringValue) ?? [])
        if signer == Self.kubeletClientSigner || signer == Self.clientSigner {
            guard usages.contains("client auth"), usages.isSubset(of: Self.clientUsages) else {
                throw GantryError.invalid(r, name, [.invalid("spec.usages", usages.sorted().joined(separator: ", "),
                    "\(signer) issues client certificates only: usages must include \"client auth\" and be among \(Self.clientUsages.sorted())")])
            }
        }
        if signer == Self.kubeletServingSigner {
            // As Kubernetes' kubelet-serving signer requires: a node's name, server auth, DNS and IP names only.
            let node = parsed.subject.user
            guard node.hasPrefix("system:node:"), node.count > "system:node:".count, parsed.subject.groups == ["system:nodes"] else {
                throw GantryError.invalid(r, name, [.invalid("spec.request", parsed.subject.user,
                    "a kubelet serving certificate must have CN system:node:<name> and O system:nodes only")])
            }
            guard usages.contains("server auth"), usages.isSubset(of: Self.servingUsages) else {
                throw GantryError.invalid(r, name, [.invalid("spec.usages", usages.sorted().joined(separator: ", "),
                    "\(signer) issues serving certificates only: usages must include \"server auth\" and be among \(Self.servingUsages.sorted())")])
            }
            guard !parsed.otherNames, !(parsed.dnsNames.isEmpty && parsed.ipAddresses.isEmpty) else {
                throw GantryError.invalid(r, name, [.invalid("spec.request", "<request>",
                    "a kubelet serving certificate must name at least one DNS name or IP address, and nothing else")])
            }
            // The node itself asking for its own serving certificate is approved, as k3s does.
            if let user, user.name == node {
                Self.setCondition(&obj, type: "Approved", reason: "AutoApproved",
                                  message: "Auto approving kubelet serving certificate requested by the node itself.")
            }
        }
        if signer == Self.kubeletClientSigner {
            let node = parsed.subject.user
            guard node.hasPrefix("system:node:"), node.count > "system:node:".count, parsed.subject.groups == ["system:nodes"] else {
                throw GantryError.invalid(r, name, [.invalid("spec.request", parsed.subject.user,
                    "a kubelet client certificate must have CN system:node:<name> and O system:nodes only")])
            }
            if let user, user.groups.contains(BootstrapToken.group) || user.name == node {
                Self.setCondition(&obj, type: "Approved", reason: "AutoApproved",
                                  message: "Auto approving kubelet client certificate after SubjectAccessReview.")
            }
        }
        try sign(&obj, name: name)
    }

    /// After an approval or status write: signs the request once it is approved (and not denied or failed).
    func admitUpdate(_ obj: inout JSONValue) throws {
        try sign(&obj, name: obj[path: ["metadata", "name"]]?.stringValue ?? "")
    }

    private func sign(_ obj: inout JSONValue, name: String) throws {
        let conditions = obj[path: ["status", "conditions"]]?.arrayValue ?? []
        func has(_ t: String) -> Bool { conditions.contains { $0["type"]?.stringValue == t && $0["status"]?.stringValue == "True" } }
        guard has("Approved"), !has("Denied"), !has("Failed"),
              (obj[path: ["status", "certificate"]]?.stringValue ?? "").isEmpty else { return }
        let signer = obj[path: ["spec", "signerName"]]?.stringValue ?? ""
        let serving = signer == Self.kubeletServingSigner
        guard signer == Self.kubeletClientSigner || signer == Self.clientSigner || (serving && servingCA != nil) else {
            return  // another signer's
        }
        let parsed = try Self.request(obj, name: name)
        var lifetime = CertificateAuthority.leafLifetime
        if let s = obj[path: ["spec", "expirationSeconds"]]?.intValue { lifetime = min(lifetime, TimeInterval(max(600, s))) }
        let cert = try serving ? servingCA!.signServing(parsed, lifetime: lifetime) : clientCA.signClient(parsed, lifetime: lifetime)
        obj[path: ["status", "certificate"]] = .string(Data(cert.pemText.utf8).base64EncodedString())
    }

    static func request(_ obj: JSONValue, name: String) throws -> SigningRequest.Parsed {
        guard let b64 = obj[path: ["spec", "request"]]?.stringValue, let data = Data(base64Encoded: b64) else {
            throw GantryError.invalid(.certificateSigningRequests, name, [.required("spec.request", "a PEM certificate request is required")])
        }
        do {
            return try SigningRequest.parse(pem: String(decoding: data, as: UTF8.self))
        } catch let e as GantryError {
            throw GantryError.invalid(.certificateSigningRequests, name, [.invalid("spec.request", "<request>", e.message)])
        }
    }

    static func setCondition(_ obj: inout JSONValue, type: String, reason: String, message: String) {
        var conditions = obj[path: ["status", "conditions"]]?.arrayValue ?? []
        conditions.removeAll { $0["type"]?.stringValue == type }
        let now = JSONValue.string(Clock.rfc3339())
        conditions.append(["type": .string(type), "status": "True", "reason": .string(reason), "message": .string(message),
                           "lastUpdateTime": now, "lastTransitionTime": now])
        obj[path: ["status", "conditions"]] = .array(conditions)
    }
}
