import Glibc

/// The credentials one client signs with, fetched once and refreshed before they expire,
/// with botocore's two windows (`RefreshableCredentials`):
///
/// - Advisory, 15 minutes before expiry: one caller refreshes; the others carry on with the
///   current credentials, which are still good. A failed advisory refresh is ignored.
/// - Mandatory, 10 minutes before expiry (or nothing cached yet): every caller waits for the
///   one refresh in progress and uses its result; its failure is their error.
///
/// So concurrent calls cause one fetch, never a stampede. Credentials without an expiry
/// (long-term keys) are never refreshed. A refresh asks the provider that produced the
/// current credentials, falling back to the whole chain if that provider has none any more.
final class CredentialCache: Sendable {
    static let advisoryRefreshSeconds: Int64 = 15 * 60
    static let mandatoryRefreshSeconds: Int64 = 10 * 60

    private struct Entry: Sendable {
        var credentials: Credentials
        var source: any CredentialProvider
    }

    private let chain: CredentialProviderChain
    private let clock: @Sendable () -> Int64
    private let current = Locked<Entry?>(nil)
    /// Held by the one thread fetching credentials, for the length of the fetch; counts the fetches.
    private let refreshLock = Locked(0)

    init(chain: CredentialProviderChain, clock: @escaping @Sendable () -> Int64 = { Int64(time(nil)) }) {
        self.chain = chain
        self.clock = clock
    }

    func credentials() throws(BedrockError) -> Credentials {
        let entry = current.withLock { $0 }
        if let entry, !needsRefresh(entry.credentials, within: Self.advisoryRefreshSeconds) {
            return entry.credentials
        }
        if let entry, !needsRefresh(entry.credentials, within: Self.mandatoryRefreshSeconds) {
            // Advisory: refresh unless another thread already is, and ignore a failure; the
            // current credentials still work for ten minutes or more.
            let refreshed = refreshLock.withLockIfAvailable { fetches in
                fetches += 1
                return try? refresh(within: Self.advisoryRefreshSeconds)
            }
            if case let fresh?? = refreshed { return fresh }
            return entry.credentials
        }
        return try refreshLock.withLock { (fetches: inout Int) throws(BedrockError) -> Credentials in
            fetches += 1
            return try refresh(within: Self.mandatoryRefreshSeconds)
        }
    }

    /// Called with `refreshLock` held. Another thread may have refreshed while this one
    /// waited for the lock, so the cache is checked again first.
    private func refresh(within window: Int64) throws(BedrockError) -> Credentials {
        let entry = current.withLock { $0 }
        if let entry, !needsRefresh(entry.credentials, within: window) { return entry.credentials }
        let fresh: (credentials: Credentials, source: any CredentialProvider)
        if let entry, let again = try entry.source.credentials() {
            fresh = (again, entry.source)
        } else {
            fresh = try chain.resolveWithSource()
        }
        if let expiration = fresh.credentials.expiration, expiration <= clock() {
            throw BedrockError(.credentials, "\(fresh.source.name) returned credentials that have already expired")
        }
        current.withLock { $0 = Entry(credentials: fresh.credentials, source: fresh.source) }
        return fresh.credentials
    }

    /// Credentials good to sign with now without fetching, or nil when a fetch must come
    /// first (nothing cached, or inside the mandatory window). An event loop parks the call
    /// and runs `credentials()` off its thread.
    var usableWithoutFetching: Credentials? {
        if let entry = current.withLock({ $0 }) {
            return needsRefresh(entry.credentials, within: Self.mandatoryRefreshSeconds) ? nil : entry.credentials
        }
        // Keys from the config or the environment need no fetch: cache them now.
        guard let local = chain.localFirstFound() else { return nil }
        current.withLock { $0 = $0 ?? Entry(credentials: local.credentials, source: local.source) }
        return local.credentials
    }

    /// Whether the cached credentials are inside the advisory window: still good to sign
    /// with, and due for a refresh that no call needs to wait for.
    var refreshAdvised: Bool {
        guard let entry = current.withLock({ $0 }) else { return false }
        return needsRefresh(entry.credentials, within: Self.advisoryRefreshSeconds)
    }

    /// The credentials cached now, if any, without fetching.
    var cached: Credentials? { current.withLock { $0?.credentials } }

    private func needsRefresh(_ credentials: Credentials, within window: Int64) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        let (remaining, overflow) = expiration.subtractingReportingOverflow(clock())
        return overflow ? expiration < 0 : remaining < window
    }
}
