"""SigV4 and bearer authentication on hand-built requests."""

import datetime
import hashlib
import json

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from emulator_testlib import AKID, SECRET, converse_path, sign, user

BODY = json.dumps({"messages": user("signed")}).encode()
PATH = converse_path()


def call(emulator, headers, body=BODY):
    response, data = emulator.request("POST", PATH, body, headers)
    return response.status, response.getheader("x-amzn-ErrorType"), json.loads(data)


def test_signed_request(emulator):
    status, _, body = call(emulator, sign(emulator, "POST", PATH, BODY))
    assert status == 200 and body["stopReason"] == "end_turn"


def test_missing_authentication(emulator):
    assert call(emulator, {})[:2] == (403, "MissingAuthenticationTokenException")


@pytest.mark.parametrize("mangle", [
    lambda good: "AWS4-HMAC-SHA256 garbage",
    lambda good: good.replace("/aws4_request", ""),
    lambda good: good.replace("SignedHeaders=", "SignedHeaderz="),
    lambda good: good.rpartition("=")[0] + "=\u00e9\u00e9",  # non-ASCII signature
    lambda good: "Basic dXNlcjpwYXNz",
], ids=["garbage", "short-scope", "no-signed-headers", "non-ascii-signature", "basic"])
def test_malformed_authorization(emulator, mangle):
    headers = sign(emulator, "POST", PATH, BODY)
    headers["Authorization"] = mangle(headers["Authorization"])
    assert call(emulator, headers)[:2] == (403, "InvalidSignatureException")


def test_tampered_body_reports_canonical_request(emulator):
    status, error_type, body = call(emulator, sign(emulator, "POST", PATH, BODY),
                                    BODY.replace(b"signed", b"forged"))
    assert (status, error_type) == (403, "InvalidSignatureException")
    assert "Canonical String" in body["message"]
    assert hashlib.sha256(BODY.replace(b"signed", b"forged")).hexdigest() in body["message"]


def test_wrong_service_scope(emulator):
    headers = sign(emulator, "POST", PATH, BODY, service="bedrock-runtime")
    status, error_type, body = call(emulator, headers)
    assert (status, error_type) == (403, "InvalidSignatureException")
    assert "'bedrock'" in body["message"]


@pytest.mark.parametrize("minutes, ok", [(-20, False), (-10, True), (10, True), (20, False)])
def test_clock_skew(emulator, minutes, ok):
    when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=minutes)
    status, error_type, body = call(emulator, sign(emulator, "POST", PATH, BODY, when=when))
    if ok:
        assert status == 200
    else:
        assert (status, error_type) == (403, "InvalidSignatureException")
        assert "Signature expired" in body["message"] or "not yet current" in body["message"]


def test_session_token_must_be_signed(emulator):
    headers = sign(emulator, "POST", PATH, BODY)
    headers["X-Amz-Security-Token"] = "unsigned"
    status, error_type, body = call(emulator, headers)
    assert (status, error_type) == (403, "InvalidSignatureException")
    assert "X-Amz-Security-Token" in body["message"]


def test_signed_host_must_name_this_endpoint(emulator):
    headers = sign(emulator, "POST", PATH, BODY, headers={"Host": "127.0.0.1:1"})
    status, error_type, body = call(emulator, headers)
    assert (status, error_type) == (403, "InvalidSignatureException")
    assert "Host" in body["message"]


def test_payload_hash_header_is_checked(emulator):
    good = hashlib.sha256(BODY).hexdigest()
    assert call(emulator, sign(emulator, "POST", PATH, BODY,
                               headers={"X-Amz-Content-SHA256": good}))[0] == 200
    headers = sign(emulator, "POST", PATH, BODY, headers={"X-Amz-Content-SHA256": "0" * 64})
    assert call(emulator, headers)[:2] == (403, "InvalidSignatureException")


class _SignEverything(SigV4Auth):
    """A signer that also signs headers botocore skips (as other SDKs may)."""

    def headers_to_sign(self, request):
        headers = super().headers_to_sign(request)
        headers["user-agent"] = request.headers["User-Agent"]
        return headers


def test_any_signed_header_set_is_verified(emulator):
    headers = {"User-Agent": "custom-sdk/1.0", "Content-Type": "application/json"}
    request = AWSRequest(method="POST", url=emulator.url + PATH, data=BODY, headers=headers)
    _SignEverything(Credentials(AKID, SECRET), "bedrock", "eu-west-3").add_auth(request)
    assert "user-agent" in request.headers["Authorization"]
    assert call(emulator, dict(request.headers.items()))[0] == 200


def test_bearer_tokens(emulator):
    assert call(emulator, {"Authorization": "Bearer emulator-bearer-token"})[0] == 200
    assert call(emulator, {"Authorization": "Bearer nope"})[:2] == (
        403, "UnrecognizedClientException")
