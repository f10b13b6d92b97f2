import Foundation
import Testing
@testable import GantryAPI

/// A tiny protobuf encoder for building test bodies.
private struct PB {
    var bytes: [UInt8] = []

    static func varintBytes(_ v: UInt64) -> [UInt8] {
        var v = v
        var out = [UInt8]()
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }

    func tag(_ n: Int, _ w: Int) -> [UInt8] { Self.varintBytes(UInt64(n << 3 | w)) }

    func int(_ n: Int, _ v: Int64) -> PB { var c = self; c.bytes += tag(n, 0) + Self.varintBytes(UInt64(bitPattern: v)); return c }
    func bool(_ n: Int, _ v: Bool) -> PB { int(n, v ? 1 : 0) }
    func raw(_ n: Int, _ b: [UInt8]) -> PB {
        var c = self
        c.bytes += tag(n, 2) + Self.varintBytes(UInt64(b.count)) + b
        return c
    }
    func str(_ n: Int, _ s: String) -> PB { raw(n, Array(s.utf8)) }
    func msg(_ n: Int, _ m: PB) -> PB { raw(n, m.bytes) }
    func entry(_ n: Int, _ k: String, _ v: String) -> PB { msg(n, PB().str(1, k).str(2, v)) }
    func fixed32(_ n: Int, _ v: UInt32) -> PB {
        var c = self
        c.bytes += tag(n, 5) + (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xff) }
        return c
    }
    func fixed64(_ n: Int, _ v: UInt64) -> PB {
        var c = self
        c.bytes += tag(n, 1) + (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xff) }
        return c
    }

    /// The `k8s\0` + runtime.Unknown envelope around this message.
    func envelope(_ apiVersion: String, _ kind: String) -> Data {
        Data(KubeProtobuf.magic + PB().msg(1, PB().str(1, apiVersion).str(2, kind)).raw(2, bytes).str(3, "").str(4, "").bytes)
    }
}

private func hex(_ s: String) -> Data {
    var out = [UInt8]()
    var i = s.startIndex
    while i < s.endIndex {
        let j = s.index(i, offsetBy: 2)
        out.append(UInt8(s[i..<j], radix: 16)!)
        i = j
    }
    return Data(out)
}

/// Drops `null` members, as Kubernetes' JSON writes `"creationTimestamp": null` for zero times.
private func dropNulls(_ v: JSONValue) -> JSONValue {
    switch v {
    case .object(let o): return .object(o.filter { !$0.value.isNull }.mapValues(dropNulls))
    case .array(let a): return .array(a.map(dropNulls))
    default: return v
    }
}

private func expectJSON(_ got: JSONValue, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let want = dropNulls(try JSONValue.parse(expected))
    #expect(got == want, "got \(got.jsonString())\nwant \(want.jsonString())", sourceLocation: sourceLocation)
}

private func expectBadRequest(_ data: Data, _ resource: ResourceInfo = .namespaces, contains: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let v = try KubeProtobuf.decode(data, resource: resource)
        Issue.record("expected an error, got \(v.jsonString())", sourceLocation: sourceLocation)
    } catch let e as GantryError {
        #expect(e.code == .badRequest, "\(e)", sourceLocation: sourceLocation)
        #expect(e.message.contains(contains), "\(e.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("Kubernetes protobuf decoding")
struct ProtobufTests {
    // MARK: real bodies sent by kubectl 1.32 (captured from a stub server), checked against
    // `kubectl create ... --dry-run=client -o json` for the same command.

    @Test func kubectlCreateNamespace() throws {
        let body = hex("6b3873000a0f0a02763112094e616d657370616365121c0a140a0464656d6f12001a0022002a0032003800420012001a020a001a002200")
        try expectJSON(try KubeProtobuf.decode(body, resource: .namespaces),
                       #"{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"demo","creationTimestamp":null},"spec":{},"status":{}}"#)
    }

    @Test func kubectlCreateDeployment() throws {
        // kubectl create deployment web --image=busybox --replicas=2
        let body = hex("6b3873000a150a07617070732f7631120a4465706c6f796d656e7412af010a1f0a0377656212001a0022002a003200380042005a0a0a036170701203776562127e0802120c0a0a0a0361707012037765621a640a1c0a0012001a0022002a003200380042005a0a0a036170701203776562124412260a0762757379626f78120762757379626f782a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200")
        let v = try KubeProtobuf.decode(body, resource: .deployments)
        try expectJSON(v, #"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","creationTimestamp":null,"labels":{"app":"web"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"name":"busybox","image":"busybox","resources":{}}]}},"strategy":{}},"status":{}}"#)
    }

    @Test func kubectlCreateSecret() throws {
        // kubectl create secret generic s --from-literal=a=b
        let body = hex("6b3873000a0c0a0276311206536563726574121d0a110a017312001a0022002a0032003800420012060a01611201621a001a002200")
        try expectJSON(try KubeProtobuf.decode(body, resource: .secrets),
                       #"{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","creationTimestamp":null},"data":{"a":"Yg=="}}"#)
    }

    @Test func kubectlCreateConfigMap() throws {
        // kubectl create configmap c --from-literal=k=v
        let body = hex("6b3873000a0f0a0276311209436f6e6669674d6170121b0a110a016312001a0022002a0032003800420012060a016b1201761a002200")
        try expectJSON(try KubeProtobuf.decode(body, resource: .configMaps),
                       #"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c","creationTimestamp":null},"data":{"k":"v"}}"#)
    }

    @Test func kubectlCreateService() throws {
        // kubectl create service clusterip my-svc --tcp=5678:8080
        let body = hex("6b3873000a0d0a02763112075365727669636512750a250a066d792d73766312001a0022002a003200380042005a0d0a0361707012066d792d73766312480a1e0a09353637382d38303830120354435018ae2c2207080010903f1a002800120d0a0361707012066d792d7376631a002209436c757374657249503a00420052005a00600068001a020a001a002200")
        try expectJSON(try KubeProtobuf.decode(body, resource: .services),
                       #"{"kind":"Service","apiVersion":"v1","metadata":{"name":"my-svc","creationTimestamp":null,"labels":{"app":"my-svc"}},"spec":{"ports":[{"name":"5678-8080","protocol":"TCP","port":5678,"targetPort":8080}],"selector":{"app":"my-svc"},"type":"ClusterIP"},"status":{"loadBalancer":{}}}"#)
    }

    @Test func kubectlCreateJob() throws {
        // kubectl create job j --image=busybox -- echo hi
        let body = hex("6b3873000a0f0a0862617463682f763112034a6f621282010a110a016a12001a0022002a00320038004200126332610a100a0012001a0022002a00320038004200124d122a0a016a120762757379626f781a046563686f1a0268692a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200")
        try expectJSON(try KubeProtobuf.decode(body, resource: .jobs),
                       #"{"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"j","creationTimestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"j","image":"busybox","command":["echo","hi"],"resources":{}}],"restartPolicy":"Never"}}},"status":{}}"#)
    }

    // MARK: hand-encoded bodies

    @Test func namespace() throws {
        let body = PB().msg(1, PB().str(1, "demo")).envelope("v1", "Namespace")
        try expectJSON(try KubeProtobuf.decode(body, resource: .namespaces),
                       #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"demo"}}"#)
    }

    @Test func deploymentWithPointerZeroAndNegatives() throws {
        let container = PB().str(1, "nginx").str(2, "nginx").msg(8, PB())
            .msg(6, PB().int(3, 80).str(4, "TCP")).msg(6, PB().int(3, 443))
        let spec = PB()
            .int(1, 0) // replicas: pointer, kept when 0
            .msg(2, PB().entry(1, "app", "web").msg(2, PB().str(1, "tier").str(2, "In").str(3, "a").str(3, "b")))
            .msg(3, PB().msg(1, PB().entry(11, "app", "web")).msg(2, PB().msg(2, container).int(5, -1)))
            .msg(4, PB().str(1, "").msg(2, PB().msg(1, PB().int(1, 1).str(3, "25%")).msg(2, PB().int(1, 0).int(2, -3))))
            .int(5, 0) // minReadySeconds: omitempty non-pointer, dropped
            .bool(7, false)
        let body = PB().msg(1, PB().str(1, "web").str(3, "default").entry(11, "app", "web")
            .entry(12, "note", "x")).msg(2, spec).envelope("apps/v1", "Deployment")
        try expectJSON(try KubeProtobuf.decode(body, resource: .deployments), """
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","namespace":"default","labels":{"app":"web"},"annotations":{"note":"x"}},
             "spec":{"replicas":0,
               "selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]},
               "template":{"metadata":{"labels":{"app":"web"}},"spec":{"activeDeadlineSeconds":-1,
                 "containers":[{"name":"nginx","image":"nginx","resources":{},
                                "ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443}]}]}},
               "strategy":{"rollingUpdate":{"maxUnavailable":"25%","maxSurge":-3}}}}
            """)
    }

    @Test func secretAndConfigMapBytes() throws {
        let secret = PB().msg(1, PB().str(1, "s")).msg(2, PB().str(1, "bin").raw(2, [0, 0xff, 0x10]))
            .msg(2, PB().str(1, "empty")).str(3, "Opaque").msg(4, PB().str(1, "plain").str(2, "text")).bool(5, true)
        try expectJSON(try KubeProtobuf.decode(secret.envelope("v1", "Secret"), resource: .secrets),
                       #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"bin":"AP8Q","empty":""},"type":"Opaque","stringData":{"plain":"text"},"immutable":true}"#)
        let cm = PB().msg(1, PB().str(1, "c")).entry(2, "k", "v").msg(3, PB().str(1, "b").raw(2, Array("hi".utf8)))
        try expectJSON(try KubeProtobuf.decode(cm.envelope("v1", "ConfigMap"), resource: .configMaps),
                       #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"},"binaryData":{"b":"aGk="}}"#)
    }

    @Test func serviceTargetPorts() throws {
        let spec = PB()
            .msg(1, PB().str(1, "http").str(2, "TCP").int(3, 80).msg(4, PB().int(1, 1).str(3, "web")).int(5, 0))
            .msg(1, PB().int(3, 8443).msg(4, PB().int(1, 0).int(2, 443)))
            .entry(2, "app", "web").str(4, "ClusterIP")
        let body = PB().msg(1, PB().str(1, "svc")).msg(2, spec).envelope("v1", "Service")
        try expectJSON(try KubeProtobuf.decode(body, resource: .services), """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"svc"},"spec":{"type":"ClusterIP","selector":{"app":"web"},
             "ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":"web"},{"port":8443,"targetPort":443}]}}
            """)
    }

    @Test func timesAndQuantities() throws {
        // 2024-01-02T03:04:05Z = 1704164645
        let meta = PB().str(1, "p").msg(8, PB().int(1, 1_704_164_645).int(2, 999)).msg(9, PB())
            .int(10, 30).msg(17, PB().str(1, "kubectl").str(2, "Update").msg(4, PB().int(1, 1_704_164_645))
                .str(6, "FieldsV1").msg(7, PB().raw(1, Array(#"{"f:metadata":{}}"#.utf8))))
        let container = PB().str(1, "c").msg(8, PB().msg(1, PB().str(1, "cpu").msg(2, PB().str(1, "500m")))
            .msg(1, PB().str(1, "memory").msg(2, PB().str(1, "128Mi"))))
        let pod = PB().msg(1, meta).msg(2, PB().msg(2, container))
        let v = try KubeProtobuf.decode(pod.envelope("v1", "Pod"), resource: .pods)
        try expectJSON(v, """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","creationTimestamp":"2024-01-02T03:04:05Z",
             "deletionGracePeriodSeconds":30,
             "managedFields":[{"manager":"kubectl","operation":"Update","time":"2024-01-02T03:04:05Z",
                               "fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{}}}]},
             "spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"500m","memory":"128Mi"}}}]}}
            """)
        // MicroTime in a Lease: six fractional digits.
        let lease = PB().msg(1, PB().str(1, "l")).msg(2, PB().str(1, "me").int(2, 15)
            .msg(3, PB().int(1, 1_704_164_645).int(2, 123_456_789)).msg(4, PB().int(1, 0)).int(5, 0))
        try expectJSON(try KubeProtobuf.decode(lease.envelope("coordination.k8s.io/v1", "Lease"), resource: .leases), """
            {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l"},
             "spec":{"holderIdentity":"me","leaseDurationSeconds":15,"acquireTime":"2024-01-02T03:04:05.123456Z",
                     "renewTime":"1970-01-01T00:00:00.000000Z","leaseTransitions":0}}
            """)
        #expect(ProtoDecoder.rfc3339(seconds: -1, nanos: 0, micro: false) == "1969-12-31T23:59:59Z")
        #expect(ProtoDecoder.rfc3339(seconds: 951_782_400, nanos: 0, micro: false) == "2000-02-29T00:00:00Z")
        #expect(ProtoDecoder.rfc3339(seconds: 253_402_300_799, nanos: 1000, micro: true) == "9999-12-31T23:59:59.000001Z")
    }

    @Test func evictionAndDeleteOptions() throws {
        let opts = PB().int(1, 0).msg(2, PB().str(1, "uid-1")).str(4, "Foreground").str(5, "All")
        let ev = PB().msg(1, PB().str(1, "p").str(3, "ns")).msg(2, opts)
        try expectJSON(try KubeProtobuf.decode(ev.envelope("policy/v1", "Eviction"), resource: .pods, subresource: "eviction"), """
            {"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"p","namespace":"ns"},
             "deleteOptions":{"gracePeriodSeconds":0,"preconditions":{"uid":"uid-1"},"propagationPolicy":"Foreground","dryRun":["All"]}}
            """)
        let del = PB().int(1, 5).bool(3, true)
        try expectJSON(try KubeProtobuf.decode(del.envelope("meta.k8s.io/v1", "DeleteOptions"), resource: .pods),
                       #"{"apiVersion":"meta.k8s.io/v1","kind":"DeleteOptions","gracePeriodSeconds":5,"orphanDependents":true}"#)
        try expectJSON(try KubeProtobuf.decode(del.envelope("apps/v1", "DeleteOptions"), resource: .deployments),
                       #"{"apiVersion":"apps/v1","kind":"DeleteOptions","gracePeriodSeconds":5,"orphanDependents":true}"#)
    }

    @Test func scaleSubresourceAndMissingKind() throws {
        let scale = PB().msg(1, PB().str(1, "web")).msg(2, PB().int(1, 5))
        let body = Data(KubeProtobuf.magic + PB().raw(2, scale.bytes).bytes)
        try expectJSON(try KubeProtobuf.decode(body, resource: .deployments, subresource: "scale"),
                       #"{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web"},"spec":{"replicas":5}}"#)
    }

    @Test func unknownFieldsAreSkippedAndPackedAccepted() throws {
        // Unknown numbers of every wire type, inside the object and the envelope.
        let meta = PB().str(1, "x").int(99, 7).fixed32(98, 1).fixed64(97, 2).raw(96, [1, 2, 3])
        let rule = PB().str(1, "FailJob").msg(2, PB().str(2, "In").raw(3, PB.varintBytes(1) + PB.varintBytes(2) + PB.varintBytes(UInt64(bitPattern: -3))))
        let job = PB().msg(1, meta).msg(2, PB().msg(6, PB()).msg(11, PB().msg(1, rule)).int(7, 3).int(200, 1))
        var env = job.envelope("batch/v1", "Job")
        env.append(contentsOf: PB().int(50, 1).bytes)
        try expectJSON(try KubeProtobuf.decode(env, resource: .jobs), """
            {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"x"},
             "spec":{"template":{},"backoffLimit":3,"podFailurePolicy":{"rules":[{"action":"FailJob","onExitCodes":{"operator":"In","values":[1,2,-3]}}]}}}
            """)
    }

    @Test func embeddedStructsAndFreeForm() throws {
        // ConfigMapKeySelector embeds LocalObjectReference (field 1 → name 1); Volume embeds VolumeSource (2).
        let env = PB().str(1, "K").msg(3, PB().msg(3, PB().msg(1, PB().str(1, "cm")).str(2, "key")))
        let vol = PB().str(1, "v").msg(2, PB().msg(6, PB().str(1, "sec")).msg(2, PB()))
        let probe = PB().msg(1, PB().msg(2, PB().str(1, "/healthz").msg(2, PB().int(1, 0).int(2, 8080)))).int(2, 0)
        let pod = PB().msg(1, PB().str(1, "p")).msg(2, PB().msg(1, vol)
            .msg(2, PB().str(1, "c").msg(7, env).msg(10, probe)))
        try expectJSON(try KubeProtobuf.decode(pod.envelope("v1", "Pod"), resource: .pods), """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{
              "volumes":[{"name":"v","secret":{"secretName":"sec"},"emptyDir":{}}],
              "containers":[{"name":"c","env":[{"name":"K","valueFrom":{"configMapKeyRef":{"name":"cm","key":"key"}}}],
                "livenessProbe":{"httpGet":{"path":"/healthz","port":8080}}}]}}
            """)
    }

    @Test func everyCatalogueFieldHasANumber() {
        for def in SchemaCatalog.definitions.values where def.primitive == nil && !def.fields.isEmpty {
            if def.name == "io.k8s.apimachinery.pkg.version.Info" { continue }
            guard let table = ProtobufFieldTable.tables[def.name] else {
                Issue.record("no protobuf field numbers for \(def.name)")
                continue
            }
            var names = Set<String>()
            func collect(_ t: [Int: ProtobufFieldEntry]) {
                for e in t.values {
                    switch e {
                    case .field(let f, _): names.insert(f.name)
                    case .inline(let sub): collect(sub)
                    }
                }
            }
            collect(table)
            // apiVersion and kind of top-level kinds travel in the envelope, not in the message.
            for f in def.fields where !names.contains(f.name) && !["apiVersion", "kind"].contains(f.name) {
                Issue.record("no protobuf field number for \(def.name).\(f.name)")
            }
        }
    }

    // MARK: errors

    @Test func malformedBodies() {
        expectBadRequest(Data([1, 2, 3]), contains: "magic")
        expectBadRequest(Data(KubeProtobuf.magic + [0x0a]), contains: "truncated")
        expectBadRequest(Data(KubeProtobuf.magic + [0x12, 0x05, 0x0a]), contains: "past the end")
        expectBadRequest(Data(KubeProtobuf.magic + [0x0b]), contains: "group")
        expectBadRequest(Data(KubeProtobuf.magic + [0x0f]), contains: "wire type 7")
        expectBadRequest(Data(KubeProtobuf.magic + [0x00]), contains: "field number 0")
        expectBadRequest(Data(KubeProtobuf.magic + [0x28] + [UInt8](repeating: 0xff, count: 11)), contains: "varint")
        // metadata.name sent as a varint
        expectBadRequest(PB().msg(1, PB().int(1, 3)).envelope("v1", "Namespace"), contains: "ObjectMeta.name")
        // a truncated nested message
        expectBadRequest(PB().raw(1, [0x0a, 0x09, 0x41]).envelope("v1", "Namespace"), contains: "past the end")
        // bad IntOrString type
        let svc = PB().msg(2, PB().msg(1, PB().msg(4, PB().int(1, 7)))).envelope("v1", "Service")
        expectBadRequest(svc, .services, contains: "IntOrString")
    }

    @Test func unknownKindIsUnsupported() {
        for body in [PB().envelope("v1", "Widget"), PB().envelope("example.com/v1", "Namespace")] {
            #expect {
                try KubeProtobuf.decode(body, resource: .namespaces)
            } throws: { ($0 as? GantryError)?.code == .unsupportedMediaType }
        }
        let gz = Data(KubeProtobuf.magic + PB().msg(1, PB().str(1, "v1").str(2, "Namespace")).str(3, "gzip").bytes)
        #expect {
            try KubeProtobuf.decode(gz, resource: .namespaces)
        } throws: { ($0 as? GantryError)?.code == .unsupportedMediaType }
    }

    @Test func contentTypeDetection() {
        #expect(KubeProtobuf.isProtobuf(contentType: "application/vnd.kubernetes.protobuf"))
        #expect(KubeProtobuf.isProtobuf(contentType: "application/vnd.kubernetes.protobuf; charset=utf-8"))
        #expect(!KubeProtobuf.isProtobuf(contentType: "application/json"))
        #expect(!KubeProtobuf.isProtobuf(contentType: nil))
    }
}
