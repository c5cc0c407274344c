"""Start and stop the credential servers in the background, and drive them.

``start(state_dir, keys_file)`` runs ``server.py`` detached, waits until it answers, and
records its URLs (``DIR/urls.json``) and pid; ``stop(state_dir)`` ends it. ``reset`` sets
the behaviour for the next test and clears what was recorded; ``snapshot`` returns what the
servers issued and saw."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SERVER_SCRIPT = Path(__file__).resolve().parent.parent / "server.py"
_POLL_SECONDS = 0.02
_children = {}  # pid -> Popen, so the servers this process starts get reaped


@dataclass(frozen=True)
class Servers:
    sts: str
    container: str
    imds: str
    sso: str
    pid: int
    state_dir: Path

    def reset(self, **behaviour) -> None:
        """Sets the behaviour (see state.DEFAULT_BEHAVIOUR) and clears the records."""
        _request("POST", self.sts + "/_control/reset", behaviour)

    def snapshot(self) -> dict:
        """{"issued": [...], "requests": [...], "counts": {"sts": N, ...}}."""
        return _request("GET", self.sts + "/_control/state")


def start(state_dir, keys_file, timeout: float = 15.0) -> Servers:
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    stop(state_dir)
    url_file = state_dir / "urls.json"
    command = [sys.executable, str(SERVER_SCRIPT), "--keys", str(keys_file), "--url-file", str(url_file)]
    with open(state_dir / "server.log", "ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   start_new_session=True, close_fds=True)
    _children[process.pid] = process
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            _children.pop(process.pid, None)
            raise RuntimeError(f"credential servers exited with status {process.returncode}; "
                               f"see {state_dir / 'server.log'}")
        urls = json.loads(url_file.read_text(encoding="utf-8")) if url_file.exists() else None
        if urls and _healthy(urls["sts"]):
            break
        if time.monotonic() > deadline:
            _terminate(process.pid, 2.0)
            raise RuntimeError(f"credential servers did not come up within {timeout}s")
        time.sleep(_POLL_SECONDS)
    (state_dir / "pid").write_text(str(process.pid), encoding="utf-8")
    return Servers(urls["sts"], urls["container"], urls["imds"], urls["sso"], process.pid, state_dir)


def stop(state_dir, timeout: float = 5.0) -> bool:
    state_dir = Path(state_dir)
    try:
        pid = int((state_dir / "pid").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        pid = None
    stopped = pid is not None and _is_our_server(pid) and _terminate(pid, timeout)
    for name in ("pid", "urls.json"):
        (state_dir / name).unlink(missing_ok=True)
    return stopped


def _request(method: str, url: str, document=None):
    data = json.dumps(document).encode() if document is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_control/health", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _is_our_server(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return str(SERVER_SCRIPT).encode() in cmdline


def _terminate(pid: int, timeout: float) -> bool:
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
    except (FileNotFoundError, ProcessLookupError):
        return False
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"
