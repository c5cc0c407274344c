import XCTest

@testable import Bedrock

/// AWS error types and HTTP statuses map to statuses as docs/c-api.md lays down.
final class ErrorMappingTests: XCTestCase {
    private func status(_ type: String?, _ http: Int) -> BedrockStatus { BedrockStatus(awsErrorType: type, httpStatus: http) }

    func test_errorTypeDecides_evenAgainstHttpStatus() {
        XCTAssertEqual(status("ModelNotReadyException", 429), .model)
        XCTAssertEqual(status("ThrottlingException", 400), .throttled)
        XCTAssertEqual(status("ServiceQuotaExceededException", 400), .throttled)
        XCTAssertEqual(status("AccessDeniedException", 403), .accessDenied)
        XCTAssertEqual(status("UnrecognizedClientException", 403), .credentials)
        XCTAssertEqual(status("InvalidSignatureException", 403), .credentials)
        XCTAssertEqual(status("ExpiredToken", 400), .credentials)
        XCTAssertEqual(status("ValidationException", 400), .validation)
        XCTAssertEqual(status("ResourceNotFoundException", 404), .notFound)
        XCTAssertEqual(status("ModelErrorException", 424), .model)
        XCTAssertEqual(status("ModelTimeoutException", 408), .model)
        XCTAssertEqual(status("modelStreamErrorException", 200), .model)
        XCTAssertEqual(status("InternalServerException", 500), .service)
        XCTAssertEqual(status("ServiceUnavailableException", 503), .service)
    }

    func test_httpStatusDecides_whenTypeMissingOrUnknown() {
        XCTAssertEqual(status(nil, 429), .throttled)
        XCTAssertEqual(status(nil, 403), .accessDenied)
        XCTAssertEqual(status(nil, 400), .validation)
        XCTAssertEqual(status(nil, 418), .validation)
        XCTAssertEqual(status(nil, 404), .notFound)
        XCTAssertEqual(status("SomethingNewException", 502), .service)
        XCTAssertEqual(status(nil, 599), .service)
        XCTAssertEqual(status(nil, 302), .protocol)
    }

    func test_errorResponse_typeFromHeaderOrBody_withNamespaceAndSuffixStripped() {
        let fromHeader = AWSErrorResponse.error(
            head: HTTPResponseHead(status: 429, headers: [
                ("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
                ("x-amzn-RequestId", "req-1")]),
            body: Array(#"{"message": "Too many requests"}"#.utf8))
        XCTAssertEqual(fromHeader.status, .throttled)
        XCTAssertEqual(fromHeader.awsErrorType, "ThrottlingException")
        XCTAssertEqual(fromHeader.requestId, "req-1")
        XCTAssertEqual(fromHeader.message, "ThrottlingException: Too many requests (HTTP 429, request id req-1)")

        let fromBody = AWSErrorResponse.error(
            head: HTTPResponseHead(status: 400, headers: []),
            body: Array(#"{"__type": "com.amazon.bedrock#ValidationException", "Message": "bad"}"#.utf8))
        XCTAssertEqual(fromBody.awsErrorType, "ValidationException")
        XCTAssertEqual(fromBody.message, "ValidationException: bad (HTTP 400)")

        let notJSON = AWSErrorResponse.error(head: HTTPResponseHead(status: 502, headers: []), body: Array("<html>".utf8))
        XCTAssertEqual(notJSON.status, .service)
        XCTAssertEqual(notJSON.message, "HTTP 502: <html> (HTTP 502)")
    }

    /// Every `BEDROCK_OK`/`BEDROCK_ERR_*` enumerator of include/bedrock.h, by name and value, is
    /// a case here, and no other.
    func test_statusNamesAndValues_matchTheHeader() throws {
        let header = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../include/bedrock.h").standardizedFileURL
        let text = try String(contentsOf: header, encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"^\s*(BEDROCK_(?:OK|ERR_[A-Z_]+)) = (\d+)"#, options: .anchorsMatchLines)
        var declared: [String: Int32] = [:]
        for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let name = Range(match.range(at: 1), in: text), let value = Range(match.range(at: 2), in: text) else { continue }
            declared[String(text[name])] = Int32(text[value])
        }
        XCTAssertEqual(declared.count, BedrockStatus.allCases.count)
        for status in BedrockStatus.allCases {
            XCTAssertEqual(declared[status.name], status.rawValue, status.name)
        }
    }

    func test_errorJSON_carriesDetails() throws {
        let error = BedrockError(.throttled, "slow down", awsErrorType: "ThrottlingException", httpStatus: 429,
                                 requestId: "r", attempts: 3)
        let json = try JSON.parse(error.json.serialized(), field: "error")
        XCTAssertEqual(json["status"], .int(6))
        XCTAssertEqual(json["status_name"], .string("BEDROCK_ERR_THROTTLED"))
        XCTAssertEqual(json["error_type"], .string("ThrottlingException"))
        XCTAssertEqual(json["attempts"], .int(3))
    }

    func test_serviceMessage_isCutAtACharacterBoundary() {
        // "é" is two bytes: a cut at 5 bytes would split the third one.
        XCTAssertEqual(AWSErrorResponse.truncated("éééé", toBytes: 5), "éé... [cut at max_error_message_bytes]")
        XCTAssertEqual(AWSErrorResponse.truncated("short", toBytes: 5), "short")
        let body = Array("{\"message\": \"\(String(repeating: "x", count: 10_000))\"}".utf8)
        let error = AWSErrorResponse.error(head: HTTPResponseHead(status: 400, headers: []), body: body, maxMessageBytes: 1_024)
        XCTAssertLessThan(error.message.utf8.count, 1_024 + 100)
        XCTAssertTrue(error.message.contains("[cut at max_error_message_bytes]"))
    }

    func test_eventStreamLimits_areLimitErrors_andOtherDefectsProtocolErrors() {
        var limits = ResponseLimits()
        limits.maxEventBytes = 1_024
        // A prelude claiming 4096 bytes, with a correct CRC: over the limit, so LIMIT.
        var prelude: [UInt8] = [0, 0, 0x10, 0, 0, 0, 0, 0]
        let crc = CRC32.checksum(prelude)
        prelude += [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
        let tooLarge = Self.feedError(prelude, limits: limits)
        XCTAssertEqual(tooLarge?.status, .limit)
        XCTAssertTrue(tooLarge?.message.contains("max_event_bytes (1024 bytes)") ?? false)
        XCTAssertEqual(Self.feedError([0, 0, 0, 16, 0, 0, 0, 0, 1, 2, 3, 4], limits: limits)?.status, .protocol)
    }

    private static func feedError(_ bytes: [UInt8], limits: ResponseLimits) -> BedrockError? {
        var response = EventStreamResponse(limits: limits)
        let outcome = bytes.withUnsafeBytes { raw -> Result<Void, BedrockError> in
            do throws(BedrockError) {
                try response.feed(raw) { _ in }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        if case .failure(let error) = outcome { return error }
        return nil
    }
}
