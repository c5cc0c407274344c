"""The asyncio server: HTTP/1.1 (keep-alive) and HTTP/2 on one port, every connection and
stream on one thread, so that thousands of streams can be open at once.

Over TLS, ALPN picks the protocol (``h2``, else ``http/1.1``). Over plain TCP a connection
that opens with the HTTP/2 preface (``PRI * HTTP/2.0...``) is HTTP/2 with prior knowledge
(h2c); anything else is HTTP/1.1 (an ``Upgrade: h2c`` header is ignored, as RFC 9113
allows). HTTP/2 is the ``h2`` package (sans-IO) over asyncio streams. What to answer comes
from ``app.App``, as for the threaded server. A stream's frames are sent by callbacks on
the event loop's timers (``_Pump``, ``_Pacer``), never a blocking sleep, each as soon as it
is made: one chunk on HTTP/1.1, one DATA frame on HTTP/2 (where the frames that every stream
of a connection made in one turn of the loop share a socket write).
"""

import asyncio
import contextlib
import email.parser
import email.utils
import http.client
import math
import resource
import socket
import struct
import sys
import time
import traceback
import uuid
from http import HTTPStatus

from server_common.startup import server_url

from .app import MAX_BODY_BYTES, Pause, Request, Response, error_response, json_response
from .errors import ApiError, validation_error

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
BACKLOG = 4096
# As nginx and AWS's load balancers set it: 1,000 streams need several connections, as on AWS.
MAX_CONCURRENT_STREAMS = 128
# Receive windows: large enough that a client never waits for a WINDOW_UPDATE to send a
# request body (the bodies are at most MAX_BODY_BYTES), on a stream or on the connection.
STREAM_WINDOW = 64 * 1024 * 1024
CONNECTION_WINDOW = 2**31 - 1
IDLE_SECONDS = 120  # an idle HTTP/1.1 keep-alive connection is closed after this
MAX_LINE = 65536
MAX_HEADER_LINES = 100
READ_SIZE = 256 * 1024
# A stream stops making frames while its connection has this much unsent; it looks again
# every CONGESTION_POLL seconds.
WRITE_BUFFER_LIMIT = 256 * 1024
CONGESTION_POLL = 0.005
SERVER_HEADER = f"BedrockEmulator/1.0 Python/{sys.version.split()[0]}"
_REASONS = {status.value: status.phrase for status in HTTPStatus}
_HEADER_PARSER = email.parser.Parser(_class=http.client.HTTPMessage)
# An HTTP/2 DATA frame's header: 24-bit length (as 16 + 8 bits), type 0, flags, stream id.
_DATA_FRAME_HEADER = struct.Struct(">HBBBI")


class AsyncEmulatorServer:
    """Listens on ``address`` at once (so that the port is known); ``serve`` runs it."""

    def __init__(self, address, make_app, ssl_context=None):
        _raise_file_limit()
        self.socket = socket.create_server(address, backlog=BACKLOG)
        self.server_address = self.socket.getsockname()
        self.scheme = "https" if ssl_context else "http"
        self.ssl_context = ssl_context
        self.app = make_app(self.server_address[1])
        self.app.kill_http2_connections = self._kill_http2_connections
        self._connections = set()
        self._http2_writers = set()
        self._pacer = None

    @property
    def url(self) -> str:
        return server_url(self.scheme, self.server_address)

    async def serve(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set, then close every connection."""
        self._pacer = _Pacer(asyncio.get_running_loop())
        server = await asyncio.start_server(
            self._connection, sock=self.socket, ssl=self.ssl_context, backlog=BACKLOG,
            limit=MAX_LINE, ssl_handshake_timeout=30 if self.ssl_context else None)
        async with server:
            await stop.wait()
            server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        task = asyncio.current_task()
        self._connections.add(task)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            ssl_object = writer.get_extra_info("ssl_object")
            if ssl_object is not None:
                initial = b""
                http2 = ssl_object.selected_alpn_protocol() == "h2"
            else:
                initial = await _sniff(reader)
                http2 = initial == PREFACE
            if http2:
                self._http2_writers.add(writer)
                await _Http2Connection(self.app, self._pacer, reader, writer).run(initial)
            else:
                await _Http1Connection(self.app, self._pacer, reader, writer, initial).run()
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError, OSError):
            pass
        except asyncio.CancelledError:
            pass
        except Exception:  # noqa: BLE001 - one connection must never kill the server
            traceback.print_exc(file=sys.stderr)
        finally:
            self._connections.discard(task)
            self._http2_writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)


    def _kill_http2_connections(self) -> int:
        """Drops every HTTP/2 connection at once, as a load balancer that goes away would:
        no GOAWAY, no reset, the TCP connection just ends. Returns how many there were."""
        writers = list(self._http2_writers)
        for writer in writers:
            writer.transport.abort()
        return len(writers)


async def _sniff(reader: asyncio.StreamReader) -> bytes:
    """The first bytes of a plain connection: the HTTP/2 preface whole, or as much as shows
    that it is not one (often the first byte)."""
    head = b""
    while len(head) < len(PREFACE) and PREFACE.startswith(head):
        data = await reader.read(len(PREFACE) - len(head))
        if not data:
            break
        head += data
    return head


async def _resolve(response: Response) -> Response:
    while response.then is not None:
        await asyncio.sleep(response.wait)
        response = response.then()
    return response


def _log(method: str, target: str, status) -> None:
    sys.stderr.write(f"{method or '-'} {(target or '-').partition('?')[0]} {status}\n")


_date = [0, ""]


def _http_date() -> str:
    now = int(time.time())
    if now != _date[0]:
        _date[:] = [now, email.utils.formatdate(now, usegmt=True)]
    return _date[1]


def _raise_file_limit() -> None:
    """A thousand connections need more descriptors than a soft limit of 1024."""
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or hard > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY
                                                        else max(soft, 65536), hard))


# -- streams --------------------------------------------------------------------------------

class _Pacer:
    """Wakes many streams with few loop timers: a due time is rounded up to the next
    millisecond, and one timer runs every callback due in that millisecond."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self._due: dict[int, list] = {}

    def call_later(self, seconds: float, callback) -> None:
        tick = math.ceil((self.loop.time() + seconds) * 1000)
        callbacks = self._due.get(tick)
        if callbacks is None:
            self._due[tick] = callbacks = []
            self.loop.call_at(tick / 1000, self._run, tick)
        callbacks.append(callback)

    def _run(self, tick: int) -> None:
        for callback in self._due.pop(tick):
            callback()


class _Pump:
    """Sends a Response's stream: each frame as soon as it is made, the pauses through the
    pacer. Callbacks only, so a frame costs no task switch and no future.

    ``send(data) -> int`` takes a frame and returns how many of its bytes it could send
    (HTTP/2 flow control may take fewer; the rest is tried again later). ``congested()``
    says the connection has too much unsent; it raises ConnectionError if the connection
    is gone. ``run()`` returns True once the stream has ended, False if making a frame
    failed (the traceback is logged); it raises ConnectionError."""

    def __init__(self, stream, send, congested, pacer: _Pacer):
        self.items = iter(stream)
        self.send = send
        self.congested = congested
        self.pacer = pacer
        self.pending = b""
        self.done = pacer.loop.create_future()

    async def run(self) -> bool:
        self._step()
        try:
            return await self.done
        finally:
            self.items = iter(())  # a cancelled stream stops making frames

    def _finish(self, result=None, error=None) -> None:
        if not self.done.done():
            if error is not None:
                self.done.set_exception(error)
            else:
                self.done.set_result(result)

    def _step(self) -> None:
        if self.done.done():
            return
        try:
            if self.pending:
                sent = self.send(self.pending)
                self.pending = self.pending[sent:]
                if self.pending:
                    self.pacer.call_later(CONGESTION_POLL, self._step)
                    return
            for item in self.items:
                if type(item) is Pause:
                    self.pacer.call_later(item.seconds, self._step)
                    return
                sent = self.send(item)
                if sent < len(item):
                    self.pending = item[sent:]
                    self.pacer.call_later(CONGESTION_POLL, self._step)
                    return
                if self.congested():
                    self.pacer.call_later(CONGESTION_POLL, self._step)
                    return
            self._finish(True)
        except ConnectionError as exc:
            self._finish(error=exc)
        except Exception:  # noqa: BLE001 - making a frame failed: the caller hangs up
            traceback.print_exc(file=sys.stderr)
            self._finish(False)


# -- HTTP/1.1 -----------------------------------------------------------------------------

class _BadRequest(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class _Http1Connection:
    """Requests one after another on a keep-alive connection (no pipelining needed: a
    pipelined request simply waits in the buffer)."""

    def __init__(self, app, pacer: _Pacer, reader, writer, initial: bytes):
        self.app = app
        self.pacer = pacer
        self.reader = reader
        self.writer = writer
        self.buffer = bytearray(initial)

    async def run(self) -> None:
        while True:
            try:
                async with asyncio.timeout(IDLE_SECONDS):
                    head = await self._read_head()
            except _BadRequest as bad:
                await self._send(_protocol_error(bad.status, str(bad)), "-", "-", "HTTP/1.1",
                                 keep_alive=False)
                return
            if head is None:
                return
            method, target, version, headers = head
            connection = (headers.get("Connection") or "").lower()
            keep_alive = ("close" not in connection if version == "HTTP/1.1"
                          else "keep-alive" in connection)
            request = Request(method, target, headers, b"", version)
            try:
                if (version == "HTTP/1.1"
                        and (headers.get("Expect") or "").lower() == "100-continue"):
                    self.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                async with asyncio.timeout(IDLE_SECONDS):
                    request.body = await self._read_body(headers)
            except ApiError as err:
                response, keep_alive = error_response(err, request.request_id), False
            except _BadRequest as bad:  # a chunk-size line too long
                response, keep_alive = _protocol_error(bad.status, str(bad)), False
            else:
                response = await _resolve(self.app.handle(request))
            if not await self._send(response, method, target, version, keep_alive):
                return

    # -- reading ------------------------------------------------------------------------

    async def _fill(self) -> bool:
        data = await self.reader.read(READ_SIZE)
        self.buffer += data
        return bool(data)

    async def _line(self) -> bytes:
        """One line with its ending; what is left at EOF; b"" at EOF."""
        start = 0
        while True:
            end = self.buffer.find(b"\n", start)
            if end >= 0:
                line = bytes(self.buffer[:end + 1])
                del self.buffer[:end + 1]
                return line
            if len(self.buffer) > MAX_LINE:
                raise _BadRequest(431, "Line too long")
            start = len(self.buffer)
            if not await self._fill():
                line = bytes(self.buffer)
                self.buffer.clear()
                return line

    async def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not await self._fill():
                raise ConnectionError("client closed the connection mid-body")
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    async def _read_head(self):
        """``(method, target, version, headers)``, or None at EOF."""
        line = await self._line()
        while line in (b"\r\n", b"\n"):  # blank lines before a request are allowed
            line = await self._line()
        if not line:
            return None
        words = line.decode("iso-8859-1").rstrip("\r\n").split()
        if len(words) != 3 or words[2] not in ("HTTP/1.1", "HTTP/1.0"):
            if len(words) == 3 and words[2].startswith("HTTP/"):
                raise _BadRequest(505, f"Invalid HTTP version ({words[2]})")
            raise _BadRequest(400, f"Bad request syntax ({line.rstrip()!r})")
        lines = []
        while True:
            header = await self._line()
            if header in (b"\r\n", b"\n", b""):
                break
            lines.append(header)
            if len(lines) > MAX_HEADER_LINES:
                raise _BadRequest(431, "Too many headers")
        headers = _HEADER_PARSER.parsestr(b"".join(lines).decode("iso-8859-1"))
        return words[0], words[1], words[2], headers

    async def _read_body(self, headers) -> bytes:
        if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
            return await self._read_chunked_body()
        length = (headers.get("Content-Length") or "0").strip()
        if not length.isdigit():
            raise validation_error(f"Invalid Content-Length: {length!r}")
        if int(length) > MAX_BODY_BYTES:
            raise ApiError(413, "ValidationException", "Request body too large.")
        return await self._exactly(int(length))

    async def _read_chunked_body(self) -> bytes:
        body = bytearray()
        while True:
            line = await self._line()
            try:
                size = int(line.split(b";")[0], 16)
            except ValueError:
                raise validation_error("Malformed chunked request body.") from None
            if size == 0:
                while await self._line() not in (b"\r\n", b"\n", b""):
                    pass  # skip trailers
                return bytes(body)
            if len(body) + size > MAX_BODY_BYTES:
                raise ApiError(413, "ValidationException", "Request body too large.")
            body += await self._exactly(size)
            await self._line()  # CRLF after the chunk data

    # -- writing ------------------------------------------------------------------------

    async def _send(self, response: Response, method: str, target: str, version: str,
                    keep_alive: bool) -> bool:
        """Send ``response``; return whether the connection stays open."""
        writer = self.writer
        if response.status is None:
            _log(method, target, "closed")
            return False
        streaming = response.streaming
        # Truncation is clearest on a close-delimited body; HTTP/1.0 has no chunked encoding.
        chunked = streaming and not response.truncated and version != "HTTP/1.0"
        status = response.status
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, '')}\r\n"
                f"Server: {SERVER_HEADER}\r\nDate: {_http_date()}\r\n"]
        head.extend(f"{name}: {value}\r\n" for name, value in response.headers.items())
        if chunked:
            head.append("Transfer-Encoding: chunked\r\n")
        elif streaming:
            keep_alive = False
            head.append("Connection: close\r\n")
        else:
            head.append(f"Content-Length: {len(response.body)}\r\n")
            if not keep_alive:
                head.append("Connection: close\r\n")
            elif version == "HTTP/1.0":
                head.append("Connection: keep-alive\r\n")
        head.append("\r\n")
        head = "".join(head).encode("latin-1")
        _log(method, target, status)
        if response.hang is not None:
            writer.write(head)
            await writer.drain()
            await asyncio.sleep(response.hang)
            return False
        if not streaming:
            writer.write(head + response.body)
            await writer.drain()
            return keep_alive
        writer.write(head)
        transport = writer.transport

        def send(frame: bytes) -> int:
            transport.write(b"%x\r\n%s\r\n" % (len(frame), frame) if chunked else frame)
            return len(frame)

        if not await _Pump(response.stream, send, _congestion(transport), self.pacer).run():
            return False
        if chunked:
            writer.write(b"0\r\n\r\n")
        await writer.drain()
        return keep_alive


def _congestion(transport):
    def congested() -> bool:
        if transport.is_closing():
            raise ConnectionError("the client went away")
        return transport.get_write_buffer_size() > WRITE_BUFFER_LIMIT
    return congested


def _protocol_error(status: int, message: str) -> Response:
    return json_response(status, {"message": message}, str(uuid.uuid4()))


# -- HTTP/2 -------------------------------------------------------------------------------

class _Stream:
    __slots__ = ("headers", "body", "too_large")

    def __init__(self, headers):
        self.headers = headers
        self.body = bytearray()
        self.too_large = False


class _Http2Connection:
    """One HTTP/2 connection: a read loop feeding ``h2``, and one task per request stream."""

    def __init__(self, app, pacer: _Pacer, reader, writer):
        import h2.config
        import h2.connection
        import h2.settings

        self.app = app
        self.pacer = pacer
        self.reader = reader
        self.writer = writer
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(
            client_side=False, header_encoding="utf-8"))
        self.conn.local_settings = h2.settings.Settings(client=False, initial_values={
            h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: MAX_CONCURRENT_STREAMS,
            h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: STREAM_WINDOW,
            h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: MAX_LINE * 4,
        })
        self.streams: dict[int, _Stream] = {}
        self.tasks: dict[int, asyncio.Task] = {}
        self.window_waiters: list[asyncio.Future] = []
        self._flush_scheduled = False
        self._out = bytearray()  # DATA frames made by send_event_data, and what h2 had before

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if self._out:
            data = bytes(self._out) + data
            self._out.clear()
        if data:
            self.writer.write(data)

    def send_event_data(self, sid: int, frame: bytes) -> int:
        """Queue ``frame`` (an event-stream frame) as DATA on stream ``sid``, as much as
        flow control allows; return how many bytes that was.

        The hot path of a thousand streams: h2's ``send_data`` costs more than the rest of
        a frame's sending, so the DATA frames are made here, and h2's flow-control windows
        (the connection's and the stream's, which it keeps as plain attributes) are charged
        for them just as ``send_data`` would. Anything h2 has queued goes out first."""
        conn = self.conn
        stream = conn.streams.get(sid)
        if stream is None or not stream.open:
            raise ConnectionError("the stream is closed")
        size = min(len(frame), conn.outbound_flow_control_window,
                   stream.outbound_flow_control_window)
        if size <= 0:
            return 0
        out = self._out
        out += conn.data_to_send()
        largest = conn.max_outbound_frame_size
        for start in range(0, size, largest):
            length = min(size - start, largest)
            out += _DATA_FRAME_HEADER.pack(length >> 8, length & 0xFF, 0, 0, sid)
            out += frame[start:start + length]
        conn.outbound_flow_control_window -= size
        stream.outbound_flow_control_window -= size
        self.flush_soon()
        return size

    def flush_soon(self) -> None:
        """Send what h2 has queued at the end of this turn of the event loop: the frames
        of every stream whose turn it was go out in one write (each its own DATA frame)."""
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush_now)

    def _flush_now(self) -> None:
        self._flush_scheduled = False
        if not self.writer.is_closing():
            self.flush()

    async def run(self, initial: bytes) -> None:
        import h2.events
        import h2.exceptions

        conn = self.conn
        conn.initiate_connection()
        conn.increment_flow_control_window(CONNECTION_WINDOW - conn.inbound_flow_control_window)
        self.flush()
        data = initial
        try:
            while True:
                if data:
                    try:
                        events = conn.receive_data(data)
                    except h2.exceptions.ProtocolError:
                        self.flush()  # the GOAWAY h2 has queued
                        return
                    for event in events:
                        if self._event(event, h2.events) is False:
                            self.flush()
                            return
                    self.flush()
                data = await self.reader.read(READ_SIZE)
                if not data:
                    return
        finally:
            for task in list(self.tasks.values()):
                task.cancel()
            self._wake()

    def _event(self, event, events):
        sid = getattr(event, "stream_id", None)
        if isinstance(event, events.RequestReceived):
            self.streams[sid] = _Stream(event.headers)
        elif isinstance(event, events.DataReceived):
            stream = self.streams.get(sid)
            with contextlib.suppress(Exception):
                self.conn.acknowledge_received_data(event.flow_controlled_length, sid)
            if stream is not None and not stream.too_large:
                if len(stream.body) + len(event.data) > MAX_BODY_BYTES:
                    stream.too_large = True
                    stream.body = bytearray()
                else:
                    stream.body += event.data
        elif isinstance(event, events.StreamEnded):
            stream = self.streams.pop(sid, None)
            if stream is not None:
                task = asyncio.create_task(self._respond(sid, stream))
                self.tasks[sid] = task
                task.add_done_callback(lambda _, sid=sid: self.tasks.pop(sid, None))
        elif isinstance(event, events.StreamReset):
            self.streams.pop(sid, None)
            task = self.tasks.get(sid)
            if task is not None:
                task.cancel()
        elif isinstance(event, (events.WindowUpdated, events.RemoteSettingsChanged)):
            self._wake()
        elif isinstance(event, events.ConnectionTerminated):
            return False
        return None

    def _wake(self) -> None:
        waiters, self.window_waiters = self.window_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _send_data(self, sid: int, data: bytes, end_stream: bool) -> None:
        conn = self.conn
        while True:
            size = min(len(data), conn.local_flow_control_window(sid),
                       conn.max_outbound_frame_size)
            if size <= 0 and data:
                waiter = asyncio.get_running_loop().create_future()
                self.window_waiters.append(waiter)
                await waiter
                continue
            chunk, data = data[:size], data[size:]
            conn.send_data(sid, chunk, end_stream=end_stream and not data)
            self.flush_soon()
            if not data:
                break
        if self.writer.transport.get_write_buffer_size():
            await self.writer.drain()  # waits only while the buffer is over its high mark

    async def _respond(self, sid: int, stream: _Stream) -> None:
        import h2.errors
        import h2.exceptions

        conn = self.conn
        pseudo = {}
        headers = http.client.HTTPMessage()
        for name, value in stream.headers:
            if name.startswith(":"):
                pseudo[name] = value
            else:
                headers[name] = value
        if "host" not in headers and ":authority" in pseudo:
            headers["host"] = pseudo[":authority"]
        method, target = pseudo.get(":method", ""), pseudo.get(":path", "")
        request = Request(method, target, headers, bytes(stream.body), "HTTP/2")
        try:
            if stream.too_large:
                response = error_response(
                    ApiError(413, "ValidationException", "Request body too large."),
                    request.request_id)
            else:
                response = await _resolve(self.app.handle(request))
            if response.status is None:
                _log(method, target, "closed")
                conn.reset_stream(sid, h2.errors.ErrorCodes.INTERNAL_ERROR)
                self.flush_soon()
                return
            fields = [(":status", str(response.status)), ("server", SERVER_HEADER),
                      ("date", _http_date())]
            fields.extend((name.lower(), str(value)) for name, value in response.headers.items())
            if not response.streaming:
                fields.append(("content-length", str(len(response.body))))
            _log(method, target, response.status)
            if response.hang is not None:
                conn.send_headers(sid, fields)
                self.flush_soon()
                await asyncio.sleep(response.hang)
                conn.reset_stream(sid, h2.errors.ErrorCodes.INTERNAL_ERROR)
                self.flush_soon()
                return
            if not response.streaming:
                conn.send_headers(sid, fields, end_stream=not response.body)
                self.flush_soon()
                if response.body:
                    await self._send_data(sid, response.body, True)
                return
            conn.send_headers(sid, fields)
            self.flush_soon()
            congested = _congestion(self.writer.transport)

            def send(frame: bytes) -> int:
                return self.send_event_data(sid, frame)

            if not await _Pump(response.stream, send, congested, self.pacer).run():
                conn.reset_stream(sid, h2.errors.ErrorCodes.INTERNAL_ERROR)
                self.flush_soon()
                return
            conn.end_stream(sid)
            self.flush_soon()
        except (asyncio.CancelledError, ConnectionError, h2.exceptions.StreamClosedError):
            pass  # the client reset the stream or went away
        except h2.exceptions.ProtocolError:
            pass
