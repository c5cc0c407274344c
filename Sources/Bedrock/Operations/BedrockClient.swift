import Glibc

/// A Bedrock Runtime client: resolved configuration, a pool of engines and the connections
/// they keep, and cached credentials. Safe to use from many threads at once.
final class BedrockClient: Sendable {
    let config: ResolvedClientConfig
    /// The blocking API's engines: each blocking call drives one on its own thread.
    let engines = EnginePool()
    /// bedrock_client_set_log's destination; off until set.
    let log = ClientLog()
    /// The SigV4 key derived for the credentials signed with last.
    private let signingKeys = SigningKeyCache()
    /// Temporary credentials live here between calls and are refreshed before they expire;
    /// nil for bearer-token clients.
    private let credentialCache: CredentialCache?
    private let retryPolicy: RetryPolicy
    /// Shared by every call on this client, as the SDKs share them per client.
    let retryQuota = RetryQuota()
    private let rateLimiter: AdaptiveRateLimiter?
    /// For event loops: refreshes credentials on a helper thread; nil for bearer-token clients.
    private let backgroundFetch: BackgroundCredentialFetch?

    init(config: ResolvedClientConfig) {
        self.config = config
        if case .sigV4(let chain) = config.authentication {
            let cache = CredentialCache(chain: chain)
            credentialCache = cache
            backgroundFetch = BackgroundCredentialFetch(cache: cache)
        } else {
            credentialCache = nil
            backgroundFetch = nil
        }
        retryPolicy = RetryPolicy(maxAttempts: config.maxAttempts)
        rateLimiter = config.retryMode == .adaptive ? AdaptiveRateLimiter() : nil
    }

    /// Fetches credentials now, on the calling thread (`bedrock_client_warm`), so that the
    /// first call does not wait for STS, SSO, IMDS or a credential process.
    func warm() throws(BedrockError) {
        guard let credentialCache else { return }
        let started = monotonicMilliseconds()
        _ = try credentialCache.credentials()
        log(.info, "credentials_ready", [("wait_ms", .int(Int64(monotonicMilliseconds() - started)))])
    }

    /// Fetches credentials on a helper thread, then calls `completion` there.
    func fetchCredentialsInBackground(then completion: @escaping BackgroundCredentialFetch.Completion) {
        guard let backgroundFetch else { return completion(nil) }
        backgroundFetch.fetch(then: completion)
    }

    func newRetryAttempts() -> RetryAttempts {
        RetryAttempts(policy: retryPolicy, quota: retryQuota, limiter: rateLimiter)
    }

    convenience init(_ config: ClientConfig, environment: Environment = .current()) throws(BedrockError) {
        self.init(config: try ResolvedClientConfig(config, environment: environment))
    }

    /// `error` without any secret this client knows: those of its configuration, the
    /// environment and the shared files, and the credentials it signs with now.
    func redacted(_ error: BedrockError) -> BedrockError {
        var secrets = config.secrets
        secrets.add(credentialCache?.cached)
        return secrets.redact(error)
    }

    // MARK: - Operations

    /// Converse: sends a Converse request body and returns the response body text.
    func converse(modelId: String, request: JSONText) throws(BedrockError) -> String {
        try runToEnd(try .init(.converse, modelId: modelId, body: try Self.converseBody(request)), kind: .converse)
    }

    /// A Converse response body, which must be a JSON object, as text.
    static func converseResult(head: HTTPResponseHead, body: [UInt8]) throws(BedrockError) -> String {
        guard (try? JSONText(checking: body))?.isObject == true else {
            throw BedrockError(.protocol, "Converse response is not a JSON object", httpStatus: head.status,
                               requestId: head.requestId)
        }
        return String(decoding: body, as: UTF8.self)
    }

    /// InvokeModel: sends the provider's own body and returns the response body text.
    func invokeModel(modelId: String, body: JSONText) throws(BedrockError) -> String {
        try runToEnd(try .init(.invokeModel, modelId: modelId, body: body.bytes), kind: .invokeModel)
    }

    /// InvokeModel with any body and content type; returns the response body byte for byte.
    func invokeModelBytes(modelId: String, body: [UInt8], contentType: String?, accept: String?) throws(BedrockError) -> [UInt8] {
        for (field, value) in [("content_type", contentType), ("accept", accept)] {
            if let value, value.isEmpty || !SigV4Signer.isHeaderValueSafe(value) {
                throw .invalidArgument(field, "must be a non-empty header value without CR, LF or other control characters")
            }
        }
        var request = try MultiCall.Request(.invokeModel, modelId: modelId, body: body)
        request.headers = [("Content-Type", contentType ?? "application/json"), ("Accept", accept ?? "application/json")]
        return try finishedCall(request, kind: .invokeModelBytes).bytes
    }

    /// Any operation that answers whole, by its name in the service model (`bedrock_operation`):
    /// `params` as boto3 takes them; returns the output shape's JSON text.
    func operation(_ name: String, params: JSON) throws(BedrockError) -> String {
        let model = try OperationModel.named(name)
        if model.streams {
            throw .invalidArgument("operation", "\(name) answers with an event stream: call bedrock_operation_stream")
        }
        return try runToEnd(try model.request(params: params), kind: .operation(model))
    }

    /// CountTokens: `request` is the CountTokens body (`{"input": {...}}`); returns the response text.
    func countTokens(modelId: String, request: JSON) throws(BedrockError) -> String {
        guard case .object = request else {
            throw .invalidArgument("request", "expected a JSON object, got \(request.typeName)")
        }
        return try runToEnd(try .init(.countTokens, modelId: modelId, body: Array(request.serialized().utf8)),
                            kind: .invokeModel)
    }

    // MARK: - Requests

    /// A Converse request body: a JSON object, sent as the caller wrote it. A `modelId` member
    /// is dropped, since boto3 callers pass it in the request and it belongs in the URL.
    static func converseBody(_ request: JSONText) throws(BedrockError) -> [UInt8] {
        guard request.isObject else {
            throw .invalidArgument("request", "expected a JSON object, got \(request.typeName)")
        }
        var request = request
        request.removeMember("modelId")
        return request.bytes
    }

    /// Runs one call to its end on the calling thread (the blocking API): on a private multi
    /// over an engine from the client's pool, so retries, backoff and timeouts are the event
    /// loop's own. Returns the call's result text.
    func runToEnd(_ request: MultiCall.Request, kind: MultiCall.Kind) throws(BedrockError) -> String {
        guard let result = try finishedCall(request, kind: kind).text else {
            throw BedrockError(.internal, "the call ended without a result")
        }
        return result
    }

    /// Runs one call to its end on the calling thread; returns its result text and, for
    /// `invokeModelBytes`, the body.
    private func finishedCall(_ request: MultiCall.Request,
                              kind: MultiCall.Kind) throws(BedrockError) -> (text: String?, bytes: [UInt8]) {
        let engine = try engines.checkout()
        defer { engines.checkin(engine) }
        let multi = try BedrockMulti(client: self, options: .blocking, engine: engine)
        // What on_done saw, not the call itself: the call holds this closure, and holding the
        // call here would make a cycle that is never freed.
        var outcome: (status: BedrockStatus, text: String?, bytes: [UInt8], failure: BedrockError?)?
        _ = try multi.start(request, kind: kind, onEvent: nil) { call, status, result, failure in
            outcome = (status, result, call.resultBytes, failure)
        }
        while outcome == nil { _ = try multi.perform(waitMs: Self.blockingWaitSliceMs) }
        guard let outcome, outcome.status == .ok else {
            throw outcome?.failure ?? BedrockError(.internal, "the call ended without a result")
        }
        return (outcome.text, outcome.bytes)
    }

    /// How long a blocking call sleeps in one wait before it looks again.
    static let blockingWaitSliceMs = 1_000

    /// Builds and signs one request, or returns nil when credentials must be fetched first:
    /// it never blocks on a fetch, so neither an event loop nor timeout_ms waits on one.
    func signedRequest(_ request: MultiCall.Request) throws(BedrockError) -> HTTPRequest? {
        let path = config.endpoint.wirePath(request.path)
        var headers = [("Host", config.endpoint.hostHeader)] + request.headers
        var body = request.body
        switch config.authentication {
        case .bearer(let token):
            // The signer checks the headers it signs; a bearer request's are checked here, so
            // no value carries CR or LF onto the wire.
            headers.append(try mapSigningError { () throws(SigningError) in
                try SigV4Signer.validate(headers: headers)
                return try BearerToken.authorizationHeader(token: token)
            })
            // The token covers the request; its events go as they are.
            if let events = request.inputEvents { body = events.flatMap { $0 } }
        case .sigV4:
            guard let credentialCache else { throw BedrockError(.internal, "SigV4 client without a credential cache") }
            guard let credentials = credentialCache.usableWithoutFetching else { return nil }
            // The refresh runs on the helper thread while this call signs with what is cached.
            if credentialCache.refreshAdvised { fetchCredentialsInBackground { _ in } }
            let signer = SigV4Signer(credentials: credentials,
                                     service: ResolvedClientConfig.signingService, region: config.region, keyCache: signingKeys)
            let timestamp = Int64(time(nil))
            try mapSigningError { () throws(SigningError) in
                guard let events = request.inputEvents else {
                    headers += try signer.sign(method: request.method, host: config.endpoint.hostHeader, path: path,
                                               query: request.query, headers: headers, body: request.body, timestamp: timestamp)
                    return
                }
                // An event-stream body: the request is signed without it, then each event in turn.
                headers.append((SigV4Signer.contentSHA256Header, EventStreamSigner.payloadHash))
                let signature = try signer.signature(method: request.method, host: config.endpoint.hostHeader, path: path,
                                                     query: request.query, headers: headers,
                                                     body: UnsafeRawBufferPointer(start: nil, count: 0), timestamp: timestamp)
                headers += signature.headers.map { ($0.name, $0.value) }
                var eventSigner = EventStreamSigner(signer: signer, seedSignature: signature.signature)
                body = try eventSigner.body(events: events, timestampMs: timestamp * 1_000)
            }
        }
        let url = config.endpoint.url(path: request.path) + (request.query.isEmpty ? "" : "?" + request.query)
        return HTTPRequest(method: request.method, url: url, headers: headers, body: body)
    }

}

private func mapSigningError<T>(_ body: () throws(SigningError) -> T) throws(BedrockError) -> T {
    do {
        return try body()
    } catch {
        throw BedrockError(signingError: error)
    }
}
