import CJansson

// The jansson forms of the C ABI, declared in include/bedrock_jansson.h.

@_cdecl("bedrock_chat_j")
public func bedrock_chat_j(_ client: OpaquePointer?, _ request: UnsafePointer<json_t>?,
                           _ response: UnsafeMutablePointer<UnsafeMutablePointer<json_t>?>?,
                           _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    response?.pointee = nil
    return withCStatus(err, client: client) { (client) throws(BedrockError) in
        guard let request else { throw .invalidArgument("request", "must not be NULL") }
        let out = try outArgument(response, field: "response")
        let reply = try JSON.parse(try client.chat(try ChatRequest(json: JSON(jansson: request))), field: "response")
        guard let value = reply.makeJansson() else { throw BedrockError(.internal, "out of memory") }
        out.pointee = value
    }
}
