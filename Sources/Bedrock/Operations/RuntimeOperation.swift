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
        return "/model/\(percentEncoded(modelId))/\(suffix)"
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

