"""Helpers for the emulator tests: a handle on a running emulator and request builders."""

import datetime
import http.client
import json
import ssl
import urllib.parse
from unittest import mock

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

AKID = "AKIDEMULATOR"
SECRET = "emulator/secret/key"
BEARER = "emulator-bearer-token"
MODEL = "anthropic.claude-3-sonnet-20240229-v1:0"


class Emulator:
    """A running emulator: its URL plus helpers for raw HTTP and the control API."""

    def __init__(self, url: str, ca_file=None):
        self.url = url
        self.ca_file = str(ca_file) if ca_file else None  # an https emulator's test CA
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port

    def connection(self, timeout: float = 5.0) -> http.client.HTTPConnection:
        if self.url.startswith("https:"):
            context = ssl.create_default_context(cafile=self.ca_file)
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                               context=context)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method, path, body=b"", headers=None, timeout=5.0):
        """One request on a fresh connection; returns (response, body bytes)."""
        conn = self.connection(timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response, response.read()
        finally:
            conn.close()

    def control(self, method, path, body=b""):
        response, data = self.request(method, "/_emulator/" + path, body)
        return response.status, json.loads(data)

    def add_faults(self, *faults):
        status, body = self.control("POST", "faults", {"faults": list(faults)})
        assert status == 200, body

    def requests(self):
        return self.control("GET", "requests")[1]["requests"]

    def client(self, secret=SECRET, akid=AKID, token=None):
        return boto3.client(
            "bedrock-runtime", endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id=akid, aws_secret_access_key=secret, aws_session_token=token,
            verify=self.ca_file if self.url.startswith("https:") else None,
            config=Config(retries={"total_max_attempts": 1}))


def user(text):
    return [{"role": "user", "content": [{"text": text}]}]


def converse_path(model=MODEL, stream=False):
    operation = "converse-stream" if stream else "converse"
    return f"/model/{urllib.parse.quote(model, safe='')}/{operation}"


def sign(emulator, method, path, body=b"", *, secret=SECRET, akid=AKID, token=None,
         when=None, headers=None, service="bedrock"):
    """Headers for a request signed by botocore's SigV4 signer (optionally at ``when``)."""
    request = AWSRequest(method=method, url=emulator.url + path, data=body,
                         headers=dict(headers or {}))
    signer = SigV4Auth(Credentials(akid, secret, token), service, "us-east-1")
    now = when or datetime.datetime.now(datetime.UTC)
    with mock.patch("botocore.auth.get_current_datetime", return_value=now):
        signer.add_auth(request)
    return dict(request.headers.items())


def invoke(client, model, body, *, stream=False, **kwargs):
    """InvokeModel (or its stream) with a JSON body.

    Returns ``(response body, HTTP headers)``, or ``(decoded chunks, HTTP headers)`` when
    streaming.
    """
    payload = json.dumps(body)
    if not stream:
        response = client.invoke_model(modelId=model, body=payload, **kwargs)
        return json.loads(response["body"].read()), response["ResponseMetadata"]["HTTPHeaders"]
    response = client.invoke_model_with_response_stream(modelId=model, body=payload, **kwargs)
    chunks = [json.loads(event["chunk"]["bytes"]) for event in response["body"]]
    return chunks, response["ResponseMetadata"]["HTTPHeaders"]


def invoke_path(model, stream=False):
    operation = "invoke-with-response-stream" if stream else "invoke"
    return f"/model/{urllib.parse.quote(model, safe='')}/{operation}"
