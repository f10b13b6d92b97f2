import Foundation
import GantryAPI

/// The one place where errors become Kubernetes `Status` objects.
public enum StatusMapping {
    /// The `Status` body and HTTP code for an error.
    public static func status(for error: any Error) -> (code: Int, body: JSONValue) {
        let e: GantryError
        if let g = error as? GantryError {
            e = g
        } else {
            e = GantryError(.internalError, "internal error", cause: error)
        }
        var body: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Failure",
            "message": .string(e.code == .internalError ? e.description : e.message),
            "reason": .string(e.code.rawValue), "code": .int(Int64(e.code.httpStatus)),
        ]
        if e.code == .conflict || e.code == .alreadyExists, e.message.isEmpty { body["message"] = "conflict" }
        var details = JSONValue.emptyObject
        if let d = e.details {
            if let n = d.name { details["name"] = .string(n) }
            if let g = d.group { details["group"] = .string(g) }
            if let k = d.kind { details["kind"] = .string(k) }
        }
        if !e.fieldErrors.isEmpty {
            details["causes"] = .array(e.fieldErrors.map {
                ["reason": .string($0.kind.rawValue), "message": .string($0.message), "field": .string($0.field)]
            })
        }
        if details.objectValue?.isEmpty == false { body["details"] = details }
        return (e.code.httpStatus, body)
    }

    /// A success `Status` (as returned by some deletes).
    public static func success(details: StatusDetails? = nil) -> JSONValue {
        var body: JSONValue = ["kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Success"]
        if let d = details {
            var det = JSONValue.emptyObject
            if let n = d.name { det["name"] = .string(n) }
            if let g = d.group { det["group"] = .string(g) }
            if let k = d.kind { det["kind"] = .string(k) }
            body["details"] = det
        }
        return body
    }
}

extension GantryError {
    /// `pods "web" not found`.
    static func notFound(_ r: ResourceInfo, _ name: String) -> GantryError {
        GantryError(.notFound, "\(r.qualifiedName) \"\(name)\" not found",
                    details: StatusDetails(name: name, group: r.group, kind: r.plural))
    }

    /// `deployments.apps "web" already exists`.
    static func alreadyExists(_ r: ResourceInfo, _ name: String) -> GantryError {
        GantryError(.alreadyExists, "\(r.qualifiedName) \"\(name)\" already exists",
                    details: StatusDetails(name: name, group: r.group, kind: r.plural))
    }

    /// The optimistic-concurrency conflict message kubectl users know.
    static func modified(_ r: ResourceInfo, _ name: String) -> GantryError {
        GantryError(.conflict,
                    "Operation cannot be fulfilled on \(r.qualifiedName) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
                    details: StatusDetails(name: name, group: r.group, kind: r.plural))
    }

    /// `Deployment.apps "web" is invalid: spec.replicas: Invalid value: ...`.
    static func invalid(_ r: ResourceInfo, _ name: String, _ errors: [FieldError]) -> GantryError {
        let kindName = r.group.isEmpty ? r.kind : "\(r.kind).\(r.group)"
        let list = errors.map(\.description)
        let joined = list.count == 1 ? list[0] : "[\(list.joined(separator: ", "))]"
        return GantryError(.invalid, "\(kindName) \"\(name)\" is invalid: \(joined)", fieldErrors: errors,
                           details: StatusDetails(name: name, group: r.group, kind: r.kind))
    }
}
