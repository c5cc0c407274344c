#!/usr/bin/env bash
# libFuzzer over libbedrock's parsers (fuzz/main.swift): builds the targets with
# -sanitize=fuzzer,address (leak checks on) in .build-fuzz/, then runs each for SECONDS
# (default 20) from its committed seeds in fuzz/corpus/<target>/. What a run finds goes to a
# scratch folder, so the seeds stay as committed. A crash, a leak, a timeout (10 s per input)
# or 2 GB of memory fails the run and leaves the input in fuzz/artifacts/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   targets: eventstream chat-request replies config
#                                            shared-files credentials json (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(eventstream chat-request replies config shared-files credentials json)

scripts/ensure-deps.sh
say "Building the fuzz targets with libFuzzer and ASan (.build-fuzz; the first build takes 1-2 min)"
BEDROCK_FUZZ=1 swift build --build-path .build-fuzz --product bedrock-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
fuzzer=.build-fuzz/debug/bedrock-fuzz
mkdir -p fuzz/artifacts
for target in "${targets[@]}"; do
  say "Fuzzing $target for ${seconds} s"
  scratch=$(mktemp -d)
  log=$(mktemp)
  status=0
  BEDROCK_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=1 SWIFT_BACKTRACE=enable=no "$fuzzer" "$scratch" "fuzz/corpus/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="fuzz/artifacts/$target-" >"$log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)|ERROR|SUMMARY|Fatal error' "$log" || true
  rm -f "$log"
  rm -rf "$scratch"
  [ "$status" -eq 0 ] || { echo "fuzz target $target failed (status $status); the input is in fuzz/artifacts/" >&2; exit 1; }
done
