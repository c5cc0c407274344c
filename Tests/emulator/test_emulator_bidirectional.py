"""InvokeModelWithBidirectionalStream: Nova Sonic input events sent as the client library
sends them (each in a signed envelope chained from the request's SigV4 signature, or bare
with a bearer token), the signature chain's checks, and the echo, parsed with botocore."""

import datetime
import json

import pytest
from botocore.eventstream import EventStreamBuffer
from emulator.eventstream import encode_message
from emulator_testlib import (BEARER, EVENTSTREAM, MODEL, SONIC, bidi_path, chunk, envelopes,
                              read_stream, sign, signed_bidi, sonic_session, sonic_text)
from server_common import sigv4

BEARER_HEADERS = {"Authorization": f"Bearer {BEARER}", "Content-Type": EVENTSTREAM,
                  "Accept": EVENTSTREAM}
OUTPUT_EVENTS = ["completionStart", "contentStart", "textOutput", "contentEnd",
                 "completionEnd"]
OPEN = sonic_session()[:2]  # sessionStart, promptStart "p1"


def test_event_signatures_match_aws_sdk_go_v2():
    """aws-sdk-go-v2's aws/signer/v4/stream_test.go: each signature chains from the last."""
    prior = b"foobarbazqux".hex()
    for data, seconds, expected in [
            (b"foo", 10, "e3a136405ec1152f62136742efd41f8639cd647a1cf21fab12aedb22cccd8999"),
            (b"bar", 20, "92a6ad677e839d3003672cb2cefc71ef80d42e8cb300fefce0807e8398c74068"),
            (b"baz", 30, "46d6660bd40f2ff5d6246a347895cabe7f4e89d9e1f4c6dad6dabdc801923be1"),
            (b"", 30, "492bcb3e21de447c85f8a9bef6c0eb833e992e405b9b3584be84edaccc5aad18")]:
        _, prior = sigv4.event_signature("SECRET", "us-east-1", "transcribestreaming",
                                         sigv4.amz_date_of(seconds), prior, data, data)
        assert prior == expected


def signed_call(emulator, events, model=SONIC, wrap=envelopes):
    """POST the events as chunks, signed; ``wrap(chunks, seed)`` makes the envelopes."""
    path, headers, seed = signed_bidi(emulator, model)
    chunks = [chunk(event) for event in events]
    return emulator.request("POST", path, b"".join(wrap(chunks, seed)), headers)


def bearer_call(emulator, events, model=SONIC):
    body = b"".join(chunk(event) for event in events)
    return emulator.request("POST", bidi_path(model), body, BEARER_HEADERS)


def sonic_events(data) -> list[dict]:
    """The Sonic output events of a stream of chunks only."""
    read = read_stream(data)
    assert {kind for kind, _ in read} == {"chunk"}, read
    return [event for _, event in read]


def names(events) -> list[str]:
    return [next(iter(event["event"])) for event in events]


def test_signed_session_is_answered(emulator):
    response, data = signed_call(emulator, sonic_session("Hello"))
    assert response.status == 200, data
    assert response.getheader("Content-Type") == EVENTSTREAM
    events = sonic_events(data)
    assert names(events) == OUTPUT_EVENTS
    start, content_start, text, content_end, end = (
        event["event"][name] for event, name in zip(events, OUTPUT_EVENTS))
    ids = {"sessionId": start["sessionId"], "promptName": "p1",
           "completionId": start["completionId"]}
    content = {**ids, "contentId": content_start["contentId"]}
    assert start == ids
    assert content_start == {**content, "type": "TEXT", "role": "ASSISTANT",
                             "additionalModelFields": '{"generationStage":"FINAL"}',
                             "textOutputConfiguration": {"mediaType": "text/plain"}}
    assert text == {**content, "role": "ASSISTANT", "content": "You said: Hello"}
    assert content_end == {**content, "type": "TEXT", "stopReason": "END_TURN"}
    assert end == {**ids, "stopReason": "END_TURN"}
    [record] = emulator.requests()
    assert {key: record[key] for key in ("operation", "model_id", "format", "status")} == {
        "operation": "InvokeModelWithBidirectionalStream", "model_id": SONIC,
        "format": "sonic", "status": 200}
    assert record["body"] == sonic_session("Hello")


def test_chunks_carry_only_bytes(emulator):
    response, data = bearer_call(emulator, sonic_session("Hi"))
    assert response.status == 200
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    for message in buffer:
        assert message.headers == {":event-type": "chunk", ":content-type": "application/json",
                                   ":message-type": "event"}
        assert list(json.loads(message.payload)) == ["bytes"]


def test_bearer_events_come_bare(emulator):
    response, data = bearer_call(emulator, sonic_session("bare"))
    assert response.status == 200, data
    assert sonic_events(data)[2]["event"]["textOutput"]["content"] == "You said: bare"


def test_each_user_turn_is_answered_and_nothing_else(emulator):
    events = [*OPEN, *sonic_text("p1", "sys", "Be brief.", role="SYSTEM"),
              *sonic_text("p1", "h1", "earlier", interactive=False),
              *sonic_text("p1", "h2", "You said: earlier", role="ASSISTANT"),
              *sonic_text("p1", "u1", "one"), *sonic_text("p1", "u2", "two"),
              {"event": {"promptEnd": {"promptName": "p1"}}}, {"event": {"sessionEnd": {}}}]
    response, data = bearer_call(emulator, events)
    answered = sonic_events(data)
    assert names(answered) == OUTPUT_EVENTS * 2
    texts = [event["event"]["textOutput"]["content"] for event in answered
             if "textOutput" in event["event"]]
    assert texts == ["You said: one", "You said: two"]
    first, second = (answered[index]["event"]["completionStart"] for index in (0, 5))
    assert first["sessionId"] == second["sessionId"]
    assert first["completionId"] != second["completionId"]
    # Deterministic: the same input, signed this time, gets the same answer.
    assert signed_call(emulator, events)[1] == data


@pytest.mark.parametrize("model", ["amazon.nova-2-sonic-v1:0", "us.amazon.nova-sonic-v1:0"])
def test_nova_sonic_models_are_served(emulator, model):
    response, data = signed_call(emulator, sonic_session("hi"), model)
    assert response.status == 200 and names(sonic_events(data)) == OUTPUT_EVENTS


def test_other_models_are_refused(emulator):
    response, data = signed_call(emulator, sonic_session("hi"), MODEL)
    assert (response.status, response.getheader("x-amzn-ErrorType")) == (
        400, "ValidationException")
    assert f"The model {MODEL} does not support InvokeModelWithBidirectionalStream" in \
        json.loads(data)["message"]


def decoded(envelope: bytes):
    buffer = EventStreamBuffer()
    buffer.add_data(envelope)
    [message] = buffer
    return message


def reencoded(envelope_list, index, signature):
    """The envelopes, envelope ``index`` re-encoded with ``signature`` (bytes; None: no
    ``:chunk-signature`` header)."""
    message = decoded(envelope_list[index])
    headers = [(":date", "timestamp", message.headers[":date"])]
    if signature is not None:
        headers.append((":chunk-signature", "bytes", signature))
    envelope_list[index] = encode_message(headers, message.payload)
    return envelope_list


def flipped(envelope_list, index):
    """The envelopes, one bit of envelope ``index``'s signature flipped."""
    signature = bytearray(decoded(envelope_list[index]).headers[":chunk-signature"])
    signature[0] ^= 1
    return reencoded(envelope_list, index, bytes(signature))


PAST = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=20)
ZERO = "0" * 64


@pytest.mark.parametrize("wrap, status, error_type, message", [
    (lambda chunks, seed: flipped(envelopes(chunks, seed), 1),
     403, "InvalidSignatureException", "The signature of event 2 does not match"),
    (lambda chunks, seed: envelopes(chunks, ZERO),  # chained from another request
     403, "InvalidSignatureException", "The signature of event 1 does not match"),
    (lambda chunks, seed: envelopes(chunks, seed, secret="other"),
     403, "InvalidSignatureException", "The signature of event 1 does not match"),
    (lambda chunks, seed: [e for i, e in enumerate(envelopes(chunks, seed)) if i != 2],
     403, "InvalidSignatureException", "The signature of event 3 does not match"),
    (lambda chunks, seed: (lambda e: [e[0], e[2], e[1], *e[3:]])(envelopes(chunks, seed)),
     403, "InvalidSignatureException", "The signature of event 2 does not match"),
    (lambda chunks, seed: reencoded(envelopes(chunks, seed), 0, None),
     403, "InvalidSignatureException", "must have exactly the headers ':date' and "
     "':chunk-signature'"),
    (lambda chunks, seed: envelopes(chunks, seed, when=PAST),
     403, "InvalidSignatureException", "Event 1: Signature expired"),
    (lambda chunks, seed: envelopes(chunks, seed, end=False),
     400, "ValidationException", "did not end with an empty signed event"),
    (lambda chunks, seed: envelopes([*chunks[:2], b"", *chunks[2:]], seed),
     400, "ValidationException", "Event 3 is the empty event that ends the stream, but more"),
    (lambda chunks, seed: envelopes([b"not an event", *chunks], seed),
     400, "ValidationException", "Event 1 does not hold an event"),
    (lambda chunks, seed: chunks,  # bare events, as if a bearer token had been sent
     403, "InvalidSignatureException", "must have exactly the headers"),
], ids=["tampered", "wrong-seed", "wrong-key", "dropped", "reordered", "unsigned", "stale",
        "no-end", "after-end", "not-an-event", "bare"])
def test_signature_chain_is_checked(emulator, wrap, status, error_type, message):
    response, data = signed_call(emulator, sonic_session("hi"), wrap=wrap)
    assert (response.status, response.getheader("x-amzn-ErrorType")) == (status, error_type)
    assert message in json.loads(data)["message"]


def test_tampered_signature_reports_string_to_sign(emulator):
    response, data = signed_call(emulator, sonic_session("hi"),
                                 wrap=lambda chunks, seed: flipped(envelopes(chunks, seed), 0))
    text = json.loads(data)["message"]
    today = datetime.datetime.now(datetime.UTC)
    assert f"\n'AWS4-HMAC-SHA256-PAYLOAD\n{today:%Y%m%d}T" in text
    assert "/us-east-1/bedrock/aws4_request\n" in text


def test_request_must_declare_streaming_payload(emulator):
    path = bidi_path()
    body = b"".join(chunk(event) for event in sonic_session("hi"))
    response, data = emulator.request("POST", path, body, sign(emulator, "POST", path, body))
    assert (response.status, response.getheader("x-amzn-ErrorType")) == (
        403, "InvalidSignatureException")
    assert "STREAMING-AWS4-HMAC-SHA256-EVENTS" in json.loads(data)["message"]


@pytest.mark.parametrize("body, message", [
    (b"not an event stream", "The request body is not an event stream"),
    (encode_message([(":message-type", "string", "event"), (":event-type", "string", "audio")],
                    b"{}"), "Event 1 must be a chunk event"),
    (encode_message([(":message-type", "string", "event"), (":event-type", "string", "chunk")],
                    b'{"bytes": "%%%"}'), 'a chunk\'s payload must be JSON {"bytes"'),
])
def test_malformed_streams_are_refused(emulator, body, message):
    response, data = emulator.request("POST", bidi_path(), body, BEARER_HEADERS)
    assert (response.status, response.getheader("x-amzn-ErrorType")) == (
        400, "ValidationException")
    assert message in json.loads(data)["message"]


@pytest.mark.parametrize("bad, message", [
    (b"{not json", "Invalid input event 6: not JSON"),
    ({"event": {"textOutput": {}}}, "unknown event 'textOutput'"),
    ({"event": {"textInput": {"promptName": "p1", "contentName": "c9", "content": "x"}}},
     "content 'c9' of prompt 'p1' is not open"),
    ({"event": {"contentStart": {"promptName": "p1", "contentName": "c2", "type": "VIDEO",
                                 "role": "USER"}}}, "type must be one of TEXT, AUDIO, TOOL"),
    ({"event": {"promptEnd": {"promptName": "p2"}}}, "prompt 'p2' is not open"),
    ({"event": {"sessionStart": {}}, "extra": 1}, 'must be {"event": {"<name>": {...}}}'),
])
def test_invalid_input_event_ends_the_stream(emulator, bad, message):
    """The turns before the bad event are answered, then a validationException."""
    response, data = bearer_call(emulator, [*sonic_session("first")[:-2], bad])
    assert response.status == 200
    read = read_stream(data)
    assert [kind for kind, _ in read] == ["chunk"] * 5 + ["validationException"]
    assert message in read[-1][1]["message"]
    assert emulator.requests()[-1]["body"][-1] == (
        bad.decode() if isinstance(bad, bytes) else bad)


@pytest.mark.parametrize("events, message", [
    (sonic_session("hi")[1:], "Invalid input event 1: the first event must be sessionStart"),
    ([*sonic_session("hi"), {"event": {"sessionStart": {}}}], "sessionStart after sessionEnd"),
])
def test_session_bounds(emulator, events, message):
    response, data = bearer_call(emulator, events)
    kind, body = read_stream(data)[-1]
    assert kind == "validationException" and message in body["message"]


def test_faults_and_directives_apply(emulator):
    emulator.add_faults("stream_exception")
    response, data = signed_call(emulator, sonic_session("hi"))
    assert [kind for kind, _ in read_stream(data)] == ["chunk"] * 3 + [
        "modelStreamErrorException"]
    # A session with no user turn has no event to spoil: the fault still ends it with a broken frame.
    emulator.add_faults("stream_truncate")
    response, data = signed_call(emulator, sonic_session())
    assert response.status == 200 and data and not read_stream(data)
    response, data = signed_call(emulator, sonic_session("[[fault:throttle]] hi"))
    assert (response.status, response.getheader("x-amzn-ErrorType").split(":")[0]) == (
        429, "ThrottlingException")
