/// The EC2 instance role, from the instance metadata service, as botocore's
/// `InstanceMetadataFetcher` reads it:
///
/// 1. IMDSv2: `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds: 21600`.
///    403, 404 and 405 (IMDSv2 unsupported) and timeouts fall back to IMDSv1 (no token),
///    unless AWS_EC2_METADATA_V1_DISABLED / `ec2_metadata_v1_disabled` forbids it. A 400
///    ends the lookup.
/// 2. `GET /latest/meta-data/iam/security-credentials/`: the role's name.
/// 3. `GET /latest/meta-data/iam/security-credentials/<role>`: the credentials JSON.
///
/// Every request has a 1 s timeout (`metadata_service_timeout`) and one attempt
/// (`metadata_service_num_attempts`). Not answering means "not on EC2", so the chain ends
/// without credentials rather than with an error. AWS_EC2_METADATA_DISABLED=true turns the
/// provider off; AWS_EC2_METADATA_SERVICE_ENDPOINT (or `ec2_metadata_service_endpoint`)
/// replaces the address, and `..._ENDPOINT_MODE = IPv6` selects the IPv6 one.
struct IMDSCredentialProvider: CredentialProvider {
    static let defaultEndpoint = "http://169.254.169.254"
    static let defaultIPv6Endpoint = "http://[fd00:ec2::254]"
    static let tokenPath = "/latest/api/token"
    static let tokenTTLHeader = "x-aws-ec2-metadata-token-ttl-seconds"
    /// Six hours, the SDKs' token lifetime.
    static let tokenTTLSeconds = 21_600
    static let tokenHeader = "x-aws-ec2-metadata-token"
    static let credentialsPath = "/latest/meta-data/iam/security-credentials/"
    static let defaultTimeoutSeconds = 1
    static let defaultAttempts = 1
    /// botocore: these token responses mean "no IMDSv2 here", so IMDSv1 is tried.
    static let tokenUnsupportedStatuses: Set<Int> = [403, 404, 405]

    let environment: Environment
    let profile: [String: String]
    let http: HTTPFetcher

    init(environment: Environment, profile: [String: String], http: HTTPFetcher) {
        self.environment = environment
        self.profile = profile
        let timeoutMs = Self.positiveInt(environment["AWS_METADATA_SERVICE_TIMEOUT"] ?? profile["metadata_service_timeout"])
            .map { $0.multipliedReportingOverflow(by: 1_000).overflow ? Int.max : $0 * 1_000 } ?? Self.defaultTimeoutSeconds * 1_000
        self.http = http.with {
            $0.connectTimeoutMs = timeoutMs
            $0.timeoutMs = timeoutMs
            $0.readTimeoutMs = timeoutMs
            // The metadata address is link-local: a proxy could not reach this instance's.
            $0.proxy = ""
        }
    }

    var name: String { "EC2 instance metadata (IMDS)" }

    private func setting(_ variable: String, _ key: String) -> String? { environment[variable] ?? profile[key] }

    var isDisabled: Bool { environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" }

    var attempts: Int {
        Self.positiveInt(setting("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts")) ?? Self.defaultAttempts
    }

    /// The base URL, without a trailing slash.
    func baseURL() throws(BedrockError) -> String {
        var url: String
        if let configured = setting("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint") {
            url = configured
        } else {
            switch setting("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode")?.lowercased() {
            case nil, "ipv4": url = Self.defaultEndpoint
            case "ipv6": url = Self.defaultIPv6Endpoint
            case let other?:
                throw BedrockError(.credentials, "ec2_metadata_service_endpoint_mode is \"\(other)\"; expected IPv4 or IPv6")
            }
        }
        do {
            _ = try Endpoint(url: url)
        } catch {
            throw BedrockError(.credentials, "the EC2 metadata endpoint \"\(url)\" is not a valid http(s) URL")
        }
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    func credentials() throws(BedrockError) -> Credentials? {
        guard !isDisabled else { return nil }
        let base = try baseURL()
        let token: String?
        switch fetchToken(base) {
        case .token(let value): token = value
        case .unsupported: token = nil
        case .badRequest: return nil
        }
        if token == nil, setting("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled")?.lowercased() == "true" {
            throw BedrockError(.credentials, "\(name): no IMDSv2 token could be fetched and IMDSv1 is disabled (ec2_metadata_v1_disabled)")
        }
        guard var roleList = get(base + Self.credentialsPath, token: token) else { return nil }
        defer { wipe(&roleList) }
        guard let role = String(decoding: roleList, as: UTF8.self).split(whereSeparator: \.isNewline).first
            .map({ $0.trimmingWhitespace() }), !role.isEmpty else { return nil }
        // IAM role names are [A-Za-z0-9+=,.@_-]; anything else would change the path.
        guard role.utf8.allSatisfy({ byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || "+=,.@_-".utf8.contains(byte)
        }) else {
            throw BedrockError(.credentials, "\(name): the instance metadata gave a role name that is not a valid IAM role name")
        }
        guard var body = get(base + Self.credentialsPath + role, token: token, expectJSON: true) else { return nil }
        defer { wipe(&body) }
        return try Self.parse(body, source: name)
    }

    /// The credentials document; nil when it lacks a field (botocore logs and moves on: IMDS
    /// answers 200 with `{"Code": ..., "Message": ...}` when the role cannot be used).
    static func parse(_ body: [UInt8], source: String) throws(BedrockError) -> Credentials? {
        let document = try CredentialDocument(body, source: source, what: "instance metadata credentials")
        for key in ["AccessKeyId", "SecretAccessKey", "Token", "Expiration"] where document.object[key] == nil {
            return nil
        }
        return Credentials(accessKeyId: try document.string("AccessKeyId"),
                           secretAccessKey: try document.string("SecretAccessKey"),
                           sessionToken: try document.string("Token"),
                           expiration: try document.timestamp("Expiration"))
    }

    private enum TokenResult {
        case token(String)
        /// No IMDSv2 (or no answer): try IMDSv1.
        case unsupported
        /// 400: the request was refused as malformed; botocore gives up.
        case badRequest
    }

    private func fetchToken(_ base: String) -> TokenResult {
        let request = HTTPRequest(method: "PUT", url: base + Self.tokenPath,
                                  headers: [(Self.tokenTTLHeader, String(Self.tokenTTLSeconds))], body: [])
        for _ in 0..<attempts {
            do {
                let response = try http.fetch(request)
                if response.status == 200 {
                    let token = String(decoding: response.body, as: UTF8.self).trimmingWhitespace()
                    // A token goes into a header: refuse one that could not.
                    guard !token.isEmpty, !token.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return .unsupported }
                    return .token(token)
                }
                if Self.tokenUnsupportedStatuses.contains(response.status) { return .unsupported }
                if response.status == 400 { return .badRequest }
            } catch where error.status == .timeout {
                return .unsupported
            } catch {
                continue
            }
        }
        return .unsupported
    }

    /// A GET that must answer 200 with a non-empty body (and JSON, when asked); retried up
    /// to `attempts` times, then nil.
    private func get(_ url: String, token: String?, expectJSON: Bool = false) -> [UInt8]? {
        let request = HTTPRequest(method: "GET", url: url, headers: token.map { [(Self.tokenHeader, $0)] } ?? [], body: [])
        for _ in 0..<attempts {
            guard var response = try? http.fetch(request) else { continue }
            if response.status == 200, !response.body.isEmpty {
                if !expectJSON || (try? JSON.parse(response.body, field: "body")) != nil { return response.body }
            }
            wipe(&response.body)
        }
        return nil
    }

    private static func positiveInt(_ text: String?) -> Int? {
        guard let text, let value = Int(text.trimmingWhitespace()), value > 0 else { return nil }
        return value
    }
}
