import Synchronization

/// A client's log (`bedrock_client_set_log`): one JSON object a line, handed to the host's
/// function. The level is checked before anything is formatted, so a disabled level costs a
/// load and a compare. Lines carry no secrets: request headers are logged from an allowlist,
/// and messages are redacted as errors are.
final class ClientLog: Sendable {
    enum Level: Int32 {
        case error = 1, warn = 2, info = 3, debug = 4

        var name: String {
            switch self {
            case .error: "error"
            case .warn: "warn"
            case .info: "info"
            case .debug: "debug"
            }
        }
    }

    /// Where lines go: the host's function, which may be called from any thread that does the
    /// client's work (a caller's, a multi's driving thread, the credential helper).
    struct Sink: @unchecked Sendable {
        var level: Int32
        var write: (Int32, String) -> Void
    }

    /// Request headers that may appear in a log line; every other header is left out.
    static let loggedHeaders: Set<String> = ["host", "content-type", "accept", "user-agent", "x-amz-date",
                                             "x-amzn-bedrock-guardrailidentifier", "x-amzn-bedrock-guardrailversion",
                                             "x-amzn-bedrock-trace"]

    private let sink = Locked<Sink?>(nil)
    /// The enabled level, read without the lock on every call site.
    private let enabledLevel = Atomic<Int32>(0)

    func set(_ new: Sink?) {
        sink.withLock { $0 = new }
        enabledLevel.store(new?.level ?? 0, ordering: .releasing)
    }

    func isEnabled(_ level: Level) -> Bool { level.rawValue <= enabledLevel.load(ordering: .acquiring) }

    /// Writes one line if `level` is enabled; `fields` are built only then.
    func callAsFunction(_ level: Level, _ event: String, _ fields: @autoclosure () -> [(String, JSON)]) {
        guard isEnabled(level), let sink = sink.withLock({ $0 }) else { return }
        var object = JSONObject()
        object["level"] = .string(level.name)
        object["event"] = .string(event)
        object["time_ms"] = .int(Int64(monotonicMilliseconds()))
        for (key, value) in fields() { object[key] = value }
        // Called with no lock of ours held, so the host may call back into the library.
        sink.write(level.rawValue, JSON.object(object).serialized())
    }

    /// The headers of a request that may be logged, by name.
    static func headers(_ headers: [HTTPHeader]) -> JSON {
        var object = JSONObject()
        for header in headers where loggedHeaders.contains(header.name.lowercased()) {
            object[header.name] = .string(header.value)
        }
        return .object(object)
    }
}
