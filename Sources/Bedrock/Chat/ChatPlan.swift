/// How one chat request goes to Bedrock: which API, which body, which extra headers, and
/// what the client must do that the provider cannot (cut at stop sequences).
struct ChatPlan {
    /// Bedrock's InvokeModel usage headers (LangChain reads the same ones).
    static let inputTokenHeader = "X-Amzn-Bedrock-Input-Token-Count"
    static let outputTokenHeader = "X-Amzn-Bedrock-Output-Token-Count"
    static let cacheReadTokenHeader = "X-Amzn-Bedrock-Cache-Read-Input-Token-Count"
    static let cacheWriteTokenHeader = "X-Amzn-Bedrock-Cache-Write-Input-Token-Count"
    static let invocationMetricsMember = "amazon-bedrock-invocationMetrics"
    static let guardrailActionMember = "amazon-bedrock-guardrailAction"
    static let guardrailTraceMember = "amazon-bedrock-trace"

    let request: ChatRequest
    let api: ChatAPI
    let format: (any InvokeModelFormat)?
    /// The base model id, without an inference-profile prefix, for format decisions.
    let baseModelId: String
    /// Stop sequences the client applies because the provider's API has none.
    let clientStops: [String]

    init(_ request: ChatRequest) throws(BedrockError) {
        var request = request
        let baseModelId = Provider.baseModelId(request.baseModel ?? request.model)
        self.baseModelId = baseModelId
        let format = request.provider.invokeFormat
        let needsTools = !request.effectiveTools.isEmpty || request.messages.contains(where: \.hasToolBlocks)
        let invokeCanCarry = !needsTools || format.supportsTools(modelId: baseModelId)
        switch request.api {
        case .converse:
            api = .converse
        case .invoke:
            guard invokeCanCarry else {
                throw .invalidArgument("request.tools", "\(request.model) cannot take tools through InvokeModel; use api \"converse\" or \"auto\"")
            }
            if let field = request.converseOnlyField {
                throw .invalidArgument("request.\(field)", "only Converse takes it; use api \"converse\" or \"auto\"")
            }
            if request.schemaMethod == .jsonSchema, request.responseSchema != nil {
                throw .invalidArgument("request.response_schema_method", "json_schema is Converse's outputConfig; use api \"converse\" or \"auto\"")
            }
            api = .invoke
        case .auto:
            // As ChatBedrock: Nova goes through Converse. Beyond it: so does anything whose
            // InvokeModel body cannot carry the tools, the settings or the native schema.
            let isNova = baseModelId.utf8.starts(with: "amazon.nova".utf8)
            let needsConverse = !invokeCanCarry || request.converseOnlyField != nil || request.wantsNativeSchema
            api = (isNova || needsConverse) ? .converse : .invoke
        }
        request.schemaAsTool = !(api == .converse && request.wantsNativeSchema)
        self.request = request
        self.format = api == .invoke ? format : nil
        if api == .invoke, !request.stop.isEmpty, !format.supportsStopSequences(modelId: baseModelId) {
            clientStops = request.stop
        } else {
            clientStops = []
        }
    }

    var operation: RuntimeOperation { api == .invoke ? .invokeModel : .converse }
    var streamOperation: RuntimeOperation { api == .invoke ? .invokeModelWithResponseStream : .converseStream }

    /// The request body. The formats name fields relative to the request (`messages[1]`);
    /// errors leave here rooted at it (`request.messages[1]`), as the parser names them.
    func body(stream: Bool) throws(BedrockError) -> [UInt8] {
        Array(try bodyJSON(stream: stream).serialized().utf8)
    }

    /// The request body as JSON, before it is written out.
    func bodyJSON(stream: Bool) throws(BedrockError) -> JSON {
        do {
            if let format { return try format.requestBody(request, modelId: baseModelId, stream: stream) }
            return try ConverseFormat().requestBody(request, stream: stream)
        } catch {
            throw error.nested(under: "request")
        }
    }

    /// InvokeModel takes its guardrail and per-call settings in headers; Converse in the body.
    var extraHeaders: [HTTPHeader] {
        guard api == .invoke else { return [] }
        var headers: [HTTPHeader] = []
        if let guardrail = request.guardrail {
            headers += [("X-Amzn-Bedrock-GuardrailIdentifier", guardrail.id),
                        ("X-Amzn-Bedrock-GuardrailVersion", guardrail.version)]
            if let trace = guardrail.trace { headers.append(("X-Amzn-Bedrock-Trace", trace.uppercased())) }
        }
        return headers + request.settings.invokeHeaders
    }

    /// The tier InvokeModel reports in its response headers.
    static let serviceTierHeader = "X-Amzn-Bedrock-Service-Tier"

    /// An InvokeModel usage report from response headers or a chunk's invocation metrics.
    static func usage(headers head: HTTPResponseHead) -> ChatUsage? {
        guard let input = head.header(inputTokenHeader).flatMap({ Int($0) }) else { return nil }
        return ChatUsage(inputTokens: input, outputTokens: head.header(outputTokenHeader).flatMap { Int($0) } ?? 0,
                         cacheReadInputTokens: head.header(cacheReadTokenHeader).flatMap { Int($0) } ?? 0,
                         cacheWriteInputTokens: head.header(cacheWriteTokenHeader).flatMap { Int($0) } ?? 0)
    }

    static func usage(invocationMetrics metrics: JSON) -> ChatUsage {
        func count(_ key: String) -> Int { metrics[key]?.int64Value.flatMap { Int(exactly: $0) } ?? 0 }
        return ChatUsage(inputTokens: count("inputTokenCount"), outputTokens: count("outputTokenCount"),
                         cacheReadInputTokens: count("cacheReadInputTokenCount"),
                         cacheWriteInputTokens: count("cacheWriteInputTokenCount"))
    }

    func response(from accumulator: ChatAccumulator, requestId: String?, extras: ReplyExtras, clientStopped: Bool) -> ChatResponse {
        var providerStop = accumulator.providerStopReason
        if clientStopped { providerStop = StopReason.stopSequence }
        return ChatResponse(blocks: accumulator.blocks, providerStopReason: providerStop, usage: accumulator.usage,
                            modelId: request.model, requestId: requestId, api: api,
                            structuredToolName: request.schemaAsTool ? request.responseSchema?.name : nil,
                            structuredFromText: !request.schemaAsTool, extras: extras)
    }
}
