/// Amazon's own models on InvokeModel: Titan Text (a `User:`/`Bot:` prompt in `inputText`, as
/// langchain-aws's ChatBedrock renders it) and Nova (the `messages-v1` schema AWS documents for
/// Nova's InvokeModel, Converse-shaped with base64 bytes; ChatBedrock sends Nova to Converse, so
/// there is no LangChain body to match). Which one comes from the model id.
struct AmazonFormat: InvokeModelFormat {
    enum Family: Equatable {
        case titanText, nova
    }

    /// Nova's InvokeModel schema version.
    static let novaSchemaVersion = "messages-v1"
    /// The only Nova cache point type.
    static let novaCachePoint = JSON.object(JSONObject(["type": .string("default")]))
    /// Nova's image formats, by media type.
    static let novaImageFormats = ["image/jpeg": "jpeg", "image/jpg": "jpeg", "image/png": "png",
                                   "image/gif": "gif", "image/webp": "webp"]
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
        guard !request.messages.isEmpty else { throw .invalidArgument("messages: must not be empty") }
        switch Self.family(modelId: modelId) {
        case .titanText: return try titanBody(request)
        case .nova: return try novaBody(request)
        }
    }

    func parseResponse(_ body: JSON, modelId: String) throws(BedrockError) -> ProviderReply {
        switch Self.family(modelId: modelId) {
        case .titanText: return try titanReply(body)
        case .nova: return try novaReply(body)
        }
    }

    func makeStreamParser(modelId: String) -> any StreamChunkParser {
        switch Self.family(modelId: modelId) {
        case .titanText: TitanStreamParser()
        case .nova: NovaStreamParser()
        }
    }

    // MARK: - Titan Text

    private func titanBody(_ request: ChatRequest) throws(BedrockError) -> JSON {
        if !request.effectiveTools.isEmpty {
            throw .invalidArgument(request.tools.isEmpty ? "response_schema: Titan Text models cannot use tools"
                                                         : "tools: Titan Text models cannot use tools")
        }
        if request.topK != nil { throw .invalidArgument("top_k: Titan Text models have no top_k parameter") }

        var prompt = ""
        for (index, message) in request.messages.enumerated() {
            let text = try titanText(message, index: index)
            switch message.role {
            case .system: prompt += text
            case .user: prompt += Self.titanUserTag + " " + text
            case .assistant: prompt += Self.titanBotTag + " " + text
            case .tool: throw .invalidArgument("messages[\(index)]: Titan Text models take no tool messages")
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
            guard maxTokens >= 0 else { throw .invalidArgument("max_tokens: must not be negative") }
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
                throw .invalidArgument("messages[\(index)].content[\(position)]: Titan Text models take only text")
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

    private func novaBody(_ request: ChatRequest) throws(BedrockError) -> JSON {
        let tools = request.effectiveTools
        let choice = request.effectiveToolChoice
        // Deliberate: Nova has no "none" tool choice; not offering the tools is how to forbid calls.
        let offerTools = !tools.isEmpty && choice != ToolChoice.none
        // Nova, like Converse, refuses toolUse/toolResult blocks without a toolConfig.
        let toolsAsText = !offerTools && request.messages.contains { $0.content.contains(where: Self.isToolBlock) }

        var system: [JSON] = []
        var turns: [(role: String, firstIndex: Int, content: [JSON])] = []
        for (index, message) in request.messages.enumerated() {
            if message.role == .system {
                try appendSystem(message, index: index, to: &system)
                continue
            }
            let role = message.role == .assistant ? "assistant" : "user"
            let content = try novaContent(message, index: index, toolsAsText: toolsAsText)
            // Nova expects turns to alternate: consecutive same-role messages merge.
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].content += content
            } else {
                turns.append((role: role, firstIndex: index, content: content))
            }
        }
        guard !turns.isEmpty else {
            throw .invalidArgument("messages: needs a user message besides the system messages")
        }
        var messages: [JSON] = []
        for turn in turns {
            guard turn.content.contains(where: { $0["cachePoint"] == nil }) else {
                throw .invalidArgument("messages[\(turn.firstIndex)]: no content left to send (blank text is dropped)")
            }
            messages.append(.object(JSONObject(["role": .string(turn.role), "content": .array(turn.content)])))
        }

        // model_kwargs are top-level body members (reasoningConfig, ...); an inferenceConfig
        // among them is the base the request's own parameters are set on.
        var body = request.modelKwargs
        body["schemaVersion"] = .string(Self.novaSchemaVersion)
        if !system.isEmpty { body["system"] = .array(system) }
        body["messages"] = .array(messages)

        var inference = JSONObject()
        if let base = request.modelKwargs["inferenceConfig"] {
            guard let object = base.objectValue else {
                throw .invalidArgument("model_kwargs.inferenceConfig: must be a JSON object, got \(base.typeName)")
            }
            inference = object
        }
        if let maxTokens = request.maxTokens {
            guard maxTokens >= 0 else { throw .invalidArgument("max_tokens: must not be negative") }
            if maxTokens > 0 { inference["maxTokens"] = .int(Int64(maxTokens)) }
        }
        if let temperature = request.temperature { inference["temperature"] = try finiteNumber(temperature, field: "temperature") }
        if let topP = request.topP { inference["topP"] = try finiteNumber(topP, field: "top_p") }
        if let topK = request.topK { inference["topK"] = .int(Int64(topK)) }
        if !request.stop.isEmpty { inference["stopSequences"] = .array(request.stop.map { .string($0) }) }
        body["inferenceConfig"] = inference.isEmpty ? nil : .object(inference)

        if offerTools {
            var toolList: [JSON] = []
            for (index, tool) in tools.enumerated() {
                let field = index < request.tools.count ? "tools[\(index)]" : "response_schema"
                toolList.append(try novaToolSpec(tool, field: field))
            }
            var config = JSONObject(["tools": .array(toolList)])
            switch choice {
            case .auto?: config["toolChoice"] = .object(JSONObject(["auto": .object(JSONObject())]))
            case .any?: config["toolChoice"] = .object(JSONObject(["any": .object(JSONObject())]))
            case .tool(let name)?:
                config["toolChoice"] = .object(JSONObject(["tool": .object(JSONObject(["name": .string(name)]))]))
            case .none?, nil: break
            }
            body["toolConfig"] = .object(config)
        }
        return .object(body)
    }

    private func appendSystem(_ message: ChatMessage, index: Int, to system: inout [JSON]) throws(BedrockError) {
        for (position, block) in message.content.enumerated() {
            switch block {
            case .text(let text):
                if !PythonWhitespace.isBlank(text) { system.append(.object(JSONObject(["text": .string(text)]))) }
            case .cachePoint:
                // A cache point caches the prompt before it; with nothing before, there is nothing to cache.
                if !system.isEmpty { system.append(.object(JSONObject(["cachePoint": Self.novaCachePoint]))) }
            default:
                throw .invalidArgument("messages[\(index)].content[\(position)]: a system message takes only text")
            }
        }
    }

    private func novaContent(_ message: ChatMessage, index: Int, toolsAsText: Bool) throws(BedrockError) -> [JSON] {
        var content: [JSON] = []
        for (position, block) in message.content.enumerated() {
            let field = "messages[\(index)].content[\(position)]"
            switch block {
            case .text(let text):
                // Bedrock refuses blank text blocks.
                if !PythonWhitespace.isBlank(text) { content.append(Self.member("text", .string(text))) }
            case .image(let mediaType, let data):
                content.append(try Self.novaImage(mediaType: mediaType, data: data, field: field))
            case .document(let format, let name, let data):
                content.append(Self.novaDocument(format: format, name: name, data: data))
            case .toolUse(let id, let name, let input):
                guard message.role == .assistant else {
                    throw .invalidArgument("\(field): a tool_use block belongs in an assistant message")
                }
                if toolsAsText {
                    content.append(Self.member("text", .string(ToolHistoryText.call(name: name, input: input))))
                    continue
                }
                let arguments: JSON
                switch input {
                case .object: arguments = input
                case .null: arguments = .object(JSONObject())
                default: throw .invalidArgument("\(field).input: must be a JSON object, got \(input.typeName)")
                }
                content.append(Self.member("toolUse", .object(JSONObject(
                    ["toolUseId": .string(id), "name": .string(name), "input": arguments]))))
            case .toolResult(let toolUseId, let result, let isError):
                guard message.role != .assistant else {
                    throw .invalidArgument("\(field): a tool_result block belongs in a user or tool message")
                }
                if toolsAsText {
                    content.append(Self.member("text", .string(ToolHistoryText.result(result))))
                    continue
                }
                var json = JSONObject()
                json["toolUseId"] = .string(toolUseId)
                json["content"] = .array(try novaToolResultContent(result, field: field))
                if isError { json["status"] = .string("error") }
                content.append(Self.member("toolResult", .object(json)))
            case .reasoning:
                // Nova does not take its reasoning back; earlier turns' reasoning is not sent.
                continue
            case .cachePoint:
                if !content.isEmpty { content.append(Self.member("cachePoint", Self.novaCachePoint)) }
            }
        }
        return content
    }

    private func novaToolResultContent(_ blocks: [ContentBlock], field: String) throws(BedrockError) -> [JSON] {
        var content: [JSON] = []
        for (position, block) in blocks.enumerated() {
            switch block {
            case .text(let text):
                if !PythonWhitespace.isBlank(text) { content.append(Self.member("text", .string(text))) }
            case .image(let mediaType, let data):
                content.append(try Self.novaImage(mediaType: mediaType, data: data, field: "\(field).content[\(position)]"))
            case .document(let format, let name, let data):
                content.append(Self.novaDocument(format: format, name: name, data: data))
            case .cachePoint:
                continue
            default:
                throw .invalidArgument("\(field).content[\(position)]: a tool result holds only text, images and documents")
            }
        }
        return content
    }

    private func novaToolSpec(_ tool: ToolSpec, field: String) throws(BedrockError) -> JSON {
        guard case .object = tool.inputSchema else {
            throw .invalidArgument("\(field).input_schema: must be a JSON object, got \(tool.inputSchema.typeName)")
        }
        var spec = JSONObject()
        spec["name"] = .string(tool.name)
        if let description = tool.description, !description.isEmpty { spec["description"] = .string(description) }
        spec["inputSchema"] = Self.member("json", tool.inputSchema)
        // Nova caches system and messages only, so a tool's cache point has nowhere to go.
        return Self.member("toolSpec", .object(spec))
    }

    private static func novaImage(mediaType: String, data: String, field: String) throws(BedrockError) -> JSON {
        guard let format = novaImageFormats[mediaType.lowercased()] else {
            throw .invalidArgument("\(field).media_type: Nova reads jpeg, png, gif and webp images, got \"\(mediaType)\"")
        }
        return member("image", .object(JSONObject(["format": .string(format), "source": member("bytes", .string(data))])))
    }

    private static func novaDocument(format: String, name: String, data: String) -> JSON {
        member("document", .object(JSONObject(["format": .string(format), "name": .string(name),
                                               "source": member("bytes", .string(data))])))
    }

    private static func member(_ key: String, _ value: JSON) -> JSON { .object(JSONObject([key: value])) }

    private static func isToolBlock(_ block: ContentBlock) -> Bool {
        switch block {
        case .toolUse, .toolResult: true
        default: false
        }
    }

    private func novaReply(_ body: JSON) throws(BedrockError) -> ProviderReply {
        let reader = ReplyReader(context: "Nova response")
        let root = try reader.object(body, "body")
        let message = try reader.object(try reader.object(root["output"], "output")["message"], "output.message")
        var reply = ProviderReply()
        for (index, element) in try reader.array(message["content"], "output.message.content").enumerated() {
            let path = "output.message.content[\(index)]"
            let block = try reader.object(element, path)
            if let text = block["text"] {
                reply.blocks.append(.text(try reader.string(text, "\(path).text")))
            } else if let toolUse = block["toolUse"] {
                let call = try reader.object(toolUse, "\(path).toolUse")
                reply.blocks.append(.toolUse(id: try reader.string(call["toolUseId"], "\(path).toolUse.toolUseId"),
                                             name: try reader.string(call["name"], "\(path).toolUse.name"),
                                             input: call["input"] ?? .object(JSONObject())))
            } else if let reasoning = block["reasoningContent"] {
                let content = try reader.object(reasoning, "\(path).reasoningContent")
                if let textValue = content["reasoningText"] {
                    let text = try reader.object(textValue, "\(path).reasoningContent.reasoningText")
                    reply.blocks.append(.reasoning(
                        text: try reader.optionalString(text["text"], "\(path).reasoningContent.reasoningText.text") ?? "",
                        signature: try reader.optionalString(text["signature"], "\(path).reasoningContent.reasoningText.signature")))
                }
            }
        }
        reply.providerStopReason = try reader.optionalString(root["stopReason"], "stopReason")
        if let usage = root["usage"], usage != .null {
            reply.usage = try Self.novaUsage(usage, reader: reader, path: "usage")
        }
        return reply
    }

    /// Nova's usage object (`inputTokens`, `outputTokens`, and the cache counts under either of
    /// the names Bedrock uses for them).
    static func novaUsage(_ value: JSON, reader: ReplyReader, path: String) throws(BedrockError) -> ChatUsage {
        let usage = try reader.object(value, path)
        func either(_ first: String, _ second: String) throws(BedrockError) -> Int {
            if usage[first] != nil { return try reader.count(usage[first], "\(path).\(first)") }
            return try reader.count(usage[second], "\(path).\(second)")
        }
        return ChatUsage(inputTokens: try reader.count(usage["inputTokens"], "\(path).inputTokens"),
                         outputTokens: try reader.count(usage["outputTokens"], "\(path).outputTokens"),
                         cacheReadInputTokens: try either("cacheReadInputTokenCount", "cacheReadInputTokens"),
                         cacheWriteInputTokens: try either("cacheWriteInputTokenCount", "cacheWriteInputTokens"))
    }
}

private func finiteNumber(_ value: Double, field: String) throws(BedrockError) -> JSON {
    guard value.isFinite else { throw .invalidArgument("\(field): must be a finite number") }
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

/// Nova's InvokeModel stream events, each chunk one of `messageStart`, `contentBlockStart`,
/// `contentBlockDelta`, `contentBlockStop`, `messageStop`, `metadata`.
struct NovaStreamParser: StreamChunkParser {
    private let reader = ReplyReader(context: "Nova stream chunk")
    /// The block index of the last event that named one, for events that leave it out.
    private var currentIndex = 0

    mutating func parse(chunk: JSON) throws(BedrockError) -> [ChatDelta] {
        let object = try reader.object(chunk, "chunk")
        if let start = object["contentBlockStart"] {
            let event = try reader.object(start, "contentBlockStart")
            let index = try blockIndex(event, "contentBlockStart")
            guard let toolUse = try reader.object(event["start"], "contentBlockStart.start")["toolUse"] else { return [] }
            let call = try reader.object(toolUse, "contentBlockStart.start.toolUse")
            return [.toolCallStart(index: index,
                                   id: try reader.string(call["toolUseId"], "contentBlockStart.start.toolUse.toolUseId"),
                                   name: try reader.string(call["name"], "contentBlockStart.start.toolUse.name"))]
        }
        if let deltaEvent = object["contentBlockDelta"] {
            let event = try reader.object(deltaEvent, "contentBlockDelta")
            let index = try blockIndex(event, "contentBlockDelta")
            let delta = try reader.object(event["delta"], "contentBlockDelta.delta")
            if let text = delta["text"] {
                return [.text(index: index, text: try reader.string(text, "contentBlockDelta.delta.text"))]
            }
            if let toolUse = delta["toolUse"] {
                let input = try reader.string(try reader.object(toolUse, "contentBlockDelta.delta.toolUse")["input"],
                                              "contentBlockDelta.delta.toolUse.input")
                return input.isEmpty ? [] : [.toolCallDelta(index: index, args: input)]
            }
            if let reasoning = delta["reasoningContent"] {
                let content = try reader.object(reasoning, "contentBlockDelta.delta.reasoningContent")
                var deltas: [ChatDelta] = []
                if let text = try reader.optionalString(content["text"], "contentBlockDelta.delta.reasoningContent.text") {
                    deltas.append(.reasoning(index: index, text: text))
                }
                if let signature = try reader.optionalString(content["signature"],
                                                             "contentBlockDelta.delta.reasoningContent.signature") {
                    deltas.append(.reasoningSignature(index: index, signature: signature))
                }
                return deltas
            }
            return []
        }
        if let stop = object["messageStop"] {
            let event = try reader.object(stop, "messageStop")
            guard let reason = try reader.optionalString(event["stopReason"], "messageStop.stopReason") else { return [] }
            return [.stop(providerReason: reason)]
        }
        if let metadata = object["metadata"] {
            let event = try reader.object(metadata, "metadata")
            guard let usage = event["usage"], usage != .null else { return [] }
            return [.usage(try AmazonFormat.novaUsage(usage, reader: reader, path: "metadata.usage"))]
        }
        return []  // messageStart, contentBlockStop, and events added later.
    }

    private mutating func blockIndex(_ event: JSONObject, _ path: String) throws(BedrockError) -> Int {
        if let value = event["contentBlockIndex"] {
            currentIndex = try reader.index(value, "\(path).contentBlockIndex")
        }
        return currentIndex
    }
}
