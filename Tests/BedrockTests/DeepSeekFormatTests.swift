import XCTest

@testable import Bedrock

final class DeepSeekFormatTests: XCTestCase, ProviderFormatTesting {
    let format = DeepSeekFormat()
    let provider = Provider.deepseek
    let model = "deepseek.r1-v1:0"

    func test_langChainVectors_bodiesEqualExpected() throws {
        try assertVectorBodiesEqualExpected(minimum: 18)
    }

    func test_capabilities() {
        XCTAssertFalse(format.supportsTools(modelId: model))
        XCTAssertTrue(format.supportsStopSequences(modelId: model))
    }

    func test_requestBody_documentedKeys_stopUnderStop() throws {
        var request = request([ChatMessage(role: .system, content: [.text("Think.")]), ChatMessage(role: .user, content: [.text("2+2?")])],
                              model: "us." + model)
        request.maxTokens = 512
        request.temperature = 0.6
        request.topP = 0.95
        request.stop = ["<|end|>"]
        let body = try body(request)
        assertJSONEqual(body, providerJSON(#"""
            {"prompt": "\n<|begin_of_sentence|><|System|>Think.<|User|>2+2?<|Assistant|>\n\n",
             "max_tokens": 512, "temperature": 0.6, "top_p": 0.95, "stop": ["<|end|>"]}
            """#))
        request.topK = 3
        assertInvalidArgument(request, mentions: "top_k")
    }

    /// R1's reasoning ends with `</think>`, with or without the opening tag.
    func test_parseResponse_splitsReasoningFromTheAnswer() throws {
        let withoutOpenTag = try reply(#"""
            {"choices": [{"text": "The user wants a sum.\n</think>\n\n2 + 2 = 4.", "stop_reason": "stop"}]}
            """#)
        XCTAssertEqual(withoutOpenTag, ProviderReply(
            blocks: [.reasoning(text: "The user wants a sum.\n", signature: nil), .text("2 + 2 = 4.")], providerStopReason: "stop"))

        let withOpenTag = try reply(#"""
            {"choices": [{"text": "<think>\nAdd them.\n</think>\n\n4", "stop_reason": "stop"}]}
            """#)
        XCTAssertEqual(withOpenTag.blocks, [.reasoning(text: "Add them.\n", signature: nil), .text("4")])
    }

    func test_parseResponse_noTags_isAllText_truncatedReasoningIsAllReasoning() throws {
        let plain = try reply(#"{"choices": [{"text": "Just 4.", "stop_reason": "stop"}]}"#)
        XCTAssertEqual(plain.blocks, [.text("Just 4.")])
        let truncated = try reply(#"{"choices": [{"text": "<think>Let me see", "stop_reason": "length"}]}"#)
        XCTAssertEqual(truncated, ProviderReply(blocks: [.reasoning(text: "Let me see", signature: nil)], providerStopReason: "length"))
    }

    func test_parseResponse_malformed_isProtocolError() {
        assertProtocolError(try reply(#"{"choices": []}"#))
        assertProtocolError(try reply(#"{"choices": [{"stop_reason": "stop"}]}"#))
    }

    /// The closing tag split over two chunks, without an opening tag: reasoning is held until
    /// the tag, then the answer streams.
    func test_stream_closingTagSplitAcrossChunks() throws {
        let result = try streamed([
            #"{"choices": [{"text": "Sum of", "stop_reason": null}]}"#,
            #"{"choices": [{"text": " two.\n</th", "stop_reason": null}]}"#,
            #"{"choices": [{"text": "ink>\n\nFo", "stop_reason": null}]}"#,
            #"{"choices": [{"text": "ur.", "stop_reason": "stop"}]}"#,
        ])
        XCTAssertEqual(result.deltas, [
            .reasoning(index: 0, text: "Sum of two.\n"),
            .text(index: 1, text: "Fo"),
            .text(index: 1, text: "ur."),
            .stop(providerReason: "stop"),
        ])
    }

    /// With the opening tag, reasoning streams as it comes, holding back only a possible tag start.
    func test_stream_openTag_streamsReasoningLive() throws {
        let result = try streamed([
            #"{"choices": [{"text": "<thi", "stop_reason": null}]}"#,
            #"{"choices": [{"text": "nk>\nStep one. <", "stop_reason": null}]}"#,
            #"{"choices": [{"text": "/think>Done", "finish_reason": "eos_token"}]}"#,
        ])
        XCTAssertEqual(result.deltas, [
            .reasoning(index: 0, text: "Step one. "),
            .text(index: 1, text: "Done"),
            .stop(providerReason: "eos_token"),
        ])
    }

    func test_stream_withoutAnyTag_flushesTextAtTheStop() throws {
        let result = try streamed([
            #"{"choices": [{"text": "Plain", "stop_reason": null}]}"#,
            #"{"choices": [{"text": " answer.", "stop_reason": "stop"}]}"#,
        ])
        XCTAssertEqual(result.deltas, [.text(index: 0, text: "Plain answer."), .stop(providerReason: "stop")])
    }

    /// Whatever the chunking, the stream adds up to what the whole-body parse returns.
    func test_stream_everySplitPoint_matchesWholeBodyParse() throws {
        for text in ["Reason.\n</think>\n\nAnswer <b>bold</b>.", "<think> a </think> b", "no tags < here", "<think>cut off", "  <thin"] {
            let whole = try format.parseResponse(.object(JSONObject(["choices": .array([.object(JSONObject([
                "text": .string(text), "stop_reason": .string("stop")]))])])), modelId: model)
            let scalars = Array(text.unicodeScalars)
            for split in 0...scalars.count {
                let parts = [String(String.UnicodeScalarView(scalars[..<split])), String(String.UnicodeScalarView(scalars[split...]))]
                let chunks: [JSON] = parts.enumerated().map { position, part in
                    .object(JSONObject(["choices": .array([.object(JSONObject([
                        "text": .string(part), "stop_reason": position == 1 ? .string("stop") : .null]))])]))
                }
                let streamed = try FormatStreamResult(format: format, modelId: model, chunks: chunks)
                XCTAssertEqual(streamed.blocks, whole.blocks, "\(text) split at \(split)")
            }
        }
    }
}
