import CCurl
import Synchronization

/// A `bedrock_multi`'s options (options_json), every one optional.
struct MultiOptions {
    enum HTTPVersion: String {
        case http1 = "1.1", http2 = "2", auto
    }

    static let defaultMaxConnections = 64
    /// curl's own default for streams on one HTTP/2 connection.
    static let defaultMaxConcurrentStreams = 100
    static let defaultMaxPending = 10_000
    static let countRange = 1...1_000_000

    var queue = false
    var maxConnections = defaultMaxConnections
    var maxConcurrentStreams = defaultMaxConcurrentStreams
    var maxPending = defaultMaxPending
    var httpVersion = HTTPVersion.auto
    /// The thread that starts a call drives the multi next (the blocking API, pull streams), so
    /// a start needs no wakeup: perform looks at the inbox before it waits.
    var startsFromDrivingThread = false

    init() {}

    /// A blocking call's private multi: HTTP/1.1, as the blocking API has always spoken.
    static let blocking: MultiOptions = {
        var options = MultiOptions()
        options.httpVersion = .http1
        options.startsFromDrivingThread = true
        return options
    }()

    init(json: JSON) throws(BedrockError) {
        guard case .object(let object) = json else {
            throw .invalidArgument("options", "expected a JSON object, got \(json.typeName)")
        }
        let fields = ConfigFields(object: object, context: "options")
        queue = try fields.bool("queue") ?? false
        maxConnections = try fields.integer("max_connections", in: Self.countRange) ?? Self.defaultMaxConnections
        maxConcurrentStreams = try fields.integer("max_concurrent_streams", in: Self.countRange)
            ?? Self.defaultMaxConcurrentStreams
        maxPending = try fields.integer("max_pending", in: Self.countRange) ?? Self.defaultMaxPending
        if let version = try fields.string("http_version") {
            guard let parsed = HTTPVersion(rawValue: version) else {
                throw .invalidArgument("options.http_version", "expected \"1.1\", \"2\" or \"auto\", got \"\(version)\"")
            }
            httpVersion = parsed
        }
        try fields.rejectUnknown(["queue", "max_connections", "max_concurrent_streams", "max_pending", "http_version"])
    }

    /// The CURL_HTTP_VERSION_* for an endpoint: "2" is HTTP/2 through ALPN over TLS and with
    /// prior knowledge over plain http; "auto" is HTTP/2 where TLS offers it, and 1.1 over
    /// plain http (where curl would otherwise hold new requests back, waiting to learn whether
    /// the first connection multiplexes).
    func curlHTTPVersion(endpointScheme: String) -> Int {
        let tls = endpointScheme == "https"
        return switch httpVersion {
        case .http1: Int(CURL_HTTP_VERSION_1_1)
        case .http2: tls ? Int(CURL_HTTP_VERSION_2_0) : Int(CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE)
        case .auto: tls ? Int(CURL_HTTP_VERSION_2TLS) : Int(CURL_HTTP_VERSION_1_1)
        }
    }
}

/// Many calls in flight on one thread that the host's event loop drives (`bedrock_multi`).
///
/// Calls start from any thread: they are queued and the engine is woken. The driving thread
/// (inside `perform` or `socketAction`) signs and sends them, reads what arrives, retries with
/// backoff timers (never a sleep), parks calls that wait for a credential fetch (which runs on
/// a helper thread, so that timeout_ms bounds it too), and then, after curl has returned, hands events and results to the
/// callbacks or the queue. So a callback may start, cancel or free calls freely.
final class BedrockMulti: @unchecked Sendable {
    /// How often in-flight transfers are checked against read_timeout_ms.
    static let readTimeoutSweepMs: UInt64 = 50
    /// Calls signed and sent in one turn of perform or socket_action; the rest wait for the
    /// next turn, which is due at once, so that no turn runs long when thousands start together.
    static let maxStartsPerTurn = 16
    /// Transfers waiting for a connection at one time; more starts wait until some have one.
    /// curl sets up every waiting transfer's connection, or releases every transfer waiting
    /// for a shared HTTP/2 connection, inside one call, so this bounds how long that call runs.
    static let maxConnectingTransfers = 8
    /// How long one turn of perform or socket_action may run: half for the sockets (curl's
    /// reads, TLS handshakes), half for decoding and handing out events. What is left when the
    /// budget runs out waits for the next turn, which is due at once.
    static let turnBudgetMs: UInt64 = 10

    let client: BedrockClient
    let options: MultiOptions
    private let engine: MultiEngine
    private let httpVersion: Int

    /// Work handed over by other threads: calls to start, calls to cancel, fetched credentials.
    private struct Inbox {
        var starts: [MultiCall] = []
        var cancels: [MultiCall] = []
        var credentialResults: [BedrockError?] = []
    }
    private let inbox = Locked(Inbox())
    /// Calls started and not yet done, counted at start for max_pending.
    private let pendingCount = Atomic<Int>(0)
    /// Queue mode: items waiting for bedrock_multi_read.
    private let queue = Locked<[(MultiCall, String)]>([])

    // The driving thread's own state.
    private var active: [ObjectIdentifier: MultiCall] = [:]
    private var byTransfer: [ObjectIdentifier: MultiCall] = [:]
    /// Transfers started that have no connection yet.
    private var connecting = Set<ObjectIdentifier>()
    private var waiting: [MultiCall] = []
    private var parked: [MultiCall] = []
    private var parkedSince: UInt64?
    private var toDispatch: [MultiCall] = []
    private var nextSweep: UInt64 = 0
    private(set) var inCallback = false
    /// Inside perform or socket_action, callbacks and the host's socket and timer hooks included.
    private var driving = false
    private var freeRequested = false

    /// `engine`: one to drive (a blocking call's, from the client's pool), or nil for a new one.
    init(client: BedrockClient, options: MultiOptions, engine: MultiEngine? = nil) throws(BedrockError) {
        self.client = client
        self.options = options
        if let engine {
            self.engine = engine
        } else {
            self.engine = try MultiEngine(settings: .init(maxConnections: options.maxConnections,
                                                          maxConcurrentStreams: options.maxConcurrentStreams))
        }
        httpVersion = options.curlHTTPVersion(endpointScheme: client.config.endpoint.scheme)
    }

    var pollFD: Int32 { engine.pollFD }

    /// Milliseconds until something is due (curl's timer, a retry, a read-timeout check), 0 when
    /// work is waiting, -1 when nothing is pending.
    var timeoutMs: Int {
        let now = monotonicMilliseconds()
        guard let deadline = nextDeadline(now: now) else { return -1 }
        return deadline > now ? Int(deadline - now) : 0
    }

    var running: Int { pendingCount.load(ordering: .acquiring) }

    // MARK: - Starting and cancelling (any thread)

    func start(_ request: MultiCall.Request, kind: MultiCall.Kind, onEvent: MultiCall.EventHandler?,
               onDone: MultiCall.DoneHandler?) throws(BedrockError) -> MultiCall {
        if options.queue, onEvent != nil || onDone != nil {
            throw .invalidArgument("on_done", "a multi in queue mode takes NULL callbacks; read results with bedrock_multi_read")
        }
        if !options.queue, onDone == nil {
            throw .invalidArgument("on_done", "must not be NULL (or create the multi with {\"queue\": true})")
        }
        if !options.queue, kind.isStream, onEvent == nil {
            throw .invalidArgument("on_event", "must not be NULL for a stream (or create the multi with {\"queue\": true})")
        }
        let limit = options.maxPending
        var current = pendingCount.load(ordering: .relaxed)
        while true {
            guard current < limit else {
                throw BedrockError(.limit, "\(limit) calls are already in flight on this multi handle (max_pending)")
            }
            let (exchanged, original) = pendingCount.compareExchange(expected: current, desired: current + 1,
                                                                     ordering: .acquiringAndReleasing)
            if exchanged { break }
            current = original
        }
        let call = MultiCall(request: request, kind: kind, multi: self, retries: client.newRetryAttempts(),
                             transport: client.config.transport,
                             onEvent: onEvent, onDone: onDone)
        inbox.withLock { $0.starts.append(call) }
        if !options.startsFromDrivingThread { engine.wakeup() }
        return call
    }

    /// Called by `MultiCall.cancel`, from any thread.
    func requestCancel(_ call: MultiCall) {
        inbox.withLock { $0.cancels.append(call) }
        engine.wakeup()
    }

    func wakeup() { engine.wakeup() }

    // MARK: - Driving (one thread)

    /// Simple mode: waits up to `waitMs` for work on the poll fd, does it, runs the callbacks.
    func perform(waitMs: Int) throws(BedrockError) -> Int {
        try enterDriving("bedrock_multi_perform")
        defer { driving = false }
        let now = monotonicMilliseconds()
        var wait = max(0, waitMs)
        if let deadline = nextDeadline(now: now) { wait = min(wait, deadline > now ? Int(deadline - now) : 0) }
        if inboxHasWork() { wait = 0 }
        _ = engine.waitAndAct(waitMs: Int32(clamping: wait), budgetMs: Self.turnBudgetMs / 2)
        afterActivity()
        return running
    }

    /// Socket mode: the host saw `fd` ready for `events`, or its timer fired (fd -1).
    func socketAction(fd: Int32, events: Int32) throws(BedrockError) -> Int {
        try enterDriving("bedrock_multi_socket_action")
        defer { driving = false }
        if fd >= 0 { _ = engine.hostSocketReady(fd, events: events) }
        afterActivity()
        return running
    }

    /// Hands sockets and the timer to the host's loop (socket mode), or with nil takes them
    /// back (simple mode): the host is told to stop watching every fd and its timer is cleared.
    func use(_ loop: HostLoop?) throws(BedrockError) {
        if driving {
            throw BedrockError(.invalidArgument, "bedrock_multi_use_loop: called from inside a callback; return first")
        }
        engine.use(loop)
        let now = monotonicMilliseconds()
        engine.armTimer(nextDeadline(now: now), now: now)
    }

    func assign(_ fd: Int32, data: UnsafeMutableRawPointer?) { engine.assign(fd, data: data) }

    /// Queue mode: the oldest item, or nil.
    func read() -> (MultiCall, String)? {
        queue.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    /// Cancels everything in flight, running each `on_done` with CANCELLED. Deferred to the end
    /// of the callbacks when called from inside one.
    func close() {
        if inCallback {
            freeRequested = true
            return
        }
        takeInbox(sending: false)
        for call in Array(active.values) + waiting + parked {
            end(call, BedrockError(.cancelled, "the multi handle was freed"))
        }
        waiting.removeAll()
        parked.removeAll()
        dispatch(until: nil)
        queue.withLock { $0.removeAll() }
        // The host's loop stops watching our fds before the multi goes away.
        engine.use(nil)
    }

    /// perform and socket_action do not nest: not from a callback of ours (on_event, on_done),
    /// nor from the host's own (on_socket, on_timer), which run while one is under way.
    private func enterDriving(_ function: String) throws(BedrockError) {
        if driving || inCallback {
            throw BedrockError(.invalidArgument, "\(function): called from inside a callback; return first")
        }
        driving = true
    }

    /// Whether handed-over work can be done now: starts wait while too many transfers are connecting.
    private func inboxHasWork() -> Bool {
        let canStart = connecting.count < Self.maxConnectingTransfers
        return inbox.withLock { (canStart && !$0.starts.isEmpty) || !$0.cancels.isEmpty || !$0.credentialResults.isEmpty }
    }

    private func afterActivity() {
        let deadline = monotonicMilliseconds() + Self.turnBudgetMs / 2
        takeInbox()
        var now = monotonicMilliseconds()
        engine.runDueTimer(now: now)
        startDue(now: now)
        expireParked(now: now)
        for (transfer, code) in engine.completed() { complete(transfer, code: code) }
        if now >= nextSweep { sweepReadTimeouts(now: now) }
        dispatch(until: deadline)
        // Calls a callback started go out now, not at the next wakeup.
        takeInbox()
        now = monotonicMilliseconds()
        engine.runDueTimer(now: now)
        dispatch(until: deadline)
        engine.armTimer(nextDeadline(now: now), now: now)
        if freeRequested {
            freeRequested = false
            close()
        }
    }

    private func nextDeadline(now: UInt64) -> UInt64? {
        var deadline = engine.curlDeadline
        for call in waiting {
            if let startAt = call.startAt { deadline = min(deadline ?? startAt, startAt) }
        }
        for call in parked {
            if let expiry = call.deadline { deadline = min(deadline ?? expiry, expiry) }
        }
        if !byTransfer.isEmpty, client.config.transport.readTimeoutMs > 0 {
            deadline = min(deadline ?? nextSweep, max(nextSweep, now))
        }
        if !toDispatch.isEmpty || inboxHasWork() { deadline = now }
        return deadline
    }

    /// Takes what other threads handed over. `sending: false` (closing) ends new calls
    /// without sending them.
    private func takeInbox(sending: Bool = true) {
        let room = min(Self.maxStartsPerTurn, max(0, Self.maxConnectingTransfers - connecting.count))
        let work = inbox.withLock { inbox -> Inbox in
            var taken = inbox
            inbox = Inbox()
            if sending, taken.starts.count > room {
                inbox.starts = Array(taken.starts.dropFirst(room))
                taken.starts.removeLast(taken.starts.count - room)
            }
            return taken
        }
        // A call cancelled before it was taken is already done.
        for call in work.starts where !call.finished {
            active[ObjectIdentifier(call)] = call
            if sending {
                attempt(call)
            } else {
                end(call, BedrockError(.cancelled, "the multi handle was freed"))
            }
        }
        for call in work.cancels where !call.finished {
            end(call, BedrockError(.cancelled, "the call was cancelled"))
        }
        for failure in work.credentialResults { credentialsFetched(failure) }
    }

    // MARK: - Attempts

    /// Sends the call's next attempt now, or sets it waiting: for the rate limiter, or parked
    /// until credentials are fetched.
    private func attempt(_ call: MultiCall) {
        guard !call.finished else { return }
        if call.cancelRequested.load(ordering: .acquiring) {
            return end(call, BedrockError(.cancelled, "the call was cancelled"))
        }
        let now = monotonicMilliseconds()
        if let deadline = call.deadline, now >= deadline { return end(call, call.timedOut) }
        let wait = call.retries.secondsBeforeAttempt()
        if wait > 0 {
            let delay = UInt64(wait * 1_000)
            if let deadline = call.deadline, now + delay >= deadline { return end(call, call.timedOut) }
            call.startAt = now + delay
            call.metrics.retryWaitMs += delay
            waiting.append(call)
            return
        }
        do throws(BedrockError) {
            guard let request = try client.signedRequest(call.request) else { return park(call) }
            var transport = client.config.transport
            // curl ends the attempt when the call's time is up.
            if let deadline = call.deadline { transport.timeoutMs = Int(deadline - now) }
            // Bedrock takes an event-stream request body only over HTTP/2.
            let version = call.request.inputEvents != nil && client.config.endpoint.scheme == "https"
                ? Int(CURL_HTTP_VERSION_2_0) : httpVersion
            let transfer = try engine.makeTransfer(request, options: transport, httpVersion: version)
            if call.kind.isStream {
                transfer.onBody = { [unowned call, unowned self] (bytes) throws(BedrockError) in
                    call.receive(bytes)
                    self.markForDispatch(call)
                }
            }
            let id = ObjectIdentifier(transfer)
            transfer.onConnected = { [unowned self] in self.connecting.remove(id) }
            try engine.start(transfer)
            connecting.insert(id)
            call.transfer = transfer
            call.metrics.attempts += 1
            client.log(.info, "request", [("operation", .string(call.request.operationName)),
                                          ("model_id", call.request.modelId.map(JSON.string) ?? .null),
                                          ("attempt", .int(Int64(call.metrics.attempts)))])
            client.log(.debug, "request_headers", [("headers", ClientLog.headers(request.headers))])
            call.startAt = monotonicMilliseconds()
            byTransfer[ObjectIdentifier(transfer)] = call
        } catch {
            end(call, error)
        }
    }

    /// Sets the call aside until credentials are fetched, on a helper thread: the first call
    /// parked starts the fetch.
    private func park(_ call: MultiCall) {
        parked.append(call)
        guard parkedSince == nil else { return }
        parkedSince = monotonicMilliseconds()
        client.log(.info, "credentials_fetch", [("parked_calls", .int(Int64(parked.count)))])
        client.fetchCredentialsInBackground { [weak self] failure in
            guard let self else { return }
            self.inbox.withLock { $0.credentialResults.append(failure) }
            self.engine.wakeup()
        }
    }

    private func startDue(now: UInt64) {
        guard waiting.contains(where: { ($0.startAt ?? 0) <= now }) else { return }
        let due = waiting.filter { ($0.startAt ?? 0) <= now }
        waiting.removeAll { ($0.startAt ?? 0) <= now }
        for call in due { attempt(call) }
    }

    /// Ends the calls whose timeout_ms ran out while they waited for credentials.
    private func expireParked(now: UInt64) {
        for call in parked where call.deadline.map({ $0 <= now }) ?? false {
            call.metrics.credentialWaitMs += parkedSince.map { now - $0 } ?? 0
            end(call, call.timedOut)
        }
    }

    private func credentialsFetched(_ failure: BedrockError?) {
        let calls = parked
        parked.removeAll()
        let waited = parkedSince.map { monotonicMilliseconds() - $0 } ?? 0
        parkedSince = nil
        client.log(failure == nil ? .info : .error, "credentials_fetched",
                   [("wait_ms", .int(Int64(waited))), ("error", failure.map { client.redacted($0).json } ?? .null)])
        for call in calls {
            call.metrics.credentialWaitMs += waited
            if let failure {
                end(call, failure)
            } else {
                attempt(call)
            }
        }
    }

    /// A transfer ended. What it read is kept on the call; the call settles (success, a retry
    /// after backoff, or failure) once its received bytes are decoded, in the dispatch turns,
    /// so that thousands of streams ending together do not make one long turn.
    private func complete(_ transfer: CurlTransfer, code: CURLcode) {
        guard let call = byTransfer[ObjectIdentifier(transfer)] else { return }
        retireTransfer(of: call)
        var failure = transfer.failure(code)
        if failure == nil {
            do throws(BedrockError) {
                try transfer.checkSuccess()
            } catch {
                failure = error
            }
        }
        call.ended = .init(head: transfer.head, body: transfer.body, failure: failure)
        markForDispatch(call)
    }

    /// Takes the call's transfer off the engine, with what curl measured for the attempt. The
    /// transfer's head and body stay readable.
    @discardableResult
    private func retireTransfer(of call: MultiCall) -> CurlTransfer? {
        guard let transfer = call.transfer else { return nil }
        byTransfer.removeValue(forKey: ObjectIdentifier(transfer))
        connecting.remove(ObjectIdentifier(transfer))
        call.metrics.record(easy: transfer.easy, attemptStarted: call.startAt ?? call.metrics.started, head: transfer.head)
        engine.finish(transfer)
        call.transfer = nil
        return transfer
    }

    /// The attempt that ended is fully decoded: the call succeeds, retries or fails.
    private func settle(_ call: MultiCall) {
        guard let ended = call.ended, !call.finished else { return }
        call.ended = nil
        var failure = call.stoppedEarly ? nil : ended.failure
        if failure == nil, !call.stoppedEarly, call.kind.isStream {
            do throws(BedrockError) {
                try call.finishStream()
            } catch {
                failure = error
            }
        }
        call.retries.afterAttempt(error: failure)
        client.log(.info, "response", [("status", .int(Int64(ended.head.status))),
                                       ("request_id", call.metrics.requestId.map(JSON.string) ?? .null),
                                       ("http_version", call.metrics.httpVersion.map(JSON.string) ?? .null),
                                       ("connection_reused", .bool(call.metrics.connectionReused))])
        if var failure {
            if !call.delivered, call.pending.isEmpty, !call.cancelRequested.load(ordering: .acquiring),
               let delay = call.retries.retryDelayMs(after: &failure) {
                let startAt = monotonicMilliseconds() + UInt64(delay)
                if let deadline = call.deadline, startAt >= deadline {
                    failure.message += "; not retried, since timeout_ms (\(deadline - call.metrics.started) ms) would run out first"
                    return end(call, failure)
                }
                client.log(.warn, "retry", [("attempt", .int(Int64(call.metrics.attempts))), ("delay_ms", .int(Int64(delay))),
                                            ("status_name", .string(failure.status.name)),
                                            ("error_type", failure.awsErrorType.map(JSON.string) ?? .null)])
                call.resetForRetry()
                call.startAt = startAt
                call.metrics.retryWaitMs += UInt64(delay)
                waiting.append(call)
                return
            }
            failure.attempts = call.retries.attempt
            return end(call, failure)
        }
        call.retries.recordSuccess()
        do throws(BedrockError) {
            try call.succeed(head: ended.head, body: ended.body)
            finish(call, status: .ok, failure: nil)
        } catch {
            end(call, error)
        }
    }

    /// Ends a call with `error`, wherever it stands.
    private func end(_ call: MultiCall, _ error: BedrockError) {
        guard !call.finished else { return }
        retireTransfer(of: call)
        waiting.removeAll { $0 === call }
        parked.removeAll { $0 === call }
        // A cancelled call hands out nothing more, only its on_done.
        if error.status == .cancelled { call.pending.removeAll() }
        let redacted = client.redacted(error)
        client.log(error.status == .cancelled ? .info : .error, "call_failed", [("error", redacted.json)])
        finish(call, status: error.status, failure: redacted)
    }

    private func finish(_ call: MultiCall, status: BedrockStatus, failure: BedrockError?) {
        call.finished = true
        call.status = status
        call.failure = failure
        if status != .ok { call.result = nil }
        call.metrics.ended = monotonicMilliseconds()
        markForDispatch(call)
    }

    /// Ends the attempts that received nothing for read_timeout_ms; each then settles as any
    /// failed attempt does (a retry if nothing was delivered yet, else the call's failure).
    private func sweepReadTimeouts(now: UInt64) {
        nextSweep = now + Self.readTimeoutSweepMs
        let limit = UInt64(client.config.transport.readTimeoutMs)
        guard limit > 0 else { return }
        let stalled = byTransfer.values.filter { call in
            guard let transfer = call.transfer else { return false }
            // Bytes may have arrived after `now` was read.
            return now > transfer.lastActivity && now - transfer.lastActivity >= limit
        }
        for call in stalled {
            guard let transfer = retireTransfer(of: call) else { continue }
            call.ended = .init(head: transfer.head, body: transfer.body,
                               failure: BedrockError(.timeout, "no data received for \(limit) ms (read_timeout_ms)"))
            markForDispatch(call)
        }
    }

    // MARK: - Callbacks (after curl has returned)

    private func markForDispatch(_ call: MultiCall) {
        guard !call.awaitingDispatch else { return }
        call.awaitingDispatch = true
        toDispatch.append(call)
    }

    /// Decodes what arrived, hands out pending events, then each finished call's result,
    /// exactly once. With a deadline, calls left when it passes wait for the next turn, which
    /// is due at once: one turn never runs long, however many streams are busy.
    private func dispatch(until deadline: UInt64?) {
        guard !toDispatch.isEmpty else { return }
        inCallback = true
        defer { inCallback = false }
        while !toDispatch.isEmpty {
            let calls = toDispatch
            toDispatch.removeAll()
            for (index, call) in calls.enumerated() {
                if let deadline, index > 0, monotonicMilliseconds() >= deadline {
                    toDispatch.insert(contentsOf: calls[index...], at: 0)
                    return
                }
                call.awaitingDispatch = false
                decode(call)
                if call.ended != nil { settle(call) }
                deliverEvents(of: call)
                if call.finished, !call.doneDelivered { deliverDone(call) }
            }
        }
    }

    /// Decodes a stream's received bytes; a failure ends the call after the events before it,
    /// and a client-side stop sequence ends it early, as a success.
    private func decode(_ call: MultiCall) {
        guard call.hasUndecoded, !call.finished else { return }
        do throws(BedrockError) {
            try call.decodeReceived(requestId: call.transfer?.head.requestId ?? call.ended?.head.requestId)
        } catch {
            // An exception frame or a malformed one ends the attempt; it settles as any failed
            // attempt does: retried if nothing reached the caller yet.
            if let transfer = retireTransfer(of: call) {
                call.ended = .init(head: transfer.head, body: transfer.body, failure: error)
            } else {
                call.ended?.failure = error
            }
            return settle(call)
        }
        guard call.stoppedEarly, retireTransfer(of: call) != nil else { return }
        call.retries.afterAttempt(error: nil)
        call.retries.recordSuccess()
        finish(call, status: .ok, failure: nil)
    }

    private func deliverEvents(of call: MultiCall) {
        var index = 0
        while index < call.pending.count, call.finished || !call.cancelRequested.load(ordering: .acquiring) {
            let event = call.pending[index]
            index += 1
            call.delivered = true
            if options.queue {
                let item = "{\"type\":\"event\",\"event\":\(event)}"
                queue.withLock { $0.append((call, item)) }
            } else if let onEvent = call.onEvent, !onEvent(event) {
                call.pending.removeFirst(index)
                stop(call, BedrockError(.cancelled, "cancelled by the event callback"))
                return
            }
        }
        call.pending.removeFirst(index)
    }

    /// The caller stopped the call from a callback: it ends as cancelled, even when its
    /// response had already arrived whole (the events after the stop are dropped).
    private func stop(_ call: MultiCall, _ error: BedrockError) {
        guard call.finished else { return end(call, error) }
        call.pending.removeAll()
        call.status = .cancelled
        call.result = nil
        call.failure = client.redacted(error)
    }

    private func deliverDone(_ call: MultiCall) {
        call.doneDelivered = true
        call.pending.removeAll()
        active.removeValue(forKey: ObjectIdentifier(call))
        call.owner.withLock { $0 = nil }
        pendingCount.subtract(1, ordering: .acquiringAndReleasing)
        if options.queue {
            var item = JSONObject()
            item["type"] = .string("done")
            item["status"] = .int(Int64(call.status.rawValue))
            item["status_name"] = .string(call.status.name)
            // An InvokeModel body that is not JSON goes as a string, never lost.
            item["result"] = call.result.map { (try? JSON.parse($0, field: "result")) ?? .string($0) } ?? .null
            item["error"] = call.failure?.json ?? .null
            queue.withLock { $0.append((call, JSON.object(item).serialized())) }
        } else {
            call.onDone?(call, call.status, call.result, call.failure)
        }
    }
}

// MARK: - Starting each operation

extension BedrockMulti {
    /// bedrock_multi_chat and bedrock_multi_chat_stream: the request is read and planned now,
    /// on the caller's thread, so a bad one fails here.
    func startChat(_ request: ChatRequest, stream: Bool, onEvent: MultiCall.EventHandler?,
                   onDone: MultiCall.DoneHandler?) throws(BedrockError) -> MultiCall {
        let plan = try ChatPlan(request)
        let call = try MultiCall.Request(stream ? plan.streamOperation : plan.operation, modelId: request.model,
                                     body: try plan.body(stream: stream), extraHeaders: plan.extraHeaders)
        let kind: MultiCall.Kind = stream ? .stream(.chat(ChatStreamTranslator(plan: plan))) : .chat(plan)
        return try start(call, kind: kind, onEvent: onEvent, onDone: onDone)
    }

    /// bedrock_multi_converse and bedrock_multi_converse_stream.
    func startConverse(modelId: String, request: JSONText, stream: Bool, onEvent: MultiCall.EventHandler?,
                       onDone: MultiCall.DoneHandler?) throws(BedrockError) -> MultiCall {
        let call = try MultiCall.Request(stream ? .converseStream : .converse, modelId: modelId,
                                     body: try BedrockClient.converseBody(request))
        return try start(call, kind: stream ? .stream(.converse) : .converse, onEvent: onEvent, onDone: onDone)
    }

    /// bedrock_multi_count_tokens: the CountTokens body (`{"input": {...}}`), answered whole.
    func startCountTokens(modelId: String, request: JSON, onDone: MultiCall.DoneHandler?) throws(BedrockError) -> MultiCall {
        guard case .object = request else {
            throw .invalidArgument("request", "expected a JSON object, got \(request.typeName)")
        }
        let call = try MultiCall.Request(.countTokens, modelId: modelId, body: Array(request.serialized().utf8))
        return try start(call, kind: .invokeModel, onEvent: nil, onDone: onDone)
    }

    /// bedrock_multi_invoke_model and bedrock_multi_invoke_model_stream.
    func startInvokeModel(modelId: String, body: JSONText, stream: Bool, onEvent: MultiCall.EventHandler?,
                          onDone: MultiCall.DoneHandler?) throws(BedrockError) -> MultiCall {
        let call = try MultiCall.Request(stream ? .invokeModelWithResponseStream : .invokeModel,
                                     modelId: modelId, body: body.bytes)
        return try start(call, kind: stream ? .stream(.invokeModel) : .invokeModel, onEvent: onEvent, onDone: onDone)
    }
}
