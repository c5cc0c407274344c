#!/usr/bin/env bash
# Prints the size and load time of the self-contained release libbedrock: builds it with
# scripts/build-release.sh (into dist/), then runs bench_load_time (bench/load_time.c, built
# with -O3 in build-release/) against it. Figures only; nothing is asserted.
#
# usage: bench/run.sh [--runs N] [EXTRA_LIBRARY...]
#   EXTRA_LIBRARY: more libraries to measure the same way, e.g. .build/debug/libbedrock.so
set -euo pipefail
cd "$(dirname "$0")/.."

runs=50
if [ "${1:-}" = "--runs" ]; then runs=$2; shift 2; fi
library=$(scripts/build-release.sh)

# The first client reads no AWS settings of the machine's, so every machine measures the same.
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
unset AWS_PROFILE AWS_BEARER_TOKEN_BEDROCK AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

for lib in "$library" "$@"; do
  echo
  build-release/bench_load_time --runs "$runs" "$lib"
done
