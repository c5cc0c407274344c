"""The typed exceptions: what each carries (status, AWS error type, HTTP status, request id,
attempts), which are retryable, and that they survive pickling."""

import json
import pickle
from pathlib import Path

import pytest

import bedrock_chat
from bedrock_chat import (
    AccessDeniedError,
    BedrockError,
    BedrockTimeoutError,
    Client,
    InvalidArgumentError,
    ModelError,
    NetworkError,
    ServiceError,
    ThrottledError,
    ValidationError,
)
from bedrock_chat.errors import error_from_json
from bedrock_testlib import EMULATOR_CREDENTIALS, MODEL, say
from test_retries import fresh, queue_faults  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("fault, cls, error_type, http_status, attempts, retryable", [
    ("throttle", ThrottledError, "ThrottlingException", 429, 3, True),
    ("not_ready", ModelError, "ModelNotReadyException", 429, 3, True),
    ("unavailable", ServiceError, "ServiceUnavailableException", 503, 3, True),
    ("internal", ServiceError, "InternalServerException", 500, 3, True),
    ("error:ModelTimeoutException:408", ModelError, "ModelTimeoutException", 408, 1, False),
    ("validation", ValidationError, "ValidationException", 400, 1, False),
    ("access_denied", AccessDeniedError, "AccessDeniedException", 403, 1, False),
    ("status:501", ServiceError, None, 501, 1, False),
])
def test_error_details(client, fresh, fault, cls, error_type, http_status, attempts, retryable):  # noqa: F811
    queue_faults(fresh, *[fault] * 3)
    with pytest.raises(cls) as caught:
        client.converse(MODEL, say("details"))
    error = caught.value
    assert isinstance(error, BedrockError)
    assert (error.error_type, error.http_status, error.attempts) == (error_type, http_status, attempts)
    assert error.retryable is retryable
    assert error.request_id and error.status == cls.status
    assert error.status_name == bedrock_chat._lib.bedrock_status_name(cls.status).decode()


def test_errors_before_sending_have_no_attempts(client):
    with pytest.raises(InvalidArgumentError) as caught:
        client.chat({"model": MODEL, "messages": [["wizard", "hi"]]})
    assert caught.value.attempts is None and caught.value.http_status is None
    assert not caught.value.retryable
    assert caught.value.field == "request.messages[0].role"


@pytest.mark.parametrize("request_change, field", [
    ({"messages": [["human", "hi"]], "max_tokens": -1}, "request.max_tokens"),
    ({"messages": [{"role": "tool", "content": "42"}]}, "request.messages[0].tool_call_id"),
    # Raised by the provider's format, which sees only part of the request: rooted all the same.
    ({"api": "invoke", "messages": [["human", "hi"]], "top_k": 5, "model": "amazon.titan-text-express-v1"},
     "request.top_k"),
])
def test_invalid_arguments_carry_the_json_path_of_the_field(client, request_change, field):
    with pytest.raises(InvalidArgumentError) as caught:
        client.chat({"model": MODEL, **request_change})
    assert caught.value.field == field and str(caught.value).startswith(field + ":")
    assert not caught.value.retryable


def test_config_errors_carry_the_field():
    from bedrock_chat import ConfigError

    with pytest.raises(InvalidArgumentError) as caught:
        Client(region="us-east-1", max_attempts=-1)
    assert caught.value.field == "config.max_attempts"
    with pytest.raises(ConfigError) as missing:
        Client(endpoint_url="http://127.0.0.1:9")
    assert missing.value.field == "config.region"
    with pytest.raises(ConfigError) as bad_url:
        Client(region="us-east-1", endpoint_url="ftp://example.com")
    assert bad_url.value.field == "config.endpoint_url"


def test_status_strings_come_from_the_library():
    assert bedrock_chat._lib.bedrock_status_string(0) == b"no error"
    assert bedrock_chat._lib.bedrock_status_string(6).startswith(b"throttled")
    assert bedrock_chat._lib.bedrock_status_string(99) == b"unknown status"


def test_network_and_timeout_errors_are_retryable(emulator_url):
    with Client(region="us-east-1", endpoint_url="http://127.0.0.1:9", credentials=EMULATOR_CREDENTIALS,
                max_attempts=1) as nowhere:
        with pytest.raises(NetworkError) as caught:
            nowhere.converse(MODEL, say("hi"))
    assert caught.value.retryable and isinstance(caught.value, ConnectionError)
    with Client(region="us-east-1", endpoint_url=emulator_url, credentials=EMULATOR_CREDENTIALS,
                read_timeout_ms=100, max_attempts=1) as impatient:
        with pytest.raises(BedrockTimeoutError) as timed_out:
            impatient.converse(MODEL, say("[[fault:hang:1000]]"))
    assert timed_out.value.retryable and isinstance(timed_out.value, TimeoutError)


def test_exceptions_pickle_with_their_details():
    error = error_from_json(json.dumps({"status": 6, "status_name": "BEDROCK_ERR_THROTTLED", "message": "slow down",
                                        "error_type": "ThrottlingException", "http_status": 429,
                                        "request_id": "req-1", "attempts": 3, "retryable": True}))
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is ThrottledError and str(copy) == "slow down"
    assert (copy.error_type, copy.http_status, copy.request_id, copy.attempts, copy.status_name) == \
        ("ThrottlingException", 429, "req-1", 3, "BEDROCK_ERR_THROTTLED")
    assert copy.retryable
    assert "ThrottlingException" in repr(copy) and "attempts=3" in repr(copy)


def test_unknown_status_is_a_plain_bedrock_error():
    error = error_from_json(json.dumps({"status": 99, "message": "from a newer library"}))
    assert type(error) is BedrockError and error.status == 99 and not error.retryable
    assert error.status_name == "BEDROCK_ERR_UNKNOWN"


def test_every_status_has_its_class():
    for status in range(1, 16):
        cls = type(error_from_json(json.dumps({"status": status, "message": "m"})))
        assert cls is not BedrockError and cls.status == status
        assert bedrock_chat._lib.bedrock_status_name(status).decode().startswith("BEDROCK_ERR_")


def test_package_version_matches_the_header_and_the_library():
    header = (ROOT / "include" / "bedrock.h").read_text()
    assert f'#define BEDROCK_VERSION "{bedrock_chat.__version__}"' in header
    assert bedrock_chat.library_version() == bedrock_chat.__version__
    assert bedrock_chat.library_path().endswith("libbedrock.so")
