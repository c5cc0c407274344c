/// Normalises providers' stop reasons to Converse's StopReason values (docs/c-api.md).
enum StopReason {
    static let endTurn = "end_turn"
    static let toolUse = "tool_use"
    static let maxTokens = "max_tokens"
    static let stopSequence = "stop_sequence"
    static let guardrailIntervened = "guardrail_intervened"
    static let contentFiltered = "content_filtered"

    /// Converse's name for a provider's stop reason. Unknown values pass through lower-cased,
    /// so nothing the provider said is lost.
    static func normalized(_ providerReason: String) -> String {
        normalizedByProviderReason[providerReason.lowercased()] ?? providerReason.lowercased()
    }

    private static let normalizedByProviderReason: [String: String] = [
        "end_turn": endTurn, "stop": endTurn, "finish": endTurn, "complete": endTurn, "eos": endTurn,
        "eos_token": endTurn, "end": endTurn, "stop_token": endTurn,
        "max_tokens": maxTokens, "length": maxTokens, "max_length": maxTokens, "max_tokens_reached": maxTokens,
        "model_length": maxTokens, "max_token": maxTokens,
        "stop_sequence": stopSequence, "stop_sequences": stopSequence,
        "tool_use": toolUse, "tool_calls": toolUse, "tool_call": toolUse, "function_call": toolUse,
        "guardrail_intervened": guardrailIntervened,
        "content_filtered": contentFiltered, "content_filter": contentFiltered, "error_toxic": contentFiltered,
        "content_filtered_by_guardrail": guardrailIntervened,
    ]
}
