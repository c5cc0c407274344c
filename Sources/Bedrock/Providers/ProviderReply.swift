/// What a provider's response parser extracts from one non-streaming response body.
struct ProviderReply: Sendable, Equatable {
    /// Text, reasoning and tool-use blocks, in the order the model produced them.
    var blocks: [ContentBlock] = []
    /// The provider's own stop reason ("stop", "FINISH", "end_turn", ...), if it gave one.
    var providerStopReason: String?
    /// Usage found in the body; nil when the provider reports it only in headers.
    var usage: ChatUsage?

    init(blocks: [ContentBlock] = [], providerStopReason: String? = nil, usage: ChatUsage? = nil) {
        self.blocks = blocks
        self.providerStopReason = providerStopReason
        self.usage = usage
    }

    /// Blocks in stream order: reasoning, then text, then the tool calls.
    static func blocks(reasoning: String?, text: String, toolCalls: [ContentBlock]) -> [ContentBlock] {
        var blocks: [ContentBlock] = []
        if let reasoning, !reasoning.isEmpty { blocks.append(.reasoning(text: reasoning, signature: nil)) }
        if !text.isEmpty { blocks.append(.text(text)) }
        return blocks + toolCalls
    }
}

/// One increment of a streamed reply, as a provider's chunk parser reports it. Indices are
/// content-block positions in the final message.
enum ChatDelta: Sendable, Equatable {
    case text(index: Int, text: String)
    case reasoning(index: Int, text: String)
    case reasoningSignature(index: Int, signature: String)
    /// A citation for the text block at `index` (ConverseStream's citation delta).
    case citation(index: Int, citation: JSON)
    case toolCallStart(index: Int, id: String, name: String)
    /// A fragment of the tool call's arguments as JSON text; a server tool call's too.
    case toolCallDelta(index: Int, args: String)
    /// A call of a system tool that the service runs itself (ConverseStream's toolUse start of
    /// type `server_tool_use`).
    case serverToolCallStart(index: Int, id: String, name: String)
    /// The start of that tool's result, and pieces of its content as Converse gives them.
    case serverToolResultStart(index: Int, toolUseId: String, toolType: String?, isError: Bool)
    case serverToolResultDelta(index: Int, content: [JSON])
    /// Usage so far; later reports replace earlier ones field by field when non-zero.
    case usage(ChatUsage)
    case stop(providerReason: String)
}
