/// Bedrock API keys: sent as `Authorization: Bearer <token>` (RFC 6750 §2.1) instead of a
/// SigV4 signature, exactly as botocore's `BearerAuth` does for bedrock-runtime.
enum BearerToken {
    /// Where AWS SDKs read a Bedrock API key from.
    static let environmentVariable = "AWS_BEARER_TOKEN_BEDROCK"
    static let scheme = "Bearer"

    /// The Authorization header carrying `token`, sent unmodified (no trimming, as botocore).
    /// Throws `.emptyBearerToken` for "", and `.invalidHeaderValue(name: "Authorization")` if the
    /// token holds CR, LF or another control character, which would inject headers.
    static func authorizationHeader(token: String) throws(SigningError) -> (name: String, value: String) {
        guard !token.isEmpty else { throw .emptyBearerToken }
        guard SigV4Signer.isHeaderValueSafe(token) else {
            throw .invalidHeaderValue(name: SigV4Signer.authorizationHeader)
        }
        return (SigV4Signer.authorizationHeader, "\(scheme) \(token)")
    }
}
