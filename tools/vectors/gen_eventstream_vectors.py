#!/usr/bin/env python3
"""Generate the event-stream test vectors in Tests/BedrockTests/Vectors/eventstream/.

The valid messages are encoded by the emulator's independent encoder
(tools/emulator/emulator/eventstream.py) and every one is decoded again with botocore's
``EventStreamBuffer``, which must agree with the expected JSON. The negative vectors are valid
frames with exactly one defect (CRCs recomputed wherever the defect is not the CRC), named in
the smithy-rs style for what is wrong; botocore must reject the checksum and length defects.
The script exits non-zero on any disagreement.

Files written (all deterministic, so a re-run changes nothing):
  manifest.json    the list of vectors; for each negative, the Swift EventStreamError case name
  <name>.bin       the bytes on the wire
  <name>.json      for valid vectors: {"messages": [{"headers": [{"name", "type", "value"}],
                   "payload_base64"}]}. Header values: bool -> true/false; byte, short, int, long,
                   timestamp (ms since the epoch) -> integer; bytes -> base64; string -> string;
                   uuid -> canonical 8-4-4-4-12 lowercase hex.

Usage: python3 tools/vectors/gen_eventstream_vectors.py [--check]
  --check  regenerate in memory and fail if the files on disk differ (for CI).
"""

import argparse
import base64
import hashlib
import json
import os
import random
import struct
import sys
import uuid
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "Tests", "BedrockTests", "Vectors", "eventstream")
sys.path.insert(0, os.path.join(ROOT, "tools", "emulator"))

from emulator.eventstream import encode_message  # noqa: E402

import botocore.eventstream as boto_es  # noqa: E402

PRELUDE_LENGTH = 12
TRAILER_LENGTH = 4
MIN_MESSAGE_LENGTH = PRELUDE_LENGTH + TRAILER_LENGTH
# The spec's caps (smithy amazon-eventstream): 24 MiB payload, 128 KiB headers. The Swift
# decoder's default message limit is their sum plus framing.
MAX_PAYLOAD_LENGTH = 24 * 1024 * 1024
MAX_HEADERS_LENGTH = 128 * 1024
MAX_MESSAGE_LENGTH = MAX_PAYLOAD_LENGTH + MAX_HEADERS_LENGTH + MIN_MESSAGE_LENGTH
LARGE_PAYLOAD_LENGTH = 256 * 1024


# ---------------------------------------------------------------------------------------------
# Helpers


def deterministic_bytes(length, label):
    """SHA-256 in counter mode: the same bytes on every machine and Python version."""
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{label}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:length])


def crc(data):
    return struct.pack(">I", zlib.crc32(data) & 0xFFFFFFFF)


def frame(total_length, headers_length, body, prelude_crc=None, message_crc=None):
    """A frame with the given prelude fields and body (headers + payload).

    Used only to build malformed frames, which the encoder refuses to produce. The CRCs are
    correct unless overridden.
    """
    prelude = struct.pack(">II", total_length, headers_length)
    prelude += prelude_crc if prelude_crc is not None else crc(prelude)
    message = prelude + body
    return message + (message_crc if message_crc is not None else crc(message))


def recompute_crcs(data):
    """Fixes both CRCs of a single frame after a byte inside it was changed."""
    data = bytearray(data)
    data[8:12] = crc(bytes(data[:8]))
    data[-4:] = crc(bytes(data[:-4]))
    return bytes(data)


def json_value(type_name, value):
    if type_name == "bytes":
        return base64.b64encode(value).decode("ascii")
    if type_name == "uuid":
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(bytes=bytes(value)))
    return value


def expected_message(headers, payload):
    return {
        "headers": [{"name": n, "type": t, "value": json_value(t, v)} for (n, t, v) in headers],
        "payload_base64": base64.b64encode(payload).decode("ascii"),
    }


def botocore_value(header):
    """The value botocore's decoder yields for an expected-JSON header."""
    t, v = header["type"], header["value"]
    if t == "bytes":
        return base64.b64decode(v)
    if t == "uuid":
        return uuid.UUID(v).bytes
    return v


def botocore_decode(data, split_seed=None):
    """Decodes with botocore, in random chunks when split_seed is given. Returns (messages,
    leftover byte count)."""
    buf = boto_es.EventStreamBuffer()
    messages = []
    if split_seed is None:
        chunks = [data]
    else:
        rng = random.Random(split_seed)
        chunks, i = [], 0
        while i < len(data):
            n = rng.randint(1, 64 if len(data) < 8192 else 8192)
            chunks.append(data[i : i + n])
            i += n
    for chunk in chunks:
        buf.add_data(chunk)
        messages.extend(buf)
    return messages, len(buf._data)  # botocore has no public accessor for the remainder


# ---------------------------------------------------------------------------------------------
# Valid vectors

UUID_A = uuid.UUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
UUID_B = uuid.UUID("ffffffff-ffff-ffff-ffff-ffffffffffff")


def event_headers(event_type, content_type="application/json"):
    return [
        (":event-type", "string", event_type),
        (":content-type", "string", content_type),
        (":message-type", "string", "event"),
    ]


def converse_stream_messages():
    """A realistic ConverseStream response: the events Bedrock sends for a short text answer,
    each payload padded with the "p" field the service adds."""
    events = [
        ("messageStart", {"p": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN", "role": "assistant"}),
        ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Voici"}, "p": "abcdef"}),
        ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": " la traduction"}, "p": "abcdefghijklmnopq"}),
        ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": " : « Bonjour le monde » 🌍"}, "p": "ab"}),
        ("contentBlockStop", {"contentBlockIndex": 0, "p": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"}),
        ("messageStop", {"p": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0", "stopReason": "end_turn"}),
        ("metadata", {"metrics": {"latencyMs": 412}, "p": "abcdefghijklmnopqrstuvwxyzABCDEFGHI",
                      "usage": {"inputTokens": 29, "outputTokens": 21, "totalTokens": 50}}),
    ]
    return [(event_headers(name), json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
            for name, body in events]


def converse_tool_use_messages():
    """ConverseStream with a tool call whose arguments arrive in pieces."""
    events = [
        ("messageStart", {"p": "abcdefghij", "role": "assistant"}),
        ("contentBlockStart", {"contentBlockIndex": 0, "p": "abcd",
                               "start": {"toolUse": {"name": "get_weather", "toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"}}}),
        ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolUse": {"input": "{\"city\": \"Pa"}}, "p": "abc"}),
        ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolUse": {"input": "ris\"}"}}, "p": "abcdefgh"}),
        ("contentBlockStop", {"contentBlockIndex": 0, "p": "abcdefghijklmnop"}),
        ("messageStop", {"p": "abcdefghijklmnopqrstuvwxyz", "stopReason": "tool_use"}),
        ("metadata", {"metrics": {"latencyMs": 980}, "p": "abcdefg",
                      "usage": {"inputTokens": 310, "outputTokens": 52, "totalTokens": 362}}),
    ]
    return [(event_headers(name), json.dumps(body, separators=(",", ":")).encode()) for name, body in events]


def invoke_stream_messages():
    """InvokeModelWithResponseStream: `chunk` events whose payload wraps the provider's JSON
    chunk in base64."""
    chunks = [
        {"type": "message_start", "message": {"id": "msg_bdrk_01", "role": "assistant", "content": [],
                                              "model": "claude-3-sonnet", "usage": {"input_tokens": 29, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": " world"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 21}},
        {"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 29, "outputTokenCount": 21,
                                                                      "invocationLatency": 640, "firstByteLatency": 310}},
    ]
    messages = []
    for i, chunk in enumerate(chunks):
        inner = json.dumps(chunk, separators=(",", ":")).encode()
        body = {"bytes": base64.b64encode(inner).decode("ascii"), "p": "abcdefghijklmnopqrstuvwxyz"[: 3 + i * 3]}
        messages.append((event_headers("chunk"), json.dumps(body, separators=(",", ":")).encode()))
    return messages


def converse_exception_messages():
    """A stream that fails part-way: two events, then a modeled exception event."""
    events = converse_stream_messages()[:2]
    exception = ([(":exception-type", "string", "throttlingException"),
                  (":content-type", "string", "application/json"),
                  (":message-type", "string", "exception")],
                 b'{"message":"Too many requests, please wait before trying again."}')
    return events + [exception]


def valid_vectors():
    """(name, description, [(headers, payload), ...])."""
    all_types = [
        ("bool-true", "bool", True),
        ("bool-false", "bool", False),
        ("byte", "byte", -7),
        ("short", "short", 12345),
        ("int", "int", -123456789),
        ("long", "long", 1234567890123456789),
        ("bytes", "bytes", bytes(range(0, 256, 17))),
        ("string", "string", "hello"),
        ("timestamp", "timestamp", 1732525200123),
        ("uuid", "uuid", UUID_A),
    ]
    limits = [
        ("byte-min", "byte", -128), ("byte-max", "byte", 127),
        ("short-min", "short", -32768), ("short-max", "short", 32767),
        ("int-min", "int", -2**31), ("int-max", "int", 2**31 - 1),
        ("long-min", "long", -2**63), ("long-max", "long", 2**63 - 1),
        ("timestamp-negative", "timestamp", -1), ("timestamp-zero", "timestamp", 0),
        ("uuid-max", "uuid", UUID_B),
        ("bytes-empty", "bytes", b""), ("string-empty", "string", ""),
        ("bytes-max", "bytes", deterministic_bytes(32767, "bytes-max")),
    ]
    unicode_headers = [
        (":event-type", "string", "contentBlockDelta"),
        ("greeting", "string", "héllo wörld — こんにちは 世界 🎉👩‍👩‍👧"),
        ("ключ-名前-🔑", "string", "value with NUL \u0000 inside"),
        ("rtl", "string", "שלום مرحبا"),
    ]
    return [
        ("all_header_types", "one header of each of the ten wire types (0..9), with a payload",
         [(all_types, b'{"hello":"world"}')]),
        ("header_value_limits", "integer minima and maxima, negative timestamp, empty and 32767-byte values",
         [(limits, b"limits")]),
        ("empty_payload", "headers and a zero-length payload",
         [(event_headers("contentBlockStop"), b"")]),
        ("no_headers", "a payload and a zero-length headers section",
         [([], b'{"message":"no headers here"}')]),
        ("empty_message", "the minimal 16-byte message: no headers, no payload",
         [([], b"")]),
        ("unicode_headers", "non-ASCII header names and values, including an embedded NUL",
         [(unicode_headers, "payload: ünïcödé ✓".encode())]),
        ("long_header_name", "a header name of the maximum 255 bytes",
         [([("n" * 255, "string", "max name"), ("é" * 127 + "x", "bool", True)], b"")]),
        ("binary_payload", "a payload of all 256 byte values",
         [(event_headers("chunk", "application/octet-stream"), bytes(range(256)))]),
        ("large_payload", f"a deterministic {LARGE_PAYLOAD_LENGTH}-byte payload",
         [(event_headers("chunk", "application/octet-stream"),
           deterministic_bytes(LARGE_PAYLOAD_LENGTH, "large_payload"))]),
        ("stream-converse", "a ConverseStream text answer: messageStart, deltas, stop, metadata",
         converse_stream_messages()),
        ("stream-converse-tool-use", "a ConverseStream tool call with arguments split across deltas",
         converse_tool_use_messages()),
        ("stream-invoke-chunks", "InvokeModelWithResponseStream chunk events (Anthropic messages API)",
         invoke_stream_messages()),
        ("stream-converse-exception", "two events, then a throttlingException exception event",
         converse_exception_messages()),
    ]


# ---------------------------------------------------------------------------------------------
# Negative vectors


def single(headers, payload):
    return encode_message(headers, payload)


def negative_vectors():
    """(name, description, bytes, swift error case, messages before the error, botocore outcome).

    The botocore outcome is the exception class name botocore must raise, "incomplete" when it
    must yield nothing and keep the bytes waiting for more, or "accepts" where botocore is more
    lenient than the spec (documented, not required).
    """
    base_headers = [(":event-type", "string", "chunk"), (":message-type", "string", "event")]
    base_payload = b'{"bytes":"eyJ0eXBlIjoicGluZyJ9"}'
    base = single(base_headers, base_payload)
    first_valid = single(event_headers("messageStart"), b'{"role":"assistant"}')
    vectors = []

    # Prelude checksum: flip one bit of the stored prelude CRC.
    bad = bytearray(base)
    bad[8] ^= 0x01
    vectors.append(("invalid_prelude_checksum", "prelude CRC has one bit flipped",
                    bytes(bad), "preludeChecksumMismatch", 0, "ChecksumMismatch"))
    # The same after a valid message: the first message is delivered, then the error.
    vectors.append(("invalid_prelude_checksum_after_valid", "a valid message, then a frame whose prelude CRC is wrong",
                    first_valid + bytes(bad), "preludeChecksumMismatch", 1, "ChecksumMismatch"))
    # A corrupted length with the old prelude CRC: the CRC must be checked before the length is used.
    bad = bytearray(base)
    bad[0:4] = struct.pack(">I", 0x7FFFFFFF)
    vectors.append(("invalid_prelude_checksum_huge_length", "total length corrupted to 0x7fffffff, prelude CRC not updated",
                    bytes(bad), "preludeChecksumMismatch", 0, "ChecksumMismatch"))

    # Message checksum: flip one payload bit, or the stored CRC.
    bad = bytearray(base)
    bad[-6] ^= 0x20
    vectors.append(("invalid_message_checksum", "one payload bit flipped, message CRC not updated",
                    bytes(bad), "messageChecksumMismatch", 0, "ChecksumMismatch"))
    bad = bytearray(base)
    bad[-1] ^= 0x80
    vectors.append(("invalid_message_checksum_trailer", "the stored message CRC has one bit flipped",
                    bytes(bad), "messageChecksumMismatch", 0, "ChecksumMismatch"))
    bad = bytearray(base)
    bad[PRELUDE_LENGTH + 3] ^= 0x01
    vectors.append(("invalid_message_checksum_in_headers", "one header-name bit flipped, message CRC not updated",
                    bytes(bad), "messageChecksumMismatch", 0, "ChecksumMismatch"))

    # Total length smaller than an empty message (16), with a valid prelude CRC.
    vectors.append(("invalid_total_length_too_small", "total length 15, one less than an empty message",
                    frame(15, 0, b""), "invalidTotalLength", 0, "reject"))
    vectors.append(("invalid_total_length_zero", "total length 0",
                    frame(0, 0, b""), "invalidTotalLength", 0, "reject"))
    # Total length over the limit: a prelude alone, claiming a payload over 24 MiB.
    too_big = MAX_MESSAGE_LENGTH + 1
    vectors.append(("invalid_total_length_too_big",
                    f"total length {too_big}: payload over the 24 MiB cap (only the prelude is sent)",
                    frame(too_big, 0, b"")[:PRELUDE_LENGTH], "messageTooLarge", 0, "InvalidPayloadLength"))
    vectors.append(("invalid_total_length_max", "total length 0xffffffff (only the prelude is sent)",
                    frame(0xFFFFFFFF, 0, b"")[:PRELUDE_LENGTH], "messageTooLarge", 0, "InvalidPayloadLength"))

    # Headers length bigger than the message allows (total - 16), CRCs valid.
    body = base_payload
    total = MIN_MESSAGE_LENGTH + len(body)
    vectors.append(("invalid_headers_length", f"headers length {len(body) + 1} in a message with room for {len(body)}",
                    frame(total, len(body) + 1, body), "invalidHeadersLength", 0, "reject"))
    vectors.append(("invalid_headers_length_max", "headers length 0xffffffff",
                    frame(total, 0xFFFFFFFF, body), "invalidHeadersLength", 0, "InvalidHeadersLength"))
    # Headers length over the 128 KiB cap (but inside the message): prelude alone.
    hl = MAX_HEADERS_LENGTH + 1
    vectors.append(("headers_too_large", f"headers length {hl}, over the 128 KiB cap (only the prelude is sent)",
                    frame(MIN_MESSAGE_LENGTH + hl, hl, b"")[:PRELUDE_LENGTH], "headersTooLarge", 0,
                    "InvalidHeadersLength"))

    # Header-level defects; CRCs recomputed so only the named thing is wrong.
    # Layout of base's first header: [12] name length 11, [13:24] ":event-type", [24] type 7,
    # [25:27] value length 5, [27:32] "chunk".
    assert base[12] == 11 and base[13:24] == b":event-type" and base[24] == 7 and base[27:32] == b"chunk"
    headers_len = struct.unpack(">I", base[4:8])[0]

    bad = bytearray(base)
    bad[24] = 10
    vectors.append(("invalid_header_value_type", "header type 10 (types are 0..9)",
                    recompute_crcs(bad), "unknownHeaderType", 0, "KeyError"))
    bad = bytearray(base)
    bad[24] = 0xFF
    vectors.append(("invalid_header_value_type_255", "header type 255",
                    recompute_crcs(bad), "unknownHeaderType", 0, "KeyError"))

    # The string's length runs past the end of the headers section (into the payload).
    bad = bytearray(base)
    bad[25:27] = struct.pack(">H", headers_len)
    vectors.append(("header_value_overrun", "a string header's length runs past the end of the headers section",
                    recompute_crcs(bad), "headerValueOverrun", 0, "accepts"))
    # Same with a byte_array header at the end of the section, its length prefix intact.
    blob = single([("blob", "bytes", b"\x01\x02\x03")], b"payload")
    assert blob[12:20] == b"\x04blob\x06\x00\x03"  # name length, name, type 6, value length 3
    bad = bytearray(blob)
    bad[18:20] = struct.pack(">H", 0x7FFF)
    vectors.append(("header_value_overrun_bytes", "a byte_array header's length (32767) runs past the headers section",
                    recompute_crcs(bad), "headerValueOverrun", 0, "accepts"))
    # An int32 header whose 4 value bytes are cut by the end of the section.
    cut = single([("n", "int", 1)], b"")
    body = cut[PRELUDE_LENGTH:-TRAILER_LENGTH][:-2]  # drop the last two value bytes
    vectors.append(("header_value_overrun_int", "an int header whose value is cut off by the end of the headers section",
                    frame(MIN_MESSAGE_LENGTH + len(body), len(body), body), "headerValueOverrun", 0, "reject"))
    # The name length runs past the end of the section.
    body = b"\x20abc"
    vectors.append(("header_name_overrun", "a header name length (32) runs past the end of the headers section",
                    frame(MIN_MESSAGE_LENGTH + len(body), len(body), body), "headerValueOverrun", 0, "reject"))

    # Name length 0, then type 0 (bool true): well formed apart from the empty name.
    body = b"\x00\x00" + base_payload
    vectors.append(("invalid_header_name_length", "a header name of length 0 (names are 1..255 bytes)",
                    frame(MIN_MESSAGE_LENGTH + len(body), 2, body), "invalidHeaderNameLength", 0, "accepts"))

    body = b"\x03\xff\xfe\xfd\x00" + base_payload
    vectors.append(("invalid_header_name_utf8", "a header name that is not UTF-8",
                    frame(MIN_MESSAGE_LENGTH + len(body), 5, body), "invalidHeaderName", 0, "UnicodeDecodeError"))

    bad = bytearray(base)
    bad[27:32] = b"ch\xc3\x28k"  # invalid 2-byte sequence
    vectors.append(("invalid_utf8_header_string", "a string header value that is not UTF-8",
                    recompute_crcs(bad), "invalidUTF8Header", 0, "UnicodeDecodeError"))

    # Truncation: the stream ends inside a frame.
    vectors.append(("truncated", "a message cut 5 bytes short of its end",
                    base[:-5], "truncated", 0, "incomplete"))
    vectors.append(("truncated_prelude", "the stream ends after 7 bytes of a prelude",
                    base[:7], "truncated", 0, "incomplete"))
    stream = b"".join(encode_message(h, p) for h, p in converse_stream_messages())
    second_end = len(encode_message(*converse_stream_messages()[0])) + len(encode_message(*converse_stream_messages()[1]))
    vectors.append(("truncated_stream", "a ConverseStream cut in the middle of its third message",
                    stream[: second_end + 30], "truncated", 2, "incomplete"))
    return vectors


# ---------------------------------------------------------------------------------------------
# Cross-checks against botocore


class Disagreement(Exception):
    pass


def same(a, b):
    return type(a) is type(b) and a == b


def check_valid_with_botocore(name, data, expected):
    for seed in (None, 1, 2):
        if seed is not None and len(data) > 1 << 20:
            continue
        messages, leftover = botocore_decode(data, seed)
        if leftover:
            raise Disagreement(f"{name}: botocore left {leftover} bytes undecoded")
        if len(messages) != len(expected["messages"]):
            raise Disagreement(f"{name}: botocore decoded {len(messages)} messages, expected {len(expected['messages'])}")
        for i, (got, want) in enumerate(zip(messages, expected["messages"])):
            want_headers = {h["name"]: botocore_value(h) for h in want["headers"]}
            if len(want_headers) != len(want["headers"]):
                raise Disagreement(f"{name}[{i}]: duplicate header names in the vector")
            if set(got.headers) != set(want_headers) or not all(same(got.headers[k], v) for k, v in want_headers.items()):
                raise Disagreement(f"{name}[{i}]: botocore headers {got.headers!r} != expected {want_headers!r}")
            if got.payload != base64.b64decode(want["payload_base64"]):
                raise Disagreement(f"{name}[{i}]: botocore payload differs")


def check_negative_with_botocore(name, data, before, outcome):
    buf = boto_es.EventStreamBuffer()
    buf.add_data(data)
    decoded = 0
    try:
        for _ in buf:
            decoded += 1
    except Exception as error:  # noqa: BLE001 - we compare the class name
        module = type(error).__module__
        raised = type(error).__name__
        if module not in ("builtins", boto_es.__name__):
            raised = f"{module}.{raised}"
        if outcome == "accepts" or outcome == "incomplete":
            raise Disagreement(f"{name}: botocore raised {raised}, expected it to {outcome}") from error
        if outcome != "reject" and raised != outcome:
            raise Disagreement(f"{name}: botocore raised {raised}, expected {outcome}") from error
        if decoded != before:
            raise Disagreement(f"{name}: botocore decoded {decoded} messages before failing, expected {before}")
        return raised
    if outcome == "incomplete":
        if decoded != before or not buf._data:
            raise Disagreement(f"{name}: botocore decoded {decoded} messages and kept {len(buf._data)} bytes")
        return "incomplete"
    if outcome == "accepts":
        return "accepts"
    raise Disagreement(f"{name}: botocore accepted a frame it should reject ({outcome})")


# ---------------------------------------------------------------------------------------------
# Main


def build():
    """Returns {filename: bytes} for every file in the vector directory."""
    files = {}
    manifest = {
        "description": "Event-stream vectors generated by tools/vectors/gen_eventstream_vectors.py "
                       "(encoder: tools/emulator/emulator/eventstream.py; cross-checked with botocore "
                       "EventStreamBuffer). Do not edit by hand.",
        "valid": [],
        "invalid": [],
    }
    for name, description, messages in valid_vectors():
        data = b"".join(encode_message(h, p) for h, p in messages)
        expected = {"messages": [expected_message(h, p) for h, p in messages]}
        check_valid_with_botocore(name, data, expected)
        files[f"{name}.bin"] = data
        files[f"{name}.json"] = (json.dumps(expected, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
        manifest["valid"].append({"name": name, "bin": f"{name}.bin", "json": f"{name}.json",
                                  "messages": len(messages), "description": description})

    for name, description, data, error, before, outcome in negative_vectors():
        botocore = check_negative_with_botocore(name, data, before, outcome)
        files[f"{name}.bin"] = data
        manifest["invalid"].append({"name": name, "bin": f"{name}.bin", "error": error,
                                    "messages_before_error": before, "botocore": botocore,
                                    "description": description})

    files["manifest.json"] = (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the files on disk differ")
    args = parser.parse_args()
    try:
        files = build()
    except Disagreement as error:
        print(f"gen_eventstream_vectors: DISAGREEMENT: {error}", file=sys.stderr)
        return 1

    total = sum(len(b) for b in files.values())
    if args.check:
        stale = [n for n, b in files.items()
                 if not os.path.exists(os.path.join(OUT_DIR, n)) or open(os.path.join(OUT_DIR, n), "rb").read() != b]
        extra = sorted(set(os.listdir(OUT_DIR)) - set(files)) if os.path.isdir(OUT_DIR) else []
        if stale or extra:
            print(f"gen_eventstream_vectors: out of date: {stale + extra}", file=sys.stderr)
            return 1
        print(f"gen_eventstream_vectors: {len(files)} files up to date ({total} bytes)")
        return 0

    os.makedirs(OUT_DIR, exist_ok=True)
    for old in os.listdir(OUT_DIR):
        if old.endswith((".bin", ".json")) and old not in files:
            os.remove(os.path.join(OUT_DIR, old))
    for name, data in sorted(files.items()):
        with open(os.path.join(OUT_DIR, name), "wb") as f:
            f.write(data)
    print(f"gen_eventstream_vectors: wrote {len(files)} files ({total} bytes) to {os.path.relpath(OUT_DIR, ROOT)}; "
          "botocore agrees with every vector")
    return 0


if __name__ == "__main__":
    sys.exit(main())
