import Crypto
import Foundation
import GantryAPI
import GantryAuth
import Testing

@Suite("ServiceAccount tokens")
struct ServiceAccountTokenTests {
    let issuer = ServiceAccountTokenIssuer(issuer: "https://kubernetes.default.svc.cluster.local", key: P256.Signing.PrivateKey())

    func claims(expires: TimeInterval = 3600, audiences: [String]? = nil) -> ServiceAccountClaims {
        ServiceAccountClaims(issuer: issuer.issuer, audiences: audiences ?? [issuer.issuer], issuedAt: Date(),
                             expiresAt: Date().addingTimeInterval(expires), namespace: "prod", serviceAccountName: "reader",
                             serviceAccountUID: "u-1", podName: "web", podUID: "p-1")
    }

    @Test func signsAndVerifies() throws {
        let token = try issuer.sign(claims())
        let c = try issuer.verify(token)
        #expect(c.subject == "system:serviceaccount:prod:reader")
        #expect(c.podName == "web" && c.podUID == "p-1" && c.serviceAccountUID == "u-1")
        // Audiences: another audience is accepted only when asked for.
        let other = try issuer.sign(claims(audiences: ["vault"]))
        #expect(throws: GantryError.self) { _ = try issuer.verify(other) }
        #expect(try issuer.verify(other, audiences: ["vault"]).audiences == ["vault"])
    }

    @Test func rejectsForgeries() throws {
        let token = try issuer.sign(claims())
        let parts = token.split(separator: ".").map(String.init)
        // alg none, with the signature dropped.
        let none = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        #expect(throws: GantryError.self) { _ = try issuer.verify(none + "." + parts[1] + ".") }
        // Another key.
        let stranger = ServiceAccountTokenIssuer(issuer: issuer.issuer, key: P256.Signing.PrivateKey())
        #expect(throws: GantryError.self) { _ = try issuer.verify(try stranger.sign(claims())) }
        // A changed signature, and garbage.
        #expect(throws: GantryError.self) { _ = try issuer.verify(parts[0] + "." + parts[1] + "." + String(parts[2].reversed())) }
        #expect(throws: GantryError.self) { _ = try issuer.verify("a.b.c") }
        // Expired (beyond the minute of leeway), and another issuer.
        #expect(throws: GantryError.self) { _ = try issuer.verify(try issuer.sign(claims(expires: -120))) }
        let elsewhere = ServiceAccountTokenIssuer(issuer: "https://elsewhere", key: P256.Signing.PrivateKey())
        #expect(throws: GantryError.self) { _ = try issuer.verify(try elsewhere.sign(claims())) }
    }

    @Test func publishesItsKey() throws {
        let jwk = try #require(issuer.keySet["keys"]?.arrayValue?.first)
        #expect(jwk["kid"]?.stringValue == issuer.keyID && jwk["alg"] == "ES256" && jwk["crv"] == "P-256")
        #expect(issuer.discoveryDocument["jwks_uri"]?.stringValue == issuer.issuer + "/openid/v1/jwks")
    }
}
