/// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
struct EnvironmentCredentialProvider: CredentialProvider {
    let environment: Environment
    var name: String { "environment (AWS_ACCESS_KEY_ID)" }
    var isLocal: Bool { true }

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
