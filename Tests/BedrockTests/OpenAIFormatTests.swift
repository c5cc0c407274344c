import XCTest

@testable import Bedrock

final class OpenAIFormatTests: XCTestCase, ProviderFormatTesting {
    let format = OpenAIFormat()
    let provider = Provider.openai
    let model = "openai.gpt-oss-120b-1:0"

    func test_langChainVectors_bodiesEqualExpected() throws {
        try assertVectorBodiesEqualExpected(minimum: 54)
    }

    func test_capabilities() {
        XCTAssertTrue(format.supportsTools(modelId: model))
        XCTAssertTrue(format.supportsStopSequences(modelId: model))
    }

    func test_requestBody_keysAndToolChoices() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])])
        request.maxTokens = 300
        request.stop = ["END"]
        request.tools = [ToolSpec(name: "f", description: "F.", inputSchema: providerJSON(#"{"type": "object"}"#))]
        let cases: [(ToolChoice?, JSON?)] = [
            (nil, nil), (.auto, .string("auto")), (.any, .string("required")), (ToolChoice.none, .string("none")),
            (.tool("f"), providerJSON(#"{"type": "function", "function": {"name": "f"}}"#)),
        ]
        for (choice, expected) in cases {
            request.toolChoice = choice
            let body = try body(request, stream: true)
            XCTAssertEqual(body["tool_choice"], expected, "\(String(describing: choice))")
            XCTAssertEqual(body["max_completion_tokens"], .int(300))
            XCTAssertEqual(body["stop"], providerJSON(#"["END"]"#))
            XCTAssertNil(body["stop_sequences"])
            XCTAssertNil(body["stream"])
            assertJSONEqual(body["tools"] ?? .null, providerJSON(#"[{"type": "function", "function": {"name": "f", "description": "F.", "parameters": {"type": "object"}}}]"#))
        }
    }

    /// Anthropic-style tool results inside a user message become tool messages ahead of the
    /// user's text; blank blocks and earlier reasoning are not sent.
    func test_requestBody_toolResultsInUserMessage_reasoningAndBlankBlocksDropped() throws {
        let request = request([
            ChatMessage(role: .user, content: [.text("Time?")]),
            ChatMessage(role: .assistant, content: [.reasoning(text: "Need the tool.", signature: nil), .text(" "),
                                                    .toolUse(id: "call_9", name: "now", input: providerJSON(#"{"tz": "Europe/Zürich", "x": 0.5}"#))]),
            ChatMessage(role: .user, content: [.toolResult(toolUseId: "call_9", content: [.text("12:00"), .text("\n")], isError: false),
                                               .text("Thanks, and the date?")]),
        ])
        let body = try body(request)
        assertJSONEqual(body, providerJSON(#"""
            {"messages": [
              {"role": "user", "content": "Time?"},
              {"role": "assistant", "tool_calls": [{"type": "function", "id": "call_9",
                 "function": {"name": "now", "arguments": "{\"tz\": \"Europe/Zürich\", \"x\": 0.5}"}}], "content": ""},
              {"role": "tool", "tool_call_id": "call_9", "content": "12:00"},
              {"role": "user", "content": "Thanks, and the date?"}]}
            """#))
    }

    func test_requestBody_misplacedBlocks_areInvalidArguments() {
        let toolUseFromUser = request([ChatMessage(role: .user, content: [.toolUse(id: "a", name: "f", input: providerJSON("{}"))])])
        assertInvalidArgument(toolUseFromUser, mentions: "messages[0].content[0]", "tool_use")
        let bareTool = request([ChatMessage(role: .tool, content: [.text("42")])])
        assertInvalidArgument(bareTool, mentions: "messages[0]", "tool_result")
        let image = request([ChatMessage(role: .user, content: [.image(mediaType: "image/png", data: "AA")])])
        assertInvalidArgument(image, mentions: "messages[0].content[0]", "image")
        var unknownChoice = request([ChatMessage(role: .user, content: [.text("Hi")])])
        unknownChoice.tools = [ToolSpec(name: "f", description: nil, inputSchema: providerJSON("{}"))]
        unknownChoice.toolChoice = .tool("g")
        assertInvalidArgument(unknownChoice, mentions: "tool_choice", "g")
    }

    func test_pythonJSON_matchesJsonDumpsEnsureAsciiFalse() {
        XCTAssertEqual(PythonJSON.text(providerJSON(#"{"a": [1, 2.5, true, null, {}], "b": "é\"\\\n\u0001", "c": 1e-05, "d": 1e16}"#)),
                       #"{"a": [1, 2.5, true, null, {}], "b": "é\"\\\n\u0001", "c": 1e-05, "d": 1e+16}"#)
        XCTAssertEqual(PythonJSON.text(.string("😀\u{7F}")), "\"😀\u{7F}\"")
    }

    /// gpt-oss on InvokeModel puts its reasoning first in the content, between tags.
    func test_parseResponse_reasoningTagsAndUsage() throws {
        let reply = try reply(#"""
            {"id": "chatcmpl-1", "object": "chat.completion", "created": 1754000000, "model": "openai.gpt-oss-120b-1:0",
             "choices": [{"index": 0, "message": {"role": "assistant",
               "content": "<reasoning>User greets. Reply briefly.</reasoning>Hello there!"}, "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 15, "completion_tokens": 12, "total_tokens": 27}}
            """#)
        XCTAssertEqual(reply, ProviderReply(
            blocks: [.reasoning(text: "User greets. Reply briefly.", signature: nil), .text("Hello there!")],
            providerStopReason: "stop", usage: ChatUsage(inputTokens: 15, outputTokens: 12)))
    }

    func test_parseResponse_reasoningField_nullContentAtLength_andTextWithoutTags() throws {
        let cutOff = try reply(#"""
            {"choices": [{"message": {"role": "assistant", "content": null, "reasoning_content": "Thinking..."}, "finish_reason": "length"}]}
            """#)
        XCTAssertEqual(cutOff, ProviderReply(blocks: [.reasoning(text: "Thinking...", signature: nil)], providerStopReason: "length"))
        let plain = try reply(#"{"choices": [{"message": {"content": "a <b> c"}, "finish_reason": "stop"}]}"#)
        XCTAssertEqual(plain.blocks, [.text("a <b> c")])
    }

    func test_parseResponse_toolCallWithInvalidArguments_keepsTheText() throws {
        let reply = try reply(#"""
            {"choices": [{"message": {"content": "", "tool_calls": [{"id": "c1", "type": "function",
               "function": {"name": "f", "arguments": "{not json"}}]}, "finish_reason": "tool_calls"}]}
            """#)
        XCTAssertEqual(reply.blocks, [.toolUse(id: "c1", name: "f", input: .string("{not json"))])
    }

    /// OpenAI streams tool calls by index: the first fragment has id and name, later ones only
    /// pieces of the arguments; two calls interleave.
    func test_stream_toolCallsByIndex_argumentsSplitOverChunks() throws {
        let result = try streamed([
            #"{"choices": [{"index": 0, "delta": {"role": "assistant", "content": "<reasoning>Two lookups.</reasoning>"}, "finish_reason": null}]}"#,
            #"{"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}, "finish_reason": null}]}"#,
            #"{"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\": "}}]}, "finish_reason": null}]}"#,
            #"{"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 1, "id": "call_b", "type": "function", "function": {"name": "now", "arguments": "{}"}}]}, "finish_reason": null}]}"#,
            #"{"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "\"Oslo\"}"}}]}, "finish_reason": null}]}"#,
            #"{"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}"#,
            #"{"choices": [], "usage": {"prompt_tokens": 30, "completion_tokens": 20, "total_tokens": 50}}"#,
        ])
        XCTAssertEqual(result.deltas, [
            .reasoning(index: 0, text: "Two lookups."),
            .toolCallStart(index: 1, id: "call_a", name: "get_weather"),
            .toolCallDelta(index: 1, args: "{\"city\": "),
            .toolCallStart(index: 2, id: "call_b", name: "now"),
            .toolCallDelta(index: 2, args: "{}"),
            .toolCallDelta(index: 1, args: "\"Oslo\"}"),
            .stop(providerReason: "tool_calls"),
            .usage(ChatUsage(inputTokens: 30, outputTokens: 20)),
        ])
        XCTAssertEqual(result.blocks, [
            .reasoning(text: "Two lookups.", signature: nil),
            .toolUse(id: "call_a", name: "get_weather", input: providerJSON(#"{"city": "Oslo"}"#)),
            .toolUse(id: "call_b", name: "now", input: providerJSON("{}")),
        ])
    }

    func test_stream_reasoningTagSplitAcrossChunks_textAtItsOwnIndex() throws {
        let result = try streamed([
            #"{"choices": [{"index": 0, "delta": {"content": "<reas"}, "finish_reason": null}]}"#,
            #"{"choices": [{"index": 0, "delta": {"content": "oning>Hm.</reaso"}, "finish_reason": null}]}"#,
            #"{"choices": [{"index": 0, "delta": {"content": "ning>Hi"}, "finish_reason": null}]}"#,
            #"{"choices": [{"index": 0, "delta": {"content": "!"}, "finish_reason": "stop"}]}"#,
        ])
        XCTAssertEqual(result.deltas, [.reasoning(index: 0, text: "Hm."), .text(index: 1, text: "Hi"), .text(index: 1, text: "!"),
                                       .stop(providerReason: "stop")])
        let plain = try streamed([
            #"{"choices": [{"index": 0, "delta": {"content": "No"}, "finish_reason": null}]}"#,
            #"{"choices": [{"index": 0, "delta": {"content": " tags"}, "finish_reason": "stop"}]}"#,
        ])
        XCTAssertEqual(plain.deltas, [.text(index: 0, text: "No"), .text(index: 0, text: " tags"), .stop(providerReason: "stop")])
    }

    /// However the content is cut into chunks, the stream adds up to the whole-body parse.
    func test_stream_everySplitPoint_matchesWholeBodyParse() throws {
        for content in ["<reasoning>Why.</reasoning>\n\nBecause.", " <reasoning>a</reasoning>", "plain <reasoning>x</reasoning>", "<reason"] {
            let whole = try format.parseResponse(.object(JSONObject(["choices": .array([.object(JSONObject([
                "message": .object(JSONObject(["content": .string(content)])), "finish_reason": .string("stop")]))])])),
                                                 modelId: model)
            let scalars = Array(content.unicodeScalars)
            for split in 0...scalars.count {
                let parts = [String(String.UnicodeScalarView(scalars[..<split])), String(String.UnicodeScalarView(scalars[split...]))]
                let chunks: [JSON] = parts.enumerated().map { position, part in
                    .object(JSONObject(["choices": .array([.object(JSONObject([
                        "delta": .object(JSONObject(["content": .string(part)])),
                        "finish_reason": position == 1 ? .string("stop") : .null]))])]))
                }
                let streamed = try FormatStreamResult(format: format, modelId: model, chunks: chunks)
                XCTAssertEqual(streamed.blocks, whole.blocks, "\(content) split at \(split)")
            }
        }
    }

    func test_stream_toolCallWithoutName_isProtocolError() {
        assertProtocolError(try streamed([#"{"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{"}}]}}]}"#]))
        assertProtocolError(try streamed(["[1]"]))
    }
}
