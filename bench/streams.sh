#!/usr/bin/env bash
# The embedding benchmark (issue 10): many chat streams on one thread through a bedrock_multi,
# on the self-contained release library, against the emulator's asyncio mode (HTTP/2 over TLS,
# and HTTP/1.1 with a connection per stream). For 1, 100 and 1,000 concurrent streams of 60
# events, 20-50 ms apart, it prints the client's own CPU per event, the peak RSS per in-flight
# stream, the longest perform, and the threads and connections used. It asserts nothing about
# speed; it exits 1 only if a stream did not end with its final message equal to its deltas.
#
# usage: bench/streams.sh [--prefix DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

prefix=build-release/bench/prefix
[ "${1:-}" = --prefix ] && prefix=$2

scripts/ensure-deps.sh >&2
library=$(scripts/build-release.sh --prefix "$prefix")
libdir=$(dirname "$library")
bin=build-release/bench
mkdir -p "$bin"
say "Building the stream driver (Tests/c/test_multi_scale.c) against $library"
cc -O2 -Wall -Wextra -Iinclude -ITests/c -o "$bin/streams" Tests/c/test_multi_scale.c \
  -L"$libdir" -lbedrock $(pkg-config --cflags --libs jansson) -lpthread -Wl,-rpath,"$libdir"

state=$(mktemp -d)
trap '.venv/bin/python tools/emulator/ctl.py stop --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
say "Starting the emulator's asyncio mode with TLS"
.venv/bin/python tools/emulator/ctl.py start --state-dir "$state" --mode asyncio --tls >/dev/null

printf '| streams | protocol | client CPU per event | peak RSS per stream | longest perform (CPU): all, after 1 s | wall | threads | connections |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- |\n'
run() {
  local streams=$1 http=$2; shift 2
  local line
  line=$("$bin/streams" "$state/url" --ca "$state/tls/ca.pem" --streams "$streams" --http "$http" "$@" | grep 'streams over')
  # "N streams over HTTP/V: ... X ms, longest perform Y ms (Z ms of CPU; A ms after 1 s), at most C connections, T thread(s),
  #  peak RSS P KiB (R KiB per stream), client CPU U us per event (E events)"
  echo "$line" | sed -E 's/^([0-9]+) streams over HTTP\/([0-9.]+).* ([0-9]+) ms, longest perform [0-9.]+ ms \(([0-9.]+) ms of CPU; ([0-9.]+) ms after 1 s\), at most ([0-9]+) connections, ([0-9]+) thread.*\(([0-9.]+) KiB per stream\), client CPU ([0-9.]+) us per event.*/| \1 | HTTP\/\2 | \9 µs | \8 KiB | \4 ms, \5 ms | \3 ms | \7 | \6 |/'
}
run 1 2
run 100 2
run 1000 2
run 1000 1.1 --max-connections 1100
