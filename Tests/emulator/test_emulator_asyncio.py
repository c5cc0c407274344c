"""The asyncio mode: HTTP/1.1 and HTTP/2 on one port (h2c with prior knowledge, h2 over TLS
chosen by ALPN), streams sent frame by frame as they are made, and many streams at once.

The raw-HTTP, SigV4 and boto3 tests run against this mode too (see conftest.py); these are
the parts only it has. The clients are tools/emulator/loadtest.py's."""

import asyncio
import json
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from botocore.eventstream import EventStreamBuffer
from emulator_testlib import (BEARER, MODEL, chunk, converse_path, envelopes, read_stream,
                              sign, signed_bidi, sonic_session, user)

pytest.importorskip("h2")
from loadtest import Call, run_h1, run_h2  # noqa: E402 - tools/emulator, on sys.path

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "emulator"
AUTH = {"Authorization": f"Bearer {BEARER}", "Content-Type": "application/json"}


def reset(emulator):
    for what in ("faults", "requests", "cache"):
        emulator.control("DELETE", what)
    return emulator


@pytest.fixture
def plain(emulators):
    return reset(emulators("asyncio"))


@pytest.fixture
def secure(emulators):
    return reset(emulators("asyncio", "--tls"))


def call(text, stream=True, model=MODEL):
    body = json.dumps({"messages": user(text)}).encode()
    return Call(body, path=converse_path(model, stream))


def h1(emulator, calls):
    return asyncio.run(run_h1(emulator.url, calls, emulator.ca_file))


def h2(emulator, calls, **options):
    return asyncio.run(run_h2(emulator.url, calls, emulator.ca_file, **options))


def events(result):
    buffer = EventStreamBuffer()
    buffer.add_data(bytes(result.body))
    return list(buffer)


def reply_text(result):
    return "".join(json.loads(m.payload)["delta"]["text"] for m in events(result)
                   if m.headers[":event-type"] == "contentBlockDelta")


def test_http11_and_h2c_on_one_port(plain):
    response, data = plain.request("POST", converse_path(), {"messages": user("hi")}, AUTH)
    assert response.status == 200 and response.version == 11
    [h2_plain] = h2(plain, [call("hi", stream=False)])
    assert h2_plain.status == 200 and h2_plain.headers["content-type"] == "application/json"
    over_h1, over_h2 = json.loads(data), json.loads(h2_plain.body)
    assert over_h2["output"] == over_h1["output"] and over_h2["usage"] == over_h1["usage"]
    [h2_stream] = h2(plain, [call("hi")])
    assert h2_stream.complete and reply_text(h2_stream) == "You said: hi"
    assert h2_stream.headers["content-type"] == "application/vnd.amazon.eventstream"
    assert "transfer-encoding" not in h2_stream.headers and "connection" not in h2_stream.headers
    assert [(r["operation"], r["http_version"], r["status"]) for r in plain.requests()] == [
        ("Converse", "HTTP/1.1", 200), ("Converse", "HTTP/2", 200),
        ("ConverseStream", "HTTP/2", 200)]
    assert plain.requests()[-1]["headers"]["host"] == f"127.0.0.1:{plain.port}"


def test_h2c_sigv4(plain):
    body = json.dumps({"messages": user("signed")}).encode()
    headers = sign(plain, "POST", converse_path(), body)
    good, = h2(plain, [Call(body, path=converse_path(), headers=headers)])
    assert good.status == 200 and json.loads(good.body)["stopReason"] == "end_turn"
    headers["Authorization"] = headers["Authorization"][:-4] + "0000"
    bad, = h2(plain, [Call(body, path=converse_path(), headers=headers)])
    assert bad.status == 403 and bad.headers["x-amzn-errortype"] == "InvalidSignatureException"


def test_bidirectional_stream_over_h2c(plain):
    """As Bedrock requires it: over HTTP/2, signed event by event."""
    path, headers, seed = signed_bidi(plain)
    body = b"".join(envelopes([chunk(event) for event in sonic_session("over h2")], seed))
    [result] = h2(plain, [Call(body, path=path, headers=headers)])
    assert result.status == 200 and result.error is None
    texts = [event["event"]["textOutput"]["content"] for _, event in read_stream(result.body)
             if "textOutput" in event["event"]]
    assert texts == ["You said: over h2"]
    [record] = plain.requests()
    assert (record["operation"], record["http_version"]) == (
        "InvokeModelWithBidirectionalStream", "HTTP/2")


def test_h2_over_tls_by_alpn(secure):
    assert secure.url.startswith("https://127.0.0.1:") and Path(secure.ca_file).is_file()
    [result] = h2(secure, [call("secure words")])  # run_h2 insists on ALPN "h2"
    assert result.complete and reply_text(result) == "You said: secure words"
    # HTTP/1.1 over TLS: offered by ALPN, and for clients that offer no ALPN at all.
    [http11] = h1(secure, [call("over http/1.1")])
    assert http11.complete and http11.headers["transfer-encoding"] == "chunked"
    context = ssl.create_default_context(cafile=secure.ca_file)
    with urllib.request.urlopen(secure.url + "/_emulator/health", context=context) as reply:
        assert json.load(reply) == {"status": "ok"}
    stream = secure.client().converse_stream(modelId=MODEL, messages=user("boto3 over TLS"))
    assert "metadata" in list(stream["stream"])[-1]
    assert [r["http_version"] for r in secure.requests()] == ["HTTP/2", "HTTP/1.1", "HTTP/1.1"]


@pytest.mark.parametrize("protocol", ["h1", "h2c", "h2"])
def test_stream_frames_arrive_as_they_are_made(emulators, protocol):
    emulator = emulators("asyncio", *(["--tls"] if protocol == "h2" else []))
    run = h1 if protocol == "h1" else h2
    [result] = run(emulator, [call("[[fault:token_delay:100]] one two")])
    # messageStart, 5 deltas ("You ", "said: ", the directive, "one ", "two"), stops, metadata
    assert result.complete and len(result.frames) == 9
    gaps = [b - a for a, b in zip(result.arrivals, result.arrivals[1:])]
    assert result.arrivals[0] - result.started < 0.2
    assert all(gap >= 0.09 for gap in gaps), gaps
    assert result.seconds >= 0.8


@pytest.mark.parametrize("protocol", ["h1", "h2c"])
def test_many_concurrent_streams(plain, protocol):
    words = " ".join(f"w{n}" for n in range(20))
    # 120: one HTTP/2 connection takes 128 streams at once (MAX_CONCURRENT_STREAMS), as AWS's do.
    calls = [call(f"[[fault:token_delay:20]] {n} {words}") for n in range(120)]
    started = time.monotonic()
    results = (h1 if protocol == "h1" else h2)(plain, calls)
    elapsed = time.monotonic() - started
    assert all(r.complete for r in results), [r.error or r.status for r in results
                                              if not r.complete][:5]
    assert [reply_text(r).split()[3] for r in results] == [str(n) for n in range(120)]
    # One stream alone takes ~0.55 s (28 events, 20 ms apart); 120 at once must interleave.
    assert elapsed < 8, elapsed
    assert sum(len(r.frames) for r in results) == 120 * 28
    assert len(plain.requests()) == 120


def test_h2_faults_strike_one_stream_not_the_connection(plain):
    results = dict(zip(
        ["throttle", "close", "hang", "truncate", "exception", "delay", "missing", "ok"],
        h2(plain, [call("[[fault:throttle]]"), call("[[fault:close]]"),
                   call("[[fault:hang:300]]"), call("one two three [[fault:stream_truncate]]"),
                   call("[[fault:stream_exception:throttlingException]] a b c"),
                   call("[[fault:delay:200]] late", stream=False),
                   call("hi", model="missing.model"), call("still fine")])))
    throttled = results["throttle"]
    assert throttled.status == 429 and throttled.headers["x-amzn-errortype"].startswith(
        "ThrottlingException:")
    assert results["close"].status is None and results["close"].error.startswith("reset")
    hang = results["hang"]
    assert hang.status == 200 and hang.error.startswith("reset") and not hang.body
    assert hang.seconds >= 0.3
    truncated = results["truncate"]
    assert truncated.status == 200 and truncated.error is None and len(truncated.frames) == 3
    assert len(truncated.body) > sum(map(len, truncated.frames))  # half a frame left over
    exception = events(results["exception"])[-1]
    assert exception.headers[":exception-type"] == "throttlingException"
    assert results["delay"].status == 200 and results["delay"].seconds >= 0.2
    assert results["missing"].status == 404
    assert results["ok"].complete and reply_text(results["ok"]) == "You said: still fine"
    logged = {r["fault"]: r["status"] for r in plain.requests() if r["fault"]}
    assert logged == {"throttle": 429, "close": None, "hang:300": 200, "stream_truncate": 200,
                      "stream_exception:throttlingException": 200, "delay:200": 200}


def test_h2_flow_control_and_large_bodies(plain):
    # A client window of 300 bytes (stream and connection): frames wait for WINDOW_UPDATEs.
    long_text = " ".join(f"word{n}" for n in range(300))
    [small_window] = h2(plain, [call(long_text)], window=300)
    assert small_window.complete and reply_text(small_window) == f"You said: {long_text}"
    # A 3 MiB request body, past the default 64 KiB windows.
    words = 3 * 1024 * 1024 // 2
    body = json.dumps({"input": {"converse": {"messages": user("x " * words)}}}).encode()
    path = f"/model/{urllib.parse.quote(MODEL, safe='')}/count-tokens"
    [counted] = h2(plain, [Call(body, path=path)])
    assert counted.status == 200 and json.loads(counted.body) == {"inputTokens": words}


def test_http11_ignores_upgrade_and_reports_bad_versions(plain):
    response, _ = plain.request("GET", "/_emulator/health",
                                headers={"Connection": "Upgrade, HTTP2-Settings",
                                         "Upgrade": "h2c", "HTTP2-Settings": "AAMAAABkAAQAAP__"})
    assert response.status == 200 and response.version == 11
    with socket.create_connection((plain.host, plain.port), timeout=2) as sock:
        sock.sendall(b"GET / HTTP/3.0\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 505 ")
    assert plain.request("GET", "/_emulator/health")[0].status == 200


def test_ctl_asyncio_tls_command_line_and_sigterm(tmp_path):
    started = subprocess.run([sys.executable, str(TOOLS / "ctl.py"), "start", "--state-dir",
                              str(tmp_path), "--mode", "asyncio", "--tls"],
                             capture_output=True, text=True, timeout=30)
    assert started.returncode == 0, started.stderr
    url = started.stdout.strip()
    assert url.startswith("https://127.0.0.1:") and (tmp_path / "url").read_text() == url
    context = ssl.create_default_context(cafile=str(tmp_path / "tls" / "ca.pem"))
    slow_stream = json.dumps({"messages": user("[[fault:token_delay:5000]] a b")}).encode()
    request = urllib.request.Request(url + "/model/m/converse-stream", slow_stream, AUTH)
    slow = urllib.request.urlopen(request, context=context, timeout=10)  # a stream left open
    pid = int((tmp_path / "pid").read_text())
    stopping = time.monotonic()
    stopped = subprocess.run([sys.executable, str(TOOLS / "ctl.py"), "stop", "--state-dir",
                              str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert stopped.returncode == 0 and time.monotonic() - stopping < 3
    slow.close()
    assert not Path(f"/proc/{pid}").exists() or \
        Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    log = (tmp_path / "server.log").read_text()
    assert f"listening on {url} (asyncio" in log and "test CA" in log
    assert "POST /model/m/converse-stream 200" in log and "Traceback" not in log
