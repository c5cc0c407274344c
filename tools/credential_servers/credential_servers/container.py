"""The ECS / EKS Pod Identity container credentials endpoint: GET any path, optionally
requiring an Authorization value, answers {AccessKeyId, SecretAccessKey, Token, Expiration}."""

import hmac

from .base import BaseHandler, iso8601


class ContainerHandler(BaseHandler):
    def handle_request(self, method: str, body: bytes) -> None:
        if method != "GET":
            self.reply_json(405, {"message": "GET only"})
            return
        required = self.behaviour["container"].get("authorization")
        given = self.headers.get("Authorization")
        if required is not None and not (given and hmac.compare_digest(given.encode(), required.encode())):
            self.reply_json(401, {"message": "missing or wrong Authorization"})
            return
        issued = self.issue_credentials()
        if issued is None:
            return
        self.reply_json(200, {"AccessKeyId": issued["access_key_id"],
                              "SecretAccessKey": issued["secret_access_key"],
                              "Token": issued["session_token"],
                              "Expiration": iso8601(issued["expiration"]),
                              "AccountId": "123456789012"})
