"""InvokeModelWithBidirectionalStream's request body: the client's events, unwrapped.

The body is an event stream, read whole (the client half-closes after its last event) and
decoded with botocore's parser, independent of the emulator's encoder. Signed with SigV4,
each event travels inside an envelope whose signature chains from the request's, and an
empty envelope ends the stream (``auth.signed_events``); with a bearer token the events
come bare. Each event is a ``chunk`` with the JSON payload ``{"bytes": "<base64>"}``, whose
bytes are the model's own input event (Nova Sonic's: ``formats/sonic.py``).
"""

import base64
import binascii
import json
import struct

from botocore.eventstream import EventStreamBuffer, ParserError

from . import auth
from .errors import validation_error


def input_chunks(body: bytes, signed: auth.SignedRequest | None) -> list[bytes]:
    """The decoded ``bytes`` of every chunk event the body carries. A body that is not a
    well-formed stream of chunks is a 400; a bad signature chain a 403."""
    try:
        messages = decode_messages(body)
    except ValueError as exc:
        raise validation_error(f"The request body is not an event stream: {exc}") from None
    if signed is not None:
        messages = [_unwrap(event, number)
                    for number, event in enumerate(auth.signed_events(messages, signed), 1)]
    return [_chunk_bytes(message, number) for number, message in enumerate(messages, 1)]


def decode_messages(data: bytes) -> list:
    """The messages of a whole event stream (botocore ``EventStreamMessage``s: ``headers``
    a dict in wire order, ``payload`` bytes); ValueError unless ``data`` is exactly a
    sequence of whole, intact messages."""
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    messages, consumed = [], 0
    try:
        for message in buffer:
            messages.append(message)
            consumed += message.prelude.total_length
    # botocore checks lengths and CRCs; a header block that is intact but malformed (an
    # unknown type, a length past its end) fails in its parser as KeyError or struct.error.
    except (ParserError, KeyError, IndexError, ValueError, struct.error) as exc:
        raise ValueError(f"message {len(messages) + 1} is malformed "
                         f"({type(exc).__name__}: {exc})") from None
    if consumed != len(data):
        raise ValueError(f"the {len(data) - consumed} bytes after message {len(messages)} "
                         "are not a whole message")
    return messages


def _unwrap(event: bytes, number: int):
    """An envelope's payload: exactly one encoded event."""
    try:
        messages = decode_messages(event)
    except ValueError as exc:
        raise validation_error(f"Event {number} does not hold an event: {exc}") from None
    if len(messages) != 1:
        raise validation_error(f"Event {number} holds {len(messages)} events, not one.")
    return messages[0]


def _chunk_bytes(message, number: int) -> bytes:
    headers = message.headers
    kind = (headers.get(":message-type"), headers.get(":event-type"))
    if kind != ("event", "chunk"):
        raise validation_error(f"Event {number} must be a chunk event (':message-type' event, "
                               f"':event-type' chunk), not {kind[0]!r} {kind[1]!r}.")
    try:
        data = json.loads(message.payload)["bytes"]
        return base64.b64decode(data, validate=True)
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise validation_error(f'Event {number}: a chunk\'s payload must be JSON '
                               '{"bytes": "<base64>"}.') from None
