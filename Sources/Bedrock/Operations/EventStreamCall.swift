/// A streaming operation in flight, read one event at a time: each `next()` drives the
/// transfer on the caller's thread until an event is decoded or the stream ends. Nothing
/// runs in the background, so the caller controls pacing and cancellation.
final class EventStreamCall {
    private let exchange: HTTPExchange
    private var stream = EventStreamResponse()
    private var pending: [JSON] = []
    private var nextPending = 0
    private var finished = false
    private var failure: BedrockError?

    init(exchange: HTTPExchange) {
        self.exchange = exchange
        exchange.onBody = { [unowned self] (bytes) throws(BedrockError) in
            try self.stream.feed(bytes) { event in self.pending.append(event) }
        }
    }

    /// The response's status and headers, once they have arrived.
    var head: HTTPResponseHead { exchange.head }

    /// The next event as `{"<eventName>": payload}`, or nil once the stream has ended.
    /// Events decoded before a failure (an exception frame, say) are handed out before it.
    func next() throws(BedrockError) -> JSON? {
        while true {
            if nextPending < pending.count {
                defer { nextPending += 1 }
                return pending[nextPending]
            }
            pending.removeAll(keepingCapacity: true)
            nextPending = 0
            if let failure { throw failure }
            if finished { return nil }
            do {
                if try exchange.pump() {
                    finished = true
                    try finish()
                }
            } catch {
                failure = error
            }
        }
    }

    /// Ends a blocked or future `next()` with CANCELLED; safe from any thread.
    func cancel() { exchange.cancel() }

    private func finish() throws(BedrockError) {
        let head = exchange.head
        guard (200..<300).contains(head.status) else {
            var error = AWSErrorResponse.error(head: head, body: exchange.body)
            error.attempts = 1
            throw error
        }
        try stream.finish()
    }
}
