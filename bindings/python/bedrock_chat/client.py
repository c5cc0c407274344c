"""The Bedrock client over libbedrock: chat (provider-independent), Converse, InvokeModel and
CountTokens, each blocking, streaming, and as asyncio coroutines."""

from __future__ import annotations

import asyncio
import concurrent.futures
import ctypes
import functools
import json
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, TypeVar

from ._library import EVENT_FN, lib, take_string
from .errors import CancelledError, error_from_json

__all__ = ["Client", "ChatStream", "AsyncChatStream", "Request"]

#: A request body: a mapping serialised to JSON, or JSON text passed through unchanged.
Request = Mapping[str, Any] | str

_T = TypeVar("_T")
_END = object()

# Blocking library calls made for asyncio callers run on these threads. A separate pool, not
# the loop's default executor: a stream waiting for its next token holds a thread, and the
# default pool (min(32, CPUs + 4) threads) would cap concurrent streams at a handful.
_MAX_WORKERS = 64
_executor_lock = threading.Lock()
_executor_instance: concurrent.futures.ThreadPoolExecutor | None = None


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    global _executor_instance
    with _executor_lock:
        if _executor_instance is None:
            _executor_instance = concurrent.futures.ThreadPoolExecutor(
                max_workers=_MAX_WORKERS, thread_name_prefix="bedrock")
        return _executor_instance


def _check(status: int, err: ctypes.c_void_p) -> None:
    """Raises the typed exception for a failed call. Frees the C error in every case."""
    try:
        if status == 0:
            return
        text = lib.bedrock_error_json(err) if err.value else None
        if text is None:
            raise error_from_json(json.dumps({"status": status, "message": f"status {status}"}))
        raise error_from_json(text.decode("utf-8"))
    finally:
        if err.value:
            lib.bedrock_error_free(err)
            err.value = None


def _encode(request: Request) -> bytes:
    return (request if isinstance(request, str) else json.dumps(request)).encode("utf-8")


def _call_returning_handle(function: Any, *arguments: Any) -> int | None:
    """Calls a library function whose last two parameters are ``T **out, bedrock_error **err``
    and returns the handle it stored (the caller frees it); frees the error."""
    handle = ctypes.c_void_p()
    err = ctypes.c_void_p()
    _check(function(*arguments, ctypes.byref(handle), ctypes.byref(err)), err)
    return handle.value


def _call_returning_json(function: Any, *arguments: Any) -> Any:
    """Calls a library function whose last two parameters are ``char **out, bedrock_error **err``
    and returns the parsed JSON it stored; frees the string and the error."""
    out = ctypes.c_void_p()
    err = ctypes.c_void_p()
    try:
        status = function(*arguments, ctypes.byref(out), ctypes.byref(err))
        _check(status, err)
        return json.loads(take_string(out))
    finally:
        take_string(out)  # frees it if parsing failed before take_string ran


class Client:
    """A Bedrock Runtime client.

    ``config`` takes the fields of the C config JSON (region, profile, endpoint_url,
    credentials, bearer_token, connect_timeout_ms, timeout_ms, read_timeout_ms, max_attempts,
    retry_mode, ca_file, proxy, verify_tls, user_agent_suffix); keyword arguments are merged
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
            if self._users:
                return
            handle, self._handle = self._handle, None
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

    def converse(self, model_id: str, request: Request) -> dict[str, Any]:
        """Converse: ``request`` is the Converse request body as boto3 takes it (messages,
        system, inferenceConfig, ...). Returns the response body as a dict."""
        result: dict[str, Any] = self._call(lib.bedrock_converse, model_id.encode("utf-8"), _encode(request))
        return result

    def invoke_model(self, model_id: str, body: Request) -> dict[str, Any]:
        """InvokeModel: ``body`` is the provider's own request body; returns its response body."""
        result: dict[str, Any] = self._call(lib.bedrock_invoke_model, model_id.encode("utf-8"), _encode(body))
        return result

    def count_tokens(self, model_id: str, request: Request) -> dict[str, Any]:
        """CountTokens: ``request`` is ``{"input": {"converse": {...}}}`` or
        ``{"input": {"invokeModel": {"body": ...}}}``; returns ``{"inputTokens": N}``."""
        result: dict[str, Any] = self._call(lib.bedrock_count_tokens, model_id.encode("utf-8"), _encode(request))
        return result

    # ---- streams ----------------------------------------------------------------------------

    def chat_stream(self, request: Request) -> ChatStream:
        """Streams a chat reply: iterate for event dicts (``start``, ``text``, ``reasoning``,
        ``tool_call_start``, ``tool_call_delta``, ``usage``, ``stop``, and last ``message``
        with the whole response). The request is validated now; the network work happens as
        you iterate. Closing the stream, or leaving its ``with`` block, cancels it;
        ``cancel()`` may be called from any thread."""
        return ChatStream(self, _encode(request))

    def converse_stream(self, model_id: str, request: Request) -> Iterator[dict[str, Any]]:
        """ConverseStream: yields each event as boto3 does, e.g.
        ``{"contentBlockDelta": {"delta": {"text": "Hi"}, "contentBlockIndex": 0}}``.
        Closing the generator early cancels the stream."""
        self._check_open()
        return _callback_stream(self, lib.bedrock_converse_stream, model_id, _encode(request))

    def invoke_model_stream(self, model_id: str, body: Request) -> Iterator[dict[str, Any]]:
        """InvokeModelWithResponseStream: yields each provider JSON chunk."""
        self._check_open()
        return _callback_stream(self, lib.bedrock_invoke_model_stream, model_id, _encode(body))

    # ---- asyncio ----------------------------------------------------------------------------

    async def achat(self, request: Request) -> dict[str, Any]:
        """``chat`` as a coroutine: the call runs on a worker thread, so the event loop keeps
        running. Cancelling the awaiting task stops the wait at once; the HTTP call itself
        runs to its end (bounded by ``timeout_ms``) and its result is dropped. For replies
        that should stop when the task is cancelled, use ``achat_stream``."""
        return await _in_thread(self.chat, request)

    async def aconverse(self, model_id: str, request: Request) -> dict[str, Any]:
        """``converse`` as a coroutine, on a worker thread (see ``achat``)."""
        return await _in_thread(self.converse, model_id, request)

    async def ainvoke_model(self, model_id: str, body: Request) -> dict[str, Any]:
        """``invoke_model`` as a coroutine, on a worker thread (see ``achat``)."""
        return await _in_thread(self.invoke_model, model_id, body)

    async def acount_tokens(self, model_id: str, request: Request) -> dict[str, Any]:
        """``count_tokens`` as a coroutine, on a worker thread (see ``achat``)."""
        return await _in_thread(self.count_tokens, model_id, request)

    def achat_stream(self, request: Request) -> AsyncChatStream:
        """Streams a chat reply to ``async for``: the same events as ``chat_stream``. Each
        blocking wait for the next event runs on a worker thread, so the event loop is never
        blocked. Cancelling the task that iterates cancels the stream (the worker returns
        promptly) and frees it; so do ``await stream.aclose()`` and leaving an
        ``async with`` block."""
        return AsyncChatStream(self, _encode(request))


async def _in_thread(function: Callable[..., _T], *arguments: Any) -> _T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), functools.partial(function, *arguments))


class _PulledStream:
    """One ``bedrock_stream`` and the rules for using it from several threads: one thread at
    a time in ``next``; ``cancel`` from any thread; and ``close`` from any thread, which, when
    another thread is inside ``next``, cancels it and leaves the free to that thread (freeing a
    stream while ``bedrock_stream_next`` runs on it is not allowed)."""

    def __init__(self, client: Client, body: bytes) -> None:
        self._lock = threading.Lock()
        self._handle: int | None = None
        self._busy = False
        self._close_requested = False
        client_handle = client._acquire()
        try:
            handle = _call_returning_handle(lib.bedrock_stream_open, client_handle, body)
        except BaseException:
            client._release()
            raise
        self._client: Client | None = client  # keeps the client alive while the stream is
        self._handle = handle

    def next_event(self) -> dict[str, Any] | None:
        """Blocks for the next event; None at the end (or once closed). Raises the typed error
        when the stream fails or is cancelled."""
        with self._lock:
            if self._handle is None or self._close_requested:
                return None
            if self._busy:
                raise RuntimeError("a chat stream is read by one thread at a time")
            self._busy = True
            handle = self._handle
        out = ctypes.c_void_p()
        err = ctypes.c_void_p()
        try:
            status = lib.bedrock_stream_next(handle, ctypes.byref(out), ctypes.byref(err))
            _check(status, err)
            text = take_string(out)
            return json.loads(text) if text else None
        finally:
            take_string(out)
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


class ChatStream:
    """A chat stream pulled event by event; the network work happens in ``__next__``."""

    def __init__(self, client: Client, body: bytes) -> None:
        self._stream = _PulledStream(client, body)

    def __iter__(self) -> ChatStream:
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

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        stream = getattr(self, "_stream", None)
        if stream is not None:
            stream.close()


class AsyncChatStream:
    """A chat stream for ``async for``. The stream opens on the first ``__anext__`` (opening
    signs the request, which may look up credentials), on a worker thread like every wait."""

    def __init__(self, client: Client, body: bytes) -> None:
        client._check_open()
        self._client = client
        self._body = body
        self._stream: _PulledStream | None = None
        self._done = False

    def __aiter__(self) -> AsyncChatStream:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if self._done:
            raise StopAsyncIteration
        try:
            if self._stream is None:
                self._stream = await self._open()
            stream = self._stream
            work = _executor().submit(stream.next_event)
            try:
                event = await asyncio.wrap_future(work)
            except asyncio.CancelledError:
                # The worker is (or will be) inside bedrock_stream_next: cancel it so it
                # returns promptly; close() leaves the free to it.
                stream.close()
                raise
        except BaseException:
            self.close()
            raise
        if event is None:
            self.close()
            raise StopAsyncIteration
        return event

    async def _open(self) -> _PulledStream:
        work = _executor().submit(_PulledStream, self._client, self._body)
        try:
            return await asyncio.wrap_future(work)
        except asyncio.CancelledError:
            # If the open still completes, free what it made.
            work.add_done_callback(_close_opened)
            raise

    def cancel(self) -> None:
        """Makes a pending or later ``__anext__`` raise CancelledError (the library's).
        Safe from any thread."""
        if self._stream is not None:
            self._stream.cancel()

    def close(self) -> None:
        """Cancels the stream if it is still running and frees it, without waiting: a
        worker still inside ``next`` frees it when it returns."""
        self._done = True
        if self._stream is not None:
            self._stream.close()

    async def aclose(self) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._done

    async def __aenter__(self) -> AsyncChatStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_stream", None) is not None:
            self.close()


def _close_opened(work: concurrent.futures.Future[_PulledStream]) -> None:
    if not work.cancelled() and work.exception() is None:
        work.result().close()


def _callback_stream(client: Client, function: Any, model_id: str, body: bytes) -> Iterator[dict[str, Any]]:
    """Runs a blocking C streaming call on a worker thread and yields its events as dicts.
    A small bounded queue keeps a slow reader in control; closing the generator cancels."""
    handle = client._acquire()
    try:
        yield from _run_callback_stream(handle, function, model_id.encode("utf-8"), body)
    finally:
        client._release()


def _run_callback_stream(handle: int, function: Any, model: bytes, body: bytes) -> Iterator[dict[str, Any]]:
    events: queue.Queue[Any] = queue.Queue(maxsize=64)
    stop = threading.Event()
    failure: list[BaseException] = []  # set by the worker thread; read after it ends

    def on_event(event_json: int, length: int, _user: object) -> int:
        try:
            item = json.loads(ctypes.string_at(event_json, length).decode("utf-8"))
        except BaseException as error:  # an exception must not cross the C frames
            failure.append(error)
            return 1
        while not stop.is_set():
            try:
                events.put(item, timeout=0.05)
                return 0
            except queue.Full:
                continue
        return 1

    callback = EVENT_FN(on_event)  # referenced until the call returns

    def run() -> None:
        err = ctypes.c_void_p()
        try:
            _check(function(handle, model, body, callback, None, ctypes.byref(err)), err)
        except BaseException as error:  # handed to the reading thread
            failure.append(error)
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
        if failure and not (stop.is_set() and isinstance(failure[0], CancelledError)):
            raise failure[0]
    finally:
        stop.set()
        while worker.is_alive():
            try:
                events.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()
