#!/usr/bin/env python3
"""Run the Bedrock Runtime emulator: server.py [--host H] [--port N] [--port-file PATH] ..."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emulator.server import main  # noqa: E402

if __name__ == "__main__":
    main()
