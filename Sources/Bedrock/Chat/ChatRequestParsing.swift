/// Reading a chat request from its JSON form (docs/c-api.md, "Chat request"). Every error names the
/// field, e.g. `messages[2].content[0].data: required for an image block`.
extension ChatRequest {
    /// Token counts (`max_tokens`, `top_k`): what a provider's 32-bit field can hold.
    static let countRange = 0...Int(Int32.max)

    init(json: JSON) throws(BedrockError) {
        guard case .object(let object) = json else {
            throw .invalidArgument("request", "expected a JSON object, got \(json.typeName)")
        }
        let fields = ConfigFields(object: object, context: "request")
        guard let model = try fields.string("model"), !model.isEmpty else {
            throw .invalidArgument("request.model", "required")
        }
        try RuntimeOperation.validate(modelId: model, field: "request.model")
        let baseModel = try fields.string("base_model")
        if let baseModel, Provider.infer(fromModelId: baseModel) == nil {
            throw .invalidArgument("request.base_model", "\"\(baseModel)\" names no known provider; give a foundation model id such as amazon.nova-pro-v1:0")
        }
        let provider: Provider
        if let name = try fields.string("provider") {
            guard let named = Provider(rawValue: name.lowercased()) else {
                let known = Provider.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidArgument("request.provider", "unknown provider \"\(name)\" (known: \(known))")
            }
            provider = named
        } else if let inferred = Provider.infer(fromModelId: baseModel ?? model) {
            provider = inferred
        } else {
            throw .invalidArgument("request.provider", "required for model \"\(model)\", whose id names no known provider (or give base_model)")
        }
        self.init(model: model, provider: provider)
        self.baseModel = baseModel
        if let api = try fields.string("api") {
            guard let parsed = ChatAPI(rawValue: api) else {
                throw .invalidArgument("request.api", "expected \"auto\", \"invoke\" or \"converse\", got \"\(api)\"")
            }
            self.api = parsed
        }
        guard let messagesJSON = object["messages"] else { throw .invalidArgument("request.messages", "required") }
        guard case .array(let messageList) = messagesJSON, !messageList.isEmpty else {
            throw .invalidArgument("request.messages", "expected a non-empty array")
        }
        messages = try messageList.enumerated().map { (index, value) throws(BedrockError) in
            try ChatMessage(json: value, field: "request.messages[\(index)]")
        }
        temperature = try fields.number("temperature")
        topP = try fields.number("top_p")
        maxTokens = try fields.integer("max_tokens", in: Self.countRange)
        topK = try fields.integer("top_k", in: Self.countRange)
        stop = try Self.stopSequences(object["stop"])
        if let toolsJSON = object["tools"], toolsJSON != .null {
            guard case .array(let list) = toolsJSON else {
                throw .invalidArgument("request.tools", "expected an array, got \(toolsJSON.typeName)")
            }
            for (index, value) in list.enumerated() {
                if let name = try Self.systemToolName(value, field: "request.tools[\(index)]") {
                    systemTools.append(SystemTool(name: name, index: index))
                } else if case .string("cache_point")? = value["type"] {
                    // A cache point caches the prompt through the tool before it; system tools
                    // go after the others, so it must follow a tool with a spec.
                    guard !tools.isEmpty, systemTools.last.map({ $0.index != index - 1 }) ?? true else {
                        throw .invalidArgument("request.tools[\(index)]", "a cache_point must follow a tool with a spec")
                    }
                    tools[tools.count - 1].cachePoint = true
                    tools[tools.count - 1].cachePointTTL = try ContentBlock.cacheTTL(
                        ConfigFields(object: value.objectValue ?? JSONObject(), context: "request.tools[\(index)]"))
                } else {
                    tools.append(try ToolSpec(json: value, field: "request.tools[\(index)]"))
                }
            }
        }
        toolChoice = try Self.toolChoice(object["tool_choice"])
        if tools.isEmpty, !systemTools.isEmpty, toolChoice?.forcesACall == true {
            throw .invalidArgument("request.tool_choice", "the service decides when to run a system tool, so it cannot be forced: use \"auto\"")
        }
        if let schema = object["response_schema"], schema != .null {
            responseSchema = try ToolSpec(responseSchema: schema)
        }
        if let method = try fields.string("response_schema_method") {
            guard let parsed = SchemaMethod(rawValue: method) else {
                throw .invalidArgument("request.response_schema_method", "expected \"auto\", \"tool\" or \"json_schema\", got \"\(method)\"")
            }
            schemaMethod = parsed
        }
        if let kwargs = object["model_kwargs"], kwargs != .null {
            guard case .object(let members) = kwargs else {
                throw .invalidArgument("request.model_kwargs", "expected an object, got \(kwargs.typeName)")
            }
            modelKwargs = members
        }
        if let reasoning = object["reasoning"], reasoning != .null {
            try addReasoning(reasoning)
        }
        if let guardrailJSON = object["guardrail"], guardrailJSON != .null {
            guard case .object(let members) = guardrailJSON else {
                throw .invalidArgument("request.guardrail", "expected an object, got \(guardrailJSON.typeName)")
            }
            let guardrailFields = ConfigFields(object: members, context: "request.guardrail")
            guard let id = try guardrailFields.string("id"), let version = try guardrailFields.string("version") else {
                throw .invalidArgument("request.guardrail", "id and version are required")
            }
            let trace = try guardrailFields.string("trace")
            // InvokeModel sends these as headers, where CR or LF would inject headers of its own.
            for (key, value) in [("id", id), ("version", version), ("trace", trace ?? "")]
            where !SigV4Signer.isHeaderValueSafe(value) {
                throw .invalidArgument("request.guardrail.\(key)", "contains CR, LF or another control character")
            }
            var config = GuardrailConfig(id: id, version: version, trace: trace)
            if let mode = try guardrailFields.string("stream_processing_mode") {
                guard ["sync", "async"].contains(mode) else {
                    throw .invalidArgument("request.guardrail.stream_processing_mode", "expected \"sync\" or \"async\", got \"\(mode)\"")
                }
                config.streamProcessingMode = mode
            }
            config.lastTurnOnly = try guardrailFields.bool("guard_last_turn_only") ?? false
            try guardrailFields.rejectUnknown(["id", "version", "trace", "stream_processing_mode", "guard_last_turn_only"])
            guardrail = config
        }
        settings = try CallSettings(object)
        if let unknown = object.pairs.first(where: { !Self.fieldNames.contains($0.key) }) {
            throw .invalidArgument("request.\(unknown.key)", "unknown field")
        }
    }

    private static let fieldNames = CallSettings.fieldNames.union([
        "model", "api", "provider", "messages", "temperature", "max_tokens", "top_p", "top_k", "stop", "tools",
        "tool_choice", "response_schema", "model_kwargs", "guardrail", "response_schema_method", "base_model",
        "reasoning"])

    private static func stopSequences(_ value: JSON?) throws(BedrockError) -> [String] {
        switch value {
        case nil, .null?: return []
        case .string(let one)?: return [one]
        case .array(let list)?:
            return try list.enumerated().map { (index, item) throws(BedrockError) in
                guard case .string(let text) = item, !text.isEmpty else {
                    throw .invalidArgument("request.stop[\(index)]", "expected a non-empty string")
                }
                return text
            }
        case let other?:
            throw .invalidArgument("request.stop", "expected a string or an array of strings, got \(other.typeName)")
        }
    }

    /// A system tool's name: `{"type": "system_tool", "name"}`, or Converse's own
    /// `{"systemTool": {"name"}}`; nil for other tools.
    private static func systemToolName(_ value: JSON, field: String) throws(BedrockError) -> String? {
        let name: JSON?
        if case .string("system_tool")? = value["type"] {
            name = value["name"]
        } else if let converse = value["systemTool"] {
            name = converse["name"]
        } else {
            return nil
        }
        guard case .string(let text)? = name, !text.isEmpty else { throw .invalidArgument("\(field).name", "required for a system tool") }
        return text
    }

    private static func toolChoice(_ value: JSON?) throws(BedrockError) -> ToolChoice? {
        switch value {
        case nil, .null?: return nil
        case .string("auto")?: return .auto
        case .string("any")?, .string("required")?: return .any
        case .string("none")?: return ToolChoice.none
        case .string(let name)? where !name.isEmpty: return .tool(name)
        case .object(let members)?:
            if case .string(let name)? = members["name"], !name.isEmpty { return .tool(name) }
            throw .invalidArgument("request.tool_choice.name", "required")
        case let other?:
            throw .invalidArgument("request.tool_choice", "expected \"auto\", \"any\", \"none\" or {\"name\": ...}, got \(other.typeName)")
        }
    }
}

extension ChatMessage {
    /// A message object `{"role", "content", "tool_calls", "tool_call_id"}` or a LangChain
    /// tuple `["human", "text"]`.
    init(json: JSON, field: String) throws(BedrockError) {
        let roleName: String
        let contentJSON: JSON?
        var object = JSONObject()
        switch json {
        case .array(let tuple):
            guard tuple.count == 2, case .string(let name) = tuple[0] else {
                throw .invalidArgument("\(field)", "a tuple message must be [role, content]")
            }
            roleName = name
            contentJSON = tuple[1]
        case .object(let members):
            guard case .string(let name)? = members["role"] else { throw .invalidArgument("\(field).role", "required") }
            roleName = name
            contentJSON = members["content"]
            object = members
        default:
            throw .invalidArgument("\(field)", "expected an object or a [role, content] pair, got \(json.typeName)")
        }
        guard let role = Self.roles[roleName] else {
            throw .invalidArgument("\(field).role", "unknown role \"\(roleName)\" (use system, user, human, assistant, ai or tool)")
        }
        var blocks = try ContentBlock.list(contentJSON, field: "\(field).content")
        if case .array(let calls)? = object["tool_calls"] {
            guard role == .assistant else { throw .invalidArgument("\(field).tool_calls", "only assistant messages carry tool calls") }
            for (index, call) in calls.enumerated() {
                let callField = "\(field).tool_calls[\(index)]"
                guard case .object(let members) = call else { throw .invalidArgument("\(callField)", "expected an object") }
                let fields = ConfigFields(object: members, context: callField)
                guard let id = try fields.string("id"), !id.isEmpty else { throw .invalidArgument("\(callField).id", "required") }
                guard let name = try fields.string("name"), !name.isEmpty else { throw .invalidArgument("\(callField).name", "required") }
                let args = members["args"] ?? .object(JSONObject())
                guard case .object = args else { throw .invalidArgument("\(callField).args", "expected an object") }
                blocks.append(.toolUse(id: id, name: name, input: args))
            }
        } else if let calls = object["tool_calls"], calls != .null {
            throw .invalidArgument("\(field).tool_calls", "expected an array")
        }
        if role == .tool {
            guard case .string(let callId)? = object["tool_call_id"], !callId.isEmpty else {
                throw .invalidArgument("\(field).tool_call_id", "required for a tool message")
            }
            let isError = object["is_error"]?.boolValue ?? (object["status"]?.stringValue == "error")
            blocks = [.toolResult(toolUseId: callId, content: blocks, isError: isError)]
        }
        // Blank text is dropped rather than sent: Bedrock rejects empty text blocks.
        blocks = blocks.compactMap(\.withoutBlankText)
        if blocks.isEmpty, role != .system {
            throw .invalidArgument("\(field).content", "empty (a message needs non-blank text or another block)")
        }
        self.init(role: role, content: blocks)
    }

    private static let roles: [String: ChatRole] = [
        "system": .system, "user": .user, "human": .user, "assistant": .assistant, "ai": .assistant, "tool": .tool,
    ]
}

extension ContentBlock {
    /// Content as a string (one text block) or an array of block objects.
    static func list(_ json: JSON?, field: String) throws(BedrockError) -> [ContentBlock] {
        switch json {
        case nil, .null?: return []
        case .string(let text)?: return [.text(text)]
        case .array(let items)?:
            return try items.enumerated().map { (index, item) throws(BedrockError) in
                try ContentBlock(json: item, field: "\(field)[\(index)]")
            }
        case let other?:
            throw .invalidArgument("\(field)", "expected a string or an array of blocks, got \(other.typeName)")
        }
    }

    init(json: JSON, field: String) throws(BedrockError) {
        if case .string(let text) = json {
            self = .text(text)
            return
        }
        guard case .object(let members) = json else { throw .invalidArgument("\(field)", "expected a block object") }
        let fields = ConfigFields(object: members, context: field)
        guard let type = try fields.string("type") else { throw .invalidArgument("\(field).type", "required") }
        func required(_ key: String) throws(BedrockError) -> String {
            guard let value = try fields.string(key), !value.isEmpty else {
                throw .invalidArgument("\(field).\(key)", "required for a \(type) block")
            }
            return value
        }
        switch type {
        case "text":
            let text = try fields.string("text") ?? ""
            if let citations = members["citations"], citations != .null {
                guard case .array(let list) = citations else {
                    throw .invalidArgument("\(field).citations", "expected an array of citations, as a reply gives them")
                }
                self = .citedText(text, citations: list)
            } else {
                self = .text(text)
            }
        case "image" where members["s3"] != nil, "video", "audio",
             "document" where MediaBlock.isConverseDocument(members):
            self = .media(try MediaBlock(kind: MediaBlock.Kind(rawValue: type) ?? .video, fields: fields, field: field))
        case "image":
            let mediaType = try required("media_type")
            guard mediaType.hasPrefix("image/") else {
                throw .invalidArgument("\(field).media_type", "expected image/png, image/jpeg, image/gif or image/webp")
            }
            self = .image(mediaType: mediaType, data: try required("data"))
        case "document":
            self = .document(format: try required("format"), name: try required("name"), data: try required("data"))
        case "tool_use":
            let input = members["input"] ?? .object(JSONObject())
            guard case .object = input else { throw .invalidArgument("\(field).input", "expected an object") }
            self = .toolUse(id: try required("id"), name: try required("name"), input: input)
        case "tool_result":
            self = .toolResult(toolUseId: try required("tool_use_id"),
                               content: try ContentBlock.list(members["content"], field: "\(field).content"),
                               isError: try fields.bool("is_error") ?? false)
        case "server_tool_use":
            let input = members["input"] ?? .object(JSONObject())
            guard case .object = input else { throw .invalidArgument("\(field).input", "expected an object") }
            self = .serverToolUse(id: try required("id"), name: try required("name"), input: input)
        case "server_tool_result":
            let content = members["content"] ?? .array([])
            guard case .array(let list) = content, list.allSatisfy({ $0.objectValue != nil }) else {
                throw .invalidArgument("\(field).content", "expected an array of Converse tool result blocks, as a reply gives them")
            }
            self = .serverToolResult(toolUseId: try required("tool_use_id"), toolType: try fields.string("tool_type"),
                                     content: list, isError: try fields.bool("is_error") ?? false)
        case "reasoning":
            self = .reasoning(text: try fields.string("text") ?? "", signature: try fields.string("signature"))
        case "cache_point":
            self = .cachePoint(ttl: try Self.cacheTTL(fields))
        case "search_result":
            let parts = members["content"]?.arrayValue?.compactMap { $0.stringValue ?? $0["text"]?.stringValue } ?? []
            guard !parts.isEmpty, parts.count == members["content"]?.arrayValue?.count else {
                throw .invalidArgument("\(field).content", "expected a non-empty array of strings or {\"text\"} parts")
            }
            self = .searchResult(source: try required("source"), title: try required("title"), content: parts,
                                 citations: try fields.bool("citations") ?? false)
        case "guard_content":
            let qualifiers = members["qualifiers"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if let given = members["qualifiers"], given.arrayValue?.count != qualifiers.count {
                throw .invalidArgument("\(field).qualifiers", "expected an array of strings")
            }
            self = .guardContent(text: try required("text"), qualifiers: qualifiers)
        default:
            throw .invalidArgument("\(field).type", "unknown block type \"\(type)\"")
        }
    }

    /// Nil for a text block holding only whitespace.
    var withoutBlankText: ContentBlock? {
        if case .text(let text) = self, PythonWhitespace.isBlank(text) { return nil }
        return self
    }
}

extension ChatRequest {
    static let reasoningEfforts = ["low", "medium", "high"]

    /// `reasoning`: `{"budget_tokens": N}` or `{"effort": "low" | "medium" | "high"}`, written
    /// into the model's own field (in `model_kwargs`, which InvokeModel merges into its body and
    /// Converse sends as additionalModelRequestFields): Claude's `thinking`, Nova's
    /// `reasoningConfig`, gpt-oss's `reasoning_effort`. A model_kwargs field already set wins.
    mutating func addReasoning(_ value: JSON) throws(BedrockError) {
        guard case .object(let members) = value else {
            throw .invalidArgument("request.reasoning", "expected an object, got \(value.typeName)")
        }
        let fields = ConfigFields(object: members, context: "request.reasoning")
        let budget = try fields.integer("budget_tokens", in: 1...Int(Int32.max))
        let effort = try fields.string("effort")
        try fields.rejectUnknown(["budget_tokens", "effort"])
        if let effort, !Self.reasoningEfforts.contains(effort) {
            throw .invalidArgument("request.reasoning.effort", "expected \"low\", \"medium\" or \"high\", got \"\(effort)\"")
        }
        let (field, setting): (String, JSON)
        switch (provider, budget, effort) {
        case (.anthropic, let budget?, nil):
            (field, setting) = ("thinking", .object(JSONObject(["type": .string("enabled"), "budget_tokens": .int(Int64(budget))])))
        case (.amazon, nil, let effort?):
            (field, setting) = ("reasoningConfig", .object(JSONObject(["type": .string("enabled"),
                                                                       "maxReasoningEffort": .string(effort)])))
        case (.openai, nil, let effort?):
            (field, setting) = ("reasoning_effort", .string(effort))
        default:
            let takes = switch provider {
            case .anthropic: "budget_tokens"
            case .amazon, .openai: "effort"
            default: "no reasoning setting"
            }
            throw .invalidArgument("request.reasoning", "\(provider.rawValue) models take \(takes), and exactly that")
        }
        if modelKwargs[field] == nil { modelKwargs[field] = setting }
    }
}

extension MediaBlock {
    /// Whether a document block needs Converse's own document: from S3, given as text, citable,
    /// or with a context.
    static func isConverseDocument(_ members: JSONObject) -> Bool {
        ["s3", "text", "content", "citations", "context"].contains { members[$0] != nil && members[$0] != .null }
    }

    /// `{"type", "format", "data"}` or `{"type", "format", "s3": {"uri", "bucket_owner"}}`; an
    /// image may give `media_type` instead of `format`, and a document takes `name`.
    init(kind: Kind, fields: ConfigFields, field: String) throws(BedrockError) {
        var format = try fields.string("format")
        if format == nil, let mediaType = try fields.string("media_type"), let slash = mediaType.firstIndex(of: "/") {
            format = String(mediaType[mediaType.index(after: slash)...]).replacing("jpg", with: "jpeg")
        }
        guard let format, !format.isEmpty else { throw .invalidArgument("\(field).format", "required") }
        let name = try fields.string("name")
        if kind == .document, name == nil { throw .invalidArgument("\(field).name", "required for a document") }
        let source: Source
        if kind == .document, let text = try fields.string("text") {
            source = .text(text)
        } else if kind == .document, let parts = fields.object["content"] {
            let texts = parts.arrayValue?.compactMap { $0.stringValue ?? $0["text"]?.stringValue } ?? []
            guard !texts.isEmpty, texts.count == parts.arrayValue?.count else {
                throw .invalidArgument("\(field).content", "expected an array of strings or {\"text\"} parts")
            }
            source = .content(texts)
        } else if case .object(let s3)? = fields.object["s3"] {
            let s3Fields = ConfigFields(object: s3, context: "\(field).s3")
            guard let uri = try s3Fields.string("uri"), uri.hasPrefix("s3://") else {
                throw .invalidArgument("\(field).s3.uri", "expected an s3:// URI")
            }
            source = .s3(uri: uri, bucketOwner: try s3Fields.string("bucket_owner"))
            try s3Fields.rejectUnknown(["uri", "bucket_owner"])
        } else if let data = try fields.string("data") {
            source = .bytes(base64: data)
        } else {
            throw .invalidArgument("\(field)", "needs \"data\" (base64) or \"s3\": {\"uri\"}")
        }
        self.init(kind: kind, format: format, name: name, source: source)
        citations = try fields.bool("citations") ?? false
        context = try fields.string("context")
    }
}

extension ContentBlock {
    /// A cache point's `ttl`: "5m" or "1h", as Converse's CachePointBlock takes it.
    static func cacheTTL(_ fields: ConfigFields) throws(BedrockError) -> String? {
        guard let ttl = try fields.string("ttl") else { return nil }
        guard ["5m", "1h"].contains(ttl) else {
            throw .invalidArgument("\(fields.context).ttl", "expected \"5m\" or \"1h\", got \"\(ttl)\"")
        }
        return ttl
    }
}

extension ToolSpec {
    /// `{"name", "description", "input_schema"}`; OpenAI's `{"type": "function", "function":
    /// {"name", "description", "parameters"}}` and a bare `parameters` are accepted too.
    init(json: JSON, field: String) throws(BedrockError) {
        guard case .object(var members) = json else { throw .invalidArgument("\(field)", "expected an object") }
        if case .object(let function)? = members["function"] { members = function }
        let fields = ConfigFields(object: members, context: field)
        guard let name = try fields.string("name"), !name.isEmpty else { throw .invalidArgument("\(field).name", "required") }
        let schema = members["input_schema"] ?? members["parameters"] ?? .object(JSONObject(["type": .string("object")]))
        guard case .object = schema else {
            throw .invalidArgument("\(field).input_schema", "expected a JSON Schema object, got \(schema.typeName)")
        }
        self.init(name: name, description: try fields.string("description"), inputSchema: schema)
        strict = try fields.bool("strict")
    }

    /// The tool that carries a `response_schema`: named by the schema's title, as LangChain's
    /// `with_structured_output` names it.
    init(responseSchema schema: JSON) throws(BedrockError) {
        guard case .object(let members) = schema else {
            throw .invalidArgument("request.response_schema", "expected a JSON Schema object, got \(schema.typeName)")
        }
        let name = members["title"]?.stringValue ?? Self.defaultStructuredOutputName
        var inputSchema = members
        inputSchema["title"] = nil
        inputSchema["description"] = nil
        self.init(name: name, description: members["description"]?.stringValue, inputSchema: .object(inputSchema))
    }

    static let defaultStructuredOutputName = "structured_output"
}

extension ConfigFields {
    func number(_ key: String) throws(BedrockError) -> Double? {
        guard let value = object[key], value != .null else { return nil }
        guard let number = value.doubleValue else {
            throw .invalidArgument("\(context).\(key)", "expected a number, got \(value.typeName)")
        }
        return number
    }
}
