"""Every Bedrock Runtime operation by name (bedrock_operation, bedrock_operation_stream),
checked against boto3 on the same emulator: the same members in the same places on the wire,
the same output shape back."""

import base64
import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from bedrock_chat import InvalidArgumentError
from bedrock_testlib import MODEL, emulator_aws_settings, say
from parity import clear_recorded, recorded

ROOT = Path(__file__).resolve().parents[2]
ANTHROPIC_BODY = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
                  "messages": [{"role": "user", "content": "by name"}]}
VOLATILE = ("ResponseMetadata", "metrics")


@pytest.fixture
def boto(emulator_url):
    return boto3.client("bedrock-runtime", **emulator_aws_settings(emulator_url))


def stable(output):
    return {key: value for key, value in output.items() if key not in VOLATILE}


def last_request(url):
    return recorded(url)[-1]


def test_the_generated_table_matches_botocores_service_model():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_operations.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_converse_by_name_is_boto3s_converse(client, boto):
    ours = client.operation("Converse", modelId=MODEL, **say("by name"))
    theirs = boto.converse(modelId=MODEL, **say("by name"))
    assert stable(ours) == stable(theirs)


def test_invoke_model_by_name_sends_every_header_member_as_boto3_does(client, boto, emulator_url):
    members = {"modelId": MODEL, "contentType": "application/json", "accept": "application/json",
               "trace": "ENABLED", "guardrailIdentifier": "gr-1", "guardrailVersion": "1",
               "performanceConfigLatency": "optimized", "serviceTier": "flex",
               "projectIdentifier": "proj-1"}
    clear_recorded(emulator_url)
    ours = client.operation("InvokeModel", body=json.dumps(ANTHROPIC_BODY),
                            requestMetadata={"team": "search"}, **members)
    theirs = boto.invoke_model(body=json.dumps(ANTHROPIC_BODY), requestMetadata=json.dumps({"team": "search"}),
                               **members)
    sent_ours, sent_theirs = recorded(emulator_url)
    names = [name for name in sent_theirs["headers"] if name.lower().startswith("x-amzn-bedrock")]
    assert names, "boto3 sent no X-Amzn-Bedrock-* header"
    for name in names:
        ours_sent, theirs_sent = sent_ours["headers"].get(name), sent_theirs["headers"][name]
        if name.lower() == "x-amzn-bedrock-request-metadata":  # JSON text: the same object, however spaced
            ours_sent, theirs_sent = json.loads(ours_sent), json.loads(theirs_sent)
        assert ours_sent == theirs_sent, name
    assert sent_ours["path"] == sent_theirs["path"]
    assert json.loads(ours["body"]) == json.loads(theirs["body"].read())
    assert ours["contentType"] == theirs["contentType"]
    for member in ("serviceTier", "performanceConfigLatency"):
        assert ours.get(member) == theirs.get(member)


def test_a_blob_body_goes_as_text_or_base64(client, emulator_url):
    raw = json.dumps(ANTHROPIC_BODY).encode()
    clear_recorded(emulator_url)
    as_text = client.operation("InvokeModel", modelId=MODEL, body=raw.decode())
    as_base64 = client.operation("InvokeModel", modelId=MODEL, body={"base64": base64.b64encode(raw).decode()})
    first, second = recorded(emulator_url)
    assert first["body"] == second["body"]
    assert json.loads(as_text["body"])["content"] == json.loads(as_base64["body"])["content"]


def test_count_tokens_by_name(client, boto):
    params = {"modelId": MODEL, "input": {"converse": say("one two three")}}
    assert client.operation("CountTokens", params) == stable(boto.count_tokens(**params))


def test_converse_stream_by_name_yields_boto3s_events(client, boto):
    ours = list(client.operation_stream("ConverseStream", modelId=MODEL, **say("stream by name")))
    theirs = [event for event in boto.converse_stream(modelId=MODEL, **say("stream by name"))["stream"]]
    assert [stable_event(e) for e in ours] == [stable_event(e) for e in theirs]


def stable_event(event):
    if "metadata" in event:
        return {"metadata": {k: v for k, v in event["metadata"].items() if k != "metrics"}}
    return event


def test_invoke_model_stream_by_name_yields_chunks_with_their_text(client, boto):
    ours = list(client.operation_stream("InvokeModelWithResponseStream", modelId=MODEL, body=json.dumps(ANTHROPIC_BODY)))
    theirs = list(boto.invoke_model_with_response_stream(modelId=MODEL, body=json.dumps(ANTHROPIC_BODY))["body"])
    assert [without_latency(event["chunk"]["bytes"]) for event in ours] == \
        [without_latency(event["chunk"]["bytes"].decode()) for event in theirs]
    assert all(isinstance(event["chunk"]["bytes"], str) for event in ours)


SONIC = "amazon.nova-sonic-v1:0"


def sonic_input(*texts):
    """Nova Sonic's input events for a text session: one user turn per text."""
    names = {"promptName": "p1"}
    events = [{"event": {"sessionStart": {"inferenceConfiguration": {"maxTokens": 1024}}}},
              {"event": {"promptStart": {**names, "textOutputConfiguration": {"mediaType": "text/plain"}}}}]
    for number, text in enumerate(texts, 1):
        content = {**names, "contentName": f"c{number}"}
        events += [{"event": {"contentStart": {**content, "type": "TEXT", "role": "USER", "interactive": True,
                                               "textInputConfiguration": {"mediaType": "text/plain"}}}},
                   {"event": {"textInput": {**content, "content": text}}},
                   {"event": {"contentEnd": content}}]
    events += [{"event": {"promptEnd": names}}, {"event": {"sessionEnd": {}}}]
    return [{"chunk": {"bytes": json.dumps(event)}} for event in events]


def test_bidirectional_stream_sends_signed_events_and_yields_the_models(client, emulator_url):
    # The emulator checks each event's envelope signature, chained from the request's, as Bedrock does.
    clear_recorded(emulator_url)
    events = list(client.operation_stream("InvokeModelWithBidirectionalStream", modelId=SONIC,
                                          body=sonic_input("Hello there", "And again")))
    outputs = [json.loads(event["chunk"]["bytes"])["event"] for event in events]
    assert [next(iter(output)) for output in outputs] == \
        ["completionStart", "contentStart", "textOutput", "contentEnd", "completionEnd"] * 2
    assert [output["textOutput"]["content"] for output in outputs if "textOutput" in output] == \
        ["You said: Hello there", "You said: And again"]
    [request] = recorded(emulator_url)
    assert request["operation"] == "InvokeModelWithBidirectionalStream"
    assert request["body"] == [json.loads(event["chunk"]["bytes"]) for event in sonic_input("Hello there", "And again")]


def test_bidirectional_stream_input_that_sonic_refuses_ends_with_its_error(client):
    bad = sonic_input("Hi")
    bad.insert(2, {"chunk": {"bytes": json.dumps({"event": {"textInput": {"promptName": "nope", "contentName": "x",
                                                                          "content": "?"}}})}})
    with pytest.raises(Exception, match="Invalid input event 3"):
        list(client.operation_stream("InvokeModelWithBidirectionalStream", modelId=SONIC, body=bad))


def without_latency(chunk_text):
    chunk = json.loads(chunk_text)
    chunk.get("amazon-bedrock-invocationMetrics", {}).pop("firstByteLatency", None)
    chunk.get("amazon-bedrock-invocationMetrics", {}).pop("invocationLatency", None)
    return chunk


@pytest.mark.parametrize(("name", "params", "field", "words"), [
    ("Conversе", {}, "operation", "not a Bedrock Runtime operation"),
    ("converse", {}, "operation", "not a Bedrock Runtime operation"),
    ("Converse", {"modelId": MODEL, "mesages": []}, "params.mesages", "not a member of Converse's input"),
    ("Converse", {"messages": []}, "params.modelId", "required"),
    ("Converse", {"modelId": 7}, "params.modelId", "expected a string"),
    ("Converse", {"modelId": ".."}, "params.modelId", "path segment"),
    ("InvokeModel", {"modelId": MODEL, "body": {"prompt": "x"}}, "params.body", "{\"base64\""),
    ("InvokeModel", {"modelId": MODEL, "body": {"base64": "!!"}}, "params.body.base64", "base64"),
    ("InvokeModel", {"modelId": MODEL, "body": "{}", "trace": "A\r\nX: 1"}, "params.trace", "CR, LF"),
    ("ListAsyncInvokes", {"maxResults": "ten"}, "params.maxResults", "expected an integer"),
    ("ListAsyncInvokes", {"submitTimeAfter": "yesterday"}, "params.submitTimeAfter", "ISO 8601"),
    ("ConverseStream", {"modelId": MODEL}, "operation", "bedrock_operation_stream"),
    ("InvokeModelWithBidirectionalStream", {"modelId": MODEL, "body": []}, "operation", "bedrock_operation_stream"),
])
def test_bad_operations_and_members_are_refused_before_anything_is_sent(client, emulator_url, name, params, field, words):
    clear_recorded(emulator_url)
    with pytest.raises(InvalidArgumentError) as caught:
        client.operation(name, params)
    assert caught.value.field == field
    assert words in str(caught.value)
    assert recorded(emulator_url) == []


def test_a_stream_by_name_must_stream(client):
    with pytest.raises(InvalidArgumentError) as caught:
        client.operation_stream("Converse", modelId=MODEL, **say("x"))
    assert "bedrock_operation" in str(caught.value)


# ---- the operations beyond the shorthands, each against boto3 -------------------------------------

REEL = "amazon.nova-reel-v1:0"
S3_OUTPUT = {"s3OutputDataConfig": {"s3Uri": "s3://bucket/out"}}


def without_metadata(reply):
    """A reply without boto3's ResponseMetadata and the latencies that differ call to call."""
    def strip(value):
        if isinstance(value, dict):
            return {key: strip(item) for key, item in value.items()
                    if key != "ResponseMetadata" and "latency" not in key.lower()}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    return strip(reply)


def same_times(ours, theirs):
    """boto3 parses timestamps into datetimes; the library keeps the wire's ISO 8601 text."""
    import datetime

    def normal(value):
        if isinstance(value, datetime.datetime):
            return value.astimezone(datetime.UTC).replace(microsecond=0)
        if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and value[10] == "T":
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(datetime.UTC).replace(microsecond=0)
        if isinstance(value, dict):
            return {key: normal(item) for key, item in value.items()}
        if isinstance(value, list):
            return [normal(item) for item in value]
        return value

    return normal(ours) == normal(theirs)


@pytest.fixture
def no_async_jobs(emulator_url):
    import urllib.request

    def clear():
        urllib.request.urlopen(urllib.request.Request(emulator_url + "/_emulator/async-invokes", method="DELETE")).close()

    clear()
    yield
    clear()


@pytest.mark.parametrize("text", ["all fine", "bad [[guardrail]] words"])
def test_apply_guardrail_by_name(client, boto, text):
    params = {"guardrailIdentifier": "gr-1", "guardrailVersion": "DRAFT", "source": "INPUT",
              "content": [{"text": {"text": text}}]}
    ours = client.operation("ApplyGuardrail", params)
    assert without_metadata(ours) == without_metadata(boto.apply_guardrail(**params))
    assert ours["action"] == ("GUARDRAIL_INTERVENED" if "[[guardrail]]" in text else "NONE")


def test_invoke_guardrail_checks_by_name(client, boto):
    params = {"messages": [{"role": "user", "content": [{"text": "mail a.b@example.com [[guardrail]]"}]}],
              "checks": {"promptAttack": {"categories": [{"category": "JAILBREAK"}]}}}
    ours = client.operation("InvokeGuardrailChecks", params)
    assert without_metadata(ours) == without_metadata(boto.invoke_guardrail_checks(**params))
    assert ours["results"]["promptAttack"]["results"][0]["severityScore"] > 0


def test_async_invokes_by_name_go_from_in_progress_to_completed(client, boto, no_async_jobs, emulator_url):
    clear_recorded(emulator_url)
    started = client.operation("StartAsyncInvoke", modelId=REEL, modelInput={"text": "a cat"},
                               outputDataConfig=S3_OUTPUT)
    arn = started["invocationArn"]
    # The idempotency token boto3 would make up is made up here too.
    token = recorded(emulator_url)[-1]["body"]["clientRequestToken"]
    assert len(token) == 36 and token[14] == "4"
    first = client.operation("GetAsyncInvoke", invocationArn=arn)
    assert first["status"] == "InProgress" and first["invocationArn"] == arn
    second = client.operation("GetAsyncInvoke", invocationArn=arn)
    assert second["status"] == "Completed"
    assert same_times(second, without_metadata(boto.get_async_invoke(invocationArn=arn)))
    request = recorded(emulator_url)[-2]
    assert request["method"] == "GET" and request["path"].endswith("/async-invoke/" + arn.replace(":", "%3A").replace("/", "%2F"))


def test_list_async_invokes_by_name_with_query_members(client, boto, no_async_jobs):
    # The pages prove the query went out as signed: the emulator filters and pages by it.
    arns = [client.operation("StartAsyncInvoke", modelId=REEL, modelInput={"text": f"cat {n}"},
                             outputDataConfig=S3_OUTPUT)["invocationArn"] for n in range(3)]
    first = client.operation("ListAsyncInvokes", maxResults=2, sortOrder="Ascending", submitTimeAfter=1577836800)
    assert [summary["invocationArn"] for summary in first["asyncInvokeSummaries"]] == arns[:2]
    rest = client.operation("ListAsyncInvokes", maxResults=2, sortOrder="Ascending",
                            submitTimeAfter="2020-01-01T00:00:00Z", nextToken=first["nextToken"])
    assert [summary["invocationArn"] for summary in rest["asyncInvokeSummaries"]] == arns[2:]
    assert same_times(rest, without_metadata(boto.list_async_invokes(
        maxResults=2, sortOrder="Ascending", submitTimeAfter="2020-01-01T00:00:00Z", nextToken=first["nextToken"])))


def test_service_tier_comes_back_as_boto3_returns_it(client, boto):
    ours = client.operation("Converse", modelId=MODEL, serviceTier={"type": "flex"}, **say("tier"))
    assert ours["serviceTier"] == boto.converse(modelId=MODEL, serviceTier={"type": "flex"}, **say("tier"))["serviceTier"]
    invoked = client.operation("InvokeModel", modelId=MODEL, body=json.dumps(ANTHROPIC_BODY), serviceTier="flex",
                               performanceConfigLatency="optimized")
    theirs = boto.invoke_model(modelId=MODEL, body=json.dumps(ANTHROPIC_BODY), serviceTier="flex",
                               performanceConfigLatency="optimized")
    assert (invoked["serviceTier"], invoked["performanceConfigLatency"]) == \
        (theirs["serviceTier"], theirs["performanceConfigLatency"]) == ("flex", "optimized")


def test_the_chat_api_reports_the_tier_that_served_it(client):
    for api in ("converse", "invoke"):
        reply = client.chat({"model": MODEL, "api": api, "messages": [["human", "tier"]], "max_tokens": 20,
                             "service_tier": "priority"})
        assert reply["service_tier"] == "priority", api
