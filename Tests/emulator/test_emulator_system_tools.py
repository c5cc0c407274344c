"""Nova's system tools (Converse ``systemTool``) on Converse and ConverseStream, through
boto3 (the oracle: it parses each reply into the output shape, the server tool's
``toolUse`` and ``toolResult`` blocks, ``ToolResultBlockStart`` and the list a
``ToolResultBlocksDelta`` is, and web ``CitationLocation``s)."""

import itertools
import json

import pytest
from botocore.exceptions import ClientError
from emulator_testlib import MODEL, user

NOVA = "us.amazon.nova-2-lite-v1:0"
QUESTION = "What is new in Rust?"
THINKING = {"reasoningConfig": {"type": "enabled", "maxReasoningEffort": "low"}}


def system_tools(*names, custom=()):
    return {"tools": [*custom, *({"systemTool": {"name": name}} for name in names)]}


GROUNDING = system_tools("nova_grounding")
CODE_INTERPRETER = system_tools("nova_code_interpreter")


def reply_content(response):
    return response["output"]["message"]["content"]


def reassembled(events):
    """The content blocks a ConverseStream's events add up to, as a client keeps them."""
    blocks = {}
    for event in events:
        if "contentBlockStart" in event:
            start = event["contentBlockStart"]
            [(kind, members)] = start["start"].items()
            # The input (JSON text, in pieces) and the content come in the deltas.
            unfilled = {"toolUse": {"input": ""}, "toolResult": {"content": []}}[kind]
            blocks[start["contentBlockIndex"]] = {kind: {**members, **unfilled}}
        elif "contentBlockDelta" in event:
            delta = event["contentBlockDelta"]
            block = blocks.setdefault(delta["contentBlockIndex"], {})
            [(kind, value)] = delta["delta"].items()
            if kind == "toolUse":
                block["toolUse"]["input"] += value["input"]
            elif kind == "toolResult":
                block["toolResult"]["content"] += value
            elif kind == "reasoningContent":
                block.setdefault(kind, {"reasoningText": {"text": ""}})
                reasoning = block[kind]["reasoningText"]
                reasoning.update(value, text=reasoning["text"] + value.get("text", ""))
            elif kind == "citation":
                block.setdefault("citations", []).append(value)
            else:
                block[kind] = block.get(kind, "") + value
    content = []
    for _, block in sorted(blocks.items()):
        if "toolUse" in block:
            block["toolUse"]["input"] = json.loads(block["toolUse"]["input"])
        if "citations" in block:
            block = {"citationsContent": {"content": [{"text": block.get("text", "")}],
                                          "citations": block["citations"]}}
        content.append(block)
    return content


def server_tool_blocks(response):
    """The reply's toolUse and toolResult, and the call's id."""
    use, result, *_ = reply_content(response)
    return use["toolUse"], result["toolResult"], use["toolUse"]["toolUseId"]


@pytest.mark.parametrize("model", [NOVA, "amazon.nova-premier-v1:0"])
def test_grounding_searches_then_answers_citing_the_pages(client, model):
    response = client.converse(modelId=model, messages=user(QUESTION), toolConfig=GROUNDING)
    use, result, call_id = server_tool_blocks(response)
    assert call_id.startswith("tooluse_")
    assert use == {"toolUseId": call_id, "name": "nova_grounding", "type": "server_tool_use",
                   "input": {"query": QUESTION}}
    pages = result["content"][0]["json"]["results"]
    assert result == {"toolUseId": call_id, "type": "nova_grounding", "status": "success",
                      "content": [{"json": {"results": pages}}]}
    assert [(page["domain"], page["title"]) for page in pages] == [
        ("www.example.com", f"Example Web: {QUESTION}"),
        ("news.example.org", f"Example News: {QUESTION}")]
    assert all(page["url"].startswith(f"https://{page['domain']}/") for page in pages)
    assert reply_content(response)[2:] == [
        {"text": f"You said: {QUESTION}"},
        {"citationsContent": {
            "content": [{"text": " Sources: www.example.com, news.example.org."}],
            "citations": [{"title": page["title"], "location": {"web": {
                "url": page["url"], "domain": page["domain"]}}} for page in pages]}}]
    assert response["stopReason"] == "end_turn"
    # Output: the input JSON in 3 pieces, the text's 7 words and the sources' 4 tokens.
    assert response["usage"] == {"inputTokens": 5, "outputTokens": 14, "totalTokens": 19}


def test_grounding_is_deterministic(client):
    def pages(text):
        response = client.converse(modelId=NOVA, messages=user(text), toolConfig=GROUNDING)
        return server_tool_blocks(response)[1]["content"]

    assert pages(QUESTION) == pages(QUESTION)
    assert pages(QUESTION) != pages("What is new in Go?")


def test_code_interpreter_runs_code_then_answers(client):
    response = client.converse(modelId=NOVA, messages=user(QUESTION),
                               toolConfig=CODE_INTERPRETER)
    use, result, call_id = server_tool_blocks(response)
    assert use == {"toolUseId": call_id, "name": "nova_code_interpreter",
                   "type": "server_tool_use", "input": {"code": f'print("{QUESTION}")'}}
    [output] = result.pop("content")
    assert result == {"toolUseId": call_id, "type": "nova_code_interpreter_result",
                      "status": "success"}
    assert json.loads(output["text"]) == {"stdOut": QUESTION + "\n", "stdErr": "",
                                          "exitCode": 0, "isError": False}
    assert reply_content(response)[2:] == [{"text": f"You said: {QUESTION}"}]
    assert response["stopReason"] == "end_turn"


@pytest.mark.parametrize("tools, fields", [
    (GROUNDING, {}),
    (CODE_INTERPRETER, {}),
    (GROUNDING, {"additionalModelRequestFields": THINKING}),
], ids=["grounding", "code-interpreter", "after-reasoning"])
def test_converse_stream_adds_up_to_the_converse_reply(client, tools, fields):
    request = {"modelId": NOVA, "messages": user(QUESTION), "toolConfig": tools, **fields}
    plain = client.converse(**request)
    events = list(client.converse_stream(**request)["stream"])
    assert reassembled(events) == reply_content(plain)
    assert events[-2]["messageStop"]["stopReason"] == "end_turn"
    assert events[-1]["metadata"]["usage"] == plain["usage"]


def test_converse_stream_events_of_a_search(client):
    events = list(client.converse_stream(modelId=NOVA, messages=user(QUESTION),
                                         toolConfig=GROUNDING)["stream"])
    kinds = [(kind, payload.get("contentBlockIndex"))
             for event in events for kind, payload in event.items()]
    # Each block's deltas between its start (the tool blocks) and its stop.
    assert [kind for kind, _ in itertools.groupby(kinds)] == [
        ("messageStart", None),
        ("contentBlockStart", 0), ("contentBlockDelta", 0), ("contentBlockStop", 0),
        ("contentBlockStart", 1), ("contentBlockDelta", 1), ("contentBlockStop", 1),
        ("contentBlockDelta", 2), ("contentBlockStop", 2),
        ("contentBlockDelta", 3), ("contentBlockStop", 3),
        ("messageStop", None), ("metadata", None)]
    starts = [event["contentBlockStart"]["start"] for event in events
              if "contentBlockStart" in event]
    call_id = starts[0]["toolUse"]["toolUseId"]
    assert starts == [
        {"toolUse": {"toolUseId": call_id, "name": "nova_grounding", "type": "server_tool_use"}},
        {"toolResult": {"toolUseId": call_id, "type": "nova_grounding", "status": "success"}}]
    deltas = {}
    for event in events:
        if "contentBlockDelta" in event:
            delta = event["contentBlockDelta"]
            deltas.setdefault(delta["contentBlockIndex"], []).append(delta["delta"])
    assert len(deltas[0]) >= 2 and all(list(delta) == ["toolUse"] for delta in deltas[0])
    [result] = deltas[1]
    assert isinstance(result["toolResult"], list)
    assert [list(item) for item in result["toolResult"]] == [["json"]]
    assert {kind for delta in deltas[2] for kind in delta} == {"text"}
    assert [list(delta)[0] for delta in deltas[3]] == ["text"] * 4 + ["citation"] * 2


@pytest.mark.parametrize("operation", ["converse", "converse_stream"])
@pytest.mark.parametrize("model, tools, message", [
    (MODEL, GROUNDING, "This model doesn't support the toolConfig.tools.systemTool field."),
    ("amazon.titan-text-express-v1", CODE_INTERPRETER, "doesn't support the toolConfig"),
    (NOVA, system_tools("nova_weather"), "The system tool nova_weather is not supported."),
    (NOVA, system_tools("nova_grounding", "nova_web"), "The system tool nova_web is not"),
], ids=["claude", "titan", "unknown", "unknown-second"])
def test_system_tools_are_checked(client, operation, model, tools, message):
    with pytest.raises(ClientError) as caught:
        getattr(client, operation)(modelId=model, messages=user(QUESTION), toolConfig=tools)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert message in error["Message"]


def test_count_tokens_checks_the_system_tools(client):
    given = {"converse": {"messages": user(QUESTION), "toolConfig": GROUNDING}}
    assert client.count_tokens(modelId=NOVA, input=given)["inputTokens"] == 5
    with pytest.raises(ClientError, match="doesn't support the toolConfig.tools.systemTool"):
        client.count_tokens(modelId=MODEL, input=given)


def untyped(message):
    """The message with its server tool blocks as LangChain's ChatBedrockConverse sends them
    back: a plain toolUse and toolResult."""
    content = []
    for block in message["content"]:
        [(kind, members)] = block.items()
        if kind in ("toolUse", "toolResult"):
            members = {key: value for key, value in members.items() if key != "type"}
        content.append({kind: members})
    return {**message, "content": content}


@pytest.mark.parametrize("keep", [lambda message: message, untyped], ids=["typed", "untyped"])
def test_history_carries_the_server_tool_blocks_back(client, keep):
    first = client.converse(modelId=NOVA, messages=user(QUESTION), toolConfig=GROUNDING)
    history = [*user(QUESTION), keep(first["output"]["message"]), *user("And in Go?")]
    second = client.converse(modelId=NOVA, messages=history, toolConfig=GROUNDING)
    use, _, call_id = server_tool_blocks(second)
    assert use["input"] == {"query": "And in Go?"}
    assert call_id != server_tool_blocks(first)[2]
    # The search results in the history are prompt text the model reads.
    assert second["usage"]["inputTokens"] > first["usage"]["inputTokens"] + 10
    events = list(client.converse_stream(modelId=NOVA, messages=history,
                                         toolConfig=GROUNDING)["stream"])
    assert reassembled(events) == reply_content(second)


def test_custom_tools_come_before_the_system_tool(client):
    lookup = {"toolSpec": {"name": "lookup", "inputSchema": {"json": {
        "type": "object", "properties": {"q": {"type": "string"}}}}}}
    tools = system_tools("nova_grounding", custom=[lookup])
    called = client.converse(modelId=NOVA, messages=user("[[tool:lookup]]"), toolConfig=tools)
    [block] = reply_content(called)
    assert block["toolUse"] == {"toolUseId": block["toolUse"]["toolUseId"], "name": "lookup",
                                "input": {"q": "example"}}
    assert called["stopReason"] == "tool_use"
    answered = {"role": "user", "content": [{"toolResult": {
        "toolUseId": block["toolUse"]["toolUseId"], "content": [{"text": "found"}]}}]}
    history = [*user("[[tool:lookup]]"), called["output"]["message"], answered]
    result = client.converse(modelId=NOVA, messages=history, toolConfig=tools)
    assert reply_content(result) == [{"text": "Tool said: found"}]
    searched = client.converse(modelId=NOVA, messages=user(QUESTION), toolConfig=tools)
    assert [list(block) for block in reply_content(searched)] == [
        ["toolUse"], ["toolResult"], ["text"], ["citationsContent"]]
