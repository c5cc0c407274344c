#!/usr/bin/env python3
"""Local STS, container credentials, IMDS and SSO servers: server.py --keys FILE [--url-file FILE]."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The servers' package, and the code they share with the Bedrock emulator (tools/server_common).
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "server_common")]

from credential_servers.main import main  # noqa: E402

if __name__ == "__main__":
    main()
