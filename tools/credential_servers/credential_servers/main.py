"""Runs the four servers in one process: ``server.py --keys FILE [--url-file FILE]``."""

import argparse
import contextlib
import json
import os
import signal
import sys
import threading

from server_common.startup import write_atomically

from .base import CredentialServer
from .container import ContainerHandler
from .imds import IMDSHandler
from .sso import SSOHandler
from .state import State, load_keys
from .sts import STSHandler

HANDLERS = {"sts": STSHandler, "container": ContainerHandler, "imds": IMDSHandler, "sso": SSOHandler}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Local STS, container, IMDS and SSO credential servers.")
    parser.add_argument("--keys", required=True, metavar="FILE",
                        help='JSON {"ACCESS_KEY_ID": "secret", ...}: the keys handed out, in order')
    parser.add_argument("--url-file", help='write {"sts": URL, "container": URL, ...} here once listening')
    args = parser.parse_args(argv)
    try:
        state = State(load_keys(args.keys))
    except (OSError, ValueError) as exc:
        parser.error(f"--keys: {exc}")
    servers = {kind: CredentialServer(kind, handler, state) for kind, handler in HANDLERS.items()}
    for server in servers.values():
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    urls = {kind: server.url for kind, server in servers.items()}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if args.url_file:
            write_atomically(args.url_file, json.dumps(urls))
        sys.stderr.write(f"credential servers listening: {urls}\n")
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()
        if args.url_file:
            with contextlib.suppress(FileNotFoundError):
                os.remove(args.url_file)
