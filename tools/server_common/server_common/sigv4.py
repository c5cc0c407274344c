"""SigV4 request verification, shared by the Bedrock emulator (every signed request) and the
credential servers' STS (AssumeRole).

The pieces every check needs: splitting the Authorization header, reading X-Amz-Date and
its clock skew, and recomputing the signature with botocore's own signer over exactly the
headers the request lists as signed. Which checks a server makes, in which order, and the
error each failure answers with stay with the server, because each mimics its own service
(Bedrock: ``InvalidSignatureException``, ``UnrecognizedClientException``; STS:
``SignatureDoesNotMatch``, ``InvalidClientTokenId``, ``IncompleteSignature``).
"""

import datetime
import hmac
from dataclasses import dataclass

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_CLOCK_SKEW = datetime.timedelta(minutes=15)


class _Signer(SigV4Auth):
    """botocore's SigV4 signer, signing exactly the headers present on the request."""

    def headers_to_sign(self, request):
        headers = HTTPHeaders()
        for name, value in request.headers.items():
            headers[name.lower()] = value
        return headers


def split_authorization(value: str | None) -> tuple[str, str]:
    """``"SCHEME PARAMS"`` -> ``(scheme, params)``; a missing header gives ``("", "")``."""
    scheme, _, params = (value or "").strip().partition(" ")
    return scheme, params


def parse_params(params: str) -> dict[str, str]:
    """``"Credential=..., SignedHeaders=..., Signature=..."`` as a dict (parts without ``=``
    are skipped; presence and form are the caller's to check)."""
    fields = {}
    for part in params.split(","):
        name, equals, value = part.strip().partition("=")
        if equals:
            fields[name] = value
    return fields


def parse_amz_date(amz_date: str | None) -> datetime.datetime:
    """X-Amz-Date (``YYYYMMDDTHHMMSSZ``) as a naive UTC datetime; ValueError if it is not."""
    if amz_date is None:
        raise ValueError("X-Amz-Date is missing")
    return datetime.datetime.strptime(amz_date, AMZ_DATE_FORMAT)


def clock_skew_error(amz_date: str) -> str | None:
    """Why a request dated ``amz_date`` (which parse_amz_date accepts) is too old or too
    new, in Bedrock's wording; None within ``MAX_CLOCK_SKEW`` of now."""
    when = parse_amz_date(amz_date)
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    if when < now - MAX_CLOCK_SKEW:
        return (f"Signature expired: {amz_date} is now earlier than "
                f"{(now - MAX_CLOCK_SKEW).strftime(AMZ_DATE_FORMAT)} "
                f"({now.strftime(AMZ_DATE_FORMAT)} - 15 min.)")
    if when > now + MAX_CLOCK_SKEW:
        return (f"Signature not yet current: {amz_date} is still later than "
                f"{(now + MAX_CLOCK_SKEW).strftime(AMZ_DATE_FORMAT)} "
                f"({now.strftime(AMZ_DATE_FORMAT)} + 15 min.)")
    return None


@dataclass(frozen=True)
class Expected:
    """The signature a request should carry, and what it was computed from."""

    canonical_request: str
    string_to_sign: str
    signature: str

    def matches(self, signature: str) -> bool:
        return hmac.compare_digest(self.signature.encode(), signature.encode())


def expected_signature(method: str, url: str, headers, signed_headers, body: bytes,
                       amz_date: str, access_key: str, secret: str, service: str,
                       region: str) -> Expected:
    """The signature of a request, recomputed with botocore's signer.

    ``url`` is ``http://`` + the Host header + the path and query as received; ``headers``
    an ``email.message.Message`` (as http.server provides); ``signed_headers`` the
    lowercase names the Authorization header lists.
    """
    request = AWSRequest(method=method, url=url, data=body)
    for name in signed_headers:
        for value in headers.get_all(name) or []:
            request.headers[name] = value
    request.context["timestamp"] = amz_date
    signer = _Signer(Credentials(access_key, secret), service, region)
    canonical_request = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical_request)
    return Expected(canonical_request, string_to_sign, signer.signature(string_to_sign, request))
