import XCTest

@testable import Bedrock

/// `JSON.parse` must read every text as jansson, which it replaced, reads it: the same values,
/// members in the same order, the last of repeated keys kept at the first one's place.
final class JSONReaderTests: XCTestCase {
    private func assertReadsAsJansson(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let expected = JSON.parsedByJansson(Array(text.utf8)) else {
            return XCTFail("jansson rejects \(text.prefix(80))", file: file, line: line)
        }
        XCTAssertNoThrow(try {
            let read = try JSON.parse(text, field: "t")
            XCTAssertEqual(read, expected, "\(text.prefix(80))", file: file, line: line)
            // Equality ignores member order; the printed text does not.
            XCTAssertEqual(read.serialized(), expected.serialized(), "\(text.prefix(80))", file: file, line: line)
        }(), file: file, line: line)
    }

    func test_edge_texts_read_as_jansson_reads_them() {
        let keys = (0..<40).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        for text in ["0", "-0", "-0.0", "1E2", "1e-400", "2.5e+3", "123456789012345678", "1234567890123456789",
                     "9223372036854775807", "-9223372036854775808", "123456789012345678.5", "0.1", "5e-324",
                     #""""#, #""\u0000""#, #""a\u0000b""#, #""\"\\\/\b\f\n\r\t""#, #""\u00e9\u00E9 \ud83d\ude00 é 😀""#,
                     #""\\\\""#, #""x\\""#, #""\\\"""#, #""\u20ac\\u""#,
                     #"{"a":1,"b":2,"a":3}"#, #"{"b":[],"a":{},"c":[{}],"d":[[],[1,[2]]]}"#,
                     " \t\r\n{ \"k\" : [ 1 , 2 ] , \"l\" : { } } ", "{\(keys)}", "{\(keys),\"k5\":\"again\",\"new\":0}",
                     #"{"\u0041b":1,"Ab":2}"#, "[true,false,null]", String(repeating: "[", count: 2048) + String(repeating: "]", count: 2048)] {
            assertReadsAsJansson(text)
        }
    }

    func test_random_values_read_as_jansson_reads_them() {
        var generator = SplitMix64(seed: 0x4EAD)
        for _ in 0..<2_000 {
            assertReadsAsJansson(JSON.random(&generator).serialized())
        }
    }

    func test_long_strings_with_escapes_read_whole() throws {
        let long = String(repeating: "abc\\\"def\\\\", count: 10_000)
        let read = try JSON.parse("[\"\(long)\"]", field: "t")
        XCTAssertEqual(read, JSON.parsedByJansson(Array("[\"\(long)\"]".utf8)))
        XCTAssertEqual(read.arrayValue?.first?.stringValue?.utf8.count, 10_000 * 8)
    }

    func test_invalid_text_names_the_field_and_place() {
        XCTAssertThrowsError(try JSON.parse("{\"a\": tru}", field: "request")) { error in
            XCTAssertEqual((error as? BedrockError)?.message, "request: invalid JSON at line 1, column 7: invalid literal, true expected")
        }
        XCTAssertThrowsError(try JSON.parse(#"{"a\u0000": 1}"#, field: "request")) { error in
            XCTAssertTrue((error as? BedrockError)?.message.contains("NUL byte in object key not supported") == true, "\(error)")
        }
        XCTAssertThrowsError(try JSON.parse("", field: "config")) { error in
            XCTAssertEqual((error as? BedrockError)?.message, "config: empty JSON text")
        }
    }

    func test_objects_past_the_linear_search_keep_order_and_lookups() {
        var object = JSONObject()
        for index in 0..<100 { object["k\(index)"] = .int(Int64(index)) }
        object["k50"] = nil
        object["k7"] = .string("seven")
        object["k100"] = .null
        XCTAssertEqual(object.count, 100)
        XCTAssertEqual(object["k99"], .int(99))
        XCTAssertNil(object["k50"])
        XCTAssertEqual(object["k7"], .string("seven"))
        XCTAssertEqual(object.pairs.map(\.key).prefix(3), ["k0", "k1", "k2"])
        XCTAssertEqual(object.pairs.last?.key, "k100")
        for index in 0..<90 { object["k\(index)"] = nil }
        XCTAssertEqual(object.pairs.map(\.key), (90..<101).map { "k\($0)" })
        XCTAssertEqual(object["k95"], .int(95))
    }
}
