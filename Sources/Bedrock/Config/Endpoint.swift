import CCurl
import Glibc

/// Where requests go: scheme, host, optional port, and an optional base path, parsed with
/// curl's URL parser so we read URLs exactly as the transport will.
struct Endpoint: Sendable, Equatable {
    let scheme: String
    let host: String
    let port: Int?
    let basePath: String
    /// The Host header value: the port appears only when it is not the scheme's default,
    /// which is also what SigV4 signs. Kept, as every request sends and signs it.
    let hostHeader: String
    /// "scheme://host[:port]/base", the part of every request URL before its path.
    private let urlPrefix: String

    init(url: String) throws(BedrockError) {
        guard let handle = curl_url() else { throw BedrockError(.internal, "curl_url failed") }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK else {
            throw .config("config.endpoint_url", "\"\(url)\" is not a valid URL")
        }
        func part(_ which: CURLUPart) -> String? {
            var value: UnsafeMutablePointer<CChar>?
            guard curl_url_get(handle, which, &value, 0) == CURLUE_OK, let value else { return nil }
            defer { curl_free(value) }
            return String(cString: value)
        }
        guard let scheme = part(CURLUPART_SCHEME)?.lowercased(), scheme == "http" || scheme == "https" else {
            throw .config("config.endpoint_url", "\"\(url)\" must use http or https")
        }
        guard let host = part(CURLUPART_HOST), !host.isEmpty else {
            throw .config("config.endpoint_url", "\"\(url)\" has no host")
        }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = part(CURLUPART_PORT).flatMap { Int($0) }
        var path = part(CURLUPART_PATH) ?? ""
        while path.hasSuffix("/") { path.removeLast() }
        self.basePath = path
        if let port, port != (scheme == "https" ? 443 : 80) {
            hostHeader = "\(self.host):\(port)"
        } else {
            hostHeader = self.host
        }
        urlPrefix = "\(scheme)://\(hostHeader)\(basePath)"
    }

    /// Whether the host is this machine: "localhost", or a loopback address.
    var isLoopback: Bool {
        host == "localhost" || Self.isLoopbackAddress(host)
    }

    /// 127.0.0.0/8 written as a dotted quad, or ::1. Names other than "localhost" (allowed
    /// separately) are not trusted, since DNS could send them anywhere.
    static func isLoopbackAddress(_ host: String) -> Bool {
        if host == "[::1]" || host == "::1" || host == "[0:0:0:0:0:0:0:1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        let octets = parts.compactMap { part -> Int? in
            guard !part.isEmpty, part.count <= 3, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = Int(part), value <= 255 else { return nil }
            return value
        }
        return octets.count == 4 && octets[0] == 127
    }


    /// The full URL for a path that is already percent-encoded.
    func url(path: String) -> String { urlPrefix + path }

    /// The path as it goes on the wire, including the endpoint's base path.
    func wirePath(_ path: String) -> String { basePath + path }
}
