/// The Bedrock Runtime operations, with their HTTP paths and the responses they expect.
enum RuntimeOperation: Sendable {
    case converse, converseStream, invokeModel, invokeModelWithResponseStream, countTokens

    static let maxModelIdLength = 2048

    /// The request path, with the model id percent-encoded as one path segment.
    func path(modelId: String) -> String {
        let suffix = switch self {
        case .converse: "converse"
        case .converseStream: "converse-stream"
        case .invokeModel: "invoke"
        case .invokeModelWithResponseStream: "invoke-with-response-stream"
        case .countTokens: "count-tokens"
        }
        return "/model/\(percentEncodePathSegment(modelId))/\(suffix)"
    }

    var isStreaming: Bool { self == .converseStream || self == .invokeModelWithResponseStream }

    /// The operation's name in the service model, for logs.
    var name: String {
        switch self {
        case .converse: "Converse"
        case .converseStream: "ConverseStream"
        case .invokeModel: "InvokeModel"
        case .invokeModelWithResponseStream: "InvokeModelWithResponseStream"
        case .countTokens: "CountTokens"
        }
    }

    var accept: String { isStreaming ? "application/vnd.amazon.eventstream" : "application/json" }

    /// Checks a caller's model id before it goes into a URL, naming the problem and the
    /// argument or request member (`field`) it came from.
    static func validate(modelId: String, field: String = "model_id") throws(BedrockError) {
        if modelId.isEmpty { throw .invalidArgument(field, "must not be empty") }
        if modelId.utf8.count > maxModelIdLength {
            throw .invalidArgument(field, "longer than \(maxModelIdLength) bytes")
        }
        if modelId.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw .invalidArgument(field, "contains a control character")
        }
        // Dots are unreserved, so they are sent as they are: "." and ".." would be path
        // segments that take the request to another path.
        if modelId == "." || modelId == ".." {
            throw .invalidArgument(field, "\"\(modelId)\" is a path segment, not a model id")
        }
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, as botocore encodes a
/// non-greedy URI label: `anthropic.claude-v2:1` becomes `anthropic.claude-v2%3A1` and an
/// ARN's slashes become `%2F`.
func percentEncodePathSegment(_ segment: String) -> String {
    let hex: [Character] = Array("0123456789ABCDEF")
    var encoded = ""
    encoded.reserveCapacity(segment.utf8.count)
    for byte in segment.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
             UInt8(ascii: "."), UInt8(ascii: "~"):
            encoded.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            encoded.append("%")
            encoded.append(hex[Int(byte >> 4)])
            encoded.append(hex[Int(byte & 0x0F)])
        }
    }
    return encoded
}
