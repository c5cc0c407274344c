"""Start and stop a background emulator whose URL and pid live in a state directory.

``start`` leaves ``DIR/url`` (the base URL), ``DIR/pid`` and ``DIR/server.log`` (and, with
``--tls``, the test CA in ``DIR/tls/ca.pem``); ``stop`` ends the server and removes ``url`` and
``pid``. Used by ctest fixtures, pytest and scripts.
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from . import background

SERVER_SCRIPT = Path(__file__).resolve().parent.parent / "server.py"


@dataclass(frozen=True)
class Emulator:
    url: str
    pid: int
    state_dir: Path
    ca_file: Path | None = None  # with --tls: the test CA that signed the server's certificate


def start(state_dir, server_args=(), timeout: float = 15.0) -> Emulator:
    """Start ``server.py`` detached, wait until it answers, and record its URL and pid.

    ``server_args`` are extra ``server.py`` options (not ``--port-file``), e.g.
    ``["--mode", "asyncio", "--tls"]``. With ``--tls`` and no ``--tls-dir``, the certificate
    and its CA go to ``state_dir/tls``. A server already recorded in ``state_dir`` is
    stopped first.
    """
    state_dir = Path(state_dir)
    server_args = list(server_args)
    if any(arg.startswith("--port-file") for arg in server_args):
        raise ValueError("ctl manages --port-file itself")
    ca_file = None
    if "--tls" in server_args:
        tls_dir = _option(server_args, "--tls-dir")
        if tls_dir is None:
            tls_dir = state_dir / "tls"
            server_args += ["--tls-dir", str(tls_dir)]
        ca_file = Path(tls_dir) / "ca.pem"
    stop(state_dir)
    url_file = state_dir / "url"

    def ready():
        url = url_file.read_text(encoding="utf-8").strip() if url_file.exists() else None
        return url if url and background.healthy(url + "/_emulator/health") else None

    pid, url = background.launch(
        SERVER_SCRIPT, ["--host", "127.0.0.1", "--port", "0", *server_args, "--port-file", str(url_file)],
        state_dir, ready, "emulator", timeout)
    return Emulator(url, pid, state_dir, ca_file)


def _option(args, name: str):
    """The value of ``name`` in ``args`` (``--name VALUE`` or ``--name=VALUE``), if given."""
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.partition("=")[2]
    return None


def stop(state_dir, timeout: float = 5.0) -> bool:
    """Stop the server recorded in ``state_dir``; return whether one was running."""
    return background.stop_recorded(SERVER_SCRIPT, Path(state_dir), ["url"], timeout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Start or stop a background Bedrock emulator.",
                                     allow_abbrev=False)
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("--state-dir", required=True, help="directory for url, pid and server.log")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait (default 15)")
    args, server_args = parser.parse_known_args(argv)
    if args.action == "stop":
        stop(args.state_dir, timeout=args.timeout)
        return 0
    try:
        emulator = start(args.state_dir, server_args, timeout=args.timeout)
    except (RuntimeError, ValueError) as exc:
        print(f"ctl: {exc}", file=sys.stderr)
        return 1
    print(emulator.url)
    return 0
