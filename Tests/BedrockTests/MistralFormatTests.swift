import XCTest

@testable import Bedrock

final class MistralFormatTests: XCTestCase, ProviderFormatTesting {
    let format = MistralFormat()
    let provider = Provider.mistral
    let chatModel = "mistral.mistral-large-2407-v1:0"
    let promptModel = "mistral.mixtral-8x7b-instruct-v0:1"
    var model: String { chatModel }

    let weather = ToolSpec(name: "get_weather", description: "Weather for a city.",
                           inputSchema: providerJSON(#"{"type": "object", "properties": {"city": {"type": "string"}}}"#))

    func test_langChainVectors_bodiesEqualExpected() throws {
        try assertVectorBodiesEqualExpected(minimum: 128)
    }

    func test_variant_isChosenFromTheModelId() {
        XCTAssertTrue(MistralFormat.isChatModel("mistral.mistral-large-2407-v1:0"))
        XCTAssertTrue(MistralFormat.isChatModel("mistral.pixtral-large-2502-v1:0"))
        for model in ["mistral.mistral-7b-instruct-v0:2", "mistral.mixtral-8x7b-instruct-v0:1",
                      "mistral.mistral-large-2402-v1:0", "mistral.mistral-small-2402-v1:0"] {
            XCTAssertFalse(MistralFormat.isChatModel(model), model)
            XCTAssertFalse(format.supportsTools(modelId: model), model)
            XCTAssertTrue(format.supportsStopSequences(modelId: model), model)
        }
        XCTAssertTrue(format.supportsTools(modelId: chatModel))
    }

    func test_promptModel_body_usesDocumentedKeys() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])], model: promptModel)
        request.maxTokens = 50
        request.topK = 40
        request.topP = 0.9
        request.stop = ["</s>"]
        let body = try body(request)
        assertJSONEqual(body, providerJSON(#"""
            {"prompt": "[INST] Hi [/INST]", "max_tokens": 50, "top_p": 0.9, "top_k": 40, "stop": ["</s>"]}
            """#))
    }

    func test_chatModel_body_toolConversation() throws {
        var request = request([
            ChatMessage(role: .system, content: [.text("Use tools.")]),
            ChatMessage(role: .user, content: [.text("Weather in Paris?")]),
            ChatMessage(role: .assistant, content: [.toolUse(id: "D681PevKs", name: "get_weather", input: providerJSON(#"{"city": "Paris"}"#))]),
            ChatMessage(role: .tool, content: [.toolResult(toolUseId: "D681PevKs", content: [.text("18 C")], isError: false)]),
        ])
        request.tools = [weather]
        request.toolChoice = .any
        request.maxTokens = 100
        let body = try body(request)
        assertJSONEqual(body, providerJSON(#"""
            {"messages": [
               {"role": "system", "content": "Use tools."},
               {"role": "user", "content": "Weather in Paris?"},
               {"role": "assistant", "tool_calls": [{"type": "function", "id": "D681PevKs",
                  "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}], "content": ""},
               {"role": "tool", "tool_call_id": "D681PevKs", "content": "18 C"}],
             "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city.",
                        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
             "tool_choice": "any", "max_tokens": 100}
            """#))
    }

    func test_chatModel_foreignToolCallIds_becomeNineCharacterIds_consistently() throws {
        let foreign = "tooluse_Xy7-aBcDeFgHiJk"
        let request = request([
            ChatMessage(role: .user, content: [.text("Weather?")]),
            ChatMessage(role: .assistant, content: [.toolUse(id: foreign, name: "get_weather", input: providerJSON("{}"))]),
            ChatMessage(role: .tool, content: [.toolResult(toolUseId: foreign, content: [.text("sunny")], isError: false)]),
        ])
        let body = try body(request)
        let messages = try XCTUnwrap(body["messages"]?.arrayValue)
        let callId = try XCTUnwrap(messages[1]["tool_calls"]?.arrayValue?.first?["id"]?.stringValue)
        XCTAssertEqual(callId, MistralToolCallId.make(foreign))
        XCTAssertEqual(messages[2]["tool_call_id"]?.stringValue, callId)
        XCTAssertEqual(callId.count, 9)
        XCTAssertTrue(callId.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) })
        XCTAssertNotEqual(MistralToolCallId.make("a"), MistralToolCallId.make("b"))
        XCTAssertEqual(MistralToolCallId.make("abcDEF123"), "abcDEF123")
    }

    func test_chatModel_namedToolChoice_offersOnlyThatToolAndForcesACall() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])])
        request.tools = [weather, ToolSpec(name: "get_time", description: nil, inputSchema: providerJSON(#"{"type": "object"}"#))]
        request.toolChoice = .tool("get_time")
        let body = try body(request)
        XCTAssertEqual(body["tool_choice"], .string("any"))
        XCTAssertEqual(body["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue }, ["get_time"])

        request.toolChoice = .tool("missing")
        assertInvalidArgument(request, mentions: "tool_choice", "missing")
    }

    func test_images_onlyForPixtral() throws {
        let messages = [ChatMessage(role: .user, content: [.text("What is it?"), .image(mediaType: "image/jpeg", data: "/9j/")])]
        let body = try body(request(messages, model: "mistral.pixtral-large-2502-v1:0"))
        assertJSONEqual(body, providerJSON(#"""
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "What is it?"},
               {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/"}}]}]}
            """#))
        assertInvalidArgument(request(messages), mentions: "messages[0].content[1]", "image")
        assertInvalidArgument(request(messages, model: promptModel), mentions: "messages[0].content[1]", "image")
    }

    func test_chatModel_topK_isInvalidArgument() {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])])
        request.topK = 5
        assertInvalidArgument(request, mentions: "top_k")
    }

    func test_promptModel_tools_areInvalidArgument() {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])], model: promptModel)
        request.tools = [weather]
        assertInvalidArgument(request, mentions: "tools", "converse")
    }

    /// The text-completion response body from Bedrock's Mistral documentation.
    func test_promptModel_parseResponse() throws {
        let reply = try reply(#"{"outputs": [{"text": " Paris.", "stop_reason": "stop"}]}"#, model: promptModel)
        XCTAssertEqual(reply, ProviderReply(blocks: [.text(" Paris.")], providerStopReason: "stop"))
        assertProtocolError(try self.reply(#"{"outputs": []}"#, model: promptModel))
    }

    /// The chat-completion response body as Bedrock documents it for Mistral Large (24.07):
    /// `stop_reason` inside the choice, tool calls with arguments as JSON text.
    func test_chatModel_parseResponse_toolCalls() throws {
        let reply = try reply(#"""
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": "",
               "tool_calls": [{"id": "D681PevKs", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
               "stop_reason": "tool_calls"}]}
            """#)
        XCTAssertEqual(reply, ProviderReply(blocks: [.toolUse(id: "D681PevKs", name: "get_weather", input: providerJSON(#"{"city": "Paris"}"#))],
                                            providerStopReason: "tool_calls"))
    }

    func test_chatModel_parseResponse_textFinishReasonAndUsage() throws {
        let reply = try reply(#"""
            {"id": "c1", "object": "chat.completion", "model": "mistral-large-2407",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": "Bonjour", "tool_calls": null}, "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 10, "total_tokens": 14, "completion_tokens": 4}}
            """#)
        XCTAssertEqual(reply, ProviderReply(blocks: [.text("Bonjour")], providerStopReason: "stop",
                                            usage: ChatUsage(inputTokens: 10, outputTokens: 4)))
    }

    func test_promptModel_stream() throws {
        let result = try streamed([
            #"{"outputs": [{"text": " Par", "stop_reason": null}]}"#,
            #"{"outputs": [{"text": "is.", "stop_reason": "stop"}]}"#,
        ], model: promptModel)
        XCTAssertEqual(result.deltas, [.text(index: 0, text: " Par"), .text(index: 0, text: "is."), .stop(providerReason: "stop")])
    }

    /// Mistral's chat models stream whole messages per chunk on Bedrock; a tool call whose
    /// arguments come in pieces still assembles into one call.
    func test_chatModel_stream_messageChunksWithSplitToolCallArguments() throws {
        let result = try streamed([
            #"{"choices": [{"index": 0, "message": {"role": "assistant", "content": "Checking"}, "stop_reason": null}]}"#,
            #"{"choices": [{"index": 0, "message": {"role": "assistant", "content": "", "tool_calls": [{"index": 0, "id": "D681PevKs", "function": {"name": "get_weather", "arguments": "{\"ci"}}]}, "stop_reason": null}]}"#,
            #"{"choices": [{"index": 0, "message": {"role": "assistant", "tool_calls": [{"index": 0, "function": {"arguments": "ty\": \"Paris\"}"}}]}, "stop_reason": "tool_calls"}]}"#,
        ])
        XCTAssertEqual(result.deltas, [
            .text(index: 0, text: "Checking"),
            .toolCallStart(index: 1, id: "D681PevKs", name: "get_weather"),
            .toolCallDelta(index: 1, args: "{\"ci"),
            .toolCallDelta(index: 1, args: "ty\": \"Paris\"}"),
            .stop(providerReason: "tool_calls"),
        ])
        XCTAssertEqual(result.blocks, [.text("Checking"), .toolUse(id: "D681PevKs", name: "get_weather", input: providerJSON(#"{"city": "Paris"}"#))])
    }
}
