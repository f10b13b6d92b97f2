import Foundation
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

    /// Sends a CertificateSigningRequest for this node's client certificate and waits until it is issued (or denied).
    func requestCertificate(client: GantryClient, timeout: Duration = .seconds(120)) async throws -> (cert: String, key: String) {
        let (pem, key) = try SigningRequest.make(commonName: subject, organizations: ["system:nodes"])
        let csr: JSONValue = [
            "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": ["generateName": "node-csr-"],
            "spec": ["request": .string(Data(pem.utf8).base64EncodedString()),
                     "signerName": .string(CertificateSignerNames.kubeletClient),
                     "usages": ["digital signature", "client auth"]],
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
}

/// Renews the agent's node certificate once two thirds of its life have passed, through a CertificateSigningRequest
/// sent with the current certificate (which the server approves for the node itself), and switches to it.
struct NodeCertificateRenewal: ServiceLifecycle.Service {
    let credentials: AgentCredentials
    let identity: ClientIdentity
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
