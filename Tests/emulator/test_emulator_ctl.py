"""The command-line entry points: server.py and ctl.py start/stop."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from emulator_testlib import MODEL, user

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "emulator"


def ctl(*args, env=None):
    return subprocess.run([sys.executable, str(TOOLS / "ctl.py"), *args], capture_output=True,
                          text=True, timeout=30, env=env)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"


def test_ctl_start_stop_with_extra_credentials(tmp_path):
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps({"AKIDFILE": "file-secret"}))
    env = {**os.environ, "BEDROCK_EMULATOR_CREDENTIALS": json.dumps({"AKIDENV": "env-secret"})}
    state = tmp_path / "state"
    started = ctl("start", "--state-dir", str(state), "--credentials", str(credentials),
                  "--bearer-tokens", "t1,t2", env=env)
    assert started.returncode == 0, started.stderr
    url = started.stdout.strip()
    assert (state / "url").read_text() == url and url.startswith("http://127.0.0.1:")
    pid = int((state / "pid").read_text())
    assert alive(pid)

    for akid, secret in [("AKIDFILE", "file-secret"), ("AKIDENV", "env-secret"),
                         ("AKIDEMULATOR", "emulator/secret/key")]:
        client = boto3.client("bedrock-runtime", endpoint_url=url, region_name="us-west-2",
                              aws_access_key_id=akid, aws_secret_access_key=secret)
        assert client.converse(modelId=MODEL, messages=user("hi"))["stopReason"] == "end_turn"
    request = urllib.request.Request(
        url + "/model/m/converse", data=json.dumps({"messages": user("hi")}).encode(),
        headers={"Authorization": "Bearer t2"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200

    restarted = ctl("start", "--state-dir", str(state))
    assert restarted.returncode == 0, restarted.stderr
    assert not alive(pid), "start must replace the server recorded in the state dir"
    new_pid = int((state / "pid").read_text())

    assert ctl("stop", "--state-dir", str(state)).returncode == 0
    assert not alive(new_pid)
    assert not (state / "url").exists() and not (state / "pid").exists()
    assert "POST /model/m/converse 200" in (state / "server.log").read_text()
    assert ctl("stop", "--state-dir", str(state)).returncode == 0


def test_ctl_reports_a_server_that_cannot_start(tmp_path):
    result = ctl("start", "--state-dir", str(tmp_path), "--credentials", str(tmp_path / "none"))
    assert result.returncode == 1 and "server.log" in result.stderr


def test_server_port_file_and_sigterm(tmp_path):
    port_file = tmp_path / "port"
    process = subprocess.Popen([sys.executable, str(TOOLS / "server.py"), "--port", "0",
                                "--port-file", str(port_file)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists():
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)
        url = port_file.read_text()
        with urllib.request.urlopen(url + "/_emulator/health", timeout=5) as response:
            assert response.status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
        assert not port_file.exists()
        log = process.stderr.read().decode()
        assert f"listening on {url}" in log and "GET /_emulator/health 200" in log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()


@pytest.mark.parametrize("args", [["--token-delay-ms", "-1"], ["--credentials", "/nonexistent"]])
def test_server_rejects_bad_options(args):
    result = subprocess.run([sys.executable, str(TOOLS / "server.py"), *args],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "error" in result.stderr
