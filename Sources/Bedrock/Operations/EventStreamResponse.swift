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

    /// Decodes `bytes` and hands each complete event to `onEvent` as `{"<eventName>": payload}`.
    /// The events before a malformed frame are handed over before its error is thrown.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, onEvent: (JSON) throws(BedrockError) -> Void) throws(BedrockError) {
        var messages: [EventStreamMessage] = []
        var malformed: EventStreamError?
        do {
            try decoder.feed(bytes) { messages.append($0) }
        } catch {
            malformed = error
        }
        for message in messages { try onEvent(try Self.event(from: message, limits: limits)) }
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

    private static func event(from message: EventStreamMessage, limits: ResponseLimits) throws(BedrockError) -> JSON {
        let messageType = message.messageType ?? "event"
        switch messageType {
        case "event":
            guard let name = message.eventType else {
                throw BedrockError(.protocol, "event-stream event has no :event-type header")
            }
            var payload = message.payload.isEmpty ? JSON.object(JSONObject())
                : try parsePayload(message.payload, eventName: name)
            // Bedrock pads events with a random "p" member against length side channels;
            // it is not part of the API, and boto3 drops it too.
            if case .object(var members) = payload {
                payload = .null  // the only other reference: the removal below then copies nothing
                members[Self.paddingMember] = nil
                payload = .object(members)
            }
            var event = JSONObject()
            event[name] = payload
            return .object(event)
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

    /// The error names the event only when there is one: this runs for every event.
    private static func parsePayload(_ bytes: [UInt8], eventName: String) throws(BedrockError) -> JSON {
        do {
            return try JSON.parse(bytes, field: "payload")
        } catch {
            throw BedrockError(.protocol, "\(eventName) event: payload is not valid JSON")
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
