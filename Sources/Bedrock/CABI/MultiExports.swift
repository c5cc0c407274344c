import Glibc

// The event-loop API of include/bedrock.h (bedrock_multi, bedrock_call). Each function only
// converts its arguments and calls into BedrockMulti; the rules are documented in the header.

/// `bedrock_done_fn`.
public typealias DoneCallback = @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, OpaquePointer?,
                                                UnsafeMutableRawPointer?) -> Void
/// `bedrock_socket_fn`.
public typealias SocketCallback = @convention(c) (OpaquePointer?, Int32, Int32, UnsafeMutableRawPointer?,
                                                  UnsafeMutableRawPointer?) -> Int32
/// `bedrock_timer_fn`.
public typealias TimerCallback = @convention(c) (OpaquePointer?, Int, UnsafeMutableRawPointer?) -> Int32

@_cdecl("bedrock_multi_new")
public func bedrock_multi_new(_ client: OpaquePointer?, _ optionsJSON: UnsafePointer<CChar>?,
                              _ out: UnsafeMutablePointer<OpaquePointer?>?,
                              _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    return withCStatus(err, client: client) { (client) throws(BedrockError) in
        let out = try outArgument(out, field: "out")
        let options = optionsJSON == nil ? MultiOptions() : try MultiOptions(json: try jsonArgument(optionsJSON, field: "options"))
        out.pointee = retainedHandle(try BedrockMulti(client: client, options: options))
    }
}

@_cdecl("bedrock_multi_free")
public func bedrock_multi_free(_ multi: OpaquePointer?) {
    guard let multi else { return }
    let object = Unmanaged<BedrockMulti>.fromOpaque(UnsafeRawPointer(multi))
    object.takeUnretainedValue().close()
    object.release()
}

@_cdecl("bedrock_multi_chat")
public func bedrock_multi_chat(_ multi: OpaquePointer?, _ requestJSON: UnsafePointer<CChar>?, _ onDone: DoneCallback?,
                               _ userData: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                               _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    startCall(multi, out, err) { (multi) throws(BedrockError) in
        try multi.startChat(try ChatRequest(json: try jsonArgument(requestJSON, field: "request")), stream: false,
                            onEvent: nil, onDone: doneHandler(onDone, userData))
    }
}

@_cdecl("bedrock_multi_chat_stream")
public func bedrock_multi_chat_stream(_ multi: OpaquePointer?, _ requestJSON: UnsafePointer<CChar>?,
                                      _ onEvent: EventCallback?, _ onDone: DoneCallback?,
                                      _ userData: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                      _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    startCall(multi, out, err) { (multi) throws(BedrockError) in
        try multi.startChat(try ChatRequest(json: try jsonArgument(requestJSON, field: "request")), stream: true,
                            onEvent: eventHandler(onEvent, userData), onDone: doneHandler(onDone, userData))
    }
}

@_cdecl("bedrock_multi_converse")
public func bedrock_multi_converse(_ multi: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                                   _ requestJSON: UnsafePointer<CChar>?, _ onDone: DoneCallback?,
                                   _ userData: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                   _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    startCall(multi, out, err) { (multi) throws(BedrockError) in
        try multi.startConverse(modelId: try stringArgument(modelId, field: "model_id"),
                                request: try jsonTextArgument(requestJSON, field: "request"), stream: false,
                                onEvent: nil, onDone: doneHandler(onDone, userData))
    }
}

@_cdecl("bedrock_multi_converse_stream")
public func bedrock_multi_converse_stream(_ multi: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                                          _ requestJSON: UnsafePointer<CChar>?, _ onEvent: EventCallback?,
                                          _ onDone: DoneCallback?, _ userData: UnsafeMutableRawPointer?,
                                          _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                          _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    startCall(multi, out, err) { (multi) throws(BedrockError) in
        try multi.startConverse(modelId: try stringArgument(modelId, field: "model_id"),
                                request: try jsonTextArgument(requestJSON, field: "request"), stream: true,
                                onEvent: eventHandler(onEvent, userData), onDone: doneHandler(onDone, userData))
    }
}

@_cdecl("bedrock_multi_invoke_model")
public func bedrock_multi_invoke_model(_ multi: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                                       _ bodyJSON: UnsafePointer<CChar>?, _ onDone: DoneCallback?,
                                       _ userData: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                       _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    startCall(multi, out, err) { (multi) throws(BedrockError) in
        try multi.startInvokeModel(modelId: try stringArgument(modelId, field: "model_id"),
                                   body: try jsonTextArgument(bodyJSON, field: "body_json"), stream: false,
                                   onEvent: nil, onDone: doneHandler(onDone, userData))
    }
}

@_cdecl("bedrock_multi_invoke_model_stream")
public func bedrock_multi_invoke_model_stream(_ multi: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                                              _ bodyJSON: UnsafePointer<CChar>?, _ onEvent: EventCallback?,
                                              _ onDone: DoneCallback?, _ userData: UnsafeMutableRawPointer?,
                                              _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                              _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    startCall(multi, out, err) { (multi) throws(BedrockError) in
        try multi.startInvokeModel(modelId: try stringArgument(modelId, field: "model_id"),
                                   body: try jsonTextArgument(bodyJSON, field: "body_json"), stream: true,
                                   onEvent: eventHandler(onEvent, userData), onDone: doneHandler(onDone, userData))
    }
}

@_cdecl("bedrock_multi_count_tokens")
public func bedrock_multi_count_tokens(_ multi: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                                       _ requestJSON: UnsafePointer<CChar>?, _ onDone: DoneCallback?,
                                       _ userData: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                       _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    startCall(multi, out, err) { (multi) throws(BedrockError) in
        try multi.startCountTokens(modelId: try stringArgument(modelId, field: "model_id"),
                                   request: try jsonArgument(requestJSON, field: "request"),
                                   onDone: doneHandler(onDone, userData))
    }
}

@_cdecl("bedrock_multi_fd")
public func bedrock_multi_fd(_ multi: OpaquePointer?) -> Int32 {
    guard let multi = try? multiArgument(multi) else { return -1 }
    return multi.pollFD
}

@_cdecl("bedrock_multi_timeout_ms")
public func bedrock_multi_timeout_ms(_ multi: OpaquePointer?) -> Int {
    guard let multi = try? multiArgument(multi) else { return -1 }
    return multi.timeoutMs
}

@_cdecl("bedrock_multi_perform")
public func bedrock_multi_perform(_ multi: OpaquePointer?, _ waitMs: Int32, _ running: UnsafeMutablePointer<Int32>?,
                                  _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    withCStatus(err, multi: multi) { (multi) throws(BedrockError) in
        let count = try multi.perform(waitMs: Int(waitMs))
        running?.pointee = Int32(clamping: count)
    }
}

@_cdecl("bedrock_multi_use_loop")
public func bedrock_multi_use_loop(_ multi: OpaquePointer?, _ onSocket: SocketCallback?, _ onTimer: TimerCallback?,
                                   _ loopData: UnsafeMutableRawPointer?,
                                   _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    let handle = multi
    return withCStatus(err, multi: multi) { (multi) throws(BedrockError) in
        guard let onSocket, let onTimer else {
            guard onSocket == nil, onTimer == nil else {
                throw .invalidArgument(onSocket == nil ? "on_socket" : "on_timer",
                                       "must not be NULL (pass NULL for both to leave socket mode)")
            }
            return try multi.use(nil)
        }
        try multi.use(HostLoop(watch: { fd, what, fdData in _ = onSocket(handle, fd, what, loopData, fdData) },
                               setTimer: { timeoutMs in _ = onTimer(handle, timeoutMs, loopData) }))
    }
}

@_cdecl("bedrock_multi_assign")
public func bedrock_multi_assign(_ multi: OpaquePointer?, _ fd: Int32, _ fdData: UnsafeMutableRawPointer?) {
    (try? multiArgument(multi))?.assign(fd, data: fdData)
}

@_cdecl("bedrock_multi_socket_action")
public func bedrock_multi_socket_action(_ multi: OpaquePointer?, _ fd: Int32, _ events: Int32,
                                        _ running: UnsafeMutablePointer<Int32>?,
                                        _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    withCStatus(err, multi: multi) { (multi) throws(BedrockError) in
        let count = try multi.socketAction(fd: fd, events: events)
        running?.pointee = Int32(clamping: count)
    }
}

@_cdecl("bedrock_multi_read")
public func bedrock_multi_read(_ multi: OpaquePointer?, _ call: UnsafeMutablePointer<OpaquePointer?>?,
                               _ itemJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                               _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    call?.pointee = nil
    itemJSON?.pointee = nil
    return withCStatus(err, multi: multi) { (multi) throws(BedrockError) in
        let callOut = try outArgument(call, field: "call")
        let itemOut = try outArgument(itemJSON, field: "item_json")
        guard multi.options.queue else {
            throw .invalidArgument("multi", "bedrock_multi_read needs a multi created with {\"queue\": true}")
        }
        guard let (next, item) = multi.read() else { return }
        itemOut.pointee = try mallocCString(item)
        callOut.pointee = OpaquePointer(Unmanaged.passUnretained(next).toOpaque())
    }
}

@_cdecl("bedrock_multi_wakeup")
public func bedrock_multi_wakeup(_ multi: OpaquePointer?) {
    (try? multiArgument(multi))?.wakeup()
}

@_cdecl("bedrock_call_cancel")
public func bedrock_call_cancel(_ call: OpaquePointer?) {
    guard let call else { return }
    Unmanaged<MultiCall>.fromOpaque(UnsafeRawPointer(call)).takeUnretainedValue().cancel()
}

@_cdecl("bedrock_call_free")
public func bedrock_call_free(_ call: OpaquePointer?) {
    guard let call else { return }
    let object = Unmanaged<MultiCall>.fromOpaque(UnsafeRawPointer(call))
    object.takeUnretainedValue().cancel()
    object.release()
}

@_cdecl("bedrock_call_metrics")
public func bedrock_call_metrics(_ call: OpaquePointer?, _ metricsJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                 _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    metricsJSON?.pointee = nil
    return withCStatus(err) { () throws(BedrockError) in
        guard let call else { throw .invalidArgument("call", "must not be NULL") }
        let out = try outArgument(metricsJSON, field: "metrics_json")
        let object = Unmanaged<MultiCall>.fromOpaque(UnsafeRawPointer(call)).takeUnretainedValue()
        out.pointee = try mallocCString(object.metrics.json(now: monotonicMilliseconds()).serialized())
    }
}

// MARK: - Conversions

private func multiArgument(_ handle: OpaquePointer?) throws(BedrockError) -> BedrockMulti {
    guard let handle else { throw .invalidArgument("multi", "must not be NULL") }
    return Unmanaged<BedrockMulti>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

/// `withCStatus` for a call on a multi handle: the client's secrets are taken out of errors.
private func withCStatus(_ err: UnsafeMutablePointer<OpaquePointer?>?, multi handle: OpaquePointer?,
                         _ body: (BedrockMulti) throws(BedrockError) -> Void) -> Int32 {
    withCStatus(err) { () throws(BedrockError) in
        let multi = try multiArgument(handle)
        do throws(BedrockError) {
            try body(multi)
        } catch {
            throw multi.client.redacted(error)
        }
    }
}

/// Starts a call and hands the caller its handle, which the caller frees.
private func startCall(_ multi: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                       _ err: UnsafeMutablePointer<OpaquePointer?>?,
                       _ start: (BedrockMulti) throws(BedrockError) -> MultiCall) -> Int32 {
    out?.pointee = nil
    return withCStatus(err, multi: multi) { (multi) throws(BedrockError) in
        let out = try outArgument(out, field: "out")
        out.pointee = retainedHandle(try start(multi))
    }
}

private func eventHandler(_ callback: EventCallback?, _ userData: UnsafeMutableRawPointer?) -> MultiCall.EventHandler? {
    guard let callback else { return nil }
    return { event in event.withCString { callback($0, strlen($0), userData) } == 0 }
}

/// on_done with its arguments borrowed for the call: the error handle is freed after it returns.
private func doneHandler(_ callback: DoneCallback?, _ userData: UnsafeMutableRawPointer?) -> MultiCall.DoneHandler? {
    guard let callback else { return nil }
    return { call, status, result, failure in
        let handle = OpaquePointer(Unmanaged.passUnretained(call).toOpaque())
        let error = failure.map(ErrorHandle.make)
        defer { if let error { Unmanaged<ErrorHandle>.fromOpaque(UnsafeRawPointer(error)).release() } }
        if let result {
            result.withCString { callback(handle, status.rawValue, $0, error, userData) }
        } else {
            callback(handle, status.rawValue, nil, error, userData)
        }
    }
}
