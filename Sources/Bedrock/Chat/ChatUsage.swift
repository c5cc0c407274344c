/// Token counts, as the chat response's `usage` object (docs/c-api.md).
struct ChatUsage: Sendable, Equatable {
    var inputTokens = 0
    var outputTokens = 0
    var cacheReadInputTokens = 0
    var cacheWriteInputTokens = 0
    /// Cache writes per TTL ("5m", "1h"), as Converse's `cacheDetails` reports them.
    var cacheWritesByTTL: [(ttl: String, inputTokens: Int)] = []

    init(inputTokens: Int = 0, outputTokens: Int = 0, cacheReadInputTokens: Int = 0, cacheWriteInputTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheReadInputTokens = cacheReadInputTokens
        self.cacheWriteInputTokens = cacheWriteInputTokens
    }

    var totalTokens: Int { inputTokens + outputTokens + cacheReadInputTokens + cacheWriteInputTokens }

    static func == (lhs: ChatUsage, rhs: ChatUsage) -> Bool {
        lhs.inputTokens == rhs.inputTokens && lhs.outputTokens == rhs.outputTokens
            && lhs.cacheReadInputTokens == rhs.cacheReadInputTokens && lhs.cacheWriteInputTokens == rhs.cacheWriteInputTokens
            && lhs.cacheWritesByTTL.elementsEqual(rhs.cacheWritesByTTL) { $0.ttl == $1.ttl && $0.inputTokens == $1.inputTokens }
    }
}
