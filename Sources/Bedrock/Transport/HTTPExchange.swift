import CCurl
import Glibc
import Synchronization

/// One request in flight on a `CurlSession`, driven through curl's multi interface so that the
/// caller's thread does the work: `pump` moves bytes until something arrives or time passes.
/// Response body bytes go to `onBody` as they arrive when the response is a 2xx and a body
/// consumer is set (streaming); otherwise they are collected in `body`.
/// One thread drives an exchange; only `cancel` may be called from others.
final class HTTPExchange: @unchecked Sendable {
    /// How long one `curl_multi_poll` may sleep before we check the clock and cancellation.
    private static let pollSliceMs: Int32 = 1_000

    private let session: CurlSession
    private let pool: CurlSessionPool
    private let options: TransportOptions
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var running = true
    private var lastActivity: UInt64
    private var released = false
    private var finishedCode: CURLcode?
    /// An error raised inside a curl callback, rethrown by `pump`.
    private var callbackError: BedrockError?
    private let cancelled = Atomic<Bool>(false)

    /// Where curl writes a readable description of a failure (CURLOPT_ERRORBUFFER). curl keeps
    /// the pointer for the whole transfer, so it is allocated, not an array's storage.
    private let errorBuffer: UnsafeMutablePointer<CChar> = {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        buffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        return buffer
    }()
    private(set) var head = HTTPResponseHead()
    private var headComplete = false
    private(set) var body: [UInt8] = []
    /// Receives 2xx body bytes as they arrive. Throwing aborts the transfer with that error.
    var onBody: ((UnsafeRawBufferPointer) throws(BedrockError) -> Void)?

    init(request: HTTPRequest, options: TransportOptions, pool: CurlSessionPool) throws(BedrockError) {
        self.session = try pool.checkout()
        self.pool = pool
        self.options = options
        self.lastActivity = monotonicMilliseconds()
        do {
            try configure(request)
        } catch {
            release()
            throw error
        }
        let added = curl_multi_add_handle(session.multi, session.easy)
        guard added == CURLM_OK else {
            release()
            throw BedrockError(.internal, "curl_multi_add_handle failed: \(String(cString: curl_multi_strerror(added)))")
        }
    }

    deinit {
        release()
        errorBuffer.deallocate()
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
        if let callbackError { throw callbackError }
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
        if options.readTimeoutMs > 0, monotonicMilliseconds() - lastActivity >= UInt64(options.readTimeoutMs) {
            throw BedrockError(.timeout, "no data received for \(options.readTimeoutMs) ms (read_timeout_ms)")
        }
        return false
    }

    /// Throws the error a finished non-2xx response describes.
    func checkSuccess() throws(BedrockError) {
        guard !(200..<300).contains(head.status) else { return }
        throw AWSErrorResponse.error(head: head, body: body)
    }

    /// Pumps until the response is complete.
    func run() throws(BedrockError) {
        while try !pump() {}
    }

    private func pollWaitMs() -> Int32 {
        guard options.readTimeoutMs > 0 else { return Self.pollSliceMs }
        let idle = monotonicMilliseconds() - lastActivity
        let remaining = UInt64(options.readTimeoutMs) > idle ? UInt64(options.readTimeoutMs) - idle : 0
        return Int32(min(UInt64(Self.pollSliceMs), remaining + 1))
    }

    private func finish() throws(BedrockError) {
        var pending: Int32 = 0
        while let message = curl_multi_info_read(session.multi, &pending) {
            if message.pointee.msg == CURLMSG_DONE { finishedCode = message.pointee.data.result }
        }
        if let callbackError { throw callbackError }
        let code = finishedCode ?? CURLE_OK
        guard code == CURLE_OK else { throw transportError(code) }
    }

    /// curl's own words for the failure: its error buffer names the host and port
    /// ("Failed to connect to 127.0.0.1 port 9 ..."), falling back to the code's text.
    private func transportError(_ code: CURLcode) -> BedrockError {
        let description = errorBuffer.pointee == 0 ? String(cString: curl_easy_strerror(code))
            : String(cString: errorBuffer)
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return BedrockError(.timeout, "request timed out: \(description)")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT,
             CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
             CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
             CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return BedrockError(.network, "network error: \(description)")
        default:
            return BedrockError(.network, "network error (curl code \(code.rawValue)): \(description)")
        }
    }

    // MARK: - Setup

    private func configure(_ request: HTTPRequest) throws(BedrockError) {
        let easy = session.easy
        curl_easy_reset(easy)
        try set(CURLOPT_URL, request.url)
        try check(bedrock_curl_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer), CURLOPT_ERRORBUFFER)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        try set(CURLOPT_TCP_NODELAY, 1)
        try set(CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMs)
        try set(CURLOPT_TIMEOUT_MS, options.timeoutMs)
        try set(CURLOPT_USERAGENT, options.userAgent)
        if let caFile = options.caFile { try set(CURLOPT_CAINFO, caFile) }
        if let proxy = options.proxy { try set(CURLOPT_PROXY, proxy) }
        if !options.verifyTLS {
            try set(CURLOPT_SSL_VERIFYPEER, 0)
            try set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        try set(CURLOPT_CUSTOMREQUEST, request.method)
        if request.method == "POST" || !request.body.isEmpty {
            try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(request.body.count))
            // COPYPOSTFIELDS makes curl own a copy, so the body need not outlive this call.
            let copied = request.body.withUnsafeBytes { buffer in
                bedrock_curl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
            }
            try check(copied, CURLOPT_COPYPOSTFIELDS)
        }
        // curl reads "Name:" as "remove the header" and "Name;" as "send it with no value":
        // an empty value was signed, so it goes out empty. "Expect:" removes curl's own header,
        // which would cost a 100-continue round trip on large bodies.
        let lines = request.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" } + ["Expect:"]
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw BedrockError(.internal, "out of memory building request headers")
            }
            headerList = appended
        }
        try check(bedrock_curl_setopt_ptr(easy, CURLOPT_HTTPHEADER, headerList), CURLOPT_HTTPHEADER)
        let context = Unmanaged.passUnretained(self).toOpaque()
        try check(bedrock_curl_setopt_ptr(easy, CURLOPT_HEADERDATA, context), CURLOPT_HEADERDATA)
        try check(bedrock_curl_setopt_data_fn(easy, CURLOPT_HEADERFUNCTION, headerCallback), CURLOPT_HEADERFUNCTION)
        try check(bedrock_curl_setopt_ptr(easy, CURLOPT_WRITEDATA, context), CURLOPT_WRITEDATA)
        try check(bedrock_curl_setopt_data_fn(easy, CURLOPT_WRITEFUNCTION, writeCallback), CURLOPT_WRITEFUNCTION)
    }

    private func set(_ option: CURLoption, _ value: Int) throws(BedrockError) {
        try check(bedrock_curl_setopt_long(session.easy, option, value), option)
    }

    private func set(_ option: CURLoption, offset value: curl_off_t) throws(BedrockError) {
        try check(bedrock_curl_setopt_off(session.easy, option, value), option)
    }

    /// String options: curl copies strings it is given (since 7.17), so a temporary is fine.
    private func set(_ option: CURLoption, _ value: String) throws(BedrockError) {
        let code = value.withCString { bedrock_curl_setopt_ptr(session.easy, option, $0) }
        try check(code, option)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(BedrockError) {
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            throw BedrockError(code == CURLE_UNKNOWN_OPTION || code == CURLE_NOT_BUILT_IN ? .config : .internal,
                               "curl option \(option.rawValue) was refused: \(reason)")
        }
    }

    /// Detaches from curl and returns the session to the pool; later calls do nothing.
    private func release() {
        guard !released else { return }
        released = true
        // Removing a handle mid-response makes curl close that connection rather than reuse it.
        curl_multi_remove_handle(session.multi, session.easy)
        // Drop every option that points into this exchange (headers, error buffer, callback
        // context) before it goes away; the connection cache survives a reset.
        curl_easy_reset(session.easy)
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
        pool.checkin(session)
    }

    // MARK: - Callbacks

    fileprivate func receiveHeader(_ line: UnsafeRawBufferPointer) {
        lastActivity = monotonicMilliseconds()
        var end = line.count
        while end > 0, line[end - 1] == UInt8(ascii: "\n") || line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let text = String(decoding: line[0..<end], as: UTF8.self)
        if text.hasPrefix("HTTP/") {
            // A new status line (after 100 Continue, say) starts a new header block.
            let fields = text.split(separator: " ", maxSplits: 2)
            head = HTTPResponseHead(status: fields.count > 1 ? Int(fields[1]) ?? 0 : 0, headers: [])
            headComplete = false
        } else if text.isEmpty {
            headComplete = true
        } else if let colon = text.firstIndex(of: ":") {
            head.headers.append((String(text[..<colon]), text[text.index(after: colon)...].trimmingWhitespace()))
        }
    }

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        lastActivity = monotonicMilliseconds()
        if let onBody, (200..<300).contains(head.status) {
            do {
                try onBody(bytes)
            } catch {
                callbackError = error
                return false
            }
        } else {
            body.append(contentsOf: bytes)
        }
        return true
    }
}

/// The exchange and the bytes a curl data callback was given; nil when curl's size overflows.
private func callbackArguments(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                               _ context: UnsafeMutableRawPointer?) -> (HTTPExchange, UnsafeRawBufferPointer)? {
    let (length, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow, let data, let context else { return nil }
    return (Unmanaged<HTTPExchange>.fromOpaque(context).takeUnretainedValue(), UnsafeRawBufferPointer(start: data, count: length))
}

private func headerCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                            _ context: UnsafeMutableRawPointer?) -> Int {
    guard let (exchange, bytes) = callbackArguments(data, size, count, context) else { return 0 }
    exchange.receiveHeader(bytes)
    return bytes.count
}

private func writeCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                           _ context: UnsafeMutableRawPointer?) -> Int {
    guard let (exchange, bytes) = callbackArguments(data, size, count, context) else { return 0 }
    return exchange.receiveBody(bytes) ? bytes.count : 0
}
