/// The errors a `SiteBackend` throws, one case per kind of failure a Frappe client knows.
///
/// The HTTP status and the Frappe exception type of each case are decided in one place,
/// `BackendError.httpStatus` / `excType` (used by `ErrorResponder`):
///
/// | case | status | `exc_type` |
/// |---|---|---|
/// | `notFound` | 404 | `DoesNotExistError` |
/// | `duplicate` | 409 | `DuplicateEntryError` |
/// | `validation` | 417 | its `excType` (`ValidationError`, `MandatoryError`, `LinkValidationError`, …) |
/// | `permission` | 403 | `PermissionError` |
/// | `timestampMismatch` | 417 | `TimestampMismatchError` |
/// | `malformed` | 400 | `DataError` |
/// | `tooLarge` | 413 | `RequestEntityTooLarge` |
/// | `authentication` | 401 | `AuthenticationError` |
/// | `requestTimeout` | 408 | `RequestTimeout` |
/// | `methodNotAllowed` | 405 | `MethodNotAllowed` |
/// | `gone` | 410 | `StreamPositionGone` |
public enum BackendError: Error, Sendable, Equatable {
    /// No such DocType (`name` nil) or no such document.
    case notFound(doctype: String, name: String?, message: String)
    /// A document of that name exists already.
    case duplicate(doctype: String, name: String, message: String)
    /// The document breaks a rule: a missing mandatory field, a broken link, a bad value.
    /// `excType` is the Frappe exception name clients see; `field` the offending field if one.
    case validation(message: String, doctype: String? = nil, field: String? = nil, excType: String = "ValidationError")
    /// The user may not do this.
    case permission(message: String)
    /// The document changed since the client read it (`modified` differs).
    case timestampMismatch(doctype: String, name: String, message: String)
    /// The request itself is wrong: bad JSON, a missing argument, a bad filter.
    case malformed(message: String)
    /// The request body is over the server's limit.
    case tooLarge(message: String)
    /// Missing or wrong credentials.
    case authentication(message: String)
    /// The request did not arrive in time (raised by the server, not by backends).
    case requestTimeout(message: String)
    /// A write method called with GET (raised by the server, not by backends).
    case methodNotAllowed(message: String)
    /// What was asked for existed once and was removed (a stream position retention removed).
    case gone(message: String)

    /// The HTTP status code a client receives.
    public var httpStatus: Int {
        switch self {
        case .notFound: return 404
        case .duplicate: return 409
        case .validation, .timestampMismatch: return 417
        case .permission: return 403
        case .malformed: return 400
        case .tooLarge: return 413
        case .authentication: return 401
        case .requestTimeout: return 408
        case .methodNotAllowed: return 405
        case .gone: return 410
        }
    }

    /// The Frappe exception class name clients read from `exc_type`.
    public var excType: String {
        switch self {
        case .notFound: return "DoesNotExistError"
        case .duplicate: return "DuplicateEntryError"
        case .validation(_, _, _, let excType): return excType
        case .permission: return "PermissionError"
        case .timestampMismatch: return "TimestampMismatchError"
        case .malformed: return "DataError"
        case .tooLarge: return "RequestEntityTooLarge"
        case .authentication: return "AuthenticationError"
        case .requestTimeout: return "RequestTimeout"
        case .methodNotAllowed: return "MethodNotAllowed"
        case .gone: return "StreamPositionGone"
        }
    }

    /// The message for a person.
    public var message: String {
        switch self {
        case .notFound(_, _, let m), .duplicate(_, _, let m), .validation(let m, _, _, _),
            .permission(let m), .timestampMismatch(_, _, let m), .malformed(let m), .tooLarge(let m),
            .authentication(let m), .requestTimeout(let m), .methodNotAllowed(let m), .gone(let m):
            return m
        }
    }
}

extension BackendError: CustomStringConvertible {
    public var description: String { "\(excType): \(message)" }
}

extension BackendError {
    /// `Customer CUST-0001 not found` / `DocType Customerr not found`, as Frappe words it.
    public static func notFound(doctype: String, name: String? = nil) -> BackendError {
        if let name {
            return .notFound(doctype: doctype, name: name, message: "\(doctype) \(name) not found")
        }
        return .notFound(doctype: doctype, name: nil, message: "DocType \(doctype) not found")
    }
}
