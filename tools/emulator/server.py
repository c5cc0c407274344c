#!/usr/bin/env python3
"""Run the Bedrock Runtime emulator: server.py [--host H] [--port N] [--port-file PATH] ..."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The emulator package, and the code it shares with the credential servers (tools/server_common).
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "server_common")]

from emulator.server import main  # noqa: E402

if __name__ == "__main__":
    main()
