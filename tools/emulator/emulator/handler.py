"""HTTP/1.1 request handler: the Bedrock Runtime routes and the ``/_emulator`` control API."""

import itertools
import json
import re
import sys
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote, urlsplit

from . import faults, operations
from .errors import ApiError, validation_error
from .eventstream import encode_message

_ROUTE = re.compile(r"/model/([^/]+)/(%s)" % "|".join(map(re.escape, operations.OPERATIONS)))
MAX_BODY_BYTES = 32 * 1024 * 1024
EVENTSTREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream"
GARBAGE_BODY = b"<html><body><h1>502 Bad Gateway</h1> this is not JSON</body></html>\n"
# Events sent before a stream fault strikes (for Converse: messageStart and two deltas).
_EVENTS_BEFORE_STREAM_FAULT = 3


def encode_event(event_type: str, payload: dict) -> bytes:
    """One ``:message-type: event`` frame with a JSON payload."""
    return encode_message([(":event-type", "string", event_type),
                           (":content-type", "string", "application/json"),
                           (":message-type", "string", "event")],
                          json.dumps(payload, separators=(",", ":")).encode())


def encode_exception(exception_type: str, message: str) -> bytes:
    """One ``:message-type: exception`` frame."""
    return encode_message([(":exception-type", "string", exception_type),
                           (":content-type", "string", "application/json"),
                           (":message-type", "string", "exception")],
                          json.dumps({"message": message}).encode())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BedrockEmulator/1.0"
    # StreamRequestHandler.setup() sets TCP_NODELAY on the accepted socket; without it
    # Nagle plus delayed ACKs add ~40 ms to every small response.
    disable_nagle_algorithm = True
    timeout = 120  # seconds an idle keep-alive connection is kept

    def handle_one_request(self):
        self.path = ""
        self._request_id = str(uuid.uuid4())
        self._started = time.monotonic()
        self._status = None
        self._record = None
        super().handle_one_request()

    def _handle(self):
        target = self.path
        if target.startswith(("http://", "https://")):  # absolute-form, e.g. through a proxy
            parts = urlsplit(target)
            target = parts.path + ("?" + parts.query if parts.query else "")
        path = target.partition("?")[0]
        try:
            body = self._read_body()
            if path.startswith("/_emulator/"):
                self._control(path, body)
            else:
                self._runtime(target, path, body)
        except ApiError as err:
            self._send_error(err)
        except (TimeoutError, ConnectionError):
            self.close_connection = True
        except Exception:  # noqa: BLE001 - a bad request must never kill the server
            traceback.print_exc(file=sys.stderr)
            self._send_error(ApiError(500, "InternalServerException", "Emulator internal error."))
        finally:
            if self._record is not None:
                self._record["status"] = self._status

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    # -- runtime API --------------------------------------------------------------------

    def _runtime(self, target: str, path: str, body: bytes) -> None:
        route = _ROUTE.fullmatch(path) if self.command == "POST" else None
        operation = operations.OPERATIONS[route[2]] if route else None
        model_id = unquote(route[1]) if route else None
        self._record = self.server.state.record({
            "method": self.command, "path": path, "headers": _header_dict(self.headers),
            "body": _body_for_record(body), "operation": operation, "model_id": model_id,
            "format": None, "fault": None, "status": None})
        if route is None:
            raise ApiError(404, "UnknownOperationException",
                           f"Unknown operation: {self.command} {path}")
        self.server.authenticator.authenticate(self.command, target, self.headers, body)

        request = operations.Request(operation, model_id, body, self.headers,
                                     self._request_id, self._elapsed_ms)
        fault = self.server.state.pop_fault() or _directive(request)
        if fault is not None:
            self._record["fault"] = fault.spec
            if self._apply_fault(fault, request.streaming):
                return
        if model_id.startswith("missing."):
            raise ApiError(404, "ResourceNotFoundException",
                           "Could not resolve the foundation model from the provided model "
                           f"identifier: {model_id}")
        answer = operations.answer(request, self.server.state)
        self._record["format"] = answer.format
        if answer.events is not None:
            self._send_stream(answer, fault)
        else:
            self._send_json(200, answer.body, answer.headers)

    def _apply_fault(self, fault: faults.Fault, streaming: bool) -> bool:
        """Act on a fault that strikes before the answer; True if the request is done."""
        error = fault.error()
        if error is not None:
            raise error
        if fault.kind == "delay":
            time.sleep(fault.ms / 1000)
        elif fault.kind == "close":
            self.close_connection = True
            self.log_request("closed")
            return True
        elif fault.kind == "hang":
            self._send_headers(200, streaming, content_length=2)
            self.server.stopping.wait(fault.ms / 1000)
            self.close_connection = True
            return True
        elif fault.kind == "garbage":
            content_type = EVENTSTREAM_CONTENT_TYPE if streaming else "application/json"
            self._send_body(200, GARBAGE_BODY, {"Content-Type": content_type})
            return True
        return False

    def _send_stream(self, answer: operations.Answer, fault) -> None:
        kind = fault.kind if fault else None
        delay_ms = fault.ms if kind == "token_delay" else self.server.token_delay_ms
        # Truncation is clearest on a close-delimited body; HTTP/1.0 has no chunked encoding.
        chunked = kind != "stream_truncate" and self.request_version != "HTTP/1.0"
        self._send_headers(200, True, chunked=chunked, extra=answer.headers)
        events = iter(answer.events)
        if kind in faults.STREAM_KINDS:
            frames = [encode_event(*event)
                      for event in itertools.islice(events, _EVENTS_BEFORE_STREAM_FAULT)]
            following = next(events, None)
            # A short stream has no fourth event: spoil the last good one instead.
            bad_frame = encode_event(*following) if following else frames.pop()
            if kind == "stream_exception":
                frames.append(encode_exception(fault.exception, fault.message))
            elif kind == "stream_corrupt":
                frames.append(bad_frame[:-1] + bytes([bad_frame[-1] ^ 0xFF]))
            else:
                frames.append(bad_frame[: len(bad_frame) // 2])
        else:
            frames = (encode_event(*event) for event in events)
        for index, frame in enumerate(frames):
            if index and delay_ms:
                time.sleep(delay_ms / 1000)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame) if chunked else frame)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    # -- control API --------------------------------------------------------------------

    def _control(self, path: str, body: bytes) -> None:
        state = self.server.state
        route = (self.command, path)
        if route == ("GET", "/_emulator/health"):
            self._send_json(200, {"status": "ok"})
        elif route == ("POST", "/_emulator/faults"):
            queued = state.add_faults(_parse_faults(body))
            self._send_json(200, {"queued": queued})
        elif route == ("GET", "/_emulator/faults"):
            self._send_json(200, {"faults": [fault.spec for fault in state.faults()]})
        elif route == ("DELETE", "/_emulator/faults"):
            state.clear_faults()
            self._send_json(200, {})
        elif route == ("GET", "/_emulator/requests"):
            self._send_json(200, {"requests": state.requests()})
        elif route == ("DELETE", "/_emulator/requests"):
            state.clear_requests()
            self._send_json(200, {})
        elif route == ("GET", "/_emulator/cache"):
            self._send_json(200, {"prefixes": len(state.prompt_cache)})
        elif route == ("DELETE", "/_emulator/cache"):
            state.prompt_cache.clear()
            self._send_json(200, {})
        else:
            raise ApiError(404, "UnknownOperationException", f"Unknown control operation: "
                                                             f"{self.command} {path}")

    # -- HTTP plumbing ------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked_body()
        length = (self.headers.get("Content-Length") or "0").strip()
        if not length.isdigit():
            self.close_connection = True
            raise validation_error(f"Invalid Content-Length: {length!r}")
        if int(length) > MAX_BODY_BYTES:
            self.close_connection = True
            raise ApiError(413, "ValidationException", "Request body too large.")
        body = self.rfile.read(int(length))
        if len(body) < int(length):
            raise ConnectionError("client closed the connection mid-body")
        return body

    def _read_chunked_body(self) -> bytes:
        body = bytearray()
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0], 16)
            except ValueError:
                self.close_connection = True
                raise validation_error("Malformed chunked request body.") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # skip trailers
                return bytes(body)
            if len(body) + size > MAX_BODY_BYTES:
                self.close_connection = True
                raise ApiError(413, "ValidationException", "Request body too large.")
            body += self.rfile.read(size)
            self.rfile.readline(1024)  # CRLF after the chunk data

    def _send_headers(self, status: int, streaming: bool, *, chunked: bool = True,
                      content_length: int | None = None, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("x-amzn-RequestId", self._request_id)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if streaming:
            self.send_header("Content-Type", EVENTSTREAM_CONTENT_TYPE)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
        else:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(content_length))
        self.end_headers()

    def _send_body(self, status: int, data: bytes, headers: dict) -> None:
        self.send_response(status)
        self.send_header("x-amzn-RequestId", self._request_id)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _send_json(self, status: int, body: dict, headers: dict | None = None) -> None:
        self._send_body(status, json.dumps(body).encode(),
                        {"Content-Type": "application/json", **(headers or {})})

    def _send_error(self, err: ApiError) -> None:
        if self._status is not None:  # the response has started; all we can do is hang up
            self.close_connection = True
            return
        headers, body = err.render()
        self._send_json(err.status, body, headers)

    def send_response(self, code, message=None):
        self._status = int(code)
        # Logged before the response goes out, so a client that reads the log as soon as it
        # has its answer sees the status.
        if self._record is not None:
            self._record["status"] = self._status
        super().send_response(code, message)

    def send_error(self, code, message=None, explain=None):
        """Answer protocol-level errors (bad request line, unsupported method) as JSON."""
        self.close_connection = True
        default = self.responses.get(code, ("Error",))[0]
        self._send_json(int(code), {"message": message or default})

    def log_request(self, code="-", size="-"):
        path = (self.path or "-").partition("?")[0]
        sys.stderr.write(f"{self.command or '-'} {path} {getattr(code, 'value', code)}\n")

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        sys.stderr.write(f"emulator: {format % args}\n")

    def _elapsed_ms(self) -> int:
        return int((time.monotonic() - self._started) * 1000)


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
