"""Helpers for the emulator tests: a handle on a running emulator and request builders."""

import base64
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
from botocore.eventstream import EventStreamBuffer
from emulator.eventstream import encode_headers, encode_message
from server_common import sigv4

AKID = "AKIDEMULATOR"
SECRET = "emulator/secret/key"
BEARER = "emulator-bearer-token"
MODEL = "anthropic.claude-3-sonnet-20240229-v1:0"
SONIC = "amazon.nova-sonic-v1:0"
EVENTSTREAM = "application/vnd.amazon.eventstream"


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


# -- InvokeModelWithBidirectionalStream ---------------------------------------------------

def bidi_path(model=SONIC):
    return f"/model/{urllib.parse.quote(model, safe='')}/invoke-with-bidirectional-stream"


def chunk(event) -> bytes:
    """One input ``chunk`` event whose bytes are ``event`` as JSON (or ``event`` itself, if
    it is bytes)."""
    data = event if isinstance(event, bytes) else json.dumps(event).encode()
    payload = json.dumps({"bytes": base64.b64encode(data).decode()}).encode()
    return encode_message([(":event-type", "string", "chunk"),
                           (":content-type", "string", "application/json"),
                           (":message-type", "string", "event")], payload)


def envelopes(events, seed_signature, *, when=None, secret=SECRET, end=True) -> list[bytes]:
    """The signed envelopes of ``events`` (encoded events), each signature chained from the
    last (the first from ``seed_signature``, the request's), then (``end``) the empty
    envelope that ends the stream."""
    when = when or datetime.datetime.now(datetime.UTC)
    date_ms = int(when.timestamp()) * 1000
    prior, out = seed_signature, []
    for payload in [*events, b""] if end else events:
        _, prior = sigv4.event_signature(
            secret, "us-east-1", "bedrock", sigv4.amz_date_of(date_ms // 1000), prior,
            encode_headers([(":date", "timestamp", date_ms)]), payload)
        headers = [(":date", "timestamp", date_ms),
                   (":chunk-signature", "bytes", bytes.fromhex(prior))]
        out.append(encode_message(headers, payload))
    return out


def signed_bidi(emulator, model=SONIC, **sign_options) -> tuple[str, dict, str]:
    """``(path, headers, signature)`` of an InvokeModelWithBidirectionalStream request
    signed for an event-stream body: its envelopes chain from ``signature``."""
    path = bidi_path(model)
    headers = sign(emulator, "POST", path, headers={
        "Content-Type": EVENTSTREAM, "Accept": EVENTSTREAM,
        "X-Amz-Content-Sha256": sigv4.STREAMING_EVENTS_PAYLOAD}, **sign_options)
    _, params = sigv4.split_authorization(headers["Authorization"])
    return path, headers, sigv4.parse_params(params)["Signature"]


def sonic_session(*texts, prompt="p1"):
    """Nova Sonic input events: a session and prompt with a user text turn for each text."""
    text_output = {"mediaType": "text/plain"}
    events = [{"event": {"sessionStart": {"inferenceConfiguration": {"maxTokens": 1024}}}},
              {"event": {"promptStart": {"promptName": prompt,
                                         "textOutputConfiguration": text_output}}}]
    for number, text in enumerate(texts, 1):
        events.extend(sonic_text(prompt, f"c{number}", text))
    return events + [{"event": {"promptEnd": {"promptName": prompt}}},
                     {"event": {"sessionEnd": {}}}]


def sonic_text(prompt, content, text, role="USER", **start):
    """contentStart, textInput and contentEnd of one TEXT content."""
    names = {"promptName": prompt, "contentName": content}
    return [{"event": {"contentStart": {**names, "type": "TEXT", "role": role,
                                        "interactive": True,
                                        "textInputConfiguration": {"mediaType": "text/plain"},
                                        **start}}},
            {"event": {"textInput": {**names, "content": text}}},
            {"event": {"contentEnd": names}}]


def read_stream(data: bytes) -> list[tuple[str, dict]]:
    """A response event stream, parsed by botocore: ``(":event-type", Sonic event)`` for a
    chunk, ``(":exception-type", {"message"})`` for an exception."""
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    read = []
    for message in buffer:
        payload = json.loads(message.payload)
        if message.headers[":message-type"] == "exception":
            read.append((message.headers[":exception-type"], payload))
        else:
            read.append((message.headers[":event-type"],
                         json.loads(base64.b64decode(payload["bytes"]))))
    return read
