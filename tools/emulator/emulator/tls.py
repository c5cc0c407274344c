"""HTTPS for the emulator: a throwaway test CA and a certificate it signs for 127.0.0.1 and
localhost (made with the ``openssl`` command, as Tests/python/test_network.py does), and the
server's SSL context, which offers HTTP/2 through ALPN when the server speaks it."""

import os
import ssl
import subprocess
from pathlib import Path

CA_FILE, CERT_FILE, KEY_FILE = "ca.pem", "server.pem", "server.key"


def make_test_certificate(folder) -> tuple[Path, Path, Path]:
    """Write ``ca.pem`` (the CA clients should trust), ``server.pem`` and ``server.key``
    into ``folder``; return their paths (CA, certificate, key). EC P-256 keys: quick to make,
    and a thousand handshakes at once stay cheap."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    def openssl(*args):
        result = subprocess.run(["openssl", *args], cwd=folder, capture_output=True, text=True)
        if result.returncode:
            raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.strip()}")

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", CA_FILE, "-days", "7",
            "-subj", "/CN=Bedrock emulator test CA")
    openssl("req", *ec, "-keyout", KEY_FILE, "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                       "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", CA_FILE, "-CAkey", "ca.key",
            "-CAcreateserial", "-out", CERT_FILE, "-days", "7", "-extfile", "server.ext")
    for leftover in ("ca.key", "ca.srl", "server.csr", "server.ext"):
        (folder / leftover).unlink(missing_ok=True)
    os.chmod(folder / KEY_FILE, 0o600)
    return folder / CA_FILE, folder / CERT_FILE, folder / KEY_FILE


def server_context(cert, key, alpn=("http/1.1",)) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(list(alpn))
    return context
