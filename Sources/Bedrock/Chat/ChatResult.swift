/// Token counts, as C-API.md's `usage` object.
public struct ChatUsage: Sendable, Equatable {
    public var inputTokens = 0
    public var outputTokens = 0
    public var cacheReadInputTokens = 0
    public var cacheWriteInputTokens = 0

    public init(inputTokens: Int = 0, outputTokens: Int = 0, cacheReadInputTokens: Int = 0, cacheWriteInputTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheReadInputTokens = cacheReadInputTokens
        self.cacheWriteInputTokens = cacheWriteInputTokens
    }

    public var totalTokens: Int { inputTokens + outputTokens + cacheReadInputTokens + cacheWriteInputTokens }
}

/// What a provider's response parser extracts from one non-streaming response body.
public struct ProviderReply: Sendable, Equatable {
    /// Text, reasoning and tool-use blocks, in the order the model produced them.
    public var blocks: [ContentBlock] = []
    /// The provider's own stop reason ("stop", "FINISH", "end_turn", ...), if it gave one.
    public var providerStopReason: String?
    /// Usage found in the body; nil when the provider reports it only in headers.
    public var usage: ChatUsage?

    public init(blocks: [ContentBlock] = [], providerStopReason: String? = nil, usage: ChatUsage? = nil) {
        self.blocks = blocks
        self.providerStopReason = providerStopReason
        self.usage = usage
    }
}

/// One increment of a streamed reply, as a provider's chunk parser reports it. Indices are
/// content-block positions in the final message.
public enum ChatDelta: Sendable, Equatable {
    case text(index: Int, text: String)
    case reasoning(index: Int, text: String)
    case reasoningSignature(index: Int, signature: String)
    case toolCallStart(index: Int, id: String, name: String)
    /// A fragment of the tool call's arguments as JSON text.
    case toolCallDelta(index: Int, args: String)
    /// Usage so far; later reports replace earlier ones field by field when non-zero.
    case usage(ChatUsage)
    case stop(providerReason: String)
}
