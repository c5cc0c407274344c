import XCTest

@testable import Bedrock

final class AI21FormatTests: XCTestCase, ProviderFormatTesting {
    let format = AI21Format()
    let provider = Provider.ai21
    let model = "ai21.jamba-1-5-large-v1:0"

    let weather = ToolSpec(name: "get_weather", description: nil, inputSchema: providerJSON(#"{"type": "object"}"#))

    func test_langChainVectors_bodiesEqualExpected() throws {
        try assertVectorBodiesEqualExpected(minimum: 54)
    }

    func test_capabilities() {
        XCTAssertTrue(format.supportsTools(modelId: "ai21.jamba-1-5-mini-v1:0"))
        XCTAssertTrue(format.supportsTools(modelId: model))
        XCTAssertFalse(format.supportsTools(modelId: "ai21.jamba-instruct-v1:0"))
        XCTAssertTrue(format.supportsStopSequences(modelId: model))
    }

    /// The request from Bedrock's Jamba documentation: messages, max_tokens, temperature, top_p, stop.
    func test_requestBody_documentedShape() throws {
        var request = request([ChatMessage(role: .system, content: [.text("You are helpful.")]),
                               ChatMessage(role: .user, content: [.text("Hi")])])
        request.maxTokens = 1024
        request.temperature = 0.7
        request.topP = 0.8
        request.stop = ["##"]
        request.modelKwargs = JSONObject(["n": .int(1)])
        let body = try body(request)
        assertJSONEqual(body, providerJSON(#"""
            {"n": 1, "messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Hi"}],
             "max_tokens": 1024, "temperature": 0.7, "top_p": 0.8, "stop": ["##"]}
            """#))
    }

    func test_requestBody_noToolChoiceMember_forcedToolOfferedAlone() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])])
        request.tools = [weather, ToolSpec(name: "now", description: nil, inputSchema: providerJSON(#"{"type": "object"}"#))]
        request.toolChoice = .any
        var body = try body(request)
        XCTAssertNil(body["tool_choice"])
        XCTAssertEqual(body["tools"]?.arrayValue?.count, 2)
        request.toolChoice = .tool("now")
        body = try self.body(request)
        XCTAssertEqual(body["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue }, ["now"])
        request.toolChoice = ToolChoice.none
        body = try self.body(request)
        XCTAssertNil(body["tools"])
    }

    func test_requestBody_jambaInstruct_rejectsTools_andImagesAreRejected() {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])], model: "ai21.jamba-instruct-v1:0")
        request.tools = [weather]
        assertInvalidArgument(request, mentions: "tools", "converse")
        let image = self.request([ChatMessage(role: .user, content: [.image(mediaType: "image/png", data: "AA")])])
        assertInvalidArgument(image, mentions: "messages[0].content[0]", "image")
        let document = self.request([ChatMessage(role: .user, content: [.document(format: "pdf", name: "d", data: "AA")])])
        assertInvalidArgument(document, mentions: "messages[0].content[0]", "document")
    }

    /// The response body from Bedrock's Jamba documentation.
    func test_parseResponse_documentedBody() throws {
        let reply = try reply(#"""
            {"id": "chatcmpl-625a8c2a9ac14a4e8ce3b1d3c2e3ea1e",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! How can I help?", "tool_calls": null},
                          "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 92, "completion_tokens": 18, "total_tokens": 110},
             "meta": {"requestDurationMillis": 288}, "model": "jamba-instruct"}
            """#)
        XCTAssertEqual(reply, ProviderReply(blocks: [.text("Hello! How can I help?")], providerStopReason: "stop",
                                            usage: ChatUsage(inputTokens: 92, outputTokens: 18)))
    }

    func test_parseResponse_toolCalls() throws {
        let reply = try reply(#"""
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}},
                {"id": "call_2", "type": "function", "function": {"name": "now", "arguments": ""}}]},
              "finish_reason": "tool_calls"}]}
            """#)
        XCTAssertEqual(reply.blocks, [.toolUse(id: "call_1", name: "get_weather", input: providerJSON(#"{"city": "Oslo"}"#)),
                                      .toolUse(id: "call_2", name: "now", input: providerJSON("{}"))])
        XCTAssertEqual(reply.providerStopReason, "tool_calls")
    }

    func test_parseResponse_malformed_isProtocolError() {
        for body in [#"{}"#, #"{"choices": []}"#, #"{"choices": [{"finish_reason": "stop"}]}"#,
                     #"{"choices": [{"message": {"content": 3}}]}"#,
                     #"{"choices": [{"message": {"tool_calls": [{"id": "x", "function": {}}]}}]}"#] {
            assertProtocolError(try reply(body))
        }
    }

    func test_stream_deltasAndFinalUsage() throws {
        let result = try streamed([
            #"{"id": "c", "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": null}]}"#,
            #"{"id": "c", "choices": [{"index": 0, "delta": {"content": "Hel"}, "finish_reason": null}]}"#,
            #"{"id": "c", "choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}}"#,
        ])
        XCTAssertEqual(result.deltas, [.text(index: 0, text: "Hel"), .text(index: 0, text: "lo"), .stop(providerReason: "stop"),
                                       .usage(ChatUsage(inputTokens: 9, outputTokens: 2))])
    }
}
