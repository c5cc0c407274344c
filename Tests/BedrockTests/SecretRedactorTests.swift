import XCTest
@testable import Bedrock

final class SecretRedactorTests: XCTestCase {
    private let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    private func redactor(_ secrets: String...) -> SecretRedactor {
        var redactor = SecretRedactor()
        for secret in secrets { redactor.add(secret) }
        return redactor
    }

    /// No window of `SecretRedactor.pieceLength` bytes of the secret is left in `text`.
    private func assertNoPiece(of secret: String, in text: String, file: StaticString = #filePath, line: UInt = #line) {
        let bytes = Array(secret.utf8), length = SecretRedactor.pieceLength
        for start in 0...(bytes.count - length) {
            let piece = String(decoding: bytes[start..<(start + length)], as: UTF8.self)
            XCTAssertFalse(text.contains(piece), "\"\(piece)\" left in \"\(text)\"", file: file, line: line)
        }
    }

    func test_wholeSecret_isReplacedOnce() {
        XCTAssertEqual(redactor(secret).redact("key \(secret) rejected"), "key [redacted] rejected")
    }

    func test_everyPieceOfEightOrMoreBytes_isReplaced_evenInsideOtherText() {
        let text = "#\(secret.dropFirst(3).prefix(9))b and x\(secret.suffix(8))y and \(secret.prefix(7))"
        let redacted = redactor(secret).redact(text)
        assertNoPiece(of: secret, in: redacted)
        // Seven bytes are too few to say anything; they stay, as does the text around pieces.
        XCTAssertEqual(redacted, "#[redacted]b and x[redacted]y and \(secret.prefix(7))")
    }

    func test_overlappingAndAdjacentPieces_becomeOneReplacement() {
        let text = secret + secret.prefix(10)
        XCTAssertEqual(redactor(secret).redact(text), "[redacted]")
    }

    func test_shortSecrets_areReplacedWhole_andTinyOnesIgnored() {
        XCTAssertEqual(redactor("hunter2").redact("pw hunter2!"), "pw [redacted]!")
        XCTAssertEqual(redactor("abc").redact("abc abc"), "abc abc")
    }

    func test_errorsLoseSecretsFromEveryText() {
        let error = BedrockError(.validation, "bad \(secret)", awsErrorType: "X\(secret)", requestId: secret, field: secret)
        let redacted = redactor(secret).redact(error)
        XCTAssertEqual(redacted.message, "bad [redacted]")
        XCTAssertEqual(redacted.awsErrorType, "X[redacted]")
        XCTAssertEqual(redacted.requestId, "[redacted]")
        XCTAssertEqual(redacted.field, "[redacted]")
        XCTAssertEqual(redacted.status, .validation)
    }

    func test_textWithoutSecrets_isUnchanged_includingNonASCII() {
        let text = "Grüße, 世界: request.messages[0].role: unknown role"
        XCTAssertEqual(redactor(secret).redact(text), text)
        XCTAssertEqual(SecretRedactor().redact(text), text)
    }

    func test_manySecrets_eachRedacted() {
        let token = String(repeating: "IQoJb3JpZ2luX2Vj", count: 40)
        let text = "token=\(token)&key=\(secret)"
        let redacted = redactor(secret, token).redact(text)
        XCTAssertEqual(redacted, "token=[redacted]&key=[redacted]")
    }
}
