/// Amazon's own models on InvokeModel: Titan Text (a `User:`/`Bot:` prompt in `inputText`, as
/// langchain-aws's ChatBedrock renders it) and Nova (the `messages-v1` schema AWS documents for
/// Nova's InvokeModel: Converse's messages with base64 bytes, so `ConverseFormat` builds and
/// reads it, with the differences `ConverseDialect.nova` names). Which one comes from the model id.
struct AmazonFormat: InvokeModelFormat {
    enum Family: Equatable {
        case titanText, nova
    }

    /// Nova's InvokeModel schema version.
    static let novaSchemaVersion = "messages-v1"
    /// Titan's role tags (ChatBedrock's `convert_messages_to_prompt_anthropic` with
    /// `human_prompt="\n\nUser:"`, `ai_prompt="\n\nBot:"`), each followed by a space.
    static let titanUserTag = "\n\nUser:"
    static let titanBotTag = "\n\nBot:"

    /// Nova for `amazon.nova-*` ids (and ARNs that name a Nova model); Titan Text otherwise.
    static func family(modelId: String) -> Family {
        modelId.lowercased().contains("nova") ? .nova : .titanText
    }

    func supportsTools(modelId: String) -> Bool { Self.family(modelId: modelId) == .nova }

    func supportsStopSequences(modelId: String) -> Bool { true }

    func requestBody(_ request: ChatRequest, modelId: String, stream: Bool) throws(BedrockError) -> JSON {
        guard !request.messages.isEmpty else { throw .invalidArgument("messages", "must not be empty") }
        switch Self.family(modelId: modelId) {
        case .titanText: return try titanBody(request)
        case .nova: return try novaBody(request)
        }
    }

    func parseResponse(_ body: JSON, modelId: String) throws(BedrockError) -> ProviderReply {
        switch Self.family(modelId: modelId) {
        case .titanText: return try titanReply(body)
        case .nova: return try ConverseFormat.reply(body, reader: ReplyReader(context: "Nova response"))
        }
    }

    func makeStreamParser(modelId: String) -> any StreamChunkParser {
        switch Self.family(modelId: modelId) {
        case .titanText: TitanStreamParser()
        case .nova: ConverseStreamParser(context: "Nova stream chunk")  // Nova's chunks are Converse's events.
        }
    }

    // MARK: - Titan Text

    private func titanBody(_ request: ChatRequest) throws(BedrockError) -> JSON {
        if !request.effectiveTools.isEmpty {
            throw .invalidArgument(request.tools.isEmpty ? "response_schema" : "tools", "Titan Text models cannot use tools")
        }
        if request.topK != nil { throw .invalidArgument("top_k", "Titan Text models have no top_k parameter") }

        var prompt = ""
        for (index, message) in request.messages.enumerated() {
            let text = try titanText(message, index: index)
            switch message.role {
            case .system: prompt += text
            case .user: prompt += Self.titanUserTag + " " + text
            case .assistant: prompt += Self.titanBotTag + " " + text
            case .tool: throw .invalidArgument("messages[\(index)]", "Titan Text models take no tool messages")
            }
        }
        // The model answers as Bot; a final assistant message is continued instead.
        if request.messages.last?.role != .assistant { prompt += Self.titanBotTag + " " }
        prompt = PythonWhitespace.trimmingTrailing(prompt)

        // ChatBedrock puts model_kwargs inside textGenerationConfig, then its own keys.
        var config = request.modelKwargs
        if let topP = request.topP { config["topP"] = try finiteNumber(topP, field: "top_p") }
        // Deliberate: LangChain's non-streaming path writes them as "stop_sequences", which Titan
        // refuses; its streaming path and Titan's documentation use stopSequences.
        if !request.stop.isEmpty { config["stopSequences"] = .array(request.stop.map { .string($0) }) }
        if let maxTokens = request.maxTokens {
            guard maxTokens >= 0 else { throw .invalidArgument("max_tokens", "must not be negative") }
            if maxTokens > 0 { config["maxTokenCount"] = .int(Int64(maxTokens)) }  // 0 is unset, as in ChatBedrock.
        }
        if let temperature = request.temperature {
            config["temperature"] = try finiteNumber(temperature, field: "temperature")
        }
        return .object(JSONObject(["inputText": .string(prompt), "textGenerationConfig": .object(config)]))
    }

    private func titanText(_ message: ChatMessage, index: Int) throws(BedrockError) -> String {
        var text = ""
        for (position, block) in message.content.enumerated() {
            switch block {
            case .text(let part): text += part
            case .cachePoint, .reasoning: continue  // Titan has neither; nothing to send.
            default:
                throw .invalidArgument("messages[\(index)].content[\(position)]", "Titan Text models take only text")
            }
        }
        return text
    }

    private func titanReply(_ body: JSON) throws(BedrockError) -> ProviderReply {
        let reader = ReplyReader(context: "Titan response")
        let root = try reader.object(body, "body")
        let results = try reader.array(root["results"], "results")
        guard let first = results.first else { throw reader.failure("results", "empty") }
        let result = try reader.object(first, "results[0]")
        let text = try reader.string(result["outputText"], "results[0].outputText")
        var reply = ProviderReply(blocks: text.isEmpty ? [] : [.text(text)])
        reply.providerStopReason = try reader.optionalString(result["completionReason"], "results[0].completionReason")
        if root["inputTextTokenCount"] != nil || result["tokenCount"] != nil {
            reply.usage = ChatUsage(inputTokens: try reader.count(root["inputTextTokenCount"], "inputTextTokenCount"),
                                    outputTokens: try reader.count(result["tokenCount"], "results[0].tokenCount"))
        }
        return reply
    }

    // MARK: - Nova

    /// Nova's body is Converse's message shape (`ConverseFormat.conversation`, with the
    /// `.nova` differences) in InvokeModel's envelope: `schemaVersion`, model_kwargs at the top
    /// level, `topK` inside inferenceConfig, and the guardrail in headers (ChatPlan).
    private func novaBody(_ request: ChatRequest) throws(BedrockError) -> JSON {
        let conversation = try ConverseFormat.conversation(request, dialect: .nova)
        // Converse may go without messages (a Prompt Management prompt brings its own); Nova may not.
        guard !conversation.messages.isEmpty else {
            throw .invalidArgument("messages", "needs a user message besides the system messages")
        }
        // model_kwargs are top-level body members (reasoningConfig, ...); an inferenceConfig
        // among them is the base the request's own parameters are set on.
        var body = request.modelKwargs
        body["schemaVersion"] = .string(Self.novaSchemaVersion)
        if !conversation.system.isEmpty { body["system"] = .array(conversation.system) }
        body["messages"] = .array(conversation.messages)
        var base = JSONObject()
        if let kwarg = request.modelKwargs["inferenceConfig"] {
            guard let object = kwarg.objectValue else {
                throw .invalidArgument("model_kwargs.inferenceConfig", "must be a JSON object, got \(kwarg.typeName)")
            }
            base = object
        }
        let inference = try ConverseFormat.inferenceConfig(request, base: base, dialect: .nova)
        body["inferenceConfig"] = inference.isEmpty ? nil : .object(inference)
        if let toolConfig = conversation.toolConfig { body["toolConfig"] = toolConfig }
        return .object(body)
    }
}

private func finiteNumber(_ value: Double, field: String) throws(BedrockError) -> JSON {
    guard value.isFinite else { throw .invalidArgument("\(field)", "must be a finite number") }
    return .double(value)
}

// MARK: - Streaming

/// Titan Text chunks: `{"outputText", "index", "totalOutputTextTokenCount", "completionReason",
/// "inputTextTokenCount"}`.
struct TitanStreamParser: StreamChunkParser {
    private let reader = ReplyReader(context: "Titan stream chunk")

    mutating func parse(chunk: JSON) throws(BedrockError) -> [ChatDelta] {
        let object = try reader.object(chunk, "chunk")
        var deltas: [ChatDelta] = []
        if let text = try reader.optionalString(object["outputText"], "outputText"), !text.isEmpty {
            deltas.append(.text(index: 0, text: text))
        }
        if object["inputTextTokenCount"] != nil || object["totalOutputTextTokenCount"] != nil {
            deltas.append(.usage(ChatUsage(
                inputTokens: try reader.count(object["inputTextTokenCount"], "inputTextTokenCount"),
                outputTokens: try reader.count(object["totalOutputTextTokenCount"], "totalOutputTextTokenCount"))))
        }
        if let reason = try reader.optionalString(object["completionReason"], "completionReason") {
            deltas.append(.stop(providerReason: reason))
        }
        return deltas
    }
}
