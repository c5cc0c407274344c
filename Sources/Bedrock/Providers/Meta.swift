/// Meta Llama through InvokeModel: the conversation rendered into one prompt with the
/// template of the model's generation, as LangChain's ChatBedrock renders it
/// (`convert_messages_to_prompt_llama`, `_llama3`, `_llama4`).
///
/// Request: `{"prompt", "max_gen_len", "temperature", "top_p", "images"}`; there is no stop
/// sequence and no tool parameter. Response: `{"generation", "prompt_token_count",
/// "generation_token_count", "stop_reason"}`, and stream chunks of the same shape.
struct MetaFormat: InvokeModelFormat {
    enum Template: Equatable {
        /// `[INST]` / `<<SYS>>` (Llama 2 chat).
        case llama2
        /// `<|start_header_id|>role<|end_header_id|>…<|eot_id|>` (Llama 3, 3.1, 3.2, 3.3).
        case llama3
        /// `<|header_start|>role<|header_end|>…<|eot|>` (Llama 4).
        case llama4
    }

    static let parameterKeys = InferenceParameterKeys(maxTokens: "max_gen_len", stop: nil)
    /// Where Llama 3.2's vision models read an image from the request's `images` list.
    static let imageToken = "<|image|>"
    /// The Llama 3.2 models that take images (11B and 90B Vision Instruct).
    static let visionModelMarkers = ["llama3-2-11b", "llama3-2-90b"]

    /// The template the model id selects, as LangChain picks it ("llama4", then "llama3" in
    /// the id). Deliberate difference: an id naming neither (an ARN, a custom model) gets the
    /// Llama 3 template, not Llama 2's; Llama 2 models have left Bedrock.
    static func template(modelId: String) -> Template {
        if modelId.contains("llama4") { return .llama4 }
        if modelId.contains("llama2") { return .llama2 }
        return .llama3
    }

    func supportsTools(modelId: String) -> Bool { false }

    /// Llama has no stop parameter. Deliberate difference: LangChain sends `stop_sequences`,
    /// which Bedrock rejects for Llama; the chat layer truncates at the stop sequence instead.
    func supportsStopSequences(modelId: String) -> Bool { false }

    func requestBody(_ request: ChatRequest, modelId: String, stream: Bool) throws(BedrockError) -> JSON {
        try InvokeBody.rejectTools(request, modelId: modelId)
        let template = Self.template(modelId: modelId)
        let takesImages = template == .llama3 && Self.visionModelMarkers.contains { modelId.contains($0) }
        let turns = try PromptTranscript.turns(request, modelId: modelId,
                                               imagePlaceholder: takesImages ? Self.imageToken : nil)
        var body = InvokeBody.start(request)
        body["prompt"] = .string(Self.prompt(turns, template: template))
        let images = turns.flatMap(\.images)
        if !images.isEmpty { body["images"] = .array(images.map { .string($0) }) }
        try InvokeBody.setParameters(request, keys: Self.parameterKeys, modelId: modelId, in: &body)
        return .object(body)
    }

    static func prompt(_ turns: [PromptTurn], template: Template) -> String {
        switch template {
        case .llama2:
            return turns.map(LlamaInstructTemplate.render).joined(separator: "\n")
        case .llama3:
            let lines = turns.map { "<|start_header_id|>\($0.role.rawValue)<|end_header_id|>\($0.text)<|eot_id|>" }
            return (["<|begin_of_text|>"] + lines + ["<|start_header_id|>assistant<|end_header_id|>\n\n"])
                .joined(separator: "\n")
        case .llama4:
            let lines = turns.map { "<|header_start|>\($0.role.rawValue)<|header_end|>\($0.text)<|eot|>" }
            return (["<|begin_of_text|>"] + lines + ["<|header_start|>assistant<|header_end|>"])
                .joined(separator: "\n")
        }
    }

    func parseResponse(_ body: JSON, modelId: String) throws(BedrockError) -> ProviderReply {
        let reader = ReplyReader(modelId: modelId)
        let piece = try Self.piece(body, reader: reader)
        if piece.text == nil { throw reader.malformed("no generation") }
        return CompletionReply.make(piece, reasoningTags: nil)
    }

    func makeStreamParser(modelId: String) -> any StreamChunkParser {
        let reader = ReplyReader(modelId: modelId, stream: true)
        return CompletionStreamParser { (chunk: JSON) throws(BedrockError) in try Self.piece(chunk, reader: reader) }
    }

    static func piece(_ json: JSON, reader: ReplyReader) throws(BedrockError) -> CompletionPiece {
        let object = try reader.object(json, "body")
        return CompletionPiece(
            text: try reader.optionalString(object["generation"], "generation"),
            stopReason: try reader.optionalString(object["stop_reason"], "stop_reason"),
            usage: try reader.usage(object, input: "prompt_token_count", output: "generation_token_count"))
    }
}

/// The `[INST]` template LangChain uses for Llama 2 and for Mistral's prompt models
/// (`_convert_one_message_to_text_llama` / `_mistral`), one line per message.
enum LlamaInstructTemplate {
    static func render(_ turn: PromptTurn) -> String {
        switch turn.role {
        case .system: "<<SYS>> \(turn.text) <</SYS>>"
        case .user: "[INST] \(turn.text) [/INST]"
        case .assistant, .tool: turn.text
        }
    }
}
