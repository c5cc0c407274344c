"""Request authentication: SigV4 (verified with the shared verifier, server_common.sigv4,
which recomputes the signature with botocore's own signer) or a bearer token, and the
signature chain of a signed event stream's events. The checks and their Bedrock error
types are this module's."""

import hashlib
import hmac
from dataclasses import dataclass

from server_common import sigv4
from server_common.startup import EMULATOR_KEYS

from .errors import ApiError, validation_error
from .eventstream import encode_headers

DEFAULT_CREDENTIALS = dict(EMULATOR_KEYS)
DEFAULT_BEARER_TOKENS = ("emulator-bearer-token",)
SERVICE = "bedrock"
# A signed request carrying this session token is answered with ExpiredTokenException.
EXPIRED_SESSION_TOKEN = "expired"

_UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


def _invalid(message: str) -> ApiError:
    return ApiError(403, "InvalidSignatureException", message)


def _unrecognized(message: str) -> ApiError:
    return ApiError(403, "UnrecognizedClientException", message)


@dataclass(frozen=True)
class SignedRequest:
    """A verified SigV4 request: the key, region and signature its events' signatures chain
    from."""

    secret: str
    region: str
    signature: str


class Authenticator:
    """Checks a request's credentials; ``port`` is the port clients must sign in Host."""

    def __init__(self, credentials: dict, bearer_tokens, port: int):
        self.credentials = dict(credentials)
        self.bearer_tokens = frozenset(bearer_tokens)
        self.port = port

    def authenticate(self, method: str, target: str, headers, body: bytes,
                     event_stream: bool = False) -> SignedRequest | None:
        """The SignedRequest, or None for a bearer token; or raise a 403 ApiError.

        ``target`` is the request path and query exactly as received; ``headers`` is
        an ``email.message.Message`` (as http.server provides). ``event_stream``: the body
        is an input event stream, which SigV4 signs event by event (``signed_events``), so
        the request must declare the payload hash ``STREAMING-AWS4-HMAC-SHA256-EVENTS``.
        """
        scheme, params = sigv4.split_authorization(headers.get("Authorization"))
        if not scheme:
            raise ApiError(403, "MissingAuthenticationTokenException",
                           "Missing Authentication Token")
        if scheme.lower() == "bearer":
            if params.strip() in self.bearer_tokens:
                return None
            raise _unrecognized("The bearer token included in the request is invalid.")
        if scheme != sigv4.ALGORITHM:
            raise _invalid(f"Unsupported authorization scheme {scheme!r}; "
                           f"expected {sigv4.ALGORITHM} or Bearer.")
        return self._verify_sigv4(method, target, headers, body, _parse_params(params),
                                  event_stream)

    def _verify_sigv4(self, method, target, headers, body, params,
                      event_stream) -> SignedRequest:
        scope = params["Credential"].split("/")
        if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope):
            raise _invalid("Credential must be ACCESS_KEY/DATE/REGION/SERVICE/aws4_request.")
        access_key, scope_date, region, service, _ = scope
        if service != SERVICE:
            raise _invalid(f"Credential should be scoped to correct service: '{SERVICE}'.")
        signed = params["SignedHeaders"].split(";")
        if not all(signed) or any(name != name.lower() for name in signed):
            raise _invalid("SignedHeaders must be a ';'-separated list of lowercase header names.")

        amz_date = _check_date(headers.get("X-Amz-Date"), signed, scope_date)
        secret = self.credentials.get(access_key)
        if secret is None:
            raise _unrecognized("The security token included in the request is invalid.")
        if "host" not in signed:
            raise _invalid("'Host' must be a signed header.")
        for name in signed:
            if headers.get(name) is None:
                raise _invalid(f"Signed header '{name}' is missing from the request.")
        if headers.get("X-Amz-Security-Token") is not None and "x-amz-security-token" not in signed:
            raise _invalid("'X-Amz-Security-Token' must be a signed header.")
        self._check_host(headers.get("Host"))
        _check_payload_hash(headers, signed, body, event_stream)

        expected = sigv4.expected_signature(method, "http://" + headers.get("Host") + target,
                                            headers, signed, body, amz_date, access_key, secret,
                                            SERVICE, region)
        if not expected.matches(params["Signature"]):
            raise _invalid(
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method.\n\n"
                f"The Canonical String for this request should have been\n"
                f"'{expected.canonical_request}'\n\n"
                f"The String-to-Sign should have been\n'{expected.string_to_sign}'\n")
        if headers.get("X-Amz-Security-Token") == EXPIRED_SESSION_TOKEN:
            raise ApiError(403, "ExpiredTokenException",
                           "The security token included in the request is expired")
        return SignedRequest(secret, region, params["Signature"])

    def _check_host(self, host: str) -> None:
        _, colon, port = host.rpartition(":")
        if not colon or "]" in port:
            port = "80"
        if port != str(self.port):
            raise _invalid(f"The signed Host header {host!r} does not match this endpoint "
                           f"(port {self.port}).")


def _parse_params(params: str) -> dict:
    fields = sigv4.parse_params(params)
    required = ("Credential", "SignedHeaders", "Signature")
    missing = [name for name in required if not fields.get(name)]
    if missing:
        raise _invalid(f"Authorization header requires '{missing[0]}' parameter.")
    return fields


def _check_date(amz_date, signed, scope_date) -> str:
    if amz_date is None:
        raise _invalid("Authorization header requires existence of an 'X-Amz-Date' header.")
    try:
        sigv4.parse_amz_date(amz_date)
    except ValueError:
        raise _invalid(f"X-Amz-Date {amz_date!r} is not of the form YYYYMMDDTHHMMSSZ.") from None
    if "x-amz-date" not in signed:
        raise _invalid("'X-Amz-Date' must be a signed header.")
    if scope_date != amz_date[:8]:
        raise _invalid(f"Credential should be scoped to a valid date: '{amz_date[:8]}'.")
    skew = sigv4.clock_skew_error(amz_date)
    if skew:
        raise _invalid(skew)
    return amz_date


def _check_payload_hash(headers, signed, body: bytes, event_stream: bool) -> None:
    declared = headers.get("X-Amz-Content-SHA256")
    if event_stream:
        if "x-amz-content-sha256" not in signed or declared != sigv4.STREAMING_EVENTS_PAYLOAD:
            raise _invalid("An event stream must be signed event by event: sign the header "
                           f"'X-Amz-Content-SHA256: {sigv4.STREAMING_EVENTS_PAYLOAD}'.")
        return
    if "x-amz-content-sha256" not in signed or declared == _UNSIGNED_PAYLOAD:
        return
    if declared != hashlib.sha256(body).hexdigest():
        raise _invalid("The provided 'x-amz-content-sha256' header does not match "
                       "what was computed.")


def signed_events(envelopes, signed: SignedRequest) -> list[bytes]:
    """The events inside a SigV4-signed event stream's envelopes (botocore
    ``EventStreamMessage``s), each one's signature checked.

    Every envelope has exactly the headers ``:date`` (a timestamp) and
    ``:chunk-signature`` (the 32 bytes of its HMAC), and an encoded event as its payload.
    Its signature chains from the previous envelope's (the first from the request's own):
    see ``sigv4.event_signature``. An envelope with an empty payload ends the stream; it
    must come, and come last. A bad signature is a 403, a missing end a 400.
    """
    prior = signed.signature
    events = []
    for number, envelope in enumerate(envelopes, 1):
        headers = envelope.headers
        if list(headers) != [":date", ":chunk-signature"]:
            raise _invalid(f"Event {number} must have exactly the headers ':date' and "
                           f"':chunk-signature', in that order; it has {list(headers)}.")
        date_ms, given = headers[":date"], headers[":chunk-signature"]
        try:
            amz_date = sigv4.amz_date_of(date_ms // 1000)
        except (TypeError, ValueError, OverflowError, OSError):  # not a time, or out of range
            amz_date = None
        if amz_date is None or not isinstance(given, bytes):
            raise _invalid(f"Event {number}: ':date' must be a timestamp and "
                           "':chunk-signature' bytes.")
        skew = sigv4.clock_skew_error(amz_date)
        if skew:
            raise _invalid(f"Event {number}: {skew}")
        string_to_sign, expected = sigv4.event_signature(
            signed.secret, signed.region, SERVICE, amz_date, prior,
            encode_headers([(":date", "timestamp", date_ms)]), envelope.payload)
        if not hmac.compare_digest(bytes.fromhex(expected), given):
            raise _invalid(
                f"The signature of event {number} does not match. Each event is signed over "
                "its ':date' header and payload, chained from the previous event's signature "
                "(the first event's from the request's).\n\n"
                f"The String-to-Sign should have been\n'{string_to_sign}'\n")
        prior = expected
        if not envelope.payload:
            if number < len(envelopes):
                raise validation_error(f"Event {number} is the empty event that ends the "
                                       "stream, but more events follow it.")
            return events
        events.append(envelope.payload)
    raise validation_error("The event stream did not end with an empty signed event.")
