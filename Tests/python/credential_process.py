#!/usr/bin/env python3
"""A ``credential_process`` command for the tests: prints credentials from a keys file, or
fails in a chosen way. Each run appends a line to ``--record``, so tests can count runs, and
the Nth run hands out key ``--first + N``."""

import argparse
import datetime
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", required=True, help='JSON {"ACCESS_KEY_ID": "secret"}')
    parser.add_argument("--record", required=True, help="file that gets one line per run")
    parser.add_argument("--first", type=int, default=0, help="index of the first key handed out")
    parser.add_argument("--mode", default="ok",
                        choices=["ok", "fail", "bad-json", "version", "missing-secret", "bad-expiration"])
    parser.add_argument("--expiration-seconds", type=int, help="add an Expiration this far ahead")
    args = parser.parse_args()

    record = Path(args.record)
    runs = len(record.read_text().splitlines()) if record.exists() else 0
    with record.open("a") as file:
        file.write(f"{args.mode}\n")
    access_key_id, secret = sorted(json.loads(Path(args.keys).read_text()).items())[args.first + runs]
    document = {"Version": 1, "AccessKeyId": access_key_id, "SecretAccessKey": secret,
                "SessionToken": f"process-token-{runs}"}
    if args.expiration_seconds is not None:
        expiry = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=args.expiration_seconds)
        document["Expiration"] = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")

    if args.mode == "fail":
        print(json.dumps(document))  # stdout holds the secret; the error must not repeat it
        print("could not unlock the vault", file=sys.stderr)
        return 3
    if args.mode == "bad-json":
        print(json.dumps(document)[:-1] + ", oops")
    elif args.mode == "version":
        print(json.dumps({**document, "Version": 2}))
    elif args.mode == "missing-secret":
        del document["SecretAccessKey"]
        print(json.dumps(document))
    elif args.mode == "bad-expiration":
        print(json.dumps({**document, "Expiration": "next tuesday"}))
    else:
        print(json.dumps(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
