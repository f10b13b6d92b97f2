import Foundation

/// The one error type of Gantry: a code, a message saying what failed and why, an optional cause,
/// and, for validation failures, the fields at fault.
///
/// Errors become Kubernetes `Status` objects in exactly one place (the API server's error mapper).
public struct GantryError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; each maps to an HTTP status and a Kubernetes `reason`.
    public enum Code: String, Sendable {
        case badRequest = "BadRequest"
        case notFound = "NotFound"
        case alreadyExists = "AlreadyExists"
        case conflict = "Conflict"
        case invalid = "Invalid"
        case gone = "Gone"
        case expired = "Expired"
        case methodNotAllowed = "MethodNotAllowed"
        case unsupportedMediaType = "UnsupportedMediaType"
        case notAcceptable = "NotAcceptable"
        case forbidden = "Forbidden"
        case unauthorized = "Unauthorized"
        case unavailable = "ServiceUnavailable"
        case timeout = "Timeout"
        case tooManyRequests = "TooManyRequests"
        case internalError = "InternalError"

        /// The HTTP status code the API answers with for this code.
        public var httpStatus: Int {
            switch self {
            case .badRequest: return 400
            case .unauthorized: return 401
            case .forbidden: return 403
            case .notFound: return 404
            case .methodNotAllowed: return 405
            case .notAcceptable: return 406
            case .alreadyExists, .conflict: return 409
            case .gone, .expired: return 410
            case .unsupportedMediaType: return 415
            case .invalid: return 422
            case .tooManyRequests: return 429
            case .internalError: return 500
            case .unavailable: return 503
            case .timeout: return 504
            }
        }
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?
    /// Field-level causes of an `invalid` error.
    public var fieldErrors: [FieldError]
    /// The object the error is about (kind, group, name), used in `Status.details`.
    public var details: StatusDetails?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil, fieldErrors: [FieldError] = [],
                details: StatusDetails? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
        self.fieldErrors = fieldErrors
        self.details = details
    }

    public var description: String {
        if let cause { return "\(message): \(cause)" }
        return message
    }
}

/// The object an error is about, as Kubernetes reports it in `Status.details`.
public struct StatusDetails: Sendable, Hashable {
    public var name: String?
    public var group: String?
    public var kind: String?
    public init(name: String?, group: String?, kind: String?) {
        self.name = name
        self.group = group
        self.kind = kind
    }
}

/// One validation failure on one field, named by its path (`spec.template.spec.containers[0].image`).
public struct FieldError: Sendable, Hashable, CustomStringConvertible {
    /// The Kubernetes cause type (`FieldValueInvalid`, `FieldValueRequired`, ...).
    public enum Kind: String, Sendable {
        case invalid = "FieldValueInvalid"
        case required = "FieldValueRequired"
        case duplicate = "FieldValueDuplicate"
        case notSupported = "FieldValueNotSupported"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case notFound = "FieldValueNotFound"
        case typeInvalid = "FieldValueTypeInvalid"
        /// A server-side apply conflict: another field manager owns the field.
        case managerConflict = "FieldManagerConflict"
    }

    public var kind: Kind
    public var field: String
    public var message: String

    public init(_ kind: Kind, _ field: String, _ message: String) {
        self.kind = kind
        self.field = field
        self.message = message
    }

    /// `Invalid value: VALUE: DETAIL`, as Kubernetes phrases it.
    public static func invalid(_ field: String, _ value: CustomStringConvertible, _ detail: String) -> FieldError {
        FieldError(.invalid, field, "Invalid value: \(Self.render(value)): \(detail)")
    }

    /// `Required value`, optionally with a detail.
    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(.required, field, detail.isEmpty ? "Required value" : "Required value: \(detail)")
    }

    /// `Unsupported value: VALUE: supported values: ...`.
    public static func notSupported(_ field: String, _ value: String, _ supported: [String]) -> FieldError {
        FieldError(.notSupported, field,
                   "Unsupported value: \"\(value)\": supported values: \(supported.map { "\"\($0)\"" }.joined(separator: ", "))")
    }

    /// `Duplicate value: VALUE`.
    public static func duplicate(_ field: String, _ value: CustomStringConvertible) -> FieldError {
        FieldError(.duplicate, field, "Duplicate value: \(Self.render(value))")
    }

    /// `Forbidden: DETAIL`.
    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(.forbidden, field, "Forbidden: \(detail)")
    }

    /// `Too long: ...`.
    public static func tooLong(_ field: String, _ max: Int) -> FieldError {
        FieldError(.tooLong, field, "Too long: may not be more than \(max) bytes")
    }

    static func render(_ v: CustomStringConvertible) -> String {
        if let s = v as? String { return "\"\(s)\"" }
        return v.description
    }

    /// `field: message`, as in the Status message.
    public var description: String { "\(field): \(message)" }
}
