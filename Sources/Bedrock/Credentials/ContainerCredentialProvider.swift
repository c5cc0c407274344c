/// The container credentials endpoint of ECS tasks and EKS Pod Identity, as botocore's
/// `ContainerProvider` and `ContainerMetadataFetcher` use it:
///
/// - AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is a path on `http://169.254.170.2` (ECS); it wins
///   over AWS_CONTAINER_CREDENTIALS_FULL_URI.
/// - AWS_CONTAINER_CREDENTIALS_FULL_URI is a whole URL. Over plain http it may only point at
///   a loopback address or one of the link-local hosts the platforms use, so credentials are
///   never fetched in clear text across a network.
/// - The `Authorization` header is the contents of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
///   (read at every refresh, since EKS rotates it), else AWS_CONTAINER_AUTHORIZATION_TOKEN.
/// - The answer is `{AccessKeyId, SecretAccessKey, Token, Expiration}`. A failed fetch is
///   tried three times, a second apart, each with a 2 s timeout.
struct ContainerCredentialProvider: CredentialProvider {
    static let relativeURIBase = "http://169.254.170.2"
    /// Hosts allowed over http besides loopback addresses (botocore's _ALLOWED_HOSTS).
    static let allowedHTTPHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "[fd00:ec2::23]", "localhost"]
    static let timeoutMs = 2_000
    static let attempts = 3
    static let retryDelayMs = 1_000
    static let maxTokenFileBytes = 64 << 10

    let environment: Environment
    let http: HTTPFetcher

    /// `http` carries the client's TLS settings; the timeouts become the endpoint's own.
    init(environment: Environment, http: HTTPFetcher) {
        self.environment = environment
        self.http = http.with {
            $0.connectTimeoutMs = Self.timeoutMs
            $0.timeoutMs = Self.timeoutMs
            $0.readTimeoutMs = Self.timeoutMs
            // A proxy the client uses for AWS must not see a link-local or loopback endpoint.
            $0.proxy = ""
        }
    }

    var name: String { "container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / FULL_URI)" }

    func credentials() throws(BedrockError) -> Credentials? {
        let url: String
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            url = Self.relativeURIBase + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] {
            try Self.checkFullURI(full)
            url = full
        } else {
            return nil
        }
        var headers: [HTTPHeader] = [("Accept", "application/json")]
        if let token = try authorizationToken() { headers.append(("Authorization", token)) }
        return try fetch(HTTPRequest(method: "GET", url: url, headers: headers, body: []))
    }

    /// Refuses a FULL_URI that would carry credentials over plain http beyond this machine
    /// or the platform's link-local endpoint.
    static func checkFullURI(_ url: String) throws(BedrockError) {
        let endpoint: Endpoint
        do {
            endpoint = try Endpoint(url: url)
        } catch {
            throw BedrockError(.credentials, "AWS_CONTAINER_CREDENTIALS_FULL_URI \"\(url)\" is not a valid http(s) URL")
        }
        if endpoint.scheme == "https" || Endpoint.isLoopbackAddress(endpoint.host) || allowedHTTPHosts.contains(endpoint.host) { return }
        throw BedrockError(.credentials, "AWS_CONTAINER_CREDENTIALS_FULL_URI host \"\(endpoint.host)\" is not allowed over http: "
                           + "use https, a loopback address, or one of \(allowedHTTPHosts.sorted().joined(separator: ", "))")
    }

    /// The token file's contents (surrounding whitespace dropped), else the token variable.
    private func authorizationToken() throws(BedrockError) -> String? {
        var token: String?
        if let path = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] {
            var bytes = try readSecretFile(path, maxBytes: Self.maxTokenFileBytes,
                                           describedAs: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", source: name)
            defer { wipe(&bytes) }
            token = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        } else {
            token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        }
        if let token, token.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw BedrockError(.credentials, "the container authorization token holds CR, LF or another control character")
        }
        return token
    }

    /// Fetches the credentials. An unreachable endpoint and a non-200 answer are tried again
    /// (botocore does too); a 200 whose document is wrong is not, since it would not heal.
    private func fetch(_ request: HTTPRequest) throws(BedrockError) -> Credentials {
        var attempt = 1
        while true {
            switch fetchOnce(request) {
            case .success(var response):
                defer { wipe(&response.body) }
                return try Self.parse(response.body, source: name)
            case .failure(let error):
                guard attempt < Self.attempts else { throw error }
                attempt += 1
                sleepMilliseconds(Self.retryDelayMs)
            }
        }
    }

    /// A 200 response, or the failure worth another attempt.
    private func fetchOnce(_ request: HTTPRequest) -> Result<HTTPResponse, BedrockError> {
        var response: HTTPResponse
        do {
            response = try http.fetch(request)
        } catch {
            return .failure(BedrockError(.credentials, "\(name): cannot reach the container credentials endpoint: \(error.message)"))
        }
        guard response.status == 200 else {
            wipe(&response.body)
            // The body is not quoted: an endpoint may echo what it was sent, the token included.
            return .failure(BedrockError(.credentials, "\(name): the container credentials endpoint answered HTTP \(response.status)",
                                         httpStatus: response.status))
        }
        return .success(response)
    }

    static func parse(_ body: [UInt8], source: String) throws(BedrockError) -> Credentials {
        let document = try CredentialDocument(body, source: source, what: "container credentials response")
        return Credentials(accessKeyId: try document.string("AccessKeyId"),
                           secretAccessKey: try document.string("SecretAccessKey"),
                           sessionToken: try document.string("Token"),
                           expiration: try document.timestamp("Expiration"))
    }
}

