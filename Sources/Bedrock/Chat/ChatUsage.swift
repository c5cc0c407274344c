/// Token counts, as the chat response's `usage` object (docs/c-api.md).
struct ChatUsage: Sendable, Equatable {
    var inputTokens = 0
    var outputTokens = 0
    var cacheReadInputTokens = 0
    var cacheWriteInputTokens = 0

    init(inputTokens: Int = 0, outputTokens: Int = 0, cacheReadInputTokens: Int = 0, cacheWriteInputTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheReadInputTokens = cacheReadInputTokens
        self.cacheWriteInputTokens = cacheWriteInputTokens
    }

    var totalTokens: Int { inputTokens + outputTokens + cacheReadInputTokens + cacheWriteInputTokens }
}
