import XCTest
@testable import Bedrock

/// The Converse body, reply and stream parser that Converse and Nova's InvokeModel share:
/// Converse's bodies kept byte for byte, the checks both now make, and Converse's replies and
/// stream events read as AWS documents them. Nova's side is in AmazonFormatTests.
final class ConverseFormatTests: XCTestCase {
    let claude = "anthropic.claude-3-5-sonnet-20240620-v1:0"

    // MARK: - Bodies kept byte for byte

    /// Requests in the C-API form, each with its Converse body as it was before Nova shared the
    /// code (commit 1ff1288), which must keep every byte.
    static let goldens: [(name: String, request: String, body: String)] = [
        ("system-parameters-guardrail-kwargs", #"""
        {"model": "anthropic.claude-3-5-sonnet-20240620-v1:0", "messages": [["system", "Be terse."], ["human", "Hi"]],
         "temperature": 0.2, "max_tokens": 200, "top_p": 0.9, "top_k": 40, "stop": ["END", "STOP"],
         "model_kwargs": {"thinking": {"type": "enabled", "budget_tokens": 1024}},
         "guardrail": {"id": "gr-1", "version": "2", "trace": "enabled"}}
        """#,
         #"{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"system":[{"text":"Be terse."}],"inferenceConfig":{"maxTokens":200,"temperature":0.20000000000000001,"topP":0.90000000000000002,"stopSequences":["END","STOP"]},"guardrailConfig":{"guardrailIdentifier":"gr-1","guardrailVersion":"2","trace":"enabled"},"additionalModelRequestFields":{"thinking":{"type":"enabled","budget_tokens":1024},"top_k":40}}"#),
        ("max-tokens-zero-and-guardrail-without-trace", #"""
        {"model": "anthropic.claude-3-5-sonnet-20240620-v1:0", "messages": [["human", "Hi"]], "max_tokens": 0,
         "guardrail": {"id": "gr-1", "version": "DRAFT"}}
        """#,
         #"{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"inferenceConfig":{"maxTokens":0},"guardrailConfig":{"guardrailIdentifier":"gr-1","guardrailVersion":"DRAFT"}}"#),
        ("turns-merge-and-system-hoists", #"""
        {"model": "anthropic.claude-3-5-sonnet-20240620-v1:0",
         "tools": [{"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
         "messages": [["system", "A"], ["human", "one"], ["human", "two"], ["ai", "three"],
                      {"role": "assistant", "content": "four", "tool_calls": [{"id": "t1", "name": "get_weather", "args": {"city": "Rome"}}]},
                      {"role": "tool", "tool_call_id": "t1", "content": "warm"}, ["system", "B"], ["human", "after"]]}
        """#,
         #"{"messages":[{"role":"user","content":[{"text":"one"},{"text":"two"}]},{"role":"assistant","content":[{"text":"three"},{"text":"four"},{"toolUse":{"toolUseId":"t1","name":"get_weather","input":{"city":"Rome"}}}]},{"role":"user","content":[{"toolResult":{"content":[{"text":"warm"}],"toolUseId":"t1","status":"success"}},{"text":"after"}]}],"system":[{"text":"A"},{"text":"B"}],"toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Weather.","inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}}}}}}]}}"#),
        ("tools-auto-undescribed-and-cache-point", #"""
        {"model": "anthropic.claude-3-5-sonnet-20240620-v1:0", "tool_choice": "auto", "messages": [["human", "Hi"]],
         "tools": [{"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object"}},
                   {"name": "noop", "input_schema": {"type": "object", "properties": {}}}, {"type": "cache_point"}]}
        """#,
         #"{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Weather.","inputSchema":{"json":{"type":"object"}}}},{"toolSpec":{"name":"noop","description":"noop","inputSchema":{"json":{"type":"object","properties":{}}}}},{"cachePoint":{"type":"default"}}],"toolChoice":{"auto":{}}}}"#),
        ("tool-choice-any", #"""
        {"model": "anthropic.claude-3-5-sonnet-20240620-v1:0", "tool_choice": "any", "messages": [["human", "Hi"]],
         "tools": [{"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object"}}]}
        """#,
         #"{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Weather.","inputSchema":{"json":{"type":"object"}}}}],"toolChoice":{"any":{}}}}"#),
        ("tool-choice-named", #"""
        {"model": "anthropic.claude-3-5-sonnet-20240620-v1:0", "tool_choice": {"name": "get_weather"}, "messages": [["human", "Hi"]],
         "tools": [{"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object"}}]}
        """#,
         #"{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Weather.","inputSchema":{"json":{"type":"object"}}}}],"toolChoice":{"tool":{"name":"get_weather"}}}}"#),
        ("tool-choice-none-withholds-tools", #"""
        {"model": "anthropic.claude-3-5-sonnet-20240620-v1:0", "tool_choice": "none", "messages": [["human", "Hi"]],
         "tools": [{"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object"}}]}
        """#,
         #"{"messages":[{"role":"user","content":[{"text":"Hi"}]}]}"#),
        ("response-schema", #"""
        {"model": "anthropic.claude-3-5-sonnet-20240620-v1:0", "messages": [["human", "Describe Ada."]],
         "response_schema": {"title": "Person", "description": "A person.", "type": "object",
                             "properties": {"name": {"type": "string"}}, "required": ["name"]}}
        """#,
         #"{"messages":[{"role":"user","content":[{"text":"Describe Ada."}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"Person","description":"A person.","inputSchema":{"json":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}}}],"toolChoice":{"tool":{"name":"Person"}}}}"#),
        ("tool-history-without-tools-gets-minimal-specs", #"""
        {"model": "us.amazon.nova-lite-v1:0", "messages": [["human", "Weather?"],
         {"role": "assistant", "content": "", "tool_calls": [{"id": "t1", "name": "get_weather", "args": {"city": "Rome"}},
                                                             {"id": "t2", "name": "get_time", "args": {}},
                                                             {"id": "t3", "name": "get_weather", "args": {"city": "Oslo"}}]},
         {"role": "tool", "tool_call_id": "t1", "content": "warm"}, {"role": "tool", "tool_call_id": "t2", "content": "noon"},
         {"role": "tool", "tool_call_id": "t3", "content": "cold"}]}
        """#,
         #"{"messages":[{"role":"user","content":[{"text":"Weather?"}]},{"role":"assistant","content":[{"toolUse":{"toolUseId":"t1","name":"get_weather","input":{"city":"Rome"}}},{"toolUse":{"toolUseId":"t2","name":"get_time","input":{}}},{"toolUse":{"toolUseId":"t3","name":"get_weather","input":{"city":"Oslo"}}}]},{"role":"user","content":[{"toolResult":{"content":[{"text":"warm"}],"toolUseId":"t1","status":"success"}},{"toolResult":{"content":[{"text":"noon"}],"toolUseId":"t2","status":"success"}},{"toolResult":{"content":[{"text":"cold"}],"toolUseId":"t3","status":"success"}}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"get_weather","inputSchema":{"json":{"type":"object"}}}},{"toolSpec":{"name":"get_time","description":"get_time","inputSchema":{"json":{"type":"object"}}}}]}}"#),
        ("tool-results-error-empty-blank-image-and-blocks", #"""
        {"model": "anthropic.claude-3-5-sonnet-20240620-v1:0",
         "tools": [{"name": "f", "description": "F.", "input_schema": {"type": "object"}}],
         "messages": [["human", "Go"],
                      {"role": "assistant", "content": [{"type": "tool_use", "id": "a", "name": "f", "input": {"x": 1}},
                                                        {"type": "tool_use", "id": "b", "name": "f"},
                                                        {"type": "tool_use", "id": "c", "name": "f", "input": {}},
                                                        {"type": "tool_use", "id": "d", "name": "f", "input": {}}]},
                      {"role": "tool", "tool_call_id": "a", "content": "boom", "is_error": true},
                      {"role": "tool", "tool_call_id": "b", "content": ""},
                      {"role": "tool", "tool_call_id": "c", "content": " "},
                      {"role": "tool", "tool_call_id": "d", "content": [{"type": "text", "text": "see"},
                          {"type": "image", "media_type": "image/png", "data": "iVBORw0KGgo="},
                          {"type": "document", "format": "pdf", "name": "r", "data": "JVBERi0="}]},
                      {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "x", "content": "inline", "is_error": false},
                                                   {"type": "text", "text": "next?"}]}]}
        """#,
         #"{"messages":[{"role":"user","content":[{"text":"Go"}]},{"role":"assistant","content":[{"toolUse":{"toolUseId":"a","name":"f","input":{"x":1}}},{"toolUse":{"toolUseId":"b","name":"f","input":{}}},{"toolUse":{"toolUseId":"c","name":"f","input":{}}},{"toolUse":{"toolUseId":"d","name":"f","input":{}}}]},{"role":"user","content":[{"toolResult":{"content":[{"text":"boom"}],"toolUseId":"a","status":"error"}},{"toolResult":{"content":[{"text":""}],"toolUseId":"b","status":"success"}},{"toolResult":{"content":[{"text":" "}],"toolUseId":"c","status":"success"}},{"toolResult":{"content":[{"text":"see"},{"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}},{"document":{"format":"pdf","name":"r","source":{"bytes":"JVBERi0="}}}],"toolUseId":"d","status":"success"}},{"toolResult":{"content":[{"text":"inline"}],"toolUseId":"x","status":"success"}},{"text":"next?"}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"f","description":"F.","inputSchema":{"json":{"type":"object"}}}}]}}"#),
        ("reasoning-and-cache-points", #"""
        {"model": "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
         "messages": [{"role": "system", "content": [{"type": "text", "text": "Long."}, {"type": "cache_point"}]},
                      {"role": "user", "content": [{"type": "text", "text": "Doc."}, {"type": "cache_point"}, {"type": "text", "text": "Q?"}]},
                      {"role": "assistant", "content": [{"type": "reasoning", "text": "hmm", "signature": "c2ln"},
                                                        {"type": "reasoning", "text": "unsigned"}, {"type": "text", "text": "A."}]},
                      {"role": "user", "content": [{"type": "cache_point"}, {"type": "text", "text": "More?"}]}]}
        """#,
         #"{"messages":[{"role":"user","content":[{"text":"Doc."},{"cachePoint":{"type":"default"}},{"text":"Q?"}]},{"role":"assistant","content":[{"reasoningContent":{"reasoningText":{"text":"hmm","signature":"c2ln"}}},{"reasoningContent":{"reasoningText":{"text":"unsigned"}}},{"text":"A."}]},{"role":"user","content":[{"cachePoint":{"type":"default"}},{"text":"More?"}]}],"system":[{"text":"Long."},{"cachePoint":{"type":"default"}}]}"#),
        ("images-and-documents", #"""
        {"model": "anthropic.claude-3-5-sonnet-20240620-v1:0", "messages": [{"role": "user", "content": [
            {"type": "image", "media_type": "image/jpeg", "data": "/9j/"}, {"type": "image", "media_type": "image/jpg", "data": "/9j/"},
            {"type": "image", "media_type": "image/png", "data": "iVBO"}, {"type": "image", "media_type": "image/gif", "data": "R0lG"},
            {"type": "image", "media_type": "image/webp", "data": "UklG"},
            {"type": "document", "format": "pdf", "name": "report", "data": "JVBERi0="}, {"type": "text", "text": "Compare."}]}]}
        """#,
         #"{"messages":[{"role":"user","content":[{"image":{"format":"jpeg","source":{"bytes":"/9j/"}}},{"image":{"format":"jpeg","source":{"bytes":"/9j/"}}},{"image":{"format":"png","source":{"bytes":"iVBO"}}},{"image":{"format":"gif","source":{"bytes":"R0lG"}}},{"image":{"format":"webp","source":{"bytes":"UklG"}}},{"document":{"format":"pdf","name":"report","source":{"bytes":"JVBERi0="}}},{"text":"Compare."}]}]}"#),
        ("nova-through-converse-with-tool-cache-point", #"""
        {"model": "us.amazon.nova-pro-v1:0", "temperature": 0.5, "top_k": 5, "tool_choice": "get_weather",
         "tools": [{"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object"}}, {"type": "cache_point"}],
         "messages": [["system", "Be brief."], ["human", "Weather in Lima?"]]}
        """#,
         #"{"messages":[{"role":"user","content":[{"text":"Weather in Lima?"}]}],"system":[{"text":"Be brief."}],"inferenceConfig":{"temperature":0.5},"toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Weather.","inputSchema":{"json":{"type":"object"}}}},{"cachePoint":{"type":"default"}}],"toolChoice":{"tool":{"name":"get_weather"}}},"additionalModelRequestFields":{"inferenceConfig":{"topK":5}}}"#),
    ]

    func test_goldenRequests_keepTheirConverseBodiesByteForByte() throws {
        for golden in Self.goldens {
            let request = try ChatRequest(json: try JSON.parse(golden.request, field: golden.name))
            XCTAssertEqual(try ConverseFormat().requestBody(request).serialized(), golden.body, golden.name)
        }
    }

    func test_sameConversation_novaSharesConversesMessagesSystemAndTools() throws {
        // Nothing here touches a ConverseDialect difference, so only the envelopes differ.
        for name in ["turns-merge-and-system-hoists", "tool-choice-named", "response-schema", "images-and-documents"] {
            let golden = try XCTUnwrap(Self.goldens.first { $0.name == name })
            var request = try ChatRequest(json: try JSON.parse(golden.request, field: name))
            request.model = "amazon.nova-lite-v1:0"
            var converse = try ConverseFormat().requestBody(request)
            let nova = try AmazonFormat().requestBody(request, modelId: request.model, stream: false)
            if name == "turns-merge-and-system-hoists" {
                // Converse's status "success" is the one difference: Nova sends status only for errors.
                converse = try JSON.parse(converse.serialized().replacingOccurrences(of: #","status":"success""#, with: ""), field: name)
            }
            for key in ["messages", "system", "toolConfig"] {
                assertJSONEqual(nova[key] ?? .null, converse[key] ?? .null, "\(name) \(key)")
            }
        }
    }

    // MARK: - Checks Converse and Nova now share

    func test_unsupportedImageType_isInvalidArgumentNamingTheBlock() {
        assertInvalidArgument(request([ChatMessage(role: .user, content: [.text("Look"), .image(mediaType: "image/tiff", data: "AA")])]),
                              mentions: "messages[0].content[1].media_type", "image/tiff")
        let inResult = request([ChatMessage(role: .user, content: [.toolResult(toolUseId: "t", content: [.image(mediaType: "image/bmp", data: "AA")], isError: false)])],
                               tools: true)
        assertInvalidArgument(inResult, mentions: "messages[0].content[0].content[0].media_type")
    }

    func test_imageMediaType_isReadCaseInsensitively() throws {
        let body = try converse(request([ChatMessage(role: .user, content: [.image(mediaType: "image/PNG", data: "AA")])]))
        XCTAssertEqual(dig(body, "messages", 0, "content", 0, "image", "format"), .string("png"))
    }

    func test_cachePointInsideToolResult_followsTheResult() throws {
        let body = try converse(request([ChatMessage(role: .user, content: [.text("Go")]),
                                         ChatMessage(role: .assistant, content: [.toolUse(id: "t", name: "f", input: .object(JSONObject()))]),
                                         ChatMessage(role: .tool, content: [.toolResult(toolUseId: "t", content: [.text("long output"), .cachePoint(ttl: nil)], isError: false)])],
                                        tools: true))
        XCTAssertEqual(dig(body, "messages", 2, "content"), providerJSON(#"""
        [{"toolResult": {"content": [{"text": "long output"}], "toolUseId": "t", "status": "success"}},
         {"cachePoint": {"type": "default"}}]
        """#))
    }

    func test_toolBlocksInTheWrongRole_areInvalidArgument() {
        assertInvalidArgument(request([ChatMessage(role: .user, content: [.toolUse(id: "t", name: "f", input: .object(JSONObject()))])], tools: true),
                              mentions: "messages[0].content[0]", "assistant")
        assertInvalidArgument(request([ChatMessage(role: .user, content: [.text("Hi")]),
                                       ChatMessage(role: .assistant, content: [.toolResult(toolUseId: "t", content: [], isError: false)])], tools: true),
                              mentions: "messages[1].content[0]", "user or tool")
    }

    func test_toolResultHoldingAToolCall_isInvalidArgument() {
        let nested = ContentBlock.toolResult(toolUseId: "t", content: [.toolUse(id: "u", name: "f", input: .object(JSONObject()))], isError: false)
        assertInvalidArgument(request([ChatMessage(role: .tool, content: [nested])], tools: true),
                              mentions: "messages[0].content[0].content[0]", "tool_use")
    }

    func test_systemMessageWithAnImage_isInvalidArgument() {
        assertInvalidArgument(request([ChatMessage(role: .system, content: [.image(mediaType: "image/png", data: "AA")]),
                                       ChatMessage(role: .user, content: [.text("Hi")])]),
                              mentions: "messages[0].content[0]", "system")
    }

    func test_blankTextFromTheSwiftAPI_isDroppedAndABlankOnlyTurnNamed() throws {
        let body = try converse(request([ChatMessage(role: .system, content: [.text(" ")]),
                                         ChatMessage(role: .user, content: [.text("\n"), .text("Hi")])]))
        XCTAssertNil(body["system"])
        XCTAssertEqual(body["messages"], providerJSON(#"[{"role": "user", "content": [{"text": "Hi"}]}]"#))
        assertInvalidArgument(request([ChatMessage(role: .user, content: [.text("Hi")]),
                                       ChatMessage(role: .assistant, content: [.text("  "), .cachePoint(ttl: nil)])]),
                              mentions: "messages[1]")
    }

    func test_toolInput_nullIsAnEmptyObjectAndOtherTypesInvalid() throws {
        let body = try converse(request([ChatMessage(role: .user, content: [.text("Go")]),
                                         ChatMessage(role: .assistant, content: [.toolUse(id: "t", name: "f", input: .null)])], tools: true))
        XCTAssertEqual(dig(body, "messages", 1, "content", 0, "toolUse", "input"), .object(JSONObject()))
        assertInvalidArgument(request([ChatMessage(role: .user, content: [.text("Go")]),
                                       ChatMessage(role: .assistant, content: [.toolUse(id: "t", name: "f", input: .array([]))])], tools: true),
                              mentions: "messages[1].content[0].input")
    }

    func test_toolSchemaNotAnObject_isInvalidArgumentNamingTheTool() {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])])
        request.tools = [ToolSpec(name: "f", description: nil, inputSchema: .string("object"))]
        assertInvalidArgument(request, mentions: "tools[0].input_schema")
    }

    func test_negativeMaxTokensAndNonFiniteNumbers_areInvalidArgument() {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])])
        request.maxTokens = -1
        assertInvalidArgument(request, mentions: "max_tokens")
        request.maxTokens = nil
        request.temperature = .nan
        assertInvalidArgument(request, mentions: "temperature")
        request.temperature = nil
        request.topP = .infinity
        assertInvalidArgument(request, mentions: "top_p")
    }

    func test_toolResultsWithNoToolConfig_goAsText() throws {
        // No tools, and no call to name a minimal spec after: Converse refuses toolResult
        // blocks without a toolConfig, so the results are written as text.
        let body = try converse(request([ChatMessage(role: .user, content: [.text("Hi")]),
                                         ChatMessage(role: .tool, content: [.toolResult(toolUseId: "t", content: [.text("42")], isError: false)])]))
        XCTAssertNil(body["toolConfig"])
        XCTAssertEqual(dig(body, "messages", 0, "content"), providerJSON(#"[{"text": "Hi"}, {"text": "[Tool output: 42]"}]"#))
    }

    func test_systemOnlyConversation_sendsNoMessages() throws {
        // Unlike Nova's body: Converse serves Prompt Management prompts, which bring their own.
        let body = try converse(request([ChatMessage(role: .system, content: [.text("Be brief.")])]))
        XCTAssertEqual(body["messages"], .array([]))
    }

    // MARK: - Replies

    func test_docsResponse_parsesBlocksStopUsageTraceAndExtras() throws {
        let body = providerJSON(#"""
        {"output": {"message": {"role": "assistant", "content": [
            {"reasoningContent": {"reasoningText": {"text": "Think.", "signature": "c2ln"}}},
            {"text": "Calling."},
            {"toolUse": {"toolUseId": "tooluse_1", "name": "top_song", "input": {"sign": "WZPZ"}}}]}},
         "stopReason": "tool_use",
         "usage": {"inputTokens": 30, "outputTokens": 20, "totalTokens": 50, "cacheReadInputTokens": 4, "cacheWriteInputTokens": 2},
         "metrics": {"latencyMs": 300}, "trace": {"guardrail": {}},
         "additionalModelResponseFields": {"stop_sequence": null}, "serviceTier": {"type": "flex"}}
        """#)
        let reply = try ConverseFormat().parseResponse(body)
        var extras = ReplyExtras()
        extras.read(converse: body)
        XCTAssertEqual(reply, ProviderReply(blocks: [.reasoning(text: "Think.", signature: "c2ln"), .text("Calling."),
                                                     .toolUse(id: "tooluse_1", name: "top_song", input: providerJSON(#"{"sign": "WZPZ"}"#))],
                                            providerStopReason: "tool_use",
                                            usage: ChatUsage(inputTokens: 30, outputTokens: 20, cacheReadInputTokens: 4, cacheWriteInputTokens: 2)))
        XCTAssertEqual(extras, ReplyExtras(trace: providerJSON(#"{"guardrail": {}}"#),
                                           additionalFields: providerJSON(#"{"stop_sequence": null}"#), serviceTier: "flex"))
    }

    func test_citations_comeBackPerTextBlockAndGoBackAsCitationsContent() throws {
        let citation = providerJSON(#"{"title": "report", "sourceContent": [{"text": "Sales rose."}], "location": {"documentChar": {"documentIndex": 0, "start": 0, "end": 11}}}"#)
        let reply = try ConverseFormat().parseResponse(providerJSON(#"""
        {"output": {"message": {"role": "assistant", "content": [
            {"citationsContent": {"content": [{"text": "Sales "}, {"text": "rose."}], "citations": [\#(citation.serialized())]}}]}},
         "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}}
        """#))
        XCTAssertEqual(reply.blocks, [.citedText("Sales rose.", citations: [citation])])
        let body = try converse(request([ChatMessage(role: .user, content: [.text("Q")]),
                                         ChatMessage(role: .assistant, content: reply.blocks),
                                         ChatMessage(role: .user, content: [.text("More")])]))
        XCTAssertEqual(body["messages"]?.arrayValue?[1]["content"]?.arrayValue?.first,
                       .object(JSONObject(["citationsContent": .object(JSONObject([
                           "content": .array([providerJSON(#"{"text": "Sales rose."}"#)]), "citations": .array([citation])]))])))

        var accumulator = ChatAccumulator()
        _ = accumulator.apply(.text(index: 0, text: "Sales rose."))
        XCTAssertEqual(accumulator.apply(.citation(index: 0, citation: citation)),
                       .object(JSONObject(["type": .string("citation"), "index": .int(0), "citation": citation])))
        XCTAssertEqual(accumulator.blocks, [.citedText("Sales rose.", citations: [citation])])
    }

    func test_citableDocuments_goAsConverseDocuments() throws {
        let document = ContentBlock.media(MediaBlock(kind: .document, format: "txt", name: "report",
                                                     source: .content(["Sales rose.", "Costs fell."]), citations: true,
                                                     context: "Q3"))
        let body = try converse(request([ChatMessage(role: .user, content: [.text("Summarise"), document])]))
        XCTAssertEqual(body["messages"]?.arrayValue?[0]["content"]?.arrayValue?[1], providerJSON(#"""
        {"document": {"format": "txt", "name": "report", "source": {"content": [{"text": "Sales rose."}, {"text": "Costs fell."}]},
                      "context": "Q3", "citations": {"enabled": true}}}
        """#))
    }

    func test_redactedReasoning_comesBackAndGoesOutUnchanged() throws {
        let reply = try ConverseFormat().parseResponse(providerJSON(#"""
        {"output": {"message": {"role": "assistant", "content": [
            {"reasoningContent": {"redactedContent": "ZW5jcnlwdGVk"}}, {"text": "Done."}]}},
         "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}}
        """#))
        XCTAssertEqual(reply.blocks.first, .reasoning(text: "", signature: AnthropicFormat.redactedThinkingPrefix + "ZW5jcnlwdGVk"))
        let body = try converse(request([ChatMessage(role: .user, content: [.text("Q")]),
                                         ChatMessage(role: .assistant, content: reply.blocks),
                                         ChatMessage(role: .user, content: [.text("Again")])]))
        XCTAssertEqual(body["messages"]?.arrayValue?[1]["content"]?.arrayValue?.first,
                       providerJSON(#"{"reasoningContent": {"redactedContent": "ZW5jcnlwdGVk"}}"#))
    }

    func test_malformedResponses_areProtocolErrorsNamingTheMember() {
        for (text, member) in [(#"{"output": {}}"#, "output.message"),
                               (#"{"output": {"message": {"content": [{"text": 1}]}}}"#, "content[0].text"),
                               (#"{"output": {"message": {"content": [{"toolUse": {"name": "f"}}]}}}"#, "toolUseId"),
                               (#"{"output": {"message": {"content": []}}, "usage": {"inputTokens": -1}}"#, "usage.inputTokens")] {
            assertProtocolError(try ConverseFormat().parseResponse(providerJSON(text)), text, mentions: "Converse response", member)
        }
    }

    // MARK: - Stream events

    func test_docsStreamEvents_yieldTextToolCallReasoningStopAndUsage() throws {
        var parser = ConverseStreamParser()
        var deltas: [ChatDelta] = []
        for event in [#"{"messageStart": {"role": "assistant"}}"#,
                      #"{"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "Hmm."}}}}"#,
                      #"{"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": "c2ln"}}}}"#,
                      #"{"contentBlockStop": {"contentBlockIndex": 0}}"#,
                      #"{"contentBlockDelta": {"contentBlockIndex": 1, "delta": {"text": "Calling."}}}"#,
                      #"{"contentBlockStart": {"contentBlockIndex": 2, "start": {"toolUse": {"toolUseId": "tooluse_1", "name": "top_song"}}}}"#,
                      #"{"contentBlockDelta": {"contentBlockIndex": 2, "delta": {"toolUse": {"input": ""}}}}"#,
                      #"{"contentBlockDelta": {"contentBlockIndex": 2, "delta": {"toolUse": {"input": "{\"sign\": \"WZPZ\"}"}}}}"#,
                      #"{"messageStop": {"stopReason": "tool_use"}}"#,
                      #"{"metadata": {"usage": {"inputTokens": 30, "outputTokens": 20, "totalTokens": 50, "cacheReadInputTokens": 4}, "metrics": {"latencyMs": 300}}}"#] {
            deltas += try parser.parse(chunk: providerJSON(event))
        }
        XCTAssertEqual(deltas, [.reasoning(index: 0, text: "Hmm."), .reasoningSignature(index: 0, signature: "c2ln"),
                                .text(index: 1, text: "Calling."),
                                .toolCallStart(index: 2, id: "tooluse_1", name: "top_song"),
                                .toolCallDelta(index: 2, args: "{\"sign\": \"WZPZ\"}"),
                                .stop(providerReason: "tool_use"),
                                .usage(ChatUsage(inputTokens: 30, outputTokens: 20, cacheReadInputTokens: 4))])
    }

    func test_malformedStreamEvents_areProtocolErrors() {
        for event in [#"{"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": 3}}}"#,
                      #"{"contentBlockDelta": {"contentBlockIndex": "0", "delta": {"text": "x"}}}"#,
                      #"{"contentBlockStart": {"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "t"}}}}"#,
                      #"{"metadata": {"usage": {"outputTokens": "many"}}}"#] {
            var parser = ConverseStreamParser()
            assertProtocolError(try parser.parse(chunk: providerJSON(event)), event, mentions: "ConverseStream event")
        }
    }

    // MARK: - Helpers

    /// A request for Claude; with `tools`, one tool `f` is offered, so tool blocks stay blocks.
    private func request(_ messages: [ChatMessage], tools: Bool = false) -> ChatRequest {
        var request = ChatRequest(model: claude, provider: .anthropic)
        request.messages = messages
        if tools { request.tools = [ToolSpec(name: "f", description: "F.", inputSchema: .object(JSONObject()))] }
        return request
    }

    /// The member at a path of keys and array indices, or nil.
    private func dig(_ json: JSON, _ path: Any...) -> JSON? {
        var current: JSON? = json
        for step in path {
            switch step {
            case let key as String: current = current?[key]
            case let index as Int: current = current?.arrayValue.flatMap { $0.indices.contains(index) ? $0[index] : nil }
            default: return nil
            }
        }
        return current
    }

    private func converse(_ request: ChatRequest) throws -> JSON {
        try ConverseFormat().requestBody(request)
    }

    /// The request is refused, as Converse and as Nova, with a message naming every fragment.
    private func assertInvalidArgument(_ request: ChatRequest, mentions fragments: String...,
                                       file: StaticString = #filePath, line: UInt = #line) {
        var nova = request
        nova.model = "amazon.nova-lite-v1:0"
        let attempts: [(String, () throws -> JSON)] = [
            ("Converse", { try ConverseFormat().requestBody(request) }),
            ("Nova", { try AmazonFormat().requestBody(nova, modelId: nova.model, stream: false) }),
        ]
        for (label, attempt) in attempts {
            assertBedrockError(try attempt(), status: .invalidArgument, label, mentions: fragments, file: file, line: line)
        }
    }

    func test_topK_goesWhereEachModelReadsIt() throws {
        var claude = ChatRequest(model: "anthropic.claude-3-haiku-20240307-v1:0", provider: .anthropic)
        claude.messages = [ChatMessage(role: .user, content: [.text("hi")])]
        claude.topK = 40
        XCTAssertEqual(try ConverseFormat().requestBody(claude)["additionalModelRequestFields"]?["top_k"], .int(40))
        var nova = ChatRequest(model: "amazon.nova-lite-v1:0", provider: .amazon)
        nova.messages = claude.messages
        nova.topK = 40
        XCTAssertEqual(try ConverseFormat().requestBody(nova)["additionalModelRequestFields"]?["inferenceConfig"]?["topK"],
                       .int(40))
    }

    func test_toolChoiceNone_withholdsTheTools_unlessHistoryNeedsAToolConfig() throws {
        var request = ChatRequest(model: "anthropic.claude-3-haiku-20240307-v1:0", provider: .anthropic)
        request.messages = [ChatMessage(role: .user, content: [.text("hi")])]
        request.tools = [ToolSpec(name: "get_weather", description: "Weather.", inputSchema: .object(JSONObject()))]
        request.toolChoice = ToolChoice.none
        XCTAssertNil(try ConverseFormat().requestBody(request)["toolConfig"])
        request.messages += [
            ChatMessage(role: .assistant, content: [.toolUse(id: "t1", name: "get_weather", input: .object(JSONObject()))]),
            ChatMessage(role: .tool, content: [.toolResult(toolUseId: "t1", content: [.text("sunny")], isError: false)]),
        ]
        let config = try ConverseFormat().requestBody(request)["toolConfig"]
        XCTAssertEqual(config?["tools"]?.arrayValue?.count, 1)
        XCTAssertNil(config?["toolChoice"])
    }

    // MARK: - System tools (Nova's nova_grounding)

    func test_systemTools_goAfterTheCustomToolsAndOnlyThroughConverse() throws {
        let request = try ChatRequest(json: providerJSON(#"""
        {"model": "amazon.nova-premier-v1:0", "messages": [["human", "News?"]],
         "tools": [{"type": "system_tool", "name": "nova_grounding"},
                   {"name": "get_weather", "input_schema": {"type": "object"}},
                   {"systemTool": {"name": "nova_code_interpreter"}}]}
        """#))
        XCTAssertEqual(request.converseOnlyField, "tools[0]")
        XCTAssertEqual(try ConverseFormat().requestBody(request)["toolConfig"], providerJSON(#"""
        {"tools": [{"toolSpec": {"name": "get_weather", "description": "get_weather", "inputSchema": {"json": {"type": "object"}}}},
                   {"systemTool": {"name": "nova_grounding"}}, {"systemTool": {"name": "nova_code_interpreter"}}]}
        """#))
        let only = try ChatRequest(json: providerJSON(#"""
        {"model": "amazon.nova-premier-v1:0", "messages": [["human", "News?"]], "tool_choice": "auto",
         "tools": [{"type": "system_tool", "name": "nova_grounding"}]}
        """#))
        XCTAssertEqual(try ConverseFormat().requestBody(only)["toolConfig"],
                       providerJSON(#"{"tools": [{"systemTool": {"name": "nova_grounding"}}], "toolChoice": {"auto": {}}}"#))
    }

    func test_systemToolMistakes_areInvalidArgumentNamingTheField() {
        for (tools, choice, field) in [(#"[{"type": "system_tool"}]"#, "null", "request.tools[0].name"),
                                       (#"[{"systemTool": {"name": ""}}]"#, "null", "request.tools[0].name"),
                                       (#"[{"type": "system_tool", "name": "nova_grounding"}, {"type": "cache_point"}]"#, "null", "request.tools[1]"),
                                       (#"[{"type": "system_tool", "name": "nova_grounding"}]"#, #""any""#, "request.tool_choice"),
                                       (#"[{"type": "system_tool", "name": "nova_grounding"}]"#, #"{"name": "nova_grounding"}"#, "request.tool_choice")] {
            let text = #"{"model": "amazon.nova-premier-v1:0", "messages": [["human", "Hi"]], "tools": \#(tools), "tool_choice": \#(choice)}"#
            assertBedrockError(try ChatRequest(json: providerJSON(text)), status: .invalidArgument, text, mentions: [field])
        }
    }

    func test_serverToolBlocks_comeBackApartFromToolCallsAndGoBackUnchanged() throws {
        let reply = try ConverseFormat().parseResponse(providerJSON(#"""
        {"output": {"message": {"role": "assistant", "content": [
            {"toolUse": {"toolUseId": "s1", "name": "nova_grounding", "input": {"query": "news"}, "type": "server_tool_use"}},
            {"toolResult": {"toolUseId": "s1", "type": "nova_grounding", "status": "success", "content": [{"json": {"results": []}}]}},
            {"text": "Here."}]}},
         "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}}
        """#))
        XCTAssertEqual(reply.blocks, [.serverToolUse(id: "s1", name: "nova_grounding", input: providerJSON(#"{"query": "news"}"#)),
                                      .serverToolResult(toolUseId: "s1", toolType: "nova_grounding",
                                                        content: [providerJSON(#"{"json": {"results": []}}"#)], isError: false),
                                      .text("Here.")])
        let response = ChatResponse(blocks: reply.blocks, providerStopReason: "end_turn", usage: ChatUsage(), modelId: "m",
                                    requestId: nil, api: .converse, extras: ReplyExtras())
        XCTAssertEqual(response.stopReason, StopReason.endTurn, "the service ran the tool: the caller has nothing to call")
        XCTAssertEqual(response.json["tool_calls"], .array([]))
        XCTAssertEqual(response.json["blocks"]?.arrayValue?[1], providerJSON(#"""
        {"type": "server_tool_result", "tool_use_id": "s1", "tool_type": "nova_grounding", "is_error": false, "content": [{"json": {"results": []}}]}
        """#))

        var next = request([ChatMessage(role: .user, content: [.text("News?")]), ChatMessage(role: .assistant, content: reply.blocks),
                            ChatMessage(role: .user, content: [.text("More")])])
        next.systemTools = [SystemTool(name: "nova_grounding", index: 0)]
        XCTAssertEqual(try converse(next)["messages"]?.arrayValue?[1]["content"], providerJSON(#"""
        [{"toolUse": {"toolUseId": "s1", "name": "nova_grounding", "input": {"query": "news"}, "type": "server_tool_use"}},
         {"toolResult": {"toolUseId": "s1", "content": [{"json": {"results": []}}], "status": "success", "type": "nova_grounding"}},
         {"text": "Here."}]
        """#))
        next.systemTools = []  // No tools offered: the history goes as text, as tool history does.
        XCTAssertEqual(try converse(next)["messages"]?.arrayValue?[1]["content"]?.arrayValue?.first,
                       providerJSON(#"{"text": "[Called nova_grounding with parameters: {\"query\":\"news\"}]"}"#))
        let misplaced = request([ChatMessage(role: .user, content: [reply.blocks[0]])])
        assertBedrockError(try converse(misplaced), status: .invalidArgument, mentions: ["assistant message"])
    }

    func test_serverToolStreamEvents_accumulateIntoTheSameBlocks() throws {
        var parser = ConverseStreamParser()
        var accumulator = ChatAccumulator()
        var events: [JSON] = []
        for event in [#"{"contentBlockStart": {"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "s1", "name": "nova_grounding", "type": "server_tool_use"}}}}"#,
                      #"{"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"toolUse": {"input": "{\"query\": "}}}}"#,
                      #"{"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"toolUse": {"input": "\"news\"}"}}}}"#,
                      #"{"contentBlockStop": {"contentBlockIndex": 0}}"#,
                      #"{"contentBlockStart": {"contentBlockIndex": 1, "start": {"toolResult": {"toolUseId": "s1", "type": "nova_grounding", "status": "success"}}}}"#,
                      #"{"contentBlockDelta": {"contentBlockIndex": 1, "delta": {"toolResult": [{"text": "found "}]}}}"#,
                      #"{"contentBlockDelta": {"contentBlockIndex": 1, "delta": {"toolResult": [{"text": "two"}, {"json": {"n": 2}}]}}}"#,
                      #"{"contentBlockDelta": {"contentBlockIndex": 2, "delta": {"text": "Here."}}}"#] {
            for delta in try parser.parse(chunk: providerJSON(event)) { if let made = accumulator.apply(delta) { events.append(made) } }
        }
        XCTAssertEqual(events.compactMap { $0["type"]?.stringValue },
                       ["server_tool_call_start", "server_tool_call_delta", "server_tool_call_delta",
                        "server_tool_result", "server_tool_result_delta", "server_tool_result_delta", "text"])
        XCTAssertEqual(events[3], providerJSON(#"{"type": "server_tool_result", "index": 1, "tool_use_id": "s1", "tool_type": "nova_grounding", "is_error": false}"#))
        XCTAssertEqual(accumulator.blocks, [.serverToolUse(id: "s1", name: "nova_grounding", input: providerJSON(#"{"query": "news"}"#)),
                                            .serverToolResult(toolUseId: "s1", toolType: "nova_grounding",
                                                              content: [providerJSON(#"{"text": "found two"}"#), providerJSON(#"{"json": {"n": 2}}"#)],
                                                              isError: false),
                                            .text("Here.")])
    }
}
