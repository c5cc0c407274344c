import CJansson
import Glibc
import XCTest

@testable import Bedrock

/// JSONWriter must write what jansson's json_dumps wrote before it, byte for byte: responses,
/// events and request bodies are compared as text by users and by the golden vectors.
final class JSONWriterTests: XCTestCase {
    private func janssonText(_ value: JSON) -> String {
        guard let tree = value.makeJansson(), let text = json_dumps(tree, Int(JSON_COMPACT | JSON_ENCODE_ANY)) else {
            return "null"
        }
        defer {
            free(text)
            json_decref(tree)
        }
        return String(cString: text)
    }

    func test_edge_values_match_jansson() {
        let doubles: [Double] = [0, -0.0, 1, 1.5, 0.1, 0.7, -2.25, 1e20, 1e21, 1e-5, 1e-7, 123456789.123, .leastNonzeroMagnitude,
                                 .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e300, 3.14159, 100, .infinity, .nan]
        let strings = ["", "plain", "quote \" backslash \\ slash /", "\u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f}\u{7f}",
                       "é 日本 😀 \u{2028}", String(repeating: "long text ", count: 50)]
        var values: [JSON] = [.null, .bool(true), .bool(false), .int(0), .int(.max), .int(.min), .int(-42),
                              .array([]), .object(JSONObject())]
        values += doubles.map(JSON.double) + strings.map(JSON.string)
        values.append(.object(JSONObject(["b": .int(1), "a": .array([.string("x"), .null]), "é\n": .object(JSONObject())])))
        for value in values {
            XCTAssertEqual(value.serialized(), janssonText(value), "\(value)")
        }
    }

    func test_random_values_match_jansson() {
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<2_000 {
            let value = JSON.random(&generator)
            XCTAssertEqual(value.serialized(), janssonText(value))
        }
    }
}
