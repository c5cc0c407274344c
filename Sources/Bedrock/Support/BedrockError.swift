/// The status of a library call; the raw values are fixed by the C ABI (`bedrock_status`).
public enum BedrockStatus: Int32, Sendable, CaseIterable {
    case ok = 0
    case invalidArgument = 1
    case config = 2
    case credentials = 3
    case network = 4
    case timeout = 5
    case throttled = 6
    case accessDenied = 7
    case validation = 8
    case notFound = 9
    case model = 10
    case service = 11
    case `protocol` = 12
    case cancelled = 13
    case `internal` = 14

    /// The C enumerator's name, e.g. `BEDROCK_ERR_THROTTLED`.
    public var name: String { cName.description }

    /// The name as a static C string, for `bedrock_status_name`.
    var cName: StaticString {
        switch self {
        case .ok: "BEDROCK_OK"
        case .invalidArgument: "BEDROCK_ERR_INVALID_ARGUMENT"
        case .config: "BEDROCK_ERR_CONFIG"
        case .credentials: "BEDROCK_ERR_CREDENTIALS"
        case .network: "BEDROCK_ERR_NETWORK"
        case .timeout: "BEDROCK_ERR_TIMEOUT"
        case .throttled: "BEDROCK_ERR_THROTTLED"
        case .accessDenied: "BEDROCK_ERR_ACCESS_DENIED"
        case .validation: "BEDROCK_ERR_VALIDATION"
        case .notFound: "BEDROCK_ERR_NOT_FOUND"
        case .model: "BEDROCK_ERR_MODEL"
        case .service: "BEDROCK_ERR_SERVICE"
        case .protocol: "BEDROCK_ERR_PROTOCOL"
        case .cancelled: "BEDROCK_ERR_CANCELLED"
        case .internal: "BEDROCK_ERR_INTERNAL"
        }
    }

    /// A short description of the status, like `curl_easy_strerror`.
    public var summary: String {
        switch self {
        case .ok: "no error"
        case .invalidArgument: "invalid argument"
        case .config: "configuration error"
        case .credentials: "credentials missing or rejected"
        case .network: "network error"
        case .timeout: "timed out"
        case .throttled: "throttled"
        case .accessDenied: "access denied"
        case .validation: "request rejected as invalid by the service"
        case .notFound: "resource not found"
        case .model: "model error"
        case .service: "service error"
        case .protocol: "malformed response from the service"
        case .cancelled: "cancelled"
        case .internal: "internal library error"
        }
    }
}

/// A failed call: the status plus what the service or the library said about it.
public struct BedrockError: Error, Sendable, Equatable {
    public var status: BedrockStatus
    public var message: String
    /// The AWS error type, e.g. `ThrottlingException`, when the service named one.
    public var awsErrorType: String?
    public var httpStatus: Int?
    public var requestId: String?
    /// How many HTTP attempts the call made; nil when it failed before sending.
    public var attempts: Int?

    public init(_ status: BedrockStatus, _ message: String, awsErrorType: String? = nil,
                httpStatus: Int? = nil, requestId: String? = nil, attempts: Int? = nil) {
        self.status = status
        self.message = message
        self.awsErrorType = awsErrorType
        self.httpStatus = httpStatus
        self.requestId = requestId
        self.attempts = attempts
    }

    static func invalidArgument(_ message: String) -> BedrockError { BedrockError(.invalidArgument, message) }

    /// The error as the JSON object `bedrock_error_json` returns.
    var json: JSON {
        var object = JSONObject()
        object["status"] = .int(Int64(status.rawValue))
        object["status_name"] = .string(status.name)
        object["message"] = .string(message)
        if let awsErrorType { object["error_type"] = .string(awsErrorType) }
        if let httpStatus { object["http_status"] = .int(Int64(httpStatus)) }
        if let requestId { object["request_id"] = .string(requestId) }
        if let attempts { object["attempts"] = .int(Int64(attempts)) }
        return .object(object)
    }
}

extension BedrockStatus {
    /// Maps an AWS error to a status as C-API.md specifies: the error type decides, and the
    /// HTTP status only when the type is missing or unknown.
    init(awsErrorType: String?, httpStatus: Int) {
        if let type = awsErrorType, let status = Self.statusByErrorType[type.lowercased()] {
            self = status
            return
        }
        switch httpStatus {
        case 429: self = .throttled
        case 403: self = .accessDenied
        case 401: self = .credentials
        case 404: self = .notFound
        case 400..<500: self = .validation
        case 500..<600: self = .service
        default: self = .protocol
        }
    }

    private static let statusByErrorType: [String: BedrockStatus] = [
        "throttlingexception": .throttled,
        "servicequotaexceededexception": .throttled,
        "toomanyrequestsexception": .throttled,
        "accessdeniedexception": .accessDenied,
        "unrecognizedclientexception": .credentials,
        "invalidsignatureexception": .credentials,
        "signaturedoesnotmatch": .credentials,
        "missingauthenticationtokenexception": .credentials,
        "incompletesignatureexception": .credentials,
        "expiredtoken": .credentials,
        "expiredtokenexception": .credentials,
        "invalidclienttokenid": .credentials,
        "validationexception": .validation,
        "resourcenotfoundexception": .notFound,
        "modelerrorexception": .model,
        "modelnotreadyexception": .model,
        "modeltimeoutexception": .model,
        "modelstreamerrorexception": .model,
        "internalserverexception": .service,
        "serviceunavailableexception": .service,
    ]
}
