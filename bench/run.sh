#!/usr/bin/env bash
# The benchmark (bench/README.md): builds the self-contained release libbedrock
# (scripts/build-release.sh) and the bench programs, starts bench_server, a local Bedrock
# Runtime that replays canned replies, and prints the tables on stdout: for each scenario the
# CPU per call or per event of the C API, the Python package, boto3, LangChain and a
# plain-libcurl floor, with the ratio to boto3; wall time and peak RSS; RSS over 100,000 calls;
# the event-stream decoder against zlib's crc32; the cold start; and the issue's targets.
# It asserts nothing about speed: it exits 1 only if a client failed or got a wrong reply.
#
# usage: bench/run.sh [--smoke] [--prefix DIR] [--runs N] [--seconds S] [--calls N] [--cold-runs N]
#   --smoke    every scenario once with tiny counts (under 30 s once the release build exists)
#   --prefix   where build-release.sh installs the library measured (build-release/bench/prefix)
#   --runs N   timed runs per figure (5), each of about --seconds S (0.5); --calls N for the
#              RSS run (100000); --cold-runs N fresh processes per cold start (5)
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

prefix=build-release/bench/prefix
driver_options=()
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    *) driver_options+=("$1"); shift ;;
  esac
done

scripts/ensure-deps.sh >&2
library=$(scripts/build-release.sh --prefix "$prefix")
libdir=$(dirname "$library")

say "Building the benchmark programs into build-release/bench"
cmake --build build-release --target bench_eventstream >&2
bin=build-release/bench
mkdir -p "$bin"
cc -O2 -Wall -Wextra -o "$bin/bench_server" bench/server.c
cc -O2 -Wall -Wextra -Iinclude -o "$bin/bench_client" bench/client.c -L"$libdir" -lbedrock -Wl,-rpath,"$libdir"
cc -O2 -Wall -Wextra -o "$bin/bench_floor" bench/floor.c $(pkg-config --cflags --libs libcurl)
ln -sf ../bench_load_time ../bench-eventstream "$bin/"

say "Running the benchmark$([ -n "${driver_options[*]}" ] && echo " (${driver_options[*]})")"
exec .venv/bin/python bench/driver.py --bin "$bin" --library "$library" --out "$bin" "${driver_options[@]}"
