import Foundation
import Testing
import GantryAPI

@Suite struct LabelSelectorTests {
    @Test func matchLabelsAndExpressions() {
        let labels = ["app": "web", "tier": "frontend", "env": "prod"]
        #expect(LabelSelector().matches(labels))
        #expect(LabelSelector().matches([:]))
        #expect(LabelSelector(matchLabels: ["app": "web"]).matches(labels))
        #expect(!LabelSelector(matchLabels: ["app": "db"]).matches(labels))
        #expect(!LabelSelector(matchLabels: ["app": "web", "x": "y"]).matches(labels))
        func expr(_ key: String, _ op: String, _ values: [String]? = nil) -> LabelSelector {
            LabelSelector(matchExpressions: [LabelSelectorRequirement(key: key, operator: op, values: values)])
        }
        #expect(expr("tier", "In", ["frontend", "backend"]).matches(labels))
        #expect(!expr("tier", "In", ["backend"]).matches(labels))
        #expect(!expr("missing", "In", ["x"]).matches(labels))
        #expect(expr("tier", "NotIn", ["backend"]).matches(labels))
        #expect(expr("missing", "NotIn", ["x"]).matches(labels))
        #expect(!expr("env", "NotIn", ["prod"]).matches(labels))
        #expect(expr("env", "Exists").matches(labels))
        #expect(!expr("missing", "Exists").matches(labels))
        #expect(expr("missing", "DoesNotExist").matches(labels))
        #expect(!expr("env", "DoesNotExist").matches(labels))
        #expect(!expr("env", "Bogus").matches(labels))
    }

    @Test func toQueryString() throws {
        let s = LabelSelector(matchLabels: ["app": "web", "a": "b"],
                              matchExpressions: [LabelSelectorRequirement(key: "tier", operator: "In", values: ["db", "cache"]),
                                                 LabelSelectorRequirement(key: "legacy", operator: "DoesNotExist")])
        let q = try LabelQuery(s)
        #expect(q.description == "a=b,app=web,!legacy,tier in (cache,db)")
        #expect(q.matches(["a": "b", "app": "web", "tier": "db"]))
        #expect(!q.matches(["a": "b", "app": "web", "tier": "db", "legacy": "1"]))
        #expect(throws: GantryError.self) {
            try LabelQuery(LabelSelector(matchExpressions: [LabelSelectorRequirement(key: "a", operator: "In", values: [])]))
        }
        #expect(throws: GantryError.self) {
            try LabelQuery(LabelSelector(matchExpressions: [LabelSelectorRequirement(key: "a", operator: "Near")]))
        }
    }
}

@Suite struct LabelQueryTests {
    @Test func parseForms() throws {
        let q = try LabelQuery.parse("app=web, tier==frontend,env!=dev , zone in (a, b),  region notin (x),ready,!legacy")
        #expect(q.requirements.count == 7)
        let labels = ["app": "web", "tier": "frontend", "env": "prod", "zone": "b", "region": "y", "ready": ""]
        #expect(q.matches(labels))
        var l2 = labels; l2["legacy"] = "true"
        #expect(!q.matches(l2))
        var l3 = labels; l3["zone"] = "c"
        #expect(!q.matches(l3))
        var l4 = labels; l4["env"] = "dev"
        #expect(!q.matches(l4))
        var l5 = labels; l5.removeValue(forKey: "ready")
        #expect(!q.matches(l5))
        var l6 = labels; l6["region"] = "x"
        #expect(!q.matches(l6))
    }

    @Test func emptyMatchesEverything() throws {
        #expect(try LabelQuery.parse("").matches(["a": "b"]))
        #expect(try LabelQuery.parse("  ").isEmpty)
    }

    @Test func prefixedKeysAndEmptyValue() throws {
        let q = try LabelQuery.parse("app.kubernetes.io/name=web,empty=")
        #expect(q.matches(["app.kubernetes.io/name": "web", "empty": ""]))
        #expect(!q.matches(["app.kubernetes.io/name": "web"]))
    }

    @Test func greaterLess() throws {
        let q = try LabelQuery.parse("gen>3,size<10")
        #expect(q.matches(["gen": "4", "size": "9"]))
        #expect(!q.matches(["gen": "3", "size": "9"]))
        #expect(throws: GantryError.self) { try LabelQuery.parse("gen>x") }
    }

    @Test func roundTrip() throws {
        for s in ["app=web", "a!=b", "x in (a,b)", "x notin (c)", "x", "!x", "a=b,c in (d,e)"] {
            let q = try LabelQuery.parse(s)
            #expect(try LabelQuery.parse(q.description) == q, "\(s)")
        }
        #expect(try LabelQuery.parse("b=2,a=1").description == "a=1,b=2")
        #expect(try LabelQuery.parse("x in (b, a)").description == "x in (a,b)")
    }

    @Test(arguments: ["a=b=c", "a in b", "a in (b", "=b", "a,", ",a", "a b", "a in ()", "!a=b", "a=(", "bad key!=x", "a=b c",
                      "-bad=x", "a=-bad-", "x/y/z=1"])
    func parseErrors(input: String) {
        do {
            _ = try LabelQuery.parse(input)
            Issue.record("expected \"\(input)\" to fail")
        } catch let e as GantryError {
            #expect(e.code == .badRequest)
            #expect(e.message.hasPrefix("unable to parse requirement: "), "\(e.message)")
        } catch { Issue.record("\(error)") }
    }
}

@Suite struct FieldQueryTests {
    @Test func parseAndMatch() throws {
        let q = try FieldQuery.parse("spec.nodeName=n1,status.phase!=Failed,metadata.name==web")
        #expect(q.requirements.count == 3)
        #expect(q.requirements[0].field == "spec.nodeName" && q.requirements[0].op == "=" && q.requirements[0].value == "n1")
        #expect(q.requirements[1].op == "!=")
        #expect(q.requirements[2].op == "=")
        #expect(q.matches(["spec.nodeName": "n1", "status.phase": "Running", "metadata.name": "web"]))
        #expect(!q.matches(["spec.nodeName": "n2", "status.phase": "Running", "metadata.name": "web"]))
        #expect(!q.matches(["spec.nodeName": "n1", "status.phase": "Failed", "metadata.name": "web"]))
        #expect(q.requiredValue(for: "spec.nodeName") == "n1")
    }

    @Test func emptyAndMissing() throws {
        #expect(try FieldQuery.parse("").matches([:]))
        let q = try FieldQuery.parse("spec.nodeName=")
        #expect(q.matches([:]))
        #expect(!q.matches(["spec.nodeName": "n1"]))
        #expect(try FieldQuery.parse("spec.nodeName!=").matches(["spec.nodeName": "n1"]))
    }

    @Test func escapes() throws {
        let q = try FieldQuery.parse(#"metadata.name=a\,b\=c"#)
        #expect(q.requirements.first?.value == "a,b=c")
        #expect(q.description == #"metadata.name=a\,b\=c"#)
    }

    @Test(arguments: ["abc", "=x", "a=b,xyz"])
    func errors(input: String) {
        #expect(throws: GantryError.self) { try FieldQuery.parse(input) }
    }
}
