import Crypto
import Foundation
import GantryAPI

/// The claims of a ServiceAccount token, as kube-apiserver writes them (`kubernetes.io` private claims included).
public struct ServiceAccountClaims: Sendable, Hashable {
    public var issuer: String
    public var audiences: [String]
    public var issuedAt: Date
    public var expiresAt: Date
    public var namespace: String
    public var serviceAccountName: String
    public var serviceAccountUID: String
    /// The pod the token is bound to: it stops working when that pod is gone.
    public var podName: String?
    public var podUID: String?
    /// The token's id (`jti`).
    public var id: String

    public init(issuer: String, audiences: [String], issuedAt: Date, expiresAt: Date, namespace: String,
                serviceAccountName: String, serviceAccountUID: String, podName: String? = nil, podUID: String? = nil,
                id: String = UUID().uuidString.lowercased()) {
        self.issuer = issuer
        self.audiences = audiences
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.namespace = namespace
        self.serviceAccountName = serviceAccountName
        self.serviceAccountUID = serviceAccountUID
        self.podName = podName
        self.podUID = podUID
        self.id = id
    }

    /// `system:serviceaccount:NS:NAME`.
    public var subject: String { "system:serviceaccount:\(namespace):\(serviceAccountName)" }
}

/// Issues and verifies ServiceAccount tokens: JWTs signed ES256 with the cluster's ServiceAccount key, key id
/// the unpadded base64url SHA-256 of the public key's DER (as Kubernetes derives it), published by the OIDC
/// discovery documents so that other parties can verify them.
public struct ServiceAccountTokenIssuer: Sendable {
    public let issuer: String
    /// The raw signing key (P256 keys are not Sendable; see `key`).
    let keyBytes: Data
    var key: P256.Signing.PrivateKey { try! P256.Signing.PrivateKey(rawRepresentation: keyBytes) }
    /// The key id (`kid`).
    public let keyID: String

    public init(issuer: String, key: P256.Signing.PrivateKey) {
        self.issuer = issuer
        self.keyBytes = key.rawRepresentation
        keyID = Self.base64URL(Data(SHA256.hash(data: key.publicKey.derRepresentation)))
    }

    static func base64URL(_ d: Data) -> String {
        d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes unpadded base64url (RFC 4648 §5), as JWTs and Kubernetes' WebSocket bearer subprotocol use it.
    public static func fromBase64URL(_ s: Substring) -> Data? {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return Data(base64Encoded: t)
    }

    /// A signed token for `claims`.
    public func sign(_ claims: ServiceAccountClaims) throws -> String {
        let header: JSONValue = ["alg": "ES256", "kid": .string(keyID), "typ": "JWT"]
        var k8s: JSONValue = ["namespace": .string(claims.namespace),
                              "serviceaccount": ["name": .string(claims.serviceAccountName), "uid": .string(claims.serviceAccountUID)]]
        if let p = claims.podName { k8s["pod"] = ["name": .string(p), "uid": .string(claims.podUID ?? "")] }
        let payload: JSONValue = [
            "iss": .string(claims.issuer), "sub": .string(claims.subject),
            "aud": .array(claims.audiences.map { .string($0) }),
            "iat": .int(Int64(claims.issuedAt.timeIntervalSince1970)), "nbf": .int(Int64(claims.issuedAt.timeIntervalSince1970)),
            "exp": .int(Int64(claims.expiresAt.timeIntervalSince1970)), "jti": .string(claims.id), "kubernetes.io": k8s,
        ]
        let signingInput = Self.base64URL(header.serialized()) + "." + Self.base64URL(payload.serialized())
        let signature = try key.signature(for: Data(signingInput.utf8))
        return signingInput + "." + Self.base64URL(signature.rawRepresentation)
    }

    /// Whether a bearer token looks like a JWT (three dot-separated parts) at all.
    public static func looksLikeJWT(_ token: String) -> Bool { token.split(separator: ".", omittingEmptySubsequences: false).count == 3 }

    /// The claims of a token this issuer signed, for one of `audiences` (empty: the issuer itself); throws
    /// `unauthorized` for anything else: another key, `alg` other than ES256 (`none` included), a bad signature,
    /// another issuer or audience, an expired or not-yet-valid token.
    public func verify(_ token: String, audiences: [String] = [], now: Date = Date()) throws -> ServiceAccountClaims {
        func fail(_ why: String) -> GantryError { GantryError(.unauthorized, "invalid bearer token: \(why)") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let h = Self.fromBase64URL(parts[0]), let p = Self.fromBase64URL(parts[1]),
              let sig = Self.fromBase64URL(parts[2]) else { throw fail("malformed token") }
        guard let header = try? JSONValue.parse(h), let payload = try? JSONValue.parse(p) else { throw fail("malformed token") }
        guard header["alg"]?.stringValue == "ES256" else { throw fail("unsupported signing algorithm \(header["alg"]?.stringValue ?? "none")") }
        if let kid = header["kid"]?.stringValue, kid != keyID { throw fail("signed by an unknown key") }
        guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: sig),
              key.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8))
        else { throw fail("signature does not verify") }
        guard payload["iss"]?.stringValue == issuer else { throw fail("issued by another issuer") }
        let aud: [String] = payload["aud"]?.arrayValue?.compactMap(\.stringValue) ?? payload["aud"]?.stringValue.map { [$0] } ?? []
        let wanted = audiences.isEmpty ? [issuer] : audiences
        guard aud.contains(where: wanted.contains) else { throw fail("token audiences \(aud) are not accepted") }
        let exp = Double(payload["exp"]?.intValue ?? 0)
        let nbf = Double(payload["nbf"]?.intValue ?? 0)
        // One minute of leeway for clock skew, as Kubernetes allows.
        guard now.timeIntervalSince1970 < exp + 60 else { throw fail("token has expired") }
        guard now.timeIntervalSince1970 + 60 >= nbf else { throw fail("token is not valid yet") }
        let k8s = payload["kubernetes.io"] ?? .emptyObject
        guard let ns = k8s["namespace"]?.stringValue, let sa = k8s[path: ["serviceaccount", "name"]]?.stringValue else {
            throw fail("not a ServiceAccount token")
        }
        return ServiceAccountClaims(issuer: issuer, audiences: aud, issuedAt: Date(timeIntervalSince1970: Double(payload["iat"]?.intValue ?? 0)),
                                    expiresAt: Date(timeIntervalSince1970: exp), namespace: ns, serviceAccountName: sa,
                                    serviceAccountUID: k8s[path: ["serviceaccount", "uid"]]?.stringValue ?? "",
                                    podName: k8s[path: ["pod", "name"]]?.stringValue, podUID: k8s[path: ["pod", "uid"]]?.stringValue,
                                    id: payload["jti"]?.stringValue ?? "")
    }

    /// `/.well-known/openid-configuration`.
    public var discoveryDocument: JSONValue {
        ["issuer": .string(issuer), "jwks_uri": .string(issuer + "/openid/v1/jwks"), "response_types_supported": ["id_token"],
         "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["ES256"]]
    }

    /// `/openid/v1/jwks`: the public key as a JSON Web Key Set.
    public var keySet: JSONValue {
        let raw = key.publicKey.rawRepresentation  // x || y, 32 bytes each
        return ["keys": [["use": "sig", "kty": "EC", "kid": .string(keyID), "crv": "P-256", "alg": "ES256",
                          "x": .string(Self.base64URL(raw.prefix(32))), "y": .string(Self.base64URL(raw.suffix(32)))]]]
    }
}
