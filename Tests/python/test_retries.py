"""Retries in the AWS "standard" mode, observed at the emulator: how many attempts a call
makes for each kind of failure, and that a stream is never retried once it has delivered."""

import json
import urllib.request

import pytest

from bedrock_chat import Client, ModelError, ThrottledError, ValidationError
from bedrock_testlib import EMULATOR_CREDENTIALS, MODEL, say
from parity import clear_recorded, recorded


def queue_faults(url, *faults):
    request = urllib.request.Request(url + "/_emulator/faults", method="POST",
                                     data=json.dumps({"faults": list(faults)}).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request).close()


@pytest.fixture
def fresh(emulator_url):
    urllib.request.urlopen(urllib.request.Request(emulator_url + "/_emulator/faults", method="DELETE")).close()
    clear_recorded(emulator_url)
    yield emulator_url
    urllib.request.urlopen(urllib.request.Request(emulator_url + "/_emulator/faults", method="DELETE")).close()


def attempts_seen(url):
    return len(recorded(url))


def test_throttledTwiceThenOK_takesThreeAttempts(client, fresh):
    queue_faults(fresh, "throttle", "throttle")
    assert client.converse(MODEL, say("eventually"))["stopReason"] == "end_turn"
    assert attempts_seen(fresh) == 3


def test_throttledForever_failsWithThrottledAfterMaxAttempts(client, fresh):
    queue_faults(fresh, *["throttle"] * 5)
    with pytest.raises(ThrottledError) as caught:
        client.converse(MODEL, say("never"))
    assert caught.value.attempts == 3
    assert attempts_seen(fresh) == 3


def test_maxAttempts_isHonoured(fresh):
    with Client(region="us-east-1", endpoint_url=fresh, credentials=EMULATOR_CREDENTIALS, max_attempts=5) as patient:
        queue_faults(fresh, *["unavailable"] * 4)
        assert patient.converse(MODEL, say("five tries"))["stopReason"] == "end_turn"
    assert attempts_seen(fresh) == 5
    clear_recorded(fresh)
    with Client(region="us-east-1", endpoint_url=fresh, credentials=EMULATOR_CREDENTIALS, max_attempts=1) as once:
        queue_faults(fresh, "throttle")
        with pytest.raises(ThrottledError) as caught:
            once.converse(MODEL, say("one try"))
    assert caught.value.attempts == 1 and attempts_seen(fresh) == 1


@pytest.mark.parametrize("fault", ["internal", "unavailable", "not_ready", "close"])
def test_transientFailures_areRetried(client, fresh, fault):
    queue_faults(fresh, fault)
    assert client.converse(MODEL, say("retry me"))["stopReason"] == "end_turn"
    assert attempts_seen(fresh) == 2


@pytest.mark.parametrize("fault, error", [("validation", ValidationError), ("access_denied", Exception),
                                          ("status:599", Exception)])
def test_clientErrors_areNotRetried(client, fresh, fault, error):
    queue_faults(fresh, fault, fault, fault)
    with pytest.raises(error) as caught:
        client.converse(MODEL, say("no retry"))
    assert caught.value.attempts == 1
    assert attempts_seen(fresh) == 1


def test_streamThrottledBeforeFirstEvent_isRetried(client, fresh):
    queue_faults(fresh, "throttle")
    events = list(client.chat_stream({"model": MODEL, "api": "converse", "messages": [["human", "stream"]]}))
    assert events[-1]["message"]["content"] == "You said: stream"
    assert attempts_seen(fresh) == 2


def test_streamFailingAfterAnEvent_isNotRetried(client, fresh):
    queue_faults(fresh, {"kind": "stream_exception", "exception": "internalServerException"})
    received = []
    with pytest.raises(Exception) as caught:
        for event in client.chat_stream({"model": MODEL, "api": "converse", "messages": [["human", "a b c d"]]}):
            received.append(event)
    assert received and caught.value.attempts == 1
    assert attempts_seen(fresh) == 1


def test_modelStreamError_midStream_isModelError(client, fresh):
    queue_faults(fresh, "stream_exception")
    with pytest.raises(ModelError):
        list(client.converse_stream(MODEL, say("x y z")))
    assert attempts_seen(fresh) == 1


def test_adaptiveMode_retriesAndThenPacesSends(fresh):
    with Client(region="us-east-1", endpoint_url=fresh, credentials=EMULATOR_CREDENTIALS,
                retry_mode="adaptive") as adaptive:
        queue_faults(fresh, "throttle", "throttle")
        assert adaptive.converse(MODEL, say("adaptive"))["stopReason"] == "end_turn"
        assert attempts_seen(fresh) == 3
        # Throttling switched client-side rate limiting on; a later call waits its turn.
        assert adaptive.converse(MODEL, say("paced"))["stopReason"] == "end_turn"
    assert attempts_seen(fresh) == 4


def test_a_retried_chat_reports_its_attempts_and_backoff_in_metrics(client, fresh):
    queue_faults(fresh, "throttle", "throttle")
    metrics = client.chat({"model": "anthropic.claude-3-haiku-20240307-v1:0", "messages": [["human", "retried"]]})["metrics"]
    assert metrics["attempts"] == 3 and attempts_seen(fresh) == 3
    assert metrics["retry_wait_ms"] <= metrics["latency_ms"]


def test_a_throttling_storm_on_an_event_loop_retries_on_timers(emulator_url, fresh):  # noqa: F811
    # 80 calls at once, 80 throttles queued: every throttled attempt is retried after its
    # backoff timer, on the one loop thread, and every call ends well. Each request either
    # took a throttle or succeeded, so the emulator saw exactly 160 requests.
    import asyncio

    from bedrock_chat import Client
    from bedrock_testlib import EMULATOR_CREDENTIALS

    queue_faults(fresh, *["throttle"] * 80)

    async def main():
        async with Client(region="us-east-1", endpoint_url=emulator_url, credentials=EMULATOR_CREDENTIALS,
                          max_attempts=5) as storm:
            return await asyncio.gather(*(storm.achat({"model": "anthropic.claude-3-haiku-20240307-v1:0",
                                                       "messages": [["human", f"storm {n}"]]}) for n in range(80)))

    replies = asyncio.run(main())
    assert [r["content"] for r in replies] == [f"You said: storm {n}" for n in range(80)]
    assert sum(r["metrics"]["attempts"] for r in replies) == 160
    assert attempts_seen(fresh) == 160
