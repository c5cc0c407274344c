/// Claude's Messages API on InvokeModel. The body is the one langchain-aws's ChatBedrock builds
/// (`_format_anthropic_messages`, `_merge_messages`, `LLMInputOutputAdapter.prepare_input`), so
/// the two can be swapped; where LangChain sends something Bedrock refuses, or drops something
/// Bedrock's format carries, the code says "Deliberate:" and does what the format requires.
struct AnthropicFormat: InvokeModelFormat {
    /// The Messages API version Bedrock requires in every Claude body.
    static let anthropicVersion = "bedrock-2023-05-31"
    /// ChatBedrock's `max_tokens` when none is set; the Messages API requires one.
    static let defaultMaxTokens: Int64 = 1024
    /// The only `cache_control` type the Messages API defines (what LangChain always sends).
    static let ephemeralCacheControl = JSON.object(JSONObject(["type": .string("ephemeral")]))
    /// The one media type of a base64 document source.
    static let pdfMediaType = "application/pdf"
    /// A `redacted_thinking` block travels as a `.reasoning` block with empty text whose
    /// signature is this prefix plus the block's `data`. Signatures are base64, which never
    /// contains `_` or `:`, so the two cannot be confused.
    static let redactedThinkingPrefix = "redacted_thinking:"

    /// Model-name fragments of the Claude generations before tool use (Claude 2.x, Instant).
    static let preToolModelFragments = ["claude-v1", "claude-v2", "claude-instant"]
    /// Models that refuse a forced tool choice while thinking is on
    /// (langchain-aws `thinking_forced_tool_use_unsupported`), and the exception to them.
    static let thinkingForbidsForcedToolFragments = ["claude-3-7-", "claude-sonnet-4", "claude-opus-4", "claude-haiku-4"]
    static let thinkingAllowsForcedToolFragments = ["claude-opus-4-8"]
    /// Models that refuse any forced tool choice (langchain-aws `forced_tool_choice_unsupported`).
    static let forcedToolChoiceUnsupportedFragments = ["claude-fable-5-1", "claude-opus-5-5", "claude-sonnet-5-5"]
    /// `thinking.type` values that turn thinking on (langchain-aws `thinking_in_params`).
    static let thinkingOnTypes: Set<String> = ["enabled", "adaptive"]

    func supportsTools(modelId: String) -> Bool {
        !Self.preToolModelFragments.contains { modelId.contains($0) }
    }

    func supportsStopSequences(modelId: String) -> Bool { true }

    func requestBody(_ request: ChatRequest, modelId: String, stream: Bool) throws(BedrockError) -> JSON {
        guard !request.messages.isEmpty else { throw .invalidArgument("messages", "must not be empty") }
        let tools = request.effectiveTools
        // LangChain starts from model_kwargs (top_p/top_k live there too) and sets its own keys after.
        var body = request.modelKwargs
        if let topP = request.topP { body["top_p"] = try finiteNumber(topP, field: "top_p") }
        if let topK = request.topK { body["top_k"] = .int(Int64(topK)) }
        if !tools.isEmpty {
            var toolList: [JSON] = []
            for (index, tool) in tools.enumerated() {
                let field = index < request.tools.count ? "tools[\(index)]" : "response_schema"
                toolList.append(try toolJSON(tool, field: field))
            }
            body["tools"] = .array(toolList)
            // Deliberate: tool_choice goes only with tools; LangChain sends one even for an
            // empty tool list, which Bedrock refuses.
            if let choice = try toolChoiceJSON(request, modelId: modelId) { body["tool_choice"] = choice }
        }
        if !request.stop.isEmpty { body["stop_sequences"] = .array(request.stop.map { .string($0) }) }
        body["anthropic_version"] = .string(Self.anthropicVersion)

        var conversation = AnthropicConversation(toolsDefined: !tools.isEmpty, messages: request.messages)
        try conversation.build()
        body["messages"] = conversation.messagesJSON
        if let system = conversation.systemJSON { body["system"] = system }

        if let maxTokens = request.maxTokens {
            guard maxTokens >= 0 else { throw .invalidArgument("max_tokens", "must not be negative") }
            // As ChatBedrock: 0 counts as unset (`if max_tokens:`).
            if maxTokens > 0 { body["max_tokens"] = .int(Int64(maxTokens)) }
        }
        if body["max_tokens"] == nil { body["max_tokens"] = .int(Self.defaultMaxTokens) }
        if let temperature = request.temperature {
            body["temperature"] = try finiteNumber(temperature, field: "temperature")
        }
        return .object(body)
    }

    func parseResponse(_ body: JSON, modelId: String) throws(BedrockError) -> ProviderReply {
        let reader = ReplyReader(context: "Anthropic response")
        let root = try reader.object(body, "body")
        var reply = ProviderReply()
        for (index, element) in try reader.array(root["content"], "content").enumerated() {
            let path = "content[\(index)]"
            let block = try reader.object(element, path)
            switch try reader.string(block["type"], "\(path).type") {
            case "text":
                reply.blocks.append(.text(try reader.string(block["text"], "\(path).text")))
            case "thinking":
                reply.blocks.append(.reasoning(text: try reader.optionalString(block["thinking"], "\(path).thinking") ?? "",
                                               signature: try reader.optionalString(block["signature"], "\(path).signature")))
            case "redacted_thinking":
                let data = try reader.string(block["data"], "\(path).data")
                reply.blocks.append(.reasoning(text: "", signature: Self.redactedThinkingPrefix + data))
            case "tool_use":
                reply.blocks.append(.toolUse(id: try reader.string(block["id"], "\(path).id"),
                                             name: try reader.string(block["name"], "\(path).name"),
                                             input: block["input"] ?? .object(JSONObject())))
            default:
                break  // Server-tool and citation blocks carry nothing the chat reply has a place for.
            }
        }
        reply.providerStopReason = try reader.optionalString(root["stop_reason"], "stop_reason")
        if let usage = root["usage"], usage != .null {
            reply.usage = try Self.usage(usage, reader: reader, path: "usage")
        }
        return reply
    }

    func makeStreamParser(modelId: String) -> any StreamChunkParser { AnthropicStreamParser() }

    /// Anthropic's usage object; the cache counts are kept apart from `input_tokens`, as there.
    static func usage(_ value: JSON, reader: ReplyReader, path: String) throws(BedrockError) -> ChatUsage {
        let usage = try reader.object(value, path)
        return ChatUsage(inputTokens: try reader.count(usage["input_tokens"], "\(path).input_tokens"),
                         outputTokens: try reader.count(usage["output_tokens"], "\(path).output_tokens"),
                         cacheReadInputTokens: try reader.count(usage["cache_read_input_tokens"], "\(path).cache_read_input_tokens"),
                         cacheWriteInputTokens: try reader.count(usage["cache_creation_input_tokens"], "\(path).cache_creation_input_tokens"))
    }

    // MARK: - Tools

    private func toolJSON(_ tool: ToolSpec, field: String) throws(BedrockError) -> JSON {
        guard case .object = tool.inputSchema else {
            throw .invalidArgument("\(field).input_schema", "must be a JSON object, got \(tool.inputSchema.typeName)")
        }
        var json = JSONObject()
        json["name"] = .string(tool.name)
        // As convert_to_anthropic_tool: an empty or missing description becomes the name.
        let description = tool.description ?? ""
        json["description"] = .string(description.isEmpty ? tool.name : description)
        json["input_schema"] = tool.inputSchema
        if tool.cachePoint { json["cache_control"] = Self.ephemeralCacheControl }
        return .object(json)
    }

    private func toolChoiceJSON(_ request: ChatRequest, modelId: String) throws(BedrockError) -> JSON? {
        let thinkingForbidsForcing = Self.thinkingEnabled(request.modelKwargs)
            && Self.thinkingForbidsForcedToolFragments.contains { modelId.contains($0) }
            && !Self.thinkingAllowsForcedToolFragments.contains { modelId.contains($0) }
        if let schema = request.responseSchema {
            // As with_structured_output: where the model refuses forced tool use, the schema's
            // tool is offered without forcing it.
            let refused = thinkingForbidsForcing || Self.forcedToolChoiceUnsupportedFragments.contains { modelId.contains($0) }
            return refused ? nil : Self.choice(["type": .string("tool"), "name": .string(schema.name)])
        }
        guard let toolChoice = request.toolChoice else { return nil }
        switch toolChoice {
        case .auto:
            return Self.choice(["type": .string("auto")])
        case .none:
            // Deliberate: LangChain turns "none" into a forced call of a tool named "none".
            return Self.choice(["type": .string("none")])
        case .any, .tool:
            // As bind_tools, which raises for these models with thinking on.
            if thinkingForbidsForcing {
                throw .invalidArgument("tool_choice", "\(modelId) cannot be forced to use a tool while thinking is enabled; use \"auto\"")
            }
            if case .tool(let name) = toolChoice {
                return Self.choice(["type": .string("tool"), "name": .string(name)])
            }
            return Self.choice(["type": .string("any")])
        }
    }

    private static func choice(_ pairs: KeyValuePairs<String, JSON>) -> JSON { .object(JSONObject(pairs)) }

    static func thinkingEnabled(_ modelKwargs: JSONObject) -> Bool {
        guard let type = modelKwargs["thinking"]?["type"]?.stringValue else { return false }
        return thinkingOnTypes.contains(type)
    }
}

/// Numbers from the request go into the body as JSON numbers; NaN and infinity have no JSON form.
private func finiteNumber(_ value: Double, field: String) throws(BedrockError) -> JSON {
    guard value.isFinite else { throw .invalidArgument("\(field)", "must be a finite number") }
    return .double(value)
}

// MARK: - Messages

/// Turns chat messages into the Messages API's `system` and `messages`, the way
/// `_format_anthropic_messages` does: system messages are hoisted, consecutive user and tool
/// messages merge into one user message, and each message's blocks are ordered thinking first,
/// then (assistant) text and images before tool_use, or (user) tool_result and documents before
/// text and images.
private struct AnthropicConversation {
    /// One block on its way into a message; `group` is LangChain's ordering bucket.
    struct Entry {
        enum Group { case thinking, native, other, cacheMarker }
        var group: Group
        var json = JSONObject()
    }

    struct Turn {
        var role: String
        var firstIndex: Int
        /// LangChain sends a lone message's string content as a string. ChatMessage does not
        /// say whether its content was a string, so a message of exactly one text block is taken
        /// for one.
        var fromString: Bool
        var entries: [Entry] = []
    }

    let toolsDefined: Bool
    let messages: [ChatMessage]
    private(set) var systemBlocks: [JSONObject] = []
    private(set) var systemMessages: [ChatMessage] = []
    private(set) var formatted: [(role: String, blocks: [JSONObject], fromString: Bool)] = []

    init(toolsDefined: Bool, messages: [ChatMessage]) {
        self.toolsDefined = toolsDefined
        self.messages = messages
    }

    mutating func build() throws(BedrockError) {
        // Deliberate: Bedrock refuses tool_use/tool_result blocks in a request without tools;
        // LangChain sends them anyway. Like langchain-aws's Converse path, they become text.
        let toolsAsText = !toolsDefined && messages.contains { $0.content.contains(where: isToolBlock) }
        // LangChain trims the final assistant message (a prefill may not end in whitespace).
        let lastConversationIndex = messages.lastIndex(where: { $0.role != .system })
        var turns: [Turn] = []
        for (index, message) in messages.enumerated() {
            if message.role == .system {
                try addSystem(message, index: index)
                continue
            }
            let trim = message.role == .assistant && index == lastConversationIndex
            let entries = try convert(message, index: index, toolsAsText: toolsAsText, trimTrailing: trim)
            let role = message.role == .assistant ? "assistant" : "user"
            // As _merge_messages: user and tool messages merge; assistant messages never do.
            if role == "user", let last = turns.last, last.role == "user" {
                turns[turns.count - 1].entries += entries
                turns[turns.count - 1].fromString = false
            } else {
                turns.append(Turn(role: role, firstIndex: index, fromString: Self.isLoneText(message), entries: entries))
            }
        }
        guard !turns.isEmpty else {
            throw .invalidArgument("messages", "needs a user message besides the system messages")
        }
        for turn in turns { try finish(turn) }
    }

    static func isLoneText(_ message: ChatMessage) -> Bool {
        guard message.content.count == 1, case .text = message.content[0] else { return false }
        return true
    }

    var systemJSON: JSON? {
        if systemBlocks.isEmpty { return nil }
        // A lone system message with string content is a string, as LangChain sends it.
        if systemMessages.count == 1, Self.isLoneText(systemMessages[0]), systemBlocks.count == 1,
           let text = Self.plainText(systemBlocks[0]) {
            return .string(text)
        }
        return .array(systemBlocks.map(JSON.object))
    }

    var messagesJSON: JSON {
        .array(formatted.map { message in
            var json = JSONObject()
            json["role"] = .string(message.role)
            // LangChain sends a user message's string content as a string; all else as blocks.
            if message.role == "user", message.fromString, message.blocks.count == 1,
               let text = Self.plainText(message.blocks[0]) {
                json["content"] = .string(text)
            } else {
                json["content"] = .array(message.blocks.map(JSON.object))
            }
            return .object(json)
        })
    }

    private mutating func addSystem(_ message: ChatMessage, index: Int) throws(BedrockError) {
        systemMessages.append(message)
        for (position, block) in message.content.enumerated() {
            switch block {
            case .text(let text):
                // Deliberate: Bedrock refuses blank text blocks; LangChain keeps them in system.
                if !PythonWhitespace.isBlank(text) { systemBlocks.append(Self.textBlock(text)) }
            case .cachePoint:
                if !systemBlocks.isEmpty {
                    systemBlocks[systemBlocks.count - 1]["cache_control"] = AnthropicFormat.ephemeralCacheControl
                }
            default:
                throw .invalidArgument("messages[\(index)].content[\(position)]", "a system message takes only text")
            }
        }
    }

    private func convert(_ message: ChatMessage, index: Int, toolsAsText: Bool,
                         trimTrailing: Bool) throws(BedrockError) -> [Entry] {
        var entries: [Entry] = []
        for (position, block) in message.content.enumerated() {
            let field = "messages[\(index)].content[\(position)]"
            switch block {
            // InvokeModel bodies carry cited text as text; the citations are Converse's.
            case .text(let raw), .citedText(let raw, _):
                let text = trimTrailing ? PythonWhitespace.trimmingTrailing(raw) : raw
                // As LangChain for block content; Deliberate for string content, which LangChain
                // sends even when blank and Bedrock refuses.
                if !PythonWhitespace.isBlank(text) { entries.append(Entry(group: .native, json: Self.textBlock(text))) }
            case .image(let mediaType, let data):
                entries.append(Entry(group: .native, json: Self.imageBlock(mediaType: mediaType, data: data)))
            case .media, .guardContent, .searchResult, .serverToolUse, .serverToolResult:
                // ChatPlan sends these through Converse; an InvokeModel body cannot carry them.
                throw InvokeContent.unsupported(block, at: field, modelId: "Anthropic")
            case .document(let format, _, let data):
                // LangChain passes document blocks through untouched, in its "tool blocks" bucket.
                entries.append(Entry(group: .other, json: try Self.documentBlock(format: format, data: data, field: field)))
            case .toolUse(let id, let name, let input):
                guard message.role == .assistant else {
                    throw .invalidArgument("\(field)", "a tool_use block belongs in an assistant message")
                }
                if toolsAsText {
                    entries.append(Entry(group: .native, json: Self.textBlock(ToolHistoryText.call(name: name, input: input))))
                } else {
                    entries.append(Entry(group: .other, json: try Self.toolUseBlock(id: id, name: name, input: input, field: field)))
                }
            case .toolResult(let toolUseId, let content, let isError):
                guard message.role != .assistant else {
                    throw .invalidArgument("\(field)", "a tool_result block belongs in a user or tool message")
                }
                if toolsAsText {
                    entries.append(Entry(group: .native, json: Self.textBlock(ToolHistoryText.result(content))))
                } else {
                    entries.append(Entry(group: .other, json: try Self.toolResultBlock(
                        toolUseId: toolUseId, content: content, isError: isError, field: field)))
                }
            case .reasoning(let text, let signature):
                guard message.role == .assistant else {
                    throw .invalidArgument("\(field)", "a reasoning block belongs in an assistant message")
                }
                guard let signature, !signature.isEmpty else {
                    // Deliberate: Bedrock refuses a thinking block without its signature (as
                    // reasoning from other providers is), and Claude does not need it back.
                    continue
                }
                var json = JSONObject()
                if signature.hasPrefix(AnthropicFormat.redactedThinkingPrefix) {
                    json["type"] = .string("redacted_thinking")
                    json["data"] = .string(String(signature.dropFirst(AnthropicFormat.redactedThinkingPrefix.count)))
                } else {
                    json["type"] = .string("thinking")
                    json["thinking"] = .string(text)
                    json["signature"] = .string(signature)
                }
                entries.append(Entry(group: .thinking, json: json))
            case .cachePoint:
                entries.append(Entry(group: .cacheMarker))
            }
        }
        return entries
    }

    /// Applies cache points to the block before each, orders the blocks, and appends the message.
    private mutating func finish(_ turn: Turn) throws(BedrockError) {
        var blocks: [Entry] = []
        var cacheBeforeFirstBlock = false
        for entry in turn.entries {
            guard entry.group == .cacheMarker else {
                blocks.append(entry)
                continue
            }
            // Thinking blocks cannot carry cache_control; the mark goes on the block before.
            if let target = blocks.lastIndex(where: { $0.group != .thinking }) {
                blocks[target].json["cache_control"] = AnthropicFormat.ephemeralCacheControl
            } else {
                cacheBeforeFirstBlock = true
            }
        }
        if cacheBeforeFirstBlock { markEndOfPreviousContent() }
        guard !blocks.isEmpty else {
            throw .invalidArgument("messages[\(turn.firstIndex)]", "no content left to send (blank text is dropped)")
        }
        let ordered: [Entry.Group] = turn.role == "assistant" ? [.thinking, .native, .other] : [.thinking, .other, .native]
        let sorted = ordered.flatMap { group in blocks.filter { $0.group == group }.map(\.json) }
        formatted.append((role: turn.role, blocks: sorted, fromString: turn.fromString))
    }

    /// A cache point at the start of a message caches everything before it: the previous
    /// message's last block, or else the system prompt's.
    private mutating func markEndOfPreviousContent() {
        if let last = formatted.indices.last, let block = formatted[last].blocks.indices.last {
            formatted[last].blocks[block]["cache_control"] = AnthropicFormat.ephemeralCacheControl
        } else if let block = systemBlocks.indices.last {
            systemBlocks[block]["cache_control"] = AnthropicFormat.ephemeralCacheControl
        }
    }

    // MARK: Blocks

    static func plainText(_ block: JSONObject) -> String? {
        guard block.count == 2, block["type"] == .string("text") else { return nil }
        return block["text"]?.stringValue
    }

    static func textBlock(_ text: String) -> JSONObject {
        JSONObject(["type": .string("text"), "text": .string(text)])
    }

    static func imageBlock(mediaType: String, data: String) -> JSONObject {
        let source = JSONObject(["type": .string("base64"), "media_type": .string(mediaType), "data": .string(data)])
        return JSONObject(["type": .string("image"), "source": .object(source)])
    }

    static func documentBlock(format: String, data: String, field: String) throws(BedrockError) -> JSONObject {
        // A base64 document source is PDF only; other formats need Converse.
        guard format.lowercased() == "pdf" || format.lowercased() == AnthropicFormat.pdfMediaType else {
            throw .invalidArgument("\(field).format", "Claude on InvokeModel reads only pdf documents, got \"\(format)\"; use api \"converse\"")
        }
        let source = JSONObject(["type": .string("base64"), "media_type": .string(AnthropicFormat.pdfMediaType),
                                 "data": .string(data)])
        return JSONObject(["type": .string("document"), "source": .object(source)])
    }

    static func toolUseBlock(id: String, name: String, input: JSON, field: String) throws(BedrockError) -> JSONObject {
        let arguments: JSON
        switch input {
        case .object: arguments = input
        case .null: arguments = .object(JSONObject())
        default: throw .invalidArgument("\(field).input", "must be a JSON object, got \(input.typeName)")
        }
        return JSONObject(["type": .string("tool_use"), "name": .string(name), "input": arguments, "id": .string(id)])
    }

    static func toolResultBlock(toolUseId: String, content: [ContentBlock], isError: Bool,
                                field: String) throws(BedrockError) -> JSONObject {
        var inner: [JSONObject] = []
        for (position, block) in content.enumerated() {
            switch block {
            case .text(let text):
                if !PythonWhitespace.isBlank(text) { inner.append(textBlock(text)) }
            case .image(let mediaType, let data):
                inner.append(imageBlock(mediaType: mediaType, data: data))
            case .document(let format, _, let data):
                inner.append(try documentBlock(format: format, data: data, field: "\(field).content[\(position)]"))
            case .cachePoint:
                if !inner.isEmpty { inner[inner.count - 1]["cache_control"] = AnthropicFormat.ephemeralCacheControl }
            default:
                throw .invalidArgument("\(field).content[\(position)]", "a tool result holds only text, images and documents")
            }
        }
        var json = JSONObject()
        json["type"] = .string("tool_result")
        if inner.count == 1, let text = plainText(inner[0]) {
            json["content"] = .string(text)  // As LangChain sends a ToolMessage's string content.
        } else if !inner.isEmpty {
            json["content"] = .array(inner.map(JSON.object))
        }
        // Deliberate: an empty result leaves out the optional content rather than send "".
        json["tool_use_id"] = .string(toolUseId)
        // Deliberate: LangChain drops ToolMessage status="error"; the Messages API has is_error.
        if isError { json["is_error"] = .bool(true) }
        return json
    }
}

private func isToolBlock(_ block: ContentBlock) -> Bool {
    switch block {
    case .toolUse, .toolResult: true
    default: false
    }
}

// MARK: - Streaming

/// Claude's stream events (`message_start`, `content_block_start`, `content_block_delta`,
/// `message_delta`, `message_stop`, `ping`) as chat deltas.
struct AnthropicStreamParser: StreamChunkParser {
    private let reader = ReplyReader(context: "Anthropic stream chunk")

    mutating func parse(chunk: JSON) throws(BedrockError) -> [ChatDelta] {
        let event = try reader.object(chunk, "chunk")
        switch try reader.string(event["type"], "type") {
        case "message_start":
            let message = try reader.object(event["message"], "message")
            guard let usage = message["usage"], usage != .null else { return [] }
            return [.usage(try AnthropicFormat.usage(usage, reader: reader, path: "message.usage"))]
        case "content_block_start":
            let index = try reader.index(event["index"], "index")
            return try blockStart(try reader.object(event["content_block"], "content_block"), index: index)
        case "content_block_delta":
            let index = try reader.index(event["index"], "index")
            return try blockDelta(try reader.object(event["delta"], "delta"), index: index)
        case "message_delta":
            var deltas: [ChatDelta] = []
            if let usage = event["usage"], usage != .null {
                deltas.append(.usage(try AnthropicFormat.usage(usage, reader: reader, path: "usage")))
            }
            if let delta = event["delta"], delta != .null,
               let reason = try reader.optionalString(try reader.object(delta, "delta")["stop_reason"], "delta.stop_reason") {
                deltas.append(.stop(providerReason: reason))
            }
            return deltas
        case "error":
            let error = try reader.object(event["error"], "error")
            throw BedrockError(.model, try reader.optionalString(error["message"], "error.message") ?? "Claude stream error",
                               awsErrorType: try reader.optionalString(error["type"], "error.type"))
        default:
            return []  // message_stop, content_block_stop, ping, and events added later.
        }
    }

    private func blockStart(_ block: JSONObject, index: Int) throws(BedrockError) -> [ChatDelta] {
        switch try reader.string(block["type"], "content_block.type") {
        case "text":
            let text = try reader.optionalString(block["text"], "content_block.text") ?? ""
            return text.isEmpty ? [] : [.text(index: index, text: text)]
        case "tool_use":
            var deltas: [ChatDelta] = [.toolCallStart(index: index, id: try reader.string(block["id"], "content_block.id"),
                                                       name: try reader.string(block["name"], "content_block.name"))]
            // Bedrock starts with input {} and streams the arguments; keep any it sends up front.
            if let input = block["input"], let object = input.objectValue, !object.isEmpty {
                deltas.append(.toolCallDelta(index: index, args: input.serialized()))
            }
            return deltas
        case "thinking":
            var deltas: [ChatDelta] = []
            if let text = try reader.optionalString(block["thinking"], "content_block.thinking"), !text.isEmpty {
                deltas.append(.reasoning(index: index, text: text))
            }
            if let signature = try reader.optionalString(block["signature"], "content_block.signature"), !signature.isEmpty {
                deltas.append(.reasoningSignature(index: index, signature: signature))
            }
            return deltas
        case "redacted_thinking":
            let data = try reader.string(block["data"], "content_block.data")
            return [.reasoningSignature(index: index, signature: AnthropicFormat.redactedThinkingPrefix + data)]
        default:
            return []
        }
    }

    private func blockDelta(_ delta: JSONObject, index: Int) throws(BedrockError) -> [ChatDelta] {
        switch try reader.string(delta["type"], "delta.type") {
        case "text_delta":
            return [.text(index: index, text: try reader.string(delta["text"], "delta.text"))]
        case "input_json_delta":
            let json = try reader.string(delta["partial_json"], "delta.partial_json")
            return json.isEmpty ? [] : [.toolCallDelta(index: index, args: json)]
        case "thinking_delta":
            return [.reasoning(index: index, text: try reader.string(delta["thinking"], "delta.thinking"))]
        case "signature_delta":
            return [.reasoningSignature(index: index, signature: try reader.string(delta["signature"], "delta.signature"))]
        default:
            return []  // citations_delta and later kinds.
        }
    }
}
