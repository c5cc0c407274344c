"""The chat API through the binding: responses, stream events, cancellation, bad input."""

import threading
import time

import pytest

from bedrock_chat import CancelledError, InvalidArgumentError, ThrottledError

CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"


def chat_request(text, **extra):
    return {"model": CLAUDE, "api": "converse", "messages": [["system", "Be helpful."], ["human", text]], **extra}


def test_chat_returns_the_contract_shape(client):
    response = client.chat(chat_request("hello chat"))
    assert response["content"] == "You said: hello chat"
    assert response["blocks"] == [{"type": "text", "text": "You said: hello chat"}]
    assert response["tool_calls"] == [] and response["structured"] is None
    assert response["stop_reason"] == "end_turn" and response["api"] == "converse"
    assert response["model_id"] == CLAUDE and response["request_id"]
    usage = response["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0


def test_stream_events_in_contract_order(client):
    events = list(client.chat_stream(chat_request("stream this please")))
    types = [e["type"] for e in events]
    assert types[0] == "start" and types[-3:] == ["usage", "stop", "message"]
    assert set(types[1:-3]) == {"text"}
    message = events[-1]["message"]
    assert "".join(e["text"] for e in events if e["type"] == "text") == message["content"]
    assert events[-2]["stop_reason"] == message["stop_reason"] == "end_turn"
    assert events[-3]["usage"] == message["usage"]


def test_stream_message_equals_chat_response(client):
    request = chat_request("same either way", max_tokens=3)
    plain = client.chat(request)
    streamed = list(client.chat_stream(request))[-1]["message"]
    for response in (plain, streamed):
        response.pop("request_id")
        response.pop("metrics")
    assert plain == streamed
    assert plain["stop_reason"] == "max_tokens"


def test_cancel_from_another_thread_ends_a_blocked_next(client):
    stream = client.chat_stream(chat_request("[[fault:token_delay:5000]] slow words here"))
    timer = threading.Timer(0.3, stream.cancel)
    started = time.monotonic()
    timer.start()
    with pytest.raises(CancelledError):
        for _ in stream:
            pass
    assert time.monotonic() - started < 3
    timer.join()


def test_closing_a_stream_early_frees_it(client):
    with client.chat_stream(chat_request("one two three four five six")) as stream:
        assert next(stream)["type"] == "start"
    assert list(stream) == []
    assert client.chat(chat_request("still fine"))["content"] == "You said: still fine"


def test_stream_errors_raise_typed_exceptions(client):
    with pytest.raises(ThrottledError):
        list(client.chat_stream(chat_request("[[fault:throttle]]")))


@pytest.mark.parametrize("change, field", [
    ({"messages": [["wizard", "hi"]]}, "request.messages[0].role"),
    ({"messages": [{"role": "user", "content": [{"type": "image", "media_type": "image/png"}]}]},
     "request.messages[0].content[0].data"),
    ({"tools": [{"description": "no name"}]}, "request.tools[0].name"),
    ({"response_schema": "a string"}, "request.response_schema"),
    ({"max_tokens": -1}, "request.max_tokens"),
    ({"temperature": "hot"}, "request.temperature"),
    ({"model": "arn:aws:bedrock:us-east-1:123456789012:custom-model/abc"}, "request.provider"),
])
def test_bad_requests_name_the_field(client, change, field):
    with pytest.raises(InvalidArgumentError, match=field.replace("[", r"\[").replace("]", r"\]")):
        client.chat({**chat_request("hi"), **change})


def test_blank_text_blocks_are_dropped_not_sent(client, emulator_url):
    from parity import clear_recorded, recorded

    clear_recorded(emulator_url)
    client.chat({"model": CLAUDE, "api": "converse", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "  "}, {"type": "text", "text": "real question"}]}]})
    sent = recorded(emulator_url)[-1]["body"]["messages"]
    assert sent == [{"role": "user", "content": [{"text": "real question"}]}]


def test_arn_with_provider_works(client):
    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
    response = client.chat({"model": arn, "provider": "anthropic", "api": "converse", "messages": [["human", "hi"]]})
    assert response["content"] == "You said: hi" and response["model_id"] == arn


def test_an_empty_header_value_is_sent_empty_as_signed(client, emulator_url):
    # curl drops a header written "Name:", so an empty guardrail version used to reach the
    # service unsigned-for and fail as a bad signature (CREDENTIALS).
    from parity import clear_recorded, recorded

    clear_recorded(emulator_url)
    response = client.chat({"model": CLAUDE, "api": "invoke", "messages": [["human", "guarded"]],
                            "guardrail": {"id": "gr-1", "version": ""}})
    assert response["content"] == "You said: guarded"
    headers = {name.lower(): value for name, value in recorded(emulator_url)[-1]["headers"].items()}
    assert headers["x-amzn-bedrock-guardrailversion"] == ""
    assert "x-amzn-bedrock-guardrailversion" in headers["authorization"]


def test_a_stream_outlives_its_client(emulator_url):
    from bedrock_chat import _lib
    import ctypes
    import json as jsonlib

    from bedrock_testlib import EMULATOR_CREDENTIALS

    config = jsonlib.dumps({"region": "us-east-1", "endpoint_url": emulator_url, "credentials": EMULATOR_CREDENTIALS})
    handle, stream, event = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    assert _lib.bedrock_client_new(config.encode(), ctypes.byref(handle), None) == 0
    request = jsonlib.dumps(chat_request("outlive the client")).encode()
    assert _lib.bedrock_stream_open(handle, request, ctypes.byref(stream), None) == 0
    _lib.bedrock_client_free(handle)  # the stream keeps the client alive
    events = []
    while _lib.bedrock_stream_next(stream, ctypes.byref(event), None) == 0 and event.value:
        events.append(jsonlib.loads(ctypes.string_at(event.value)))
        _lib.bedrock_string_free(event)
        event.value = None
    _lib.bedrock_stream_free(stream)
    assert events[-1]["message"]["content"] == "You said: outlive the client"


@pytest.mark.parametrize("key", ["id", "version", "trace"])
def test_guardrail_values_cannot_inject_headers_even_with_a_bearer_token(emulator_url, key):
    # InvokeModel carries the guardrail in headers; a bearer-token request is not signed, so the
    # values are checked when the request is read.
    from bedrock_chat import Client

    guardrail = {"id": "gr-1", "version": "1", "trace": "enabled", key: "x\r\nX-Injected: yes"}
    with Client(region="us-east-1", endpoint_url=emulator_url, bearer_token="emulator-token") as bearer:
        with pytest.raises(InvalidArgumentError) as caught:
            bearer.chat({"model": CLAUDE, "api": "invoke", "messages": [["human", "hi"]], "guardrail": guardrail})
    assert caught.value.field == f"request.guardrail.{key}"


def test_responses_and_final_messages_carry_metrics(client):
    response = client.chat(chat_request("with figures"))
    metrics = response["metrics"]
    assert metrics["attempts"] == 1 and metrics["request_id"] == response["request_id"]
    assert metrics["http_version"] == "1.1" and metrics["bytes_sent"] > 0 and metrics["bytes_received"] > 0
    assert 0 <= metrics["time_to_first_byte_ms"] <= metrics["latency_ms"]
    message = list(client.chat_stream(chat_request("streamed figures")))[-1]["message"]
    assert message["metrics"]["events"] > 0 and message["metrics"]["time_to_first_token_ms"] is not None
