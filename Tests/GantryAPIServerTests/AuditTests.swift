import Foundation
import GantryAPI
@testable import GantryAPIServer
import Testing

@Suite("Audit log")
struct AuditTests {
    @Test func objectRefAndVerb() {
        let pod = AuditLog.objectRef(path: "/api/v1/namespaces/prod/pods/web-1/log")
        #expect(pod == ["apiVersion": "v1", "namespace": "prod", "resource": "pods", "name": "web-1", "subresource": "log"])
        #expect(AuditLog.objectRef(path: "/apis/apps/v1/deployments")
            == ["apiGroup": "apps", "apiVersion": "v1", "resource": "deployments"])
        #expect(AuditLog.objectRef(path: "/api/v1/namespaces/prod") == ["apiVersion": "v1", "resource": "namespaces",
                                                                       "name": "prod", "namespace": "prod"])
        #expect(AuditLog.objectRef(path: "/healthz") == nil)
        #expect(AuditLog.objectRef(path: "/apis/apps") == nil)
        #expect(AuditLog.verb(method: .get, path: "/api/v1/namespaces/a/pods", query: [:]) == "list")
        #expect(AuditLog.verb(method: .get, path: "/api/v1/namespaces/a/pods", query: ["watch": "true"]) == "watch")
        #expect(AuditLog.verb(method: .get, path: "/api/v1/namespaces/a/pods/p", query: [:]) == "get")
        #expect(AuditLog.verb(method: .get, path: "/version", query: [:]) == "get")
        #expect(AuditLog.verb(method: .delete, path: "/api/v1/namespaces/a/pods", query: [:]) == "deletecollection")
        #expect(AuditLog.verb(method: .delete, path: "/api/v1/namespaces/a/pods/p", query: [:]) == "delete")
        #expect(AuditLog.verb(method: .patch, path: "/api/v1/namespaces/a/pods/p", query: [:]) == "patch")
    }

    /// The file is created 0600, rotated by size into FILE.1..FILE.N (newest first), and the oldest is dropped.
    @Test func rotation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/sub/audit.log"
        let log = try AuditLog(path: path, level: .metadata, maxBytes: 4096, maxBackups: 2)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let filler = String(repeating: "x", count: 900)
        for i in 0..<20 { log.write(["n": .int(Int64(i)), "pad": .string(filler)]) }
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: path + ".1") && fm.fileExists(atPath: path + ".2"))
        #expect(!fm.fileExists(atPath: path + ".3"))
        func numbers(_ p: String) throws -> [Int64] {
            try String(contentsOfFile: p, encoding: .utf8).split(separator: "\n")
                .map { try JSONValue.parse(Data($0.utf8))["n"]?.intValue ?? -1 }
        }
        let current = try numbers(path), newest = try numbers(path + ".1"), older = try numbers(path + ".2")
        #expect(current.last == 19)
        #expect(newest.last.map { $0 + 1 } == current.first)
        #expect(older.last.map { $0 + 1 } == newest.first)
        for p in [path, path + ".1", path + ".2"] { #expect(try Data(contentsOf: URL(fileURLWithPath: p)).count <= 4096) }
        // Reopened, it appends to what is there.
        let again = try AuditLog(path: path, level: .metadata, maxBytes: 4096, maxBackups: 2)
        again.write(["n": 20])
        #expect(try numbers(path).last == 20)
    }
}
