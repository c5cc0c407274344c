"""Start and stop a background emulator whose URL and pid live in a state directory.

``start`` leaves ``DIR/url`` (the base URL), ``DIR/pid`` and ``DIR/server.log``; ``stop``
ends the server and removes ``url`` and ``pid``. Used by ctest fixtures, pytest and scripts.
"""

import argparse
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SERVER_SCRIPT = Path(__file__).resolve().parent.parent / "server.py"
_POLL_SECONDS = 0.02
_children = {}  # pid -> Popen, so that servers started by this process get reaped


@dataclass(frozen=True)
class Emulator:
    url: str
    pid: int
    state_dir: Path


def start(state_dir, server_args=(), timeout: float = 15.0) -> Emulator:
    """Start ``server.py`` detached, wait until it answers, and record its URL and pid.

    ``server_args`` are extra ``server.py`` options (not ``--port-file``). A server
    already recorded in ``state_dir`` is stopped first.
    """
    state_dir = Path(state_dir)
    if any(arg.startswith("--port-file") for arg in server_args):
        raise ValueError("ctl manages --port-file itself")
    state_dir.mkdir(parents=True, exist_ok=True)
    stop(state_dir)
    url_file = state_dir / "url"
    command = [sys.executable, str(SERVER_SCRIPT), "--host", "127.0.0.1", "--port", "0",
               *server_args, "--port-file", str(url_file)]
    with open(state_dir / "server.log", "ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   start_new_session=True, close_fds=True)
    _children[process.pid] = process
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            _children.pop(process.pid)
            raise RuntimeError(f"emulator exited with status {process.returncode}; "
                               f"see {state_dir / 'server.log'}")
        url = url_file.read_text(encoding="utf-8").strip() if url_file.exists() else None
        if url and _healthy(url):
            break
        if time.monotonic() > deadline:
            _terminate(process.pid, timeout=2.0)
            _children.pop(process.pid, None)
            raise RuntimeError(f"emulator did not come up within {timeout}s; "
                               f"see {state_dir / 'server.log'}")
        time.sleep(_POLL_SECONDS)
    (state_dir / "pid").write_text(str(process.pid), encoding="utf-8")
    return Emulator(url, process.pid, state_dir)


def stop(state_dir, timeout: float = 5.0) -> bool:
    """Stop the server recorded in ``state_dir``; return whether one was running."""
    state_dir = Path(state_dir)
    pid_file = state_dir / "pid"
    try:
        pid = int(pid_file.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        pid = None
    stopped = pid is not None and _is_our_server(pid) and _terminate(pid, timeout)
    for name in ("pid", "url"):
        (state_dir / name).unlink(missing_ok=True)
    return stopped


def _healthy(url: str) -> bool:
    # An HTTPS emulator has a test CA's certificate; its health check need not verify it.
    context = ssl._create_unverified_context() if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(url + "/_emulator/health", timeout=1, context=context) as response:
            return response.status == 200
    except OSError:
        return False


def _is_our_server(pid: int) -> bool:
    """Whether ``pid`` is a live emulator process (guards against reused pids)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return False
    except OSError:  # no procfs: trust the pid file
        return _alive(pid)
    return str(SERVER_SCRIPT).encode() in cmdline


def _terminate(pid: int, timeout: float) -> bool:
    """SIGTERM ``pid``, then SIGKILL after ``timeout``; True once it has exited."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + timeout
        while _alive(pid):
            if time.monotonic() > deadline:
                break
            time.sleep(_POLL_SECONDS)
        else:
            return True
    return False


def _alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        if child.poll() is None:
            return True
        del _children[pid]
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no procfs
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"  # a zombie has exited


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
