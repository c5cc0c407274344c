"""What both servers do on start: read key documents (``{"ACCESS_KEY_ID": "secret", ...}``)
and publish where they listen in a file written atomically."""

import json
import os

# The Bedrock emulator's default long-term key, which the credential servers' STS accepts too.
EMULATOR_KEYS = {"AKIDEMULATOR": "emulator/secret/key"}


def parse_keys(text: str, origin: str) -> dict[str, str]:
    """A key document; ValueError, naming ``origin``, if it is not one."""
    try:
        keys = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{origin}: invalid JSON ({exc})") from None
    if not isinstance(keys, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in keys.items()):
        raise ValueError(f'{origin}: expected {{"ACCESS_KEY_ID": "secret", ...}}')
    return keys


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader never sees it half written."""
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)


def server_url(scheme: str, address: tuple) -> str:
    """The URL a client uses to reach a server bound to `address`; a wildcard bind is reached
    on the loopback address."""
    host, port = address[:2]
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    return f"{scheme}://{host}:{port}"
