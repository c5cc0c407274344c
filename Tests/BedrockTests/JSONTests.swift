import XCTest

@testable import Bedrock

final class JSONTests: XCTestCase {
    func test_roundTrip_keepsKeyOrderTypesAndUnicode() throws {
        let text = #"{"type":"text","index":0,"text":"héllo \"wörld\" 日本","ok":true,"none":null,"x":1.5,"list":[1,"a",{}]}"#
        let value = try JSON.parse(text, field: "t")
        XCTAssertEqual(value.serialized(), text)
        XCTAssertEqual(value["index"], .int(0))
        XCTAssertEqual(value["x"]?.doubleValue, 1.5)
    }

    func test_stringWithNUL_survives() throws {
        let value = JSON.string("a\u{0}b")
        XCTAssertEqual(try JSON.parse(value.serialized(), field: "t"), value)
    }

    func test_invalidInput_isInvalidArgumentNamingTheField() {
        for bad in ["", "{", "[1,]", "{\"a\": tru}"] {
            XCTAssertThrowsError(try JSON.parse(bad, field: "request")) { error in
                XCTAssertEqual((error as? BedrockError)?.status, .invalidArgument)
                XCTAssertTrue((error as? BedrockError)?.message.hasPrefix("request") ?? false)
            }
        }
        XCTAssertThrowsError(try JSON.parse([0x22, 0xFF, 0x22], field: "request"))
    }

    func test_objectEquality_ignoresOrder() throws {
        XCTAssertEqual(try JSON.parse(#"{"a":1,"b":2}"#, field: "t"), try JSON.parse(#"{"b":2,"a":1}"#, field: "t"))
    }

    func test_percentEncoded_encodesAllButUnreserved() {
        XCTAssertEqual(percentEncoded("anthropic.claude-3-sonnet-20240229-v1:0"),
                       "anthropic.claude-3-sonnet-20240229-v1%3A0")
        XCTAssertEqual(percentEncoded("arn:aws:bedrock:us-east-1:1:x/y~z é"),
                       "arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ax%2Fy~z%20%C3%A9")
    }
}
