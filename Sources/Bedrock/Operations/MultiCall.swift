import CCurl
import Synchronization

/// One call on a `BedrockMulti` (a `bedrock_call`): what it sends, how it reads the response,
/// and where it stands. The multi's driving thread owns every field except `cancelRequested`
/// and `owner`, which a cancel from any thread reads.
final class MultiCall: @unchecked Sendable {
    /// What the call does with the response.
    enum Kind {
        /// The response body, checked to be a JSON object (Converse) or to be text (InvokeModel).
        case converse, invokeModel
        /// The response body byte for byte, in `resultBytes` (bedrock_invoke_model_bytes).
        case invokeModelBytes
        /// Any operation by name: its output shape (bedrock_operation).
        case operation(OperationModel)
        /// The chat response, read with the plan's format.
        case chat(ChatPlan)
        /// A stream's events, read as the reader says; a chat stream's result is its final
        /// `message`'s response.
        case stream(StreamEventReader)

        var isStream: Bool {
            if case .stream = self { return true }
            return false
        }
    }

    /// Receives one event's JSON text; false stops the call (CANCELLED).
    typealias EventHandler = (String) -> Bool
    /// Runs once, after the last event: the status, the result JSON text (nil for raw streams
    /// and failures) and the error.
    typealias DoneHandler = (MultiCall, BedrockStatus, String?, BedrockError?) -> Void

    /// One HTTP request of an operation, before it is signed.
    struct Request {
        /// The operation's name in the service model, and the model, for logs.
        var operationName: String
        var modelId: String?
        var method = "POST"
        /// The resource path, its labels percent-encoded; the endpoint's own path goes first.
        var path: String
        /// The query string as sent, without "?".
        var query = ""
        /// Every header but Host and the authentication ones.
        var headers: [HTTPHeader]
        var body: [UInt8]
        /// A request body that is an event stream (InvokeModelWithBidirectionalStream): its
        /// events, encoded, which each signing wraps in signed envelopes to make the body.
        var inputEvents: [[UInt8]]?

        /// A request to one of the model operations the shorthand functions call, with a JSON
        /// body (or a provider's body) and the answer the operation gives (JSON or a stream).
        init(_ operation: RuntimeOperation, modelId: String, body: [UInt8],
             extraHeaders: [HTTPHeader] = []) throws(BedrockError) {
            try RuntimeOperation.validate(modelId: modelId)
            operationName = operation.name
            self.modelId = modelId
            path = operation.path(modelId: modelId)
            headers = [("Content-Type", "application/json"), ("Accept", operation.accept)] + extraHeaders
            self.body = body
        }

        init(operationName: String, modelId: String?, method: String, path: String, query: String,
             headers: [HTTPHeader], body: [UInt8], inputEvents: [[UInt8]]? = nil) {
            self.operationName = operationName
            self.modelId = modelId
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
            self.inputEvents = inputEvents
        }
    }

    let request: Request
    private(set) var kind: Kind
    let onEvent: EventHandler?
    let onDone: DoneHandler?
    /// The multi until the call is done; a cancel from another thread goes through it.
    let owner: Locked<BedrockMulti?>
    let cancelRequested = Atomic<Bool>(false)

    var retries: RetryAttempts
    /// When timeout_ms runs out for the whole call (attempts, backoff, credential waits).
    let deadline: UInt64?
    var transfer: CurlTransfer?
    /// Retry backoff or a rate-limiter wait: the attempt starts at this time.
    var startAt: UInt64?
    /// Events decoded and not yet handed to the caller, as JSON text.
    var pending: [String] = []
    /// Whether any event reached the caller: a stream is not retried after that.
    var delivered = false
    /// The stream ended early on purpose (a client-side stop sequence): not a failure.
    var stoppedEarly = false
    /// The attempt whose transfer ended, waiting for its bytes to be decoded before the call
    /// settles (`BedrockMulti.settle`).
    struct EndedAttempt {
        var head: HTTPResponseHead
        var body: [UInt8]
        var failure: BedrockError?
    }
    var ended: EndedAttempt?
    var finished = false
    var doneDelivered = false
    /// On the multi's list of calls with something to hand out.
    var awaitingDispatch = false
    var status = BedrockStatus.ok
    var result: String?
    /// The body of an `invokeModelBytes` call.
    private(set) var resultBytes: [UInt8] = []
    var failure: BedrockError?
    var metrics = CallMetrics()
    private let limits: ResponseLimits
    private var decoder: EventStreamResponse
    /// Stream bytes received and not yet decoded: curl's write callback only copies them, and
    /// the driving thread decodes them after curl returns, within each turn's time budget.
    private var undecoded: [UInt8] = []

    init(request: Request, kind: Kind, multi: BedrockMulti, retries: RetryAttempts, transport: TransportOptions,
         onEvent: EventHandler?, onDone: DoneHandler?) {
        self.request = request
        self.kind = kind
        self.owner = Locked(multi)
        self.retries = retries
        self.onEvent = onEvent
        self.onDone = onDone
        limits = transport.limits
        decoder = EventStreamResponse(limits: limits)
        metrics.started = monotonicMilliseconds()
        deadline = transport.timeoutMs > 0 ? metrics.started + UInt64(transport.timeoutMs) : nil
    }

    /// The call's failure when timeout_ms ran out before an attempt could end it.
    var timedOut: BedrockError {
        let limit = (deadline ?? metrics.started) - metrics.started
        var error = BedrockError(.timeout, "the call did not finish within timeout_ms (\(limit) ms)")
        error.attempts = metrics.attempts
        return error
    }

    /// Any thread: asks the multi to end the call with CANCELLED.
    func cancel() {
        guard !cancelRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        owner.withLock { $0 }?.requestCancel(self)
    }

    /// A new attempt reads its stream from the start.
    func resetForRetry() {
        ended = nil
        decoder = EventStreamResponse(limits: limits)
        undecoded.removeAll()
        pending.removeAll()
    }

    // MARK: - Reading the response

    /// Inside curl's write callback: keeps the stream's bytes for `decodeReceived`.
    func receive(_ bytes: UnsafeRawBufferPointer) {
        undecoded.append(contentsOf: bytes)
    }

    var hasUndecoded: Bool { !undecoded.isEmpty }

    /// Decodes the bytes received so far into events for the caller. A stream exception frame
    /// or a malformed frame throws, after the events before it.
    func decodeReceived(requestId: String?) throws(BedrockError) {
        guard !undecoded.isEmpty else { return }
        var bytes: [UInt8] = []
        swap(&bytes, &undecoded)
        defer {
            // Keep the buffer's capacity for the next bytes.
            if undecoded.isEmpty {
                bytes.removeAll(keepingCapacity: true)
                swap(&bytes, &undecoded)
            }
        }
        let outcome = bytes.withUnsafeBytes { raw -> Result<Void, BedrockError> in
            do throws(BedrockError) {
                try decoder.feed(raw) { (event) throws(BedrockError) in
                    guard !stoppedEarly else { return }
                    try accept(event, requestId: requestId)
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try outcome.get()
    }

    private func accept(_ raw: StreamEvent, requestId: String?) throws(BedrockError) {
        guard case .stream(let reader) = kind else { return }
        let events = try reader.events(from: raw, requestId: requestId, metrics: metrics.json(now: monotonicMilliseconds()))
        stoppedEarly = reader.ended
        pending += events
        metrics.events += events.count
        if metrics.firstToken == nil, !events.isEmpty { metrics.firstToken = monotonicMilliseconds() }
        if stoppedEarly { result = Self.message(in: events) }
    }

    /// The response inside a chat stream's closing `message` event.
    private static func message(in events: [String]) -> String? {
        guard let last = events.last, let message = (try? JSON.parse(last, field: "event"))?["message"] else { return nil }
        return message.serialized()
    }

    /// `bytes` as text, when they are UTF-8 with no NUL: a NUL-terminated string carries them
    /// unchanged. Anything else would be altered, so it is a PROTOCOL error instead.
    private func text(of bytes: [UInt8], head: HTTPResponseHead, what: String) throws(BedrockError) -> String {
        if let text = losslessText(bytes) { return text }
        throw BedrockError(.protocol, "\(what) (\(bytes.count) bytes, \(head.header("Content-Type") ?? "no Content-Type")) is not UTF-8 text without NUL bytes, so a C string cannot carry it; bedrock_invoke_model_bytes returns it byte for byte",
                           httpStatus: head.status, requestId: head.requestId)
    }

    /// Checks that the stream did not stop inside a frame.
    func finishStream() throws(BedrockError) {
        guard !stoppedEarly else { return }
        try decoder.finish()
    }

    /// The result of a successful response: the body, the chat response, or for a chat
    /// stream the closing events and the final message.
    func succeed(head: HTTPResponseHead, body: [UInt8]) throws(BedrockError) {
        switch kind {
        case .converse:
            result = try BedrockClient.converseResult(head: head, body: body)
        case .invokeModel:
            result = try text(of: body, head: head, what: "the response body")
        case .invokeModelBytes:
            resultBytes = body
            result = ""
        case .operation(let model):
            result = try model.output(head: head, body: body).serialized()
        case .chat(let plan):
            result = try plan.reply(head: head, body: body).adding("metrics", metrics.json(now: monotonicMilliseconds()))
                .serialized()
        case .stream(let reader):
            guard !stoppedEarly else { return }
            let events = reader.finish(requestId: head.requestId, metrics: metrics.json(now: monotonicMilliseconds()))
            pending += events
            result = Self.message(in: events)
        }
    }
}

/// What `bedrock_call_metrics` reports for one call.
struct CallMetrics {
    var started: UInt64 = 0
    var ended: UInt64?
    var firstByte: UInt64?
    var firstToken: UInt64?
    var attempts = 0
    var retryWaitMs: UInt64 = 0
    var credentialWaitMs: UInt64 = 0
    var bytesSent: Int64 = 0
    var bytesReceived: Int64 = 0
    var events = 0
    var httpVersion: String?
    var connectionReused = false
    var requestId: String?

    /// Reads what curl measured for one finished attempt.
    mutating func record(easy: UnsafeMutableRawPointer, attemptStarted: UInt64, head: HTTPResponseHead) {
        var sent: curl_off_t = 0, received: curl_off_t = 0, headerBytes = 0, firstByteMicros: curl_off_t = 0
        var version = 0, connects = 0
        if bedrock_curl_getinfo_off(easy, CURLINFO_SIZE_UPLOAD_T, &sent) == CURLE_OK { bytesSent += Int64(sent) }
        if bedrock_curl_getinfo_off(easy, CURLINFO_SIZE_DOWNLOAD_T, &received) == CURLE_OK { bytesReceived += Int64(received) }
        if bedrock_curl_getinfo_long(easy, CURLINFO_HEADER_SIZE, &headerBytes) == CURLE_OK { bytesReceived += Int64(headerBytes) }
        if firstByte == nil, bedrock_curl_getinfo_off(easy, CURLINFO_STARTTRANSFER_TIME_T, &firstByteMicros) == CURLE_OK,
           firstByteMicros > 0 {
            firstByte = attemptStarted + UInt64(firstByteMicros / 1_000)
        }
        if bedrock_curl_getinfo_long(easy, CURLINFO_HTTP_VERSION, &version) == CURLE_OK {
            httpVersion = switch version {
            case Int(CURL_HTTP_VERSION_2_0): "2"
            case Int(CURL_HTTP_VERSION_3): "3"
            case Int(CURL_HTTP_VERSION_1_0): "1.0"
            default: "1.1"
            }
        }
        if bedrock_curl_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK { connectionReused = connects == 0 }
        if let id = head.requestId { requestId = id }
    }

    /// The JSON object bedrock_call_metrics returns, and chat responses carry as "metrics".
    func json(now: UInt64) -> JSON {
        func since(_ time: UInt64?) -> JSON { time.map { .int(Int64($0 >= started ? $0 - started : 0)) } ?? .null }
        return .object(JSONObject([
            "attempts": .int(Int64(attempts)),
            "latency_ms": since(ended ?? now),
            "time_to_first_byte_ms": since(firstByte),
            "time_to_first_token_ms": since(firstToken),
            "retry_wait_ms": .int(Int64(retryWaitMs)),
            "credential_wait_ms": .int(Int64(credentialWaitMs)),
            "bytes_sent": .int(bytesSent),
            "bytes_received": .int(bytesReceived),
            "events": .int(Int64(events)),
            "http_version": httpVersion.map(JSON.string) ?? .null,
            "connection_reused": .bool(connectionReused),
            "request_id": requestId.map(JSON.string) ?? .null,
        ]))
    }
}
