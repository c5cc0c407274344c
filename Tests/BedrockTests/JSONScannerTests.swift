import XCTest

@testable import Bedrock

/// JSONScanner against jansson (`JSON.parse`): text passed on unparsed must be text that
/// jansson, and so the caller, would accept.
final class JSONScannerTests: XCTestCase {
    private func scans(_ bytes: [UInt8]) -> Bool { (try? JSONText(checking: bytes)) != nil }
    private func parses(_ bytes: [UInt8]) -> Bool { JSON.parsedByJansson(bytes) != nil }

    private func assertAgrees(_ bytes: [UInt8], valid: Bool, file: StaticString = #filePath, line: UInt = #line) {
        let shown = String(decoding: bytes.prefix(60), as: UTF8.self)
        XCTAssertEqual(scans(bytes), valid, "scanner on \(shown)", file: file, line: line)
        XCTAssertEqual(parses(bytes), valid, "jansson on \(shown)", file: file, line: line)
    }

    func test_valid_texts() {
        for text in ["{}", "[]", "0", "-0", "1.5e10", "-2.25E-3", "\"a\"", "true", "false", "null", " \t\r\n{ } ",
                     #"{"a":[1,{"b":null}],"c":"\u00e9\ud83d\ude00 é 日本 😀","d":-12}"#, #""\u0000""#,
                     #"["\"\\\/\b\f\n\r\t"]"#, "9223372036854775807", "-9223372036854775808", "1e-400",
                     "123456789012345678.5", #"{"k" : [ 1 , 2 ] , "l" : { } }"#] {
            assertAgrees(Array(text.utf8), valid: true)
        }
    }

    func test_invalid_texts() {
        for text in ["", " ", "{", "}", "{\"a\"}", "{\"a\":}", "[1,]", "{\"a\":1,}", "{,}", "[,1]", "01", "1.", ".5", "1e",
                     "-", "+1", "tru", "nul", "truex", "\"abc", #""\x""#, #""\u12""#, #""\u12G4""#, #""\ud800""#,
                     #""\udc00""#, #""\ud800\u0041""#, #""\ud800x""#, "[] []", "{\"a\":1}x", "{1:2}", "['a']",
                     "9223372036854775808", "-9223372036854775809", "1e400", "-1e400", "[1 2]", "{\"a\" 1}"] {
            assertAgrees(Array(text.utf8), valid: false)
        }
    }

    func test_bytes_jansson_rejects_are_rejected() {
        let quote = UInt8(ascii: "\"")
        for inner: [UInt8] in [[0x00], [0x1F], [0x0A], [0xC0, 0x80], [0xC1, 0xBF], [0x80], [0xE2, 0x82], [0xED, 0xA0, 0x80],
                               [0xE0, 0x80, 0x80], [0xF0, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
                               [0xFF], [0xE2, 0x28, 0xA1]] {
            assertAgrees([quote] + inner + [quote], valid: false)
        }
        for inner: [UInt8] in [[0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEF, 0xBF, 0xBF],
                               [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0x7F]] {
            assertAgrees([quote] + inner + [quote], valid: true)
        }
        assertAgrees(Array("{\"a\":1}".utf8) + [0], valid: false)
    }

    /// The 8-byte fast path: a byte that needs a look, at every position of a long string.
    func test_every_position_of_a_special_byte_in_a_long_string() {
        let specials: [(bytes: [UInt8], valid: Bool)] = [
            ([UInt8(ascii: "\"")], false), ([UInt8(ascii: "\\"), UInt8(ascii: "n")], true), ([0x01], false),
            ([0xC3, 0xA9], true), ([0xC3], false), ([0x7F], true), ([0x20], true), ([0x1F], false)]
        for (special, valid) in specials {
            for position in 0..<24 {
                var inner = [UInt8](repeating: UInt8(ascii: "a"), count: 24)
                inner.replaceSubrange(position..<position + 1, with: special)
                assertAgrees([UInt8(ascii: "\"")] + inner + [UInt8(ascii: "\"")], valid: valid)
            }
        }
    }

    func test_nesting_limit_is_janssons() {
        for depth in [2047, 2048, 2049] {
            let text = Array(String(repeating: "[", count: depth).utf8) + Array(String(repeating: "]", count: depth).utf8)
            assertAgrees(text, valid: depth <= JSONScanner.maximumDepth)
        }
        // jansson counts a scalar's depth too: a number inside 2048 arrays is one too deep.
        for (depth, inner) in [(2047, "1"), (2048, "1"), (2048, "\"x\""), (2048, "")] {
            let text = Array((String(repeating: "[", count: depth) + inner + String(repeating: "]", count: depth)).utf8)
            assertAgrees(text, valid: depth + (inner.isEmpty ? 0 : 1) <= JSONScanner.maximumDepth)
        }
        let objects = Array((String(repeating: #"{"a":"#, count: 2048) + "1" + String(repeating: "}", count: 2048)).utf8)
        assertAgrees(objects, valid: false)
        // Far deeper than any stack would allow a recursive parser.
        XCTAssertFalse(scans(Array(String(repeating: "[", count: 1_000_000).utf8)))
    }

    func test_error_names_the_field_line_and_column() {
        XCTAssertThrowsError(try JSONText(Array("{\n  \"a\": 1,\n}".utf8), field: "request")) { error in
            let error = error as? BedrockError
            XCTAssertEqual(error?.status, .invalidArgument)
            XCTAssertEqual(error?.message, "request: invalid JSON at line 3, column 1: a string expected as an object key")
        }
    }

    func test_members_and_their_removal() throws {
        var text = try JSONText(checking: Array(#"{"p":"pad", "a" : [1, {"p": 2}],"b":"x","p":"again"}"#.utf8))
        XCTAssertEqual(text.member("a").map { String(decoding: $0, as: UTF8.self) }, #"[1, {"p": 2}]"#)
        XCTAssertEqual(text.member("b").map { String(decoding: $0, as: UTF8.self) }, #""x""#)
        XCTAssertNil(text.member("c"))
        text.removeMember("p")
        XCTAssertEqual(text.text, #"{"a" : [1, {"p": 2}],"b":"x"}"#)
        text.removeMember("b")
        XCTAssertEqual(text.text, #"{"a" : [1, {"p": 2}]}"#)
        text.removeMember("a")
        XCTAssertEqual(try JSON.parse(text.bytes, field: "t"), .object(JSONObject()))

        var escaped = try JSONText(checking: Array(#"{"a":1,"\u0070":"pad"}"#.utf8))
        escaped.removeMember("p")
        XCTAssertEqual(escaped.text, #"{"a":1}"#)
        // A key is what its escapes read as, not its raw bytes.
        let newline = try JSONText(checking: Array(#"{"\n":1}"#.utf8))
        XCTAssertNil(newline.member(#"\n"#))
        XCTAssertEqual(newline.member("\n").map { Array($0) }, Array("1".utf8))
        XCTAssertNil(try JSONText(checking: Array("[1]".utf8)).member("a"))
        XCTAssertEqual(try JSONText(checking: Array("[1]".utf8)).typeName, "an array")
    }

    func test_removal_keeps_every_other_member_as_jansson_reads_it() throws {
        let text = #"{"modelId":"m","messages":[{"role":"user","content":[{"text":"hi"}]}],"inferenceConfig":{"maxTokens":5}}"#
        for name in ["modelId", "messages", "inferenceConfig"] {
            var scanned = try JSONText(checking: Array(text.utf8))
            scanned.removeMember(name)
            guard case .object(var object) = try JSON.parse(text, field: "t") else { return XCTFail("not an object") }
            object[name] = nil
            XCTAssertEqual(try JSON.parse(scanned.bytes, field: "t"), .object(object), name)
        }
    }
}
