"""1,000 concurrent chat streams through the Python package's asyncio API, on one event loop,
against the emulator's asyncio mode over HTTP/2 with TLS: every stream's final message equals
its deltas, and the process gains no thread (the loop drives one bedrock_multi)."""

import asyncio
import json
import threading
import time

import pytest

from bedrock_chat import Client
from bedrock_testlib import EMULATOR_CREDENTIALS
from emulator.ctl import start, stop

STREAMS = 1000


@pytest.fixture(scope="module")
def scale_emulator(tmp_path_factory):
    state = tmp_path_factory.mktemp("emulator-scale")
    emulator = start(state, ["--mode", "asyncio", "--tls"])
    yield emulator
    stop(state)


def _request(n):
    words = " ".join(f"w{k}" for k in range(57))
    return {"model": "anthropic.claude-3-haiku-20240307-v1:0",
            "messages": [["human", f"[[fault:token_delay:{20 + n % 31}]] s{n} {words}"]]}


def test_a_thousand_async_streams_on_one_loop(scale_emulator):
    async def main():
        threads = threading.active_count()
        peak = threads
        async with Client(region="us-east-1", endpoint_url=scale_emulator.url, credentials=EMULATOR_CREDENTIALS,
                          ca_file=str(scale_emulator.ca_file)) as client:
            async def one(n):
                nonlocal peak
                text = []
                async for event in client.achat_stream(_request(n)):
                    if event["type"] == "text":
                        text.append(event["text"])
                    elif event["type"] == "message":
                        peak = max(peak, threading.active_count())
                        return "".join(text) == event["message"]["content"]
                return False

            started = time.monotonic()
            results = await asyncio.gather(*(one(n) for n in range(STREAMS)))
            return results, time.monotonic() - started, threads, peak

    results, elapsed, threads, peak = asyncio.run(main())
    assert results == [True] * STREAMS
    assert peak == threads, "the asyncio API started threads"
    print(f"{STREAMS} async streams: {elapsed:.1f} s, {peak} thread(s)")


def test_a_killed_http2_connection_ends_its_streams_and_the_next_call_reconnects(scale_emulator):
    """A dropped HTTP/2 connection (no GOAWAY) fails every stream it carried that had already
    delivered events, with NETWORK, promptly; nothing hangs; the next call opens a new one."""
    import ssl
    import urllib.request

    from bedrock_chat import NetworkError

    def kill():
        context = ssl.create_default_context(cafile=str(scale_emulator.ca_file))
        request = urllib.request.Request(scale_emulator.url + "/_emulator/http2-connections", method="DELETE")
        with urllib.request.urlopen(request, context=context) as reply:
            return json.load(reply)["killed"]

    async def main():
        async with Client(region="us-east-1", endpoint_url=scale_emulator.url, credentials=EMULATOR_CREDENTIALS,
                          ca_file=str(scale_emulator.ca_file), max_attempts=1) as client:
            streaming = asyncio.Event()
            started = []

            async def one(n):
                try:
                    async for event in client.achat_stream(_request(n)):
                        if event["type"] == "text" and n not in started:
                            started.append(n)
                            if len(started) == 20:
                                streaming.set()
                    return "completed"
                except NetworkError:
                    return "network"

            tasks = [asyncio.create_task(one(n)) for n in range(20)]
            await asyncio.wait_for(streaming.wait(), 20)
            killed = await asyncio.get_running_loop().run_in_executor(None, kill)
            began = time.monotonic()
            results = await asyncio.wait_for(asyncio.gather(*tasks), 20)
            ended_in = time.monotonic() - began
            after = await client.achat({"model": "anthropic.claude-3-haiku-20240307-v1:0",
                                         "messages": [["human", "after the kill"]]})
            return killed, results, ended_in, after

    killed, results, ended_in, after = asyncio.run(main())
    assert killed >= 1
    assert results == ["network"] * 20
    assert ended_in < 5, f"the streams took {ended_in:.1f} s to end"
    assert after["content"] == "You said: after the kill" and after["metrics"]["http_version"] == "2"


def test_a_request_of_64_kib_or_more_goes_whole_over_http2(scale_emulator):
    """curl reads a large body from the request as it sends it, on HTTP/2 as on HTTP/1.1: the
    emulator's signature check covers every byte, and its echo shows the text arrived whole."""
    text = "".join(f"{i} héllo ✓ " for i in range(30_000))

    async def main():
        async with Client(region="us-east-1", endpoint_url=scale_emulator.url, credentials=EMULATOR_CREDENTIALS,
                          ca_file=str(scale_emulator.ca_file)) as client:
            return await asyncio.gather(*(client.achat({"model": "anthropic.claude-3-haiku-20240307-v1:0",
                                                        "messages": [["human", f"{n} {text}"]],
                                                        "max_tokens": 1_000_000}) for n in range(3)))

    for n, reply in enumerate(asyncio.run(main())):
        assert reply["content"] == f"You said: {n} {text}"
        assert reply["metrics"]["http_version"] == "2"


def test_a_bidirectional_stream_goes_over_http2_on_https(scale_emulator):
    """Bedrock takes InvokeModelWithBidirectionalStream only over HTTP/2: a blocking client,
    which speaks HTTP/1.1 otherwise, sends it over HTTP/2, its events signed."""
    import ssl
    import urllib.request

    from test_operations import SONIC, sonic_input

    with Client(region="us-east-1", endpoint_url=scale_emulator.url, credentials=EMULATOR_CREDENTIALS,
                ca_file=str(scale_emulator.ca_file)) as client:
        events = list(client.operation_stream("InvokeModelWithBidirectionalStream", modelId=SONIC,
                                              body=sonic_input("over h2")))
    texts = [json.loads(event["chunk"]["bytes"])["event"].get("textOutput", {}).get("content") for event in events]
    assert "You said: over h2" in texts
    context = ssl.create_default_context(cafile=str(scale_emulator.ca_file))
    with urllib.request.urlopen(scale_emulator.url + "/_emulator/requests", context=context) as reply:
        logged = [r for r in json.load(reply)["requests"] if r["operation"] == "InvokeModelWithBidirectionalStream"]
    assert [r["http_version"] for r in logged] == ["HTTP/2"]
