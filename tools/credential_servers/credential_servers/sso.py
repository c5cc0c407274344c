"""The IAM Identity Center portal's GetRoleCredentials:
``GET /federation/credentials?role_name=..&account_id=..`` with ``x-amz-sso_bearer_token``."""

import hmac
from urllib.parse import parse_qs, urlsplit

from .base import BaseHandler

PATH = "/federation/credentials"
TOKEN_HEADER = "x-amz-sso_bearer_token"


class SSOHandler(BaseHandler):
    def handle_request(self, method: str, body: bytes) -> None:
        target = urlsplit(self.path)
        if method != "GET" or target.path != PATH:
            self.reply_json(404, {"message": "not found"})
            return
        behaviour = self.behaviour["sso"]
        token = self.headers.get(TOKEN_HEADER) or ""
        if not hmac.compare_digest(token.encode(), behaviour["access_token"].encode()):
            self.reply_json(401, {"message": "Session token not found or invalid"},
                            [("x-amzn-ErrorType", "UnauthorizedException:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/")])
            return
        query = {k: v[0] for k, v in parse_qs(target.query).items()}
        if query.get("account_id") != behaviour["account_id"] or query.get("role_name") != behaviour["role_name"]:
            self.reply_json(403, {"message": "No access"}, [("x-amzn-ErrorType", "ForbiddenException")])
            return
        issued = self.issue_credentials()
        if issued is None:
            return
        self.reply_json(200, {"roleCredentials": {
            "accessKeyId": issued["access_key_id"],
            "secretAccessKey": issued["secret_access_key"],
            "sessionToken": issued["session_token"],
            "expiration": int(issued["expiration"].timestamp() * 1000)}})
