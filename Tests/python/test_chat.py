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
