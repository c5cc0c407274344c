import Glibc
import Synchronization

/// A Bedrock Runtime client: resolved configuration, a pool of reusable connections, and
/// cached credentials. Safe to use from many threads at once.
public final class BedrockClient: Sendable {
    let config: ResolvedClientConfig
    private let sessions = CurlSessionPool()
    private let cachedCredentials = Mutex<Credentials?>(nil)

    init(config: ResolvedClientConfig) {
        self.config = config
    }

    public convenience init(_ config: ClientConfig, environment: Environment = .current()) throws(BedrockError) {
        self.init(config: try ResolvedClientConfig(config, environment: environment))
    }

    // MARK: - Operations

    /// Converse: sends a Converse request body and returns the response body text.
    public func converse(modelId: String, request: JSON) throws(BedrockError) -> String {
        let exchange = try start(.converse, modelId: modelId, body: try Self.converseBody(request))
        try exchange.run()
        let body = try successBody(of: exchange)
        guard case .object = try? JSON.parse(body, field: "Converse response") else {
            throw BedrockError(.protocol, "Converse response is not a JSON object", httpStatus: exchange.head.status,
                               requestId: exchange.head.requestId, attempts: 1)
        }
        return String(decoding: body, as: UTF8.self)
    }

    /// ConverseStream: calls `onEvent` with each event as `{"<eventName>": {...}}`, the way boto3
    /// yields them. An exception event ends the call with its mapped status.
    public func converseStream(modelId: String, request: JSON,
                               onEvent: (JSON) throws(BedrockError) -> Void) throws(BedrockError) {
        let exchange = try start(.converseStream, modelId: modelId, body: try Self.converseBody(request))
        var stream = EventStreamResponse()
        var events: [JSON] = []
        exchange.onBody = { (bytes) throws(BedrockError) in
            try stream.feed(bytes) { event in events.append(event) }
        }
        while true {
            // Events decoded before a failure (an exception frame, say) still reach the caller.
            let pumped = Result { () throws(BedrockError) -> Bool in try exchange.pump() }
            for event in events { try onEvent(event) }
            events.removeAll(keepingCapacity: true)
            if try pumped.get() { break }
        }
        _ = try successBody(of: exchange)
        try stream.finish()
    }

    // MARK: - Requests

    /// A Converse request body: a JSON object. A `modelId` member is dropped, since boto3
    /// callers pass it in the request and it belongs in the URL.
    static func converseBody(_ request: JSON) throws(BedrockError) -> [UInt8] {
        guard case .object(var object) = request else {
            throw .invalidArgument("request: expected a JSON object, got \(request.typeName)")
        }
        object["modelId"] = nil
        return Array(JSON.object(object).serialized().utf8)
    }

    /// Builds, signs and starts one request.
    func start(_ operation: RuntimeOperation, modelId: String, body: [UInt8]) throws(BedrockError) -> HTTPExchange {
        try RuntimeOperation.validate(modelId: modelId)
        let path = config.endpoint.wirePath(operation.path(modelId: modelId))
        var headers = [
            ("Host", config.endpoint.hostHeader),
            ("Content-Type", "application/json"),
            ("Accept", operation.accept),
        ]
        switch config.authentication {
        case .bearer(let token):
            headers.append(try mapSigningError { () throws(SigningError) in
                try BearerToken.authorizationHeader(token: token)
            })
        case .sigV4(let chain):
            let signer = SigV4Signer(credentials: try credentials(from: chain),
                                     service: ResolvedClientConfig.signingService, region: config.region)
            headers += try mapSigningError { () throws(SigningError) in
                try signer.sign(method: "POST", host: config.endpoint.hostHeader, path: path, query: "",
                                headers: headers, body: body, timestamp: Int64(time(nil)))
            }
        }
        let request = HTTPRequest(method: "POST", url: config.endpoint.url(path: operation.path(modelId: modelId)),
                                  headers: headers, body: body)
        return try HTTPExchange(request: request, options: config.transport, pool: sessions)
    }

    private func credentials(from chain: CredentialProviderChain) throws(BedrockError) -> Credentials {
        if let cached = cachedCredentials.withLock({ $0 }) { return cached }
        let resolved = try chain.resolve()
        cachedCredentials.withLock { $0 = resolved }
        return resolved
    }

    /// The body of a finished 2xx response, or the error the response describes.
    private func successBody(of exchange: HTTPExchange) throws(BedrockError) -> [UInt8] {
        let head = exchange.head
        guard (200..<300).contains(head.status) else {
            var error = AWSErrorResponse.error(head: head, body: exchange.body)
            error.attempts = 1
            throw error
        }
        return exchange.body
    }
}

private func mapSigningError<T>(_ body: () throws(SigningError) -> T) throws(BedrockError) -> T {
    do {
        return try body()
    } catch {
        throw BedrockError(signingError: error)
    }
}
