import Foundation
import GantryAPI
import GantryAuth
import Testing
import X509

@Suite("Tokens and signing requests")
struct TokenTests {
    @Test func staticTokenFileAsKubeApiserverReadsIt() throws {
        let file = try StaticTokenFile(csv: """
            # comment
            t1,alice,1001,"devs,qa"
            t2, bob ,1002

            """)
        #expect(file.user(token: "t1") == UserInfo(name: "alice", uid: "1001", groups: ["devs", "qa"]))
        #expect(file.user(token: "t2") == UserInfo(name: "bob", uid: "1002"))
        #expect(file.user(token: "t3") == nil)
        #expect(throws: GantryError.self) { try StaticTokenFile(csv: "only,two") }
        #expect(throws: GantryError.self) { try StaticTokenFile(csv: "t,a,1\nt,b,2") }
    }

    /// The Secret as the API stores it: `stringData` folded into base64 `data`.
    func stored(_ secret: JSONValue) -> JSONValue {
        var s = secret
        s["data"] = .object((secret["stringData"]?.objectValue ?? [:]).mapValues { .string(Data(($0.stringValue ?? "").utf8).base64EncodedString()) })
        s["stringData"] = nil
        return s
    }

    @Test func bootstrapTokensAuthenticateUntilTheyExpire() throws {
        let now = Date()
        let secret = stored(BootstrapToken.secret(id: "abcdef", secret: "0123456789abcdef", expiration: now.addingTimeInterval(60),
                                                  description: "test", extraGroups: ["system:bootstrappers:gantry", "system:masters"]))
        let user = try #require(BootstrapToken.user(bearer: "abcdef.0123456789abcdef", secretObject: secret, now: now))
        #expect(user.name == "system:bootstrap:abcdef")
        // Extra groups outside system:bootstrappers: are ignored, as in Kubernetes.
        #expect(user.groups == ["system:bootstrappers", "system:bootstrappers:gantry"])
        #expect(BootstrapToken.user(bearer: "abcdef.0123456789abcdee", secretObject: secret, now: now) == nil)
        #expect(BootstrapToken.user(bearer: "abcdef.0123456789abcdef", secretObject: secret, now: now.addingTimeInterval(120)) == nil)
        #expect(BootstrapToken.user(bearer: "abcdef.0123456789abcdef", secretObject: nil, now: now) == nil)
        var other = secret
        other["type"] = "Opaque"
        #expect(BootstrapToken.user(bearer: "abcdef.0123456789abcdef", secretObject: other, now: now) == nil)
        #expect(BootstrapToken.parse("ABCDEF.0123456789abcdef") == nil)
        #expect(BootstrapToken.parse("abcdef.0123") == nil)
    }

    @Test func signingRequestsAreCheckedAndSigned() throws {
        let ca = try CertificateAuthority.create(commonName: "test-client-ca")
        let (pem, key) = try SigningRequest.make(commonName: "system:node:n1", organizations: ["system:nodes"])
        let parsed = try SigningRequest.parse(pem: pem)
        #expect(parsed.subject == CertificateSubject(user: "system:node:n1", groups: ["system:nodes"]))
        let cert = try ca.signClient(parsed, lifetime: 3600)
        #expect(ca.signed(cert) && cert.publicKey == Certificate.PublicKey(key.publicKey))
        #expect(CertificateSubject(cert) == parsed.subject)
        #expect(cert.notValidAfter.timeIntervalSince(cert.notValidBefore) <= 3600 + 3600)  // backdated by at most an hour
        #expect(throws: GantryError.self) { try SigningRequest.parse(pem: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n") }
    }
}
