/// Turns the event-stream body of a streaming operation into JSON events, and exception or
/// error frames into the `BedrockError` they stand for.
struct EventStreamResponse {
    private static let paddingMember = "p"
    private let limits: ResponseLimits
    private var decoder: EventStreamDecoder

    init(limits: ResponseLimits) {
        self.limits = limits
        decoder = EventStreamDecoder(limits: .init(maximumMessageLength: limits.maxEventBytes))
    }

    /// Decodes `bytes` and hands each complete event to `onEvent`. The events before a
    /// malformed frame are handed over before its error is thrown.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, onEvent: (StreamEvent) throws(BedrockError) -> Void) throws(BedrockError) {
        var messages: [EventStreamMessage] = []
        var malformed: EventStreamError?
        do {
            try decoder.feed(bytes) { messages.append($0) }
        } catch {
            malformed = error
        }
        for index in messages.indices { try onEvent(try Self.event(from: &messages[index], limits: limits)) }
        if let malformed { throw Self.error(malformed) }
    }

    /// A frame over a limit is LIMIT, naming the setting; any other defect is PROTOCOL.
    private static func error(_ malformed: EventStreamError) -> BedrockError {
        switch malformed {
        case .messageTooLarge(let length, let limit):
            BedrockError(.limit, "an event-stream message of \(length) bytes is larger than max_event_bytes (\(limit) bytes)")
        case .headersTooLarge(let length, let limit):
            BedrockError(.limit, "an event-stream message has \(length) bytes of headers, more than the \(limit) allowed")
        default:
            BedrockError(.protocol, "malformed event stream: \(malformed)")
        }
    }

    /// Checks that the stream did not stop in the middle of a frame.
    func finish() throws(BedrockError) {
        do {
            try decoder.finish()
        } catch {
            throw Self.error(error)
        }
    }

    /// An event takes its payload out of `message`: the text it keeps is then its only
    /// copy, and taking the padding out of it does not copy it again.
    private static func event(from message: inout EventStreamMessage, limits: ResponseLimits) throws(BedrockError) -> StreamEvent {
        let messageType = message.messageType ?? "event"
        switch messageType {
        case "event":
            guard let name = message.eventType else {
                throw BedrockError(.protocol, "event-stream event has no :event-type header")
            }
            var bytes: [UInt8] = []
            swap(&bytes, &message.payload)
            if bytes.isEmpty { bytes = Array("{}".utf8) }
            var payload: JSONText
            do {
                payload = try JSONText(checking: consume bytes)
            } catch {
                throw BedrockError(.protocol, "\(name) event: payload is not valid JSON")
            }
            // Bedrock pads events with a random "p" member against length side channels;
            // it is not part of the API, and boto3 drops it too.
            payload.removeMember(Self.paddingMember)
            return StreamEvent(name: name, payload: payload)
        case "exception":
            let type = message.exceptionType ?? "UnknownException"
            let payload = try? JSON.parse(message.payload, field: "exception")
            let detail = payload?["message"]?.stringValue ?? payload?["Message"]?.stringValue ?? ""
            throw streamError(type: type, detail: AWSErrorResponse.truncated(detail, toBytes: limits.maxErrorMessageBytes))
        case "error":
            let code = message.errorCode ?? "UnknownError"
            throw streamError(type: code, detail: AWSErrorResponse.truncated(message.errorMessage ?? "",
                                                                             toBytes: limits.maxErrorMessageBytes))
        default:
            throw BedrockError(.protocol, "event-stream message has unknown :message-type \"\(messageType)\"")
        }
    }

    /// An exception inside a 200 stream: the type decides the status; an unknown type is a
    /// service error, since the service sent it on purpose.
    private static func streamError(type: String, detail: String) -> BedrockError {
        let normalized = AWSErrorResponse.normalizedType(type)
        let status = BedrockStatus(awsErrorType: normalized, httpStatus: 500)
        let message = detail.isEmpty ? "\(normalized) in the response stream" : "\(normalized): \(detail)"
        return BedrockError(status, message, awsErrorType: normalized)
    }
}

/// One event of a stream as the service sent it: its name (`:event-type`) and its payload's
/// JSON text, without Bedrock's padding.
struct StreamEvent {
    let name: String
    let payload: JSONText

    /// `{"<name>": payload}`, the payload's text as it came: a ConverseStream event as
    /// callers receive it.
    var text: String {
        var key = JSONWriter(capacity: name.utf8.count + 2)
        key.write(.string(name))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(key.bytes.count + payload.bytes.count + 3)
        bytes.append(UInt8(ascii: "{"))
        bytes.append(contentsOf: key.bytes)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(contentsOf: payload.bytes)
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The event as a value, `{"<name>": payload}`, for readers that take it apart.
    func json() throws(BedrockError) -> JSON {
        do {
            var event = JSONObject()
            event[name] = try JSON.parse(payload.bytes, field: "payload")
            return .object(event)
        } catch {
            throw BedrockError(.protocol, "\(name) event: payload is not valid JSON")
        }
    }

    /// The bytes an InvokeModelWithResponseStream `chunk` event carries, decoded from base64;
    /// nil for any other event.
    func chunkBytes() throws(BedrockError) -> [UInt8]? {
        guard name == "chunk", let quoted = payload.member("bytes") else { return nil }
        guard quoted.first == UInt8(ascii: "\""), quoted.count >= 2 else {
            throw BedrockError(.protocol, "InvokeModelWithResponseStream chunk has no base64 string in \"bytes\"")
        }
        let encoded = quoted.dropFirst().dropLast()
        // Base64 needs no escape; "\/" is the one a JSON writer may still use.
        let decoded = encoded.contains(UInt8(ascii: "\\"))
            ? (try? JSON.parse(Array(quoted), field: "bytes"))?.stringValue.flatMap { base64Decoded($0) }
            : base64Decoded(bytes: encoded)
        guard let decoded else {
            throw BedrockError(.protocol, "InvokeModelWithResponseStream chunk is not valid base64")
        }
        return decoded
    }
}
