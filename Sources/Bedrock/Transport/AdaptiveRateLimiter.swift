import Glibc

/// The AWS SDKs' "adaptive" retry mode: on top of standard retries, a client-side token
/// bucket whose rate follows CUBIC congestion control. Throttling cuts the sending rate;
/// success lets it grow back. Until the first throttle nothing is limited. This follows
/// botocore's `retries/adaptive.py`, `throttling.py` and `bucket.py` step for step;
/// AdaptiveRateLimiterTests replays botocore's own numbers.
final class AdaptiveRateLimiter: Sendable {
    /// CUBIC: multiplicative decrease on throttling, and the curve's scale.
    static let beta = 0.7
    static let scaleConstant = 0.4
    static let startingMaxRate = 0.0
    /// Measured send rate: exponential smoothing over half-second buckets.
    static let smoothing = 0.8
    static let timeBucketSeconds = 0.5
    /// The bucket never fills slower than this many requests per second.
    static let minFillRate = 0.5
    static let initialFillRate = 1.0
    /// The bucket's rate is at most this multiple of the measured send rate.
    static let maxRateAdjustScale = 2.0

    struct State: Equatable {
        var enabled = false
        // CUBIC
        var maxRate = AdaptiveRateLimiter.startingMaxRate
        var zeroPoint = AdaptiveRateLimiter.zeroPoint(maxRate: AdaptiveRateLimiter.startingMaxRate)
        var lastFailure: Double
        // Measured send rate
        var measuredRate = 0.0
        var lastBucket: Double
        var count = 0.0
        // Token bucket
        var fillRate = AdaptiveRateLimiter.initialFillRate
        var capacity = 0.0
        var maxCapacity = 1.0
        var lastRefill: Double
    }

    private let state: Locked<State>
    private let clock: @Sendable () -> Double

    init(clock: @escaping @Sendable () -> Double = { Double(monotonicMilliseconds()) / 1000 }) {
        self.clock = clock
        let now = clock()
        // The bucket starts empty and starts accruing now, as botocore's does.
        state = Locked(State(lastFailure: now, lastBucket: now.rounded(.down), lastRefill: now))
    }

    /// Before each attempt: takes a token if one is there and returns 0; otherwise returns how
    /// many seconds until one will be, without waiting (the multi sets a timer instead).
    /// Before throttling has switched the limiter on, every attempt may go.
    func tryAcquire() -> Double {
        state.withLock { state -> Double in
            guard state.enabled else { return 0 }
            Self.refill(&state, now: clock())
            if state.capacity >= 1 {
                state.capacity -= 1
                return 0
            }
            return (1 - state.capacity) / state.fillRate
        }
    }

    /// After each attempt's response: a throttle cuts the rate and switches limiting on;
    /// anything else lets the rate grow along the CUBIC curve.
    func record(throttled: Bool) {
        state.withLock { state in
            let measured = Self.measure(&state, now: clock())
            let now = clock()
            let newRate: Double
            if throttled {
                let current = state.enabled ? min(measured, state.fillRate) : measured
                state.maxRate = current
                state.zeroPoint = Self.zeroPoint(maxRate: current)
                state.lastFailure = now
                newRate = current * Self.beta
                state.enabled = true
            } else {
                newRate = Self.scaleConstant * pow(now - state.lastFailure - state.zeroPoint, 3) + state.maxRate
            }
            Self.setRate(&state, min(newRate, Self.maxRateAdjustScale * measured), now: now)
        }
    }

    var snapshot: State { state.withLock { $0 } }

    private static func zeroPoint(maxRate: Double) -> Double {
        cbrt(maxRate * (1 - beta) / scaleConstant)
    }

    private static func measure(_ state: inout State, now: Double) -> Double {
        let bucket = (now / timeBucketSeconds).rounded(.down) * timeBucketSeconds
        state.count += 1
        if bucket > state.lastBucket {
            let current = state.count / (bucket - state.lastBucket)
            state.measuredRate = current * smoothing + state.measuredRate * (1 - smoothing)
            state.count = 0
            state.lastBucket = bucket
        }
        return state.measuredRate
    }

    /// Tokens accrue at the old rate up to now before a new rate applies.
    private static func setRate(_ state: inout State, _ rate: Double, now: Double) {
        refill(&state, now: now)
        state.fillRate = max(rate, minFillRate)
        state.maxCapacity = max(rate, 1)
        state.capacity = min(state.capacity, state.maxCapacity)
    }

    private static func refill(_ state: inout State, now: Double) {
        state.capacity = min(state.maxCapacity, state.capacity + (now - state.lastRefill) * state.fillRate)
        state.lastRefill = now
    }
}
