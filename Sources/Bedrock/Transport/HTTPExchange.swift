import CCurl
import Glibc
import Synchronization

/// One request in flight on a `CurlSession`, driven through curl's multi interface so that the
/// caller's thread does the work: `pump` moves bytes until something arrives or time passes.
/// The request and response themselves are a `CurlTransfer`: response body bytes go to
/// `onBody` as they arrive when the response is a 2xx and a body consumer is set (streaming);
/// otherwise they are collected in `body`.
/// One thread drives an exchange; only `cancel` may be called from others.
final class HTTPExchange: @unchecked Sendable {
    /// How long one `curl_multi_poll` may sleep before we check the clock and cancellation.
    private static let pollSliceMs: Int32 = 1_000

    private let session: CurlSession
    private let pool: CurlSessionPool
    private let options: TransportOptions
    private let transfer: CurlTransfer
    private var running = true
    private var released = false
    private let cancelled = Atomic<Bool>(false)

    var head: HTTPResponseHead { transfer.head }
    var body: [UInt8] { transfer.body }
    /// Receives 2xx body bytes as they arrive. Throwing aborts the transfer with that error.
    var onBody: ((UnsafeRawBufferPointer) throws(BedrockError) -> Void)? {
        get { transfer.onBody }
        set { transfer.onBody = newValue }
    }

    init(request: HTTPRequest, options: TransportOptions, pool: CurlSessionPool) throws(BedrockError) {
        let session = try pool.checkout()
        let transfer: CurlTransfer
        do {
            transfer = try CurlTransfer(easy: session.easy, request: request, options: options)
        } catch {
            pool.checkin(session)
            throw error
        }
        self.session = session
        self.pool = pool
        self.options = options
        self.transfer = transfer
        let added = curl_multi_add_handle(session.multi, session.easy)
        guard added == CURLM_OK else {
            release()
            throw BedrockError(.internal, "curl_multi_add_handle failed: \(String(cString: curl_multi_strerror(added)))")
        }
    }

    deinit {
        release()
    }

    /// Asks a pump in progress (on any thread) to stop; it then throws CANCELLED.
    func cancel() {
        cancelled.store(true, ordering: .releasing)
        curl_multi_wakeup(session.multi)
    }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Moves the transfer forward, waiting up to one poll slice for network activity.
    /// Returns true once the response is complete.
    func pump() throws(BedrockError) -> Bool {
        guard running else { return true }
        if isCancelled { throw BedrockError(.cancelled, "the call was cancelled") }
        var stillRunning: Int32 = 0
        let performed = curl_multi_perform(session.multi, &stillRunning)
        if let callbackError = transfer.callbackError { throw callbackError }
        guard performed == CURLM_OK else {
            throw BedrockError(.internal, "curl_multi_perform failed: \(String(cString: curl_multi_strerror(performed)))")
        }
        if stillRunning == 0 {
            running = false
            defer { release() }
            try finish()
            return true
        }
        let waitMs = pollWaitMs()
        var ready: Int32 = 0
        _ = curl_multi_poll(session.multi, nil, 0, waitMs, &ready)
        if isCancelled { throw BedrockError(.cancelled, "the call was cancelled") }
        if options.readTimeoutMs > 0, monotonicMilliseconds() - transfer.lastActivity >= UInt64(options.readTimeoutMs) {
            throw BedrockError(.timeout, "no data received for \(options.readTimeoutMs) ms (read_timeout_ms)")
        }
        return false
    }

    /// Throws the error a finished non-2xx response describes.
    func checkSuccess() throws(BedrockError) {
        try transfer.checkSuccess()
    }

    /// Pumps until the response is complete.
    func run() throws(BedrockError) {
        while try !pump() {}
    }

    private func pollWaitMs() -> Int32 {
        guard options.readTimeoutMs > 0 else { return Self.pollSliceMs }
        let idle = monotonicMilliseconds() - transfer.lastActivity
        let remaining = UInt64(options.readTimeoutMs) > idle ? UInt64(options.readTimeoutMs) - idle : 0
        return Int32(min(UInt64(Self.pollSliceMs), remaining + 1))
    }

    private func finish() throws(BedrockError) {
        var code = CURLE_OK
        var pending: Int32 = 0
        while let message = curl_multi_info_read(session.multi, &pending) {
            if message.pointee.msg == CURLMSG_DONE { code = message.pointee.data.result }
        }
        if let failure = transfer.failure(code) { throw failure }
    }

    /// Detaches from curl and returns the session to the pool; later calls do nothing.
    private func release() {
        guard !released else { return }
        released = true
        // Removing a handle mid-response makes curl close that connection rather than reuse it.
        curl_multi_remove_handle(session.multi, session.easy)
        transfer.detach()
        pool.checkin(session)
    }
}
