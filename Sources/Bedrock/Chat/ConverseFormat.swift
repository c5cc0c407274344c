/// The Converse API as a chat format: the request body for Converse and ConverseStream,
/// and the parsing of their responses and events. The body matches what LangChain's
/// ChatBedrockConverse sends for the same conversation.
struct ConverseFormat {
    static let cachePoint = JSON.object(JSONObject(["cachePoint": .object(JSONObject(["type": .string("default")]))]))

    func requestBody(_ request: ChatRequest) throws(BedrockError) -> JSON {
        var body = JSONObject()
        let (system, messages) = try Self.messages(request)
        body["messages"] = .array(messages)
        if !system.isEmpty { body["system"] = .array(system) }

        var inference = JSONObject()
        if let maxTokens = request.maxTokens { inference["maxTokens"] = .int(Int64(maxTokens)) }
        if let temperature = request.temperature { inference["temperature"] = .double(temperature) }
        if let topP = request.topP { inference["topP"] = .double(topP) }
        if !request.stop.isEmpty { inference["stopSequences"] = .array(request.stop.map(JSON.string)) }
        if !inference.isEmpty { body["inferenceConfig"] = .object(inference) }

        if let toolConfig = Self.toolConfig(request) { body["toolConfig"] = toolConfig }
        if let guardrail = request.guardrail {
            var config = JSONObject(["guardrailIdentifier": .string(guardrail.id),
                                     "guardrailVersion": .string(guardrail.version)])
            if let trace = guardrail.trace { config["trace"] = .string(trace) }
            body["guardrailConfig"] = .object(config)
        }
        var additional = request.modelKwargs
        if let topK = request.topK { additional["top_k"] = .int(Int64(topK)) }
        if !additional.isEmpty { body["additionalModelRequestFields"] = .object(additional) }
        return .object(body)
    }

    /// System blocks hoisted; then user and assistant turns, with consecutive user content
    /// (tool results included) merged, since Converse requires alternating roles.
    private static func messages(_ request: ChatRequest) throws(BedrockError) -> (system: [JSON], messages: [JSON]) {
        var system: [JSON] = []
        var turns: [(role: String, content: [JSON])] = []
        for message in request.messages {
            let content = try message.content.map { (block) throws(BedrockError) in try blockJSON(block) }
            let role: String
            switch message.role {
            case .system:
                system += content
                continue
            case .user, .tool: role = "user"
            case .assistant: role = "assistant"
            }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].content += content
            } else {
                turns.append((role, content))
            }
        }
        let messages = turns.map { JSON.object(JSONObject(["role": .string($0.role), "content": .array($0.content)])) }
        return (system, messages)
    }

    static func blockJSON(_ block: ContentBlock) throws(BedrockError) -> JSON {
        switch block {
        case .text(let text):
            return .object(JSONObject(["text": .string(text)]))
        case .image(let mediaType, let data):
            let format = String(mediaType.dropFirst("image/".count))
            return .object(JSONObject(["image": .object(JSONObject([
                "format": .string(format == "jpg" ? "jpeg" : format),
                "source": .object(JSONObject(["bytes": .string(data)])),
            ]))]))
        case .document(let format, let name, let data):
            return .object(JSONObject(["document": .object(JSONObject([
                "format": .string(format), "name": .string(name),
                "source": .object(JSONObject(["bytes": .string(data)])),
            ]))]))
        case .toolUse(let id, let name, let input):
            return .object(JSONObject(["toolUse": .object(JSONObject([
                "toolUseId": .string(id), "name": .string(name), "input": input,
            ]))]))
        case .toolResult(let toolUseId, let content, let isError):
            let parts = try content.map { (part) throws(BedrockError) in try blockJSON(part) }
            return .object(JSONObject(["toolResult": .object(JSONObject([
                "content": .array(parts.isEmpty ? [.object(JSONObject(["text": .string("")]))] : parts),
                "toolUseId": .string(toolUseId),
                "status": .string(isError ? "error" : "success"),
            ]))]))
        case .reasoning(let text, let signature):
            var reasoningText = JSONObject(["text": .string(text)])
            if let signature { reasoningText["signature"] = .string(signature) }
            return .object(JSONObject(["reasoningContent": .object(JSONObject([
                "reasoningText": .object(reasoningText),
            ]))]))
        case .cachePoint:
            return cachePoint
        }
    }

    /// Tools, tool choice and the tool cache point. History with tool blocks but no tools
    /// still gets a toolConfig, which Converse requires: a minimal spec per tool name used.
    private static func toolConfig(_ request: ChatRequest) -> JSON? {
        var specs = request.effectiveTools
        if specs.isEmpty {
            var seen: [String] = []
            for message in request.messages {
                for case .toolUse(_, let name, _) in message.content where !seen.contains(name) { seen.append(name) }
            }
            specs = seen.map { ToolSpec(name: $0, description: $0, inputSchema: .object(JSONObject(["type": .string("object")]))) }
        }
        guard !specs.isEmpty else { return nil }
        let tools = specs.flatMap { spec in
            let tool = JSON.object(JSONObject(["toolSpec": .object(JSONObject([
                "name": .string(spec.name),
                "description": .string(spec.description ?? spec.name),
                "inputSchema": .object(JSONObject(["json": spec.inputSchema])),
            ]))]))
            return spec.cachePoint ? [tool, cachePoint] : [tool]
        }
        var config = JSONObject(["tools": .array(tools)])
        switch request.effectiveToolChoice {
        case .auto?: config["toolChoice"] = .object(JSONObject(["auto": .object(JSONObject())]))
        case .any?: config["toolChoice"] = .object(JSONObject(["any": .object(JSONObject())]))
        case .tool(let name)?:
            config["toolChoice"] = .object(JSONObject(["tool": .object(JSONObject(["name": .string(name)]))]))
        case .none?, nil: break
        }
        return .object(config)
    }

    // MARK: - Responses

    /// Parses a Converse response body.
    func parseResponse(_ body: JSON) throws(BedrockError) -> (reply: ProviderReply, trace: JSON?) {
        guard case .array(let content)? = body["output"]?["message"]?["content"] else {
            throw BedrockError(.protocol, "Converse response has no output.message.content")
        }
        var blocks: [ContentBlock] = []
        for block in content {
            if let text = block["text"]?.stringValue {
                blocks.append(.text(text))
            } else if let toolUse = block["toolUse"] {
                blocks.append(.toolUse(id: toolUse["toolUseId"]?.stringValue ?? "", name: toolUse["name"]?.stringValue ?? "",
                                       input: toolUse["input"] ?? .object(JSONObject())))
            } else if let reasoning = block["reasoningContent"]?["reasoningText"] {
                blocks.append(.reasoning(text: reasoning["text"]?.stringValue ?? "",
                                         signature: reasoning["signature"]?.stringValue))
            }
        }
        let reply = ProviderReply(blocks: blocks, providerStopReason: body["stopReason"]?.stringValue,
                                  usage: body["usage"].map(Self.usage))
        return (reply, body["trace"])
    }

    static func usage(_ json: JSON) -> ChatUsage {
        func count(_ key: String) -> Int { json[key]?.int64Value.flatMap { Int(exactly: $0) } ?? 0 }
        return ChatUsage(inputTokens: count("inputTokens"), outputTokens: count("outputTokens"),
                         cacheReadInputTokens: count("cacheReadInputTokens"),
                         cacheWriteInputTokens: count("cacheWriteInputTokens"))
    }
}

/// ConverseStream events (`{"contentBlockDelta": {...}}`) as chat deltas.
struct ConverseStreamParser: StreamChunkParser {
    mutating func parse(chunk event: JSON) throws(BedrockError) -> [ChatDelta] {
        guard case .object(let members) = event, let name = members.keys.first, let body = members[name] else { return [] }
        let index = body["contentBlockIndex"]?.int64Value.flatMap { Int(exactly: $0) } ?? 0
        switch name {
        case "contentBlockStart":
            if let toolUse = body["start"]?["toolUse"] {
                return [.toolCallStart(index: index, id: toolUse["toolUseId"]?.stringValue ?? "",
                                       name: toolUse["name"]?.stringValue ?? "")]
            }
        case "contentBlockDelta":
            guard let delta = body["delta"] else { return [] }
            if let text = delta["text"]?.stringValue { return [.text(index: index, text: text)] }
            if let input = delta["toolUse"]?["input"]?.stringValue { return [.toolCallDelta(index: index, args: input)] }
            if let reasoning = delta["reasoningContent"] {
                if let text = reasoning["text"]?.stringValue { return [.reasoning(index: index, text: text)] }
                if let signature = reasoning["signature"]?.stringValue {
                    return [.reasoningSignature(index: index, signature: signature)]
                }
            }
        case "messageStop":
            if let reason = body["stopReason"]?.stringValue { return [.stop(providerReason: reason)] }
        case "metadata":
            if let usage = body["usage"] { return [.usage(ConverseFormat.usage(usage))] }
        default:
            break
        }
        return []
    }
}
