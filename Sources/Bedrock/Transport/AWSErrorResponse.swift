/// Reads an AWS JSON-protocol error response into a `BedrockError`.
enum AWSErrorResponse {
    /// The status, AWS error type, message and request id of a non-2xx response. The type comes
    /// from `x-amzn-ErrorType` or the body's `__type`/`code`, with any namespace (`ns#Type`) or
    /// suffix (`Type:http://...`) removed.
    static func error(head: HTTPResponseHead, body: [UInt8]) -> BedrockError {
        let parsed = try? JSON.parse(body, field: "error body")
        var type = head.header("x-amzn-ErrorType") ?? parsed?["__type"]?.stringValue ?? parsed?["code"]?.stringValue
        type = type.map(normalizedType)
        let serviceMessage = parsed?["message"]?.stringValue ?? parsed?["Message"]?.stringValue
        let status = BedrockStatus(awsErrorType: type, httpStatus: head.status)
        var message = type ?? "HTTP \(head.status)"
        if let serviceMessage, !serviceMessage.isEmpty {
            message += ": \(serviceMessage)"
        } else if parsed == nil, !body.isEmpty {
            message += ": " + String(decoding: body.prefix(200), as: UTF8.self)
        }
        message += " (HTTP \(head.status)"
        if let requestId = head.requestId { message += ", request id \(requestId)" }
        message += ")"
        return BedrockError(status, message, awsErrorType: type, httpStatus: head.status, requestId: head.requestId)
    }

    static func normalizedType(_ raw: String) -> String {
        var type = Substring(raw)
        if let colon = type.firstIndex(of: ":") { type = type[..<colon] }
        if let hash = type.lastIndex(of: "#") { type = type[type.index(after: hash)...] }
        return type.trimmingWhitespace()
    }
}
