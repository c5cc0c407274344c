"""Builds the bedrock-chat wheel with libbedrock.so inside it (pyproject.toml holds the metadata).

The package lives in the swift-bedrock-chat repository, at bindings/python. Building a wheel
(``pip install ./bindings/python``) runs

    swift build -c release --product bedrock -Xswiftc -static-stdlib ...

in the repository and copies the resulting libbedrock.so next to ``_library.py``, which loads
it from there first. The Swift runtime is linked in statically, so the installed package needs
no Swift toolchain: only the system's libcurl, jansson and OpenSSL (libcurl4, libjansson4,
libssl3 on Debian). The toolchain is needed at build time only.

Environment variables read at build time:

- ``BEDROCK_LIBRARY``: bundle this libbedrock.so instead of building one (CI, release scripts).
- ``BEDROCK_SOURCE_DIR``: the repository root, when it is not an ancestor of this file.
- ``BEDROCK_SWIFT``: the swift executable (default: ``swift`` on PATH).
- ``BEDROCK_BUILD_DIR``: SwiftPM's scratch directory (default: ``<repo>/.build-wheel``), kept
  between builds so a second ``pip install`` is quick.
- ``BEDROCK_NO_STRIP=1``: keep the symbols (``strip --strip-unneeded`` takes 14 MB to 7 MB).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
LIBRARY = "libbedrock.so"
SONAME = "libbedrock.so.0"


def say(text: str) -> None:
    print(f"bedrock-chat: {text}", flush=True)


def repository_root() -> Path:
    explicit = os.environ.get("BEDROCK_SOURCE_DIR")
    if explicit:
        root = Path(explicit).resolve()
        if not (root / "Package.swift").is_file():
            raise SystemExit(f"BEDROCK_SOURCE_DIR={explicit} holds no Package.swift")
        return root
    for directory in HERE.parents:
        if (directory / "Package.swift").is_file():
            return directory
    raise SystemExit(
        "cannot build libbedrock: no Package.swift above " + str(HERE) + ". Build the wheel from a "
        "swift-bedrock-chat checkout (pip install ./bindings/python), set BEDROCK_SOURCE_DIR to one, "
        "or set BEDROCK_LIBRARY to a libbedrock.so built with -static-stdlib.")


def run_streaming(command: list[str], cwd: Path) -> None:
    """Runs a command and passes its output on line by line as it comes, so that pip's
    spinner moves (and ``pip install -v`` shows every line) during the long build."""
    say("$ " + " ".join(command))
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, bufsize=1, errors="replace")
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write("    " + line)
        sys.stdout.flush()
    if process.wait() != 0:
        raise SystemExit(f"bedrock-chat: `{command[0]} build` failed with status {process.returncode}")


def build_library() -> Path:
    root = repository_root()
    swift = os.environ.get("BEDROCK_SWIFT") or shutil.which("swift")
    if not swift:
        raise SystemExit(
            "cannot build libbedrock: `swift` is not on PATH. Building this package needs the Swift "
            "toolchain (6.0 or later) and libcurl, jansson and OpenSSL development headers; or set "
            "BEDROCK_LIBRARY to a prebuilt self-contained libbedrock.so.")
    scratch = Path(os.environ.get("BEDROCK_BUILD_DIR") or root / ".build-wheel")
    # The repository's own version script, the one the CMake release build uses, so the two
    # builds agree (and can share a SwiftPM scratch directory).
    version_script = (root / "cmake" / "libbedrock.map").resolve()
    arguments = ["-c", "release", "--product", "bedrock", "--scratch-path", str(scratch),
                 "-Xswiftc", "-static-stdlib",
                 "-Xlinker", f"-soname={SONAME}",
                 "-Xlinker", f"--version-script={version_script}"]
    say(f"building libbedrock with the Swift toolchain in {root} (a few minutes the first time, "
        "seconds after that; `pip install -v` shows the build's progress)")
    started = time.monotonic()
    run_streaming([swift, "build", *arguments], cwd=root)
    bin_path = subprocess.run([swift, "build", *arguments, "--show-bin-path"], cwd=root, check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
    built = Path(bin_path) / LIBRARY
    if not built.is_file():
        raise SystemExit(f"swift build made no {built}")
    say(f"built {built} in {time.monotonic() - started:.0f} s")
    return built


class build_py_with_library(build_py):
    """build_py, plus libbedrock.so copied (or built, then copied) into the package."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "bedrock_chat" / LIBRARY
        target.parent.mkdir(parents=True, exist_ok=True)
        prebuilt = os.environ.get("BEDROCK_LIBRARY")
        if prebuilt:
            source = Path(prebuilt)
            if not source.is_file():
                raise SystemExit(f"BEDROCK_LIBRARY={prebuilt} is not a file")
            say(f"bundling {source} (BEDROCK_LIBRARY)")
        else:
            source = build_library()
        shutil.copyfile(source, target)
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        strip = shutil.which("strip")
        if strip and not os.environ.get("BEDROCK_NO_STRIP"):
            subprocess.run([strip, "--strip-unneeded", str(target)], check=True)
        say(f"bundled {target.name} ({target.stat().st_size / 1e6:.1f} MB)")


class BinaryDistribution(Distribution):
    """Says the distribution holds native code, so that it installs into platlib and the wheel
    is not marked pure."""

    def has_ext_modules(self) -> bool:
        return True


class bdist_wheel_for_platform(bdist_wheel):
    """The wheel holds a native library, so it is tagged for this platform
    (``py3-none-linux_x86_64``): any Python 3, loaded through ctypes, no CPython ABI."""

    def get_tag(self) -> tuple[str, str, str]:
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(distclass=BinaryDistribution, cmdclass={"build_py": build_py_with_library, "bdist_wheel": bdist_wheel_for_platform})
