"""The event-stream encoder, cross-checked against botocore's decoder."""

import datetime
import random
import uuid

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from emulator.eventstream import encode_message


def decode_all(data: bytes, piece: int | None = None):
    buffer = EventStreamBuffer()
    messages = []
    step = piece or len(data) or 1
    for start in range(0, len(data), step):
        buffer.add_data(data[start:start + step])
        messages.extend(buffer)
    return messages


def test_empty_message_matches_known_vector():
    assert encode_message([], b"").hex() == "000000100000000005c248eb7d98c8ff"


def test_all_header_types_round_trip():
    when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=datetime.UTC)
    an_id = uuid.UUID("0123456789abcdef0123456789abcdef")
    headers = [
        ("true", "bool", True), ("false", "bool", False),
        ("byte", "byte", -128), ("short", "short", 32767), ("int", "int", -2**31),
        ("long", "long", 2**63 - 1), ("bytes", "bytes", b"\x00\xff binary"),
        ("string", "string", "héllo ☃"), ("timestamp", "timestamp", 1_700_000_000_123),
        ("datetime", "timestamp", when), ("uuid", "uuid", an_id), ("uuid-bytes", "uuid", bytes(16)),
    ]
    [message] = decode_all(encode_message(headers, b'{"a":1}'))
    assert message.payload == b'{"a":1}'
    assert message.headers == {
        "true": True, "false": False, "byte": -128, "short": 32767, "int": -2**31,
        "long": 2**63 - 1, "bytes": b"\x00\xff binary", "string": "héllo ☃",
        "timestamp": 1_700_000_000_123, "datetime": int(when.timestamp() * 1000),
        "uuid": an_id.bytes, "uuid-bytes": bytes(16),
    }


def _random_header(rng: random.Random, index: int):
    kind = rng.choice(["bool", "byte", "short", "int", "long", "bytes", "string",
                       "timestamp", "uuid"])
    ranges = {"byte": 7, "short": 15, "int": 31, "long": 63, "timestamp": 63}
    if kind == "bool":
        value = rng.random() < 0.5
    elif kind in ranges:
        value = rng.randint(-2**ranges[kind], 2**ranges[kind] - 1)
    elif kind == "bytes":
        value = rng.randbytes(rng.randint(0, 300))
    elif kind == "string":
        value = "".join(rng.choice("abcé☃ \n") for _ in range(rng.randint(0, 100)))
    else:
        value = rng.randbytes(16)
    return (f"h{index}-{kind}", kind, value)


@pytest.mark.parametrize("seed", range(20))
def test_random_messages_round_trip_in_pieces(seed):
    rng = random.Random(seed)
    originals = []
    for _ in range(rng.randint(1, 5)):
        headers = [_random_header(rng, i) for i in range(rng.randint(0, 12))]
        originals.append((headers, rng.randbytes(rng.choice([0, 1, 100, 5000]))))
    stream = b"".join(encode_message(h, p) for h, p in originals)
    decoded = decode_all(stream, piece=rng.randint(1, 64))
    assert len(decoded) == len(originals)
    for message, (headers, payload) in zip(decoded, originals, strict=True):
        assert message.payload == payload
        assert message.headers == {name: value for name, _, value in headers}


def test_message_crc_covers_payload():
    data = bytearray(encode_message([(":event-type", "string", "x")], b"payload"))
    data[-6] ^= 0x01
    with pytest.raises(ChecksumMismatch):
        decode_all(bytes(data))


@pytest.mark.parametrize("header", [
    ("b", "byte", 128), ("s", "short", -32769), ("i", "int", 2**31), ("l", "long", 2**63),
    ("x", "bool", 1), ("x", "int", True), ("x", "int", "1"), ("x", "string", b"bytes"),
    ("x", "bytes", "text"), ("x", "uuid", b"short"), ("x", "float", 1.0),
    ("", "string", "empty name"), ("n" * 256, "string", "long name"),
    ("x", "string", "v" * 32768),
    ("x", "timestamp", datetime.datetime(2024, 1, 1)),
])
def test_invalid_headers_are_rejected(header):
    with pytest.raises(ValueError):
        encode_message([header], b"")
