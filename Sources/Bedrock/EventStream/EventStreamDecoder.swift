import Glibc

/// An incremental decoder for `application/vnd.amazon.eventstream`, the framing of every AWS
/// streaming response (ConverseStream, InvokeModelWithResponseStream).
///
/// Like aws-c-event-stream's streaming decoder, you pump it with whatever bytes arrived, in any
/// split down to one byte at a time, and it hands back each message as soon as its last byte is
/// in. Each input byte is copied once into an internal buffer, which between calls holds only the
/// one message in progress, and each message is checksummed and parsed once, so decoding is O(n)
/// however the input is split.
///
/// Every defect is a named `EventStreamError`. The prelude CRC is checked before the lengths in
/// it are trusted, and the lengths are bounded by `Limits` before any memory is reserved for
/// them. After the first error the decoder is failed for good: every later `feed` and `finish`
/// throws that same error, because the frame boundaries are lost and cannot be found again.
///
/// Not thread-safe; a decoder belongs to one stream, which one thread drives at a time.
package struct EventStreamDecoder: Sendable {
    /// Upper bounds on what a frame may claim, so a corrupt or hostile length cannot make the
    /// decoder reserve gigabytes. The spec caps a payload at 24 MiB and the headers at 128 KiB;
    /// the default message limit is both caps plus framing, so no conforming message is refused.
    package struct Limits: Sendable, Equatable {
        /// The largest total length (prelude + headers + payload + trailer) accepted.
        var maximumMessageLength: Int
        /// The largest headers section accepted.
        var maximumHeadersLength: Int

        init(maximumMessageLength: Int = EventStreamFormat.maximumMessageLength,
                    maximumHeadersLength: Int = EventStreamFormat.maximumHeadersLength) {
            self.maximumMessageLength = maximumMessageLength
            self.maximumHeadersLength = maximumHeadersLength
        }

        package static let `default` = Limits()
    }

    let limits: Limits

    /// Bytes received but not yet consumed start at `readIndex`; everything before it belongs to
    /// messages already delivered and is dropped when the buffer is compacted.
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// The total length of the message starting at `readIndex`, once its prelude is validated.
    private var pendingMessageLength: Int?
    /// The first error; once set, the decoder only rethrows it.
    private(set) var failure: EventStreamError?

    /// Buffers larger than this are released rather than kept for reuse after a message.
    private static let retainedBufferCapacity = 1024 * 1024

    package init(limits: Limits = .default) {
        self.limits = limits
    }

    /// How many received bytes belong to a message not yet complete.
    var bufferedByteCount: Int { buffer.count - readIndex }

    /// Decodes every message that `bytes` completes, calling `onMessage` for each in order.
    ///
    /// - Throws: an `EventStreamError` for a malformed frame, after the messages before it have
    ///   gone to `onMessage`; every later call throws the same error.
    package mutating func feed(_ bytes: UnsafeRawBufferPointer,
                               onMessage: (EventStreamMessage) -> Void) throws(EventStreamError) {
        if let failure { throw failure }
        buffer.append(contentsOf: bytes)
        defer { compact() }
        while let message = try nextMessage() {
            onMessage(message)
        }
    }

    /// Call at the end of the stream.
    ///
    /// - Throws: `EventStreamError.truncated` when part of a message is still buffered (the
    ///   stream was cut short), or the error the decoder already failed with.
    package func finish() throws(EventStreamError) {
        if let failure { throw failure }
        let pending = bufferedByteCount
        if pending > 0 {
            throw .truncated(received: pending, expected: pendingMessageLength)
        }
    }

    // MARK: - Decoding

    /// The next complete message in the buffer, or nil when more bytes are needed. Records the
    /// first error in `failure`.
    private mutating func nextMessage() throws(EventStreamError) -> EventStreamMessage? {
        do throws(EventStreamError) {
            let available = buffer.count - readIndex
            let length: Int
            if let pending = pendingMessageLength {
                length = pending
            } else {
                guard available >= EventStreamFormat.preludeLength else { return nil }
                length = try withUnconsumedBytes(count: EventStreamFormat.preludeLength) { prelude throws(EventStreamError) in
                    try EventStreamFrame.validatePrelude(prelude, limits: limits)
                }
                pendingMessageLength = length
                // Bounded by limits.maximumMessageLength, checked above; reserving the whole
                // message up front keeps a byte-at-a-time feed from regrowing the buffer.
                let (wanted, overflow) = readIndex.addingReportingOverflow(length)
                if !overflow { buffer.reserveCapacity(wanted) }
            }
            guard available >= length else { return nil }
            let message = try withUnconsumedBytes(count: length) { frame throws(EventStreamError) in
                try EventStreamFrame.decodeMessage(frame)
            }
            readIndex += length
            pendingMessageLength = nil
            return message
        } catch {
            failure = error
            throw error
        }
    }

    /// Runs `body` over the first `count` unconsumed bytes, which the caller has checked exist.
    private func withUnconsumedBytes<T>(
        count: Int, _ body: (UnsafeRawBufferPointer) throws(EventStreamError) -> T
    ) throws(EventStreamError) -> T {
        let result: Result<T, EventStreamError> = buffer.withUnsafeBytes { raw in
            let end = readIndex.addingReportingOverflow(count)
            guard !end.overflow, readIndex >= 0, end.partialValue <= raw.count else {
                // Unreachable while the callers check `available`; reported as truncation
                // rather than trapping, should that ever change.
                return .failure(.truncated(received: raw.count - readIndex, expected: count))
            }
            do throws(EventStreamError) {
                return .success(try body(UnsafeRawBufferPointer(rebasing: raw[readIndex..<end.partialValue])))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Drops the consumed prefix. Only a partial message can remain after `feed`, and it is moved
    /// at most once (the next `feed` either completes it or adds to it without compacting), so
    /// compaction stays O(n) over the stream.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex >= buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= Self.retainedBufferCapacity)
        } else {
            buffer.removeSubrange(0..<readIndex)
        }
        readIndex = 0
    }
}

/// Stateless validation and parsing of one frame's bytes.
enum EventStreamFrame {
    /// Checks the 12-byte prelude and returns the message's total length.
    ///
    /// The CRC comes first: until it matches, the two lengths are noise and must not be acted on.
    static func validatePrelude(_ prelude: UnsafeRawBufferPointer,
                                limits: EventStreamDecoder.Limits) throws(EventStreamError) -> Int {
        var cursor = EventStreamByteCursor(prelude)
        let totalLength = try cursor.readUInt32()
        let headersLength = try cursor.readUInt32()
        let expectedCRC = try cursor.readUInt32()
        let actualCRC = CRC32.checksum(
            UnsafeRawBufferPointer(rebasing: prelude.prefix(EventStreamFormat.preludeLengthWithoutChecksum)))
        guard expectedCRC == actualCRC else {
            throw .preludeChecksumMismatch(expected: expectedCRC, actual: actualCRC)
        }
        guard let total = Int(exactly: totalLength), let headers = Int(exactly: headersLength) else {
            throw .messageTooLarge(totalLength, limit: limits.maximumMessageLength)
        }
        guard total >= EventStreamFormat.minimumMessageLength else {
            throw .invalidTotalLength(totalLength)
        }
        guard total <= limits.maximumMessageLength else {
            throw .messageTooLarge(totalLength, limit: limits.maximumMessageLength)
        }
        guard headers <= total - EventStreamFormat.minimumMessageLength else {
            throw .invalidHeadersLength(headersLength, totalLength: totalLength)
        }
        guard headers <= limits.maximumHeadersLength else {
            throw .headersTooLarge(headersLength, limit: limits.maximumHeadersLength)
        }
        return total
    }

    /// Decodes a whole frame whose prelude `validatePrelude` accepted.
    static func decodeMessage(_ frame: UnsafeRawBufferPointer) throws(EventStreamError) -> EventStreamMessage {
        var cursor = EventStreamByteCursor(frame)
        _ = try cursor.readUInt32()
        let rawHeadersLength = try cursor.readUInt32()
        _ = try cursor.readUInt32()
        guard let headersLength = Int(exactly: rawHeadersLength) else {
            throw .invalidHeadersLength(rawHeadersLength, totalLength: UInt32(clamping: frame.count))
        }

        let checkedLength = frame.count - EventStreamFormat.trailerLength
        guard checkedLength >= EventStreamFormat.preludeLength else {
            throw .invalidTotalLength(UInt32(clamping: frame.count))
        }
        var trailer = EventStreamByteCursor(UnsafeRawBufferPointer(rebasing: frame[checkedLength...]))
        let expectedCRC = try trailer.readUInt32()
        let actualCRC = CRC32.checksum(UnsafeRawBufferPointer(rebasing: frame[..<checkedLength]))
        guard expectedCRC == actualCRC else {
            throw .messageChecksumMismatch(expected: expectedCRC, actual: actualCRC)
        }

        guard headersLength <= checkedLength - EventStreamFormat.preludeLength else {
            throw .invalidHeadersLength(rawHeadersLength, totalLength: UInt32(clamping: frame.count))
        }
        let headersBytes = try cursor.read(headersLength)
        let headers = try decodeHeaders(headersBytes)
        let payloadBytes = try cursor.read(checkedLength - EventStreamFormat.preludeLength - headersLength)
        return EventStreamMessage(headers: headers, payload: Array(payloadBytes))
    }

    /// Decodes a headers section: repeated `name_len: u8 | name | type: u8 | value`.
    static func decodeHeaders(_ section: UnsafeRawBufferPointer) throws(EventStreamError) -> [EventStreamHeader] {
        var cursor = EventStreamByteCursor(section)
        var headers: [EventStreamHeader] = []
        while !cursor.isAtEnd {
            let nameLength = try cursor.readUInt8()
            guard nameLength > 0 else { throw .invalidHeaderNameLength(nameLength) }
            guard let name = utf8String(try cursor.read(Int(nameLength))) else {
                throw .invalidHeaderName
            }
            let typeByte = try cursor.readUInt8()
            guard let type = EventStreamHeaderType(rawValue: typeByte) else {
                throw .unknownHeaderType(typeByte, headerName: name)
            }
            let value: EventStreamHeaderValue
            switch type {
            case .boolTrue: value = .bool(true)
            case .boolFalse: value = .bool(false)
            case .byte: value = .byte(Int8(bitPattern: try cursor.readUInt8()))
            case .short: value = .short(Int16(bitPattern: try cursor.readUInt16()))
            case .int: value = .int(Int32(bitPattern: try cursor.readUInt32()))
            case .long: value = .long(Int64(bitPattern: try cursor.readUInt64()))
            case .timestamp: value = .timestamp(Int64(bitPattern: try cursor.readUInt64()))
            case .byteArray:
                let length = Int(try cursor.readUInt16())
                value = .byteArray(Array(try cursor.read(length)))
            case .string:
                let length = Int(try cursor.readUInt16())
                guard let text = utf8String(try cursor.read(length)) else {
                    throw .invalidUTF8Header(headerName: name)
                }
                value = .string(text)
            case .uuid:
                let high = try cursor.readUInt64()
                let low = try cursor.readUInt64()
                value = .uuid(EventStreamUUID(high: high, low: low))
            }
            headers.append(EventStreamHeader(name: name, value: value))
        }
        return headers
    }
}

/// `bytes` as a string when they are UTF-8. Every event has three headers, and Bedrock's names
/// and values are a handful of ASCII words: those come back as the literal, with nothing
/// allocated; other ASCII takes a plain copy, and only other text the generic validation.
private func utf8String(_ bytes: UnsafeRawBufferPointer) -> String? {
    for word in commonHeaderWords where word.utf8.count == bytes.count {
        let same = word.utf8.withContiguousStorageIfAvailable { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
        if same == true { return word }
    }
    if !bytes.contains(where: { $0 >= 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
    return String(validating: bytes, as: UTF8.self)
}

/// String literals: immortal, so handing one out allocates and counts nothing.
private let commonHeaderWords: [String] = [
    ":event-type", ":content-type", ":message-type", ":exception-type", "event", "exception", "application/json",
    "chunk", "messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata",
]

/// A bounds-checked big-endian reader. Every read checks what is left and throws
/// `headerValueOverrun` instead of reading past the end, so no input can make it trap.
struct EventStreamByteCursor {
    private let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset >= bytes.count }
    var remaining: Int { bytes.count - offset }

    /// The next `count` bytes, as a buffer starting at index 0.
    mutating func read(_ count: Int) throws(EventStreamError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw .headerValueOverrun(offset: offset, needed: count, available: max(0, remaining))
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    mutating func readUInt8() throws(EventStreamError) -> UInt8 {
        try readBigEndian(UInt8.self)
    }

    mutating func readUInt16() throws(EventStreamError) -> UInt16 {
        try readBigEndian(UInt16.self)
    }

    mutating func readUInt32() throws(EventStreamError) -> UInt32 {
        try readBigEndian(UInt32.self)
    }

    mutating func readUInt64() throws(EventStreamError) -> UInt64 {
        try readBigEndian(UInt64.self)
    }

    private mutating func readBigEndian<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws(EventStreamError) -> T {
        var value: T = 0
        for byte in try read(MemoryLayout<T>.size) {
            value = value << 8 | T(byte)
        }
        return value
    }
}
