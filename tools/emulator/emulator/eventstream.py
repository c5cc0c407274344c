"""Encoder for AWS event-stream messages (``application/vnd.amazon.eventstream``).

Wire format of one message (all integers big-endian)::

    total length (u32) | headers length (u32) | prelude CRC32 (u32)
    headers | payload | message CRC32 (u32, over every byte before it)

Each header is ``name length (u8) | name (UTF-8) | type (u8) | value``; see
``encode_message`` for the value encodings.
"""

import datetime
import struct
import uuid
import zlib

MAX_HEADERS_LENGTH = 128 * 1024
MAX_HEADER_VALUE_LENGTH = 32767
_PRELUDE_LENGTH = 12
_CRC_LENGTH = 4

# Fixed-width integer types: name -> (type code, struct format).
_INTEGER_TYPES = {
    "byte": (2, ">b"),
    "short": (3, ">h"),
    "int": (4, ">i"),
    "long": (5, ">q"),
    "timestamp": (8, ">q"),
}
_BYTES_TYPES = {"bytes": 6, "string": 7}
_UUID_TYPE = 9


def encode_message(headers, payload: bytes) -> bytes:
    """Encode one event-stream message.

    ``headers`` is a list of ``(name, type, value)`` tuples, ``type`` being one of:
    ``bool`` (True/False, codes 0/1), ``byte``, ``short``, ``int``, ``long`` (signed
    8/16/32/64-bit ints), ``bytes`` (bytes), ``string`` (str), ``timestamp`` (int
    milliseconds since the epoch, or an aware ``datetime``), ``uuid`` (``uuid.UUID``
    or 16 bytes). Raises ``ValueError`` on a value that cannot be encoded.
    """
    return encode_with_headers(encode_headers(headers), payload)


def encode_headers(headers) -> bytes:
    """The header block of a message (see ``encode_message``), for ``encode_with_headers``:
    a stream whose messages share their headers encodes them once."""
    encoded_headers = b"".join(_encode_header(*header) for header in headers)
    if len(encoded_headers) > MAX_HEADERS_LENGTH:
        raise ValueError(f"headers are {len(encoded_headers)} bytes, max {MAX_HEADERS_LENGTH}")
    return encoded_headers


def encode_with_headers(encoded_headers: bytes, payload: bytes) -> bytes:
    """One message from a header block made by ``encode_headers`` and a payload."""
    payload = bytes(payload)
    total_length = _PRELUDE_LENGTH + len(encoded_headers) + len(payload) + _CRC_LENGTH
    if total_length > 0xFFFFFFFF:
        raise ValueError("message too large")
    lengths = struct.pack(">II", total_length, len(encoded_headers))
    message = b"".join((lengths, _crc32(lengths), encoded_headers, payload))
    return message + _crc32(message)


def _crc32(data: bytes) -> bytes:
    return struct.pack(">I", zlib.crc32(data) & 0xFFFFFFFF)


def _encode_header(name: str, type_name: str, value) -> bytes:
    name_bytes = name.encode("utf-8")
    if not 1 <= len(name_bytes) <= 255:
        raise ValueError(f"header name {name!r} must be 1..255 bytes")
    return struct.pack(">B", len(name_bytes)) + name_bytes + _encode_value(name, type_name, value)


def _encode_value(name: str, type_name: str, value) -> bytes:
    if type_name == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"header {name!r}: bool value must be True or False")
        return b"\x00" if value else b"\x01"
    if type_name in _INTEGER_TYPES:
        code, fmt = _INTEGER_TYPES[type_name]
        if type_name == "timestamp" and isinstance(value, datetime.datetime):
            value = _datetime_to_ms(name, value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"header {name!r}: {type_name} value must be an int")
        try:
            return struct.pack(">B", code) + struct.pack(fmt, value)
        except struct.error:
            raise ValueError(f"header {name!r}: {value} out of range for {type_name}") from None
    if type_name in _BYTES_TYPES:
        expected = str if type_name == "string" else (bytes, bytearray)
        if not isinstance(value, expected):
            raise ValueError(f"header {name!r}: {type_name} value has wrong type")
        raw = value.encode("utf-8") if type_name == "string" else bytes(value)
        if len(raw) > MAX_HEADER_VALUE_LENGTH:
            raise ValueError(f"header {name!r}: value longer than {MAX_HEADER_VALUE_LENGTH} bytes")
        return struct.pack(">BH", _BYTES_TYPES[type_name], len(raw)) + raw
    if type_name == "uuid":
        raw = value.bytes if isinstance(value, uuid.UUID) else value
        if not isinstance(raw, (bytes, bytearray)) or len(raw) != 16:
            raise ValueError(f"header {name!r}: uuid value must be a UUID or 16 bytes")
        return struct.pack(">B", _UUID_TYPE) + bytes(raw)
    raise ValueError(f"header {name!r}: unknown header type {type_name!r}")


def _datetime_to_ms(name: str, value: datetime.datetime) -> int:
    if value.tzinfo is None:
        raise ValueError(f"header {name!r}: timestamp datetime must be timezone-aware")
    delta = value - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return delta // datetime.timedelta(milliseconds=1)
