#!/usr/bin/env python3
"""Generate SigV4 test vectors for the Swift signer, using botocore as the oracle.

Writes Tests/BedrockTests/Vectors/sigv4/cases.json (relative to the repo root).

Requests are built the way boto3's bedrock-runtime client builds them: the
rest-json serializer renders the operation's URI template (so `{modelId}` is
percent-encoded with botocore's `percent_encode`, safe chars `-._~`), then
`prepare_request_dict` / `create_request_object` make the AWSRequest.  Extra
headers are appended afterwards, and botocore's own `SigV4Auth.add_auth` signs
the request with its clock frozen at the case's timestamp.  A few synthetic
cases (hand-picked paths and query strings, the AWS documentation example)
go straight to AWSRequest.

Usage: python3 tools/vectors/gen_sigv4_vectors.py [--out PATH] [--count N]
Deterministic: a fixed seed, no network, no wall clock.
"""

import argparse
import base64
import datetime
import json
import os
import random
import sys
from unittest import mock
from urllib.parse import urlsplit

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.serialize
import botocore.session

SEED = 20240229
DEFAULT_COUNT = 300
SERVICE = "bedrock"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "Tests", "BedrockTests", "Vectors", "sigv4", "cases.json")
LARGE_BODY_BYTES = 100 * 1024


class RecordingSigV4Auth(botocore.auth.SigV4Auth):
    """SigV4Auth that keeps the intermediate values computed inside add_auth.

    Calling canonical_request() after add_auth would be wrong: by then the
    request carries an Authorization header, which would be signed too.
    """

    def canonical_request(self, request):
        self.recorded_canonical_request = super().canonical_request(request)
        return self.recorded_canonical_request

    def string_to_sign(self, request, canonical_request):
        self.recorded_string_to_sign = super().string_to_sign(request, canonical_request)
        return self.recorded_string_to_sign

    def signature(self, string_to_sign, request):
        self.recorded_signature = super().signature(string_to_sign, request)
        return self.recorded_signature


def frozen_clock(timestamp):
    """Patch the clock that SigV4Auth.add_auth reads.

    botocore.auth does `from botocore.compat import get_current_datetime` and calls
    it in add_auth (older botocore called datetime.datetime.utcnow() instead), so
    the name to patch is the one bound in botocore.auth.
    """
    fixed = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)

    def fake_now(remove_tzinfo=True):
        return fixed.replace(tzinfo=None) if remove_tzinfo else fixed

    if not hasattr(botocore.auth, "get_current_datetime"):
        raise SystemExit("this botocore has no botocore.auth.get_current_datetime; update frozen_clock()")
    return mock.patch.object(botocore.auth, "get_current_datetime", fake_now)


# ---------------------------------------------------------------------------
# Random inputs

def load_regions():
    """(region, dns suffix) for every real region of every partition botocore knows."""
    path = os.path.join(os.path.dirname(botocore.__file__), "data", "partitions.json")
    with open(path) as f:
        partitions = json.load(f)["partitions"]
    out = []
    for p in partitions:
        suffix = p["outputs"]["dnsSuffix"]
        for region in sorted(p["regions"]):
            if not region.endswith("-global"):
                out.append((p["id"], region, suffix))
    return out


MODEL_IDS = [
    "anthropic.claude-3-sonnet-20240229-v1:0",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "anthropic.claude-v2:1",
    "anthropic.claude-instant-v1",
    "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
    "eu.anthropic.claude-3-5-sonnet-20240620-v1:0",
    "apac.anthropic.claude-3-haiku-20240307-v1:0",
    "us.meta.llama3-1-70b-instruct-v1:0",
    "meta.llama3-8b-instruct-v1:0",
    "us.meta.llama3-2-90b-instruct-v1:0",
    "mistral.mistral-large-2402-v1:0",
    "mistral.mixtral-8x7b-instruct-v0:1",
    "cohere.command-r-plus-v1:0",
    "amazon.titan-text-express-v1",
    "amazon.titan-embed-text-v2:0",
    "amazon.nova-pro-v1:0",
    "us.amazon.nova-lite-v1:0",
    "ai21.jamba-1-5-large-v1:0",
    "us.deepseek.r1-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
    "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-v2",
    "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123xyz789",
    "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/a1b2c3d4e5f6",
    "arn:aws:bedrock:us-east-1:123456789012:imported-model/k2v3w4x5y6z7",
    "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/abcdef123456",
    "arn:aws-cn:bedrock:cn-north-1:123456789012:inference-profile/cn.anthropic.claude-3-haiku-20240307-v1:0",
    "arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:inference-profile/us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0",
    "arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint",
    "arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT12345:1",
]

# Ids that stress the path encoding: reserved characters, unicode, dot segments.
ODD_MODEL_IDS = [
    "my model with spaces",
    "tilde~model~v1",
    "a+b=c:d",
    "plus+plus",
    "equals=equals==",
    "percent%20literal",
    "question?hash#frag",
    "amp&semi;colon:at@dollar$",
    "comma,paren(1)*star!'quote",
    "brackets[0]{x}|pipe^caret`tick\"dq<lt>gt\\bs",
    "modèle-été:1",
    "ünïcödé.model-v1:0",
    "模型/版本:1",
    "モデル-v1:0",
    "emoji-🚀-v1:0",
    "rtl-עברית-v1",
    "nbsp\u00a0model",
    "slash/inside/id",
    "UPPER.Case-Model-V1:0",
    "..",
    ".",
    "",
]

ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-._:~+=/ %@!$&'()*,;é中🙂"


def random_model_id(rng):
    r = rng.random()
    if r < 0.65:
        return rng.choice(MODEL_IDS)
    if r < 0.85:
        return rng.choice(ODD_MODEL_IDS)
    provider = rng.choice(["anthropic", "meta", "amazon", "cohere", "x"])
    tail = "".join(rng.choice(ID_CHARS) for _ in range(rng.randint(1, 24)))
    return f"{provider}.{tail}"


TEXT_SNIPPETS = [
    "Hello, world!",
    "Résumé naïve café — “quotes” and ‘apostrophes’",
    "日本語のテキストです。",
    "中文内容，带标点。",
    "Emoji 🚀🔥👍🏽 and ZWJ 👩‍💻",
    "Ελληνικά και русский текст",
    "عربى and עברית",
    "tabs\tand\nnewlines\r\n inside JSON strings",
    "control \u0001 \u001f chars",
    "backslash \\ and \"quotes\"",
    "   leading and trailing spaces   ",
    "null byte \u0000 in text",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral plane 𝟘𝟙𝟚",
]


def random_text(rng):
    return " ".join(rng.choice(TEXT_SNIPPETS) for _ in range(rng.randint(1, 4)))


def random_messages(rng):
    msgs = []
    for i in range(rng.randint(1, 3)):
        msgs.append({"role": "user" if i % 2 == 0 else "assistant",
                     "content": [{"text": random_text(rng)}]})
    if msgs[-1]["role"] != "user":
        msgs.append({"role": "user", "content": [{"text": random_text(rng)}]})
    return msgs


def large_json_body(rng):
    chunks = []
    size = 0
    while size < LARGE_BODY_BYTES:
        t = random_text(rng)
        chunks.append(t)
        size += len(t.encode("utf-8"))
    doc = {"messages": [{"role": "user", "content": chunks}], "max_tokens": 4096}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def random_invoke_body(rng):
    r = rng.random()
    if r < 0.08:
        return b""
    if r < 0.095:
        return large_json_body(rng)  # rare: each one adds ~100 KB to cases.json
    if r < 0.145:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 512)))  # not UTF-8
    doc = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": rng.randint(1, 4096),
        "messages": [{"role": "user", "content": random_text(rng)}],
    }
    if rng.random() < 0.3:
        doc["temperature"] = round(rng.random(), 3)
    return json.dumps(doc, ensure_ascii=rng.random() < 0.3).encode("utf-8")


# Header values with irregular whitespace and unicode (no CR/LF: the signer rejects those).
HEADER_VALUES = [
    "application/json",
    "  application/json  ",
    "a   b\t\tc",
    "\tleading tab",
    "trailing spaces   ",
    "",
    "   ",
    "ünïcödé ✓",
    "日本語  テキスト",
    "nbsp\u00a0\u00a0between",
    "\u3000ideographic\u3000 space\u3000",
    "em\u2003space and\u2009thin",
    "emoji 🚀   rocket",
    "value,with,commas",
    "quoted \"value\" ; param=1",
    "ENABLED",
    "DISABLED",
    "1.2.3",
]

EXTRA_HEADER_NAMES = [
    "X-Amzn-Bedrock-Trace",
    "X-Amzn-Bedrock-GuardrailIdentifier",
    "X-Amzn-Bedrock-GuardrailVersion",
    "X-Amzn-Bedrock-PerformanceConfig-Latency",
    "x-amzn-bedrock-custom",
    "X-AMZN-BEDROCK-UPPER",
    "Accept",
    "Content-Type",
    "X-Amz-Meta-Note",
    "X-Custom_Header.v1",
    # Never signed (botocore's SIGNED_HEADERS_BLACKLIST):
    "User-Agent",
    "X-Amzn-Trace-Id",
    "Expect",
    "Connection",
    "Transfer-Encoding",
    "Proxy-Authorization",
    "TE",
]


def random_akid(rng):
    prefix = rng.choice(["AKIA", "ASIA"])
    return prefix + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def random_secret(rng):
    if rng.random() < 0.03:
        return "sécret-ключ-🔑-" + "".join(rng.choice(B64) for _ in range(20))  # UTF-8 key bytes
    return "".join(rng.choice(B64) for _ in range(40))


def random_token(rng):
    n = rng.choice([0, 0, 0, 16, 300, 700, 1100])
    if n == 0:
        return None
    return "IQoJb3JpZ2luX2Vj" + "".join(rng.choice(B64) for _ in range(n)) + "=="


# 1970-01-01, 2000-02-29 00:00 and 23:59:59, the AWS docs example, 2024-02-29 23:59:59,
# 2099-12-31 23:59:59, and 9999-12-31 23:59:59 (the last 4-digit year).
EDGE_TIMESTAMPS = [0, 951782400, 951868799, 1440938160, 1709251199, 4102444799, 253402300799]


def random_timestamp(rng):
    if rng.random() < 0.04:
        return rng.choice(EDGE_TIMESTAMPS)
    return rng.randint(946684800, 4102444800)  # 2000 .. 2100


def random_endpoint(rng, regions):
    _, region, suffix = rng.choice(regions)
    r = rng.random()
    if r < 0.70:
        scheme, host = "https", f"bedrock-runtime.{region}.{suffix}"
    elif r < 0.78:
        scheme, host = "https", f"bedrock-runtime-fips.{region}.{suffix}"
    elif r < 0.84:
        scheme, host = "https", f"vpce-0a1b2c3d4e5f-abcd1234.bedrock-runtime.{region}.vpce.{suffix}"
    elif r < 0.88:
        scheme, host = "https", f"Bedrock-Runtime.{region.upper()}.{suffix.upper()}"
    elif r < 0.93:
        scheme, host = "http", "localhost"
    elif r < 0.96:
        scheme, host = "http", "127.0.0.1"
    else:
        scheme, host = "http", "[::1]"
    default_port = 443 if scheme == "https" else 80
    p = rng.random()
    if p < 0.25:
        port = rng.choice([8080, 4566, 9443, 8443, 65535, 1])
    elif p < 0.35:
        port = default_port  # botocore drops the default port from the signed host
    else:
        port = None
    netloc = host if port is None else f"{host}:{port}"
    # What our transport hands the signer: the authority with the port only if non-default.
    signer_host = host if port in (None, default_port) else f"{host}:{port}"
    return region, f"{scheme}://{netloc}", signer_host


# ---------------------------------------------------------------------------
# Building requests the way the bedrock-runtime client does

class ClientRequestBuilder:
    def __init__(self):
        session = botocore.session.get_session()
        self.model = session.get_service_model("bedrock-runtime")
        assert self.model.signing_name == SERVICE, self.model.signing_name
        self.serializer = botocore.serialize.create_serializer(
            self.model.metadata["protocol"], include_validation=False)

    def build(self, operation, params, endpoint_url):
        op = self.model.operation_model(operation)
        request_dict = self.serializer.serialize_to_request(params, op)
        botocore.awsrequest.prepare_request_dict(request_dict, endpoint_url=endpoint_url)
        return botocore.awsrequest.create_request_object(request_dict)


OPERATIONS = ["Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream",
              "CountTokens", "ListAsyncInvokes", "GetAsyncInvoke"]
OPERATION_WEIGHTS = [24, 20, 22, 18, 10, 4, 2]


def random_params(rng, operation):
    model_id = random_model_id(rng)
    if operation in ("Converse", "ConverseStream"):
        params = {"modelId": model_id, "messages": random_messages(rng)}
        if rng.random() < 0.4:
            params["system"] = [{"text": random_text(rng)}]
        if rng.random() < 0.5:
            params["inferenceConfig"] = {"maxTokens": rng.randint(1, 8192),
                                         "temperature": round(rng.random(), 2)}
        return params
    if operation in ("InvokeModel", "InvokeModelWithResponseStream"):
        params = {"modelId": model_id, "body": random_invoke_body(rng)}
        if rng.random() < 0.6:
            params["contentType"] = rng.choice(["application/json", "application/json; charset=utf-8"])
        if rng.random() < 0.6:
            params["accept"] = rng.choice(["application/json", "*/*", "application/vnd.amazon.eventstream"])
        if rng.random() < 0.2:
            params["trace"] = rng.choice(["ENABLED", "DISABLED", "ENABLED_FULL"])
        if rng.random() < 0.15:
            params["guardrailIdentifier"] = rng.choice(["gr-abc123", "arn:aws:bedrock:us-east-1:123456789012:guardrail/xyz"])
            params["guardrailVersion"] = rng.choice(["DRAFT", "1", "12"])
        if rng.random() < 0.1:
            params["performanceConfigLatency"] = rng.choice(["standard", "optimized"])
        return params
    if operation == "CountTokens":
        if rng.random() < 0.5:
            return {"modelId": model_id, "input": {"converse": {"messages": random_messages(rng)}}}
        return {"modelId": model_id, "input": {"invokeModel": {"body": random_invoke_body(rng)}}}
    if operation == "ListAsyncInvokes":
        params = {}
        if rng.random() < 0.6:
            params["maxResults"] = rng.randint(1, 1000)
        if rng.random() < 0.5:
            params["nextToken"] = "".join(rng.choice(B64 + "=~ :é") for _ in range(rng.randint(1, 40)))
        if rng.random() < 0.5:
            params["statusEquals"] = rng.choice(["InProgress", "Completed", "Failed"])
        if rng.random() < 0.4:
            params["sortOrder"] = rng.choice(["Ascending", "Descending"])
            params["sortBy"] = "SubmissionTime"
        if rng.random() < 0.4:
            params["submitTimeAfter"] = datetime.datetime(2024, 1, rng.randint(1, 28), 12, 30, 45)
        return params
    if operation == "GetAsyncInvoke":
        return {"invocationArn": "arn:aws:bedrock:us-east-1:123456789012:async-invoke/" +
                "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))}
    raise ValueError(operation)


def add_extra_headers(rng, request, signer_host):
    for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
        request.headers[rng.choice(EXTRA_HEADER_NAMES)] = rng.choice(HEADER_VALUES)
    if rng.random() < 0.1:
        # The same header twice, differently cased: botocore joins the values with ','.
        value_a, value_b = rng.choice(HEADER_VALUES), rng.choice(HEADER_VALUES)
        request.headers["X-Amzn-Bedrock-Dup"] = value_a
        request.headers["x-amzn-bedrock-dup"] = value_b
    if rng.random() < 0.06:
        request.headers["Host"] = rng.choice([signer_host, f"  {signer_host.upper()} "])
    if rng.random() < 0.04:
        request.headers["X-Amz-Content-SHA256"] = rng.choice(
            ["UNSIGNED-PAYLOAD", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"])


# ---------------------------------------------------------------------------
# Signing and recording

def body_fields(body):
    if body is None:
        body = b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        return {"body_utf8": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(body).decode("ascii")}


def sign_and_record(case_id, description, request, signer_host, region, service,
                    akid, secret, token, timestamp):
    parts = urlsplit(request.url)
    path, query = parts.path, parts.query
    rebuilt = f"{parts.scheme}://{parts.netloc}{path}" + (f"?{query}" if query else "")
    assert rebuilt == request.url, (request.url, rebuilt)
    before = list(request.headers.items())
    body = request.body  # bytes or None, exactly what SigV4Auth.payload() hashes

    auth = RecordingSigV4Auth(botocore.credentials.Credentials(akid, secret, token), service, region)
    with frozen_clock(timestamp):
        auth.add_auth(request)
    after = list(request.headers.items())
    assert after[:len(before)] == before, "signing must only append headers"
    added = after[len(before):]

    case = {
        "id": case_id,
        "description": description,
        "input": {
            "method": request.method,
            "host": signer_host,
            "path": path,
            "query": query,
            "headers": [[k, v] for k, v in before],
            **body_fields(body),
            "access_key_id": akid,
            "secret_access_key": secret,
            "session_token": token,
            "region": region,
            "service": service,
            "timestamp": timestamp,
        },
        "expected": {
            "canonical_request": auth.recorded_canonical_request,
            "string_to_sign": auth.recorded_string_to_sign,
            "signature": auth.recorded_signature,
            "authorization": request.headers["Authorization"],
            "added_headers": [[k, v] for k, v in added],
        },
    }
    return case


def client_cases(rng, builder, regions, count):
    cases = []
    for i in range(count):
        operation = rng.choices(OPERATIONS, weights=OPERATION_WEIGHTS)[0]
        params = random_params(rng, operation)
        region, endpoint_url, signer_host = random_endpoint(rng, regions)
        request = builder.build(operation, params, endpoint_url)
        add_extra_headers(rng, request, signer_host)
        akid, secret, token = random_akid(rng), random_secret(rng), random_token(rng)
        cases.append(sign_and_record(
            f"client-{i:04d}", f"{operation} {params.get('modelId', '')!r}".strip(),
            request, signer_host, region, SERVICE, akid, secret, token, random_timestamp(rng)))
    return cases


# Paths and queries as they appear on the wire, to pin botocore's normalisation
# (dot segments and repeated slashes removed, then quote(path, safe='/~')) and
# its query canonicalisation (split on '&', partition on '=', sort, no re-encoding).
SYNTHETIC = [
    ("GET", "", ""),
    ("GET", "/", ""),
    ("GET", "//", ""),
    ("GET", "/a//b///c/", ""),
    ("GET", "/a/./b/../c", ""),
    ("GET", "/../..", ""),
    ("GET", "/a/b/..", ""),
    ("GET", "/a/b/../", ""),
    ("GET", "/%7Euser/~tilde", ""),
    ("GET", "/a%2Fb/c%3Ad", ""),
    ("GET", "/space%20and%2Bplus", ""),
    ("GET", "/ünïcödé/模型", ""),
    ("GET", "/chars-_.~!$&'()*+,;=:@", ""),
    ("GET", "/", "b=2&a=1"),
    ("GET", "/", "a=2&a=1&a=10"),
    ("GET", "/", "a&b=&c"),
    ("GET", "/", "a=1&&b=2"),
    ("GET", "/", "=v&k="),
    ("GET", "/", "a==b&a=c=d"),
    ("GET", "/", "B=1&a=1&_=1&-=1&~=1"),
    ("GET", "/", "x=%20y&X=1&x=%2B"),
    ("GET", "/", "Action=ListUsers&Version=2010-05-08"),
    ("POST", "/model/x/converse", "q=%C3%BC&p=%E6%A8%A1"),
    ("get", "/lowercase-method", ""),
    ("PUT", "/put", "z"),
    ("DELETE", "/async-invoke/abc", ""),
]

# Dot and slash segments the signer's fast path must tell from normal ones. Signed after the
# client-built cases, so that adding them left every earlier case as it was.
SYNTHETIC_DOTS = [
    ("GET", "/.", ""),
    ("GET", "/..", ""),
    ("GET", "/./a", ""),
    ("GET", "/a/.", ""),
    ("GET", "/.../a..b/.c/", ""),
    ("GET", "/a/.../b/..c", ""),
    ("GET", "/a/./", ""),
    ("POST", "/model/..%2F../converse", ""),
]


def synthetic_cases(rng, regions, requests=SYNTHETIC, first=0):
    cases = []
    for i, (method, path, query) in enumerate(requests, start=first):
        region, endpoint_url, signer_host = random_endpoint(rng, regions)
        url = endpoint_url + path + (f"?{query}" if query else "")
        body = random_invoke_body(rng) if method in ("POST", "PUT") else b""
        request = botocore.awsrequest.AWSRequest(method=method, url=url, data=body)
        add_extra_headers(rng, request, signer_host)
        cases.append(sign_and_record(
            f"synthetic-{i:03d}", f"{method} {path!r} ? {query!r}", request, signer_host, region,
            SERVICE, random_akid(rng), random_secret(rng), random_token(rng),
            EDGE_TIMESTAMPS[i] if i < len(EDGE_TIMESTAMPS) else random_timestamp(rng)))
    return cases


def documented_example():
    """The IAM ListUsers example from the AWS SigV4 documentation (20150830T123600Z)."""
    request = botocore.awsrequest.AWSRequest(
        method="GET", url="https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08")
    request.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    case = sign_and_record(
        "aws-docs-iam-listusers", "AWS SigV4 documentation example", request,
        "iam.amazonaws.com", "us-east-1", "iam", "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, 1440938160)
    expected = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    assert case["expected"]["signature"] == expected, case["expected"]["signature"]
    return case


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="client-built cases")
    args = parser.parse_args()

    rng = random.Random(SEED)
    regions = load_regions()
    builder = ClientRequestBuilder()
    cases = [documented_example()]
    cases += synthetic_cases(rng, regions)
    cases += client_cases(rng, builder, regions, args.count)
    cases += synthetic_cases(rng, regions, SYNTHETIC_DOTS, first=len(SYNTHETIC))

    doc = {
        "generator": "tools/vectors/gen_sigv4_vectors.py",
        "botocore_version": botocore.__version__,
        "seed": SEED,
        "unsigned_headers": list(botocore.auth.SIGNED_HEADERS_BLACKLIST),
        "cases": cases,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
