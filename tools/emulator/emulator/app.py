"""What the emulator answers, whatever carries the request: one request in, one Response out.

Both servers share it: the threaded HTTP/1.1 server (``handler.py``) and the asyncio server
(``aio.py``: HTTP/1.1 and HTTP/2). ``App.handle`` does the routing, authentication,
validation (both against botocore's service model: ``service.py``), the fault queue and
``[[fault:...]]`` directives, the runtime operations and the control API; it never sleeps
and never touches a socket. What it returns says what to send and when:
a status, headers and a body, or an event stream as frames with pauses between them, or
a fault's odd ending (no response at all, a head and then silence, a cut-off stream). Each
server carries that out in its own way (``time.sleep`` or ``asyncio.sleep``, chunked
HTTP/1.1 or HTTP/2 DATA frames).
"""

import functools
import itertools
import json
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

from . import bidi, faults, operations, service
from .errors import ApiError, validation_error
from .eventstream import encode_headers, encode_message, encode_with_headers

MAX_BODY_BYTES = 32 * 1024 * 1024
EVENTSTREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream"
JSON_CONTENT_TYPE = "application/json"
GARBAGE_BODY = b"<html><body><h1>502 Bad Gateway</h1> this is not JSON</body></html>\n"
# Events sent before a stream fault strikes (for Converse: messageStart and two deltas).
_EVENTS_BEFORE_STREAM_FAULT = 3


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))


@functools.lru_cache(maxsize=256)
def _event_headers(event_type: str) -> bytes:
    return encode_headers([(":event-type", "string", event_type),
                           (":content-type", "string", "application/json"),
                           (":message-type", "string", "event")])


def encode_event(event_type: str, payload: dict) -> bytes:
    """One ``:message-type: event`` frame with a JSON payload."""
    return encode_with_headers(_event_headers(event_type),
                               _COMPACT_JSON.encode(payload).encode())


def encode_exception(exception_type: str, message: str) -> bytes:
    """One ``:message-type: exception`` frame."""
    return encode_message([(":exception-type", "string", exception_type),
                           (":content-type", "string", "application/json"),
                           (":message-type", "string", "exception")],
                          json.dumps({"message": message}).encode())


@dataclass
class Request:
    """One HTTP request, read whole. ``headers`` is an ``email.message.Message`` (as
    http.server gives): case-insensitive ``get``/``get_all``, and ``items``."""

    method: str
    target: str  # the request target as received: path and query (or absolute form)
    headers: object
    body: bytes
    http_version: str = "HTTP/1.1"  # "HTTP/1.0", "HTTP/1.1" or "HTTP/2", for the request log
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)


class Pause(NamedTuple):
    """In a Response's ``stream``: wait this long before the next frame."""

    seconds: float


@dataclass
class Response:
    """What to send, and how.

    ``status`` None: send nothing and drop the connection (the ``close`` fault; over HTTP/2
    the stream is reset instead). ``headers`` never include framing (Content-Length,
    Transfer-Encoding, Connection): that is the server's. A plain response has ``body``; a
    streamed one has ``stream``, the event-stream frames to send one by one as they come,
    each flushed on its own, with ``Pause`` items between them. ``truncated``: the stream
    ends in the middle of a frame (HTTP/1.1 sends it close-delimited, not chunked).
    ``hang``: send the head (promising ``body``, or a stream), then nothing for that many
    seconds, then drop the connection (HTTP/2: reset the stream). ``then``: not an answer
    yet; wait ``wait`` seconds, then call ``then()`` for the Response (the ``delay`` fault).
    """

    status: int | None
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    stream: Iterator | None = None
    truncated: bool = False
    hang: float | None = None
    wait: float = 0.0
    then: Callable[[], "Response"] | None = None

    @property
    def streaming(self) -> bool:
        return self.stream is not None


def json_response(status: int, body, request_id: str, headers: dict | None = None) -> Response:
    return Response(status, {"x-amzn-RequestId": request_id, **(headers or {}),
                             "Content-Type": JSON_CONTENT_TYPE}, json.dumps(body).encode())


def error_response(err: ApiError, request_id: str) -> Response:
    headers, body = err.render()
    return json_response(err.status, body, request_id, headers)


class App:
    """The emulator's state and configuration, and the request handling over them."""

    def __init__(self, state, authenticator, token_delay_ms: int = 0):
        self.state = state
        self.authenticator = authenticator
        self.token_delay_ms = token_delay_ms
        # Set by the asyncio server, which alone speaks HTTP/2: drops those connections.
        self.kill_http2_connections = None

    def handle(self, request: Request) -> Response:
        """The Response to ``request``; never raises (an internal error is a 500)."""
        return _Exchange(self, request).guarded(_Exchange.route)


class _Exchange:
    """One request on its way through ``App.handle``: the request and its log entry."""

    def __init__(self, app: App, request: Request):
        self.app = app
        self.state = app.state
        self.request = request
        self.record = None

    def guarded(self, step) -> Response:
        try:
            response = step(self)
        except ApiError as err:
            response = error_response(err, self.request.request_id)
        except Exception:  # noqa: BLE001 - a bad request must never kill the server
            traceback.print_exc(file=sys.stderr)
            response = error_response(
                ApiError(500, "InternalServerException", "Emulator internal error."),
                self.request.request_id)
        if response.then is not None:
            then = response.then
            response.then = lambda: self.guarded(lambda _: then())
        elif self.record is not None:
            # Logged before the response goes out, so a client that reads the log as soon
            # as it has its answer sees the status.
            self.record["status"] = response.status
        return response

    def route(self) -> Response:
        target = self.request.target
        if target.startswith(("http://", "https://")):  # absolute-form, e.g. through a proxy
            parts = urlsplit(target)
            target = parts.path + ("?" + parts.query if parts.query else "")
        path, _, query = target.partition("?")
        if path.startswith("/_emulator/"):
            return self.control(path)
        return self.runtime(target, path, query)

    def json(self, status: int, body, headers: dict | None = None) -> Response:
        return json_response(status, body, self.request.request_id, headers)

    # -- runtime API --------------------------------------------------------------------

    def runtime(self, target: str, path: str, query: str) -> Response:
        http = self.request
        route = service.route(http.method, path)
        operation = route.operation.name if route else None
        self.record = self.state.record({
            "method": http.method, "path": path, "headers": _header_dict(http.headers),
            "body": _body_for_record(http.body), "operation": operation,
            "model_id": route.labels.get("modelId") if route else None,
            "format": None, "fault": None, "status": None, "http_version": http.http_version})
        if route is None:
            raise ApiError(404, "UnknownOperationException",
                           f"Unknown operation: {http.method} {path}")
        event_stream = operation == operations.BIDIRECTIONAL_STREAM
        signed = self.app.authenticator.authenticate(http.method, target, http.headers,
                                                     http.body, event_stream)
        input_chunks = None
        if event_stream:
            input_chunks = bidi.input_chunks(http.body, signed)
            self.record["body"] = [_body_for_record(chunk) for chunk in input_chunks]
        params = service.checked_input(route, query, http.headers, http.body)
        request = operations.Request(operation, params, http.body, http.headers,
                                     http.request_id, http.elapsed_ms, input_chunks)
        self.record["model_id"] = request.model_id
        fault = self.state.pop_fault() or _directive(request)
        if fault is not None:
            self.record["fault"] = fault.spec
            error = fault.error()
            if error is not None:
                raise error
            if fault.kind == "delay":
                return Response(None, wait=fault.ms / 1000,
                                then=lambda: self.answer(request, fault))
            if fault.kind == "close":
                return Response(None)
            if fault.kind == "hang":
                return self.head_only(request.streaming, fault.ms / 1000)
            if fault.kind == "garbage":
                content_type = (EVENTSTREAM_CONTENT_TYPE if request.streaming
                                else JSON_CONTENT_TYPE)
                return Response(200, {"x-amzn-RequestId": http.request_id,
                                      "Content-Type": content_type}, GARBAGE_BODY)
        return self.answer(request, fault)

    def head_only(self, streaming: bool, seconds: float) -> Response:
        headers = {"x-amzn-RequestId": self.request.request_id,
                   "Content-Type": EVENTSTREAM_CONTENT_TYPE if streaming else JSON_CONTENT_TYPE}
        return Response(200, headers, b"{}", stream=iter(()) if streaming else None,
                        hang=seconds)

    def answer(self, request: operations.Request, fault) -> Response:
        model_id = request.model_id
        if model_id is not None and model_id.startswith("missing."):
            raise ApiError(404, "ResourceNotFoundException",
                           "Could not resolve the foundation model from the provided model "
                           f"identifier: {model_id}")
        answer = operations.answer(request, self.state)
        self.record["format"] = answer.format
        if answer.events is None:
            return self.json(200, answer.body, answer.headers)
        kind = fault.kind if fault else None
        headers = {"x-amzn-RequestId": self.request.request_id, **answer.headers,
                   "Content-Type": EVENTSTREAM_CONTENT_TYPE}
        return Response(200, headers, stream=self.frames(answer, fault),
                        truncated=kind == "stream_truncate")

    def frames(self, answer: operations.Answer, fault) -> Iterator:
        """The stream's frames, made as they are sent (the latencies in the last event are
        measured then), with the token delay between them."""
        kind = fault.kind if fault else None
        delay_ms = fault.ms if kind == "token_delay" else self.app.token_delay_ms
        pause = Pause(delay_ms / 1000) if delay_ms else None
        events = iter(answer.events)
        if kind in faults.STREAM_KINDS:
            frames = [_encode(event)
                      for event in itertools.islice(events, _EVENTS_BEFORE_STREAM_FAULT)]
            following = next(events, None)
            # A short stream has no fourth event: spoil the last good one instead, and a stream
            # with no event at all (a Sonic session with no user turn) its exception frame.
            bad_frame = (_encode(following) if following else frames.pop() if frames
                         else encode_exception(fault.exception, fault.message))
            if kind == "stream_exception":
                frames.append(encode_exception(fault.exception, fault.message))
            elif kind == "stream_corrupt":
                frames.append(bad_frame[:-1] + bytes([bad_frame[-1] ^ 0xFF]))
            else:
                frames.append(bad_frame[: len(bad_frame) // 2])
        else:
            frames = (_encode(event) for event in events)
        for index, frame in enumerate(frames):
            if index and pause:
                yield pause
            yield frame

    # -- control API --------------------------------------------------------------------

    def control(self, path: str) -> Response:
        state = self.state
        route = (self.request.method, path)
        if route == ("GET", "/_emulator/health"):
            return self.json(200, {"status": "ok"})
        if route == ("POST", "/_emulator/faults"):
            return self.json(200, {"queued": state.add_faults(_parse_faults(self.request.body))})
        if route == ("GET", "/_emulator/faults"):
            return self.json(200, {"faults": [fault.spec for fault in state.faults()]})
        if route == ("DELETE", "/_emulator/faults"):
            state.clear_faults()
            return self.json(200, {})
        if route == ("GET", "/_emulator/requests"):
            return self.json(200, {"requests": state.requests()})
        if route == ("DELETE", "/_emulator/requests"):
            state.clear_requests()
            return self.json(200, {})
        if route == ("GET", "/_emulator/cache"):
            return self.json(200, {"prefixes": len(state.prompt_cache)})
        if route == ("DELETE", "/_emulator/cache"):
            state.prompt_cache.clear()
            return self.json(200, {})
        if route == ("GET", "/_emulator/async-invokes"):
            return self.json(200, {"invocations": len(state.async_invokes)})
        if route == ("DELETE", "/_emulator/async-invokes"):
            state.async_invokes.clear()
            return self.json(200, {})
        if route == ("DELETE", "/_emulator/http2-connections"):
            if self.app.kill_http2_connections is None:
                raise ApiError(404, "UnknownOperationException", "only the asyncio mode serves HTTP/2 connections")
            return self.json(200, {"killed": self.app.kill_http2_connections()})
        raise ApiError(404, "UnknownOperationException",
                       f"Unknown control operation: {self.request.method} {path}")


def _encode(event) -> bytes:
    if isinstance(event, operations.StreamError):
        return encode_exception(event.exception_type, event.message)
    return encode_event(*event)


def _directive(request: operations.Request):
    """The fault named by a ``[[fault:...]]`` directive in the latest user text, if any."""
    try:
        return faults.find_directive(operations.directive_text(request))
    except ValueError as exc:
        raise validation_error(f"Invalid fault directive: {exc}") from None


def _parse_faults(body: bytes) -> list:
    try:
        specs = json.loads(body).get("faults")
    except (ValueError, AttributeError):
        specs = None
    if not isinstance(specs, list):
        raise validation_error('Body must be {"faults": [fault, ...]}.')
    try:
        return [faults.parse_fault(spec) for spec in specs]
    except ValueError as exc:
        raise validation_error(f"Invalid fault: {exc}") from None


def _header_dict(headers) -> dict:
    merged = {}
    for name, value in headers.items():
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged


def _body_for_record(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")
