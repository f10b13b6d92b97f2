import Foundation
import GantryAPI
@testable import GantryAPIServer
import Testing

@Suite("Pod Security admission")
struct PodSecurityTests {
    static func spec(_ json: String) throws -> JSONValue { try JSONValue.parse(Data(json.utf8)) }

    static let compliant = """
        {"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
         "volumes": [{"name": "data", "emptyDir": {}}],
         "containers": [{"name": "c", "image": "busybox",
                         "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}}}]}
        """

    @Test func levels() throws {
        let ok = try Self.spec(Self.compliant)
        for level in PodSecurity.Level.allCases { #expect(PodSecurity.violations(spec: ok, level: level).isEmpty, "\(level)") }
        let plain = try Self.spec(#"{"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "x"}]}"#)
        #expect(PodSecurity.violations(spec: plain, level: .baseline).isEmpty)
        #expect(PodSecurity.violations(spec: plain, level: .restricted) == [
            "allowPrivilegeEscalation != false (containers \"a\", \"b\" must set securityContext.allowPrivilegeEscalation=false)",
            "unrestricted capabilities (containers \"a\", \"b\" must set securityContext.capabilities.drop=[\"ALL\"])",
            "runAsNonRoot != true (pod or containers \"a\", \"b\" must set securityContext.runAsNonRoot=true)",
            "seccompProfile (pod or containers \"a\", \"b\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
        ])
    }

    @Test func baselineViolations() throws {
        let bad = try Self.spec("""
            {"hostNetwork": true, "hostPID": true,
             "securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}, {"name": "net.ipv4.tcp_syncookies", "value": "1"}]},
             "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
             "containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 80, "hostPort": 8080}],
                             "securityContext": {"privileged": true, "capabilities": {"add": ["NET_ADMIN", "CHOWN"]},
                                                 "seccompProfile": {"type": "Unconfined"}}}]}
            """)
        #expect(PodSecurity.violations(spec: bad, level: .privileged).isEmpty)
        #expect(PodSecurity.violations(spec: bad, level: .baseline) == [
            "non-default capabilities (container \"c\" must not include \"NET_ADMIN\" in securityContext.capabilities.add)",
            "host namespaces (hostNetwork=true, hostPID=true)",
            "hostPath volume (\"root\")",
            "hostPort (container \"c\" uses hostPort 8080)",
            "privileged (container \"c\" must not set securityContext.privileged=true)",
            "seccompProfile (container \"c\" must not set securityContext.seccompProfile.type to \"Unconfined\")",
            "forbidden sysctls (kernel.msgmax)",
        ])
        let restricted = PodSecurity.violations(spec: bad, level: .restricted)
        #expect(restricted.contains("restricted volume types (volume \"root\" uses restricted volume type \"hostPath\")"))
        #expect(restricted.contains { $0.hasPrefix("unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]; container \"c\" must not include \"NET_ADMIN\", \"CHOWN\"") })
        let root = try Self.spec(#"{"securityContext": {"runAsNonRoot": true, "runAsUser": 0, "seccompProfile": {"type": "Localhost"}}, "containers": [{"name": "c", "image": "x", "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}"#)
        #expect(PodSecurity.violations(spec: root, level: .restricted) == ["runAsUser=0 (pod must not set runAsUser=0)"])
    }

    @Test func namespaceLabelsAndDefaults() throws {
        let labels = ["pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted",
                      "pod-security.kubernetes.io/warn-version": "v1.32"]
        #expect(PodSecurity.validateLabels(labels).isEmpty)
        #expect(PodSecurity.validateLabels(["pod-security.kubernetes.io/enforce": "strict"]).first?.field
                == "metadata.labels[pod-security.kubernetes.io/enforce]")
        #expect(!PodSecurity.validateLabels(["pod-security.kubernetes.io/audit-version": "1.2"]).isEmpty)
        let p = PodSecurity.policies(labels: labels, namespace: "prod", defaults: .init(enforce: .restricted))
        #expect(p["enforce"]?.description == "baseline:latest" && p["warn"]?.description == "restricted:v1.32"
                && p["audit"]?.level == .restricted)
        // The cluster default does not reach exempt namespaces.
        #expect(PodSecurity.policies(labels: [:], namespace: "kube-system", defaults: .init(enforce: .restricted))["enforce"]?.level == .privileged)

        let pod: JSONValue = ["metadata": ["name": "p"], "spec": ["containers": [["name": "c", "image": "x", "securityContext": ["privileged": true]]]]]
        #expect(throws: GantryError.self) {
            try PodSecurity.admit(pod, .pods, namespaceLabels: labels, namespace: "prod", defaults: .init())
        }
        do {
            _ = try PodSecurity.admit(pod, .pods, namespaceLabels: labels, namespace: "prod", defaults: .init())
        } catch let e as GantryError {
            #expect(e.code == .forbidden && e.message == "pods \"p\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"c\" must not set securityContext.privileged=true)")
        }
        // A workload's template is warned about, never refused.
        let deployment: JSONValue = ["metadata": ["name": "d"], "spec": ["template": pod]]
        let out = try PodSecurity.admit(deployment, .deployments, namespaceLabels: labels, namespace: "prod",
                                       defaults: .init(enforce: .baseline))  // audit follows the default
        #expect(out.warnings.count == 1 && out.warnings[0].hasPrefix("would violate PodSecurity \"restricted:v1.32\": "))
        #expect(out.audit.hasPrefix("would violate PodSecurity \"baseline:latest\": privileged"))
    }
}
