import Glibc

/// IAM Identity Center (SSO): a profile with `sso_account_id` and `sso_role_name`, and either
/// `sso_session` naming an `[sso-session NAME]` section or the legacy `sso_start_url` and
/// `sso_region` in the profile itself, as botocore's `SSOProvider` reads them.
///
/// The access token comes from the cache `aws sso login` writes:
/// `~/.aws/sso/cache/<sha1 hex of the session name, or of the start URL for legacy
/// profiles>.json`, with `accessToken` and `expiresAt`. It is exchanged for role credentials
/// with the SSO portal's GetRoleCredentials
/// (`GET https://portal.sso.REGION.amazonaws.com/federation/credentials`, unsigned, the token
/// in `x-amz-sso_bearer_token`). AWS_ENDPOINT_URL_SSO overrides the portal's URL.
///
/// Renewing an expired token (`aws sso login`, or the OIDC refresh the CLI does) is left to
/// the AWS CLI: an expired or rejected token is an error that says to log in again.
struct SSOCredentialProvider: CredentialProvider {
    static let tokenCacheDirectory = "/.aws/sso/cache/"
    static let bearerTokenHeader = "x-amz-sso_bearer_token"
    static let getRoleCredentialsPath = "/federation/credentials"
    /// The token cache holds one small JSON document.
    static let maxCacheFileBytes = 1 << 20

    let profileName: String
    let context: CredentialContext

    var name: String { "SSO (profile \"\(profileName)\")" }

    /// The settings one GetRoleCredentials call needs.
    struct Settings: Equatable {
        var startURL: String
        var region: String
        var accountId: String
        var roleName: String
        /// Set for profiles that use an `[sso-session]` section.
        var sessionName: String?
    }

    func credentials() throws(BedrockError) -> Credentials? {
        guard let profile = context.files.profile(profileName),
              profile["sso_account_id"] != nil || profile["sso_role_name"] != nil else { return nil }
        let settings = try Self.settings(profile: profile, profileName: profileName, sessions: context.files.ssoSessions)
        let token = try accessToken(settings)
        return try roleCredentials(settings, token: token)
    }

    /// The profile's SSO settings, merged with its `[sso-session]` section when it names one.
    static func settings(profile: [String: String], profileName: String,
                         sessions: [String: [String: String]]) throws(BedrockError) -> Settings {
        var merged = profile
        var required = ["sso_role_name", "sso_account_id", "sso_start_url", "sso_region"]
        let sessionName = profile["sso_session"]
        if let sessionName {
            guard let session = sessions[sessionName] else {
                throw BedrockError(.credentials, "profile \"\(profileName)\" names sso_session \"\(sessionName)\", which does not exist")
            }
            for (key, value) in session {
                if let mine = merged[key], mine != value {
                    throw BedrockError(.credentials, "the value of \(key) differs between profile \"\(profileName)\" and sso-session \"\(sessionName)\"")
                }
                merged[key] = value
            }
            required.append("sso_session")
        }
        let missing = required.filter { merged[$0] == nil }
        guard missing.isEmpty, let startURL = merged["sso_start_url"], let region = merged["sso_region"],
              let accountId = merged["sso_account_id"], let roleName = merged["sso_role_name"] else {
            throw BedrockError(.credentials, "profile \"\(profileName)\" is configured for SSO but is missing: \(missing.joined(separator: ", "))")
        }
        return Settings(startURL: startURL, region: region, accountId: accountId, roleName: roleName, sessionName: sessionName)
    }

    /// The token cache's file name: the SHA-1 of the session name (or, for legacy profiles,
    /// of the start URL) in hex, plus ".json", as the AWS CLI names it.
    static func cacheFileName(startURL: String, sessionName: String?) -> String {
        hexEncoded(sha1(sessionName ?? startURL)) + ".json"
    }

    private func accessToken(_ settings: Settings) throws(BedrockError) -> String {
        let loginHint = settings.sessionName.map { "aws sso login --sso-session \($0)" } ?? "aws sso login --profile \(profileName)"
        guard let home = context.environment.homeDirectory else {
            throw BedrockError(.credentials, "\(name): no home directory to find the SSO token cache in")
        }
        let path = home + Self.tokenCacheDirectory + Self.cacheFileName(startURL: settings.startURL, sessionName: settings.sessionName)
        guard access(path, F_OK) == 0 else {
            throw BedrockError(.credentials, "\(name): no cached SSO token (\(path)); run `\(loginHint)`")
        }
        var bytes = try readSecretFile(path, maxBytes: Self.maxCacheFileBytes, describedAs: "the SSO token cache file",
                                       source: name)
        defer { wipe(&bytes) }
        let document = try CredentialDocument(bytes, source: name, what: "the SSO token cache file \(path)")
        let token = try document.string("accessToken")
        let expiresAt = try document.timestamp("expiresAt")
        guard expiresAt > context.now() else {
            throw BedrockError(.credentials, "\(name): the cached SSO token has expired; run `\(loginHint)`")
        }
        return token
    }

    private func roleCredentials(_ settings: Settings, token: String) throws(BedrockError) -> Credentials {
        let url = context.configuredEndpoint(serviceVariable: "SSO")
            ?? "https://portal.sso.\(settings.region).\(Partition.of(region: settings.region).dnsSuffix)"
        let endpoint: Endpoint
        do {
            endpoint = try Endpoint(url: url)
        } catch {
            throw BedrockError(.credentials, "\(name): SSO endpoint \"\(url)\" is not a valid http(s) URL")
        }
        guard !token.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw BedrockError(.credentials, "\(name): the cached SSO token holds control characters")
        }
        let query = "account_id=\(percentEncoded(settings.accountId))&role_name=\(percentEncoded(settings.roleName))"
        let request = HTTPRequest(method: "GET", url: endpoint.url(path: Self.getRoleCredentialsPath) + "?" + query,
                                  headers: [("Accept", "application/json"), (Self.bearerTokenHeader, token)], body: [])
        var response: HTTPResponse
        do {
            response = try context.http.fetch(request)
        } catch {
            throw BedrockError(.credentials, "\(name): SSO GetRoleCredentials at \(endpoint.hostHeader) failed: \(error.message)")
        }
        defer { wipe(&response.body) }
        let errorType = response.head.header("x-amzn-ErrorType").map { String($0.prefix { $0 != ":" }.prefix(128)) }
        switch response.status {
        case 200:
            break
        case 401, 403:
            throw BedrockError(.credentials, "\(name): the SSO portal rejected the cached token (HTTP \(response.status)); "
                               + "run `aws sso login` again", awsErrorType: errorType, httpStatus: response.status,
                               requestId: response.head.requestId)
        default:
            throw BedrockError(.credentials, "\(name): SSO GetRoleCredentials failed with HTTP \(response.status)"
                               + (errorType.map { ": \($0)" } ?? ""), awsErrorType: errorType,
                               httpStatus: response.status, requestId: response.head.requestId)
        }
        return try Self.parseRoleCredentials(response.body, source: name)
    }

    /// GetRoleCredentials' `{"roleCredentials": {accessKeyId, secretAccessKey, sessionToken,
    /// expiration (milliseconds since the epoch)}}`.
    static func parseRoleCredentials(_ body: [UInt8], source: String) throws(BedrockError) -> Credentials {
        let response = try CredentialDocument(body, source: source, what: "SSO GetRoleCredentials response")
        guard case .object(let inner)? = response.object["roleCredentials"] else {
            throw BedrockError(.credentials, "\(source): SSO GetRoleCredentials response has no roleCredentials object")
        }
        let document = CredentialDocument(object: inner, source: source, what: "SSO GetRoleCredentials response")
        guard let milliseconds = inner["expiration"]?.int64Value else {
            throw BedrockError(.credentials, "\(source): SSO GetRoleCredentials response has no numeric roleCredentials.expiration")
        }
        return Credentials(accessKeyId: try document.string("accessKeyId"),
                           secretAccessKey: try document.string("secretAccessKey"),
                           sessionToken: try document.string("sessionToken"),
                           expiration: milliseconds / 1_000)
    }
}
