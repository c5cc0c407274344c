"""The emulator's HTTP server and its command line (``tools/emulator/server.py``)."""

import argparse
import contextlib
import os
import signal
import ssl
import sys
import threading
from http.server import ThreadingHTTPServer

from server_common.startup import parse_keys, write_atomically

from .auth import DEFAULT_BEARER_TOKENS, DEFAULT_CREDENTIALS, Authenticator
from .handler import Handler
from .state import State

CREDENTIALS_ENV = "BEDROCK_EMULATOR_CREDENTIALS"


class EmulatorServer(ThreadingHTTPServer):
    """A threading HTTP/1.1 server holding the emulator's state and configuration."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address=("127.0.0.1", 0), *, credentials=None, bearer_tokens=None,
                 token_delay_ms: int = 0, tls_cert: str | None = None, tls_key: str | None = None):
        super().__init__(address, Handler)
        self.scheme = "http"
        if tls_cert:
            # HTTPS for the clients' TLS tests: a certificate from a test CA of their own.
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert, tls_key)
            self.socket = context.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"
        self.state = State()
        self.stopping = threading.Event()  # wakes handlers hanging on a `hang` fault
        self.token_delay_ms = token_delay_ms
        self.authenticator = Authenticator(
            DEFAULT_CREDENTIALS if credentials is None else credentials,
            DEFAULT_BEARER_TOKENS if bearer_tokens is None else bearer_tokens,
            self.server_address[1])

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        return f"{self.scheme}://{host}:{port}"

    def server_close(self):
        self.stopping.set()
        super().server_close()


def load_credentials(path: str | None) -> dict:
    """Default credentials plus those from $BEDROCK_EMULATOR_CREDENTIALS and ``path``."""
    credentials = dict(DEFAULT_CREDENTIALS)
    sources = [(CREDENTIALS_ENV, os.environ.get(CREDENTIALS_ENV))]
    if path:
        with open(path, encoding="utf-8") as file:
            sources.append((path, file.read()))
    for origin, text in sources:
        if text:
            credentials.update(parse_keys(text, origin))
    return credentials


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Local Amazon Bedrock Runtime emulator.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one")
    parser.add_argument("--port-file", help="write the server URL to this file once listening")
    parser.add_argument("--token-delay-ms", type=int, default=0,
                        help="delay between streamed events (default 0)")
    parser.add_argument("--credentials", metavar="FILE",
                        help='JSON {"ACCESS_KEY_ID": "secret", ...} accepted besides the defaults')
    parser.add_argument("--bearer-tokens", metavar="T1,T2",
                        help="comma-separated bearer tokens accepted besides the default")
    parser.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate chain")
    parser.add_argument("--tls-key", metavar="PEM", help="the private key for --tls-cert")
    args = parser.parse_args(argv)
    try:
        args.credentials = load_credentials(args.credentials)
    except (OSError, ValueError) as exc:
        parser.error(f"--credentials: {exc}")
    extra_tokens = [t for t in (args.bearer_tokens or "").split(",") if t]
    args.bearer_tokens = [*DEFAULT_BEARER_TOKENS, *extra_tokens]
    if args.token_delay_ms < 0:
        parser.error("--token-delay-ms must be >= 0")
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    server = EmulatorServer((args.host, args.port), credentials=args.credentials,
                            bearer_tokens=args.bearer_tokens, token_delay_ms=args.token_delay_ms,
                            tls_cert=args.tls_cert, tls_key=args.tls_key)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if args.port_file:
            write_atomically(args.port_file, server.url)
        sys.stderr.write(f"bedrock emulator listening on {server.url}\n")
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if args.port_file:
            with contextlib.suppress(FileNotFoundError):
                os.remove(args.port_file)
