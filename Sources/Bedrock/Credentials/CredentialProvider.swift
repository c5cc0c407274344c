/// A source of credentials. `credentials()` returns nil when the source is not configured,
/// so the chain moves on, and throws (CREDENTIALS) when it is configured but broken: botocore
/// stops the chain the same way rather than silently using a later source.
protocol CredentialProvider: Sendable {
    /// A short name for error messages, e.g. "environment (AWS_ACCESS_KEY_ID)".
    var name: String { get }
    /// True when `credentials()` does no I/O (the config, the environment): an event loop may
    /// call it on its own thread.
    var isLocal: Bool { get }
    func credentials() throws(BedrockError) -> Credentials?
}

extension CredentialProvider {
    var isLocal: Bool { false }
}

/// Credentials given in the client config.
struct StaticCredentialProvider: CredentialProvider {
    let value: Credentials
    var name: String { "explicit config" }
    var isLocal: Bool { true }
    func credentials() -> Credentials? { value }
}

/// Tries providers in order and returns the first credentials found.
struct CredentialProviderChain: CredentialProvider {
    let providers: [any CredentialProvider]
    var name: String { "credential provider chain" }

    func credentials() throws(BedrockError) -> Credentials? {
        try firstFound()?.credentials
    }

    /// The credentials and the provider that gave them, which is the one asked again when
    /// they need refreshing (as botocore refreshes through the provider that won).
    func resolveWithSource() throws(BedrockError) -> (credentials: Credentials, source: any CredentialProvider) {
        if let found = try firstFound() { return found }
        let tried = providers.map(\.name).joined(separator: ", ")
        throw BedrockError(.credentials, "no AWS credentials found; tried: \(tried)")
    }

    /// The credentials of the chain's first providers while they are local, without any I/O:
    /// nil when none of them has any before a provider that would fetch.
    func localFirstFound() -> (credentials: Credentials, source: any CredentialProvider)? {
        for provider in providers {
            guard provider.isLocal else { return nil }
            if let found = try? provider.credentials() { return (found, provider) }
        }
        return nil
    }

    private func firstFound() throws(BedrockError) -> (credentials: Credentials, source: any CredentialProvider)? {
        for provider in providers {
            if let found = try provider.credentials() { return (found, provider) }
        }
        return nil
    }
}
