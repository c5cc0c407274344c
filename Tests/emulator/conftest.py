"""Fixtures: emulators started with the ctl module on free ports, one per mode, shared by the
test session.

The tests use the default mode (threaded, or $BEDROCK_EMULATOR_MODE). The modules in
BOTH_MODES (raw HTTP, SigV4, boto3, validation, the newer operations, citations, system
tools, the bidirectional stream) run once against each mode, so the asyncio server is held
to the threaded one's behaviour; `BEDROCK_EMULATOR_MODE=asyncio pytest Tests/emulator`
runs everything against it.
"""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(_HERE.parents[1] / "tools" / "emulator"),
                str(_HERE.parents[1] / "tools" / "server_common"), str(_HERE)]

from emulator import ctl  # noqa: E402
from emulator_testlib import Emulator  # noqa: E402

DEFAULT_MODE = os.environ.get("BEDROCK_EMULATOR_MODE") or "threaded"
# The asyncio mode needs the h2 package (Tests/python/requirements.txt).
MODES = ("threaded", "asyncio") if importlib.util.find_spec("h2") else ("threaded",)
BOTH_MODES = {"test_emulator_http", "test_emulator_auth", "test_emulator_boto3",
              "test_emulator_validation", "test_emulator_operations",
              "test_emulator_citations", "test_emulator_system_tools",
              "test_emulator_bidirectional"}


def pytest_generate_tests(metafunc):
    if "emulator" in metafunc.fixturenames and metafunc.module.__name__ in BOTH_MODES:
        metafunc.parametrize("emulator", MODES, indirect=True)


@pytest.fixture(scope="session")
def emulators(tmp_path_factory):
    """``emulators(mode, *server_args)``: a running emulator, started on first use and
    stopped at the end of the session."""
    started = {}

    def get(mode: str, *server_args: str) -> Emulator:
        key = (mode, *server_args)
        if key not in started:
            state_dir = tmp_path_factory.mktemp(f"emulator-{mode}")
            running = ctl.start(state_dir, ["--mode", mode, *server_args])
            started[key] = (state_dir, Emulator(running.url, running.ca_file))
        return started[key][1]

    yield get
    for state_dir, _ in started.values():
        assert ctl.stop(state_dir)


@pytest.fixture
def emulator(request, emulators):
    """An emulator (the default mode, or the mode the test is parametrized with), with an
    empty fault queue, request log, prompt cache and async-invocation list."""
    running = emulators(getattr(request, "param", DEFAULT_MODE))
    for state in ("faults", "requests", "cache", "async-invokes"):
        running.control("DELETE", state)
    return running


@pytest.fixture
def client(emulator):
    return emulator.client()
