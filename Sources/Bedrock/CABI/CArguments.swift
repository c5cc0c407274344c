import Glibc

// Conversions between C arguments and Swift values, shared by the exported functions.

/// Runs `body`, storing any error in `*err` (when err is not NULL) and returning its status.
func withCStatus(_ err: UnsafeMutablePointer<OpaquePointer?>?, _ body: () throws(BedrockError) -> Void) -> Int32 {
    err?.pointee = nil
    do {
        try body()
        return BedrockStatus.ok.rawValue
    } catch {
        err?.pointee = ErrorHandle.make(error)
        return error.status.rawValue
    }
}

/// Runs a call on the client behind `handle`, as `withCStatus`, with the client's secrets
/// taken out of any error (bedrock.h: a message never contains secrets).
func withCStatus(_ err: UnsafeMutablePointer<OpaquePointer?>?, client handle: OpaquePointer?,
                 _ body: (BedrockClient) throws(BedrockError) -> Void) -> Int32 {
    withCStatus(err) { () throws(BedrockError) in
        let client = try clientArgument(handle)
        do throws(BedrockError) {
            try body(client)
        } catch {
            throw client.redacted(error)
        }
    }
}

/// A C string argument as Swift text: NULL or invalid UTF-8 is INVALID_ARGUMENT naming `field`.
func stringArgument(_ pointer: UnsafePointer<CChar>?, field: String) throws(BedrockError) -> String {
    guard let pointer else { throw .invalidArgument("\(field)", "must not be NULL") }
    guard let text = String(validatingCString: pointer) else {
        throw .invalidArgument("\(field)", "not valid UTF-8")
    }
    return text
}

/// A C string argument that may be NULL (nil), else as `stringArgument`.
func optionalStringArgument(_ pointer: UnsafePointer<CChar>?, field: String) throws(BedrockError) -> String? {
    guard let pointer else { return nil }
    return try stringArgument(pointer, field: field)
}

/// `count` bytes at `pointer`, copied; NULL is allowed only for no bytes.
func bytesArgument(_ pointer: UnsafeRawPointer?, count: Int, field: String) throws(BedrockError) -> [UInt8] {
    guard count != 0 else { return [] }
    guard count > 0 else { throw .invalidArgument(field, "its length is larger than any buffer") }
    guard let pointer else { throw .invalidArgument(field, "must not be NULL when its length is \(count)") }
    return Array(UnsafeRawBufferPointer(start: pointer, count: count))
}

/// A JSON text argument; NULL, invalid JSON and invalid UTF-8 name `field`.
func jsonArgument(_ pointer: UnsafePointer<CChar>?, field: String) throws(BedrockError) -> JSON {
    guard let pointer else { throw .invalidArgument("\(field)", "must not be NULL") }
    return try JSON.parse(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), field: field)
}

/// A JSON text argument checked and kept as text, for the calls that pass it on unparsed.
func jsonTextArgument(_ pointer: UnsafePointer<CChar>?, field: String) throws(BedrockError) -> JSONText {
    guard let pointer else { throw .invalidArgument("\(field)", "must not be NULL") }
    return try JSONText(Array(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))), field: field)
}

/// An out-parameter that must be given.
func outArgument<T>(_ pointer: UnsafeMutablePointer<T>?, field: String) throws(BedrockError) -> UnsafeMutablePointer<T> {
    guard let pointer else { throw .invalidArgument("\(field)", "output pointer must not be NULL") }
    return pointer
}

/// A copy of `text` in malloc'd memory, which the caller frees with `bedrock_string_free`.
func mallocCString(_ text: String) throws(BedrockError) -> UnsafeMutablePointer<CChar> {
    guard let copy = strdup(text) else { throw BedrockError(.internal, "out of memory") }
    return copy
}

/// A malloc'd copy of `bytes` with a NUL after them, freed with `bedrock_string_free`.
func mallocBytes(_ bytes: [UInt8]) throws(BedrockError) -> UnsafeMutablePointer<CChar> {
    guard let copy = malloc(bytes.count + 1)?.assumingMemoryBound(to: CChar.self) else {
        throw BedrockError(.internal, "out of memory")
    }
    bytes.withUnsafeBytes { UnsafeMutableRawPointer(copy).copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(copy), byteCount: bytes.count) }
    copy[bytes.count] = 0
    return copy
}

/// A new C handle that holds `object` until its free function releases it.
func retainedHandle<T: AnyObject>(_ object: T) -> OpaquePointer {
    OpaquePointer(Unmanaged.passRetained(object).toOpaque())
}

/// The client behind a `bedrock_client *`.
func clientArgument(_ handle: OpaquePointer?) throws(BedrockError) -> BedrockClient {
    guard let handle else { throw .invalidArgument("client", "must not be NULL") }
    return Unmanaged<BedrockClient>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

/// The C callback type `bedrock_event_fn`.
public typealias EventCallback = @convention(c) (UnsafePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32

/// Calls a C event callback with one event's JSON text; a non-zero return cancels the call.
func deliver(_ event: String, to callback: EventCallback, userData: UnsafeMutableRawPointer?) throws(BedrockError) {
    let verdict = event.withCString { callback($0, strlen($0), userData) }
    if verdict != 0 { throw BedrockError(.cancelled, "cancelled by the event callback (it returned \(verdict))") }
}

/// Reads a stream to its end, handing each event to a C callback.
func deliverAll(_ stream: PullStream, to callback: EventCallback?, field: String,
                userData: UnsafeMutableRawPointer?) throws(BedrockError) {
    guard let callback else { throw .invalidArgument(field, "must not be NULL") }
    while let event = try stream.next() { try deliver(event, to: callback, userData: userData) }
}

/// The stream behind a `bedrock_stream *`.
func streamArgument(_ handle: OpaquePointer?) throws(BedrockError) -> PullStream {
    guard let handle else { throw .invalidArgument("stream", "must not be NULL") }
    return Unmanaged<PullStream>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

/// A `bedrock_error`: the error plus the C strings its getters lend out.
final class ErrorHandle {
    let status: BedrockStatus
    let message: UnsafeMutablePointer<CChar>?
    let json: UnsafeMutablePointer<CChar>?

    private init(_ error: BedrockError) {
        status = error.status
        message = strdup(error.message)
        json = strdup(error.json.serialized())
    }

    deinit {
        free(message)
        free(json)
    }

    static func make(_ error: BedrockError) -> OpaquePointer {
        retainedHandle(ErrorHandle(error))
    }

    static func from(_ handle: OpaquePointer) -> ErrorHandle {
        Unmanaged<ErrorHandle>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }
}

/// A string literal as a C string; it lives in the binary, so the pointer is valid forever.
func staticCString(_ text: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}
