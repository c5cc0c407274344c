import Glibc

/// Why a failed attempt may be tried again, which decides what the retry costs.
enum RetryReason: Equatable {
    case throttling, transient, timeout
}

/// The AWS SDKs' "standard" retry mode: which errors to retry, and how long to wait.
struct RetryPolicy: Sendable {
    /// Full-jitter exponential backoff: a random delay below base × 2^(attempt-1), capped.
    static let baseDelayMs = 100.0
    static let maxBackoffMs = 20_000.0
    /// HTTP statuses that mean "try again" whatever the error type.
    static let transientStatuses: Set<Int> = [500, 502, 503, 504]
    /// ModelNotReadyException is modeled as retryable in Bedrock's service model. Lowercase:
    /// types are compared without case, as the status mapping compares them.
    static let retryableErrorTypes: Set<String> = ["modelnotreadyexception"]

    let maxAttempts: Int

    /// Whether `error` may be retried, and as what.
    static func reason(for error: BedrockError) -> RetryReason? {
        switch error.status {
        case .throttled: return .throttling
        case .network: return .transient
        case .timeout: return .timeout
        case .service where error.httpStatus.map(Self.transientStatuses.contains) ?? true: return .transient
        default:
            if let type = error.awsErrorType, Self.retryableErrorTypes.contains(type.lowercased()) { return .transient }
            return nil
        }
    }

    /// The wait before retry number `retry` (1 for the first retry), given a uniform random
    /// number in [0, 1).
    func delayMs(beforeRetry retry: Int, random: Double) -> Double {
        let exponent = Double(max(0, min(retry - 1, 30)))
        return random * min(Self.maxBackoffMs, Self.baseDelayMs * pow(2, exponent))
    }
}

/// The client-wide retry budget of the standard mode: retries spend tokens, successes earn
/// them back, and an empty bucket stops retries while the service is struggling.
final class RetryQuota: Sendable {
    static let initialCapacity = 500
    static let retryCost = 5
    static let timeoutRetryCost = 10
    static let noRetryIncrement = 1

    private let available = Locked(RetryQuota.initialCapacity)

    /// Takes the cost of one retry, or returns nil when the bucket cannot cover it.
    func acquire(for reason: RetryReason) -> Int? {
        let cost = reason == .timeout ? Self.timeoutRetryCost : Self.retryCost
        return available.withLock { capacity in
            guard capacity >= cost else { return nil }
            capacity -= cost
            return cost
        }
    }

    /// Called on success: refunds what this call's retries spent, or adds a little when it
    /// needed none.
    func recordSuccess(refund spent: Int) {
        available.withLock { capacity in
            capacity = min(Self.initialCapacity, capacity + (spent > 0 ? spent : Self.noRetryIncrement))
        }
    }

    var capacity: Int { available.withLock { $0 } }
}

/// One call's retry state: counts attempts, spends the quota, says how long to back off, and
/// in adaptive mode paces every attempt through the client's rate limiter.
struct RetryAttempts {
    let policy: RetryPolicy
    let quota: RetryQuota
    let limiter: AdaptiveRateLimiter?
    private(set) var attempt = 1
    private var spent = 0

    init(policy: RetryPolicy, quota: RetryQuota, limiter: AdaptiveRateLimiter? = nil) {
        self.policy = policy
        self.quota = quota
        self.limiter = limiter
    }

    /// Before each attempt, for a caller that must not block: 0 when the attempt may go now,
    /// else the seconds to wait before asking again.
    func secondsBeforeAttempt() -> Double { limiter?.tryAcquire() ?? 0 }

    /// Called when an attempt has a response or a failure, to feed the rate limiter.
    func afterAttempt(error: BedrockError?) {
        limiter?.record(throttled: error.map { RetryPolicy.reason(for: $0) == .throttling } ?? false)
    }

    /// Decides whether to retry after `error`, without waiting: the backoff in milliseconds
    /// before the next attempt, or nil (and the error stamped with the attempts made).
    mutating func retryDelayMs(after error: inout BedrockError) -> Double? {
        error.attempts = attempt
        guard attempt < policy.maxAttempts, let reason = RetryPolicy.reason(for: error),
              let cost = quota.acquire(for: reason) else { return nil }
        spent += cost
        attempt += 1
        return policy.delayMs(beforeRetry: attempt - 1, random: Double.random(in: 0..<1))
    }

    func recordSuccess() { quota.recordSuccess(refund: spent) }
}
