"""Document citations on Converse and ConverseStream, through boto3 (the oracle: it parses
each reply into the output shape, ``CitationsContentBlock`` and ``CitationsDelta``)."""

import pytest
from emulator_testlib import MODEL

QUESTION = {"text": "What does it say?"}
SKY = "  The sky is blue. It is wide."
SKY_CITATION = {"title": "sky", "sourceContent": [{"text": "The sky is blue."}],
                "location": {"documentChar": {"documentIndex": 0, "start": 2, "end": 18}}}


def document(name, source, cited=True, **fields):
    block = {"name": name, "source": source, **fields}
    if cited:
        block["citations"] = {"enabled": True}
    return {"document": block}


def ask(*blocks):
    return [{"role": "user", "content": [*blocks, QUESTION]}]


def reply_content(response):
    return response["output"]["message"]["content"]


def cited_reply(text, *citations):
    return [{"citationsContent": {"content": [{"text": text}], "citations": list(citations)}}]


@pytest.mark.parametrize("source", [
    {"bytes": SKY.encode()},
    {"text": SKY},
], ids=["bytes", "text"])
def test_converse_cites_the_first_sentence(client, source):
    response = client.converse(modelId=MODEL, messages=ask(document("sky", source,
                                                                    format="txt")))
    assert reply_content(response) == cited_reply("According to sky: The sky is blue.",
                                                   SKY_CITATION)
    assert SKY[2:18] == "The sky is blue."
    assert response["stopReason"] == "end_turn"
    # Input: the document's 7 words and the question's 4; output: the reply's 7 words.
    assert response["usage"] == {"inputTokens": 11, "outputTokens": 7, "totalTokens": 18}


def test_converse_cites_a_content_source_by_block(client):
    source = {"content": [{"text": " "}, {"text": "Water is wet. Ice is not."}]}
    response = client.converse(modelId=MODEL, messages=ask(document("facts", source)))
    assert reply_content(response) == cited_reply(
        "According to facts: Water is wet. Ice is not.",
        {"title": "facts", "sourceContent": [{"text": "Water is wet. Ice is not."}],
         "location": {"documentChunk": {"documentIndex": 0, "start": 1, "end": 2}}})


def test_converse_cites_each_cited_document_by_its_index(client):
    messages = [
        {"role": "user", "content": [document("intro", {"text": "Hello."}, cited=False),
                                     document("scan", {"bytes": b"%PDF-1.7"}, format="pdf")]},
        {"role": "assistant", "content": [{"text": "Go on."}]},
        {"role": "user", "content": [document("sky", {"text": SKY}, context="weather"),
                                     document("list", {"bytes": b"a,b\n1,2"}, format="csv"),
                                     QUESTION]},
    ]
    response = client.converse(modelId=MODEL, messages=messages)
    sky = {**SKY_CITATION, "location": {"documentChar": {
        "documentIndex": 2, "start": 2, "end": 18}}}
    table = {"title": "list", "sourceContent": [{"text": "a,b"}],
             "location": {"documentChar": {"documentIndex": 3, "start": 0, "end": 3}}}
    assert reply_content(response) == cited_reply(
        "According to sky: The sky is blue. According to list: a,b", sky, table)
    # Every document's text and context is read (1 + 7 + 1 + 2 words), with the texts (2 + 4).
    assert response["usage"]["inputTokens"] == 17


def test_document_without_citations_is_read_but_not_cited(client):
    messages = ask(document("sky", {"bytes": SKY.encode()}, cited=False, format="md"))
    response = client.converse(modelId=MODEL, messages=messages)
    assert reply_content(response) == [{"text": "You said: What does it say?"}]
    assert response["usage"]["inputTokens"] == 11
    counted = client.count_tokens(modelId=MODEL, input={"converse": {"messages": messages}})
    assert counted["inputTokens"] == 11


@pytest.mark.parametrize("source", [
    {"bytes": SKY.encode()},
    {"text": SKY},
    {"content": [{"text": "The sky is blue."}, {"text": "It is wide."}]},
], ids=["bytes", "text", "content"])
def test_converse_stream_streams_the_text_then_the_citations(client, source):
    messages = ask(document("sky", source, format="txt"))
    plain = client.converse(modelId=MODEL, messages=messages)
    events = list(client.converse_stream(modelId=MODEL, messages=messages)["stream"])
    deltas = [event["contentBlockDelta"] for event in events if "contentBlockDelta" in event]
    assert {delta["contentBlockIndex"] for delta in deltas} == {0}
    texts = [delta["delta"]["text"] for delta in deltas if "text" in delta["delta"]]
    citations = [delta["delta"]["citation"] for delta in deltas[len(texts):]]
    [block] = reply_content(plain)
    assert "".join(texts) == block["citationsContent"]["content"][0]["text"]
    assert citations == block["citationsContent"]["citations"]
    assert [list(event)[0] for event in events[-3:]] == [
        "contentBlockStop", "messageStop", "metadata"]
    assert events[-1]["metadata"]["usage"] == plain["usage"]
    assert plain["usage"]["outputTokens"] == len(texts)


def test_max_tokens_cuts_the_text_and_keeps_the_citations(client):
    response = client.converse(modelId=MODEL, messages=ask(document("sky", {"text": SKY})),
                               inferenceConfig={"maxTokens": 3})
    assert reply_content(response) == cited_reply("According to sky: ", SKY_CITATION)
    assert (response["stopReason"], response["usage"]["outputTokens"]) == ("max_tokens", 3)


def test_citations_follow_the_reasoning_block(client):
    messages = ask(document("sky", {"text": SKY}))
    thinking = {"thinking": {"type": "enabled", "budget_tokens": 1024}}
    content = reply_content(client.converse(modelId=MODEL, messages=messages,
                                            additionalModelRequestFields=thinking))
    assert [list(block)[0] for block in content] == ["reasoningContent", "citationsContent"]
    events = list(client.converse_stream(modelId=MODEL, messages=messages,
                                         additionalModelRequestFields=thinking)["stream"])
    [cited] = [event["contentBlockDelta"] for event in events
               if "citation" in event.get("contentBlockDelta", {}).get("delta", {})]
    assert cited == {"contentBlockIndex": 1, "delta": {"citation": SKY_CITATION}}
