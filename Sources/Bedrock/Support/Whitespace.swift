/// Python's `str.isspace`, `str.strip()` emptiness and `str.rstrip()`: botocore uses them to
/// normalise header values before signing, and LangChain to decide what text is blank and to
/// trim prompts, so matching them keeps our bytes identical to theirs.
enum PythonWhitespace {
    /// Python's `str.isspace()` for one character: Unicode White_Space, plus the information
    /// separators U+001C–U+001F, which Python also counts.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Whether a text carries nothing: empty and whitespace-only text blocks are never sent.
    static func isBlank(_ text: String) -> Bool { text.unicodeScalars.allSatisfy(isSpace) }

    static func trimmingTrailing(_ text: String) -> String {
        var scalars = text.unicodeScalars[...]
        while let last = scalars.last, isSpace(last) { scalars = scalars.dropLast() }
        return String(scalars)
    }
}

extension StringProtocol {
    /// Without leading and trailing ASCII spaces, tabs and line ends: how INI files, XML text
    /// and HTTP header values are trimmed.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
