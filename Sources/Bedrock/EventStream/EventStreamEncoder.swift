/// Event-stream encoding, for a request body that is itself an event stream
/// (InvokeModelWithBidirectionalStream): the inverse of `EventStreamFrame.decodeMessage`.
extension EventStreamMessage {
    /// The message on the wire: prelude, headers, payload and the two CRCs.
    var encoded: [UInt8] {
        let headerBytes = headers.flatMap(\.encoded)
        let total = EventStreamFormat.minimumMessageLength + headerBytes.count + payload.count
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        bytes.appendBigEndian(UInt32(total))
        bytes.appendBigEndian(UInt32(headerBytes.count))
        bytes.appendBigEndian(CRC32.checksum(bytes))
        bytes += headerBytes
        bytes += payload
        bytes.appendBigEndian(CRC32.checksum(bytes))
        return bytes
    }
}

extension EventStreamHeader {
    /// `name_len: u8 | name | type: u8 | value`.
    var encoded: [UInt8] {
        let nameBytes = Array(name.utf8)
        var bytes = [UInt8(truncatingIfNeeded: nameBytes.count)] + nameBytes + [value.wireType.rawValue]
        switch value {
        case .bool: break
        case .byte(let number): bytes.append(UInt8(bitPattern: number))
        case .short(let number): bytes.appendBigEndian(UInt16(bitPattern: number))
        case .int(let number): bytes.appendBigEndian(UInt32(bitPattern: number))
        case .long(let number), .timestamp(let number): bytes.appendBigEndian(UInt64(bitPattern: number))
        case .byteArray(let data):
            bytes.appendBigEndian(UInt16(truncatingIfNeeded: data.count))
            bytes += data
        case .string(let text):
            bytes.appendBigEndian(UInt16(truncatingIfNeeded: text.utf8.count))
            bytes += text.utf8
        case .uuid(let uuid): bytes += uuid.bytes
        }
        return bytes
    }
}

extension [UInt8] {
    mutating func appendBigEndian<T: FixedWidthInteger & UnsignedInteger>(_ value: T) {
        for shift in stride(from: T.bitWidth - 8, through: 0, by: -8) {
            append(UInt8(truncatingIfNeeded: value >> shift))
        }
    }
}
