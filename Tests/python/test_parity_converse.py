"""Parity with LangChain's ChatBedrockConverse on the Converse path: the same conversation
must produce equivalent Converse request bodies and the same parsed reply."""

import pytest
from langchain_aws import ChatBedrockConverse
from parity import clear_cache, run_langchain, run_ours

def normalized(body):
    """Deliberate differences, each equivalent for Bedrock:
    - LangChain sends `"system": []` when there is no system prompt, and `"inferenceConfig": {}`
      when no inference setting is given; we leave both out."""
    body = dict(body)
    for key, empty in (("system", []), ("inferenceConfig", {})):
        if body.get(key) == empty:
            del body[key]
    return body


CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0"

CONVERSATIONS = {
    "translate": {"model": CLAUDE, "messages": [["system", "Translate the user sentence to French."],
                                                ["human", "I love programming."]],
                  "temperature": 0.2, "max_tokens": 200},
    "multi_turn": {"model": CLAUDE, "messages": [["human", "Hi there"], ["ai", "Hello! How can I help?"],
                                                 ["human", "Tell me a joke"]], "stop": ["\n\nHuman:"]},
    "nova": {"model": "us.amazon.nova-lite-v1:0", "messages": [["system", "Be brief."], ["human", "What is Bedrock?"]],
             "max_tokens": 64},
    "llama": {"model": "meta.llama3-1-70b-instruct-v1:0", "messages": [["human", "Name three rivers"]],
              "temperature": 0.5},
}


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_converse_matches_chatbedrockconverse(client, emulator_url, name, stream):
    request = {**CONVERSATIONS[name], "api": "converse"}
    theirs = run_langchain(ChatBedrockConverse, request, emulator_url, stream)
    ours = run_ours(client, request, emulator_url, stream)
    assert ours.operation == theirs.operation == ("ConverseStream" if stream else "Converse")
    assert normalized(ours.body) == normalized(theirs.body)
    assert ours.content == theirs.content
    assert ours.tool_calls == theirs.tool_calls
    assert (ours.input_tokens, ours.output_tokens) == (theirs.input_tokens, theirs.output_tokens)
    assert ours.stop_reason == theirs.stop_reason


TOOLS = [{"name": "get_weather", "description": "Get the weather for a city.",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

FEATURES = {
    "tool_call": {"model": CLAUDE, "tools": TOOLS,
                  "messages": [["human", "Weather in Paris? [[tool:get_weather {\"city\": \"Paris\"}]]"]]},
    "forced_tool": {"model": "us.amazon.nova-lite-v1:0", "tools": TOOLS, "tool_choice": "get_weather",
                    "messages": [["human", "Weather in Lima?"]]},
    "any_tool": {"model": CLAUDE, "tools": TOOLS, "tool_choice": "any",
                 "messages": [["human", "Weather somewhere?"]]},
    "llama_tools": {"model": "meta.llama3-1-70b-instruct-v1:0", "tools": TOOLS,
                    "messages": [["human", "Weather in Rome? [[tool:get_weather {\"city\": \"Rome\"}]]"]]},
    "multi_turn_tools": {"model": CLAUDE, "tools": TOOLS, "messages": [
        ["human", "Weather in Paris?"],
        {"role": "assistant", "content": "Checking.",
         "tool_calls": [{"id": "tooluse_1", "name": "get_weather", "args": {"city": "Paris"}}]},
        {"role": "tool", "tool_call_id": "tooluse_1", "content": "18 degrees"}]},
    "guardrail": {"model": CLAUDE, "guardrail": {"id": "gr-1", "version": "2", "trace": "enabled"},
                  "messages": [["human", "Something forbidden [[guardrail]]"]]},
    "document": {"model": CLAUDE, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "Summarise the report."},
        {"type": "document", "format": "pdf", "name": "report", "data": "JVBERi0xLjQKJcOkw7zDtsOf"}]}]},
    "cache_point": {"model": CLAUDE, "messages": [
        {"role": "system", "content": [{"type": "text", "text": "Long instructions."}, {"type": "cache_point"}]},
        {"role": "user", "content": [{"type": "text", "text": "Long context."}, {"type": "cache_point"},
                                     {"type": "text", "text": "Question?"}]}]},
    "thinking": {"model": "us.anthropic.claude-3-7-sonnet-20250219-v1:0", "max_tokens": 2048,
                 "model_kwargs": {"thinking": {"type": "enabled", "budget_tokens": 1024}},
                 "messages": [["human", "Think first."]]},
    "image": {"model": CLAUDE, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image", "media_type": "image/png", "data": PNG}]}]},
}


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("name", sorted(FEATURES))
def test_converse_features_match_chatbedrockconverse(client, emulator_url, name, stream):
    request = {**FEATURES[name], "api": "converse"}
    clear_cache(emulator_url)
    theirs = run_langchain(ChatBedrockConverse, request, emulator_url, stream)
    clear_cache(emulator_url)
    ours = run_ours(client, request, emulator_url, stream)
    assert normalized(ours.body) == normalized(theirs.body)
    assert ours.content == theirs.content
    assert ours.tool_calls == theirs.tool_calls
    assert (ours.input_tokens, ours.output_tokens) == (theirs.input_tokens, theirs.output_tokens)
    assert ours.stop_reason == theirs.stop_reason
