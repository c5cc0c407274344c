"""Parity with LangChain's ChatBedrockConverse on the Converse path: the same conversation
must produce equivalent Converse request bodies and the same parsed reply."""

import pytest
from langchain_aws import ChatBedrockConverse
from parity import run_langchain, run_ours

def normalized(body):
    """Deliberate differences, each equivalent for Bedrock:
    - LangChain sends `"system": []` when there is no system prompt; we leave it out."""
    body = dict(body)
    if body.get("system") == []:
        del body["system"]
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
