"""Finds and loads libbedrock, and declares the C functions' signatures for ctypes."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

EVENT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)

_LIBRARY_NAME = "libbedrock.so"


def _candidates() -> list[Path]:
    """Where to look, most specific first: BEDROCK_LIBRARY, beside this package (an installed
    wheel bundles it there), then a source checkout's SwiftPM build folders."""
    found = []
    explicit = os.environ.get("BEDROCK_LIBRARY")
    if explicit:
        found.append(Path(explicit))
    here = Path(__file__).resolve().parent
    found.append(here / _LIBRARY_NAME)
    # bindings/python/bedrock_chat -> the checkout's root, when this is a source checkout.
    if len(here.parents) > 2 and (here.parents[2] / "Package.swift").is_file():
        repo = here.parents[2]
        for configuration in ("release", "debug"):
            found.append(repo / ".build" / configuration / _LIBRARY_NAME)
    return found


def _load() -> tuple[ctypes.CDLL, Path]:
    tried = _candidates()
    for path in tried:
        if path.is_file():
            return ctypes.CDLL(str(path)), path
    raise OSError(
        "libbedrock.so not found; install the package with pip (which bundles it), build it with "
        "`swift build`, or set BEDROCK_LIBRARY. Looked in: " + ", ".join(str(p) for p in tried)
    )


def _declare(lib: ctypes.CDLL) -> None:
    # Returned strings that the caller must free are c_void_p: c_char_p would copy and leak.
    # Borrowed strings (static, or owned by an error object) are c_char_p.
    P = ctypes.POINTER
    c_void_pp = P(ctypes.c_void_p)
    lib.bedrock_version.restype = ctypes.c_char_p
    lib.bedrock_version.argtypes = []
    lib.bedrock_version_number.restype = ctypes.c_int
    lib.bedrock_version_number.argtypes = []
    lib.bedrock_status_name.restype = ctypes.c_char_p
    lib.bedrock_status_name.argtypes = [ctypes.c_int]
    lib.bedrock_status_string.restype = ctypes.c_char_p
    lib.bedrock_status_string.argtypes = [ctypes.c_int]
    lib.bedrock_client_new.restype = ctypes.c_int
    lib.bedrock_client_new.argtypes = [ctypes.c_char_p, c_void_pp, c_void_pp]
    lib.bedrock_client_free.restype = None
    lib.bedrock_client_free.argtypes = [ctypes.c_void_p]
    lib.bedrock_converse.restype = ctypes.c_int
    lib.bedrock_converse.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, c_void_pp, c_void_pp]
    lib.bedrock_converse_stream.restype = ctypes.c_int
    lib.bedrock_converse_stream.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, EVENT_FN, ctypes.c_void_p, c_void_pp,
    ]
    lib.bedrock_chat.restype = ctypes.c_int
    lib.bedrock_chat.argtypes = [ctypes.c_void_p, ctypes.c_char_p, c_void_pp, c_void_pp]
    lib.bedrock_stream_open.restype = ctypes.c_int
    lib.bedrock_stream_open.argtypes = [ctypes.c_void_p, ctypes.c_char_p, c_void_pp, c_void_pp]
    lib.bedrock_stream_next.restype = ctypes.c_int
    lib.bedrock_stream_next.argtypes = [ctypes.c_void_p, c_void_pp, c_void_pp]
    lib.bedrock_stream_cancel.restype = None
    lib.bedrock_stream_cancel.argtypes = [ctypes.c_void_p]
    lib.bedrock_stream_free.restype = None
    lib.bedrock_stream_free.argtypes = [ctypes.c_void_p]
    lib.bedrock_invoke_model.restype = ctypes.c_int
    lib.bedrock_invoke_model.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, c_void_pp, c_void_pp]
    lib.bedrock_invoke_model_stream.restype = ctypes.c_int
    lib.bedrock_invoke_model_stream.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, EVENT_FN, ctypes.c_void_p, c_void_pp,
    ]
    lib.bedrock_count_tokens.restype = ctypes.c_int
    lib.bedrock_count_tokens.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, c_void_pp, c_void_pp]
    lib.bedrock_error_status.restype = ctypes.c_int
    lib.bedrock_error_status.argtypes = [ctypes.c_void_p]
    lib.bedrock_error_message.restype = ctypes.c_char_p
    lib.bedrock_error_message.argtypes = [ctypes.c_void_p]
    lib.bedrock_error_json.restype = ctypes.c_char_p
    lib.bedrock_error_json.argtypes = [ctypes.c_void_p]
    lib.bedrock_error_free.restype = None
    lib.bedrock_error_free.argtypes = [ctypes.c_void_p]
    lib.bedrock_string_free.restype = None
    lib.bedrock_string_free.argtypes = [ctypes.c_void_p]


lib, path = _load()
_declare(lib)


def take_string(pointer: ctypes.c_void_p) -> str:
    """Copies a string the library returned, then frees the library's copy and clears the
    pointer, so a second call (or a later free) is harmless."""
    address = pointer.value
    if not address:
        return ""
    pointer.value = None
    try:
        return ctypes.string_at(address).decode("utf-8")
    finally:
        lib.bedrock_string_free(address)
