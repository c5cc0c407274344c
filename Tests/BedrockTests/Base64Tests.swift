import XCTest

@testable import Bedrock

/// Base64 as stream chunks and blobs carry it: RFC 4648's vectors, MIME line breaks, and what
/// is not base64.
final class Base64Tests: XCTestCase {
    func test_rfc4648_vectors_decode_and_encode() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=",
                       "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            XCTAssertEqual(base64Decoded(encoded), Array(plain.utf8), encoded)
            XCTAssertEqual(base64Decoded(bytes: Array(encoded.utf8)[...]), Array(plain.utf8), encoded)
            XCTAssertEqual(base64Encoded(Array(plain.utf8)), encoded)
        }
    }

    func test_every_byte_value_and_length_round_trips() {
        var generator = SplitMix64(seed: 0xB64)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            XCTAssertEqual(base64Decoded(base64Encoded(bytes)), bytes, "\(length) bytes")
        }
    }

    func test_line_breaks_are_skipped() {
        XCTAssertEqual(base64Decoded("Zm9v\r\nYmFy\n"), Array("foobar".utf8))
    }

    func test_what_is_not_base64_is_nil() {
        for text in ["Zg=", "Zm9vY", "Zm9v!mFy", "Zm9v YmFy", "=", "Zg==Zg=="] {
            XCTAssertNil(base64Decoded(text), text)
        }
    }
}
