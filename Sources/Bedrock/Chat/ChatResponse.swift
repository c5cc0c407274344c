/// The chat response object (docs/c-api.md, "Chat response"), built once a reply is complete.
struct ChatResponse {
    var blocks: [ContentBlock]
    var providerStopReason: String?
    var usage: ChatUsage
    var modelId: String
    var requestId: String?
    var api: ChatAPI
    /// The name of the tool that carries `response_schema`, when the request had one.
    var structuredToolName: String?
    /// The schema went as native structured output: the text is the structured value.
    var structuredFromText = false
    /// The trace, additional response fields and service tier the service returned.
    var extras: ReplyExtras

    var text: String {
        blocks.compactMap(\.plainText).joined()
    }

    /// Converse's name for why the reply ended. A reply that calls tools stopped for tool use,
    /// also where the provider says only "complete" (Cohere).
    var stopReason: String {
        let normalized = providerStopReason.map(StopReason.normalized) ?? StopReason.endTurn
        let callsTools = blocks.contains { if case .toolUse = $0 { true } else { false } }
        return normalized == StopReason.endTurn && callsTools ? StopReason.toolUse : normalized
    }

    var json: JSON {
        var toolCalls: [JSON] = []
        var structured = JSON.null
        for case .toolUse(let id, let name, let input) in blocks {
            toolCalls.append(.object(JSONObject(["id": .string(id), "name": .string(name), "args": input])))
            if name == structuredToolName, structured == .null { structured = input }
        }
        let text = text
        if structuredFromText { structured = (try? JSON.parse(text, field: "structured output")) ?? .null }
        var object = JSONObject([
            "content": .string(text),
            "blocks": .array(blocks.compactMap(\.responseJSON)),
            "tool_calls": .array(toolCalls),
            "structured": structured,
            "stop_reason": .string(stopReason),
            "provider_stop_reason": providerStopReason.map(JSON.string) ?? .null,
            "model_id": .string(modelId),
            "request_id": requestId.map(JSON.string) ?? .null,
            "api": .string(api.rawValue),
            "usage": usage.json,
        ])
        extras.add(to: &object)
        return .object(object)
    }
}

extension ContentBlock {
    /// The block as a response's `blocks` entry.
    var responseJSON: JSON? {
        switch self {
        case .text(let text):
            return .object(JSONObject(["type": .string("text"), "text": .string(text)]))
        case .citedText(let text, let citations):
            return .object(JSONObject(["type": .string("text"), "text": .string(text), "citations": .array(citations)]))
        case .reasoning(let text, let signature):
            var object = JSONObject(["type": .string("reasoning"), "text": .string(text)])
            object["signature"] = signature.map(JSON.string) ?? .null
            return .object(object)
        case .toolUse(let id, let name, let input):
            return .object(JSONObject(["type": .string("tool_use"), "id": .string(id), "name": .string(name),
                                       "input": input]))
        case .serverToolUse(let id, let name, let input):
            return .object(JSONObject(["type": .string("server_tool_use"), "id": .string(id), "name": .string(name),
                                       "input": input]))
        case .serverToolResult(let toolUseId, let toolType, let content, let isError):
            return .object(JSONObject(["type": .string("server_tool_result"), "tool_use_id": .string(toolUseId),
                                       "tool_type": toolType.map(JSON.string) ?? .null, "is_error": .bool(isError),
                                       "content": .array(content)]))
        default:
            return nil
        }
    }
}
