import Glibc

/// Takes secrets out of text that leaves the library, whoever wrote the text: the library
/// itself, a parser quoting its input, a service's error message (AWS's signature errors quote
/// the canonical request, session token included) or a credential process.
///
/// Every run of `pieceLength` or more bytes that also occurs in a known secret is replaced by
/// `replacement`, so a message holds neither a whole secret nor any piece of one as long as
/// that, wherever in the text it stands. The secrets stay in their wiped `SecretBytes`; the
/// search works on them in place and keeps no copy.
struct SecretRedactor: Sendable {
    /// No piece of a secret this long or longer survives redaction.
    static let pieceLength = 8
    /// Shorter secrets are not searched for: they would match ordinary words.
    static let minimumSecretLength = 4
    static let replacement = "[redacted]"

    private var secrets: [SecretBytes] = []

    var isEmpty: Bool { secrets.isEmpty }

    mutating func add(_ secret: SecretBytes?) {
        guard let secret, secret.count >= Self.minimumSecretLength else { return }
        secrets.append(secret)
    }

    mutating func add(_ secret: String?) {
        guard let secret, secret.utf8.count >= Self.minimumSecretLength else { return }
        secrets.append(SecretBytes(secret))
    }

    mutating func add(_ credentials: Credentials?) {
        add(credentials?.secret)
        add(credentials?.token)
    }

    /// The error with every text it carries redacted.
    func redact(_ error: BedrockError) -> BedrockError {
        guard !isEmpty else { return error }
        var error = error
        error.message = redact(error.message)
        error.awsErrorType = error.awsErrorType.map(redact)
        error.field = error.field.map(redact)
        error.requestId = error.requestId.map(redact)
        return error
    }

    func redact(_ text: String) -> String {
        guard !isEmpty, !text.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var masked = [Bool](repeating: false, count: bytes.count)
        bytes.withUnsafeBytes { haystack in
            for secret in secrets {
                secret.withUnsafeBytes { needle in mark(needle, in: haystack, masked: &masked) }
            }
        }
        guard masked.contains(true) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if masked[index] {
                out.append(contentsOf: Self.replacement.utf8)
                while index < bytes.count, masked[index] { index += 1 }
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Marks every place in `haystack` where a piece of `secret` occurs: each window of
    /// `pieceLength` bytes (or the whole secret, when it is shorter).
    private func mark(_ secret: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer, masked: inout [Bool]) {
        let piece = min(Self.pieceLength, secret.count)
        guard piece > 0, haystack.count >= piece, let text = haystack.baseAddress,
              let secretBase = secret.baseAddress else { return }
        let lastPosition = haystack.count - piece
        for start in 0...(secret.count - piece) {
            let window = secretBase + start
            let first = window.load(as: UInt8.self)
            var position = 0
            // memchr finds each candidate first byte; memcmp checks the rest of the window.
            while position <= lastPosition,
                  let found = memchr(text + position, Int32(first), lastPosition - position + 1) {
                position = text.distance(to: UnsafeRawPointer(found))
                if memcmp(found, window, piece) == 0 {
                    for index in position..<(position + piece) { masked[index] = true }
                }
                position += 1
            }
        }
    }
}
