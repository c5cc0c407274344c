#!/usr/bin/env python3
"""Start/stop a background emulator: ctl.py {start,stop} --state-dir DIR [server options]."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emulator.ctl import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
