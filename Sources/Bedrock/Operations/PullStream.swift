/// A stream the caller reads one event at a time (`bedrock_stream`): chat events
/// (docs/c-api.md, "Chat stream events"), or a raw stream's events as the callback forms
/// deliver them. `next` does the network work on the caller's thread; `cancel` may come from
/// any thread. The callback forms (`bedrock_chat_stream`, `bedrock_converse_stream`,
/// `bedrock_invoke_model_stream`) read one of these to its end.
final class PullStream: @unchecked Sendable {
    /// Kept alive by the stream, which may outlive the caller's reference (bedrock.h).
    let client: BedrockClient
    private let call: EventStreamCall
    private var reader: StreamEventReader
    private var queued: [String] = []
    private var queuedIndex = 0
    private var ended = false

    init(client: BedrockClient, call: EventStreamCall, reader: StreamEventReader) {
        self.client = client
        self.call = call
        self.reader = reader
    }

    /// The next event's JSON text, or nil once the stream has ended.
    func next() throws(BedrockError) -> String? {
        while queuedIndex == queued.count, !ended {
            queued.removeAll(keepingCapacity: true)
            queuedIndex = 0
            if let raw = try call.next() {
                queued = try reader.events(from: raw, requestId: call.head.requestId)
                ended = reader.ended
            } else {
                queued = reader.finish(requestId: call.head.requestId)
                ended = true
            }
        }
        guard queuedIndex < queued.count else { return nil }
        defer { queuedIndex += 1 }
        return queued[queuedIndex]
    }

    /// Ends a blocked or later `next` with CANCELLED. Safe from any thread.
    func cancel() { call.cancel() }
}

extension BedrockClient {
    /// A chat stream (`bedrock_stream_open`, `bedrock_chat_stream`).
    func openChatStream(_ request: ChatRequest) throws(BedrockError) -> PullStream {
        let plan = try ChatPlan(request)
        let call = try openStream(plan.streamOperation, modelId: request.model, body: try plan.body(stream: true),
                                  extraHeaders: plan.extraHeaders)
        return PullStream(client: self, call: call, reader: .chat(ChatStreamTranslator(plan: plan)))
    }

    /// ConverseStream, read as boto3 yields it (`bedrock_converse_stream_open`).
    func openConverseStream(modelId: String, request: JSON) throws(BedrockError) -> PullStream {
        let call = try openStream(.converseStream, modelId: modelId, body: try Self.converseBody(request))
        return PullStream(client: self, call: call, reader: .converse)
    }

    /// InvokeModelWithResponseStream, each chunk's decoded bytes (`bedrock_invoke_model_stream_open`).
    func openInvokeModelStream(modelId: String, body: String) throws(BedrockError) -> PullStream {
        _ = try JSON.parse(body, field: "body_json")
        let call = try openStream(.invokeModelWithResponseStream, modelId: modelId, body: Array(body.utf8))
        return PullStream(client: self, call: call, reader: .invokeModel)
    }
}
