"""Every request is checked against its operation's input shape in botocore's service model:
raw HTTP for what boto3 would refuse to send, boto3 for what it does send."""

import base64
import json
import urllib.parse

import pytest
from emulator_testlib import (BEARER, MODEL, bidi_path, converse_path, invoke_path, sign,
                              user)

AUTH = {"Authorization": f"Bearer {BEARER}", "Content-Type": "application/json"}
GUARDRAIL_PATH = "/guardrail/gr1/version/DRAFT/apply"


def rejected(response, data) -> str:
    """The message of a 400 ValidationException."""
    assert response.status == 400, data
    assert response.getheader("x-amzn-ErrorType") == "ValidationException"
    return json.loads(data)["message"]


def converse_with(**members):
    return {"messages": user("hi"), **members}


@pytest.mark.parametrize("path, body, message", [
    # A misspelt member, at the top and nested.
    (converse_path(), converse_with(inferenceConfg={"maxTokens": 5}),
     "1 validation error detected: Unknown member 'inferenceConfg': must be one of modelId, "),
    (converse_path(), converse_with(inferenceConfig={"maxToken": 5}),
     "Unknown member 'inferenceConfig.maxToken'"),
    (converse_path(stream=True), {"messages": [{"role": "user", "content": [{"txt": "hi"}]}]},
     "Unknown member 'messages[0].content[0].txt'"),
    (converse_path(), converse_with(modelId=MODEL),  # a URI label, not a body member
     "Unknown member 'modelId': must be one of messages, "),
    # A wrong type.
    (converse_path(), converse_with(inferenceConfig={"temperature": "hot"}),
     "Value 'hot' at 'inferenceConfig.temperature' failed to satisfy constraint: "
     "Member must be a number"),
    (converse_path(), converse_with(inferenceConfig={"topP": True}),
     "'inferenceConfig.topP' failed to satisfy constraint: Member must be a number"),
    (GUARDRAIL_PATH, {"source": "INPUT", "content": {"text": {"text": "hi"}}},
     "'content' failed to satisfy constraint: Member must be a list"),
    (converse_path(), {"messages": [{"role": "user", "content": [{"text": None}]}]},
     "Value null at 'messages[0].content[0].text' failed to satisfy constraint: "
     "Member must be a string"),
    # A missing required member.
    (GUARDRAIL_PATH, {"content": [{"text": {"text": "hi"}}]},
     "Value null at 'source' failed to satisfy constraint: Member must not be null"),
    (converse_path(), converse_with(toolConfig={"toolChoice": {"auto": {}}}),
     "Value null at 'toolConfig.tools' failed to satisfy constraint: Member must not be null"),
    ("/async-invoke", {"modelId": MODEL, "modelInput": {}}, "Value null at 'outputDataConfig'"),
    # Out of the model's range or enum.
    (converse_path(), converse_with(inferenceConfig={"temperature": 1.5}),
     "Value '1.5' at 'inferenceConfig.temperature' failed to satisfy constraint: "
     "Member must have value less than or equal to 1"),
    (converse_path(), converse_with(requestMetadata={}),
     "Value at 'requestMetadata' failed to satisfy constraint: "
     "Member must have length greater than or equal to 1"),
    (converse_path(), converse_with(serviceTier={"type": "fast"}),
     "Value 'fast' at 'serviceTier.type' failed to satisfy constraint: "
     "Member must satisfy enum value set: [priority, default, flex, reserved]"),
    (GUARDRAIL_PATH, {"source": "BOTH", "content": [{"text": {"text": "hi"}}]}, "'source'"),
    # A tagged union with two members set.
    (converse_path(), {"messages": [{"role": "user", "content": [
        {"text": "hi", "cachePoint": {"type": "default"}}]}]},
     "'messages[0].content[0]' failed to satisfy constraint: Member must have exactly one"),
    ("/guardrail-checks/invoke", {"messages": [], "checks": {}},
     "Value at 'messages' failed to satisfy constraint: "
     "Member must have length greater than or equal to 1"),
])
def test_body_breaking_the_input_shape(emulator, path, body, message):
    assert message in rejected(*emulator.request("POST", path, body, AUTH))


def test_every_error_is_reported(emulator):
    body = converse_with(inferenceConfig={"maxTokens": 0, "temperature": "x"}, extra=1)
    message = rejected(*emulator.request("POST", converse_path(), body, AUTH))
    assert message.startswith("3 validation errors detected: ")
    for member in ("'extra'", "'inferenceConfig.maxTokens'", "'inferenceConfig.temperature'"):
        assert member in message


@pytest.mark.parametrize("header, value, member", [
    ("X-Amzn-Bedrock-Trace", "on", "'trace'"),
    ("X-Amzn-Bedrock-Service-Tier", "fast", "'serviceTier'"),
    ("X-Amzn-Bedrock-PerformanceConfig-Latency", "fastest", "'performanceConfigLatency'"),
])
@pytest.mark.parametrize("stream", [False, True])
def test_header_breaking_the_input_shape(emulator, header, value, member, stream):
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": user("hi")}
    response, data = emulator.request("POST", invoke_path(MODEL, stream), body,
                                      {**AUTH, header: value})
    assert member in rejected(response, data)


@pytest.mark.parametrize("query, message", [
    ("maxResults=0", "Value '0' at 'maxResults' failed to satisfy constraint: "
                     "Member must have value greater than or equal to 1"),
    ("maxResults=1001", "Member must have value less than or equal to 1000"),
    ("maxResults=ten", "Value 'ten' at 'maxResults' failed to satisfy constraint: "
                       "Member must be an integer"),
    ("statusEquals=Done", "'statusEquals'"),
    ("sortOrder=Up", "'sortOrder'"),
    ("submitTimeAfter=yesterday", "Value 'yesterday' at 'submitTimeAfter' failed to satisfy "
                                  "constraint: Member must be a timestamp"),
    ("nextToken=", "'nextToken'"),
])
def test_query_breaking_the_input_shape(emulator, query, message):
    assert message in rejected(*emulator.request("GET", "/async-invoke?" + query, b"", AUTH))


def test_wire_forms_are_read_as_botocore_writes_them(emulator):
    """Blobs in JSON are base64 text, timestamps in the query ISO 8601 and integers in the
    query digits."""
    image = base64.b64encode(b"\x89PNG").decode()
    body = {"messages": [{"role": "user", "content": [
        {"text": "hi"}, {"image": {"format": "png", "source": {"bytes": image}}}]}]}
    response, data = emulator.request("POST", converse_path(), body, AUTH)
    assert response.status == 200, data
    query = urllib.parse.urlencode({"submitTimeAfter": "2024-01-01T00:00:00Z",
                                    "maxResults": "5"})
    response, data = emulator.request("GET", "/async-invoke?" + query, b"", AUTH)
    assert (response.status, json.loads(data)) == (200, {"asyncInvokeSummaries": []})


def test_unknown_query_parameters_and_headers_are_ignored(emulator):
    response, _ = emulator.request("GET", "/async-invoke?colour=blue", b"",
                                   {**AUTH, "X-Custom": "1"})
    assert response.status == 200


def test_authentication_comes_before_validation(emulator):
    response, _ = emulator.request("POST", converse_path(), converse_with(extra=1), {})
    assert response.status == 403


def test_invalid_request_leaves_the_fault_queue_alone(emulator):
    emulator.add_faults("throttle")
    rejected(*emulator.request("POST", converse_path(), converse_with(extra=1), AUTH))
    assert emulator.control("GET", "faults")[1] == {"faults": ["throttle"]}


def test_signed_get_with_query(emulator):
    path = "/async-invoke?sortOrder=Ascending&maxResults=3&submitTimeAfter=2024-01-01T00%3A00%3A00Z"
    response, data = emulator.request("GET", path, b"", sign(emulator, "GET", path))
    assert response.status == 200, data
    tampered = path.replace("maxResults=3", "maxResults=4")
    response, data = emulator.request("GET", tampered, b"", sign(emulator, "GET", path))
    assert response.status == 403
    assert response.getheader("x-amzn-ErrorType") == "InvalidSignatureException"


def test_get_routes(emulator):
    arn = "arn:aws:bedrock:us-east-1:123456789012:async-invoke/abcdef123456"
    response, data = emulator.request(
        "GET", "/async-invoke/" + urllib.parse.quote(arn, safe=""), b"", AUTH)
    assert "does not exist" in rejected(response, data)
    for method, path in (("GET", "/async-invoke/a/b"), ("PUT", "/async-invoke"),
                         ("GET", "/guardrail-checks/invoke")):
        response, _ = emulator.request(method, path, b"", AUTH)
        assert (response.status, response.getheader("x-amzn-ErrorType")) == (
            404, "UnknownOperationException")


def test_bidirectional_stream_is_routed_and_validated(emulator):
    """Its input is the model ID and an event stream (test_emulator_bidirectional.py):
    the model must be Nova Sonic's, and a body that is no event stream is refused."""
    headers = {**AUTH, "Content-Type": "application/vnd.amazon.eventstream"}
    response, data = emulator.request("POST", bidi_path(MODEL), b"", headers)
    assert f"The model {MODEL} does not support InvokeModelWithBidirectionalStream" in \
        rejected(response, data)
    response, data = emulator.request("POST", bidi_path(), b"{}", headers)
    assert "The request body is not an event stream" in rejected(response, data)
    assert [r["operation"] for r in emulator.requests()] == [
        "InvokeModelWithBidirectionalStream"] * 2
