/// ASCII case for protocol text (HTTP header names, SigV4's canonical form), where Unicode's
/// case rules do not apply and `lowercased()` would cost a copy for a name already lowercase.
extension String {
    /// Whether the two are equal in any ASCII case, compared without copies.
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        var mine = self, theirs = other
        return mine.withUTF8 { mine in
            theirs.withUTF8 { theirs in
                zip(mine, theirs).allSatisfy { $0.lowercasedASCII == $1.lowercasedASCII }
            }
        }
    }

    /// The text with A–Z lowercased; the same string when there is none.
    var lowercasedASCII: String {
        if !utf8.contains(where: { $0.lowercasedASCII != $0 }) { return self }
        return String(decoding: utf8.map(\.lowercasedASCII), as: UTF8.self)
    }
}

extension UInt8 {
    var lowercasedASCII: UInt8 { (0x41...0x5A).contains(self) ? self | 0x20 : self }
    var uppercasedASCII: UInt8 { (0x61...0x7A).contains(self) ? self & ~0x20 : self }

    /// Space, tab, line feed or carriage return: the whitespace of JSON, XML and HTTP header
    /// lines (not Python's, which `Whitespace` has).
    var isProtocolWhitespace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D }
}
