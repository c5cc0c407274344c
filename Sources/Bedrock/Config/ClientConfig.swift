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
    var retryMode: RetryMode?
    var caFile: String?
    var proxy: String?
    var verifyTLS: Bool?
    var userAgentSuffix: String?
    var useFIPSEndpoint: Bool?
    var useDualStackEndpoint: Bool?

    init() {}

    /// Reads the config JSON, naming the field in any error.
    init(json: JSON) throws(BedrockError) {
        guard case .object(let object) = json else {
            throw .invalidArgument("config", "expected a JSON object, got \(json.typeName)")
        }
        let fields = ConfigFields(object: object, context: "config")
        region = try fields.string("region")
        profile = try fields.string("profile")
        endpointURL = try fields.string("endpoint_url")
        bearerToken = try fields.string("bearer_token")
        connectTimeoutMs = try fields.nonNegativeInt("connect_timeout_ms")
        timeoutMs = try fields.nonNegativeInt("timeout_ms")
        readTimeoutMs = try fields.nonNegativeInt("read_timeout_ms")
        maxAttempts = try fields.nonNegativeInt("max_attempts")
        if let maxAttempts, maxAttempts < 1 {
            throw .invalidArgument("config.max_attempts", "must be at least 1, got \(maxAttempts)")
        }
        if let mode = try fields.string("retry_mode") {
            guard let parsed = RetryMode(rawValue: mode) else {
                throw .invalidArgument("config.retry_mode", "expected \"standard\" or \"adaptive\", got \"\(mode)\"")
            }
            retryMode = parsed
        }
        caFile = try fields.string("ca_file")
        proxy = try fields.string("proxy")
        verifyTLS = try fields.bool("verify_tls")
        userAgentSuffix = try fields.string("user_agent_suffix")
        useFIPSEndpoint = try fields.bool("use_fips_endpoint")
        useDualStackEndpoint = try fields.bool("use_dualstack_endpoint")
        if let value = object["credentials"], value != .null {
            guard case .object(let credentialObject) = value else {
                throw .invalidArgument("config.credentials", "expected an object, got \(value.typeName)")
            }
            let credentialFields = ConfigFields(object: credentialObject, context: "config.credentials")
            guard let accessKeyId = try credentialFields.string("access_key_id"),
                  let secretAccessKey = try credentialFields.string("secret_access_key") else {
                throw .invalidArgument("config.credentials", "access_key_id and secret_access_key are both required")
            }
            credentials = Credentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey,
                                      sessionToken: try credentialFields.string("session_token"))
        }
        let known: Set<String> = ["region", "profile", "endpoint_url", "credentials", "bearer_token",
                                  "connect_timeout_ms", "timeout_ms", "read_timeout_ms", "max_attempts",
                                  "retry_mode", "ca_file", "proxy", "verify_tls", "user_agent_suffix",
                                  "use_fips_endpoint", "use_dualstack_endpoint"]
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw .invalidArgument("config.\(unknown)", "unknown field")
        }
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

    func nonNegativeInt(_ key: String) throws(BedrockError) -> Int? {
        guard let value = present(key) else { return nil }
        guard let number = value.int64Value, let integer = Int(exactly: number) else {
            throw .invalidArgument("\(context).\(key)", "expected an integer, got \(value.typeName)")
        }
        guard integer >= 0 else { throw .invalidArgument("\(context).\(key)", "must not be negative, got \(integer)") }
        return integer
    }
}
