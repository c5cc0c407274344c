"""Network options against real local servers: TLS with a test CA (`ca_file`, `verify_tls`),
an HTTP proxy (`proxy`, and NO_PROXY), the User-Agent, and retry backoff delays as the
emulator saw them arrive."""

import http.server
import json
import subprocess
import threading
import urllib.request

import pytest

from bedrock_chat import Client, NetworkError
from bedrock_testlib import EMULATOR_CREDENTIALS, MODEL, say
from emulator.ctl import start, stop
from parity import clear_recorded, recorded


@pytest.fixture(scope="module")
def tls_emulator(tmp_path_factory):
    """An HTTPS emulator whose certificate a throwaway CA signed."""
    folder = tmp_path_factory.mktemp("tls")

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=swift-bedrock-chat test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=127.0.0.1")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    state = folder / "state"
    emulator = start(state, ["--tls-cert", str(folder / "server.pem"), "--tls-key", str(folder / "server.key")])
    yield emulator.url, str(folder / "ca.pem")
    stop(state)


def tls_client(url, **extra):
    return Client(region="us-east-1", endpoint_url=url, credentials=EMULATOR_CREDENTIALS, max_attempts=1, **extra)


def test_tls_with_the_test_ca_is_accepted(tls_emulator):
    url, ca_file = tls_emulator
    assert url.startswith("https://")
    with tls_client(url, ca_file=ca_file) as client:
        assert client.converse(MODEL, say("over TLS"))["stopReason"] == "end_turn"


def test_tls_without_the_test_ca_is_rejected(tls_emulator):
    url, _ = tls_emulator
    with tls_client(url) as client:
        with pytest.raises(NetworkError, match="(?i)certificate"):
            client.converse(MODEL, say("over TLS"))


def test_verify_tls_off_connects_and_warns(tls_emulator, capfd):
    url, _ = tls_emulator
    with tls_client(url, verify_tls=False) as client:
        assert client.converse(MODEL, say("unverified"))["stopReason"] == "end_turn"
    assert "verify_tls is false" in capfd.readouterr().err


class RecordingProxy(http.server.ThreadingHTTPServer):
    """A forward proxy for plain HTTP that remembers what it forwarded."""

    daemon_threads = True

    def __init__(self):
        self.seen = []
        super().__init__(("127.0.0.1", 0), ProxyHandler)


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.seen.append(self.path)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")}
        request = urllib.request.Request(self.path, data=body, headers=headers, method="POST")
        try:
            response = urllib.request.urlopen(request)
        except urllib.error.HTTPError as error:
            response = error
        payload = response.read()
        self.send_response(response.status)
        for key, value in response.headers.items():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy():
    server = RecordingProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_requests_go_through_the_configured_proxy(emulator_url, proxy):
    proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"
    with Client(region="us-east-1", endpoint_url=emulator_url, credentials=EMULATOR_CREDENTIALS,
                proxy=proxy_url) as client:
        assert client.converse(MODEL, say("via the proxy"))["stopReason"] == "end_turn"
    assert proxy.seen and proxy.seen[0].startswith(emulator_url + "/model/")


def test_no_proxy_bypasses_the_proxy(emulator_url, proxy, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"
    with Client(region="us-east-1", endpoint_url=emulator_url, credentials=EMULATOR_CREDENTIALS,
                proxy=proxy_url) as client:
        assert client.converse(MODEL, say("direct"))["stopReason"] == "end_turn"
    assert proxy.seen == []


def test_user_agent_names_the_library_and_the_suffix(emulator_url):
    import bedrock_chat

    clear_recorded(emulator_url)
    with Client(region="us-east-1", endpoint_url=emulator_url, credentials=EMULATOR_CREDENTIALS,
                user_agent_suffix="my-service/2.1") as client:
        client.converse(MODEL, say("who are you"))
    headers = {k.lower(): v for k, v in recorded(emulator_url)[-1]["headers"].items()}
    assert headers["user-agent"].startswith(f"swift-bedrock-chat/{bedrock_chat.__version__} ")
    assert headers["user-agent"].endswith(" my-service/2.1")


def test_backoff_delays_grow_and_stay_under_the_cap(client, emulator_url):
    """Full jitter: the wait before retry n is uniform in [0, 100 ms * 2^(n-1)]. Over a few
    runs of four retries, every observed gap stays under its bound (plus slack for the
    request itself), and they are not all zero."""
    gaps = []
    for _ in range(3):
        clear_recorded(emulator_url)
        urllib.request.urlopen(urllib.request.Request(
            emulator_url + "/_emulator/faults", method="POST",
            data=json.dumps({"faults": ["throttle"] * 4}).encode(),
            headers={"Content-Type": "application/json"})).close()
        with Client(region="us-east-1", endpoint_url=emulator_url, credentials=EMULATOR_CREDENTIALS,
                    max_attempts=5) as patient:
            patient.converse(MODEL, say("backoff"))
        times = [entry["received_at"] for entry in recorded(emulator_url)]
        assert len(times) == 5
        for retry, (earlier, later) in enumerate(zip(times, times[1:]), start=1):
            bound = 0.1 * 2 ** (retry - 1)
            gap = later - earlier
            assert gap <= bound + 0.25, (retry, gap)
            gaps.append(gap)
    assert sum(gaps) > 0.05


def test_proxy_from_the_environment(emulator_url, proxy, monkeypatch):
    # libcurl reads the proxy variables itself; for plain http only the lower-case name counts.
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.server_address[1]}")
    with Client(region="us-east-1", endpoint_url=emulator_url, credentials=EMULATOR_CREDENTIALS) as client:
        assert client.converse(MODEL, say("via the environment's proxy"))["stopReason"] == "end_turn"
    assert len(proxy.seen) == 1
