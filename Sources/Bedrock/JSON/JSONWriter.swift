import Glibc

/// Writes compact JSON text straight from a `JSON` value, byte for byte what jansson's
/// `json_dumps(JSON_COMPACT | JSON_ENCODE_ANY)` writes of the same value: building a jansson
/// tree to print cost more than the printing (a chat response: about 125,000 instructions).
/// `JSONWriterTests` compares the two.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    mutating func write(_ value: JSON) {
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .int(let number): writeInteger(number)
        case .double(let number): writeReal(number)
        case .string(let text): writeString(text)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for index in object.pairs.indices {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(object.pairs[index].key)
                bytes.append(UInt8(ascii: ":"))
                write(object.pairs[index].value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// The decimal digits, written in place rather than through a String.
    private mutating func writeInteger(_ number: Int64) {
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        // UInt64.max has 20 digits.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// jansson's escapes: the quote, the backslash and C0 controls, the latter as `\u00XX`
    /// in capitals where there is no short form; everything else as it is, UTF-8 included.
    private mutating func writeString(_ text: String) {
        var text = text
        text.withUTF8 { writeString(utf8: $0) }
    }

    private mutating func writeString(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        // The runs between escapes go in whole: most strings are one run.
        var runStart = 0
        for index in utf8.indices {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            runStart = index + 1
            switch byte {
            case UInt8(ascii: "\""): append(#"\""#)
            case UInt8(ascii: "\\"): append(#"\\"#)
            case 0x08: append(#"\b"#)
            case 0x0C: append(#"\f"#)
            case 0x0A: append(#"\n"#)
            case 0x0D: append(#"\r"#)
            case 0x09: append(#"\t"#)
            default:
                append(#"\u00"#)
                bytes.append(byte < 0x10 ? UInt8(ascii: "0") : UInt8(ascii: "1"))
                let low = byte & 0x0F
                bytes.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "A") + low - 10)
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        bytes.append(UInt8(ascii: "\""))
    }

    /// jansson's `jsonp_dtostr`: `%.17g`, a point whatever the locale, ".0" when the text would
    /// read as an integer, and the exponent without "+" or leading zeros. Not finite is null,
    /// as jansson cannot hold it.
    private mutating func writeReal(_ number: Double) {
        guard number.isFinite else { return append("null") }
        var buffer = [CChar](repeating: 0, count: 32)
        let length = withVaList([number]) { vsnprintf(&buffer, buffer.count, "%.17g", $0) }
        var text = buffer.prefix(max(0, min(Int(length), buffer.count - 1))).map { UInt8(bitPattern: $0) }
        for index in text.indices where text[index] == UInt8(ascii: ",") { text[index] = UInt8(ascii: ".") }
        if !text.contains(UInt8(ascii: ".")), !text.contains(UInt8(ascii: "e")) { text.append(contentsOf: ".0".utf8) }
        if let exponent = text.firstIndex(of: UInt8(ascii: "e")) {
            var digits = exponent + 1
            var sign: [UInt8] = []
            if digits < text.count, text[digits] == UInt8(ascii: "-") { sign = [UInt8(ascii: "-")] }
            if digits < text.count, text[digits] == UInt8(ascii: "-") || text[digits] == UInt8(ascii: "+") { digits += 1 }
            while digits < text.count - 1, text[digits] == UInt8(ascii: "0") { digits += 1 }
            text.replaceSubrange(exponent + 1..<digits, with: sign)
        }
        bytes.append(contentsOf: text)
    }
}

extension JSON {
    /// Compact JSON text.
    func serialized() -> String {
        var writer = JSONWriter()
        writer.write(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
