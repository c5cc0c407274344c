"""The asyncio side of the binding: one ``bedrock_multi`` per client and event loop, in queue
mode, driven by ``loop.add_reader`` on its fd and a loop timer for its timeouts. Calls and
streams are futures and queues fed when the fd is readable: no worker threads, no polling."""

from __future__ import annotations

import asyncio
import ctypes
import json
import threading
from collections import deque
from typing import TYPE_CHECKING, Any

from ._library import OutString, lib
from .errors import BedrockError, error_from_json, raise_for_status

if TYPE_CHECKING:
    from .client import Client

_QUEUE_MODE = b'{"queue": true}'


class LoopMulti:
    """A client's ``bedrock_multi`` on one event loop. It lives while calls run on it, and is
    freed when it falls idle after its client was closed, or when the client closes while
    it is idle."""

    def __init__(self, client: Client, loop: asyncio.AbstractEventLoop) -> None:
        self._client = client
        self._loop = loop
        handle = ctypes.c_void_p()
        err = ctypes.c_void_p()
        client_handle = client._acquire()
        try:
            raise_for_status(lib.bedrock_multi_new(client_handle, _QUEUE_MODE, ctypes.byref(handle), ctypes.byref(err)), err)
        except BaseException:
            client._release()
            raise
        self._handle: int | None = handle.value
        self._calls: dict[int, AsyncCall] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._fd = lib.bedrock_multi_fd(self._handle)
        loop.add_reader(self._fd, self._drive)

    def start(self, function: Any, *arguments: Any) -> AsyncCall:
        """Starts a call (``bedrock_multi_*`` with NULL callbacks); it runs as the loop drives."""
        if self._handle is None:
            raise ValueError("the client is closed")
        call_handle = ctypes.c_void_p()
        err = ctypes.c_void_p()
        raise_for_status(function(self._handle, *arguments, ctypes.byref(call_handle), ctypes.byref(err)), err)
        call = AsyncCall(self, call_handle.value)
        self._calls[call.handle] = call
        return call

    def _drive(self) -> None:
        """The fd is readable or a timeout is due: do the work, then hand out what it queued."""
        if self._handle is None:
            return
        running = ctypes.c_int()
        err = ctypes.c_void_p()
        try:
            raise_for_status(lib.bedrock_multi_perform(self._handle, 0, ctypes.byref(running), ctypes.byref(err)), err)
        except BedrockError as error:
            self._loop.call_exception_handler({"message": "bedrock_multi_perform failed", "exception": error})
        call_handle = ctypes.c_void_p()
        call_handle_ref, err_ref = ctypes.byref(call_handle), ctypes.byref(err)
        item = OutString()
        while self._handle is not None:
            raise_for_status(lib.bedrock_multi_read(self._handle, call_handle_ref, item.ref, err_ref), err)
            text = item.take()
            if not text:
                break
            call = self._calls.get(call_handle.value or 0)
            if call is not None:
                call.deliver(json.loads(text))
        self._schedule_timeout()

    def _schedule_timeout(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._handle is None:
            return
        timeout = lib.bedrock_multi_timeout_ms(self._handle)
        if timeout >= 0:
            self._timer = self._loop.call_later(timeout / 1000, self._drive)

    def finished(self, call: AsyncCall) -> None:
        """A call handed out its last item: free its handle, and the multi if its client is
        closing and nothing else runs."""
        self._calls.pop(call.handle, None)
        lib.bedrock_call_free(call.handle)
        if not self._calls and self._client._closing:
            self.close()

    def close(self) -> None:
        """Frees the multi (cancelling what still runs: their futures get CancelledError)."""
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._loop.is_closed():
            self._loop.remove_reader(self._fd)
        lib.bedrock_multi_free(handle)
        for call in list(self._calls.values()):
            call.abandon()
            lib.bedrock_call_free(call.handle)
        self._calls.clear()
        self._client._forget_multi(self._loop)
        self._client._release()


class AsyncCall:
    """One call on a LoopMulti: its events, in order, and its result or error."""

    def __init__(self, multi: LoopMulti, handle: int) -> None:
        self.multi = multi
        self.handle = handle
        self._events: deque[dict[str, Any]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._done = False
        self._result: Any = None
        self._error: BaseException | None = None

    def deliver(self, item: dict[str, Any]) -> None:
        if item["type"] == "event":
            self._events.append(item["event"])
        else:
            self._done = True
            if item["status"] == 0:
                self._result = item["result"]
            else:
                self._error = error_from_json(json.dumps(item["error"]))
            self.multi.finished(self)
        self._wake()

    def abandon(self) -> None:
        """The multi was freed under the call: it ends as cancelled."""
        if not self._done:
            self._done = True
            self._error = asyncio.CancelledError()
            self._wake()

    def cancel(self) -> None:
        """Asks the library to end the call; its done item follows."""
        if not self._done:
            lib.bedrock_call_cancel(self.handle)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _wait(self) -> None:
        self._waiter = self.multi._loop.create_future()
        try:
            await self._waiter
        except asyncio.CancelledError:
            self.cancel()
            raise
        finally:
            self._waiter = None

    async def result(self) -> Any:
        """The call's result JSON; raises its typed error. Cancelling the awaiting task
        cancels the call."""
        while not self._done:
            await self._wait()
        if self._error is not None:
            raise self._error
        return self._result

    async def next_event(self) -> dict[str, Any] | None:
        """The next event, or None once the call ended well; raises its error after the
        events before it."""
        while not self._events and not self._done:
            await self._wait()
        if self._events:
            return self._events.popleft()
        if self._error is not None:
            raise self._error
        return None


def loop_multi(client: Client) -> LoopMulti:
    """The client's multi on the running loop, made on first use."""
    loop = asyncio.get_running_loop()
    with client._lock:
        multi = client._multis.get(loop)
    if multi is None:
        multi = LoopMulti(client, loop)
        with client._lock:
            client._multis[loop] = multi
    return multi


def close_multis(client: Client, multis: list[LoopMulti]) -> None:
    """Frees a closing client's idle multis, each on its own loop's thread."""
    for multi in multis:
        loop = multi._loop
        if loop.is_closed() or _runs_on(loop):
            _close_if_idle(multi)
        else:
            loop.call_soon_threadsafe(_close_if_idle, multi)


def _close_if_idle(multi: LoopMulti) -> None:
    if not multi._calls:
        multi.close()


def _runs_on(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return getattr(loop, "_thread_id", None) == threading.get_ident()
