#!/usr/bin/env bash
# The demo: builds the library, starts the local Bedrock emulator, streams a chat reply
# through the C example and through Python, then stops the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

scripts/ensure-deps.sh
scripts/build.sh

state=$(mktemp -d)
trap '.venv/bin/python tools/emulator/ctl.py stop --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
say "Starting the local Bedrock emulator (streams one word every 60 ms)"
url=$(.venv/bin/python tools/emulator/ctl.py start --state-dir "$state" --token-delay-ms 60)
echo "emulator listening at $url"

# The demo talks to the emulator exactly as it would to AWS: endpoint and credentials come
# from the standard environment variables.
export AWS_ENDPOINT_URL_BEDROCK_RUNTIME="$url" AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIDEMULATOR AWS_SECRET_ACCESS_KEY=emulator/secret/key
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
unset AWS_PROFILE AWS_BEARER_TOKEN_BEDROCK AWS_ENDPOINT_URL

say "C: examples/converse_stream.c"
build/converse_stream --system "You are a helpful assistant." \
  "Hello from C! Tell me how streaming works, one word at a time."

say "Python: examples/chat_stream.py (the provider-independent chat API)"
PYTHONPATH=bindings/python .venv/bin/python examples/chat_stream.py \
  "Hello from Python! Stream this sentence back to me as it is generated."

say "Done: both replies streamed from the emulator"
