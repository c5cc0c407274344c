"""Fixtures: one emulator per test session, started with the ctl module on a free port."""

import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(_HERE.parents[1] / "tools" / "emulator"), str(_HERE)]

from emulator import ctl  # noqa: E402
from emulator_testlib import Emulator  # noqa: E402


@pytest.fixture(scope="session")
def _running_emulator(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("emulator")
    started = ctl.start(state_dir)
    yield Emulator(started.url)
    assert ctl.stop(state_dir)


@pytest.fixture
def emulator(_running_emulator):
    """The session's emulator, with an empty fault queue and request log."""
    _running_emulator.control("DELETE", "faults")
    _running_emulator.control("DELETE", "requests")
    _running_emulator.control("DELETE", "cache")
    return _running_emulator


@pytest.fixture
def client(emulator):
    return emulator.client()
