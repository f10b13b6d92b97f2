import Crypto
import Foundation
import GantryAPI
import GantryAuth
import GantryTestSupport
import Testing
import X509

@Suite("Cluster PKI")
struct PKITests {
    @Test func theFirstStartMakesTwoCAsAndASigningKeyWithOwnerOnlyKeys() throws {
        let dir = TempDir("pki")
        defer { dir.cleanup() }
        let tls = dir.file("tls")
        let pki = try ClusterPKI.loadOrCreate(directory: tls)
        let fm = FileManager.default
        for key in ["server-ca.key", "client-ca.key", "service-account.key"] {
            let mode = try fm.attributesOfItem(atPath: tls + "/" + key)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(key) mode \(String(mode ?? 0, radix: 8))")
        }
        #expect((try fm.attributesOfItem(atPath: tls)[.posixPermissions] as? Int) == 0o700)
        #expect(pki.serverCA.certificate.subject != pki.clientCA.certificate.subject)
        #expect(pki.serverCA.certificate.publicKey != pki.clientCA.certificate.publicKey)
        // Ten years, ECDSA P-256, a CA.
        let life = pki.serverCA.certificate.notValidAfter.timeIntervalSince(pki.serverCA.certificate.notValidBefore)
        #expect(life >= 10 * 365 * 86_400)
        #expect(pki.serverCA.certificate.signatureAlgorithm == .ecdsaWithSHA256)
        #expect(try pki.serverCA.certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))

        // A second start loads the same CAs and key.
        let again = try ClusterPKI.loadOrCreate(directory: tls)
        #expect(again.serverCA.certificate == pki.serverCA.certificate)
        #expect(again.clientCA.certificate == pki.clientCA.certificate)
        #expect(again.serviceAccountKey.rawRepresentation == pki.serviceAccountKey.rawRepresentation)
    }

    @Test func aLostCAKeyIsAClearErrorNotANewCA() throws {
        let dir = TempDir("pki")
        defer { dir.cleanup() }
        let pki = try ClusterPKI.loadOrCreate(directory: dir.path)
        try FileManager.default.removeItem(atPath: dir.file("server-ca.key"))
        #expect { try ClusterPKI.loadOrCreate(directory: dir.path) } throws: { error in
            "\(error)".contains("server-ca.key is missing")
        }
        // Nothing was replaced.
        let cert = try Certificate(pemEncoded: try String(contentsOfFile: dir.file("server-ca.crt"), encoding: .utf8))
        #expect(cert == pki.serverCA.certificate)
        // A key that is not the certificate's is refused too.
        try ClusterPKI.writeSecret(P256.Signing.PrivateKey().pemRepresentation, to: dir.file("server-ca.key"))
        #expect { try ClusterPKI.loadOrCreate(directory: dir.path) } throws: { "\($0)".contains("is not the key of") }
    }

    @Test func servingAndClientCertificatesVerifyWithOpenSSLAgainstTheirCA() async throws {
        let openssl = try requireExecutable("openssl", package: "openssl")
        let dir = TempDir("pki")
        defer { dir.cleanup() }
        let pki = try ClusterPKI.loadOrCreate(directory: dir.path)
        let (serving, issued) = try pki.servingCertificate(
            name: "serving", commonName: "gantry-apiserver",
            dnsNames: ["localhost", "kubernetes", "kubernetes.default.svc.cluster.local"],
            ipAddresses: ["127.0.0.1", "10.96.0.1", "::1"])
        #expect(issued)
        let names = serving.certificate.alternativeNames
        #expect(names.dns.contains("kubernetes.default.svc.cluster.local"))
        #expect(Set(names.ip) == ["127.0.0.1", "10.96.0.1", "::1"])
        let ok = try await runCommand(openssl, ["verify", "-CAfile", dir.file("server-ca.crt"), "-purpose", "sslserver",
                                                "-verify_ip", "10.96.0.1", dir.file("serving.crt")])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        // The client CA does not vouch for it.
        let wrong = try await runCommand(openssl, ["verify", "-CAfile", dir.file("client-ca.crt"), dir.file("serving.crt")])
        #expect(wrong.status != 0)

        let (admin, _) = try pki.clientCertificate(name: "admin", user: "system:admin", groups: ["system:masters"])
        #expect(CertificateSubject(admin.certificate) == CertificateSubject(user: "system:admin", groups: ["system:masters"]))
        let client = try await runCommand(openssl, ["verify", "-CAfile", dir.file("client-ca.crt"), "-purpose", "sslclient",
                                                    dir.file("admin.crt")])
        #expect(client.status == 0, "\(client.stdout)\(client.stderr)")
        // openssl reads the subject the same way: O then CN.
        let subject = try await runCommand(openssl, ["x509", "-noout", "-subject", "-in", dir.file("admin.crt")])
        #expect(subject.stdout.contains("O = system:masters") && subject.stdout.contains("CN = system:admin"), "\(subject.stdout)")
        // The key file is the certificate's key, readable by openssl.
        let key = try await runCommand(openssl, ["pkey", "-in", dir.file("admin.key"), "-noout"])
        #expect(key.status == 0, "\(key.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: dir.file("admin.key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func leavesAreReusedUntilTwoThirdsOfTheirLifeThenReissued() throws {
        let dir = TempDir("pki")
        defer { dir.cleanup() }
        let now = Date()
        let pki = try ClusterPKI.loadOrCreate(directory: dir.path, now: now)
        let sans = ["kubernetes"], ips = ["127.0.0.1"]
        let (first, _) = try pki.servingCertificate(name: "serving", commonName: "s", dnsNames: sans, ipAddresses: ips, now: now)
        let life = first.certificate.notValidAfter.timeIntervalSince(first.certificate.notValidBefore)
        #expect(life >= 365 * 86_400 && life < 366 * 86_400)
        // Half-way through: the same certificate.
        let half = now.addingTimeInterval(182 * 86_400)
        let (same, reissued) = try pki.servingCertificate(name: "serving", commonName: "s", dnsNames: sans, ipAddresses: ips, now: half)
        #expect(!reissued && same.certificate == first.certificate)
        #expect(!first.needsRenewal(at: half))
        // Past two thirds: renewed, from the same CA, for another year.
        let late = now.addingTimeInterval(250 * 86_400)
        #expect(first.needsRenewal(at: late))
        let (renewed, wasIssued) = try pki.servingCertificate(name: "serving", commonName: "s", dnsNames: sans, ipAddresses: ips, now: late)
        #expect(wasIssued && renewed.certificate != first.certificate)
        #expect(pki.serverCA.signed(renewed.certificate))
        #expect(renewed.certificate.notValidAfter > first.certificate.notValidAfter)
        // A new SAN reissues at once.
        let (wider, widened) = try pki.servingCertificate(name: "serving", commonName: "s", dnsNames: sans + ["gantry.example"],
                                                           ipAddresses: ips, now: late)
        #expect(widened && wider.certificate.alternativeNames.dns.contains("gantry.example"))
        // A leaf never outlives its CA.
        let nearCAEnd = pki.serverCA.certificate.notValidAfter.addingTimeInterval(-30 * 86_400)
        let short = try pki.serverCA.issue(commonName: "x", usage: .client, now: nearCAEnd)
        #expect(short.certificate.notValidAfter <= pki.serverCA.certificate.notValidAfter)
    }

    @Test func aCertificateFromAnotherCAIsNotSignedByThisOne() throws {
        let mine = try CertificateAuthority.create(commonName: "gantry-client-ca")
        let theirs = try CertificateAuthority.create(commonName: "gantry-client-ca")  // same name, other key
        let forged = try theirs.issue(commonName: "system:admin", organizations: ["system:masters"], usage: .client)
        #expect(!mine.signed(forged.certificate))
        #expect(theirs.signed(forged.certificate))
        #expect(throws: GantryError.self) { try mine.issue(commonName: "x", usage: .server, ipAddresses: ["not-an-ip"]) }
    }
}

@Suite("Join tokens")
struct JoinTokenTests {
    @Test func aTokenPinsTheCAAndRoundTrips() throws {
        let ca = try CertificateAuthority.create(commonName: "gantry-server-ca")
        let token = JoinToken.generate(caPEM: ca.keyed.certificatePEM)
        let text = token.description
        #expect(text.hasPrefix("K10") && text.contains("::"))
        #expect(text.count == 3 + 64 + 2 + 6 + 1 + 16)
        let parsed = try JoinToken(parsing: text + "\n")
        #expect(parsed == token)
        #expect(parsed.bearer == "\(token.id).\(token.secret)")
        try parsed.verify(caPEM: ca.keyed.certificatePEM)
        // Another CA (an impostor, or the wrong cluster) fails the pin with a message saying so.
        let other = try CertificateAuthority.create(commonName: "gantry-server-ca")
        #expect { try parsed.verify(caPEM: other.keyed.certificatePEM) } throws: {
            ($0 as? GantryError)?.code == .unauthorized && "\($0)".contains("does not match the join token's pin")
        }
        // Two tokens are never the same.
        #expect(JoinToken.generate(caPEM: "x").bearer != JoinToken.generate(caPEM: "x").bearer)
    }

    @Test func malformedTokensAreRefusedWithWhatIsWrong() throws {
        #expect(try JoinToken(parsing: "abcdef.0123456789abcdef").caHash == "")
        for (bad, says) in [
            ("K10abc", "no \"::\""),
            ("K10abc::abcdef.0123456789abcdef", "64 hex digits"),
            ("K10" + String(repeating: "a", count: 64) + "::abc.def", "bootstrap token"),
            ("ABCDEF.0123456789ABCDEF", "bootstrap token"),
            ("", "bootstrap token"),
        ] {
            do {
                _ = try JoinToken(parsing: bad)
                Issue.record("\(bad) was accepted")
            } catch {
                #expect("\(error)".contains(says), "\(bad): \(error)")
            }
        }
    }
}
