/// A chat reply read event by event (docs/c-api.md, "Chat stream events"): `start`, then text,
/// reasoning and tool-call deltas as they arrive, then `usage`, `stop`, and a final `message`
/// holding the whole response, which equals what `chat` returns for the same request.
/// `next` does the network work on the caller's thread; `cancel` may come from any thread.
final class ChatStream: @unchecked Sendable {
    /// Kept alive by the stream, which may outlive the caller's reference (bedrock.h).
    let client: BedrockClient
    private let plan: ChatPlan
    private let call: EventStreamCall
    private var parser: any StreamChunkParser
    private var accumulator = ChatAccumulator()
    private var cutter: StopSequenceCutter?
    private var trace: JSON?
    private var queued: [JSON] = []
    private var started = false
    private var ended = false

    init(client: BedrockClient, request: ChatRequest) throws(BedrockError) {
        self.client = client
        plan = try ChatPlan(request)
        call = try client.openStream(plan.streamOperation, modelId: request.model, body: try plan.body(stream: true),
                                     extraHeaders: plan.extraHeaders)
        parser = plan.format?.makeStreamParser(modelId: plan.baseModelId) ?? ConverseStreamParser()
        cutter = plan.clientStops.isEmpty ? nil : StopSequenceCutter(stops: plan.clientStops)
    }

    /// The next event, or nil after the `message` event.
    func next() throws(BedrockError) -> JSON? {
        while queued.isEmpty, !ended {
            let event = try call.next()
            if !started {
                started = true
                queued.append(ChatAccumulator.event("start", [
                    "model_id": .string(plan.request.model),
                    "request_id": call.head.requestId.map(JSON.string) ?? .null,
                ]))
            }
            guard let event else {
                end()
                break
            }
            for delta in try deltas(from: event) { apply(delta) }
            if cutter?.stopped == true { end() }
        }
        return queued.isEmpty ? nil : queued.removeFirst()
    }

    /// Ends a blocked or later `next` with CANCELLED. Safe from any thread.
    func cancel() { call.cancel() }

    private func deltas(from event: JSON) throws(BedrockError) -> [ChatDelta] {
        guard plan.format != nil else {
            if let trace = event["metadata"]?["trace"] { self.trace = trace }
            return try parser.parse(chunk: event)
        }
        guard let encoded = event["chunk"]?["bytes"]?.stringValue else { return [] }
        guard let bytes = base64Decoded(encoded) else {
            throw BedrockError(.protocol, "InvokeModelWithResponseStream chunk is not valid base64")
        }
        let chunk: JSON
        do {
            chunk = try JSON.parse(bytes, field: "stream chunk")
        } catch {
            throw BedrockError(.protocol, "InvokeModelWithResponseStream chunk is not valid JSON")
        }
        var deltas = try parser.parse(chunk: chunk)
        if let metrics = chunk[ChatPlan.invocationMetricsMember] {
            deltas.append(.usage(ChatPlan.usage(invocationMetrics: metrics)))
        }
        if chunk[ChatPlan.guardrailActionMember]?.stringValue == "INTERVENED" {
            deltas.append(.stop(providerReason: StopReason.guardrailIntervened))
            trace = chunk[ChatPlan.guardrailTraceMember]
        }
        return deltas
    }

    private func apply(_ delta: ChatDelta) {
        var delta = delta
        if case .text(let index, let text) = delta, var cutter {
            delta = .text(index: index, text: cutter.feed(text))
            self.cutter = cutter
        }
        if let event = accumulator.apply(delta) { queued.append(event) }
    }

    private func end() {
        ended = true
        for delta in parser.finish() { apply(delta) }
        if var cutter, !cutter.stopped {
            apply(.text(index: 0, text: cutter.flush()))
            self.cutter = cutter
        }
        let response = plan.response(from: accumulator, requestId: call.head.requestId, trace: trace,
                                     clientStopped: cutter?.stopped ?? false)
        queued.append(ChatAccumulator.event("usage", ["usage": response.usage.json]))
        var stop = JSONObject(["type": .string("stop"), "stop_reason": .string(response.stopReason)])
        if let providerReason = response.providerStopReason { stop["provider_stop_reason"] = .string(providerReason) }
        queued.append(.object(stop))
        queued.append(ChatAccumulator.event("message", ["message": response.json]))
    }
}
