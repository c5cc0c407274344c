/// A profile with `role_arn` and either `source_profile` or `credential_source`: calls STS
/// AssumeRole, signed with the source's credentials, following botocore's
/// `AssumeRoleProvider`:
///
/// - `source_profile` names a profile whose own credentials (static keys, SSO,
///   credential_process, web identity) sign the call; when that profile has a `role_arn` and
///   no static keys, its role is assumed first, so roles chain.
/// - `credential_source` is `Environment`, `Ec2InstanceMetadata` or `EcsContainer`.
/// - `role_session_name`, `external_id` and `duration_seconds` are passed on.
/// - A profile with `web_identity_token_file` belongs to the web identity provider instead.
///
/// `mfa_serial` needs a one-time code typed at a prompt, which a library loaded into a
/// service cannot show, so it is refused with a message saying so.
struct STSAssumeRoleProvider: CredentialProvider {
    /// botocore's default session name is `botocore-session-<unix time>`; ours says who we are.
    static let sessionNamePrefix = "swift-bedrock-chat-"

    let profileName: String
    let context: CredentialContext
    /// Profiles already on this source_profile path, to stop loops.
    var visited: [String]

    init(profileName: String, context: CredentialContext, visited: [String]? = nil) {
        self.profileName = profileName
        self.context = context
        self.visited = visited ?? [profileName]
    }

    var name: String { "assume role (profile \"\(profileName)\" role_arn)" }

    func credentials() throws(BedrockError) -> Credentials? {
        guard let profile = context.files.profile(profileName), Self.hasRoleConfig(profile) else { return nil }
        return try assumeRole(profile)
    }

    static func hasRoleConfig(_ profile: [String: String]) -> Bool {
        profile["role_arn"] != nil && profile["web_identity_token_file"] == nil
    }

    private func assumeRole(_ profile: [String: String]) throws(BedrockError) -> Credentials {
        guard let roleArn = profile["role_arn"] else { throw BedrockError(.credentials, "\(name): no role_arn") }
        if profile["mfa_serial"] != nil {
            throw BedrockError(.credentials, "profile \"\(profileName)\" sets mfa_serial, which needs an MFA code typed at a prompt; "
                               + "this library cannot prompt. Use credential_process or temporary credentials instead")
        }
        let sourceCredentials = try self.sourceCredentials(profile)

        var parameters = [("RoleArn", roleArn),
                          ("RoleSessionName", profile["role_session_name"] ?? Self.sessionNamePrefix + String(context.now()))]
        // As botocore: a duration_seconds that is not an integer is ignored.
        if let duration = profile["duration_seconds"].flatMap({ Int($0) }) { parameters.append(("DurationSeconds", String(duration))) }
        if let externalId = profile["external_id"] { parameters.append(("ExternalId", externalId)) }
        return try STSClient(context: context).call("AssumeRole", parameters, signingCredentials: sourceCredentials, source: name)
    }

    private func sourceCredentials(_ profile: [String: String]) throws(BedrockError) -> Credentials {
        switch (profile["source_profile"], profile["credential_source"]) {
        case (nil, nil):
            throw BedrockError(.credentials, "profile \"\(profileName)\" has role_arn but neither source_profile nor credential_source")
        case (_?, _?):
            throw BedrockError(.credentials, "profile \"\(profileName)\" has both source_profile and credential_source")
        case (nil, let sourceName?):
            guard let source = DefaultCredentialChain.namedSource(sourceName, context: context) else {
                throw BedrockError(.credentials, "profile \"\(profileName)\" has credential_source \"\(sourceName)\"; "
                                   + "expected Environment, Ec2InstanceMetadata or EcsContainer")
            }
            guard let found = try source.credentials() else {
                throw BedrockError(.credentials, "profile \"\(profileName)\": no credentials found in credential_source \(sourceName) (\(source.name))")
            }
            return found
        case (let sourceName?, nil):
            return try credentials(fromSourceProfile: sourceName)
        }
    }

    private func credentials(fromSourceProfile sourceName: String) throws(BedrockError) -> Credentials {
        guard let source = context.files.profile(sourceName) else {
            throw BedrockError(.credentials, "the source_profile \"\(sourceName)\" of profile \"\(profileName)\" does not exist")
        }
        // A profile may name itself as its source to keep static keys and the role together;
        // any other revisit is a loop.
        if visited.contains(sourceName)
            && (sourceName != profileName || !ProfileCredentialProvider.hasStaticCredentials(source)) {
            throw BedrockError(.credentials, "source_profile loop: \((visited + [sourceName]).map { "\"\($0)\"" }.joined(separator: " -> "))")
        }
        if ProfileCredentialProvider.hasStaticCredentials(source) || !Self.hasRoleConfig(source) {
            let chain = CredentialProviderChain(providers: DefaultCredentialChain.profileProviders(
                profileName: sourceName, context: context, useEnvironment: false))
            guard let found = try chain.credentials() else {
                throw BedrockError(.credentials, "the source_profile \"\(sourceName)\" of profile \"\(profileName)\" has no credentials")
            }
            return found
        }
        let next = STSAssumeRoleProvider(profileName: sourceName, context: context, visited: visited + [sourceName])
        guard let found = try next.credentials() else {
            throw BedrockError(.credentials, "the source_profile \"\(sourceName)\" of profile \"\(profileName)\" has no credentials")
        }
        return found
    }
}
