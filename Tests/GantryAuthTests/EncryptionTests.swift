import Foundation
import GantryAPI
import GantryAuth
import GantryTestSupport
import Testing

@Suite("Encryption at rest: the key ring")
struct EncryptionTests {
    let secretJSON = Data(#"{"kind":"Secret","data":{"password":"aHVudGVyMg=="},"stringData":{"token":"plain-secret-value"}}"#.utf8)
    let path = "/registry/secrets/default/db"

    @Test func aValueRoundTripsAndCarriesNoPlaintext() throws {
        let ring = try EncryptionKeyRing.generate()
        let stored = try ring.encrypt(secretJSON, storageKey: path)
        #expect(stored.starts(with: Data("k8s:enc:aesgcm:v1:\(ring.keys[0].name):".utf8)))
        #expect(stored.range(of: Data("plain-secret-value".utf8)) == nil)
        #expect(stored.range(of: Data("aHVudGVyMg".utf8)) == nil)
        let (plain, stale) = try ring.decrypt(stored, storageKey: path)
        #expect(plain == secretJSON && !stale)
        // Two encryptions of one value differ (a fresh nonce each time).
        #expect(try ring.encrypt(secretJSON, storageKey: path) != stored)
        #expect(ring.keys[0].secret.count == 32)
        #expect(ring.encrypts("secrets") && !ring.encrypts("configmaps"))
    }

    @Test func anAlteredOrMovedValueDoesNotDecrypt() throws {
        let ring = try EncryptionKeyRing.generate()
        var stored = try ring.encrypt(secretJSON, storageKey: path)
        #expect { try ring.decrypt(stored, storageKey: "/registry/secrets/default/other") } throws: {
            "\($0)".contains("altered or belongs under another key")
        }
        stored[stored.count - 20] ^= 1
        #expect(throws: GantryError.self) { try ring.decrypt(stored, storageKey: path) }
        // Another ring's key, even under the same name, is not this one.
        let other = try EncryptionKeyRing(keys: [.init(name: ring.keys[0].name, secret: Data(repeating: 7, count: 32))])
        #expect(throws: GantryError.self) { try other.decrypt(try ring.encrypt(secretJSON, storageKey: path), storageKey: path) }
    }

    @Test func rotationKeepsEveryValueReadableThenRetiresTheOldKey() throws {
        let old = try EncryptionKeyRing.generate(now: Date(timeIntervalSince1970: 1_000))
        let before = try old.encrypt(secretJSON, storageKey: path)
        let both = try old.addingKey(now: Date(timeIntervalSince1970: 2_000))
        #expect(both.keys.count == 2 && both.keys[1] == old.keys[0])
        // The old value still reads, and says it wants rewriting.
        let (plain, stale) = try both.decrypt(before, storageKey: path)
        #expect(plain == secretJSON && stale)
        let rewritten = try both.encrypt(plain, storageKey: path)
        let retired = try both.retiringOldKeys()
        #expect(try retired.decrypt(rewritten, storageKey: path) == (secretJSON, false))
        // A value nobody rewrote names the key it needs.
        #expect { try retired.decrypt(before, storageKey: path) } throws: {
            "\($0)".contains("encrypted with key \"\(old.keys[0].name)\", which is not in the encryption configuration")
        }
        // Adding a key within the same second still gives it its own name.
        let twice = try both.addingKey(now: Date(timeIntervalSince1970: 2_000))
        #expect(Set(twice.keys.map(\.name)).count == 3)
    }

    @Test func plaintextReadsOnlyWithAnIdentityProvider() throws {
        let ring = try EncryptionKeyRing.generate()
        let (plain, stale) = try ring.decrypt(secretJSON, storageKey: path)
        #expect(plain == secretJSON && stale)
        let strict = try EncryptionKeyRing(keys: ring.keys, readsPlaintext: false)
        #expect { try strict.decrypt(secretJSON, storageKey: path) } throws: { "\($0)".contains("stored unencrypted") }
    }

    @Test func kubernetesEncryptionConfigurationFilesAreReadAndWritten() throws {
        let yaml = """
        apiVersion: apiserver.config.k8s.io/v1
        kind: EncryptionConfiguration
        resources:
          - resources:
              - secrets
              - configmaps
            providers:
              - aesgcm:
                  keys:
                    - name: key1
                      secret: \(Data(repeating: 1, count: 32).base64EncodedString())
                    - name: key2
                      secret: \(Data(repeating: 2, count: 16).base64EncodedString())
              - identity: {}
        """
        let ring = try EncryptionKeyRing(configuration: yaml)
        #expect(ring.keys.map(\.name) == ["key1", "key2"] && ring.readsPlaintext)
        #expect(ring.encrypts("configmaps"))
        let again = try EncryptionKeyRing(configuration: ring.configuration)
        #expect(again.keys == ring.keys && again.resources == ring.resources && again.readsPlaintext)

        let dir = TempDir("enc")
        defer { dir.cleanup() }
        let file = dir.file("encryption-config.yaml")
        #expect { try EncryptionKeyRing.load(path: file, create: false) } throws: { "\($0)".contains("is missing") }
        let made = try EncryptionKeyRing.load(path: file, create: true)
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try EncryptionKeyRing.load(path: file, create: true).keys == made.keys)
    }

    @Test func badConfigurationsNameWhatIsWrong() throws {
        func config(_ providers: String) -> String {
            "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n\(providers)"
        }
        let cases: [(String, String)] = [
            (config("      - aescbc:\n          keys: []\n"), "provider \"aescbc\" is not supported"),
            (config("      - aesgcm:\n          keys:\n            - name: k\n              secret: '%%%'\n"), "resources[0].providers[0].aesgcm.keys[0].secret must be base64"),
            (config("      - aesgcm:\n          keys:\n            - name: k\n              secret: \(Data(count: 5).base64EncodedString())\n"), "is 5 bytes"),
            (config("      - identity: {}\n"), "no aesgcm key"),
            ("kind: ConfigMap\n", "kind must be EncryptionConfiguration"),
        ]
        for (text, says) in cases {
            do {
                _ = try EncryptionKeyRing(configuration: text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect("\(error)".contains(says), "\(error)")
            }
        }
    }
}
