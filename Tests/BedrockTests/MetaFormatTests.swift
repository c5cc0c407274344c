import XCTest

@testable import Bedrock

final class MetaFormatTests: XCTestCase, ProviderFormatTesting {
    let format = MetaFormat()
    let provider = Provider.meta
    let model = "meta.llama3-8b-instruct-v1:0"

    func test_langChainVectors_bodiesEqualExpected() throws {
        try assertVectorBodiesEqualExpected(minimum: 90)
    }

    func test_template_isChosenFromTheModelId() {
        XCTAssertEqual(MetaFormat.template(modelId: "meta.llama2-70b-chat-v1"), .llama2)
        XCTAssertEqual(MetaFormat.template(modelId: "meta.llama3-1-405b-instruct-v1:0"), .llama3)
        XCTAssertEqual(MetaFormat.template(modelId: "meta.llama3-2-90b-instruct-v1:0"), .llama3)
        XCTAssertEqual(MetaFormat.template(modelId: "meta.llama4-scout-17b-instruct-v1:0"), .llama4)
        // An ARN names no generation: the Llama 3 template, not LangChain's Llama 2 fallback.
        XCTAssertEqual(MetaFormat.template(modelId: "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc"), .llama3)
    }

    func test_capabilities_noToolsNoStopSequences() {
        XCTAssertFalse(format.supportsTools(modelId: "meta.llama3-3-70b-instruct-v1:0"))
        XCTAssertFalse(format.supportsStopSequences(modelId: "meta.llama3-3-70b-instruct-v1:0"))
    }

    func test_requestBody_stopSequencesAreLeftOutOfTheBody() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])])
        request.stop = ["END"]
        request.maxTokens = 20
        let body = try body(request)
        assertJSONEqual(body, providerJSON(#"""
            {"prompt": "<|begin_of_text|>\n<|start_header_id|>user<|end_header_id|>Hi<|eot_id|>\n<|start_header_id|>assistant<|end_header_id|>\n\n",
             "max_gen_len": 20}
            """#))
    }

    func test_requestBody_blankTextBlocksAndEmptyMessagesAreDropped() throws {
        let request = request([
            ChatMessage(role: .user, content: [.text("Hi"), .text("  \n"), .text("")]),
            ChatMessage(role: .assistant, content: [.text(" ")]),
            ChatMessage(role: .user, content: [.cachePoint(ttl: nil), .text("there")]),
        ])
        let body = try body(request)
        XCTAssertEqual(body["prompt"]?.stringValue,
                       "<|begin_of_text|>\n<|start_header_id|>user<|end_header_id|>Hi<|eot_id|>\n"
                       + "<|start_header_id|>user<|end_header_id|>there<|eot_id|>\n<|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    func test_requestBody_llama2Template() throws {
        let request = request([
            ChatMessage(role: .system, content: [.text("Be kind.")]),
            ChatMessage(role: .user, content: [.text("Hi")]),
            ChatMessage(role: .assistant, content: [.text("Hello.")]),
            ChatMessage(role: .user, content: [.text("Bye")]),
        ], model: "meta.llama2-13b-chat-v1")
        let body = try body(request, stream: true)
        XCTAssertEqual(body["prompt"]?.stringValue, "<<SYS>> Be kind. <</SYS>>\n[INST] Hi [/INST]\nHello.\n[INST] Bye [/INST]")
    }

    func test_requestBody_visionModelTakesImagesWithImageTokens() throws {
        let request = request([
            ChatMessage(role: .user, content: [.image(mediaType: "image/png", data: "AAAA"), .text("What is this?")]),
        ], model: "meta.llama3-2-11b-instruct-v1:0")
        let body = try body(request)
        assertJSONEqual(body, providerJSON(#"""
            {"prompt": "<|begin_of_text|>\n<|start_header_id|>user<|end_header_id|><|image|>What is this?<|eot_id|>\n<|start_header_id|>assistant<|end_header_id|>\n\n",
             "images": ["AAAA"]}
            """#))
    }

    func test_requestBody_imageForATextModel_isInvalidArgumentNamingTheBlock() {
        let request = request([
            ChatMessage(role: .user, content: [.text("Look"), .image(mediaType: "image/png", data: "AAAA")]),
        ])
        assertInvalidArgument(request, mentions: "messages[0].content[1]", "image")
    }

    func test_requestBody_toolsAndToolBlocks_areInvalidArgumentsPointingToConverse() {
        var withTools = request([ChatMessage(role: .user, content: [.text("Hi")])])
        withTools.tools = [ToolSpec(name: "f", description: nil, inputSchema: providerJSON(#"{"type": "object"}"#))]
        assertInvalidArgument(withTools, mentions: "tools", "converse")

        var schema = request([ChatMessage(role: .user, content: [.text("Hi")])])
        schema.responseSchema = ToolSpec(name: "Answer", description: nil, inputSchema: providerJSON(#"{"type": "object"}"#))
        assertInvalidArgument(schema, mentions: "response_schema", "converse")

        let history = request([
            ChatMessage(role: .user, content: [.text("Hi")]),
            ChatMessage(role: .assistant, content: [.toolUse(id: "t1", name: "f", input: providerJSON("{}"))]),
        ], model: "meta.llama4-scout-17b-instruct-v1:0")
        assertInvalidArgument(history, mentions: "messages[1].content[0]", "tool_use")

        let toolMessage = request([
            ChatMessage(role: .tool, content: [.toolResult(toolUseId: "t1", content: [.text("42")], isError: false)]),
        ], model: "meta.llama4-scout-17b-instruct-v1:0")
        assertInvalidArgument(toolMessage, mentions: "messages[0]", "tool")
    }

    /// The response body from Bedrock's Meta Llama documentation.
    func test_parseResponse_documentedBody() throws {
        let reply = try reply(#"""
            {"generation": "\n\nThe capital of France is Paris.", "prompt_token_count": 21,
             "generation_token_count": 9, "stop_reason": "stop"}
            """#)
        XCTAssertEqual(reply, ProviderReply(blocks: [.text("\n\nThe capital of France is Paris.")], providerStopReason: "stop",
                                            usage: ChatUsage(inputTokens: 21, outputTokens: 9)))
    }

    func test_parseResponse_lengthStopAndMissingCounts() throws {
        let reply = try reply(#"{"generation": "Once upon", "stop_reason": "length"}"#)
        XCTAssertEqual(reply.providerStopReason, "length")
        XCTAssertNil(reply.usage)
    }

    func test_parseResponse_malformedBodies_areProtocolErrors() {
        for body in [#"[]"#, #"{"stop_reason": "stop"}"#, #"{"generation": 5}"#] {
            assertProtocolError(try reply(body))
        }
    }

    /// Every format reads counts with one reader (ReplyReader): a negative or fractional count
    /// is a malformed body, named by its path, never clamped to 0.
    func test_parseResponse_negativeOrFractionalCount_isAProtocolErrorNamingIt() {
        assertProtocolError(try reply(#"{"generation": "hi", "prompt_token_count": -3}"#), mentions: "prompt_token_count")
        assertProtocolError(try reply(#"{"generation": "hi", "generation_token_count": 2.5}"#), mentions: "generation_token_count")
    }

    func test_stream_textDeltasThenUsageAndStop() throws {
        let result = try streamed([
            #"{"generation": "Hel", "prompt_token_count": 12, "generation_token_count": 1, "stop_reason": null}"#,
            #"{"generation": "lo", "prompt_token_count": null, "generation_token_count": 2, "stop_reason": null}"#,
            #"{"generation": "", "prompt_token_count": null, "generation_token_count": 3, "stop_reason": "stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 12, "outputTokenCount": 3}}"#,
        ])
        XCTAssertEqual(result.deltas, [
            .text(index: 0, text: "Hel"),
            .text(index: 0, text: "lo"),
            .usage(ChatUsage(inputTokens: 12, outputTokens: 3)),
            .stop(providerReason: "stop"),
        ])
    }

    func test_stream_nonObjectChunk_isProtocolError() {
        assertProtocolError(try streamed([#""text""#]))
    }
}
