import XCTest

@testable import Bedrock

/// The standard retry mode's numbers and decisions.
final class RetryStrategyTests: XCTestCase {
    func test_initialRetryTokens_is500() { XCTAssertEqual(RetryQuota().capacity, 500) }

    func test_retryCost_is5_andTimeoutCost_is10() {
        let quota = RetryQuota()
        XCTAssertEqual(quota.acquire(for: .throttling), 5)
        XCTAssertEqual(quota.acquire(for: .timeout), 10)
        XCTAssertEqual(quota.capacity, 485)
    }

    func test_success_refundsWhatRetriesSpent_orAddsOne_cappedAt500() {
        let quota = RetryQuota()
        _ = quota.acquire(for: .transient)
        _ = quota.acquire(for: .transient)
        quota.recordSuccess(refund: 10)
        XCTAssertEqual(quota.capacity, 500)
        quota.recordSuccess(refund: 0)
        XCTAssertEqual(quota.capacity, 500)
        _ = quota.acquire(for: .transient)
        quota.recordSuccess(refund: 0)
        XCTAssertEqual(quota.capacity, 496)
    }

    func test_emptyBucket_stopsRetries() {
        let quota = RetryQuota()
        for _ in 0..<100 { XCTAssertNotNil(quota.acquire(for: .throttling)) }
        XCTAssertNil(quota.acquire(for: .throttling))
        var retries = RetryAttempts(policy: RetryPolicy(maxAttempts: 3), quota: quota)
        var error = BedrockError(.throttled, "slow down", awsErrorType: "ThrottlingException", httpStatus: 429)
        XCTAssertNil(retries.retryDelayMs(after: &error))
        XCTAssertEqual(error.attempts, 1)
    }

    func test_backoff_isFullJitter_base100ms_cappedAt20s() {
        let policy = RetryPolicy(maxAttempts: 10)
        XCTAssertEqual(policy.delayMs(beforeRetry: 1, random: 0.999_999), 100, accuracy: 0.01)
        XCTAssertEqual(policy.delayMs(beforeRetry: 2, random: 0.5), 100)
        XCTAssertEqual(policy.delayMs(beforeRetry: 4, random: 1), 800)
        XCTAssertEqual(policy.delayMs(beforeRetry: 20, random: 1), 20_000)
        XCTAssertEqual(policy.delayMs(beforeRetry: 3, random: 0), 0)
    }

    func test_whatIsRetried() {
        XCTAssertEqual(RetryPolicy.reason(for: BedrockError(.throttled, "", httpStatus: 429)), .throttling)
        XCTAssertEqual(RetryPolicy.reason(for: BedrockError(.network, "")), .transient)
        XCTAssertEqual(RetryPolicy.reason(for: BedrockError(.timeout, "")), .timeout)
        XCTAssertEqual(RetryPolicy.reason(for: BedrockError(.service, "", httpStatus: 503)), .transient)
        XCTAssertEqual(RetryPolicy.reason(for: BedrockError(.model, "", awsErrorType: "ModelNotReadyException", httpStatus: 429)),
                       .transient)
        XCTAssertNil(RetryPolicy.reason(for: BedrockError(.service, "", httpStatus: 599)))
        XCTAssertNil(RetryPolicy.reason(for: BedrockError(.validation, "", httpStatus: 400)))
        XCTAssertNil(RetryPolicy.reason(for: BedrockError(.model, "", awsErrorType: "ModelErrorException", httpStatus: 424)))
        XCTAssertNil(RetryPolicy.reason(for: BedrockError(.credentials, "", httpStatus: 403)))
        XCTAssertNil(RetryPolicy.reason(for: BedrockError(.cancelled, "")))
    }

    func test_errorJSON_saysWhetherRetryable() {
        XCTAssertEqual(BedrockError(.throttled, "slow down", httpStatus: 429).json["retryable"], .bool(true))
        XCTAssertEqual(BedrockError(.service, "", httpStatus: 503).json["retryable"], .bool(true))
        XCTAssertEqual(BedrockError(.validation, "", httpStatus: 400).json["retryable"], .bool(false))
        XCTAssertEqual(BedrockError.invalidArgument("request.model", "required").json["retryable"], .bool(false))
    }
}
