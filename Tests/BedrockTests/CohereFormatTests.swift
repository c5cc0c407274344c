import XCTest

@testable import Bedrock

final class CohereFormatTests: XCTestCase {
    let format = CohereFormat()
    let command = "cohere.command-text-v14"
    let commandR = "cohere.command-r-plus-v1:0"

    let weather = ToolSpec(name: "get_weather", description: "Weather for a city.", inputSchema: providerJSON(#"""
        {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
         "days": {"type": "integer"}, "units": {"anyOf": [{"type": "null"}, {"type": "string"}]}, "when": {}},
         "required": ["city"]}
        """#))

    func request(_ model: String, _ messages: [ChatMessage]) -> ChatRequest {
        var request = ChatRequest(model: model, provider: .cohere)
        request.messages = messages
        return request
    }

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
        var request = request(command, [ChatMessage(role: .system, content: [.text("Be short.")]),
                                        ChatMessage(role: .user, content: [.text("Write a haiku.")])])
        request.maxTokens = 100
        request.temperature = 0.8
        request.topP = 0.9
        request.topK = 50
        request.stop = ["--"]
        let body = try format.requestBody(request, modelId: command, stream: true)
        assertProviderJSONEqual(body, providerJSON(#"""
            {"prompt": "Be short.\n\nWrite a haiku.", "max_tokens": 100, "temperature": 0.8, "p": 0.9, "k": 50,
             "stop_sequences": ["--"], "stream": true}
            """#))
        XCTAssertNil(try format.requestBody(request, modelId: command, stream: false)["stream"])
    }

    func test_command_body_conversationAsTranscript() throws {
        let request = request(command, [
            ChatMessage(role: .user, content: [.text("Hi")]),
            ChatMessage(role: .assistant, content: [.text("Hello!")]),
            ChatMessage(role: .user, content: [.text("A joke?")]),
        ])
        let body = try format.requestBody(request, modelId: command, stream: false)
        XCTAssertEqual(body["prompt"]?.stringValue, "User: Hi\nChatbot: Hello!\nUser: A joke?\nChatbot:")
    }

    /// The Command response body from Bedrock's Cohere documentation.
    func test_command_parseResponse() throws {
        let reply = try format.parseResponse(providerJSON(#"""
            {"generations": [{"finish_reason": "COMPLETE", "id": "g1", "text": " Autumn leaves fall.", "index": 0}],
             "id": "r1", "prompt": "Write a haiku."}
            """#), modelId: command)
        XCTAssertEqual(reply, ProviderReply(blocks: [.text(" Autumn leaves fall.")], providerStopReason: "COMPLETE"))
        assertFormatProtocolError(try format.parseResponse(providerJSON(#"{"generations": []}"#), modelId: command))
    }

    func test_command_stream() throws {
        let result = try FormatStreamResult(format: format, modelId: command, chunks: [
            providerJSON(#"{"text": " Autumn", "is_finished": false}"#),
            providerJSON(#"{"text": " leaves.", "is_finished": false}"#),
            providerJSON(#"{"is_finished": true, "finish_reason": "COMPLETE", "response": {"generations": []}}"#),
        ])
        XCTAssertEqual(result.deltas, [.text(index: 0, text: " Autumn"), .text(index: 0, text: " leaves."),
                                       .stop(providerReason: "COMPLETE")])
    }

    // MARK: Command R

    func test_commandR_body_preambleHistoryMessageAndParameters() throws {
        var request = request(commandR, [
            ChatMessage(role: .system, content: [.text("You are a pirate.")]),
            ChatMessage(role: .user, content: [.text("Hi")]),
            ChatMessage(role: .assistant, content: [.text("Ahoy!")]),
            ChatMessage(role: .user, content: [.text("Where is the treasure?")]),
        ])
        request.maxTokens = 300
        request.temperature = 0.3
        request.topP = 0.75
        request.topK = 0
        request.stop = ["Arr"]
        request.modelKwargs = JSONObject(["prompt_truncation": .string("AUTO_PRESERVE_ORDER"), "max_tokens": .int(5)])
        let body = try format.requestBody(request, modelId: commandR, stream: true)
        assertProviderJSONEqual(body, providerJSON(#"""
            {"prompt_truncation": "AUTO_PRESERVE_ORDER", "preamble": "You are a pirate.",
             "chat_history": [{"role": "USER", "message": "Hi"}, {"role": "CHATBOT", "message": "Ahoy!"}],
             "message": "Where is the treasure?", "max_tokens": 300, "temperature": 0.3, "p": 0.75, "k": 0,
             "stop_sequences": ["Arr"]}
            """#))
    }

    func test_commandR_body_toolsFromJSONSchema() throws {
        var request = request(commandR, [ChatMessage(role: .user, content: [.text("Weather?")])])
        request.tools = [weather, ToolSpec(name: "now", description: nil, inputSchema: providerJSON(#"{"type": "object"}"#))]
        let body = try format.requestBody(request, modelId: commandR, stream: false)
        assertProviderJSONEqual(body["tools"] ?? .null, providerJSON(#"""
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
        var request = request(commandR, [
            ChatMessage(role: .user, content: [.text("Weather in Paris and Oslo?")]),
            ChatMessage(role: .assistant, content: [
                .text("I will look both up."),
                .toolUse(id: "g1_0", name: "get_weather", input: providerJSON(#"{"city": "Paris"}"#)),
                .toolUse(id: "g1_1", name: "get_weather", input: providerJSON(#"{"city": "Oslo"}"#)),
            ]),
            ChatMessage(role: .tool, content: [.toolResult(toolUseId: "g1_0", content: [.text("18 C")], isError: false)]),
            ChatMessage(role: .tool, content: [.toolResult(toolUseId: "g1_1", content: [], isError: false)]),
        ])
        request.tools = [weather]
        let body = try format.requestBody(request, modelId: commandR, stream: false)
        XCTAssertEqual(body["message"], .string(""))
        assertProviderJSONEqual(body["chat_history"] ?? .null, providerJSON(#"""
            [{"role": "USER", "message": "Weather in Paris and Oslo?"},
             {"role": "CHATBOT", "message": "I will look both up.", "tool_calls": [
                {"name": "get_weather", "parameters": {"city": "Paris"}}, {"name": "get_weather", "parameters": {"city": "Oslo"}}]}]
            """#))
        assertProviderJSONEqual(body["tool_results"] ?? .null, providerJSON(#"""
            [{"call": {"name": "get_weather", "parameters": {"city": "Paris"}}, "outputs": [{"output": "18 C"}]},
             {"call": {"name": "get_weather", "parameters": {"city": "Oslo"}}, "outputs": [{"output": ""}]}]
            """#))
        XCTAssertNotNil(body["tools"])
    }

    /// Earlier tool turns stay in the history as TOOL entries when the conversation moves on.
    func test_commandR_body_earlierToolTurnInHistory() throws {
        var request = request(commandR, [
            ChatMessage(role: .user, content: [.text("Weather?")]),
            ChatMessage(role: .assistant, content: [.toolUse(id: "c1", name: "get_weather", input: providerJSON(#"{"city": "Rome"}"#))]),
            ChatMessage(role: .tool, content: [.toolResult(toolUseId: "c1", content: [.text("25 C")], isError: false)]),
            ChatMessage(role: .assistant, content: [.text("It is 25 C.")]),
            ChatMessage(role: .user, content: [.text("Thanks")]),
        ])
        request.tools = [weather]
        let body = try format.requestBody(request, modelId: commandR, stream: false)
        XCTAssertEqual(body["message"], .string("Thanks"))
        XCTAssertNil(body["tool_results"])
        assertProviderJSONEqual(body["chat_history"] ?? .null, providerJSON(#"""
            [{"role": "USER", "message": "Weather?"},
             {"role": "CHATBOT", "message": "", "tool_calls": [{"name": "get_weather", "parameters": {"city": "Rome"}}]},
             {"role": "TOOL", "tool_results": [{"call": {"name": "get_weather", "parameters": {"city": "Rome"}}, "outputs": [{"output": "25 C"}]}]},
             {"role": "CHATBOT", "message": "It is 25 C."}]
            """#))
    }

    func test_commandR_forcedToolAndSchema_offerOnlyThatTool_noneOffersNone() throws {
        var request = request(commandR, [ChatMessage(role: .user, content: [.text("Hi")])])
        request.tools = [weather, ToolSpec(name: "now", description: "Time.", inputSchema: providerJSON(#"{"type": "object"}"#))]
        request.toolChoice = .tool("now")
        XCTAssertEqual(try format.requestBody(request, modelId: commandR, stream: false)["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue },
                       ["now"])
        request.toolChoice = ToolChoice.none
        XCTAssertNil(try format.requestBody(request, modelId: commandR, stream: false)["tools"])
        request.toolChoice = nil
        request.responseSchema = ToolSpec(name: "Answer", description: "The answer.", inputSchema: providerJSON(#"{"type": "object", "properties": {"a": {"type": "string"}}}"#))
        XCTAssertEqual(try format.requestBody(request, modelId: commandR, stream: false)["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue },
                       ["Answer"])
    }

    func test_commandR_invalidConversations_areInvalidArguments() {
        let endsWithAssistant = request(commandR, [ChatMessage(role: .user, content: [.text("Hi")]),
                                                   ChatMessage(role: .assistant, content: [.text("Hello")])])
        assertFormatRejects(try format.requestBody(endsWithAssistant, modelId: commandR, stream: false), mentioning: ["messages"])
        let unknownCall = request(commandR, [ChatMessage(role: .user, content: [.text("Hi")]),
                                             ChatMessage(role: .tool, content: [.toolResult(toolUseId: "nope", content: [], isError: false)])])
        assertFormatRejects(try format.requestBody(unknownCall, modelId: commandR, stream: false),
                              mentioning: ["messages[1].content[0]", "nope"])
        let image = request(commandR, [ChatMessage(role: .user, content: [.image(mediaType: "image/png", data: "AA")])])
        assertFormatRejects(try format.requestBody(image, modelId: commandR, stream: false), mentioning: ["messages[0].content[0]", "image"])
    }

    /// The Command R response body from Bedrock's Cohere documentation, with tool calls.
    func test_commandR_parseResponse_toolCallsAndUsage() throws {
        let reply = try format.parseResponse(providerJSON(#"""
            {"response_id": "r1", "text": "I will look up the weather.", "generation_id": "gen-7",
             "chat_history": [], "finish_reason": "COMPLETE",
             "tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris"}}, {"name": "now", "parameters": {}}],
             "meta": {"api_version": {"version": "1"}, "billed_units": {"input_tokens": 120, "output_tokens": 30}}}
            """#), modelId: commandR)
        XCTAssertEqual(reply, ProviderReply(
            blocks: [.text("I will look up the weather."),
                     .toolUse(id: "gen-7_0", name: "get_weather", input: providerJSON(#"{"city": "Paris"}"#)),
                     .toolUse(id: "gen-7_1", name: "now", input: providerJSON("{}"))],
            providerStopReason: "COMPLETE", usage: ChatUsage(inputTokens: 120, outputTokens: 30)))
        assertFormatProtocolError(try format.parseResponse(providerJSON(#"{"tool_calls": [{"parameters": {}}]}"#), modelId: commandR))
    }

    func test_commandR_stream_chunkedToolCalls() throws {
        let result = try FormatStreamResult(format: format, modelId: commandR, chunks: [
            providerJSON(#"{"is_finished": false, "event_type": "stream-start", "generation_id": "gen-9"}"#),
            providerJSON(#"{"is_finished": false, "event_type": "tool-calls-chunk", "text": "I will check."}"#),
            providerJSON(#"{"is_finished": false, "event_type": "tool-calls-chunk", "tool_call_delta": {"index": 0, "name": "get_weather"}}"#),
            providerJSON(#"{"is_finished": false, "event_type": "tool-calls-chunk", "tool_call_delta": {"index": 0, "parameters": "{\"city\": \"Pa"}}"#),
            providerJSON(#"{"is_finished": false, "event_type": "tool-calls-chunk", "tool_call_delta": {"index": 0, "parameters": "ris\"}"}}"#),
            providerJSON(#"{"is_finished": false, "event_type": "tool-calls-generation", "text": "I will check.", "tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris"}}]}"#),
            providerJSON(#"{"is_finished": true, "event_type": "stream-end", "finish_reason": "COMPLETE", "response": {"meta": {"billed_units": {"input_tokens": 50, "output_tokens": 12}}}}"#),
        ])
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
        let result = try FormatStreamResult(format: format, modelId: commandR, chunks: [
            providerJSON(#"{"is_finished": false, "event_type": "stream-start", "generation_id": "g"}"#),
            providerJSON(#"{"is_finished": false, "event_type": "tool-calls-generation", "text": "Looking.", "tool_calls": [{"name": "now", "parameters": {}}]}"#),
            providerJSON(#"{"is_finished": true, "event_type": "stream-end", "finish_reason": "COMPLETE"}"#),
        ])
        XCTAssertEqual(result.blocks, [.text("Looking."), .toolUse(id: "g_0", name: "now", input: providerJSON("{}"))])
        let text = try FormatStreamResult(format: format, modelId: commandR, chunks: [
            providerJSON(#"{"is_finished": false, "event_type": "text-generation", "text": "Hel"}"#),
            providerJSON(#"{"is_finished": false, "event_type": "citation-generation", "citations": []}"#),
            providerJSON(#"{"is_finished": false, "event_type": "text-generation", "text": "lo"}"#),
            providerJSON(#"{"is_finished": true, "event_type": "stream-end", "finish_reason": "MAX_TOKENS"}"#),
        ])
        XCTAssertEqual(text.deltas, [.text(index: 0, text: "Hel"), .text(index: 0, text: "lo"), .stop(providerReason: "MAX_TOKENS")])
    }
}
