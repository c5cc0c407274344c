import Glibc

/// What the providers read besides their own settings: the environment and shared files the
/// client was resolved from, the selected profile, the client's region (STS is called there)
/// and the HTTP transport for STS and the SSO portal (the client's proxy, CA and TLS settings,
/// on a connection pool of its own).
struct CredentialContext: Sendable {
    var environment: Environment
    var files: SharedConfigFiles
    /// The profile the client uses (config `profile`, AWS_PROFILE, or "default"): its settings
    /// (endpoint_url, sts_regional_endpoints, IMDS options) apply to the providers' own calls.
    var profileName: String
    var region: String
    var http: HTTPFetcher
    /// Seconds since the Unix epoch; replaceable so tests can move time.
    var now: @Sendable () -> Int64 = { Int64(time(nil)) }

    /// The selected profile's settings (empty when no file defines it).
    var profile: [String: String] { files.profile(profileName) ?? [:] }

    /// An environment variable, else a setting of the selected profile, as botocore's config
    /// chain reads most settings.
    func setting(environment name: String, profile key: String) -> String? {
        environment[name] ?? profile[key]
    }

    /// The endpoint for a service the providers call: AWS_ENDPOINT_URL_<SERVICE>, then
    /// AWS_ENDPOINT_URL, then the profile's endpoint_url (the SDKs' configured-endpoint
    /// rules, as the Bedrock endpoint follows them), else nil for the service's default.
    func configuredEndpoint(serviceVariable: String) -> String? {
        environment["AWS_ENDPOINT_URL_" + serviceVariable] ?? environment["AWS_ENDPOINT_URL"] ?? profile["endpoint_url"]
    }
}

/// Reading credentials out of JSON documents (credential_process output, the container
/// endpoint, IMDS, the SSO portal and token cache). Error messages name the document and the
/// field, never the text: the text holds secrets.
struct CredentialDocument {
    let object: JSONObject
    /// Where the document came from, for messages: "credential_process (profile \"dev\")".
    let source: String
    /// What the document is, for messages: "output", "response".
    let what: String

    init(_ bytes: [UInt8], source: String, what: String) throws(BedrockError) {
        self.source = source
        self.what = what
        let parsed: JSON
        do {
            parsed = try JSON.parse(bytes, field: what)
        } catch {
            // jansson's message quotes the text near the error, which may be a secret.
            throw BedrockError(.credentials, "\(source): \(what) is not valid JSON")
        }
        guard case .object(let object) = parsed else {
            throw BedrockError(.credentials, "\(source): \(what) is not a JSON object")
        }
        self.object = object
    }

    init(object: JSONObject, source: String, what: String) {
        self.object = object
        self.source = source
        self.what = what
    }

    /// A required non-empty string member.
    func string(_ key: String) throws(BedrockError) -> String {
        guard let value = object[key] else { throw BedrockError(.credentials, "\(source): \(what) has no \(key)") }
        guard case .string(let text) = value, !text.isEmpty else {
            throw BedrockError(.credentials, "\(source): \(what) has \(key) that is not a non-empty string")
        }
        return text
    }

    /// An optional string member; present but not a string is an error.
    func optionalString(_ key: String) throws(BedrockError) -> String? {
        guard let value = object[key], value != .null else { return nil }
        guard case .string(let text) = value else {
            throw BedrockError(.credentials, "\(source): \(what) has \(key) that is not a string")
        }
        return text
    }

    /// A required ISO 8601 timestamp member, as seconds since the epoch.
    func timestamp(_ key: String) throws(BedrockError) -> Int64 {
        try Self.expiration(try string(key), key: key, source: source, what: what)
    }

    /// Parses an expiry time; the text is not secret, so the message quotes it.
    static func expiration(_ text: String, key: String, source: String, what: String) throws(BedrockError) -> Int64 {
        guard let seconds = ISO8601.parse(text) else {
            throw BedrockError(.credentials, "\(source): \(what) has \(key) \"\(text.prefix(64))\" that is not an ISO 8601 timestamp")
        }
        return seconds
    }
}

/// Reads a file that holds a secret (a token). A missing file and read failures are
/// CREDENTIALS errors that name the file, never its contents. The caller wipes the bytes.
func readSecretFile(_ path: String, maxBytes: Int, describedAs what: String,
                    source: String) throws(BedrockError) -> [UInt8] {
    let bytes: [UInt8]?
    do {
        bytes = try readFileIfPresent(path, maxBytes: maxBytes)
    } catch {
        throw BedrockError(.credentials, "\(source): \(error.message)")
    }
    guard let bytes else { throw BedrockError(.credentials, "\(source): \(what) \(path) does not exist") }
    return bytes
}

/// Sleeps the calling thread (between retries of a metadata endpoint).
func sleepMilliseconds(_ milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1_000, tv_nsec: (milliseconds % 1_000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
}
