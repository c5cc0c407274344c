extension Provider {
    /// This provider's InvokeModel format.
    var invokeFormat: any InvokeModelFormat {
        switch self {
        case .anthropic: AnthropicFormat()
        case .amazon: AmazonFormat()
        case .meta: MetaFormat()
        case .mistral: MistralFormat()
        case .deepseek: DeepSeekFormat()
        case .cohere: CohereFormat()
        case .ai21: AI21Format()
        case .openai: OpenAIFormat()
        }
    }
}
