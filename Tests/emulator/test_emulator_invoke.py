"""boto3 InvokeModel, InvokeModelWithResponseStream and CountTokens against every format."""

import base64
import json
import time
from pathlib import Path

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from botocore.exceptions import ClientError, EventStreamError
from emulator_testlib import BEARER, invoke, invoke_path
from format_cases import BY_NAME, CASES

SHAPES = json.loads((Path(__file__).parent / "data" / "invoke_shapes.json").read_text())
METRICS = "amazon-bedrock-invocationMetrics"
AUTH = {"Authorization": f"Bearer {BEARER}"}
ANTHROPIC = BY_NAME["anthropic"]


def request_for(case, text="hello there friend"):
    return case.build(text, system="Be brief." if case.has_system else None)


def scrub(value, like):
    """``value`` with the fields ``like`` marks "<volatile>" replaced the same way."""
    if like == "<volatile>":
        return like
    if isinstance(value, dict) and isinstance(like, dict):
        return {k: scrub(v, like.get(k)) for k, v in value.items()}
    if isinstance(value, list) and isinstance(like, list) and len(value) == len(like):
        return [scrub(v, w) for v, w in zip(value, like)]
    return value


@pytest.mark.parametrize("case", CASES, ids=str)
def test_invoke_replies_in_the_provider_format(client, emulator, case):
    body, headers = invoke(client, case.model, request_for(case))
    assert case.text(body) == "You said: hello there friend"
    assert case.stop(body) == case.reasons["end"]
    assert headers["content-type"] == "application/json"
    assert headers["x-amzn-bedrock-input-token-count"] == ("5" if case.has_system else "3")
    assert headers["x-amzn-bedrock-output-token-count"] == "5"
    assert int(headers["x-amzn-bedrock-invocation-latency"]) >= 0
    assert not any("cache" in name for name in headers)
    [record] = emulator.requests()
    assert (record["operation"], record["model_id"], record["format"]) == (
        "InvokeModel", case.model, case.name)
    assert record["body"] == request_for(case) and record["status"] == 200


@pytest.mark.parametrize("case", CASES, ids=str)
def test_stream_matches_plain_and_ends_with_invocation_metrics(client, emulator, case):
    plain, headers = invoke(client, case.model, request_for(case))
    chunks, stream_headers = invoke(client, case.model, request_for(case), stream=True)
    assert case.stream_text(chunks) == case.text(plain)
    assert case.stream_stop(chunks) == case.stop(plain)
    assert stream_headers["content-type"] == "application/vnd.amazon.eventstream"
    assert stream_headers["x-amzn-bedrock-content-type"] == "application/json"
    metrics = chunks[-1][METRICS]
    assert set(metrics) == {"inputTokenCount", "outputTokenCount", "invocationLatency",
                            "firstByteLatency"}
    assert metrics["inputTokenCount"] == int(headers["x-amzn-bedrock-input-token-count"])
    assert metrics["outputTokenCount"] == int(headers["x-amzn-bedrock-output-token-count"])
    assert metrics["invocationLatency"] >= metrics["firstByteLatency"] >= 0
    assert not any(METRICS in chunk for chunk in chunks[:-1])
    assert emulator.requests()[-1]["operation"] == "InvokeModelWithResponseStream"


@pytest.mark.parametrize("name", list(SHAPES))
def test_bodies_and_chunks_have_the_documented_shapes(client, name):
    shape = SHAPES[name]
    body, _ = invoke(client, shape["model"], shape["request"])
    assert scrub(body, shape["response"]) == shape["response"]
    chunks, _ = invoke(client, shape["model"], shape["request"], stream=True)
    assert scrub(chunks, shape["stream"]) == shape["stream"]


def test_stream_events_are_bedrock_chunk_frames(emulator):
    body = json.dumps(ANTHROPIC.build("hi")).encode()
    response, data = emulator.request("POST", invoke_path(ANTHROPIC.model, stream=True), body,
                                      AUTH)
    assert response.getheader("Transfer-Encoding") == "chunked"
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    frames = list(buffer)
    assert len(frames) == len(SHAPES["anthropic"]["stream"])
    paddings = set()
    for frame in frames:
        assert frame.headers == {":event-type": "chunk", ":content-type": "application/json",
                                 ":message-type": "event"}
        payload = json.loads(frame.payload)
        assert set(payload) == {"bytes", "p"}
        json.loads(base64.b64decode(payload["bytes"]))
        paddings.add(payload["p"])
    assert len(paddings) > 1


@pytest.mark.parametrize("case", CASES, ids=str)
def test_count_tokens_matches_invoke_input_tokens(client, case):
    request = request_for(case)
    _, headers = invoke(client, case.model, request)
    counted = client.count_tokens(modelId=case.model,
                                  input={"invokeModel": {"body": json.dumps(request)}})
    assert counted["inputTokens"] == int(headers["x-amzn-bedrock-input-token-count"])


def test_count_tokens_for_converse_input(client, emulator):
    counted = client.count_tokens(modelId=ANTHROPIC.model, input={"converse": {
        "system": [{"text": "Be brief."}],
        "messages": [{"role": "user", "content": [{"text": "one two three"}]},
                     {"role": "assistant", "content": [{"text": "four"}]},
                     {"role": "user", "content": [{"text": "five"}]}]}})
    assert counted["inputTokens"] == 7
    [record] = emulator.requests()
    assert (record["operation"], record["format"]) == ("CountTokens", "converse")


def test_count_tokens_accepts_the_body_as_json_text(emulator):
    body = {"input": {"invokeModel": {"body": json.dumps(ANTHROPIC.build("a b c"))}}}
    response, data = emulator.request("POST", f"/model/{ANTHROPIC.model}/count-tokens", body,
                                      AUTH)
    assert (response.status, json.loads(data)) == (200, {"inputTokens": 3})


@pytest.mark.parametrize("body, message", [
    ({"input": {}}, "exactly one"),
    ({"input": {"converse": {}, "invokeModel": {}}}, "exactly one"),
    ({"input": {"invokeModel": {"body": "!!not base64"}}}, "base64"),
    ({"input": {"converse": {"messages": []}}}, "messages"),
])
def test_count_tokens_validation(emulator, body, message):
    response, data = emulator.request("POST", f"/model/{ANTHROPIC.model}/count-tokens", body,
                                      AUTH)
    assert response.status == 400 and message in json.loads(data)["message"]


# -- which format a request gets ----------------------------------------------------------

@pytest.mark.parametrize("model", [
    "anthropic.claude-3-haiku-20240307-v1:0", "us.anthropic.claude-3-haiku-20240307-v1:0",
    "eu.anthropic.claude-3-haiku-20240307-v1:0", "apac.anthropic.claude-3-haiku-20240307-v1:0",
    "global.anthropic.claude-sonnet-4-20250514-v1:0",
    "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-v1:0",
])
def test_provider_comes_from_the_model_id(client, emulator, model):
    body, _ = invoke(client, model, ANTHROPIC.build("hi"))
    assert body["type"] == "message"
    assert emulator.requests()[0]["format"] == "anthropic"


CUSTOM_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"


@pytest.mark.parametrize("name", ["anthropic", "meta", "mistral", "cohere", "cohere-chat",
                                  "titan", "nova", "deepseek", "openai"])
def test_arn_without_provider_uses_the_body_shape(client, emulator, name):
    case = BY_NAME[name]
    request = case.build("hi", max_tokens=50)
    if name == "cohere":
        request["k"] = 0  # a bare prompt is only Cohere's by its sampling keys
    body, _ = invoke(client, CUSTOM_ARN, request)
    assert case.text(body) == "You said: hi"
    assert emulator.requests()[0]["format"] == name


def test_mistral_and_cohere_pick_their_format_from_the_body(client, emulator):
    for case in (BY_NAME["mistral"], BY_NAME["mistral-chat"], BY_NAME["cohere"],
                 BY_NAME["cohere-chat"]):
        invoke(client, "mistral.x" if "mistral" in case.name else "cohere.x", case.build("hi"))
    assert [r["format"] for r in emulator.requests()] == [
        "mistral", "mistral-chat", "cohere", "cohere-chat"]


def test_unknown_format_is_a_validation_error(client):
    with pytest.raises(ClientError) as raised:
        invoke(client, "stability.sd3-large-v1:0", {"text_prompts": [{"text": "a cat"}]})
    assert raised.value.response["Error"]["Code"] == "ValidationException"


# -- validation, headers, faults ----------------------------------------------------------

@pytest.mark.parametrize("name, body, message", [
    ("anthropic", {"max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
     "required key [anthropic_version] not found"),
    ("anthropic", {"anthropic_version": "bedrock-2023-05-31",
                   "messages": [{"role": "user", "content": "x"}]}, "[max_tokens]"),
    ("anthropic", {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5,
                   "messages": [{"role": "system", "content": "x"}]}, "messages/0/role"),
    ("anthropic", {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 0,
                   "messages": [{"role": "user", "content": "x"}]}, "max_tokens"),
    ("meta", {"prompt": 5}, "#/prompt: expected type: String, found: Integer"),
    ("meta", {"prompt": "x", "max_gen_len": "10"}, "max_gen_len"),
    ("mistral", {}, "required key [prompt] not found"),
    ("mistral-chat", {"messages": []}, "minimum item count"),
    ("cohere-chat", {"message": "x", "chat_history": [{"role": "ROBOT"}]}, "role"),
    ("titan", {"inputText": "x", "textGenerationConfig": {"maxTokenCount": True}},
     "maxTokenCount"),
    ("nova", {"messages": [{"role": "user", "content": "x"}]}, "messages/0/content"),
    ("ai21", {"messages": [{"role": "user"}], "tools": [{"function": {}}]}, "name"),
    ("openai", {"messages": [{"role": "user", "content": "x"}], "stream": True},
     "#/stream"),
    ("openai", {"messages": [{"role": "user", "content": "x"}], "model": "other"}, "#/model"),
])
def test_malformed_bodies_are_rejected(client, name, body, message):
    with pytest.raises(ClientError) as raised:
        invoke(client, BY_NAME[name].model, body)
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException" and message in error["Message"]


@pytest.mark.parametrize("headers, ok", [
    ({}, True), ({"Content-Type": "application/json", "Accept": "application/json"}, True),
    ({"Accept": "*/*"}, True), ({"Accept": "text/html, application/json;q=0.9"}, True),
    ({"Accept": "text/plain"}, False), ({"Content-Type": "text/plain"}, False),
    ({"Content-Type": "application/x-www-form-urlencoded"}, False),
])
def test_content_type_and_accept(emulator, headers, ok):
    body = json.dumps(ANTHROPIC.build("hi")).encode()
    response, data = emulator.request("POST", invoke_path(ANTHROPIC.model), body,
                                      {**AUTH, **headers})
    assert response.status == (200 if ok else 400)
    if not ok:
        assert "is invalid or not supported for this model" in json.loads(data)["message"]


def test_stream_accept_header_is_x_amzn_bedrock_accept(emulator):
    body = json.dumps(ANTHROPIC.build("hi")).encode()
    path = invoke_path(ANTHROPIC.model, stream=True)
    assert emulator.request("POST", path, body, {**AUTH, "Accept": "text/plain"})[0].status == 200
    bad = {**AUTH, "X-Amzn-Bedrock-Accept": "text/plain"}
    assert emulator.request("POST", path, body, bad)[0].status == 400


@pytest.mark.parametrize("stream", [False, True])
def test_fault_directive_in_an_invoke_body(client, emulator, stream):
    with pytest.raises(ClientError) as raised:
        invoke(client, "meta.llama3-8b-instruct-v1:0",
               BY_NAME["meta"].build("hi [[fault:throttle]]"), stream=stream)
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert emulator.requests()[0]["fault"] == "throttle"


def test_queued_fault_applies_to_count_tokens(client, emulator):
    emulator.add_faults("access_denied")
    with pytest.raises(ClientError) as raised:
        client.count_tokens(modelId=ANTHROPIC.model,
                            input={"invokeModel": {"body": json.dumps(ANTHROPIC.build("x"))}})
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"


@pytest.mark.parametrize("text", ["hi", "a much longer message to stream"])
def test_stream_exception_on_an_invoke_stream(client, text):
    body = BY_NAME["titan"].build(f"{text} [[fault:stream_exception:modelTimeoutException]]")
    response = client.invoke_model_with_response_stream(
        modelId=BY_NAME["titan"].model, body=json.dumps(body))
    seen = []
    with pytest.raises(EventStreamError) as raised:
        for event in response["body"]:
            seen.append(event)
    assert raised.value.response["Error"]["Code"] == "modelTimeoutException"
    assert len(seen) == 3 and all("chunk" in event for event in seen)


def test_token_delay_applies_to_invoke_streams(emulator):
    body = json.dumps(BY_NAME["mistral"].build("one [[fault:token_delay:60]]")).encode()
    conn = emulator.connection()
    conn.request("POST", invoke_path(BY_NAME["mistral"].model, stream=True), body, AUTH)
    started = time.monotonic()
    data = conn.getresponse().read()
    elapsed = time.monotonic() - started
    conn.close()
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    assert len(list(buffer)) == 5 and elapsed >= 0.24  # 5 chunks, 60 ms apart


def test_missing_model(client):
    with pytest.raises(ClientError) as raised:
        invoke(client, "missing.model-v1:0", ANTHROPIC.build("hi"))
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_stream_fault_on_a_stream_shorter_than_four_events(emulator):
    emulator.add_faults("stream_corrupt")
    body = json.dumps(BY_NAME["titan"].build("")).encode()  # two chunks: "You " "said: "
    response, data = emulator.request("POST", invoke_path(BY_NAME["titan"].model, stream=True),
                                      body, AUTH)
    assert response.status == 200
    frames = EventStreamBuffer()
    frames.add_data(data)
    assert json.loads(base64.b64decode(json.loads(next(frames).payload)["bytes"]))[
        "outputText"] == "You "
    with pytest.raises(ChecksumMismatch):  # the last chunk is the spoiled one
        next(frames)


def test_cohere_command_streams_whole_without_stream_true(client):
    case = BY_NAME["cohere"]
    request = {**case.build("one two"), "stream": False}
    [chunk], _ = invoke(client, case.model, request, stream=True)
    assert chunk["generations"][0]["text"] == "You said: one two"
    assert chunk["generations"][0]["finish_reason"] == "COMPLETE"
    assert chunk["amazon-bedrock-invocationMetrics"]["outputTokenCount"] == 4
