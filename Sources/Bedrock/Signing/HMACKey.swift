import CCrypto

/// An HMAC-SHA256 key set up once in libcrypto, for the many messages signed under it. Each
/// message is authenticated on a copy of the keyed context, which skips what `HMAC()` redoes on
/// every call in OpenSSL 3: looking up HMAC and SHA-256 by name, and hashing the padded key.
/// libcrypto wipes the key's state when the context is freed.
final class HMACKey: Sendable {
    /// The keyed EVP_MAC_CTX: only ever copied, under the lock, and freed at deinit.
    private let context: Locked<OpaquePointer>

    /// Nil when libcrypto fails (it does only when it cannot allocate).
    init?(key: UnsafeRawBufferPointer) {
        guard let algorithm = hmacAlgorithm, let context = EVP_MAC_CTX_new(algorithm) else { return nil }
        // OSSL_PARAM keeps both pointers, not copies: the strings must live until EVP_MAC_init
        // has read them.
        let keyed = OSSL_MAC_PARAM_DIGEST.withCString { name in
            "SHA256".withCString { digest in
                var params = [OSSL_PARAM_construct_utf8_string(name, UnsafeMutablePointer(mutating: digest), 0),
                              OSSL_PARAM_construct_end()]
                return EVP_MAC_init(context, key.baseAddress?.assumingMemoryBound(to: UInt8.self), key.count, &params) == 1
            }
        }
        guard keyed else {
            EVP_MAC_CTX_free(context)
            return nil
        }
        self.context = Locked(context)
    }

    deinit {
        context.withLock { EVP_MAC_CTX_free($0) }
    }

    /// HMAC-SHA256 of `data`; empty on a libcrypto failure.
    func authenticate(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        guard let copy = context.withLock({ EVP_MAC_CTX_dup($0) }) else { return [] }
        defer { EVP_MAC_CTX_free(copy) }
        return [UInt8](unsafeUninitializedCapacity: sha256DigestLength) { out, initialized in
            var length = 0
            let ok = EVP_MAC_update(copy, data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count) == 1
                && EVP_MAC_final(copy, out.baseAddress, &length, sha256DigestLength) == 1
            initialized = ok && length == sha256DigestLength ? sha256DigestLength : 0
        }
    }
}

/// libcrypto's HMAC, fetched once (see `sha256Algorithm`).
nonisolated(unsafe) private let hmacAlgorithm: OpaquePointer? = EVP_MAC_fetch(nil, "HMAC", nil)
