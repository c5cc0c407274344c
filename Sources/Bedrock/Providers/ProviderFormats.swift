extension Provider {
    /// This provider's InvokeModel format, or nil where only Converse is supported.
    func invokeFormat(modelId: String) -> (any InvokeModelFormat)? {
        switch self {
        case .anthropic: return AnthropicFormat()
        case .amazon: return AmazonFormat()
        default: return nil
        }
    }
}
