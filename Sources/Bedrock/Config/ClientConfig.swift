/// The client configuration as the caller gave it (`bedrock_client_new`'s JSON). Every field is
/// optional; what is missing is resolved from the environment and shared files by
/// `ResolvedClientConfig`.
struct ClientConfig: Sendable, Equatable {
    enum RetryMode: String, Sendable {
        case standard, adaptive
    }

    var region: String?
    var profile: String?
    var endpointURL: String?
    var credentials: Credentials?
    var bearerToken: String?
    var connectTimeoutMs: Int?
    var timeoutMs: Int?
    var readTimeoutMs: Int?
    var maxAttempts: Int?
    var maxResponseBytes: Int?
    var maxEventBytes: Int?
    var maxErrorMessageBytes: Int?
    var retryMode: RetryMode?
    var caFile: String?
    var proxy: String?
    var verifyTLS: Bool?
    var userAgentSuffix: String?
    var useFIPSEndpoint: Bool?
    var useDualStackEndpoint: Bool?

    /// Milliseconds: up to a day; 0 means no limit of the library's own (curl's defaults).
    static let timeoutRange = 0...86_400_000
    /// As the AWS SDKs allow; more attempts only hide an outage for longer.
    static let maxAttemptsRange = 1...20

    init() {}

    /// Reads the config JSON, naming the field in any error. An error may quote what the
    /// caller wrote, so the secrets the JSON holds are taken out of it.
    init(json: JSON) throws(BedrockError) {
        do {
            try self.init(reading: json)
        } catch {
            throw Self.secrets(in: json).redact(error)
        }
    }

    /// The secrets a config JSON holds, read leniently, before anything is checked.
    static func secrets(in json: JSON) -> SecretRedactor {
        var secrets = SecretRedactor()
        secrets.add(json["bearer_token"]?.stringValue)
        secrets.add(json["credentials"]?["secret_access_key"]?.stringValue)
        secrets.add(json["credentials"]?["session_token"]?.stringValue)
        return secrets
    }

    /// The secrets this config holds.
    var secrets: SecretRedactor {
        var secrets = SecretRedactor()
        secrets.add(bearerToken)
        secrets.add(credentials)
        return secrets
    }

    private init(reading json: JSON) throws(BedrockError) {
        guard case .object(let object) = json else {
            throw .invalidArgument("config", "expected a JSON object, got \(json.typeName)")
        }
        let fields = ConfigFields(object: object, context: "config")
        region = try fields.string("region")
        profile = try fields.string("profile")
        endpointURL = try fields.string("endpoint_url")
        bearerToken = try fields.headerValue("bearer_token")
        connectTimeoutMs = try fields.integer("connect_timeout_ms", in: Self.timeoutRange)
        timeoutMs = try fields.integer("timeout_ms", in: Self.timeoutRange)
        readTimeoutMs = try fields.integer("read_timeout_ms", in: Self.timeoutRange)
        maxAttempts = try fields.integer("max_attempts", in: Self.maxAttemptsRange)
        maxResponseBytes = try fields.integer("max_response_bytes", in: ResponseLimits.byteRange)
        maxEventBytes = try fields.integer("max_event_bytes", in: ResponseLimits.byteRange)
        maxErrorMessageBytes = try fields.integer("max_error_message_bytes", in: ResponseLimits.byteRange)
        if let mode = try fields.string("retry_mode") {
            guard let parsed = RetryMode(rawValue: mode) else {
                throw .invalidArgument("config.retry_mode", "expected \"standard\" or \"adaptive\", got \"\(mode)\"")
            }
            retryMode = parsed
        }
        caFile = try fields.string("ca_file")
        proxy = try fields.string("proxy")
        verifyTLS = try fields.bool("verify_tls")
        userAgentSuffix = try fields.headerValue("user_agent_suffix")
        useFIPSEndpoint = try fields.bool("use_fips_endpoint")
        useDualStackEndpoint = try fields.bool("use_dualstack_endpoint")
        if let value = object["credentials"], value != .null {
            guard case .object(let credentialObject) = value else {
                throw .invalidArgument("config.credentials", "expected an object, got \(value.typeName)")
            }
            let credentialFields = ConfigFields(object: credentialObject, context: "config.credentials")
            guard let accessKeyId = try credentialFields.headerValue("access_key_id"),
                  let secretAccessKey = try credentialFields.headerValue("secret_access_key") else {
                throw .invalidArgument("config.credentials", "access_key_id and secret_access_key are both required")
            }
            credentials = Credentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey,
                                      sessionToken: try credentialFields.headerValue("session_token"))
            try credentialFields.rejectUnknown(["access_key_id", "secret_access_key", "session_token"])
        }
        try fields.rejectUnknown(["region", "profile", "endpoint_url", "credentials", "bearer_token",
                                  "connect_timeout_ms", "timeout_ms", "read_timeout_ms", "max_attempts",
                                  "max_response_bytes", "max_event_bytes", "max_error_message_bytes",
                                  "retry_mode", "ca_file", "proxy", "verify_tls", "user_agent_suffix",
                                  "use_fips_endpoint", "use_dualstack_endpoint"])
    }
}

/// Typed reads of optional fields from a JSON object, with errors that name the field.
struct ConfigFields {
    let object: JSONObject
    let context: String

    private func present(_ key: String) -> JSON? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws(BedrockError) -> String? {
        guard let value = present(key) else { return nil }
        guard case .string(let text) = value else {
            throw .invalidArgument("\(context).\(key)", "expected a string, got \(value.typeName)")
        }
        if text.utf8.contains(0) { throw .invalidArgument("\(context).\(key)", "contains a NUL character") }
        return text
    }

    func bool(_ key: String) throws(BedrockError) -> Bool? {
        guard let value = present(key) else { return nil }
        guard case .bool(let flag) = value else {
            throw .invalidArgument("\(context).\(key)", "expected true or false, got \(value.typeName)")
        }
        return flag
    }

    /// An integer in `range`, written as one: `2.5` and `1e3` are numbers, not integers.
    func integer(_ key: String, in range: ClosedRange<Int>) throws(BedrockError) -> Int? {
        guard let value = present(key) else { return nil }
        guard case .int(let number) = value else {
            let shown = if case .double = value { value.serialized() } else { value.typeName }
            throw .invalidArgument("\(context).\(key)", "expected an integer, got \(shown)")
        }
        guard let integer = Int(exactly: number), range.contains(integer) else {
            throw .invalidArgument("\(context).\(key)", "expected an integer from \(range.lowerBound) to \(range.upperBound), got \(number)")
        }
        return integer
    }

    /// A string that is sent in an HTTP header (a key, a token): no CR, LF or other control
    /// character, which would fail only at the first call, or inject headers.
    func headerValue(_ key: String) throws(BedrockError) -> String? {
        guard let text = try string(key) else { return nil }
        guard SigV4Signer.isHeaderValueSafe(text) else {
            throw .invalidArgument("\(context).\(key)", "contains CR, LF or another control character")
        }
        return text
    }

    /// Fails on the first member that is not in `known`, naming it.
    func rejectUnknown(_ known: Set<String>) throws(BedrockError) {
        if let unknown = object.pairs.first(where: { !known.contains($0.key) })?.key {
            throw .invalidArgument("\(context).\(unknown)", "unknown field")
        }
    }
}
