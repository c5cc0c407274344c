"""The oracle: LangChain's ChatBedrock (InvokeModel) and ChatBedrockConverse (Converse)
pointed at the emulator parse what it answers into the content, citations, tool calls
(Nova's system tools included) and usage a real Bedrock reply would give them."""

import functools
import operator
import warnings

import pytest
from emulator_testlib import AKID, SECRET

langchain_aws = pytest.importorskip("langchain_aws")
from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402

CLAUDE = "anthropic.claude-3-sonnet-20240229-v1:0"
CLAUDE_37 = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
MESSAGES = [SystemMessage("Be brief."), HumanMessage("hello there friend")]
REPLY = "You said: hello there friend"
GUARDRAIL = "Sorry, the model cannot answer this question."


def usage(input_tokens, output_tokens, cache_read=0, cache_write=0):
    return {"input_tokens": input_tokens, "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
            "input_token_details": {"cache_creation": cache_write, "cache_read": cache_read}}


@tool
def get_weather(city: str, days: int = 1) -> str:
    """The weather forecast for a city."""
    return "sunny"


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.fixture
def chat_bedrock(emulator):
    def make(model, **kwargs):
        return langchain_aws.ChatBedrock(model_id=model, region_name="us-east-1",
                                         endpoint_url=emulator.url, aws_access_key_id=AKID,
                                         aws_secret_access_key=SECRET, **kwargs)
    return make


@pytest.fixture
def chat_converse(emulator):
    def make(model=CLAUDE, **kwargs):
        return langchain_aws.ChatBedrockConverse(model=model, region_name="us-east-1",
                                                 endpoint_url=emulator.url,
                                                 aws_access_key_id=AKID,
                                                 aws_secret_access_key=SECRET, **kwargs)
    return make


def streamed(llm, messages):
    return functools.reduce(operator.add, llm.stream(messages))


def text_of(content):
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content if block.get("type") == "text")


PROVIDERS = [
    (CLAUDE, "anthropic"),
    ("meta.llama3-8b-instruct-v1:0", "meta"),
    ("meta.llama2-13b-chat-v1", "meta"),
    ("mistral.mistral-7b-instruct-v0:2", "mistral"),
    ("amazon.titan-text-express-v1", "titan"),
    ("us.deepseek.r1-v1:0", "deepseek"),
    ("openai.gpt-oss-20b-1:0", "openai"),
]


@pytest.mark.parametrize("model, fmt", PROVIDERS)
def test_chat_bedrock_invoke(chat_bedrock, emulator, model, fmt):
    message = chat_bedrock(model).invoke(MESSAGES)
    assert message.content == REPLY
    assert message.tool_calls == []
    assert message.usage_metadata == usage(5, 5)
    [record] = emulator.requests()
    assert (record["operation"], record["format"]) == ("InvokeModel", fmt)


@pytest.mark.parametrize("model, fmt", PROVIDERS)
def test_chat_bedrock_stream(chat_bedrock, emulator, model, fmt):
    message = streamed(chat_bedrock(model), MESSAGES)
    assert message.content == REPLY
    # LangChain reads no usage from Titan's stream; for the others it comes from the
    # invocation metrics of the last chunk.
    assert message.usage_metadata == (None if fmt == "titan" else usage(5, 5))
    [record] = emulator.requests()
    assert (record["operation"], record["format"]) == ("InvokeModelWithResponseStream", fmt)


def test_chat_bedrock_converse_invoke_and_stream(chat_converse, emulator):
    llm = chat_converse()
    message = llm.invoke(MESSAGES)
    assert message.content == REPLY and message.usage_metadata == usage(5, 5)
    message = streamed(llm, MESSAGES)
    assert text_of(message.content) == REPLY and message.usage_metadata == usage(5, 5)
    assert [r["operation"] for r in emulator.requests()] == ["Converse", "ConverseStream"]


def test_nova_through_chat_bedrock_uses_converse(chat_bedrock, emulator):
    message = chat_bedrock("us.amazon.nova-lite-v1:0").invoke(MESSAGES)
    assert message.content == REPLY and message.usage_metadata == usage(5, 5)
    assert emulator.requests()[0]["operation"] == "Converse"


@pytest.mark.parametrize("api", ["invoke", "converse"])
def test_tool_calls_and_results(chat_bedrock, chat_converse, api):
    llm = (chat_bedrock(CLAUDE) if api == "invoke" else chat_converse()).bind_tools(
        [get_weather])
    messages = [HumanMessage('weather? [[tool:get_weather {"city": "Paris"}]]')]
    message = llm.invoke(messages)
    [call] = message.tool_calls
    assert (call["name"], call["args"]) == ("get_weather", {"city": "Paris"})
    assert call["id"].startswith("tooluse_")
    assert message.usage_metadata["output_tokens"] >= 2
    [stream_call] = streamed(llm, messages).tool_calls
    assert stream_call == call
    reply = llm.invoke(messages + [message, ToolMessage("sunny, 21 C", tool_call_id=call["id"])])
    assert text_of(reply.content) == "Tool said: sunny, 21 C"


def test_invoke_and_converse_agree_on_tool_call_ids(chat_bedrock, chat_converse):
    messages = [HumanMessage("[[tool:get_weather]]")]
    via_invoke = chat_bedrock(CLAUDE).bind_tools([get_weather]).invoke(messages)
    via_converse = chat_converse().bind_tools([get_weather]).invoke(messages)
    assert via_invoke.tool_calls == via_converse.tool_calls
    assert via_invoke.tool_calls[0]["args"] == {"city": "example"}


@pytest.mark.parametrize("api", ["invoke", "converse"])
def test_forced_tool_choice(chat_bedrock, chat_converse, api):
    llm = chat_bedrock(CLAUDE) if api == "invoke" else chat_converse()
    message = llm.bind_tools([get_weather], tool_choice="get_weather").invoke("hi")
    assert message.tool_calls[0]["args"] == {"city": "example"}


def test_thinking(chat_bedrock, chat_converse):
    thinking = {"type": "enabled", "budget_tokens": 1024}
    llm = chat_bedrock(CLAUDE_37, model_kwargs={"thinking": thinking})
    for message in (llm.invoke("ponder"), streamed(llm, "ponder")):
        blocks = [{k: v for k, v in b.items() if k != "index"} for b in message.content]
        assert blocks[0]["thinking"] == "Thinking about: ponder"
        assert blocks[0]["signature"].startswith("sig-")
        assert text_of(message.content) == "You said: ponder"
    llm = chat_converse(CLAUDE_37, additional_model_request_fields={"thinking": thinking})
    for message in (llm.invoke("ponder"), streamed(llm, "ponder")):
        reasoning = message.content[0]["reasoning_content"]
        assert reasoning["text"] == "Thinking about: ponder"
        assert text_of(message.content) == "You said: ponder"


def test_prompt_cache_usage(chat_bedrock, chat_converse):
    system = SystemMessage([{"type": "text", "text": "a long shared preamble",
                             "cache_control": {"type": "ephemeral"}}])
    llm = chat_bedrock(CLAUDE_37)
    assert llm.invoke([system, HumanMessage("hi")]).usage_metadata == usage(5, 3, cache_write=4)
    assert llm.invoke([system, HumanMessage("hi")]).usage_metadata == usage(5, 3, cache_read=4)
    assert streamed(llm, [system, HumanMessage("hi")]).usage_metadata == usage(
        5, 3, cache_read=4)
    converse_system = SystemMessage(["other shared words", {"cachePoint": {"type": "default"}}])
    llm = chat_converse(CLAUDE_37)
    first = llm.invoke([converse_system, HumanMessage("hi")]).usage_metadata
    assert first["input_token_details"] == {"cache_creation": 3, "cache_read": 0}
    again = llm.invoke([converse_system, HumanMessage("hi")]).usage_metadata
    assert again["input_token_details"] == {"cache_creation": 0, "cache_read": 3}


def test_guardrails(chat_bedrock, chat_converse):
    guardrails = {"guardrailIdentifier": "gr-1", "guardrailVersion": "1", "trace": True}
    llm = chat_bedrock(CLAUDE, guardrails=guardrails)
    assert llm.invoke("nope [[guardrail]]").content == GUARDRAIL
    assert streamed(llm, "nope [[guardrail]]").content == GUARDRAIL
    assert llm.invoke("fine").content == "You said: fine"
    llm = chat_converse(guardrails={**guardrails, "trace": "enabled"})
    message = llm.invoke("nope [[guardrail]]")
    assert message.content == GUARDRAIL
    assert message.response_metadata["stopReason"] == "guardrail_intervened"
    assert "guardrail" in message.response_metadata["trace"]


def test_document_citations(chat_converse):
    document = {"name": "sky", "format": "txt", "source": {"text": "  The sky is blue. Wide."},
                "citations": {"enabled": True}}
    messages = [HumanMessage([{"type": "document", "document": document},
                              {"type": "text", "text": "What?"}])]
    llm = chat_converse()
    assert text_of(llm.invoke(messages).content) == "According to sky: The sky is blue."
    [block] = streamed(llm, messages).content
    assert block["text"] == "According to sky: The sky is blue."
    assert block["citations"] == [{
        "title": "sky", "source_content": [{"text": "The sky is blue."}],
        "location": {"document_char": {"document_index": 0, "start": 2, "end": 18}}}]


def test_nova_system_tools(chat_converse):
    llm = chat_converse("us.amazon.nova-2-lite-v1:0").bind_tools(["nova_grounding"])
    question = [HumanMessage("What is new?")]
    message = llm.invoke(question)
    assert [block["type"] for block in message.content] == [
        "server_tool_use", "tool_result", "text", "text"]
    assert message.content[0]["input"] == {"query": "What is new?"}
    assert message.tool_calls == []  # the service ran the tool: nothing for the caller to run
    cited = message.content[3]["citations"]
    assert [citation["location"]["web"]["domain"] for citation in cited] == [
        "www.example.com", "news.example.org"]
    # LangChain sends the blocks back as a plain toolUse and toolResult.
    follow_up = llm.invoke([*question, message, HumanMessage("And then?")])
    assert follow_up.content[0]["input"] == {"query": "And then?"}


def test_count_tokens(chat_bedrock, emulator):
    llm = chat_bedrock("anthropic.claude-3-5-sonnet-20240620-v1:0")
    assert llm.get_num_tokens_from_messages(MESSAGES) == 5
    assert emulator.requests()[0]["operation"] == "CountTokens"


def test_max_tokens_and_stop(chat_bedrock):
    llm = chat_bedrock(CLAUDE, max_tokens=3)
    message = llm.invoke("one two three four")
    assert message.content == "You said: one "
    assert message.additional_kwargs["stop_reason"] == "max_tokens"
    message = chat_bedrock("mistral.mistral-7b-instruct-v0:2").invoke(
        "one two STOP three", stop=["STOP"])
    assert message.content == "You said: one two "


@pytest.mark.parametrize("model, fmt", [("cohere.command-text-v14", "cohere"),
                                        ("amazon.titan-text-express-v1", "titan")])
def test_bedrock_llm_raw_prompts(emulator, model, fmt):
    """BedrockLLM sends the prompt as is (the only LangChain path to Cohere Command)."""
    llm = langchain_aws.BedrockLLM(model_id=model, region_name="us-east-1",
                                   endpoint_url=emulator.url, aws_access_key_id=AKID,
                                   aws_secret_access_key=SECRET)
    assert llm.invoke("hello there") == "You said: hello there"
    assert "".join(llm.stream("hello there")) == "You said: hello there"
    assert [r["format"] for r in emulator.requests()] == [fmt, fmt]
