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
        let call = EventStreamCall(exchange: try start(.converseStream, modelId: modelId,
                                                       body: try Self.converseBody(request)))
        while let event = try call.next() { try onEvent(event) }
    }

    /// InvokeModel: sends the provider's own body and returns the response body text.
    public func invokeModel(modelId: String, body: String) throws(BedrockError) -> String {
        _ = try JSON.parse(body, field: "body")
        let exchange = try start(.invokeModel, modelId: modelId, body: Array(body.utf8))
        try exchange.run()
        return String(decoding: try successBody(of: exchange), as: UTF8.self)
    }

    /// InvokeModelWithResponseStream: calls `onChunk` with each chunk's decoded bytes, the
    /// provider's JSON chunk.
    public func invokeModelStream(modelId: String, body: String,
                                  onChunk: ([UInt8]) throws(BedrockError) -> Void) throws(BedrockError) {
        _ = try JSON.parse(body, field: "body")
        let call = EventStreamCall(exchange: try start(.invokeModelWithResponseStream, modelId: modelId,
                                                       body: Array(body.utf8)))
        while let event = try call.next() {
            guard let encoded = event["chunk"]?["bytes"]?.stringValue else { continue }
            guard let bytes = base64Decoded(encoded) else {
                throw BedrockError(.protocol, "InvokeModelWithResponseStream chunk is not valid base64")
            }
            try onChunk(bytes)
        }
    }

    /// CountTokens: `request` is the CountTokens body (`{"input": {...}}`); returns the response text.
    public func countTokens(modelId: String, request: JSON) throws(BedrockError) -> String {
        guard case .object = request else {
            throw .invalidArgument("request: expected a JSON object, got \(request.typeName)")
        }
        let exchange = try start(.countTokens, modelId: modelId, body: Array(request.serialized().utf8))
        try exchange.run()
        return String(decoding: try successBody(of: exchange), as: UTF8.self)
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
    func start(_ operation: RuntimeOperation, modelId: String, body: [UInt8],
               extraHeaders: [HTTPHeader] = []) throws(BedrockError) -> HTTPExchange {
        try RuntimeOperation.validate(modelId: modelId)
        let path = config.endpoint.wirePath(operation.path(modelId: modelId))
        var headers = [
            ("Host", config.endpoint.hostHeader),
            ("Content-Type", "application/json"),
            ("Accept", operation.accept),
        ] + extraHeaders
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
    func successBody(of exchange: HTTPExchange) throws(BedrockError) -> [UInt8] {
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
