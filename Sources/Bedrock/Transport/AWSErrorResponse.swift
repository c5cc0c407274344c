/// Reads an AWS JSON-protocol error response into a `BedrockError`.
enum AWSErrorResponse {
    /// The status, AWS error type, message and request id of a non-2xx response. The type comes
    /// from `x-amzn-ErrorType` or the body's `__type`/`code`, with any namespace (`ns#Type`) or
    /// suffix (`Type:http://...`) removed. The service's message is cut to `maxMessageBytes`.
    static func error(head: HTTPResponseHead, body: [UInt8],
                      maxMessageBytes: Int = ResponseLimits.defaultMaxErrorMessageBytes) -> BedrockError {
        let parsed = try? JSON.parse(body, field: "error body")
        var type = head.header("x-amzn-ErrorType") ?? parsed?["__type"]?.stringValue ?? parsed?["code"]?.stringValue
        type = type.map(normalizedType)
        let serviceMessage = parsed?["message"]?.stringValue ?? parsed?["Message"]?.stringValue
        let status = BedrockStatus(awsErrorType: type, httpStatus: head.status)
        var message = type ?? "HTTP \(head.status)"
        if let serviceMessage, !serviceMessage.isEmpty {
            message += ": " + truncated(serviceMessage, toBytes: maxMessageBytes)
        } else if parsed == nil, !body.isEmpty {
            message += ": " + String(decoding: body.prefix(200), as: UTF8.self)
        }
        message += " (HTTP \(head.status)"
        if let requestId = head.requestId { message += ", request id \(requestId)" }
        message += ")"
        return BedrockError(status, message, awsErrorType: type, httpStatus: head.status, requestId: head.requestId)
    }

    /// `text` cut to at most `limit` bytes at a character boundary, marked where it was cut.
    static func truncated(_ text: String, toBytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: limit)
        while end.samePosition(in: text.unicodeScalars) == nil { end = text.utf8.index(before: end) }
        return text[..<end] + "... [cut at max_error_message_bytes]"
    }

    static func normalizedType(_ raw: String) -> String {
        var type = Substring(raw)
        if let colon = type.firstIndex(of: ":") { type = type[..<colon] }
        if let hash = type.lastIndex(of: "#") { type = type[type.index(after: hash)...] }
        return type.trimmingWhitespace()
    }
}
