#!/usr/bin/env bash
# The C and C++ tests (ctest, emulator fixtures included) against libbedrock built with
# AddressSanitizer and LeakSanitizer, in build-asan/ with its own SwiftPM folder
# (.build-address/). Any memory error or leak fails the test that hit it. `--swift` runs the
# Swift tests under ASan instead. `--thread` runs the C tests that share a client or a multi
# between threads under ThreadSanitizer (build-tsan, .build-thread/): any data race fails them;
# `--swift-thread` runs the Swift tests under TSan.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

scripts/ensure-deps.sh
if [ "${1:-}" = "--swift-thread" ]; then
  say "Swift tests under ThreadSanitizer (.build-thread-swift)"
  TSAN_OPTIONS=halt_on_error=1 swift test --sanitize=thread --build-path .build-thread-swift --disable-swift-testing
  exit
fi
if [ "${1:-}" = "--swift" ]; then
  # The Swift tests under ASan (SwiftPM in .build-address-swift). Leak detection is off here:
  # on Linux, XCTest itself leaks its test-case objects (LSan roots every report in
  # XCTest.awaitUsingExpectation), so LSan's verdict is the C pass's, where nothing is XCTest's.
  say "Swift tests under AddressSanitizer (.build-address-swift)"
  ASAN_OPTIONS=detect_leaks=0 swift test --sanitize=address --build-path .build-address-swift --disable-swift-testing
  exit
fi
toolchain_bin=$(dirname "$(readlink -f "$(command -v swift)")")
# build_with SANITIZER DIR: libbedrock and the C and C++ tests, with the toolchain's clang.
build_with() {
  CC="$toolchain_bin/clang" CXX="$toolchain_bin/clang++" \
    cmake -S . -B "$2" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBEDROCK_SANITIZE="$1" \
          -DPython3_EXECUTABLE="$PWD/.venv/bin/python" >/dev/null
  cmake --build "$2"
}
if [ "${1:-}" = "--thread" ]; then
  shift
  say "Building libbedrock and the C tests with ThreadSanitizer (build-tsan)"
  build_with thread build-tsan
  say "The concurrency tests under TSan: 32 threads on one client, cancels from other threads"
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --test-dir build-tsan --output-on-failure -R 'test_load|test_faults|test_multi$|test_multi_scale_http2_cancel_half' "$@"
  exit
fi
say "Building libbedrock and the C tests with AddressSanitizer (build-asan)"
build_with address build-asan
say "C tests under ASan and LSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure "$@"
