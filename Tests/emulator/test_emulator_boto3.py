"""boto3 pointed at the emulator with endpoint_url: operations, auth and faults."""

import boto3
import pytest
from botocore.auth import BearerAuth
from botocore.config import Config
from botocore.exceptions import ClientError, EventStreamError
from emulator_testlib import MODEL, user


def stream_text(response):
    events = list(response["stream"])
    deltas = [e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e]
    return "".join(deltas), events


def test_converse(client):
    response = client.converse(modelId=MODEL, messages=user("Hello there,  world!"),
                               system=[{"text": "Be brief."}])
    assert response["output"]["message"] == {
        "role": "assistant", "content": [{"text": "You said: Hello there,  world!"}]}
    assert response["stopReason"] == "end_turn"
    assert response["usage"] == {"inputTokens": 5, "outputTokens": 5, "totalTokens": 10}
    assert response["metrics"]["latencyMs"] >= 0
    assert len(response["ResponseMetadata"]["RequestId"]) == 36


def test_converse_joins_text_blocks_of_last_user_message(client):
    messages = [{"role": "user", "content": [{"text": "first"}]},
                {"role": "assistant", "content": [{"text": "reply"}]},
                {"role": "user", "content": [{"text": "second"}, {"text": "third"}]}]
    response = client.converse(modelId=MODEL, messages=messages)
    assert response["output"]["message"]["content"][0]["text"] == "You said: second third"
    assert response["usage"]["inputTokens"] == 4


def test_converse_stream_matches_converse(client):
    text = "Streaming is  fun\nisn't it?"
    plain = client.converse(modelId=MODEL, messages=user(text))
    streamed, events = stream_text(client.converse_stream(modelId=MODEL, messages=user(text)))
    assert streamed == plain["output"]["message"]["content"][0]["text"]
    assert list(events[0]) == ["messageStart"] and events[0]["messageStart"]["role"] == "assistant"
    assert [list(e)[0] for e in events[-3:]] == ["contentBlockStop", "messageStop", "metadata"]
    assert events[-2]["messageStop"]["stopReason"] == "end_turn"
    assert events[-1]["metadata"]["usage"] == plain["usage"]
    assert len(events) == plain["usage"]["outputTokens"] + 4


def test_max_tokens_and_stop_sequences(client):
    response = client.converse(modelId=MODEL, messages=user("one two three four"),
                               inferenceConfig={"maxTokens": 3})
    assert response["output"]["message"]["content"][0]["text"] == "You said: one "
    assert response["stopReason"] == "max_tokens"
    assert response["usage"]["outputTokens"] == 3
    streamed, events = stream_text(client.converse_stream(
        modelId=MODEL, messages=user("one two STOP three"),
        inferenceConfig={"stopSequences": ["STOP", "three"]}))
    assert streamed == "You said: one two "
    assert events[-2]["messageStop"]["stopReason"] == "stop_sequence"


def test_session_token_is_accepted(emulator):
    client = emulator.client(token="any-session-token")
    assert client.converse(modelId=MODEL, messages=user("hi"))["stopReason"] == "end_turn"
    text, _ = stream_text(client.converse_stream(modelId=MODEL, messages=user("hi")))
    assert text == "You said: hi"
    assert emulator.requests()[0]["headers"]["X-Amz-Security-Token"] == "any-session-token"


@pytest.mark.parametrize("kwargs, code", [
    ({"secret": "wrong"}, "InvalidSignatureException"),
    ({"akid": "AKIDUNKNOWN"}, "UnrecognizedClientException"),
    ({"token": "expired"}, "ExpiredTokenException"),
])
def test_bad_credentials(emulator, kwargs, code):
    with pytest.raises(ClientError) as raised:
        emulator.client(**kwargs).converse(modelId=MODEL, messages=user("hi"))
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def allow_bearer_over_http(monkeypatch):
    """botocore >= 1.40 sends bearer tokens only to https endpoints; the emulator is http."""
    original = BearerAuth.add_auth

    def add_auth(self, request):
        url = request.url
        request.url = "https" + url[len("http"):] if url.startswith("http:") else url
        try:
            original(self, request)
        finally:
            request.url = url

    monkeypatch.setattr(BearerAuth, "add_auth", add_auth)


def test_bearer_token(emulator, monkeypatch):
    allow_bearer_over_http(monkeypatch)
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "emulator-bearer-token")
    client = boto3.Session().client("bedrock-runtime", endpoint_url=emulator.url,
                                    region_name="us-east-1")
    assert client.converse(modelId=MODEL, messages=user("hi"))["stopReason"] == "end_turn"
    assert emulator.requests()[0]["headers"]["Authorization"] == "Bearer emulator-bearer-token"
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "not-a-known-token")
    client = boto3.Session().client("bedrock-runtime", endpoint_url=emulator.url,
                                    region_name="us-east-1",
                                    config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as raised:
        client.converse(modelId=MODEL, messages=user("hi"))
    assert raised.value.response["Error"]["Code"] == "UnrecognizedClientException"


FAULT_CODES = [
    ("throttle", 429, "ThrottlingException"),
    ("validation", 400, "ValidationException"),
    ("access_denied", 403, "AccessDeniedException"),
    ("not_ready", 429, "ModelNotReadyException"),
    ("internal", 500, "InternalServerException"),
    ("unavailable", 503, "ServiceUnavailableException"),
    ("status:418", 418, "418"),
    ("status:599", 599, "599"),
    ("error:ModelTimeoutException:408", 408, "ModelTimeoutException"),
]


@pytest.mark.parametrize("kind, status, code", FAULT_CODES)
@pytest.mark.parametrize("operation", ["converse", "converse_stream"])
def test_fault_directive_surfaces_error_code(client, kind, status, code, operation):
    with pytest.raises(ClientError) as raised:
        getattr(client, operation)(modelId=MODEL, messages=user(f"hi [[fault:{kind}]]"))
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_queued_faults_apply_in_order(emulator, client):
    emulator.add_faults("throttle", {"kind": "unavailable", "message": "custom message"})
    codes = []
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            client.converse(modelId=MODEL, messages=user("hi"))
        codes.append((raised.value.response["Error"]["Code"],
                      raised.value.response["Error"]["Message"]))
    assert codes[0][0] == "ThrottlingException"
    assert codes[1] == ("ServiceUnavailableException", "custom message")
    assert client.converse(modelId=MODEL, messages=user("hi"))["stopReason"] == "end_turn"
    assert [r["fault"] for r in emulator.requests()] == ["throttle", "unavailable", None]


def test_missing_model(client):
    with pytest.raises(ClientError) as raised:
        client.converse(modelId="missing.model-v1:0", messages=user("hi"))
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


@pytest.mark.parametrize("exception", ["modelStreamErrorException", "throttlingException"])
def test_stream_exception(emulator, client, exception):
    emulator.add_faults({"kind": "stream_exception", "exception": exception, "message": "boom"})
    response = client.converse_stream(modelId=MODEL, messages=user("one two three"))
    seen = []
    with pytest.raises(EventStreamError) as raised:
        for event in response["stream"]:
            seen.append(event)
    assert raised.value.response["Error"] == {"Code": exception, "Message": "boom"}
    assert [list(e)[0] for e in seen] == ["messageStart", "contentBlockDelta", "contentBlockDelta"]


def test_stream_exception_directive(client):
    response = client.converse_stream(modelId=MODEL,
                                      messages=user("[[fault:stream_exception:validationException]]"))
    with pytest.raises(EventStreamError) as raised:
        list(response["stream"])
    assert raised.value.response["Error"]["Code"] == "validationException"
