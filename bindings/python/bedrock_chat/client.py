"""The Bedrock client over libbedrock: chat (provider-independent), Converse, InvokeModel and
CountTokens, each blocking, streaming, and as asyncio coroutines."""

from __future__ import annotations

import asyncio
import base64
import ctypes
import json
import threading
from collections.abc import Mapping
from typing import Any

from . import _aio
from ._library import OutString, lib
from .errors import raise_for_status

__all__ = ["Client", "Stream", "AsyncStream", "ChatStream", "AsyncChatStream", "Request"]

_stream_next = lib.bedrock_stream_next
_scan_json = json.JSONDecoder().scan_once


def _loads(text: str) -> Any:
    """json.loads for the library's text: the decoder's C scanner straight away, since
    json.loads first looks for whitespace around the value, which the library's own JSON never
    has (a provider's stream chunk may, and then json.loads reads it, or raises), and
    raw_decode adds a Python frame to every event."""
    try:
        value, end = _scan_json(text, 0)
        if end == len(text):
            return value
    except (StopIteration, ValueError):
        pass
    return json.loads(text)


#: A request body: a mapping serialised to JSON, or JSON text passed through unchanged.
Request = Mapping[str, Any] | str

def _encode(request: Request) -> bytes:
    return (request if isinstance(request, str) else json.dumps(request)).encode("utf-8")


def _blob(value: Any) -> Any:
    """A top-level ``bytes`` parameter (InvokeModel's body, as boto3 takes it) as the library's
    blob rule has it: its text, or ``{"base64": ...}`` when it is not UTF-8."""
    if not isinstance(value, (bytes, bytearray)):
        return value
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(value).decode("ascii")}


def _call_returning_handle(function: Any, *arguments: Any) -> int | None:
    """Calls a library function whose last two parameters are ``T **out, bedrock_error **err``
    and returns the handle it stored (the caller frees it); frees the error."""
    handle = ctypes.c_void_p()
    err = ctypes.c_void_p()
    raise_for_status(function(*arguments, ctypes.byref(handle), ctypes.byref(err)), err)
    return handle.value


def _call_returning_json(function: Any, *arguments: Any) -> Any:
    """Calls a library function whose last two parameters are ``char **out, bedrock_error **err``
    and returns the parsed JSON it stored; frees the string and the error."""
    out = OutString()
    err = ctypes.c_void_p()
    try:
        status = function(*arguments, out.ref, ctypes.byref(err))
        if status:
            raise_for_status(status, err)
        return _loads(out.take())
    finally:
        out.take()  # frees it if the call failed after storing it


class Client:
    """A Bedrock Runtime client.

    ``config`` takes the fields of the C config JSON (region, profile, endpoint_url,
    credentials, bearer_token, connect_timeout_ms, timeout_ms, read_timeout_ms, max_attempts,
    retry_mode, ca_file, proxy, verify_tls, user_agent_suffix, max_response_bytes,
    max_event_bytes, max_error_message_bytes); keyword arguments are merged
    into it. What is missing is resolved from the environment and ``~/.aws`` the way boto3
    resolves it. Unknown fields raise InvalidArgumentError naming the field.

    A client may be shared by any number of threads and asyncio tasks. ``close()`` (or leaving
    its ``with`` block) frees it once the calls and streams still running on it have ended.
    """

    def __init__(self, config: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        self._lock = threading.Lock()
        self._handle: int | None = None
        self._users = 0
        self._closing = False
        self._multis: dict[asyncio.AbstractEventLoop, _aio.LoopMulti] = {}
        merged = {**(config or {}), **kwargs}
        self._handle = _call_returning_handle(lib.bedrock_client_new, json.dumps(merged).encode("utf-8"))

    # ---- lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        """Frees the client, at once or when its last running call or stream ends. Further
        calls raise ValueError. Calling it again does nothing."""
        with self._lock:
            if self._handle is None or self._closing:
                return
            self._closing = True
            multis = list(self._multis.values())
            if self._users:
                pending = True
            else:
                pending = False
                handle, self._handle = self._handle, None
        # A multi holds the client as a user; an idle one is freed now, a busy one when its
        # last call ends.
        _aio.close_multis(self, multis)
        if not pending:
            lib.bedrock_client_free(handle)

    @property
    def closed(self) -> bool:
        return self._closing or self._handle is None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_lock", None) is not None:
            self.close()

    def _acquire(self) -> int:
        """Marks one call or stream as running on the client and returns the C handle."""
        with self._lock:
            if self._handle is None or self._closing:
                raise ValueError("the client is closed")
            self._users += 1
            return self._handle

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("the client is closed")

    def _release(self) -> None:
        with self._lock:
            self._users -= 1
            if not (self._closing and self._users == 0 and self._handle is not None):
                return
            handle, self._handle = self._handle, None
        lib.bedrock_client_free(handle)

    def _call(self, function: Any, *arguments: Any) -> Any:
        handle = self._acquire()
        try:
            return _call_returning_json(function, handle, *arguments)
        finally:
            self._release()

    # ---- blocking calls ---------------------------------------------------------------------

    def chat(self, request: Request) -> dict[str, Any]:
        """A provider-independent chat request (``model``, ``messages``, ``tools``, ...);
        returns the chat response (``content``, ``blocks``, ``tool_calls``, ``structured``,
        ``stop_reason``, ``usage``, ...)."""
        result: dict[str, Any] = self._call(lib.bedrock_chat, _encode(request))
        return result

    def chat_count_tokens(self, request: Request) -> dict[str, Any]:
        """How many input tokens a chat request would use, by CountTokens: ``{"input_tokens": N}``."""
        result: dict[str, Any] = self._call(lib.bedrock_chat_count_tokens, _encode(request))
        return result

    def converse(self, model_id: str, request: Request) -> dict[str, Any]:
        """Converse: ``request`` is the Converse request body as boto3 takes it (messages,
        system, inferenceConfig, ...). Returns the response body as a dict."""
        result: dict[str, Any] = self._call(lib.bedrock_converse, model_id.encode("utf-8"), _encode(request))
        return result

    def invoke_model(self, model_id: str, body: Request) -> dict[str, Any]:
        """InvokeModel: ``body`` is the provider's own request body; returns its response body."""
        result: dict[str, Any] = self._call(lib.bedrock_invoke_model, model_id.encode("utf-8"), _encode(body))
        return result

    def invoke_model_bytes(self, model_id: str, body: bytes, content_type: str | None = None,
                           accept: str | None = None) -> bytes:
        """InvokeModel with any body bytes (``content_type`` defaults to application/json);
        returns the response body byte for byte, whatever it holds."""
        out, length, err = ctypes.c_void_p(), ctypes.c_size_t(), ctypes.c_void_p()
        handle = self._acquire()
        try:
            status = lib.bedrock_invoke_model_bytes(
                handle, model_id.encode("utf-8"), body, len(body),
                None if content_type is None else content_type.encode("utf-8"),
                None if accept is None else accept.encode("utf-8"),
                ctypes.byref(out), ctypes.byref(length), ctypes.byref(err))
            raise_for_status(status, err)
            return ctypes.string_at(out.value, length.value) if length.value else b""
        finally:
            lib.bedrock_string_free(out)
            self._release()

    def count_tokens(self, model_id: str, request: Request) -> dict[str, Any]:
        """CountTokens: ``request`` is ``{"input": {"converse": {...}}}`` or
        ``{"input": {"invokeModel": {"body": ...}}}``; returns ``{"inputTokens": N}``."""
        result: dict[str, Any] = self._call(lib.bedrock_count_tokens, model_id.encode("utf-8"), _encode(request))
        return result

    def operation(self, name: str, params: Request | None = None, **kwargs: Any) -> dict[str, Any]:
        """Any Bedrock Runtime operation by its service-model name (``ApplyGuardrail``,
        ``StartAsyncInvoke``, ``GetAsyncInvoke``, ``ListAsyncInvokes``, ...). Parameters are
        the input members as boto3 takes them, as a dict or keywords; returns the output shape
        as boto3 returns it. A top-level blob (InvokeModel's ``body``) is text, or
        ``{"base64": ...}`` for bytes that are not UTF-8."""
        merged = {key: _blob(value) for key, value in {**(params or {}), **kwargs}.items()}
        result: dict[str, Any] = self._call(lib.bedrock_operation, name.encode("utf-8"), _encode(merged))
        return result

    # ---- streams ----------------------------------------------------------------------------

    def chat_stream(self, request: Request) -> Stream:
        """Streams a chat reply: iterate for event dicts (``start``, ``text``, ``reasoning``,
        ``tool_call_start``, ``tool_call_delta``, ``usage``, ``stop``, and last ``message``
        with the whole response). The request is validated now; the network work happens as
        you iterate. Closing the stream, or leaving its ``with`` block, cancels it;
        ``cancel()`` may be called from any thread."""
        return Stream(self, lib.bedrock_stream_open, _encode(request))

    def converse_stream(self, model_id: str, request: Request) -> Stream:
        """ConverseStream: yields each event as boto3 does, e.g.
        ``{"contentBlockDelta": {"delta": {"text": "Hi"}, "contentBlockIndex": 0}}``.
        Pulled like ``chat_stream``; closing it early cancels the stream."""
        return Stream(self, lib.bedrock_converse_stream_open, model_id.encode("utf-8"), _encode(request))

    def operation_stream(self, name: str, params: Request | None = None, **kwargs: Any) -> Stream:
        """A streaming operation by name (``ConverseStream``, ``InvokeModelWithResponseStream``):
        yields each event as boto3 does, ``{"chunk": {"bytes": ...}}`` with the chunk's text."""
        merged = {key: _blob(value) for key, value in {**(params or {}), **kwargs}.items()}
        return Stream(self, lib.bedrock_operation_stream_open, name.encode("utf-8"), _encode(merged))

    def invoke_model_stream(self, model_id: str, body: Request) -> Stream:
        """InvokeModelWithResponseStream: yields each provider JSON chunk."""
        return Stream(self, lib.bedrock_invoke_model_stream_open, model_id.encode("utf-8"), _encode(body))

    # ---- asyncio ----------------------------------------------------------------------------
    # Every coroutine and async stream runs on one bedrock_multi per client and event loop,
    # which the loop drives through its fd: no worker threads. Cancelling the awaiting task
    # cancels the call in the library.

    async def achat(self, request: Request) -> dict[str, Any]:
        """``chat`` as a coroutine."""
        result: dict[str, Any] = await self._astart(lib.bedrock_multi_chat, _encode(request), None, None).result()
        return result

    async def aconverse(self, model_id: str, request: Request) -> dict[str, Any]:
        """``converse`` as a coroutine."""
        call = self._astart(lib.bedrock_multi_converse, model_id.encode("utf-8"), _encode(request), None, None)
        result: dict[str, Any] = await call.result()
        return result

    async def ainvoke_model(self, model_id: str, body: Request) -> dict[str, Any]:
        """``invoke_model`` as a coroutine."""
        call = self._astart(lib.bedrock_multi_invoke_model, model_id.encode("utf-8"), _encode(body), None, None)
        result: dict[str, Any] = await call.result()
        return result

    async def acount_tokens(self, model_id: str, request: Request) -> dict[str, Any]:
        """``count_tokens`` as a coroutine."""
        call = self._astart(lib.bedrock_multi_count_tokens, model_id.encode("utf-8"), _encode(request), None, None)
        result: dict[str, Any] = await call.result()
        return result

    def achat_stream(self, request: Request) -> AsyncStream:
        """Streams a chat reply to ``async for``: the same events as ``chat_stream``.
        Cancelling the task that iterates cancels the stream; so do ``await stream.aclose()``
        and leaving an ``async with`` block."""
        return AsyncStream(self, lib.bedrock_multi_chat_stream, _encode(request), None, None, None)

    def aconverse_stream(self, model_id: str, request: Request) -> AsyncStream:
        """``converse_stream`` for ``async for``."""
        return AsyncStream(self, lib.bedrock_multi_converse_stream, model_id.encode("utf-8"), _encode(request),
                           None, None, None)

    def ainvoke_model_stream(self, model_id: str, body: Request) -> AsyncStream:
        """``invoke_model_stream`` for ``async for``."""
        return AsyncStream(self, lib.bedrock_multi_invoke_model_stream, model_id.encode("utf-8"), _encode(body),
                           None, None, None)

    def _astart(self, function: Any, *arguments: Any) -> _aio.AsyncCall:
        self._check_open()
        return _aio.loop_multi(self).start(function, *arguments)

    def _forget_multi(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            self._multis.pop(loop, None)


class _PulledStream:
    """One ``bedrock_stream`` (a chat stream, or a raw stream from its ``_open`` function) and
    the rules for using it from several threads: one thread at
    a time in ``next``; ``cancel`` from any thread; and ``close`` from any thread, which, when
    another thread is inside ``next``, cancels it and leaves the free to that thread (freeing a
    stream while ``bedrock_stream_next`` runs on it is not allowed)."""

    def __init__(self, client: Client, open_function: Any, *arguments: bytes) -> None:
        self._lock = threading.Lock()
        self._handle: int | None = None
        self._busy = False
        self._close_requested = False
        client_handle = client._acquire()
        try:
            handle = _call_returning_handle(open_function, client_handle, *arguments)
        except BaseException:
            client._release()
            raise
        self._client: Client | None = client  # keeps the client alive while the stream is
        self._handle = handle
        self._out = OutString()
        self._err = ctypes.c_void_p()
        self._err_ref = ctypes.byref(self._err)

    def next_event(self) -> dict[str, Any] | None:
        """Blocks for the next event; None at the end (or once closed). Raises the typed error
        when the stream fails or is cancelled."""
        with self._lock:
            if self._handle is None or self._close_requested:
                return None
            if self._busy:
                raise RuntimeError("a stream is read by one thread at a time")
            self._busy = True
            handle = self._handle
        # This runs once per event: the out-parameters are made once per stream (one thread
        # at a time is in here).
        out = self._out
        try:
            status = _stream_next(handle, out.ref, self._err_ref)
            if status:
                raise_for_status(status, self._err)
            text = out.take()
            if not text:
                return None
            return _loads(text)  # type: ignore[no-any-return]
        finally:
            # One step under the lock: between clearing _busy and reading _close_requested,
            # another thread could start the next read, and a close() then leaves the free to
            # it, not to this call.
            with self._lock:
                self._busy = False
                pending = self._close_requested
            if pending:
                self._free()

    def cancel(self) -> None:
        with self._lock:
            if self._handle is not None:
                lib.bedrock_stream_cancel(self._handle)

    def close(self) -> None:
        with self._lock:
            if self._handle is None:
                return
            self._close_requested = True
            if self._busy:
                lib.bedrock_stream_cancel(self._handle)
                return
        self._free()

    def _free(self) -> None:
        with self._lock:
            handle, self._handle = self._handle, None
            client, self._client = self._client, None
        if handle is not None:
            lib.bedrock_stream_free(handle)
        if client is not None:
            client._release()

    @property
    def closed(self) -> bool:
        return self._handle is None or self._close_requested


class Stream:
    """A stream pulled event by event (chat, ConverseStream or InvokeModelWithResponseStream);
    the network work happens in ``__next__``."""

    def __init__(self, client: Client, open_function: Any, *arguments: bytes) -> None:
        self._stream = _PulledStream(client, open_function, *arguments)

    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> dict[str, Any]:
        try:
            event = self._stream.next_event()
        except BaseException:
            self._stream.close()
            raise
        if event is None:
            self._stream.close()
            raise StopIteration
        return event

    def cancel(self) -> None:
        """Makes a blocked or later ``next`` raise CancelledError. Safe from any thread."""
        self._stream.cancel()

    def close(self) -> None:
        """Cancels the stream if it is still running and frees it. Safe from any thread: if
        another thread is blocked in ``next``, that thread gets CancelledError and the stream
        is freed when it returns."""
        self._stream.close()

    @property
    def closed(self) -> bool:
        return self._stream.closed

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        stream = getattr(self, "_stream", None)
        if stream is not None:
            stream.close()


class AsyncStream:
    """A stream for ``async for``, on the client's multi for the running loop. The call starts
    at the first ``__anext__``."""

    def __init__(self, client: Client, start_function: Any, *arguments: Any) -> None:
        client._check_open()
        self._client = client
        self._start = (start_function, arguments)
        self._call: _aio.AsyncCall | None = None
        self._done = False

    def __aiter__(self) -> AsyncStream:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if self._done:
            raise StopAsyncIteration
        try:
            if self._call is None:
                function, arguments = self._start
                self._call = self._client._astart(function, *arguments)
            event = await self._call.next_event()
        except BaseException:
            self.close()
            raise
        if event is None:
            self._done = True
            raise StopAsyncIteration
        return event

    def cancel(self) -> None:
        """Makes a pending or later ``__anext__`` raise CancelledError (the library's)."""
        if self._call is not None:
            self._call.cancel()

    def close(self) -> None:
        """Cancels the stream if it is still running; its handle is freed when the library
        reports it done."""
        self._done = True
        if self._call is not None:
            self._call.cancel()

    async def aclose(self) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._done

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()


#: The names the first releases gave these classes.
ChatStream = Stream
AsyncChatStream = AsyncStream
