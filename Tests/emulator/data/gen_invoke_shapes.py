#!/usr/bin/env python3
"""Regenerate invoke_shapes.json: each InvokeModel format's reply to "hi", plain and streamed.

The file pins the body and chunk shapes test_emulator_invoke.py checks. It comes from the
emulator itself, so review every change by hand against the provider's documented format
(see tools/emulator/README.md) before committing it. Volatile values (timestamps,
latencies) are written as "<volatile>".
"""

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[2] / "tools" / "emulator"), str(HERE.parents[2] / "tools" / "server_common"),
                str(HERE.parent)]

import boto3  # noqa: E402
from emulator import ctl  # noqa: E402
from emulator_testlib import AKID, SECRET, invoke  # noqa: E402
from format_cases import CASES  # noqa: E402

VOLATILE = ("created", "requestDurationMillis", "amazon-bedrock-invocationMetrics")


def scrub(value):
    if isinstance(value, dict):
        return {k: "<volatile>" if k in VOLATILE else scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def main():
    state_dir = tempfile.mkdtemp()
    emulator = ctl.start(state_dir)
    try:
        client = boto3.client("bedrock-runtime", endpoint_url=emulator.url,
                              region_name="us-east-1", aws_access_key_id=AKID,
                              aws_secret_access_key=SECRET)
        shapes = {}
        for case in CASES:
            request = case.build("hi")
            response, _ = invoke(client, case.model, request)
            chunks, _ = invoke(client, case.model, request, stream=True)
            shapes[case.name] = {"model": case.model, "request": request,
                                 "response": scrub(response), "stream": scrub(chunks)}
    finally:
        ctl.stop(state_dir)
    with open(HERE / "invoke_shapes.json", "w", encoding="utf-8") as file:
        json.dump(shapes, file, indent=1, ensure_ascii=False)
        file.write("\n")


if __name__ == "__main__":
    main()
