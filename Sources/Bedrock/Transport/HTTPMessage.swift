/// One HTTP request as the transport sends it.
struct HTTPRequest: Sendable {
    var method: String
    var url: String
    var headers: [HTTPHeader]
    var body: [UInt8]
}

/// A header as it goes on the wire; the same shape the signer takes and returns.
typealias HTTPHeader = (name: String, value: String)

/// The status line and headers of a response.
struct HTTPResponseHead: Sendable {
    var status: Int = 0
    var headers: [HTTPHeader] = []

    /// The first header named `name`, compared case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    var requestId: String? { header("x-amzn-RequestId") }
}

/// Timeouts and connection settings for one client.
struct TransportOptions: Sendable, Equatable {
    /// botocore's defaults: 60 s to connect. Reads get longer than botocore's 60 s because a
    /// non-streaming call to a large model can think for minutes before its first byte.
    static let defaultConnectTimeoutMs = 60_000
    static let defaultReadTimeoutMs = 300_000

    var connectTimeoutMs = defaultConnectTimeoutMs
    /// The whole call; 0 means no limit.
    var timeoutMs = 0
    /// The longest silence between two received bytes; 0 means no limit.
    var readTimeoutMs = defaultReadTimeoutMs
    var caFile: String?
    var proxy: String?
    var verifyTLS = true
    var userAgent = ""
    var limits = ResponseLimits()
}

/// How much of a response the library takes in, so that a hostile or broken server cannot
/// make it hold gigabytes. Going over a limit ends the call with `BEDROCK_ERR_LIMIT`.
struct ResponseLimits: Sendable, Equatable {
    /// A body read whole: a non-streamed reply, or an error reply of any operation.
    static let defaultMaxResponseBytes = 64 << 20
    /// One event-stream message, as aws-c-event-stream caps it (its headers at 128 KiB).
    static let defaultMaxEventBytes = 16 << 20
    /// The part of a service's error message kept in the error; the rest is cut.
    static let defaultMaxErrorMessageBytes = 8 << 10
    static let byteRange = 1_024...(4 << 30)

    var maxResponseBytes = defaultMaxResponseBytes
    var maxEventBytes = defaultMaxEventBytes
    var maxErrorMessageBytes = defaultMaxErrorMessageBytes

    /// The error for a body that went over `maxResponseBytes`.
    var responseTooLarge: BedrockError {
        BedrockError(.limit, "the response body is larger than max_response_bytes (\(maxResponseBytes) bytes)")
    }
}
