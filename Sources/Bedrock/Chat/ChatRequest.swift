/// Which Bedrock API a chat request goes through.
enum ChatAPI: String, Sendable {
    /// InvokeModel with the provider's own body format (LangChain's ChatBedrock).
    case invoke
    /// Converse, Bedrock's provider-independent API (LangChain's ChatBedrockConverse).
    case converse
    /// Whatever ChatBedrock would pick; Converse where InvokeModel cannot carry the request.
    case auto
}

/// The role of a chat message, in the request's order. `tool` messages carry tool results.
enum ChatRole: String, Sendable {
    case system, user, assistant, tool
}

/// One piece of message content, provider-independent.
enum ContentBlock: Sendable, Equatable {
    case text(String)
    /// Text that cites documents: Converse's citationsContent, each citation as Converse gives
    /// it (`title`, `sourceContent`, `location`). InvokeModel bodies carry only the text.
    case citedText(String, citations: [JSON])
    /// `mediaType` like "image/png"; `data` is base64.
    case image(mediaType: String, data: String)
    /// `format` like "pdf"; `data` is base64.
    case document(format: String, name: String, data: String)
    case toolUse(id: String, name: String, input: JSON)
    case toolResult(toolUseId: String, content: [ContentBlock], isError: Bool)
    /// Model reasoning ("thinking"); the signature must be sent back unchanged in later turns.
    case reasoning(text: String, signature: String?)
    /// Video and audio, and any media from S3: Converse's blocks, which no InvokeModel body carries.
    case media(MediaBlock)
    /// A search result to answer from (Converse's searchResult): where it came from, its title,
    /// its text parts, and whether the reply may cite it.
    case searchResult(source: String, title: String, content: [String], citations: Bool)
    /// Text the guardrail checks, with its qualifiers (`grounding_source`, `query`,
    /// `guard_content`): Converse's guardContent block.
    case guardContent(text: String, qualifiers: [String])
    /// Where a provider may cache the prompt prefix up to this point; `ttl` ("5m" or "1h") is
    /// Converse's, nil for the service's default.
    case cachePoint(ttl: String?)
    /// A call of a system tool that the service ran itself (Nova's `nova_grounding`): Converse's
    /// toolUse of type `server_tool_use`. The caller runs nothing, so it is no tool call.
    case serverToolUse(id: String, name: String, input: JSON)
    /// What that tool gave the model: Converse's toolResult in the assistant's message, its
    /// `type` and `content` kept as the service gave them, to go back unchanged.
    case serverToolResult(toolUseId: String, toolType: String?, content: [JSON], isError: Bool)
}

/// A Converse media block: an image, document, video or audio clip, as base64 bytes or an S3 object.
struct MediaBlock: Sendable, Equatable {
    enum Kind: String, Sendable { case image, document, video, audio }
    enum Source: Sendable, Equatable {
        case bytes(base64: String)
        case s3(uri: String, bucketOwner: String?)
        /// A document given as text, whole or in parts (each part citable on its own).
        case text(String)
        case content([String])
    }

    var kind: Kind
    /// Converse's format name: "png", "pdf", "mp4", "mp3", ...
    var format: String
    /// A document's name.
    var name: String?
    var source: Source
    /// A document's: whether the reply may cite it, and what it is about.
    var citations = false
    var context: String?
}

extension ContentBlock {
    /// The block's text, cited or not; nil for other blocks.
    var plainText: String? {
        switch self {
        case .text(let text), .citedText(let text, _): text
        default: nil
        }
    }
}

struct ChatMessage: Sendable, Equatable {
    var role: ChatRole
    /// Content in order. An assistant's tool calls are `.toolUse` blocks; a tool message's
    /// result is a single `.toolResult` block.
    var content: [ContentBlock]

    init(role: ChatRole, content: [ContentBlock]) {
        self.role = role
        self.content = content
    }

    /// Whether the message holds tool calls or tool results.
    var hasToolBlocks: Bool {
        content.contains { block in
            switch block {
            case .toolUse, .toolResult: true
            default: false
            }
        }
    }

    /// The message's text blocks joined, as prompt-template providers render it.
    var text: String {
        content.compactMap(\.plainText).joined()
    }
}

struct ToolSpec: Sendable, Equatable {
    var name: String
    var description: String?
    /// A JSON Schema object describing the tool's input.
    var inputSchema: JSON
    /// Whether a cache point follows this tool, so the tool list up to here may be cached
    /// (Anthropic `cache_control` on the tool; Converse's `cachePoint` entry after it).
    var cachePoint = false
    /// The TTL of that cache point (Converse's), nil for the default.
    var cachePointTTL: String?
    /// Converse's `strict`: the model's input must follow the schema exactly.
    var strict: Bool?
}

/// A tool the service provides and runs (Converse's `systemTool`, such as Nova's
/// `nova_grounding`), and where the request's `tools` listed it.
struct SystemTool: Sendable, Equatable {
    var name: String
    var index: Int
}

/// How `response_schema` is asked for (`response_schema_method`).
enum SchemaMethod: String, Sendable {
    case auto, tool
    case jsonSchema = "json_schema"
}

enum ToolChoice: Sendable, Equatable {
    case auto, any, none
    case tool(String)

    /// Whether the model must call a tool.
    var forcesACall: Bool {
        switch self {
        case .any, .tool: true
        case .auto, .none: false
        }
    }
}

struct GuardrailConfig: Sendable, Equatable {
    var id: String
    var version: String
    /// "enabled", "disabled" or "enabled_full"; nil leaves the service default.
    var trace: String?
    /// ConverseStream's "sync" or "async" checking of the streamed reply.
    var streamProcessingMode: String?
    /// Guard only the last user turn (its text in `guardContent` blocks), as ChatBedrockConverse's
    /// `guard_last_turn_only` does.
    var lastTurnOnly = false
}

/// A validated chat request (docs/c-api.md, "Chat request"), independent of provider and API.
struct ChatRequest: Sendable, Equatable {
    var model: String
    /// The foundation model behind an opaque `model` (an application inference profile or
    /// custom model ARN), which decides the format; nil when `model` says it.
    var baseModel: String?
    var api: ChatAPI = .auto
    var provider: Provider
    var messages: [ChatMessage] = []
    var temperature: Double?
    var maxTokens: Int?
    var topP: Double?
    var topK: Int?
    var stop: [String] = []
    var tools: [ToolSpec] = []
    /// Converse's system tools, offered after `tools`.
    var systemTools: [SystemTool] = []
    var toolChoice: ToolChoice?
    /// The schema from `response_schema`: forced as a tool call named by its title, or sent
    /// as Converse's native structured output (`outputConfig.textFormat`).
    var responseSchema: ToolSpec?
    var schemaMethod = SchemaMethod.auto
    /// Whether the schema goes as a forced tool; `ChatPlan` decides, once it knows the API.
    var schemaAsTool = true
    /// Provider-specific members merged into the InvokeModel body, or Converse's
    /// additionalModelRequestFields.
    var modelKwargs = JSONObject()
    var guardrail: GuardrailConfig?
    var settings = CallSettings()

    init(model: String, provider: Provider) {
        self.model = model
        self.provider = provider
    }

    /// The tools to offer, including the structured-output tool when the schema goes as one.
    var effectiveTools: [ToolSpec] {
        tools + (schemaAsTool ? responseSchema.map { [$0] } ?? [] : [])
    }

    /// The tool choice to send: a schema's tool is forced, as `with_structured_output` does.
    var effectiveToolChoice: ToolChoice? {
        if let responseSchema, schemaAsTool { return .tool(responseSchema.name) }
        return toolChoice
    }

    /// The first member set that only Converse takes (a per-call setting, or a tool's
    /// `strict`), as the request names it.
    var converseOnlyField: String? {
        if let field = settings.converseOnlyField { return field }
        if let index = tools.firstIndex(where: { $0.strict != nil }) { return "tools[\(index)].strict" }
        if let systemTool = systemTools.first { return "tools[\(systemTool.index)]" }
        if tools.contains(where: { $0.cachePointTTL != nil }) { return "tools.cache_point.ttl" }
        if guardrail?.streamProcessingMode != nil { return "guardrail.stream_processing_mode" }
        if guardrail?.lastTurnOnly == true { return "guardrail.guard_last_turn_only" }
        for (index, message) in messages.enumerated() {
            for (position, block) in message.content.enumerated() {
                switch block {
                case .cachePoint(let ttl?) where !ttl.isEmpty: return "messages[\(index)].content[\(position)].ttl"
                case .media, .guardContent, .searchResult, .serverToolUse, .serverToolResult:
                    return "messages[\(index)].content[\(position)]"
                default: continue
                }
            }
        }
        return nil
    }

    /// Whether the request asks for native structured output: `json_schema`, or `auto` with
    /// thinking on, since Claude refuses a forced tool while thinking (langchain-aws #925).
    var wantsNativeSchema: Bool {
        guard responseSchema != nil else { return false }
        switch schemaMethod {
        case .tool: return false
        case .jsonSchema: return true
        case .auto: return AnthropicFormat.thinkingEnabled(modelKwargs)
        }
    }
}
