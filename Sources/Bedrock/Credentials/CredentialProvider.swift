/// A source of credentials. `credentials()` returns nil when the source has nothing to offer,
/// so the chain moves on, and throws when the source is configured but broken.
protocol CredentialProvider: Sendable {
    /// A short name for error messages, e.g. "environment (AWS_ACCESS_KEY_ID)".
    var name: String { get }
    func credentials() throws(BedrockError) -> Credentials?
}

/// Credentials given in the client config.
struct StaticCredentialProvider: CredentialProvider {
    let value: Credentials
    var name: String { "explicit config" }
    func credentials() -> Credentials? { value }
}

/// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
struct EnvironmentCredentialProvider: CredentialProvider {
    let environment: Environment
    var name: String { "environment (AWS_ACCESS_KEY_ID)" }

    func credentials() throws(BedrockError) -> Credentials? {
        let accessKeyId = environment["AWS_ACCESS_KEY_ID"]
        let secretAccessKey = environment["AWS_SECRET_ACCESS_KEY"]
        switch (accessKeyId, secretAccessKey) {
        case (nil, nil):
            return nil
        case (let accessKeyId?, let secretAccessKey?):
            return Credentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey,
                               sessionToken: environment["AWS_SESSION_TOKEN"])
        case (nil, _):
            throw BedrockError(.credentials, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
        case (_, nil):
            throw BedrockError(.credentials, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        }
    }
}

/// Static keys from a profile in the shared config and credentials files.
struct ProfileCredentialProvider: CredentialProvider {
    let profileName: String
    let files: SharedConfigFiles
    var name: String { "shared config files (profile \"\(profileName)\")" }

    func credentials() throws(BedrockError) -> Credentials? {
        guard let profile = files.profile(profileName) else { return nil }
        switch (profile["aws_access_key_id"], profile["aws_secret_access_key"]) {
        case (nil, nil):
            return nil
        case (let accessKeyId?, let secretAccessKey?):
            return Credentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey,
                               sessionToken: profile["aws_session_token"])
        default:
            throw BedrockError(.credentials, "profile \"\(profileName)\" has only one of aws_access_key_id and aws_secret_access_key")
        }
    }
}

/// Tries providers in order and returns the first credentials found.
struct CredentialProviderChain: CredentialProvider {
    let providers: [any CredentialProvider]
    var name: String { "credential provider chain" }

    func credentials() throws(BedrockError) -> Credentials? {
        for provider in providers {
            if let found = try provider.credentials() { return found }
        }
        return nil
    }

    /// Like `credentials()`, but a miss is an error that lists where we looked.
    func resolve() throws(BedrockError) -> Credentials {
        if let found = try credentials() { return found }
        let tried = providers.map(\.name).joined(separator: ", ")
        throw BedrockError(.credentials, "no AWS credentials found; tried: \(tried)")
    }
}
