"""Promises about time, size and bytes, kept against a server that misbehaves on purpose:
``timeout_ms`` bounds the whole call (attempts, backoff and credential fetches), bodies and
events over their limits end the call with LIMIT, a service's long error text is cut, and a
response body is never altered to fit a C string.

The server here is a few lines of http.server that answers each request as the test says,
so every byte it sends is under the test's control."""

import http.server
import json
import os
import struct
import threading
import time
import zlib

import pytest

from bedrock_chat import BedrockTimeoutError, Client, LimitError, ProtocolError, ServiceError
from bedrock_testlib import EMULATOR_CREDENTIALS, say

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
MiB = 1 << 20


class CannedServer(http.server.ThreadingHTTPServer):
    """Answers every request with ``respond(handler)``; counts the requests."""

    daemon_threads = True

    def __init__(self, respond):
        super().__init__(("127.0.0.1", 0), CannedHandler)
        self.respond = respond
        self.requests = 0
        self.bodies = []

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class CannedHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 - http.server's name
        self.server.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.server.requests += 1
        try:
            self.server.respond(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first, as the test wants

    def send(self, status, body, content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass


@pytest.fixture
def serve():
    servers = []

    def start(respond):
        server = CannedServer(respond)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def client_for(server, **config):
    return Client(region="us-east-1", endpoint_url=server.url, credentials=EMULATOR_CREDENTIALS, **config)


def unavailable(handler):
    handler.send(503, json.dumps({"message": "try again"}).encode(),
                 headers=[("x-amzn-ErrorType", "ServiceUnavailableException")])


def event_frame(event_type, payload):
    """One event-stream message with the three headers Bedrock sends."""
    headers = b""
    for name, value in ((":event-type", event_type), (":content-type", "application/json"), (":message-type", "event")):
        headers += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value.encode()
    total = 12 + len(headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + headers + payload
    return message + struct.pack(">I", zlib.crc32(message))


# ---- timeout_ms bounds the whole call ------------------------------------------------------------


def test_timeout_ms_bounds_retries_and_backoff(serve):
    def slow_503(handler):
        time.sleep(0.3)
        unavailable(handler)

    server = serve(slow_503)
    with client_for(server, timeout_ms=1000, max_attempts=10) as client:
        started = time.monotonic()
        with pytest.raises((ServiceError, BedrockTimeoutError)) as caught:
            client.converse(MODEL, say("keep trying"))
        elapsed = time.monotonic() - started
    # Ten attempts of 300 ms, with backoff between, would take over 3 s.
    assert elapsed < 1.6, f"took {elapsed:.2f} s"
    assert 2 <= server.requests < 10
    assert caught.value.attempts == server.requests


def test_timeout_ms_cuts_the_attempt_in_flight(serve):
    server = serve(lambda handler: time.sleep(5))
    with client_for(server, timeout_ms=700, max_attempts=5) as client:
        started = time.monotonic()
        with pytest.raises(BedrockTimeoutError) as caught:
            client.converse(MODEL, say("hang"))
        elapsed = time.monotonic() - started
    assert elapsed < 1.5, f"took {elapsed:.2f} s"
    assert "700 ms" in str(caught.value)


def test_timeout_ms_bounds_a_credential_fetch(serve, tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[default]\ncredential_process = sleep 5\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    server = serve(unavailable)
    with Client(region="us-east-1", endpoint_url=server.url, timeout_ms=500) as client:
        started = time.monotonic()
        with pytest.raises(BedrockTimeoutError) as caught:
            client.converse(MODEL, say("no credentials yet"))
        elapsed = time.monotonic() - started
    assert elapsed < 1.5, f"took {elapsed:.2f} s"
    assert "timeout_ms" in str(caught.value)
    assert server.requests == 0


@pytest.mark.parametrize("value", [0, 21, 1000, -1])
def test_max_attempts_out_of_range_is_refused(value):
    from bedrock_chat import InvalidArgumentError

    with pytest.raises(InvalidArgumentError) as caught:
        Client(region="us-east-1", max_attempts=value)
    assert caught.value.field == "config.max_attempts"


# ---- size limits ---------------------------------------------------------------------------------


def test_a_body_over_max_response_bytes_ends_the_call_with_limit(serve):
    big = json.dumps({"output": "x" * (3 * MiB)}).encode()
    server = serve(lambda handler: handler.send(200, big))
    with client_for(server, max_response_bytes=MiB) as client:
        with pytest.raises(LimitError) as caught:
            client.converse(MODEL, say("too much"))
    assert "max_response_bytes" in str(caught.value)
    assert server.requests == 1  # a limit is not retried


def test_an_error_body_over_max_response_bytes_ends_the_call_with_limit(serve):
    big = json.dumps({"message": "y" * (2 * MiB)}).encode()
    server = serve(lambda handler: handler.send(400, big, headers=[("x-amzn-ErrorType", "ValidationException")]))
    with client_for(server, max_response_bytes=MiB) as client:
        with pytest.raises(LimitError):
            client.invoke_model(MODEL, {"prompt": "x"})


def test_the_default_limit_takes_a_large_body_whole(serve):
    body = json.dumps({"completion": "z" * (5 * MiB)}).encode()
    server = serve(lambda handler: handler.send(200, body))
    with client_for(server) as client:
        assert len(client.invoke_model(MODEL, {"prompt": "x"})["completion"]) == 5 * MiB


@pytest.mark.parametrize("size", [64 * 1024 - 1, 64 * 1024, 3 * MiB + 7])
def test_a_request_body_goes_out_byte_for_byte_on_every_attempt(serve, size):
    """curl copies a body under 64 KiB and reads a larger one from the request as it sends it;
    the client's retry sends it again from its first byte."""
    answers = iter([unavailable, lambda handler: handler.send(200, b"done", content_type="text/plain")])
    server = serve(lambda handler: next(answers)(handler))
    body = os.urandom(size)
    with client_for(server, max_attempts=2) as client:
        assert client.invoke_model_bytes(MODEL, body, content_type="application/octet-stream") == b"done"
    assert server.bodies == [body, body]


def test_a_body_read_by_curl_rewinds_when_curl_resends_it(serve):
    """A reused connection that closes before any reply: curl sends the request again on a new
    one by itself, and a body it reads from the request must start over. One attempt is
    allowed, so only curl's own resend can answer."""
    def done(handler):
        handler.send(200, b"done", content_type="text/plain")

    def hang_up(handler):
        handler.close_connection = True

    answers = iter([done, hang_up, done])
    server = serve(lambda handler: next(answers)(handler))
    body = os.urandom(256 * 1024)
    with client_for(server, max_attempts=1) as client:
        assert client.invoke_model_bytes(MODEL, b"{}", content_type="application/json") == b"done"
        assert client.invoke_model_bytes(MODEL, body, content_type="application/octet-stream") == b"done"
    assert server.bodies == [b"{}", body, body]


def test_an_event_over_max_event_bytes_ends_the_stream_with_limit(serve):
    def stream(handler):
        frames = event_frame("messageStart", b'{"role":"assistant"}')
        frames += event_frame("contentBlockDelta", json.dumps({"contentBlockIndex": 0,
                                                              "delta": {"text": "w" * 40_000}}).encode())
        handler.send(200, frames, content_type="application/vnd.amazon.eventstream")

    server = serve(stream)
    with client_for(server, max_event_bytes=32_768) as client:
        events = []
        with pytest.raises(LimitError) as caught:
            for event in client.converse_stream(MODEL, say("a long word")):
                events.append(event)
    assert events == [{"messageStart": {"role": "assistant"}}]
    assert "max_event_bytes (32768 bytes)" in str(caught.value)


def test_a_long_service_message_is_cut_at_max_error_message_bytes(serve):
    message = "the service explains at length. " * 2_000
    server = serve(lambda handler: handler.send(400, json.dumps({"message": message}).encode(),
                                                headers=[("x-amzn-ErrorType", "ValidationException")]))
    with client_for(server, max_error_message_bytes=2048) as client:
        with pytest.raises(Exception) as caught:
            client.converse(MODEL, say("why"))
    text = str(caught.value)
    assert "the service explains at length." in text
    assert "[cut at max_error_message_bytes]" in text
    assert len(text.encode()) < 2048 + 300


@pytest.mark.parametrize("field", ["max_response_bytes", "max_event_bytes", "max_error_message_bytes"])
@pytest.mark.parametrize("value", [0, 1023, 2.5, "1000000", 1 << 40])
def test_limits_take_integers_in_range(field, value):
    from bedrock_chat import InvalidArgumentError

    with pytest.raises(InvalidArgumentError) as caught:
        Client(region="us-east-1", **{field: value})
    assert caught.value.field == f"config.{field}"


# ---- bodies are never altered ---------------------------------------------------------------------

NOT_TEXT = b'{"audio": "\xff\xfe\x00\x01 raw"}'


def test_invoke_model_refuses_a_body_a_c_string_cannot_carry(serve):
    server = serve(lambda handler: handler.send(200, NOT_TEXT, content_type="application/octet-stream"))
    with client_for(server) as client:
        with pytest.raises(ProtocolError) as caught:
            client.invoke_model(MODEL, {"prompt": "x"})
    assert "bedrock_invoke_model_bytes" in str(caught.value)
    assert f"{len(NOT_TEXT)} bytes" in str(caught.value)


def test_invoke_model_bytes_returns_the_body_byte_for_byte(serve):
    seen = {}

    def echo_kind(handler):
        seen["content_type"] = handler.headers["Content-Type"]
        seen["accept"] = handler.headers["Accept"]
        handler.send(200, NOT_TEXT, content_type="application/octet-stream")

    server = serve(echo_kind)
    with client_for(server) as client:
        reply = client.invoke_model_bytes(MODEL, b"\x00\x01binary\xff", content_type="application/octet-stream",
                                          accept="*/*")
    assert reply == NOT_TEXT
    assert seen == {"content_type": "application/octet-stream", "accept": "*/*"}


def test_a_stream_chunk_a_c_string_cannot_carry_fails_the_stream(serve):
    def stream(handler):
        import base64

        good = base64.b64encode(b'{"type":"message_start"}').decode()
        bad = base64.b64encode(b'{"text":"\xff\x00"}').decode()
        frames = event_frame("chunk", json.dumps({"bytes": good}).encode())
        frames += event_frame("chunk", json.dumps({"bytes": bad}).encode())
        handler.send(200, frames, content_type="application/vnd.amazon.eventstream")

    server = serve(stream)
    with client_for(server) as client:
        chunks = []
        with pytest.raises(ProtocolError):
            for chunk in client.invoke_model_stream(MODEL, {"prompt": "x"}):
                chunks.append(chunk)
    assert chunks == [{"type": "message_start"}]
