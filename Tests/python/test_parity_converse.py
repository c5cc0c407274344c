"""Parity with LangChain's ChatBedrockConverse on the Converse path: the same conversation
must produce equivalent Converse request bodies and the same parsed reply, both from the chat
API and from ChatBedrockNative given ChatBedrockConverse's own arguments."""

import pytest
from langchain_aws import ChatBedrockConverse

from bedrock_chat.langchain import ChatBedrockNative
from bedrock_testlib import emulator_aws_settings, langchain_reply
from parity import canned_converse, clear_cache, run_langchain, run_ours

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


# ---- ChatBedrockNative against ChatBedrockConverse: the same arguments, the same body -------

ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
GUARDRAIL = {"guardrailIdentifier": "gr-1", "guardrailVersion": "2", "trace": "enabled"}

# Constructor arguments both models take, by what they set: the arguments, and the Converse
# body member they make (None for base_model, which only names the provider of an ARN).
MODEL_SETTINGS = {
    "additional_model_request_fields": ({"additional_model_request_fields": {"top_k": 7}},
                                        "additionalModelRequestFields"),
    "model_kwargs_under_additional_fields": ({"model_kwargs": {"top_k": 5, "anthropic_beta": ["x"]},
                                              "additional_model_request_fields": {"top_k": 7}},
                                             "additionalModelRequestFields"),
    "additional_model_response_field_paths": ({"additional_model_response_field_paths": ["/stop_sequence"]},
                                              "additionalModelResponseFieldPaths"),
    "performance_config": ({"performance_config": {"latency": "optimized"}}, "performanceConfig"),
    "service_tier": ({"service_tier": "flex"}, "serviceTier"),
    "request_metadata": ({"request_metadata": {"team": "search", "env": "test"}}, "requestMetadata"),
    "system": ({"system": ["Be brief.", {"text": "Answer in French."}, {"cachePoint": {"type": "default"}}]},
               "system"),
    "base_model": ({"model": ARN, "base_model": CLAUDE}, None),
    "guardrail_config": ({"guardrail_config": GUARDRAIL}, "guardrailConfig"),
    "stop_sequences": ({"stop_sequences": ["STOP"]}, "inferenceConfig"),
}
# What each call may set through its keyword arguments (here through bind), by what they set.
CALL_SETTINGS = {
    "additional_model_request_fields": {"additional_model_request_fields": {"top_k": 7}},
    "additional_model_response_field_paths": {"additional_model_response_field_paths": ["/stop_sequence"]},
    "performance_config": {"performance_config": {"latency": "optimized"}},
    "service_tier": {"service_tier": "priority"},
    "request_metadata": {"request_metadata": {"team": "search"}},
    "guardrail_config": {"guardrail_config": GUARDRAIL},
    "stop_sequences": {"stop_sequences": ["HALT"]},
    "temperature_and_max_tokens": {"temperature": 0.7, "max_tokens": 20},
}
# The model's own settings under each call's, to show the call's win (or are merged over them).
OVERRIDDEN = {"service_tier": "flex", "performance_config": {"latency": "standard"},
              "request_metadata": {"team": "other"}, "additional_model_request_fields": {"top_k": 1, "kept": True},
              "stop_sequences": ["STOP"], "temperature": 0.1, "max_tokens": 50}


def both_models(emulator_url, stream, model_settings, call=None):
    """ChatBedrockConverse's and ChatBedrockNative's outcome (the latter through Converse) for
    one question, with the same constructor arguments and call arguments."""
    settings = dict(model_settings)
    request = {"model": settings.pop("model", CLAUDE),
               "messages": [["system", "Your own system prompt."], ["human", "Hello there"]]}
    converse_only = {"provider": "anthropic"} if request["model"].startswith("arn:") else {}
    theirs = run_langchain(ChatBedrockConverse, request, emulator_url, stream, call, **settings, **converse_only)
    ours = run_langchain(ChatBedrockNative, request, emulator_url, stream, call, api="converse", **settings)
    return theirs, ours


def assert_same(theirs, ours):
    assert ours.operation == theirs.operation
    assert normalized(ours.body) == normalized(theirs.body)
    assert (ours.content, ours.tool_calls, ours.stop_reason) == (theirs.content, theirs.tool_calls, theirs.stop_reason)
    assert (ours.input_tokens, ours.output_tokens) == (theirs.input_tokens, theirs.output_tokens)


@pytest.mark.filterwarnings("ignore:ChatBedrockConverse uses 'additional_model_request_fields'")
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("name", sorted(MODEL_SETTINGS))
def test_native_model_settings_match_chatbedrockconverse(emulator_url, name, stream):
    settings, member = MODEL_SETTINGS[name]
    theirs, ours = both_models(emulator_url, stream, settings)
    assert_same(theirs, ours)
    assert member is None or member in ours.body


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("name", sorted(CALL_SETTINGS))
def test_native_call_settings_match_chatbedrockconverse(emulator_url, name, stream):
    theirs, ours = both_models(emulator_url, stream, OVERRIDDEN, call=CALL_SETTINGS[name])
    assert_same(theirs, ours)
    _, without_the_call = both_models(emulator_url, stream, OVERRIDDEN)
    assert ours.body != without_the_call.body


@pytest.mark.parametrize("choice", ["auto", "any", "get_weather"])
@pytest.mark.parametrize("supported", [("auto",), ("auto", "any"), ("auto", "any", "tool")])
def test_native_refuses_the_tool_choices_chatbedrockconverse_refuses(emulator_url, supported, choice):
    request = {"model": CLAUDE, "messages": [["human", "Weather in Paris?"]], "tools": TOOLS, "tool_choice": choice}
    outcomes = []
    for cls, extra in ((ChatBedrockConverse, {}), (ChatBedrockNative, {"api": "converse"})):
        try:
            outcomes.append(run_langchain(cls, request, emulator_url, False,
                                          supports_tool_choice_values=supported, **extra))
        except ValueError as error:
            assert "does not" in str(error) and "support" in str(error)
            outcomes.append(None)
    theirs, ours = outcomes
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert_same(theirs, ours)


# ---- the reply's members the emulator does not send, from a canned Converse endpoint --------

EXTRAS = {"additionalModelResponseFields": {"stop_sequence": None, "usage": {"output_tokens": 2}}}
TIER = {"serviceTier": {"type": "flex"}}
USAGE = {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5}
CANNED_REPLY = {"output": {"message": {"role": "assistant", "content": [{"text": "Hello!"}]}},
                "stopReason": "end_turn", "usage": USAGE, "metrics": {"latencyMs": 12}, **EXTRAS, **TIER}
CANNED_EVENTS = [("messageStart", {"role": "assistant"}),
                 ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hello!"}}),
                 ("contentBlockStop", {"contentBlockIndex": 0}),
                 ("messageStop", {"stopReason": "end_turn", **EXTRAS}),
                 ("metadata", {"usage": USAGE, "metrics": {"latencyMs": 12}, **TIER})]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_native_reply_extras_match_chatbedrockconverse(stream):
    with canned_converse(CANNED_REPLY, CANNED_EVENTS) as url:
        settings = {**emulator_aws_settings(url), "additional_model_response_field_paths": ["/stop_sequence", "/usage"],
                    "service_tier": "flex"}
        theirs = langchain_reply(ChatBedrockConverse(model=CLAUDE, **settings), "Hi", stream)
        ours = langchain_reply(ChatBedrockNative(model=CLAUDE, api="converse", **settings), "Hi", stream)
    for key in ("additionalModelResponseFields", "serviceTier"):
        assert ours.response_metadata[key] == theirs.response_metadata[key] == {**EXTRAS, **TIER}[key], key
    assert ours.text == theirs.text == "Hello!"
