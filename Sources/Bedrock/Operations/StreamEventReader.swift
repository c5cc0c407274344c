/// How a stream's events, as decoded from the event stream, become what the caller receives, as JSON text: ConverseStream events as they are,
/// InvokeModelWithResponseStream chunks as their decoded bytes (the provider's JSON chunk), or
/// chat events. One reader serves the pull streams, the callback forms and the event loop.
enum StreamEventReader {
    case converse
    case invokeModel
    case chat(ChatStreamTranslator)
    /// Any streaming operation by name, each event as boto3 yields it (bedrock_operation_stream).
    case operation(OperationModel)

    /// What one raw event gives the caller.
    /// `metrics` go into a chat stream's final message when a stop sequence ends it here.
    func events(from raw: StreamEvent, requestId: String?,
                         metrics: @autoclosure () -> JSON? = nil) throws(BedrockError) -> [String] {
        switch self {
        case .converse:
            return [raw.text]
        case .invokeModel:
            guard let bytes = try raw.chunkBytes() else { return [] }
            guard let text = losslessText(bytes) else {
                throw BedrockError(.protocol, "an InvokeModelWithResponseStream chunk (\(bytes.count) bytes) is not UTF-8 text without NUL bytes, so a C string cannot carry it")
            }
            return [text]
        case .operation(let model):
            return [try model.event(try raw.json()).serialized()]
        case .chat(let translator):
            return try translator.events(from: raw, requestId: requestId, metrics: metrics()).map { $0.serialized() }
        }
    }

    /// What follows the last raw event: a chat stream's closing events, its final message
    /// carrying `metrics`.
    func finish(requestId: String?, metrics: JSON? = nil) -> [String] {
        guard case .chat(let translator) = self else { return [] }
        return translator.finish(requestId: requestId, metrics: metrics).map { $0.serialized() }
    }

    /// A chat stream cut at a client-side stop sequence has ended: nothing more is read.
    var ended: Bool {
        if case .chat(let translator) = self { return translator.ended }
        return false
    }
}
