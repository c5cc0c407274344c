/// STS AssumeRoleWithWebIdentity with a token from a file, as on EKS (IRSA): the file named by
/// AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (and AWS_ROLE_SESSION_NAME), or a profile's
/// `web_identity_token_file`, `role_arn` and `role_session_name`. Each setting comes from the
/// environment first, then the profile, as botocore reads them; an explicitly chosen profile
/// ignores the environment. The file is read at every refresh, because the platform rotates
/// the token in it. The call is unsigned: the token is the proof.
struct WebIdentityCredentialProvider: CredentialProvider {
    /// A JWT is a few kilobytes; a larger file is not a token.
    static let maxTokenBytes = 64 << 10

    let profileName: String
    let context: CredentialContext
    /// False when the profile was chosen explicitly (botocore's disable_env_vars).
    let useEnvironment: Bool

    var name: String {
        useEnvironment ? "web identity (AWS_WEB_IDENTITY_TOKEN_FILE or profile \"\(profileName)\")"
            : "web identity (profile \"\(profileName)\")"
    }

    private func setting(_ variable: String, _ key: String) -> String? {
        (useEnvironment ? context.environment[variable] : nil) ?? context.files.profile(profileName)?[key]
    }

    func credentials() throws(BedrockError) -> Credentials? {
        guard let tokenFile = setting("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file") else { return nil }
        guard let roleArn = setting("AWS_ROLE_ARN", "role_arn") else {
            throw BedrockError(.credentials, "\(name): a web identity token file is set but no role ARN (AWS_ROLE_ARN or role_arn)")
        }
        let sessionName = setting("AWS_ROLE_SESSION_NAME", "role_session_name")
            ?? STSAssumeRoleProvider.sessionNamePrefix + String(context.now())

        var bytes = try readSecretFile(tokenFile, maxBytes: Self.maxTokenBytes,
                                       describedAs: "the web identity token file", source: name)
        defer { wipe(&bytes) }
        // A JWT holds no whitespace; a trailing newline from an editor or `echo` is not part of it.
        let token = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        guard !token.isEmpty else { throw BedrockError(.credentials, "\(name): the web identity token file \(tokenFile) is empty") }

        return try STSClient(context: context).call(
            "AssumeRoleWithWebIdentity",
            [("RoleArn", roleArn), ("RoleSessionName", sessionName), ("WebIdentityToken", token)],
            signingCredentials: nil, source: name)
    }
}
