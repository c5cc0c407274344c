"""The asyncio API: achat, aconverse, achat_stream. The event loop must keep running while a
call waits, cancelling a task must cancel its stream promptly, and nothing may leak."""

import asyncio
import threading
import time

import pytest

from bedrock_chat import (
    AsyncChatStream,
    CancelledError,
    Client,
    InvalidArgumentError,
    ModelError,
    ThrottledError,
)
from bedrock_testlib import EMULATOR_CREDENTIALS, MODEL, say

CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"


def chat_request(text, **extra):
    return {"model": CLAUDE, "messages": [["human", text]], **extra}


async def test_achat_equals_chat(client):
    plain = client.chat(chat_request("same answer"))
    awaited = await client.achat(chat_request("same answer"))
    for response in (plain, awaited):
        response.pop("request_id")
        response.pop("metrics")
    assert awaited == plain
    assert awaited["content"] == "You said: same answer"


async def test_aconverse_ainvoke_and_acount_tokens(client):
    response = await client.aconverse(MODEL, say("async converse"))
    assert response["output"]["message"]["content"][0]["text"] == "You said: async converse"
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
            "messages": [{"role": "user", "content": "async invoke"}]}
    invoked = await client.ainvoke_model(CLAUDE, body)
    assert invoked["content"][0]["text"] == "You said: async invoke"
    counted = await client.acount_tokens(MODEL, {"input": {"converse": say("three words here")}})
    assert counted["inputTokens"] == 3


async def test_achat_stream_yields_the_sync_events(client):
    request = chat_request("stream me some words")
    expected = [event["type"] for event in client.chat_stream(request)]
    events = [event async for event in client.achat_stream(request)]
    assert [event["type"] for event in events] == expected
    assert events[-1]["message"]["content"] == "You said: stream me some words"


async def test_waiting_does_not_block_the_event_loop(client):
    ticks = []

    async def ticker():
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(ticker())
    started = time.monotonic()
    texts = [event["text"] async for event in
             client.achat_stream(chat_request("[[fault:token_delay:100]] one two three four"))
             if event["type"] == "text"]
    await client.achat(chat_request("[[fault:delay:300]] slow reply"))
    ticking.cancel()
    elapsed = time.monotonic() - started
    assert "".join(texts).endswith("one two three four")
    assert elapsed > 0.7
    # The ticker ran all along: never a gap of more than a fraction of the wait.
    gaps = [later - earlier for earlier, later in zip(ticks, ticks[1:])]
    assert len(ticks) > 30 and max(gaps) < 0.2


async def test_cancelling_the_task_cancels_the_stream_promptly(client):
    stream = client.achat_stream(chat_request("[[fault:token_delay:5000]] slow words here"))
    first = []

    async def consume():
        async for event in stream:
            first.append(event)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.3)  # the stream now waits for its next token
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stream.closed
    # bedrock_call_cancel ended the call in the library: its handle is freed well before the
    # next token would have come (5 s).
    call = stream._call
    while call.handle in call.multi._calls and time.monotonic() - started < 3:
        await asyncio.sleep(0.01)
    assert call.handle not in call.multi._calls
    assert time.monotonic() - started < 1.5
    assert [event["type"] for event in first] in ([], ["start"], ["start", "text"])
    # The client is still usable.
    assert (await client.achat(chat_request("after cancel")))["content"] == "You said: after cancel"


async def test_wait_for_timeout_cancels_the_stream(client):
    stream = client.achat_stream(chat_request("[[fault:token_delay:5000]] a b c"))
    async def drain():
        async for _ in stream:
            pass

    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(drain(), 0.3)
    assert stream.closed


async def test_aclose_midway_frees_the_stream(client):
    async with client.achat_stream(chat_request("[[fault:token_delay:200]] one two three four five six seven")) as stream:
        assert (await stream.__anext__())["type"] == "start"
    assert stream.closed
    assert [event async for event in stream] == []
    call = stream._call
    for _ in range(100):
        if call.handle not in call.multi._calls:
            break
        await asyncio.sleep(0.01)
    assert call.handle not in call.multi._calls


async def test_cancel_method_raises_the_library_cancelled_error(client):
    stream = client.achat_stream(chat_request("[[fault:token_delay:5000]] x y z"))
    asyncio.get_running_loop().call_later(0.3, stream.cancel)
    started = time.monotonic()
    with pytest.raises(CancelledError):
        async for _ in stream:
            pass
    assert time.monotonic() - started < 3


async def test_many_streams_run_concurrently(client):
    # Twelve streams, each waiting 300 ms between tokens: together they take about as long as
    # one (more streams than asyncio's default executor has threads here).
    async def one(n):
        return [event async for event in client.achat_stream(chat_request(f"[[fault:token_delay:300]] stream {n}"))]

    started = time.monotonic()
    results = await asyncio.gather(*(one(n) for n in range(12)))
    elapsed = time.monotonic() - started
    assert [r[-1]["message"]["content"].split()[-1] for r in results] == [str(n) for n in range(12)]
    assert elapsed < 3.5


async def test_async_errors_are_typed(client):
    with pytest.raises(ThrottledError) as caught:
        await client.achat(chat_request("[[fault:throttle]]"))
    assert caught.value.attempts == 3 and caught.value.retryable
    with pytest.raises(ModelError):
        async for _ in client.achat_stream(chat_request("[[fault:stream_exception]] a b c d")):
            pass
    with pytest.raises(InvalidArgumentError, match="request.messages"):
        async for _ in client.achat_stream({"model": CLAUDE, "messages": []}):
            pass


async def test_a_closed_client_refuses_async_calls(emulator_url):
    closed = Client(region="us-east-1", endpoint_url=emulator_url, credentials=EMULATOR_CREDENTIALS)
    closed.close()
    with pytest.raises(ValueError, match="closed"):
        await closed.achat(chat_request("hi"))
    with pytest.raises(ValueError, match="closed"):
        closed.achat_stream(chat_request("hi"))


async def test_async_with_client(emulator_url):
    async with Client(region="us-east-1", endpoint_url=emulator_url, credentials=EMULATOR_CREDENTIALS) as c:
        stream = c.achat_stream(chat_request("inside"))
        assert isinstance(stream, AsyncChatStream)
        assert [e async for e in stream][-1]["message"]["content"] == "You said: inside"
    assert c.closed


# ---- lifetime rules the sync API shares -----------------------------------------------------


def test_close_from_another_thread_while_next_is_blocked(client):
    stream = client.chat_stream(chat_request("[[fault:token_delay:5000]] slow words"))
    assert next(stream)["type"] == "start"
    timer = threading.Timer(0.3, stream.close)
    timer.start()
    started = time.monotonic()
    with pytest.raises(CancelledError):
        next(stream)
    timer.join()
    assert time.monotonic() - started < 3
    assert stream.closed and stream._stream._handle is None
    assert list(stream) == []


def test_closing_a_client_waits_for_its_streams(emulator_url):
    owner = Client(region="us-east-1", endpoint_url=emulator_url, credentials=EMULATOR_CREDENTIALS)
    stream = owner.chat_stream(chat_request("the stream outlives close"))
    owner.close()
    assert owner.closed
    with pytest.raises(ValueError, match="closed"):
        owner.chat(chat_request("no more"))
    # The stream still works: the client is freed when it ends.
    events = list(stream)
    assert events[-1]["message"]["content"] == "You said: the stream outlives close"
    assert owner._handle is None


def test_a_stream_keeps_its_client_alive(emulator_url):
    stream = Client(region="us-east-1", endpoint_url=emulator_url,
                    credentials=EMULATOR_CREDENTIALS).chat_stream(chat_request("no client reference"))
    import gc
    gc.collect()
    assert list(stream)[-1]["message"]["content"] == "You said: no client reference"


# ---- the event loop drives the library: no threads --------------------------------------------


async def test_hundreds_of_async_streams_with_no_thread_per_stream(client):
    threads_before = threading.active_count()
    peak = threads_before

    async def one(n):
        nonlocal peak
        texts = []
        async for event in client.achat_stream(chat_request(f"[[fault:token_delay:30]] async stream {n} a b c d e")):
            peak = max(peak, threading.active_count())
            if event["type"] == "text":
                texts.append(event["text"])
            elif event["type"] == "message":
                assert "".join(texts) == event["message"]["content"]
        return "".join(texts)

    started = time.monotonic()
    results = await asyncio.gather(*(one(n) for n in range(200)))
    elapsed = time.monotonic() - started
    assert results == [f"You said: [[fault:token_delay:30]] async stream {n} a b c d e" for n in range(200)]
    assert peak == threads_before, "the asyncio API started threads"
    print(f"200 async streams: {elapsed:.2f} s, threads {peak}")


async def test_async_raw_streams(client):
    events = [event async for event in client.aconverse_stream(MODEL, say("raw async converse"))]
    assert "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e) == \
        "You said: raw async converse"
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
            "messages": [{"role": "user", "content": "raw async invoke"}]}
    chunks = [chunk async for chunk in client.ainvoke_model_stream(CLAUDE, body)]
    assert "".join(c["delta"]["text"] for c in chunks if c.get("type") == "content_block_delta") == \
        "You said: raw async invoke"


def test_under_uvloop(emulator_url):
    uvloop = pytest.importorskip("uvloop")

    async def main():
        async with Client(region="us-east-1", endpoint_url=emulator_url, credentials=EMULATOR_CREDENTIALS) as c:
            replies = await asyncio.gather(*(c.achat(chat_request(f"uvloop {n}")) for n in range(20)))
            events = [e async for e in c.achat_stream(chat_request("[[fault:token_delay:20]] under uvloop"))]
            task = asyncio.create_task(c.achat(chat_request("[[fault:delay:5000]] cancelled")))
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return replies, events

    replies, events = uvloop.run(main())
    assert [r["content"] for r in replies] == [f"You said: uvloop {n}" for n in range(20)]
    assert events[-1]["message"]["content"] == "You said: [[fault:token_delay:20]] under uvloop"


def test_sync_raw_streams_run_on_the_calling_thread(client):
    threads_before = threading.active_count()
    stream = client.converse_stream(MODEL, say("no thread needed"))
    first = next(stream)
    assert threading.active_count() == threads_before
    assert "messageStart" in first
    assert any("contentBlockDelta" in e for e in stream)
