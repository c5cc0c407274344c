/// An AWS access key pair, with the session token that temporary credentials carry.
public struct Credentials: Sendable, Equatable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

extension Credentials: CustomStringConvertible {
    /// Never prints the secret or the token, so a credential cannot leak through logging.
    public var description: String { "Credentials(accessKeyId: \(accessKeyId), secret: <redacted>)" }
}
