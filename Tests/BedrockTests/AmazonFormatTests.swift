import XCTest
@testable import Bedrock

/// Titan Text (bodies against ChatBedrock's) and Nova (bodies against AWS's documented
/// messages-v1 schema), plus replies and stream chunks shaped as AWS documents them.
final class AmazonFormatTests: XCTestCase, ProviderFormatTesting {
    let format = AmazonFormat()
    let provider = Provider.amazon
    let titan = "amazon.titan-text-express-v1"
    let nova = "amazon.nova-lite-v1:0"
    var model: String { titan }

    // MARK: - Vectors

    func test_titanVectors_bodiesEqualLangChains() throws {
        try assertVectorBodiesEqualExpected(minimum: 5) { $0.model.hasPrefix("amazon.titan") }
    }

    func test_novaVectors_bodiesEqualDocumentedSchema() throws {
        try assertVectorBodiesEqualExpected(minimum: 7) { $0.model.hasPrefix("amazon.nova") }
    }

    // MARK: - Model families

    func test_family_novaIdsAndArnsAreNova_restTitan() {
        XCTAssertEqual(AmazonFormat.family(modelId: "amazon.nova-pro-v1:0"), .nova)
        XCTAssertEqual(AmazonFormat.family(modelId: "amazon.nova-2-lite-v1:0"), .nova)
        XCTAssertEqual(AmazonFormat.family(modelId: "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abc"), .nova)
        XCTAssertEqual(AmazonFormat.family(modelId: "amazon.titan-text-premier-v1:0"), .titanText)
        XCTAssertEqual(AmazonFormat.family(modelId: "amazon.titan-text-lite-v1"), .titanText)
    }

    func test_supportsTools_novaOnly_stopSequencesBoth() {
        XCTAssertTrue(format.supportsTools(modelId: nova))
        XCTAssertFalse(format.supportsTools(modelId: titan))
        XCTAssertTrue(format.supportsStopSequences(modelId: nova))
        XCTAssertTrue(format.supportsStopSequences(modelId: titan))
    }

    func test_novaSchemaVersion_isMessagesV1() {
        XCTAssertEqual(AmazonFormat.novaSchemaVersion, "messages-v1")
    }

    // MARK: - Titan requests

    func test_titanTools_isInvalidArgument() {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])], model: titan)
        request.tools = [ToolSpec(name: "f", description: nil, inputSchema: .object(JSONObject()))]
        assertInvalidArgument(request, mentions: "tools")
        request.tools = []
        request.responseSchema = ToolSpec(name: "Answer", description: nil, inputSchema: .object(JSONObject()))
        assertInvalidArgument(request, mentions: "response_schema")
    }

    func test_titanTopK_isInvalidArgument() {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])], model: titan)
        request.topK = 5
        assertInvalidArgument(request, mentions: "top_k")
    }

    func test_titanToolMessageAndImage_areInvalidArgument() {
        assertInvalidArgument(request([ChatMessage(role: .user, content: [.text("Hi")]),
                                       ChatMessage(role: .tool, content: [.toolResult(toolUseId: "t", content: [], isError: false)])],
                                      model: titan), mentions: "messages[1]")
        assertInvalidArgument(request([ChatMessage(role: .user, content: [.text("Hi"), .image(mediaType: "image/png", data: "AA")])],
                                      model: titan), mentions: "messages[0].content[1]")
    }

    func test_titanPrompt_joinsTextBlocksAndIgnoresCachePoints() throws {
        let body = try body(request([ChatMessage(role: .user, content: [.text("Part one. "), .cachePoint(ttl: nil), .text("Part two.")])],
                                    model: titan))
        XCTAssertEqual(body["inputText"], .string("\n\nUser: Part one. Part two.\n\nBot:"))
        XCTAssertEqual(body["textGenerationConfig"], .object(JSONObject()))
    }

    // MARK: - Nova requests

    func test_novaToolChoiceNone_sendsNoToolConfigAndToolHistoryAsText() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Weather?")]),
                               ChatMessage(role: .assistant, content: [.toolUse(id: "t1", name: "get_weather", input: .object(JSONObject()))]),
                               ChatMessage(role: .tool, content: [.toolResult(toolUseId: "t1", content: [.text("sunny")], isError: false)])],
                              model: nova)
        request.tools = [ToolSpec(name: "get_weather", description: nil, inputSchema: .object(JSONObject()))]
        request.toolChoice = ToolChoice.none
        let body = try body(request)
        XCTAssertNil(body["toolConfig"])
        XCTAssertEqual(body["messages"], try JSON.parse(#"""
        [{"role":"user","content":[{"text":"Weather?"}]},
         {"role":"assistant","content":[{"text":"[Called get_weather]"}]},
         {"role":"user","content":[{"text":"[Tool output: sunny]"}]}]
        """#, field: "t"))
    }

    func test_novaUnsupportedImageType_isInvalidArgument() {
        let request = request([ChatMessage(role: .user, content: [.image(mediaType: "image/tiff", data: "AA")])], model: nova)
        assertInvalidArgument(request, mentions: "messages[0].content[0].media_type")
    }

    func test_novaBlankOnlyMessage_isInvalidArgumentNamingItsIndex() {
        let request = request([ChatMessage(role: .user, content: [.text("Hi")]),
                               ChatMessage(role: .assistant, content: [.text("   "), .cachePoint(ttl: nil)])], model: nova)
        assertInvalidArgument(request, mentions: "messages[1]")
    }

    func test_novaSystemOnlyConversation_isInvalidArgument() {
        assertInvalidArgument(request([ChatMessage(role: .system, content: [.text("Be brief.")])], model: nova),
                              mentions: "messages")
    }

    func test_novaInferenceConfigKwargNotAnObject_isInvalidArgument() {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])], model: nova)
        request.modelKwargs["inferenceConfig"] = .int(3)
        assertInvalidArgument(request, mentions: "model_kwargs.inferenceConfig")
    }

    func test_novaToolCachePoint_isDroppedAndUndescribedToolHasNoDescription() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])], model: nova)
        request.tools = [ToolSpec(name: "f", description: nil, inputSchema: .object(JSONObject()), cachePoint: true)]
        XCTAssertEqual(try body(request)["toolConfig"], providerJSON(#"{"tools": [{"toolSpec": {"name": "f", "inputSchema": {"json": {}}}}]}"#))
    }

    func test_novaToolResults_emptyIsOneEmptyTextAndOutputVerbatimAndCachePointFollows() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Go")]),
                               ChatMessage(role: .assistant, content: [.toolUse(id: "a", name: "f", input: .object(JSONObject())),
                                                                       .toolUse(id: "b", name: "f", input: .object(JSONObject()))]),
                               ChatMessage(role: .tool, content: [.toolResult(toolUseId: "a", content: [], isError: false)]),
                               ChatMessage(role: .tool, content: [.toolResult(toolUseId: "b", content: [.text(" "), .cachePoint(ttl: nil)], isError: false)])],
                              model: nova)
        request.tools = [ToolSpec(name: "f", description: nil, inputSchema: .object(JSONObject()))]
        XCTAssertEqual(try body(request)["messages"]?.arrayValue?.last?["content"], providerJSON(#"""
        [{"toolResult": {"toolUseId": "a", "content": [{"text": ""}]}},
         {"toolResult": {"toolUseId": "b", "content": [{"text": " "}]}}, {"cachePoint": {"type": "default"}}]
        """#))
    }

    func test_novaCachePointOpeningAMessage_isKept() throws {
        // It marks the prompt through the turn before it.
        let body = try body(request([ChatMessage(role: .user, content: [.text("Doc.")]),
                                     ChatMessage(role: .assistant, content: [.text("Read.")]),
                                     ChatMessage(role: .user, content: [.cachePoint(ttl: nil), .text("Q?")])], model: nova))
        XCTAssertEqual(body["messages"]?.arrayValue?.last?["content"], providerJSON(#"[{"cachePoint": {"type": "default"}}, {"text": "Q?"}]"#))
    }

    func test_novaMaxTokensZero_isUnsetWhereConverseSendsIt() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])], model: nova)
        request.maxTokens = 0
        XCTAssertNil(try body(request)["inferenceConfig"])
        XCTAssertEqual(try ConverseFormat().requestBody(request)["inferenceConfig"], providerJSON(#"{"maxTokens": 0}"#))
    }

    func test_novaConsecutiveAssistants_merge() throws {
        let body = try body(request([ChatMessage(role: .user, content: [.text("Hi")]),
                                     ChatMessage(role: .assistant, content: [.text("Hello.")]),
                                     ChatMessage(role: .assistant, content: [.text("How can I help?")])], model: nova))
        XCTAssertEqual(body["messages"]?.arrayValue?.count, 2)
        XCTAssertEqual(body["messages"]?.arrayValue?[1]["content"]?.arrayValue?.count, 2)
    }

    // MARK: - Titan replies

    func test_titanDocsResponse_parsesTextReasonAndUsage() throws {
        let reply = try reply(#"""
        {"inputTextTokenCount": 11, "results": [{"tokenCount": 42, "outputText": "\nBlue is a primary colour.", "completionReason": "FINISH"}]}
        """#)
        XCTAssertEqual(reply, ProviderReply(blocks: [.text("\nBlue is a primary colour.")], providerStopReason: "FINISH",
                                            usage: ChatUsage(inputTokens: 11, outputTokens: 42)))
    }

    func test_titanMalformedResponses_areProtocolErrors() {
        for text in [#"{"results": []}"#, #"{"results": [{"tokenCount": 1}]}"#, #"{"outputText": "x"}"#,
                     #"{"results": [{"outputText": "x", "tokenCount": -1}]}"#] {
            assertProtocolError(try reply(text), text)
        }
    }

    func test_titanDocsStreamChunks_yieldTextUsageAndStop() throws {
        let deltas = try streamed([
            #"{"outputText": "Blue", "index": 0, "totalOutputTextTokenCount": 1, "completionReason": null, "inputTextTokenCount": 11}"#,
            #"{"outputText": " is a colour.", "index": 0, "totalOutputTextTokenCount": 6, "completionReason": "FINISH", "inputTextTokenCount": null, "amazon-bedrock-invocationMetrics": {"inputTokenCount": 11, "outputTokenCount": 6, "invocationLatency": 500, "firstByteLatency": 300}}"#,
        ]).deltas
        XCTAssertEqual(deltas, [
            .text(index: 0, text: "Blue"),
            .usage(ChatUsage(inputTokens: 11, outputTokens: 1)),
            .text(index: 0, text: " is a colour."),
            .usage(ChatUsage(outputTokens: 6)),
            .stop(providerReason: "FINISH"),
        ])
    }

    // MARK: - Nova replies

    func test_novaDocsResponse_parsesReasoningToolUseTextStopAndUsage() throws {
        let reply = try reply(#"""
        {"output": {"message": {"role": "assistant", "content": [
            {"reasoningContent": {"reasoningText": {"text": "The user wants a song."}}},
            {"text": "<thinking>I will call top_song.</thinking>"},
            {"toolUse": {"toolUseId": "tooluse_20Z9zl0BQWSXjFuLKdTJcA", "name": "top_song", "input": {"sign": "WZPZ"}}}]}},
         "stopReason": "tool_use",
         "usage": {"inputTokens": 400, "outputTokens": 50, "totalTokens": 500, "cacheReadInputTokenCount": 40, "cacheWriteInputTokenCount": 10}}
        """#, model: nova)
        XCTAssertEqual(reply.blocks, [
            .reasoning(text: "The user wants a song.", signature: nil),
            .text("<thinking>I will call top_song.</thinking>"),
            .toolUse(id: "tooluse_20Z9zl0BQWSXjFuLKdTJcA", name: "top_song",
                     input: .object(JSONObject(["sign": .string("WZPZ")]))),
        ])
        XCTAssertEqual(reply.providerStopReason, "tool_use")
        XCTAssertEqual(reply.usage, ChatUsage(inputTokens: 400, outputTokens: 50, cacheReadInputTokens: 40, cacheWriteInputTokens: 10))
    }

    func test_novaMalformedResponses_areProtocolErrors() {
        for text in [#"{"output": {}}"#, #"{"output": {"message": {"content": [{"text": 1}]}}}"#,
                     #"{"output": {"message": {"content": [{"toolUse": {"name": "f"}}]}}}"#,
                     #"{"output": {"message": {"content": []}}, "usage": {"inputTokens": "x"}}"#] {
            assertProtocolError(try reply(text, model: nova), text)
        }
    }

    func test_novaDocsStream_yieldsTextToolCallReasoningStopAndUsage() throws {
        let deltas = try streamed([
            #"{"messageStart": {"role": "assistant"}}"#,
            #"{"contentBlockDelta": {"delta": {"reasoningContent": {"text": "Need the tool."}}, "contentBlockIndex": 0}}"#,
            #"{"contentBlockStop": {"contentBlockIndex": 0}}"#,
            #"{"contentBlockDelta": {"delta": {"text": "Let me look"}, "contentBlockIndex": 1}}"#,
            #"{"contentBlockDelta": {"delta": {"text": " that up."}}}"#,
            #"{"contentBlockStop": {"contentBlockIndex": 1}}"#,
            #"{"contentBlockStart": {"start": {"toolUse": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "top_song"}}, "contentBlockIndex": 2}}"#,
            #"{"contentBlockDelta": {"delta": {"toolUse": {"input": "{\"sign\": "}}, "contentBlockIndex": 2}}"#,
            #"{"contentBlockDelta": {"delta": {"toolUse": {"input": "\"WZPZ\"}"}}, "contentBlockIndex": 2}}"#,
            #"{"contentBlockStop": {"contentBlockIndex": 2}}"#,
            #"{"messageStop": {"stopReason": "tool_use"}}"#,
            #"{"metadata": {"usage": {"inputTokens": 420, "outputTokens": 38}, "metrics": {}, "trace": {}}, "amazon-bedrock-invocationMetrics": {"inputTokenCount": 420, "outputTokenCount": 38, "invocationLatency": 900, "firstByteLatency": 400}}"#,
        ], model: nova).deltas
        XCTAssertEqual(deltas, [
            .reasoning(index: 0, text: "Need the tool."),
            .text(index: 1, text: "Let me look"),
            .text(index: 1, text: " that up."),
            .toolCallStart(index: 2, id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", name: "top_song"),
            .toolCallDelta(index: 2, args: "{\"sign\": "),
            .toolCallDelta(index: 2, args: "\"WZPZ\"}"),
            .stop(providerReason: "tool_use"),
            .usage(ChatUsage(inputTokens: 420, outputTokens: 38)),
        ])
    }

    func test_novaMalformedChunks_areProtocolErrors() {
        for chunk in [#"[]"#, #"{"contentBlockDelta": {"delta": {"text": 3}, "contentBlockIndex": 0}}"#,
                      #"{"contentBlockDelta": {"delta": {"text": "x"}, "contentBlockIndex": -2}}"#,
                      #"{"contentBlockStart": {"start": {"toolUse": {"name": "f"}}, "contentBlockIndex": 0}}"#,
                      #"{"messageStop": {"stopReason": 1}}"#] {
            assertProtocolError(try streamed([chunk], model: nova), chunk)
        }
    }
}
