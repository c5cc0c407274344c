/// Cohere through InvokeModel, in two formats chosen by model id. ChatBedrock cannot chat
/// with Cohere at all, so both bodies follow Bedrock's Cohere documentation.
///
/// Command and Command Light: `{"prompt", "max_tokens", "temperature", "p", "k",
/// "stop_sequences", "stream"}` → `{"generations": [{"text", "finish_reason"}]}`; stream
/// chunks `{"text", "is_finished"}`, the last with `finish_reason`.
///
/// Command R and R+: `{"message", "chat_history", "preamble", "tools", "tool_results",
/// "max_tokens", "temperature", "p", "k", "stop_sequences"}` → `{"text", "tool_calls",
/// "finish_reason", "meta": {"billed_units"}}`; stream chunks are Cohere chat events
/// (`text-generation`, `tool-calls-chunk`, `tool-calls-generation`, `stream-end`).
struct CohereFormat: InvokeModelFormat {
    enum Variant: Equatable {
        case command
        case commandR
    }

    static let parameterKeys = InferenceParameterKeys(maxTokens: "max_tokens", topP: "p", topK: "k", stop: "stop_sequences")
    /// JSON Schema types as Cohere's `parameter_definitions` name them (langchain-cohere's
    /// `JSON_TO_PYTHON_TYPES`); other names pass through.
    static let parameterTypes = ["string": "str", "number": "float", "boolean": "bool",
                                 "integer": "int", "array": "List", "object": "Dict"]
    /// Roles in Command R's `chat_history`.
    static let userRole = "USER", chatbotRole = "CHATBOT", toolRole = "TOOL"
    /// Command's stream marks its end with this text on some models; it is not content.
    static let endOfStreamToken = "<EOS_TOKEN>"

    static func variant(modelId: String) -> Variant {
        modelId.contains("command-r") ? .commandR : .command
    }

    func supportsTools(modelId: String) -> Bool { Self.variant(modelId: modelId) == .commandR }

    func supportsStopSequences(modelId: String) -> Bool { true }

    func requestBody(_ request: ChatRequest, modelId: String, stream: Bool) throws(BedrockError) -> JSON {
        switch Self.variant(modelId: modelId) {
        case .command:
            try InvokeBody.rejectTools(request, modelId: modelId)
            var body = InvokeBody.start(request)
            body["prompt"] = .string(Self.commandPrompt(try PromptTranscript.turns(request, modelId: modelId)))
            try InvokeBody.setParameters(request, keys: Self.parameterKeys, modelId: modelId, in: &body)
            // Command streams only when the body asks to, as LangChain's BedrockLLM sets it.
            if stream { body["stream"] = .bool(true) }
            return .object(body)
        case .commandR:
            return try CommandRRequest.body(request, modelId: modelId)
        }
    }

    /// Command is a completion model: a lone user message is sent as it is, a longer
    /// conversation as a "User:"/"Chatbot:" transcript ending where the reply goes. The
    /// system prompt comes first, set off by a blank line.
    static func commandPrompt(_ turns: [PromptTurn]) -> String {
        let system = turns.filter { $0.role == .system }.map(\.text).joined(separator: "\n")
        let conversation = turns.filter { $0.role != .system }
        let text: String
        if conversation.count == 1, let only = conversation.first, only.role == .user {
            text = only.text
        } else {
            text = conversation.map { ($0.role == .user ? "User: " : "Chatbot: ") + $0.text }
                .joined(separator: "\n") + "\nChatbot:"
        }
        return system.isEmpty ? text : system + "\n\n" + text
    }

    func parseResponse(_ body: JSON, modelId: String) throws(BedrockError) -> ProviderReply {
        let reader = ReplyReader(modelId: modelId)
        switch Self.variant(modelId: modelId) {
        case .command:
            let root = try reader.object(body, "body")
            guard case .array(let generations)? = root["generations"], let first = generations.first else {
                throw reader.malformed("no generations")
            }
            let generation = try reader.object(first, "generations[0]")
            guard let text = try reader.optionalString(generation["text"], "generations[0].text") else {
                throw reader.malformed("no generations[0].text")
            }
            let reason = try reader.optionalString(generation["finish_reason"], "finish_reason")
            return CompletionReply.make(CompletionPiece(text: text, stopReason: reason), reasoningTags: nil)
        case .commandR:
            return try CommandRResponse.parse(body, reader: reader)
        }
    }

    func makeStreamParser(modelId: String) -> any StreamChunkParser {
        switch Self.variant(modelId: modelId) {
        case .command:
            let reader = ReplyReader(modelId: modelId, stream: true)
            return CompletionStreamParser { (chunk: JSON) throws(BedrockError) in
                let object = try reader.object(chunk, "chunk")
                if object["is_finished"]?.boolValue == true {
                    return CompletionPiece(stopReason: try reader.optionalString(object["finish_reason"], "finish_reason"))
                }
                let text = try reader.optionalString(object["text"], "text")
                return CompletionPiece(text: text == Self.endOfStreamToken ? nil : text)
            }
        case .commandR:
            return CommandRStreamParser(modelId: modelId)
        }
    }
}

// MARK: - Command R request

/// Command R's chat body. The conversation's last user message is `message` and what came
/// before is `chat_history`; when it ends with tool results instead, those are
/// `tool_results`, `message` is empty and the history runs through the assistant's tool
/// calls, as in Cohere's multi-step tool use. System messages become the `preamble`.
enum CommandRRequest {
    enum Turn {
        case user(String)
        case chatbot(String, toolCalls: [JSON])
        case tool([JSON])
    }

    static func body(_ request: ChatRequest, modelId: String) throws(BedrockError) -> JSON {
        var preamble: [String] = []
        var turns: [Turn] = []
        var calls: [String: (name: String, input: JSON)] = [:]

        for (messageIndex, message) in request.messages.enumerated() {
            var texts: [String] = []
            var toolCalls: [JSON] = []
            var results: [JSON] = []
            for (blockIndex, block) in message.content.enumerated() {
                let path = InvokeContent.path(message: messageIndex, block: blockIndex)
                switch block {
                case .text(let text):
                    if !PythonWhitespace.isBlank(text) { texts.append(text) }
                case .toolUse(let id, let name, let input) where message.role == .assistant:
                    calls[id] = (name, input)
                    toolCalls.append(call(name: name, input: input))
                case .toolResult(let id, let content, _) where message.role == .tool || message.role == .user:
                    // A result names its call by id; Cohere wants the call itself back.
                    guard let call = calls[id] else {
                        throw .invalidArgument("\(path)", "tool_result refers to no earlier tool call \"\(id)\"")
                    }
                    results.append(.object(JSONObject([
                        "call": Self.call(name: call.name, input: call.input),
                        "outputs": .array(try outputs(content, at: path, modelId: modelId)),
                    ])))
                case .reasoning, .cachePoint:
                    continue
                default:
                    throw InvokeContent.unsupported(block, at: path, modelId: modelId)
                }
            }
            // Text blocks joined as the chat-message formats join them (LangChain's OpenAI path).
            let text = texts.joined(separator: "\n")
            switch message.role {
            case .system:
                if !text.isEmpty { preamble.append(text) }
            case .user:
                if !results.isEmpty { turns.append(.tool(results)) }
                if !text.isEmpty { turns.append(.user(text)) }
            case .assistant:
                if !text.isEmpty || !toolCalls.isEmpty { turns.append(.chatbot(text, toolCalls: toolCalls)) }
            case .tool:
                if results.isEmpty && !text.isEmpty {
                    throw .invalidArgument("messages[\(messageIndex)]", "a tool message needs a tool_result block")
                }
                if !results.isEmpty { turns.append(.tool(results)) }
            }
        }

        var message = ""
        var toolResults: [JSON] = []
        switch turns.last {
        case .user(let text)?:
            message = text
            turns.removeLast()
        case .tool?:
            while case .tool(let results)? = turns.last {
                toolResults = results + toolResults
                turns.removeLast()
            }
        case .chatbot?, nil:
            throw .invalidArgument("messages", "\(modelId) needs the conversation to end with a user message or tool results")
        }

        var body = InvokeBody.start(request)
        if !preamble.isEmpty { body["preamble"] = .string(preamble.joined(separator: "\n")) }
        if !turns.isEmpty { body["chat_history"] = .array(turns.map(historyEntry)) }
        body["message"] = .string(message)
        try setTools(request, keepForResults: !toolResults.isEmpty, in: &body)
        if !toolResults.isEmpty { body["tool_results"] = .array(toolResults) }
        try InvokeBody.setParameters(request, keys: CohereFormat.parameterKeys, modelId: modelId, in: &body)
        return .object(body)
    }

    static func call(name: String, input: JSON) -> JSON {
        .object(JSONObject(["name": .string(name), "parameters": input]))
    }

    /// A tool result's outputs: Cohere wants a list of objects, so each text becomes
    /// `{"output": text}`, as langchain-cohere's `convert_to_documents` writes them.
    static func outputs(_ content: [ContentBlock], at path: String, modelId: String) throws(BedrockError) -> [JSON] {
        var outputs: [JSON] = []
        for block in content {
            switch block {
            case .text(let text):
                if !PythonWhitespace.isBlank(text) { outputs.append(.object(JSONObject(["output": .string(text)]))) }
            case .cachePoint:
                continue
            default:
                throw .invalidArgument("\(path)", "\(InvokeContent.typeName(block)) content in a tool result is not supported by \(modelId)")
            }
        }
        return outputs.isEmpty ? [.object(JSONObject(["output": .string("")]))] : outputs
    }

    static func historyEntry(_ turn: Turn) -> JSON {
        switch turn {
        case .user(let text):
            return .object(JSONObject(["role": .string(CohereFormat.userRole), "message": .string(text)]))
        case .chatbot(let text, let toolCalls):
            var entry = JSONObject(["role": .string(CohereFormat.chatbotRole), "message": .string(text)])
            if !toolCalls.isEmpty { entry["tool_calls"] = .array(toolCalls) }
            return .object(entry)
        case .tool(let results):
            return .object(JSONObject(["role": .string(CohereFormat.toolRole), "tool_results": .array(results)]))
        }
    }

    /// Command R has no tool_choice: a forced tool (or a response schema) is offered alone,
    /// and "none" offers no tools unless tool results need them (Cohere requires tools with
    /// tool_results). "any" cannot be forced.
    static func setTools(_ request: ChatRequest, keepForResults: Bool, in body: inout JSONObject) throws(BedrockError) {
        var tools = request.effectiveTools
        guard !tools.isEmpty else { return }
        switch request.effectiveToolChoice {
        case .none?:
            if !keepForResults { return }
        case .tool(let name)?:
            guard tools.contains(where: { $0.name == name }) else {
                throw .invalidArgument("tool_choice", "no tool named \"\(name)\"")
            }
            tools = tools.filter { $0.name == name }
        case .auto?, .any?, nil:
            break
        }
        body["tools"] = .array(tools.map(cohereTool))
    }

    /// A tool as Cohere describes one: flat `parameter_definitions` from the schema's
    /// properties, as langchain-cohere's `_convert_to_cohere_tool` derives them.
    static func cohereTool(_ tool: ToolSpec) -> JSON {
        var definitions = JSONObject()
        let required = Set((tool.inputSchema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        for (name, property) in tool.inputSchema["properties"]?.objectValue?.pairs ?? [] {
            var definition = JSONObject()
            if let description = property["description"]?.stringValue { definition["description"] = .string(description) }
            if let type = schemaType(property) {
                definition["type"] = .string(CohereFormat.parameterTypes[type] ?? type)
            }
            definition["required"] = .bool(required.contains(name))
            definitions[name] = .object(definition)
        }
        return .object(JSONObject([
            "name": .string(tool.name),
            // Cohere requires a description; the name stands in, as langchain-cohere does.
            "description": .string(tool.description ?? tool.name),
            "parameter_definitions": .object(definitions),
        ]))
    }

    /// A property's JSON Schema type; for `anyOf` or a type list, the first that is not "null".
    static func schemaType(_ property: JSON) -> String? {
        switch property["type"] {
        case .string(let type)?: return type
        case .array(let types)?: return types.compactMap(\.stringValue).first { $0 != "null" }
        default: break
        }
        return property["anyOf"]?.arrayValue?.compactMap { $0["type"]?.stringValue }.first { $0 != "null" }
    }
}

// MARK: - Command R response

enum CommandRResponse {
    static func parse(_ body: JSON, reader: ReplyReader) throws(BedrockError) -> ProviderReply {
        let root = try reader.object(body, "body")
        let text = try reader.optionalString(root["text"], "text") ?? ""
        let generationId = try reader.optionalString(root["generation_id"], "generation_id")
        var toolCalls: [ContentBlock] = []
        if case .array(let calls)? = root["tool_calls"] {
            for (position, call) in calls.enumerated() {
                let (name, input) = try toolCall(call, position: position, reader: reader)
                toolCalls.append(.toolUse(id: toolCallId(generationId: generationId, position: position),
                                          name: name, input: input))
            }
        }
        return ProviderReply(
            blocks: ProviderReply.blocks(reasoning: nil, text: text, toolCalls: toolCalls),
            providerStopReason: try reader.optionalString(root["finish_reason"], "finish_reason"),
            usage: try usage(root, reader: reader))
    }

    /// Cohere's tool calls carry no id; each gets one from the generation id and its position.
    static func toolCallId(generationId: String?, position: Int) -> String {
        "\(generationId ?? "call")_\(position)"
    }

    static func toolCall(_ json: JSON, position: Int, reader: ReplyReader) throws(BedrockError) -> (String, JSON) {
        let call = try reader.object(json, "tool_calls[\(position)]")
        guard let name = try reader.optionalString(call["name"], "tool call name") else {
            throw reader.malformed("tool_calls[\(position)] has no name")
        }
        switch call["parameters"] {
        case nil, .null?: return (name, .object(JSONObject()))
        case let parameters?: return (name, parameters)
        }
    }

    /// `meta.billed_units` token counts.
    static func usage(_ root: JSONObject, reader: ReplyReader) throws(BedrockError) -> ChatUsage? {
        guard case .object(let units)? = root["meta"]?["billed_units"] else { return nil }
        return try reader.usage(units, input: "input_tokens", output: "output_tokens", at: "meta.billed_units")
    }
}

/// Command R stream events: text, tool calls (chunked by index, or whole in
/// `tool-calls-generation` when not chunked), and `stream-end` with the stop reason and usage.
struct CommandRStreamParser: StreamChunkParser {
    private let reader: ReplyReader
    private var indices = StreamBlockIndices()
    private var generationId: String?
    private var sawToolCallChunks = false
    private var sawText = false

    init(modelId: String) {
        reader = ReplyReader(modelId: modelId, stream: true)
    }

    mutating func parse(chunk: JSON) throws(BedrockError) -> [ChatDelta] {
        let event = try reader.object(chunk, "chunk")
        let type = try reader.optionalString(event["event_type"], "event_type")
        switch type {
        case "stream-start":
            generationId = try reader.optionalString(event["generation_id"], "generation_id")
            return []
        case "text-generation":
            return try text(event)
        case "tool-calls-chunk":
            guard case .object(let delta)? = event["tool_call_delta"] else { return try text(event) }
            return try toolCallChunk(delta)
        case "tool-calls-generation":
            return try toolCallsGeneration(event)
        case "stream-end":
            var deltas: [ChatDelta] = []
            if case .object(let response)? = event["response"], let usage = try CommandRResponse.usage(response, reader: reader) {
                deltas.append(.usage(usage))
            }
            if let reason = try reader.optionalString(event["finish_reason"], "finish_reason") {
                deltas.append(.stop(providerReason: reason))
            }
            return deltas
        default:
            return []  // search queries, citations and other events carry no content
        }
    }

    private mutating func text(_ event: JSONObject) throws(BedrockError) -> [ChatDelta] {
        guard let text = try reader.optionalString(event["text"], "text"),
              !text.isEmpty else { return [] }
        sawText = true
        return [.text(index: indices.text(), text: text)]
    }

    private mutating func toolCallChunk(_ delta: JSONObject) throws(BedrockError) -> [ChatDelta] {
        sawToolCallChunks = true
        let position = delta["index"]?.int64Value.map { Int(clamping: $0) } ?? 0
        let (index, isNew) = indices.tool("index \(position)")
        var deltas: [ChatDelta] = []
        if isNew {
            guard let name = try reader.optionalString(delta["name"], "tool call name") else {
                throw reader.malformed("tool call \(position) starts without a name")
            }
            deltas.append(.toolCallStart(index: index, id: CommandRResponse.toolCallId(generationId: generationId, position: position),
                                         name: name))
        }
        if let fragment = try reader.optionalString(delta["parameters"], "parameters"),
           !fragment.isEmpty {
            deltas.append(.toolCallDelta(index: index, args: fragment))
        }
        return deltas
    }

    /// The whole tool calls at once; used only when they were not already streamed in chunks.
    private mutating func toolCallsGeneration(_ event: JSONObject) throws(BedrockError) -> [ChatDelta] {
        var deltas: [ChatDelta] = []
        if !sawText { deltas += try text(event) }
        guard !sawToolCallChunks, case .array(let calls)? = event["tool_calls"] else { return deltas }
        for (position, call) in calls.enumerated() {
            let (name, input) = try CommandRResponse.toolCall(call, position: position, reader: reader)
            let (index, _) = indices.tool("index \(position)")
            deltas.append(.toolCallStart(index: index, id: CommandRResponse.toolCallId(generationId: generationId, position: position),
                                         name: name))
            deltas.append(.toolCallDelta(index: index, args: input.serialized()))
        }
        return deltas
    }
}
