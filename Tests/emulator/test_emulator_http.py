"""Raw HTTP behaviour: routing, validation, error shapes, faults, streaming and robustness."""

import http.client
import json
import socket
import time

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from emulator_testlib import BEARER, MODEL, converse_path, user

AUTH = {"Authorization": f"Bearer {BEARER}", "Content-Type": "application/json"}


def post(emulator, body, stream=False, model=MODEL, timeout=5.0):
    return emulator.request("POST", converse_path(model, stream), body, AUTH, timeout)


def frames(data: bytes):
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return list(buffer)


def test_health_and_request_id(emulator):
    response, body = emulator.request("GET", "/_emulator/health")
    assert (response.status, json.loads(body)) == (200, {"status": "ok"})
    assert len(response.getheader("x-amzn-RequestId")) == 36


@pytest.mark.parametrize("method, path", [
    ("POST", "/model/m/invoke-nothing"), ("GET", converse_path()), ("POST", "/"),
    ("POST", "/model/a/b/converse"),
])
def test_unknown_operation(emulator, method, path):
    response, body = emulator.request(method, path, b"{}", AUTH)
    assert response.status == 404
    assert response.getheader("x-amzn-ErrorType") == "UnknownOperationException"
    assert "message" in json.loads(body)


@pytest.mark.parametrize("body, field", [
    (b"not json", "JSON"), (b"[]", "object"), (b"", "JSON"), ({}, "messages"),
    ({"messages": []}, "messages"), ({"messages": ["x"]}, "messages[0]"),
    ({"messages": [{"role": "system", "content": []}]}, "messages[0].role"),
    ({"messages": [{"role": "user", "content": "text"}]}, "messages[0].content"),
    ({"messages": [{"role": "assistant", "content": []}]}, "start with a user message"),
    ({"messages": user("x"), "inferenceConfig": {"maxTokens": 0}}, "maxTokens"),
    ({"messages": user("x"), "inferenceConfig": {"stopSequences": "x"}}, "stopSequences"),
    ({"messages": user("x"), "system": "be nice"}, "system"),
    ({"messages": user("[[fault:nonsense]]")}, "unknown fault kind"),
    ({"messages": user("[[fault:status:abc]]")}, "status"),
])
@pytest.mark.parametrize("stream", [False, True])
def test_validation_errors(emulator, body, field, stream):
    response, data = post(emulator, body, stream)
    assert response.status == 400
    assert response.getheader("x-amzn-ErrorType") == "ValidationException"
    assert field in json.loads(data)["message"]


def test_error_type_styles(emulator):
    response, data = post(emulator, {"messages": user("[[fault:throttle]]")})
    assert response.getheader("x-amzn-ErrorType") == (
        "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/")
    response, data = post(emulator, {"messages": user("[[fault:access_denied]]")})
    assert response.getheader("x-amzn-ErrorType") is None
    assert json.loads(data)["__type"] == "AccessDeniedException"
    emulator.add_faults({"kind": "internal", "style": "body_namespaced", "message": "m"})
    response, data = post(emulator, {"messages": user("hi")})
    assert response.status == 500
    assert json.loads(data) == {"message": "m",
                                "__type": "com.amazon.bedrock#InternalServerException"}


def test_bare_status_has_no_error_type(emulator):
    response, data = post(emulator, {"messages": user("[[fault:status:599]]")})
    assert response.status == 599
    assert response.getheader("x-amzn-ErrorType") is None
    assert list(json.loads(data)) == ["message"]


@pytest.mark.parametrize("stream", [False, True])
def test_garbage(emulator, stream):
    response, data = post(emulator, {"messages": user("[[fault:garbage]]")}, stream)
    assert response.status == 200
    with pytest.raises(ValueError):
        json.loads(data)


@pytest.mark.parametrize("stream", [False, True])
def test_close(emulator, stream):
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        post(emulator, {"messages": user("[[fault:close]]")}, stream)
    assert emulator.requests()[-1]["fault"] == "close"


@pytest.mark.parametrize("stream", [False, True])
def test_hang_sends_headers_then_nothing(emulator, stream):
    conn = emulator.connection(timeout=0.3)
    conn.request("POST", converse_path(stream=stream),
                 json.dumps({"messages": user("[[fault:hang:3000]]")}), AUTH)
    response = conn.getresponse()
    assert response.status == 200
    with pytest.raises(TimeoutError):
        response.read()
    conn.close()


def test_delay(emulator):
    started = time.monotonic()
    response, _ = post(emulator, {"messages": user("[[fault:delay:200]]")})
    assert response.status == 200 and time.monotonic() - started >= 0.2


def test_stream_corrupt(emulator):
    emulator.add_faults("stream_corrupt")
    response, data = post(emulator, {"messages": user("one two three")}, stream=True)
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    good = [next(buffer) for _ in range(3)]
    assert [m.headers[":event-type"] for m in good] == [
        "messageStart", "contentBlockDelta", "contentBlockDelta"]
    with pytest.raises(ChecksumMismatch):
        next(buffer)


def test_stream_truncate(emulator):
    emulator.add_faults("stream_truncate")
    response, data = post(emulator, {"messages": user("one two three")}, stream=True)
    assert response.getheader("Transfer-Encoding") is None
    assert response.getheader("Connection") == "close"
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    assert len(list(buffer)) == 3
    total_length = int.from_bytes(buffer._data[:4], "big")  # noqa: SLF001 - the leftover frame
    assert 0 < len(buffer._data) < total_length  # noqa: SLF001


def test_stream_frames_are_bedrock_shaped(emulator):
    response, data = post(emulator, {"messages": user("hi")}, stream=True)
    assert response.getheader("Content-Type") == "application/vnd.amazon.eventstream"
    assert response.getheader("Transfer-Encoding") == "chunked"
    messages = frames(data)
    for message in messages:
        assert message.headers[":message-type"] == "event"
        assert message.headers[":content-type"] == "application/json"
    delta = json.loads(messages[1].payload)
    assert delta["contentBlockIndex"] == 0 and delta["delta"] == {"text": "You "}
    assert "p" in delta


def test_stream_is_incremental(emulator):
    conn = emulator.connection()
    conn.request("POST", converse_path(stream=True),
                 json.dumps({"messages": user("[[fault:token_delay:100]]")}), AUTH)
    started = time.monotonic()
    response = conn.getresponse()
    first = response.read1(65536)
    first_at = time.monotonic() - started
    rest = response.read()
    total = time.monotonic() - started
    conn.close()
    assert frames(first)[0].headers[":event-type"] == "messageStart"
    assert total >= 0.6 and first_at < total / 3  # 7 events, 100 ms apart
    assert len(frames(first + rest)) == 7


def test_keep_alive_is_fast(emulator):
    conn = emulator.connection()
    body = json.dumps({"messages": user("hi")})
    conn.request("POST", converse_path(), body, AUTH)
    conn.getresponse().read()
    sock = conn.sock
    started = time.monotonic()
    for _ in range(20):
        conn.request("POST", converse_path(), body, AUTH)
        assert conn.getresponse().read()
        conn.request("POST", converse_path(stream=True), body, AUTH)
        assert conn.getresponse().read()
    assert conn.sock is sock
    assert time.monotonic() - started < 1.0  # Nagle + delayed ACK would cost 40 ms a call
    conn.close()


def test_chunked_request_body(emulator):
    conn = emulator.connection()
    chunks = iter([b'{"messages": [{"role": "user", ', b'"content": [{"text": "chunky"}]}]}'])
    conn.request("POST", converse_path(), chunks, AUTH, encode_chunked=True)
    response = conn.getresponse()
    assert json.loads(response.read())["output"]["message"]["content"][0]["text"] == (
        "You said: chunky")
    conn.close()


def test_expect_100_continue(emulator):
    body = json.dumps({"messages": user("after the interim response")}).encode()
    with socket.create_connection((emulator.host, emulator.port), timeout=5) as sock:
        sock.sendall(f"POST {converse_path()} HTTP/1.1\r\nHost: x\r\n"
                     f"Authorization: {AUTH['Authorization']}\r\nContent-Length: {len(body)}\r\n"
                     "Expect: 100-continue\r\n\r\n".encode())
        assert sock.recv(65536).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(body)
        reply = b""
        while b"after the interim response" not in reply:
            data = sock.recv(65536)
            assert data, reply
            reply += data
    assert reply.startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize("raw", [
    b"POST /model/m/converse HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
    b"THIS IS NOT HTTP\r\n\r\n",
    b"POST /model/m/converse HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"\x16\x03\x01\x02\x00\xff\xfe binary\r\n\r\n",
])
def test_malformed_requests_do_not_kill_the_server(emulator, raw):
    with socket.create_connection((emulator.host, emulator.port), timeout=2) as sock:
        sock.sendall(raw)
        reply = sock.recv(65536)
    # An unparseable request line gets an HTTP/0.9-style reply: the body without a status line.
    assert b" 400 " in reply.split(b"\r\n")[0] or reply.startswith(b'{"message": ')
    assert emulator.request("GET", "/_emulator/health")[0].status == 200


def test_request_log(emulator):
    post(emulator, {"messages": user("logged [[fault:throttle]]")})
    emulator.request("POST", converse_path("m/x", stream=True), b"\xffnot json", AUTH)
    first, second = emulator.requests()
    assert first["method"] == "POST" and first["operation"] == "Converse"
    assert first["path"] == "/model/anthropic.claude-3-sonnet-20240229-v1%3A0/converse"
    assert first["model_id"] == MODEL
    assert first["body"] == {"messages": user("logged [[fault:throttle]]")}
    assert first["headers"]["Authorization"] == f"Bearer {BEARER}"
    assert (first["fault"], first["status"]) == ("throttle", 429)
    assert second["operation"] == "ConverseStream" and second["model_id"] == "m/x"
    assert second["body"] == "\ufffdnot json" and second["status"] == 400
    assert emulator.control("DELETE", "requests") == (200, {})
    assert emulator.requests() == []


def test_fault_queue_control(emulator):
    emulator.add_faults("throttle", {"kind": "delay:5"}, {"kind": "stream_exception",
                                                          "exception": "throttlingException"})
    assert emulator.control("GET", "faults") == (
        200, {"faults": ["throttle", "delay:5", "stream_exception"]})
    assert emulator.control("DELETE", "faults") == (200, {})
    assert emulator.control("GET", "faults") == (200, {"faults": []})


@pytest.mark.parametrize("body, message", [
    (b"nope", "faults"), ({"faults": "throttle"}, "faults"), ({"faults": ["bogus"]}, "bogus"),
    ({"faults": [{"kind": "throttle", "colour": "red"}]}, "colour"),
    ({"faults": [{"kind": "throttle", "style": "xml"}]}, "style"),
    ({"faults": [{"kind": "throttle", "exception": "x"}]}, "exception"),
    ({"faults": [{"message": "no kind"}]}, "kind"), ({"faults": ["delay"]}, "delay:100"),
    ({"faults": ["status:200"]}, "400"), ({"faults": ["throttle:1"]}, "no argument"),
])
def test_invalid_faults_are_rejected(emulator, body, message):
    status, reply = emulator.control("POST", "faults", body)
    assert status == 400 and message in reply["message"]
    assert emulator.control("GET", "faults") == (200, {"faults": []})


def test_unknown_control_route(emulator):
    status, reply = emulator.control("GET", "nothing")
    assert status == 404 and "message" in reply


# A reply text for a 200; for a 400, the member the message names (the input shape is
# checked strictly, as Bedrock checks it).
@pytest.mark.parametrize("body, status, detail", [
    ({"messages": [{"role": "user", "content": [1, None, {"text": 5}, {"image": {}}]}]},
     400, "'messages[0].content[0]'"),
    ({"messages": user("héllo ☃"), "inferenceConfig": {"maxTokens": 10**12}},
     200, "You said: héllo ☃"),
    ({"messages": user("x"), "inferenceConfig": {"stopSequences": [""]}},
     400, "'inferenceConfig.stopSequences[0]'"),
    ({"messages": user("x"), "system": [1, {"text": None}]}, 400, "'system[1].text'"),
    ({"messages": user("x"), "inferenceConfig": {"maxTokens": True}},
     400, "'inferenceConfig.maxTokens'"),
    ({"messages": user("x"), "inferenceConfig": None}, 400, "inferenceConfig"),
    ({"messages": [*user("a"), {"role": "assistant"}]}, 400, "'messages[1].content'"),
])
@pytest.mark.parametrize("stream", [False, True])
def test_odd_bodies(emulator, body, status, detail, stream):
    response, data = post(emulator, body, stream)
    assert response.status == status
    if status == 400:
        assert detail in json.loads(data)["message"]
    elif not stream:
        assert json.loads(data)["output"]["message"]["content"][0]["text"] == detail
    else:
        deltas = [json.loads(m.payload) for m in frames(data)
                  if m.headers[":event-type"] == "contentBlockDelta"]
        assert "".join(d["delta"]["text"] for d in deltas) == detail
