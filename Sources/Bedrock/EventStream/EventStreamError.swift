/// Every way an `application/vnd.amazon.eventstream` frame can be bad.
///
/// One case per defect, as aws-c-event-stream and smithy-rs name them, so that a log line or a
/// test says exactly what was wrong. All of them mean "the service sent a malformed response"
/// (`BEDROCK_ERR_PROTOCOL`); after any of them the stream cannot be resynchronised, because the
/// frame boundaries are no longer known.
package enum EventStreamError: Error, Equatable, Sendable {
    /// The CRC-32 of the first 8 bytes does not match the prelude CRC. `expected` is the value
    /// in the frame, `actual` the value computed over the bytes received.
    case preludeChecksumMismatch(expected: UInt32, actual: UInt32)
    /// The CRC-32 of the whole message (all but its last 4 bytes) does not match its trailer.
    case messageChecksumMismatch(expected: UInt32, actual: UInt32)
    /// The total length is smaller than an empty message (16 bytes: prelude and trailer).
    case invalidTotalLength(UInt32)
    /// The headers length does not fit inside the message (more than total length − 16).
    case invalidHeadersLength(UInt32, totalLength: UInt32)
    /// The headers section is longer than the limit (128 KiB by default).
    case headersTooLarge(UInt32, limit: Int)
    /// The message is longer than the limit (24 MiB payload + 128 KiB headers + framing by default).
    case messageTooLarge(UInt32, limit: Int)
    /// A header name has length 0; names must be 1...255 bytes.
    case invalidHeaderNameLength(UInt8)
    /// A header name is not valid UTF-8.
    case invalidHeaderName
    /// A header's value type byte is not one of the ten defined types (0...9).
    case unknownHeaderType(UInt8, headerName: String)
    /// A header (its name, type byte, length prefix, or value) runs past the end of the headers
    /// section. `offset` is where the header field starts within the section.
    case headerValueOverrun(offset: Int, needed: Int, available: Int)
    /// A string header's value is not valid UTF-8.
    case invalidUTF8Header(headerName: String)
    /// The stream ended in the middle of a message. `expected` is nil when even the 12-byte
    /// prelude was incomplete.
    case truncated(received: Int, expected: Int?)

    /// The case's name, stable for tests, logs, and JSON (`"preludeChecksumMismatch"`, ...).
    var code: String {
        switch self {
        case .preludeChecksumMismatch: "preludeChecksumMismatch"
        case .messageChecksumMismatch: "messageChecksumMismatch"
        case .invalidTotalLength: "invalidTotalLength"
        case .invalidHeadersLength: "invalidHeadersLength"
        case .headersTooLarge: "headersTooLarge"
        case .messageTooLarge: "messageTooLarge"
        case .invalidHeaderNameLength: "invalidHeaderNameLength"
        case .invalidHeaderName: "invalidHeaderName"
        case .unknownHeaderType: "unknownHeaderType"
        case .headerValueOverrun: "headerValueOverrun"
        case .invalidUTF8Header: "invalidUTF8Header"
        case .truncated: "truncated"
        }
    }
}

extension EventStreamError: CustomStringConvertible {
    package var description: String {
        switch self {
        case let .preludeChecksumMismatch(expected, actual):
            "event-stream prelude CRC mismatch: expected \(hex(expected)), got \(hex(actual))"
        case let .messageChecksumMismatch(expected, actual):
            "event-stream message CRC mismatch: expected \(hex(expected)), got \(hex(actual))"
        case let .invalidTotalLength(length):
            "event-stream message total length \(length) is smaller than the \(EventStreamFormat.minimumMessageLength)-byte minimum"
        case let .invalidHeadersLength(length, total):
            "event-stream headers length \(length) does not fit in a message of total length \(total)"
        case let .headersTooLarge(length, limit):
            "event-stream headers length \(length) exceeds the \(limit)-byte limit"
        case let .messageTooLarge(length, limit):
            "event-stream message length \(length) exceeds the \(limit)-byte limit"
        case let .invalidHeaderNameLength(length):
            "event-stream header name length \(length) is invalid (names are 1 to \(EventStreamFormat.maximumHeaderNameLength) bytes)"
        case .invalidHeaderName:
            "event-stream header name is not valid UTF-8"
        case let .unknownHeaderType(type, name):
            "event-stream header '\(name)' has unknown value type \(type) (known types are 0 to 9)"
        case let .headerValueOverrun(offset, needed, available):
            "event-stream header at offset \(offset) runs past the end of the headers section (needs \(needed) bytes, \(available) left)"
        case let .invalidUTF8Header(name):
            "event-stream string header '\(name)' is not valid UTF-8"
        case let .truncated(received, expected?):
            "event-stream ended in the middle of a message (\(received) of \(expected) bytes received)"
        case let .truncated(received, nil):
            "event-stream ended in the middle of a message prelude (\(received) of \(EventStreamFormat.preludeLength) bytes received)"
        }
    }
}

/// `0x` followed by 8 lowercase hex digits.
private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
