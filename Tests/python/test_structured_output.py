"""Native structured output: `response_schema_method` "json_schema" sends Converse's
`outputConfig.textFormat` as ChatBedrockConverse's `with_structured_output(method="json_schema")`
does, and "auto" picks it when thinking is on (Claude refuses a forced tool while thinking).
The reply's text is the structured value."""

import json

import boto3
import pytest
from langchain_aws import ChatBedrockConverse

from bedrock_chat import InvalidArgumentError
from bedrock_testlib import emulator_aws_settings
from parity import clear_recorded, recorded

CLAUDE = "anthropic.claude-sonnet-4-5-20250929-v1:0"
SCHEMA = {"title": "Person", "description": "Someone we know", "type": "object",
          "properties": {"name": {"type": "string"}, "age": {"type": "integer"},
                         "address": {"type": "object", "properties": {"city": {"type": "string"}}}},
          "required": ["name", "age"]}
THINKING = {"thinking": {"type": "enabled", "budget_tokens": 1024}}


def chat_request(**extra):
    return {"model": CLAUDE, "messages": [["human", "Who is Ada?"]], "max_tokens": 2000,
            "response_schema": SCHEMA, **extra}


def last_body(url):
    return recorded(url)[-1]["body"]


def text_format(body):
    text_format = body["outputConfig"]["textFormat"]
    definition = text_format["structure"]["jsonSchema"]
    return {**text_format, "structure": {"jsonSchema": {**definition, "schema": json.loads(definition["schema"])}}}


def test_json_schema_sends_output_config_as_chatbedrockconverse_does(client, emulator_url):
    clear_recorded(emulator_url)
    reply = client.chat(chat_request(response_schema_method="json_schema"))
    ours = last_body(emulator_url)
    settings = emulator_aws_settings(emulator_url)
    model = ChatBedrockConverse(model=CLAUDE, max_tokens=2000,
                                client=boto3.client("bedrock-runtime", **settings))
    model.with_structured_output(SCHEMA, method="json_schema").invoke("Who is Ada?")
    theirs = last_body(emulator_url)
    assert text_format(ours) == text_format(theirs)
    assert "toolConfig" not in ours
    assert reply["api"] == "converse" and reply["tool_calls"] == []
    assert set(reply["structured"]) >= {"name", "age"} and reply["structured"] == json.loads(reply["content"])
    closed = json.loads(ours["outputConfig"]["textFormat"]["structure"]["jsonSchema"]["schema"])
    assert closed["additionalProperties"] is False and closed["properties"]["address"]["additionalProperties"] is False


def test_auto_with_thinking_uses_native_output(client, emulator_url):
    clear_recorded(emulator_url)
    reply = client.chat(chat_request(model_kwargs=THINKING))
    body = last_body(emulator_url)
    assert "outputConfig" in body and "toolConfig" not in body
    assert reply["structured"]["name"]


def test_auto_without_thinking_keeps_the_forced_tool(client, emulator_url):
    clear_recorded(emulator_url)
    reply = client.chat(chat_request(api="converse"))
    body = last_body(emulator_url)
    assert "outputConfig" not in body
    assert body["toolConfig"]["toolChoice"] == {"tool": {"name": "Person"}}
    assert reply["structured"]["name"]


def test_the_structured_value_streams(client):
    events = list(client.chat_stream(chat_request(response_schema_method="json_schema")))
    message = events[-1]["message"]
    streamed = "".join(event["text"] for event in events if event["type"] == "text")
    assert message["structured"] == json.loads(streamed)


def test_other_output_config_members_pass_through(client, emulator_url):
    clear_recorded(emulator_url)
    client.chat(chat_request(response_schema_method="json_schema", output_config={"effort": "high"}))
    output = last_body(emulator_url)["outputConfig"]
    assert output["effort"] == "high" and output["textFormat"]["type"] == "json_schema"


@pytest.mark.parametrize(("extra", "field"), [
    ({"api": "invoke", "response_schema_method": "json_schema"}, "request.response_schema_method"),
    ({"response_schema_method": "native"}, "request.response_schema_method"),
    ({"api": "invoke", "output_config": {"effort": "high"}}, "request.output_config"),
])
def test_bad_choices_name_their_field(client, extra, field):
    with pytest.raises(InvalidArgumentError) as caught:
        client.chat(chat_request(**extra))
    assert caught.value.field == field


WEATHER = {"name": "get_weather", "description": "Weather in a city",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def test_strict_tools_go_as_chatbedrockconverse_binds_them(client, emulator_url):
    clear_recorded(emulator_url)
    client.chat({"model": CLAUDE, "messages": [["human", "Weather in Paris?"]], "max_tokens": 200,
                 "tools": [{**WEATHER, "strict": True}]})
    ours = last_body(emulator_url)["toolConfig"]["tools"][0]["toolSpec"]
    model = ChatBedrockConverse(model=CLAUDE, max_tokens=200,
                                client=boto3.client("bedrock-runtime", **emulator_aws_settings(emulator_url)))
    model.bind_tools([{"name": WEATHER["name"], "description": WEATHER["description"],
                       "parameters": WEATHER["input_schema"]}], strict=True).invoke("Weather in Paris?")
    theirs = last_body(emulator_url)["toolConfig"]["tools"][0]["toolSpec"]
    assert ours["strict"] is True and ours == theirs


def test_strict_needs_converse(client):
    with pytest.raises(InvalidArgumentError) as caught:
        client.chat({"model": CLAUDE, "api": "invoke", "messages": [["human", "x"]], "max_tokens": 10,
                     "tools": [WEATHER, {**WEATHER, "name": "other", "strict": False}]})
    assert caught.value.field == "request.tools[1].strict"


def test_chatbedrocknative_json_schema_matches_chatbedrockconverse(emulator_url):
    from pydantic import BaseModel

    from bedrock_chat.langchain import ChatBedrockNative

    class Person(BaseModel):
        """Someone we know"""
        name: str
        age: int

    settings = emulator_aws_settings(emulator_url)
    ours = ChatBedrockNative(model=CLAUDE, max_tokens=500, region=settings["region_name"], base_url=emulator_url,
                             aws_access_key_id=settings["aws_access_key_id"],
                             aws_secret_access_key=settings["aws_secret_access_key"])
    theirs = ChatBedrockConverse(model=CLAUDE, max_tokens=500, client=boto3.client("bedrock-runtime", **settings))
    clear_recorded(emulator_url)
    person = ours.with_structured_output(Person, method="json_schema").invoke("Who is Ada?")
    sent_ours = last_body(emulator_url)
    expected = theirs.with_structured_output(Person, method="json_schema").invoke("Who is Ada?")
    sent_theirs = last_body(emulator_url)
    assert text_format(sent_ours) == text_format(sent_theirs)
    assert isinstance(person, Person) and person == expected
