import Glibc

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
    /// Every secret the configuration, the environment and the shared files hold: errors are
    /// redacted with them before they reach the caller.
    var secrets: SecretRedactor

    /// A true/false setting from the environment or a profile; anything else is an error
    /// naming it, rather than a silent false.
    private static func flag(_ name: String, _ values: [String: String]) throws(BedrockError) -> Bool? {
        guard let text = values[name], !text.isEmpty else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw BedrockError(.config, "\(name) must be true or false, not \"\(text)\"")
        }
    }

    /// A max_attempts setting from the environment or a profile, in the range the config takes.
    private static func maxAttempts(_ name: String, _ values: [String: String]) throws(BedrockError) -> Int? {
        guard let text = values[name], !text.isEmpty else { return nil }
        guard let count = Int(text), ClientConfig.maxAttemptsRange.contains(count) else {
            let range = ClientConfig.maxAttemptsRange
            throw .config("config.max_attempts", "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
        }
        return count
    }

    private static func flag(_ name: String, _ environment: Environment) throws(BedrockError) -> Bool? {
        try flag(name, environment.variables)
    }

    /// The environment variables that hold secrets.
    static let secretVariables = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", BearerToken.environmentVariable]
    /// The shared-file settings that hold secrets.
    static let secretSettings = ["aws_secret_access_key", "aws_session_token"]

    init(_ config: ClientConfig, environment: Environment) throws(BedrockError) {
        var secrets = config.secrets
        for name in Self.secretVariables { secrets.add(environment[name]) }
        do {
            let files = try SharedConfigFiles.load(environment: environment)
            for profile in files.profiles.values {
                for name in Self.secretSettings { secrets.add(profile[name]) }
            }
            try self.init(config, environment: environment, files: files, secrets: secrets)
        } catch {
            throw secrets.redact(error)
        }
    }

    private init(_ config: ClientConfig, environment: Environment, files: SharedConfigFiles,
                 secrets: SecretRedactor) throws(BedrockError) {
        self.secrets = secrets
        let profileName = config.profile ?? environment["AWS_PROFILE"] ?? environment["AWS_DEFAULT_PROFILE"]
        if let profileName, files.profile(profileName) == nil {
            throw .config("config.profile", "\"\(profileName)\" not found in the shared config or credentials file")
        }
        let profile = files.profile(profileName ?? SharedConfigFiles.defaultProfileName) ?? [:]

        guard let region = config.region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"]
                ?? profile["region"] else {
            throw .config("config.region", "no region configured: set \"region\" in the config, AWS_REGION, AWS_DEFAULT_REGION, or region in the profile")
        }
        guard !region.isEmpty, region.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
            throw .config("config.region", "\"\(region)\" is not a valid AWS region name")
        }
        self.region = region

        let fipsSettings = (try Self.flag("AWS_USE_FIPS_ENDPOINT", environment), try Self.flag("use_fips_endpoint", profile))
        let useFIPS = config.useFIPSEndpoint ?? fipsSettings.0 ?? fipsSettings.1 ?? false
        let dualStackSettings = (try Self.flag("AWS_USE_DUALSTACK_ENDPOINT", environment),
                                 try Self.flag("use_dualstack_endpoint", profile))
        let useDualStack = config.useDualStackEndpoint ?? dualStackSettings.0 ?? dualStackSettings.1 ?? false
        // The SDKs' switch to ignore endpoint URLs from the environment and shared config.
        let ignoreSettings = (try Self.flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", environment),
                              try Self.flag("ignore_configured_endpoint_urls", profile))
        let ignoreConfigured = ignoreSettings.0 ?? ignoreSettings.1 ?? false
        let configuredURL = ignoreConfigured ? nil : environment["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"]
            ?? environment["AWS_ENDPOINT_URL"] ?? profile["endpoint_url"]
        if let url = config.endpointURL ?? configuredURL {
            // As the endpoint rules say: a custom endpoint cannot also be FIPS or dual-stack.
            if useFIPS { throw .config("config.endpoint_url", "FIPS endpoints cannot be combined with a custom endpoint URL") }
            if useDualStack { throw .config("config.endpoint_url", "dual-stack endpoints cannot be combined with a custom endpoint URL") }
            endpoint = try Endpoint(url: url)
        } else {
            endpoint = try Endpoint(url: EndpointRules.url(region: region, useFIPS: useFIPS, useDualStack: useDualStack))
        }

        var transport = TransportOptions()
        if let value = config.connectTimeoutMs { transport.connectTimeoutMs = value }
        if let value = config.timeoutMs { transport.timeoutMs = value }
        if let value = config.readTimeoutMs { transport.readTimeoutMs = value }
        if let value = config.maxResponseBytes { transport.limits.maxResponseBytes = value }
        if let value = config.maxEventBytes { transport.limits.maxEventBytes = value }
        if let value = config.maxErrorMessageBytes { transport.limits.maxErrorMessageBytes = value }
        // As botocore: the environment comes before the profile.
        transport.caFile = config.caFile ?? environment["AWS_CA_BUNDLE"] ?? profile["ca_bundle"]
        transport.proxy = config.proxy
        transport.verifyTLS = config.verifyTLS ?? true
        if !transport.verifyTLS {
            // Loud on purpose: without verification anyone on the path can read the traffic.
            let warning = "libbedrock: warning: verify_tls is false; TLS certificates will not be checked for \(endpoint.hostHeader)\n"
            _ = warning.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        }
        transport.userAgent = [BedrockVersion.userAgent, config.userAgentSuffix].compactMap { $0 }.joined(separator: " ")
        self.transport = transport

        if let token = config.bearerToken {
            authentication = .bearer(token)
        } else if let credentials = config.credentials {
            authentication = .sigV4(CredentialProviderChain(providers: [StaticCredentialProvider(value: credentials)]))
        } else if let token = environment[BearerToken.environmentVariable] {
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
            throw .config("config.endpoint_url", "a bearer token needs an https endpoint (or a loopback address), not \(endpoint.scheme)://\(endpoint.hostHeader)")
        }

        let environmentAttempts = try Self.maxAttempts("AWS_MAX_ATTEMPTS", environment.variables)
        let profileAttempts = try Self.maxAttempts("max_attempts", profile)
        maxAttempts = config.maxAttempts ?? environmentAttempts ?? profileAttempts ?? Self.defaultMaxAttempts
        retryMode = config.retryMode ?? (environment["AWS_RETRY_MODE"] ?? profile["retry_mode"])
            .flatMap { ClientConfig.RetryMode(rawValue: $0) } ?? .standard
    }
}
