
/// Fetches credentials off an event loop's thread: the first caller starts one helper thread
/// that runs the cache's (blocking) refresh; callers that come while it runs only add
/// themselves to the list it answers. So an event loop never blocks on STS, SSO, IMDS, a
/// container endpoint or a `credential_process`, and a refresh is still fetched once.
final class BackgroundCredentialFetch: Sendable {
    typealias Completion = @Sendable (BedrockError?) -> Void

    private struct State {
        var running = false
        var waiting: [Completion] = []
    }

    private let cache: CredentialCache
    private let state = Locked(State())

    init(cache: CredentialCache) {
        self.cache = cache
    }

    /// Calls `completion` on the helper thread once credentials are cached, or with the error
    /// the fetch ended with.
    func fetch(then completion: @escaping Completion) {
        let start = state.withLock { state -> Bool in
            state.waiting.append(completion)
            defer { state.running = true }
            return !state.running
        }
        guard start else { return }
        let run: @Sendable () -> Void = { [self] in
            var failure: BedrockError?
            do throws(BedrockError) {
                _ = try self.cache.credentials()
            } catch {
                failure = error
            }
            let waiting = self.state.withLock { state -> [Completion] in
                state.running = false
                defer { state.waiting = [] }
                return state.waiting
            }
            for completion in waiting { completion(failure) }
        }
        if !runOnDetachedThread(run) { run() }
    }
}
