"""What LangChain users ask for and ChatBedrock cannot do, each pinned by a test: tools and
structured output beyond Claude, Cohere and AI21 chat, tool history without tools, cache
points with their token counts, reasoning round trips, guardrails without exceptions, ARNs."""

import pytest
from parity import clear_cache, clear_recorded, recorded

TOOLS = [{"name": "get_weather", "description": "Get the weather for a city.",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
SCHEMA = {"title": "Person", "type": "object",
          "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}, "required": ["name", "age"]}

# Model families whose Bedrock APIs can call tools, and the API `auto` must pick for them.
TOOL_MODELS = {
    "anthropic.claude-3-5-sonnet-20240620-v1:0": ("invoke", "InvokeModel"),
    "mistral.mistral-large-2407-v1:0": ("invoke", "InvokeModel"),
    "cohere.command-r-plus-v1:0": ("invoke", "InvokeModel"),
    "ai21.jamba-1-5-large-v1:0": ("invoke", "InvokeModel"),
    "openai.gpt-oss-120b-1:0": ("invoke", "InvokeModel"),
    "us.amazon.nova-pro-v1:0": ("converse", "Converse"),
    # Llama's InvokeModel body has no tools, so auto routes it to Converse.
    "meta.llama3-1-70b-instruct-v1:0": ("converse", "Converse"),
}


def last(emulator_url):
    return recorded(emulator_url)[-1]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("model", sorted(TOOL_MODELS))
def test_tools_work_for_every_tool_capable_family(client, emulator_url, model, stream):
    api, operation = TOOL_MODELS[model]
    request = {"model": model, "tools": TOOLS,
               "messages": [["human", 'Weather in Paris? [[tool:get_weather {"city": "Paris"}]]']]}
    clear_recorded(emulator_url)
    if stream:
        events = list(client.chat_stream(request))
        response = events[-1]["message"]
        starts = [e for e in events if e["type"] == "tool_call_start"]
        assert starts and starts[0]["name"] == "get_weather"
        args = "".join(e["args"] for e in events if e["type"] == "tool_call_delta")
        assert args.replace(" ", "") == '{"city":"Paris"}'
    else:
        response = client.chat(request)
    assert response["api"] == api and last(emulator_url)["operation"].startswith(operation)
    assert [(c["name"], c["args"]) for c in response["tool_calls"]] == [("get_weather", {"city": "Paris"})]
    assert response["tool_calls"][0]["id"]
    assert response["stop_reason"] == "tool_use"


# Cohere Command R and AI21 Jamba cannot be made to call a tool: the schema's tool is the only
# one offered, and the model chooses it. The emulator chooses it when the prompt says so.
UNFORCEABLE = {"cohere.command-r-plus-v1:0", "ai21.jamba-1-5-large-v1:0"}


@pytest.mark.parametrize("model", sorted(TOOL_MODELS))
def test_structured_output_for_every_tool_capable_family(client, emulator_url, model):
    prompt = "Describe Ada Lovelace." + (" [[tool:Person]]" if model in UNFORCEABLE else "")
    clear_recorded(emulator_url)
    response = client.chat({"model": model, "messages": [["human", prompt]], "response_schema": SCHEMA})
    assert response["structured"] == {"name": "example", "age": 1}
    assert response["tool_calls"][0]["name"] == "Person"


@pytest.mark.parametrize("model", sorted(TOOL_MODELS))
def test_multi_turn_tool_use_for_every_tool_capable_family(client, model):
    first = client.chat({"model": model, "tools": TOOLS,
                         "messages": [["human", 'Weather? [[tool:get_weather {"city": "Oslo"}]]']]})
    call = first["tool_calls"][0]
    second = client.chat({"model": model, "tools": TOOLS, "messages": [
        ["human", "Weather?"],
        {"role": "assistant", "content": first["content"], "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "minus 3 and snowing"}]})
    assert second["content"] == "Tool said: minus 3 and snowing"


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("model", ["cohere.command-r-v1:0", "cohere.command-text-v14", "ai21.jamba-1-5-mini-v1:0"])
def test_cohere_and_ai21_chat(client, emulator_url, model, stream):
    # Command (text) takes one raw prompt, so the emulator echoes all of it; the chat models
    # separate the system prompt and echo the user's turn.
    system = [] if model == "cohere.command-text-v14" else [["system", "Be brief."]]
    request = {"model": model, "messages": system + [["human", "Hello Cohere and AI21"]], "max_tokens": 50}
    if stream:
        response = list(client.chat_stream(request))[-1]["message"]
    else:
        response = client.chat(request)
    assert response["content"] == "You said: Hello Cohere and AI21"
    assert response["api"] == "invoke" and response["stop_reason"] == "end_turn"
    assert response["usage"]["input_tokens"] > 0 and response["usage"]["output_tokens"] > 0


def test_tool_history_without_tools_still_gets_a_tool_config(client, emulator_url):
    clear_recorded(emulator_url)
    response = client.chat({"model": "us.amazon.nova-lite-v1:0", "messages": [
        ["human", "Weather?"],
        {"role": "assistant", "content": "", "tool_calls": [{"id": "t1", "name": "get_weather", "args": {"city": "Rome"}}]},
        {"role": "tool", "tool_call_id": "t1", "content": "warm"}]})
    assert response["content"] == "Tool said: warm"
    tools = last(emulator_url)["body"]["toolConfig"]["tools"]
    assert [t["toolSpec"]["name"] for t in tools] == ["get_weather"]


def test_blank_text_is_never_sent_to_invoke_model(client, emulator_url):
    clear_recorded(emulator_url)
    client.chat({"model": "anthropic.claude-3-haiku-20240307-v1:0", "messages": [
        {"role": "user", "content": [{"type": "text", "text": " \n "}, {"type": "text", "text": "Question?"}]}]})
    assert last(emulator_url)["body"]["messages"] == [{"role": "user", "content": "Question?"}]


@pytest.mark.parametrize("api", ["converse", "invoke"])
def test_cache_points_on_system_messages_and_tools_report_cache_tokens(client, emulator_url, api):
    clear_cache(emulator_url)
    request = {"model": "anthropic.claude-3-5-sonnet-20240620-v1:0", "api": api,
               "tools": TOOLS + [{"type": "cache_point"}],
               "messages": [{"role": "system", "content": [{"type": "text", "text": "A long system prompt."},
                                                           {"type": "cache_point"}]},
                            {"role": "user", "content": [{"type": "text", "text": "A long document."},
                                                         {"type": "cache_point"}, {"type": "text", "text": "Question?"}]}]}
    clear_recorded(emulator_url)
    first = client.chat(request)
    body = last(emulator_url)["body"]
    second = client.chat(request)
    assert first["usage"]["cache_write_input_tokens"] > 0 and first["usage"]["cache_read_input_tokens"] == 0
    assert second["usage"]["cache_read_input_tokens"] > 0
    if api == "converse":
        assert body["system"][-1] == {"cachePoint": {"type": "default"}}
        assert body["toolConfig"]["tools"][-1] == {"cachePoint": {"type": "default"}}
        assert {"cachePoint": {"type": "default"}} in body["messages"][0]["content"]
    else:
        assert body["system"][-1]["cache_control"] == {"type": "ephemeral"}
        assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
        assert body["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral"}


@pytest.mark.parametrize("api", ["converse", "invoke"])
def test_reasoning_round_trips_with_its_signature(client, emulator_url, api):
    model = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
    kwargs = {"thinking": {"type": "enabled", "budget_tokens": 1024}}
    first = client.chat({"model": model, "api": api, "max_tokens": 2048, "model_kwargs": kwargs,
                         "messages": [["human", "Ponder this"]]})
    reasoning = first["blocks"][0]
    assert reasoning["type"] == "reasoning" and reasoning["signature"]
    clear_recorded(emulator_url)
    client.chat({"model": model, "api": api, "max_tokens": 2048, "model_kwargs": kwargs, "messages": [
        ["human", "Ponder this"], {"role": "assistant", "content": first["blocks"]}, ["human", "More?"]]})
    sent = last(emulator_url)["body"]["messages"][1]["content"][0]
    if api == "converse":
        assert sent == {"reasoningContent": {"reasoningText": {"text": reasoning["text"], "signature": reasoning["signature"]}}}
    else:
        assert sent == {"type": "thinking", "thinking": reasoning["text"], "signature": reasoning["signature"]}


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("api", ["converse", "invoke"])
def test_guardrail_intervention_is_a_stop_reason_not_an_exception(client, api, stream):
    request = {"model": "anthropic.claude-3-haiku-20240307-v1:0", "api": api,
               "guardrail": {"id": "gr-123", "version": "1", "trace": "enabled"},
               "messages": [["human", "Something forbidden [[guardrail]]"]]}
    response = list(client.chat_stream(request))[-1]["message"] if stream else client.chat(request)
    assert response["stop_reason"] == "guardrail_intervened"
    assert response["trace"]


@pytest.mark.parametrize("arn", [
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3",
    "arn:aws:bedrock:us-east-1:123456789012:custom-model/anthropic.claude-3-haiku-20240307-v1:0/x1y2",
])
def test_arns_work_with_provider(client, emulator_url, arn):
    clear_recorded(emulator_url)
    response = client.chat({"model": arn, "provider": "anthropic", "messages": [["human", "via an ARN"]]})
    assert response["content"] == "You said: via an ARN" and response["api"] == "invoke"
    assert last(emulator_url)["model_id"] == arn
