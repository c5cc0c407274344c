import Foundation
import Synchronization
import XCTest

@testable import Bedrock

/// The adaptive-mode rate limiter replays botocore's ClientRateLimiter number for number
/// (Vectors/adaptive, from tools/vectors/gen_adaptive_vectors.py), and paces senders.
final class AdaptiveRateLimiterTests: XCTestCase {
    /// A clock the test moves by hand; `sleep` moves it too.
    final class FakeClock: Sendable {
        let now: Mutex<Double>
        init(_ start: Double) { now = Mutex(start) }
        func advance(to time: Double) { now.withLock { $0 = time } }
        func limiter() -> AdaptiveRateLimiter { AdaptiveRateLimiter(clock: { self.now.withLock { $0 } }) }
        /// Takes a token, waiting on the fake clock as the multi's timer would; returns the wait.
        func acquire(_ limiter: AdaptiveRateLimiter) -> Double {
            var waited = 0.0
            while case let wait = limiter.tryAcquire(), wait > 0 {
                waited += wait
                now.withLock { $0 += wait }
            }
            return waited
        }
    }

    private struct Event: Decodable {
        var time: Double
        var throttled: Bool
        var fill_rate: Double
        var max_capacity: Double
        var capacity: Double
        var enabled: Bool
        var measured_rate: Double
    }

    private struct Case: Decodable {
        var seed: Int
        var start: Double
        var events: [Event]
    }

    func test_rates_matchBotocoresClientRateLimiter() throws {
        struct File: Decodable { var cases: [Case] }
        let cases = try decodeVectors(File.self, from: "adaptive/cases.json").cases
        XCTAssertEqual(cases.count, 20)
        for item in cases {
            let clock = FakeClock(item.start)
            let limiter = clock.limiter()
            for (index, event) in item.events.enumerated() {
                clock.advance(to: event.time)
                limiter.record(throttled: event.throttled)
                let state = limiter.snapshot
                let label = "seed \(item.seed) step \(index)"
                XCTAssertEqual(state.enabled, event.enabled, label)
                XCTAssertEqual(state.fillRate, event.fill_rate, accuracy: 1e-9, label)
                XCTAssertEqual(state.maxCapacity, event.max_capacity, accuracy: 1e-9, label)
                XCTAssertEqual(state.capacity, event.capacity, accuracy: 1e-9, label)
                XCTAssertEqual(state.measuredRate, event.measured_rate, accuracy: 1e-9, label)
            }
        }
    }

    func test_beforeAnyThrottle_nothingWaits() {
        let clock = FakeClock(100)
        let limiter = clock.limiter()
        for _ in 0..<50 {
            XCTAssertEqual(clock.acquire(limiter), 0)
            limiter.record(throttled: false)
        }
    }

    func test_afterThrottling_sendsArePacedToTheFillRate() {
        let clock = FakeClock(100)
        let limiter = clock.limiter()
        limiter.record(throttled: true)
        XCTAssertTrue(limiter.snapshot.enabled)
        let rate = limiter.snapshot.fillRate
        XCTAssertEqual(rate, AdaptiveRateLimiter.minFillRate)
        let start = clock.now.withLock { $0 }
        for _ in 0..<5 { _ = clock.acquire(limiter) }
        // Five tokens at 0.5 per second take about ten seconds, less what had accrued.
        XCTAssertGreaterThan(clock.now.withLock { $0 } - start, 7.9)
    }
}
