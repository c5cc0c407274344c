import Glibc

/// Why a request could not be signed (or its headers could not be sent).
enum SigningError: Error, Equatable, Sendable {
    /// A header name that is not an HTTP token (RFC 9110 §5.6.2): empty, or holding a space,
    /// colon, control character or non-ASCII byte.
    case invalidHeaderName(String)
    /// A header value holding CR, LF or another control character (only HTAB is allowed).
    /// CR/LF would let the value inject headers; carries the header's name, never the value.
    case invalidHeaderValue(name: String)
    /// A header the signer owns (Authorization, X-Amz-Date, X-Amz-Security-Token, Date).
    case reservedHeader(String)
    /// The HTTP method is not a token.
    case invalidMethod
    /// The host is empty or holds a byte that cannot be in a URL authority.
    case invalidHost
    /// The path is neither empty nor starts with "/", or holds a space, control byte, "?" or "#".
    case invalidPath
    /// The query holds a space, control byte or "#".
    case invalidQuery
    /// The timestamp is outside 1970-01-01T00:00:00Z ... 9999-12-31T23:59:59Z.
    case invalidTimestamp(Int64)
    /// A bearer token (AWS_BEARER_TOKEN_BEDROCK) that is empty.
    case emptyBearerToken
    /// libcrypto failed (it reports failure only when it cannot allocate).
    case cryptoFailure
}

/// AWS Signature Version 4 for header-signed requests, byte-for-byte what botocore's
/// `SigV4Auth` produces (verified against vectors from tools/vectors/gen_sigv4_vectors.py).
///
/// A value type with no state beyond its inputs: safe to share across threads.
struct SigV4Signer: Sendable {
    static let algorithm = "AWS4-HMAC-SHA256"
    static let scopeTerminator = "aws4_request"
    /// The signing key chain starts from HMAC key "AWS4" + secret.
    static let secretKeyPrefix = "AWS4"
    static let amzDateHeader = "X-Amz-Date"
    static let securityTokenHeader = "X-Amz-Security-Token"
    static let authorizationHeader = "Authorization"
    /// When the caller sends this header, botocore signs its value in place of the body hash.
    static let contentSHA256Header = "x-amz-content-sha256"
    static let hostHeader = "host"
    /// Hop-by-hop, proxy-mutated and tracing headers that botocore never signs
    /// (botocore.auth.SIGNED_HEADERS_BLACKLIST, as of 1.44): a proxy or a tracer may rewrite
    /// them in flight.
    static let unsignedHeaders: [[UInt8]] = [
        "baggage", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "te", "traceparent", "tracestate", "trailer", "transfer-encoding", "upgrade", "user-agent",
        "x-amzn-trace-id",
    ].map { Array($0.utf8) }
    /// Headers the signer sets; botocore silently replaces them, we refuse them so the
    /// caller cannot end up sending two. ("date" would make botocore sign Date instead of X-Amz-Date.)
    static let reservedHeaders: Set<String> = ["authorization", "x-amz-date", "x-amz-security-token", "date"]
    /// 1970-01-01T00:00:00Z.
    static let earliestTimestamp: Int64 = 0
    /// 9999-12-31T23:59:59Z: the last second whose year fits the 4-digit X-Amz-Date format.
    static let latestTimestamp: Int64 = 253_402_300_799

    var credentials: Credentials
    /// The signing name, "bedrock" for both bedrock and bedrock-runtime endpoints.
    var service: String
    var region: String
    /// Where the derived key is kept between requests; nil derives it every time.
    var keyCache: SigningKeyCache?

    init(credentials: Credentials, service: String, region: String, keyCache: SigningKeyCache? = nil) {
        self.credentials = credentials
        self.service = service
        self.region = region
        self.keyCache = keyCache
    }

    /// Everything one signing computes; `headers` is what goes on the wire.
    struct Signature: Sendable, Equatable {
        var amzDate: String
        /// The canonical request and the string to sign as signed: kept as bytes, since only a
        /// test or a debugger reads them as text.
        var canonicalRequestBytes: [UInt8]
        var stringToSignBytes: [UInt8]
        var signature: String
        var authorization: String
        /// X-Amz-Date, X-Amz-Security-Token (with a session token), Authorization: in that order.
        var headers: [Header]

        struct Header: Sendable, Equatable {
            var name: String
            var value: String
        }

        var canonicalRequest: String { String(decoding: canonicalRequestBytes, as: UTF8.self) }
        var stringToSign: String { String(decoding: stringToSignBytes, as: UTF8.self) }
    }

    /// Signs a request and returns the headers to add to it.
    ///
    /// - Parameters:
    ///   - host: the authority as sent, with the port only when it is not the scheme's default.
    ///     Used (lowercased) as the signed host unless `headers` carries a Host header.
    ///   - path: the path as it goes on the wire, already percent-encoded once
    ///     (`/model/anthropic.claude-3-sonnet-20240229-v1%3A0/converse`).
    ///   - query: the query string as sent, without the "?" (may be empty).
    ///   - headers: every header that will be sent; user-agent and other unsigned ones are skipped.
    ///   - timestamp: seconds since the Unix epoch.
    func sign(method: String, host: String, path: String, query: String,
              headers: [(name: String, value: String)], body: UnsafeRawBufferPointer,
              timestamp: Int64) throws(SigningError) -> [(name: String, value: String)] {
        try signature(method: method, host: host, path: path, query: query, headers: headers,
                      body: body, timestamp: timestamp).headers.map { ($0.name, $0.value) }
    }

    func sign(method: String, host: String, path: String, query: String,
              headers: [(name: String, value: String)], body: [UInt8],
              timestamp: Int64) throws(SigningError) -> [(name: String, value: String)] {
        // Array.withUnsafeBytes rethrows untyped errors; Result keeps the typed one.
        try body.withUnsafeBytes { buffer in
            Result { () throws(SigningError) in
                try sign(method: method, host: host, path: path, query: query, headers: headers,
                         body: buffer, timestamp: timestamp)
            }
        }.get()
    }

    /// As `sign`, keeping the intermediate canonical request and string to sign.
    ///
    /// The canonical request, the string to sign and the Authorization value are built as bytes
    /// in one buffer each: as Swift strings joined piece by piece they cost more than the hashing.
    func signature(method: String, host: String, path: String, query: String,
                   headers: [(name: String, value: String)], body: UnsafeRawBufferPointer,
                   timestamp: Int64) throws(SigningError) -> Signature {
        guard let amzDate = Self.amzDate(timestamp) else { throw .invalidTimestamp(timestamp) }
        try Self.validate(headers: headers)
        for header in headers where Self.reservedHeaders.contains(where: { header.name.equalsIgnoringASCIICase($0) }) {
            throw .reservedHeader(header.name)
        }
        guard Self.isHeaderValueSafe(credentials.accessKeyId), Self.isHeaderValueSafe(region),
              Self.isHeaderValueSafe(service) else {
            throw .invalidHeaderValue(name: Self.authorizationHeader)
        }

        var added: [Signature.Header] = [.init(name: Self.amzDateHeader, value: amzDate)]
        // botocore treats an empty token like none (`if credentials.token:`).
        if let token = credentials.sessionToken, !token.isEmpty {
            guard Self.isHeaderValueSafe(token) else { throw .invalidHeaderValue(name: Self.securityTokenHeader) }
            added.append(.init(name: Self.securityTokenHeader, value: token))
        }

        var payloadHash: [UInt8] = []
        if let given = headers.first(where: { $0.name.equalsIgnoringASCIICase(Self.contentSHA256Header) }) {
            payloadHash.append(contentsOf: given.value.utf8)  // botocore uses it untrimmed
        } else {
            let digest = sha256(body)
            guard digest.count == sha256DigestLength else { throw .cryptoFailure }
            appendHex(digest, to: &payloadHash)
        }

        var signed = headers
        signed.reserveCapacity(headers.count + added.count)
        for header in added { signed.append((header.name, header.value)) }
        let canonical = try canonicalRequest(method: method, host: host, path: path, query: query,
                                             headers: signed, payloadHash: payloadHash)
        let scope = credentialScope(amzDate: amzDate)
        let stringToSign = try stringToSign(canonicalRequest: canonical.bytes, amzDate: amzDate, scope: scope)
        let signature = try signature(stringToSign: stringToSign, amzDate: amzDate)

        var authorization: [UInt8] = []
        authorization.reserveCapacity(160 + canonical.signedHeaders.count)
        authorization.append(contentsOf: Self.algorithm.utf8)
        authorization.append(contentsOf: " Credential=".utf8)
        authorization.append(contentsOf: credentials.accessKeyId.utf8)
        authorization.append(UInt8(ascii: "/"))
        authorization.append(contentsOf: scope)
        authorization.append(contentsOf: ", SignedHeaders=".utf8)
        authorization.append(contentsOf: canonical.signedHeaders)
        authorization.append(contentsOf: ", Signature=".utf8)
        authorization.append(contentsOf: signature.utf8)
        let authorizationText = String(decoding: authorization, as: UTF8.self)
        added.append(.init(name: Self.authorizationHeader, value: authorizationText))
        return Signature(amzDate: amzDate, canonicalRequestBytes: canonical.bytes, stringToSignBytes: stringToSign,
                         signature: signature, authorization: authorizationText, headers: added)
    }

    // MARK: - The steps of SigV4

    /// The canonical request over exactly `headers` (the signer's own headers included), and
    /// the signed-header list.
    func canonicalRequest(method: String, host: String, path: String, query: String,
                          headers: [(name: String, value: String)],
                          payloadHash: [UInt8]) throws(SigningError) -> (bytes: [UInt8], signedHeaders: [UInt8]) {
        guard Self.isToken(method) else { throw .invalidMethod }
        guard Self.isValidHost(host) else { throw .invalidHost }
        guard Self.isValidPath(path) else { throw .invalidPath }
        guard Self.isValidQuery(query) else { throw .invalidQuery }
        var out: [UInt8] = []
        out.reserveCapacity(512)
        for byte in method.utf8 { out.append(byte.uppercasedASCII) }
        out.append(Self.newline)
        Self.appendCanonicalURI(path, to: &out)
        out.append(Self.newline)
        out.append(contentsOf: Self.canonicalQuery(query).utf8)
        out.append(Self.newline)
        let signedHeaders = Self.appendCanonicalHeaders(headers, host: host, to: &out)
        out.append(Self.newline)
        out.append(contentsOf: signedHeaders)
        out.append(Self.newline)
        out.append(contentsOf: payloadHash)
        return (out, signedHeaders)
    }

    /// "{date}/{region}/{service}/aws4_request".
    func credentialScope(amzDate: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(24 + region.utf8.count + service.utf8.count)
        out.append(contentsOf: amzDate.utf8.prefix(8))
        out.append(UInt8(ascii: "/"))
        out.append(contentsOf: region.utf8)
        out.append(UInt8(ascii: "/"))
        out.append(contentsOf: service.utf8)
        out.append(UInt8(ascii: "/"))
        out.append(contentsOf: Self.scopeTerminator.utf8)
        return out
    }

    func stringToSign(canonicalRequest: [UInt8], amzDate: String, scope: [UInt8]) throws(SigningError) -> [UInt8] {
        let digest = sha256(canonicalRequest)
        guard digest.count == sha256DigestLength else { throw .cryptoFailure }
        return Self.stringToSign(algorithm: Self.algorithm, amzDate: amzDate, scope: scope, hashes: [digest])
    }

    /// The algorithm, the date, the scope, then `prior` (an event's previous signature) and
    /// each hash in hex, one a line: the string to sign of a request, and of an event.
    static func stringToSign(algorithm: String, amzDate: String, scope: [UInt8], prior: String? = nil,
                             hashes: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(algorithm.utf8.count + amzDate.utf8.count + scope.count + 64 * (hashes.count + 1) + 5)
        out.append(contentsOf: algorithm.utf8)
        out.append(newline)
        out.append(contentsOf: amzDate.utf8)
        out.append(newline)
        out.append(contentsOf: scope)
        if let prior {
            out.append(newline)
            out.append(contentsOf: prior.utf8)
        }
        for hash in hashes {
            out.append(newline)
            appendHex(hash, to: &out)
        }
        return out
    }

    /// Hex HMAC of the string to sign under the key derived date → region → service → "aws4_request",
    /// taken from `keyCache` when it holds this secret's key for the day.
    func signature(stringToSign: [UInt8], amzDate: String) throws(SigningError) -> String {
        let day = amzDate.prefix(8)
        let derive = { self.signingKey(day: day) }
        let signature: [UInt8]
        if let keyCache {
            guard let key = keyCache.key(secret: credentials.secret, day: day, region: region, service: service,
                                         derive: derive) else { throw .cryptoFailure }
            signature = stringToSign.withUnsafeBytes { key.authenticate($0) }
        } else {
            var key = derive()
            defer { wipe(&key) }
            guard key.count == sha256DigestLength else { throw .cryptoFailure }
            signature = hmacSHA256(key: key, data: stringToSign)
        }
        guard signature.count == sha256DigestLength else { throw .cryptoFailure }
        return hexEncoded(signature)
    }

    /// The signing key for `day`: HMAC("AWS4" + secret, day), then region, service and
    /// "aws4_request". Empty on a libcrypto failure. The first key and every intermediate one are
    /// wiped once used: each is as good as the secret for its day, region and service.
    func signingKey(day: Substring) -> [UInt8] {
        var key = credentials.withSecretAccessKey { secret in
            // Reserved up front so the array never reallocates and leaves an unwiped copy.
            var first = [UInt8]()
            first.reserveCapacity(Self.secretKeyPrefix.utf8.count + secret.count)
            first.append(contentsOf: Self.secretKeyPrefix.utf8)
            first.append(contentsOf: secret)
            defer { wipe(&first) }
            return hmacSHA256(key: first, data: String(day))
        }
        for part in [region, service, Self.scopeTerminator] {
            guard key.count == sha256DigestLength else { return [] }
            var next = hmacSHA256(key: key, data: part)
            swap(&key, &next)
            wipe(&next)
        }
        return key
    }

    /// botocore normalises the wire path (drops "." and empty segments, resolves "..") and then
    /// quotes it again with `quote(path, safe='/~')`. So non-S3 paths are URI-encoded twice:
    /// the wire's `%3A` is signed as `%253A`.
    static func appendCanonicalURI(_ path: String, to out: inout [UInt8]) {
        let bytes = path.utf8
        guard !bytes.isEmpty else { return out.append(ASCII.slash) }
        // A path with nothing to normalise, the usual case, is encoded as it stands.
        if !needsNormalizing(bytes) {
            for byte in bytes {
                if byte == ASCII.slash { out.append(byte) } else { appendPercentEncoded(byte, to: &out) }
            }
            return
        }
        var segments: [Substring.UTF8View] = []
        for segment in bytes.split(separator: ASCII.slash) {
            if segment.elementsEqual([ASCII.dot]) { continue }
            if segment.elementsEqual([ASCII.dot, ASCII.dot]) {
                _ = segments.popLast()
                continue
            }
            segments.append(segment)
        }
        if bytes.first == ASCII.slash { out.append(ASCII.slash) }
        for (index, segment) in segments.enumerated() {
            if index > 0 { out.append(ASCII.slash) }
            for byte in segment { appendPercentEncoded(byte, to: &out) }
        }
        if bytes.last == ASCII.slash && !segments.isEmpty { out.append(ASCII.slash) }
    }

    /// Whether the path has an empty, "." or ".." segment (a leading or trailing "/" aside).
    private static func needsNormalizing(_ path: String.UTF8View) -> Bool {
        var segmentLength = 0, dots = 0, atStart = true
        for byte in path {
            if byte == ASCII.slash {
                if !atStart, segmentLength == 0 || dots == segmentLength && dots <= 2 { return true }
                segmentLength = 0
                dots = 0
            } else {
                segmentLength += 1
                if byte == ASCII.dot { dots += 1 }
            }
            atStart = false
        }
        return segmentLength > 0 && dots == segmentLength && dots <= 2
    }

    /// botocore takes the query from the URL as sent: split on "&", split each pair at its first
    /// "=", sort by (name, value), rejoin. It does not re-encode, so neither do we.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let bytes = Array(query.utf8)
        var pairs: [(name: ArraySlice<UInt8>, value: ArraySlice<UInt8>)] = []
        for pair in bytes.split(separator: ASCII.ampersand, omittingEmptySubsequences: false) {
            if let equals = pair.firstIndex(of: ASCII.equals) {
                pairs.append((pair[pair.startIndex..<equals], pair[(equals + 1)...]))
            } else {
                pairs.append((pair, []))
            }
        }
        // Byte order of UTF-8 is code point order, which is how Python sorts str.
        pairs.sort { lhs, rhs in
            if lhs.name.elementsEqual(rhs.name) { return lhs.value.lexicographicallyPrecedes(rhs.value) }
            return lhs.name.lexicographicallyPrecedes(rhs.name)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 1)
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(ASCII.ampersand) }
            out.append(contentsOf: pair.name)
            out.append(ASCII.equals)
            out.append(contentsOf: pair.value)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the canonical header block (each "name:value" line ends in "\n") and returns the
    /// signed-header list. Repeated names are joined with "," in the order given; the host comes
    /// from a Host header if there is one, else from `host`.
    static func appendCanonicalHeaders(_ headers: [(name: String, value: String)], host: String,
                                       to out: inout [UInt8]) -> [UInt8] {
        // A sorted list rather than a dictionary of groups: a request has a handful of headers.
        var lines: [(name: [UInt8], value: String)] = []
        lines.reserveCapacity(headers.count + 1)
        var hasHost = false
        for header in headers {
            let name = header.name.utf8.map(\.lowercasedASCII)
            if unsignedHeaders.contains(name) { continue }
            if name.elementsEqual(hostHeader.utf8) { hasHost = true }
            lines.append((name, header.value))
        }
        if !hasHost { lines.append((Array(hostHeader.utf8), host.lowercasedASCII)) }
        // Stable, so that repeated names keep the order given.
        let order = lines.indices.sorted { lhs, rhs in
            lines[lhs].name == lines[rhs].name ? lhs < rhs : lines[lhs].name.lexicographicallyPrecedes(lines[rhs].name)
        }
        var signed: [UInt8] = []
        signed.reserveCapacity(16 * lines.count)
        var previous: Int?
        for index in order {
            let (name, value) = lines[index]
            if let previous, lines[previous].name == name {
                out.append(UInt8(ascii: ","))
            } else {
                if previous != nil {
                    out.append(newline)
                    signed.append(UInt8(ascii: ";"))
                }
                out.append(contentsOf: name)
                out.append(UInt8(ascii: ":"))
                signed.append(contentsOf: name)
                previous = index
            }
            out.append(contentsOf: trimAll(value).utf8)
        }
        if previous != nil { out.append(newline) }
        return signed
    }

    /// botocore's `' '.join(value.split())`: drop leading/trailing whitespace and collapse runs
    /// to one space, where whitespace is Python's `str.isspace()`, which includes Unicode spaces
    /// such as U+00A0 and U+3000, not only ASCII.
    static func trimAll(_ value: String) -> String {
        // Most values are plain ASCII with no space at all: nothing to change.
        if value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x80 }) { return value }
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in value.unicodeScalars {
            if PythonWhitespace.isSpace(scalar) {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(" ")
                pendingSpace = false
            }
            out.append(scalar)
        }
        return String(out)
    }

    // MARK: - Validation

    /// Checks that every header can go on the wire: names are tokens and values hold no control
    /// characters other than HTAB (so no CR/LF header injection). `sign` calls it, and
    /// `BedrockClient.signedRequest` calls it for bearer-token requests, which are not signed.
    static func validate(headers: [(name: String, value: String)]) throws(SigningError) {
        for header in headers {
            guard isToken(header.name) else { throw .invalidHeaderName(header.name) }
            guard isHeaderValueSafe(header.value) else { throw .invalidHeaderValue(name: header.name) }
        }
    }

    /// No C0 control other than HTAB, and no DEL. Non-ASCII (UTF-8) is allowed.
    static func isHeaderValueSafe(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == ASCII.tab || ($0 >= ASCII.space && $0 != ASCII.delete) }
    }

    /// RFC 9110 token: 1*tchar.
    static func isToken(_ string: String) -> Bool {
        !string.isEmpty && string.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
                 UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                return true
            default:
                return false
            }
        }
    }

    static func isValidHost(_ host: String) -> Bool {
        !host.isEmpty && host.utf8.allSatisfy { $0 > ASCII.space && $0 < ASCII.delete && !"/?#@\\".utf8.contains($0) }
    }

    static func isValidPath(_ path: String) -> Bool {
        if let first = path.utf8.first, first != ASCII.slash { return false }
        return path.utf8.allSatisfy { $0 > ASCII.space && $0 != ASCII.delete && $0 != ASCII.question && $0 != ASCII.hash }
    }

    static func isValidQuery(_ query: String) -> Bool {
        query.utf8.allSatisfy { $0 > ASCII.space && $0 != ASCII.delete && $0 != ASCII.hash }
    }

    // MARK: - Helpers

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC, or nil outside earliestTimestamp...latestTimestamp.
    static func amzDate(_ timestamp: Int64) -> String? {
        guard timestamp >= earliestTimestamp, timestamp <= latestTimestamp,
              var time = time_t(exactly: timestamp) else { return nil }
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return nil }
        return String(unsafeUninitializedCapacity: 16) { out in
            var end = 0
            func put(_ value: Int32, width: Int) {
                var rest = value
                for position in stride(from: end + width - 1, through: end, by: -1) {
                    out[position] = ASCII.zero &+ UInt8(truncatingIfNeeded: rest % 10)
                    rest /= 10
                }
                end += width
            }
            put(parts.tm_year + 1900, width: 4)
            put(parts.tm_mon + 1, width: 2)
            put(parts.tm_mday, width: 2)
            out[end] = UInt8(ascii: "T")
            end += 1
            put(parts.tm_hour, width: 2)
            put(parts.tm_min, width: 2)
            put(parts.tm_sec, width: 2)
            out[end] = UInt8(ascii: "Z")
            return end + 1
        }
    }

    private enum ASCII {
        static let tab: UInt8 = 0x09
        static let space: UInt8 = 0x20
        static let hash = UInt8(ascii: "#")
        static let ampersand = UInt8(ascii: "&")
        static let dot = UInt8(ascii: ".")
        static let slash = UInt8(ascii: "/")
        static let zero = UInt8(ascii: "0")
        static let equals = UInt8(ascii: "=")
        static let question = UInt8(ascii: "?")
        static let delete: UInt8 = 0x7F
    }

    private static let newline = UInt8(ascii: "\n")
}

extension BedrockError {
    /// A request that cannot be signed was built from bad input (a header value with CR or LF,
    /// an empty bearer token), except when libcrypto itself failed.
    init(signingError: SigningError) {
        switch signingError {
        case .invalidHeaderName(let name): self = BedrockError(.invalidArgument, "header name \"\(name)\" is not a valid HTTP token")
        case .invalidHeaderValue(let name): self = BedrockError(.invalidArgument, "header \(name): value contains CR, LF or another control character")
        case .reservedHeader(let name): self = BedrockError(.invalidArgument, "header \(name) is set by the signer and cannot be given")
        case .invalidMethod: self = BedrockError(.invalidArgument, "invalid HTTP method")
        case .invalidHost: self = .config("config.endpoint_url", "the endpoint host cannot be signed")
        case .invalidPath: self = BedrockError(.invalidArgument, "request path cannot be signed")
        case .invalidQuery: self = BedrockError(.invalidArgument, "request query cannot be signed")
        case .invalidTimestamp(let seconds): self = BedrockError(.internal, "system clock out of range (\(seconds))")
        case .emptyBearerToken: self = .config("config.bearer_token", "empty (from the config or AWS_BEARER_TOKEN_BEDROCK)")
        case .cryptoFailure: self = BedrockError(.internal, "libcrypto failed while signing")
        }
    }
}
