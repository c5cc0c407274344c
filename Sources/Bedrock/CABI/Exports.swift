import Glibc

// The C ABI declared in include/bedrock.h. Each function only converts its arguments and
// calls into the core; ownership rules are documented in the header.

@_cdecl("bedrock_version")
public func bedrock_version() -> UnsafePointer<CChar>? {
    staticCString(BedrockVersion.cString)
}

@_cdecl("bedrock_version_number")
public func bedrock_version_number() -> Int32 {
    Int32(BedrockVersion.major * 1_000_000 + BedrockVersion.minor * 1_000 + BedrockVersion.patch)
}

@_cdecl("bedrock_status_name")
public func bedrock_status_name(_ status: Int32) -> UnsafePointer<CChar>? {
    staticCString(BedrockStatus(rawValue: status)?.cName ?? "BEDROCK_ERR_UNKNOWN")
}

@_cdecl("bedrock_status_string")
public func bedrock_status_string(_ status: Int32) -> UnsafePointer<CChar>? {
    staticCString(BedrockStatus(rawValue: status)?.summary ?? "unknown status")
}

@_cdecl("bedrock_client_new")
public func bedrock_client_new(_ configJSON: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                               _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    return withCStatus(err) { () throws(BedrockError) in
        let out = try outArgument(out, field: "out")
        let config = configJSON == nil ? ClientConfig() : try ClientConfig(json: try jsonArgument(configJSON, field: "config"))
        let client = try BedrockClient(config)
        out.pointee = retainedHandle(client)
    }
}

@_cdecl("bedrock_client_free")
public func bedrock_client_free(_ client: OpaquePointer?) {
    guard let client else { return }
    Unmanaged<BedrockClient>.fromOpaque(UnsafeRawPointer(client)).release()
}

/// `bedrock_log_fn`.
public typealias LogCallback = @convention(c) (Int32, UnsafePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Void

@_cdecl("bedrock_client_set_log")
public func bedrock_client_set_log(_ client: OpaquePointer?, _ level: Int32, _ callback: LogCallback?,
                                   _ userData: UnsafeMutableRawPointer?) {
    guard let client = try? clientArgument(client) else { return }
    guard let callback, level > 0 else { return client.log.set(nil) }
    client.log.set(ClientLog.Sink(level: level) { level, line in
        line.withCString { callback(level, $0, strlen($0), userData) }
    })
}

@_cdecl("bedrock_client_warm")
public func bedrock_client_warm(_ client: OpaquePointer?, _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    withCStatus(err, client: client) { (client) throws(BedrockError) in try client.warm() }
}

@_cdecl("bedrock_converse")
public func bedrock_converse(_ client: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                             _ requestJSON: UnsafePointer<CChar>?,
                             _ responseJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                             _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    responseJSON?.pointee = nil
    return withCStatus(err, client: client) { (client) throws(BedrockError) in
        let modelId = try stringArgument(modelId, field: "model_id")
        let request = try jsonTextArgument(requestJSON, field: "request")
        let out = try outArgument(responseJSON, field: "response_json")
        out.pointee = try mallocCString(try client.converse(modelId: modelId, request: request))
    }
}

@_cdecl("bedrock_converse_stream")
public func bedrock_converse_stream(_ client: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                                    _ requestJSON: UnsafePointer<CChar>?, _ onEvent: EventCallback?,
                                    _ userData: UnsafeMutableRawPointer?,
                                    _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    withCStatus(err, client: client) { (client) throws(BedrockError) in
        let modelId = try stringArgument(modelId, field: "model_id")
        let request = try jsonTextArgument(requestJSON, field: "request")
        try deliverAll(try client.openConverseStream(modelId: modelId, request: request), to: onEvent,
                       field: "on_event", userData: userData)
    }
}

@_cdecl("bedrock_error_status")
public func bedrock_error_status(_ error: OpaquePointer?) -> Int32 {
    guard let error else { return BedrockStatus.invalidArgument.rawValue }
    return ErrorHandle.from(error).status.rawValue
}

@_cdecl("bedrock_error_message")
public func bedrock_error_message(_ error: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let error else { return nil }
    return UnsafePointer(ErrorHandle.from(error).message)
}

@_cdecl("bedrock_error_json")
public func bedrock_error_json(_ error: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let error else { return nil }
    return UnsafePointer(ErrorHandle.from(error).json)
}

@_cdecl("bedrock_error_free")
public func bedrock_error_free(_ error: OpaquePointer?) {
    guard let error else { return }
    Unmanaged<ErrorHandle>.fromOpaque(UnsafeRawPointer(error)).release()
}

@_cdecl("bedrock_string_free")
public func bedrock_string_free(_ string: UnsafeMutablePointer<CChar>?) {
    free(string)
}

// MARK: - Chat

@_cdecl("bedrock_chat")
public func bedrock_chat(_ client: OpaquePointer?, _ requestJSON: UnsafePointer<CChar>?,
                         _ responseJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                         _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    answerChat(client, requestJSON, responseJSON, err) { (client, request) throws(BedrockError) in try client.chat(request) }
}

@_cdecl("bedrock_chat_count_tokens")
public func bedrock_chat_count_tokens(_ client: OpaquePointer?, _ requestJSON: UnsafePointer<CChar>?,
                                      _ responseJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                      _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    answerChat(client, requestJSON, responseJSON, err) { (client, request) throws(BedrockError) in
        try client.countChatTokens(request)
    }
}

/// A chat request in, JSON text out (`bedrock_chat`, `bedrock_chat_count_tokens`).
private func answerChat(_ client: OpaquePointer?, _ requestJSON: UnsafePointer<CChar>?,
                        _ responseJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                        _ err: UnsafeMutablePointer<OpaquePointer?>?,
                        _ answer: (BedrockClient, ChatRequest) throws(BedrockError) -> String) -> Int32 {
    responseJSON?.pointee = nil
    return withCStatus(err, client: client) { (client) throws(BedrockError) in
        let request = try ChatRequest(json: try jsonArgument(requestJSON, field: "request"))
        let out = try outArgument(responseJSON, field: "response_json")
        out.pointee = try mallocCString(try answer(client, request))
    }
}

@_cdecl("bedrock_chat_stream")
public func bedrock_chat_stream(_ client: OpaquePointer?, _ requestJSON: UnsafePointer<CChar>?,
                                _ onEvent: EventCallback?, _ userData: UnsafeMutableRawPointer?,
                                _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    withCStatus(err, client: client) { (client) throws(BedrockError) in
        let request = try ChatRequest(json: try jsonArgument(requestJSON, field: "request"))
        try deliverAll(try client.openChatStream(request), to: onEvent, field: "on_event", userData: userData)
    }
}

@_cdecl("bedrock_stream_open")
public func bedrock_stream_open(_ client: OpaquePointer?, _ requestJSON: UnsafePointer<CChar>?,
                                _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    return withCStatus(err, client: client) { (client) throws(BedrockError) in
        let request = try ChatRequest(json: try jsonArgument(requestJSON, field: "request"))
        let out = try outArgument(out, field: "out")
        out.pointee = retainedHandle(try client.openChatStream(request))
    }
}

@_cdecl("bedrock_converse_stream_open")
public func bedrock_converse_stream_open(_ client: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                                         _ requestJSON: UnsafePointer<CChar>?,
                                         _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                         _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    return withCStatus(err, client: client) { (client) throws(BedrockError) in
        let modelId = try stringArgument(modelId, field: "model_id")
        let request = try jsonTextArgument(requestJSON, field: "request")
        let out = try outArgument(out, field: "out")
        out.pointee = retainedHandle(try client.openConverseStream(modelId: modelId, request: request))
    }
}

@_cdecl("bedrock_invoke_model_stream_open")
public func bedrock_invoke_model_stream_open(_ client: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                                             _ bodyJSON: UnsafePointer<CChar>?,
                                             _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                             _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    return withCStatus(err, client: client) { (client) throws(BedrockError) in
        let modelId = try stringArgument(modelId, field: "model_id")
        let body = try jsonTextArgument(bodyJSON, field: "body_json")
        let out = try outArgument(out, field: "out")
        out.pointee = retainedHandle(try client.openInvokeModelStream(modelId: modelId, body: body))
    }
}

@_cdecl("bedrock_operation_stream_open")
public func bedrock_operation_stream_open(_ client: OpaquePointer?, _ operation: UnsafePointer<CChar>?,
                                          _ paramsJSON: UnsafePointer<CChar>?,
                                          _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                          _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    return withCStatus(err, client: client) { (client) throws(BedrockError) in
        let operation = try stringArgument(operation, field: "operation")
        let params = try jsonArgument(paramsJSON, field: "params")
        let out = try outArgument(out, field: "out")
        out.pointee = retainedHandle(try client.openOperationStream(operation, params: params))
    }
}

@_cdecl("bedrock_stream_next")
public func bedrock_stream_next(_ stream: OpaquePointer?, _ eventJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    eventJSON?.pointee = nil
    return withCStatus(err) { () throws(BedrockError) in
        let stream = try streamArgument(stream)
        let out = try outArgument(eventJSON, field: "event_json")
        do throws(BedrockError) {
            if let event = try stream.next() { out.pointee = try mallocCString(event) }
        } catch {
            throw stream.client.redacted(error)
        }
    }
}

@_cdecl("bedrock_stream_cancel")
public func bedrock_stream_cancel(_ stream: OpaquePointer?) {
    guard let stream = try? streamArgument(stream) else { return }
    stream.cancel()
}

@_cdecl("bedrock_stream_free")
public func bedrock_stream_free(_ stream: OpaquePointer?) {
    guard let stream else { return }
    Unmanaged<PullStream>.fromOpaque(UnsafeRawPointer(stream)).release()
}

// MARK: - Raw InvokeModel and CountTokens

@_cdecl("bedrock_invoke_model")
public func bedrock_invoke_model(_ client: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                                 _ bodyJSON: UnsafePointer<CChar>?,
                                 _ responseBody: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                 _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    responseBody?.pointee = nil
    return withCStatus(err, client: client) { (client) throws(BedrockError) in
        let modelId = try stringArgument(modelId, field: "model_id")
        let body = try jsonTextArgument(bodyJSON, field: "body_json")
        let out = try outArgument(responseBody, field: "response_body")
        out.pointee = try mallocCString(try client.invokeModel(modelId: modelId, body: body))
    }
}

@_cdecl("bedrock_operation")
public func bedrock_operation(_ client: OpaquePointer?, _ operation: UnsafePointer<CChar>?,
                              _ paramsJSON: UnsafePointer<CChar>?,
                              _ responseJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                              _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    responseJSON?.pointee = nil
    return withCStatus(err, client: client) { (client) throws(BedrockError) in
        let operation = try stringArgument(operation, field: "operation")
        let params = try jsonArgument(paramsJSON, field: "params")
        let out = try outArgument(responseJSON, field: "response_json")
        out.pointee = try mallocCString(try client.operation(operation, params: params))
    }
}

@_cdecl("bedrock_operation_stream")
public func bedrock_operation_stream(_ client: OpaquePointer?, _ operation: UnsafePointer<CChar>?,
                                     _ paramsJSON: UnsafePointer<CChar>?, _ onEvent: EventCallback?,
                                     _ userData: UnsafeMutableRawPointer?,
                                     _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    withCStatus(err, client: client) { (client) throws(BedrockError) in
        let operation = try stringArgument(operation, field: "operation")
        let params = try jsonArgument(paramsJSON, field: "params")
        try deliverAll(try client.openOperationStream(operation, params: params), to: onEvent,
                       field: "on_event", userData: userData)
    }
}

@_cdecl("bedrock_invoke_model_bytes")
public func bedrock_invoke_model_bytes(_ client: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                                       _ body: UnsafeRawPointer?, _ bodyLength: Int,
                                       _ contentType: UnsafePointer<CChar>?, _ accept: UnsafePointer<CChar>?,
                                       _ response: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                       _ responseLength: UnsafeMutablePointer<Int>?,
                                       _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    response?.pointee = nil
    responseLength?.pointee = 0
    return withCStatus(err, client: client) { (client) throws(BedrockError) in
        let modelId = try stringArgument(modelId, field: "model_id")
        let bytes = try bytesArgument(body, count: bodyLength, field: "body")
        let contentType = try optionalStringArgument(contentType, field: "content_type")
        let accept = try optionalStringArgument(accept, field: "accept")
        let out = try outArgument(response, field: "response")
        let outLength = try outArgument(responseLength, field: "response_len")
        let reply = try client.invokeModelBytes(modelId: modelId, body: bytes, contentType: contentType, accept: accept)
        out.pointee = try mallocBytes(reply)
        outLength.pointee = reply.count
    }
}

@_cdecl("bedrock_invoke_model_stream")
public func bedrock_invoke_model_stream(_ client: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                                        _ bodyJSON: UnsafePointer<CChar>?, _ onChunk: EventCallback?,
                                        _ userData: UnsafeMutableRawPointer?,
                                        _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    withCStatus(err, client: client) { (client) throws(BedrockError) in
        let modelId = try stringArgument(modelId, field: "model_id")
        let body = try jsonTextArgument(bodyJSON, field: "body_json")
        try deliverAll(try client.openInvokeModelStream(modelId: modelId, body: body), to: onChunk,
                       field: "on_chunk", userData: userData)
    }
}

@_cdecl("bedrock_count_tokens")
public func bedrock_count_tokens(_ client: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                                 _ requestJSON: UnsafePointer<CChar>?,
                                 _ responseJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                 _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    responseJSON?.pointee = nil
    return withCStatus(err, client: client) { (client) throws(BedrockError) in
        let modelId = try stringArgument(modelId, field: "model_id")
        let request = try jsonArgument(requestJSON, field: "request")
        let out = try outArgument(responseJSON, field: "response_json")
        out.pointee = try mallocCString(try client.countTokens(modelId: modelId, request: request))
    }
}
