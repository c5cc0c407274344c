/// AI21 Labs Jamba through InvokeModel: the chat-completions format (`messages`,
/// `max_tokens`, `temperature`, `top_p`, `stop`) → `{"choices": [{"message",
/// "finish_reason"}], "usage"}`. ChatBedrock cannot chat with AI21 at all; the body follows
/// Bedrock's Jamba documentation. Jamba 1.5 takes OpenAI-style `tools` but has no
/// `tool_choice`: a forced tool is offered alone, and "none" offers no tools.
struct AI21Format: InvokeModelFormat {
    /// Jamba-Instruct predates tool calling; the Jamba 1.5 models have it.
    static let modelsWithoutTools = ["jamba-instruct"]

    static func dialect(modelId: String) -> OpenAIChatDialect {
        OpenAIChatDialect(
            parameterKeys: InferenceParameterKeys(maxTokens: "max_tokens", stop: "stop"),
            toolChoice: .absent,
            supportsTools: !modelsWithoutTools.contains { modelId.contains($0) })
    }

    func supportsTools(modelId: String) -> Bool { Self.dialect(modelId: modelId).supportsTools }

    func supportsStopSequences(modelId: String) -> Bool { true }

    func requestBody(_ request: ChatRequest, modelId: String, stream: Bool) throws(BedrockError) -> JSON {
        try OpenAIChatMessages.requestBody(request, modelId: modelId, dialect: Self.dialect(modelId: modelId))
    }

    func parseResponse(_ body: JSON, modelId: String) throws(BedrockError) -> ProviderReply {
        try OpenAIChatMessages.parseResponse(body, modelId: modelId, dialect: Self.dialect(modelId: modelId))
    }

    func makeStreamParser(modelId: String) -> any StreamChunkParser {
        OpenAIChatStreamParser(modelId: modelId, dialect: Self.dialect(modelId: modelId))
    }
}
