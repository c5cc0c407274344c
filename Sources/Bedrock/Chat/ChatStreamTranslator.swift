/// Turns a chat stream's raw events (ConverseStream events, or InvokeModelWithResponseStream
/// chunks in the provider's format) into chat events: `start`, deltas, and at the end `usage`,
/// `stop` and `message`. Push-driven, so both the pull stream (`PullStream`) and an event
/// loop (`bedrock_multi_chat_stream`) use it. A class: one stream's state, changed in place
/// for every event, where copying the plan it holds would cost more than the event.
final class ChatStreamTranslator {
    let plan: ChatPlan
    private var parser: any StreamChunkParser
    private var accumulator = ChatAccumulator()
    private var cutter: StopSequenceCutter?
    private var extras = ReplyExtras()
    private(set) var started = false
    /// Set once the final `message` has been made; no event follows it.
    private(set) var ended = false

    init(plan: ChatPlan) {
        self.plan = plan
        parser = plan.format?.makeStreamParser(modelId: plan.baseModelId) ?? ConverseStreamParser()
        cutter = plan.clientStops.isEmpty ? nil : StopSequenceCutter(stops: plan.clientStops)
    }

    /// The `start` event, once: before the first raw event, or at the end of an empty stream.
    func start(requestId: String?) -> [JSON] {
        guard !started else { return [] }
        started = true
        return [ChatAccumulator.event("start", [
            "model_id": .string(plan.request.model),
            "request_id": requestId.map(JSON.string) ?? .null,
        ])]
    }

    /// The chat events one raw event makes. When a client-side stop sequence cuts the reply,
    /// the closing events follow at once and `ended` is set: the rest is not read.
    func events(from raw: StreamEvent, requestId: String?,
                         metrics: @autoclosure () -> JSON? = nil) throws(BedrockError) -> [JSON] {
        var events = start(requestId: requestId)
        for delta in try deltas(from: raw) { apply(delta, into: &events) }
        if cutter?.stopped == true { events += finish(requestId: requestId, metrics: metrics()) }
        return events
    }

    /// The closing events: `usage`, `stop` and the whole response as `message`, which carries
    /// `metrics` when given.
    func finish(requestId: String?, metrics: JSON? = nil) -> [JSON] {
        guard !ended else { return [] }
        var events = start(requestId: requestId)
        ended = true
        for delta in parser.finish() { apply(delta, into: &events) }
        if var cutter, !cutter.stopped {
            apply(.text(index: 0, text: cutter.flush()), into: &events)
            self.cutter = cutter
        }
        let response = plan.response(from: accumulator, requestId: requestId, extras: extras,
                                     clientStopped: cutter?.stopped ?? false)
        events.append(ChatAccumulator.event("usage", ["usage": response.usage.json]))
        var stop = JSONObject(["type": .string("stop"), "stop_reason": .string(response.stopReason)])
        if let providerReason = response.providerStopReason { stop["provider_stop_reason"] = .string(providerReason) }
        events.append(.object(stop))
        events.append(ChatAccumulator.event("message", ["message": response.json.adding("metrics", metrics)]))
        return events
    }

    private func deltas(from raw: StreamEvent) throws(BedrockError) -> [ChatDelta] {
        guard plan.format != nil else {
            let event = try raw.json()
            if let metadata = event["metadata"] { extras.read(converse: metadata) }
            if let stop = event["messageStop"] { extras.read(converse: stop) }
            return try parser.parse(chunk: event)
        }
        guard let bytes = try raw.chunkBytes() else { return [] }
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
            extras.trace = chunk[ChatPlan.guardrailTraceMember]
        }
        return deltas
    }

    private func apply(_ delta: ChatDelta, into events: inout [JSON]) {
        var delta = delta
        if case .text(let index, let text) = delta, var cutter {
            delta = .text(index: index, text: cutter.feed(text))
            self.cutter = cutter
        }
        if let event = accumulator.apply(delta) { events.append(event) }
    }
}
