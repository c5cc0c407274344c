import Glibc

extension JSON {
    /// Parses JSON text: what jansson accepts (`JSONScanner` checks it), read as jansson reads
    /// it: integers as `.int`, other numbers as `.double`, the last of repeated keys kept at the
    /// first one's place. Invalid text throws INVALID_ARGUMENT naming `field`.
    static func parse(_ text: UnsafeRawBufferPointer, field: String) throws(BedrockError) -> JSON {
        _ = try JSONScanner.check(text, field: field)
        var reader = JSONReader(text)
        return reader.document()
    }

    /// Reads the string's own UTF-8 in place (a request body can be megabytes).
    static func parse(_ text: String, field: String) throws(BedrockError) -> JSON {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(BedrockError) -> JSON in try parse(UnsafeRawBufferPointer(buffer), field: field) }
        }.get()
    }

    static func parse(_ bytes: [UInt8], field: String) throws(BedrockError) -> JSON {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(BedrockError) -> JSON in try parse(buffer, field: field) }
        }.get()
    }
}

/// Builds the value of text `JSONScanner` has accepted, so it checks nothing again. Reading a
/// reply into a jansson tree and then into `JSON` cost twice this; the fuzz target `json` and
/// `JSONReaderTests` hold it to what jansson reads.
private struct JSONReader {
    private let text: UnsafeRawBufferPointer
    private var index = 0

    init(_ text: UnsafeRawBufferPointer) {
        self.text = text
    }

    /// The whole text's value. Open containers are kept on explicit stacks, innermost last,
    /// so no nesting the scanner lets through can exhaust the thread's stack.
    mutating func document() -> JSON {
        var arrays: [[JSON]] = []
        var objects: [(members: JSONObject, key: String)] = []
        var openIsObject: [Bool] = []
        value: while true {
            skipWhitespace()
            var value: JSON
            switch text[index] {
            case UInt8(ascii: "{"):
                index += 1
                skipWhitespace()
                if text[index] == UInt8(ascii: "}") {
                    index += 1
                    value = .object(JSONObject())
                } else {
                    objects.append((JSONObject(), key()))
                    openIsObject.append(true)
                    continue value
                }
            case UInt8(ascii: "["):
                index += 1
                skipWhitespace()
                if text[index] == UInt8(ascii: "]") {
                    index += 1
                    value = .array([])
                } else {
                    arrays.append([])
                    openIsObject.append(false)
                    continue value
                }
            case UInt8(ascii: "\""): value = .string(string())
            case UInt8(ascii: "t"): index += 4; value = .bool(true)
            case UInt8(ascii: "f"): index += 5; value = .bool(false)
            case UInt8(ascii: "n"): index += 4; value = .null
            default: value = number()
            }
            // Into the container it belongs to; a closing bracket ends that one, which is then
            // the value to place in the one around it.
            while let isObject = openIsObject.last {
                if isObject {
                    objects[objects.count - 1].members[objects[objects.count - 1].key] = value
                } else {
                    arrays[arrays.count - 1].append(value)
                }
                skipWhitespace()
                let separator = text[index]
                index += 1
                if separator == UInt8(ascii: ",") {
                    if isObject { objects[objects.count - 1].key = key() }
                    continue value
                }
                openIsObject.removeLast()
                value = isObject ? .object(objects.removeLast().members) : .array(arrays.removeLast())
            }
            return value
        }
    }

    private mutating func skipWhitespace() {
        while index < text.count, text[index].isProtocolWhitespace { index += 1 }
    }

    /// An object key and the colon after it.
    private mutating func key() -> String {
        skipWhitespace()
        let key = string()
        skipWhitespace()
        index += 1
        return key
    }

    // MARK: Strings

    /// From the opening quote to past the closing one.
    private mutating func string() -> String {
        let start = index + 1
        guard let base = text.baseAddress else { return "" }
        // The closing quote is the first one not escaped: after an even run of backslashes.
        var end = start
        while true {
            end = UnsafeRawPointer(memchr(base + end, 0x22, text.count - end)!) - base
            var backslashes = 0
            while text[end - 1 - backslashes] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 { break }
            end += 1
        }
        index = end + 1
        let raw = UnsafeRawBufferPointer(rebasing: text[start..<end])
        if memchr(base + start, 0x5C, end - start) == nil { return String(decoding: raw, as: UTF8.self) }
        return Self.unescaped(raw)
    }

    private static func unescaped(_ raw: UnsafeRawBufferPointer) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                bytes.append(byte)
                continue
            }
            let kind = raw[index]
            index += 1
            switch kind {
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hexUnit(raw, at: index)
                index += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    // The scanner saw the low surrogate's `\u` follow.
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hexUnit(raw, at: index + 2) - 0xDC00)
                    index += 6
                }
                bytes.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
            default: bytes.append(kind) // `"`, `\` and `/` stand for themselves
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexUnit(_ raw: UnsafeRawBufferPointer, at index: Int) -> UInt32 {
        raw[index..<index + 4].reduce(0) { unit, digit in unit << 4 | UInt32(hexDigitValue(digit) ?? 0) }
    }

    // MARK: Numbers

    /// An integer when the text has no fraction or exponent, as jansson reads it; a Double
    /// otherwise. The scanner has checked both are in range.
    private mutating func number() -> JSON {
        let start = index
        var integral = true
        loop: while index < text.count {
            switch text[index] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"): index += 1
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): index += 1; integral = false
            default: break loop
            }
        }
        let token = UnsafeRawBufferPointer(rebasing: text[start..<index])
        guard integral else { return .double(Double(String(decoding: token, as: UTF8.self))!) }
        // Fewer than 19 digits cannot overflow; longer ones go through the checked conversion.
        guard token.count < 19 else { return .int(Int64(String(decoding: token, as: UTF8.self))!) }
        let negative = token[0] == UInt8(ascii: "-")
        let magnitude = token.dropFirst(negative ? 1 : 0).reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
        return .int(negative ? -magnitude : magnitude)
    }
}
