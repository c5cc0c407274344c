import CCrypto

// SHA-256 and HMAC-SHA256 through OpenSSL's libcrypto, plus lowercase hex.
//
// Every function hashes the caller's bytes in place: contiguous inputs
// (Array, native String UTF-8, buffers) are never copied, which matters
// because the signer hashes every request body, and bodies run to megabytes.
// On failure (libcrypto reports one only when it cannot allocate) the result is
// empty rather than a trap; callers that need 32 bytes check the count.

/// Length in bytes of a SHA-256 digest (FIPS 180-4), and so of an HMAC-SHA256.
let sha256DigestLength = 32

/// SHA-256, fetched from libcrypto's provider once: OpenSSL 3 looks the algorithm up again on
/// every call given `EVP_sha256()`, which costs more than hashing a small request. Immutable
/// after the first use, and libcrypto's algorithm objects are safe to share between threads.
nonisolated(unsafe) private let sha256Algorithm: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()

/// SHA-256 of `bytes`. Empty on a libcrypto failure.
func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
    withNonNullBase(bytes) { base, count in
        [UInt8](unsafeUninitializedCapacity: sha256DigestLength) { out, initialized in
            var length: UInt32 = 0
            let ok = EVP_Digest(base, count, out.baseAddress, &length, sha256Algorithm, nil)
            initialized = (ok == 1 && Int(length) == sha256DigestLength) ? sha256DigestLength : 0
        }
    }
}

/// SHA-256 of a byte sequence; contiguous storage is hashed without a copy.
func sha256<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [UInt8] {
    if let digest = bytes.withContiguousStorageIfAvailable({ sha256(UnsafeRawBufferPointer($0)) }) {
        return digest
    }
    return Array(bytes).withUnsafeBytes { sha256($0) }
}

/// Length in bytes of a SHA-1 digest (FIPS 180-4).
let sha1DigestLength = 20

/// SHA-1 of the string's UTF-8 bytes. Not for security: the SDKs name their SSO token cache
/// files by the SHA-1 of the start URL or session name, and we must find the same files.
/// Empty on a libcrypto failure.
func sha1(_ string: String) -> [UInt8] {
    var string = string
    return string.withUTF8 { utf8 in
        withNonNullBase(UnsafeRawBufferPointer(utf8)) { base, count in
            [UInt8](unsafeUninitializedCapacity: sha1DigestLength) { out, initialized in
                var length: UInt32 = 0
                let ok = EVP_Digest(base, count, out.baseAddress, &length, EVP_sha1(), nil)
                initialized = (ok == 1 && Int(length) == sha1DigestLength) ? sha1DigestLength : 0
            }
        }
    }
}

/// HMAC-SHA256 (RFC 2104) of `data` under `key`. Empty on a libcrypto failure.
func hmacSHA256(key: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer) -> [UInt8] {
    guard let keyLength = Int32(exactly: key.count) else { return [] }
    return withNonNullBase(key) { keyBase, _ in
        withNonNullBase(data) { dataBase, dataCount in
            [UInt8](unsafeUninitializedCapacity: sha256DigestLength) { out, initialized in
                var length: UInt32 = 0
                let result = HMAC(sha256Algorithm, keyBase, keyLength, dataBase?.assumingMemoryBound(to: UInt8.self),
                                  dataCount, out.baseAddress, &length)
                initialized = (result != nil && Int(length) == sha256DigestLength) ? sha256DigestLength : 0
            }
        }
    }
}

/// HMAC-SHA256 of `data` (bytes) under `key` (bytes).
func hmacSHA256<Key: Sequence<UInt8>, Data: Sequence<UInt8>>(key: Key, data: Data) -> [UInt8] {
    withContiguousBytes(key) { keyBytes in
        withContiguousBytes(data) { dataBytes in hmacSHA256(key: keyBytes, data: dataBytes) }
    }
}

/// HMAC-SHA256 of the string's UTF-8 bytes under `key`.
func hmacSHA256<Key: Sequence<UInt8>>(key: Key, data: String) -> [UInt8] {
    var data = data
    return data.withUTF8 { utf8 in
        withContiguousBytes(key) { keyBytes in hmacSHA256(key: keyBytes, data: UnsafeRawBufferPointer(utf8)) }
    }
}

/// The value of one hex digit, either case; nil for any other byte.
func hexDigitValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}

/// Lowercase hexadecimal, two digits a byte (the form SigV4 uses everywhere).
func hexEncoded<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.underestimatedCount * 2)
    appendHex(bytes, to: &out)
    return String(decoding: out, as: UTF8.self)
}

/// Appends the bytes as lowercase hexadecimal.
func appendHex<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to out: inout [UInt8]) {
    let digits: StaticString = "0123456789abcdef"
    digits.withUTF8Buffer { table in
        for byte in bytes {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0F)])
        }
    }
}

// MARK: - Helpers

/// Runs `body` with the bytes of `bytes`, copying only when they are not contiguous.
private func withContiguousBytes<Bytes: Sequence<UInt8>, Result>(
    _ bytes: Bytes, _ body: (UnsafeRawBufferPointer) -> Result
) -> Result {
    if let result = bytes.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
        return result
    }
    return Array(bytes).withUnsafeBytes(body)
}

/// An empty Swift buffer may have a nil base address; give libcrypto a real one for zero bytes.
private func withNonNullBase<Result>(
    _ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawPointer?, Int) -> Result
) -> Result {
    if let base = bytes.baseAddress { return body(base, bytes.count) }
    var zero: UInt8 = 0
    return withUnsafeBytes(of: &zero) { placeholder in body(placeholder.baseAddress, 0) }
}
