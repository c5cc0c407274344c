import Glibc

/// JSON text checked by `JSONScanner` and kept as the bytes it came as, so it can be passed on
/// with a member taken out (a boto3 caller's `modelId`, Bedrock's `p` padding) and nothing
/// else changed.
struct JSONText {
    private(set) var bytes: [UInt8]
    private(set) var kind: JSONScanner.Kind

    /// Checks `bytes`. Invalid text throws INVALID_ARGUMENT naming `field`, as `JSON.parse` does.
    init(_ bytes: [UInt8], field: String) throws(BedrockError) {
        self.bytes = bytes
        kind = try bytes.withUnsafeBytes { raw in
            Result { () throws(BedrockError) in try JSONScanner.check(raw, field: field) }
        }.get()
    }

    init(checking bytes: [UInt8]) throws(JSONScanner.SyntaxError) {
        self.bytes = bytes
        kind = try bytes.withUnsafeBytes { raw in
            Result { () throws(JSONScanner.SyntaxError) in try JSONScanner.scan(raw) }
        }.get()
    }

    var isObject: Bool {
        if case .object = kind { return true }
        return false
    }

    /// The value's JSON type, for an error message ("expected a JSON object, got an array").
    var typeName: String {
        if isObject { return "an object" }
        return (try? JSON.parse(bytes, field: "text"))?.typeName ?? "JSON"
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The value of the top-level member called `name`, as text; nil when there is none.
    func member(_ name: String) -> ArraySlice<UInt8>? {
        guard case .object(let members) = kind else { return nil }
        return members.first { member($0, isNamed: name) }.map { bytes[$0.value] }
    }

    /// Takes out every top-level member called `name`, with the comma that joined it.
    mutating func removeMember(_ name: String) {
        guard case .object(var members) = kind else { return }
        while let index = members.firstIndex(where: { member($0, isNamed: name) }) {
            let removed: Range<Int> = if members.count == 1 {
                members[0].key.lowerBound..<members[0].value.upperBound
            } else if index > 0 {
                members[index - 1].value.upperBound..<members[index].value.upperBound
            } else {
                members[0].key.lowerBound..<members[1].key.lowerBound
            }
            bytes.removeSubrange(removed)
            members.remove(at: index)
            for position in members.indices where members[position].key.lowerBound >= removed.upperBound {
                let member = members[position]
                members[position] = .init(key: member.key.lowerBound - removed.count..<member.key.upperBound - removed.count,
                                          value: member.value.lowerBound - removed.count..<member.value.upperBound - removed.count)
            }
        }
        kind = .object(members)
    }

    /// Whether a member's key is `name`: compared in place unless the key holds an escape.
    private func member(_ member: JSONScanner.Member, isNamed name: String) -> Bool {
        let inner = member.key.lowerBound + 1..<member.key.upperBound - 1
        var name = name
        let same = name.withUTF8 { name in
            bytes.withUnsafeBytes { text in
                inner.count == name.count && (name.isEmpty || memcmp(text.baseAddress! + inner.lowerBound, name.baseAddress!, name.count) == 0)
            }
        }
        // A key with an escape is compared as what it reads as: the key `"\u0070"` is named `p`,
        // and the key `"\n"` is a newline, not a backslash and an n.
        guard bytes[inner].contains(UInt8(ascii: "\\")) else { return same }
        return (try? JSON.parse(Array(bytes[member.key]), field: "key"))?.stringValue == name
    }
}
