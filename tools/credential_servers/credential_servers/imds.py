"""EC2 instance metadata with IMDSv2: ``PUT /latest/api/token`` (needs the TTL header) gives
a token that every GET must carry, unless ``token_status`` says IMDSv2 is unsupported."""

import datetime
import secrets

from .base import BaseHandler, iso8601

TOKEN_PATH = "/latest/api/token"
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
MAX_TTL_SECONDS = 21600


class IMDSHandler(BaseHandler):
    def handle_request(self, method: str, body: bytes) -> None:
        behaviour = self.behaviour["imds"]
        if self.path == TOKEN_PATH:
            if method != "PUT":
                self.reply(405, b"", "text/plain")
                return
            if behaviour["token_status"] != 200:
                self.reply(behaviour["token_status"], b"", "text/plain")
                return
            ttl = self.headers.get(TTL_HEADER, "")
            if not ttl.isdigit() or not 1 <= int(ttl) <= MAX_TTL_SECONDS:
                self.reply(400, b"", "text/plain")
                return
            token = secrets.token_urlsafe(32)
            self.state.imds_tokens.add(token)
            self.reply(200, token.encode(), "text/plain", [(TTL_HEADER, ttl)])
            return
        if method != "GET":
            self.reply(405, b"", "text/plain")
            return
        if behaviour["token_status"] == 200 and self.headers.get(TOKEN_HEADER) not in self.state.imds_tokens:
            self.reply(401, b"", "text/plain")
            return
        role = behaviour["role"]
        if self.path == CREDENTIALS_PATH:
            self.reply(200, role.encode(), "text/plain")
        elif self.path == CREDENTIALS_PATH + role:
            issued = self.issue_credentials()
            if issued is None:
                return
            now = datetime.datetime.now(datetime.UTC)
            self.reply_json(200, {"Code": "Success", "LastUpdated": iso8601(now), "Type": "AWS-HMAC",
                                  "AccessKeyId": issued["access_key_id"],
                                  "SecretAccessKey": issued["secret_access_key"],
                                  "Token": issued["session_token"],
                                  "Expiration": iso8601(issued["expiration"])})
        else:
            self.reply(404, b"", "text/plain")
