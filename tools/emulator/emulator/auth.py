"""Request authentication: SigV4 (verified with the shared verifier, server_common.sigv4,
which recomputes the signature with botocore's own signer) or a bearer token. The checks
and their Bedrock error types are this module's."""

import hashlib

from server_common import sigv4
from server_common.startup import EMULATOR_KEYS

from .errors import ApiError

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


class Authenticator:
    """Checks a request's credentials; ``port`` is the port clients must sign in Host."""

    def __init__(self, credentials: dict, bearer_tokens, port: int):
        self.credentials = dict(credentials)
        self.bearer_tokens = frozenset(bearer_tokens)
        self.port = port

    def authenticate(self, method: str, target: str, headers, body: bytes) -> str:
        """Return ``"sigv4"`` or ``"bearer"``, or raise a 403 ApiError.

        ``target`` is the request path and query exactly as received; ``headers`` is
        an ``email.message.Message`` (as http.server provides).
        """
        scheme, params = sigv4.split_authorization(headers.get("Authorization"))
        if not scheme:
            raise ApiError(403, "MissingAuthenticationTokenException",
                           "Missing Authentication Token")
        if scheme.lower() == "bearer":
            if params.strip() in self.bearer_tokens:
                return "bearer"
            raise _unrecognized("The bearer token included in the request is invalid.")
        if scheme != sigv4.ALGORITHM:
            raise _invalid(f"Unsupported authorization scheme {scheme!r}; "
                           f"expected {sigv4.ALGORITHM} or Bearer.")
        self._verify_sigv4(method, target, headers, body, _parse_params(params))
        return "sigv4"

    def _verify_sigv4(self, method, target, headers, body, params) -> None:
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
        _check_payload_hash(headers, signed, body)

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


def _check_payload_hash(headers, signed, body: bytes) -> None:
    declared = headers.get("X-Amz-Content-SHA256")
    if "x-amz-content-sha256" not in signed or declared == _UNSIGNED_PAYLOAD:
        return
    if declared != hashlib.sha256(body).hexdigest():
        raise _invalid("The provided 'x-amz-content-sha256' header does not match "
                       "what was computed.")
