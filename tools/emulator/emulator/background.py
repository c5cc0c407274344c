"""Local test servers run in the background: start a server script detached, wait until it
answers, record its pid in a state directory, and stop it again. Shared by the emulator's and
the credential servers' launchers."""

import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable, Optional

_POLL_SECONDS = 0.02
_children = {}  # pid -> Popen, so that servers started by this process get reaped


def launch(script: Path, args, state_dir: Path, ready: Callable[[], Optional[object]], name: str,
           timeout: float):
    """Starts ``python script args`` detached (output to ``state_dir/server.log``) and polls
    ``ready`` until it returns something true, which is returned. The pid goes to
    ``state_dir/pid``."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / "server.log", "ab") as log:
        process = subprocess.Popen([sys.executable, str(script), *args], stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=log, start_new_session=True, close_fds=True)
    _children[process.pid] = process
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            _children.pop(process.pid, None)
            raise RuntimeError(f"{name} exited with status {process.returncode}; "
                               f"see {state_dir / 'server.log'}")
        result = ready()
        if result:
            break
        if time.monotonic() > deadline:
            terminate(process.pid, timeout=2.0)
            _children.pop(process.pid, None)
            raise RuntimeError(f"{name} did not come up within {timeout}s; see {state_dir / 'server.log'}")
        time.sleep(_POLL_SECONDS)
    (state_dir / "pid").write_text(str(process.pid), encoding="utf-8")
    return process.pid, result


def healthy(url: str) -> bool:
    """Whether ``GET url`` answers 200 within a second. An HTTPS server has a test CA's
    certificate; a health check need not verify it."""
    context = ssl._create_unverified_context() if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(url, timeout=1, context=context) as response:
            return response.status == 200
    except OSError:
        return False


def stop_recorded(script: Path, state_dir: Path, files, timeout: float) -> bool:
    """Stops the server whose pid ``state_dir`` records, if it is still ``script``, and
    removes ``pid`` and ``files``; returns whether one was running."""
    try:
        pid = int((state_dir / "pid").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        pid = None
    stopped = pid is not None and _runs(pid, script) and terminate(pid, timeout)
    for file in ("pid", *files):
        (state_dir / file).unlink(missing_ok=True)
    return stopped


def _runs(pid: int, script: Path) -> bool:
    """Whether ``pid`` is a live process of ``script`` (guards against reused pids)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return False
    except OSError:  # no procfs: trust the pid file
        return _alive(pid)
    return str(script).encode() in cmdline


def terminate(pid: int, timeout: float) -> bool:
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
