"""The threaded server's HTTP/1.1 side: read a request, let ``app.App`` answer it, send the
answer (one thread per connection, ``time.sleep`` for the pauses)."""

import sys
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler

from .app import MAX_BODY_BYTES, Pause, Request, Response, error_response, json_response
from .app import encode_event, encode_exception  # noqa: F401 - their old home (bench/driver.py)
from .errors import ApiError, validation_error


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BedrockEmulator/1.0"
    # StreamRequestHandler.setup() sets TCP_NODELAY on the accepted socket; without it
    # Nagle plus delayed ACKs add ~40 ms to every small response.
    disable_nagle_algorithm = True
    timeout = 120  # seconds an idle keep-alive connection is kept

    def handle_one_request(self):
        self.path = ""
        self._request_id = None
        super().handle_one_request()

    def _handle(self):
        request = Request(self.command, self.path, self.headers, b"", self.request_version)
        self._request_id = request.request_id
        try:
            request.body = self._read_body()
        except ApiError as err:
            response = error_response(err, request.request_id)
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        else:
            response = self.server.app.handle(request)
            while response.then is not None:
                time.sleep(response.wait)
                response = response.then()
        try:
            self._send(response)
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def _send(self, response: Response) -> None:
        if response.status is None:
            self.close_connection = True
            self.log_request("closed")
            return
        streaming = response.streaming
        # Truncation is clearest on a close-delimited body; HTTP/1.0 has no chunked encoding.
        chunked = streaming and not response.truncated and self.request_version != "HTTP/1.0"
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif streaming:
            self.close_connection = True
            self.send_header("Connection", "close")
        else:
            self.send_header("Content-Length", str(len(response.body)))
            if self.close_connection:
                self.send_header("Connection", "close")
        self.end_headers()
        if response.hang is not None:
            self.server.stopping.wait(response.hang)
            self.close_connection = True
        elif not streaming:
            self.wfile.write(response.body)
        else:
            self._send_stream(response.stream, chunked)

    def _send_stream(self, stream, chunked: bool) -> None:
        try:
            for item in stream:
                if isinstance(item, Pause):
                    time.sleep(item.seconds)
                else:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(item), item) if chunked else item)
        except (TimeoutError, ConnectionError):
            raise
        except Exception:  # noqa: BLE001 - the response has started: all we can do is hang up
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            return
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

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

    def send_error(self, code, message=None, explain=None):
        """Answer protocol-level errors (bad request line, unsupported method) as JSON."""
        self.close_connection = True
        default = self.responses.get(code, ("Error",))[0]
        response = json_response(int(code), {"message": message or default},
                                 self._request_id or str(uuid.uuid4()))
        self._send(response)

    def log_request(self, code="-", size="-"):
        path = (self.path or "-").partition("?")[0]
        sys.stderr.write(f"{self.command or '-'} {path} {getattr(code, 'value', code)}\n")

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        sys.stderr.write(f"emulator: {format % args}\n")
