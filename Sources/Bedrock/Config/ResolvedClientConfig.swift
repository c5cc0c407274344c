/// How requests are authenticated.
enum Authentication: Sendable {
    /// A Bedrock API key, sent as `Authorization: Bearer`.
    case bearer(String)
    /// SigV4 with credentials from this chain.
    case sigV4(CredentialProviderChain)
}

/// The client configuration with every gap filled the way the AWS SDKs fill it.
struct ResolvedClientConfig: Sendable {
    static let signingService = "bedrock"
    static let defaultMaxAttempts = 3

    var region: String
    var endpoint: Endpoint
    var authentication: Authentication
    var transport: TransportOptions
    var maxAttempts: Int
    var retryMode: ClientConfig.RetryMode

    init(_ config: ClientConfig, environment: Environment) throws(BedrockError) {
        let files = try SharedConfigFiles.load(environment: environment)
        let profileName = config.profile ?? environment["AWS_PROFILE"] ?? environment["AWS_DEFAULT_PROFILE"]
        if let profileName, files.profile(profileName) == nil {
            throw BedrockError(.config, "profile \"\(profileName)\" not found in the shared config or credentials file")
        }
        let profile = files.profile(profileName ?? SharedConfigFiles.defaultProfileName) ?? [:]

        guard let region = config.region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"]
                ?? profile["region"] else {
            throw BedrockError(.config, "no region configured: set \"region\" in the config, AWS_REGION, AWS_DEFAULT_REGION, or region in the profile")
        }
        guard !region.isEmpty, region.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
            throw BedrockError(.config, "region \"\(region)\" is not a valid AWS region name")
        }
        self.region = region

        let endpointURL = config.endpointURL ?? environment["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"]
            ?? environment["AWS_ENDPOINT_URL"] ?? profile["endpoint_url"] ?? Endpoint.regional(region: region)
        endpoint = try Endpoint(url: endpointURL)

        var transport = TransportOptions()
        if let value = config.connectTimeoutMs { transport.connectTimeoutMs = value }
        if let value = config.timeoutMs { transport.timeoutMs = value }
        if let value = config.readTimeoutMs { transport.readTimeoutMs = value }
        transport.caFile = config.caFile ?? profile["ca_bundle"] ?? environment["AWS_CA_BUNDLE"]
        transport.proxy = config.proxy
        transport.verifyTLS = config.verifyTLS ?? true
        if let suffix = config.userAgentSuffix, suffix.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) {
            throw BedrockError.invalidArgument("config.user_agent_suffix: must not contain CR or LF")
        }
        transport.userAgent = [BedrockVersion.userAgent, config.userAgentSuffix].compactMap { $0 }.joined(separator: " ")
        self.transport = transport

        if let token = config.bearerToken {
            authentication = .bearer(token)
        } else if let credentials = config.credentials {
            authentication = .sigV4(CredentialProviderChain(providers: [StaticCredentialProvider(value: credentials)]))
        } else if let token = environment["AWS_BEARER_TOKEN_BEDROCK"] {
            authentication = .bearer(token)
        } else {
            let context = CredentialContext(environment: environment, files: files,
                                            profileName: profileName ?? SharedConfigFiles.defaultProfileName,
                                            region: region, http: HTTPFetcher(options: transport))
            authentication = .sigV4(DefaultCredentialChain.make(context: context,
                                                                profileChosenExplicitly: config.profile != nil))
        }

        if case .bearer = authentication, endpoint.scheme != "https", !endpoint.isLoopback {
            // As botocore: a bearer token is a password, so it never crosses a network in clear text.
            throw BedrockError(.config, "a bearer token needs an https endpoint (or a loopback address), not \(endpoint.scheme)://\(endpoint.hostHeader)")
        }

        maxAttempts = config.maxAttempts ?? environment["AWS_MAX_ATTEMPTS"].flatMap { Int($0) }
            ?? profile["max_attempts"].flatMap { Int($0) } ?? Self.defaultMaxAttempts
        retryMode = config.retryMode ?? (environment["AWS_RETRY_MODE"] ?? profile["retry_mode"])
            .flatMap { ClientConfig.RetryMode(rawValue: $0) } ?? .standard
    }
}
