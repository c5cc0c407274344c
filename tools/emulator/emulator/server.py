"""The emulator's servers and their command line (``tools/emulator/server.py``).

Two modes answer the same way (``app.App``): ``threaded``, the default, an http.server
ThreadingHTTPServer (HTTP/1.1, a thread per connection), and ``asyncio`` (``aio.py``:
HTTP/1.1 and HTTP/2 on one thread, for thousands of concurrent streams).
"""

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
from http.server import ThreadingHTTPServer

from server_common.startup import parse_keys, server_url, write_atomically

from .app import App
from .auth import DEFAULT_BEARER_TOKENS, DEFAULT_CREDENTIALS, Authenticator
from .handler import Handler
from .state import State

CREDENTIALS_ENV = "BEDROCK_EMULATOR_CREDENTIALS"
MODE_ENV = "BEDROCK_EMULATOR_MODE"
MODES = ("threaded", "asyncio")


def app_factory(*, credentials=None, bearer_tokens=None, token_delay_ms: int = 0):
    """``make_app(port) -> App``: the authenticator must know the port clients sign."""
    def make_app(port: int) -> App:
        return App(State(), Authenticator(
            DEFAULT_CREDENTIALS if credentials is None else credentials,
            DEFAULT_BEARER_TOKENS if bearer_tokens is None else bearer_tokens, port),
            token_delay_ms)
    return make_app


class EmulatorServer(ThreadingHTTPServer):
    """The threaded HTTP/1.1 server: one thread per connection."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024

    def __init__(self, address=("127.0.0.1", 0), make_app=None, ssl_context=None):
        super().__init__(address, Handler)
        self.scheme = "http"
        if ssl_context is not None:
            # HTTPS for the clients' TLS tests: a certificate from a test CA of their own.
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"
        self.stopping = threading.Event()  # wakes handlers hanging on a `hang` fault
        self.app = (make_app or app_factory())(self.server_address[1])

    @property
    def url(self) -> str:
        return server_url(self.scheme, self.server_address)

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
    parser.add_argument("--mode", choices=MODES, default=os.environ.get(MODE_ENV) or "threaded",
                        help="threaded: HTTP/1.1, a thread per connection; asyncio: HTTP/1.1 "
                             "and HTTP/2 (h2 by ALPN over TLS, h2c by prior knowledge) on one "
                             f"thread (default ${MODE_ENV}, else threaded)")
    parser.add_argument("--tls", action="store_true",
                        help="serve HTTPS with a certificate for 127.0.0.1/localhost from a "
                             "throwaway test CA made at startup (its ca.pem goes to --tls-dir)")
    parser.add_argument("--tls-dir", metavar="DIR",
                        help="where --tls writes ca.pem, server.pem and server.key "
                             "(default: a temporary directory, removed at exit)")
    parser.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate chain")
    parser.add_argument("--tls-key", metavar="PEM", help="the private key for --tls-cert")
    args = parser.parse_args(argv)
    if args.mode not in MODES:
        parser.error(f"--mode (or ${MODE_ENV}) must be one of {', '.join(MODES)}")
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
    if args.tls and args.tls_cert:
        parser.error("--tls makes its own certificate; give either --tls or --tls-cert/--tls-key")
    if args.tls_dir and not args.tls:
        parser.error("--tls-dir goes with --tls")
    if args.mode == "asyncio":
        try:
            import h2  # noqa: F401
        except ImportError:
            parser.error("--mode asyncio needs the h2 package (pip install h2; "
                         "scripts/ensure-deps.sh installs it into .venv)")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    tls_dir, ca_file, temporary = None, None, False
    if args.tls:
        tls_dir = args.tls_dir or tempfile.mkdtemp(prefix="bedrock-emulator-tls-")
        temporary = not args.tls_dir
        from .tls import make_test_certificate
        ca_file, args.tls_cert, args.tls_key = make_test_certificate(tls_dir)
    context = None
    if args.tls_cert:
        from .tls import server_context
        alpn = ("h2", "http/1.1") if args.mode == "asyncio" else ("http/1.1",)
        context = server_context(args.tls_cert, args.tls_key, alpn)
    make_app = app_factory(credentials=args.credentials, bearer_tokens=args.bearer_tokens,
                           token_delay_ms=args.token_delay_ms)
    try:
        if args.mode == "asyncio":
            _serve_asyncio(args, make_app, context, ca_file)
        else:
            _serve_threaded(args, make_app, context, ca_file)
    finally:
        if args.port_file:
            with contextlib.suppress(FileNotFoundError):
                os.remove(args.port_file)
        if temporary:
            shutil.rmtree(tls_dir, ignore_errors=True)


def _announce(args, url: str, mode: str, ca_file) -> None:
    if args.port_file:
        write_atomically(args.port_file, url)
    trust = f"; test CA {ca_file}" if ca_file else ""
    sys.stderr.write(f"bedrock emulator listening on {url} ({mode}{trust})\n")


def _serve_threaded(args, make_app, context, ca_file) -> None:
    server = EmulatorServer((args.host, args.port), make_app, context)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        _announce(args, server.url, "threaded, HTTP/1.1", ca_file)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _serve_asyncio(args, make_app, context, ca_file) -> None:
    from .aio import AsyncEmulatorServer

    server = AsyncEmulatorServer((args.host, args.port), make_app, context)

    async def serve():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await server.serve(stop)

    protocols = "HTTP/1.1 and HTTP/2 by ALPN" if context else "HTTP/1.1 and h2c"
    _announce(args, server.url, f"asyncio, {protocols}", ca_file)
    try:
        asyncio.run(serve())
    finally:
        server.socket.close()
