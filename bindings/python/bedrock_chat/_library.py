"""Finds and loads libbedrock, and declares the C functions' signatures for ctypes."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
from typing import Any

EVENT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p)

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
    c_int, c_char_p, c_void_p = ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p
    c_void_pp = ctypes.POINTER(c_void_p)
    # (client, model_id, request, out, err), and its streaming form (..., on_event, user, err).
    model_call = [c_void_p, c_char_p, c_char_p, c_void_pp, c_void_pp]
    model_stream = [c_void_p, c_char_p, c_char_p, EVENT_FN, c_void_p, c_void_pp]
    # (multi, model_id, request, on_done, user, out, err), and with on_event before on_done.
    multi_model_call = [c_void_p, c_char_p, c_char_p, c_void_p, c_void_p, c_void_pp, c_void_pp]
    multi_model_stream = [c_void_p, c_char_p, c_char_p, c_void_p, c_void_p, c_void_p, c_void_pp, c_void_pp]
    signatures: dict[str, tuple[Any, list[Any]]] = {
        "bedrock_version": (c_char_p, []),
        "bedrock_version_number": (c_int, []),
        "bedrock_status_name": (c_char_p, [c_int]),
        "bedrock_status_string": (c_char_p, [c_int]),
        "bedrock_client_new": (c_int, [c_char_p, c_void_pp, c_void_pp]),
        "bedrock_client_free": (None, [c_void_p]),
        "bedrock_converse": (c_int, model_call),
        "bedrock_converse_stream": (c_int, model_stream),
        "bedrock_chat": (c_int, [c_void_p, c_char_p, c_void_pp, c_void_pp]),
        "bedrock_chat_count_tokens": (c_int, [c_void_p, c_char_p, c_void_pp, c_void_pp]),
        "bedrock_stream_open": (c_int, [c_void_p, c_char_p, c_void_pp, c_void_pp]),
        "bedrock_stream_next": (c_int, [c_void_p, c_void_pp, c_void_pp]),
        "bedrock_stream_cancel": (None, [c_void_p]),
        "bedrock_stream_free": (None, [c_void_p]),
        "bedrock_invoke_model": (c_int, model_call),
        "bedrock_invoke_model_bytes": (c_int, [c_void_p, c_char_p, c_char_p, ctypes.c_size_t, c_char_p, c_char_p,
                                               c_void_pp, ctypes.POINTER(ctypes.c_size_t), c_void_pp]),
        "bedrock_invoke_model_stream": (c_int, model_stream),
        "bedrock_count_tokens": (c_int, model_call),
        "bedrock_converse_stream_open": (c_int, model_call),
        "bedrock_invoke_model_stream_open": (c_int, model_call),
        "bedrock_operation": (c_int, model_call),
        "bedrock_operation_stream_open": (c_int, model_call),
        # The event-loop API, used in queue mode (NULL callbacks) by the asyncio side.
        "bedrock_multi_new": (c_int, [c_void_p, c_char_p, c_void_pp, c_void_pp]),
        "bedrock_multi_free": (None, [c_void_p]),
        "bedrock_multi_chat": (c_int, [c_void_p, c_char_p, c_void_p, c_void_p, c_void_pp, c_void_pp]),
        "bedrock_multi_chat_stream": (c_int, [c_void_p, c_char_p, c_void_p, c_void_p, c_void_p, c_void_pp, c_void_pp]),
        "bedrock_multi_converse": (c_int, multi_model_call),
        "bedrock_multi_converse_stream": (c_int, multi_model_stream),
        "bedrock_multi_invoke_model": (c_int, multi_model_call),
        "bedrock_multi_invoke_model_stream": (c_int, multi_model_stream),
        "bedrock_multi_count_tokens": (c_int, multi_model_call),
        "bedrock_multi_fd": (c_int, [c_void_p]),
        "bedrock_multi_timeout_ms": (ctypes.c_long, [c_void_p]),
        "bedrock_multi_perform": (c_int, [c_void_p, c_int, ctypes.POINTER(c_int), c_void_pp]),
        "bedrock_multi_read": (c_int, [c_void_p, c_void_pp, c_void_pp, c_void_pp]),
        "bedrock_multi_wakeup": (None, [c_void_p]),
        "bedrock_call_cancel": (None, [c_void_p]),
        "bedrock_call_free": (None, [c_void_p]),
        "bedrock_call_metrics": (c_int, [c_void_p, c_void_pp, c_void_pp]),
        "bedrock_client_set_log": (None, [c_void_p, c_int, LOG_FN, c_void_p]),
        "bedrock_client_warm": (c_int, [c_void_p, c_void_pp]),
        "bedrock_error_status": (c_int, [c_void_p]),
        "bedrock_error_message": (c_char_p, [c_void_p]),
        "bedrock_error_json": (c_char_p, [c_void_p]),
        "bedrock_error_free": (None, [c_void_p]),
        "bedrock_string_free": (None, [c_void_p]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes


lib, path = _load()
_declare(lib)


class OutString:
    """A ``char **out`` parameter, reusable across calls: pass ``ref``, then ``take()`` the text.

    The pointer is also seen through a ``c_char_p`` over the same memory, so reading the text
    is an attribute read: ``ctypes.string_at`` is a foreign call, and cost a streamed event
    several times more."""

    __slots__ = ("pointer", "ref", "_chars")

    def __init__(self) -> None:
        self.pointer = ctypes.c_void_p()
        self.ref = ctypes.byref(self.pointer)
        self._chars = ctypes.c_char_p.from_buffer(self.pointer)

    def take(self) -> str:
        """Copies the string the library stored, frees the library's copy and clears the
        pointer, so a second call (or a later free) is harmless; "" when none was stored."""
        address = self.pointer.value
        if not address:
            return ""
        try:
            return self._chars.value.decode("utf-8")  # type: ignore[union-attr]
        finally:
            self.pointer.value = None
            lib.bedrock_string_free(address)
