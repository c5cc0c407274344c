/// A stream the caller reads one event at a time (`bedrock_stream`): chat events
/// (docs/c-api.md, "Chat stream events"), or a raw stream's events as the callback forms
/// deliver them. `next` does the network work on the caller's thread; `cancel` may come from
/// any thread. The callback forms (`bedrock_chat_stream`, `bedrock_converse_stream`,
/// `bedrock_invoke_model_stream`) read one of these to its end.
final class PullStream: @unchecked Sendable {
    /// What the private multi hands over as it runs, kept apart from the stream so that the
    /// multi's callbacks do not hold the stream itself.
    private final class Inbox {
        var events: [String] = []
        var next = 0
        var outcome: (status: BedrockStatus, failure: BedrockError?)?
    }

    /// Kept alive by the stream, which may outlive the caller's reference (bedrock.h).
    let client: BedrockClient
    private let engine: MultiEngine
    private let multi: BedrockMulti
    private let call: MultiCall
    private let inbox = Inbox()

    /// Starts the call on a private multi; it is signed and sent by the first `next`.
    init(client: BedrockClient, request: MultiCall.Request, reader: StreamEventReader) throws(BedrockError) {
        self.client = client
        engine = try client.engines.checkout()
        do {
            multi = try BedrockMulti(client: client, options: .blocking, engine: engine)
            let inbox = self.inbox
            call = try multi.start(request, kind: .stream(reader), onEvent: { event in
                inbox.events.append(event)
                return true
            }, onDone: { _, status, _, failure in
                inbox.outcome = (status, failure)
            })
        } catch {
            client.engines.checkin(engine)
            throw error
        }
    }

    deinit {
        // A stream freed before its end is cancelled: its connection closes, and the engine
        // goes back to the pool with nothing on it.
        multi.close()
        client.engines.checkin(engine)
    }

    /// The next event's JSON text, or nil once the stream has ended. A failure is thrown
    /// after the events before it, and again by every later call.
    func next() throws(BedrockError) -> String? {
        while inbox.next == inbox.events.count, inbox.outcome == nil {
            _ = try multi.perform(waitMs: BedrockClient.blockingWaitSliceMs)
        }
        if inbox.next < inbox.events.count {
            defer {
                inbox.next += 1
                if inbox.next == inbox.events.count {
                    inbox.events.removeAll(keepingCapacity: true)
                    inbox.next = 0
                }
            }
            return inbox.events[inbox.next]
        }
        if let failure = inbox.outcome?.failure { throw failure }
        return nil
    }

    /// Ends a blocked or later `next` with CANCELLED. Safe from any thread.
    func cancel() { call.cancel() }
}

extension BedrockClient {
    /// A chat stream (`bedrock_stream_open`, `bedrock_chat_stream`).
    func openChatStream(_ request: ChatRequest) throws(BedrockError) -> PullStream {
        let plan = try ChatPlan(request)
        return try PullStream(client: self, request: try .init(plan.streamOperation, modelId: request.model,
                                                          body: try plan.body(stream: true), extraHeaders: plan.extraHeaders),
                              reader: .chat(ChatStreamTranslator(plan: plan)))
    }

    /// ConverseStream, read as boto3 yields it (`bedrock_converse_stream_open`).
    func openConverseStream(modelId: String, request: JSONText) throws(BedrockError) -> PullStream {
        try PullStream(client: self, request: try .init(.converseStream, modelId: modelId,
                                                          body: try Self.converseBody(request)), reader: .converse)
    }

    /// Any streaming operation by name, each event as boto3 yields it (`bedrock_operation_stream`).
    func openOperationStream(_ name: String, params: JSON) throws(BedrockError) -> PullStream {
        let model = try OperationModel.named(name)
        guard model.streams else {
            throw .invalidArgument("operation", "\(name) does not stream: call bedrock_operation")
        }
        return try PullStream(client: self, request: try model.request(params: params), reader: .operation(model))
    }

    /// InvokeModelWithResponseStream, each chunk's decoded bytes (`bedrock_invoke_model_stream_open`).
    func openInvokeModelStream(modelId: String, body: JSONText) throws(BedrockError) -> PullStream {
        try PullStream(client: self, request: try .init(.invokeModelWithResponseStream, modelId: modelId,
                                                       body: body.bytes), reader: .invokeModel)
    }
}
