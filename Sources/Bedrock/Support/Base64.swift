import CCrypto

/// Base64 decoding with libcrypto's EVP_DecodeBlock. Returns nil for invalid input.
func base64Decoded(_ text: String) -> [UInt8]? {
    base64Decoded(bytes: text.utf8)
}

/// Base64 text given as its bytes.
func base64Decoded(bytes text: some Collection<UInt8>) -> [UInt8]? {
    let input = Array(text.filter { $0 != 0x0A && $0 != 0x0D })
    guard input.count % 4 == 0 else { return nil }
    if input.isEmpty { return [] }
    guard let length = Int32(exactly: input.count) else { return nil }
    var output = [UInt8](repeating: 0, count: input.count / 4 * 3)
    let written = output.withUnsafeMutableBufferPointer { out in
        input.withUnsafeBufferPointer { EVP_DecodeBlock(out.baseAddress, $0.baseAddress, length) }
    }
    guard written >= 0 else { return nil }
    // EVP_DecodeBlock counts the bytes that "=" padding stands for; drop them.
    let padding = input.suffix(2).filter { $0 == UInt8(ascii: "=") }.count
    return Array(output.prefix(Int(written) - padding))
}

/// Base64 encoding (standard alphabet, padded) with libcrypto's EVP_EncodeBlock.
func base64Encoded(_ bytes: [UInt8]) -> String {
    guard !bytes.isEmpty else { return "" }
    var output = [UInt8](repeating: 0, count: (bytes.count + 2) / 3 * 4 + 1)
    let written = output.withUnsafeMutableBufferPointer { out in
        bytes.withUnsafeBufferPointer { EVP_EncodeBlock(out.baseAddress, $0.baseAddress, Int32(clamping: $0.count)) }
    }
    return String(decoding: output.prefix(Int(written)), as: UTF8.self)
}
