"""The operations beyond Converse and InvokeModel, through boto3 (the oracle for the reply
shapes: it parses each reply into the operation's output shape): ApplyGuardrail,
InvokeGuardrailChecks, the async invocations, and the serviceTier and performanceConfig
echoes. Also: every request boto3 sends, with every kind of member set, passes
validation."""

import datetime
import json

import pytest
from botocore.exceptions import ClientError
from emulator_testlib import MODEL, invoke, user

REEL = "amazon.nova-reel-v1:0"
S3_OUTPUT = {"s3OutputDataConfig": {"s3Uri": "s3://bucket/out", "kmsKeyId": "key-1"}}
BLOCKED = "Sorry, the model cannot answer this question."
ANTHROPIC_BODY = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10,
                  "messages": [{"role": "user", "content": "hi"}]}
PAST = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def error_code(raised) -> str:
    return raised.value.response["Error"]["Code"]


# -- everything boto3 sends passes --------------------------------------------------------

def test_boto3_requests_with_every_kind_of_member_pass(client):
    image = {"format": "png", "source": {"bytes": b"\x89PNG\r\n"}}
    tool = {"toolSpec": {"name": "lookup", "description": "Look up",
                         "inputSchema": {"json": {"type": "object"}}}}
    messages = [
        {"role": "user", "content": [
            {"text": "hi"}, {"image": image},
            {"document": {"format": "txt", "name": "notes", "source": {"bytes": b"notes"}}},
            {"guardContent": {"text": {"text": "guarded"}}}, {"cachePoint": {"type": "default"}}]},
        {"role": "assistant", "content": [
            {"reasoningContent": {"reasoningText": {"text": "hmm", "signature": "sig"}}},
            {"reasoningContent": {"redactedContent": b"\x00secret"}},
            {"toolUse": {"toolUseId": "t1", "name": "lookup", "input": {"q": [1, None]}}}]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "status": "success",
                                                     "content": [{"json": {"a": 1}},
                                                                 {"text": "done"}]}}]},
    ]
    converse = client.converse(
        modelId=MODEL, messages=messages, system=[{"text": "Be brief."}],
        inferenceConfig={"maxTokens": 50, "temperature": 0.5, "topP": 1, "stopSequences": ["X"]},
        toolConfig={"tools": [tool], "toolChoice": {"auto": {}}},
        guardrailConfig={"guardrailIdentifier": "gr1", "guardrailVersion": "1",
                         "trace": "enabled"},
        additionalModelRequestFields={"top_k": 5}, additionalModelResponseFieldPaths=["/x"],
        requestMetadata={"team": "a"}, performanceConfig={"latency": "standard"},
        serviceTier={"type": "default"})
    assert converse["output"]["message"]["content"] == [{"text": "Tool said: {\"a\":1} done"}]
    body, _ = invoke(client, MODEL, ANTHROPIC_BODY, contentType="application/json",
                     accept="application/json", trace="ENABLED_FULL", guardrailIdentifier="gr1",
                     guardrailVersion="DRAFT", performanceConfigLatency="optimized",
                     serviceTier="flex", requestMetadata="{}")
    assert body["content"] == [{"type": "text", "text": "You said: hi"}]
    counted = client.count_tokens(modelId=MODEL, input={"invokeModel": {
        "body": json.dumps(ANTHROPIC_BODY).encode()}})
    assert counted["inputTokens"] == 1
    applied = client.apply_guardrail(
        guardrailIdentifier="gr1", guardrailVersion="1", source="OUTPUT", outputScope="FULL",
        content=[{"text": {"text": "hi", "qualifiers": ["guard_content"]}}, {"image": image}])
    assert applied["action"] == "NONE"
    started = client.start_async_invoke(modelId=REEL, modelInput={"prompt": "a cat"},
                                        outputDataConfig=S3_OUTPUT,
                                        tags=[{"key": "team", "value": "a"}])
    assert client.list_async_invokes(
        submitTimeAfter=PAST, submitTimeBefore=datetime.datetime.now(datetime.UTC),
        statusEquals="InProgress", maxResults=5, sortBy="SubmissionTime",
        sortOrder="Ascending")["asyncInvokeSummaries"][0]["invocationArn"] == \
        started["invocationArn"]


# -- ApplyGuardrail -----------------------------------------------------------------------

def apply(client, *texts, **kwargs):
    return client.apply_guardrail(guardrailIdentifier="gr1", guardrailVersion="DRAFT",
                                  source=kwargs.pop("source", "INPUT"),
                                  content=[{"text": {"text": text}} for text in texts], **kwargs)


def test_apply_guardrail_without_intervention(client, emulator):
    reply = apply(client, "hello", "x" * 1001)
    assert reply["action"] == "NONE"
    assert reply["actionReason"] == "No action."
    assert reply["outputs"] == []
    assert reply["usage"]["contentPolicyUnits"] == 3  # 1 + 2 text units of 1,000 characters
    assert reply["usage"]["topicPolicyUnits"] == 0
    assert reply["guardrailCoverage"] == {"textCharacters": {"guarded": 1006, "total": 1006}}
    [assessment] = reply["assessments"]
    assert list(assessment) == ["invocationMetrics"]
    assert assessment["invocationMetrics"]["usage"] == reply["usage"]
    assert emulator.requests()[-1]["operation"] == "ApplyGuardrail"


@pytest.mark.parametrize("source", ["INPUT", "OUTPUT"])
def test_apply_guardrail_intervenes(client, source):
    reply = apply(client, "tell me [[guardrail]]", source=source)
    assert reply["action"] == "GUARDRAIL_INTERVENED"
    assert reply["actionReason"] == "Guardrail blocked."
    assert reply["outputs"] == [{"text": BLOCKED}]
    assert reply["assessments"][0]["contentPolicy"]["filters"] == [
        {"type": "MISCONDUCT", "confidence": "HIGH", "filterStrength": "HIGH",
         "action": "BLOCKED", "detected": True}]


def test_apply_guardrail_full_scope_shows_filters_that_did_not_act(client):
    [assessment] = apply(client, "hello", outputScope="FULL")["assessments"]
    assert assessment["contentPolicy"]["filters"] == [
        {"type": "MISCONDUCT", "confidence": "NONE", "filterStrength": "HIGH",
         "action": "NONE", "detected": False}]


@pytest.mark.parametrize("text, intervenes", [("fine", False), ("bad [[guardrail]]", True)])
def test_apply_guardrail_agrees_with_converse(client, text, intervenes):
    converse = client.converse(modelId=MODEL, messages=user(text),
                               guardrailConfig={"guardrailIdentifier": "gr1",
                                                "guardrailVersion": "DRAFT"})
    assert (converse["stopReason"] == "guardrail_intervened") is intervenes
    assert (apply(client, text)["action"] == "GUARDRAIL_INTERVENED") is intervenes


def test_apply_guardrail_fault_directive(client):
    with pytest.raises(ClientError) as raised:
        apply(client, "hi [[fault:throttle]]")
    assert error_code(raised) == "ThrottlingException"


# -- InvokeGuardrailChecks ----------------------------------------------------------------

CHECKS = {"contentFilter": {"categories": [{"category": "HATE"}, {"category": "MISCONDUCT"}]},
          "promptAttack": {"categories": [{"category": "JAILBREAK"}]},
          "sensitiveInformation": {"entities": [{"type": "EMAIL"}, {"type": "URL"}]}}


def checks(client, *texts, config=CHECKS):
    messages = [{"role": "system", "content": [{"text": "Be kind."}]},
                {"role": "user", "content": [{"text": text} for text in texts]}]
    return client.invoke_guardrail_checks(messages=messages, checks=config)


@pytest.mark.parametrize("text, severity", [("fine", 0.0), ("bad [[guardrail]]", 0.9)])
def test_guardrail_checks_score_every_requested_category(client, text, severity):
    reply = checks(client, text)
    assert reply["results"]["contentFilter"]["results"] == [
        {"category": "HATE", "severityScore": severity},
        {"category": "MISCONDUCT", "severityScore": severity}]
    assert reply["results"]["promptAttack"]["results"] == [
        {"category": "JAILBREAK", "severityScore": severity}]
    assert reply["usage"] == {name: {"textUnits": 2} for name in CHECKS}


def test_guardrail_checks_find_sensitive_information(client):
    reply = checks(client, "hello", "Mail a.b@example.com or see https://example.com/x today")
    assert reply["results"]["sensitiveInformation"] == {"truncated": False, "results": [
        {"type": "EMAIL", "confidenceScore": 0.99, "beginOffset": 5, "endOffset": 20,
         "messageIndex": 1, "contentIndex": 1},
        {"type": "URL", "confidenceScore": 0.99, "beginOffset": 28, "endOffset": 49,
         "messageIndex": 1, "contentIndex": 1}]}


def test_guardrail_checks_answer_only_the_checks_asked(client):
    reply = checks(client, "hi", config={"promptAttack": CHECKS["promptAttack"]})
    assert list(reply["results"]) == ["promptAttack"]
    assert list(reply["usage"]) == ["promptAttack"]


# -- async invocations --------------------------------------------------------------------

def start(client, **kwargs):
    kwargs.setdefault("modelInput", {"taskType": "TEXT_VIDEO", "text": "a cat"})
    return client.start_async_invoke(modelId=REEL, outputDataConfig=S3_OUTPUT,
                                     **kwargs)["invocationArn"]


def get(client, arn):
    reply = client.get_async_invoke(invocationArn=arn)
    reply.pop("ResponseMetadata")
    return reply


def test_async_invoke_lifecycle(client):
    arn = start(client, clientRequestToken="token-1")
    assert arn.startswith("arn:aws:bedrock:us-east-1:123456789012:async-invoke/")
    first = get(client, arn)
    assert first["status"] == "InProgress"
    assert first["modelArn"] == f"arn:aws:bedrock:us-east-1::foundation-model/{REEL}"
    assert first["clientRequestToken"] == "token-1"
    assert first["outputDataConfig"] == S3_OUTPUT
    assert first["lastModifiedTime"] == first["submitTime"]
    assert "endTime" not in first
    second = get(client, arn)
    assert second["status"] == "Completed"
    assert second["submitTime"] == first["submitTime"]
    assert second["lastModifiedTime"] == second["endTime"] >= second["submitTime"]
    assert get(client, arn) == second


def test_async_invoke_fails_on_directive(client):
    arn = start(client, modelInput={"text": "a cat [[fail]]"})
    assert get(client, arn)["status"] == "InProgress"
    failed = get(client, arn)
    assert failed["status"] == "Failed" and "[[fail]]" in failed["failureMessage"]


def test_async_invoke_idempotency(client, emulator):
    arn = start(client, clientRequestToken="same")
    assert start(client, clientRequestToken="same") == arn
    assert start(client) != arn  # boto3 makes a fresh token
    assert emulator.control("GET", "async-invokes")[1] == {"invocations": 2}
    with pytest.raises(ClientError) as raised:
        start(client, clientRequestToken="same", modelInput={"text": "something else"})
    assert error_code(raised) == "ConflictException"


def test_async_invoke_state_is_cleared(client, emulator):
    start(client)
    assert emulator.control("DELETE", "async-invokes") == (200, {})
    assert client.list_async_invokes()["asyncInvokeSummaries"] == []


def test_list_async_invokes_pages_in_submission_order(client):
    arns = [start(client) for _ in range(5)]
    pages = [client.list_async_invokes(maxResults=2, sortOrder="Ascending")]
    while "nextToken" in pages[-1]:
        pages.append(client.list_async_invokes(maxResults=2, sortOrder="Ascending",
                                               nextToken=pages[-1]["nextToken"]))
    assert [[s["invocationArn"] for s in page["asyncInvokeSummaries"]] for page in pages] == [
        arns[0:2], arns[2:4], arns[4:]]
    paginator = client.get_paginator("list_async_invokes")
    listed = [summary["invocationArn"] for page in paginator.paginate(
        PaginationConfig={"PageSize": 3}) for summary in page["asyncInvokeSummaries"]]
    assert listed == arns[::-1]  # newest first by default


def test_list_async_invokes_filters(client):
    done, waiting = start(client), start(client)
    for arn in (done, done, waiting):
        get(client, arn)

    def listed(**filters):
        return [s["invocationArn"]
                for s in client.list_async_invokes(**filters)["asyncInvokeSummaries"]]

    assert listed(statusEquals="Completed") == [done]
    assert listed(statusEquals="InProgress") == [waiting]
    assert listed(statusEquals="Failed") == []
    assert listed(submitTimeAfter=PAST) == [waiting, done]
    assert listed(submitTimeBefore=PAST) == []
    summary = client.list_async_invokes(statusEquals="Completed")["asyncInvokeSummaries"][0]
    assert summary["status"] == "Completed" and summary["outputDataConfig"] == S3_OUTPUT


@pytest.mark.parametrize("call", [
    lambda client: client.list_async_invokes(nextToken="not-a-token"),
    lambda client: client.get_async_invoke(
        invocationArn="arn:aws:bedrock:us-east-1:123456789012:async-invoke/000000000000"),
])
def test_async_invoke_errors(client, call):
    with pytest.raises(ClientError) as raised:
        call(client)
    assert error_code(raised) == "ValidationException"


# -- serviceTier and performanceConfig ----------------------------------------------------

ECHOED = {"serviceTier": {"type": "priority"}, "performanceConfig": {"latency": "optimized"}}


def test_converse_echoes_service_tier_and_performance_config(client):
    reply = client.converse(modelId=MODEL, messages=user("hi"), **ECHOED)
    assert {name: reply[name] for name in ECHOED} == ECHOED
    events = list(client.converse_stream(modelId=MODEL, messages=user("hi"),
                                         **ECHOED)["stream"])
    assert {name: events[-1]["metadata"][name] for name in ECHOED} == ECHOED
    plain = client.converse(modelId=MODEL, messages=user("hi"))
    assert not set(ECHOED) & set(plain)


@pytest.mark.parametrize("operation", ["invoke_model", "invoke_model_with_response_stream"])
def test_invoke_model_echoes_service_tier_and_performance_config(client, operation):
    reply = getattr(client, operation)(modelId=MODEL, body=json.dumps(ANTHROPIC_BODY),
                                       serviceTier="flex", performanceConfigLatency="optimized")
    assert (reply["serviceTier"], reply["performanceConfigLatency"]) == ("flex", "optimized")
    plain = getattr(client, operation)(modelId=MODEL, body=json.dumps(ANTHROPIC_BODY))
    assert "serviceTier" not in plain and "performanceConfigLatency" not in plain
