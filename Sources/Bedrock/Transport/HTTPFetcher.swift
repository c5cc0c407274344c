/// A whole HTTP response: status, headers and body.
struct HTTPResponse: Sendable {
    var head: HTTPResponseHead
    var body: [UInt8]

    var status: Int { head.status }
}

/// One request, one whole response, no retries and no status checks: what the credential
/// providers need to talk to STS, the SSO portal, the container endpoint and IMDS. It runs on
/// the same transport as Bedrock calls (a `CurlTransfer` on a `MultiEngine`), with its own
/// pool of engines and connections.
struct HTTPFetcher: Sendable {
    /// Credential responses are a few kilobytes; anything far larger is not one.
    static let maxResponseBytes = 1 << 20
    static let initialCapacity = 16 << 10

    let engines: EnginePool
    var options: TransportOptions

    init(engines: EnginePool = EnginePool(), options: TransportOptions) {
        self.engines = engines
        self.options = options
        self.options.limits.maxResponseBytes = min(options.limits.maxResponseBytes, Self.maxResponseBytes)
    }

    /// The same connections with other timeouts or TLS settings.
    func with(_ change: (inout TransportOptions) -> Void) -> HTTPFetcher {
        var copy = self
        change(&copy.options)
        return copy
    }

    /// Sends `request` and returns the response, whatever its status. Transport failures
    /// (refused, timed out, TLS) throw the transport's NETWORK or TIMEOUT error.
    func fetch(_ request: HTTPRequest) throws(BedrockError) -> HTTPResponse {
        let engine = try engines.checkout()
        defer { engines.checkin(engine) }
        let transfer = try engine.makeTransfer(request, options: options)
        var collected: [UInt8] = []
        // Room for any credential response up front, so the buffer holding the secrets is
        // not reallocated (leaving an unwiped copy behind) while it fills.
        collected.reserveCapacity(Self.initialCapacity)
        transfer.onBody = { (bytes: UnsafeRawBufferPointer) throws(BedrockError) in
            guard collected.count + bytes.count <= options.limits.maxResponseBytes else {
                throw options.limits.responseTooLarge
            }
            collected.append(contentsOf: bytes)
        }
        let code = try engine.run(transfer, readTimeoutMs: options.readTimeoutMs)
        if let failure = transfer.failure(code) { throw failure }
        // onBody sees only 2xx bodies; an error response's body is collected by the transfer.
        let body = (200..<300).contains(transfer.head.status) ? collected : transfer.body
        return HTTPResponse(head: transfer.head, body: body)
    }
}
