/// Static keys (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`) from a
/// profile in one of the shared files. The chain asks the credentials file before
/// `credential_process` and the config file after it, as botocore does.
struct ProfileCredentialProvider: CredentialProvider {
    enum File: Sendable {
        case credentials, config
    }

    let profileName: String
    let file: File
    let files: SharedConfigFiles

    var name: String {
        switch file {
        case .credentials: "shared credentials file (profile \"\(profileName)\")"
        case .config: "shared config file (profile \"\(profileName)\")"
        }
    }

    func credentials() throws(BedrockError) -> Credentials? {
        guard let profile = files.profile(profileName, inCredentialsFile: file == .credentials) else { return nil }
        return try Self.staticCredentials(profile, profileName: profileName)
    }

    /// The profile's static keys; nil when it has neither, an error when it has only one.
    static func staticCredentials(_ profile: [String: String], profileName: String) throws(BedrockError) -> Credentials? {
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

    static func hasStaticCredentials(_ profile: [String: String]) -> Bool {
        profile["aws_access_key_id"] != nil || profile["aws_secret_access_key"] != nil
    }
}
