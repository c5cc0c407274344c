"""Fixtures for the binding's tests: the package on sys.path, a local emulator, and a
client for it. The developer's own AWS settings are kept out."""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
sys.path.insert(0, str(ROOT / "tools" / "emulator"))
sys.path.insert(0, str(ROOT / "tools" / "server_common"))  # the emulator's signature checks

from bedrock_testlib import EMULATOR_CREDENTIALS  # noqa: E402
from emulator.ctl import start, stop  # noqa: E402


# Standard-suite tests that cannot pass or fail here, left out of the run with the reason why.
# Each key is a test name in test_langchain_standard.py, whichever suite class runs it.
_NEEDS_JUDGEMENT = "needs a real model's judgement: "
DESELECTED = {
    "test_tool_calling": _NEEDS_JUDGEMENT + (
        "the model must work out magic_function's argument (3) from the question; the emulator makes "
        "arguments from the tool's schema (1) unless the prompt carries a [[tool:NAME {json}]] directive"),
    "test_agent_loop": _NEEDS_JUDGEMENT + (
        "the model must decide unprompted to call get_weather; the emulator calls a tool only when "
        "tool_choice forces one or the prompt names it"),
    "test_unicode_tool_call_integration": _NEEDS_JUDGEMENT + (
        "the model must copy the company name from the question into the tool's arguments"),
    "test_serdes": (
        "langchain-core's load() revives only the classes on its own allowlist (langchain_core.load.mapping), "
        "even with allowed_objects='all'; ChatBedrockNative round-trips with allowed_objects=[ChatBedrockNative] "
        "(test_langchain_native.py::test_serialization_round_trip)"),
}
DESELECTED["test_tool_calling_async"] = DESELECTED["test_tool_calling"]


def pytest_collection_modifyitems(config, items):
    left_out = [item for item in items
                if item.path.name == "test_langchain_standard.py" and item.originalname in DESELECTED]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]
        config._bedrock_deselected = sorted({item.originalname for item in left_out})


def pytest_terminal_summary(terminalreporter, config):
    for name in getattr(config, "_bedrock_deselected", []):
        terminalreporter.write_line(f"deselected {name}: {DESELECTED[name]}")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    config.addinivalue_line("markers", "slow: builds and installs the wheel in a fresh venv (about a minute)")
    # langchain-tests' standard suites are plain `async def` tests, written for asyncio_mode=auto.
    if config.getoption("asyncio_mode", None) is None:
        config.option.asyncio_mode = "auto"
    # langchain-tests' one benchmark (test_init_time) runs once, as a plain test, with no table.
    if hasattr(config.option, "benchmark_disable") and not config.getoption("benchmark_enable", False):
        config.option.benchmark_disable = True


@pytest.fixture(autouse=True)
def isolated_aws_environment(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    # The chain ends at EC2 instance metadata; tests must not reach this machine's.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def emulator_url(tmp_path_factory):
    state = tmp_path_factory.mktemp("emulator")
    emulator = start(state)
    yield emulator.url
    stop(state)


@pytest.fixture
def client(emulator_url):
    from bedrock_chat import Client

    with Client(region="us-east-1", endpoint_url=emulator_url, credentials=EMULATOR_CREDENTIALS) as c:
        yield c

