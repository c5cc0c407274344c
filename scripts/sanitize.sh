#!/usr/bin/env bash
# The C and C++ tests (ctest, emulator fixtures included) against libbedrock built with
# AddressSanitizer and LeakSanitizer, in build-asan/ with its own SwiftPM folder
# (.build-address/). Any memory error or leak fails the test that hit it. `--swift` runs the
# Swift tests under ASan instead.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

scripts/ensure-deps.sh
if [ "${1:-}" = "--swift" ]; then
  # The Swift tests under ASan (SwiftPM in .build-address-swift). Leak detection is off here:
  # on Linux, XCTest itself leaks its test-case objects (LSan roots every report in
  # XCTest.awaitUsingExpectation), so LSan's verdict is the C pass's, where nothing is XCTest's.
  say "Swift tests under AddressSanitizer (.build-address-swift)"
  ASAN_OPTIONS=detect_leaks=0 swift test --sanitize=address --build-path .build-address-swift --disable-swift-testing
  exit
fi
toolchain_bin=$(dirname "$(readlink -f "$(command -v swift)")")
say "Building libbedrock and the C tests with AddressSanitizer (build-asan)"
CC="$toolchain_bin/clang" CXX="$toolchain_bin/clang++" \
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBEDROCK_SANITIZE=address \
        -DPython3_EXECUTABLE="$PWD/.venv/bin/python" >/dev/null
cmake --build build-asan
say "C tests under ASan and LSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure "$@"
