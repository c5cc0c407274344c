"""The HTTP plumbing every server shares: HTTP/1.1 keep-alive, TCP_NODELAY, a request log,
and the ``/_control`` API (on every server; they share one state)."""

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .state import State

MAX_BODY_BYTES = 1 << 20


class CredentialServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, kind: str, handler, state: State, address=("127.0.0.1", 0)):
        super().__init__(address, handler)
        self.kind = kind
        self.state = state

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class BaseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Nagle plus delayed ACKs would add ~40 ms to every small response after the first.
    disable_nagle_algorithm = True
    timeout = 30

    server: CredentialServer

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's name
        pass  # the request log is kept in the state, and these logs would hold no secrets anyway

    @property
    def state(self) -> State:
        return self.server.state

    @property
    def behaviour(self) -> dict:
        return self.state.behaviour

    def do_GET(self):
        self._dispatch("GET")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_POST(self):
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.reply(413, b"too large", "text/plain")
            return
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if path.startswith("/_control/"):
            self._control(method, path, body)
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.state.record(self.server.kind, method, self.path, headers)
        self.handle_request(method, body)

    def _control(self, method: str, path: str, body: bytes) -> None:
        if method == "GET" and path == "/_control/health":
            self.reply_json(200, {"ok": True})
        elif method == "GET" and path == "/_control/state":
            self.reply_json(200, self.state.snapshot())
        elif method == "POST" and path == "/_control/reset":
            self.state.reset(json.loads(body or b"{}"))
            self.reply_json(200, {"ok": True})
        else:
            self.reply_json(404, {"message": f"no control route {method} {path}"})

    def handle_request(self, method: str, body: bytes) -> None:
        raise NotImplementedError

    # ---- helpers for the servers ----

    def issue_credentials(self) -> dict | None:
        """After the configured delay, the next credentials from the pool for this server
        (see State.issue); None if the configured override has answered instead."""
        self.delay()
        if self.override():
            return None
        return self.state.issue(self.server.kind)

    def delay(self) -> None:
        milliseconds = self.behaviour.get("delay_ms") or 0
        if milliseconds:
            time.sleep(milliseconds / 1000)

    def override(self) -> bool:
        """Answers with the configured override for this server, if there is one."""
        override = self.behaviour["override"].get(self.server.kind)
        if not override:
            return False
        self.reply(override.get("status", 200), override.get("body", "").encode(), "application/json")
        return True

    def reply(self, status: int, body: bytes, content_type: str, headers=()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def reply_json(self, status: int, document, headers=()) -> None:
        self.reply(status, json.dumps(document).encode(), "application/json", headers)


def iso8601(moment, milliseconds: bool = False) -> str:
    if milliseconds:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
