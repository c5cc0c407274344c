
/// The derived SigV4 signing key of the credentials a client signed with last. The key depends
/// only on the secret, the day, the region and the service, so deriving it (four HMACs) once a
/// day rather than once a request takes most of the HMAC work out of signing. The entry holds
/// the secret it was derived from, so a new secret can never be taken for it (not even one
/// allocated where a freed one was), and the key lives in an `HMACKey`, wiped when replaced.
final class SigningKeyCache: Sendable {
    private struct Entry: Sendable {
        let secret: SecretBytes
        let day: String
        let region: String
        let service: String
        let key: HMACKey
    }

    private let entry = Locked<Entry?>(nil)

    /// The key for `secret` on `day` (YYYYMMDD) in `region` for `service`: the cached one, or
    /// `derive`'s, which is then cached. Nil when deriving fails.
    func key(secret: SecretBytes, day: Substring, region: String, service: String,
             derive: () -> [UInt8]) -> HMACKey? {
        if let cached = entry.withLock({ $0 }), cached.secret === secret, cached.day == day,
           cached.region == region, cached.service == service {
            return cached.key
        }
        var derived = derive()
        defer { wipe(&derived) }
        guard derived.count == sha256DigestLength else { return nil }
        guard let key = derived.withUnsafeBytes({ HMACKey(key: $0) }) else { return nil }
        entry.withLock { $0 = Entry(secret: secret, day: String(day), region: region, service: service, key: key) }
        return key
    }
}
