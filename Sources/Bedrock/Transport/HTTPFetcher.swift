/// A whole HTTP response: status, headers and body.
struct HTTPResponse: Sendable {
    var head: HTTPResponseHead
    var body: [UInt8]

    var status: Int { head.status }
}

/// One request, one whole response, no retries and no status checks: what the credential
/// providers need to talk to STS, the SSO portal, the container endpoint and IMDS. It runs on
/// the same libcurl transport as Bedrock calls, with its own pool of connections.
struct HTTPFetcher: Sendable {
    /// Credential responses are a few kilobytes; anything far larger is not one.
    static let maxResponseBytes = 1 << 20
    static let initialCapacity = 16 << 10

    let pool: CurlSessionPool
    var options: TransportOptions

    init(pool: CurlSessionPool = CurlSessionPool(), options: TransportOptions) {
        self.pool = pool
        self.options = options
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
        let exchange = try HTTPExchange(request: request, options: options, pool: pool)
        var collected: [UInt8] = []
        // Room for any credential response up front, so the buffer holding the secrets is
        // not reallocated (leaving an unwiped copy behind) while it fills.
        collected.reserveCapacity(Self.initialCapacity)
        exchange.onBody = { (bytes: UnsafeRawBufferPointer) throws(BedrockError) in
            guard collected.count + bytes.count <= Self.maxResponseBytes else {
                throw BedrockError(.protocol, "response is larger than \(Self.maxResponseBytes) bytes")
            }
            collected.append(contentsOf: bytes)
        }
        try exchange.run()
        // onBody sees only 2xx bodies; an error response's body is collected by the exchange.
        let body = (200..<300).contains(exchange.head.status) ? collected : exchange.body
        return HTTPResponse(head: exchange.head, body: body)
    }
}
