#!/usr/bin/env bash
# The C and C++ tests (ctest, emulator fixtures included) against libbedrock built with
# AddressSanitizer and LeakSanitizer, in build-asan/ with its own SwiftPM folder
# (.build-address/). Any memory error or leak fails the test that hit it.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

scripts/ensure-deps.sh
toolchain_bin=$(dirname "$(readlink -f "$(command -v swift)")")
say "Building libbedrock and the C tests with AddressSanitizer (build-asan)"
CC="$toolchain_bin/clang" CXX="$toolchain_bin/clang++" \
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBEDROCK_SANITIZE=address \
        -DPython3_EXECUTABLE="$PWD/.venv/bin/python" >/dev/null
cmake --build build-asan
say "C tests under ASan and LSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure "$@"
