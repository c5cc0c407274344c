/// The Converse API as a chat format: the request body for Converse and ConverseStream,
/// and the parsing of their responses and events. The body matches what LangChain's
/// ChatBedrockConverse sends for the same conversation.
///
/// Amazon Nova's InvokeModel body (`messages-v1`) is this message shape in another envelope,
/// and Nova's InvokeModel replies and stream chunks are Converse's; `AmazonFormat` builds
/// Nova's body from `conversation(_:dialect:)` and `inferenceConfig(_:base:dialect:)`, and
/// reads Nova's replies with `reply(_:reader:)` and `ConverseStreamParser`.
struct ConverseFormat {
    /// A cache point block, with its TTL when it has one.
    static func cachePoint(ttl: String?) -> JSON {
        var point = JSONObject(["type": .string("default")])
        if let ttl { point["ttl"] = .string(ttl) }
        return member("cachePoint", .object(point))
    }
    /// Bedrock's image formats, Converse's and Nova's alike, by media type ("image/jpg" is a
    /// common spelling of jpeg).
    static let imageFormats = ["image/jpeg": "jpeg", "image/jpg": "jpeg", "image/png": "png",
                               "image/gif": "gif", "image/webp": "webp"]

    func requestBody(_ request: ChatRequest, stream: Bool = false) throws(BedrockError) -> JSON {
        let conversation = try Self.conversation(request, dialect: .converse)
        var body = JSONObject()
        body["messages"] = .array(request.guardrail?.lastTurnOnly == true
                                  ? Self.guardingLastUserTurn(conversation.messages) : conversation.messages)
        if !conversation.system.isEmpty { body["system"] = .array(conversation.system) }
        let inference = try Self.inferenceConfig(request, dialect: .converse)
        if !inference.isEmpty { body["inferenceConfig"] = .object(inference) }
        if let toolConfig = conversation.toolConfig { body["toolConfig"] = toolConfig }
        // InvokeModel takes its guardrail in headers (ChatPlan); Converse in the body.
        if let guardrail = request.guardrail {
            var config = JSONObject(["guardrailIdentifier": .string(guardrail.id),
                                     "guardrailVersion": .string(guardrail.version)])
            if let trace = guardrail.trace { config["trace"] = .string(trace) }
            // Only ConverseStream's guardrail config has a processing mode.
            if let mode = guardrail.streamProcessingMode, stream { config["streamProcessingMode"] = .string(mode) }
            body["guardrailConfig"] = .object(config)
        }
        // Converse's inferenceConfig has no topK; it is a model's own field, like model_kwargs:
        // Nova reads it as inferenceConfig.topK, the others (Claude, Mistral...) as top_k.
        var additional = request.modelKwargs
        if let topK = request.topK {
            if request.provider == .amazon {
                var nova = additional["inferenceConfig"]?.objectValue ?? JSONObject()
                nova["topK"] = .int(Int64(topK))
                additional["inferenceConfig"] = .object(nova)
            } else {
                additional["top_k"] = .int(Int64(topK))
            }
        }
        if !additional.isEmpty { body["additionalModelRequestFields"] = .object(additional) }
        request.settings.addConverseMembers(to: &body)
        if let schema = request.responseSchema, !request.schemaAsTool {
            var output = body["outputConfig"]?.objectValue ?? JSONObject()
            output["textFormat"] = Self.textFormat(schema)
            body["outputConfig"] = .object(output)
        }
        return .object(body)
    }

    /// Converse's native structured output for a schema, as ChatBedrockConverse's
    /// `with_structured_output(method="json_schema")` sends it: the schema as text, closed
    /// (Bedrock requires `additionalProperties: false` on every object), with its title and
    /// description back in it, named by its title.
    static func textFormat(_ schema: ToolSpec) -> JSON {
        var object = schema.inputSchema.objectValue ?? JSONObject()
        object["title"] = .string(schema.name)
        if let description = schema.description { object["description"] = .string(description) }
        let definition = JSONObject(["schema": .string(closed(.object(object)).serialized()), "name": .string(schema.name),
                                     "description": .string(schema.description ?? schema.name)])
        return .object(JSONObject(["type": .string("json_schema"),
                                   "structure": .object(JSONObject(["jsonSchema": .object(definition)]))]))
    }

    /// `schema` with `additionalProperties: false` on every object schema, wherever it is
    /// nested (properties, items, definitions, combinators), as langchain-aws sets it.
    static func closed(_ schema: JSON) -> JSON {
        guard case .object(var object) = schema else { return schema }
        if object["type"]?.stringValue == "object" {
            object["additionalProperties"] = .bool(false)
            if case .object(var properties)? = object["properties"] {
                for (key, value) in properties.pairs { properties[key] = closed(value) }
                object["properties"] = .object(properties)
            }
        }
        if let items = object["items"], case .object = items { object["items"] = closed(items) }
        for keyword in ["$defs", "definitions"] {
            guard case .object(var definitions)? = object[keyword] else { continue }
            for (key, value) in definitions.pairs { definitions[key] = closed(value) }
            object[keyword] = .object(definitions)
        }
        for keyword in ["allOf", "anyOf", "oneOf"] {
            guard case .array(let list)? = object[keyword] else { continue }
            object[keyword] = .array(list.map(closed))
        }
        return .object(object)
    }

    // MARK: - The message shape Converse and Nova share

    /// A request's system blocks, messages and toolConfig in the Converse shape.
    struct Conversation {
        var system: [JSON] = []
        /// Empty when the request has only system messages.
        var messages: [JSON] = []
        var toolConfig: JSON?
    }

    /// System blocks hoisted; then user and assistant turns. Both APIs require alternating
    /// roles, so consecutive same-role messages merge (tool results into the user turn).
    /// Errors name the request's message and block (`messages[2].content[1]`).
    static func conversation(_ request: ChatRequest, dialect: ConverseDialect) throws(BedrockError) -> Conversation {
        var conversation = Conversation(toolConfig: try toolConfig(request, dialect: dialect))
        // Both APIs refuse toolUse and toolResult blocks without a toolConfig; with none, the
        // history goes as text, as langchain-aws writes it.
        let toolsAsText = conversation.toolConfig == nil
        var turns: [(role: String, firstIndex: Int, content: [JSON])] = []
        for (index, message) in request.messages.enumerated() {
            if message.role == .system {
                conversation.system += try systemBlocks(message, index: index)
                continue
            }
            let role = message.role == .assistant ? "assistant" : "user"
            let content = try messageBlocks(message, index: index, dialect: dialect, toolsAsText: toolsAsText)
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].content += content
            } else {
                turns.append((role, index, content))
            }
        }
        for turn in turns {
            // A cache point only marks the content before it, so it alone is no content.
            guard turn.content.contains(where: { $0["cachePoint"] == nil }) else {
                let dropped = dialect.sendsReasoning ? "blank text is dropped" : "blank text and reasoning are dropped"
                throw .invalidArgument("messages[\(turn.firstIndex)]", "no content left to send (\(dropped))")
            }
            conversation.messages.append(.object(JSONObject(["role": .string(turn.role), "content": .array(turn.content)])))
        }
        return conversation
    }

    /// System content takes text and cache points only (Bedrock's SystemContentBlock).
    private static func systemBlocks(_ message: ChatMessage, index: Int) throws(BedrockError) -> [JSON] {
        var blocks: [JSON] = []
        for (position, block) in message.content.enumerated() {
            switch block {
            case .text(let text):
                // Bedrock refuses blank text blocks; the C API drops them as it reads a request.
                if !PythonWhitespace.isBlank(text) { blocks.append(member("text", .string(text))) }
            case .cachePoint(let ttl):
                blocks.append(cachePoint(ttl: ttl))
            default:
                throw .invalidArgument("\(InvokeContent.path(message: index, block: position))", "a system message takes only text and cache points, not \(InvokeContent.typeName(block))")
            }
        }
        return blocks
    }

    private static func messageBlocks(_ message: ChatMessage, index: Int, dialect: ConverseDialect,
                                      toolsAsText: Bool) throws(BedrockError) -> [JSON] {
        var blocks: [JSON] = []
        for (position, block) in message.content.enumerated() {
            let field = InvokeContent.path(message: index, block: position)
            switch block {
            case .text(let text):
                if !PythonWhitespace.isBlank(text) { blocks.append(member("text", .string(text))) }
            case .citedText(let text, let citations):
                // Nova's InvokeModel body has no citations block: the text goes alone.
                blocks.append(dialect == .converse
                              ? member("citationsContent", .object(JSONObject(["content": .array([member("text", .string(text))]),
                                                                               "citations": .array(citations)])))
                              : member("text", .string(text)))
            case .image(let mediaType, let data):
                blocks.append(try image(mediaType: mediaType, data: data, field: field))
            case .document(let format, let name, let data):
                blocks.append(document(format: format, name: name, data: data))
            case .toolUse(let id, let name, let input), .serverToolUse(let id, let name, let input):
                guard message.role == .assistant else {
                    throw .invalidArgument("\(field)", "a \(InvokeContent.typeName(block)) block belongs in an assistant message")
                }
                if toolsAsText {
                    blocks.append(member("text", .string(ToolHistoryText.call(name: name, input: input))))
                } else {
                    // A system tool's call goes back with the type the service gave it.
                    let type = if case .serverToolUse = block { ToolUseKind.server } else { String?.none }
                    blocks.append(try toolUse(id: id, name: name, input: input, type: type, field: field))
                }
            case .toolResult(let toolUseId, let content, let isError):
                guard message.role != .assistant else {
                    throw .invalidArgument("\(field)", "a tool_result block belongs in a user or tool message")
                }
                if toolsAsText {
                    blocks.append(member("text", .string(ToolHistoryText.result(content))))
                } else {
                    blocks.append(try toolResult(toolUseId: toolUseId, content: content, isError: isError,
                                                 field: field, dialect: dialect))
                }
                // Bedrock's tool results hold no cache points: one inside a result caches
                // through it, so it follows the result, where ChatBedrockConverse puts it.
                for case .cachePoint(let ttl) in content { blocks.append(cachePoint(ttl: ttl)) }
            case .reasoning(let text, let signature):
                guard dialect.sendsReasoning else { continue }
                if let signature, signature.hasPrefix(AnthropicFormat.redactedThinkingPrefix) {
                    let redacted = String(signature.dropFirst(AnthropicFormat.redactedThinkingPrefix.count))
                    blocks.append(member("reasoningContent", member("redactedContent", .string(redacted))))
                    continue
                }
                var reasoningText = JSONObject(["text": .string(text)])
                if let signature { reasoningText["signature"] = .string(signature) }
                blocks.append(member("reasoningContent", member("reasoningText", .object(reasoningText))))
            case .cachePoint(let ttl):
                blocks.append(cachePoint(ttl: ttl))
            case .serverToolResult(let toolUseId, let toolType, let content, let isError):
                guard message.role == .assistant else {
                    throw .invalidArgument("\(field)", "a server_tool_result block belongs in an assistant message")
                }
                if toolsAsText {
                    blocks.append(member("text", .string(ToolHistoryText.result(converse: content))))
                } else {
                    var result = JSONObject(["toolUseId": .string(toolUseId),
                                             "content": .array(content.isEmpty ? [member("text", .string(""))] : content),
                                             "status": .string(isError ? "error" : "success")])
                    if let toolType { result["type"] = .string(toolType) }
                    blocks.append(member("toolResult", .object(result)))
                }
            case .media(let media):
                blocks.append(Self.media(media))
            case .guardContent(let text, let qualifiers):
                blocks.append(Self.guardContent(text, qualifiers: qualifiers))
            case .searchResult(let source, let title, let content, let citations):
                var result = JSONObject(["source": .string(source), "title": .string(title),
                                         "content": .array(content.map { member("text", .string($0)) })])
                if citations { result["citations"] = member("enabled", .bool(true)) }
                blocks.append(member("searchResult", .object(result)))
            }
        }
        return blocks
    }

    /// The messages with the last user turn's text in guardContent blocks, so the guardrail
    /// checks only that turn, as ChatBedrockConverse's `guard_last_turn_only` does (a turn with
    /// no text, such as tool results, gets a "[tool_result]" block to guard).
    static func guardingLastUserTurn(_ messages: [JSON]) -> [JSON] {
        guard let last = messages.lastIndex(where: { $0["role"]?.stringValue == "user" }),
              case .object(var message) = messages[last], let content = message["content"]?.arrayValue else { return messages }
        var guarded = content.map { block in block["text"]?.stringValue.map { guardContent($0, qualifiers: []) } ?? block }
        if !content.contains(where: { $0["text"] != nil }) { guarded.append(guardContent("[tool_result]", qualifiers: [])) }
        message["content"] = .array(guarded)
        var result = messages
        result[last] = .object(message)
        return result
    }

    /// `{"guardContent": {"text": {"text", "qualifiers"}}}`.
    static func guardContent(_ text: String, qualifiers: [String]) -> JSON {
        var block = JSONObject(["text": .string(text)])
        if !qualifiers.isEmpty { block["qualifiers"] = .array(qualifiers.map(JSON.string)) }
        return member("guardContent", member("text", .object(block)))
    }

    /// A media block as Converse takes it: `{"<kind>": {"format", "name"?, "source": {"bytes"
    /// | "s3Location": {"uri", "bucketOwner"?}}}}`.
    static func media(_ media: MediaBlock) -> JSON {
        var block = JSONObject(["format": .string(media.format)])
        if let name = media.name { block["name"] = .string(name) }
        switch media.source {
        case .bytes(let base64):
            block["source"] = member("bytes", .string(base64))
        case .s3(let uri, let bucketOwner):
            var location = JSONObject(["uri": .string(uri)])
            if let bucketOwner { location["bucketOwner"] = .string(bucketOwner) }
            block["source"] = member("s3Location", .object(location))
        case .text(let text):
            block["source"] = member("text", .string(text))
        case .content(let parts):
            block["source"] = member("content", .array(parts.map { member("text", .string($0)) }))
        }
        if let context = media.context { block["context"] = .string(context) }
        if media.citations { block["citations"] = member("enabled", .bool(true)) }
        return member(media.kind.rawValue, .object(block))
    }

    private static func toolUse(id: String, name: String, input: JSON, type: String? = nil, field: String) throws(BedrockError) -> JSON {
        let arguments: JSON
        switch input {
        case .object: arguments = input
        case .null: arguments = .object(JSONObject())  // A call without arguments.
        default: throw .invalidArgument("\(field).input", "must be a JSON object, got \(input.typeName)")
        }
        var call = JSONObject(["toolUseId": .string(id), "name": .string(name), "input": arguments])
        if let type { call["type"] = .string(type) }
        return member("toolUse", .object(call))
    }

    private static func toolResult(toolUseId: String, content: [ContentBlock], isError: Bool, field: String,
                                   dialect: ConverseDialect) throws(BedrockError) -> JSON {
        var parts: [JSON] = []
        for (position, part) in content.enumerated() {
            let path = "\(field).content[\(position)]"
            switch part {
            case .text(let text):
                parts.append(member("text", .string(text)))  // The tool's output, verbatim.
            case .image(let mediaType, let data):
                parts.append(try image(mediaType: mediaType, data: data, field: path))
            case .document(let format, let name, let data):
                parts.append(document(format: format, name: name, data: data))
            case .cachePoint:
                continue  // Sent after the result (messageBlocks).
            default:
                throw .invalidArgument("\(path)", "a tool result holds only text, images and documents, not \(InvokeContent.typeName(part))")
            }
        }
        var result = JSONObject()
        // The content is required: an empty result is one empty text block.
        result["content"] = .array(parts.isEmpty ? [member("text", .string(""))] : parts)
        result["toolUseId"] = .string(toolUseId)
        if isError || dialect.sendsSuccessStatus { result["status"] = .string(isError ? "error" : "success") }
        return member("toolResult", .object(result))
    }

    private static func image(mediaType: String, data: String, field: String) throws(BedrockError) -> JSON {
        guard let format = imageFormats[mediaType.lowercased()] else {
            throw .invalidArgument("\(field).media_type", "Bedrock reads jpeg, png, gif and webp images, got \"\(mediaType)\"")
        }
        return member("image", .object(JSONObject(["format": .string(format), "source": member("bytes", .string(data))])))
    }

    private static func document(format: String, name: String, data: String) -> JSON {
        member("document", .object(JSONObject(["format": .string(format), "name": .string(name),
                                               "source": member("bytes", .string(data))])))
    }

    /// Tools, tool choice and tool cache points; nil when no tools are offered.
    private static func toolConfig(_ request: ChatRequest, dialect: ConverseDialect) throws(BedrockError) -> JSON? {
        let choice = request.effectiveToolChoice
        // "none" withholds the tools, so no call can be made, unless the history holds tool
        // blocks, which Converse refuses without a toolConfig (then it offers them unforced).
        if choice == ToolChoice.none,
           dialect.withholdsToolsForChoiceNone || !request.messages.contains(where: \.hasToolBlocks) {
            return nil
        }
        var specs = request.effectiveTools
        if specs.isEmpty, request.systemTools.isEmpty, dialect.specsToolsFromHistory {
            var seen: [String] = []
            for message in request.messages {
                for case .toolUse(_, let name, _) in message.content where !seen.contains(name) { seen.append(name) }
            }
            specs = seen.map { ToolSpec(name: $0, description: $0, inputSchema: .object(JSONObject(["type": .string("object")]))) }
        }
        guard !specs.isEmpty || !request.systemTools.isEmpty else { return nil }
        var tools: [JSON] = []
        for (index, spec) in specs.enumerated() {
            guard case .object = spec.inputSchema else {
                let field = index < request.tools.count ? "tools[\(index)]" : "response_schema"
                throw .invalidArgument("\(field).input_schema", "must be a JSON object, got \(spec.inputSchema.typeName)")
            }
            var toolSpec = JSONObject(["name": .string(spec.name)])
            if dialect.describesToolsByName {
                toolSpec["description"] = .string(spec.description ?? spec.name)
            } else if let description = spec.description, !description.isEmpty {
                toolSpec["description"] = .string(description)
            }
            // A strict tool's schema is closed, as structured output requires (and LangChain's
            // bind_tools(strict=True) sends it).
            toolSpec["inputSchema"] = member("json", spec.strict == true ? Self.closed(spec.inputSchema) : spec.inputSchema)
            if let strict = spec.strict, dialect == .converse { toolSpec["strict"] = .bool(strict) }
            tools.append(member("toolSpec", .object(toolSpec)))
            if spec.cachePoint, dialect.sendsToolCachePoints { tools.append(cachePoint(ttl: spec.cachePointTTL)) }
        }
        // After the custom tools, where ChatBedrockConverse's bind_tools puts them.
        tools += request.systemTools.map { member("systemTool", member("name", .string($0.name))) }
        var config = JSONObject(["tools": .array(tools)])
        switch choice {
        case .auto?: config["toolChoice"] = member("auto", .object(JSONObject()))
        case .any?: config["toolChoice"] = member("any", .object(JSONObject()))
        case .tool(let name)?: config["toolChoice"] = member("tool", member("name", .string(name)))
        case .none?, nil: break  // Neither API has a "none" choice (see ConverseDialect).
        }
        return .object(config)
    }

    /// `maxTokens`, `temperature`, `topP`, Nova's `topK` and `stopSequences`, set over `base`.
    static func inferenceConfig(_ request: ChatRequest, base: JSONObject = JSONObject(),
                                dialect: ConverseDialect) throws(BedrockError) -> JSONObject {
        var inference = base
        if let maxTokens = request.maxTokens {
            guard maxTokens >= 0 else { throw .invalidArgument("max_tokens", "must not be negative") }
            if maxTokens > 0 || dialect.sendsZeroMaxTokens { inference["maxTokens"] = .int(Int64(maxTokens)) }
        }
        if let temperature = request.temperature { inference["temperature"] = try finite(temperature, field: "temperature") }
        if let topP = request.topP { inference["topP"] = try finite(topP, field: "top_p") }
        if dialect.takesTopKInInferenceConfig, let topK = request.topK { inference["topK"] = .int(Int64(topK)) }
        if !request.stop.isEmpty { inference["stopSequences"] = .array(request.stop.map(JSON.string)) }
        return inference
    }

    /// A JSON number; NaN and infinity have no JSON form.
    private static func finite(_ value: Double, field: String) throws(BedrockError) -> JSON {
        guard value.isFinite else { throw .invalidArgument("\(field)", "must be a finite number") }
        return .double(value)
    }

    static func member(_ key: String, _ value: JSON) -> JSON { .object(JSONObject([key: value])) }

    // MARK: - Responses

    /// Parses a Converse response body.
    func parseResponse(_ body: JSON) throws(BedrockError) -> ProviderReply {
        try Self.reply(body, reader: ReplyReader(context: "Converse response"))
    }

    /// A Converse-shaped reply (Converse's, and Nova's on InvokeModel): the content of
    /// `output.message`, `stopReason` and `usage`. Block kinds not listed are skipped.
    static func reply(_ body: JSON, reader: ReplyReader) throws(BedrockError) -> ProviderReply {
        let root = try reader.object(body, "body")
        let message = try reader.object(try reader.object(root["output"], "output")["message"], "output.message")
        var reply = ProviderReply()
        for (index, element) in try reader.array(message["content"], "output.message.content").enumerated() {
            let path = "output.message.content[\(index)]"
            let block = try reader.object(element, path)
            if let text = block["text"] {
                reply.blocks.append(.text(try reader.string(text, "\(path).text")))
            } else if let cited = block["citationsContent"] {
                let content = try reader.object(cited, "\(path).citationsContent")
                var text = ""
                for (position, part) in try reader.array(content["content"], "\(path).citationsContent.content").enumerated() {
                    let partPath = "\(path).citationsContent.content[\(position)]"
                    text += try reader.optionalString(try reader.object(part, partPath)["text"], "\(partPath).text") ?? ""
                }
                var citations: [JSON] = []
                if let list = content["citations"] { citations = try reader.array(list, "\(path).citationsContent.citations") }
                reply.blocks.append(.citedText(text, citations: citations))
            } else if let toolUse = block["toolUse"] {
                let call = try reader.object(toolUse, "\(path).toolUse")
                let id = try reader.string(call["toolUseId"], "\(path).toolUse.toolUseId")
                let name = try reader.string(call["name"], "\(path).toolUse.name")
                let input = call["input"] ?? .object(JSONObject())
                let server = try reader.optionalString(call["type"], "\(path).toolUse.type") == ToolUseKind.server
                reply.blocks.append(server ? .serverToolUse(id: id, name: name, input: input) : .toolUse(id: id, name: name, input: input))
            } else if let toolResult = block["toolResult"] {
                // Only a system tool's result comes back in the assistant's message.
                let result = try reader.object(toolResult, "\(path).toolResult")
                reply.blocks.append(.serverToolResult(
                    toolUseId: try reader.string(result["toolUseId"], "\(path).toolResult.toolUseId"),
                    toolType: try reader.optionalString(result["type"], "\(path).toolResult.type"),
                    content: try reader.array(result["content"] ?? .array([]), "\(path).toolResult.content"),
                    isError: try reader.optionalString(result["status"], "\(path).toolResult.status") == "error"))
            } else if let reasoning = block["reasoningContent"] {
                let content = try reader.object(reasoning, "\(path).reasoningContent")
                if let textValue = content["reasoningText"] {
                    let text = try reader.object(textValue, "\(path).reasoningContent.reasoningText")
                    reply.blocks.append(.reasoning(
                        text: try reader.optionalString(text["text"], "\(path).reasoningContent.reasoningText.text") ?? "",
                        signature: try reader.optionalString(text["signature"], "\(path).reasoningContent.reasoningText.signature")))
                } else if let redacted = try reader.optionalString(content["redactedContent"], "\(path).reasoningContent.redactedContent") {
                    // Kept as Anthropic's redacted thinking is, to go back unchanged in later turns.
                    reply.blocks.append(.reasoning(text: "", signature: AnthropicFormat.redactedThinkingPrefix + redacted))
                }
            }
        }
        reply.providerStopReason = try reader.optionalString(root["stopReason"], "stopReason")
        if let usage = root["usage"], usage != .null {
            reply.usage = try Self.usage(usage, reader: reader, path: "usage")
        }
        return reply
    }

    /// The usage object: `inputTokens`, `outputTokens`, and the cache counts under either name
    /// Bedrock gives them (Converse's `cacheReadInputTokens`, Nova's `cacheReadInputTokenCount`).
    static func usage(_ value: JSON, reader: ReplyReader, path: String) throws(BedrockError) -> ChatUsage {
        let usage = try reader.object(value, path)
        func either(_ first: String, _ second: String) throws(BedrockError) -> Int {
            if usage[first] != nil { return try reader.count(usage[first], "\(path).\(first)") }
            return try reader.count(usage[second], "\(path).\(second)")
        }
        var result = ChatUsage(inputTokens: try reader.count(usage["inputTokens"], "\(path).inputTokens"),
                               outputTokens: try reader.count(usage["outputTokens"], "\(path).outputTokens"),
                               cacheReadInputTokens: try either("cacheReadInputTokens", "cacheReadInputTokenCount"),
                               cacheWriteInputTokens: try either("cacheWriteInputTokens", "cacheWriteInputTokenCount"))
        if let details = usage["cacheDetails"] {
            for (index, element) in try reader.array(details, "\(path).cacheDetails").enumerated() {
                let detail = try reader.object(element, "\(path).cacheDetails[\(index)]")
                result.cacheWritesByTTL.append((try reader.string(detail["ttl"], "\(path).cacheDetails[\(index)].ttl"),
                                                try reader.count(detail["inputTokens"], "\(path).cacheDetails[\(index)].inputTokens")))
            }
        }
        return result
    }
}

/// Converse's toolUse `type` for a call the service ran itself.
enum ToolUseKind {
    static let server = "server_tool_use"
}

/// The two bodies built from Converse's message shape: Converse itself, and Amazon Nova's
/// InvokeModel `messages-v1` body. Each property is a way they differ, and says why.
enum ConverseDialect {
    /// Converse and ConverseStream: what LangChain's ChatBedrockConverse sends.
    case converse
    /// Nova on InvokeModel, from AWS's documented `messages-v1` schema; ChatBedrock sends Nova
    /// to Converse, so there is no LangChain body to match.
    case nova

    /// Claude needs its signed reasoning back in later turns, and Converse carries it. Nova's
    /// reasoning comes back redacted and unsigned, so earlier turns' reasoning is not sent.
    var sendsReasoning: Bool { self == .converse }

    /// Nova caches system and messages only (AWS's prompt-caching model table), so a tool's
    /// cache point has nowhere to go.
    var sendsToolCachePoints: Bool { self == .converse }

    /// ChatBedrockConverse sends every tool result's status; AWS's Nova tool-use guide sends
    /// one only to report an error.
    var sendsSuccessStatus: Bool { self == .converse }

    /// ChatBedrockConverse describes a tool without a description by its name; Nova's schema
    /// lets the description be left out.
    var describesToolsByName: Bool { self == .converse }

    /// Neither API has a "none" tool choice, so the tools are not offered. Converse still
    /// offers them, unforced, when the history holds tool blocks (it refuses those without a
    /// toolConfig); Nova gets such history as text instead.
    var withholdsToolsForChoiceNone: Bool { self == .nova }

    /// Tool history with no tools to offer: Converse offers a minimal spec for each tool the
    /// history calls, keeping the calls as blocks (beyond ChatBedrockConverse, which writes
    /// them as text); Nova gets them as text (`ToolHistoryText`), which also serves
    /// `withholdsToolsForChoiceNone`.
    var specsToolsFromHistory: Bool { self == .converse }

    /// ChatBedrockConverse sends max_tokens as given; Nova's body follows ChatBedrock's
    /// InvokeModel rule, as the other InvokeModel formats do: 0 is unset (`if max_tokens:`).
    var sendsZeroMaxTokens: Bool { self == .converse }

    /// Nova's inferenceConfig has topK; Converse's has not (it goes to additional fields).
    var takesTopKInInferenceConfig: Bool { self == .nova }
}

/// Converse-shaped stream events as chat deltas: ConverseStream's events
/// (`{"contentBlockDelta": {...}}`), and Nova's InvokeModel stream chunks, which are the same
/// events, one a chunk. Each is one of `messageStart`, `contentBlockStart`,
/// `contentBlockDelta`, `contentBlockStop`, `messageStop`, `metadata`.
struct ConverseStreamParser: StreamChunkParser {
    private let reader: ReplyReader
    /// The block index of the last event that named one, for events that leave it out.
    private var currentIndex = 0

    init(context: String = "ConverseStream event") {
        reader = ReplyReader(context: context)
    }

    mutating func parse(chunk: JSON) throws(BedrockError) -> [ChatDelta] {
        let object = try reader.object(chunk, "event")
        if let start = object["contentBlockStart"] {
            let event = try reader.object(start, "contentBlockStart")
            let index = try blockIndex(event, "contentBlockStart")
            let start = try reader.object(event["start"], "contentBlockStart.start")
            if let toolResult = start["toolResult"] {
                let result = try reader.object(toolResult, "contentBlockStart.start.toolResult")
                return [.serverToolResultStart(
                    index: index,
                    toolUseId: try reader.string(result["toolUseId"], "contentBlockStart.start.toolResult.toolUseId"),
                    toolType: try reader.optionalString(result["type"], "contentBlockStart.start.toolResult.type"),
                    isError: try reader.optionalString(result["status"], "contentBlockStart.start.toolResult.status") == "error")]
            }
            guard let toolUse = start["toolUse"] else { return [] }
            let call = try reader.object(toolUse, "contentBlockStart.start.toolUse")
            let id = try reader.string(call["toolUseId"], "contentBlockStart.start.toolUse.toolUseId")
            let name = try reader.string(call["name"], "contentBlockStart.start.toolUse.name")
            if try reader.optionalString(call["type"], "contentBlockStart.start.toolUse.type") == ToolUseKind.server {
                return [.serverToolCallStart(index: index, id: id, name: name)]
            }
            return [.toolCallStart(index: index, id: id, name: name)]
        }
        if let deltaEvent = object["contentBlockDelta"] {
            let event = try reader.object(deltaEvent, "contentBlockDelta")
            let index = try blockIndex(event, "contentBlockDelta")
            let delta = try reader.object(event["delta"], "contentBlockDelta.delta")
            if let text = delta["text"] {
                return [.text(index: index, text: try reader.string(text, "contentBlockDelta.delta.text"))]
            }
            if let citation = delta["citation"] {
                return [.citation(index: index, citation: .object(try reader.object(citation, "contentBlockDelta.delta.citation")))]
            }
            if let toolUse = delta["toolUse"] {
                let input = try reader.string(try reader.object(toolUse, "contentBlockDelta.delta.toolUse")["input"],
                                              "contentBlockDelta.delta.toolUse.input")
                return input.isEmpty ? [] : [.toolCallDelta(index: index, args: input)]
            }
            if let toolResult = delta["toolResult"] {
                let content = try reader.array(toolResult, "contentBlockDelta.delta.toolResult")
                return content.isEmpty ? [] : [.serverToolResultDelta(index: index, content: content)]
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
                if let redacted = try reader.optionalString(content["redactedContent"],
                                                            "contentBlockDelta.delta.reasoningContent.redactedContent") {
                    deltas.append(.reasoningSignature(index: index, signature: AnthropicFormat.redactedThinkingPrefix + redacted))
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
            return [.usage(try ConverseFormat.usage(usage, reader: reader, path: "metadata.usage"))]
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
