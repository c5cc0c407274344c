/// One element of a parsed XML document: its local name (any `prefix:` dropped), its child
/// elements in order, and its own character data.
struct XMLElement: Sendable, Equatable {
    var name: String
    var children: [XMLElement] = []
    var text = ""

    /// The first child element named `name`.
    func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }

    /// The element reached by following `path` through first-matching children.
    func descendant(_ path: [String]) -> XMLElement? {
        var current = self
        for name in path {
            guard let next = current.child(name) else { return nil }
            current = next
        }
        return current
    }
}

/// A small, strict XML reader for the AWS Query protocol's responses (STS): elements,
/// attributes (read and ignored), character data, CDATA, comments, processing instructions,
/// the five predefined entities and character references.
///
/// It refuses what those responses never contain and what makes XML readers dangerous: a
/// DOCTYPE (so no entity expansion), undefined entities, mismatched tags, invalid UTF-8, and
/// nesting deeper than `maxDepth`. Error messages give a byte offset, never document text,
/// because the document may hold a secret.
enum XMLReader {
    static let maxDepth = 64

    struct Failure: Error, Equatable {
        var message: String
    }

    static func parse(_ bytes: [UInt8]) throws(Failure) -> XMLElement {
        var parser = Parser(bytes: bytes)
        return try parser.document()
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // A UTF-8 byte order mark may precede the document.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        }

        mutating func document() throws(Failure) -> XMLElement {
            try skipMisc()
            guard peek("<") else { throw fail("expected the root element") }
            let root = try element(depth: 1)
            try skipMisc()
            guard index == bytes.count else { throw fail("content after the root element") }
            return root
        }

        /// Whitespace, comments and processing instructions (the XML declaration among them).
        mutating func skipMisc() throws(Failure) {
            while true {
                skipWhitespace()
                if peek("<?") {
                    try skip(past: "?>")
                } else if peek("<!--") {
                    try skip(past: "-->")
                } else if peek("<!") {
                    throw fail("DOCTYPE and other declarations are not accepted")
                } else {
                    return
                }
            }
        }

        mutating func element(depth: Int) throws(Failure) -> XMLElement {
            guard depth <= XMLReader.maxDepth else { throw fail("elements nested deeper than \(XMLReader.maxDepth)") }
            index += 1  // "<"
            let qualifiedName = try name()
            var element = XMLElement(name: Self.localName(qualifiedName))
            // Attributes: skipped, quotes respected so a ">" inside a value does not end the tag.
            while true {
                skipWhitespace()
                guard index < bytes.count else { throw fail("unterminated start tag") }
                if peek("/>") {
                    index += 2
                    return element
                }
                if peek(">") {
                    index += 1
                    break
                }
                _ = try name()
                skipWhitespace()
                guard take("=") else { throw fail("expected = in an attribute") }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                    throw fail("expected a quoted attribute value")
                }
                let quote = bytes[index]
                index += 1
                while index < bytes.count, bytes[index] != quote { index += 1 }
                guard index < bytes.count else { throw fail("unterminated attribute value") }
                index += 1
            }
            var text: [UInt8] = []
            while true {
                guard index < bytes.count else { throw fail("element is not closed") }
                if peek("</") {
                    index += 2
                    guard try name() == qualifiedName else { throw fail("end tag does not match its start tag") }
                    skipWhitespace()
                    guard take(">") else { throw fail("expected > after the end tag's name") }
                    guard let decoded = String(validating: text, as: UTF8.self) else {
                        throw fail("character data is not valid UTF-8")
                    }
                    element.text = decoded
                    return element
                } else if peek("<!--") {
                    try skip(past: "-->")
                } else if peek("<![CDATA[") {
                    index += 9
                    let start = index
                    try skip(past: "]]>")
                    text.append(contentsOf: bytes[start..<(index - 3)])
                } else if peek("<?") {
                    try skip(past: "?>")
                } else if peek("<!") {
                    throw fail("declarations are not accepted inside elements")
                } else if peek("<") {
                    element.children.append(try self.element(depth: depth + 1))
                } else if peek("&") {
                    try reference(into: &text)
                } else {
                    text.append(bytes[index])
                    index += 1
                }
            }
        }

        /// An XML name: everything up to whitespace, "/", ">", "=" or the end.
        mutating func name() throws(Failure) -> String {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == UInt8(ascii: "/")
                    || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "<") {
                    break
                }
                index += 1
            }
            guard index > start, let name = String(validating: bytes[start..<index], as: UTF8.self) else {
                throw fail("expected a name")
            }
            return name
        }

        /// `&amp;` and the other predefined entities, `&#NN;` and `&#xHH;`.
        mutating func reference(into text: inout [UInt8]) throws(Failure) {
            let start = index
            guard let semicolon = bytes[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
                throw fail("unterminated entity reference")
            }
            let body = Array(bytes[(start + 1)..<semicolon])
            index = semicolon + 1
            switch String(decoding: body, as: UTF8.self) {
            case "amp": text.append(UInt8(ascii: "&"))
            case "lt": text.append(UInt8(ascii: "<"))
            case "gt": text.append(UInt8(ascii: ">"))
            case "quot": text.append(UInt8(ascii: "\""))
            case "apos": text.append(UInt8(ascii: "'"))
            default:
                guard body.first == UInt8(ascii: "#") else { throw fail("undefined entity") }
                let isHex = body.count > 1 && (body[1] == UInt8(ascii: "x") || body[1] == UInt8(ascii: "X"))
                let digits = String(decoding: body.dropFirst(isHex ? 2 : 1), as: UTF8.self)
                guard !digits.isEmpty, let code = UInt32(digits, radix: isHex ? 16 : 10),
                      let scalar = Unicode.Scalar(code), code != 0 else {
                    throw fail("invalid character reference")
                }
                text.append(contentsOf: String(Character(scalar)).utf8)
            }
        }

        mutating func skip(past terminator: String) throws(Failure) {
            let pattern = Array(terminator.utf8)
            while index + pattern.count <= bytes.count {
                if bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                    index += pattern.count
                    return
                }
                index += 1
            }
            throw fail("missing \(terminator)")
        }

        mutating func skipWhitespace() {
            while index < bytes.count, bytes[index].isProtocolWhitespace { index += 1 }
        }

        func peek(_ prefix: String) -> Bool {
            let pattern = prefix.utf8
            return bytes.count - index >= pattern.count && bytes[index...].starts(with: pattern)
        }

        mutating func take(_ prefix: String) -> Bool {
            guard peek(prefix) else { return false }
            index += prefix.utf8.count
            return true
        }

        func fail(_ reason: String) -> Failure {
            Failure(message: "malformed XML at byte \(index): \(reason)")
        }

        static func localName(_ qualified: String) -> String {
            guard let colon = qualified.lastIndex(of: ":") else { return qualified }
            return String(qualified[qualified.index(after: colon)...])
        }
    }
}
