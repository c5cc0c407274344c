"""The Python binding against the local emulator: replies, streams, typed errors, cancel."""

import json
import threading
import time

import boto3
import pytest

import bedrock_chat
from bedrock_chat import (
    AccessDeniedError,
    BedrockTimeoutError,
    CancelledError,
    Client,
    ConfigError,
    CredentialsError,
    InvalidArgumentError,
    ModelError,
    NotFoundError,
    ProtocolError,
    ServiceError,
    ThrottledError,
    ValidationError,
)
from bedrock_testlib import EMULATOR_CREDENTIALS, MODEL, emulator_aws_settings, say


def test_version_is_semver():
    assert bedrock_chat.__version__.count(".") == 2


def test_converse_returns_the_reply(client):
    response = client.converse(MODEL, say("hello from Python"))
    assert response["output"]["message"]["content"][0]["text"] == "You said: hello from Python"
    assert response["stopReason"] == "end_turn"
    assert response["usage"]["totalTokens"] == response["usage"]["inputTokens"] + response["usage"]["outputTokens"]


def test_converse_matches_boto3(client, emulator_url):
    boto = boto3.client("bedrock-runtime", **emulator_aws_settings(emulator_url))
    request = say("same answer from both clients")
    ours = client.converse(MODEL, request)
    theirs = boto.converse(modelId=MODEL, **request)
    assert ours["output"] == theirs["output"]
    assert ours["usage"] == theirs["usage"]
    ours_events = list(client.converse_stream(MODEL, request))
    theirs_events = list(boto.converse_stream(modelId=MODEL, **request)["stream"])
    assert [list(e) for e in ours_events] == [list(e) for e in theirs_events]
    strip = lambda events: [e for e in events if "metadata" not in e]  # metadata carries latency
    assert strip(ours_events) == strip(theirs_events)


def test_stream_deltas_join_to_the_plain_reply(client):
    request = say("a few words to stream back")
    plain = client.converse(MODEL, request)["output"]["message"]["content"][0]["text"]
    events = list(client.converse_stream(MODEL, request))
    assert list(events[0]) == ["messageStart"]
    deltas = [e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e]
    assert len(deltas) > 3
    assert "".join(deltas) == plain
    assert events[-1]["metadata"]["usage"]["outputTokens"] == len(deltas)


def test_unicode_round_trips(client):
    text = "héllo wörld — 日本語 ✓"
    response = client.converse(MODEL, say(text))
    assert response["output"]["message"]["content"][0]["text"] == "You said: " + text


def test_a_request_over_curls_upload_buffer_arrives_whole(client):
    """curl reads a body over 64 KiB from the request as it sends it: the emulator's signature
    check covers every byte, and its echo shows the text arrived as it was sent."""
    text = "".join(f"{i} héllo ✓ " for i in range(30_000))
    assert len(text.encode()) > 300_000
    response = client.converse(MODEL, say(text))
    assert response["output"]["message"]["content"][0]["text"] == "You said: " + text
    deltas = [e["contentBlockDelta"]["delta"]["text"] for e in client.converse_stream(MODEL, say(text))
              if "contentBlockDelta" in e]
    assert "".join(deltas) == "You said: " + text


def test_model_id_with_slashes_and_colons(client):
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert client.converse(arn, say("arn"))["output"]["message"]["content"][0]["text"] == "You said: arn"


def test_closing_the_generator_cancels(client):
    stream = client.converse_stream(MODEL, say(" ".join(["word"] * 200)))
    first = [next(stream) for _ in range(3)]
    stream.close()
    assert len(first) == 3
    # The client is still usable afterwards.
    assert client.converse(MODEL, say("still here"))["stopReason"] == "end_turn"


@pytest.mark.parametrize("fault, error, error_type", [
    ("throttle", ThrottledError, "ThrottlingException"),
    ("validation", ValidationError, "ValidationException"),
    ("access_denied", AccessDeniedError, "AccessDeniedException"),
    ("not_ready", ModelError, "ModelNotReadyException"),
    ("internal", ServiceError, "InternalServerException"),
    ("unavailable", ServiceError, "ServiceUnavailableException"),
    ("status:418", ValidationError, None),
    ("garbage", ProtocolError, None),
])
def test_errors_raise_typed_exceptions(client, fault, error, error_type):
    with pytest.raises(error) as caught:
        client.converse(MODEL, say(f"[[fault:{fault}]]"))
    assert caught.value.error_type == error_type
    assert caught.value.request_id
    assert caught.value.http_status >= 400 or fault == "garbage"


def test_stream_exception_raises_after_the_events_before_it(client):
    received = []
    with pytest.raises(ModelError) as caught:
        for event in client.converse_stream(MODEL, say("[[fault:stream_exception]] some words here")):
            received.append(event)
    assert caught.value.error_type == "modelStreamErrorException"
    assert any("contentBlockDelta" in e for e in received)


def test_not_found(client):
    with pytest.raises(NotFoundError):
        client.converse("missing.model-v1:0", say("hi"))


def test_wrong_secret_is_a_credentials_error(emulator_url):
    with Client(region="us-east-1", endpoint_url=emulator_url,
                credentials={"access_key_id": "AKIDEMULATOR", "secret_access_key": "not-the-secret"}) as bad:
        with pytest.raises(CredentialsError) as caught:
            bad.converse(MODEL, say("hi"))
    assert "not-the-secret" not in str(caught.value)


def test_credentials_from_the_environment(emulator_url, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", EMULATOR_CREDENTIALS["access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", EMULATOR_CREDENTIALS["secret_access_key"])
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", emulator_url)
    with Client() as env_client:
        assert env_client.converse(MODEL, say("env"))["stopReason"] == "end_turn"


def test_credentials_from_a_profile(emulator_url, monkeypatch, tmp_path):
    (tmp_path / "credentials").write_text(
        "[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n"
        "[work]\naws_access_key_id = AKIDEMULATOR\naws_secret_access_key = emulator/secret/key\n")
    (tmp_path / "config").write_text(
        f"[profile work]\nregion = ap-southeast-2\nendpoint_url = {emulator_url}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    with Client(profile="work") as profile_client:
        assert profile_client.converse(MODEL, say("profile"))["stopReason"] == "end_turn"
    with pytest.raises(ConfigError, match="nosuch"):
        Client(profile="nosuch")


def test_bearer_token_from_the_environment(emulator_url, monkeypatch):
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "emulator-bearer-token")
    with Client(region="us-east-1", endpoint_url=emulator_url) as bearer:
        assert bearer.converse(MODEL, say("bearer"))["stopReason"] == "end_turn"


def test_no_region_is_a_config_error():
    with pytest.raises(ConfigError, match="region"):
        Client()


def test_no_credentials_names_where_it_looked(emulator_url):
    with Client(region="us-east-1", endpoint_url=emulator_url) as anonymous:
        with pytest.raises(CredentialsError, match="no AWS credentials found"):
            anonymous.converse(MODEL, say("hi"))


def test_bad_arguments(client):
    with pytest.raises(InvalidArgumentError, match="request: invalid JSON"):
        client.converse(MODEL, "{not json")
    with pytest.raises(InvalidArgumentError, match="model_id"):
        client.converse("", say("hi"))
    with pytest.raises(InvalidArgumentError, match="config.timeout_ms"):
        Client(region="us-east-1", timeout_ms="soon")


@pytest.mark.parametrize("config, field", [
    # Unknown members are refused at every depth, not only at the top.
    ({"credentials": {"access_key_id": "A", "secret_access_key": "s", "sesion_token": "t"}},
     "config.credentials.sesion_token"),
    # A count or a time in milliseconds is an integer, written as one, in its range.
    ({"timeout_ms": 2.5}, "config.timeout_ms"),
    ({"timeout_ms": 1e18}, "config.timeout_ms"),
    ({"read_timeout_ms": 10**12}, "config.read_timeout_ms"),
    ({"connect_timeout_ms": -1}, "config.connect_timeout_ms"),
    ({"max_attempts": 0}, "config.max_attempts"),
    ({"max_attempts": 21}, "config.max_attempts"),
    ({"max_attempts": 3.0}, "config.max_attempts"),
    # Values sent in headers are checked when the client is made, not at the first call.
    ({"credentials": {"access_key_id": "A\r\nX: y", "secret_access_key": "s"}}, "config.credentials.access_key_id"),
    ({"credentials": {"access_key_id": "A", "secret_access_key": "s\n"}}, "config.credentials.secret_access_key"),
    ({"credentials": {"access_key_id": "A", "secret_access_key": "s", "session_token": "t\r"}},
     "config.credentials.session_token"),
    ({"bearer_token": "token\r\nX-Injected: 1"}, "config.bearer_token"),
    ({"user_agent_suffix": "app/1\r\n"}, "config.user_agent_suffix"),
])
def test_config_is_strict_at_every_depth(config, field):
    with pytest.raises(InvalidArgumentError) as caught:
        Client(region="us-east-1", **config)
    assert caught.value.field == field


def test_max_attempts_from_the_environment_is_range_checked(monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1000000")
    with pytest.raises(ConfigError, match="AWS_MAX_ATTEMPTS must be an integer from 1 to 20"):
        Client(region="us-east-1")


@pytest.mark.parametrize("model_id", [".", ".."])
def test_dot_segment_model_ids_are_refused_before_sending(client, model_id):
    with pytest.raises(InvalidArgumentError) as caught:
        client.converse(model_id, say("hi"))
    assert caught.value.field == "model_id" and caught.value.attempts is None


def test_read_timeout(emulator_url):
    with Client(region="us-east-1", endpoint_url=emulator_url, credentials=EMULATOR_CREDENTIALS,
                read_timeout_ms=200) as impatient:
        with pytest.raises(BedrockTimeoutError):
            impatient.converse(MODEL, say("[[fault:hang]]"))


def test_threads_share_one_client(client):
    failures = []

    def worker(n):
        for _ in range(5):
            reply = client.converse(MODEL, say(f"thread {n}"))["output"]["message"]["content"][0]["text"]
            if reply != f"You said: thread {n}":
                failures.append(reply)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_callback_cancellation_is_not_an_error(client):
    stream = client.converse_stream(MODEL, say("one two three"))
    next(stream)
    stream.close()  # no CancelledError escapes
    assert CancelledError.status == 13


def test_stream_events_arrive_as_they_are_sent(client):
    # The emulator waits 150 ms between tokens. Were the body buffered whole, every delta
    # would arrive at the same moment at the end.
    start = time.monotonic()
    stamps = [time.monotonic() - start
              for event in client.converse_stream(MODEL, say("[[fault:token_delay:150]] one two three four"))
              if "contentBlockDelta" in event]
    assert len(stamps) >= 5
    assert stamps[-1] - stamps[0] >= 0.45


def test_log_lines_are_json_with_no_secret_and_filtered_by_level(emulator_url):
    import ctypes

    from bedrock_chat import _lib
    from bedrock_chat._library import LOG_FN

    token = "IQoJb3JpZ2luX2VjLOGTESTSESSIONTOKEN"
    lines = []
    callback = LOG_FN(lambda level, text, length, user: lines.append((level, json.loads(text[:length]))))
    with Client(region="us-east-1", endpoint_url=emulator_url,
                credentials={**EMULATOR_CREDENTIALS, "session_token": token}) as c:
        _lib.bedrock_client_set_log(c._handle, 4, callback, None)
        assert c.converse(MODEL, say("logged"))["stopReason"] == "end_turn"
        with pytest.raises(ValidationError):
            c.converse(MODEL, say("[[fault:validation]] logged failure"))
        _lib.bedrock_client_set_log(c._handle, 3, callback, None)
        lines_at_debug = len(lines)
        c.converse(MODEL, say("info only"))
        _lib.bedrock_client_set_log(c._handle, 0, LOG_FN(), None)
    events = [line["event"] for _, line in lines]
    assert events[:3] == ["request", "request_headers", "response"] and "call_failed" in events
    assert all(level <= 3 for level, _ in lines[lines_at_debug:])
    headers = next(line["headers"] for _, line in lines if line["event"] == "request_headers")
    assert "Host" in headers and not any(name.lower() in ("authorization", "x-amz-security-token") for name in headers)
    text = json.dumps([line for _, line in lines])
    for secret in (token, EMULATOR_CREDENTIALS["secret_access_key"]):
        assert all(secret[i:i + 8] not in text for i in range(len(secret) - 7))


def test_warm_fetches_credentials_up_front(emulator_url, monkeypatch):
    import ctypes

    from bedrock_chat import CredentialsError, _lib
    from bedrock_chat.errors import raise_for_status

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", EMULATOR_CREDENTIALS["access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", EMULATOR_CREDENTIALS["secret_access_key"])
    with Client(region="us-east-1", endpoint_url=emulator_url) as c:
        err = ctypes.c_void_p()
        raise_for_status(_lib.bedrock_client_warm(c._handle, ctypes.byref(err)), err)
        assert c.converse(MODEL, say("warm"))["stopReason"] == "end_turn"
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with Client(region="us-east-1", endpoint_url=emulator_url) as cold:
        err = ctypes.c_void_p()
        with pytest.raises(CredentialsError, match="no AWS credentials found"):
            raise_for_status(_lib.bedrock_client_warm(cold._handle, ctypes.byref(err)), err)
