#!/usr/bin/env python3
"""Writes fuzz/corpus/<target>/: the seed inputs of each libFuzzer target (fuzz/main.swift),
taken from the test vectors (event-stream frames, LangChain's request cases and provider
replies) and from the documented shapes of configs, shared files and credential responses.

    .venv/bin/python fuzz/seed_corpus.py
"""

import glob
import hashlib
import json
import os

ROOT = os.path.join(os.path.dirname(__file__), "..")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
VECTORS = os.path.join(ROOT, "Tests", "BedrockTests", "Vectors")


def write(target: str, data: bytes) -> None:
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as out:
        out.write(data)


def as_json(value) -> bytes:
    return json.dumps(value).encode()


def event_streams() -> None:
    # The first byte is the split size minus one: whole frames, and byte by byte.
    for path in sorted(glob.glob(os.path.join(VECTORS, "eventstream", "*.bin"))):
        frames = open(path, "rb").read()
        write("eventstream", b"\xff" + frames[:16384])
        write("eventstream", b"\x00" + frames[:4096])


def chat_requests_and_replies() -> None:
    for path in sorted(glob.glob(os.path.join(VECTORS, "providers", "*.json"))):
        vectors = json.load(open(path))
        for case in vectors["cases"][:12]:
            write("chat-request", as_json(case["request"]))
            if case.get("langchain_body") is not None:
                write("replies", as_json(case["langchain_body"]))
        for response in vectors["responses"]:
            write("replies", as_json(response["body"]))
            for chunk in response["chunks"][:4]:
                write("replies", as_json(chunk))
    write("replies", as_json({"output": {"message": {"role": "assistant", "content": [{"text": "Hi"}]}},
                              "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}}))
    write("replies", as_json({"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "Hi"}}}))
    write("replies", as_json({"modelId": "m", "messages": [], "body": "{}", "maxResults": 2}))


def configs() -> None:
    write("config", as_json({"region": "us-east-1", "endpoint_url": "http://127.0.0.1:1",
                             "credentials": {"access_key_id": "AKID", "secret_access_key": "secret", "session_token": "t"},
                             "timeout_ms": 1000, "max_attempts": 3, "retry_mode": "adaptive",
                             "max_response_bytes": 1048576, "use_fips_endpoint": False}))
    write("config", as_json({"region": "eu-west-3", "bearer_token": "ABSK-token", "use_dualstack_endpoint": True}))
    write("config", as_json({"region": "cn-north-1", "profile": "p", "ca_file": "/x", "verify_tls": True}))


def shared_files() -> None:
    write("shared-files", b"[default]\nregion = us-east-1\naws_access_key_id = AKID\naws_secret_access_key = s\n"
                          b"[profile dev]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\n"
                          b"s3 =\n  max_concurrent_requests = 10\n[sso-session corp]\nsso_start_url = https://x\n")
    write("shared-files", b"# comment\n[profile a] ; trailing\ncredential_process = /bin/echo '{}'\r\n")


def credentials() -> None:
    write("credentials", b"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
                         b"<Credentials><AccessKeyId>AKID</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
                         b"<SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"
                         b"</AssumeRoleResult></AssumeRoleResponse>")
    write("credentials", as_json({"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s", "SessionToken": "t",
                                  "Expiration": "2030-01-01T00:00:00Z"}))
    write("credentials", as_json({"Code": "Success", "AccessKeyId": "AKID", "SecretAccessKey": "s", "Token": "t",
                                  "Expiration": "2030-01-01T00:00:00Z"}))
    write("credentials", as_json({"roleCredentials": {"accessKeyId": "AKID", "secretAccessKey": "s",
                                                      "sessionToken": "t", "expiration": 1893456000000}}))


def json_texts() -> None:
    # The request and reply vectors, and the corners where a scanner and jansson could part.
    for path in sorted(glob.glob(os.path.join(VECTORS, "providers", "*.json")))[:3]:
        write("json", open(path, "rb").read()[:4096])
    for text in [b'{"p":"pad","a":[1,-2.5e3,{"b":null}],"c":"\\u00e9\\ud83d\\ude00\\n"}', b'"\xc3\xa9\xf0\x9f\x98\x80"',
                 b"9223372036854775807", b"-9223372036854775808", b"1e308", b"[[[[[]]]]]", b'{"a":1,"a":2}',
                 b'"\\ud800\\udc00"', b"[true,false,null]", b" \t\r\n0 "]:
        write("json", text)


def main() -> None:
    event_streams()
    json_texts()
    chat_requests_and_replies()
    configs()
    shared_files()
    credentials()
    for target in sorted(os.listdir(CORPUS)):
        print(f"{target}: {len(os.listdir(os.path.join(CORPUS, target)))} seeds")


if __name__ == "__main__":
    main()
