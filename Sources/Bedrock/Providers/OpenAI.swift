/// OpenAI gpt-oss through InvokeModel: chat completions, as LangChain's ChatBedrock sends
/// them (`messages` from `convert_to_openai_messages`, `max_completion_tokens`,
/// `temperature`) → a chat-completion object. On InvokeModel the model's reasoning comes
/// first in the content, between `<reasoning>` tags; it becomes a reasoning block.
///
/// Deliberate differences from LangChain: tools and `tool_choice` are sent (ChatBedrock's
/// `bind_tools` drops them for this provider), stop sequences go under `stop` (LangChain
/// sends `stop_sequences`), and the reasoning is split from the answer.
struct OpenAIFormat: InvokeModelFormat {
    static let dialect = OpenAIChatDialect(
        parameterKeys: InferenceParameterKeys(maxTokens: "max_completion_tokens", stop: "stop"),
        toolChoice: .openAI,
        reasoningTags: .gptOSS)

    func supportsTools(modelId: String) -> Bool { true }

    func supportsStopSequences(modelId: String) -> Bool { true }

    func requestBody(_ request: ChatRequest, modelId: String, stream: Bool) throws(BedrockError) -> JSON {
        // `stream` is left out: Bedrock fills it in to match the operation.
        try OpenAIChatMessages.requestBody(request, modelId: modelId, dialect: Self.dialect)
    }

    func parseResponse(_ body: JSON, modelId: String) throws(BedrockError) -> ProviderReply {
        try OpenAIChatMessages.parseResponse(body, modelId: modelId, dialect: Self.dialect)
    }

    func makeStreamParser(modelId: String) -> any StreamChunkParser {
        OpenAIChatStreamParser(modelId: modelId, dialect: Self.dialect)
    }
}
