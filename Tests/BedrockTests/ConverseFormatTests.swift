import XCTest
@testable import Bedrock

/// Converse's request bodies, byte for byte, for requests in the C-API form.
final class ConverseFormatTests: XCTestCase {
    /// Requests in the C-API form, each with its Converse body as of commit 1ff1288, which must
    /// keep every byte.
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
        ("tool-choice-none-still-sends-tools", #"""
        {"model": "anthropic.claude-3-5-sonnet-20240620-v1:0", "tool_choice": "none", "messages": [["human", "Hi"]],
         "tools": [{"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object"}}]}
        """#,
         #"{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Weather.","inputSchema":{"json":{"type":"object"}}}}]}}"#),
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
         #"{"messages":[{"role":"user","content":[{"text":"Weather in Lima?"}]}],"system":[{"text":"Be brief."}],"inferenceConfig":{"temperature":0.5},"toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Weather.","inputSchema":{"json":{"type":"object"}}}},{"cachePoint":{"type":"default"}}],"toolChoice":{"tool":{"name":"get_weather"}}},"additionalModelRequestFields":{"top_k":5}}"#),
    ]

    func test_goldenRequests_keepTheirConverseBodiesByteForByte() throws {
        for golden in Self.goldens {
            let request = try ChatRequest(json: try JSON.parse(golden.request, field: golden.name))
            XCTAssertEqual(try ConverseFormat().requestBody(request).serialized(), golden.body, golden.name)
        }
    }
}
