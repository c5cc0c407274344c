"""The pip package, end to end (marked slow: about a minute, more on the first build).

`pip install "./bindings/python[langchain]"` into a fresh venv must build the self-contained
libbedrock.so with the Swift toolchain, bundle it in a platform wheel, and give a package that
streams a LangChain chain from the emulator with no Swift toolchain on any loader path: the
process must not map a single Swift runtime library. pip's cache is reused, and SwiftPM's
scratch directory (.build-wheel) is kept between runs, so later runs take seconds for the build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bedrock_testlib import EMULATOR_CREDENTIALS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BINDINGS = ROOT / "bindings" / "python"

CHAIN_SCRIPT = """
import json, sys
import bedrock_chat
from bedrock_chat.langchain import ChatBedrockNative
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

url, key_id, secret = sys.argv[1:4]
model = ChatBedrockNative(model="anthropic.claude-3-5-sonnet-20240620-v1:0", region_name="us-east-1",
                          endpoint_url=url, aws_access_key_id=key_id, aws_secret_access_key=secret)
chain = ChatPromptTemplate.from_messages([("system", "Be kind."), ("human", "Tell me about {topic}")]) \\
    | model | StrOutputParser()
pieces = list(chain.stream({"topic": "otters"}))
with open("/proc/self/maps") as maps:
    swift = sorted({line.split()[-1] for line in maps if "libswift" in line or "/swift/" in line})
print(json.dumps({"pieces": pieces, "library": bedrock_chat.library_path(), "version": bedrock_chat.__version__,
                  "library_version": bedrock_chat.library_version(), "swift_mapped": swift}))
"""


def _clean_environment(*, keep_swift: bool) -> dict[str, str]:
    """The environment without anything that points at a library or at this checkout's Python
    packages; without the Swift toolchain's directories too, unless building."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("LD_LIBRARY_PATH", "LD_PRELOAD", "BEDROCK_LIBRARY", "PYTHONPATH", "PYTHONHOME",
                          "VIRTUAL_ENV")}
    if not keep_swift:
        swift = shutil.which("swift")
        toolchain = str(Path(swift).resolve().parent) if swift else None
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                      if p and p != toolchain and "swift" not in p.lower())
    return env


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    """A new venv with `pip install "./bindings/python[langchain]"`, built from this checkout."""
    if shutil.which("swift") is None:
        pytest.skip("building the wheel needs the Swift toolchain")
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off",
          f"{BINDINGS}[langchain]"], env=_clean_environment(keep_swift=True), cwd=venv.parent)
    return venv


def test_fresh_venv_streams_a_langchain_chain_without_the_swift_toolchain(fresh_venv, emulator_url):
    python = fresh_venv / "bin" / "python"
    result = _run([str(python), "-c", CHAIN_SCRIPT, emulator_url, EMULATOR_CREDENTIALS["access_key_id"],
                   EMULATOR_CREDENTIALS["secret_access_key"]],
                  env=_clean_environment(keep_swift=False), cwd=fresh_venv.parent)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(report["pieces"]) > 3 and "".join(report["pieces"]) == "You said: Tell me about otters"
    library = Path(report["library"])
    assert library.is_relative_to(fresh_venv) and library.name == "libbedrock.so"
    assert report["swift_mapped"] == []
    assert report["version"] == report["library_version"]


def test_the_installed_library_is_self_contained(fresh_venv):
    library = next(fresh_venv.glob("lib/python*/site-packages/bedrock_chat/libbedrock.so"))
    needed = _run(["ldd", str(library)], env=_clean_environment(keep_swift=False)).stdout
    assert "libswift" not in needed and "not found" not in needed
    exported = _run(["readelf", "--dyn-syms", "-W", str(library)]).stdout
    globals_ = {line.split()[-1] for line in exported.splitlines()
                if " GLOBAL " in line and " UND " not in line}
    assert globals_ and all(name.startswith("bedrock_") for name in globals_), sorted(globals_)[:10]
    assert "SONAME" in _run(["readelf", "-d", str(library)]).stdout


def test_the_wheel_is_tagged_for_the_platform(fresh_venv):
    wheel_file = next(fresh_venv.glob("lib/python*/site-packages/bedrock_chat-*.dist-info/WHEEL")).read_text()
    assert "Root-Is-Purelib: false" in wheel_file
    assert "Tag: py3-none-linux_" in wheel_file
    assert next(fresh_venv.glob("lib/python*/site-packages/bedrock_chat/py.typed"))


def test_BEDROCK_LIBRARY_is_bundled_instead_of_building(tmp_path):
    prebuilt = next((p for p in (ROOT / ".build" / "debug" / "libbedrock.so",
                                 ROOT / ".build" / "release" / "libbedrock.so") if p.is_file()), None)
    if prebuilt is None:
        pytest.skip("no libbedrock.so built in .build")
    env = {**_clean_environment(keep_swift=False), "BEDROCK_LIBRARY": str(prebuilt), "BEDROCK_NO_STRIP": "1"}
    output = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
                   "-w", str(tmp_path), str(BINDINGS)], env=env, cwd=tmp_path)
    wheels = list(tmp_path.glob("bedrock_chat-*.whl"))
    assert len(wheels) == 1, output.stdout
    assert wheels[0].name.endswith("-py3-none-linux_x86_64.whl") or "-py3-none-linux_" in wheels[0].name
    with zipfile.ZipFile(wheels[0]) as wheel:
        assert wheel.read("bedrock_chat/libbedrock.so") == prebuilt.read_bytes()
        assert "bedrock_chat/py.typed" in wheel.namelist()
