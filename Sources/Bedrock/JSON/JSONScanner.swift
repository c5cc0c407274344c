import Glibc

/// Checks JSON text in one pass without building a value, and says where a top-level object's
/// members lie.
///
/// The hot paths pass JSON on as it came: a caller's Converse request (a 4 MiB image is 5.6 MB
/// of base64) and each event of a stream. Parsing it with jansson and printing it again costs
/// about ten times this pass. The scanner accepts exactly what `JSON.parse` accepts: RFC 8259
/// text in UTF-8, `\u0000` allowed, with jansson's limits (integers within Int64, reals
/// within Double, nesting at most 2,048 deep, no lone surrogate in a `\u` escape), so text
/// that passes here parses there too. `fuzz/main.swift` checks the two against each other.
enum JSONScanner {
    /// One member of the top-level object: its key with the quotes, and its value.
    struct Member {
        let key: Range<Int>
        let value: Range<Int>
    }

    /// What the text holds at the top: an object, with its members, or another value.
    enum Kind {
        case object([Member])
        case other
    }

    struct SyntaxError: Error {
        /// Where the text stopped making sense, in bytes from its start.
        let offset: Int
        let reason: String

        /// Line and column (from 1) of `offset` in `text`, as jansson reports them.
        func position(in text: UnsafeRawBufferPointer) -> (line: Int, column: Int) {
            var line = 1, column = 1
            for byte in text.prefix(offset) {
                if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
            }
            return (line, column)
        }
    }

    /// jansson's JSON_PARSER_MAX_DEPTH.
    static let maximumDepth = 2048

    static func scan(_ text: UnsafeRawBufferPointer) throws(SyntaxError) -> Kind {
        var cursor = Cursor(text)
        return try cursor.document()
    }

    /// `scan`, with invalid text an INVALID_ARGUMENT naming `field` and where the text broke.
    static func check(_ text: UnsafeRawBufferPointer, field: String) throws(BedrockError) -> Kind {
        do {
            return try scan(text)
        } catch {
            if text.isEmpty { throw .invalidArgument(field, "empty JSON text") }
            let (line, column) = error.position(in: text)
            throw .invalidArgument(field, "invalid JSON at line \(line), column \(column): \(error.reason)")
        }
    }
}

/// The pass itself: an explicit stack instead of recursion, so no input can exhaust the
/// thread's stack.
private struct Cursor {
    let text: UnsafeRawBufferPointer
    var index = 0

    init(_ text: UnsafeRawBufferPointer) {
        self.text = text
    }

    private func fail(_ reason: String) -> JSONScanner.SyntaxError {
        JSONScanner.SyntaxError(offset: index, reason: reason)
    }

    private var byte: UInt8? { index < text.count ? text[index] : nil }

    private mutating func skipWhitespace() {
        while index < text.count, text[index].isProtocolWhitespace { index += 1 }
    }

    mutating func document() throws(JSONScanner.SyntaxError) -> JSONScanner.Kind {
        skipWhitespace()
        guard let first = byte else { throw fail("no JSON value") }
        var members: [JSONScanner.Member] = []
        /// `true` for an object, `false` for an array.
        var open: [Bool] = []
        var memberKey = 0..<0
        var memberValueStart = 0
        value: while true {
            skipWhitespace()
            guard let start = byte else { throw fail("unexpected end of text, a value expected") }
            // jansson counts every value's depth, a number or a string inside 2048 arrays too.
            guard open.count < JSONScanner.maximumDepth else { throw fail("nested more than 2048 deep") }
            let valueStart = index
            switch start {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = start == UInt8(ascii: "{")
                open.append(isObject)
                index += 1
                skipWhitespace()
                if byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    index += 1
                    open.removeLast()
                } else {
                    if isObject {
                        let key = try memberName()
                        if open.count == 1 { memberKey = key; memberValueStart = index }
                    }
                    continue value
                }
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw fail("unexpected character, a value expected")
            }
            if open.count == 1, open[0], valueStart == memberValueStart {
                members.append(.init(key: memberKey, value: valueStart..<index))
            }
            // After a value: a comma and the next one, or the end of one or more containers.
            while let isObject = open.last {
                skipWhitespace()
                switch byte {
                case UInt8(ascii: ","):
                    index += 1
                    if isObject {
                        let key = try memberName()
                        if open.count == 1 { memberKey = key; memberValueStart = index }
                    }
                    continue value
                case UInt8(ascii: "}") where isObject, UInt8(ascii: "]") where !isObject:
                    index += 1
                    open.removeLast()
                    if open.count == 1, open[0] {
                        members.append(.init(key: memberKey, value: memberValueStart..<index))
                    }
                case nil:
                    throw fail("unexpected end of text, '\(isObject ? "}" : "]")' or ',' expected")
                default:
                    throw fail("unexpected character, '\(isObject ? "}" : "]")' or ',' expected")
                }
            }
            break
        }
        skipWhitespace()
        guard index == text.count else { throw fail("text after the JSON value") }
        return first == UInt8(ascii: "{") ? .object(members) : .other
    }

    /// A member's key, the colon after it, and the whitespace before its value; returns the
    /// key's range, quotes included.
    private mutating func memberName() throws(JSONScanner.SyntaxError) -> Range<Int> {
        skipWhitespace()
        guard byte == UInt8(ascii: "\"") else { throw fail("a string expected as an object key") }
        let start = index
        // jansson's rule: a key is a C string there.
        guard try !string() else { throw fail("NUL byte in object key not supported") }
        let key = start..<index
        skipWhitespace()
        guard byte == UInt8(ascii: ":") else { throw fail("':' expected after an object key") }
        index += 1
        skipWhitespace()
        return key
    }

    private mutating func literal(_ word: StaticString) throws(JSONScanner.SyntaxError) {
        let count = word.utf8CodeUnitCount
        guard text.count - index >= count,
              memcmp(text.baseAddress! + index, word.utf8Start, count) == 0 else {
            throw fail("invalid literal, \(word) expected")
        }
        index += count
    }

    // MARK: Strings

    /// A string from its opening quote to past its closing one; returns whether it holds a
    /// `\u0000`.
    @discardableResult
    private mutating func string() throws(JSONScanner.SyntaxError) -> Bool {
        index += 1
        var holdsNUL = false
        while true {
            skipPlainASCII()
            guard let current = byte else { throw fail("unterminated string") }
            switch current {
            case UInt8(ascii: "\""):
                index += 1
                return holdsNUL
            case UInt8(ascii: "\\"):
                if try escape() == 0 { holdsNUL = true }
            case 0..<0x20:
                throw fail("control character \(current) in a string")
            default:
                try multiByteCharacter()
            }
        }
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Skips bytes that need no check beyond being ASCII: 8 at a time while none of them is a
    /// quote, a backslash, a control character or a byte of a multi-byte character.
    private mutating func skipPlainASCII() {
        guard let base = text.baseAddress else { return }
        while text.count - index >= 8 {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            func hasZeroByte(_ value: UInt64) -> Bool { (value &- Self.ones) & ~value & Self.highBits != 0 }
            let control = (word &- Self.ones &* 0x20) & ~word & Self.highBits != 0
            if control || word & Self.highBits != 0 || hasZeroByte(word ^ (Self.ones &* 0x22))
                || hasZeroByte(word ^ (Self.ones &* 0x5C)) { break }
            index += 8
        }
        while index < text.count {
            let current = text[index]
            if current < 0x20 || current >= 0x80 || current == 0x22 || current == 0x5C { return }
            index += 1
        }
    }

    /// One escape; returns the code unit of a `\u` escape, nil for the others.
    private mutating func escape() throws(JSONScanner.SyntaxError) -> UInt32? {
        index += 1
        guard let kind = byte else { throw fail("unterminated string") }
        switch kind {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 1
            return nil
        case UInt8(ascii: "u"):
            index += 1
            let unit = try hexUnit()
            if (0xDC00...0xDFFF).contains(unit) { throw fail("a low surrogate \\u escape with no high one before it") }
            if (0xD800...0xDBFF).contains(unit) {
                guard text.count - index >= 2, text[index] == UInt8(ascii: "\\"), text[index + 1] == UInt8(ascii: "u") else {
                    throw fail("a high surrogate \\u escape with no low one after it")
                }
                index += 2
                guard (0xDC00...0xDFFF).contains(try hexUnit()) else {
                    throw fail("a high surrogate \\u escape with no low one after it")
                }
            }
            return unit
        default:
            throw fail("invalid escape in a string")
        }
    }

    private mutating func hexUnit() throws(JSONScanner.SyntaxError) -> UInt32 {
        guard text.count - index >= 4 else { throw fail("invalid \\u escape") }
        var unit: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = hexDigitValue(text[index]) else { throw fail("invalid \\u escape") }
            unit = unit << 4 | UInt32(digit)
            index += 1
        }
        return unit
    }

    /// One UTF-8 character of 2 to 4 bytes (RFC 3629: no overlong form, no surrogate, nothing
    /// past U+10FFFF).
    private mutating func multiByteCharacter() throws(JSONScanner.SyntaxError) {
        let lead = text[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xE1...0xEF: length = 3
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw fail("invalid UTF-8")
        }
        guard text.count - index >= length, secondRange.contains(text[index + 1]) else { throw fail("invalid UTF-8") }
        for offset in 2..<length where !(0x80...0xBF).contains(text[index + offset]) {
            throw fail("invalid UTF-8")
        }
        index += length
    }

    // MARK: Numbers

    private mutating func digits() -> Int {
        let start = index
        while let current = byte, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(current) { index += 1 }
        return index - start
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, in range as jansson reads it: an
    /// integer within Int64, any other number a finite Double.
    private mutating func number() throws(JSONScanner.SyntaxError) {
        let start = index
        if byte == UInt8(ascii: "-") { index += 1 }
        if byte == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw fail("invalid number")
        }
        var integral = true
        if byte == UInt8(ascii: ".") {
            index += 1
            integral = false
            guard digits() > 0 else { throw fail("invalid number") }
        }
        if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            index += 1
            integral = false
            if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw fail("invalid number") }
        }
        // Short numbers are always in range: only long ones are converted to check.
        let token = UnsafeRawBufferPointer(rebasing: text[start..<index])
        if integral {
            guard token.count >= 19 else { return }
            guard Int64(String(decoding: token, as: UTF8.self)) != nil else {
                index = start
                throw fail(token.first == UInt8(ascii: "-") ? "too big negative integer" : "too big integer")
            }
        } else if token.count >= 16 || token.contains(UInt8(ascii: "e")) || token.contains(UInt8(ascii: "E")) {
            guard let value = Double(String(decoding: token, as: UTF8.self)), value.isFinite else {
                index = start
                throw fail("real number overflow")
            }
        }
    }
}
