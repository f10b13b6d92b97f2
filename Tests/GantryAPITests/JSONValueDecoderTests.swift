import Foundation
import Testing

@testable import GantryAPI

/// `JSONValue.decode` walks the parsed tree; it must agree with `JSONDecoder` on the serialized text.
@Suite struct JSONValueDecoderTests {
    static let pod = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"default","uid":"u-1","generation":3,
         "labels":{"app":"web"},"annotations":{"a":"b"},"resourceVersion":"42","creationTimestamp":"2026-12-06T11:43:43Z",
         "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web","uid":"rs-1","controller":true}],
         "managedFields":[{"manager":"kubectl","operation":"Apply","fieldsType":"FieldsV1",
                           "fieldsV1":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:image":{}}}}}}]},
         "spec":{"nodeName":"n1","terminationGracePeriodSeconds":30,"activeDeadlineSeconds":1.0,
                 "containers":[{"name":"c","image":"busybox","command":["sh","-c","sleep 1"],
                                "ports":[{"containerPort":80,"protocol":"TCP"}],
                                "resources":{"limits":{"cpu":"500m","memory":"64Mi"},"requests":{"cpu":1}},
                                "env":[{"name":"X","value":"1"},{"name":"Y","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],
                                "livenessProbe":{"httpGet":{"path":"/","port":"http"},"periodSeconds":5}}],
                 "tolerations":[{"key":"k","operator":"Exists","effect":"NoExecute","tolerationSeconds":5}]},
         "status":{"phase":"Running","podIP":"10.0.0.5","conditions":[{"type":"Ready","status":"True"}],
                   "containerStatuses":[{"name":"c","ready":true,"restartCount":2,"image":"busybox","imageID":"",
                                         "state":{"running":{"startedAt":"2026-12-06T11:43:44Z"}}}]}}
        """

    func both<T: Decodable & Equatable>(_ type: T.Type, _ text: String) throws -> (T, T) {
        let data = Data(text.utf8)
        let reference = try JSONDecoder().decode(T.self, from: data)
        let tree = try JSONValue.parse(data).decode(T.self)
        return (reference, tree)
    }

    @Test func agreesWithJSONDecoderOnObjects() throws {
        let (a, b) = try both(Pod.self, Self.pod)
        #expect(a == b)
        #expect(b.metadata.managedFields?.first?["fieldsV1"]?["f:spec"] != nil)
        #expect(b.spec?.containers?.first?.resources?.requests?["cpu"] != nil)
        let (c, d) = try both(Deployment.self, """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
             "spec":{"replicas":3,"selector":{"matchLabels":{"app":"d"}},
                     "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},
                     "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
            """)
        #expect(c == d)
        #expect(d.spec?.replicas == 3)
    }

    /// The error case and its coding path, as a comparable string.
    func failure<T: Decodable>(_ type: T.Type, _ body: () throws -> T) -> String {
        do {
            _ = try body()
            return "no error"
        } catch let e as DecodingError {
            func path(_ p: [any CodingKey]) -> String { p.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
            switch e {
            case .typeMismatch(_, let c): return "typeMismatch " + path(c.codingPath)
            case .valueNotFound(_, let c): return "valueNotFound " + path(c.codingPath)
            case .keyNotFound(let k, let c): return "keyNotFound " + path(c.codingPath + [k])
            case .dataCorrupted(let c): return "dataCorrupted " + path(c.codingPath)
            @unknown default: return "unknown"
            }
        } catch {
            return "other \(error)"
        }
    }

    @Test func failsWhereJSONDecoderFails() throws {
        let cases = [
            #"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":"eighty"}]}]}}"#,
            #"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":7}]}}"#,
            #"{"metadata":{"name":"p","generation":"x"},"spec":{"containers":[]}}"#,
            #"{"metadata":{"name":"p","labels":{"a":1}},"spec":{"containers":[]}}"#,
            #"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","env":[{"name":5}]}]}}"#,
            #"{"metadata":{"name":"p"},"spec":{"containers":{}}}"#,
            #"{"metadata":"p"}"#,
        ]
        for text in cases {
            let data = Data(text.utf8)
            let reference = failure(Pod.self) { try JSONDecoder().decode(Pod.self, from: data) }
            let tree = failure(Pod.self) { try JSONValue.parse(data).decode(Pod.self) }
            #expect(reference != "no error", "\(text)")
            #expect(tree == reference, "\(text)")
        }
        // JSONDecoder loses the path of a number that does not fit; the tree decoder names the field.
        let text = #"{"metadata":{"name":"p"},"spec":{"containers":[],"terminationGracePeriodSeconds":1.5}}"#
        #expect(failure(Pod.self) { try JSONValue.parse(text).decode(Pod.self) } == "dataCorrupted spec.terminationGracePeriodSeconds")
    }
}
