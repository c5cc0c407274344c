import CCrypto

/// Base64 decoding with libcrypto's EVP_DecodeBlock. Returns nil for invalid input.
func base64Decoded(_ text: String) -> [UInt8]? {
    base64Decoded(bytes: text.utf8)
}

/// Base64 text given as its bytes. Line breaks are skipped, as MIME writes them; text without
/// any (every stream chunk) is decoded in place.
func base64Decoded(bytes text: some Collection<UInt8>) -> [UInt8]? {
    let inPlace = text.withContiguousStorageIfAvailable { buffer -> [UInt8]?? in
        buffer.contains(0x0A) || buffer.contains(0x0D) ? .none : .some(base64DecodedBlock(buffer))
    }
    if let inPlace = inPlace ?? nil { return inPlace }
    return Array(text.filter { $0 != 0x0A && $0 != 0x0D }).withUnsafeBufferPointer(base64DecodedBlock)
}

/// Base64 without line breaks, through EVP_DecodeBlock.
private func base64DecodedBlock(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    guard input.count % 4 == 0, let length = Int32(exactly: input.count) else { return nil }
    guard let base = input.baseAddress, length > 0 else { return [] }
    // EVP_DecodeBlock takes "=" anywhere and counts the bytes padding stands for: padding is
    // allowed only at the end, and what it stands for is dropped.
    let padding = input.suffix(2).reduce(0) { $0 + ($1 == UInt8(ascii: "=") ? 1 : 0) }
    guard !input.dropLast(padding).contains(UInt8(ascii: "=")) else { return nil }
    var failed = false
    let output = [UInt8](unsafeUninitializedCapacity: input.count / 4 * 3) { out, initialized in
        let written = Int(EVP_DecodeBlock(out.baseAddress, base, length))
        failed = written < padding
        initialized = failed ? 0 : written - padding
    }
    return failed ? nil : output
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
