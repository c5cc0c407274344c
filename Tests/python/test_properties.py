"""Properties of the C API under generated input (Hypothesis): every call ends with a documented
status within its time limit, and no error message or error JSON holds a piece of a secret the
client was given. The secret key, session token and bearer token are planted in every config
field and request member the generator picks, and a test server echoes the request's headers
and body back in its error text, as AWS's signature errors quote the canonical request."""

import ctypes
import http.server
import json
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bedrock_chat import _lib
from test_secrets import BEARER_TOKEN, SECRET_KEY, SESSION_TOKEN, leaked_pieces

SECRETS = (SECRET_KEY, SESSION_TOKEN, BEARER_TOKEN)
DOCUMENTED_STATUSES = range(1, 16)
TIMEOUT_MS = 2_000
MODELS = ["anthropic.claude-3-haiku-20240307-v1:0", "meta.llama3-8b-instruct-v1:0", "amazon.nova-lite-v1:0",
          "cohere.command-r-v1:0", "mistral.mistral-large-2402-v1:0", "openai.gpt-oss-20b-1:0"]
OPERATIONS = ["Converse", "InvokeModel", "ApplyGuardrail", "ListAsyncInvokes", "CountTokens"]


class EchoingServer(http.server.ThreadingHTTPServer):
    """Answers every request with an error whose message quotes the request whole."""

    daemon_threads = True


class EchoingHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _echo(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        quoted = f"{self.command} {self.path}\n{self.headers}\n{body.decode('utf-8', 'replace')}"
        reply = json.dumps({"message": "The request signature we calculated does not match: " + quoted}).encode()
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-amzn-ErrorType", "InvalidSignatureException")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_POST = do_GET = _echo  # noqa: N815 - http.server's names

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass


@pytest.fixture(scope="module")
def echo_url():
    server = EchoingServer(("127.0.0.1", 0), EchoingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


secret = st.sampled_from(SECRETS)
text = st.one_of(st.text(max_size=40), secret, secret.map(lambda s: "x" + s + "\r\n"))
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False), text)
json_value = st.recursive(json_scalar, lambda children: st.one_of(st.lists(children, max_size=4),
                                                                   st.dictionaries(st.text(max_size=12), children, max_size=4)),
                          max_leaves=12)
CONFIG_FIELDS = ["region", "profile", "endpoint_url", "bearer_token", "retry_mode", "user_agent_suffix", "ca_file",
                 "proxy", "connect_timeout_ms", "max_attempts", "max_response_bytes", "verify_tls"]


def base_config(url, use_bearer):
    config = {"region": "us-east-1", "endpoint_url": url, "timeout_ms": TIMEOUT_MS, "max_attempts": 1}
    if use_bearer:
        config["bearer_token"] = BEARER_TOKEN
    else:
        config["credentials"] = {"access_key_id": "AKIDPLANTED", "secret_access_key": SECRET_KEY,
                                 "session_token": SESSION_TOKEN}
    return config


def client_secrets(config):
    """The secrets a config gives the client: what it must keep out of every error."""
    credentials = config.get("credentials") or {}
    found = [config.get("bearer_token"), credentials.get("secret_access_key"), credentials.get("session_token")]
    return [value for value in found if isinstance(value, str) and len(value) >= 8]


def check_error(status, error, secrets):
    assert status in DOCUMENTED_STATUSES, status
    message = _lib.bedrock_error_message(error).decode()
    document = _lib.bedrock_error_json(error).decode()
    assert json.loads(document)["status"] == status
    for planted in secrets:
        for written in (message, document):
            assert not leaked_pieces(written, planted), f"pieces of a secret in {written!r}"
    _lib.bedrock_error_free(error)


def new_client(config):
    client, error = ctypes.c_void_p(), ctypes.c_void_p()
    status = _lib.bedrock_client_new(json.dumps(config).encode(), ctypes.byref(client), ctypes.byref(error))
    if status != 0:
        check_error(status, error, client_secrets(config))
        return None
    return client


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(use_bearer=st.booleans(), overrides=st.dictionaries(st.sampled_from(CONFIG_FIELDS), json_value, max_size=3))
def test_client_new_with_secrets_anywhere(echo_url, use_bearer, overrides):
    client = new_client({**base_config(echo_url, use_bearer), **overrides})
    _lib.bedrock_client_free(client)


@PROPERTY_SETTINGS
@given(use_bearer=st.booleans(), model=st.sampled_from(MODELS), api=st.sampled_from(["auto", "invoke", "converse"]),
       messages=st.lists(st.tuples(st.sampled_from(["human", "ai", "system", "tool"]), text), min_size=1, max_size=3),
       extra=st.dictionaries(st.sampled_from(["temperature", "max_tokens", "stop", "tools", "tool_choice", "service_tier",
                                              "request_metadata", "response_schema", "model_kwargs", "guardrail"]),
                             json_value, max_size=3))
def test_chat_ends_with_a_documented_status_and_no_secret(echo_url, use_bearer, model, api, messages, extra):
    config = base_config(echo_url, use_bearer)
    client = new_client(config)
    request = {"model": model, "api": api, "messages": [list(message) for message in messages], **extra}
    response, error = ctypes.c_void_p(), ctypes.c_void_p()
    started = time.monotonic()
    status = _lib.bedrock_chat(client, json.dumps(request).encode(), ctypes.byref(response), ctypes.byref(error))
    elapsed_ms = (time.monotonic() - started) * 1000
    _lib.bedrock_string_free(response)
    _lib.bedrock_client_free(client)
    assert elapsed_ms < TIMEOUT_MS + 1_000
    assert status != 0, "the echoing server answers every call with an error"
    check_error(status, error, client_secrets(config))


@PROPERTY_SETTINGS
@given(use_bearer=st.booleans(), operation=st.sampled_from(OPERATIONS),
       params=st.dictionaries(st.sampled_from(["modelId", "messages", "body", "guardrailIdentifier", "guardrailVersion",
                                               "source", "content", "maxResults", "trace", "requestMetadata", "input"]),
                              json_value, max_size=4))
def test_operations_end_with_a_documented_status_and_no_secret(echo_url, use_bearer, operation, params):
    config = base_config(echo_url, use_bearer)
    client = new_client(config)
    response, error = ctypes.c_void_p(), ctypes.c_void_p()
    started = time.monotonic()
    status = _lib.bedrock_operation(client, operation.encode(), json.dumps(params).encode(), ctypes.byref(response),
                                    ctypes.byref(error))
    elapsed_ms = (time.monotonic() - started) * 1000
    _lib.bedrock_string_free(response)
    _lib.bedrock_client_free(client)
    assert elapsed_ms < TIMEOUT_MS + 1_000
    assert status != 0
    check_error(status, error, client_secrets(config))
