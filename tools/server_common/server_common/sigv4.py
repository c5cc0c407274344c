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
import hashlib
import hmac
from dataclasses import dataclass

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
# Event-stream signing (aws-sdk-go-v2's aws/signer/v4/stream.go): the request declares this
# payload hash, and each event it sends is then signed on its own, chained from the last.
STREAMING_EVENTS_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-EVENTS"
EVENT_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD"
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


def amz_date_of(seconds: int) -> str:
    """``seconds`` since the epoch as an X-Amz-Date (``YYYYMMDDTHHMMSSZ``)."""
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime(AMZ_DATE_FORMAT)


def event_signature(secret: str, region: str, service: str, amz_date: str,
                    prior_signature: str, headers: bytes, payload: bytes) -> tuple[str, str]:
    """``(string to sign, hex signature)`` of one event-stream event: its date, the scope
    of that day, the previous signature (hex; for the first event, the request's own), and
    the hashes of its encoded headers and of its payload, signed with the SigV4 signing key
    of that day."""
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join((EVENT_ALGORITHM, amz_date, scope, prior_signature,
                                hashlib.sha256(headers).hexdigest(),
                                hashlib.sha256(payload).hexdigest()))
    key = ("AWS4" + secret).encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return string_to_sign, hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
