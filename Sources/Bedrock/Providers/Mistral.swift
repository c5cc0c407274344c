/// Mistral AI through InvokeModel, in two formats chosen by model id.
///
/// Prompt models (Mistral 7B Instruct, Mixtral 8x7B, Mistral Large 24.02, Mistral Small):
/// `{"prompt", "max_tokens", "stop", "temperature", "top_p", "top_k"}` →
/// `{"outputs": [{"text", "stop_reason"}]}`, with the `[INST]` prompt LangChain writes.
///
/// Chat models (Mistral Large 24.07, Pixtral Large): the chat-completions format
/// (`messages`, `tools`, `tool_choice`) → `{"choices": [{"message", "stop_reason"}]}`.
/// Deliberate difference: LangChain sends these a `prompt` too, which they do not accept.
struct MistralFormat: InvokeModelFormat {
    /// Model-id parts that select the chat-completions format.
    static let chatModelMarkers = ["mistral-large-2407", "pixtral-large"]
    /// Model-id parts of the models that take images.
    static let imageModelMarkers = ["pixtral"]

    /// Deliberate difference: the stop key is `stop`, as Bedrock documents it for Mistral;
    /// LangChain sends `stop_sequences`.
    static let promptParameterKeys = InferenceParameterKeys(maxTokens: "max_tokens", topK: "top_k", stop: "stop")

    static func isChatModel(_ modelId: String) -> Bool {
        chatModelMarkers.contains { modelId.contains($0) }
    }

    static func chatDialect(modelId: String) -> OpenAIChatDialect {
        OpenAIChatDialect(
            parameterKeys: InferenceParameterKeys(maxTokens: "max_tokens", stop: "stop"),
            toolChoice: .mistral,
            toolCallIds: .mistral,
            supportsImages: imageModelMarkers.contains { modelId.contains($0) })
    }

    func supportsTools(modelId: String) -> Bool { Self.isChatModel(modelId) }

    func supportsStopSequences(modelId: String) -> Bool { true }

    func requestBody(_ request: ChatRequest, modelId: String, stream: Bool) throws(BedrockError) -> JSON {
        if Self.isChatModel(modelId) {
            return try OpenAIChatMessages.requestBody(request, modelId: modelId, dialect: Self.chatDialect(modelId: modelId))
        }
        try InvokeBody.rejectTools(request, modelId: modelId)
        let turns = try PromptTranscript.turns(request, modelId: modelId)
        var body = InvokeBody.start(request)
        body["prompt"] = .string(turns.map(LlamaInstructTemplate.render).joined(separator: "\n"))
        try InvokeBody.setParameters(request, keys: Self.promptParameterKeys, modelId: modelId, in: &body)
        return .object(body)
    }

    func parseResponse(_ body: JSON, modelId: String) throws(BedrockError) -> ProviderReply {
        if Self.isChatModel(modelId) {
            return try OpenAIChatMessages.parseResponse(body, modelId: modelId, dialect: Self.chatDialect(modelId: modelId))
        }
        let reader = ReplyReader(modelId: modelId)
        let piece = try Self.outputPiece(body, reader: reader)
        if piece.text == nil { throw reader.malformed("no outputs[0].text") }
        return CompletionReply.make(piece, reasoningTags: nil)
    }

    func makeStreamParser(modelId: String) -> any StreamChunkParser {
        if Self.isChatModel(modelId) {
            return OpenAIChatStreamParser(modelId: modelId, dialect: Self.chatDialect(modelId: modelId))
        }
        let reader = ReplyReader(modelId: modelId, stream: true)
        return CompletionStreamParser { (chunk: JSON) throws(BedrockError) in try Self.outputPiece(chunk, reader: reader) }
    }

    /// `outputs[0]` of a prompt model's body or chunk.
    static func outputPiece(_ json: JSON, reader: ReplyReader) throws(BedrockError) -> CompletionPiece {
        let object = try reader.object(json, "body")
        guard case .array(let outputs)? = object["outputs"], let first = outputs.first else {
            throw reader.malformed("no outputs")
        }
        let output = try reader.object(first, "outputs[0]")
        return CompletionPiece(
            text: try reader.optionalString(output["text"], "outputs[0].text"),
            stopReason: try reader.optionalString(output["stop_reason"], "outputs[0].stop_reason"))
    }
}
