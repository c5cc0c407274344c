import CCurl
import Synchronization

/// curl_global_init is not safe to race, so it runs once, the first time a client is made.
let curlGlobalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

/// A curl multi handle with one easy handle. The multi handle owns the connection cache, so
/// reusing a session across calls reuses its keep-alive connections. A session is used by one
/// call at a time: `CurlSessionPool` hands it out and takes it back.
final class CurlSession: @unchecked Sendable {
    let multi: UnsafeMutableRawPointer
    let easy: UnsafeMutableRawPointer

    init() throws(BedrockError) {
        guard curlGlobalInitResult == CURLE_OK else {
            throw BedrockError(.internal, "curl_global_init failed with code \(curlGlobalInitResult.rawValue)")
        }
        guard let multi = curl_multi_init() else { throw BedrockError(.internal, "curl_multi_init failed") }
        guard let easy = curl_easy_init() else {
            curl_multi_cleanup(multi)
            throw BedrockError(.internal, "curl_easy_init failed")
        }
        self.multi = multi
        self.easy = easy
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_multi_cleanup(multi)
    }
}

/// The idle sessions of one client. Concurrent calls each take their own session; the pool
/// grows to the peak concurrency and keeps those sessions (and their connections) for reuse.
final class CurlSessionPool: Sendable {
    /// Idle sessions beyond this many are closed rather than kept.
    static let maxIdleSessions = 16

    private let idle = Mutex<[CurlSession]>([])

    init() {}

    func checkout() throws(BedrockError) -> CurlSession {
        if let session = idle.withLock({ $0.popLast() }) { return session }
        return try CurlSession()
    }

    func checkin(_ session: CurlSession) {
        idle.withLock { sessions in
            if sessions.count < Self.maxIdleSessions { sessions.append(session) }
        }
    }
}
