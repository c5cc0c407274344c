/// The standard credential provider chain, in botocore's order (`create_credential_resolver`).
/// Explicit `credentials` in the client config never reach it: they are used as given.
///
///  1. Environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.
///  2. Assume role: the profile's `role_arn` with `source_profile` or `credential_source`.
///  3. Web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or the profile's
///     `web_identity_token_file` + `role_arn`.
///  4. SSO: the profile's `sso_account_id` + `sso_role_name`, with the SSO token cache.
///  5. Static keys from the shared credentials file.
///  6. The profile's `credential_process`.
///  7. Static keys from the shared config file.
///  8. The container endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI.
///  9. EC2 instance metadata (IMDSv2, then IMDSv1), unless AWS_EC2_METADATA_DISABLED=true.
///
/// A profile chosen explicitly in the config (not through AWS_PROFILE) skips the
/// environment's keys and web identity variables, as botocore does.
enum DefaultCredentialChain {
    static func make(context: CredentialContext, profileChosenExplicitly: Bool) -> CredentialProviderChain {
        var providers: [any CredentialProvider] = []
        if !profileChosenExplicitly { providers.append(EnvironmentCredentialProvider(environment: context.environment)) }
        providers.append(STSAssumeRoleProvider(profileName: context.profileName, context: context))
        providers += profileProviders(profileName: context.profileName, context: context,
                                      useEnvironment: !profileChosenExplicitly)
        providers.append(container(context))
        providers.append(instanceMetadata(context))
        return CredentialProviderChain(providers: providers)
    }

    /// The providers that read one profile (botocore's `ProfileProviderBuilder`); also what
    /// a `source_profile` resolves with, environment excluded.
    static func profileProviders(profileName: String, context: CredentialContext,
                                 useEnvironment: Bool) -> [any CredentialProvider] {
        [
            WebIdentityCredentialProvider(profileName: profileName, context: context, useEnvironment: useEnvironment),
            SSOCredentialProvider(profileName: profileName, context: context),
            ProfileCredentialProvider(profileName: profileName, file: .credentials, files: context.files),
            ProcessCredentialProvider(profileName: profileName, files: context.files, environment: context.environment),
            ProfileCredentialProvider(profileName: profileName, file: .config, files: context.files),
        ]
    }

    /// A `credential_source` value (compared without case, as botocore's canonical names).
    static func namedSource(_ name: String, context: CredentialContext) -> (any CredentialProvider)? {
        switch name.lowercased() {
        case "environment": EnvironmentCredentialProvider(environment: context.environment)
        case "ec2instancemetadata": instanceMetadata(context)
        case "ecscontainer": container(context)
        default: nil
        }
    }

    static func container(_ context: CredentialContext) -> ContainerCredentialProvider {
        ContainerCredentialProvider(environment: context.environment, http: context.http)
    }

    static func instanceMetadata(_ context: CredentialContext) -> IMDSCredentialProvider {
        IMDSCredentialProvider(environment: context.environment, profile: context.profile, http: context.http)
    }
}
