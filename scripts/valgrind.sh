#!/usr/bin/env bash
# The C and C++ tests under valgrind's memcheck, against the plain debug build (build/): any
# invalid read or write, or any byte definitely or indirectly lost, fails the test. (Possibly
# lost and still-reachable blocks are the Swift runtime's own caches, kept for the process's
# life, and are not counted.) Starts its own emulator. Slow: about 20 times native speed.
#
#   scripts/valgrind.sh [TEST...]   default: test_arguments test_converse test_chat test_multi test_faults test_wrapper
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test_arguments test_converse test_chat test_multi test_faults test_wrapper)
scripts/ensure-deps.sh
scripts/build.sh >/dev/null
state=$(mktemp -d)
.venv/bin/python tools/emulator/ctl.py start --state-dir "$state" >/dev/null
trap '.venv/bin/python tools/emulator/ctl.py stop --state-dir "$state" >/dev/null; rm -rf "$state"' EXIT
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true
for test in "${tests[@]}"; do
  say "$test under valgrind memcheck"
  valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --track-origins=no "build/$test" "$state/url"
done
