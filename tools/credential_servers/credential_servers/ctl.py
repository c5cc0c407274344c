"""Start and stop the credential servers in the background, and drive them.

``start(state_dir, keys_file)`` runs ``server.py`` detached, waits until it answers, and
records its URLs (``DIR/urls.json``) and pid; ``stop(state_dir)`` ends it. ``reset`` sets
the behaviour for the next test and clears what was recorded; ``snapshot`` returns what the
servers issued and saw."""

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# The background-server plumbing is the emulator's (tools/emulator must be on sys.path, as it
# is for the tests that use these servers).
from emulator import background

SERVER_SCRIPT = Path(__file__).resolve().parent.parent / "server.py"


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
    stop(state_dir)
    url_file = state_dir / "urls.json"

    def ready():
        urls = json.loads(url_file.read_text(encoding="utf-8")) if url_file.exists() else None
        return urls if urls and background.healthy(urls["sts"] + "/_control/health") else None

    pid, urls = background.launch(SERVER_SCRIPT, ["--keys", str(keys_file), "--url-file", str(url_file)],
                                  state_dir, ready, "credential servers", timeout)
    return Servers(urls["sts"], urls["container"], urls["imds"], urls["sso"], pid, state_dir)


def stop(state_dir, timeout: float = 5.0) -> bool:
    return background.stop_recorded(SERVER_SCRIPT, Path(state_dir), ["urls.json"], timeout)


def _request(method: str, url: str, document=None):
    data = json.dumps(document).encode() if document is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())
