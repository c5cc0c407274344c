/// DeepSeek-R1 through InvokeModel: `{"prompt", "max_tokens", "temperature", "top_p",
/// "stop"}` → `{"choices": [{"text", "stop_reason"}]}`, with the prompt LangChain writes
/// (`convert_messages_to_prompt_deepseek`). R1 writes its reasoning into the text, ending
/// it with `</think>`; the reasoning becomes a reasoning block and the rest the answer.
/// Deliberate difference: LangChain leaves `<think>…</think>` inside the content.
struct DeepSeekFormat: InvokeModelFormat {
    /// Deliberate difference: the stop key is `stop`, as Bedrock documents it for DeepSeek;
    /// LangChain sends `stop_sequences`.
    static let parameterKeys = InferenceParameterKeys(maxTokens: "max_tokens", stop: "stop")

    func supportsTools(modelId: String) -> Bool { false }

    func supportsStopSequences(modelId: String) -> Bool { true }

    func requestBody(_ request: ChatRequest, modelId: String, stream: Bool) throws(BedrockError) -> JSON {
        try InvokeBody.rejectTools(request, modelId: modelId)
        let turns = try PromptTranscript.turns(request, modelId: modelId)
        var body = InvokeBody.start(request)
        body["prompt"] = .string(Self.prompt(turns))
        try InvokeBody.setParameters(request, keys: Self.parameterKeys, modelId: modelId, in: &body)
        return .object(body)
    }

    static func prompt(_ turns: [PromptTurn]) -> String {
        var prompt = "\n<|begin_of_sentence|>"
        for turn in turns {
            switch turn.role {
            case .system: prompt += "<|System|>\(turn.text)"
            case .user: prompt += "<|User|>\(turn.text)"
            case .assistant, .tool: prompt += "<|Assistant|>\(turn.text)"
            }
        }
        return prompt + "<|Assistant|>\n\n"
    }

    func parseResponse(_ body: JSON, modelId: String) throws(BedrockError) -> ProviderReply {
        let reader = ReplyReader(modelId: modelId)
        let piece = try Self.choicePiece(body, reader: reader)
        if piece.text == nil { throw reader.malformed("no choices[0].text") }
        return CompletionReply.make(piece, reasoningTags: .deepSeek)
    }

    func makeStreamParser(modelId: String) -> any StreamChunkParser {
        let reader = ReplyReader(modelId: modelId, stream: true)
        return CompletionStreamParser(reasoningTags: .deepSeek) { (chunk: JSON) throws(BedrockError) in
            try Self.choicePiece(chunk, reader: reader)
        }
    }

    /// `choices[0]` of a body or chunk; streams may end with `finish_reason` instead.
    static func choicePiece(_ json: JSON, reader: ReplyReader) throws(BedrockError) -> CompletionPiece {
        let object = try reader.object(json, "body")
        guard case .array(let choices)? = object["choices"], let first = choices.first else {
            throw reader.malformed("no choices")
        }
        let choice = try reader.object(first, "choices[0]")
        var stopReason = try reader.optionalString(choice["stop_reason"], "stop_reason")
        if stopReason == nil {
            stopReason = try reader.optionalString(choice["finish_reason"], "finish_reason")
        }
        return CompletionPiece(
            text: try reader.optionalString(choice["text"], "choices[0].text"),
            stopReason: stopReason)
    }
}
