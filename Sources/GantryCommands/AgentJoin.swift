import Crypto
import Foundation
import GantryAgent
import GantryAPI
import GantryAuth
import GantryClient
import Logging
import ServiceLifecycle
import X509

/// How an agent gets its credentials: with a join token it checks the server's CA against the token's pin, then
/// asks for a node client certificate through a CertificateSigningRequest, keeps it under `DATA/pki` and renews it
/// itself; with a kubeconfig it uses that.
struct AgentCredentials: Sendable {
    let server: String
    let nodeName: String
    let directory: String
    let logger: Logger

    var certPath: String { directory + "/client.crt" }
    var keyPath: String { directory + "/client.key" }
    var caPath: String { directory + "/ca.crt" }
    var subject: String { "system:node:\(nodeName)" }

    /// The identity to run with: the certificate kept from an earlier join if the server still accepts it, else a
    /// new one obtained with `token`.
    func join(token text: String) async throws -> ClientIdentity {
        let token = try JoinToken(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines))
        guard !token.caHash.isEmpty else {
            throw GantryError(.invalid, "the join token has no CA pin (K10<sha256>::<id>.<secret>): use the token the server wrote to DATA/token or `gantry token create` printed")
        }
        let caPEM = try await fetchCA()
        do { try token.verify(caPEM: caPEM) } catch {
            throw GantryError(.unauthorized, "the server at \(server) presents a CA whose hash (\(JoinToken.pin(caPEM))) does not match the join token's pin (\(token.caHash)): refusing to join")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        if let kept = try? kept(caPEM: caPEM) {
            let identity = try ClientIdentity(kept)
            if await accepted(GantryClient(server: server, identity: identity)) {
                logger.info("using the node certificate from an earlier join", metadata: ["path": "\(certPath)"])
                return identity
            }
        }
        let bootstrap = try GantryClient(server: server, credentials: ClientCredentials(caPEM: caPEM, token: token.bearer))
        let issued = try await requestCertificate(client: bootstrap)
        try save(issued, caPEM: caPEM)
        logger.info("joined with a bootstrap token; got a node certificate", metadata: ["user": "\(subject)"])
        return try ClientIdentity(ClientCredentials(caPEM: caPEM, certificatePEM: issued.cert, keyPEM: issued.key))
    }

    /// Whether the server takes the client's certificate (a 401 means it no longer does: a new CA, a deleted node).
    private func accepted(_ client: GantryClient) async -> Bool {
        guard let r = try? await client.raw(.GET, "/api/v1/namespaces/default") else { return false }
        return r.status != 401
    }

    /// The server CA as the server presents it, fetched without trusting anything yet (the pin decides).
    func fetchCA() async throws -> String {
        let insecure = try GantryClient(server: server, credentials: ClientCredentials(insecureSkipVerify: true))
        let r = try await insecure.raw(.GET, "/cacerts", accept: "*/*")
        guard r.status == 200, let text = String(data: r.body, encoding: .utf8), text.contains("BEGIN CERTIFICATE") else {
            throw GantryError(.unavailable, "the server at \(server) did not serve its CA at /cacerts (HTTP \(r.status)); is it a Gantry server?")
        }
        return text
    }

    /// The kept certificate, if it is still valid for a while and was issued for this node.
    func kept(caPEM: String) throws -> ClientCredentials? {
        let cert = try String(contentsOfFile: certPath, encoding: .utf8)
        let key = try String(contentsOfFile: keyPath, encoding: .utf8)
        let parsed = try Certificate(pemEncoded: cert)
        guard CertificateSubject(parsed).user == subject, parsed.notValidAfter > Date().addingTimeInterval(3600) else { return nil }
        return ClientCredentials(caPEM: caPEM, certificatePEM: cert, keyPEM: key)
    }

    var servingCertPath: String { directory + "/serving.crt" }
    var servingKeyPath: String { directory + "/serving.key" }

    /// The node server's certificate for `dnsNames` and `ipAddresses`: the one kept under `DATA/pki` if the cluster CA
    /// signed it, it names them all and is not due for renewal; else a new one through a `kubelet-serving`
    /// CertificateSigningRequest (which the server approves for the node itself).
    func servingCertificate(client: GantryClient, caPEM: String, dnsNames: [String], ipAddresses: [String],
                            renew: Bool = false) async throws -> KeyedCertificate {
        if !renew, let cert = try? Certificate(pemEncoded: String(contentsOfFile: servingCertPath, encoding: .utf8)),
           let key = try? P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: servingKeyPath, encoding: .utf8)),
           let ca = try? Certificate(pemEncoded: caPEM), cert.issuer == ca.subject,
           ca.publicKey.isValidSignature(cert.signature, for: cert),
           Set(dnsNames).isSubset(of: cert.alternativeNames.dns), Set(ipAddresses).isSubset(of: cert.alternativeNames.ip) {
            let kept = KeyedCertificate(certificate: cert, key: key)
            if !kept.needsRenewal(at: Date()) { return kept }
        }
        let issued = try await requestCertificate(client: client, signer: CertificateSignerNames.kubeletServing,
                                                  dnsNames: dnsNames, ipAddresses: ipAddresses)
        try ClusterPKI.writeSecret(issued.key, to: servingKeyPath)
        try ClusterPKI.writeSecret(issued.cert, to: servingCertPath)
        logger.info("got a serving certificate for the node server", metadata: ["dns": "\(dnsNames)", "ip": "\(ipAddresses)"])
        return KeyedCertificate(certificate: try Certificate(pemEncoded: issued.cert),
                                key: try P256.Signing.PrivateKey(pemRepresentation: issued.key))
    }

    /// Sends a CertificateSigningRequest for this node's client (or, with `kubelet-serving`, serving) certificate
    /// and waits until it is issued (or denied).
    func requestCertificate(client: GantryClient, signer: String = CertificateSignerNames.kubeletClient,
                            dnsNames: [String] = [], ipAddresses: [String] = [],
                            timeout: Duration = .seconds(120)) async throws -> (cert: String, key: String) {
        let (pem, key) = try SigningRequest.make(commonName: subject, organizations: ["system:nodes"], dnsNames: dnsNames,
                                                 ipAddresses: ipAddresses)
        let serving = signer == CertificateSignerNames.kubeletServing
        let csr: JSONValue = [
            "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": ["generateName": serving ? "node-serving-csr-" : "node-csr-"],
            "spec": ["request": .string(Data(pem.utf8).base64EncodedString()),
                     "signerName": .string(signer),
                     "usages": serving ? ["digital signature", "server auth"] : ["digital signature", "client auth"]],
        ]
        let created: JSONValue
        do {
            created = try await client.create(.certificateSigningRequests, namespace: nil, csr)
        } catch let e as GantryError where e.code == .unauthorized {
            throw GantryError(.unauthorized, "the server at \(server) refused the join token (401): it is wrong, expired or deleted")
        }
        let name = created[path: ["metadata", "name"]]?.stringValue ?? ""
        var obj = created
        let deadline = ContinuousClock.now + timeout
        var said = false
        while true {
            if let b64 = obj[path: ["status", "certificate"]]?.stringValue, !b64.isEmpty, let d = Data(base64Encoded: b64) {
                return (String(decoding: d, as: UTF8.self), key.pemRepresentation)
            }
            for c in obj[path: ["status", "conditions"]]?.arrayValue ?? [] where c["status"] == "True" {
                let type = c["type"]?.stringValue ?? ""
                if type == "Denied" || type == "Failed" {
                    throw GantryError(.forbidden, "the certificate request \(name) was \(type.lowercased()): \(c["message"]?.stringValue ?? "")")
                }
            }
            guard ContinuousClock.now < deadline else {
                throw GantryError(.timeout, "the certificate request \(name) was not approved within \(timeout): approve it with `kubectl certificate approve \(name)`")
            }
            if !said {
                logger.notice("waiting for the certificate request to be approved", metadata: ["csr": "\(name)"])
                said = true
            }
            try await Task.sleep(for: .milliseconds(500))
            obj = try await client.get(.certificateSigningRequests, namespace: nil, name: name)
        }
    }

    func save(_ issued: (cert: String, key: String), caPEM: String) throws {
        try ClusterPKI.writeSecret(issued.key, to: keyPath)
        try ClusterPKI.writeSecret(issued.cert, to: certPath)
        try ClusterPKI.writeSecret(caPEM, to: caPath)
    }
}

/// The signer names of certificates.k8s.io that Gantry's API server signs for.
enum CertificateSignerNames {
    static let kubeletClient = "kubernetes.io/kube-apiserver-client-kubelet"
    static let kubeletServing = "kubernetes.io/kubelet-serving"
}

extension NodeServerSecurity {
    /// The node server's security for `node`: `serving` as its certificate, clients verified against `caPEM`, and
    /// bearer tokens checked with the API server (TokenReview, then a SubjectAccessReview for `nodes/proxy`, or
    /// `nodes/metrics` and `nodes/stats` for those paths).
    static func make(serving: ReloadableIdentity, caPEM: String, client: GantryClient, node: String) -> NodeServerSecurity {
        NodeServerSecurity(identity: serving, caPEM: caPEM) { token, verb, subresource in
            let review: JSONValue = ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                                     "spec": ["token": .string(token)]]
            guard let r = try? await client.create(.tokenReviews, namespace: nil, review),
                  r[path: ["status", "authenticated"]]?.boolValue == true,
                  let user = r[path: ["status", "user"]] else { return false }
            var spec: JSONValue = ["user": user["username"] ?? "", "groups": user["groups"] ?? [],
                                   "resourceAttributes": ["verb": .string(verb), "resource": "nodes", "subresource": .string(subresource),
                                                          "name": .string(node)]]
            if let uid = user["uid"] { spec["uid"] = uid }
            if let extra = user["extra"] { spec["extra"] = extra }
            let sar: JSONValue = ["apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec]
            return (try? await client.create(.subjectAccessReviews, namespace: nil, sar))?[path: ["status", "allowed"]]?.boolValue == true
        }
    }
}

/// Renews the agent's node certificate once two thirds of its life have passed, through a CertificateSigningRequest
/// sent with the current certificate (which the server approves for the node itself), and switches to it.
struct NodeCertificateRenewal: ServiceLifecycle.Service {
    let credentials: AgentCredentials
    let identity: ClientIdentity
    /// The node server's certificate and the names it is for, renewed the same way (nil: none).
    var serving: (identity: ReloadableIdentity, dns: [String], ip: [String])? = nil
    var interval: Duration = .seconds(600)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
            do { try await renewIfDue() } catch {
                credentials.logger.warning("node certificate renewal failed; retrying", metadata: ["error": "\(error)"])
            }
        }
    }

    func renewIfDue(now: Date = Date()) async throws {
        if let serving, serving.identity.keyed.needsRenewal(at: now) {
            let client = GantryClient(server: credentials.server, identity: identity)
            let fresh = try await credentials.servingCertificate(client: client, caPEM: identity.current.caPEM ?? "",
                                                                 dnsNames: serving.dns, ipAddresses: serving.ip, renew: true)
            try serving.identity.update(fresh)
            credentials.logger.info("renewed the node server's certificate")
        }
        let current = identity.current
        guard let pem = current.certificatePEM, let cert = try? Certificate(pemEncoded: pem) else { return }
        let life = cert.notValidAfter.timeIntervalSince(cert.notValidBefore)
        guard now >= cert.notValidBefore.addingTimeInterval(life * 2 / 3) else { return }
        let client = GantryClient(server: credentials.server, identity: identity)
        let issued = try await credentials.requestCertificate(client: client)
        try credentials.save(issued, caPEM: current.caPEM ?? "")
        var next = current
        next.certificatePEM = issued.cert
        next.keyPEM = issued.key
        try identity.update(next)
        credentials.logger.info("renewed the node certificate")
    }
}
