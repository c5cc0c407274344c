"""The chat API's per-call settings: service_tier, performance_config, request_metadata,
project_identifier, prompt_variables and additional_model_response_field_paths. Through
Converse each is a body member; through InvokeModel each is the X-Amzn-Bedrock-* header that
LangChain's ChatBedrock sends; the two only Converse has send a request through Converse.
Checked on the wire, at the emulator, against what boto3 sends for the same members."""

import json

import boto3
import pytest

from bedrock_chat import InvalidArgumentError
from bedrock_testlib import emulator_aws_settings
from parity import clear_recorded, recorded

CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"
SETTINGS = {"service_tier": "flex", "performance_config": {"latency": "optimized"},
            "request_metadata": {"team": "search", "env": "test"}, "project_identifier": "proj-42"}


def chat_request(api, **extra):
    return {"model": CLAUDE, "api": api, "messages": [["human", "settings"]], "max_tokens": 40, **extra}


def sent(url):
    request = recorded(url)[-1]
    return request, request["body"]


def test_converse_carries_each_setting_as_boto3_sends_it(client, emulator_url):
    boto = boto3.client("bedrock-runtime", **emulator_aws_settings(emulator_url))
    clear_recorded(emulator_url)
    reply = client.chat(chat_request("converse", **SETTINGS))
    _, ours = sent(emulator_url)
    boto.converse(modelId=CLAUDE, messages=[{"role": "user", "content": [{"text": "settings"}]}],
                  serviceTier={"type": "flex"}, performanceConfig={"latency": "optimized"},
                  requestMetadata={"team": "search", "env": "test"}, projectIdentifier="proj-42")
    _, theirs = sent(emulator_url)
    for member in ("serviceTier", "performanceConfig", "requestMetadata", "projectIdentifier"):
        assert ours[member] == theirs[member], member
    assert reply["content"]


def test_invoke_model_carries_them_as_headers(client, emulator_url):
    clear_recorded(emulator_url)
    client.chat(chat_request("invoke", **SETTINGS))
    request, body = sent(emulator_url)
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert headers["x-amzn-bedrock-service-tier"] == "flex"
    assert headers["x-amzn-bedrock-performanceconfig-latency"] == "optimized"
    assert json.loads(headers["x-amzn-bedrock-request-metadata"]) == {"team": "search", "env": "test"}
    assert headers["x-amzn-bedrock-projectidentifier"] == "proj-42"
    assert "serviceTier" not in body and "service_tier" not in body


def test_the_same_settings_stream(client, emulator_url):
    clear_recorded(emulator_url)
    events = list(client.chat_stream(chat_request("converse", **SETTINGS)))
    _, body = sent(emulator_url)
    assert body["serviceTier"] == {"type": "flex"}
    assert events[-1]["type"] == "message"


@pytest.mark.parametrize("extra", [{"prompt_variables": {"city": "Paris"}},
                                   {"additional_model_response_field_paths": ["/stop_sequence"]}])
def test_converse_only_settings_take_auto_to_converse(client, emulator_url, extra):
    clear_recorded(emulator_url)
    reply = client.chat(chat_request("auto", **extra))
    request, body = sent(emulator_url)
    assert reply["api"] == "converse" and request["path"].endswith("/converse")
    if "prompt_variables" in extra:
        assert body["promptVariables"] == {"city": {"text": "Paris"}}
    else:
        assert body["additionalModelResponseFieldPaths"] == ["/stop_sequence"]


@pytest.mark.parametrize(("extra", "field"), [
    ({"api": "invoke", "prompt_variables": {"city": "Paris"}}, "request.prompt_variables"),
    ({"service_tier": "cheap"}, "request.service_tier"),
    ({"performance_config": {"latency": "fast"}}, "request.performance_config.latency"),
    ({"performance_config": {"latncy": "optimized"}}, "request.performance_config.latncy"),
    ({"request_metadata": {"team": 7}}, "request.request_metadata.team"),
    ({"request_metadata": {"team": "a\r\nX-Evil: 1"}}, "request.request_metadata.team"),
    ({"project_identifier": "p\n1"}, "request.project_identifier"),
    ({"prompt_variables": {"city": 3}}, "request.prompt_variables.city"),
    ({"additional_model_response_field_paths": "/stop"}, "request.additional_model_response_field_paths"),
])
def test_bad_settings_name_their_field(client, extra, field):
    request = chat_request(extra.pop("api", "auto"), **extra)
    with pytest.raises(InvalidArgumentError) as caught:
        client.chat(request)
    assert caught.value.field == field


@pytest.mark.parametrize("stream", [False, True])
def test_additional_response_fields_come_back(client, stream):
    request = chat_request("converse", additional_model_response_field_paths=["/stop_reason", "/stop_sequence", "/absent"])
    reply = list(client.chat_stream(request))[-1]["message"] if stream else client.chat(request)
    assert reply["additional_model_response_fields"] == {"stop_reason": "end_turn", "stop_sequence": None}


PROFILE_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"


def test_base_model_picks_the_format_of_an_opaque_arn(client, emulator_url):
    clear_recorded(emulator_url)
    reply = client.chat({"model": PROFILE_ARN, "base_model": "amazon.nova-lite-v1:0", "api": "invoke",
                         "messages": [["human", "which format"]], "max_tokens": 30})
    request, body = sent(emulator_url)
    # Nova's messages-v1 body, not Titan's inputText, which the provider alone would pick.
    assert "inputText" not in body and body["messages"][0]["content"] == [{"text": "which format"}]
    assert request["model_id"] == PROFILE_ARN and reply["content"]


def test_base_model_must_name_a_provider(client):
    with pytest.raises(InvalidArgumentError) as caught:
        client.chat({"model": PROFILE_ARN, "base_model": "my-model", "messages": [["human", "x"]]})
    assert caught.value.field == "request.base_model"


@pytest.mark.parametrize("api", ["converse", "invoke"])
def test_chat_count_tokens_counts_what_the_request_would_send(client, emulator_url, api):
    request = {"model": "us." + CLAUDE, "api": api, "max_tokens": 40,
               "messages": [["system", "Be brief."], ["human", "one two three four"]]}
    clear_recorded(emulator_url)
    counted = client.chat_count_tokens(request)
    sent_request, body = sent(emulator_url)
    assert sent_request["operation"] == "CountTokens" and sent_request["model_id"] == CLAUDE
    assert list(body["input"]) == [api if api == "converse" else "invokeModel"]
    usage = client.chat(request)["usage"]
    assert counted == {"input_tokens": usage["input_tokens"]}


def test_cache_point_ttl_goes_to_converse_and_writes_come_back_per_ttl(client, emulator_url):
    from parity import clear_cache

    clear_cache(emulator_url)
    long_system = " ".join(f"rule{n}" for n in range(60))
    request = {"model": CLAUDE, "max_tokens": 30,
               "messages": [{"role": "system", "content": [long_system, {"type": "cache_point", "ttl": "1h"}]},
                            ["human", "cache me"]]}
    clear_recorded(emulator_url)
    reply = client.chat(request)
    request_sent, body = sent(emulator_url)
    assert body["system"][-1] == {"cachePoint": {"type": "default", "ttl": "1h"}}
    assert reply["api"] == "converse"
    usage = reply["usage"]
    assert usage["cache_write_input_tokens"] > 0
    assert usage["cache_details"] == [{"ttl": "1h", "input_tokens": usage["cache_write_input_tokens"]}]
    streamed = list(client.chat_stream(request))[-1]["message"]["usage"]
    assert streamed["cache_read_input_tokens"] == usage["cache_write_input_tokens"]


@pytest.mark.parametrize(("block", "api", "field"), [
    ({"type": "cache_point", "ttl": "2h"}, "auto", "request.messages[0].content[1].ttl"),
    ({"type": "cache_point", "ttl": "5m"}, "invoke", "request.messages[0].content[1].ttl"),
])
def test_bad_cache_ttls_name_their_field(client, block, api, field):
    with pytest.raises(InvalidArgumentError) as caught:
        client.chat({"model": CLAUDE, "api": api, "messages": [{"role": "user", "content": ["hi", block]}]})
    assert caught.value.field == field


MEDIA = [
    ({"type": "video", "format": "mp4", "data": "AAAAIGZ0eXBpc29t"}, {"video": {"format": "mp4", "source": {"bytes": "AAAAIGZ0eXBpc29t"}}}),
    ({"type": "audio", "format": "mp3", "data": "SUQzBAAAAAAA"}, {"audio": {"format": "mp3", "source": {"bytes": "SUQzBAAAAAAA"}}}),
    ({"type": "image", "media_type": "image/png", "s3": {"uri": "s3://bucket/cat.png", "bucket_owner": "123456789012"}},
     {"image": {"format": "png", "source": {"s3Location": {"uri": "s3://bucket/cat.png", "bucketOwner": "123456789012"}}}}),
    ({"type": "document", "format": "pdf", "name": "report", "s3": {"uri": "s3://bucket/report.pdf"}},
     {"document": {"format": "pdf", "name": "report", "source": {"s3Location": {"uri": "s3://bucket/report.pdf"}}}}),
    ({"type": "video", "format": "mov", "s3": {"uri": "s3://bucket/clip.mov"}},
     {"video": {"format": "mov", "source": {"s3Location": {"uri": "s3://bucket/clip.mov"}}}}),
]


@pytest.mark.parametrize(("block", "converse_block"), MEDIA)
def test_media_blocks_go_to_converse_as_boto3_takes_them(client, emulator_url, block, converse_block):
    clear_recorded(emulator_url)
    reply = client.chat({"model": "amazon.nova-pro-v1:0", "messages": [{"role": "user", "content": ["Describe it.", block]}]})
    _, body = sent(emulator_url)
    assert body["messages"][0]["content"][1] == converse_block
    assert reply["api"] == "converse" and reply["content"]


def test_media_needs_converse(client):
    with pytest.raises(InvalidArgumentError) as caught:
        client.chat({"model": CLAUDE, "api": "invoke", "messages": [{"role": "user", "content": ["x", MEDIA[0][0]]}]})
    assert caught.value.field == "request.messages[0].content[1]"


@pytest.mark.parametrize(("block", "field"), [
    ({"type": "video", "data": "AAAA"}, "request.messages[0].content[1].format"),
    ({"type": "audio", "format": "mp3"}, "request.messages[0].content[1]"),
    ({"type": "video", "format": "mp4", "s3": {"uri": "https://x"}}, "request.messages[0].content[1].s3.uri"),
    ({"type": "video", "format": "mp4", "s3": {"uri": "s3://b/k", "owner": "1"}}, "request.messages[0].content[1].s3.owner"),
    ({"type": "document", "format": "pdf", "s3": {"uri": "s3://b/k"}}, "request.messages[0].content[1].name"),
])
def test_bad_media_blocks_name_their_field(client, block, field):
    with pytest.raises(InvalidArgumentError) as caught:
        client.chat({"model": "amazon.nova-pro-v1:0", "messages": [{"role": "user", "content": ["x", block]}]})
    assert caught.value.field == field


GUARDRAIL = {"id": "gr-1", "version": "1"}


def test_guard_last_turn_only_wraps_the_last_user_turn_as_chatbedrockconverse_does(client, emulator_url):
    from langchain_aws import ChatBedrockConverse
    from langchain_core.messages import AIMessage, HumanMessage

    clear_recorded(emulator_url)
    client.chat({"model": CLAUDE, "guardrail": {**GUARDRAIL, "guard_last_turn_only": True},
                 "messages": [["human", "first"], ["ai", "answer"], ["human", "second"]]})
    _, ours = sent(emulator_url)
    theirs_model = ChatBedrockConverse(model=CLAUDE, guard_last_turn_only=True,
                                       guardrail_config={"guardrailIdentifier": "gr-1", "guardrailVersion": "1"},
                                       client=boto3.client("bedrock-runtime", **emulator_aws_settings(emulator_url)))
    theirs_model.invoke([HumanMessage("first"), AIMessage("answer"), HumanMessage("second")])
    _, theirs = sent(emulator_url)
    assert ours["messages"] == theirs["messages"]
    assert ours["messages"][-1]["content"] == [{"guardContent": {"text": {"text": "second"}}}]


def test_stream_processing_mode_goes_to_converse_stream(client, emulator_url):
    clear_recorded(emulator_url)
    list(client.chat_stream({"model": CLAUDE, "guardrail": {**GUARDRAIL, "stream_processing_mode": "async"},
                             "messages": [["human", "stream"]]}))
    _, body = sent(emulator_url)
    assert body["guardrailConfig"]["streamProcessingMode"] == "async"


def test_guard_content_blocks(client, emulator_url):
    clear_recorded(emulator_url)
    client.chat({"model": CLAUDE, "guardrail": GUARDRAIL, "messages": [{"role": "user", "content": [
        "Answer from the source.",
        {"type": "guard_content", "text": "The sky is green.", "qualifiers": ["grounding_source"]}]}]})
    _, body = sent(emulator_url)
    assert body["messages"][0]["content"][1] == {"guardContent": {"text": {"text": "The sky is green.",
                                                                              "qualifiers": ["grounding_source"]}}}


@pytest.mark.parametrize(("guardrail", "field"), [
    ({**GUARDRAIL, "stream_processing_mode": "later"}, "request.guardrail.stream_processing_mode"),
    ({**GUARDRAIL, "guard_last_turn": True}, "request.guardrail.guard_last_turn"),
])
def test_bad_guardrail_members_name_their_field(client, guardrail, field):
    with pytest.raises(InvalidArgumentError) as caught:
        client.chat({"model": CLAUDE, "guardrail": guardrail, "messages": [["human", "x"]]})
    assert caught.value.field == field


@pytest.mark.parametrize(("model", "reasoning", "where", "expected"), [
    (CLAUDE, {"budget_tokens": 1024}, "thinking", {"type": "enabled", "budget_tokens": 1024}),
    ("amazon.nova-pro-v1:0", {"effort": "medium"}, "reasoningConfig", {"type": "enabled", "maxReasoningEffort": "medium"}),
    ("openai.gpt-oss-20b-1:0", {"effort": "high"}, "reasoning_effort", "high"),
])
def test_reasoning_maps_to_each_providers_field(client, emulator_url, model, reasoning, where, expected):
    clear_recorded(emulator_url)
    reply = client.chat({"model": model, "messages": [["human", "think"]], "max_tokens": 2000, "reasoning": reasoning})
    _, body = sent(emulator_url)
    fields = body.get("additionalModelRequestFields", body) if reply["api"] == "converse" else body
    assert fields[where] == expected
    if "budget_tokens" in reasoning:
        assert any(block["type"] == "reasoning" for block in reply["blocks"])


@pytest.mark.parametrize(("model", "reasoning"), [
    (CLAUDE, {"effort": "high"}), ("amazon.nova-pro-v1:0", {"budget_tokens": 100}),
    ("meta.llama3-8b-instruct-v1:0", {"effort": "low"}), (CLAUDE, {"budget_tokens": 1024, "effort": "low"}),
    ("openai.gpt-oss-20b-1:0", {"effort": "max"}), (CLAUDE, {"budget": 10}),
])
def test_a_reasoning_setting_the_model_cannot_take_is_refused(client, model, reasoning):
    with pytest.raises(InvalidArgumentError) as caught:
        client.chat({"model": model, "messages": [["human", "x"]], "reasoning": reasoning})
    assert caught.value.field.startswith("request.reasoning")


def test_cited_documents_come_back_with_their_citations(client, emulator_url):
    document = {"type": "document", "format": "txt", "name": "sky", "text": "  The sky is blue. It is wide.",
                "citations": True, "context": "weather notes"}
    request = {"model": CLAUDE, "messages": [{"role": "user", "content": ["What colour is the sky?", document]}]}
    clear_recorded(emulator_url)
    reply = client.chat(request)
    _, body = sent(emulator_url)
    assert body["messages"][0]["content"][1] == {"document": {
        "format": "txt", "name": "sky", "source": {"text": "  The sky is blue. It is wide."}, "context": "weather notes",
        "citations": {"enabled": True}}}
    [block] = [b for b in reply["blocks"] if b["type"] == "text"]
    assert block["text"] == "According to sky: The sky is blue." == reply["content"]
    assert block["citations"] == [{"title": "sky", "sourceContent": [{"text": "The sky is blue."}],
                                   "location": {"documentChar": {"documentIndex": 0, "start": 2, "end": 18}}}]
    events = list(client.chat_stream(request))
    streamed = [event["citation"] for event in events if event["type"] == "citation"]
    assert streamed == block["citations"]
    assert events[-1]["message"]["blocks"] == reply["blocks"]
    # The cited reply goes back as citationsContent in the next turn.
    follow_up = {**request, "messages": [*request["messages"], {"role": "assistant", "content": reply["blocks"]},
                                         ["human", "And at night?"]]}
    client.chat(follow_up)
    _, body = sent(emulator_url)
    assert body["messages"][1]["content"][0]["citationsContent"]["citations"] == block["citations"]


def test_search_result_blocks_go_to_converse(client, emulator_url):
    block = {"type": "search_result", "source": "https://example.com/sky", "title": "Sky facts",
             "content": ["The sky is blue.", {"text": "It is wide."}], "citations": True}
    clear_recorded(emulator_url)
    reply = client.chat({"model": CLAUDE, "messages": [{"role": "user", "content": ["What colour is the sky?", block]}]})
    _, body = sent(emulator_url)
    assert body["messages"][0]["content"][1] == {"searchResult": {
        "source": "https://example.com/sky", "title": "Sky facts",
        "content": [{"text": "The sky is blue."}, {"text": "It is wide."}], "citations": {"enabled": True}}}
    assert reply["api"] == "converse"
    with pytest.raises(InvalidArgumentError) as caught:
        client.chat({"model": CLAUDE, "messages": [{"role": "user", "content": [{**block, "content": []}]}]})
    assert caught.value.field == "request.messages[0].content[0].content"


def test_system_tools_run_by_the_service_come_back_as_server_tool_blocks(client, emulator_url):
    request = {"model": "us.amazon.nova-2-lite-v1:0", "messages": [["human", "What is new in Rust?"]],
               "tools": [{"type": "system_tool", "name": "nova_grounding"}]}
    clear_recorded(emulator_url)
    reply = client.chat(request)
    _, body = sent(emulator_url)
    assert body["toolConfig"] == {"tools": [{"systemTool": {"name": "nova_grounding"}}]}
    call, result = reply["blocks"][:2]
    assert call == {"type": "server_tool_use", "id": call["id"], "name": "nova_grounding",
                    "input": {"query": "What is new in Rust?"}}
    assert result["type"] == "server_tool_result" and result["tool_use_id"] == call["id"]
    assert result["tool_type"] == "nova_grounding" and result["is_error"] is False
    assert [source["domain"] for source in result["content"][0]["json"]["results"]] == ["www.example.com", "news.example.org"]
    assert reply["tool_calls"] == [] and reply["stop_reason"] == "end_turn"
    web = [citation["location"]["web"] for block in reply["blocks"] for citation in block.get("citations", [])]
    assert [location["domain"] for location in web] == ["www.example.com", "news.example.org"]

    events = list(client.chat_stream(request))
    types = [event["type"] for event in events]
    assert types.count("server_tool_call_start") == 1 and types.count("server_tool_result") == 1
    args = "".join(event["args"] for event in events if event["type"] == "server_tool_call_delta")
    assert json.loads(args) == call["input"]
    assert events[-1]["message"]["blocks"] == reply["blocks"]

    # The call and its result go back as Converse gave them.
    follow_up = {**request, "messages": [*request["messages"], {"role": "assistant", "content": reply["blocks"]},
                                         ["human", "And in Go?"]]}
    client.chat(follow_up)
    _, body = sent(emulator_url)
    assert body["messages"][1]["content"][:2] == [
        {"toolUse": {"toolUseId": call["id"], "name": "nova_grounding", "input": call["input"], "type": "server_tool_use"}},
        {"toolResult": {"toolUseId": call["id"], "content": result["content"], "status": "success", "type": "nova_grounding"}}]
