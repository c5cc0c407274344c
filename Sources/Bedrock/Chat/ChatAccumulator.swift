/// Builds a chat reply from deltas, in arrival order, and turns each delta into the stream
/// event docs/c-api.md defines. `bedrock_chat` and the stream's final `message` event both come
/// from here, so they agree.
struct ChatAccumulator {
    private enum Partial {
        case text(String, citations: [JSON])
        case reasoning(text: String, signature: String?)
        case toolUse(id: String, name: String, args: String, server: Bool)
        case serverToolResult(toolUseId: String, toolType: String?, isError: Bool, content: [JSON])
    }

    private var partials: [Int: Partial] = [:]
    private var order: [Int] = []
    private(set) var usage = ChatUsage()
    private(set) var providerStopReason: String?

    /// Applies one delta and returns the stream event for it, if it is one callers see.
    mutating func apply(_ delta: ChatDelta) -> JSON? {
        switch delta {
        case .text(let index, let text):
            guard !text.isEmpty else { return nil }
            if case .text(let existing, let citations)? = partials[index] {
                partials[index] = .text(existing + text, citations: citations)
            } else {
                insert(index, .text(text, citations: []))
            }
            return Self.event("text", ["index": .int(Int64(index)), "text": .string(text)])
        case .citation(let index, let citation):
            if case .text(let text, let citations)? = partials[index] {
                partials[index] = .text(text, citations: citations + [citation])
            } else {
                insert(index, .text("", citations: [citation]))
            }
            return Self.event("citation", ["index": .int(Int64(index)), "citation": citation])
        case .reasoning(let index, let text):
            if case .reasoning(let existing, let signature)? = partials[index] {
                partials[index] = .reasoning(text: existing + text, signature: signature)
            } else {
                insert(index, .reasoning(text: text, signature: nil))
            }
            return text.isEmpty ? nil : Self.event("reasoning", ["index": .int(Int64(index)), "text": .string(text)])
        case .reasoningSignature(let index, let signature):
            if case .reasoning(let text, let existing)? = partials[index] {
                partials[index] = .reasoning(text: text, signature: (existing ?? "") + signature)
            } else {
                insert(index, .reasoning(text: "", signature: signature))
            }
            return nil
        case .toolCallStart(let index, let id, let name):
            insert(index, .toolUse(id: id, name: name, args: "", server: false))
            return Self.event("tool_call_start", ["index": .int(Int64(index)), "id": .string(id), "name": .string(name)])
        case .serverToolCallStart(let index, let id, let name):
            insert(index, .toolUse(id: id, name: name, args: "", server: true))
            return Self.event("server_tool_call_start", ["index": .int(Int64(index)), "id": .string(id), "name": .string(name)])
        case .toolCallDelta(let index, let args):
            guard case .toolUse(let id, let name, let existing, let server)? = partials[index] else { return nil }
            partials[index] = .toolUse(id: id, name: name, args: existing + args, server: server)
            return args.isEmpty ? nil : Self.event(server ? "server_tool_call_delta" : "tool_call_delta",
                                                   ["index": .int(Int64(index)), "args": .string(args)])
        case .serverToolResultStart(let index, let toolUseId, let toolType, let isError):
            insert(index, .serverToolResult(toolUseId: toolUseId, toolType: toolType, isError: isError, content: []))
            return Self.event("server_tool_result", ["index": .int(Int64(index)), "tool_use_id": .string(toolUseId),
                                                     "tool_type": toolType.map(JSON.string) ?? .null, "is_error": .bool(isError)])
        case .serverToolResultDelta(let index, let content):
            guard case .serverToolResult(let toolUseId, let toolType, let isError, let existing)? = partials[index] else { return nil }
            partials[index] = .serverToolResult(toolUseId: toolUseId, toolType: toolType, isError: isError,
                                                content: Self.appending(content, to: existing))
            return Self.event("server_tool_result_delta", ["index": .int(Int64(index)), "content": .array(content)])
        case .usage(let reported):
            usage.merge(reported)
            return nil
        case .stop(let reason):
            providerStopReason = reason
            return nil
        }
    }

    /// Adds blocks of a whole (non-streamed) reply.
    mutating func apply(blocks: [ContentBlock]) {
        for block in blocks {
            let index = order.count
            switch block {
            case .text(let text): insert(index, .text(text, citations: []))
            case .citedText(let text, let citations): insert(index, .text(text, citations: citations))
            case .reasoning(let text, let signature): insert(index, .reasoning(text: text, signature: signature))
            case .toolUse(let id, let name, let input):
                insert(index, .toolUse(id: id, name: name, args: input.serialized(), server: false))
            case .serverToolUse(let id, let name, let input):
                insert(index, .toolUse(id: id, name: name, args: input.serialized(), server: true))
            case .serverToolResult(let toolUseId, let toolType, let content, let isError):
                insert(index, .serverToolResult(toolUseId: toolUseId, toolType: toolType, isError: isError, content: content))
            default: continue
            }
        }
    }

    mutating func setUsage(_ reported: ChatUsage) { usage.merge(reported) }

    mutating func setProviderStopReason(_ reason: String?) {
        if let reason { providerStopReason = reason }
    }

    private mutating func insert(_ index: Int, _ partial: Partial) {
        if partials.updateValue(partial, forKey: index) == nil { order.append(index) }
    }

    /// The reply's content blocks in index order. Tool arguments that are not a JSON object
    /// become an empty object, as LangChain parses them.
    var blocks: [ContentBlock] {
        order.sorted().compactMap { index -> ContentBlock? in
            switch partials[index] {
            case .text(let text, let citations)?: return citations.isEmpty ? .text(text) : .citedText(text, citations: citations)
            case .reasoning(let text, let signature)?: return .reasoning(text: text, signature: signature)
            case .toolUse(let id, let name, let args, let server)?:
                let parsed = args.isEmpty ? nil : try? JSON.parse(args, field: "tool arguments")
                let input: JSON
                if case .object(let members)? = parsed { input = .object(members) } else { input = .object(JSONObject()) }
                return server ? .serverToolUse(id: id, name: name, input: input) : .toolUse(id: id, name: name, input: input)
            case .serverToolResult(let toolUseId, let toolType, let isError, let content)?:
                return .serverToolResult(toolUseId: toolUseId, toolType: toolType, content: content, isError: isError)
            case nil: return nil
            }
        }
    }

    /// A result's content with more pieces: text that continues a text piece joins it, as
    /// ConverseStream splits one text into deltas.
    private static func appending(_ pieces: [JSON], to content: [JSON]) -> [JSON] {
        var result = content
        for piece in pieces {
            if let text = piece["text"]?.stringValue, piece.objectValue?.count == 1,
               let last = result.last, let previous = last["text"]?.stringValue, last.objectValue?.count == 1 {
                result[result.count - 1] = ConverseFormat.member("text", .string(previous + text))
            } else {
                result.append(piece)
            }
        }
        return result
    }

    static func event(_ type: String, _ members: KeyValuePairs<String, JSON>) -> JSON {
        var object = JSONObject(["type": .string(type)])
        for (key, value) in members { object[key] = value }
        return .object(object)
    }
}

extension ChatUsage {
    /// Takes each non-zero count from `other`: providers report input and output tokens in
    /// different events.
    mutating func merge(_ other: ChatUsage) {
        if other.inputTokens != 0 { inputTokens = other.inputTokens }
        if other.outputTokens != 0 { outputTokens = other.outputTokens }
        if other.cacheReadInputTokens != 0 { cacheReadInputTokens = other.cacheReadInputTokens }
        if other.cacheWriteInputTokens != 0 { cacheWriteInputTokens = other.cacheWriteInputTokens }
        if !other.cacheWritesByTTL.isEmpty { cacheWritesByTTL = other.cacheWritesByTTL }
    }

    var json: JSON {
        var object = JSONObject([
            "input_tokens": .int(Int64(inputTokens)), "output_tokens": .int(Int64(outputTokens)),
            "total_tokens": .int(Int64(totalTokens)),
            "cache_read_input_tokens": .int(Int64(cacheReadInputTokens)),
            "cache_write_input_tokens": .int(Int64(cacheWriteInputTokens)),
        ])
        if !cacheWritesByTTL.isEmpty {
            object["cache_details"] = .array(cacheWritesByTTL.map { detail in
                .object(JSONObject(["ttl": .string(detail.ttl), "input_tokens": .int(Int64(detail.inputTokens))]))
            })
        }
        return .object(object)
    }
}
