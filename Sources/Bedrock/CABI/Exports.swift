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

@_cdecl("bedrock_client_new")
public func bedrock_client_new(_ configJSON: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                               _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    return withCStatus(err) { () throws(BedrockError) in
        let out = try outArgument(out, field: "out")
        let config = configJSON == nil ? ClientConfig() : try ClientConfig(json: try jsonArgument(configJSON, field: "config"))
        let client = try BedrockClient(config)
        out.pointee = OpaquePointer(Unmanaged.passRetained(client).toOpaque())
    }
}

@_cdecl("bedrock_client_free")
public func bedrock_client_free(_ client: OpaquePointer?) {
    guard let client else { return }
    Unmanaged<BedrockClient>.fromOpaque(UnsafeRawPointer(client)).release()
}

@_cdecl("bedrock_converse")
public func bedrock_converse(_ client: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                             _ requestJSON: UnsafePointer<CChar>?,
                             _ responseJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                             _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    responseJSON?.pointee = nil
    return withCStatus(err) { () throws(BedrockError) in
        let client = try clientArgument(client)
        let modelId = try stringArgument(modelId, field: "model_id")
        let request = try jsonArgument(requestJSON, field: "request")
        let out = try outArgument(responseJSON, field: "response_json")
        out.pointee = try mallocCString(try client.converse(modelId: modelId, request: request))
    }
}

@_cdecl("bedrock_converse_stream")
public func bedrock_converse_stream(_ client: OpaquePointer?, _ modelId: UnsafePointer<CChar>?,
                                    _ requestJSON: UnsafePointer<CChar>?, _ onEvent: EventCallback?,
                                    _ userData: UnsafeMutableRawPointer?,
                                    _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    withCStatus(err) { () throws(BedrockError) in
        let client = try clientArgument(client)
        let modelId = try stringArgument(modelId, field: "model_id")
        let request = try jsonArgument(requestJSON, field: "request")
        guard let onEvent else { throw .invalidArgument("on_event: must not be NULL") }
        try client.converseStream(modelId: modelId, request: request) { (event) throws(BedrockError) in
            try deliver(event, to: onEvent, userData: userData)
        }
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
