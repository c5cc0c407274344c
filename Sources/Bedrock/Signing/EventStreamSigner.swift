/// Signs the events of a request body that is an event stream (InvokeModelWithBidirectionalStream),
/// as AWS's SDKs do: each event goes inside an envelope whose `:chunk-signature` chains from the
/// signature before it, starting with the request's own, and an empty envelope ends the stream.
struct EventStreamSigner {
    static let algorithm = "AWS4-HMAC-SHA256-PAYLOAD"
    /// The request's x-amz-content-sha256, which says its body is signed event by event.
    static let payloadHash = "STREAMING-AWS4-HMAC-SHA256-EVENTS"

    let signer: SigV4Signer
    /// The last signature, hex: the request's, then each event's.
    private(set) var priorSignature: String

    init(signer: SigV4Signer, seedSignature: String) {
        self.signer = signer
        priorSignature = seedSignature
    }

    /// The signature of one envelope: over its headers other than the signature (`:date`) and
    /// its payload (the encoded event), at `timestamp` seconds.
    mutating func signature(headers: [UInt8], payload: [UInt8], timestamp: Int64) throws(SigningError) -> String {
        guard let amzDate = SigV4Signer.amzDate(timestamp) else { throw .invalidTimestamp(timestamp) }
        let stringToSign = SigV4Signer.stringToSign(algorithm: Self.algorithm, amzDate: amzDate,
                                                    scope: signer.credentialScope(amzDate: amzDate),
                                                    prior: priorSignature, hashes: [sha256(headers), sha256(payload)])
        priorSignature = try signer.signature(stringToSign: stringToSign, amzDate: amzDate)
        return priorSignature
    }

    /// The signed envelope of `event` (an encoded message), or of nothing: the end of the stream.
    mutating func envelope(_ event: [UInt8], timestampMs: Int64) throws(SigningError) -> [UInt8] {
        let date = EventStreamHeader(name: ":date", value: .timestamp(timestampMs))
        let signature = try signature(headers: date.encoded, payload: event, timestamp: timestampMs / 1_000)
        let signatureHeader = EventStreamHeader(name: ":chunk-signature", value: .byteArray(hexDecoded(signature)))
        return EventStreamMessage(headers: [date, signatureHeader], payload: event).encoded
    }

    /// The whole body: each event's envelope, then the empty one.
    mutating func body(events: [[UInt8]], timestampMs: Int64) throws(SigningError) -> [UInt8] {
        var body: [UInt8] = []
        for event in events + [[]] { body += try envelope(event, timestampMs: timestampMs) }
        return body
    }
}

/// The bytes of lowercase or uppercase hex text; the signer's own hex is always well formed.
private func hexDecoded(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count / 2)
    var high: UInt8?
    for character in text.utf8 {
        let nibble = hexDigitValue(character) ?? 0
        if let first = high {
            bytes.append(first << 4 | nibble)
            high = nil
        } else {
            high = nibble
        }
    }
    return bytes
}
