"""ChatBedrockNative with Amazon Nova's system tools (nova_grounding, nova_code_interpreter),
which Bedrock runs itself: what bind_tools puts in the chat request, how the reply's
server_tool_use/server_tool_result blocks become content blocks (not tool calls), streamed and
not, and how they go back in later turns.

The tests named ``test_system_tools_e2e_*`` send requests through the library, and need a
library that knows system tools (docs/c-api.md, "Chat request"); the one against the emulator
needs an emulator that takes them too. The others build the request, or read replies and
stream events, without calling the library."""

from __future__ import annotations

import json
import warnings

import pytest
from langchain_aws import ChatBedrockConverse
from langchain_aws.chat_models.bedrock_converse import _bedrock_to_lc
from langchain_aws.tools import NovaCodeInterpreterTool, NovaGroundingTool
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool

from bedrock_chat import InvalidArgumentError
from bedrock_chat.langchain import ChatBedrockNative, _ChunkMaker, _chat_result, convert_messages
from bedrock_testlib import collect, emulator_aws_settings, langchain_reply
from parity import canned_converse, clear_recorded, recorded

NOVA = "us.amazon.nova-2-lite-v1:0"
CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0"
URL = "https://aws.amazon.com/new/"
RESULTS = {"results": [{"url": URL, "title": "What's New"}]}
CITATION = {"title": "What's New", "source": URL, "location": {"web": {"url": URL, "domain": "aws.amazon.com"}}}


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"Sunny in {city}."


class DuckGrounding:
    """A system tool as langchain-aws's NovaSystemTool says it, without being one."""

    def to_bedrock_format(self):
        return {"systemTool": {"name": "nova_grounding"}}


def request_for(bound, messages=("What is new in Bedrock?",)):
    """The chat request a bound model sends, built without calling the library."""
    return bound.bound._request([HumanMessage(m) for m in messages], None, dict(bound.kwargs))


# ---- bind_tools ------------------------------------------------------------------------------


def test_system_tools_follow_the_custom_tools_and_disable_streaming():
    model = ChatBedrockNative(model=NOVA, region_name="us-east-1")
    bound = model.bind_tools(["nova_grounding", get_weather, NovaCodeInterpreterTool(), DuckGrounding(),
                              {"cachePoint": {"type": "default"}}])
    assert bound.kwargs["disable_streaming"] is True
    request = request_for(bound)
    assert request["tools"][0]["name"] == "get_weather"
    assert request["tools"][1:] == [{"type": "cache_point"}, {"type": "system_tool", "name": "nova_grounding"},
                                    {"type": "system_tool", "name": "nova_code_interpreter"},
                                    {"type": "system_tool", "name": "nova_grounding"}]
    # disable_streaming is LangChain's, not a request member.
    assert "disable_streaming" not in request
    assert "disable_streaming" not in model.bind_tools([get_weather]).kwargs


@pytest.mark.parametrize("choice", ["any", "required", True, "nova_grounding", {"type": "tool", "name": "x"}])
def test_forced_tool_choice_with_only_system_tools_is_downgraded_on_nova(choice):
    model = ChatBedrockNative(model=NOVA, region_name="us-east-1")
    with pytest.warns(UserWarning, match="not supported when using only systemTools. Downgrading to tool_choice='auto'"):
        bound = model.bind_tools([NovaGroundingTool()], tool_choice=choice)
    assert request_for(bound)["tool_choice"] == "auto"


@pytest.mark.parametrize("model_id, tools, choice, expected", [
    (NOVA, ["nova_grounding"], "auto", "auto"),
    (NOVA, ["nova_grounding"], "none", "none"),
    (NOVA, ["nova_grounding", get_weather], "any", "any"),  # a custom tool can be forced
    (CLAUDE, ["nova_grounding"], "any", "any"),  # not Nova: the library says what is wrong
])
def test_tool_choice_is_kept_otherwise(model_id, tools, choice, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bound = ChatBedrockNative(model=model_id, region_name="us-east-1").bind_tools(tools, tool_choice=choice)
    assert request_for(bound)["tool_choice"] == expected


def test_a_nova_base_model_counts_as_nova():
    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
    model = ChatBedrockNative(model=arn, base_model="amazon.nova-2-lite-v1:0", region_name="us-east-1")
    with pytest.warns(UserWarning, match="Downgrading"):
        model.bind_tools(["nova_grounding"], tool_choice="any")


# ---- replies -------------------------------------------------------------------------------

# A chat response (docs/c-api.md) in which Nova searched the web, then answered citing a page.
SERVER_TOOL_BLOCKS = [
    {"type": "server_tool_use", "id": "tooluse_g1", "name": "nova_grounding", "input": {"query": "Bedrock news"}},
    {"type": "server_tool_result", "tool_use_id": "tooluse_g1", "tool_type": "nova_grounding_result",
     "is_error": False, "content": [{"json": RESULTS}, {"text": "1 result"}]}]
RESPONSE = {"content": "Nova 2 is out.", "tool_calls": [], "structured": None, "stop_reason": "end_turn",
            "provider_stop_reason": "end_turn", "model_id": NOVA, "request_id": "r1", "api": "converse",
            "usage": {"input_tokens": 5, "output_tokens": 4, "total_tokens": 9},
            "blocks": [*SERVER_TOOL_BLOCKS, {"type": "text", "text": "Nova 2 is out.", "citations": [CITATION]}]}
# The same reply's content blocks, as ChatBedrockNative gives them.
SERVER_TOOL_CONTENT = [
    {"type": "server_tool_use", "id": "tooluse_g1", "name": "nova_grounding", "input": {"query": "Bedrock news"}},
    {"type": "server_tool_result", "tool_use_id": "tooluse_g1", "tool_type": "nova_grounding_result",
     "is_error": False, "content": [{"type": "json", "json": RESULTS}, {"type": "text", "text": "1 result"}]}]
# The reply as stream events (docs/c-api.md, "Chat stream events").
EVENTS = [
    {"type": "start", "model_id": NOVA, "request_id": "r1"},
    {"type": "server_tool_call_start", "index": 0, "id": "tooluse_g1", "name": "nova_grounding"},
    {"type": "server_tool_call_delta", "index": 0, "args": '{"query": '},
    {"type": "server_tool_call_delta", "index": 0, "args": '"Bedrock news"}'},
    {"type": "server_tool_result", "index": 1, "tool_use_id": "tooluse_g1", "tool_type": "nova_grounding_result",
     "is_error": False},
    {"type": "server_tool_result_delta", "index": 1, "content": [{"json": RESULTS}]},
    {"type": "server_tool_result_delta", "index": 1, "content": [{"text": "1 result"}]},
    {"type": "text", "index": 2, "text": "Nova 2 is out."},
    {"type": "citation", "index": 2, "citation": CITATION},
    {"type": "usage", "usage": RESPONSE["usage"]},
    {"type": "stop", "stop_reason": "end_turn", "provider_stop_reason": "end_turn"},
    {"type": "message", "message": RESPONSE}]


def without_stream_members(content):
    """Content blocks less what only streaming adds: the block index, and a server tool
    call's streamed JSON text."""
    return [{k: v for k, v in block.items() if k not in ("index", "partial_json")} for block in content]


def history_blocks(reply):
    """The chat request blocks a reply becomes when it is sent back in a later turn."""
    messages = convert_messages([HumanMessage("What is new?"), reply, HumanMessage("Tell me more.")])
    return messages[1]["content"]


def test_server_tool_blocks_are_content_blocks_not_tool_calls():
    reply = _chat_result(RESPONSE).generations[0].message
    assert reply.tool_calls == [] and reply.text == "Nova 2 is out."
    assert reply.content[:2] == SERVER_TOOL_CONTENT
    assert reply.content[2]["annotations"][0]["title"] == "What's New"


def test_streamed_server_tool_blocks_add_up_to_the_reply():
    chunks = _ChunkMaker()
    streamed = collect(chunk for chunk in map(chunks.from_event, EVENTS) if chunk is not None)
    invoked = _chat_result(RESPONSE).generations[0].message
    assert streamed.tool_calls == [] and streamed.tool_call_chunks == []
    assert without_stream_members(streamed.content) == invoked.content
    assert json.loads(streamed.content[0]["partial_json"]) == {"query": "Bedrock news"}
    assert history_blocks(streamed)[:2] == SERVER_TOOL_BLOCKS


def test_server_tool_blocks_go_back_as_they_came():
    reply = _chat_result(RESPONSE).generations[0].message
    assert history_blocks(reply) == [*SERVER_TOOL_BLOCKS, {"type": "text", "text": "Nova 2 is out."}]
    # The same through LangChain's v1 view of the message (server_tool_use is non-standard there).
    assert history_blocks(AIMessage(content=reply.content_blocks))[:2] == SERVER_TOOL_BLOCKS


def test_standard_and_chatbedrockconverse_forms_go_back_too():
    standard = AIMessage(content=[
        {"type": "server_tool_call", "id": "t1", "name": "nova_code_interpreter", "args": {"code": "print(1)"}},
        {"type": "server_tool_result", "tool_call_id": "t1", "status": "error", "output": "Timed out",
         "extras": {"tool_type": "code_result"}},
        {"type": "text", "text": "It timed out."}])
    assert history_blocks(standard)[:2] == [
        {"type": "server_tool_use", "id": "t1", "name": "nova_code_interpreter", "input": {"code": "print(1)"}},
        {"type": "server_tool_result", "tool_use_id": "t1", "tool_type": "code_result", "is_error": True,
         "content": [{"text": "Timed out"}]}]
    # ChatBedrockConverse's reading of Converse's own blocks: its server tool result has the type
    # tool_result, and no toolResult type.
    converse = [{"toolUse": {"toolUseId": "tooluse_g1", "name": "nova_grounding", "input": {"query": "Bedrock news"},
                             "type": "server_tool_use"}},
                {"toolResult": {"toolUseId": "tooluse_g1", "type": "nova_grounding_result", "status": "success",
                                "content": [{"json": RESULTS}, {"text": "1 result"}]}},
                {"text": "Nova 2 is out."}]
    theirs = AIMessage(content=_bedrock_to_lc(converse))
    assert history_blocks(theirs)[:2] == [SERVER_TOOL_BLOCKS[0], {**SERVER_TOOL_BLOCKS[1], "tool_type": None}]
    # ChatBedrockConverse's streamed server_tool_use carries its input as JSON text.
    streamed = AIMessage(content=[{"type": "server_tool_use", "id": "t2", "name": "nova_grounding",
                                   "input": '{"query": "x"}', "index": 0}, {"type": "text", "text": "x"}])
    assert history_blocks(streamed)[0]["input"] == {"query": "x"}


def test_unsupported_server_tool_result_content_is_named():
    message = AIMessage(content=[{"type": "server_tool_result", "tool_use_id": "t1", "is_error": False,
                                  "content": [{"type": "image", "base64": "AAAA"}]}])
    with pytest.raises(ValueError, match="unsupported server tool result content 'image'"):
        history_blocks(message)


# ---- end to end: need a library that knows system tools ------------------------------------

# The same reply as Converse sends it: a toolUse and a toolResult that Nova ran, then the answer.
CONVERSE_CONTENT = [
    {"toolUse": {"toolUseId": "tooluse_g1", "name": "nova_grounding", "input": {"query": "Bedrock news"},
                 "type": "server_tool_use"}},
    {"toolResult": {"toolUseId": "tooluse_g1", "type": "nova_grounding_result", "status": "success",
                    "content": [{"json": RESULTS}, {"text": "1 result"}]}},
    {"citationsContent": {"content": [{"text": "Nova 2 is out."}], "citations": [CITATION]}}]
USAGE = {"inputTokens": 5, "outputTokens": 4, "totalTokens": 9}
CONVERSE_REPLY = {"output": {"message": {"role": "assistant", "content": CONVERSE_CONTENT}},
                  "stopReason": "end_turn", "usage": USAGE, "metrics": {"latencyMs": 12}}
CONVERSE_EVENTS = [
    ("messageStart", {"role": "assistant"}),
    ("contentBlockStart", {"contentBlockIndex": 0, "start": {"toolUse": {
        "toolUseId": "tooluse_g1", "name": "nova_grounding", "type": "server_tool_use"}}}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolUse": {"input": '{"query": '}}}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolUse": {"input": '"Bedrock news"}'}}}),
    ("contentBlockStop", {"contentBlockIndex": 0}),
    ("contentBlockStart", {"contentBlockIndex": 1, "start": {"toolResult": {
        "toolUseId": "tooluse_g1", "type": "nova_grounding_result", "status": "success"}}}),
    ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolResult": [{"json": RESULTS}]}}),
    ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolResult": [{"text": "1 result"}]}}),
    ("contentBlockStop", {"contentBlockIndex": 1}),
    ("contentBlockDelta", {"contentBlockIndex": 2, "delta": {"text": "Nova 2 is out."}}),
    ("contentBlockDelta", {"contentBlockIndex": 2, "delta": {"citation": CITATION}}),
    ("contentBlockStop", {"contentBlockIndex": 2}),
    ("messageStop", {"stopReason": "end_turn"}),
    ("metadata", {"usage": USAGE, "metrics": {"latencyMs": 12}})]


def test_system_tools_e2e_request_matches_chatbedrockconverse():
    received: list[dict] = []
    tools = [get_weather, "nova_grounding", NovaCodeInterpreterTool()]
    with canned_converse(CONVERSE_REPLY, CONVERSE_EVENTS, received) as url:
        settings = emulator_aws_settings(url)
        ChatBedrockNative(model=NOVA, **settings).bind_tools(tools).invoke("What is new in Bedrock?")
        ChatBedrockConverse(model=NOVA, **settings).bind_tools(tools).invoke("What is new in Bedrock?")
    ours, theirs = received
    assert ours["toolConfig"] == theirs["toolConfig"]
    assert ours["toolConfig"]["tools"][1:] == [{"systemTool": {"name": "nova_grounding"}},
                                               {"systemTool": {"name": "nova_code_interpreter"}}]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_system_tools_e2e_reply_and_its_return(stream):
    received: list[dict] = []
    question = HumanMessage("What is new in Bedrock?")
    with canned_converse(CONVERSE_REPLY, CONVERSE_EVENTS, received) as url:
        settings = emulator_aws_settings(url)
        model = ChatBedrockNative(model=NOVA, **settings).bind_tools(["nova_grounding"])
        reply = langchain_reply(model, [question], stream)
        theirs = ChatBedrockConverse(model=NOVA, **settings).bind_tools(["nova_grounding"]).invoke([question])
        model.invoke([question, reply, HumanMessage("Tell me more.")])
    assert received[0]["toolConfig"] == {"tools": [{"systemTool": {"name": "nova_grounding"}}]}
    assert reply.tool_calls == [] and reply.text == "Nova 2 is out."
    assert without_stream_members(reply.content)[:2] == SERVER_TOOL_CONTENT
    assert without_stream_members(reply.content)[0] == theirs.content[0]  # ChatBedrockConverse's server_tool_use
    # Sent back, the two blocks are Converse's own again.
    assert received[-1]["messages"][1]["content"][:2] == CONVERSE_CONTENT[:2]


def test_system_tools_e2e_invoke_api_is_refused():
    with canned_converse(CONVERSE_REPLY, CONVERSE_EVENTS) as url:
        model = ChatBedrockNative(model=NOVA, api="invoke", **emulator_aws_settings(url))
        with pytest.raises(InvalidArgumentError, match=r"tools\[0\]"):
            model.bind_tools(["nova_grounding"]).invoke("What is new in Bedrock?")


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_system_tools_e2e_against_the_emulator(emulator_url, stream):
    model = ChatBedrockNative(model=NOVA, **emulator_aws_settings(emulator_url)).bind_tools(["nova_grounding"])
    clear_recorded(emulator_url)
    reply = langchain_reply(model, "What is new in Bedrock?", stream)
    body = recorded(emulator_url)[-1]["body"]
    assert body["toolConfig"]["tools"] == [{"systemTool": {"name": "nova_grounding"}}]
    assert reply.tool_calls == [] and reply.text
    call, result = without_stream_members(reply.content)[:2]
    assert call["type"] == "server_tool_use" and call["input"] == {"query": "What is new in Bedrock?"}
    assert result["type"] == "server_tool_result" and result["tool_use_id"] == call["id"] and not result["is_error"]
    # The emulator takes the reply back in the next turn, as Bedrock would.
    model.invoke([HumanMessage("What is new in Bedrock?"), reply, HumanMessage("Tell me more.")])
    assert recorded(emulator_url)[-1]["body"]["messages"][1]["content"][0]["toolUse"]["type"] == "server_tool_use"


def test_counted_tokens_include_the_system_tools(emulator_url):
    model = ChatBedrockNative(model=NOVA, **emulator_aws_settings(emulator_url))
    clear_recorded(emulator_url)
    assert model.get_num_tokens_from_messages([HumanMessage("What is new?")], tools=["nova_grounding"]) > 0
    body = recorded(emulator_url)[-1]["body"]
    assert body["input"]["converse"]["toolConfig"]["tools"] == [{"systemTool": {"name": "nova_grounding"}}]
