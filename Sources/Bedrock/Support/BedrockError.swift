/// The status of a library call; the raw values are fixed by the C ABI (`bedrock_status`).
enum BedrockStatus: Int32, Sendable, CaseIterable {
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
    case limit = 15

    /// The C enumerator's name, e.g. `BEDROCK_ERR_THROTTLED`.
    var name: String { cName.description }

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
        case .limit: "BEDROCK_ERR_LIMIT"
        }
    }

    /// A one-line description of the status, like `curl_easy_strerror` (`bedrock_status_string`).
    var summary: StaticString {
        switch self {
        case .ok: "no error"
        case .invalidArgument: "invalid argument: a parameter or request field is malformed"
        case .config: "unusable configuration: no region, an unknown profile or a bad endpoint"
        case .credentials: "no credentials were found, or the service rejected them"
        case .network: "network error: could not connect, or the connection broke"
        case .timeout: "timed out"
        case .throttled: "throttled: the service asked the client to slow down"
        case .accessDenied: "access denied by the service"
        case .validation: "the service rejected the request as invalid"
        case .notFound: "the model or resource was not found"
        case .model: "the model failed, was not ready, or timed out"
        case .service: "the service failed (HTTP 5xx)"
        case .protocol: "malformed response from the service"
        case .cancelled: "cancelled"
        case .internal: "internal library error or out of memory"
        case .limit: "a limit was reached: max_pending calls in flight, or a reply over max_response_bytes or max_event_bytes"
        }
    }
}

/// A failed call: the status plus what the service or the library said about it.
struct BedrockError: Error, Sendable, Equatable {
    var status: BedrockStatus
    var message: String
    /// The AWS error type, e.g. `ThrottlingException`, when the service named one.
    var awsErrorType: String?
    var httpStatus: Int?
    var requestId: String?
    /// How many HTTP attempts the call made; nil when it failed before sending.
    var attempts: Int?
    /// The JSON path of the input to blame (`request.messages[1].role`, `config.region`),
    /// for INVALID_ARGUMENT and CONFIG errors that have one.
    var field: String?

    init(_ status: BedrockStatus, _ message: String, awsErrorType: String? = nil,
                httpStatus: Int? = nil, requestId: String? = nil, attempts: Int? = nil, field: String? = nil) {
        self.status = status
        self.message = message
        self.awsErrorType = awsErrorType
        self.httpStatus = httpStatus
        self.requestId = requestId
        self.attempts = attempts
        self.field = field
    }

    /// A bad input at `field`; the message reads "field: problem".
    static func invalidArgument(_ field: String, _ problem: String) -> BedrockError {
        BedrockError(.invalidArgument, "\(field): \(problem)", field: field)
    }

    /// An unusable configuration setting at `field`; the message reads "field: problem".
    static func config(_ field: String, _ problem: String) -> BedrockError {
        BedrockError(.config, "\(field): \(problem)", field: field)
    }

    /// Whether the library's retry rules would try this error again (`RetryPolicy`).
    var isRetryable: Bool { RetryPolicy.reason(for: self) != nil }

    /// The same error blamed on `field` inside `parent`: `messages[0]` becomes
    /// `request.messages[0]`, for errors raised by code that sees only part of the input.
    func nested(under parent: String) -> BedrockError {
        guard let field, field != parent, !field.hasPrefix(parent + "."), !field.hasPrefix(parent + "[") else { return self }
        var error = self
        error.field = "\(parent).\(field)"
        if message.hasPrefix(field) { error.message = "\(parent).\(message)" }
        return error
    }

    /// The error as the JSON object `bedrock_error_json` returns.
    var json: JSON {
        var object = JSONObject()
        object["status"] = .int(Int64(status.rawValue))
        object["status_name"] = .string(status.name)
        object["message"] = .string(message)
        object["retryable"] = .bool(isRetryable)
        if let field { object["field"] = .string(field) }
        if let awsErrorType { object["error_type"] = .string(awsErrorType) }
        if let httpStatus { object["http_status"] = .int(Int64(httpStatus)) }
        if let requestId { object["request_id"] = .string(requestId) }
        if let attempts { object["attempts"] = .int(Int64(attempts)) }
        return .object(object)
    }
}

extension BedrockStatus {
    /// Maps an AWS error to a status as docs/c-api.md specifies: the error type decides, and the
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
