"""The reply rules every format shares: tool calls, tool results, reasoning, guardrails,
prompt caching, max tokens and stop sequences (through boto3)."""

import json

import pytest
from botocore.exceptions import ClientError
from emulator_testlib import MODEL, invoke, user
from format_cases import BY_NAME, CASES

SCHEMA = {"type": "object", "required": ["city"], "properties": {
    "city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]},
    "days": {"type": "integer"}}}
COHERE_PARAMETERS = {"city": {"type": "str", "required": True}, "days": {"type": "int"}}
GUARDRAIL = "Sorry, the model cannot answer this question."


def openai_tools(choice=None):
    body = {"tools": [{"type": "function", "function": {"name": "get_weather",
                                                         "parameters": SCHEMA}},
                      {"type": "function", "function": {"name": "get_time",
                                                        "parameters": {"type": "object"}}}]}
    if choice:
        body["tool_choice"] = (choice if choice in ("required", "any", "auto", "none") else
                               {"type": "function", "function": {"name": choice}})
    return body


def converse_tools(choice=None):
    config = {"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": SCHEMA}}},
                        {"toolSpec": {"name": "get_time",
                                      "inputSchema": {"json": {"type": "object"}}}}]}
    if choice:
        config["toolChoice"] = {"any": {}} if choice in ("any", "required") else {
            "tool": {"name": choice}}
    return config


# -- per-format tool requests and readers ---------------------------------------------------

def anthropic_request(text, choice=None, result=None):
    body = BY_NAME["anthropic"].build(text)
    body["tools"] = [{"name": "get_weather", "input_schema": SCHEMA},
                     {"name": "get_time", "input_schema": {"type": "object"}}]
    if choice:
        body["tool_choice"] = {"type": "any"} if choice in ("any", "required") else {
            "type": "tool", "name": choice}
    if result:
        body["messages"] += [
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1",
                                               "name": "get_weather", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
                                          "content": [{"type": "text", "text": result}]}]}]
    return body


def anthropic_call(body):
    [block] = [b for b in body["content"] if b["type"] == "tool_use"]
    return block["id"], block["name"], block["input"]


def anthropic_stream_call(chunks):
    start = next(c["content_block"] for c in chunks if c["type"] == "content_block_start"
                 and c["content_block"]["type"] == "tool_use")
    parts = [c["delta"]["partial_json"] for c in chunks if c["type"] == "content_block_delta"
             and c["delta"]["type"] == "input_json_delta"]
    return start["id"], start["name"], parts


def chat_request(name):
    def build(text, choice=None, result=None):
        body = {**BY_NAME[name].build(text), **openai_tools(choice)}
        if result:
            body["messages"] += [
                {"role": "assistant", "content": None, "tool_calls": [
                    {"id": "t1", "type": "function",
                     "function": {"name": "get_weather", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "t1", "content": result}]
        return body
    return build


def chat_call(message_key):
    def read(body):
        [call] = body["choices"][0][message_key]["tool_calls"]
        return call["id"], call["function"]["name"], json.loads(call["function"]["arguments"])
    return read


def delta_stream_call(chunks):
    deltas = [d for c in chunks for d in c["choices"][0]["delta"].get("tool_calls", [])]
    return deltas[0]["id"], deltas[0]["function"]["name"], [
        d["function"]["arguments"] for d in deltas[1:]]


def mistral_stream_call(chunks):
    [call] = [t for c in chunks for t in c["choices"][0]["message"].get("tool_calls", [])]
    return call["id"], call["function"]["name"], [call["function"]["arguments"]]


def cohere_request(text, choice=None, result=None):
    body = {"message": text, "tools": [
        {"name": "get_weather", "description": "Weather",
         "parameter_definitions": COHERE_PARAMETERS}]}
    if result:
        body["message"] = ""
        body["chat_history"] = [{"role": "USER", "message": text}]
        body["tool_results"] = [{"call": {"name": "get_weather", "parameters": {}},
                                 "outputs": [{"text": result}]}]
    return body


def cohere_call(body):
    [call] = body["tool_calls"]
    return None, call["name"], call["parameters"]


def cohere_stream_call(chunks):
    deltas = [c["tool_call_delta"] for c in chunks if c["event_type"] == "tool-calls-chunk"]
    [generated] = [c for c in chunks if c["event_type"] == "tool-calls-generation"]
    assert json.loads("".join(d.get("parameters", "") for d in deltas)) == \
        generated["tool_calls"][0]["parameters"]
    return None, deltas[0]["name"], [d["parameters"] for d in deltas[1:]]


def nova_request(text, choice=None, result=None):
    body = {**BY_NAME["nova"].build(text), "toolConfig": converse_tools(choice)}
    if result:
        body["messages"] += [
            {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1",
                                                           "name": "get_weather", "input": {}}}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": "t1",
                                                         "content": [{"text": result}]}}]}]
    return body


def nova_call(body):
    [use] = [b["toolUse"] for b in body["output"]["message"]["content"] if "toolUse" in b]
    return use["toolUseId"], use["name"], use["input"]


def nova_stream_call(chunks):
    start = next(c["contentBlockStart"]["start"]["toolUse"] for c in chunks
                 if "contentBlockStart" in c)
    parts = [c["contentBlockDelta"]["delta"]["toolUse"]["input"] for c in chunks
             if "contentBlockDelta" in c and "toolUse" in c["contentBlockDelta"]["delta"]]
    return start["toolUseId"], start["name"], parts


TOOL_FORMATS = {
    # name: (request builder, plain call reader, stream call reader, tool stop reason)
    "anthropic": (anthropic_request, anthropic_call, anthropic_stream_call, "tool_use"),
    "mistral-chat": (chat_request("mistral-chat"), chat_call("message"), mistral_stream_call,
                     "tool_calls"),
    "ai21": (chat_request("ai21"), chat_call("message"), delta_stream_call, "tool_calls"),
    "openai": (chat_request("openai"), chat_call("message"), delta_stream_call, "tool_calls"),
    "cohere-chat": (cohere_request, cohere_call, cohere_stream_call, "COMPLETE"),
    "nova": (nova_request, nova_call, nova_stream_call, "tool_use"),
}


@pytest.mark.parametrize("name", TOOL_FORMATS)
def test_tool_directive_makes_a_tool_call(client, name):
    build, read, read_stream, stop = TOOL_FORMATS[name]
    case = BY_NAME[name]
    request = build('weather? [[tool:get_weather {"city": "Paris", "days": 3}]]')
    body, headers = invoke(client, case.model, request)
    call_id, tool, arguments = read(body)
    assert (tool, arguments) == ("get_weather", {"city": "Paris", "days": 3})
    assert case.stop(body) == stop
    chunks, _ = invoke(client, case.model, request, stream=True)
    stream_id, stream_tool, fragments = read_stream(chunks)
    assert (stream_id, stream_tool) == (call_id, tool)
    assert json.loads("".join(fragments)) == arguments
    if name != "mistral-chat":  # Mistral sends a tool call whole
        assert len(fragments) >= 2
        assert int(headers["x-amzn-bedrock-output-token-count"]) == len(fragments)
    assert case.stream_stop(chunks) == stop
    if call_id is not None:
        assert call_id.startswith("tooluse_")
        assert read(invoke(client, case.model, request)[0])[0] == call_id  # deterministic


@pytest.mark.parametrize("name", TOOL_FORMATS)
def test_tool_directive_without_arguments_makes_them_up(client, name):
    build, read, _, _ = TOOL_FORMATS[name]
    body, _ = invoke(client, BY_NAME[name].model, build("[[tool:get_weather]] please"))
    assert read(body)[1:] == ("get_weather", {"city": "example"})


@pytest.mark.parametrize("name", [n for n in TOOL_FORMATS if n != "cohere-chat"])
@pytest.mark.parametrize("choice, tool", [("get_time", "get_time"), ("any", "get_weather")])
def test_forced_tool_choice(client, name, choice, tool):
    build, read, _, _ = TOOL_FORMATS[name]
    if name == "mistral-chat" and choice != "any":
        pytest.skip("Mistral's tool_choice is auto, any or none")
    body, _ = invoke(client, BY_NAME[name].model, build("just chatting", choice=choice))
    assert read(body)[1] == tool


@pytest.mark.parametrize("name", TOOL_FORMATS)
def test_tool_result_is_echoed(client, name):
    build, _, _, _ = TOOL_FORMATS[name]
    case = BY_NAME[name]
    request = build("weather? [[tool:get_weather]]", result="sunny, 21 C")
    body, _ = invoke(client, case.model, request)
    assert case.text(body) == "Tool said: sunny, 21 C"
    assert case.stop(body) == case.reasons["end"]
    chunks, _ = invoke(client, case.model, request, stream=True)
    assert case.stream_text(chunks) == "Tool said: sunny, 21 C"


def test_tools_not_offered_or_tool_choice_none(client):
    body, _ = invoke(client, BY_NAME["anthropic"].model,
                     BY_NAME["anthropic"].build("[[tool:get_weather]]"))
    assert body["content"][0]["text"] == "You said: [[tool:get_weather]]"
    request = {**BY_NAME["openai"].build("[[tool:get_weather]]"), **openai_tools("none")}
    body, _ = invoke(client, BY_NAME["openai"].model, request)
    assert body["choices"][0]["message"]["content"] == "You said: [[tool:get_weather]]"


def test_tool_call_to_a_tool_not_offered_is_ignored(client):
    body, _ = invoke(client, BY_NAME["anthropic"].model, anthropic_request("[[tool:nope]]"))
    assert body["stop_reason"] == "end_turn"


@pytest.mark.parametrize("text", ["[[tool:get_weather {bad json}]]", "[[tool:get_weather",
                                  "[[tool: ]]", '[[tool:get_weather {"a": 1} extra]]'])
def test_malformed_tool_directive_is_a_validation_error(client, text):
    with pytest.raises(ClientError) as raised:
        invoke(client, BY_NAME["anthropic"].model, anthropic_request(text))
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "tool directive" in raised.value.response["Error"]["Message"]


# -- Converse follows the same rules ------------------------------------------------------

def test_converse_tool_call_and_result(client):
    config = converse_tools()
    messages = user('[[tool:get_weather {"city": "Oslo"}]]')
    response = client.converse(modelId=MODEL, messages=messages, toolConfig=config)
    [block] = response["output"]["message"]["content"]
    assert block["toolUse"]["name"] == "get_weather"
    assert block["toolUse"]["input"] == {"city": "Oslo"}
    assert response["stopReason"] == "tool_use"
    events = list(client.converse_stream(modelId=MODEL, messages=messages,
                                         toolConfig=config)["stream"])
    start = next(e["contentBlockStart"] for e in events if "contentBlockStart" in e)
    assert start["start"]["toolUse"] == {"toolUseId": block["toolUse"]["toolUseId"],
                                         "name": "get_weather"}
    parts = [e["contentBlockDelta"]["delta"]["toolUse"]["input"] for e in events
             if "contentBlockDelta" in e]
    assert len(parts) >= 2 and json.loads("".join(parts)) == {"city": "Oslo"}
    assert events[-2]["messageStop"]["stopReason"] == "tool_use"
    assert events[-1]["metadata"]["usage"]["outputTokens"] == len(parts)
    follow_up = messages + [
        {"role": "assistant", "content": [block]},
        {"role": "user", "content": [{"toolResult": {
            "toolUseId": block["toolUse"]["toolUseId"], "content": [{"json": {"t": 5}}]}}]}]
    response = client.converse(modelId=MODEL, messages=follow_up, toolConfig=config)
    assert response["output"]["message"]["content"] == [{"text": 'Tool said: {"t":5}'}]


def test_converse_forced_tool_choice(client):
    response = client.converse(modelId=MODEL, messages=user("hi"),
                               toolConfig=converse_tools("get_time"))
    assert response["output"]["message"]["content"][0]["toolUse"]["name"] == "get_time"


# -- reasoning ----------------------------------------------------------------------------

def test_anthropic_thinking(client):
    request = {**BY_NAME["anthropic"].build("deep question"),
               "thinking": {"type": "enabled", "budget_tokens": 1024}}
    body, _ = invoke(client, BY_NAME["anthropic"].model, request)
    thinking, text = body["content"]
    assert thinking["type"] == "thinking"
    assert thinking["thinking"] == "Thinking about: deep question"
    assert thinking["signature"].startswith("sig-")
    assert text == {"type": "text", "text": "You said: deep question"}
    assert body["usage"]["output_tokens"] == 4 + 4
    chunks, _ = invoke(client, BY_NAME["anthropic"].model, request, stream=True)
    starts = [c["content_block"]["type"] for c in chunks if c["type"] == "content_block_start"]
    assert starts == ["thinking", "text"]
    deltas = [c["delta"] for c in chunks if c["type"] == "content_block_delta"]
    assert "".join(d.get("thinking", "") for d in deltas) == thinking["thinking"]
    assert [d["signature"] for d in deltas if d["type"] == "signature_delta"] == [
        thinking["signature"]]
    assert [c["index"] for c in chunks if c["type"] == "content_block_stop"] == [0, 1]


def test_nova_reasoning(client):
    request = {**BY_NAME["nova"].build("why"), "reasoningConfig": {"type": "enabled"}}
    body, _ = invoke(client, BY_NAME["nova"].model, request)
    assert body["output"]["message"]["content"] == [
        {"reasoningContent": {"reasoningText": {"text": "Thinking about: why"}}},
        {"text": "You said: why"}]
    chunks, _ = invoke(client, BY_NAME["nova"].model, request, stream=True)
    reasoning = [c["contentBlockDelta"]["delta"]["reasoningContent"]["text"] for c in chunks
                 if "reasoningContent" in c.get("contentBlockDelta", {}).get("delta", {})]
    assert "".join(reasoning) == "Thinking about: why"


def test_openai_reasoning_is_inline(client):
    request = {**BY_NAME["openai"].build("why"), "reasoning_effort": "low"}
    body, _ = invoke(client, BY_NAME["openai"].model, request)
    content = "<reasoning>Thinking about: why</reasoning>You said: why"
    assert body["choices"][0]["message"]["content"] == content
    chunks, _ = invoke(client, BY_NAME["openai"].model, request, stream=True)
    assert BY_NAME["openai"].stream_text(chunks) == content


def test_deepseek_reasoning_follows_an_open_think_tag(client):
    case = BY_NAME["deepseek"]
    request = case.build("why")
    request["prompt"] += "<think>\n"
    body, _ = invoke(client, case.model, request)
    assert case.text(body) == "Thinking about: why\n</think>\n\nYou said: why"
    chunks, _ = invoke(client, case.model, request, stream=True)
    assert case.stream_text(chunks) == case.text(body)
    assert invoke(client, case.model, case.build("why"))[0]["choices"][0]["text"] == (
        "You said: why")


@pytest.mark.parametrize("fields", [
    {"thinking": {"type": "enabled", "budget_tokens": 2000}},
    {"reasoning_config": {"type": "enabled", "max_reasoning_effort": "low"}},
    {"reasoningConfig": {"type": "enabled"}}, {"reasoning_effort": "high"}])
def test_converse_reasoning(client, fields):
    response = client.converse(modelId=MODEL, messages=user("hmm"),
                               additionalModelRequestFields=fields)
    reasoning, text = response["output"]["message"]["content"]
    assert reasoning["reasoningContent"]["reasoningText"]["text"] == "Thinking about: hmm"
    assert reasoning["reasoningContent"]["reasoningText"]["signature"].startswith("sig-")
    assert text == {"text": "You said: hmm"}
    events = list(client.converse_stream(modelId=MODEL, messages=user("hmm"),
                                         additionalModelRequestFields=fields)["stream"])
    deltas = [e["contentBlockDelta"] for e in events if "contentBlockDelta" in e]
    assert "".join(d["delta"]["reasoningContent"].get("text", "") for d in deltas
                   if d["contentBlockIndex"] == 0) == "Thinking about: hmm"
    assert "".join(d["delta"].get("text", "") for d in deltas
                   if d["contentBlockIndex"] == 1) == "You said: hmm"


def test_reasoning_with_a_tool_call(client):
    request = {**anthropic_request("[[tool:get_time]]"),
               "thinking": {"type": "enabled", "budget_tokens": 1024}}
    body, _ = invoke(client, BY_NAME["anthropic"].model, request)
    assert [b["type"] for b in body["content"]] == ["thinking", "tool_use"]


# -- guardrails ---------------------------------------------------------------------------

GUARDRAIL_ARGS = {"guardrailIdentifier": "gr-1", "guardrailVersion": "1"}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_invoke_guardrail_intervenes(client, case):
    request = case.build("tell me [[guardrail]]")
    body, headers = invoke(client, case.model, request, trace="ENABLED", **GUARDRAIL_ARGS)
    assert case.text(body) == GUARDRAIL
    assert body["amazon-bedrock-guardrailAction"] == "INTERVENED"
    filters = body["amazon-bedrock-trace"]["guardrail"]["input"]["gr-1"]["contentPolicy"]
    assert filters["filters"][0]["action"] == "BLOCKED"
    assert case.stop(body) == ("guardrail_intervened" if case.name == "nova"
                               else case.reasons["end"])
    assert headers["x-amzn-bedrock-output-token-count"] == "0"
    chunks, _ = invoke(client, case.model, request, stream=True, **GUARDRAIL_ARGS)
    assert case.stream_text(chunks) == GUARDRAIL
    assert chunks[-1]["amazon-bedrock-guardrailAction"] == "INTERVENED"
    assert "amazon-bedrock-trace" not in chunks[-1]  # trace not enabled


def test_invoke_guardrail_that_does_not_intervene(client):
    case = BY_NAME["anthropic"]
    body, _ = invoke(client, case.model, case.build("hello"), **GUARDRAIL_ARGS)
    assert body["amazon-bedrock-guardrailAction"] == "NONE"
    assert body["content"][0]["text"] == "You said: hello"
    body, _ = invoke(client, case.model, case.build("hello [[guardrail]]"))
    assert body["content"][0]["text"] == "You said: hello [[guardrail]]"
    assert "amazon-bedrock-guardrailAction" not in body


@pytest.mark.parametrize("trace", ["enabled", "disabled"])
def test_converse_guardrail(client, trace):
    config = {**GUARDRAIL_ARGS, "trace": trace}
    response = client.converse(modelId=MODEL, messages=user("bad [[guardrail]]"),
                               guardrailConfig=config)
    assert response["stopReason"] == "guardrail_intervened"
    assert response["output"]["message"]["content"] == [{"text": GUARDRAIL}]
    assert response["usage"]["outputTokens"] == 0
    assert ("trace" in response) == (trace == "enabled")
    if trace == "enabled":
        assessment = response["trace"]["guardrail"]["inputAssessment"]["gr-1"]
        assert assessment["contentPolicy"]["filters"][0]["detected"] is True
    events = list(client.converse_stream(modelId=MODEL, messages=user("bad [[guardrail]]"),
                                         guardrailConfig=config)["stream"])
    assert "".join(e["contentBlockDelta"]["delta"]["text"] for e in events
                   if "contentBlockDelta" in e) == GUARDRAIL
    assert events[-2]["messageStop"]["stopReason"] == "guardrail_intervened"
    assert ("trace" in events[-1]["metadata"]) == (trace == "enabled")


# -- prompt caching -----------------------------------------------------------------------

def test_anthropic_cache_control_writes_then_reads(client, emulator):
    case = BY_NAME["anthropic"]
    request = case.build("question")
    request["system"] = [{"type": "text", "text": "a long shared preamble",
                          "cache_control": {"type": "ephemeral"}}]
    usages = []
    for _ in range(2):
        body, headers = invoke(client, case.model, request)
        usages.append((body["usage"], {k: v for k, v in headers.items() if "token" in k}))
    (first, first_headers), (second, second_headers) = usages
    assert (first["input_tokens"], first["cache_creation_input_tokens"],
            first["cache_read_input_tokens"]) == (1, 4, 0)
    assert (second["cache_creation_input_tokens"], second["cache_read_input_tokens"]) == (0, 4)
    assert first_headers["x-amzn-bedrock-cache-write-input-token-count"] == "4"
    assert second_headers["x-amzn-bedrock-cache-read-input-token-count"] == "4"
    assert second_headers["x-amzn-bedrock-input-token-count"] == "1"
    chunks, _ = invoke(client, case.model, request, stream=True)
    metrics = chunks[-1]["amazon-bedrock-invocationMetrics"]
    assert (metrics["cacheReadInputTokenCount"], metrics["cacheWriteInputTokenCount"]) == (4, 0)
    assert chunks[0]["message"]["usage"]["cache_read_input_tokens"] == 4
    assert emulator.control("GET", "cache") == (200, {"prefixes": 1})
    emulator.control("DELETE", "cache")
    body, _ = invoke(client, case.model, request)
    assert body["usage"]["cache_creation_input_tokens"] == 4


def test_converse_cache_point(client):
    system = [{"text": "shared instructions here"}, {"cachePoint": {"type": "default"}}]
    usages = [client.converse(modelId=MODEL, messages=user("one two"), system=system)["usage"]
              for _ in range(2)]
    assert usages[0] == {"inputTokens": 2, "outputTokens": 4, "totalTokens": 9,
                         "cacheReadInputTokens": 0, "cacheWriteInputTokens": 3}
    assert usages[1]["cacheReadInputTokens"] == 3 and usages[1]["cacheWriteInputTokens"] == 0
    events = list(client.converse_stream(modelId=MODEL, messages=user("one two"),
                                         system=system)["stream"])
    assert events[-1]["metadata"]["usage"]["cacheReadInputTokens"] == 3


def test_nova_cache_point_and_prefix_differences(client):
    case = BY_NAME["nova"]
    request = case.build("q")
    request["system"] = [{"text": "nova shared prefix"}, {"cachePoint": {"type": "default"}}]
    first, _ = invoke(client, case.model, request)
    second, headers = invoke(client, case.model, request)
    assert first["usage"]["cacheWriteInputTokenCount"] == 3
    assert second["usage"]["cacheReadInputTokenCount"] == 3
    assert headers["x-amzn-bedrock-cache-read-input-token-count"] == "3"
    request["system"][0]["text"] = "a different prefix"
    third, _ = invoke(client, case.model, request)
    assert third["usage"]["cacheWriteInputTokenCount"] == 3


# -- max tokens and stop sequences --------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=str)
def test_max_tokens_truncates(client, case):
    request = case.build("one two three four", max_tokens=3)
    body, headers = invoke(client, case.model, request)
    assert case.text(body) == "You said: one "
    assert case.stop(body) == case.reasons["length"]
    assert headers["x-amzn-bedrock-output-token-count"] == "3"
    chunks, _ = invoke(client, case.model, request, stream=True)
    assert case.stream_text(chunks) == "You said: one "
    assert case.stream_stop(chunks) == case.reasons["length"]


@pytest.mark.parametrize("case", [c for c in CASES if "stop" in c.reasons], ids=str)
def test_stop_sequence_cuts_the_reply(client, case):
    request = case.build("one two STOP three", stop=["STOP", "three"])
    body, _ = invoke(client, case.model, request)
    assert case.text(body) == "You said: one two "
    assert case.stop(body) == case.reasons["stop"]
    if case.name == "anthropic":
        assert body["stop_sequence"] == "STOP"
    chunks, _ = invoke(client, case.model, request, stream=True)
    assert case.stream_text(chunks) == "You said: one two "
