/// An access key pair, with the session token and expiry that temporary credentials carry.
///
/// The secret access key and the session token live in `SecretBytes`, which wipes them when
/// the last copy of these credentials is released (the client's cache drops old credentials
/// when it refreshes, and `bedrock_client_free` drops the rest). The `String` properties are
/// kept for source compatibility; each read makes a `String` copy that is not wiped, so the
/// library itself reads the bytes through `withSecretAccessKey` when it signs.
struct Credentials: Sendable {
    var accessKeyId: String
    var secret: SecretBytes
    var token: SecretBytes?
    /// When temporary credentials stop working, in seconds since the Unix epoch; nil for
    /// long-term keys, which are never refreshed.
    var expiration: Int64?

    init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil,
                expiration: Int64? = nil) {
        self.accessKeyId = accessKeyId
        self.secret = SecretBytes(secretAccessKey)
        self.token = sessionToken.map { SecretBytes($0) }
        self.expiration = expiration
    }

    var secretAccessKey: String {
        get { secret.string }
        set { secret = SecretBytes(newValue) }
    }

    var sessionToken: String? {
        get { token?.string }
        set { token = newValue.map { SecretBytes($0) } }
    }

    /// Lends the secret access key's UTF-8 bytes without copying them into a `String`.
    func withSecretAccessKey<Result, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> Result) throws(E) -> Result {
        try secret.withUnsafeBytes(body)
    }
}

extension Credentials: Equatable {
    static func == (lhs: Credentials, rhs: Credentials) -> Bool {
        guard lhs.accessKeyId == rhs.accessKeyId, lhs.expiration == rhs.expiration,
              lhs.secret.isEqual(to: rhs.secret) else { return false }
        switch (lhs.token, rhs.token) {
        case (nil, nil): return true
        case (let left?, let right?): return left.isEqual(to: right)
        default: return false
        }
    }
}

extension Credentials: CustomStringConvertible {
    /// Never prints the secret or the token, so a credential cannot leak through logging.
    var description: String {
        "Credentials(accessKeyId: \(accessKeyId), secret: <redacted>\(token == nil ? "" : ", token: <redacted>"))"
    }
}
