/// The chat API on the client: a request answered whole (`bedrock_chat`); its streams are
/// `PullStream`s (`openChatStream`).
extension BedrockClient {
    /// A chat request answered whole (`bedrock_chat`): the response as JSON text.
    func chat(_ request: ChatRequest) throws(BedrockError) -> String {
        let plan = try ChatPlan(request)
        return try runToEnd(try .init(plan.operation, modelId: request.model, body: try plan.body(stream: false),
                                  extraHeaders: plan.extraHeaders), kind: .chat(plan))
    }

    /// The input tokens a chat request would use (`bedrock_chat_count_tokens`), answered by
    /// CountTokens for the body the request would send: `{"input_tokens": N}`.
    func countChatTokens(_ request: ChatRequest) throws(BedrockError) -> String {
        let plan = try ChatPlan(request)
        // CountTokens takes the foundation model, not an inference profile.
        let reply = try runToEnd(try .init(.countTokens, modelId: plan.baseModelId, body: try plan.countTokensBody()),
                                 kind: .converse)
        guard let count = (try? JSON.parse(reply, field: "CountTokens response"))?["inputTokens"]?.int64Value else {
            throw BedrockError(.protocol, "CountTokens response has no inputTokens")
        }
        return JSON.object(JSONObject(["input_tokens": .int(count)])).serialized()
    }
}

extension ChatPlan {
    /// The CountTokens body for the request: Converse's members that CountTokens takes, or the
    /// InvokeModel body, base64 as the wire carries a blob.
    func countTokensBody() throws(BedrockError) -> [UInt8] {
        let input: JSONObject
        if api == .converse {
            let body = try bodyJSON(stream: false).objectValue ?? JSONObject()
            var converse = JSONObject()
            for member in ["messages", "system", "toolConfig", "additionalModelRequestFields"] {
                if let value = body[member] { converse[member] = value }
            }
            input = JSONObject(["converse": .object(converse)])
        } else {
            input = JSONObject(["invokeModel": .object(JSONObject(["body": .string(base64Encoded(try body(stream: false)))]))])
        }
        return Array(JSON.object(JSONObject(["input": .object(input)])).serialized().utf8)
    }

    /// The chat response for a whole 2xx response, read with the plan's format.
    func reply(head: HTTPResponseHead, body bytes: [UInt8]) throws(BedrockError) -> JSON {
        guard let body = try? JSON.parse(bytes, field: "response") else {
            throw BedrockError(.protocol, "response body is not valid JSON", httpStatus: head.status,
                               requestId: head.requestId)
        }
        var accumulator = ChatAccumulator()
        var extras = ReplyExtras()
        if let format = format {
            let reply = try format.parseResponse(body, modelId: baseModelId)
            accumulator.apply(blocks: reply.blocks)
            accumulator.setProviderStopReason(reply.providerStopReason)
            if let usage = ChatPlan.usage(headers: head) ?? reply.usage { accumulator.setUsage(usage) }
            if body[ChatPlan.guardrailActionMember]?.stringValue == "INTERVENED" {
                accumulator.setProviderStopReason(StopReason.guardrailIntervened)
                extras.trace = body[ChatPlan.guardrailTraceMember]
            }
            extras.serviceTier = head.header(ChatPlan.serviceTierHeader)
        } else {
            let reply = try ConverseFormat().parseResponse(body)
            accumulator.apply(blocks: reply.blocks)
            accumulator.setProviderStopReason(reply.providerStopReason)
            if let usage = reply.usage { accumulator.setUsage(usage) }
            extras.read(converse: body)
        }
        var clientStopped = false
        if !clientStops.isEmpty {
            var cutAccumulator = ChatAccumulator()
            let blocks = accumulator.blocks.map { block -> ContentBlock in
                guard case .text(let text) = block, !clientStopped else { return block }
                let (kept, stopped) = StopSequenceCutter.cut(text, stops: clientStops)
                clientStopped = stopped
                return .text(kept)
            }
            cutAccumulator.apply(blocks: blocks)
            cutAccumulator.setUsage(accumulator.usage)
            cutAccumulator.setProviderStopReason(accumulator.providerStopReason)
            accumulator = cutAccumulator
        }
        return response(from: accumulator, requestId: head.requestId, extras: extras,
                             clientStopped: clientStopped).json
    }
}
