/// The OpenAI-style chat-completions body that Mistral's chat models, AI21 Jamba and
/// OpenAI's gpt-oss share: `messages` with `tool_calls` and `role: tool` results, `tools` as
/// functions, and `choices` in the response. One encoder, one response parser and one
/// stream parser, with the dialects' differences in `OpenAIChatDialect`.

/// How a provider's chat-completions dialect differs from OpenAI's.
struct OpenAIChatDialect: Sendable {
    enum ToolChoiceStyle: Sendable {
        /// "auto" | "none" | "required" | {"type": "function", "function": {"name"}}.
        case openAI
        /// "auto" | "any" | "none"; a named tool is forced as "any" with only that tool offered.
        case mistral
        /// No tool_choice member: a named tool is forced by offering only that tool, and
        /// "none" by offering none.
        case absent
    }

    enum ToolCallIdStyle: Sendable {
        case verbatim
        /// Mistral accepts only ids of nine letters and digits.
        case mistral
    }

    var parameterKeys: InferenceParameterKeys
    var toolChoice: ToolChoiceStyle
    var toolCallIds = ToolCallIdStyle.verbatim
    var supportsTools = true
    var supportsImages = false
    var reasoningTags: InlineReasoningTags?
}

enum OpenAIChatMessages {
    // MARK: Request

    static func requestBody(_ request: ChatRequest, modelId: String,
                            dialect: OpenAIChatDialect) throws(BedrockError) -> JSON {
        var body = InvokeBody.start(request)
        body["messages"] = .array(try messages(request, modelId: modelId, dialect: dialect))
        if dialect.supportsTools {
            try setTools(request, dialect: dialect, in: &body)
        } else {
            try InvokeBody.rejectTools(request, modelId: modelId)
        }
        try InvokeBody.setParameters(request, keys: dialect.parameterKeys, modelId: modelId, in: &body)
        return .object(body)
    }

    /// The conversation as chat messages, the way LangChain's `convert_to_openai_messages`
    /// writes them: text-only content as one string (blocks joined by "\n"), content with
    /// images as a list of parts, an assistant's tool calls with their arguments as JSON
    /// text, and each tool result as its own `tool` message.
    static func messages(_ request: ChatRequest, modelId: String,
                         dialect: OpenAIChatDialect) throws(BedrockError) -> [JSON] {
        var result: [JSON] = []
        for (messageIndex, message) in request.messages.enumerated() {
            var texts: [String] = []
            var parts: [JSON] = []
            var hasImage = false
            var toolCalls: [JSON] = []
            var toolResults: [JSON] = []
            for (blockIndex, block) in message.content.enumerated() {
                let path = InvokeContent.path(message: messageIndex, block: blockIndex)
                switch block {
                case .text(let text), .citedText(let text, _):
                    if PythonWhitespace.isBlank(text) { continue }
                    texts.append(text)
                    parts.append(.object(JSONObject(["type": .string("text"), "text": .string(text)])))
                case .image(let mediaType, let data):
                    guard dialect.supportsImages, message.role == .user else {
                        throw InvokeContent.unsupported(block, at: path, modelId: modelId)
                    }
                    hasImage = true
                    parts.append(.object(JSONObject([
                        "type": .string("image_url"),
                        "image_url": .object(JSONObject(["url": .string("data:\(mediaType);base64,\(data)")])),
                    ])))
                case .toolUse(let id, let name, let input):
                    guard message.role == .assistant else {
                        throw .invalidArgument("\(path)", "tool_use blocks belong in assistant messages")
                    }
                    toolCalls.append(.object(JSONObject([
                        "type": .string("function"),
                        "id": .string(toolCallId(id, dialect)),
                        "function": .object(JSONObject([
                            "name": .string(name),
                            "arguments": .string(PythonJSON.text(input)),
                        ])),
                    ])))
                case .toolResult(let toolUseId, let content, _):
                    guard message.role == .tool || message.role == .user else {
                        throw .invalidArgument("\(path)", "tool_result blocks belong in tool messages")
                    }
                    toolResults.append(.object(JSONObject([
                        "role": .string("tool"),
                        "tool_call_id": .string(toolCallId(toolUseId, dialect)),
                        "content": .string(try resultText(content, at: path, modelId: modelId)),
                    ])))
                case .reasoning, .cachePoint:
                    // Earlier reasoning is not sent back; cache points are only hints.
                    continue
                case .media, .guardContent, .searchResult, .serverToolUse, .serverToolResult:
                    throw InvokeContent.unsupported(block, at: path, modelId: modelId)
                case .document:
                    throw InvokeContent.unsupported(block, at: path, modelId: modelId)
                }
            }
            // Tool results answer the assistant's calls, so they go right after them.
            result += toolResults
            if message.role == .tool {
                if toolResults.isEmpty && !texts.isEmpty {
                    throw .invalidArgument("messages[\(messageIndex)]", "a tool message needs a tool_result block")
                }
                continue
            }
            let text = texts.joined(separator: "\n")
            if toolCalls.isEmpty && text.isEmpty && !hasImage { continue }  // nothing to send
            var object = JSONObject(["role": .string(message.role.rawValue)])
            if !toolCalls.isEmpty { object["tool_calls"] = .array(toolCalls) }
            object["content"] = hasImage ? .array(parts) : .string(text)
            result.append(.object(object))
        }
        return result
    }

    /// A tool result's content as the one string a `tool` message carries.
    private static func resultText(_ content: [ContentBlock], at path: String,
                                   modelId: String) throws(BedrockError) -> String {
        var texts: [String] = []
        for block in content {
            switch block {
            case .text(let text):
                if !PythonWhitespace.isBlank(text) { texts.append(text) }
            case .cachePoint:
                continue
            default:
                throw .invalidArgument("\(path)", "\(InvokeContent.typeName(block)) content in a tool result is not supported by \(modelId)")
            }
        }
        return texts.joined(separator: "\n")
    }

    private static func setTools(_ request: ChatRequest, dialect: OpenAIChatDialect,
                                 in body: inout JSONObject) throws(BedrockError) {
        var tools = request.effectiveTools
        guard !tools.isEmpty else { return }
        var choice: JSON?
        switch (request.effectiveToolChoice, dialect.toolChoice) {
        case (nil, _):
            break
        case (.auto?, .absent):
            break
        case (.auto?, _):
            choice = .string("auto")
        case (.none?, .absent):
            return  // offer nothing: the model cannot call what it is not given
        case (.none?, _):
            choice = .string("none")
        case (.any?, .openAI):
            choice = .string("required")
        case (.any?, .mistral):
            choice = .string("any")
        case (.any?, .absent):
            break  // cannot be forced; the tools are offered
        case (.tool(let name)?, let style):
            guard tools.contains(where: { $0.name == name }) else {
                throw .invalidArgument("tool_choice", "no tool named \"\(name)\"")
            }
            switch style {
            case .openAI:
                choice = .object(JSONObject([
                    "type": .string("function"),
                    "function": .object(JSONObject(["name": .string(name)])),
                ]))
            case .mistral:
                // Mistral's tool_choice cannot name a tool: force a call with only that one offered.
                tools = tools.filter { $0.name == name }
                choice = .string("any")
            case .absent:
                tools = tools.filter { $0.name == name }
            }
        }
        body["tools"] = .array(tools.map(functionTool))
        if let choice { body["tool_choice"] = choice }
    }

    /// A tool as an OpenAI function, as LangChain's `convert_to_openai_tool` writes it.
    static func functionTool(_ tool: ToolSpec) -> JSON {
        var function = JSONObject(["name": .string(tool.name)])
        if let description = tool.description { function["description"] = .string(description) }
        function["parameters"] = tool.inputSchema
        return .object(JSONObject(["type": .string("function"), "function": .object(function)]))
    }

    static func toolCallId(_ id: String, _ dialect: OpenAIChatDialect) -> String {
        switch dialect.toolCallIds {
        case .verbatim: id
        case .mistral: MistralToolCallId.make(id)
        }
    }

    // MARK: Response

    static func parseResponse(_ body: JSON, modelId: String,
                              dialect: OpenAIChatDialect) throws(BedrockError) -> ProviderReply {
        let reader = ReplyReader(modelId: modelId)
        let root = try reader.object(body, "body")
        guard case .array(let choices)? = root["choices"], let first = choices.first else {
            throw reader.malformed("no choices")
        }
        let choice = try reader.object(first, "choices[0]")
        guard let messageJSON = choice["message"] else {
            throw reader.malformed("choices[0] has no message")
        }
        let message = try reader.object(messageJSON, "choices[0].message")

        var reasoning = try reasoningField(message, reader: reader) ?? ""
        var text = try contentText(message["content"], reader: reader)
        if let tags = dialect.reasoningTags {
            let split = tags.split(text)
            reasoning += split.reasoning ?? ""
            text = split.answer
        }
        var toolCalls: [ContentBlock] = []
        if case .array(let calls)? = message["tool_calls"] {
            for (position, call) in calls.enumerated() {
                let fields = try toolCallFields(call, position: position, reader: reader)
                guard let name = fields.name else {
                    throw reader.malformed("tool_calls[\(position)] has no function name")
                }
                toolCalls.append(.toolUse(id: fields.id ?? "call_\(position)", name: name,
                                          input: argumentsJSON(fields.arguments)))
            }
        }
        return ProviderReply(
            blocks: ProviderReply.blocks(reasoning: reasoning, text: text, toolCalls: toolCalls),
            providerStopReason: try stopReason(choice, reader: reader),
            usage: try usage(root["usage"], reader: reader))
    }

    /// `finish_reason`, or `stop_reason` as Bedrock's Mistral chat models name it.
    static func stopReason(_ choice: JSONObject, reader: ReplyReader) throws(BedrockError) -> String? {
        if let reason = try reader.optionalString(choice["finish_reason"], "finish_reason") {
            return reason
        }
        return try reader.optionalString(choice["stop_reason"], "stop_reason")
    }

    static func usage(_ json: JSON?, reader: ReplyReader) throws(BedrockError) -> ChatUsage? {
        guard case .object(let usage)? = json else { return nil }
        return try reader.usage(usage, input: "prompt_tokens", output: "completion_tokens", at: "usage")
    }

    /// Reasoning some servers return beside the content (`reasoning_content` or `reasoning`).
    static func reasoningField(_ message: JSONObject, reader: ReplyReader) throws(BedrockError) -> String? {
        for key in ["reasoning_content", "reasoning"] {
            if let text = try reader.optionalString(message[key], key) {
                return text
            }
        }
        return nil
    }

    /// `content` as a string, null, or a list of text parts.
    static func contentText(_ json: JSON?, reader: ReplyReader) throws(BedrockError) -> String {
        switch json {
        case nil, .null?: return ""
        case .string(let text)?: return text
        case .array(let parts)?:
            return parts.compactMap { part in
                if case .string(let text)? = part["text"] { return text }
                return nil
            }.joined()
        case let other?:
            throw reader.malformed("message content is \(other.typeName)")
        }
    }

    struct ToolCallFields {
        var index: Int?
        var id: String?
        var name: String?
        /// Arguments as JSON text (some servers send an object; it is printed).
        var arguments: String?
    }

    static func toolCallFields(_ json: JSON, position: Int, reader: ReplyReader) throws(BedrockError) -> ToolCallFields {
        let call = try reader.object(json, "tool_calls[\(position)]")
        var fields = ToolCallFields()
        fields.index = call["index"]?.int64Value.map { Int(clamping: $0) }
        fields.id = try reader.optionalString(call["id"], "tool call id")
        if case .object(let function)? = call["function"] {
            fields.name = try reader.optionalString(function["name"], "function name")
            switch function["arguments"] {
            case nil, .null?: break
            case .string(let text)?: fields.arguments = text
            case let other?: fields.arguments = other.serialized()
            }
        }
        return fields
    }

    /// Tool-call arguments as JSON: empty means no arguments; text that is not JSON is kept
    /// as a string rather than dropped.
    static func argumentsJSON(_ text: String?) -> JSON {
        guard let text, !PythonWhitespace.isBlank(text) else { return .object(JSONObject()) }
        return (try? JSON.parse(text, field: "arguments")) ?? .string(text)
    }
}

/// Parses OpenAI-style stream chunks: `choices[0].delta` (or `message`, as some Bedrock
/// models stream) with content, reasoning and tool-call fragments keyed by `index`.
struct OpenAIChatStreamParser: StreamChunkParser {
    private let reader: ReplyReader
    private var splitter: InlineReasoningSplitter?
    private var indices = StreamBlockIndices()

    init(modelId: String, dialect: OpenAIChatDialect) {
        reader = ReplyReader(modelId: modelId, stream: true)
        splitter = dialect.reasoningTags.map { InlineReasoningSplitter(tags: $0) }
    }

    mutating func finish() -> [ChatDelta] {
        guard let pieces = splitter?.finish() else { return [] }
        return indices.deltas(for: pieces)
    }

    mutating func parse(chunk: JSON) throws(BedrockError) -> [ChatDelta] {
        let root = try reader.object(chunk, "chunk")
        var deltas: [ChatDelta] = []
        if case .array(let choices)? = root["choices"], let first = choices.first {
            let choice = try reader.object(first, "choices[0]")
            if case .object(let delta)? = choice["delta"] ?? choice["message"] {
                if let reasoning = try OpenAIChatMessages.reasoningField(delta, reader: reader), !reasoning.isEmpty {
                    deltas.append(.reasoning(index: indices.reasoning(), text: reasoning))
                }
                let text = try OpenAIChatMessages.contentText(delta["content"], reader: reader)
                if !text.isEmpty {
                    if splitter != nil, let pieces = splitter?.feed(text) {
                        deltas += indices.deltas(for: pieces)
                    } else {
                        deltas.append(.text(index: indices.text(), text: text))
                    }
                }
                if case .array(let calls)? = delta["tool_calls"] {
                    for (position, call) in calls.enumerated() {
                        deltas += try toolCallDeltas(call, position: position)
                    }
                }
            }
            if let reason = try OpenAIChatMessages.stopReason(choice, reader: reader) {
                if let pieces = splitter?.finish() { deltas += indices.deltas(for: pieces) }
                deltas.append(.stop(providerReason: reason))
            }
        }
        if let usage = try OpenAIChatMessages.usage(root["usage"], reader: reader) { deltas.append(.usage(usage)) }
        return deltas
    }

    /// A call's first fragment starts it (id and name); later fragments with the same
    /// `index` carry more of its arguments.
    private mutating func toolCallDeltas(_ json: JSON, position: Int) throws(BedrockError) -> [ChatDelta] {
        let fields = try OpenAIChatMessages.toolCallFields(json, position: position, reader: reader)
        let key = fields.index.map { "index \($0)" } ?? fields.id.map { "id \($0)" } ?? "position \(position)"
        let (index, isNew) = indices.tool(key)
        var deltas: [ChatDelta] = []
        if isNew {
            guard let name = fields.name else {
                throw reader.malformed("tool call \(key) starts without a function name")
            }
            deltas.append(.toolCallStart(index: index, id: fields.id ?? "call_\(fields.index ?? position)", name: name))
        }
        if let arguments = fields.arguments, !arguments.isEmpty {
            deltas.append(.toolCallDelta(index: index, args: arguments))
        }
        return deltas
    }
}

/// Mistral rejects tool-call ids that are not nine letters and digits, so ids from other
/// models are mapped to such an id, the same one every time, so calls and results match.
enum MistralToolCallId {
    static let length = 9
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".unicodeScalars)
    // FNV-1a, 64-bit.
    private static let fnvOffsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    static func make(_ id: String) -> String {
        let scalars = id.unicodeScalars
        if scalars.count == length && scalars.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0) }) {
            return id
        }
        var hash = fnvOffsetBasis
        for byte in id.utf8 {
            hash = (hash ^ UInt64(byte)) &* fnvPrime
        }
        var result = String.UnicodeScalarView()
        let base = UInt64(alphabet.count)
        for _ in 0..<length {
            result.append(alphabet[Int(hash % base)])
            hash /= base
        }
        return String(result)
    }
}

/// JSON text as LangChain writes tool-call arguments, `json.dumps(args, ensure_ascii=False)`:
/// ", " and ": " separators, only quotes, backslashes and control characters escaped.
/// Arguments are JSON inside a JSON string, so this keeps them byte-for-byte LangChain's.
enum PythonJSON {
    static func text(_ value: JSON) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    private static func write(_ value: JSON, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        // Swift's shortest round-trip form matches Python's float repr ("1e-05", "21.5", "1e+16").
        case .double(let number): out += number.isFinite ? number.description : "null"
        case .string(let string): writeString(string, to: &out)
        case .array(let items):
            out += "["
            for (position, item) in items.enumerated() {
                if position > 0 { out += ", " }
                write(item, to: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (position, pair) in object.pairs.enumerated() {
                if position > 0 { out += ", " }
                writeString(pair.key, to: &out)
                out += ": "
                write(pair.value, to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ string: String, to out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x00..<0x20: out += "\\u" + hex4(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
