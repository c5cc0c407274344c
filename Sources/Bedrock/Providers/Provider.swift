/// The model families Bedrock hosts, each with its own InvokeModel body format.
enum Provider: String, Sendable, CaseIterable {
    case anthropic, meta, mistral, cohere, amazon, ai21, deepseek, openai

    /// Inference-profile prefixes that name a geography, not a provider.
    static let inferenceProfilePrefixes = ["us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca."]

    /// The model id with any inference-profile prefix removed, e.g.
    /// `us.anthropic.claude-3-5-sonnet-20240620-v1:0` → `anthropic.claude-3-5-sonnet-20240620-v1:0`.
    /// Compared as bytes: `hasPrefix` compares as Unicode text, and these nine comparisons were
    /// a quarter of the cost of reading a small chat request.
    static func baseModelId(_ modelId: String) -> String {
        for prefix in inferenceProfilePrefixes where modelId.utf8.starts(with: prefix.utf8) {
            return String(modelId[modelId.utf8.index(modelId.startIndex, offsetBy: prefix.utf8.count)...])
        }
        return modelId
    }

    /// The provider a model id names (its first dot-separated part, after any
    /// inference-profile prefix); nil for ARNs and custom ids, which need `provider`.
    static func infer(fromModelId modelId: String) -> Provider? {
        if modelId.utf8.starts(with: "arn:".utf8) { return nil }
        let base = baseModelId(modelId)
        guard let dot = base.utf8.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        return Provider(rawValue: String(base[..<dot]))
    }
}

/// A provider's InvokeModel format: how a chat request becomes a body, and how response
/// bodies and stream chunks become content. One conforming type per provider family, in
/// this folder; `modelId` is the base model id (no inference-profile prefix), or the ARN.
protocol InvokeModelFormat: Sendable {
    /// Whether this model's InvokeModel body can carry tools (and so structured output).
    func supportsTools(modelId: String) -> Bool

    /// Whether the body has a stop-sequence parameter. Where it has none (Meta), the chat
    /// layer cuts the text at the first stop sequence itself.
    func supportsStopSequences(modelId: String) -> Bool

    /// The InvokeModel request body. `model_kwargs` are merged in by the format, since where
    /// they go differs (Titan nests them in textGenerationConfig). `stream` is true for
    /// InvokeModelWithResponseStream, for formats whose body says so.
    func requestBody(_ request: ChatRequest, modelId: String, stream: Bool) throws(BedrockError) -> JSON

    /// Parses a non-streaming response body.
    func parseResponse(_ body: JSON, modelId: String) throws(BedrockError) -> ProviderReply

    /// A fresh parser for one stream's chunks.
    func makeStreamParser(modelId: String) -> any StreamChunkParser
}

/// Turns the decoded JSON chunks of one InvokeModelWithResponseStream into deltas. Usage
/// from `amazon-bedrock-invocationMetrics` is handled by the caller, not by parsers.
protocol StreamChunkParser {
    mutating func parse(chunk: JSON) throws(BedrockError) -> [ChatDelta]

    /// Deltas still held when the stream ends, such as text kept back in case it began a
    /// reasoning tag split across chunks. Called once, after the last chunk.
    mutating func finish() -> [ChatDelta]
}

extension StreamChunkParser {
    mutating func finish() -> [ChatDelta] { [] }
}
