import Foundation
import Testing
import GantryAPI

@Suite struct QuantityTests {
    @Test(arguments: [
        ("500m", Int64(500)), ("1", 1000), ("1.5", 1500), ("0.5", 500), ("1k", 1_000_000), ("1M", 1_000_000_000),
        ("1e3", 1_000_000), ("2Ki", 2_048_000), ("128Mi", 134_217_728_000), ("1Gi", 1_073_741_824_000),
        ("100n", 1), ("100u", 1), ("1500u", 2), ("0", 0), ("-500m", -500), ("+2", 2000), ("1E", Int64.max),
    ])
    func milliValue(input: String, milli: Int64) throws {
        #expect(try Quantity(input).milliValue == milli)
    }

    @Test func values() throws {
        #expect(try Quantity("500m").value == 1)
        #expect(try Quantity("1.5Gi").value == 1_610_612_736)
        #expect(try Quantity("1Ki").value == 1024)
        #expect(try Quantity("2").value == 2)
        #expect(try Quantity("1e-3").milliValue == 1)
        #expect(try Quantity("1.5e2").value == 150)
        #expect(try Quantity("1Ti").value == 1 << 40)
        #expect(try Quantity("3Pi").value == 3 << 50)
    }

    @Test(arguments: ["", "abc", "1.2.3", "1Zi", "1 Gi", " 1", "Mi", "1KiB", "--1", "1e", "1x"])
    func invalid(input: String) {
        #expect(throws: GantryError.self) { try Quantity(input) }
    }

    @Test func errorMessages() {
        do {
            _ = try Quantity("abc")
            Issue.record("expected an error")
        } catch let e as GantryError {
            #expect(e.code == .invalid)
            #expect(e.message == "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
        } catch { Issue.record("\(error)") }
        do {
            _ = try Quantity("1Ki3")
            Issue.record("expected an error")
        } catch let e as GantryError {
            #expect(e.message == "unable to parse quantity's suffix")
        } catch { Issue.record("\(error)") }
    }

    @Test func comparison() throws {
        #expect(try Quantity("1Gi") == Quantity("1024Mi"))
        #expect(try Quantity("500m") < Quantity("1"))
        #expect(try Quantity("1G") < Quantity("1Gi"))
        #expect(try Quantity("0.1") == Quantity("100m"))
        #expect(try Quantity("-1") < Quantity("0"))
        #expect(try [Quantity("2"), Quantity("500m"), Quantity("1")].max() == Quantity("2"))
        #expect(Set([try Quantity("1Gi"), try Quantity("1024Mi")]).count == 1)
    }

    @Test func constructionAndDescription() throws {
        #expect(Quantity.fromMilli(500).description == "500m")
        #expect(Quantity.fromMilli(2000).description == "2")
        #expect(Quantity(integer: 3).description == "3")
        #expect(try Quantity("128Mi").description == "128Mi")
        let q: Quantity = 4
        #expect(q.milliValue == 4000)
        #expect((Quantity.fromMilli(250) + Quantity.fromMilli(750)).description == "1")
        #expect((try Quantity("1") - Quantity("250m")).description == "750m")
    }

    @Test func codable() throws {
        let json = try JSONValue.parse(#"{"a":"500m","b":2,"c":0.5,"d":"1Gi"}"#)
        let m: [String: Quantity] = try json.decode()
        #expect(m["a"]?.milliValue == 500)
        #expect(m["b"]?.milliValue == 2000)
        #expect(m["c"]?.milliValue == 500)
        #expect(m["d"]?.value == 1 << 30)
        let back = try JSONValue.encode(m)
        #expect(back == (try JSONValue.parse(#"{"a":"500m","b":"2","c":"0.5","d":"1Gi"}"#)))
        #expect(throws: DecodingError.self) { try JSONValue.string("lots").decode(Quantity.self) }
    }
}

@Suite struct IntOrStringTests {
    @Test func codable() throws {
        let v: [IntOrString] = try JSONValue.parse(#"[8080, "http", "25%"]"#).decode()
        #expect(v == [.int(8080), .string("http"), .string("25%")])
        #expect(try JSONValue.encode(v) == (try JSONValue.parse(#"[8080,"http","25%"]"#)))
        #expect(throws: DecodingError.self) { try JSONValue.parse("[true]").decode([IntOrString].self) }
    }

    @Test func scaledValue() throws {
        #expect(try IntOrString.string("25%").scaledValue(total: 10, roundUp: true) == 3)
        #expect(try IntOrString.string("25%").scaledValue(total: 10, roundUp: false) == 2)
        #expect(try IntOrString.string("100%").scaledValue(total: 7, roundUp: false) == 7)
        #expect(try IntOrString.string("0%").scaledValue(total: 7, roundUp: true) == 0)
        #expect(try IntOrString.int(5).scaledValue(total: 100, roundUp: true) == 5)
        #expect(throws: GantryError.self) { try IntOrString.string("abc").scaledValue(total: 10, roundUp: true) }
        #expect(throws: GantryError.self) { try IntOrString.string("x%").scaledValue(total: 10, roundUp: true) }
    }

    @Test func literalsAndDescription() {
        let a: IntOrString = 80
        let b: IntOrString = "web"
        #expect(a.description == "80")
        #expect(b.description == "web")
        #expect(a.intValue == 80 && b.stringValue == "web")
        #expect(IntOrString.string("10%").isPercent && !IntOrString.string("web").isPercent)
    }
}
