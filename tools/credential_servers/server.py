#!/usr/bin/env python3
"""Local STS, container credentials, IMDS and SSO servers: server.py --keys FILE [--url-file FILE]."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from credential_servers.main import main  # noqa: E402

if __name__ == "__main__":
    main()
