"""The Bedrock client: raw Converse and ConverseStream over libbedrock."""

from __future__ import annotations

import ctypes
import json
import queue
import threading
from typing import Any, Iterator, Mapping

from ._library import EVENT_FN, lib, take_string
from .errors import CancelledError, error_from_json

_END = object()


def _check(status: int, err: ctypes.c_void_p) -> None:
    """Raises the typed exception for a failed call, freeing the C error."""
    if status == 0:
        return
    try:
        text = lib.bedrock_error_json(err) if err.value else None
        if text is None:
            raise error_from_json(json.dumps({"status": status, "message": f"status {status}"}))
        raise error_from_json(text.decode("utf-8"))
    finally:
        lib.bedrock_error_free(err)


def _encode(request: Mapping[str, Any] | str) -> bytes:
    return (request if isinstance(request, str) else json.dumps(request)).encode("utf-8")


class Client:
    """A Bedrock Runtime client. ``config`` takes the fields of the C config JSON (region,
    profile, endpoint_url, credentials, bearer_token, timeouts, ...); keyword arguments are
    merged into it. What is missing is resolved from the environment and ``~/.aws`` the way
    boto3 resolves it. A client may be shared between threads."""

    def __init__(self, config: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        self._handle: ctypes.c_void_p | None = None
        merged = {**(config or {}), **kwargs}
        handle = ctypes.c_void_p()
        err = ctypes.c_void_p()
        _check(lib.bedrock_client_new(json.dumps(merged).encode("utf-8"), ctypes.byref(handle),
                                      ctypes.byref(err)), err)
        self._handle = handle

    def close(self) -> None:
        """Frees the client. Further calls raise ValueError."""
        if self._handle:
            lib.bedrock_client_free(self._handle)
            self._handle = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def _live_handle(self) -> ctypes.c_void_p:
        if not self._handle:
            raise ValueError("the client is closed")
        return self._handle

    def converse(self, model_id: str, request: Mapping[str, Any] | str) -> dict[str, Any]:
        """Converse: ``request`` is the Converse request body as boto3 takes it (messages,
        system, inferenceConfig, ...). Returns the response body as a dict."""
        out = ctypes.c_void_p()
        err = ctypes.c_void_p()
        status = lib.bedrock_converse(self._live_handle(), model_id.encode("utf-8"), _encode(request),
                                      ctypes.byref(out), ctypes.byref(err))
        _check(status, err)
        return json.loads(take_string(out))

    def converse_stream(self, model_id: str, request: Mapping[str, Any] | str) -> Iterator[dict[str, Any]]:
        """ConverseStream: yields each event as boto3 does, e.g.
        ``{"contentBlockDelta": {"delta": {"text": "Hi"}, "contentBlockIndex": 0}}``.
        Closing the generator early cancels the stream."""
        return _callback_stream(lib.bedrock_converse_stream, self._live_handle(), model_id, _encode(request))

    def invoke_model(self, model_id: str, body: Mapping[str, Any] | str) -> dict[str, Any]:
        """InvokeModel: ``body`` is the provider's own request body; returns its response body."""
        out = ctypes.c_void_p()
        err = ctypes.c_void_p()
        status = lib.bedrock_invoke_model(self._live_handle(), model_id.encode("utf-8"), _encode(body),
                                          ctypes.byref(out), ctypes.byref(err))
        _check(status, err)
        return json.loads(take_string(out))

    def invoke_model_stream(self, model_id: str, body: Mapping[str, Any] | str) -> Iterator[dict[str, Any]]:
        """InvokeModelWithResponseStream: yields each provider JSON chunk."""
        return _callback_stream(lib.bedrock_invoke_model_stream, self._live_handle(), model_id, _encode(body))

    def count_tokens(self, model_id: str, request: Mapping[str, Any] | str) -> dict[str, Any]:
        """CountTokens: ``request`` is ``{"input": {"converse": {...}}}`` or ``{"input": {"invokeModel": ...}}``."""
        out = ctypes.c_void_p()
        err = ctypes.c_void_p()
        status = lib.bedrock_count_tokens(self._live_handle(), model_id.encode("utf-8"), _encode(request),
                                          ctypes.byref(out), ctypes.byref(err))
        _check(status, err)
        return json.loads(take_string(out))

    def chat(self, request: Mapping[str, Any] | str) -> dict[str, Any]:
        """A provider-independent chat request (``model``, ``messages``, ``tools``, ...);
        returns the chat response dict (``content``, ``tool_calls``, ``usage``, ...)."""
        out = ctypes.c_void_p()
        err = ctypes.c_void_p()
        _check(lib.bedrock_chat(self._live_handle(), _encode(request), ctypes.byref(out), ctypes.byref(err)), err)
        return json.loads(take_string(out))

    def chat_stream(self, request: Mapping[str, Any] | str) -> "ChatStream":
        """Streams a chat reply: iterate for event dicts (``start``, ``text``, ``tool_call_delta``,
        ..., ``message``). Closing the stream, or leaving its ``with`` block, cancels it;
        ``cancel()`` may be called from another thread."""
        return ChatStream(self._live_handle(), _encode(request))


class ChatStream:
    """A chat stream pulled event by event; the network work happens in ``__next__``."""

    def __init__(self, client_handle: ctypes.c_void_p, body: bytes) -> None:
        self._handle: ctypes.c_void_p | None = None
        handle = ctypes.c_void_p()
        err = ctypes.c_void_p()
        _check(lib.bedrock_stream_open(client_handle, body, ctypes.byref(handle), ctypes.byref(err)), err)
        self._handle = handle

    def __iter__(self) -> "ChatStream":
        return self

    def __next__(self) -> dict[str, Any]:
        if not self._handle:
            raise StopIteration
        out = ctypes.c_void_p()
        err = ctypes.c_void_p()
        try:
            _check(lib.bedrock_stream_next(self._handle, ctypes.byref(out), ctypes.byref(err)), err)
        except BaseException:
            self.close()
            raise
        if not out.value:
            self.close()
            raise StopIteration
        return json.loads(take_string(out))

    def cancel(self) -> None:
        """Makes a blocked or later ``next`` raise CancelledError. Safe from any thread."""
        handle = self._handle
        if handle:
            lib.bedrock_stream_cancel(handle)

    def close(self) -> None:
        """Cancels the stream if it is still running and frees it."""
        handle, self._handle = self._handle, None
        if handle:
            lib.bedrock_stream_free(handle)

    def __enter__(self) -> "ChatStream":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


def _callback_stream(function: Any, handle: ctypes.c_void_p, model_id: str, body: bytes) -> Iterator[dict[str, Any]]:
    """Runs a blocking C streaming call on a worker thread and yields its events as dicts.
    A small bounded queue keeps a slow reader in control; closing the generator cancels."""
    model = model_id.encode("utf-8")
    events: queue.Queue = queue.Queue(maxsize=64)
    stop = threading.Event()

    @EVENT_FN
    def on_event(event_json: int, length: int, _user: object) -> int:
        item = json.loads(ctypes.string_at(event_json, length).decode("utf-8"))
        while not stop.is_set():
            try:
                events.put(item, timeout=0.05)
                return 0
            except queue.Full:
                continue
        return 1

    outcome: list[BaseException | None] = [None]

    def run() -> None:
        err = ctypes.c_void_p()
        try:
            _check(function(handle, model, body, on_event, None, ctypes.byref(err)), err)
        except BaseException as error:  # handed to the reading thread
            outcome[0] = error
        finally:
            events.put(_END)

    worker = threading.Thread(target=run, name="bedrock-stream", daemon=True)
    worker.start()
    try:
        while True:
            item = events.get()
            if item is _END:
                break
            yield item
        if outcome[0] is not None and not (stop.is_set() and isinstance(outcome[0], CancelledError)):
            raise outcome[0]
    finally:
        stop.set()
        while worker.is_alive():
            try:
                events.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()
