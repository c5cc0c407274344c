/// `bytes` as a String when a NUL-terminated C string carries them unchanged: valid UTF-8
/// with no NUL byte. Nil otherwise; the library never replaces bytes or cuts text silently.
func losslessText(_ bytes: [UInt8]) -> String? {
    guard !bytes.contains(0) else { return nil }
    return String(validating: bytes, as: UTF8.self)
}
