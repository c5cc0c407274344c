import XCTest

@testable import Bedrock

final class CohereFormatTests: XCTestCase, ProviderFormatTesting {
    let format = CohereFormat()
    let provider = Provider.cohere
    let command = "cohere.command-text-v14"
    let commandR = "cohere.command-r-plus-v1:0"
    var model: String { command }

    let weather = ToolSpec(name: "get_weather", description: "Weather for a city.", inputSchema: providerJSON(#"""
        {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
         "days": {"type": "integer"}, "units": {"anyOf": [{"type": "null"}, {"type": "string"}]}, "when": {}},
         "required": ["city"]}
        """#))

    func test_variants_andCapabilities() {
        XCTAssertEqual(CohereFormat.variant(modelId: "cohere.command-text-v14"), .command)
        XCTAssertEqual(CohereFormat.variant(modelId: "cohere.command-light-text-v14"), .command)
        XCTAssertEqual(CohereFormat.variant(modelId: "cohere.command-r-v1:0"), .commandR)
        XCTAssertEqual(CohereFormat.variant(modelId: "cohere.command-r-plus-v1:0"), .commandR)
        XCTAssertFalse(format.supportsTools(modelId: command))
        XCTAssertTrue(format.supportsTools(modelId: commandR))
        XCTAssertTrue(format.supportsStopSequences(modelId: command))
        XCTAssertTrue(format.supportsStopSequences(modelId: commandR))
    }

    // MARK: Command

    func test_command_body_singleMessage_pAndK_streamFlag() throws {
        var request = request([ChatMessage(role: .system, content: [.text("Be short.")]),
                               ChatMessage(role: .user, content: [.text("Write a haiku.")])])
        request.maxTokens = 100
        request.temperature = 0.8
        request.topP = 0.9
        request.topK = 50
        request.stop = ["--"]
        let body = try body(request, stream: true)
        assertJSONEqual(body, providerJSON(#"""
            {"prompt": "Be short.\n\nWrite a haiku.", "max_tokens": 100, "temperature": 0.8, "p": 0.9, "k": 50,
             "stop_sequences": ["--"], "stream": true}
            """#))
        XCTAssertNil(try self.body(request)["stream"])
    }

    func test_command_body_conversationAsTranscript() throws {
        let request = request([
            ChatMessage(role: .user, content: [.text("Hi")]),
            ChatMessage(role: .assistant, content: [.text("Hello!")]),
            ChatMessage(role: .user, content: [.text("A joke?")]),
        ])
        let body = try body(request)
        XCTAssertEqual(body["prompt"]?.stringValue, "User: Hi\nChatbot: Hello!\nUser: A joke?\nChatbot:")
    }

    /// The Command response body from Bedrock's Cohere documentation.
    func test_command_parseResponse() throws {
        let reply = try reply(#"""
            {"generations": [{"finish_reason": "COMPLETE", "id": "g1", "text": " Autumn leaves fall.", "index": 0}],
             "id": "r1", "prompt": "Write a haiku."}
            """#)
        XCTAssertEqual(reply, ProviderReply(blocks: [.text(" Autumn leaves fall.")], providerStopReason: "COMPLETE"))
        assertProtocolError(try self.reply(#"{"generations": []}"#))
    }

    func test_command_stream() throws {
        let result = try streamed([
            #"{"text": " Autumn", "is_finished": false}"#,
            #"{"text": " leaves.", "is_finished": false}"#,
            #"{"is_finished": true, "finish_reason": "COMPLETE", "response": {"generations": []}}"#,
        ])
        XCTAssertEqual(result.deltas, [.text(index: 0, text: " Autumn"), .text(index: 0, text: " leaves."),
                                       .stop(providerReason: "COMPLETE")])
    }

    // MARK: Command R

    func test_commandR_body_preambleHistoryMessageAndParameters() throws {
        var request = request([
            ChatMessage(role: .system, content: [.text("You are a pirate.")]),
            ChatMessage(role: .user, content: [.text("Hi")]),
            ChatMessage(role: .assistant, content: [.text("Ahoy!")]),
            ChatMessage(role: .user, content: [.text("Where is the treasure?")]),
        ], model: commandR)
        request.maxTokens = 300
        request.temperature = 0.3
        request.topP = 0.75
        request.topK = 0
        request.stop = ["Arr"]
        request.modelKwargs = JSONObject(["prompt_truncation": .string("AUTO_PRESERVE_ORDER"), "max_tokens": .int(5)])
        let body = try body(request, stream: true)
        assertJSONEqual(body, providerJSON(#"""
            {"prompt_truncation": "AUTO_PRESERVE_ORDER", "preamble": "You are a pirate.",
             "chat_history": [{"role": "USER", "message": "Hi"}, {"role": "CHATBOT", "message": "Ahoy!"}],
             "message": "Where is the treasure?", "max_tokens": 300, "temperature": 0.3, "p": 0.75, "k": 0,
             "stop_sequences": ["Arr"]}
            """#))
    }

    func test_commandR_body_toolsFromJSONSchema() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Weather?")])], model: commandR)
        request.tools = [weather, ToolSpec(name: "now", description: nil, inputSchema: providerJSON(#"{"type": "object"}"#))]
        let body = try body(request)
        assertJSONEqual(body["tools"] ?? .null, providerJSON(#"""
            [{"name": "get_weather", "description": "Weather for a city.", "parameter_definitions": {
                "city": {"description": "City name", "type": "str", "required": true},
                "days": {"type": "int", "required": false},
                "units": {"type": "str", "required": false},
                "when": {"required": false}}},
             {"name": "now", "description": "now", "parameter_definitions": {}}]
            """#))
    }

    /// After the model's tool calls, the results go in `tool_results` with the calls they
    /// answer; the history runs through the chatbot turn that made the calls.
    func test_commandR_body_toolResultsTurn() throws {
        var request = request([
            ChatMessage(role: .user, content: [.text("Weather in Paris and Oslo?")]),
            ChatMessage(role: .assistant, content: [
                .text("I will look both up."),
                .toolUse(id: "g1_0", name: "get_weather", input: providerJSON(#"{"city": "Paris"}"#)),
                .toolUse(id: "g1_1", name: "get_weather", input: providerJSON(#"{"city": "Oslo"}"#)),
            ]),
            ChatMessage(role: .tool, content: [.toolResult(toolUseId: "g1_0", content: [.text("18 C")], isError: false)]),
            ChatMessage(role: .tool, content: [.toolResult(toolUseId: "g1_1", content: [], isError: false)]),
        ], model: commandR)
        request.tools = [weather]
        let body = try body(request)
        XCTAssertEqual(body["message"], .string(""))
        assertJSONEqual(body["chat_history"] ?? .null, providerJSON(#"""
            [{"role": "USER", "message": "Weather in Paris and Oslo?"},
             {"role": "CHATBOT", "message": "I will look both up.", "tool_calls": [
                {"name": "get_weather", "parameters": {"city": "Paris"}}, {"name": "get_weather", "parameters": {"city": "Oslo"}}]}]
            """#))
        assertJSONEqual(body["tool_results"] ?? .null, providerJSON(#"""
            [{"call": {"name": "get_weather", "parameters": {"city": "Paris"}}, "outputs": [{"output": "18 C"}]},
             {"call": {"name": "get_weather", "parameters": {"city": "Oslo"}}, "outputs": [{"output": ""}]}]
            """#))
        XCTAssertNotNil(body["tools"])
    }

    /// Earlier tool turns stay in the history as TOOL entries when the conversation moves on.
    func test_commandR_body_earlierToolTurnInHistory() throws {
        var request = request([
            ChatMessage(role: .user, content: [.text("Weather?")]),
            ChatMessage(role: .assistant, content: [.toolUse(id: "c1", name: "get_weather", input: providerJSON(#"{"city": "Rome"}"#))]),
            ChatMessage(role: .tool, content: [.toolResult(toolUseId: "c1", content: [.text("25 C")], isError: false)]),
            ChatMessage(role: .assistant, content: [.text("It is 25 C.")]),
            ChatMessage(role: .user, content: [.text("Thanks")]),
        ], model: commandR)
        request.tools = [weather]
        let body = try body(request)
        XCTAssertEqual(body["message"], .string("Thanks"))
        XCTAssertNil(body["tool_results"])
        assertJSONEqual(body["chat_history"] ?? .null, providerJSON(#"""
            [{"role": "USER", "message": "Weather?"},
             {"role": "CHATBOT", "message": "", "tool_calls": [{"name": "get_weather", "parameters": {"city": "Rome"}}]},
             {"role": "TOOL", "tool_results": [{"call": {"name": "get_weather", "parameters": {"city": "Rome"}}, "outputs": [{"output": "25 C"}]}]},
             {"role": "CHATBOT", "message": "It is 25 C."}]
            """#))
    }

    func test_commandR_forcedToolAndSchema_offerOnlyThatTool_noneOffersNone() throws {
        var request = request([ChatMessage(role: .user, content: [.text("Hi")])], model: commandR)
        request.tools = [weather, ToolSpec(name: "now", description: "Time.", inputSchema: providerJSON(#"{"type": "object"}"#))]
        request.toolChoice = .tool("now")
        XCTAssertEqual(try body(request)["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue },
                       ["now"])
        request.toolChoice = ToolChoice.none
        XCTAssertNil(try body(request)["tools"])
        request.toolChoice = nil
        request.responseSchema = ToolSpec(name: "Answer", description: "The answer.", inputSchema: providerJSON(#"{"type": "object", "properties": {"a": {"type": "string"}}}"#))
        XCTAssertEqual(try body(request)["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue },
                       ["Answer"])
    }

    func test_commandR_invalidConversations_areInvalidArguments() {
        let endsWithAssistant = request([ChatMessage(role: .user, content: [.text("Hi")]),
                                         ChatMessage(role: .assistant, content: [.text("Hello")])], model: commandR)
        assertInvalidArgument(endsWithAssistant, mentions: "messages")
        let unknownCall = request([ChatMessage(role: .user, content: [.text("Hi")]),
                                   ChatMessage(role: .tool, content: [.toolResult(toolUseId: "nope", content: [], isError: false)])],
                                  model: commandR)
        assertInvalidArgument(unknownCall, mentions: "messages[1].content[0]", "nope")
        let image = request([ChatMessage(role: .user, content: [.image(mediaType: "image/png", data: "AA")])], model: commandR)
        assertInvalidArgument(image, mentions: "messages[0].content[0]", "image")
    }

    /// The Command R response body from Bedrock's Cohere documentation, with tool calls.
    func test_commandR_parseResponse_toolCallsAndUsage() throws {
        let reply = try reply(#"""
            {"response_id": "r1", "text": "I will look up the weather.", "generation_id": "gen-7",
             "chat_history": [], "finish_reason": "COMPLETE",
             "tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris"}}, {"name": "now", "parameters": {}}],
             "meta": {"api_version": {"version": "1"}, "billed_units": {"input_tokens": 120, "output_tokens": 30}}}
            """#, model: commandR)
        XCTAssertEqual(reply, ProviderReply(
            blocks: [.text("I will look up the weather."),
                     .toolUse(id: "gen-7_0", name: "get_weather", input: providerJSON(#"{"city": "Paris"}"#)),
                     .toolUse(id: "gen-7_1", name: "now", input: providerJSON("{}"))],
            providerStopReason: "COMPLETE", usage: ChatUsage(inputTokens: 120, outputTokens: 30)))
        assertProtocolError(try self.reply(#"{"tool_calls": [{"parameters": {}}]}"#, model: commandR))
    }

    func test_commandR_stream_chunkedToolCalls() throws {
        let result = try streamed([
            #"{"is_finished": false, "event_type": "stream-start", "generation_id": "gen-9"}"#,
            #"{"is_finished": false, "event_type": "tool-calls-chunk", "text": "I will check."}"#,
            #"{"is_finished": false, "event_type": "tool-calls-chunk", "tool_call_delta": {"index": 0, "name": "get_weather"}}"#,
            #"{"is_finished": false, "event_type": "tool-calls-chunk", "tool_call_delta": {"index": 0, "parameters": "{\"city\": \"Pa"}}"#,
            #"{"is_finished": false, "event_type": "tool-calls-chunk", "tool_call_delta": {"index": 0, "parameters": "ris\"}"}}"#,
            #"{"is_finished": false, "event_type": "tool-calls-generation", "text": "I will check.", "tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris"}}]}"#,
            #"{"is_finished": true, "event_type": "stream-end", "finish_reason": "COMPLETE", "response": {"meta": {"billed_units": {"input_tokens": 50, "output_tokens": 12}}}}"#,
        ], model: commandR)
        XCTAssertEqual(result.deltas, [
            .text(index: 0, text: "I will check."),
            .toolCallStart(index: 1, id: "gen-9_0", name: "get_weather"),
            .toolCallDelta(index: 1, args: "{\"city\": \"Pa"),
            .toolCallDelta(index: 1, args: "ris\"}"),
            .usage(ChatUsage(inputTokens: 50, outputTokens: 12)),
            .stop(providerReason: "COMPLETE"),
        ])
    }

    func test_commandR_stream_wholeToolCallsWhenNotChunked_andText() throws {
        let result = try streamed([
            #"{"is_finished": false, "event_type": "stream-start", "generation_id": "g"}"#,
            #"{"is_finished": false, "event_type": "tool-calls-generation", "text": "Looking.", "tool_calls": [{"name": "now", "parameters": {}}]}"#,
            #"{"is_finished": true, "event_type": "stream-end", "finish_reason": "COMPLETE"}"#,
        ], model: commandR)
        XCTAssertEqual(result.blocks, [.text("Looking."), .toolUse(id: "g_0", name: "now", input: providerJSON("{}"))])
        let text = try streamed([
            #"{"is_finished": false, "event_type": "text-generation", "text": "Hel"}"#,
            #"{"is_finished": false, "event_type": "citation-generation", "citations": []}"#,
            #"{"is_finished": false, "event_type": "text-generation", "text": "lo"}"#,
            #"{"is_finished": true, "event_type": "stream-end", "finish_reason": "MAX_TOKENS"}"#,
        ], model: commandR)
        XCTAssertEqual(text.deltas, [.text(index: 0, text: "Hel"), .text(index: 0, text: "lo"), .stop(providerReason: "MAX_TOKENS")])
    }
}
