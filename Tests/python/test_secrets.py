"""No error message or error JSON holds a secret, nor any piece of one 8 or more characters
long, whatever wrote the text: the library, a parser quoting its input, a service's error text
(the emulator quotes the canonical request on a signature mismatch, as AWS does, session token
included), or a credential process. Checked through the C API itself, on the exact text
bedrock_error_message and bedrock_error_json hand out."""

import ctypes
import json
import sys

import pytest

from bedrock_chat import _lib
from bedrock_testlib import EMULATOR_CREDENTIALS
from test_retries import fresh, queue_faults  # noqa: F401  (fixture)

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTEDKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEPLANTEDSESSIONTOKEN//////////wEaCXVzLWVhc3QtMSJHMEUCIQD"
BEARER_TOKEN = "ABSKQmVkcm9ja0FQSUtleS1QTEFOVEVEQkVBUkVSVE9LRU4="
PIECE = 8
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
CONVERSE_BODY = json.dumps({"messages": [{"role": "user", "content": [{"text": "hi"}]}]}).encode()


def leaked_pieces(text: str, secret: str) -> list[str]:
    return sorted({secret[i:i + PIECE] for i in range(len(secret) - PIECE + 1) if secret[i:i + PIECE] in text})


def assert_clean(error: ctypes.c_void_p, *secrets: str) -> dict:
    message = _lib.bedrock_error_message(error).decode()
    document = _lib.bedrock_error_json(error).decode()
    for secret in secrets:
        for text in (message, document):
            assert not leaked_pieces(text, secret), f"pieces of a secret in {text!r}"
    return json.loads(document)


def client_new_error(config) -> ctypes.c_void_p:
    client, error = ctypes.c_void_p(), ctypes.c_void_p()
    text = config if isinstance(config, (bytes, str)) else json.dumps(config)
    status = _lib.bedrock_client_new(text.encode() if isinstance(text, str) else text,
                                     ctypes.byref(client), ctypes.byref(error))
    _lib.bedrock_client_free(client)
    assert status != 0 and error.value
    return error


def with_secrets(**fields) -> dict:
    return {"region": "us-east-1",
            "credentials": {"access_key_id": "AKIDEMULATOR", "secret_access_key": SECRET_KEY,
                            "session_token": SESSION_TOKEN}, **fields}


@pytest.mark.parametrize("field", ["region", "profile", "endpoint_url", "retry_mode", "user_agent_suffix",
                                   "connect_timeout_ms", "verify_tls"])
@pytest.mark.parametrize("secret", [SECRET_KEY, SESSION_TOKEN])
def test_a_secret_planted_in_any_config_field_is_not_quoted_back(field, secret):
    error = client_new_error(with_secrets(**{field: secret + "\r\n"}))
    try:
        assert_clean(error, SECRET_KEY, SESSION_TOKEN)
    finally:
        _lib.bedrock_error_free(error)


def test_a_secret_used_as_an_unknown_key_is_not_named_as_the_field():
    error = client_new_error(with_secrets(**{SECRET_KEY: 1}))
    try:
        document = assert_clean(error, SECRET_KEY)
        assert document["field"].startswith("config.") and document["status_name"] == "BEDROCK_ERR_INVALID_ARGUMENT"
    finally:
        _lib.bedrock_error_free(error)


@pytest.mark.parametrize("text", [
    '{"bearer_token": "' + BEARER_TOKEN,  # unterminated: the parser stops inside the secret
    '{"credentials": {"secret_access_key": ' + SECRET_KEY + '}}',  # a bare token the parser cannot read
    '{"region": "us-east-1", "bearer_token": "' + BEARER_TOKEN + '\x01"}',  # a control character in the string
])
def test_a_parser_never_quotes_the_secret_it_stopped_in(text):
    error = client_new_error(text)
    try:
        document = assert_clean(error, BEARER_TOKEN, SECRET_KEY)
        assert "invalid JSON at line 1" in document["message"]
    finally:
        _lib.bedrock_error_free(error)


def test_the_bearer_token_is_redacted_from_config_errors():
    error = client_new_error({"region": BEARER_TOKEN, "bearer_token": BEARER_TOKEN})
    try:
        assert_clean(error, BEARER_TOKEN)
    finally:
        _lib.bedrock_error_free(error)


def call_converse(config: dict) -> ctypes.c_void_p:
    client, error, response = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    assert _lib.bedrock_client_new(json.dumps(config).encode(), ctypes.byref(client), None) == 0
    try:
        status = _lib.bedrock_converse(client, MODEL.encode(), CONVERSE_BODY, ctypes.byref(response),
                                       ctypes.byref(error))
    finally:
        _lib.bedrock_client_free(client)
    assert status != 0 and error.value
    return error


def test_a_signature_error_quoting_the_canonical_request_is_redacted(emulator_url):
    # A wrong secret key: the emulator answers as AWS does, quoting the canonical request,
    # which carries the session token, and the string to sign.
    config = {"region": "us-east-1", "endpoint_url": emulator_url,
              "credentials": {"access_key_id": "AKIDEMULATOR", "secret_access_key": SECRET_KEY,
                              "session_token": SESSION_TOKEN}}
    error = call_converse(config)
    try:
        document = assert_clean(error, SECRET_KEY, SESSION_TOKEN)
        assert document["status_name"] == "BEDROCK_ERR_CREDENTIALS"
        assert "[redacted]" in document["message"]
    finally:
        _lib.bedrock_error_free(error)


@pytest.mark.parametrize("secret", [EMULATOR_CREDENTIALS["secret_access_key"], SESSION_TOKEN])
def test_a_service_echoing_a_secret_in_its_error_text_is_redacted(fresh, secret):  # noqa: F811
    queue_faults(fresh, {"kind": "validation", "message": f"you sent {secret} and {secret[5:20]}"})
    config = {"region": "us-east-1", "endpoint_url": fresh,
              "credentials": {**EMULATOR_CREDENTIALS, "session_token": SESSION_TOKEN}}
    error = call_converse(config)
    try:
        document = assert_clean(error, secret)
        assert document["status_name"] == "BEDROCK_ERR_VALIDATION" and document["message"].count("[redacted]") == 2
    finally:
        _lib.bedrock_error_free(error)


def test_a_bearer_token_echoed_by_the_service_is_redacted(fresh):  # noqa: F811
    token = "emulator-bearer-token"  # the one the emulator accepts
    queue_faults(fresh, {"kind": "access_denied", "message": f"token {token} is not allowed"})
    error = call_converse({"region": "us-east-1", "endpoint_url": fresh, "bearer_token": token})
    try:
        document = assert_clean(error, token)
        assert document["status_name"] == "BEDROCK_ERR_ACCESS_DENIED" and "[redacted]" in document["message"]
    finally:
        _lib.bedrock_error_free(error)


def test_a_failing_credential_process_that_prints_its_secret_to_stderr_is_redacted(emulator_url, tmp_path,
                                                                                    monkeypatch):
    script = tmp_path / "leaky.py"
    document = json.dumps({"Version": 1, "AccessKeyId": "AKIDEMULATOR", "SecretAccessKey": SECRET_KEY,
                           "SessionToken": SESSION_TOKEN})
    script.write_text(f"import sys\nprint({document!r})\nprint('failed with ' + {document!r}, file=sys.stderr)\n"
                      "sys.exit(3)\n")
    (tmp_path / "config").write_text(f"[default]\ncredential_process = {sys.executable} {script}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    error = call_converse({"region": "us-east-1", "endpoint_url": emulator_url})
    try:
        document = assert_clean(error, SECRET_KEY, SESSION_TOKEN)
        assert "exited with status 3" in document["message"] and "[redacted]" in document["message"]
    finally:
        _lib.bedrock_error_free(error)


def test_secrets_from_the_environment_and_the_shared_files_are_redacted(emulator_url, tmp_path, monkeypatch):
    (tmp_path / "credentials").write_text(f"[default]\naws_access_key_id = AKIDEMULATOR\n"
                                          f"aws_secret_access_key = {SECRET_KEY}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    # The session token again as the region: a config error that quotes it.
    error = client_new_error({"region": SESSION_TOKEN[:30], "endpoint_url": emulator_url})
    try:
        assert_clean(error, SESSION_TOKEN)
    finally:
        _lib.bedrock_error_free(error)
    # The secret key from the file, refused by the emulator, which quotes the canonical request.
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    error = call_converse({"region": "us-east-1", "endpoint_url": emulator_url})
    try:
        assert_clean(error, SECRET_KEY)
    finally:
        _lib.bedrock_error_free(error)
