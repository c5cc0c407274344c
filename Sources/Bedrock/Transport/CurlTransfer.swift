import CCurl
import Glibc

/// One request's state on a curl easy handle: how the handle is set up for it, the response
/// head as it arrives, and the body, collected whole or handed to `onBody` as it arrives when
/// the response is a 2xx. Every request, whoever drives it (a blocking call's private multi,
/// an event loop's multi, a credential fetch), is this one type on a `MultiEngine`, so every
/// request is sent and read the same way. The handle's callbacks point at this object: `detach` clears them, and it
/// must be called before the object goes away.
final class CurlTransfer {
    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var detached = false
    /// Where curl writes a readable description of a failure (CURLOPT_ERRORBUFFER). curl keeps
    /// the pointer for the whole transfer, so it is allocated, not an array's storage.
    private let errorBuffer: UnsafeMutablePointer<CChar> = {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        buffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        return buffer
    }()
    private(set) var head = HTTPResponseHead()
    /// A body read whole (no `onBody`, or not a 2xx), up to `limits.maxResponseBytes`.
    private(set) var body: [UInt8] = []
    private let limits: ResponseLimits
    /// When the last byte arrived, on the monotonic clock, for read_timeout_ms.
    private(set) var lastActivity: UInt64
    /// An error raised inside a curl callback, which aborts the transfer.
    private(set) var callbackError: BedrockError?
    /// Receives 2xx body bytes as they arrive. Throwing aborts the transfer with that error.
    var onBody: ((UnsafeRawBufferPointer) throws(BedrockError) -> Void)?
    /// Runs once the transfer has a connection (new, or shared and ready to multiplex), just
    /// before its request goes out.
    var onConnected: (() -> Void)?
    /// A body of `readBodyMinimum` bytes or more, which curl reads through `readCallback`
    /// from `uploadOffset` on. A smaller one curl copies, and sends in the headers' write.
    private var upload: [UInt8] = []
    private var uploadOffset = 0
    /// Below this size (curl's MAX_INITIAL_POST_SIZE), curl 7.88 sends a copied body with the
    /// headers on HTTP/1.1.
    static let readBodyMinimum = 64 * 1024

    /// Sets up `easy` for `request`. `httpVersion` is a `CURL_HTTP_VERSION_*` value.
    init(easy: UnsafeMutableRawPointer, request: HTTPRequest, options: TransportOptions,
         httpVersion: Int = Int(CURL_HTTP_VERSION_1_1)) throws(BedrockError) {
        self.easy = easy
        limits = options.limits
        lastActivity = monotonicMilliseconds()
        do {
            try configure(request, options: options, httpVersion: httpVersion)
        } catch {
            detach()
            throw error
        }
    }

    deinit {
        detach()
        errorBuffer.deallocate()
    }

    /// Drops every option that points into this object (headers, error buffer, callback
    /// context) and the body it was sending, so the handle can be reused; the connection
    /// cache survives a reset.
    func detach() {
        guard !detached else { return }
        detached = true
        curl_easy_reset(easy)
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
        upload = []
    }

    /// Throws the error a finished non-2xx response describes.
    func checkSuccess() throws(BedrockError) {
        guard !(200..<300).contains(head.status) else { return }
        throw AWSErrorResponse.error(head: head, body: body, maxMessageBytes: limits.maxErrorMessageBytes)
    }

    /// The error for a finished transfer's curl result: a callback's own error first, then
    /// curl's words for the failure. Nil for success.
    func failure(_ code: CURLcode) -> BedrockError? {
        if let callbackError { return callbackError }
        guard code != CURLE_OK else { return nil }
        // The error buffer names the host and port ("Failed to connect to 127.0.0.1 port 9").
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

    private func configure(_ request: HTTPRequest, options: TransportOptions, httpVersion: Int) throws(BedrockError) {
        curl_easy_reset(easy)
        try set(CURLOPT_URL, request.url)
        try check(bedrock_curl_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer), CURLOPT_ERRORBUFFER)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_HTTP_VERSION, httpVersion)
        if httpVersion != Int(CURL_HTTP_VERSION_1_1) {
            // Wait for a connection that can multiplex rather than open another (HTTP/2).
            try set(CURLOPT_PIPEWAIT, 1)
        }
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
        let context = Unmanaged.passUnretained(self).toOpaque()
        if request.body.count >= Self.readBodyMinimum {
            // curl reads a large body from here as it sends it, rather than copying it whole
            // into fresh memory: for a body of megabytes, the page faults cost more than the copy.
            upload = request.body
            try set(CURLOPT_POST, 1)
            try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(request.body.count))
            try check(bedrock_curl_setopt_ptr(easy, CURLOPT_READDATA, context), CURLOPT_READDATA)
            try check(bedrock_curl_setopt_data_fn(easy, CURLOPT_READFUNCTION, readCallback), CURLOPT_READFUNCTION)
            try check(bedrock_curl_setopt_ptr(easy, CURLOPT_SEEKDATA, context), CURLOPT_SEEKDATA)
            try check(bedrock_curl_setopt_seek_fn(easy, seekCallback), CURLOPT_SEEKFUNCTION)
        } else if request.method == "POST" || !request.body.isEmpty {
            try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(request.body.count))
            // COPYPOSTFIELDS makes curl own a copy, so the body need not outlive this call.
            let copied = request.body.withUnsafeBytes { buffer in
                bedrock_curl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
            }
            try check(copied, CURLOPT_COPYPOSTFIELDS)
        }
        // curl reads "Name:" as "remove the header" and "Name;" as "send it with no value":
        // an empty value was signed, so it goes out empty. "Expect:" removes curl's own header,
        // which would cost a 100-continue round trip on large bodies. The lines are written
        // into one reused buffer, which curl copies.
        var line: [UInt8] = []
        line.reserveCapacity(256)
        for header in request.headers {
            line.removeAll(keepingCapacity: true)
            line.append(contentsOf: header.name.utf8)
            if header.value.isEmpty {
                line.append(UInt8(ascii: ";"))
            } else {
                line.append(contentsOf: ": ".utf8)
                line.append(contentsOf: header.value.utf8)
            }
            try appendHeaderLine(&line)
        }
        line = Array("Expect:".utf8)
        try appendHeaderLine(&line)
        try check(bedrock_curl_setopt_ptr(easy, CURLOPT_HTTPHEADER, headerList), CURLOPT_HTTPHEADER)
        try check(bedrock_curl_setopt_ptr(easy, CURLOPT_PRIVATE, context), CURLOPT_PRIVATE)
        try check(bedrock_curl_setopt_ptr(easy, CURLOPT_HEADERDATA, context), CURLOPT_HEADERDATA)
        try check(bedrock_curl_setopt_data_fn(easy, CURLOPT_HEADERFUNCTION, headerCallback), CURLOPT_HEADERFUNCTION)
        try check(bedrock_curl_setopt_ptr(easy, CURLOPT_WRITEDATA, context), CURLOPT_WRITEDATA)
        try check(bedrock_curl_setopt_data_fn(easy, CURLOPT_WRITEFUNCTION, writeCallback), CURLOPT_WRITEFUNCTION)
        try check(bedrock_curl_setopt_ptr(easy, CURLOPT_PREREQDATA, context), CURLOPT_PREREQDATA)
        try check(bedrock_curl_setopt_prereq_fn(easy, prereqCallback), CURLOPT_PREREQFUNCTION)
    }

    private func set(_ option: CURLoption, _ value: Int) throws(BedrockError) {
        try check(bedrock_curl_setopt_long(easy, option, value), option)
    }

    private func set(_ option: CURLoption, offset value: curl_off_t) throws(BedrockError) {
        try check(bedrock_curl_setopt_off(easy, option, value), option)
    }

    /// String options: curl copies strings it is given (since 7.17), so a temporary is fine.
    private func set(_ option: CURLoption, _ value: String) throws(BedrockError) {
        let code = value.withCString { bedrock_curl_setopt_ptr(easy, option, $0) }
        try check(code, option)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(BedrockError) {
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            throw BedrockError(code == CURLE_UNKNOWN_OPTION || code == CURLE_NOT_BUILT_IN ? .config : .internal,
                               "curl option \(option.rawValue) was refused: \(reason)")
        }
    }

    // MARK: - Callbacks

    fileprivate func receiveHeader(_ line: UnsafeRawBufferPointer) {
        lastActivity = monotonicMilliseconds()
        // Bytes, not Characters: this runs for every header line of every response.
        var end = line.count
        while end > 0, line[end - 1].isProtocolWhitespace { end -= 1 }
        let text = UnsafeRawBufferPointer(rebasing: line[0..<end])
        if text.starts(with: "HTTP/".utf8) {
            // A new status line (after 100 Continue, say) starts a new header block.
            let fields = text.split(separator: 0x20, maxSplits: 2)
            let status = fields.count > 1 ? Int(String(decoding: fields[1], as: UTF8.self)) ?? 0 : 0
            head = HTTPResponseHead(status: status, headers: [])
        } else if let colon = text.firstIndex(of: UInt8(ascii: ":")) {
            var start = colon + 1
            while start < end, text[start].isProtocolWhitespace { start += 1 }
            head.headers.append((String(decoding: text[..<colon], as: UTF8.self),
                                 String(decoding: text[start..<end], as: UTF8.self)))
        }
    }

    /// A body read whole is given its room once, when its length is announced and within the
    /// limit: no reallocation copies, and peak memory stays near the body's size.
    private func reserveAnnouncedLength() {
        guard body.isEmpty, body.capacity == 0, let announced = head.header("Content-Length").flatMap({ Int($0) }),
              announced > 0, announced <= limits.maxResponseBytes else { return }
        body.reserveCapacity(announced)
    }

    /// Adds `line` to the request's header list, NUL-terminating it for curl, which copies it.
    private func appendHeaderLine(_ line: inout [UInt8]) throws(BedrockError) {
        line.append(0)
        let appended = line.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { curl_slist_append(headerList, $0.baseAddress) }
        }
        guard let appended else { throw BedrockError(.internal, "out of memory building request headers") }
        headerList = appended
    }

    /// Copies the next bytes of the body into curl's buffer; 0 at the end.
    fileprivate func sendBody(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(buffer.count, upload.count - uploadOffset)
        upload.withUnsafeBytes { body in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: body[uploadOffset..<uploadOffset + count]))
        }
        uploadOffset += count
        return count
    }

    /// Where curl resends the body from, when it must (a reused connection that closed).
    fileprivate func rewindBody(to offset: Int) -> Bool {
        guard (0...upload.count).contains(offset) else { return false }
        uploadOffset = offset
        return true
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
            guard body.count + bytes.count <= limits.maxResponseBytes else {
                callbackError = limits.responseTooLarge
                return false
            }
            reserveAnnouncedLength()
            body.append(contentsOf: bytes)
        }
        return true
    }
}

/// The transfer and the bytes a curl data callback was given; nil when curl's size overflows.
private func callbackArguments(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                               _ context: UnsafeMutableRawPointer?) -> (CurlTransfer, UnsafeRawBufferPointer)? {
    let (length, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow, let data, let context else { return nil }
    return (Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue(), UnsafeRawBufferPointer(start: data, count: length))
}

private func headerCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                            _ context: UnsafeMutableRawPointer?) -> Int {
    guard let (transfer, bytes) = callbackArguments(data, size, count, context) else { return 0 }
    transfer.receiveHeader(bytes)
    return bytes.count
}

private func writeCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                           _ context: UnsafeMutableRawPointer?) -> Int {
    guard let (transfer, bytes) = callbackArguments(data, size, count, context) else { return 0 }
    return transfer.receiveBody(bytes) ? bytes.count : 0
}

private func readCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                          _ context: UnsafeMutableRawPointer?) -> Int {
    guard let (transfer, buffer) = callbackArguments(data, size, count, context) else { return Int(CURL_READFUNC_ABORT) }
    return transfer.sendBody(into: UnsafeMutableRawBufferPointer(mutating: buffer))
}

private func seekCallback(_ context: UnsafeMutableRawPointer?, _ offset: curl_off_t, _ origin: Int32) -> Int32 {
    guard let context, origin == SEEK_SET, let offset = Int(exactly: offset),
          Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue().rewindBody(to: offset) else {
        return CURL_SEEKFUNC_CANTSEEK
    }
    return CURL_SEEKFUNC_OK
}

private func prereqCallback(_ context: UnsafeMutableRawPointer?, _ primaryIP: UnsafeMutablePointer<CChar>?,
                            _ localIP: UnsafeMutablePointer<CChar>?, _ primaryPort: Int32, _ localPort: Int32) -> Int32 {
    guard let context else { return CURL_PREREQFUNC_OK }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let connected = transfer.onConnected
    transfer.onConnected = nil
    connected?()
    return CURL_PREREQFUNC_OK
}
