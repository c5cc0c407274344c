"""AWS STS over the Query protocol: AssumeRole (SigV4, verified with the shared verifier,
server_common.sigv4) and AssumeRoleWithWebIdentity (unsigned, checks the token). Answers in
STS's XML."""

import hmac
import uuid
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from server_common import sigv4
from server_common.startup import EMULATOR_KEYS

from .base import BaseHandler, iso8601

API_VERSION = "2011-06-15"
NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
SERVICE = "sts"


class STSError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class STSHandler(BaseHandler):
    def handle_request(self, method: str, body: bytes) -> None:
        try:
            if method != "POST" or self.path != "/":
                raise STSError(404, "InvalidAction", f"STS is POST /, not {method} {self.path}")
            content_type = self.headers.get("Content-Type", "")
            if not content_type.startswith("application/x-www-form-urlencoded"):
                raise STSError(400, "InvalidParameterValue", f"unexpected Content-Type {content_type!r}")
            try:
                form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True,
                                                     strict_parsing=True).items()}
            except ValueError:
                raise STSError(400, "MalformedQueryString", "the form body is not valid") from None
            if form.get("Version") != API_VERSION:
                raise STSError(400, "InvalidParameterValue", f"Version must be {API_VERSION}")
            action = form.get("Action")
            if action == "AssumeRole":
                signer = self._verify_signature(body)
                self._require(form, "RoleArn", "RoleSessionName")
                self._answer(action, form, {"signed_by": signer})
            elif action == "AssumeRoleWithWebIdentity":
                if self.headers.get("Authorization"):
                    raise STSError(400, "InvalidParameterValue", "AssumeRoleWithWebIdentity is not signed")
                self._require(form, "RoleArn", "RoleSessionName", "WebIdentityToken")
                if not hmac.compare_digest(form["WebIdentityToken"].encode(),
                                           self.behaviour["sts"]["web_identity_token"].encode()):
                    raise STSError(400, "InvalidIdentityToken", "The web identity token is not valid.")
                self._answer(action, form, {})
            else:
                raise STSError(400, "InvalidAction", f"unsupported Action {action!r}")
        except STSError as error:
            self._error(error)

    @staticmethod
    def _require(form: dict, *names: str) -> None:
        for name in names:
            if not form.get(name):
                raise STSError(400, "MissingParameter", f"The request must contain the parameter {name}.")

    def _answer(self, action: str, form: dict, extra: dict) -> None:
        configured = self.behaviour["sts"].get("error")
        if configured:
            raise STSError(configured.get("status", 403), configured.get("code", "AccessDenied"),
                           configured.get("message", "not authorized to perform sts:AssumeRole"))
        issued = self.issue_credentials()
        if issued is None:
            return
        self.state.record("sts", "call", action, {}, {"form": {k: v for k, v in form.items()
                                                                if k != "WebIdentityToken"}, **extra})
        session = escape(form["RoleSessionName"])
        role = escape(form["RoleArn"].rsplit("/", 1)[-1])
        document = (
            f'<{action}Response xmlns="{NAMESPACE}">\n'
            f"  <{action}Result>\n"
            f"    <AssumedRoleUser>\n"
            f"      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:{session}</AssumedRoleId>\n"
            f"      <Arn>arn:aws:sts::123456789012:assumed-role/{role}/{session}</Arn>\n"
            f"    </AssumedRoleUser>\n"
            f"    <Credentials>\n"
            f"      <AccessKeyId>{escape(issued['access_key_id'])}</AccessKeyId>\n"
            f"      <SecretAccessKey>{escape(issued['secret_access_key'])}</SecretAccessKey>\n"
            f"      <SessionToken>{escape(issued['session_token'])}</SessionToken>\n"
            f"      <Expiration>{iso8601(issued['expiration'], milliseconds=True)}</Expiration>\n"
            f"    </Credentials>\n"
            f"    <PackedPolicySize>6</PackedPolicySize>\n"
            f"  </{action}Result>\n"
            f"  <ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>\n"
            f"</{action}Response>\n")
        self.reply(200, document.encode(), "text/xml")

    def _error(self, error: STSError) -> None:
        document = (f'<ErrorResponse xmlns="{NAMESPACE}">\n'
                    f"  <Error><Type>Sender</Type><Code>{escape(error.code)}</Code>"
                    f"<Message>{escape(error.message)}</Message></Error>\n"
                    f"  <RequestId>{uuid.uuid4()}</RequestId>\n"
                    f"</ErrorResponse>\n")
        self.reply(error.status, document.encode(), "text/xml")

    def _verify_signature(self, body: bytes) -> str:
        """Checks the SigV4 signature (STS's checks and errors); returns the signing key id."""
        scheme, params = sigv4.split_authorization(self.headers.get("Authorization"))
        if scheme != sigv4.ALGORITHM:
            raise STSError(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
        fields = sigv4.parse_params(params)
        try:
            access_key, scope_date, region, service, terminator = fields["Credential"].split("/")
            signed = fields["SignedHeaders"].split(";")
            signature = fields["Signature"]
        except (KeyError, ValueError):
            raise STSError(403, "IncompleteSignature", "malformed Authorization header") from None
        if service != SERVICE or terminator != "aws4_request":
            raise STSError(403, "SignatureDoesNotMatch", f"Credential should be scoped to correct service: '{SERVICE}'.")
        # Besides the pool, STS accepts the Bedrock emulator's default long-term key.
        secret = {**EMULATOR_KEYS, **self.state.keys}.get(access_key)
        if secret is None:
            raise STSError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
        amz_date = self.headers.get("X-Amz-Date") or ""
        try:
            sigv4.parse_amz_date(amz_date)
        except ValueError:
            raise STSError(403, "IncompleteSignature", "X-Amz-Date is missing or malformed") from None
        if sigv4.clock_skew_error(amz_date) or scope_date != amz_date[:8]:
            raise STSError(403, "SignatureDoesNotMatch", "Signature expired or scoped to the wrong date")
        if "host" not in signed or "x-amz-date" not in signed:
            raise STSError(403, "SignatureDoesNotMatch", "host and x-amz-date must be signed")
        expected_token = self.state.session_token_for(access_key)
        token = self.headers.get("X-Amz-Security-Token")
        if expected_token is not None and (token != expected_token or "x-amz-security-token" not in signed):
            raise STSError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
        expected = sigv4.expected_signature("POST", "http://" + self.headers["Host"] + self.path,
                                            self.headers, signed, body, amz_date, access_key,
                                            secret, SERVICE, region)
        if not expected.matches(signature):
            raise STSError(403, "SignatureDoesNotMatch",
                           "The request signature we calculated does not match the signature you provided.")
        self.state.record("sts", "signed", self.path, {}, {"access_key_id": access_key, "region": region})
        return access_key
