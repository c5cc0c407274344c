/// One decoded `application/vnd.amazon.eventstream` message: its headers and its payload.
///
/// The format is specified at https://smithy.io/2.0/aws/amazon-eventstream.html :
/// ```
/// total_length: u32 | headers_length: u32 | prelude_crc: u32 | headers | payload | message_crc: u32
/// ```
/// all big-endian, both CRCs being CRC-32 of every byte before them.
package struct EventStreamMessage: Equatable, Sendable {
    /// The headers in wire order. The spec says a name appears at most once and order carries no
    /// meaning; the decoder keeps them as sent and does not reject duplicates.
    var headers: [EventStreamHeader]
    package var payload: [UInt8]

    init(headers: [EventStreamHeader] = [], payload: [UInt8] = []) {
        self.headers = headers
        self.payload = payload
    }

    /// The value of the first header called `name`, if any.
    func header(_ name: String) -> EventStreamHeaderValue? {
        for header in headers where header.name == name {
            return header.value
        }
        return nil
    }

    /// The value of the header called `name` when it is a string header; nil when it is absent
    /// or has another type.
    func headerString(_ name: String) -> String? {
        if case let .string(value) = header(name) { return value }
        return nil
    }

    /// `:message-type`: `event`, `exception`, or `error`.
    var messageType: String? { headerString(EventStreamFormat.HeaderName.messageType) }
    /// `:event-type`, e.g. `contentBlockDelta` or `chunk`.
    var eventType: String? { headerString(EventStreamFormat.HeaderName.eventType) }
    /// `:exception-type`, e.g. `throttlingException`, on modeled error events.
    var exceptionType: String? { headerString(EventStreamFormat.HeaderName.exceptionType) }
    /// `:error-code` on unmodeled error events.
    var errorCode: String? { headerString(EventStreamFormat.HeaderName.errorCode) }
    /// `:error-message` on unmodeled error events.
    var errorMessage: String? { headerString(EventStreamFormat.HeaderName.errorMessage) }
    /// `:content-type`, e.g. `application/json`.
    var contentType: String? { headerString(EventStreamFormat.HeaderName.contentType) }
}

/// A header: a UTF-8 name of 1 to 255 bytes and a typed value.
struct EventStreamHeader: Equatable, Sendable {
    var name: String
    var value: EventStreamHeaderValue

    init(name: String, value: EventStreamHeaderValue) {
        self.name = name
        self.value = value
    }
}

/// A header value: one case per wire type. The set is fixed by the spec and not extensible.
enum EventStreamHeaderValue: Equatable, Sendable {
    /// Wire types 0 (true) and 1 (false); no value bytes follow the type.
    case bool(Bool)
    /// Wire type 2: a signed byte.
    case byte(Int8)
    /// Wire type 3: big-endian Int16.
    case short(Int16)
    /// Wire type 4: big-endian Int32.
    case int(Int32)
    /// Wire type 5: big-endian Int64.
    case long(Int64)
    /// Wire type 6: u16 length, then the bytes.
    case byteArray([UInt8])
    /// Wire type 7: u16 length, then UTF-8 (validated on decode).
    case string(String)
    /// Wire type 8: big-endian Int64 milliseconds since 1970-01-01T00:00:00Z (not seconds).
    case timestamp(Int64)
    /// Wire type 9: 16 bytes.
    case uuid(EventStreamUUID)

    /// The wire type byte this value encodes as.
    var wireType: EventStreamHeaderType {
        switch self {
        case .bool(true): .boolTrue
        case .bool(false): .boolFalse
        case .byte: .byte
        case .short: .short
        case .int: .int
        case .long: .long
        case .byteArray: .byteArray
        case .string: .string
        case .timestamp: .timestamp
        case .uuid: .uuid
        }
    }
}

/// The header value type indicators of the wire format.
enum EventStreamHeaderType: UInt8, Sendable, CaseIterable {
    case boolTrue = 0
    case boolFalse = 1
    case byte = 2
    case short = 3
    case int = 4
    case long = 5
    case byteArray = 6
    case string = 7
    case timestamp = 8
    case uuid = 9
}

/// A 16-byte UUID header value, kept as two big-endian halves so it is a plain value type.
struct EventStreamUUID: Hashable, Sendable, CustomStringConvertible {
    static let byteCount = 16

    /// Bytes 0...7, big-endian.
    var high: UInt64
    /// Bytes 8...15, big-endian.
    var low: UInt64

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// nil unless `bytes` holds exactly 16 bytes.
    init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for byte in bytes[0..<8] { high = high << 8 | UInt64(byte) }
        for byte in bytes[8..<16] { low = low << 8 | UInt64(byte) }
        self.init(high: high, low: low)
    }

    /// The 16 bytes in wire order.
    var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(Self.byteCount)
        for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        return result
    }

    /// The canonical lowercase 8-4-4-4-12 form, e.g. `0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`.
    var description: String {
        let hexDigits: [Character] = Array("0123456789abcdef")
        var text = ""
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append("-") }
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0f)])
        }
        return text
    }
}

/// Numbers and names fixed by the event-stream specification and by the AWS implementations'
/// limits (aws-c-event-stream, botocore, smithy-rs).
enum EventStreamFormat {
    /// total_length (4) + headers_length (4).
    static let preludeLengthWithoutChecksum = 8
    /// total_length (4) + headers_length (4) + prelude_crc (4).
    static let preludeLength = 12
    /// message_crc (4).
    static let trailerLength = 4
    /// An empty message: prelude and trailer, no headers, no payload.
    static let minimumMessageLength = preludeLength + trailerLength
    /// A header name's length is one byte, and must not be 0.
    static let maximumHeaderNameLength = Int(UInt8.max)
    /// The spec's cap on the encoded headers section: 131,072 bytes (128 KiB).
    static let maximumHeadersLength = 128 * 1024
    /// The spec's cap on the payload: 25,165,824 bytes (24 MiB).
    static let maximumPayloadLength = 24 * 1024 * 1024
    /// The largest message the spec's caps allow: both maxima plus prelude and trailer.
    static let maximumMessageLength = maximumPayloadLength + maximumHeadersLength + minimumMessageLength

    /// Names of the headers AWS protocols put on every message.
    enum HeaderName {
        static let messageType = ":message-type"
        static let eventType = ":event-type"
        static let exceptionType = ":exception-type"
        static let errorCode = ":error-code"
        static let errorMessage = ":error-message"
        static let contentType = ":content-type"
    }
}
