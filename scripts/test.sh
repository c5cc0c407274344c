#!/usr/bin/env bash
# Runs every test: Swift (swift test), C (ctest, with the emulator as a fixture), Python
# (pytest, which starts its own emulator), the install tests (Tests/install/run.sh: the
# self-contained release library, installed and used from outside the tree), the bench smoke,
# the C tests once more under ASan and LSan, and 20 s of each fuzz target. Installs missing
# dependencies first.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

scripts/ensure-deps.sh
scripts/build.sh

say "Swift tests"
swift test --skip-build --disable-swift-testing

say "C tests (ctest)"
ctest --test-dir build --output-on-failure

say "Python tests (pytest)"
# The wheel test's release build shares its SwiftPM folder with the install tests' release
# build below, so the library is compiled once.
export BEDROCK_BUILD_DIR="$PWD/build-release/swiftpm"
.venv/bin/python -m pytest -q -o asyncio_default_fixture_loop_scope=function Tests/python Tests/emulator

say "Install tests: the self-contained release library (the first release build takes 30-60 s)"
Tests/install/run.sh
bench/run.sh --smoke  # every benchmark client and scenario once, on the release build just made: correct replies, no speed asserted

say "C and C++ tests again, under AddressSanitizer and LeakSanitizer (scripts/sanitize.sh; the first build takes 2-3 min)"
scripts/sanitize.sh

say "Fuzzing smoke: each libFuzzer target for 20 s (scripts/fuzz.sh)"
scripts/fuzz.sh 20
