import Foundation
import XCTest
@testable import Bedrock

/// Claude's Messages API on InvokeModel: bodies against ChatBedrock's (the vectors), bodies
/// the vectors cannot express, and replies and stream chunks from AWS's and Anthropic's
/// documented samples.
final class AnthropicFormatTests: XCTestCase, ProviderFormatTesting {
    let format = AnthropicFormat()
    let provider = Provider.anthropic
    let model = "anthropic.claude-3-5-sonnet-20240620-v1:0"

    // MARK: - Vectors

    func test_langChainVectors_bodiesEqualExpected() throws {
        try assertVectorBodiesEqualExpected(minimum: 28)
    }

    // MARK: - Request bodies beyond the vectors

    func test_blankStringUserMessage_isInvalidArgumentNamingItsIndex() {
        let request = request([ChatMessage(role: .user, content: [.text("Hi")]),
                               ChatMessage(role: .assistant, content: [.text("Hello")]),
                               ChatMessage(role: .user, content: [.text(" \n\t")])])
        assertInvalidArgument(request, mentions: "messages[2]")
    }

    func test_assistantWithOnlyUnsignedReasoning_isInvalidArgument() {
        let request = request([ChatMessage(role: .user, content: [.text("Hi")]),
                               ChatMessage(role: .assistant, content: [.reasoning(text: "hmm", signature: nil)]),
                               ChatMessage(role: .user, content: [.text("Again")])])
        assertInvalidArgument(request, mentions: "messages[1]")
    }

    func test_unsignedReasoning_isDroppedAndSignedKeptFirst() throws {
        let request = request([ChatMessage(role: .user, content: [.text("Hi")]),
                               ChatMessage(role: .assistant, content: [.text("Answer"), .reasoning(text: "a", signature: nil),
                                                                       .reasoning(text: "b", signature: "c2ln")]),
                               ChatMessage(role: .user, content: [.text("Again")])])
        let assistant = try XCTUnwrap(try body(request)["messages"]?.arrayValue?[1]["content"]?.arrayValue)
        XCTAssertEqual(assistant.map { $0["type"]?.stringValue }, ["thinking", "text"])
        XCTAssertEqual(assistant[0]["thinking"], .string("b"))
        XCTAssertEqual(assistant[0]["signature"], .string("c2ln"))
    }

    func test_emptyMessages_isInvalidArgument() {
        assertInvalidArgument(request([]), mentions: "messages")
    }

    func test_systemOnlyConversation_isInvalidArgument() {
        assertInvalidArgument(request([ChatMessage(role: .system, content: [.text("Be brief.")])]), mentions: "messages")
    }

    func test_negativeMaxTokens_isInvalidArgument() {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])])
        request.maxTokens = -1
        assertInvalidArgument(request, mentions: "max_tokens")
    }

    func test_nonFiniteTemperature_isInvalidArgument() {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])])
        request.temperature = .nan
        assertInvalidArgument(request, mentions: "temperature")
    }

    func test_zeroMaxTokens_isUnsetLikeChatBedrock() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])])
        request.maxTokens = 0
        XCTAssertEqual(try body(request)["max_tokens"], .int(AnthropicFormat.defaultMaxTokens))
    }

    func test_defaultMaxTokens_is1024AndVersionIsBedrock20230531() {
        XCTAssertEqual(AnthropicFormat.defaultMaxTokens, 1024)
        XCTAssertEqual(AnthropicFormat.anthropicVersion, "bedrock-2023-05-31")
    }

    func test_systemImage_isInvalidArgumentNamingTheBlock() {
        let request = request([ChatMessage(role: .system, content: [.text("x"), .image(mediaType: "image/png", data: "AA")]),
                               ChatMessage(role: .user, content: [.text("Hi")])])
        assertInvalidArgument(request, mentions: "messages[0].content[1]")
    }

    func test_toolUseInUserMessage_isInvalidArgument() {
        let request = request([ChatMessage(role: .user, content: [.toolUse(id: "t", name: "f", input: .object(JSONObject()))])])
        assertInvalidArgument(request, mentions: "messages[0].content[0]")
    }

    func test_toolUseInputNotAnObject_isInvalidArgument() {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")]),
                               ChatMessage(role: .assistant, content: [.toolUse(id: "t", name: "f", input: .array([]))])])
        request.tools = [ToolSpec(name: "f", description: nil, inputSchema: .object(JSONObject()))]
        assertInvalidArgument(request, mentions: "messages[1].content[0].input")
    }

    func test_toolSchemaNotAnObject_isInvalidArgument() {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])])
        request.tools = [ToolSpec(name: "f", description: nil, inputSchema: .string("x"))]
        assertInvalidArgument(request, mentions: "tools[0].input_schema")
    }

    func test_docxDocument_isInvalidArgument() {
        let request = request([ChatMessage(role: .user, content: [.document(format: "docx", name: "d", data: "AA"), .text("Read")])])
        assertInvalidArgument(request, mentions: "messages[0].content[0].format")
    }

    func test_forcedToolChoiceWithThinkingOnClaude37_isInvalidArgument() {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])],
                              model: "us.anthropic.claude-3-7-sonnet-20250219-v1:0")
        request.tools = [ToolSpec(name: "f", description: "d", inputSchema: .object(JSONObject()))]
        request.toolChoice = ToolChoice.any
        request.modelKwargs["thinking"] = .object(JSONObject(["type": .string("enabled"), "budget_tokens": .int(1024)]))
        assertInvalidArgument(request, mentions: "tool_choice")
        request.toolChoice = .auto
        XCTAssertNoThrow(try body(request))
    }

    func test_toolChoiceWithoutTools_isLeftOut() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])])
        request.toolChoice = ToolChoice.any
        let body = try body(request)
        XCTAssertNil(body["tool_choice"])
        XCTAssertNil(body["tools"])
    }

    func test_cachePointAtStartOfMessage_marksPreviousMessagesLastBlock() throws {
        let request = request([ChatMessage(role: .system, content: [.text("Manual")]),
                               ChatMessage(role: .user, content: [.cachePoint(ttl: nil), .text("Question")])])
        let body = try body(request)
        XCTAssertEqual(body["system"], .array([.object(JSONObject(["type": .string("text"), "text": .string("Manual"),
                                                                   "cache_control": AnthropicFormat.ephemeralCacheControl]))]))
        XCTAssertEqual(body["messages"]?.arrayValue?[0]["content"],
                       .array([.object(JSONObject(["type": .string("text"), "text": .string("Question")]))]))
    }

    func test_cachePointAfterToolResultText_marksTheInnerBlock() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Go")]),
                               ChatMessage(role: .assistant, content: [.toolUse(id: "t1", name: "f", input: .object(JSONObject()))]),
                               ChatMessage(role: .tool, content: [.toolResult(toolUseId: "t1", content: [.text("a"), .cachePoint(ttl: nil)],
                                                                              isError: false)])])
        request.tools = [ToolSpec(name: "f", description: nil, inputSchema: .object(JSONObject()))]
        let result = try XCTUnwrap(try body(request)["messages"]?.arrayValue?[2]["content"]?.arrayValue?.first)
        XCTAssertEqual(result["content"]?.arrayValue?.first?["cache_control"], AnthropicFormat.ephemeralCacheControl)
    }

    func test_finalAssistantPrefill_trimmedButEarlierAssistantKept() throws {
        let request = request([ChatMessage(role: .user, content: [.text("A")]),
                               ChatMessage(role: .assistant, content: [.text("B  ")]),
                               ChatMessage(role: .user, content: [.text("C")]),
                               ChatMessage(role: .assistant, content: [.text("D\u{3000}\n")])])
        let messages = try XCTUnwrap(try body(request)["messages"]?.arrayValue)
        XCTAssertEqual(messages[1]["content"]?.arrayValue?.first?["text"], .string("B  "))
        XCTAssertEqual(messages[3]["content"]?.arrayValue?.first?["text"], .string("D"))
    }

    func test_supportsTools_claude3AndLaterOnly() {
        XCTAssertFalse(format.supportsTools(modelId: "anthropic.claude-v2"))
        XCTAssertFalse(format.supportsTools(modelId: "anthropic.claude-v2:1"))
        XCTAssertFalse(format.supportsTools(modelId: "anthropic.claude-instant-v1"))
        XCTAssertTrue(format.supportsTools(modelId: "anthropic.claude-3-haiku-20240307-v1:0"))
        XCTAssertTrue(format.supportsTools(modelId: "anthropic.claude-sonnet-4-20250514-v1:0"))
        XCTAssertTrue(format.supportsStopSequences(modelId: "anthropic.claude-v2"))
    }

    // MARK: - Responses

    func test_docsTextResponse_parsesTextStopReasonAndUsage() throws {
        let reply = try reply(#"""
        {"id":"msg_bdrk_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant",
         "model":"claude-3-5-sonnet-20240620","content":[{"type":"text","text":"Hello! How can I help you today?"}],
         "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":13}}
        """#)
        XCTAssertEqual(reply, ProviderReply(blocks: [.text("Hello! How can I help you today?")],
                                            providerStopReason: "end_turn",
                                            usage: ChatUsage(inputTokens: 12, outputTokens: 13)))
    }

    func test_toolUseResponse_keepsBlockOrderAndInputObject() throws {
        let reply = try reply(#"""
        {"id":"msg_01","type":"message","role":"assistant","content":[
          {"type":"text","text":"I'll check the weather."},
          {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather",
           "input":{"location":"San Francisco, CA","unit":"celsius"}}],
         "stop_reason":"tool_use","stop_sequence":null,
         "usage":{"input_tokens":384,"output_tokens":72,"cache_read_input_tokens":100,"cache_creation_input_tokens":20}}
        """#)
        XCTAssertEqual(reply.blocks, [
            .text("I'll check the weather."),
            .toolUse(id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather",
                     input: try JSON.parse(#"{"location":"San Francisco, CA","unit":"celsius"}"#, field: "t")),
        ])
        XCTAssertEqual(reply.providerStopReason, "tool_use")
        XCTAssertEqual(reply.usage, ChatUsage(inputTokens: 384, outputTokens: 72, cacheReadInputTokens: 100, cacheWriteInputTokens: 20))
    }

    func test_thinkingAndRedactedThinkingResponse_roundTripsIntoTheNextRequest() throws {
        let reply = try reply(#"""
        {"content":[{"type":"thinking","thinking":"Let me analyze this.","signature":"WaUjzkypQ2mUEVM36O2TxuC06KN8xyfbJwyem2dw3URve"},
                    {"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"},
                    {"type":"text","text":"Based on my analysis..."}],
         "stop_reason":"end_turn"}
        """#)
        XCTAssertEqual(reply.blocks, [
            .reasoning(text: "Let me analyze this.", signature: "WaUjzkypQ2mUEVM36O2TxuC06KN8xyfbJwyem2dw3URve"),
            .reasoning(text: "", signature: "redacted_thinking:EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"),
            .text("Based on my analysis..."),
        ])
        XCTAssertNil(reply.usage)
        let next = request([ChatMessage(role: .user, content: [.text("Q")]),
                            ChatMessage(role: .assistant, content: reply.blocks),
                            ChatMessage(role: .user, content: [.text("And?")])])
        let assistant = try XCTUnwrap(try body(next)["messages"]?.arrayValue?[1]["content"])
        XCTAssertEqual(assistant, try JSON.parse(#"""
        [{"type":"thinking","thinking":"Let me analyze this.","signature":"WaUjzkypQ2mUEVM36O2TxuC06KN8xyfbJwyem2dw3URve"},
         {"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"},
         {"type":"text","text":"Based on my analysis..."}]
        """#, field: "t"))
    }

    func test_malformedResponses_areProtocolErrorsNamingTheMember() {
        let cases = [
            (#"[]"#, "body"),
            (#"{"stop_reason":"end_turn"}"#, "content"),
            (#"{"content":{"type":"text"}}"#, "content"),
            (#"{"content":[{"text":"x"}]}"#, "content[0].type"),
            (#"{"content":[{"type":"text","text":5}]}"#, "content[0].text"),
            (#"{"content":[{"type":"tool_use","name":"f","input":{}}]}"#, "content[0].id"),
            (#"{"content":[],"usage":{"input_tokens":-3}}"#, "usage.input_tokens"),
            (#"{"content":[],"usage":{"output_tokens":1.5}}"#, "usage.output_tokens"),
            (#"{"content":[],"stop_reason":7}"#, "stop_reason"),
        ]
        for (text, member) in cases {
            assertProtocolError(try reply(text), text, mentions: member)
        }
    }

    func test_unknownBlockTypes_areSkipped() throws {
        let reply = try reply(#"{"content":[{"type":"server_tool_use","id":"x"},{"type":"text","text":"ok"}],"stop_reason":"end_turn"}"#)
        XCTAssertEqual(reply.blocks, [.text("ok")])
    }

    // MARK: - Streams

    func test_docsTextStream_yieldsUsageTextAndStop() throws {
        let deltas = try streamed([
            #"{"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","type":"message","role":"assistant","content":[],"model":"claude-3-5-sonnet-20240620","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"ping"}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}"#,
            #"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":25,"outputTokenCount":15,"invocationLatency":640,"firstByteLatency":300}}"#,
        ]).deltas
        XCTAssertEqual(deltas, [
            .usage(ChatUsage(inputTokens: 25, outputTokens: 1)),
            .text(index: 0, text: "Hello"),
            .text(index: 0, text: "!"),
            .usage(ChatUsage(outputTokens: 15)),
            .stop(providerReason: "end_turn"),
        ])
    }

    func test_toolUseSplitAcrossInputJsonDeltas_argumentsConcatenateToTheInput() throws {
        let deltas = try streamed([
            #"{"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-3-haiku-20240307","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},"content":[],"stop_reason":null}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay, let's check the weather:"}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"San"}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" Francisc"}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"o,"}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" CA\""}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":", \"unit\": \"fah"}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"renheit\"}"}}"#,
            #"{"type":"content_block_stop","index":1}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}"#,
            #"{"type":"message_stop"}"#,
        ]).deltas
        XCTAssertEqual(deltas.first, .usage(ChatUsage(inputTokens: 472, outputTokens: 2)))
        XCTAssertTrue(deltas.contains(.toolCallStart(index: 1, id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather")))
        let arguments = deltas.compactMap { delta -> String? in
            if case .toolCallDelta(1, let args) = delta { args } else { nil }
        }
        XCTAssertEqual(arguments.count, 7, "the empty first fragment is not reported")
        XCTAssertEqual(try JSON.parse(arguments.joined(), field: "args"),
                       try JSON.parse(#"{"location":"San Francisco, CA","unit":"fahrenheit"}"#, field: "t"))
        XCTAssertEqual(deltas.suffix(2), [.usage(ChatUsage(outputTokens: 89)), .stop(providerReason: "tool_use")])
    }

    func test_thinkingStreamWithSignature_yieldsReasoningThenSignatureThenText() throws {
        let deltas = try streamed([
            #"{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-3-7-sonnet-20250219","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":42,"output_tokens":3,"cache_read_input_tokens":7,"cache_creation_input_tokens":0}}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me solve this step by step:\n\n1. First break down 27 * 453"}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"\n2. 453 = 400 + 50 + 3"}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3p"}}"#,
            #"{"type":"content_block_stop","index":1}"#,
            #"{"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"27 * 453 = 12,231"}}"#,
            #"{"type":"content_block_stop","index":2}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":120}}"#,
            #"{"type":"message_stop"}"#,
        ]).deltas
        XCTAssertEqual(deltas, [
            .usage(ChatUsage(inputTokens: 42, outputTokens: 3, cacheReadInputTokens: 7)),
            .reasoning(index: 0, text: "Let me solve this step by step:\n\n1. First break down 27 * 453"),
            .reasoning(index: 0, text: "\n2. 453 = 400 + 50 + 3"),
            .reasoningSignature(index: 0, signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"),
            .reasoningSignature(index: 1, signature: "redacted_thinking:EmwKAhgBEgy3va3p"),
            .text(index: 2, text: "27 * 453 = 12,231"),
            .usage(ChatUsage(outputTokens: 120)),
            .stop(providerReason: "end_turn"),
        ])
    }

    func test_streamErrorEvent_throwsWithItsType() {
        XCTAssertThrowsError(try streamed([#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#])) { error in
            XCTAssertEqual((error as? BedrockError)?.awsErrorType, "overloaded_error")
            XCTAssertEqual((error as? BedrockError)?.message, "Overloaded")
        }
    }

    func test_malformedChunks_areProtocolErrors() {
        let chunks = [
            #"[1]"#,
            #"{"index":0}"#,
            #"{"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}}"#,
            #"{"type":"content_block_delta","index":-1,"delta":{"type":"text_delta","text":"x"}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta"}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","name":"f"}}"#,
            #"{"type":"message_start","message":{"usage":{"input_tokens":"many"}}}"#,
        ]
        for chunk in chunks {
            assertProtocolError(try streamed([chunk]), chunk)
        }
    }
}
