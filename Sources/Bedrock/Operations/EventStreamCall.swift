import Synchronization

/// A streaming operation in flight, read one event at a time: each `next()` drives the
/// transfer on the caller's thread until an event is decoded or the stream ends. Nothing
/// runs in the background, so the caller controls pacing and cancellation. Until the first
/// event reaches the caller, a retryable failure reconnects, as the retry mode allows.
final class EventStreamCall: @unchecked Sendable {
    private let connect: () throws(BedrockError) -> HTTPExchange
    private var retries: RetryAttempts
    /// The attempt in flight; guarded because `cancel` may come from another thread.
    private let current = Mutex<HTTPExchange?>(nil)
    private let cancelled = Atomic<Bool>(false)
    private var stream = EventStreamResponse()
    private var pending: [JSON] = []
    private var nextPending = 0
    private var delivered = false
    /// Whether this attempt's outcome has been reported to the rate limiter.
    private var responded = false
    private var finished = false
    private var failure: BedrockError?
    private(set) var head = HTTPResponseHead()

    init(connect: @escaping () throws(BedrockError) -> HTTPExchange, retries: RetryAttempts) {
        self.connect = connect
        self.retries = retries
    }

    /// The next event as `{"<eventName>": payload}`, or nil once the stream has ended.
    /// Events decoded before a failure (an exception frame, say) are handed out before it.
    func next() throws(BedrockError) -> JSON? {
        while true {
            if nextPending < pending.count {
                delivered = true
                defer { nextPending += 1 }
                return pending[nextPending]
            }
            pending.removeAll(keepingCapacity: true)
            nextPending = 0
            if let failure { throw failure }
            if finished { return nil }
            do {
                try advance()
            } catch var error {
                if !responded {
                    responded = true
                    retries.afterAttempt(error: error)
                }
                if !delivered, pending.isEmpty, !cancelled.load(ordering: .acquiring),
                   retries.shouldRetry(after: &error) {
                    current.withLock { $0 = nil }
                    stream = EventStreamResponse()
                    responded = false
                } else {
                    error.attempts = retries.attempt
                    failure = error
                }
            }
        }
    }

    /// Ends a blocked or later `next()` with CANCELLED. Safe from any thread.
    func cancel() {
        cancelled.store(true, ordering: .releasing)
        current.withLock { $0?.cancel() }
    }

    /// Connects if needed, then moves the transfer forward once.
    private func advance() throws(BedrockError) {
        if cancelled.load(ordering: .acquiring) { throw BedrockError(.cancelled, "the call was cancelled") }
        let exchange: HTTPExchange
        if let existing = current.withLock({ $0 }) {
            exchange = existing
        } else {
            retries.beforeAttempt()
            exchange = try connect()
            exchange.onBody = { [unowned self] (bytes) throws(BedrockError) in
                try self.stream.feed(bytes) { event in self.pending.append(event) }
            }
            current.withLock { $0 = exchange }
            // A cancel that raced with connecting reaches the new exchange too.
            if cancelled.load(ordering: .acquiring) { exchange.cancel() }
        }
        let done = try exchange.pump()
        head = exchange.head
        if !responded, head.status != 0, (200..<300).contains(head.status) {
            responded = true
            retries.afterAttempt(error: nil)
        }
        if done {
            try exchange.checkSuccess()
            try stream.finish()
            finished = true
            retries.recordSuccess()
        }
    }
}
