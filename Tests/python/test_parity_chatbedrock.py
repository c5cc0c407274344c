"""Parity with LangChain's ChatBedrock (InvokeModel): for every provider it supports, the same
conversation must give an equivalent request body, and the same content, tool calls, usage
and stop reason, in plain and streaming form.

Deliberate differences are normalised in `expected_body` and asserted explicitly below, each
with its reason."""

import copy

import pytest
from langchain_aws import ChatBedrock
from parity import clear_cache, run_langchain, run_ours

CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0"
CLAUDE_37 = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"

# Every provider ChatBedrock speaks through InvokeModel (Nova it sends to Converse).
MODELS = {
    "anthropic": CLAUDE,
    "anthropic-profile": "us.anthropic.claude-3-haiku-20240307-v1:0",
    "meta-llama3": "meta.llama3-1-70b-instruct-v1:0",
    "meta-llama2": "meta.llama2-13b-chat-v1",
    "mistral-prompt": "mistral.mixtral-8x7b-instruct-v0:1",
    "amazon-titan": "amazon.titan-text-express-v1",
    "amazon-nova": "us.amazon.nova-pro-v1:0",
    "deepseek": "deepseek.r1-v1:0",
    "openai": "openai.gpt-oss-120b-1:0",
}

CONVERSATION = [["system", "You are terse."], ["human", "Hi there"], ["ai", "Hello! How can I help?"],
                ["human", "Name a color"]]

# Providers whose stop reason LangChain does not read (it reports none); we report the
# provider's own value, so these only need ours to be present.
STOP_REASON_UNREAD_BY_LANGCHAIN = {"mistral-prompt", "amazon-titan", "deepseek", "openai"}


def compare(client, emulator_url, request, stream, *, same_body=True):
    clear_cache(emulator_url)
    theirs = run_langchain(ChatBedrock, request, emulator_url, stream)
    clear_cache(emulator_url)
    ours = run_ours(client, request, emulator_url, stream)
    assert ours.operation == theirs.operation
    if same_body:
        assert ours.body == theirs.body
    assert ours.content == theirs.content
    assert ours.tool_calls == theirs.tool_calls
    return ours, theirs


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_conversation(client, emulator_url, name, stream):
    request = {"model": MODELS[name], "messages": CONVERSATION, "temperature": 0.5, "max_tokens": 100}
    ours, theirs = compare(client, emulator_url, request, stream)
    if name == "amazon-titan" and stream:
        # LangChain reports no usage for Titan streams; the emulator's invocation metrics
        # carry it, and we read them.
        assert (theirs.input_tokens, theirs.output_tokens) == (0, 0) and ours.input_tokens > 0
    else:
        assert (ours.input_tokens, ours.output_tokens) == (theirs.input_tokens, theirs.output_tokens)
    if name in STOP_REASON_UNREAD_BY_LANGCHAIN:
        assert theirs.stop_reason is None and ours.stop_reason
    else:
        assert ours.stop_reason == theirs.stop_reason


TOOLS = [{"name": "get_weather", "description": "Get the weather for a city.",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_anthropic_tool_call(client, emulator_url, stream):
    request = {"model": CLAUDE, "messages": [["human", "Weather in Paris? [[tool:get_weather {\"city\": \"Paris\"}]]"]],
               "tools": TOOLS}
    ours, _ = compare(client, emulator_url, request, stream)
    assert ours.tool_calls and ours.tool_calls[0][:2] == ("get_weather", {"city": "Paris"})
    assert ours.stop_reason == "tool_use"


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_anthropic_forced_tool_choice(client, emulator_url, stream):
    request = {"model": CLAUDE, "messages": [["human", "Weather in Oslo?"]], "tools": TOOLS,
               "tool_choice": "get_weather"}
    ours, _ = compare(client, emulator_url, request, stream)
    assert ours.tool_calls[0][0] == "get_weather"


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_anthropic_multi_turn_tool_use(client, emulator_url, stream):
    request = {"model": CLAUDE, "tools": TOOLS, "messages": [
        ["human", "Weather in Paris?"],
        {"role": "assistant", "content": "Let me check.",
         "tool_calls": [{"id": "toolu_01", "name": "get_weather", "args": {"city": "Paris"}}]},
        {"role": "tool", "tool_call_id": "toolu_01", "content": "18 degrees and sunny"},
    ]}
    ours, _ = compare(client, emulator_url, request, stream)
    assert ours.content == "Tool said: 18 degrees and sunny"


def test_anthropic_structured_output(client, emulator_url):
    schema = {"title": "Person", "description": "A person.", "type": "object",
              "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}, "required": ["name", "age"]}
    from bedrock_testlib import emulator_aws_settings
    from parity import clear_recorded, recorded, to_langchain_messages

    model = ChatBedrock(model_id=CLAUDE, **emulator_aws_settings(emulator_url))
    messages = [["human", "Describe Ada Lovelace."]]
    clear_recorded(emulator_url)
    theirs = model.with_structured_output(schema).invoke(to_langchain_messages(messages))
    their_body = recorded(emulator_url)[-1]["body"]
    clear_recorded(emulator_url)
    ours = client.chat({"model": CLAUDE, "messages": messages, "response_schema": schema})
    assert recorded(emulator_url)[-1]["body"] == their_body
    assert ours["structured"] == theirs
    assert ours["stop_reason"] == "tool_use"


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_anthropic_thinking_round_trip(client, emulator_url, stream):
    thinking = {"thinking": {"type": "enabled", "budget_tokens": 1024}}
    request = {"model": CLAUDE_37, "messages": [["human", "Think about this"]], "max_tokens": 2048,
               "model_kwargs": thinking}
    ours, _ = compare(client, emulator_url, request, stream)
    response = client.chat(request)
    reasoning = [b for b in response["blocks"] if b["type"] == "reasoning"]
    assert reasoning and reasoning[0]["text"].startswith("Thinking about:") and reasoning[0]["signature"]
    # The reasoning block, signature included, goes back unchanged in the next turn.
    follow_up = {**request, "messages": [["human", "Think about this"],
                                         {"role": "assistant", "content": response["blocks"]},
                                         ["human", "And now?"]]}
    from parity import clear_recorded, recorded
    clear_recorded(emulator_url)
    client.chat(follow_up)
    sent = recorded(emulator_url)[-1]["body"]["messages"][1]["content"][0]
    assert sent == {"type": "thinking", "thinking": reasoning[0]["text"], "signature": reasoning[0]["signature"]}


STOP = ["\n\nHuman:"]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_stop_sequences_use_each_providers_key(client, emulator_url, name):
    """LangChain and we differ here on purpose for some providers: LangChain sends a
    `stop_sequences` key that Bedrock rejects for Meta (no stop parameter at all), Mistral,
    DeepSeek and gpt-oss (whose key is `stop`), and Titan's non-streaming path (whose key is
    textGenerationConfig.stopSequences)."""
    request = {"model": MODELS[name], "messages": [["human", "Count to three"]], "stop": STOP}
    clear_cache(emulator_url)
    ours = run_ours(client, request, emulator_url, stream=False)
    body = ours.body
    if name.startswith("meta"):
        assert "stop" not in body and "stop_sequences" not in body
    elif name in ("mistral-prompt", "deepseek", "openai"):
        assert body["stop"] == STOP
    elif name == "amazon-titan":
        assert body["textGenerationConfig"]["stopSequences"] == STOP
    elif name == "amazon-nova":
        assert body["inferenceConfig"]["stopSequences"] == STOP
    else:
        assert body["stop_sequences"] == STOP


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_meta_stop_sequences_are_applied_by_the_client(client, emulator_url, stream):
    # Meta's API has no stop parameter, so the emulator answers in full and we cut the text.
    request = {"model": MODELS["meta-llama3"], "messages": [["human", "alpha beta gamma delta"]], "stop": ["gamma"]}
    ours = run_ours(client, request, emulator_url, stream)
    assert ours.content == "You said: alpha beta "
    response = client.chat(request)
    assert response["stop_reason"] == "stop_sequence"


def test_mistral_chat_models_get_messages_not_a_prompt(client, emulator_url):
    """Deliberate: Mistral Large 24.07 and Pixtral take a `messages` body on Bedrock; LangChain
    sends them the older models' `[INST]` prompt."""
    request = {"model": "mistral.mistral-large-2407-v1:0", "messages": CONVERSATION, "max_tokens": 100}
    ours, theirs = compare(client, emulator_url, request, False, same_body=False)
    assert "prompt" in theirs.body and ours.body["messages"][0] == {"role": "system", "content": "You are terse."}


def test_anthropic_body_is_unchanged_by_our_copy(client, emulator_url):
    request = {"model": CLAUDE, "messages": CONVERSATION}
    before = copy.deepcopy(request)
    run_ours(client, request, emulator_url, stream=False)
    assert request == before
