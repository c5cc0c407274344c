"""What the four servers share: the pool of keys they hand out, what they issued, the
requests they saw, and the behaviour the tests configured."""

import copy
import datetime
import json
import secrets
import threading

from server_common.startup import parse_keys

DEFAULT_BEHAVIOUR = {
    # Lifetime of each issued credential, in order; the last value repeats.
    "expiration_seconds": [3600],
    # Delay before answering a credentials request, so concurrent callers overlap.
    "delay_ms": 0,
    # Per server: {"status": N, "body": "raw text"} replaces the answer to credential requests.
    "override": {},
    "sts": {
        # The token AssumeRoleWithWebIdentity must carry.
        "web_identity_token": "web-identity-token",
        # {"status": 403, "code": "AccessDenied", "message": "..."} makes STS fail.
        "error": None,
    },
    # The Authorization value the container endpoint requires (None: no check).
    "container": {"authorization": None},
    "imds": {
        "role": "bedrock-test-role",
        # The PUT /latest/api/token status: 200 gives a token; 403/404/405 mean "no IMDSv2",
        # and then the GETs need no token.
        "token_status": 200,
    },
    "sso": {"access_token": "sso-access-token", "account_id": "123456789012", "role_name": "BedrockUser"},
}


class State:
    def __init__(self, keys: dict[str, str]):
        self._lock = threading.Lock()
        self._pool = sorted(keys.items())
        self.keys = dict(keys)
        self.reset({})

    def reset(self, behaviour: dict) -> None:
        merged = copy.deepcopy(DEFAULT_BEHAVIOUR)
        for key, value in behaviour.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key].update(value)
            else:
                merged[key] = value
        with self._lock:
            self.behaviour = merged
            self.issued = []
            self.requests = []
            self.imds_tokens = set()
            self._next_key = 0
            self._sessions = {}  # access key id -> session token, for keys issued so far

    def record(self, server: str, method: str, path: str, headers: dict, extra: dict | None = None) -> None:
        with self._lock:
            self.requests.append({"server": server, "method": method, "path": path,
                                  "headers": headers, **(extra or {})})

    def issue(self, server: str) -> dict:
        """The next key from the pool, with a fresh session token and an expiry."""
        with self._lock:
            if self._next_key >= len(self._pool):
                raise RuntimeError("the key pool is exhausted")
            access_key_id, secret = self._pool[self._next_key]
            self._next_key += 1
            lifetimes = self.behaviour["expiration_seconds"]
            lifetime = lifetimes[min(len(self.issued), len(lifetimes) - 1)]
            expiration = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=lifetime)
            token = f"token-{server}-{self._next_key}-{secrets.token_hex(8)}"
            self._sessions[access_key_id] = token
            record = {"server": server, "access_key_id": access_key_id, "secret_access_key": secret,
                      "session_token": token, "expiration": expiration}
            self.issued.append(record)
            return record

    def session_token_for(self, access_key_id: str):
        """The token issued with ``access_key_id``; None for a long-term key."""
        with self._lock:
            return self._sessions.get(access_key_id)

    def snapshot(self) -> dict:
        with self._lock:
            issued = [{**record, "expiration": record["expiration"].isoformat()} for record in self.issued]
            counts = {}
            for record in self.issued:
                counts[record["server"]] = counts.get(record["server"], 0) + 1
            return json.loads(json.dumps({"issued": issued, "requests": self.requests, "counts": counts}))


def load_keys(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as file:
        return parse_keys(file.read(), path)
