#!/usr/bin/env bash
# Builds libbedrock (SwiftPM, debug) and the C examples and tests (CMake + Ninja, in build/).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

say "Building libbedrock and the Swift tests (swift build)"
swift build --build-tests
say "Building the C examples and tests (cmake)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPython3_EXECUTABLE="$PWD/.venv/bin/python" >/dev/null
cmake --build build
