import CCrypto

/// The bytes of one secret (a secret access key or a session token) in a buffer this object
/// owns, wiped with `OPENSSL_cleanse` when the last reference goes away.
///
/// Why a class with a manual buffer: a Swift `String` or `Array` may be copied, moved or
/// reallocated by the runtime at any time and freed without being cleared, so it cannot be
/// wiped reliably. This buffer is allocated once, never grows, and is never copied by us
/// except on purpose (`string`, `withUnsafeBytes`). Immutable after `init`, so sharing it
/// between threads is safe.
final class SecretBytes: @unchecked Sendable {
    private let base: UnsafeMutableRawPointer
    let count: Int

    /// Copies `bytes`.
    init(_ bytes: UnsafeRawBufferPointer) {
        count = bytes.count
        base = Self.copy(bytes)
    }

    /// Copies the string's UTF-8 bytes.
    init(_ string: String) {
        var string = string
        let (base, count) = string.withUTF8 { utf8 in (Self.copy(UnsafeRawBufferPointer(utf8)), utf8.count) }
        self.base = base
        self.count = count
    }

    private static func copy(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer {
        // At least one byte, so that an empty secret still has a real buffer to free.
        let base = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(bytes.count, 1), alignment: 1)
        if let source = bytes.baseAddress, bytes.count > 0 {
            base.copyMemory(from: source, byteCount: bytes.count)
        }
        return base
    }

    deinit {
        OPENSSL_cleanse(base, Swift.max(count, 1))
        base.deallocate()
    }

    /// Lends the bytes; they must not escape `body`.
    func withUnsafeBytes<Result, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> Result) throws(E) -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// A `String` copy, for the places that need one (an HTTP header). That copy is not wiped.
    var string: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    var isEmpty: Bool { count == 0 }

    /// Byte equality in time independent of where the first difference is.
    func isEqual(to other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        return count == 0 || CRYPTO_memcmp(base, other.base, count) == 0
    }
}

/// Wipes an array's bytes in place. Used on buffers that held a secret (an HTTP response
/// body, a derived signing key) before they are released; copies the runtime made earlier
/// (while the array grew) are out of reach.
func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { buffer in
        if let base = buffer.baseAddress { OPENSSL_cleanse(base, buffer.count) }
    }
}
